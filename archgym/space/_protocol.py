"""What the sampling and adapter mixins need from a :class:`~archgym.space.DesignSpace`.

The mixins (sampling, adapters, composition) annotate ``self`` with :class:`SpaceCore`, so a type checker verifies each
method against the members listed here (and that :class:`DesignSpace` has them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .knobs import Knob, SeedLike

if TYPE_CHECKING:
    from .design_space import DesignSpace

__all__ = ["SpaceCore"]


class SpaceCore(Protocol):
    """The members of :class:`~archgym.space.DesignSpace` its mixins use."""

    @property
    def _knobs(self) -> tuple[Knob, ...]: ...

    @property
    def _names(self) -> tuple[str, ...]: ...

    @property
    def _name_set(self) -> frozenset[str]: ...

    @property
    def _pos(self) -> dict[str, int]: ...

    @property
    def _arrays(self) -> tuple[np.ndarray, ...]: ...

    @property
    def _sizes(self) -> np.ndarray: ...

    @property
    def _size(self) -> int: ...

    @property
    def _strides(self) -> np.ndarray | None: ...

    @property
    def n_knobs(self) -> int: ...

    def validate(self, index_array: Any) -> np.ndarray: ...

    def _check_keys(self, keys: Iterable[str], where: str) -> None: ...

    def _index_array(self, index_array: Any, what: str = ...) -> tuple[np.ndarray, bool]: ...

    def _unravel_unchecked(self, flat: np.ndarray) -> np.ndarray: ...

    def _require_int64(self, what: str) -> np.ndarray: ...

    def sample(self, n: int, seed: SeedLike = None) -> np.ndarray: ...

    def _from_unit(self, u: np.ndarray) -> np.ndarray: ...

    def subspace(self, **fixed: Any) -> DesignSpace: ...

    def product(self, other: DesignSpace) -> DesignSpace: ...
