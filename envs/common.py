"""What the archgym environments share: scenario resolution, reward and observation features.

The environments are thin adapters over :meth:`Scenario.evaluate`; they never evaluate a
design themselves.

**Reward** (:class:`~archgym.scenarios.evaluation.RewardModel`, re-exported here; each
step reads :meth:`Evaluation.reward <archgym.scenarios.evaluation.Evaluation.reward>`).
For a feasible design the reward is the scenario's ``objective`` (which is
maximised: ``-latency_ms`` for "minimise latency", ``accuracy`` for "maximise accuracy").
For an infeasible design it is ``floor - penalty_scale * violation``: below every
objective value seen in the scenario's reference sample, and lower the more the budgets
are violated (``violation`` is the sum of normalised budget violations, plus 1 for a design
the accelerator rejects). By default ``floor = low - 0.1 * (high - low)`` and
``penalty_scale = high - low``, where ``(low, high)`` is the objective range over the
feasible designs of 256 random designs drawn with seed 0
(:meth:`Scenario.objective_range`), so penalties are on the scale of the objective. With
``normalize_reward=True`` the reward is mapped by ``(r - low) / (high - low)``.

**Metric features** (part of every observation, float32): per objective, the objective
normalised to the reference range, ``(o - low) / (high - low)`` clipped to ``[-1, 2]``
(``-1`` for a rejected design); per budget, ``value / budget`` clipped to ``[0, 4]``; then
``feasible`` (0/1) and ``has_design`` (0 before the first evaluated design of an episode).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from archgym.scenarios import Evaluation, Scenario, resolve_scenario
from archgym.scenarios.evaluation import RewardModel

__all__ = ["resolve_scenario", "RewardModel", "MetricFeatures", "evaluation_info"]


class MetricFeatures:
    """The normalised metrics of an evaluated design, as observation entries."""

    def __init__(self, scenario: Scenario, reference_samples: int = 256) -> None:
        self.ranges = scenario.objective_ranges(reference_samples, 0)
        self.budgets = np.array(list(scenario.budgets.values()), np.float64)
        self.budget_names = list(scenario.budgets)
        self.objective_names = list(scenario.objective_names)
        multi = len(self.objective_names) > 1
        self._objective_cols = (
            [f"objective_{m}" for m in self.objective_names] if multi else ["objective"]
        )
        k, c = len(self.ranges), len(self.budgets)
        self.names = (
            [f"objective_{m}" for m in self.objective_names]
            + [f"ratio_{m}" for m in self.budget_names]
            + [
                "feasible",
                "has_design",
            ]
        )
        self.low = np.concatenate([np.full(k, -1.0), np.zeros(c), [0.0, 0.0]]).astype(np.float32)
        self.high = np.concatenate([np.full(k, 2.0), np.full(c, 4.0), [1.0, 1.0]]).astype(
            np.float32
        )

    @property
    def size(self) -> int:
        return len(self.names)

    def empty(self) -> np.ndarray:
        """Features before any design was evaluated."""
        return np.zeros(self.size, np.float32)

    def __call__(self, ev: Evaluation, i: int = 0) -> np.ndarray:
        # plain Python on a handful of scalars: cheaper than numpy for one design
        d = ev.data
        out: list[float] = []
        for col, (lo, hi) in zip(self._objective_cols, self.ranges.tolist(), strict=True):
            v = d[col].item(i)
            out.append(min(2.0, max(-1.0, (v - lo) / (hi - lo))) if math.isfinite(v) else -1.0)
        for m, b in zip(self.budget_names, self.budgets.tolist(), strict=True):
            v = d[m].item(i)
            out.append(min(4.0, max(0.0, v / b)) if math.isfinite(v) else 4.0)
        out.append(1.0 if d["feasible"].item(i) else 0.0)
        out.append(1.0)
        return np.array(out, np.float32)


def evaluation_info(ev: Evaluation, i: int = 0) -> dict[str, Any]:
    """``info`` of a step that evaluated a design: every metric, slack, objective,
    ``feasible``, ``violation``, ``reason``, the design as named values (``design``) and as
    choice indices (``design_index``)."""
    row = ev.row(i)
    knobs = ev.scenario.knob_names
    design = {k: row.pop(k) for k in knobs}
    row["design"] = design
    row["design_index"] = [int(x) for x in ev.designs[i]]
    if ev.scenario.is_multi_objective:
        row["objectives"] = [float(x) for x in ev.objectives[i]]
    return row
