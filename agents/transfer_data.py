"""Source data for transfer learning in Bayesian optimisation (Apollo-style transfer).

Apollo (Yazdanbakhsh et al., 2021, "Apollo: Transferable Architecture Exploration")
transfers what a search learnt on one *source* problem (another area budget, another
workload) to a *target* problem over the same design space. :func:`prepare_transfer`
turns a source run (an :class:`~archgym.agents.base.History` or its tidy-log
``DataFrame``) into arrays in the *target's* terms:

* designs re-encoded as choice indices of the target space (matched by knob name and
  value; rows whose values the target space lacks are dropped and counted);
* the target's objective columns, read from the log;
* the target's slacks. When the log holds the metric a target budget is on
  (``area_mm2`` for ``slack_area_mm2``) the slack is recomputed against the target budget
  by the scoring owner, :func:`archgym.scenarios.evaluation.budget_slack` (``budget -
  value``; ``value - budget`` for a floor on ``throughput``), so a source that differs
  from the target only by its budgets transfers exactly: its slacks are the ones the
  target's own evaluation gives. Otherwise the source's own ``slack_<metric>`` column is
  used as it is (its budget may differ: the multi-task model learns the offset), and a
  budget with neither column has no source data. Relative slacks are
  :func:`~archgym.scenarios.evaluation.relative_slack` of those, as for the target's own
  observations.

The agent (:mod:`archgym.agents.bayesopt`) then either warm-starts its initial design
with the source's best designs (:func:`source_seeds`) or fits multi-task GPs over source
and target data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from archgym.scenarios.evaluation import budget_slack, relative_slack

from .base import AgentError, History

__all__ = ["TransferData", "prepare_transfer", "source_seeds"]


@dataclass
class TransferData:
    """Source observations expressed in the target problem's terms (``n`` rows).

    Attributes:
        X: ``n x n_knobs`` int64 choice indices of the target space.
        objectives: ``n x k`` target objectives (maximised), NaN where not finite.
        slack: ``n x m`` slacks against the TARGET budgets (NaN where unknown).
        feasible: ``n`` bool: finite objectives and every known slack ``>= 0`` (and the
            source row was feasible when a slack could not be recomputed).
        slack_source: per budget, how its slack was obtained: ``"recomputed"`` (from
            the metric and the target budget), ``"copied"`` (the source's slack column)
            or ``"missing"``.
        dropped: source rows dropped because a knob value is not in the target space.
        relative_slack: ``n x m`` slacks divided by ``|target budget|`` (``None`` when
            built without budgets).
    """

    X: np.ndarray
    objectives: np.ndarray
    slack: np.ndarray
    feasible: np.ndarray
    slack_source: dict[str, str] = field(default_factory=dict)
    dropped: int = 0
    relative_slack: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.X.shape[0])

    def summary(self) -> dict[str, Any]:
        """A small, JSON-friendly description (for ``describe()``)."""
        return {
            "rows": len(self),
            "feasible": int(self.feasible.sum()),
            "dropped": int(self.dropped),
            "slacks": dict(self.slack_source),
        }


def _encode_rows(space: Any, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``(index array of the encodable rows, bool mask of those rows)``."""
    n = len(frame)
    out = np.zeros((n, space.n_knobs), np.int64)
    ok = np.ones(n, bool)
    for j, knob in enumerate(space.knobs):
        col = frame[knob.name]
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
        lookup = np.full(len(uniques) + 1, -1, np.int64)  # last slot: NaN sentinel (-1)
        for u, value in enumerate(uniques):
            try:
                lookup[u] = knob.index(value)
            except Exception:  # noqa: BLE001 - any value the knob lacks
                lookup[u] = -1
        idx = lookup[codes]  # codes == -1 (NaN) picks the sentinel slot
        ok &= idx >= 0
        out[:, j] = np.where(idx >= 0, idx, 0)
    return out[ok], ok


def prepare_transfer(
    source: History | pd.DataFrame,
    space: Any,
    objective_columns: Sequence[str],
    budgets: Mapping[str, float],
) -> TransferData:
    """Express a source run's log in the target problem's terms.

    Args:
        source: the source run: a ``History`` or its tidy-log ``DataFrame`` (one row per
            evaluation, a column per knob by name, the objective column(s), metric and
            ``slack_<metric>`` columns).
        space: the target ``DesignSpace``; every one of its knob names must be a column.
        objective_columns: the target's objective columns (``["objective"]`` for one).
        budgets: the target's budgets ``{metric: value}``, in slack order.

    Returns:
        The source observations as :class:`TransferData`.

    Raises:
        AgentError: ``source`` is not a History or DataFrame, lacks a knob or an
            objective column, or is empty.
    """
    if isinstance(source, History):
        frame = source.frame
    elif isinstance(source, pd.DataFrame):
        frame = source
    else:
        raise AgentError(
            f"transfer_from must be a History or a pandas DataFrame, got {type(source).__name__}"
        )
    missing = [n for n in space.names if n not in frame.columns]
    if missing:
        raise AgentError(
            f"transfer_from: the source log lacks the target's knob column(s) {missing}; "
            f"target knobs: {list(space.names)}; source columns: {list(map(str, frame.columns))}"
        )
    missing_obj = [c for c in objective_columns if c not in frame.columns]
    if missing_obj:
        raise AgentError(
            f"transfer_from: the source log lacks the objective column(s) {missing_obj} "
            f"of the target scenario"
        )
    if len(frame) == 0:
        raise AgentError("transfer_from: the source log is empty")
    X, ok = _encode_rows(space, frame)
    rows = frame.loc[ok].reset_index(drop=True)
    with np.errstate(invalid="ignore"):
        obj = rows[list(objective_columns)].to_numpy(np.float64)
    obj = np.where(np.isfinite(obj), obj, np.nan)
    n, names = len(rows), list(budgets)
    slack = np.full((n, len(names)), np.nan)
    how: dict[str, str] = {}
    src_feasible = (
        rows["feasible"].to_numpy(bool) if "feasible" in rows.columns else np.ones(n, bool)
    )
    for j, metric in enumerate(names):
        scol = f"slack_{metric}"
        if metric in rows.columns:
            value = rows[metric].to_numpy(np.float64)
            slack[:, j] = budget_slack(metric, value, float(budgets[metric]))
            how[metric] = "recomputed"
        elif scol in rows.columns:
            slack[:, j] = rows[scol].to_numpy(np.float64)
            how[metric] = "copied"
        else:
            how[metric] = "missing"
    with np.errstate(invalid="ignore"):
        known = np.isfinite(slack)
        slack_ok = np.where(known, slack >= 0, True).all(axis=1)
    # a rejected design has non-finite metrics: never feasible
    finite_obj = np.isfinite(obj).all(axis=1)
    has_source = np.array([how[m] != "missing" for m in names], bool)
    nonfinite_metric = (~known & has_source).any(axis=1) if names else np.zeros(n, bool)
    copied_or_missing = any(v != "recomputed" for v in how.values())
    feasible = finite_obj & slack_ok & ~nonfinite_metric
    if copied_or_missing or not names:
        feasible &= src_feasible
    rel = relative_slack(slack, [float(budgets[m]) for m in names])
    return TransferData(X, obj, slack, feasible, how, int((~ok).sum()), rel)


def source_seeds(
    data: TransferData, n: int, exclude_unknown_infeasible: bool = True, top_fraction: float = 0.5
) -> np.ndarray:
    """The source's ``n`` best distinct designs to evaluate first on the target.

    Only designs among the source's best ``top_fraction`` (by objective over every
    evaluable source row; for several objectives, by non-dominated sorting rank) are
    candidates: a design that is merely feasible under a tighter target budget but poor
    on the source would waste an evaluation. Feasible rows (under the target budgets)
    come first, best objective first (for several objectives: rank, then the first
    objective); then, if fewer than ``n`` are feasible and ``exclude_unknown_infeasible``
    is false, the least-violating infeasible rows.

    Args:
        data: the prepared source data.
        n: how many designs.
        exclude_unknown_infeasible: only return rows feasible under the target budgets.
        top_fraction: the share of the source's evaluable rows eligible as seeds.

    Returns:
        ``<= n x n_knobs`` int64 array of distinct designs (possibly none).
    """
    if n <= 0 or len(data) == 0:
        return np.zeros((0, data.X.shape[1]), np.int64)
    obj = data.objectives
    k = obj.shape[1]
    primary = np.where(np.isfinite(obj[:, 0]), obj[:, 0], -np.inf)
    finite = np.isfinite(obj).all(axis=1)
    if k > 1:
        rank = _pareto_rank(np.where(np.isfinite(obj), obj, -np.inf))
        order = np.lexsort((-primary, rank, ~data.feasible))
        score = -rank.astype(np.float64)
    else:
        with np.errstate(invalid="ignore"):
            viol = (
                np.nansum(np.clip(-data.slack, 0, None), axis=1)
                if data.slack.size
                else np.zeros(len(data))
            )
        order = np.lexsort((-primary, viol, ~data.feasible))
        score = primary
    if finite.any():
        cut = np.quantile(score[finite], 1.0 - top_fraction)
        eligible = finite & (score >= cut)
    else:
        eligible = np.zeros(len(data), bool)
    order = order[eligible[order]]
    if exclude_unknown_infeasible:
        order = order[data.feasible[order]]
    seen: set[bytes] = set()
    picked: list[np.ndarray] = []
    for i in order:
        key = data.X[i].tobytes()
        if key in seen:
            continue
        seen.add(key)
        picked.append(data.X[i])
        if len(picked) == n:
            break
    if not picked:
        return np.zeros((0, data.X.shape[1]), np.int64)
    return np.stack(picked).astype(np.int64)


def _pareto_rank(F: np.ndarray) -> np.ndarray:
    """Non-dominated sorting rank (0 = Pareto front) of ``n x k`` maximised objectives."""
    n = F.shape[0]
    rank = np.full(n, -1, np.int64)
    remaining = np.arange(n)
    r = 0
    while remaining.size:
        G: np.ndarray = np.asarray(F[remaining])
        geq = np.all(G[None, :, :] >= G[:, None, :], axis=-1)
        gt = np.any(G[None, :, :] > G[:, None, :], axis=-1)
        dominated = np.any(geq & gt, axis=1)
        front = remaining[~dominated]
        if front.size == 0:  # ties of -inf rows: put the rest in one front
            front = remaining
        rank[front] = r
        remaining = remaining[dominated] if front.size < remaining.size else remaining[:0]
        r += 1
    return rank
