"""Random search: uniform, Latin-hypercube or Sobol designs, optionally without repeats.

The baseline every other agent must beat. Proposals ignore what is told back, so the
designs of a run depend only on the space, the settings and the seed, never on the batch
size: ``batch_size`` only decides how many designs go to the scenario at once.

Example:
    >>> from archgym.agents import make
    >>> agent = make("random", method="sobol", batch_size=32)
    >>> history = agent.run(scenario, budget=256, seed=0)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .base import Agent, AgentError, AgentSettings, History
from .problem import Problem

__all__ = ["RandomSearch", "RandomSearchSettings", "METHODS"]

METHODS = ("uniform", "lhs", "sobol")
"""The sampling methods of :class:`RandomSearch`."""

_CHUNK = 1024
"""Candidates drawn per refill of the proposal queue (uniform and Sobol)."""
_STALL_BLOCKS = 4
"""Consecutive candidate blocks without a new design before ``unique`` falls back to
drawing uniformly among the designs not proposed yet."""
_ENUMERABLE = 2**22
"""Spaces up to this many designs are enumerated for exact sampling without replacement."""


@dataclass
class RandomSearchSettings(AgentSettings):
    """Settings of :class:`RandomSearch`."""

    batch_size: int = 16
    """Designs proposed per ask (evaluated together). It does not change which designs a
    seed proposes, only how many are evaluated at once."""

    method: str = "uniform"
    """How designs are drawn: "uniform" (every design equally likely), "lhs" (Latin
    hypercube over the encoded space: balanced marginals per knob) or "sobol" (scrambled
    Sobol sequence over the encoded space: low discrepancy)."""

    unique: bool = True
    """Never propose the same design twice. Asking for more designs than the space has
    left raises AgentError (so does run() with a budget larger than the space)."""

    lhs_size: int = 0
    """Designs per Latin hypercube (method "lhs"): 0 means the whole budget of run() is
    one hypercube (batch_size per hypercube when ask is called directly); later
    hypercubes continue the search when the first one runs out."""

    def validate(self) -> None:
        """Check every setting.

        Raises:
            AgentError: a setting is out of range; the message names it.
        """
        super().validate()
        if self.method not in METHODS:
            raise AgentError(f"random: method must be one of {list(METHODS)}, got {self.method!r}")
        if not isinstance(self.unique, bool | np.bool_):
            raise AgentError(f"random: unique must be True or False, got {self.unique!r}")
        if (
            not isinstance(self.lhs_size, int)
            or isinstance(self.lhs_size, bool)
            or self.lhs_size < 0
        ):
            raise AgentError(f"random: lhs_size must be an integer >= 0, got {self.lhs_size!r}")


class RandomSearch(Agent):
    """Random search over a scenario's design space (``archgym.agents.make("random")``).

    Candidates come from one seeded stream (uniform draws, successive Latin hypercubes,
    or one scrambled Sobol sequence) and go through a queue, so the ``k``-th proposal of a
    seed is the same whatever the sizes of the asks. With ``unique`` a candidate already
    proposed is skipped; if a quasi-random stream stops producing new designs (a small
    space nearly exhausted), the rest are drawn uniformly among the designs not proposed
    yet. Random search ignores objectives and constraints, so it runs on single- and
    multi-objective scenarios alike.
    """

    name: ClassVar[str] = "random"
    Settings: ClassVar[type[AgentSettings]] = RandomSearchSettings
    supports_multi_objective: ClassVar[bool] = True

    settings: RandomSearchSettings

    # --- the loop ------------------------------------------------------------------------
    def run(self, scenario: Problem, budget: int, seed: int = 0, **kwargs: Any) -> History:
        """Search ``scenario`` for ``budget`` evaluations (see :meth:`Agent.run`).

        With ``method="lhs"`` and ``lhs_size=0`` the whole budget is one Latin hypercube.

        Raises:
            AgentError: ``unique`` is set and ``budget`` exceeds the number of designs.
        """
        size = int(scenario.space.size)
        if self.settings.unique and isinstance(budget, int | np.integer) and budget > size:
            raise AgentError(
                f"random: budget={int(budget)} is larger than the space of scenario "
                f"{scenario.id!r} ({size} designs) and unique=True; lower the "
                "budget or set unique=False"
            )
        return super().run(scenario, budget, seed, **kwargs)

    def _setup(self) -> None:
        space = self.space
        self._n_knobs = int(space.n_knobs)
        self._size = int(space.size)
        self._flat_keys = self._size - 1 <= np.iinfo(np.int64).max
        self._seen: set[Any] = set()
        self._queue = np.zeros((0, self._n_knobs), dtype=np.int64)
        self._proposed = 0
        self._fallback = False
        self._stalled = 0
        # independent streams for the main sampler and the fallback, both from the seed
        main, fallback = np.random.SeedSequence(self.seed).spawn(2)
        self._main_rng = np.random.default_rng(main)
        self._fallback_rng = np.random.default_rng(fallback)
        self._sobol_seed = int(self._main_rng.integers(2**63 - 1))
        self._sobol_cache = np.zeros((0, self._n_knobs), dtype=np.int64)
        self._sobol_pos = 0
        self._perm: np.ndarray | None = None
        self._perm_pos = 0
        lhs = self.settings.lhs_size or self.run_budget or self.settings.batch_size
        self._lhs_size = max(1, int(lhs))

    # --- the interface -------------------------------------------------------------------
    def ask(self, n: int | None = None) -> np.ndarray:
        """Propose ``n`` designs (default ``settings.batch_size``).

        Returns:
            ``n x n_knobs`` int64 array of choice indices.

        Raises:
            AgentError: ``n`` is not a positive integer, the agent is not set up, or
                ``unique`` is set and fewer than ``n`` designs are left unproposed.
        """
        n = self._ask_size(n)
        if self.settings.unique and self._proposed + n > self._size:
            raise AgentError(
                f"random: the space is exhausted: it has {self._size} designs, {self._proposed} "
                f"were already proposed and unique=True, so {n} more distinct designs cannot be "
                "proposed; lower the budget or set unique=False"
            )
        while len(self._queue) < n:
            self._refill()
        out, self._queue = self._queue[:n], self._queue[n:]
        self._proposed += n
        return np.array(out, dtype=np.int64)

    # --- candidate streams ---------------------------------------------------------------
    def _refill(self) -> None:
        """Append the next block of candidates (new designs only, if ``unique``) to the queue."""
        block = self._fallback_block() if self._fallback else self._candidate_block()
        if self.settings.unique:
            block = self._new_only(block)
            if not self._fallback:
                self._stalled = 0 if len(block) else self._stalled + 1
                if self._stalled >= _STALL_BLOCKS:
                    self._fallback = True
        self._queue = np.concatenate([self._queue, block]) if len(self._queue) else block

    def _candidate_block(self) -> np.ndarray:
        method = self.settings.method
        if method == "uniform":
            if self.settings.unique and self._flat_keys and self._size <= _ENUMERABLE:
                return self._permutation_block()
            return self.space.sample(_CHUNK, self._main_rng)
        if method == "lhs":
            return self.space.latin_hypercube(self._lhs_size, self._main_rng)
        return self._sobol_block()

    def _permutation_block(self) -> np.ndarray:
        """The next designs of one random permutation of the whole space (exact, no repeats)."""
        if self._perm is None:
            self._perm = self._main_rng.permutation(self._size).astype(np.int64)
        flat = self._perm[self._perm_pos : self._perm_pos + _CHUNK]
        self._perm_pos += len(flat)
        return self.space.unravel(flat)

    def _sobol_block(self) -> np.ndarray:
        """The next points of the run's scrambled Sobol sequence.

        ``space.sobol(m, seed)`` with a fixed seed returns the first ``m`` points of one
        sequence, so the cache is regenerated at doubling sizes and read in order.
        """
        end = self._sobol_pos + _CHUNK
        if end > len(self._sobol_cache):
            m = 1 << max(end - 1, 1).bit_length()
            self._sobol_cache = self.space.sobol(m, seed=self._sobol_seed)
        block = self._sobol_cache[self._sobol_pos : end]
        self._sobol_pos = end
        return block

    def _fallback_block(self) -> np.ndarray:
        """Designs drawn uniformly among those not proposed yet (``unique`` only)."""
        if self._flat_keys and self._size <= _ENUMERABLE:
            seen = np.fromiter(self._seen, dtype=np.int64, count=len(self._seen))
            left = np.setdiff1d(np.arange(self._size, dtype=np.int64), seen, assume_unique=True)
            return self.space.unravel(self._fallback_rng.permutation(left)[:_CHUNK])
        return self.space.sample(_CHUNK, self._fallback_rng)

    def _keys(self, X: np.ndarray) -> list[Any]:
        if self._flat_keys:
            return np.atleast_1d(self.space.ravel(X)).tolist()
        return [row.tobytes() for row in X]

    def _new_only(self, X: np.ndarray) -> np.ndarray:
        """The rows of ``X`` never queued before (first occurrence kept), marked as seen."""
        keep = np.zeros(len(X), dtype=bool)
        for i, key in enumerate(self._keys(X)):
            if key not in self._seen:
                self._seen.add(key)
                keep[i] = True
        return X[keep]
