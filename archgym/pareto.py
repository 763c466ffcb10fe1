"""Pareto fronts and hypervolume: the one implementation (every objective maximised).

* :func:`pareto_mask` — the exact non-dominated filter, vectorised in blocks; rows with a
  NaN are never optimal and of several equal rows one is kept (the smallest tie-break).
* :func:`strictly_dominated` — which points a known front strictly dominates (used to
  prune a batch before merging it into a running front).
* :func:`hypervolume_slicing` — the exact hypervolume by slicing along the last objective
  down to an exact 2-D sweep; numpy only, for the small fronts of enumerable scenarios
  (hundreds of points, 2-4 objectives).
* :func:`hypervolume` — checked input and the choice of algorithm: pymoo's ``HV``
  (exact, fast on large fronts in 3+ objectives) when pymoo is installed, otherwise
  :func:`hypervolume_slicing`. Both are exact; they differ only by rounding.

``archgym.scenarios.enumeration.pareto_mask`` / ``hypervolume`` and
``archgym.analysis.pareto_mask`` / ``hypervolume`` are these functions under their old names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

__all__ = [
    "pareto_mask",
    "strictly_dominated",
    "hypervolume",
    "hypervolume_slicing",
    "hypervolume_pymoo",
]


def pareto_mask(values: Any, tiebreak: Any = None, block: int = 512) -> np.ndarray:
    """Which rows of ``values`` are non-dominated (all objectives maximised).

    Rows with a NaN are never optimal. Of several rows with the same objective vector only
    one is kept: the one with the smallest ``tiebreak`` (default: the first). Rows are
    visited in lexicographically decreasing order, so a row can only be dominated by an
    earlier one; each block of rows is checked against the front so far and against the
    earlier rows of the block in one vectorised comparison.

    Args:
        values: ``n x k`` objective values (a 1-D array is one objective).
        tiebreak: ``(n,)`` integers ordering equal rows (e.g. flat design numbers).
        block: Rows compared at once.

    Returns:
        ``(n,)`` bool mask.
    """
    F = np.asarray(values, np.float64)
    if F.ndim == 1:
        F = F[:, None]
    n, k = F.shape
    keep = np.zeros(n, bool)
    ok = ~np.any(np.isnan(F), axis=1)
    if not ok.all():
        rows = np.flatnonzero(ok)
        tb = None if tiebreak is None else np.asarray(tiebreak)[rows]
        keep[rows[pareto_mask(F[rows], tb, block)]] = True
        return keep
    if n == 0:
        return keep
    tb = np.arange(n) if tiebreak is None else np.asarray(tiebreak)
    order = np.lexsort([tb] + [-F[:, j] for j in range(k - 1, -1, -1)])
    Fs = F[order]
    front = np.empty((0, k))
    for s in range(0, n, block):
        blk = Fs[s : s + block]
        dom = np.zeros(len(blk), bool)
        if len(front):
            for f0 in range(0, len(front), 4096):
                ge_front = np.all(front[None, f0 : f0 + 4096, :] >= blk[:, None, :], axis=-1)
                dom |= np.any(ge_front, axis=1)
        ge = np.all(blk[:, None, :] >= blk[None, :, :], axis=-1)
        dom |= np.any(np.triu(ge, 1), axis=0)
        acc = ~dom
        keep[order[s : s + block][acc]] = True
        front = np.concatenate([front, blk[acc]])
    return keep


def strictly_dominated(front: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Which ``points`` some row of ``front`` strictly dominates (>= everywhere, > somewhere).

    Args:
        front: ``m x k`` objective values (maximised).
        points: ``n x k`` objective values.

    Returns:
        ``(n,)`` bool.
    """
    out = np.zeros(len(points), bool)
    if not len(front) or not len(points):
        return out
    step = max(1, 2_000_000 // max(1, len(front) * points.shape[1]))
    for s in range(0, len(points), step):
        p = points[s : s + step, None, :]
        ge = np.all(front[None] >= p, axis=-1)
        gt = np.any(front[None] > p, axis=-1)
        out[s : s + step] = np.any(ge & gt, axis=1)
    return out


def _hv2(F: np.ndarray, ref: np.ndarray) -> float:
    order = np.argsort(-F[:, 0], kind="stable")
    f0, f1 = F[order, 0], F[order, 1]
    best = np.maximum.accumulate(f1)
    prev = np.concatenate([[ref[1]], best[:-1]])
    return float(np.sum((f0 - ref[0]) * np.maximum(best - np.maximum(prev, ref[1]), 0.0)))


def hypervolume_slicing(F: Any, ref_point: Any) -> float:
    """Exact hypervolume dominated by ``F`` (maximised) above ``ref_point``, numpy only.

    Slices along the last objective down to two dimensions, then an exact sweep; the
    points need not be a front (dominated points add nothing).

    Args:
        F: ``n x k`` objective values (maximised).
        ref_point: ``k`` reference values (a lower bound, as in BoTorch).

    Returns:
        The hypervolume (0 if no point beats the reference in every objective).
    """
    F = np.asarray(F, np.float64)
    ref = np.asarray(ref_point, np.float64)
    F = F[(F > ref).all(axis=1)] if len(F) else F
    if not len(F):
        return 0.0
    k = F.shape[1]
    if k == 1:
        return float(F[:, 0].max() - ref[0])
    if k == 2:
        return _hv2(F, ref)
    order = np.argsort(-F[:, -1], kind="stable")
    F = F[order]
    z = np.concatenate([F[:, -1], [ref[-1]]])
    total = 0.0
    for i in range(len(F)):
        depth = z[i] - z[i + 1]
        if depth > 0:
            total += hypervolume_slicing(F[: i + 1, :-1], ref[:-1]) * depth
    return total


def hypervolume_pymoo(F: Any, ref_point: Any) -> float:
    """Exact hypervolume with pymoo's ``HV`` (on the negated, minimised objectives).

    Args:
        F: ``n x k`` objective values (maximised), every row above ``ref_point``.
        ref_point: ``k`` reference values.

    Raises:
        ImportError: pymoo is not installed (``pip install archgym[ga]``).
    """
    from pymoo.indicators.hv import HV

    F = np.asarray(F, np.float64)
    if not len(F):
        return 0.0
    return float(HV(ref_point=-np.asarray(ref_point, np.float64))(-F))


def hypervolume(
    values: Any,
    ref_point: Sequence[float] | np.ndarray,
    method: Literal["auto", "pymoo", "slicing"] = "auto",
) -> float:
    """Hypervolume dominated by maximised ``values`` above ``ref_point``.

    Only points strictly better than the reference in every objective count; rows with
    a NaN never do.

    Args:
        values: ``n x k`` objective values (maximised); a 1-D array is one point.
        ref_point: ``k`` reference values (BoTorch's convention: a lower bound).
        method: ``"pymoo"`` (:func:`hypervolume_pymoo`), ``"slicing"``
            (:func:`hypervolume_slicing`) or ``"auto"`` (pymoo if installed).

    Returns:
        The hypervolume (0 if no point beats the reference).

    Raises:
        ValueError: ``values`` and ``ref_point`` disagree on the number of objectives,
            or an unknown ``method``.
    """
    if method not in ("auto", "pymoo", "slicing"):
        raise ValueError(f"method must be 'auto', 'pymoo' or 'slicing', got {method!r}")
    Y = np.asarray(values, dtype=float)
    if Y.ndim == 1:
        Y = Y[None, :]
    ref = np.asarray(ref_point, dtype=float).ravel()
    if Y.shape[1] != ref.size:
        raise ValueError(f"values have {Y.shape[1]} objectives, ref_point has {ref.size}")
    Y = Y[np.all(Y > ref, axis=1)] if len(Y) else Y  # also drops NaN rows
    if len(Y) == 0:
        return 0.0
    Y = Y[pareto_mask(Y)]
    if method == "slicing":
        return hypervolume_slicing(Y, ref)
    try:
        return hypervolume_pymoo(Y, ref)
    except ImportError:
        if method == "pymoo":
            raise
        return hypervolume_slicing(Y, ref)
