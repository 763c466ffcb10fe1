"""Drawing designs from a :class:`~archgym.space.DesignSpace`: every design in flat
order, uniform samples (with or without replacement), Latin hypercube and Sobol points,
and the one-knob neighbourhood of a design. Methods of :class:`DesignSpace`."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .knobs import SeedLike, SpaceError, _is_int

if TYPE_CHECKING:
    from ._protocol import SpaceCore

__all__ = ["Sampling"]


class Sampling:
    """Sampling methods of :class:`~archgym.space.DesignSpace` (a mixin; no state)."""

    __slots__ = ()

    def iter_batches(
        self: SpaceCore, batch_size: int = 16384, start: int = 0, stop: int | None = None
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

    def sample(self: SpaceCore, n: int, seed: SeedLike = None) -> np.ndarray:
        """``n`` designs drawn uniformly (with replacement) over the space.

        Args:
            n: Number of designs.
            seed: Seed or :class:`numpy.random.Generator`; same seed, same designs.

        Returns:
            ``n x n_knobs`` int64 array of choice indices.
        """
        rng = np.random.default_rng(seed)
        return rng.integers(0, self._sizes, size=(int(n), self.n_knobs), dtype=np.int64)

    def sample_unique(self: SpaceCore, n: int, seed: SeedLike = None) -> np.ndarray:
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

    def _from_unit(self: SpaceCore, u: np.ndarray) -> np.ndarray:
        """Map points of the unit cube to choice indices: ``floor(u * size_k)``."""
        idx = np.floor(u * self._sizes).astype(np.int64)
        return np.clip(idx, 0, self._sizes - 1)

    def latin_hypercube(self: SpaceCore, n: int, seed: SeedLike = None) -> np.ndarray:
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

    def sobol(self: SpaceCore, n: int, seed: SeedLike = None) -> np.ndarray:
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

    def neighbors(self: SpaceCore, index_vector: Any) -> np.ndarray:
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
