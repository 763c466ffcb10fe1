"""The fields of an accelerator design: what each may hold (:class:`FieldSpec`,
:data:`FIELD_SPECS`: kind, bounds, batch dtype), their value lists (datatypes, nodes, host
ops) and the conversion of given values to a batch's arrays, refusing every wrong type.
Which designs are accepted is :mod:`archgym.acceptance`.

Everything here is re-exported by :mod:`archgym.accelerator`, its public home.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

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
    "SPECS",
    "HOST_OPS",
    "host_ops_mask",
    "host_ops_names",
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

    def within(self, a: Any) -> Any:
        """Which values of an ``"int"`` or ``"float"`` field keep its bounds (a bool, or an
        array of them shaped like ``a``); NaN never does, nor, for a float, infinity."""
        if np.ndim(a) == 0:  # one value (a scalar field of a batch): Python arithmetic
            x = float(a)
            lo_ok = x > self.lo if self.lo_open else x >= self.lo
            return np.bool_(lo_ok and x <= self.hi and (self.kind != "float" or math.isfinite(x)))
        lo_ok = a > self.lo if self.lo_open else a >= self.lo
        ok = lo_ok & (a <= self.hi)  # NaN fails both
        if self.kind == "float":
            ok &= np.isfinite(a)
        return ok

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
