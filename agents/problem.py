"""What an agent needs from a problem, declared once as ``typing.Protocol`` classes.

:class:`archgym.scenarios.Scenario` satisfies all of them; a problem of your own needs
only :class:`Problem` (and the optional capabilities an agent uses: :class:`KnowsMetrics`
for BO's known-cheap constraints, :class:`HasObjectiveRanges` for the RL agents' reward).

``evaluate`` returns an :class:`~archgym.scenarios.evaluation.Evaluation` (or anything
with its score arrays, :class:`Scores`); agents read the arrays and never recompute them.
A problem whose ``evaluate`` returns only a table (``to_frame()``) still works: its rows
are read by column name (``objective_columns``, ``slack_<budget>``, ``feasible``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import numpy as np

from archgym.space import DesignSpace

__all__ = ["Problem", "Scores", "KnowsMetrics", "HasObjectiveRanges", "problem_errors"]


@runtime_checkable
class Scores(Protocol):
    """The score arrays of a batch of ``n`` evaluated designs (an ``Evaluation``)."""

    @property
    def designs(self) -> np.ndarray:
        """``n x n_knobs`` int64 choice indices."""
        ...

    @property
    def objectives(self) -> np.ndarray:
        """``n x num_objectives``, all maximised."""
        ...

    @property
    def slack(self) -> np.ndarray:
        """``n x num_constraints``, budget - value (>= 0 feasible), in budget order."""
        ...

    @property
    def relative_slack(self) -> np.ndarray:
        """``n x num_constraints``, slack / |budget|."""
        ...

    @property
    def violation(self) -> np.ndarray:
        """``(n,)`` normalised budget violation (0 when feasible)."""
        ...

    @property
    def feasible(self) -> np.ndarray:
        """``(n,)`` bool."""
        ...

    def to_frame(self) -> Any:
        """One row per design, every column (the log's rows)."""
        ...


@runtime_checkable
class Problem(Protocol):
    """A search problem, as the agents use it (BoTorch's test problems are the model)."""

    @property
    def id(self) -> str:
        """The problem's id (in logs)."""
        ...

    @property
    def space(self) -> DesignSpace:
        """The design space; designs are ``batch x n_knobs`` int64 choice indices."""
        ...

    @property
    def budgets(self) -> Mapping[str, float]:
        """Budget per metric, in the order of the slack columns."""
        ...

    @property
    def num_objectives(self) -> int:
        """Number of (maximised) objectives."""
        ...

    @property
    def objective_columns(self) -> list[str]:
        """The evaluation columns holding the maximised objectives."""
        ...

    @property
    def ref_point(self) -> np.ndarray | None:
        """Hypervolume reference point (multi-objective), or None."""
        ...

    def evaluate(self, designs: Any) -> Any:
        """Evaluate a batch: an ``Evaluation`` (:class:`Scores`), or a table-only result."""
        ...


@runtime_checkable
class KnowsMetrics(Protocol):
    """A problem that knows some metrics before evaluating (BO filters candidates with it)."""

    def known_metrics(self, designs: Any) -> Mapping[str, np.ndarray]:
        """``{metric: (batch,) values, "accepted": (batch,) bool}`` without the cost model."""
        ...


@runtime_checkable
class HasObjectiveRanges(Protocol):
    """A problem that can scale its objectives (the RL agents' reward needs it)."""

    def objective_range(self, n: int = 256, seed: int = 0) -> tuple[float, float]: ...

    def objective_ranges(self, n: int = 256, seed: int = 0) -> np.ndarray: ...


_MEMBERS = ("id", "space", "budgets", "num_objectives", "objective_columns", "ref_point")


def problem_errors(problem: object) -> list[str]:
    """The members of :class:`Problem` that ``problem`` lacks (empty when it is one)."""
    missing = [m for m in _MEMBERS if not hasattr(problem, m)]
    if not callable(getattr(problem, "evaluate", None)):
        missing.append("evaluate")
    return missing
