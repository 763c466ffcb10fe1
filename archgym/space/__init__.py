"""Typed design spaces: the one knob encoding every agent and environment shares.

A :class:`DesignSpace` is an ordered list of typed knobs (:class:`Categorical`,
:class:`Ordinal`, :class:`Integer`, :class:`PowerOfTwo`), each with a name and a finite
tuple of choices. A design is either a ``dict`` of named values
(``{"rows": 32, "dataflow": "ws"}``) or an *index vector*: one 0-based choice index per
knob, in knob order. A batch of designs is a ``batch x n_knobs`` int64 array of choice
indices. Every conversion (Gymnasium, BoTorch, pymoo, pandas, flat integer index) works
on that encoding, so agents are always compared on the same space.

Example:
    >>> space = DesignSpace([
    ...     PowerOfTwo("rows", 8, 128),
    ...     Categorical("dataflow", ["os", "ws", "is"]),
    ...     Ordinal("sram_kib", [0.5, 1, 2, 4]),
    ... ])
    >>> space.size
    60
    >>> x = space.encode({"rows": 32, "dataflow": "ws", "sram_kib": 2})
    >>> x.tolist()
    [2, 1, 2]
    >>> space.decode(x)
    {'rows': 32, 'dataflow': 'ws', 'sram_kib': 2.0}

Modules: :mod:`~archgym.space.knobs` (the knob types), :mod:`~archgym.space.design_space`
(:class:`DesignSpace`, its encodings and documents), :mod:`~archgym.space.sampling`,
:mod:`~archgym.space.composition` (derived spaces), :mod:`~archgym.space.adapters`
(Gymnasium, BoTorch, pymoo). Only numpy and pandas are imported at module level;
gymnasium, torch, pymoo, scipy and yaml are imported inside the methods that need them.
"""

from __future__ import annotations

from .design_space import DesignSpace
from .knobs import (
    KNOB_TYPES,
    MAX_KNOB_CHOICES,
    Categorical,
    Integer,
    Knob,
    Ordinal,
    PowerOfTwo,
    SeedLike,
    SpaceError,
    knob_from_dict,
)

__all__ = [
    "SpaceError",
    "Knob",
    "Categorical",
    "Ordinal",
    "Integer",
    "PowerOfTwo",
    "DesignSpace",
    "knob_from_dict",
    "KNOB_TYPES",
    "MAX_KNOB_CHOICES",
    "SeedLike",
]
