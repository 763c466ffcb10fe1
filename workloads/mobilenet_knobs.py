"""The knobs of the MobileNet-like space: the stage template they act on, their choices,
validation, defaults, sampling and features (the network they build is
:mod:`.mobilenet_space`, which re-exports every name here).

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

plus ``resolution`` (input side: 160, 192 or 224). Every value of every knob, in any
combination, gives a valid network; :func:`validate_choice` rejects only unknown keys,
missing keys and values that are not among a knob's choices.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .layers import WorkloadError

__all__ = [
    "STAGE_TEMPLATE",
    "NUM_STAGES",
    "STEM_CHANNELS",
    "STEM_STRIDE",
    "HEAD_CHANNELS",
    "BLOCK_TYPES",
    "KERNEL_CHOICES",
    "EXPANSION_CHOICES",
    "WIDTH_CHOICES",
    "DEPTH_CHOICES",
    "GROUP_CHOICES",
    "RESOLUTION_CHOICES",
    "MOBILENET_SPACE_KNOBS",
    "validate_choice",
    "canonical_choice",
    "default_choice",
    "random_choice",
    "space_size",
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
