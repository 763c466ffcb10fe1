"""An Edge-TPU MobileNet-like neural search space (inverted-bottleneck blocks).

The space follows the co-design work on Edge TPU accelerators and networks (Zhou,
Dong, Akin, Tan, Peng, Meng, Yazdanbakhsh et al., "Rethinking co-design of neural
architectures and hardware accelerators", 2021; Akin et al., "Searching for efficient
neural architectures for on-device ML on Edge TPUs", CVPR-W 2022; the
MobileNetEdgeTPU / EfficientNet-EdgeTPU models). Those spaces are built on the
EfficientNet-B0 / MnasNet backbone, so that is the template used here:

======  ======  ======  ==========  ===============================
stage   width   stride  base depth  EfficientNet-B0 kernel / expand
======  ======  ======  ==========  ===============================
s1      16      1       1           3 / 1
s2      24      2       2           3 / 6
s3      40      2       2           5 / 6
s4      80      2       3           3 / 6
s5      112     1       3           5 / 6
s6      192     2       4           5 / 6
s7      320     1       1           3 / 6
======  ======  ======  ==========  ===============================

A fixed stem (3x3 convolution, stride 2, 32 channels, ReLU) comes first and a fixed head
(1x1 convolution to 1280 channels, ReLU, global average pooling, a fully connected
classifier) last; total stride 32, as in MobileNetV2, MnasNet, EfficientNet and
MobileNetEdgeTPU. Edge-TPU style throughout: batch norm folded into the convolutions
(every convolution has a bias), ReLU fused into the producing layer
(``activation="relu"``), no squeeze-and-excitation, no swish.

Per stage ``i`` (1..7) the knobs are:

* ``si_block`` — ``"ibn"`` (1x1 expand, depthwise KxK, 1x1 project), ``"fused_ibn"``
  (full KxK expand convolution, 1x1 project) or ``"grouped_ibn"`` (grouped KxK expand
  convolution, 1x1 project);
* ``si_kernel`` — 3 or 5;
* ``si_expansion`` — 1, 4, 6 or 8 (MobileNetV2/EfficientNet use 6, MobileNetEdgeTPU
  4 and 8; 1 gives the thin first block of MobileNetV2). With expansion 1 an ``ibn``
  block has no expand layer (depthwise, then project); a ``fused_ibn`` or
  ``grouped_ibn`` block keeps its KxK convolution (``in -> in`` channels);
* ``si_width`` — multiplier of the stage's base width: 0.75, 1.0 or 1.25, rounded to a
  multiple of 8 the MobileNet way (never more than 10 % below the exact value);
* ``si_depth`` — number of blocks, 1 to 4;
* ``si_group`` — input channels per group of a ``grouped_ibn`` expand convolution:
  8, 16 or 32 (ignored by the other block types).

plus ``resolution`` (input side: 160, 192 or 224).

The first block of a stage carries the stage's stride; a block adds its input to its
output (an ``Elementwise`` add whose ``inputs`` name both producers) when its stride is
1 and its input and output widths are equal.

Invalid combinations are **excluded by construction**, never rejected: every value of
every knob, in any combination, gives a valid network. The only combination that could
be invalid is a grouped convolution whose group size does not divide the block's
input width (e.g. 32-channel groups over a 24-channel input); the effective group size
is ``gcd(si_group, C_in)`` — the largest power-of-two divisor of the input width not
above the requested size (at least 8, since every width is a multiple of 8). The
expanded width ``C_in * expansion`` is then always divisible by the number of groups.
:func:`validate_choice` rejects only unknown keys, missing keys and values that are not
among a knob's choices.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .layers import Conv2d, Elementwise, GlobalPool, Layer, Linear, WorkloadError
from .workload import Workload

__all__ = [
    "STAGE_TEMPLATE",
    "STEM_CHANNELS",
    "HEAD_CHANNELS",
    "BLOCK_TYPES",
    "MOBILENET_SPACE_KNOBS",
    "BlockSpec",
    "MobileNetPlan",
    "make_divisible",
    "validate_choice",
    "canonical_choice",
    "default_choice",
    "random_choice",
    "space_size",
    "build_plan",
    "mobilenet_workload",
    "mobilenet_design_space",
    "choice_features",
]

#: ``(base width, stride of the first block)`` of the seven stages (EfficientNet-B0).
STAGE_TEMPLATE: tuple[tuple[int, int], ...] = (
    (16, 1),
    (24, 2),
    (40, 2),
    (80, 2),
    (112, 1),
    (192, 2),
    (320, 1),
)
NUM_STAGES = len(STAGE_TEMPLATE)
STEM_CHANNELS = 32
STEM_STRIDE = 2
HEAD_CHANNELS = 1280
BLOCK_TYPES: tuple[str, ...] = ("ibn", "fused_ibn", "grouped_ibn")
KERNEL_CHOICES: tuple[int, ...] = (3, 5)
EXPANSION_CHOICES: tuple[int, ...] = (1, 4, 6, 8)
WIDTH_CHOICES: tuple[float, ...] = (0.75, 1.0, 1.25)
DEPTH_CHOICES: tuple[int, ...] = (1, 2, 3, 4)
GROUP_CHOICES: tuple[int, ...] = (8, 16, 32)
RESOLUTION_CHOICES: tuple[int, ...] = (160, 192, 224)


def _stage_knobs(i: int) -> list[tuple[str, str, tuple[Any, ...]]]:
    return [
        (f"s{i}_block", "categorical", BLOCK_TYPES),
        (f"s{i}_kernel", "ordinal", KERNEL_CHOICES),
        (f"s{i}_expansion", "ordinal", EXPANSION_CHOICES),
        (f"s{i}_width", "ordinal", WIDTH_CHOICES),
        (f"s{i}_depth", "ordinal", DEPTH_CHOICES),
        (f"s{i}_group", "ordinal", GROUP_CHOICES),
    ]


#: The knobs as plain data: ``(name, kind, choices)``, kind ``"categorical"`` or
#: ``"ordinal"`` (choices in increasing order). 43 knobs: six per stage, then resolution.
MOBILENET_SPACE_KNOBS: list[tuple[str, str, tuple[Any, ...]]] = [
    knob for i in range(1, NUM_STAGES + 1) for knob in _stage_knobs(i)
] + [("resolution", "ordinal", RESOLUTION_CHOICES)]

_KNOB_CHOICES: dict[str, tuple[Any, ...]] = {name: ch for name, _, ch in MOBILENET_SPACE_KNOBS}

#: Close to MobileNetEdgeTPU: fused IBN blocks (expansion 8) in the early,
#: high-resolution stages where a full convolution keeps the systolic array busy, and
#: depthwise IBN blocks later; kernel 5 in the 160/192-channel stage; expansions 8 and 4.
_DEFAULT: dict[str, Any] = {}
for _i, (_blk, _k, _e, _d) in enumerate(
    [
        ("fused_ibn", 3, 1, 1),
        ("fused_ibn", 3, 8, 2),
        ("fused_ibn", 3, 8, 3),
        ("ibn", 3, 8, 3),
        ("ibn", 3, 4, 4),
        ("ibn", 5, 8, 4),
        ("ibn", 3, 8, 1),
    ],
    start=1,
):
    _DEFAULT.update(
        {
            f"s{_i}_block": _blk,
            f"s{_i}_kernel": _k,
            f"s{_i}_expansion": _e,
            f"s{_i}_width": 1.0,
            f"s{_i}_depth": _d,
            f"s{_i}_group": 16,
        }
    )
_DEFAULT["resolution"] = 224


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round ``value`` to a multiple of ``divisor`` the MobileNet way.

    The result is at least ``min_value`` (default ``divisor``) and never more than 10 %
    below ``value``.
    """
    min_value = divisor if min_value is None else min_value
    new = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new < 0.9 * value:
        new += divisor
    return int(new)


def _fmt_allowed(choices: tuple[Any, ...]) -> str:
    return ", ".join(repr(c) for c in choices)


def validate_choice(choice: Mapping[str, Any]) -> dict[str, Any]:
    """Check a choice and return it as a plain dict with normalised value types.

    Args:
        choice: one value for every knob of :data:`MOBILENET_SPACE_KNOBS`.

    Returns:
        A new dict in knob order; numeric values given as numpy scalars or as equal
        numbers of another type (``1`` for ``1.0``) are normalised to the choice's type.

    Raises:
        WorkloadError: a missing or unknown key, or a value not among the knob's choices
            (the message names the key and the allowed values).
    """
    if not isinstance(choice, Mapping):
        raise WorkloadError(f"a MobileNet-space choice must be a dict, got {type(choice).__name__}")
    missing = [name for name in _KNOB_CHOICES if name not in choice]
    if missing:
        raise WorkloadError(f"MobileNet-space choice is missing keys: {missing}")
    unknown = sorted(k for k in choice if k not in _KNOB_CHOICES)
    if unknown:
        raise WorkloadError(
            f"MobileNet-space choice has unknown keys {unknown}; known keys: s1..s{NUM_STAGES}_"
            "{block, kernel, expansion, width, depth, group} and resolution"
        )
    out: dict[str, Any] = {}
    for name, choices in _KNOB_CHOICES.items():
        value = choice[name]
        if isinstance(value, np.generic):
            value = value.item()
        match = None
        for c in choices:
            if isinstance(c, str):
                if value == c:
                    match = c
            elif (
                not isinstance(value, (str, bool))
                and isinstance(value, (int, float))
                and value == c
            ):
                match = c
        if match is None:
            raise WorkloadError(
                f"{name}={value!r} is not allowed; allowed values: {_fmt_allowed(choices)}"
            )
        out[name] = match
    return out


def canonical_choice(choice: Mapping[str, Any]) -> dict[str, Any]:
    """The validated choice with the knobs that do not change the network normalised.

    ``si_group`` matters only for ``grouped_ibn`` stages; elsewhere it is set to the
    first group choice, so two choices that build the same network compare equal (used
    as cache keys and surrogate features).
    """
    out = validate_choice(choice)
    for i in range(1, NUM_STAGES + 1):
        if out[f"s{i}_block"] != "grouped_ibn":
            out[f"s{i}_group"] = GROUP_CHOICES[0]
    return out


def default_choice() -> dict[str, Any]:
    """A choice close to MobileNetEdgeTPU (see the module docstring)."""
    return dict(_DEFAULT)


def random_choice(rng: np.random.Generator | int | None = None) -> dict[str, Any]:
    """A uniformly random choice (each knob independently).

    Args:
        rng: a numpy ``Generator`` or a seed.
    """
    rng = np.random.default_rng(rng)
    out: dict[str, Any] = {}
    for name, _, choices in MOBILENET_SPACE_KNOBS:
        out[name] = choices[int(rng.integers(len(choices)))]
    return out


def space_size(distinct: bool = False) -> int:
    """Number of points of the space.

    Args:
        distinct: ``False`` (default): knob combinations, what a design-space
            enumeration sees. ``True``: combinations with ``si_group`` counted only for
            ``grouped_ibn`` stages (an upper bound on the number of distinct networks;
            effective group sizes may still coincide after the ``gcd`` clamp).
    """
    if not distinct:
        return math.prod(len(ch) for _, _, ch in MOBILENET_SPACE_KNOBS)
    per_stage = (
        len(KERNEL_CHOICES)
        * len(EXPANSION_CHOICES)
        * len(WIDTH_CHOICES)
        * len(DEPTH_CHOICES)
        * (len(BLOCK_TYPES) - 1 + len(GROUP_CHOICES))
    )
    return per_stage**NUM_STAGES * len(RESOLUTION_CHOICES)


# --------------------------------------------------------------------------------------
# The block plan: one description that both the Workload and the torch model follow
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockSpec:
    """One inverted-bottleneck block of a built network.

    Attributes:
        name: ``"s<stage>b<block>"``.
        stage: stage number (1-based).
        block: ``"ibn"``, ``"fused_ibn"`` or ``"grouped_ibn"``.
        in_channels / expanded / out_channels: widths at the block input, after the
            expansion and at the output.
        kernel: kernel size of the depthwise (``ibn``) or expand (fused/grouped) conv.
        stride: stride of the block (on its KxK convolution).
        groups: groups of the KxK expand convolution (1 for fused, ``C_in / group
            size`` for grouped, unused for ``ibn``).
        has_expand: whether an ``ibn`` block has a 1x1 expand layer (expansion > 1).
        residual: whether the block adds its input to its output.
        input_size / output_size: spatial side at the block input and output.
    """

    name: str
    stage: int
    block: str
    in_channels: int
    expanded: int
    out_channels: int
    kernel: int
    stride: int
    groups: int
    has_expand: bool
    residual: bool
    input_size: int
    output_size: int


@dataclass(frozen=True)
class MobileNetPlan:
    """A built network: stem, blocks and head, with every width, stride and size."""

    in_channels: int
    resolution: int
    stem_channels: int
    stem_stride: int
    stem_output_size: int
    blocks: tuple[BlockSpec, ...]
    head_channels: int
    head_input_size: int
    num_classes: int

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["blocks"] = [asdict(b) for b in self.blocks]
        return d


def _conv_out(size: int, kernel: int, stride: int) -> int:
    pad = kernel // 2
    return (size + 2 * pad - kernel) // stride + 1


def build_plan(
    choice: Mapping[str, Any],
    *,
    num_classes: int = 1000,
    resolution: int | None = None,
    in_channels: int = 3,
    width_scale: float = 1.0,
    divisor: int = 8,
    max_downsamples: int | None = None,
) -> MobileNetPlan:
    """Every block of the network a choice describes.

    Args:
        choice: a MobileNet-space choice (validated here).
        num_classes: classifier outputs.
        resolution: input side; default the choice's ``resolution``.
        in_channels: input channels (3 for RGB, 1 for grey images).
        width_scale: multiplies every width (stem, stages, head) before rounding; 1.0
            for the real network, smaller for the scaled-down trained oracle.
        divisor: widths are rounded to multiples of this (8 for the real network).
        max_downsamples: only the first this many stride-2 layers (the stem counts,
            then the first block of each stride-2 stage in order) keep their stride; the
            later ones run at stride 1, so a small input such as 28x28 does not vanish.
            ``None`` (default) keeps all five (total stride 32).

    Raises:
        WorkloadError: an invalid choice.
    """
    c = validate_choice(choice)
    res = int(c["resolution"] if resolution is None else resolution)
    if res < 1:
        raise WorkloadError(f"resolution must be a positive integer, got {resolution!r}")

    def width(base: float) -> int:
        return make_divisible(base * width_scale, divisor)

    downsamples = 0

    def stride_for(stride: int) -> int:
        nonlocal downsamples
        if stride > 1:
            if max_downsamples is not None and downsamples >= max_downsamples:
                return 1
            downsamples += 1
        return stride

    stem_c = width(STEM_CHANNELS)
    stem_s = stride_for(STEM_STRIDE)
    size = _conv_out(res, 3, stem_s)
    stem_size = size
    prev_c = stem_c
    blocks: list[BlockSpec] = []
    for i, (base_w, base_s) in enumerate(STAGE_TEMPLATE, start=1):
        blk, k, e = c[f"s{i}_block"], c[f"s{i}_kernel"], c[f"s{i}_expansion"]
        out_c = width(base_w * c[f"s{i}_width"])
        for j in range(c[f"s{i}_depth"]):
            s = stride_for(base_s) if j == 0 else 1
            cin = prev_c
            expanded = cin * e
            if blk == "grouped_ibn":
                gsize = math.gcd(max(1, round(c[f"s{i}_group"] * width_scale)), cin)
                groups = cin // gsize
            else:
                groups = 1
            out_size = _conv_out(size, k, s)
            blocks.append(
                BlockSpec(
                    name=f"s{i}b{j + 1}",
                    stage=i,
                    block=blk,
                    in_channels=cin,
                    expanded=expanded,
                    out_channels=out_c,
                    kernel=k,
                    stride=s,
                    groups=groups,
                    has_expand=(blk != "ibn") or e > 1,
                    residual=(s == 1 and cin == out_c),
                    input_size=size,
                    output_size=out_size,
                )
            )
            prev_c, size = out_c, out_size
    return MobileNetPlan(
        in_channels=in_channels,
        resolution=res,
        stem_channels=stem_c,
        stem_stride=stem_s,
        stem_output_size=stem_size,
        blocks=tuple(blocks),
        head_channels=width(HEAD_CHANNELS),
        head_input_size=size,
        num_classes=num_classes,
    )


def _block_layers(b: BlockSpec, src: str) -> list[Layer]:
    """The IR layers of one block; ``src`` names the layer producing its input."""
    k, pad = b.kernel, b.kernel // 2
    layers: list[Layer] = []
    first_inputs = (src,)
    if b.block == "ibn":
        if b.has_expand:
            layers.append(
                Conv2d(
                    b.in_channels,
                    b.expanded,
                    1,
                    1,
                    0,
                    input_size=b.input_size,
                    bias=True,
                    activation="relu",
                    name=f"{b.name}_expand",
                    inputs=first_inputs,
                )
            )
            dw_inputs: tuple[str, ...] = ()
        else:
            dw_inputs = first_inputs
        layers.append(
            Conv2d(
                b.expanded,
                b.expanded,
                k,
                b.stride,
                pad,
                groups=b.expanded,
                input_size=b.input_size,
                bias=True,
                activation="relu",
                name=f"{b.name}_dw",
                inputs=dw_inputs,
            )
        )
    else:
        layers.append(
            Conv2d(
                b.in_channels,
                b.expanded,
                k,
                b.stride,
                pad,
                groups=b.groups,
                input_size=b.input_size,
                bias=True,
                activation="relu",
                name=f"{b.name}_{'fused' if b.block == 'fused_ibn' else 'gconv'}",
                inputs=first_inputs,
            )
        )
    layers.append(
        Conv2d(
            b.expanded,
            b.out_channels,
            1,
            1,
            0,
            input_size=b.output_size,
            bias=True,
            activation=None,
            name=f"{b.name}_project",
        )
    )
    if b.residual:
        layers.append(
            Elementwise(
                b.out_channels * b.output_size**2,
                "add",
                2,
                name=f"{b.name}_add",
                inputs=(src, f"{b.name}_project"),
            )
        )
    return layers


def mobilenet_workload(
    choice: Mapping[str, Any],
    num_classes: int = 1000,
    resolution: int | None = None,
    batch: int = 1,
) -> Workload:
    """Lower a choice to an Edge-TPU-style :class:`~archgym.workloads.Workload`.

    Batch norm is folded (every convolution has a bias), ReLU is fused into the
    producing convolution, projections are linear, residual adds name both producers.

    Args:
        choice: a MobileNet-space choice.
        num_classes: classifier outputs.
        resolution: input side; default the choice's ``resolution``.
        batch: images per inference call (see :class:`Workload`).

    Raises:
        WorkloadError: an invalid choice (the message names the key and the allowed
            values), or a bad batch.
    """
    plan = build_plan(choice, num_classes=num_classes, resolution=resolution)
    layers: list[Layer] = [
        Conv2d(
            plan.in_channels,
            plan.stem_channels,
            3,
            plan.stem_stride,
            1,
            input_size=plan.resolution,
            bias=True,
            activation="relu",
            name="stem",
        )
    ]
    src = "stem"
    for b in plan.blocks:
        blk = _block_layers(b, src)
        layers.extend(blk)
        src = blk[-1].name
    hs = plan.head_input_size
    layers.append(
        Conv2d(
            plan.blocks[-1].out_channels,
            plan.head_channels,
            1,
            1,
            0,
            input_size=hs,
            bias=True,
            activation="relu",
            name="head",
        )
    )
    layers.append(GlobalPool(plan.head_channels, hs, "avg", name="pool"))
    layers.append(Linear(plan.head_channels, num_classes, bias=True, name="classifier"))
    canon = canonical_choice(choice)
    return Workload(
        layers,
        name="mobilenet_space",
        meta={
            "space": "mobilenet_edgetpu_like",
            "choice": canon,
            "input_shape": (plan.in_channels, plan.resolution, plan.resolution),
            "num_classes": num_classes,
        },
        batch=batch,
    )


def choice_features(choice: Mapping[str, Any]) -> np.ndarray:
    """A numeric feature vector of a choice (for surrogates): shape ``(n_features,)``.

    Per stage: one-hot block type (3), kernel, expansion, width, depth, and the group
    size (0 unless ``grouped_ibn``); then the resolution. 8 * 7 + 1 = 57 features.
    """
    c = validate_choice(choice)
    feats: list[float] = []
    for i in range(1, NUM_STAGES + 1):
        blk = c[f"s{i}_block"]
        feats.extend(1.0 if blk == t else 0.0 for t in BLOCK_TYPES)
        feats.extend(
            [
                float(c[f"s{i}_kernel"]),
                float(c[f"s{i}_expansion"]),
                float(c[f"s{i}_width"]),
                float(c[f"s{i}_depth"]),
                float(c[f"s{i}_group"]) if blk == "grouped_ibn" else 0.0,
            ]
        )
    feats.append(float(c["resolution"]))
    return np.asarray(feats, dtype=np.float64)


def mobilenet_design_space() -> Any:
    """The knobs as ``archgym.space`` knobs where that module exists.

    Returns:
        A ``DesignSpace`` (or list of knobs) built from :data:`MOBILENET_SPACE_KNOBS`
        with ``archgym.space.Categorical`` / ``Ordinal``; if ``archgym.space`` is not
        available, the plain-data list itself.
    """
    try:
        from archgym import space as _space  # type: ignore[attr-defined]
    except ImportError:
        return list(MOBILENET_SPACE_KNOBS)
    cat = getattr(_space, "Categorical", None)
    ordi = getattr(_space, "Ordinal", None)
    if cat is None or ordi is None:
        return list(MOBILENET_SPACE_KNOBS)
    knobs = [
        (cat if kind == "categorical" else ordi)(name, tuple(choices))
        for name, kind, choices in MOBILENET_SPACE_KNOBS
    ]
    ds = getattr(_space, "DesignSpace", None)
    return ds(knobs) if ds is not None else knobs
