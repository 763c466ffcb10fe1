"""The reward of told designs that both RL agents (PPO, REINFORCE) learn from.

The "penalty" reward is the environments' :class:`~archgym.scenarios.evaluation.RewardModel`
(one model, bit for bit the same rewards): the objective for a feasible design,
``floor - penalty_scale * violation`` otherwise, with the floor and scale from
:meth:`Scenario.objective_range`; by default it is normalised by ``(r - low) / (high - low)``
(``normalize_reward=True``, so rewards are about ``[0, 1]`` for feasible designs and below
``-0.1`` for infeasible ones, whatever the objective's unit). The violation is the
evaluation's ``violation`` array (observations built by hand without it are completed by
:func:`archgym.scenarios.evaluation.violation_from_slack`). The MnasNet rewards are
described at :func:`mnasnet_reward`.

**Multi-objective scenarios** are scalarised with equal weights on normalised objectives:
the reward's objective term is ``mean_j (o_j - low_j) / (high_j - low_j)`` over the
scenario's objectives with their :meth:`Scenario.objective_ranges`, so the agents run on
every catalog scenario; ``normalize_reward=False`` is refused there.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .base import AgentError, Observations
from .problem import HasObjectiveRanges, Problem

__all__ = [
    "DesignReward",
    "REWARDS",
    "MNASNET_EXPONENTS",
    "mnasnet_reward",
    "ToldObservations",
    "violation_from_slack",
    "told_observations",
]

REWARDS: tuple[str, ...] = ("penalty", "mnasnet_soft", "mnasnet_hard")
"""The reward kinds of :class:`DesignReward`."""

MNASNET_EXPONENTS: dict[str, tuple[float, float]] = {
    "mnasnet_soft": (-0.07, -0.07),
    "mnasnet_hard": (0.0, -1.0),
}
"""MnasNet's default ``(alpha, beta)`` (Tan et al., CVPR 2019, Sec. 3): the soft constraint
``alpha = beta = -0.07`` and the hard one ``alpha = 0, beta = -1``."""


_RATIO_MIN = 1e-12
"""Smallest ``value / budget`` in the MnasNet reward (avoids ``0 ** negative``)."""


# --------------------------------------------------------------------------------------------
# Rewards
# --------------------------------------------------------------------------------------------


def mnasnet_reward(
    quality: np.ndarray, values: np.ndarray, budgets: np.ndarray, alpha: float, beta: float
) -> np.ndarray:
    """MnasNet's constrained reward ``quality * prod_i (value_i / budget_i) ** w_i``.

    ``w_i = alpha`` where ``value_i <= budget_i`` and ``beta`` where it is over budget
    (Tan et al., "MnasNet", CVPR 2019, Eq. 2). MnasNet multiplies a positive accuracy; in
    archgym objectives may be negative (``-latency_ms``), so :class:`DesignReward` passes the
    normalised objective clipped at 0, ``quality = max(0, (o - low) / (high - low))``.

    Args:
        quality: ``(n,)`` non-negative quality of each design.
        values: ``n x m`` budgeted metric values (``m`` may be 0: the reward is the quality).
        budgets: ``(m,)`` positive budgets.
        alpha: exponent for metrics within budget (MnasNet: -0.07 soft, 0 hard).
        beta: exponent for metrics over budget (MnasNet: -0.07 soft, -1 hard).

    Returns:
        ``(n,)`` float rewards. Ratios below ``1e-12`` count as ``1e-12``.
    """
    q = np.asarray(quality, np.float64).reshape(-1)
    b = np.asarray(budgets, np.float64).reshape(-1)
    ratio = np.asarray(values, np.float64).reshape(len(q), len(b)) / b
    ratio = np.maximum(ratio, _RATIO_MIN)
    w = np.where(ratio <= 1.0, float(alpha), float(beta))
    return q * np.prod(ratio**w, axis=1)


def violation_from_slack(
    slack: np.ndarray, budgets: np.ndarray, objectives: np.ndarray | None = None
) -> np.ndarray:
    """Deprecated: every evaluation carries its exact ``violation`` array; for hand-built
    observations use :func:`archgym.scenarios.evaluation.violation_from_slack` (this name
    calls it)."""
    warnings.warn(
        "archgym.agents.rl/rewards.violation_from_slack is deprecated: read Evaluation.violation, or "
        "use archgym.scenarios.evaluation.violation_from_slack",
        DeprecationWarning,
        stacklevel=2,
    )
    from archgym.scenarios.evaluation import violation_from_slack as _violation

    return _violation(slack, budgets, objectives)


@dataclass
class ToldObservations(Observations):
    """Deprecated: :class:`Observations` carry the evaluation's ``violation`` themselves."""


def told_observations(
    X: np.ndarray, frame: pd.DataFrame, objective_columns: list[str]
) -> Observations:
    """Deprecated: observations of a log block with its ``violation`` column
    (:meth:`Observations.from_frame` reads it)."""
    warnings.warn(
        "told_observations is deprecated: use Observations.from_frame (or from_evaluation)",
        DeprecationWarning,
        stacklevel=2,
    )
    obs = Observations.from_frame(X, frame, objective_columns)
    return ToldObservations(
        obs.X, obs.objectives, obs.slack, obs.feasible, obs.relative_slack, obs.violation
    )


class DesignReward:
    """The scalar reward of told designs, for the RL agents (see the module docstring).

    Args:
        scenario: an archgym :class:`~archgym.scenarios.Scenario` (its ``objective_ranges``
            and ``budgets`` are used).
        kind: "penalty" (the environments' reward), "mnasnet_soft" or "mnasnet_hard".
        normalize: normalise the "penalty" reward by the objective range (the MnasNet
            rewards always use the normalised objective).
        alpha: MnasNet exponent within budget (default: the kind's, see
            :data:`MNASNET_EXPONENTS`).
        beta: MnasNet exponent over budget (default: the kind's).
        reference_samples: size of the scenario's reference sample for the ranges.

    Attributes:
        low: ``(k,)`` low ends of the objective ranges.
        high: ``(k,)`` high ends.
        budgets: ``(m,)`` budgets, in slack-column order.

    Raises:
        AgentError: an unknown ``kind``, or ``normalize=False`` with several objectives.
    """

    def __init__(
        self,
        scenario: Problem,
        kind: str = "penalty",
        normalize: bool = True,
        alpha: float | None = None,
        beta: float | None = None,
        reference_samples: int = 256,
    ) -> None:
        if kind not in REWARDS:
            raise AgentError(f"reward must be one of {list(REWARDS)}, got {kind!r}")
        if not isinstance(scenario, HasObjectiveRanges):
            raise AgentError(
                f"the RL agents need an archgym Scenario (with objective_ranges), got {type(scenario).__name__}"
            )
        from archgym.scenarios.evaluation import RewardModel

        k = int(scenario.num_objectives)
        if k > 1 and not normalize:
            raise AgentError(
                f"normalize_reward=False is not possible on the {k}-objective scenario "
                f"{scenario.id!r}: several objectives are scalarised as the mean of "
                "their normalised values"
            )
        #: The environments' reward rule: the scalar objective with one objective, the mean
        #: of normalised objectives with several.
        self.model = RewardModel(
            scenario,  # type: ignore[arg-type]  # a Problem with objective ranges
            normalize_reward=normalize,
            reference_samples=reference_samples,
            scalarize="objective" if k == 1 else "mean_normalized",
        )
        ranges = self.model.ranges
        self.k = len(ranges)
        self.kind = kind
        self.normalize = bool(normalize)
        self.low, self.high = ranges[:, 0].copy(), ranges[:, 1].copy()
        self.budgets = np.array(list(scenario.budgets.values()), np.float64)
        default_alpha, default_beta = MNASNET_EXPONENTS.get(kind, (0.0, 0.0))
        self.alpha = float(default_alpha if alpha is None else alpha)
        self.beta = float(default_beta if beta is None else beta)

    def quality(self, objectives: np.ndarray) -> np.ndarray:
        """``(n,)`` normalised objective: the mean over objectives of ``(o - low) / (high - low)``."""
        return self.model.quality(objectives)

    def __call__(self, results: Observations) -> np.ndarray:
        """``(n,)`` finite float rewards of the told designs."""
        if self.kind == "penalty":
            if results.violation is None:
                results = results.completed(self.budgets)
            return self.model.rewards(results)
        feasible = np.asarray(results.feasible, bool)
        q = self.quality(results.objectives)
        q = np.where(np.isfinite(q), np.maximum(q, 0.0), 0.0)
        slack = np.asarray(results.slack, np.float64).reshape(len(q), -1)
        r = mnasnet_reward(
            q,
            self.budgets - np.where(np.isfinite(slack), slack, 0.0),
            self.budgets,
            self.alpha,
            self.beta,
        )
        over_finite = (np.isfinite(slack) & (slack < 0)).any(axis=1)
        return np.where(feasible | over_finite, r, 0.0)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "normalize": self.normalize,
            "low": self.low.tolist(),
            "high": self.high.tolist(),
            "alpha": self.alpha,
            "beta": self.beta,
        }
