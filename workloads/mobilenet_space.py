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

The knobs — per stage ``i`` (1..7) ``si_block`` (``ibn``, ``fused_ibn``, ``grouped_ibn``),
``si_kernel``, ``si_expansion``, ``si_width``, ``si_depth`` and ``si_group``, plus
``resolution`` — their choices, validation and sampling are :mod:`.mobilenet_knobs`
(every name re-exported here); this module builds the network a choice describes.

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

from . import mobilenet_knobs
from .layers import Conv2d, Elementwise, GlobalPool, Layer, Linear, WorkloadError
from .mobilenet_knobs import *  # noqa: F403 - the knobs, re-exported (their __all__)
from .mobilenet_knobs import (
    HEAD_CHANNELS,
    STAGE_TEMPLATE,
    STEM_CHANNELS,
    STEM_STRIDE,
    canonical_choice,
    validate_choice,
)
from .workload import Workload

__all__ = ["BlockSpec", "MobileNetPlan", "make_divisible", "build_plan", "mobilenet_workload"]
__all__ += mobilenet_knobs.__all__


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round ``value`` to a multiple of ``divisor`` the MobileNet way (the rule of the
    TF-slim / model-garden MobileNet and EfficientNet code, which the zoo builds with too).

    The result is at least ``min_value`` (default ``divisor``) and never more than 10 %
    below ``value``.
    """
    min_value = divisor if min_value is None else min_value
    new = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new < 0.9 * value:
        new += divisor
    return int(new)


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


def _conv(
    c_in: int,
    c_out: int,
    kernel: int,
    stride: int,
    size: int,
    name: str,
    *,
    groups: int = 1,
    relu: bool = True,
    inputs: tuple[str, ...] = (),
) -> Conv2d:
    """A convolution of the network: ``kernel // 2`` padding, batch norm folded (a bias),
    ReLU fused unless ``relu`` is false (the linear projections)."""
    return Conv2d(
        c_in,
        c_out,
        kernel,
        stride,
        kernel // 2,
        groups=groups,
        input_size=size,
        bias=True,
        activation="relu" if relu else None,
        name=name,
        inputs=inputs,
    )


def _block_layers(b: BlockSpec, src: str) -> list[Layer]:
    """The IR layers of one block; ``src`` names the layer producing its input."""
    layers: list[Layer] = []
    if b.block == "ibn":  # 1x1 expand (none at expansion 1), then a depthwise KxK conv
        if b.has_expand:
            name = f"{b.name}_expand"
            layers.append(_conv(b.in_channels, b.expanded, 1, 1, b.input_size, name, inputs=(src,)))
        kxk_in, groups, kxk = b.expanded, b.expanded, "dw"
    else:  # one full (fused) or grouped KxK conv expands
        kxk_in, groups = b.in_channels, b.groups
        kxk = "fused" if b.block == "fused_ibn" else "gconv"
    layers.append(
        _conv(
            kxk_in,
            b.expanded,
            b.kernel,
            b.stride,
            b.input_size,
            f"{b.name}_{kxk}",
            groups=groups,
            inputs=() if layers else (src,),  # after an expand conv: implicit
        )
    )
    layers.append(
        _conv(b.expanded, b.out_channels, 1, 1, b.output_size, f"{b.name}_project", relu=False)
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
        _conv(plan.in_channels, plan.stem_channels, 3, plan.stem_stride, plan.resolution, "stem")
    ]
    src = "stem"
    for b in plan.blocks:
        blk = _block_layers(b, src)
        layers.extend(blk)
        src = blk[-1].name
    hs = plan.head_input_size
    layers.append(_conv(plan.blocks[-1].out_channels, plan.head_channels, 1, 1, hs, "head"))
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
