"""Statistics over runs: each run's final value, the ranking of agents by median and
interquartile range at given budgets, and the evaluations each run needed to reach a
target regret."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .curves import metric_frame
from .run_frames import run_columns
from .wall_time import with_wall_time

__all__ = ["final_values", "ranking_table", "evaluations_to_reach", "natural_key"]

_LOWER_IS_BETTER = {"regret": True, "best_so_far": False, "hypervolume": False}


def final_values(
    frame: pd.DataFrame,
    metric: str = "regret",
    at: int | None = None,
    best_value: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One row per run: its ``metric`` after ``at`` evaluations (default: its last).

    Returns:
        ``scenario``, ``run_id``, ``agent``, ``label``, ``seed``, ``agent_settings`` (if
        known), ``n_evals`` and ``value`` (NaN for a run shorter than ``at``).
    """
    m = metric_frame(frame, metric, best_value)
    rows = []
    for rid, g in m.groupby("run_id", sort=True):
        g = g.sort_values("n_evals")
        if at is None:
            r = g.iloc[-1]
            value = float(r[metric])
        else:
            hit = g[g["n_evals"] == at]
            r = hit.iloc[0] if len(hit) else g.iloc[-1]
            value = float(r[metric]) if len(hit) else np.nan
        rows.append(
            {
                **run_columns(r, rid),
                "agent_settings": r.get("agent_settings", "{}"),
                "n_evals": int(r["n_evals"]),
                "value": value,
            }
        )
    return pd.DataFrame(rows)


def ranking_table(
    frame: pd.DataFrame,
    budgets: Sequence[int] = (50, 100, 200),
    metric: str = "regret",
    by: str = "label",
    best_value: float | Mapping[str, float] | None = None,
    wall_time: bool = False,
) -> pd.DataFrame:
    """Median and interquartile range of ``metric`` over runs, per agent, at each budget.

    Args:
        frame: Tidy log of several runs (the metric is computed if absent).
        budgets: Evaluation counts to compare at; a run shorter than a budget does not
            count there.
        metric: ``"regret"`` (lower is better), ``"best_so_far"`` or ``"hypervolume"``.
        by: Group runs by ``"label"`` (agent and settings) or ``"agent"``.
        best_value: The optimum for the regret (see :func:`normalized_regret`).
        wall_time: Also give ``wall_s@b``: the median wall time (seconds of ask and
            evaluation, :func:`with_wall_time`) the runs took for their first ``b``
            evaluations.

    Returns:
        Index ``(scenario, by)``; for each budget ``b`` the columns ``median@b``,
        ``iqr@b`` (75th minus 25th percentile), ``n@b`` (runs), ``rank@b`` (1 = best
        median within the scenario) and, with ``wall_time``, ``wall_s@b``; sorted by the
        rank at the largest budget.
    """
    lower = _LOWER_IS_BETTER.get(metric, False)
    m = metric_frame(frame, metric, best_value)
    if by not in m.columns:
        raise KeyError(f"the frame has no column {by!r} to group by")
    if wall_time:
        m = with_wall_time(m)
    group_of = m.groupby("run_id", sort=True)[by].first()
    pieces = []
    for b in budgets:
        b = int(b)
        fv = final_values(m, metric, at=b)
        fv = fv[fv["value"].notna()] if len(fv) else fv
        rows = []
        if len(fv):
            fv = fv.assign(_group=fv["run_id"].map(group_of))
            if wall_time:
                at_b = m[m["n_evals"] == b].set_index("run_id")["wall_s"]
                fv = fv.assign(_wall=fv["run_id"].map(at_b))
            for (scen, key), g in fv.groupby(["scenario", "_group"], sort=True):
                q25, med, q75 = _quartiles(g["value"].to_numpy(float))
                iqr = q75 - q25 if np.isfinite(q75) else np.inf
                row = {
                    "scenario": scen,
                    by: key,
                    f"median@{b}": med,
                    f"iqr@{b}": iqr,
                    f"n@{b}": len(g),
                }
                if wall_time:
                    row[f"wall_s@{b}"] = float(np.median(g["_wall"].to_numpy(float)))
                rows.append(row)
        cols = ["scenario", by, f"median@{b}", f"iqr@{b}", f"n@{b}"]
        t = pd.DataFrame(rows, columns=cols + ([f"wall_s@{b}"] if wall_time else []))
        t = t.set_index(["scenario", by])
        t.insert(
            3, f"rank@{b}", t.groupby(level=0)[f"median@{b}"].rank(method="min", ascending=lower)
        )
        pieces.append(t)
    if not pieces:
        return pd.DataFrame()
    table = pd.concat(pieces, axis=1)
    last = f"rank@{int(budgets[-1])}"
    table = table.reset_index().sort_values(
        ["scenario", last, by], na_position="last", kind="stable"
    )
    return table.set_index(["scenario", by])


def _quartiles(v: np.ndarray) -> tuple[float, float, float]:
    """25th, 50th and 75th percentiles (nearest order statistics when a value is inf)."""
    method: Literal["linear", "nearest"] = "linear" if np.isfinite(v).all() else "nearest"
    q = np.quantile(v, [0.25, 0.5, 0.75], method=method)
    return float(q[0]), float(q[1]), float(q[2])


def evaluations_to_reach(
    frame: pd.DataFrame,
    target_regret: float,
    best_value: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Per run, the number of evaluations after which the regret is at most the target.

    Args:
        frame: Tidy log of one or more runs (``regret`` is computed if absent).
        target_regret: The regret to reach (e.g. 0.01: within 1% of the optimum).
        best_value: The optimum (see :func:`normalized_regret`).

    Returns:
        ``scenario``, ``run_id``, ``agent``, ``label``, ``seed``, ``n_evals`` (the run's
        length) and ``evals_to_reach`` (NaN if never reached).
    """
    m = metric_frame(frame, "regret", best_value)
    rows = []
    for rid, g in m.groupby("run_id", sort=True):
        g = g.sort_values("n_evals")
        hit = g[g["regret"] <= target_regret]
        first = g.iloc[0]
        rows.append(
            {
                **run_columns(first, rid),
                "n_evals": int(g["n_evals"].max()),
                "evals_to_reach": float(hit["n_evals"].iloc[0]) if len(hit) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def natural_key(text: Any) -> tuple[Any, ...]:
    """Sort key that orders numbers by value: ``0.25 < 0.5 < 2 < 16``, ``n=5 < n=10``."""
    import re

    parts = re.split(r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)", str(text))
    return tuple((0, float(p), "") if i % 2 else (1, 0.0, p) for i, p in enumerate(parts) if p)
