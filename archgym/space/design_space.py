"""The design space: an ordered list of knobs and the index encoding of its designs.

:class:`DesignSpace` holds the knobs and every conversion of a design (dict, index
vector, flat mixed-radix number, DataFrame) and the space's document (dict / YAML). It
inherits the rest from mixins, one concept each: derived spaces
(:mod:`archgym.space.composition`), sampling (:mod:`archgym.space.sampling`) and the
Gymnasium, BoTorch and pymoo forms (:mod:`archgym.space.adapters`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .adapters import BotorchAdapter, GymnasiumAdapter, PymooAdapter
from .composition import Composition
from .knobs import (
    _INT64_MAX,
    Knob,
    SpaceError,
    _format_values,
    _is_bool,
    _is_int,
    _object_array,
    knob_from_dict,
)
from .sampling import Sampling

__all__ = ["DesignSpace"]


class DesignSpace(Composition, Sampling, GymnasiumAdapter, BotorchAdapter, PymooAdapter):
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
        from .._io import dump_yaml

        return dump_yaml(self.to_dict(), path)

    @classmethod
    def from_yaml(cls, source: str | os.PathLike[str]) -> DesignSpace:
        """Build a space from YAML text, or from a file (a ``Path``, or a ``.yaml``/``.yml`` name)."""
        from .._io import load_yaml

        doc = load_yaml(source, what="design space document", error=SpaceError)
        return cls.from_dict(doc)
