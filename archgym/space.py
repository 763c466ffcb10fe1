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

Only numpy and pandas are imported here; gymnasium, torch, pymoo, scipy and yaml are
imported inside the methods that need them.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import gymnasium
    import torch
    from pymoo.core.variable import Variable

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
]

SeedLike = int | np.random.Generator | np.random.SeedSequence | None
"""Anything :func:`numpy.random.default_rng` accepts."""

_INT64_MAX = int(np.iinfo(np.int64).max)
MAX_KNOB_CHOICES = 2**24
"""Largest number of choices of one knob (its choices are materialised as a tuple and an array)."""
_MAX_LISTED = 16  # choices listed in full in error messages before abbreviating


class SpaceError(ValueError):
    """A design, an index array or a space document does not fit the design space."""


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _native(value: Any) -> Any:
    """A numpy scalar as the matching Python scalar; anything else unchanged."""
    return value.item() if isinstance(value, np.generic) else value


def _freeze(value: Any) -> Any:
    """A choice as a hashable Python value: numpy scalars unwrapped, lists made tuples.

    Lists become tuples so that a tuple choice such as a kernel size ``(3, 3)`` survives a
    round trip through YAML or JSON, which only know lists.
    """
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return _native(value)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool | np.bool_)


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not _is_bool(value)


def _is_real(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not _is_bool(value)


def _format_values(choices: Sequence[Any], limit: int = _MAX_LISTED) -> str:
    """``'os', 'ws', 'is'``; long lists abbreviated to their first and last values."""
    if len(choices) <= limit:
        return ", ".join(repr(c) for c in choices)
    head = ", ".join(repr(c) for c in choices[: limit // 2])
    tail = ", ".join(repr(c) for c in choices[-3:])
    return f"{head}, ..., {tail} ({len(choices)} values)"


def _normalise_choices(name: str, choices: Any) -> tuple[Any, ...]:
    """Validate a choice list and convert it to a tuple of Python scalars.

    Numeric lists that mix ints and floats become all floats, so the tuple, the numpy
    array and the pandas column of a knob agree on one type.
    """
    if isinstance(choices, str | bytes):
        raise SpaceError(
            f"knob {name!r}: choices must be a sequence of values, got the string {choices!r}"
        )
    if isinstance(choices, set | frozenset):
        raise SpaceError(
            f"knob {name!r}: choices must be an ordered sequence (list or tuple), got a set"
        )
    try:
        values = tuple(_freeze(c) for c in choices)
    except TypeError:
        raise SpaceError(
            f"knob {name!r}: choices must be a sequence of values, got {type(choices).__name__}"
        ) from None
    if not values:
        raise SpaceError(f"knob {name!r}: needs at least one choice")
    for c in values:
        try:
            hash(c)
        except TypeError:
            raise SpaceError(f"knob {name!r}: choice {c!r} is not hashable") from None
        if isinstance(c, float) and math.isnan(c):
            raise SpaceError(f"knob {name!r}: NaN is not a valid choice")
    if all(_is_real(c) for c in values) and not all(_is_int(c) for c in values):
        values = tuple(float(c) for c in values)
    seen: dict[Any, Any] = {}
    for c in values:
        if c in seen:
            raise SpaceError(
                f"knob {name!r}: duplicate choice {c!r} (equal to {seen[c]!r}); choices must be unique"
            )
        seen[c] = c
    return values


def _choices_array(values: tuple[Any, ...]) -> np.ndarray:
    """The read-only numpy array of a knob's choices, with the narrowest proper dtype."""
    arr: np.ndarray
    if all(_is_bool(c) for c in values):
        arr = np.array(values, dtype=bool)
    elif all(_is_int(c) for c in values):
        try:
            arr = np.array(values, dtype=np.int64)
        except OverflowError:
            arr = np.array(values, dtype=object)
    elif all(_is_real(c) for c in values):
        arr = np.array(values, dtype=np.float64)
    elif all(isinstance(c, str) for c in values):
        arr = np.array(values, dtype=str)
    else:
        arr = _object_array(values)
    arr.flags.writeable = False
    return arr


def _object_array(values: Sequence[Any]) -> np.ndarray:
    """A 1-D object array holding ``values`` as they are (tuples stay elements)."""
    arr = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        arr[i] = v
    return arr


def _check_int(knob: str, field: str, value: Any) -> int:
    if not _is_int(value):
        raise SpaceError(f"knob {knob!r}: {field} must be an integer, got {value!r}")
    return int(value)


# --------------------------------------------------------------------------------------
# knobs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Knob:
    """Base class of the typed knobs: a name and a finite, ordered tuple of choices.

    Subclasses fill ``choices`` (a tuple of Python scalars) and set the class attributes
    ``kind`` (the ``type`` used in space documents) and ``ordered`` (whether neighbouring
    indices are neighbouring values, which matters for BoTorch and pymoo).

    Attributes:
        name: The knob name, unique within a space.
    """

    name: str

    kind: ClassVar[str] = "abstract"
    ordered: ClassVar[bool] = False

    if TYPE_CHECKING:
        choices: tuple[Any, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise SpaceError(f"knob names must be non-empty strings, got {self.name!r}")
        if type(self) is Knob:
            raise TypeError("Knob is abstract: use Categorical, Ordinal, Integer or PowerOfTwo")

    def _finalize(self, choices: tuple[Any, ...]) -> None:
        """Store the choices and the lookup tables built from them (called once)."""
        object.__setattr__(self, "choices", choices)
        object.__setattr__(self, "_lookup", {c: i for i, c in enumerate(choices)})
        object.__setattr__(self, "_array", _choices_array(choices))
        object.__setattr__(self, "_bool_choices", all(_is_bool(c) for c in choices))

    @property
    def size(self) -> int:
        """Number of choices."""
        return len(self.choices)

    @property
    def array(self) -> np.ndarray:
        """The choices as a read-only numpy array (int64, float64, bool, str or object)."""
        return self._array  # type: ignore[attr-defined,no-any-return]

    @property
    def allowed(self) -> str:
        """The allowed values, formatted for messages."""
        return _format_values(self.choices)

    def index(self, value: Any) -> int:
        """The 0-based choice index of ``value``.

        Args:
            value: One of :attr:`choices` (numpy scalars and equal numbers such as
                ``2`` for ``2.0`` are accepted).

        Returns:
            The index of ``value`` in :attr:`choices`.

        Raises:
            SpaceError: ``value`` is not a choice of this knob (the message names the
                knob and lists the allowed values).
        """
        value = _freeze(value)
        idx: int | None = None
        if not (_is_bool(value) and not self._bool_choices):  # type: ignore[attr-defined]
            try:
                idx = self._lookup.get(value)  # type: ignore[attr-defined]
            except TypeError:  # unhashable
                idx = None
        if idx is None:
            raise SpaceError(
                f"knob {self.name!r}: unknown value {value!r}; allowed values: {self.allowed}"
            )
        return int(idx)

    def value(self, index: int) -> Any:
        """The choice at 0-based ``index`` (negative indices are not allowed).

        Raises:
            SpaceError: ``index`` is not an integer in ``[0, size - 1]``.
        """
        if not _is_int(index) or not 0 <= int(index) < self.size:
            raise SpaceError(
                f"knob {self.name!r}: index {index!r} out of range [0, {self.size - 1}]; allowed values: {self.allowed}"
            )
        return self.choices[int(index)]

    def indices(self, values: Any) -> np.ndarray:
        """Vectorised :meth:`index`: the choice indices of a 1-D array of values.

        Args:
            values: ``batch`` values (list, numpy array or pandas Series).

        Returns:
            ``batch`` int64 array of choice indices.

        Raises:
            SpaceError: some value is not a choice (the first one is named).
        """
        arr, out = self._lookup_many(values)
        if out.size and out.min() < 0:
            bad = int(np.argmax(out < 0))
            raise SpaceError(
                f"knob {self.name!r}: unknown value {_native(arr[bad])!r} (position {bad}); "
                f"allowed values: {self.allowed}"
            )
        return out

    def _lookup_many(self, values: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(values as a 1-D array, int64 indices with -1 for unknown values)``."""
        if isinstance(values, pd.Series | pd.Index):
            values = values.to_numpy()
        if self._array.dtype.kind == "O" and not isinstance(values, np.ndarray):  # type: ignore[attr-defined]
            values = _object_array(list(values))  # tuple choices must not become a 2-D array
        arr = np.asarray(values)
        if arr.dtype.kind not in "biufUO":  # e.g. datetimes: never a choice
            arr = np.asarray(values, dtype=object)
        arr = arr.reshape(-1)
        if arr.dtype.kind == "b" and not self._bool_choices:  # type: ignore[attr-defined]
            return arr, np.full(arr.shape, -1, dtype=np.int64)
        if arr.dtype.kind in "iuf" and self._bool_choices:  # type: ignore[attr-defined]
            # 0 and 1 equal False and True, as in the scalar lookup
            is01 = (arr == 0) | (arr == 1)
            out = np.where(is01, self._lookup_many(arr.astype(bool))[1], -1)
            return arr, out.astype(np.int64)
        pd_index = self.__dict__.get("_pd_index")
        if pd_index is None:
            choices: np.ndarray = self._array  # type: ignore[attr-defined]
            pd_index = pd.Index(
                choices,
                dtype=object if choices.dtype.kind == "U" else choices.dtype,
                tupleize_cols=False,
            )
            object.__setattr__(self, "_pd_index", pd_index)
        out = np.asarray(pd_index.get_indexer(arr), dtype=np.int64)
        if arr.dtype.kind == "O" and not self._bool_choices and out.size and out.max() >= 0:  # type: ignore[attr-defined]
            # pandas matches True to 1; the scalar lookup does not, so neither do we
            is_bool = np.fromiter((_is_bool(v) for v in arr), dtype=bool, count=arr.size)
            out[is_bool] = -1
        return arr, out

    def to_dict(self) -> dict[str, Any]:
        """The knob as a document entry (see :meth:`DesignSpace.to_dict`)."""
        return {"name": self.name, "type": self.kind, "choices": list(self.choices)}


@dataclass(frozen=True)
class Categorical(Knob):
    """An unordered knob, e.g. a dataflow ``("os", "ws", "is")`` or a block type.

    Attributes:
        name: The knob name.
        choices: The choices, in the order that defines their indices.
    """

    choices: tuple[Any, ...]

    kind: ClassVar[str] = "categorical"
    ordered: ClassVar[bool] = False

    def __post_init__(self) -> None:
        super().__post_init__()
        self._finalize(_normalise_choices(self.name, self.choices))


@dataclass(frozen=True)
class Ordinal(Knob):
    """An ordered knob with arbitrary values, e.g. memory sizes ``(0.5, 1, 2, 4)``.

    Values may be non-numeric (``("small", "medium", "large")``) or irregular numbers;
    their order is the order given (index ``i`` and ``i + 1`` are neighbours).

    Attributes:
        name: The knob name.
        choices: The choices, in increasing order.
    """

    choices: tuple[Any, ...]

    kind: ClassVar[str] = "ordinal"
    ordered: ClassVar[bool] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        self._finalize(_normalise_choices(self.name, self.choices))


@dataclass(frozen=True)
class Integer(Knob):
    """The integers ``low, low + step, ..., high`` (inclusive).

    Attributes:
        name: The knob name.
        low: Smallest value.
        high: Largest value (``high - low`` must be a multiple of ``step``).
        step: Spacing between values (positive).
    """

    low: int
    high: int
    step: int = 1

    kind: ClassVar[str] = "integer"
    ordered: ClassVar[bool] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        low = _check_int(self.name, "low", self.low)
        high = _check_int(self.name, "high", self.high)
        step = _check_int(self.name, "step", self.step)
        if step <= 0:
            raise SpaceError(f"knob {self.name!r}: step must be positive, got {step}")
        if high < low:
            raise SpaceError(f"knob {self.name!r}: high={high} is smaller than low={low}")
        if (high - low) % step:
            raise SpaceError(
                f"knob {self.name!r}: high - low = {high - low} is not a multiple of step={step} "
                f"(the range is inclusive: use high={low + (high - low) // step * step})"
            )
        n = (high - low) // step + 1
        if n > MAX_KNOB_CHOICES:
            raise SpaceError(
                f"knob {self.name!r}: {n:,} choices is more than MAX_KNOB_CHOICES={MAX_KNOB_CHOICES:,}; "
                "use a coarser step or a PowerOfTwo knob"
            )
        for field, v in (("low", low), ("high", high), ("step", step)):
            object.__setattr__(self, field, v)
        self._finalize(tuple(range(low, high + 1, step)))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "type": self.kind,
            "low": self.low,
            "high": self.high,
        }
        if self.step != 1:
            d["step"] = self.step
        return d


@dataclass(frozen=True)
class PowerOfTwo(Knob):
    """The powers of two ``low, 2 * low, ..., high`` (inclusive), e.g. array rows.

    Attributes:
        name: The knob name.
        low: Smallest value, a power of two (``1, 2, 4, ...``).
        high: Largest value, a power of two not smaller than ``low``.
    """

    low: int
    high: int

    kind: ClassVar[str] = "pow2"
    ordered: ClassVar[bool] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        low = _check_int(self.name, "low", self.low)
        high = _check_int(self.name, "high", self.high)
        for field, v in (("low", low), ("high", high)):
            if v <= 0 or v & (v - 1):
                below = 1 << (v.bit_length() - 1) if v > 0 else 1
                hint = f" (nearest powers of two: {below} and {below * 2})" if v > 0 else ""
                raise SpaceError(
                    f"PowerOfTwo knob {self.name!r}: {field}={v} is not a power of two{hint}"
                )
        if high < low:
            raise SpaceError(
                f"PowerOfTwo knob {self.name!r}: high={high} is smaller than low={low}"
            )
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        a, b = low.bit_length() - 1, high.bit_length() - 1
        self._finalize(tuple(1 << e for e in range(a, b + 1)))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.kind, "low": self.low, "high": self.high}


KNOB_TYPES: dict[str, type[Knob]] = {
    "categorical": Categorical,
    "ordinal": Ordinal,
    "integer": Integer,
    "pow2": PowerOfTwo,
}
"""Knob class per document ``type`` (aliases are accepted by :func:`knob_from_dict`)."""

_TYPE_ALIASES = {
    "categorical": "categorical",
    "cat": "categorical",
    "choice": "categorical",
    "ordinal": "ordinal",
    "ordered": "ordinal",
    "integer": "integer",
    "int": "integer",
    "pow2": "pow2",
    "power_of_two": "pow2",
    "poweroftwo": "pow2",
}

_FIELDS = {
    "categorical": ({"name", "type", "choices"}, set()),
    "ordinal": ({"name", "type", "choices"}, set()),
    "integer": ({"name", "type", "low", "high"}, {"step"}),
    "pow2": ({"name", "type", "low", "high"}, set()),
}


def knob_from_dict(doc: Mapping[str, Any], where: str = "knob") -> Knob:
    """Build a knob from a document entry such as ``{"name": "rows", "type": "pow2", ...}``.

    Args:
        doc: ``name``, ``type`` (``categorical``, ``ordinal``, ``integer``, ``pow2``) and
            the fields of that type: ``choices``; ``low``, ``high`` (and ``step`` for
            integers).
        where: Where the entry sits in its document, for error messages.

    Raises:
        SpaceError: a missing, unknown or ill-typed field (the message names it).
    """
    if not isinstance(doc, Mapping):
        raise SpaceError(
            f"{where}: expected a mapping with 'name' and 'type', got {type(doc).__name__}"
        )
    name = doc.get("name")
    label = f"{where} ({name!r})" if name is not None else where
    if "name" not in doc:
        raise SpaceError(f"{label}: missing field 'name'")
    if "type" not in doc:
        raise SpaceError(f"{label}: missing field 'type' (one of {', '.join(KNOB_TYPES)})")
    raw_type = doc["type"]
    kind = _TYPE_ALIASES.get(str(raw_type).lower()) if isinstance(raw_type, str) else None
    if kind is None:
        raise SpaceError(
            f"{label}: field 'type' is {raw_type!r}; expected one of {', '.join(KNOB_TYPES)}"
        )
    required, optional = _FIELDS[kind]
    missing = sorted(required - set(doc))
    if missing:
        raise SpaceError(
            f"{label}: missing field {', '.join(repr(m) for m in missing)} for type {kind!r}"
        )
    unknown = sorted(set(doc) - required - optional, key=str)
    if unknown:
        allowed = ", ".join(sorted(required | optional))
        raise SpaceError(
            f"{label}: unknown field {', '.join(repr(u) for u in unknown)} for type {kind!r} (fields: {allowed})"
        )
    try:
        if kind in ("categorical", "ordinal"):
            return KNOB_TYPES[kind](doc["name"], doc["choices"])  # type: ignore[call-arg]
        if kind == "integer":
            return Integer(doc["name"], doc["low"], doc["high"], doc.get("step", 1))
        return PowerOfTwo(doc["name"], doc["low"], doc["high"])
    except SpaceError as exc:
        raise SpaceError(f"{where}: {exc}") from None


# --------------------------------------------------------------------------------------
# the design space
# --------------------------------------------------------------------------------------


class DesignSpace:
    """An ordered list of typed knobs and every encoding of its designs.

    A design is a ``dict`` of named values or an index vector (``n_knobs`` int64 choice
    indices, 0-based, in knob order). A batch is a ``batch x n_knobs`` int64 array of
    choice indices. The flat index of a design is its mixed-radix number with the first
    knob most significant (so :meth:`iter_batches` walks the last knob fastest).

    Args:
        knobs: The knobs, in order. Names must be unique.

    Raises:
        SpaceError: no knobs, a non-knob entry or a duplicate name.
    """

    def __init__(self, knobs: Iterable[Knob]) -> None:
        knobs = tuple(knobs)
        if not knobs:
            raise SpaceError("a design space needs at least one knob")
        pos: dict[str, int] = {}
        for i, k in enumerate(knobs):
            if not isinstance(k, Knob):
                raise SpaceError(
                    f"knob {i}: expected a Knob (Categorical, Ordinal, Integer, PowerOfTwo), got {k!r}"
                )
            if k.name in pos:
                raise SpaceError(
                    f"duplicate knob name {k.name!r} (positions {pos[k.name]} and {i}); names must be unique"
                )
            pos[k.name] = i
        self._knobs: tuple[Knob, ...] = knobs
        self._names: tuple[str, ...] = tuple(k.name for k in knobs)
        self._pos = pos
        self._name_set = frozenset(pos)
        sizes = np.array([k.size for k in knobs], dtype=np.int64)
        sizes.flags.writeable = False
        self._sizes = sizes
        self._size = math.prod(k.size for k in knobs)
        self._arrays = tuple(k.array for k in knobs)
        if self._size - 1 <= _INT64_MAX:
            strides = [math.prod(k.size for k in knobs[i + 1 :]) for i in range(len(knobs))]
            self._strides: np.ndarray | None = np.array(strides, dtype=np.int64)
        else:
            self._strides = None

    # ---------------------------------------------------------------- basic protocol

    @property
    def knobs(self) -> tuple[Knob, ...]:
        """The knobs, in order."""
        return self._knobs

    @property
    def names(self) -> list[str]:
        """The knob names, in order."""
        return list(self._names)

    @property
    def n_knobs(self) -> int:
        """Number of knobs (the length of an index vector)."""
        return len(self._knobs)

    @property
    def sizes(self) -> np.ndarray:
        """``n_knobs`` int64 array of the number of choices per knob (read-only)."""
        return self._sizes

    @property
    def size(self) -> int:
        """Total number of designs, an exact Python int (may exceed 2**63)."""
        return self._size

    def position(self, name: str) -> int:
        """The column of knob ``name`` in index vectors."""
        try:
            return self._pos[name]
        except (KeyError, TypeError):
            raise SpaceError(f"unknown knob {name!r}; knobs: {', '.join(self._names)}") from None

    def __len__(self) -> int:
        return len(self._knobs)

    def __getitem__(self, key: str | int) -> Knob:
        """The knob called ``key`` (or at position ``key``)."""
        if isinstance(key, int | np.integer) and not _is_bool(key):
            return self._knobs[int(key)]
        return self._knobs[self.position(key)]  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Knob]:
        return iter(self._knobs)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, Knob):
            return item in self._knobs
        return item in self._name_set

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DesignSpace):
            return NotImplemented
        return self._knobs == other._knobs

    def __hash__(self) -> int:
        return hash(self._knobs)

    def __getstate__(self) -> dict[str, Any]:
        return {"knobs": self._knobs}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["knobs"])  # type: ignore[misc]

    def describe(self) -> pd.DataFrame:
        """One row per knob: ``name``, ``kind``, ``ordered``, ``size``, ``first``, ``last``, ``choices``."""
        return pd.DataFrame(
            {
                "name": list(self._names),
                "kind": [k.kind for k in self._knobs],
                "ordered": [k.ordered for k in self._knobs],
                "size": [k.size for k in self._knobs],
                "first": pd.Series([k.choices[0] for k in self._knobs], dtype=object),
                "last": pd.Series([k.choices[-1] for k in self._knobs], dtype=object),
                "choices": pd.Series([k.choices for k in self._knobs], dtype=object),
            }
        )

    def __repr__(self) -> str:
        rows = [("name", "kind", "size", "choices")]
        for k in self._knobs:
            rows.append((k.name, k.kind, str(k.size), _format_values(k.choices, limit=8)))
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        lines = [f"DesignSpace({self.n_knobs} knobs, {self._size:,} designs)"]
        for r in rows:
            lines.append(f"  {r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}")
        return "\n".join(lines)

    # ---------------------------------------------------------------- validation

    def _index_array(self, index_array: Any, what: str = "index array") -> tuple[np.ndarray, bool]:
        """``(batch x n_knobs int64 array, was_1d)``, validated."""
        arr = np.asarray(index_array)
        if arr.dtype.kind in "iu":
            arr = arr.astype(np.int64, copy=False)
        elif arr.dtype.kind == "f":
            if arr.size and not (np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))):
                raise SpaceError(
                    f"{what}: choice indices must be integers, got non-integral values"
                )
            arr = arr.astype(np.int64)
        elif arr.dtype.kind == "O" and arr.size == 0:
            arr = arr.astype(np.int64)
        elif arr.dtype.kind == "O" and all(_is_int(v) for v in arr.reshape(-1)):
            arr = arr.astype(np.int64)
        else:
            raise SpaceError(
                f"{what}: expected an integer array of choice indices, got dtype {arr.dtype}"
            )
        n = self.n_knobs
        was_1d = arr.ndim == 1
        if was_1d:
            arr = arr.reshape(1, -1)
        if arr.ndim != 2 or arr.shape[1] != n:
            raise SpaceError(
                f"{what}: expected shape (n_knobs,) or (batch, n_knobs) with n_knobs={n}, got {np.shape(index_array)}"
            )
        if arr.shape[0]:
            bad = (arr < 0) | (arr >= self._sizes)
            if bad.any():
                row, col = (int(v) for v in np.argwhere(bad)[0])
                k = self._knobs[col]
                where = "" if was_1d else f" (row {row})"
                raise SpaceError(
                    f"knob {k.name!r} (column {col}): index {int(arr[row, col])}{where} out of range "
                    f"[0, {k.size - 1}]; allowed values: {k.allowed}"
                )
        return arr, was_1d

    def validate(self, index_array: Any) -> np.ndarray:
        """Check an index vector or batch and return it as int64.

        Args:
            index_array: ``n_knobs`` index vector or ``batch x n_knobs`` integer array of
                choice indices (integral floats are accepted).

        Returns:
            The same indices as an int64 array of the same shape.

        Raises:
            SpaceError: wrong shape or dtype, or an index out of range (the message names
                the knob, the allowed index range and the allowed values).
        """
        arr, was_1d = self._index_array(index_array)
        return arr[0] if was_1d else arr

    def contains(self, index_array: Any) -> bool:
        """Whether an index vector or batch is valid for this space (no exception)."""
        try:
            self._index_array(index_array)
        except SpaceError:
            return False
        return True

    # ---------------------------------------------------------------- dict <-> indices

    def _check_keys(self, keys: Iterable[str], where: str) -> None:
        keys = set(keys)
        unknown = [k for k in keys if k not in self._name_set]
        if unknown:
            raise SpaceError(
                f"{where}unknown knob {', '.join(repr(u) for u in sorted(unknown, key=str))}; "
                f"knobs: {', '.join(self._names)}"
            )
        missing = [n for n in self._names if n not in keys]
        if missing:
            details = "; ".join(f"{m!r} (allowed values: {self[m].allowed})" for m in missing)
            raise SpaceError(f"{where}missing knob {details}")

    def encode(self, design: Mapping[str, Any], *, strict: bool = True) -> np.ndarray:
        """The index vector of a design given as named values.

        Args:
            design: One value per knob, e.g. ``{"rows": 32, "dataflow": "ws"}``.
            strict: Reject keys that are not knobs (``False`` ignores them).

        Returns:
            ``n_knobs`` int64 index vector.

        Raises:
            SpaceError: an unknown knob name, a missing knob or an unknown value (the
                message names the knob and its allowed values).
        """
        if not isinstance(design, Mapping):
            raise SpaceError(
                f"encode expects a mapping of knob names to values, got {type(design).__name__}"
            )
        self._check_keys(
            design.keys() if strict else [k for k in design if k in self._name_set], ""
        )
        return np.array([k.index(design[k.name]) for k in self._knobs], dtype=np.int64)

    def encode_batch(
        self, designs: Sequence[Mapping[str, Any]] | pd.DataFrame, *, strict: bool = True
    ) -> np.ndarray:
        """Encode many designs at once (vectorised per knob).

        Args:
            designs: A list of dicts, or a DataFrame with one column per knob (a tidy log
                qualifies with ``strict=False`` or ``log[space.names]``).
            strict: Reject keys or columns that are not knobs.

        Returns:
            ``batch x n_knobs`` int64 array of choice indices.

        Raises:
            SpaceError: as :meth:`encode`; the message also gives the row for lists.
        """
        n = self.n_knobs
        if isinstance(designs, pd.DataFrame):
            cols = [str(c) for c in designs.columns]
            self._check_keys(cols if strict else [c for c in cols if c in self._name_set], "")
            out = np.empty((len(designs), n), dtype=np.int64)
            for j, k in enumerate(self._knobs):
                out[:, j] = k.indices(designs[k.name])
            return out
        if isinstance(designs, Mapping):
            raise SpaceError(
                "encode_batch expects a list of dicts or a DataFrame; use encode for one design"
            )
        designs = list(designs)
        for i, d in enumerate(designs):
            if not isinstance(d, Mapping):
                raise SpaceError(
                    f"design {i}: expected a mapping of knob names to values, got {type(d).__name__}"
                )
            if d.keys() != self._name_set:
                self._check_keys(
                    d.keys() if strict else [k for k in d if k in self._name_set], f"design {i}: "
                )
        out = np.empty((len(designs), n), dtype=np.int64)
        for j, k in enumerate(self._knobs):
            col = _object_array([d[k.name] for d in designs])
            _, idx = k._lookup_many(col)
            if idx.size and idx.min() < 0:
                row = int(np.argmax(idx < 0))
                raise SpaceError(
                    f"design {row}: knob {k.name!r}: unknown value {col[row]!r}; allowed values: {k.allowed}"
                )
            out[:, j] = idx
        return out

    def decode(self, index_vector: Any) -> dict[str, Any]:
        """The named values of one design.

        Args:
            index_vector: ``n_knobs`` integer array of choice indices.

        Returns:
            ``{knob name: value}`` with Python scalars, in knob order.
        """
        arr, was_1d = self._index_array(index_vector, "index vector")
        if not was_1d:
            raise SpaceError("decode expects one index vector; use decode_batch for a batch")
        return {k.name: k.choices[i] for k, i in zip(self._knobs, arr[0].tolist(), strict=True)}

    def decode_batch(self, index_array: Any) -> list[dict[str, Any]]:
        """The named values of a batch of designs.

        Args:
            index_array: ``batch x n_knobs`` integer array of choice indices.

        Returns:
            ``batch`` dicts of Python scalars.
        """
        arr, _ = self._index_array(index_array)
        cols = [a[arr[:, j]].tolist() for j, a in enumerate(self._arrays)]
        names = self._names
        return [dict(zip(names, row, strict=True)) for row in zip(*cols, strict=True)]

    def to_frame(self, index_array: Any) -> pd.DataFrame:
        """The named values of a batch as a DataFrame (one column per knob).

        Args:
            index_array: ``batch x n_knobs`` integer array of choice indices.

        Returns:
            ``batch`` rows; int64, float64, bool or string columns as the choices are.
        """
        arr, _ = self._index_array(index_array)
        return pd.DataFrame(
            {
                k.name: a[arr[:, j]]
                for j, (k, a) in enumerate(zip(self._knobs, self._arrays, strict=True))
            }
        )

    def values(self, index_array: Any, name: str, *, check: bool = True) -> np.ndarray:
        """The values of one knob over a batch (fancy indexing into a choices array).

        Args:
            index_array: ``batch x n_knobs`` integer array of choice indices (or one
                ``n_knobs`` index vector, giving a 0-d result).
            name: The knob.
            check: Check the column's range (two reductions); ``False`` skips it.

        Returns:
            ``batch`` array of values, dtype as :attr:`Knob.array`.
        """
        j = self.position(name)
        arr = np.asarray(index_array)
        if arr.dtype.kind not in "iu":
            raise SpaceError(f"index array: expected integer choice indices, got dtype {arr.dtype}")
        if arr.ndim not in (1, 2) or arr.shape[-1] != self.n_knobs:
            raise SpaceError(
                f"index array: expected shape (batch, {self.n_knobs}), got {arr.shape}"
            )
        col = arr[..., j]
        if check and col.size:
            lo, hi = col.min(), col.max()
            if lo < 0 or hi >= self._sizes[j]:
                k = self._knobs[j]
                bad = lo if lo < 0 else hi
                raise SpaceError(
                    f"knob {name!r} (column {j}): index {int(bad)} out of range [0, {k.size - 1}]; allowed values: {k.allowed}"
                )
        return self._arrays[j][col]

    # ---------------------------------------------------------------- flat indices

    def _require_int64(self, what: str) -> np.ndarray:
        if self._strides is None:
            raise SpaceError(
                f"{what}: the space has {self._size:,} designs, more than 2**63 - 1, so flat indices do "
                "not fit in int64; work with index arrays instead"
            )
        return self._strides

    def ravel(self, index_array: Any) -> np.ndarray | int:
        """Flat design numbers (mixed radix, first knob most significant).

        Args:
            index_array: ``batch x n_knobs`` integer array of choice indices, or one
                ``n_knobs`` index vector.

        Returns:
            ``batch`` int64 array of flat indices in ``[0, size)``; an ``int`` for a
            single index vector.

        Raises:
            SpaceError: invalid indices, or a space with more than 2**63 - 1 designs.
        """
        strides = self._require_int64("ravel")
        arr, was_1d = self._index_array(index_array)
        flat = arr @ strides
        return int(flat[0]) if was_1d else flat

    def unravel(self, flat: Any) -> np.ndarray:
        """Index vectors of flat design numbers (inverse of :meth:`ravel`).

        Args:
            flat: ``batch`` integer array of flat indices in ``[0, size)``, or one int.

        Returns:
            ``batch x n_knobs`` int64 array of choice indices (``n_knobs`` for one int).
        """
        self._require_int64("unravel")
        arr = np.asarray(flat)
        if arr.dtype.kind not in "iu":
            raise SpaceError(f"unravel: flat indices must be integers, got dtype {arr.dtype}")
        scalar = arr.ndim == 0
        arr = arr.reshape(-1).astype(np.int64, copy=True)
        if arr.size and (arr.min() < 0 or arr.max() > self._size - 1):
            bad = int(arr[np.argmax((arr < 0) | (arr > self._size - 1))])
            raise SpaceError(f"unravel: flat index {bad} out of range [0, {self._size - 1}]")
        out = self._unravel_unchecked(arr)
        return out[0] if scalar else out

    def _unravel_unchecked(self, flat: np.ndarray) -> np.ndarray:
        """Unravel a non-negative int64 array in place (``flat`` is consumed)."""
        out = np.empty((flat.shape[0], self.n_knobs), dtype=np.int64)
        for j in range(self.n_knobs - 1, 0, -1):
            s = int(self._sizes[j])
            if s == 1:
                out[:, j] = 0
                continue
            q, r = np.divmod(flat, s)
            out[:, j] = r
            flat = q
        out[:, 0] = flat
        return out

    def iter_batches(
        self, batch_size: int = 16384, start: int = 0, stop: int | None = None
    ) -> Iterator[np.ndarray]:
        """Every design in flat order, as successive index arrays.

        Designs ``start, start + 1, ..., stop - 1`` (flat numbers) are yielded in
        batches, so several processes can each enumerate one slice of a space.

        Args:
            batch_size: Designs per batch (the last batch may be shorter).
            start: First flat index.
            stop: One past the last flat index (default :attr:`size`).

        Yields:
            ``batch x n_knobs`` int64 arrays of choice indices.
        """
        self._require_int64("iter_batches")
        if not _is_int(batch_size) or batch_size <= 0:
            raise SpaceError(
                f"iter_batches: batch_size must be a positive integer, got {batch_size!r}"
            )
        stop = self._size if stop is None else stop
        if not (0 <= start <= stop <= self._size):
            raise SpaceError(
                f"iter_batches: need 0 <= start <= stop <= size={self._size}, got start={start}, stop={stop}"
            )
        for lo in range(int(start), int(stop), int(batch_size)):
            hi = min(lo + int(batch_size), int(stop))
            yield self._unravel_unchecked(np.arange(lo, hi, dtype=np.int64))

    # ---------------------------------------------------------------- sampling

    def sample(self, n: int, seed: SeedLike = None) -> np.ndarray:
        """``n`` designs drawn uniformly (with replacement) over the space.

        Args:
            n: Number of designs.
            seed: Seed or :class:`numpy.random.Generator`; same seed, same designs.

        Returns:
            ``n x n_knobs`` int64 array of choice indices.
        """
        rng = np.random.default_rng(seed)
        return rng.integers(0, self._sizes, size=(int(n), self.n_knobs), dtype=np.int64)

    def sample_unique(self, n: int, seed: SeedLike = None) -> np.ndarray:
        """``n`` distinct designs drawn uniformly without replacement.

        Args:
            n: Number of designs, at most :attr:`size`.
            seed: Seed or :class:`numpy.random.Generator`.

        Returns:
            ``n x n_knobs`` int64 array of choice indices, in random order.

        Raises:
            SpaceError: ``n`` exceeds the number of designs.
        """
        n = int(n)
        if n < 0 or n > self._size:
            raise SpaceError(
                f"sample_unique: cannot draw {n} distinct designs from a space of {self._size:,}"
            )
        rng = np.random.default_rng(seed)
        if self._strides is not None:
            flat = rng.choice(self._size, size=n, replace=False, shuffle=True).astype(np.int64)
            return self._unravel_unchecked(flat)
        # more than 2**63 designs: collisions are astronomically rare, reject them anyway
        seen: set[bytes] = set()
        rows: list[np.ndarray] = []
        while len(rows) < n:
            for row in self.sample(n - len(rows), rng):
                key = row.tobytes()
                if key not in seen:
                    seen.add(key)
                    rows.append(row)
        return np.array(rows, dtype=np.int64).reshape(n, self.n_knobs)

    def _from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map points of the unit cube to choice indices: ``floor(u * size_k)``."""
        idx = np.floor(u * self._sizes).astype(np.int64)
        return np.clip(idx, 0, self._sizes - 1)

    def latin_hypercube(self, n: int, seed: SeedLike = None) -> np.ndarray:
        """``n`` designs from a Latin hypercube over the encoded space (scipy.stats.qmc).

        Each knob's ``[0, 1)`` axis is cut into ``size_k`` equal cells, one per choice,
        so the marginal of every knob is as balanced as ``n`` allows.

        Args:
            n: Number of designs.
            seed: Seed or :class:`numpy.random.Generator`; same seed, same designs.

        Returns:
            ``n x n_knobs`` int64 array of choice indices.
        """
        from scipy.stats import qmc

        sampler = qmc.LatinHypercube(d=self.n_knobs, rng=np.random.default_rng(seed))
        return self._from_unit(sampler.random(int(n)))

    def sobol(self, n: int, seed: SeedLike = None) -> np.ndarray:
        """``n`` designs from a scrambled Sobol sequence over the encoded space.

        ``n`` need not be a power of two (scipy's balance warning is silenced; powers of
        two keep the best balance).

        Args:
            n: Number of designs.
            seed: Seed or :class:`numpy.random.Generator`; same seed, same designs.

        Returns:
            ``n x n_knobs`` int64 array of choice indices.
        """
        from scipy.stats import qmc

        sampler = qmc.Sobol(d=self.n_knobs, scramble=True, rng=np.random.default_rng(seed))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*balance properties of Sobol.*")
            u = sampler.random(int(n))
        return self._from_unit(u)

    def neighbors(self, index_vector: Any) -> np.ndarray:
        """The designs one knob away from a design.

        An ordered knob moves to the adjacent choice below and above (where they exist);
        a categorical knob moves to every other choice.

        Args:
            index_vector: ``n_knobs`` integer array of choice indices.

        Returns:
            ``n_neighbors x n_knobs`` int64 array, grouped by knob in knob order.
        """
        arr, was_1d = self._index_array(index_vector, "index vector")
        if not was_1d:
            raise SpaceError("neighbors expects one index vector")
        x = arr[0]
        rows: list[np.ndarray] = []
        for j, k in enumerate(self._knobs):
            i = int(x[j])
            if k.ordered:
                new = [v for v in (i - 1, i + 1) if 0 <= v < k.size]
            else:
                new = [v for v in range(k.size) if v != i]
            if new:
                block = np.repeat(x[None, :], len(new), axis=0)
                block[:, j] = new
                rows.append(block)
        if not rows:
            return np.empty((0, self.n_knobs), dtype=np.int64)
        return np.concatenate(rows, axis=0)

    # ---------------------------------------------------------------- gymnasium

    def to_gymnasium(self, seed: int | None = None) -> gymnasium.spaces.MultiDiscrete:
        """A flat ``MultiDiscrete(sizes, start=0)`` over index vectors (SB3 accepts it)."""
        from gymnasium import spaces

        return spaces.MultiDiscrete(
            np.array(self._sizes),
            dtype=np.int64,
            seed=seed,
            start=np.zeros(self.n_knobs, dtype=np.int64),
        )

    def to_gymnasium_dict(self, seed: int | None = None) -> gymnasium.spaces.Dict:
        """A ``Dict`` of one ``Discrete(size_k)`` per knob, in knob order."""
        from gymnasium import spaces

        return spaces.Dict([(k.name, spaces.Discrete(k.size)) for k in self._knobs], seed=seed)

    def from_gymnasium_action(self, action: Any) -> np.ndarray:
        """The index vector (or batch) of a ``MultiDiscrete`` or ``Dict`` action, validated.

        Args:
            action: ``n_knobs`` (or ``batch x n_knobs``) integer array, or a mapping of
                knob name to choice index as sampled from :meth:`to_gymnasium_dict`.

        Returns:
            int64 index vector (or batch) of choice indices.
        """
        if isinstance(action, Mapping):
            self._check_keys(action.keys(), "action: ")
            action = np.array(
                [int(np.asarray(action[n]).reshape(())) for n in self._names], dtype=np.int64
            )
        return self.validate(action)

    # ---------------------------------------------------------------- botorch

    def to_botorch_bounds(self, dtype: torch.dtype | None = None) -> torch.Tensor:
        """``2 x n_knobs`` tensor of bounds in index space: row 0 zeros, row 1 ``size_k - 1``.

        Args:
            dtype: Tensor dtype (default ``torch.double``).
        """
        import torch

        dtype = torch.double if dtype is None else dtype
        upper = torch.as_tensor(self._sizes - 1, dtype=dtype)
        return torch.stack([torch.zeros_like(upper), upper])

    def botorch_discrete_choices(self, dtype: torch.dtype | None = None) -> list[torch.Tensor]:
        """Per knob, the tensor of allowed encoded values ``0, 1, ..., size_k - 1``."""
        import torch

        dtype = torch.double if dtype is None else dtype
        return [torch.arange(k.size, dtype=dtype) for k in self._knobs]

    def botorch_discrete_dims(self) -> dict[int, list[float]]:
        """``discrete_dims`` for ``optimize_acqf_mixed_alternating``: ordered knobs -> values."""
        return {
            j: [float(v) for v in range(k.size)] for j, k in enumerate(self._knobs) if k.ordered
        }

    def botorch_cat_dims(self) -> dict[int, list[float]]:
        """``cat_dims`` for ``optimize_acqf_mixed_alternating``: categorical knobs -> values."""
        return {
            j: [float(v) for v in range(k.size)] for j, k in enumerate(self._knobs) if not k.ordered
        }

    def botorch_grid(
        self, dtype: torch.dtype | None = None, max_designs: int = 2**20
    ) -> torch.Tensor:
        """Every design as a ``size x n_knobs`` tensor, for ``optimize_acqf_discrete``.

        Raises:
            SpaceError: the space has more than ``max_designs`` designs.
        """
        import torch

        if self._size > max_designs:
            raise SpaceError(
                f"botorch_grid: {self._size:,} designs is more than max_designs={max_designs:,}"
            )
        grid = self._unravel_unchecked(np.arange(self._size, dtype=np.int64))
        return torch.as_tensor(grid, dtype=torch.double if dtype is None else dtype)

    def categorical_dims(self) -> list[int]:
        """Columns of the categorical (unordered) knobs, e.g. ``MixedSingleTaskGP(cat_dims=...)``."""
        return [j for j, k in enumerate(self._knobs) if not k.ordered]

    def ordered_dims(self) -> list[int]:
        """Columns of the ordered knobs (ordinal, integer, power of two)."""
        return [j for j, k in enumerate(self._knobs) if k.ordered]

    def normalize(self, index_array: Any) -> np.ndarray:
        """Choice indices scaled to ``[0, 1]``: ``index / (size_k - 1)`` (0 for one-choice knobs).

        Args:
            index_array: ``batch x n_knobs`` (or ``n_knobs``) integer array of choice indices.

        Returns:
            float64 array of the same shape, consistent with :meth:`to_botorch_bounds`.
        """
        arr = self.validate(index_array)
        return arr / np.maximum(self._sizes - 1, 1)

    def unnormalize(self, unit: Any) -> np.ndarray:
        """Inverse of :meth:`normalize`: round ``u * (size_k - 1)`` to the nearest index.

        Args:
            unit: ``batch x n_knobs`` (or ``n_knobs``) array in ``[0, 1]`` (clipped).

        Returns:
            int64 array of choice indices of the same shape.
        """
        u = np.clip(np.asarray(unit, dtype=np.float64), 0.0, 1.0)
        if u.shape[-1:] != (self.n_knobs,) or u.ndim not in (1, 2):
            raise SpaceError(f"unnormalize: expected shape (batch, {self.n_knobs}), got {u.shape}")
        return np.rint(u * (self._sizes - 1)).astype(np.int64)

    def from_botorch(self, X: Any) -> np.ndarray:
        """Index arrays from BoTorch candidates in index space (rounded, then validated).

        Args:
            X: ``batch x n_knobs`` (or ``q x n_knobs``) tensor or array of encoded values.

        Returns:
            int64 array of choice indices of the same shape.
        """
        arr = np.asarray(X.detach().cpu() if hasattr(X, "detach") else X, dtype=np.float64)
        return self.validate(np.rint(arr))

    # ---------------------------------------------------------------- pymoo

    def to_pymoo_vars(self) -> dict[str, Variable]:
        """pymoo mixed variables by knob name, in knob order.

        Ordered knobs become ``Integer(bounds=(0, size - 1))``; categorical knobs
        ``Choice(options=[0, ..., size - 1])``. Values are choice indices, so
        :meth:`from_pymoo` turns pymoo's ``X`` back into an index array.
        """
        from pymoo.core.variable import Choice
        from pymoo.core.variable import Integer as PymooInteger

        out: dict[str, Variable] = {}
        for k in self._knobs:
            if k.ordered:
                out[k.name] = PymooInteger(bounds=(0, k.size - 1))
            else:
                out[k.name] = Choice(options=list(range(k.size)))
        return out

    def to_pymoo_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """``(xl, xu)`` int64 bounds for a plain integer pymoo ``Problem`` over index vectors."""
        return np.zeros(self.n_knobs, dtype=np.int64), np.array(self._sizes - 1)

    def to_pymoo(self, index_array: Any) -> np.ndarray:
        """An object array of ``{name: index}`` dicts, as pymoo mixed-variable ``X`` holds.

        Args:
            index_array: ``batch x n_knobs`` integer array of choice indices.
        """
        arr, _ = self._index_array(index_array)
        out = np.empty(arr.shape[0], dtype=object)
        out[:] = [dict(zip(self._names, row, strict=True)) for row in arr.tolist()]
        return out

    def from_pymoo(self, x: Any) -> np.ndarray:
        """Index arrays from pymoo decision variables (rounded, then validated).

        Args:
            x: One ``{name: index}`` dict (as in a mixed-variable problem), a list or
                object array of such dicts (a population's ``X``), or a numeric
                ``n_knobs`` / ``batch x n_knobs`` array (a plain integer problem).

        Returns:
            ``n_knobs`` int64 index vector for a single dict or 1-D array, else
            ``batch x n_knobs``.
        """
        if isinstance(x, Mapping):
            self._check_keys(x.keys(), "pymoo X: ")
            return self.validate(np.rint(np.array([float(x[n]) for n in self._names])))
        arr = np.asarray(x) if not isinstance(x, list) else None
        if arr is None or arr.dtype.kind == "O":
            items = list(x.reshape(-1)) if arr is not None else list(x)
            if items and all(isinstance(d, Mapping) for d in items):
                for i, d in enumerate(items):
                    if d.keys() != self._name_set:
                        self._check_keys(d.keys(), f"pymoo X row {i}: ")
                vals = np.array(
                    [[float(d[n]) for n in self._names] for d in items], dtype=np.float64
                )
                return self.validate(np.rint(vals).reshape(len(items), self.n_knobs))
            arr = np.asarray(x, dtype=np.float64)
        if arr.dtype.kind not in "iuf":
            raise SpaceError(
                f"from_pymoo: expected dicts or a numeric array, got dtype {arr.dtype}"
            )
        return self.validate(np.rint(arr.astype(np.float64)))

    # ---------------------------------------------------------------- composition

    def fix(self, **values: Any) -> DesignSpace:
        """A space with some knobs pinned to one value (they keep their name and kind).

        Args:
            **values: ``knob name=value`` for each pinned knob.

        Returns:
            A new space with the same knobs, each pinned knob having a single choice.
        """
        return self.subspace(**{name: [v] for name, v in values.items()})

    def subspace(self, **fixed: Any) -> DesignSpace:
        """A space with some knobs pinned to one value or restricted to some values.

        Args:
            **fixed: ``knob name=value`` pins the knob; ``knob name=[v1, v2, ...]``
                restricts it to those values (kept in the knob's order). A pinned knob
                keeps its class; a restricted ordered knob becomes :class:`Ordinal`.

        Returns:
            A new space with the same knob names, in the same order; use
            :meth:`translate` to map its index arrays back to this space.

        Raises:
            SpaceError: an unknown knob or value.
        """
        self._check_keys(list(fixed) + [n for n in self._names if n not in fixed], "subspace: ")
        knobs = list(self._knobs)
        for name, spec in fixed.items():
            j = self._pos[name]
            k = knobs[j]
            if _is_single(k, spec):
                idx = [k.index(spec)]
            else:
                if isinstance(spec, str | bytes | Mapping) or not isinstance(spec, Iterable):
                    k.index(spec)  # raises: unknown value
                idx = sorted({k.index(v) for v in spec})
                if not idx:
                    raise SpaceError(
                        f"subspace: knob {name!r} restricted to no value; allowed values: {k.allowed}"
                    )
            values = tuple(k.choices[i] for i in idx)
            if len(values) == 1 and isinstance(k, Integer):
                knobs[j] = Integer(k.name, values[0], values[0])
            elif len(values) == 1 and isinstance(k, PowerOfTwo):
                knobs[j] = PowerOfTwo(k.name, values[0], values[0])
            elif len(values) == k.size:
                knobs[j] = k
            elif k.ordered:
                knobs[j] = Ordinal(k.name, values)
            else:
                knobs[j] = Categorical(k.name, values)
        return DesignSpace(knobs)

    def translate(self, index_array: Any, target: DesignSpace) -> np.ndarray:
        """Re-encode designs of this space in ``target`` (matched by knob name and value).

        Maps a subspace's designs to the full space, or a product space's designs to one
        of its factors. Every knob of ``target`` must be a knob of this space.

        Args:
            index_array: ``batch x n_knobs`` (or ``n_knobs``) integer array of choice
                indices in this space.
            target: The space to encode in.

        Returns:
            int64 array of choice indices in ``target``, ``batch x target.n_knobs``
            (or ``target.n_knobs``).

        Raises:
            SpaceError: ``target`` has a knob this space lacks, or a value it does not allow.
        """
        arr, was_1d = self._index_array(index_array)
        missing = [n for n in target.names if n not in self._name_set]
        if missing:
            raise SpaceError(
                f"translate: target knob {', '.join(map(repr, missing))} not in this space; knobs: {', '.join(self._names)}"
            )
        out = np.empty((arr.shape[0], target.n_knobs), dtype=np.int64)
        for j, k in enumerate(target.knobs):
            src = self._pos[k.name]
            out[:, j] = k.indices(self._arrays[src][arr[:, src]])
        return out[0] if was_1d else out

    def product(self, other: DesignSpace) -> DesignSpace:
        """The concatenation of two spaces (e.g. hardware + network); names must stay unique."""
        if not isinstance(other, DesignSpace):
            raise SpaceError(f"product expects a DesignSpace, got {type(other).__name__}")
        clash = [n for n in other.names if n in self._name_set]
        if clash:
            raise SpaceError(
                f"product: knob name {', '.join(map(repr, clash))} is in both spaces; names must be unique"
            )
        return DesignSpace(self._knobs + other.knobs)

    def __add__(self, other: DesignSpace) -> DesignSpace:
        if not isinstance(other, DesignSpace):
            return NotImplemented
        return self.product(other)

    # ---------------------------------------------------------------- documents

    def to_dict(self) -> dict[str, Any]:
        """The space as a plain document: ``{"knobs": [{"name", "type", ...}, ...]}``."""
        return {"knobs": [k.to_dict() for k in self._knobs]}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> DesignSpace:
        """Build a space from :meth:`to_dict`'s document (or its list of knobs).

        Raises:
            SpaceError: a malformed document; the message names the knob entry and field.
        """
        if isinstance(doc, Mapping):
            extra = sorted(set(doc) - {"knobs"}, key=str)
            if "knobs" not in doc:
                raise SpaceError("design space document: missing field 'knobs'")
            if extra:
                raise SpaceError(
                    f"design space document: unknown field {', '.join(map(repr, extra))} (fields: 'knobs')"
                )
            entries = doc["knobs"]
        else:
            entries = doc
        if isinstance(entries, str | bytes | Mapping) or not isinstance(entries, Sequence):
            raise SpaceError(
                f"design space document: field 'knobs' must be a list, got {type(entries).__name__}"
            )
        return cls(knob_from_dict(e, where=f"knobs[{i}]") for i, e in enumerate(entries))

    def to_yaml(self, path: str | os.PathLike[str] | None = None) -> str:
        """The :meth:`to_dict` document as YAML text, also written to ``path`` if given."""
        from ._io import dump_yaml

        return dump_yaml(self.to_dict(), path)

    @classmethod
    def from_yaml(cls, source: str | os.PathLike[str]) -> DesignSpace:
        """Build a space from YAML text, or from a file (a ``Path``, or a ``.yaml``/``.yml`` name)."""
        import yaml

        if isinstance(source, os.PathLike) or (
            isinstance(source, str) and "\n" not in source and source.endswith((".yaml", ".yml"))
        ):
            text = Path(source).read_text()
        else:
            text = str(source)
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SpaceError(f"design space document: invalid YAML: {exc}") from None
        return cls.from_dict(doc)


def _is_single(knob: Knob, spec: Any) -> bool:
    """Whether ``spec`` names one value of ``knob`` (rather than a collection of values)."""
    try:
        knob.index(spec)
    except SpaceError:
        return False
    return True
