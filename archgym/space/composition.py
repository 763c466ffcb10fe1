"""Spaces derived from a :class:`~archgym.space.DesignSpace`: knobs pinned
(:meth:`~Composition.fix`), restricted (:meth:`~Composition.subspace`), designs moved
between related spaces (:meth:`~Composition.translate`) and products of spaces.
Methods of :class:`DesignSpace`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .knobs import Categorical, Integer, Knob, Ordinal, PowerOfTwo, SpaceError

if TYPE_CHECKING:
    from ._protocol import SpaceCore
    from .design_space import DesignSpace

__all__ = ["Composition"]


class Composition:
    """Derived-space methods of :class:`~archgym.space.DesignSpace` (a mixin; no state)."""

    __slots__ = ()

    def fix(self: SpaceCore, **values: Any) -> DesignSpace:
        """A space with some knobs pinned to one value (they keep their name and kind).

        Args:
            **values: ``knob name=value`` for each pinned knob.

        Returns:
            A new space with the same knobs, each pinned knob having a single choice.
        """
        return self.subspace(**{name: [v] for name, v in values.items()})

    def subspace(self: SpaceCore, **fixed: Any) -> DesignSpace:
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
        from .design_space import DesignSpace

        return DesignSpace(knobs)

    def translate(self: SpaceCore, index_array: Any, target: DesignSpace) -> np.ndarray:
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

    def product(self: SpaceCore, other: DesignSpace) -> DesignSpace:
        """The concatenation of two spaces (e.g. hardware + network); names must stay unique."""
        from .design_space import DesignSpace  # (a module-level import would be a cycle)

        if not isinstance(other, DesignSpace):
            raise SpaceError(f"product expects a DesignSpace, got {type(other).__name__}")
        clash = [n for n in other.names if n in self._name_set]
        if clash:
            raise SpaceError(
                f"product: knob name {', '.join(map(repr, clash))} is in both spaces; names must be unique"
            )
        return DesignSpace(self._knobs + other.knobs)

    def __add__(self: SpaceCore, other: DesignSpace) -> DesignSpace:
        from .design_space import DesignSpace  # (a module-level import would be a cycle)

        if not isinstance(other, DesignSpace):
            return NotImplemented
        return self.product(other)


def _is_single(knob: Knob, spec: Any) -> bool:
    """Whether ``spec`` names one value of ``knob`` (rather than a collection of values)."""
    try:
        knob.index(spec)
    except SpaceError:
        return False
    return True
