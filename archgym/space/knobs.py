"""Typed knobs: one named, finite, ordered tuple of choices each, and their documents.

:class:`Categorical`, :class:`Ordinal`, :class:`Integer` and :class:`PowerOfTwo` map a
value to its 0-based choice index and back (:meth:`Knob.index`, :meth:`Knob.value`,
vectorised in :meth:`Knob.indices`); :func:`knob_from_dict` builds one from its
document. :class:`SpaceError` is the error of the whole :mod:`archgym.space` package.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

__all__ = [
    "SpaceError",
    "SeedLike",
    "Knob",
    "Categorical",
    "Ordinal",
    "Integer",
    "PowerOfTwo",
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

    if TYPE_CHECKING:  # set by each subclass's __post_init__ (_finalize), not __init__ arguments
        choices: Sequence[Any] = dataclasses.field(init=False)
        _lookup: dict[Any, int] = dataclasses.field(init=False)
        _array: np.ndarray = dataclasses.field(init=False)
        _bool_choices: bool = dataclasses.field(init=False)

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
        return self._array

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
        if not (_is_bool(value) and not self._bool_choices):
            try:
                idx = self._lookup.get(value)
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
        if self._array.dtype.kind == "O" and not isinstance(values, np.ndarray):
            values = _object_array(list(values))  # tuple choices must not become a 2-D array
        arr = np.asarray(values)
        if arr.dtype.kind not in "biufUO":  # e.g. datetimes: never a choice
            arr = np.asarray(values, dtype=object)
        arr = arr.reshape(-1)
        if arr.dtype.kind == "b" and not self._bool_choices:
            return arr, np.full(arr.shape, -1, dtype=np.int64)
        if arr.dtype.kind in "iuf" and self._bool_choices:
            # 0 and 1 equal False and True, as in the scalar lookup
            is01 = (arr == 0) | (arr == 1)
            out = np.where(is01, self._lookup_many(arr.astype(bool))[1], -1)
            return arr, out.astype(np.int64)
        pd_index = self.__dict__.get("_pd_index")
        if pd_index is None:
            choices: np.ndarray = self._array
            pd_index = pd.Index(
                choices,
                dtype=object if choices.dtype.kind == "U" else choices.dtype,
                tupleize_cols=False,
            )
            object.__setattr__(self, "_pd_index", pd_index)
        # pandas accepts any array-like target; pandas-stubs narrows it to an Index
        out = np.asarray(pd_index.get_indexer(arr), dtype=np.int64)  # type: ignore[arg-type]
        if arr.dtype.kind == "O" and not self._bool_choices and out.size and out.max() >= 0:
            # pandas matches True to 1; the scalar lookup does not, so neither do we
            is_bool = np.fromiter((_is_bool(v) for v in arr), dtype=bool, count=arr.size)
            out[is_bool] = -1
        return arr, out

    def to_dict(self) -> dict[str, Any]:
        """The knob as a document entry (see :meth:`DesignSpace.to_dict`)."""
        return {"name": self.name, "type": self.kind, "choices": list(self.choices)}


@dataclass(frozen=True)
class _Listed(Knob):
    """A knob whose choices are given as a list (:class:`Categorical`, :class:`Ordinal`)."""

    choices: Sequence[Any]

    def __post_init__(self) -> None:
        super().__post_init__()
        self._finalize(_normalise_choices(self.name, self.choices))


@dataclass(frozen=True)
class Categorical(_Listed):
    """An unordered knob, e.g. a dataflow ``("os", "ws", "is")`` or a block type.

    Attributes:
        name: The knob name.
        choices: The choices, in the order that defines their indices.
    """

    kind: ClassVar[str] = "categorical"
    ordered: ClassVar[bool] = False


@dataclass(frozen=True)
class Ordinal(_Listed):
    """An ordered knob with arbitrary values, e.g. memory sizes ``(0.5, 1, 2, 4)``.

    Values may be non-numeric (``("small", "medium", "large")``) or irregular numbers;
    their order is the order given (index ``i`` and ``i + 1`` are neighbours).

    Attributes:
        name: The knob name.
        choices: The choices, in increasing order.
    """

    kind: ClassVar[str] = "ordinal"
    ordered: ClassVar[bool] = True


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
