"""Evaluating each distinct design once: factorising key columns into distinct rows, and
gathering or splitting ``(designs, layers)`` arrays by workload and by dataflow run."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .table import WorkloadTable

_ONE_ROW = np.zeros(1, np.intp)
_ONE_ROW.setflags(write=False)


def _distinct(cols: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``n`` designs' key columns (each ``(n,)``, integer, boolean or
    float, compared by value).

    Each column is factorised on its own (a column that holds one value is skipped) and
    the codes are combined into one integer, compressed whenever the combination could
    overflow. Returns ``(first, inverse)``: ``first`` ``(m,)`` indexes one design of each
    distinct row, and design ``i`` has distinct row ``inverse[i]`` (``(n,)``)."""
    n = cols[0].shape[0]
    if n == 1:
        return _ONE_ROW, _ONE_ROW
    code = np.zeros(n, np.int64)
    radix = 1
    for c in cols:
        if c[0] == c[-1] and (c == c[0]).all():
            continue
        u, ci = np.unique(c, return_inverse=True)
        if radix * len(u) > 2**62:
            _, code = np.unique(code, return_inverse=True)
            radix = int(code.max()) + 1
        code = code * len(u) + ci.reshape(-1)
        radix *= len(u)
    if radix == 1:
        return _ONE_ROW, np.zeros(n, np.intp)
    _, first, inv = np.unique(code, return_index=True, return_inverse=True)
    return first, inv.reshape(-1)


def _unique_rows(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, axis=0, return_inverse=True)`` for an ``(n, m)`` array (integers
    or floats) by value, fast (see :func:`_distinct`); the distinct rows come in the order
    of their first design."""
    first, inv = _distinct([key[:, j] for j in range(key.shape[1])])
    return key[first], inv


def _workload_rows(table: WorkloadTable, a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``a[w]`` for a ``(n_workloads, L)`` array of ``table`` and workload indices ``w``;
    for a table of one workload ``a`` itself, ``(1, L)``, which broadcasts (no copy)."""
    return a if table.n_workloads == 1 else a[w]


def _by_dataflow(
    df: np.ndarray,
    fn: Callable[[slice], dict[str, np.ndarray]],
) -> dict[str, np.ndarray]:
    """Run ``fn`` on each run of distinct designs that share one dataflow and stack the
    ``(rows, L)`` results in order. ``df``: ``(k,)`` the dataflow codes of the distinct
    designs, best sorted (:func:`_distinct` with the dataflow as the leading key column:
    one run per dataflow). Within one dataflow its rules pick whole arrays
    (``archgym.dataflows``): no per-element choice between the three, which is most of
    the work of a mixed batch."""
    cuts = np.flatnonzero(df[1:] != df[:-1]) + 1
    if cuts.size == 0:
        return fn(slice(None))
    bounds = [0, *cuts.tolist(), len(df)]
    parts = [fn(slice(a, b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _rows(a: np.ndarray, s: slice) -> np.ndarray:
    """The designs ``s`` of a ``(k, ...)`` array; a ``(1, ...)`` array (one workload)
    broadcasts to all."""
    return a if a.shape[0] == 1 else a[s]
