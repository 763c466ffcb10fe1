"""The fields of an accelerator design: what each may hold (:class:`FieldSpec`,
:data:`FIELD_SPECS`), the one validation path (:func:`validate_fields`, used by
:class:`~archgym.accelerator.AcceleratorConfig` and
:class:`~archgym.accelerator.ConfigBatch`) and the acceptance rule (:func:`tile_acceptance`).

Everything here is re-exported by :mod:`archgym.accelerator`, its public home.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from .dataflows import DATAFLOWS as _DATAFLOWS

__all__ = [
    "ConfigError",
    "DATAFLOWS",
    "DTYPES",
    "DTYPE_BYTES",
    "NODES_NM",
    "FIELD_SPECS",
    "FieldSpec",
    "MAX_ONCHIP_KIB",
    "validate_fields",
    "Acceptance",
    "tile_acceptance",
    "ACCEPTED",
    "REJECTED_PE",
    "REJECTED_CORE",
    "HOST_OPS",
    "host_ops_mask",
    "host_ops_names",
    "min_pe_mem_kib",
    "min_core_mem_kib",
]

#: Dataflows, in the order of their integer codes (the names of ``dataflows.REGISTRY``).
DATAFLOWS: tuple[str, ...] = _DATAFLOWS
#: Datatypes, in the order of their integer codes.
DTYPES: tuple[str, ...] = ("int8", "bf16", "fp16", "fp32")
#: Bytes per element of each datatype.
DTYPE_BYTES: dict[str, int] = {"int8": 1, "bf16": 2, "fp16": 2, "fp32": 4}
_DTYPE_BYTES_ARR = np.array([DTYPE_BYTES[d] for d in DTYPES], dtype=np.float64)


#: Ops a chip may lack and leave to its host CPU (``AcceleratorConfig.host_ops``): every
#: activation function of the workload IR (``archgym.workloads.layers.ACTIVATION_OPS``),
#: then the softmax and layer-norm layer kinds.
HOST_OPS: tuple[str, ...] = (
    "relu",
    "relu6",
    "leaky_relu",
    "hswish",
    "hsigmoid",
    "sigmoid",
    "swish",
    "silu",
    "tanh",
    "gelu",
    "softmax",
    "layernorm",
)


def host_ops_mask(value: str) -> int:
    """The bitmask (bit ``i`` = ``HOST_OPS[i]``) of a comma-separated list of op names.

    Raises:
        ValueError: an unknown name (the message lists the allowed ones).
    """
    mask = 0
    for part in value.split(","):
        name = part.strip()
        if not name:
            continue
        if name not in HOST_OPS:
            raise ValueError(f"unknown host op {name!r}")
        mask |= 1 << HOST_OPS.index(name)
    return mask


def host_ops_names(mask: int) -> str:
    """The comma-separated op names of a ``host_ops`` bitmask, in ``HOST_OPS`` order."""
    return ",".join(n for i, n in enumerate(HOST_OPS) if int(mask) >> i & 1)


#: Technology nodes (nm) the technology table covers (``data/technology.yaml``, ``nodes``).
NODES_NM: tuple[int, ...] = (45, 32, 28, 22, 20, 16, 14, 10, 7)


class ConfigError(ValueError):
    """An accelerator configuration is invalid; the message names the field and what is allowed."""


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


@dataclass(frozen=True)
class FieldSpec:
    """One field of a design: its kind, its documented bounds and its batch dtype.

    Kinds: ``"int"`` (an integer in ``lo..hi``; a float, even ``32.0``, is refused),
    ``"float"`` (a finite number in ``lo..hi``; ``lo_open`` excludes ``lo``), ``"choice"``
    (one of ``choices``: strings, given as the string or its integer code in a batch, or
    numbers), ``"bool"`` and ``"flags"`` (a subset of ``choices``: a comma-separated string
    such as ``"sigmoid,tanh"``, ``""`` for none, or in a batch its integer bitmask).
    Adding a field to the template is one entry of :data:`FIELD_SPECS` (and a dataclass
    field on both classes).
    """

    name: str
    kind: str
    lo: float = 0
    hi: float = 0
    lo_open: bool = False
    choices: tuple[Any, ...] = ()
    dtype: Any = np.float64
    why: str = ""

    def rule(self) -> str:
        """What is allowed, in words."""
        if self.kind == "int":
            return f"an integer in {int(self.lo)}..{int(self.hi)}"
        if self.kind == "float":
            left = "(" if self.lo_open else "["
            return f"a finite number in {left}{self.lo:g}, {self.hi:g}]"
        if self.kind == "bool":
            return "True or False"
        if self.kind == "flags":
            return f"a comma-separated subset of {list(self.choices)} ('' for none)"
        return f"one of {list(self.choices)}"


#: The fields of a design and their bounds: what a real accelerator can have, with room
#: to explore (a 64K x 64K array, 1024 cores, a 1 GiB PE memory, a 1 TiB core memory,
#: 1 MB/s to 100 TB/s off-chip, a clock from 1 MHz to 100 GHz). The bounds also keep every
#: product the cost model forms far from int64 / float64 overflow.
FIELD_SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("rows", "int", 1, 1 << 16, dtype=np.int64, why="PE rows of a core"),
    FieldSpec("cols", "int", 1, 1 << 16, dtype=np.int64, why="PE columns of a core"),
    FieldSpec("cores", "int", 1, 1 << 10, dtype=np.int64, why="cores"),
    FieldSpec("lanes", "int", 1, 1 << 10, dtype=np.int64, why="MAC units per PE"),
    FieldSpec("pe_mem_kib", "float", 0, 1 << 20, lo_open=True, why="KiB per PE, at most 1 GiB"),
    FieldSpec("core_mem_kib", "float", 0, 1 << 30, lo_open=True, why="KiB per core, at most 1 TiB"),
    FieldSpec("bandwidth_gbps", "float", 1e-3, 1e5, why="GB/s off chip: 1 MB/s to 100 TB/s"),
    FieldSpec("freq_mhz", "float", 1.0, 1e5, why="clock in MHz: 1 MHz to 100 GHz"),
    FieldSpec("dataflow", "choice", choices=DATAFLOWS, dtype=np.int8, why="dataflow"),
    FieldSpec("dtype", "choice", choices=DTYPES, dtype=np.int8, why="datatype"),
    FieldSpec("node_nm", "choice", choices=NODES_NM, dtype=np.float64, why="CMOS node (nm)"),
    FieldSpec(
        "dw_pixels", "int", 0, 1 << 16, dtype=np.int64, why="depthwise-engine pixels a cycle"
    ),
    FieldSpec(
        "dw_channels", "int", 0, 1 << 16, dtype=np.int64, why="depthwise-engine channels a cycle"
    ),
    FieldSpec("pack_groups", "bool", dtype=bool, why="pack small groups on the array"),
    FieldSpec("shared_onchip", "bool", dtype=bool, why="one on-chip pool for all data"),
    FieldSpec(
        "host_ops", "flags", choices=HOST_OPS, dtype=np.int64, why="ops left to the host CPU"
    ),
    FieldSpec("host_gbps", "float", 1e-3, 1e5, why="host CPU element-wise GB/s"),
    FieldSpec("host_switch_us", "float", 0, 1e6, why="us a device-host-device switch"),
    FieldSpec("max_batch", "int", 0, 1 << 20, dtype=np.int64, why="images a call (0: any)"),
)
#: The specs by field name.
SPECS: dict[str, FieldSpec] = {s.name: s for s in FIELD_SPECS}
#: Largest on-chip memory of a whole design (PE-local and core memories of every core),
#: in KiB: 1 TiB.
MAX_ONCHIP_KIB = float(1 << 30)

_ACCEPTANCE_FIELDS = ("rows", "cols", "lanes", "pe_mem_kib", "core_mem_kib", "dtype")


def _where(single: bool, i: int, value: Any) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    return f"got {value!r}" if single else f"design {i} has {value!r}"


def _name(field: str, single: bool) -> str:
    return f"AcceleratorConfig.{field}" if single else field


def _convert(spec: FieldSpec, value: Any, single: bool) -> np.ndarray:
    """One field's value(s) as an array of the batch dtype, refusing every value of the
    wrong type (no coercion: ``32.7`` is not an integer, ``256`` is not a dataflow)."""
    field = _name(spec.name, single)
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ConfigError(f"{field} must be {spec.rule()}: {exc}") from None
    if arr.ndim > 1:
        raise ConfigError(f"{field} must be a scalar or a 1-D array, got shape {arr.shape}")
    flat = arr.reshape(-1)
    kind = arr.dtype.kind
    if spec.kind == "flags":
        return _convert_flags(spec, flat, single, field).reshape(arr.shape)
    if kind == "O":  # Python objects: huge ints, mixed types, None, ...
        items = flat.tolist()
        conv = []
        for i, v in enumerate(items):
            ok, x = _scalar(spec, v)
            if not ok:
                raise ConfigError(f"{field} must be {spec.rule()}; {_where(single, i, v)}")
            conv.append(x)
        return np.asarray(conv, dtype=spec.dtype).reshape(arr.shape)
    if spec.kind == "bool":
        if kind != "b":
            i = 0
            raise ConfigError(f"{field} must be True or False; {_where(single, i, _first(flat))}")
        return arr.astype(bool)
    if spec.kind == "choice":
        if isinstance(spec.choices[0], str):
            if kind == "U":
                lut = {c: i for i, c in enumerate(spec.choices)}
                codes = np.empty(flat.shape, spec.dtype)
                for i, v in enumerate(flat.tolist()):
                    if v not in lut:
                        raise ConfigError(f"{field} must be {spec.rule()}; {_where(single, i, v)}")
                    codes[i] = lut[v]
                return codes.reshape(arr.shape)
            if kind in "iu" and not single:  # integer codes (a batch's own form)
                bad = np.flatnonzero((flat < 0) | (flat >= len(spec.choices)))
                if bad.size:
                    i = int(bad[0])
                    raise ConfigError(
                        f"{field} must be {spec.rule()} (codes 0..{len(spec.choices) - 1}); "
                        f"design {i} has code {flat[i].item()!r}"
                    )
                return arr.astype(spec.dtype)
            raise ConfigError(f"{field} must be {spec.rule()}; {_where(single, 0, _first(flat))}")
        if kind not in "iuf":
            raise ConfigError(f"{field} must be {spec.rule()}; {_where(single, 0, _first(flat))}")
        listed = np.isin(flat, np.asarray(spec.choices, np.float64))
        if not listed.all():
            i = int(np.flatnonzero(~listed)[0])
            raise ConfigError(f"{field} must be {spec.rule()}; {_where(single, i, flat[i])}")
        return arr.astype(spec.dtype)
    # numbers
    if kind == "b" or kind not in ("iu" if spec.kind == "int" else "iuf"):
        what = "an integer" if spec.kind == "int" else "a number"
        raise ConfigError(
            f"{field} must be {spec.rule()}, not {arr.dtype.name} ({what} is needed); "
            f"{_where(single, 0, _first(flat))}"
        )
    if kind == "u" and flat.size and flat.max(initial=0) > np.iinfo(np.int64).max:
        i = int(np.argmax(flat))
        raise ConfigError(f"{field} must be {spec.rule()}; {_where(single, i, flat[i])}")
    return arr.astype(spec.dtype)


def _convert_flags(spec: FieldSpec, flat: np.ndarray, single: bool, field: str) -> np.ndarray:
    """A ``"flags"`` field: comma-separated names (or, in a batch, integer bitmasks) as
    ``int64`` bitmasks."""
    out = np.empty(flat.shape, np.int64)
    top = 1 << len(spec.choices)
    for i, v in enumerate(flat.tolist()):
        if isinstance(v, str):
            try:
                out[i] = _mask(spec, v)
            except ValueError:
                raise ConfigError(
                    f"{field} must be {spec.rule()}; {_where(single, i, v)}"
                ) from None
        elif not single and isinstance(v, int | np.integer) and not isinstance(v, bool):
            if not 0 <= v < top:
                raise ConfigError(
                    f"{field} must be {spec.rule()} (bitmasks 0..{top - 1}); {_where(single, i, v)}"
                )
            out[i] = v
        else:
            raise ConfigError(f"{field} must be {spec.rule()}; {_where(single, i, v)}")
    return out


def _mask(spec: FieldSpec, value: str) -> int:
    mask = 0
    for part in value.split(","):
        name = part.strip()
        if name:
            if name not in spec.choices:
                raise ValueError(name)
            mask |= 1 << spec.choices.index(name)
    return mask


def _scalar(spec: FieldSpec, v: Any) -> tuple[bool, Any]:
    """A Python value of an object array: ``(acceptable, value in the batch's form)``;
    out-of-range numbers that fit the dtype are left to the range check."""
    if isinstance(v, bool | np.bool_):
        return (spec.kind == "bool", bool(v))
    if spec.kind == "bool":
        return (False, None)
    if spec.kind == "choice":
        if isinstance(spec.choices[0], str):
            return (v in spec.choices, spec.choices.index(v) if v in spec.choices else None)
        return (isinstance(v, int | float | np.integer | np.floating) and v in spec.choices, v)
    if spec.kind == "int":
        ok = isinstance(v, int | np.integer) and bool(-(2**63) <= v < 2**63)
        return (ok, v)
    if isinstance(v, int | float | np.integer | np.floating):
        try:
            return (True, float(v))
        except OverflowError:
            return (False, None)
    return (False, None)


def _first(flat: np.ndarray) -> Any:
    return flat[0].item() if flat.size else None


def _check_ranges(arrays: Mapping[str, np.ndarray], single: bool) -> None:
    """Every field within its spec's bounds (choices were checked when converted)."""
    for spec in FIELD_SPECS:
        if spec.kind not in ("int", "float"):
            continue
        a = arrays[spec.name]
        lo_ok = a > spec.lo if spec.lo_open else a >= spec.lo
        ok = lo_ok & (a <= spec.hi)  # NaN fails both
        if spec.kind == "float":
            ok &= np.isfinite(a)
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            v = a[i].item()
            raise ConfigError(
                f"{_name(spec.name, single)} must be {spec.rule()} ({spec.why}); "
                f"{_where(single, i, v)}"
            )


class Acceptance(NamedTuple):
    """Whether the memories of a batch of designs hold one tile (:func:`tile_acceptance`).

    Attributes:
        code: ``(n,)`` int64: :data:`ACCEPTED` (0), :data:`REJECTED_PE` (1: the PE-local
            memory is too small; checked first) or :data:`REJECTED_CORE` (2: the core
            memory is too small).
        need_pe_kib: ``(n,)`` float64 smallest PE-local memory that holds one tile.
        need_core_kib: ``(n,)`` float64 smallest core memory that holds one tile.
    """

    code: np.ndarray
    need_pe_kib: np.ndarray
    need_core_kib: np.ndarray

    @property
    def accepted(self) -> np.ndarray:
        """``(n,)`` bool."""
        return self.code == ACCEPTED


#: Acceptance codes of :class:`Acceptance`.
ACCEPTED, REJECTED_PE, REJECTED_CORE = 0, 1, 2


def tile_acceptance(values: Mapping[str, Any], n: int | None = None) -> Acceptance:
    """The accelerator's acceptance check, vectorised and non-raising: the one rule that
    :func:`validate_fields` (hence :class:`AcceleratorConfig` and
    :meth:`ConfigBatch.validate`) raises on and that a scenario turns into infeasible rows.

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


def _check_memories(arrays: Mapping[str, np.ndarray], single: bool) -> None:
    """The memories hold one tile (:func:`tile_acceptance`), and all of them together at
    most 1 TiB (float64 arithmetic: exact far beyond these bounds, no integer overflow)."""
    rows, cols = arrays["rows"].astype(np.float64), arrays["cols"].astype(np.float64)
    cores, lanes = arrays["cores"].astype(np.float64), arrays["lanes"].astype(np.float64)
    pe, core = arrays["pe_mem_kib"], arrays["core_mem_kib"]
    acc = tile_acceptance(arrays, len(rows))
    bad = np.flatnonzero(acc.code == REJECTED_PE)
    if bad.size:
        i = int(bad[0])
        raise ConfigError(
            f"{_name('pe_mem_kib', single)} is too small to hold one tile "
            f"(lanes={int(lanes[i])}, dtype={DTYPES[int(arrays['dtype'][i])]}): "
            f"{_where(single, i, float(pe[i]))} KiB, needs >= {float(acc.need_pe_kib[i]):.4g} KiB"
        )
    bad = np.flatnonzero(acc.code == REJECTED_CORE)
    if bad.size:
        i = int(bad[0])
        raise ConfigError(
            f"{_name('core_mem_kib', single)} is too small to hold one tile of a "
            f"{int(rows[i])}x{int(cols[i])} array (lanes={int(lanes[i])}, "
            f"dtype={DTYPES[int(arrays['dtype'][i])]}): {_where(single, i, float(core[i]))} "
            f"KiB, needs >= {float(acc.need_core_kib[i]):.4g} KiB"
        )
    total = rows * cols * cores * pe + cores * core
    bad = np.flatnonzero(~(total <= MAX_ONCHIP_KIB))
    if bad.size:
        i = int(bad[0])
        raise ConfigError(
            f"{_name('pe_mem_kib', single)} / {_name('core_mem_kib', single)}: the on-chip "
            f"memory of all {int(cores[i])} cores ({float(total[i]) / 2**30:.4g} TiB) exceeds "
            f"1 TiB; {'design ' + str(i) if not single else 'this design'}"
        )


def _python_value(spec: FieldSpec, v: Any) -> Any:
    """A batch element as the Python value an ``AcceleratorConfig`` holds."""
    if spec.kind == "int":
        return int(v)
    if spec.kind == "float":
        return float(v)
    if spec.kind == "bool":
        return bool(v)
    if spec.kind == "flags":
        return ",".join(n for i, n in enumerate(spec.choices) if int(v) >> i & 1)
    if isinstance(spec.choices[0], str):
        return spec.choices[int(v)]
    return type(spec.choices[0])(v)


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
        _check_ranges(out, single)
        _check_engine(out, single)
        _check_memories(out, single)
    return out


def _check_engine(out: Mapping[str, np.ndarray], single: bool) -> None:
    """A depthwise engine has both dimensions or none."""
    bad = np.flatnonzero((out["dw_pixels"] == 0) != (out["dw_channels"] == 0))
    if bad.size:
        i = int(bad[0])
        raise ConfigError(
            f"{_name('dw_pixels', single)} and {_name('dw_channels', single)} must both be 0 "
            f"(no depthwise engine) or both >= 1; "
            f"{'this design' if single else 'design ' + str(i)} has "
            f"dw_pixels={int(out['dw_pixels'][i])}, dw_channels={int(out['dw_channels'][i])}"
        )
