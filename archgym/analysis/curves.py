"""Per-evaluation curves of each run: best feasible value so far, normalised regret,
hypervolume of the feasible points so far, and the bootstrap band over seeds."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from archgym.pareto import hypervolume

from .run_frames import _with_defaults, scenario_infos

__all__ = [
    "best_so_far",
    "normalized_regret",
    "curve_matrix",
    "bootstrap_ci",
    "hypervolume_trace",
    "metric_frame",
]


def best_so_far(frame: pd.DataFrame, column: str = "objective") -> pd.DataFrame:
    """Add ``n_evals`` and ``best_so_far`` (best feasible ``column`` so far) per run.

    Args:
        frame: Tidy log of one or more runs (``run_id``, ``eval``, ``column``, ``feasible``).
        column: The maximised value to track.

    Returns:
        A copy sorted by run and evaluation, with ``n_evals`` (1-based) and
        ``best_so_far`` (NaN until the run's first feasible evaluation). Infeasible rows
        are kept.
    """
    out = (
        _with_defaults(frame).sort_values(["run_id", "eval"], kind="stable").reset_index(drop=True)
    )
    out["n_evals"] = out.groupby("run_id", sort=False).cumcount() + 1
    v = np.where(out["feasible"].to_numpy(bool), out[column].to_numpy(float), -np.inf)
    v = np.where(np.isnan(v), -np.inf, v)
    best = np.empty_like(v)
    for idx in out.groupby("run_id", sort=False).indices.values():
        best[idx] = np.maximum.accumulate(v[idx])
    best[np.isneginf(best)] = np.nan
    out["best_so_far"] = best
    return out


def _best_values(frame: pd.DataFrame, best_value: float | Mapping[str, float] | None) -> pd.Series:
    """The best value per row's scenario: given, or the best feasible value in the frame."""
    scen = frame["scenario"].astype(str)
    if best_value is None:
        feas = frame[frame["feasible"].to_numpy(bool)]
        found = feas.groupby(feas["scenario"].astype(str))["objective"].max()
        return scen.map(found).astype(float)
    if isinstance(best_value, Mapping):
        missing = sorted(set(scen) - {str(k) for k in best_value})
        if missing:
            raise KeyError(f"best_value has no entry for scenario(s) {missing}")
        return scen.map({str(k): float(v) for k, v in best_value.items()}).astype(float)
    return pd.Series(float(best_value), index=frame.index)


def normalized_regret(
    frame: pd.DataFrame,
    best_value: float | Mapping[str, float] | None = None,
    worst_value: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Add the normalised simple regret ``regret`` of every row's best-so-far value.

    Args:
        frame: Tidy log (``best_so_far`` is computed if absent).
        best_value: The optimum of the objective (a number, or one per scenario id);
            ``None``: the best feasible value in ``frame`` per scenario.
        worst_value: If given, normalise by the range ``best_value - worst_value`` instead
            of ``|best_value|``.

    Returns:
        A copy with ``regret = (best_value - best_so_far) / |best_value|`` (``+inf``
        before the first feasible evaluation).

    Raises:
        ValueError: the normaliser is zero.
    """
    out = frame if "best_so_far" in frame.columns else best_so_far(frame)
    out = _with_defaults(out)
    best = _best_values(out, best_value).to_numpy(float)
    if worst_value is None:
        scale = np.abs(best)
    else:
        worst = (
            _best_values(out, worst_value).to_numpy(float)
            if isinstance(worst_value, Mapping)
            else np.full(len(out), float(worst_value))
        )
        scale = best - worst
    if np.any(scale == 0):
        raise ValueError(
            "cannot normalise the regret: best_value is 0 (give worst_value to normalise by the range)"
        )
    bsf = out["best_so_far"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        regret = (best - bsf) / scale
    out["regret"] = np.where(np.isnan(bsf), np.inf, regret)
    return out


def curve_matrix(
    frame: pd.DataFrame, metric: str, length: int | None = None
) -> tuple[np.ndarray, list[str]]:
    """The ``metric`` curves of the runs in ``frame`` as a ``n_runs x length`` array.

    Args:
        frame: Rows of several runs with ``n_evals`` and ``metric``.
        metric: The column to collect (e.g. ``regret``).
        length: Curve length (default: the longest run); shorter runs are padded with
            their last value, longer ones cut.

    Returns:
        ``(curves, run_ids)``.
    """
    groups = [
        (rid, g.sort_values("n_evals")[metric].to_numpy(float))
        for rid, g in frame.groupby("run_id", sort=True)
    ]
    if not groups:
        return np.zeros((0, length or 0)), []
    n = length or max(len(v) for _, v in groups)
    out = np.empty((len(groups), n))
    for i, (_, v) in enumerate(groups):
        v = v[:n]
        out[i, : len(v)] = v
        out[i, len(v) :] = v[-1] if len(v) else np.nan
    return out, [str(r) for r, _ in groups]


def bootstrap_ci(
    curves: np.ndarray,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    stat: str = "median",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bootstrap confidence band of a statistic over runs (seeds), at every evaluation.

    Runs are resampled with replacement ``n_boot`` times (a seeded generator, so the band
    is reproducible); the band is the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles
    of the resampled statistic (taken as order statistics, so ``inf`` values are handled).

    Args:
        curves: ``n_runs x n_evals`` (one curve per run) or ``n_runs`` array.
        n_boot: Number of bootstrap resamples.
        seed: Seed of the resampling.
        level: Confidence level.
        stat: ``"median"`` or ``"mean"``.

    Returns:
        ``(center, low, high)``: the statistic of the runs and the band, each ``n_evals``.
    """
    a = np.asarray(curves, dtype=float)
    one_d = a.ndim == 1
    if one_d:
        a = a[:, None]
    if a.shape[0] == 0:
        raise ValueError("bootstrap_ci needs at least one curve")
    stats: dict[str, Callable[..., Any]] = {"median": np.median, "mean": np.mean}
    fn = stats.get(stat)
    if fn is None:
        raise ValueError(f"stat must be 'median' or 'mean', got {stat!r}")
    rng = np.random.default_rng(seed)
    center = fn(a, axis=0)
    idx = rng.integers(0, a.shape[0], size=(n_boot, a.shape[0]))
    with np.errstate(invalid="ignore"):
        boot = fn(a[idx], axis=1)  # n_boot x n_evals
    alpha = (1.0 - level) / 2.0
    low = np.quantile(boot, alpha, axis=0, method="lower")
    high = np.quantile(boot, 1.0 - alpha, axis=0, method="higher")
    if one_d:
        return center[:1], low[:1], high[:1]
    return center, low, high


# --------------------------------------------------------------------------------------
# several objectives
# --------------------------------------------------------------------------------------


def hypervolume_trace(
    frame: pd.DataFrame,
    ref_point: Sequence[float] | None = None,
    objective_columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Add ``hypervolume``: the hypervolume of each run's feasible points so far.

    Args:
        frame: Tidy log of one or more runs (infeasible rows count for nothing).
        ref_point: Reference point in the maximised objective space (default: each
            scenario's, from ``frame.attrs["scenarios"]``).
        objective_columns: The maximised objective columns (default: each scenario's).

    Returns:
        A copy sorted by run and evaluation, with ``n_evals`` and ``hypervolume``.
    """
    out = best_so_far(frame) if "n_evals" not in frame.columns else _with_defaults(frame)
    out = out.sort_values(["run_id", "n_evals"], kind="stable").reset_index(drop=True)
    if ref_point is not None and objective_columns is not None:
        out["hypervolume"] = _hv_trace(out, ref_point, objective_columns)
        return out
    infos = scenario_infos(frame)
    hv = np.zeros(len(out))
    for scen, idx in out.groupby(out["scenario"].astype(str), sort=False).indices.items():
        info = infos.get(str(scen), {})  # the keys are str already
        ref = info.get("ref_point") if ref_point is None else ref_point
        cols = info.get("objective_columns") if objective_columns is None else objective_columns
        if ref is None or not cols:
            raise ValueError(
                f"scenario {scen!r}: give ref_point and objective_columns (the frame does not say them)"
            )
        hv[idx] = _hv_trace(out.iloc[idx], ref, cols)
    out["hypervolume"] = hv
    return out


def _hv_trace(
    out: pd.DataFrame, ref_point: Sequence[float], objective_columns: Sequence[str]
) -> np.ndarray:
    """Hypervolume after each row of ``out`` (sorted by run and evaluation), per run."""
    cols = list(objective_columns)
    missing = [c for c in cols if c not in out.columns]
    if missing:
        raise KeyError(f"the frame has no objective column(s) {missing}")
    ref = np.asarray(ref_point, dtype=float).ravel()
    Y = out[cols].to_numpy(float)
    feas = out["feasible"].to_numpy(bool)
    hv = np.zeros(len(out))
    for idx in out.groupby("run_id", sort=False).indices.values():
        front = np.zeros((0, len(cols)))
        current = 0.0
        for i in idx:
            y = Y[i]
            if feas[i] and not np.isnan(y).any() and np.all(y > ref):
                dominated = front.size and np.any(np.all(front >= y, axis=1))
                if not dominated:
                    front = np.vstack([front[~np.all(y >= front, axis=1)], y])
                    current = hypervolume(front, ref)
            hv[i] = current
    return hv


def metric_frame(
    frame: pd.DataFrame,
    metric: str,
    best_value: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """``frame`` with the curve ``metric`` (``regret``, ``best_so_far`` or
    ``hypervolume``) and ``n_evals`` per row, computed unless both are there already."""
    if metric in frame.columns and "n_evals" in frame.columns:
        return _with_defaults(frame)
    if metric == "regret":
        return normalized_regret(best_so_far(frame), best_value)
    if metric == "best_so_far":
        return best_so_far(frame)
    if metric == "hypervolume":
        return hypervolume_trace(frame)
    raise ValueError(f"metric must be 'regret', 'best_so_far' or 'hypervolume', got {metric!r}")
