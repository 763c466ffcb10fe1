"""Which accelerator designs are accepted: the rules a design keeps (:data:`RULES`: every
number within its field's bounds, a depthwise engine with both dimensions or none, memories
that hold one tile, at most 1 TiB on chip), checked once, vectorised and non-raising
(:func:`design_acceptance`), and the one validation path that raises on them
(:func:`validate_fields`, used by :class:`~archgym.accelerator.AcceleratorConfig`,
:class:`~archgym.accelerator.ConfigBatch` and, as infeasible rows,
``archgym.scenarios.hardware.HardwareSpace.check``).

Everything here is re-exported by :mod:`archgym.accelerator`, its public home.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from .accelerator_fields import (
    _DTYPE_BYTES_ARR,
    DTYPES,
    FIELD_SPECS,
    ConfigError,
    FieldSpec,
    _convert,
    _name,
    _where,
)

__all__ = [
    "ACCEPTED",
    "REJECTED_PE",
    "REJECTED_CORE",
    "REJECTED_FIELD",
    "Acceptance",
    "MAX_ONCHIP_KIB",
    "RULES",
    "Rule",
    "design_acceptance",
    "min_core_mem_kib",
    "min_pe_mem_kib",
    "rejection_message",
    "tile_acceptance",
    "validate_fields",
]

#: Largest on-chip memory of a whole design (PE-local and core memories of every core),
#: in KiB: 1 TiB.
MAX_ONCHIP_KIB = float(1 << 30)

_ACCEPTANCE_FIELDS = ("rows", "cols", "lanes", "pe_mem_kib", "core_mem_kib", "dtype")


def min_pe_mem_kib(lanes: Any, dtype_bytes: Any) -> Any:
    """Smallest PE-local memory that holds one tile: a double-buffered stationary operand
    per lane plus one 32-bit accumulator per lane."""
    return (2 * np.asarray(lanes) * np.asarray(dtype_bytes) + 4 * np.asarray(lanes)) / 1024.0


def min_core_mem_kib(rows: Any, cols: Any, lanes: Any, dtype_bytes: Any) -> Any:
    """Smallest per-core memory that holds one tile: the input stripe of one fold
    (``rows * lanes`` elements) and its output stripe (``cols`` elements), double-buffered."""
    return (
        2
        * (np.asarray(rows) * np.asarray(lanes) + np.asarray(cols))
        * np.asarray(dtype_bytes)
        / 1024.0
    )


class Acceptance(NamedTuple):
    """Whether the accelerator accepts each design of a batch (:func:`design_acceptance`;
    :func:`tile_acceptance` checks only that its memories hold one tile).

    Attributes:
        code: ``(n,)`` int64: :data:`ACCEPTED` (0), :data:`REJECTED_PE` (1: the PE-local
            memory is too small to hold one tile), :data:`REJECTED_CORE` (2: the core memory
            is) or :data:`REJECTED_FIELD` (3: another rule: a field out of its bounds, a
            depthwise engine with one dimension 0, more than 1 TiB on chip). A design
            breaking several rules gets the code of the first in :data:`RULES` order.
        need_pe_kib: ``(n,)`` float64 smallest PE-local memory that holds one tile.
        need_core_kib: ``(n,)`` float64 smallest core memory that holds one tile.
        rule: ``(n,)`` int64 index into :data:`RULES` of the first rule each design breaks
            (-1: accepted); None from :func:`tile_acceptance`.
    """

    code: np.ndarray
    need_pe_kib: np.ndarray
    need_core_kib: np.ndarray
    rule: np.ndarray | None = None

    @property
    def accepted(self) -> np.ndarray:
        """``(n,)`` bool."""
        return self.code == ACCEPTED


#: Acceptance codes of :class:`Acceptance`.
ACCEPTED, REJECTED_PE, REJECTED_CORE, REJECTED_FIELD = 0, 1, 2, 3


def tile_acceptance(values: Mapping[str, Any], n: int | None = None) -> Acceptance:
    """Whether each design's memories hold one tile, vectorised and non-raising (the
    memory rules of :func:`design_acceptance`).

    Args:
        values: ``rows``, ``cols``, ``lanes``, ``pe_mem_kib``, ``core_mem_kib`` and
            ``dtype`` (integer codes into :data:`DTYPES`), each a scalar or an ``(n,)`` array.
        n: the batch length the scalars broadcast to (default: the arrays' common length).

    Returns:
        The :class:`Acceptance` of each design, arrays of shape ``(n,)``.
    """
    keys = _ACCEPTANCE_FIELDS
    arrs = {k: np.asarray(values[k]) for k in keys}
    if n is None:
        shape = np.broadcast_shapes(*(a.shape for a in arrs.values()))
        n = shape[0] if shape else 1
    b = _DTYPE_BYTES_ARR[arrs["dtype"].astype(np.int64)]
    need_pe = np.broadcast_to(min_pe_mem_kib(arrs["lanes"], b), (n,))
    need_core = np.broadcast_to(
        min_core_mem_kib(arrs["rows"], arrs["cols"], arrs["lanes"], b), (n,)
    )
    code = np.zeros(n, np.int64)
    code[np.broadcast_to(arrs["core_mem_kib"] < need_core, (n,))] = REJECTED_CORE
    code[np.broadcast_to(arrs["pe_mem_kib"] < need_pe, (n,))] = REJECTED_PE
    return Acceptance(code, need_pe, need_core)


class Rule(NamedTuple):
    """One rule a design must keep (:data:`RULES`).

    Attributes:
        field: the field the rule is about (the first its message names).
        code: the acceptance code of a design breaking it.
        breaks: ``(values, tile) -> (n,) or scalar bool``: which designs break it
            (``values``: per-field arrays or scalars; ``tile``: their
            :func:`tile_acceptance`).
        message: ``(values, tile, i, single) -> str``: why design ``i`` breaks it (the
            text :func:`validate_fields` raises).
    """

    field: str
    code: int
    breaks: Callable[[Mapping[str, np.ndarray], Acceptance], np.ndarray]
    message: Callable[[Mapping[str, np.ndarray], Acceptance, int, bool], str]


def _at(values: Mapping[str, np.ndarray], field: str, i: int) -> Any:
    """Element ``i`` of a field (a scalar stands for every design) as a Python value."""
    a = values[field]
    return (a if a.ndim == 0 else a[i]).item()


def _bounds_rule(spec: FieldSpec) -> Rule:
    """A number within its spec's bounds (choices are checked when converted)."""

    def breaks(v: Mapping[str, np.ndarray], tile: Acceptance) -> np.ndarray:
        return ~spec.within(v[spec.name])

    def message(v: Mapping[str, np.ndarray], tile: Acceptance, i: int, single: bool) -> str:
        return (
            f"{_name(spec.name, single)} must be {spec.rule()} ({spec.why}); "
            f"{_where(single, i, _at(v, spec.name, i))}"
        )

    return Rule(spec.name, REJECTED_FIELD, breaks, message)


def _design(single: bool, i: int) -> str:
    return "this design" if single else f"design {i}"


def _engine_message(v: Mapping[str, np.ndarray], tile: Acceptance, i: int, single: bool) -> str:
    return (
        f"{_name('dw_pixels', single)} and {_name('dw_channels', single)} must both be 0 "
        f"(no depthwise engine) or both >= 1; {_design(single, i)} has "
        f"dw_pixels={int(_at(v, 'dw_pixels', i))}, dw_channels={int(_at(v, 'dw_channels', i))}"
    )


def _tile_message(field: str) -> Callable[..., str]:
    """The message of a memory (``pe_mem_kib`` or ``core_mem_kib``) too small for one tile."""
    core = field == "core_mem_kib"

    def message(v: Mapping[str, np.ndarray], tile: Acceptance, i: int, single: bool) -> str:
        need = (tile.need_core_kib if core else tile.need_pe_kib)[i]
        array = f"of a {int(_at(v, 'rows', i))}x{int(_at(v, 'cols', i))} array " if core else ""
        return (
            f"{_name(field, single)} is too small to hold one tile {array}"
            f"(lanes={int(_at(v, 'lanes', i))}, dtype={DTYPES[int(_at(v, 'dtype', i))]}): "
            f"{_where(single, i, float(_at(v, field, i)))} KiB, needs >= {float(need):.4g} KiB"
        )

    return message


def _onchip_kib(v: Mapping[str, np.ndarray]) -> np.ndarray:
    """All on-chip memory of each design in KiB (float64: exact far beyond the bounds, no
    integer overflow)."""
    rows, cols, cores = (np.asarray(v[f], np.float64) for f in ("rows", "cols", "cores"))
    return rows * cols * cores * v["pe_mem_kib"] + cores * v["core_mem_kib"]


def _onchip_message(v: Mapping[str, np.ndarray], tile: Acceptance, i: int, single: bool) -> str:
    total = np.asarray(_onchip_kib(v))
    kib = float(total if total.ndim == 0 else total[i])
    return (
        f"{_name('pe_mem_kib', single)} / {_name('core_mem_kib', single)}: the on-chip "
        f"memory of all {int(_at(v, 'cores', i))} cores ({kib / 2**30:.4g} TiB) exceeds "
        f"1 TiB; {_design(single, i)}"
    )


#: The rules an accepted design keeps, in the order they are checked: every number within
#: its bounds (:data:`FIELD_SPECS` order), a depthwise engine with both dimensions or none,
#: memories that hold one tile (PE-local, then core: :func:`tile_acceptance`), at most
#: :data:`MAX_ONCHIP_KIB` on chip in all.
RULES: tuple[Rule, ...] = (
    *(_bounds_rule(s) for s in FIELD_SPECS if s.kind in ("int", "float")),
    Rule(
        "dw_pixels",
        REJECTED_FIELD,
        lambda v, tile: (v["dw_pixels"] == 0) != (v["dw_channels"] == 0),
        _engine_message,
    ),
    Rule(
        "pe_mem_kib",
        REJECTED_PE,
        lambda v, t: v["pe_mem_kib"] < t.need_pe_kib,
        _tile_message("pe_mem_kib"),
    ),
    Rule(
        "core_mem_kib",
        REJECTED_CORE,
        lambda v, t: v["core_mem_kib"] < t.need_core_kib,
        _tile_message("core_mem_kib"),
    ),
    Rule(
        "pe_mem_kib",
        REJECTED_FIELD,
        lambda v, t: ~(_onchip_kib(v) <= MAX_ONCHIP_KIB),
        _onchip_message,
    ),
)
_RULE_CODES = np.array([r.code for r in RULES], np.int64)
_RULE_FIELDS = tuple(
    dict.fromkeys(
        [s.name for s in FIELD_SPECS if s.kind in ("int", "float")] + list(_ACCEPTANCE_FIELDS)
    )
)


def design_acceptance(values: Mapping[str, Any], n: int | None = None) -> Acceptance:
    """The accelerator's acceptance, vectorised and non-raising: every rule of
    :data:`RULES`, the ones :func:`validate_fields` (hence :class:`AcceleratorConfig` and
    ``ConfigBatch.validate``) raises on and a scenario (``HardwareSpace.check``) turns
    into infeasible rows.

    Args:
        values: the numeric fields of :data:`FIELD_SPECS` and ``dtype`` (integer codes
            into :data:`DTYPES`), each a scalar or an ``(n,)`` array of its batch dtype.
        n: the batch length the scalars broadcast to (default: the arrays' common length).

    Returns:
        The :class:`Acceptance` of each design (with ``rule``), arrays of shape ``(n,)``.

    Raises:
        ConfigError: ``values`` lacks one of those fields (naming it).
    """
    missing = [f for f in _RULE_FIELDS if f not in values]
    if missing:
        raise ConfigError(f"the acceptance of a design needs its fields {missing}")
    v = {f: np.asarray(values[f]) for f in _RULE_FIELDS}
    with np.errstate(over="ignore", invalid="ignore"):  # out-of-bounds values break a rule
        tile = tile_acceptance(v, n)
        n = len(tile.code)
        broken = np.empty((len(RULES), n), bool)  # rule x design
        for r, rule_ in enumerate(RULES):
            broken[r] = rule_.breaks(v, tile)
    # the first rule a design breaks wins
    rule = np.where(broken.any(axis=0), broken.argmax(axis=0), -1)
    code = np.where(rule < 0, ACCEPTED, _RULE_CODES[rule])
    return Acceptance(code, tile.need_pe_kib, tile.need_core_kib, rule)


def rejection_message(
    values: Mapping[str, Any], i: int, n: int | None = None, single: bool = False
) -> str:
    """Why the accelerator rejects design ``i`` of a batch (``""``: it accepts it): the
    message :func:`validate_fields` raises for it.

    Args:
        values: as for :func:`design_acceptance`.
        i: the design.
        n: as for :func:`design_acceptance`.
        single: word it for one :class:`AcceleratorConfig` (``got X``).
    """
    acc = design_acceptance(values, n)
    v = {f: np.asarray(values[f]) for f in _RULE_FIELDS}
    r = int(acc.rule[i])  # type: ignore[index]
    return "" if r < 0 else RULES[r].message(v, acc, i, single)


def validate_fields(
    values: Mapping[str, Any], single: bool = False, check: bool = True
) -> dict[str, np.ndarray]:
    """The one validation path of accelerator designs (batches and single configs).

    Args:
        values: Per-field values: scalars or 1-D arrays (broadcast to one length), every
            field of :data:`FIELD_SPECS`.
        single: Word messages for one :class:`AcceleratorConfig` (``got X``) rather
            than a batch (``design i has X``).
        check: Also check bounds and memories (False: convert types only).

    Returns:
        The fields as arrays of their batch dtypes, broadcast to one length ``(n,)``.

    Raises:
        ConfigError: naming the field, the design and what is allowed, for every value
            of a wrong type (no coercion), NaN, inf, out of bounds or too large to
            represent, and memories too small for one tile or above 1 TiB in all.
    """
    out = {spec.name: _convert(spec, values[spec.name], single) for spec in FIELD_SPECS}
    try:
        n_shape = np.broadcast_shapes(*(a.shape for a in out.values()))
    except ValueError:
        raise ConfigError(
            f"field arrays do not broadcast to one length: { {k: a.shape for k, a in out.items()} }"
        ) from None
    n = n_shape[0] if n_shape else 1
    out = {k: np.ascontiguousarray(np.broadcast_to(a, (n,))) for k, a in out.items()}
    if check:
        acc = design_acceptance(out, n)
        bad = np.flatnonzero(acc.code != ACCEPTED)
        if bad.size:
            assert acc.rule is not None
            first = acc.rule[bad]
            r = int(first.min())  # the first rule any design breaks, and its first design
            raise ConfigError(RULES[r].message(out, acc, int(bad[first == r][0]), single))
    return out
