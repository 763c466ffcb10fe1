"""Scoring, in one place: objectives, slacks, violation, feasibility and reward.

A scenario turns a batch of designs into metrics (the cost model, the accuracy oracle);
this module turns the metrics into scores, once, and :class:`Evaluation` carries them as
arrays. Agents, environments, logs and analysis read those arrays; none recomputes them.
An agent only converts signs and scales to its library's convention (BoTorch constraints
``<= 0``, pymoo ``G <= 0``, Optuna's ``constraints_func``), each with a test.

Sign conventions (one for every agent and environment):

* **objective** — agents MAXIMISE it. "Minimise latency" is ``objective = -latency_ms``;
  "maximise accuracy" is ``objective = accuracy``. A multi-objective scenario has one
  column per objective in :attr:`Evaluation.objectives` (all maximised); its scalar
  ``objective`` is the first of them, or the ``weights``-weighted sum when weights are given.
* **slack** — ``slack_<metric> = budget - value`` (for ``throughput``, a floor:
  ``value - budget``), computed by :func:`budget_slack`; a design is feasible iff every
  slack is ``>= 0`` (and the accelerator accepts it).
* **relative slack** — ``slack / |budget|`` (:func:`relative_slack`): unitless, so budgets
  in different units weigh alike; same sign as the slack.
* **violation** — ``sum over budgets of max(0, -slack) / budget``, plus
  :data:`REJECTED_VIOLATION` (1.0) for a design the accelerator rejects (whose latency
  and energy cannot be computed); 0 exactly when the design is feasible or only lacks an
  objective value. Use it for penalties.
* **reward** — :class:`RewardModel`: the objective for a feasible design, ``floor -
  penalty_scale * violation`` for an infeasible one (:meth:`Evaluation.reward`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from archgym.accelerator import (
    DTYPES,
    REJECTED_CORE,
    REJECTED_FIELD,
    REJECTED_PE,
    rejection_message,
)

from .hardware import ScenarioError

if TYPE_CHECKING:
    import pandas as pd

    from .scenario import Scenario

__all__ = [
    "Evaluation",
    "RewardModel",
    "METRICS",
    "BUDGET_METRICS",
    "METRIC_ALIASES",
    "metric_name",
    "REJECTED_VIOLATION",
    "NONFINITE_VIOLATION",
    "SCALARIZATIONS",
    "score",
    "budget_slack",
    "relative_slack",
    "violation_from_slack",
]

#: Metric -> direction (+1 maximised, -1 minimised).
METRICS: dict[str, int] = {
    "accuracy": +1,
    "latency_ms": -1,
    "energy_mj": -1,
    "area_mm2": -1,
    "utilization": +1,
    "throughput": +1,
}
#: Metrics a budget can be put on: an upper bound on the minimised ones, a floor on
#: ``throughput`` (inferences per second).
BUDGET_METRICS: tuple[str, ...] = ("area_mm2", "latency_ms", "energy_mj", "throughput")
#: Other names accepted for a metric (``latency`` for ``latency_ms``, ...).
METRIC_ALIASES: dict[str, str] = {
    "latency": "latency_ms",
    "energy": "energy_mj",
    "area": "area_mm2",
    "acc": "accuracy",
    "inferences_per_s": "throughput",
}
#: Violation added for a design the accelerator rejects (its latency and energy are inf).
REJECTED_VIOLATION = 1.0
#: Violation a reward uses in place of a non-finite one.
NONFINITE_VIOLATION = 10.0
#: Values of ``RewardModel(scalarize=...)``.
SCALARIZATIONS: tuple[str, ...] = ("objective", "mean_normalized")

# Why a design is infeasible, as bits of one code per design (formatted on demand).
_REJ_PE, _REJ_CORE = REJECTED_PE, REJECTED_CORE  # the accelerator's acceptance codes (1, 2)
_NO_OBJECTIVE = 4
_BUDGET_BIT0 = 8


# ------------------------------------------------------------------------------------------
# Scoring functions
# ------------------------------------------------------------------------------------------


def metric_name(name: str, allowed: Sequence[str], what: str) -> str:
    """The metric ``name`` (or its alias in :data:`METRIC_ALIASES`) stands for.

    Raises:
        ScenarioError: it is not one of ``allowed`` (the message names ``what`` and lists them).
    """
    key = METRIC_ALIASES.get(str(name), str(name))
    if key not in allowed:
        raise ScenarioError(f"unknown {what} {name!r}; allowed: {', '.join(allowed)}")
    return key


def relative_slack(slack: np.ndarray, budgets: Sequence[float] | np.ndarray) -> np.ndarray:
    """``slack / |budget|``, column by column.

    Args:
        slack: ``n x m`` slacks in the order of ``budgets``.
        budgets: ``(m,)`` budgets (a scenario's are finite and positive; a zero or
            non-finite one divides by 1).

    Returns:
        ``n x m`` float64 relative slacks (same sign as the slacks; ``-inf`` stays ``-inf``).
    """
    s = np.asarray(slack, np.float64)
    b = np.asarray(budgets, np.float64).reshape(-1)
    scale = np.where(np.isfinite(b) & (b != 0), np.abs(b), 1.0)
    return s.reshape(len(s), len(b)) / scale


def budget_slack(metric: str, values: np.ndarray, budget: float) -> np.ndarray:
    """The slack of values against a budget on ``metric``, with the sign every archgym
    slack has (``>= 0`` meets the budget).

    A budget is an upper bound (``budget - value``), except on a maximised metric of
    :data:`METRICS` (``throughput``), where it is a floor (``value - budget``). A metric
    archgym does not know (a custom problem's) is an upper bound.

    Args:
        metric: the budgeted metric.
        values: ``(n,)`` its values (``inf``/NaN for designs without one).
        budget: the budget.

    Returns:
        ``(n,)`` slacks (NaN where the value is NaN).
    """
    with np.errstate(invalid="ignore"):
        return values - budget if METRICS.get(metric, -1) > 0 else budget - values


def score(
    data: dict[str, np.ndarray],
    code: np.ndarray,
    objective_names: Sequence[str],
    budgets: Mapping[str, float],
    weights: Sequence[float] | None = None,
) -> np.ndarray:
    """Objectives, slacks, feasibility and violation of a batch from its metrics.

    Adds to ``data`` (in place): ``objective_<metric>`` (several objectives), ``objective``,
    ``slack_<metric>`` per budget, ``feasible`` and ``violation``, each ``(n,)``.

    Args:
        data: metric arrays ``(n,)`` by name (every objective and budget metric).
        code: ``(n,)`` int64 acceptance codes (0 accepted, :data:`REJECTED_PE`,
            :data:`REJECTED_CORE`).
        objective_names: the maximised/minimised metrics (:data:`METRICS` gives the sign).
        budgets: metric -> budget (an upper bound; a floor on maximised metrics).
        weights: the scalar ``objective`` is their weighted sum (default: the first).

    Returns:
        ``(n,)`` int64 reason codes (acceptance, undefined objective, budget bits).
    """
    cols = [METRICS[m] * data[m] for m in objective_names]
    if len(cols) > 1:
        for m, c in zip(objective_names, cols, strict=True):
            data[f"objective_{m}"] = c
    if weights is not None:
        with np.errstate(invalid="ignore"):
            objective = sum(w * c for w, c in zip(weights, cols, strict=True))
    else:
        objective = cols[0]
    data["objective"] = np.asarray(objective, np.float64)
    feasible = code == 0
    undefined = ~np.isfinite(data["objective"])
    code = code | np.where(undefined & (code == 0), _NO_OBJECTIVE, 0)
    feasible = feasible & ~undefined
    violation = np.where(code & (_REJ_PE | _REJ_CORE), REJECTED_VIOLATION, 0.0)
    for b, (m, budget) in enumerate(budgets.items()):
        v = data[m]
        slack = budget_slack(m, v, budget)
        with np.errstate(invalid="ignore"):
            over = ~(slack >= 0)
            part = np.where(np.isfinite(v), np.maximum(-slack, 0.0) / budget, 0.0)
        data[f"slack_{m}"] = slack
        violation += part
        feasible &= ~over
        code = code | np.where(over & np.isfinite(v), _BUDGET_BIT0 << b, 0)
    data["feasible"] = feasible
    data["violation"] = violation
    return code


def violation_from_slack(
    slack: np.ndarray, budgets: np.ndarray, objectives: np.ndarray | None = None
) -> np.ndarray:
    """The normalised budget violation of results that carry slacks but no violation.

    Only for observations built by hand (a :class:`~archgym.agents.Observations` without
    ``violation``): every :class:`Evaluation` has the exact ``violation`` array. This is
    ``sum_i max(0, -slack_i) / budget_i`` over the finite slacks, plus
    :data:`REJECTED_VIOLATION` when a slack or an objective is ``-inf`` or a slack is NaN
    (a rejected design); it misses a rejected design whose slacks and objectives are all
    finite (an accuracy objective under an area budget only).

    Args:
        slack: ``n x m`` slacks (budget - value), in the order of ``budgets``.
        budgets: ``(m,)`` positive budgets.
        objectives: optional ``n x k`` objectives.

    Returns:
        ``(n,)`` non-negative violations.
    """
    s = np.asarray(slack, np.float64)
    s = s.reshape(len(s), -1)
    b = np.asarray(budgets, np.float64).reshape(-1)
    finite = np.isfinite(s)
    v = np.where(finite, np.maximum(-np.where(finite, s, 0.0), 0.0) / b, 0.0).sum(axis=1)
    rejected = (~finite).any(axis=1)
    if objectives is not None:
        o = np.asarray(objectives, np.float64).reshape(len(s), -1)
        rejected |= np.isneginf(o).any(axis=1)
    return v + np.where(rejected, REJECTED_VIOLATION, 0.0)


# ------------------------------------------------------------------------------------------
# Reward
# ------------------------------------------------------------------------------------------


class Scored(Protocol):
    """What a reward reads: an :class:`Evaluation`, or an agent's ``Observations``."""

    @property
    def objective(self) -> np.ndarray: ...

    @property
    def objectives(self) -> np.ndarray: ...

    @property
    def feasible(self) -> np.ndarray: ...

    @property
    def violation(self) -> np.ndarray | None: ...


class RewardModel:
    """The reward of evaluated designs: the one rule the environments and the RL agents use.

    For a feasible design the reward is its objective term; for an infeasible one it is
    ``floor - penalty_scale * violation`` (a non-finite violation counts as
    :data:`NONFINITE_VIOLATION`): below every objective value of the scenario's reference
    sample, and lower the more the budgets are violated. With ``normalize_reward=True`` the
    reward is mapped by ``(r - low) / (high - low)``.

    The objective term (``scalarize``):

    * ``"objective"`` (default): the scalar ``objective`` column; ``(low, high)`` is its
      range over the feasible designs of the reference sample
      (:meth:`Scenario.objective_range`), ``floor = low - 0.1 * (high - low)`` and
      ``penalty_scale = high - low`` by default.
    * ``"mean_normalized"``: the mean over the objectives of ``(o_j - low_j) / (high_j -
      low_j)`` with their :meth:`Scenario.objective_ranges` (equal weights on normalised
      objectives, for multi-objective scenarios); it is already on ``[0, 1]``, so
      ``(low, high) = (0, 1)``, ``floor = -0.1`` and ``penalty_scale = 1``.

    Args:
        scenario: the scenario (its reference sample gives the ranges).
        penalty_scale: reward lost per unit of violation (default: the objective range).
        reward_floor: reward of an infeasible design with zero violation (default: the low
            end of the objective range minus 10 % of the range).
        normalize_reward: map rewards by ``(r - low) / (high - low)``.
        reference_samples: size of the reference sample.
        scalarize: the objective term, ``"objective"`` or ``"mean_normalized"``.

    Attributes:
        low: low end of the objective term's range.
        high: high end.
        ranges: ``num_objectives x 2`` ranges of every objective.
        floor: reward of an infeasible design with zero violation (before normalising).
        penalty_scale: reward lost per unit of violation (before normalising).

    Raises:
        ValueError: a negative ``penalty_scale`` or an unknown ``scalarize``.
    """

    def __init__(
        self,
        scenario: Scenario,
        penalty_scale: float | None = None,
        reward_floor: float | None = None,
        normalize_reward: bool = False,
        reference_samples: int = 256,
        scalarize: str = "objective",
    ) -> None:
        if scalarize not in SCALARIZATIONS:
            raise ValueError(f"scalarize must be one of {list(SCALARIZATIONS)}, got {scalarize!r}")
        self.scalarize = scalarize
        self.ranges = np.asarray(
            scenario.objective_ranges(reference_samples, 0), np.float64
        ).reshape(-1, 2)
        if scalarize == "objective":
            self.low, self.high = scenario.objective_range(reference_samples, 0)
        else:
            self.low, self.high = 0.0, 1.0
        span = self.high - self.low
        self.floor = float(self.low - 0.1 * span if reward_floor is None else reward_floor)
        self.penalty_scale = float(span if penalty_scale is None else penalty_scale)
        if not self.penalty_scale >= 0:
            raise ValueError(f"penalty_scale must be >= 0, got {penalty_scale}")
        self.normalize = bool(normalize_reward)

    def quality(self, objectives: np.ndarray) -> np.ndarray:
        """``(n,)`` mean over objectives of ``(o_j - low_j) / (high_j - low_j)``.

        Args:
            objectives: ``n x num_objectives`` maximised objectives.
        """
        lo, hi = self.ranges[:, 0], self.ranges[:, 1]
        o = np.asarray(objectives, np.float64).reshape(-1, len(lo))
        with np.errstate(invalid="ignore"):
            return ((o - lo) / (hi - lo)).mean(axis=1)

    def rewards(self, results: Scored) -> np.ndarray:
        """``(n,)`` rewards of a batch (an :class:`Evaluation`, or observations with
        ``objective(s)``, ``feasible`` and ``violation``)."""
        if self.scalarize == "objective":
            o = np.asarray(results.objective, np.float64).reshape(-1)
        else:
            o = self.quality(results.objectives)
        if results.violation is None:
            raise ValueError("rewards need the results' violation")
        v = np.asarray(results.violation, np.float64).reshape(-1)
        v = np.where(np.isfinite(v), v, NONFINITE_VIOLATION)
        feasible = np.asarray(results.feasible, bool).reshape(-1)
        r = np.where(feasible & np.isfinite(o), o, self.floor - self.penalty_scale * v)
        if self.normalize:
            r = (r - self.low) / (self.high - self.low)
        return r

    def __call__(self, objective: float, feasible: bool, violation: float) -> float:
        """The reward of one design from its scalar objective (``scalarize="objective"``)."""
        if feasible:
            r = float(objective)
        else:
            v = float(violation) if np.isfinite(violation) else NONFINITE_VIOLATION
            r = self.floor - self.penalty_scale * v
        if self.normalize:
            r = (r - self.low) / (self.high - self.low)
        return float(r)

    def describe(self) -> dict[str, Any]:
        return {
            "scalarize": self.scalarize,
            "low": self.low,
            "high": self.high,
            "floor": self.floor,
            "penalty_scale": self.penalty_scale,
        }


# ------------------------------------------------------------------------------------------
# Evaluation
# ------------------------------------------------------------------------------------------


class Evaluation:
    """The result of :meth:`Scenario.evaluate`: one row per design, as a dict of arrays.

    Columns (each an array of shape ``(batch,)``): every knob by name (its values),
    ``accuracy`` (NAS scenarios), ``latency_ms`` (one call on the scenario's batch),
    ``throughput`` (inferences per second), ``energy_mj``, ``area_mm2``,
    ``utilization``, ``latency_ms_<workload>`` and ``energy_mj_<workload>`` (scenarios
    with several workloads), ``objective`` (maximised), ``objective_<metric>`` (each
    objective, maximised, multi-objective scenarios), ``slack_<metric>`` (budget - value)
    for every budget, ``feasible``, ``violation`` and ``reason`` (``""`` for feasible
    designs). Index it like a dict (``ev["latency_ms"]``) or by attribute, or call
    :meth:`to_frame` for a pandas DataFrame.

    The scores as arrays (what agents and environments read): :attr:`objective`,
    :attr:`objectives`, :attr:`slack`, :attr:`relative_slack`, :attr:`violation`,
    :attr:`feasible`, and :meth:`reward`.

    Attributes:
        scenario: the scenario that produced it.
        designs: ``batch x n_knobs`` int64 array of choice indices.
        data: the columns (without ``reason``, which is formatted on demand).
    """

    def __init__(
        self,
        scenario: Scenario,
        designs: np.ndarray,
        data: dict[str, np.ndarray],
        aux: dict[str, Any],
    ) -> None:
        self.scenario = scenario
        self.designs = designs
        self.data = data
        self._aux = aux
        self._reason: list[str] | None = None
        self._relative: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.designs.shape[0])

    def keys(self) -> list[str]:
        """Column names, ``reason`` last."""
        return [*self.data, "reason"]

    columns = property(keys)

    def __contains__(self, key: object) -> bool:
        return key in self.data or key == "reason"

    def __getitem__(self, key: str) -> Any:
        if key == "reason":
            return np.array(self.reason, dtype=object)
        try:
            return self.data[key]
        except KeyError:
            raise KeyError(f"no column {key!r}; columns: {', '.join(self.keys())}") from None

    def __getattr__(self, key: str) -> np.ndarray:
        data = self.__dict__.get("data", {})
        if key in data:
            return data[key]
        raise AttributeError(key)

    def __repr__(self) -> str:
        n_feas = int(self.data["feasible"].sum())
        return f"Evaluation({self.scenario.id!r}, {len(self)} designs, {n_feas} feasible)"

    # ------------------------------------------------------------------ the scores
    @property
    def objective(self) -> np.ndarray:
        """``(batch,)`` scalar objective (maximised)."""
        return self.data["objective"]

    @property
    def objectives(self) -> np.ndarray:
        """``batch x num_objectives`` objectives (all maximised)."""
        names = self.scenario.objective_names
        if len(names) == 1:
            return self.data["objective"][:, None]
        return np.stack([self.data[f"objective_{m}"] for m in names], axis=1)

    @property
    def slack(self) -> np.ndarray:
        """``batch x num_constraints`` slacks (budget - value, >= 0 feasible), in the
        order of :attr:`Scenario.budgets`."""
        cols = [self.data[f"slack_{m}"] for m in self.scenario.budgets]
        return np.stack(cols, axis=1) if cols else np.zeros((len(self), 0))

    @property
    def relative_slack(self) -> np.ndarray:
        """``batch x num_constraints`` slacks divided by ``|budget|`` (unitless, same sign;
        :func:`relative_slack`)."""
        if self._relative is None:
            self._relative = relative_slack(self.slack, list(self.scenario.budgets.values()))
        return self._relative

    @property
    def feasible(self) -> np.ndarray:
        """``(batch,)`` bool."""
        return self.data["feasible"]

    @property
    def violation(self) -> np.ndarray:
        """``(batch,)`` normalised budget violation (0 when feasible)."""
        return self.data["violation"]

    def reward(self, model: RewardModel | None = None, **settings: Any) -> np.ndarray:
        """``(batch,)`` rewards (:class:`RewardModel`).

        Args:
            model: the reward model; default ``RewardModel(self.scenario, **settings)``.
            **settings: arguments of :class:`RewardModel` (without ``model``).
        """
        if model is None:
            model = RewardModel(self.scenario, **settings)
        elif settings:
            raise TypeError("give either a RewardModel or its settings, not both")
        return model.rewards(self)

    # ------------------------------------------------------------------ reasons, rows
    @property
    def reason(self) -> list[str]:
        """Why each design is infeasible (``""`` when it is feasible)."""
        if self._reason is None:
            self._reason = [self._format_reason(i) for i in range(len(self))]
        return self._reason

    def _format_reason(self, i: int) -> str:
        code = int(self._aux["code"][i])
        if code == 0:
            return ""
        a = self._aux
        parts: list[str] = []
        if code & (_REJ_PE | _REJ_CORE) == REJECTED_FIELD:  # another rule of the accelerator
            parts.append("rejected: " + rejection_message(a["cfg"], i, len(self)))
        elif code & (_REJ_PE | _REJ_CORE):
            cfg = a["cfg"]

            def val(f: str) -> Any:
                return np.broadcast_to(np.asarray(cfg[f]), (len(self),))[i]

            dtype = DTYPES[int(val("dtype"))]
            if code & _REJ_PE:
                parts.append(
                    f"rejected: pe_mem_kib={float(val('pe_mem_kib')):g} is too small to hold one tile "
                    f"(lanes={int(val('lanes'))}, {dtype}): needs >= {float(a['need_pe'][i]):.4g} KiB"
                )
            else:
                parts.append(
                    f"rejected: core_mem_kib={float(val('core_mem_kib')):g} is too small to hold one tile of a "
                    f"{int(val('rows'))}x{int(val('cols'))} array (lanes={int(val('lanes'))}, {dtype}): "
                    f"needs >= {float(a['need_core'][i]):.4g} KiB"
                )
        if code & _NO_OBJECTIVE and not code & (_REJ_PE | _REJ_CORE):
            parts.append("objective undefined (no accuracy data)")
        over = []
        for b, (m, budget) in enumerate(self.scenario.budgets.items()):
            if code & (_BUDGET_BIT0 << b):
                v = float(self.data[m][i])
                if math.isfinite(v):
                    cmp = "<" if METRICS[m] > 0 else ">"
                    over.append(f"{m}={v:.4g} {cmp} {budget:g}")
        if over:
            parts.append("over budget: " + ", ".join(over))
        return "; ".join(parts)

    def row(self, i: int = 0) -> dict[str, Any]:
        """Design ``i`` as a dict of Python scalars (every column, ``reason`` included)."""
        out = {k: v.item(i) for k, v in self.data.items()}
        out["reason"] = self._format_reason(i)
        return out

    def design(self, i: int = 0) -> dict[str, Any]:
        """Design ``i`` as named knob values."""
        return self.scenario.space.decode(self.designs[i])

    def best(self) -> int | None:
        """Row of the best feasible design (highest objective, first on ties), or ``None``."""
        feas = self.data["feasible"]
        if not feas.any():
            return None
        obj = np.where(feas, self.data["objective"], -np.inf)
        return int(np.argmax(obj))

    def to_frame(self) -> pd.DataFrame:
        """One row per design, every column (``reason`` last)."""
        import pandas as pd

        df = pd.DataFrame(self.data)
        df["reason"] = self.reason
        return df
