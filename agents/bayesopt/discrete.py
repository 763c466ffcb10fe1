"""Discrete optimisation for :mod:`archgym.agents.bayesopt`: sets of designs, and the
pool-plus-local search over a space too large to screen exhaustively (no continuous
optimum is ever rounded)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["local_search"]


class _DesignKeys:
    """A set of designs (flat indices when the space fits int64, else row bytes)."""

    def __init__(self, space: Any) -> None:
        self.space = space
        self.flat = space.size <= 2**62
        self.keys: set[Any] = set()

    def _keys(self, X: np.ndarray) -> list[Any]:
        if self.flat:
            return np.atleast_1d(self.space.ravel(X)).tolist()
        return [row.tobytes() for row in np.ascontiguousarray(X, np.int64)]

    def contains(self, X: np.ndarray) -> np.ndarray:
        if len(X) == 0:
            return np.zeros(0, bool)
        return np.fromiter((k in self.keys for k in self._keys(X)), bool, count=len(X))

    def add(self, X: np.ndarray) -> None:
        if len(X):
            self.keys.update(self._keys(X))

    def __len__(self) -> int:
        return len(self.keys)


def _unique_rows(X: np.ndarray) -> np.ndarray:
    """Distinct rows in first-seen order."""
    if len(X) == 0:
        return X
    _, first = np.unique(X, axis=0, return_index=True)
    return X[np.sort(first)]


def local_search(
    space: Any,
    screen: Callable[[np.ndarray], np.ndarray],
    anchors: np.ndarray,
    rng: np.random.Generator,
    admissible: Callable[..., np.ndarray],
    pool_size: int,
    local_steps: int,
    local_starts: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Candidates of a space too large to screen whole, and their screen scores: a seeded
    random pool plus the neighbours of ``anchors``, then a best-first local search over
    ``space.neighbors`` from the ``local_starts`` best, for at most ``local_steps`` rounds.

    Args:
        space: the ``DesignSpace``.
        screen: scores of a ``batch x n_knobs`` array (higher is better).
        anchors: ``a x n_knobs`` designs whose neighbours join the pool.
        rng: the proposal's generator.
        admissible: ``admissible(Z, known=True)``: the rows of ``Z`` that may be proposed
            (unseen, not excluded, known-feasible when ``known``).
        pool_size, local_steps, local_starts: the agent's settings.
    """
    pool = [space.sample(pool_size, rng)]
    for a in anchors:
        pool.append(space.neighbors(a))
    C = _unique_rows(np.vstack(pool))

    Ck = admissible(C)
    if len(Ck) == 0:
        Ck = admissible(C, known=False)
    C = Ck
    scores = screen(C)
    if len(C) == 0:
        return C, scores
    scored = _DesignKeys(space)
    scored.add(C)
    for _ in range(local_steps):
        top = np.argsort(-scores, kind="stable")[:local_starts]
        nb = _unique_rows(np.vstack([space.neighbors(C[t]) for t in top]))
        nb = nb[~scored.contains(nb)]
        scored.add(nb)
        nb = admissible(nb)
        if len(nb) == 0:
            break
        sn = screen(nb)
        floor = scores[top].min()
        C = np.vstack([C, nb])
        scores = np.concatenate([scores, sn])
        if not (sn > floor).any():
            break
    return C, scores
