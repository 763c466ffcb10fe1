"""Curves against wall-clock time: each run's cumulative ask + evaluation seconds, the
comparison that does not flatter expensive agents."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .curves import best_so_far, metric_frame
from .run_frames import _with_defaults, run_columns

__all__ = ["with_wall_time", "curves_over_time", "values_at_wall_time"]


def with_wall_time(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``wall_s``: each run's cumulative wall time (``ask_s + eval_s``) after a row.

    Comparing agents by evaluations alone flatters the expensive ones (a BO proposal costs
    seconds, a random one microseconds); this is the clock to compare them by instead.

    Returns:
        A copy sorted by run and evaluation, with ``n_evals`` and ``wall_s`` (seconds).

    Raises:
        KeyError: the log has neither ``ask_s`` nor ``eval_s``.
    """
    out = best_so_far(frame) if "n_evals" not in frame.columns else _with_defaults(frame)
    out = out.sort_values(["run_id", "n_evals"], kind="stable").reset_index(drop=True)
    cols = [c for c in ("ask_s", "eval_s") if c in out.columns]
    if not cols:
        raise KeyError("the log has no ask_s / eval_s columns to measure wall time")
    step = out[cols].to_numpy(float).sum(axis=1)
    step = np.where(np.isfinite(step), step, 0.0)
    out["wall_s"] = pd.Series(step, index=out.index).groupby(out["run_id"], sort=False).cumsum()
    return out


def curves_over_time(
    frame: pd.DataFrame, metric: str, times: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """``metric`` of each run as a step function of its wall time, sampled at ``times``.

    Args:
        frame: Rows with ``run_id``, ``wall_s`` (:func:`with_wall_time`) and ``metric``.
        metric: The column (e.g. ``regret``).
        times: ``t`` increasing times in seconds.

    Returns:
        ``(curves, run_ids)``: ``n_runs x t``; NaN before a run's first row and after its
        last one (a run that had stopped by then says nothing about that time).
    """
    t = np.asarray(times, float)
    rows, ids = [], []
    for rid, g in frame.groupby("run_id", sort=True):
        g = g.sort_values("wall_s")
        w = g["wall_s"].to_numpy(float)
        v = g[metric].to_numpy(float)
        i = np.searchsorted(w, t, side="right") - 1
        out = np.where(i >= 0, v[np.clip(i, 0, None)], np.nan)
        out = np.where(t > w[-1], np.nan, out)
        rows.append(out)
        ids.append(str(rid))
    return (np.vstack(rows) if rows else np.zeros((0, len(t)))), ids


def values_at_wall_time(
    frame: pd.DataFrame,
    seconds: float,
    metric: str = "regret",
    best_value: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One row per run: its ``metric`` after ``seconds`` of its own wall time.

    Returns:
        ``scenario``, ``run_id``, ``agent``, ``label``, ``seed``, ``wall_s`` (the run's
        total) and ``value`` (NaN if the run ended before ``seconds``; ``+inf`` regret if
        it had no feasible design by then).
    """
    m = with_wall_time(metric_frame(frame, metric, best_value))
    rows = []
    for rid, g in m.groupby("run_id", sort=True):
        g = g.sort_values("wall_s")
        hit = g[g["wall_s"] <= seconds]
        total = float(g["wall_s"].iloc[-1])
        if seconds > total:
            value = np.nan
        elif len(hit):
            value = float(hit[metric].iloc[-1])
        else:
            value = np.inf if metric == "regret" else np.nan
        first = g.iloc[0]
        rows.append(
            {
                **run_columns(first, rid),
                "wall_s": total,
                "value": value,
            }
        )
    return pd.DataFrame(rows)
