"""The Gymnasium, BoTorch and pymoo forms of a :class:`~archgym.space.DesignSpace`.

Each adapter is a mixin of :class:`DesignSpace` (``space.to_gymnasium()``,
``space.normalize(X)``, ``space.to_pymoo_vars()``, ...). Every form works on the same
choice indices, so agents built on different libraries search the same space. The
libraries are imported inside the methods that need them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .knobs import SpaceError

if TYPE_CHECKING:
    import gymnasium
    import torch
    from pymoo.core.variable import Variable

    from ._protocol import SpaceCore

__all__ = ["GymnasiumAdapter", "BotorchAdapter", "PymooAdapter"]


class GymnasiumAdapter:
    """The Gymnasium spaces of a design space (SB3 accepts the ``MultiDiscrete`` one). (A mixin of :class:`DesignSpace`; no state.)"""

    __slots__ = ()

    def to_gymnasium(self: SpaceCore, seed: int | None = None) -> gymnasium.spaces.MultiDiscrete:
        """A flat ``MultiDiscrete(sizes, start=0)`` over index vectors (SB3 accepts it)."""
        from gymnasium import spaces

        return spaces.MultiDiscrete(
            np.array(self._sizes),
            dtype=np.int64,
            seed=seed,
            start=np.zeros(self.n_knobs, dtype=np.int64),
        )

    def to_gymnasium_dict(self: SpaceCore, seed: int | None = None) -> gymnasium.spaces.Dict:
        """A ``Dict`` of one ``Discrete(size_k)`` per knob, in knob order."""
        from gymnasium import spaces

        return spaces.Dict([(k.name, spaces.Discrete(k.size)) for k in self._knobs], seed=seed)

    def from_gymnasium_action(self: SpaceCore, action: Any) -> np.ndarray:
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


class BotorchAdapter:
    """The BoTorch forms: index-space bounds and choices, unit-cube scaling, column kinds. (A mixin of :class:`DesignSpace`; no state.)"""

    __slots__ = ()

    def to_botorch_bounds(self: SpaceCore, dtype: torch.dtype | None = None) -> torch.Tensor:
        """``2 x n_knobs`` tensor of bounds in index space: row 0 zeros, row 1 ``size_k - 1``.

        Args:
            dtype: Tensor dtype (default ``torch.double``).
        """
        import torch

        dtype = torch.double if dtype is None else dtype
        upper = torch.as_tensor(self._sizes - 1, dtype=dtype)
        return torch.stack([torch.zeros_like(upper), upper])

    def botorch_discrete_choices(
        self: SpaceCore, dtype: torch.dtype | None = None
    ) -> list[torch.Tensor]:
        """Per knob, the tensor of allowed encoded values ``0, 1, ..., size_k - 1``."""
        import torch

        dtype = torch.double if dtype is None else dtype
        return [torch.arange(k.size, dtype=dtype) for k in self._knobs]

    def botorch_discrete_dims(self: SpaceCore) -> dict[int, list[float]]:
        """``discrete_dims`` for ``optimize_acqf_mixed_alternating``: ordered knobs -> values."""
        return {
            j: [float(v) for v in range(k.size)] for j, k in enumerate(self._knobs) if k.ordered
        }

    def botorch_cat_dims(self: SpaceCore) -> dict[int, list[float]]:
        """``cat_dims`` for ``optimize_acqf_mixed_alternating``: categorical knobs -> values."""
        return {
            j: [float(v) for v in range(k.size)] for j, k in enumerate(self._knobs) if not k.ordered
        }

    def botorch_grid(
        self: SpaceCore, dtype: torch.dtype | None = None, max_designs: int = 2**20
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

    def categorical_dims(self: SpaceCore) -> list[int]:
        """Columns of the categorical (unordered) knobs, e.g. ``MixedSingleTaskGP(cat_dims=...)``."""
        return [j for j, k in enumerate(self._knobs) if not k.ordered]

    def ordered_dims(self: SpaceCore) -> list[int]:
        """Columns of the ordered knobs (ordinal, integer, power of two)."""
        return [j for j, k in enumerate(self._knobs) if k.ordered]

    def normalize(self: SpaceCore, index_array: Any) -> np.ndarray:
        """Choice indices scaled to ``[0, 1]``: ``index / (size_k - 1)`` (0 for one-choice knobs).

        Args:
            index_array: ``batch x n_knobs`` (or ``n_knobs``) integer array of choice indices.

        Returns:
            float64 array of the same shape, consistent with :meth:`to_botorch_bounds`.
        """
        arr = self.validate(index_array)
        return arr / np.maximum(self._sizes - 1, 1)

    def unnormalize(self: SpaceCore, unit: Any) -> np.ndarray:
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

    def from_botorch(self: SpaceCore, X: Any) -> np.ndarray:
        """Index arrays from BoTorch candidates in index space (rounded, then validated).

        Args:
            X: ``batch x n_knobs`` (or ``q x n_knobs``) tensor or array of encoded values.

        Returns:
            int64 array of choice indices of the same shape.
        """
        arr = np.asarray(X.detach().cpu() if hasattr(X, "detach") else X, dtype=np.float64)
        return self.validate(np.rint(arr))


class PymooAdapter:
    """The pymoo forms: mixed variables by knob name, integer bounds, ``X`` both ways. (A mixin of :class:`DesignSpace`; no state.)"""

    __slots__ = ()

    def to_pymoo_vars(self: SpaceCore) -> dict[str, Variable]:
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

    def to_pymoo_bounds(self: SpaceCore) -> tuple[np.ndarray, np.ndarray]:
        """``(xl, xu)`` int64 bounds for a plain integer pymoo ``Problem`` over index vectors."""
        return np.zeros(self.n_knobs, dtype=np.int64), np.array(self._sizes - 1)

    def to_pymoo(self: SpaceCore, index_array: Any) -> np.ndarray:
        """An object array of ``{name: index}`` dicts, as pymoo mixed-variable ``X`` holds.

        Args:
            index_array: ``batch x n_knobs`` integer array of choice indices.
        """
        arr, _ = self._index_array(index_array)
        out = np.empty(arr.shape[0], dtype=object)
        out[:] = [dict(zip(self._names, row, strict=True)) for row in arr.tolist()]
        return out

    def from_pymoo(self: SpaceCore, x: Any) -> np.ndarray:
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
