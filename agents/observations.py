"""What an agent learns from evaluated designs: :class:`Observations`, the score arrays of
an :class:`~archgym.scenarios.evaluation.Evaluation` (or of logged rows, for a resumed run
or a problem whose ``evaluate`` returns only a table)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .settings import AgentError

__all__ = ["Observations"]


@dataclass
class Observations:
    """What an agent learns from evaluating designs (all arrays have ``n`` rows): the
    scores of an :class:`~archgym.scenarios.evaluation.Evaluation`, as its arrays.

    Attributes:
        X: ``n x n_knobs`` int64 choice indices.
        objectives: ``n x k`` float, all maximised (``k = 1`` for one objective); NaN where
            the design could not be evaluated.
        slack: ``n x m`` float, budget - value per budget (>= 0 feasible); ``m`` may be 0.
        feasible: ``n`` bool.
        relative_slack: ``n x m`` float, ``slack / |budget|`` (the evaluation's
            :attr:`~archgym.scenarios.evaluation.Evaluation.relative_slack`); None until
            :meth:`completed` fills it for observations built by hand.
        violation: ``n`` float, the normalised budget violation (the evaluation's
            ``violation``); None until :meth:`completed` fills it.
    """

    X: np.ndarray
    objectives: np.ndarray
    slack: np.ndarray
    feasible: np.ndarray
    relative_slack: np.ndarray | None = None
    violation: np.ndarray | None = None

    @property
    def objective(self) -> np.ndarray:
        """The first (or only) objective, shape ``(n,)``."""
        return self.objectives[:, 0]

    def __len__(self) -> int:
        return int(self.X.shape[0])

    @classmethod
    def empty(cls, n_knobs: int, k: int, m: int) -> Observations:
        return cls(
            np.zeros((0, n_knobs), np.int64),
            np.zeros((0, k)),
            np.zeros((0, m)),
            np.zeros(0, bool),
            np.zeros((0, m)),
            np.zeros(0),
        )

    def extend(self, other: Observations) -> Observations:
        def cat(a: np.ndarray | None, b: np.ndarray | None, stack: Any) -> np.ndarray | None:
            return None if a is None or b is None else stack([a, b])

        return Observations(
            np.vstack([self.X, other.X]),
            np.vstack([self.objectives, other.objectives]),
            np.vstack([self.slack, other.slack]),
            np.concatenate([self.feasible, other.feasible]),
            cat(self.relative_slack, other.relative_slack, np.vstack),
            cat(self.violation, other.violation, np.concatenate),
        )

    def take(self, idx: Any) -> Observations:
        """The observations at ``idx`` (an index array, a slice or a boolean mask)."""
        return Observations(
            self.X[idx],
            self.objectives[idx],
            self.slack[idx],
            self.feasible[idx],
            None if self.relative_slack is None else self.relative_slack[idx],
            None if self.violation is None else self.violation[idx],
        )

    def completed(
        self, budgets: Mapping[str, float] | Sequence[float] | np.ndarray
    ) -> Observations:
        """These observations with ``relative_slack`` and ``violation`` filled in where
        they are None (observations built by hand), by the scoring module's functions
        (:func:`~archgym.scenarios.evaluation.relative_slack`,
        :func:`~archgym.scenarios.evaluation.violation_from_slack`)."""
        if self.relative_slack is not None and self.violation is not None:
            return self
        from archgym.scenarios.evaluation import relative_slack, violation_from_slack

        b = np.array(
            [float(v) for v in (budgets.values() if isinstance(budgets, Mapping) else budgets)],
            np.float64,
        )
        rel = self.relative_slack
        if rel is None:
            rel = relative_slack(self.slack, b)
        viol = self.violation
        if viol is None:
            viol = violation_from_slack(self.slack, b, self.objectives)
        return dataclasses.replace(self, relative_slack=rel, violation=viol)

    @classmethod
    def from_evaluation(cls, ev: Any) -> Observations:
        """The scores of an :class:`~archgym.scenarios.evaluation.Evaluation`, read from
        its arrays (``designs``, ``objectives``, ``slack``, ``feasible``,
        ``relative_slack``, ``violation``)."""
        return cls(
            np.asarray(ev.designs, np.int64),
            np.asarray(ev.objectives, np.float64),
            np.asarray(ev.slack, np.float64),
            np.asarray(ev.feasible, bool),
            np.asarray(ev.relative_slack, np.float64),
            np.asarray(ev.violation, np.float64),
        )

    @classmethod
    def from_frame(
        cls,
        X: np.ndarray,
        frame: pd.DataFrame,
        objective_columns: list[str] | None = None,
        slack_columns: list[str] | None = None,
    ) -> Observations:
        """Build from a log's rows (resuming a run, or a problem whose ``evaluate`` returns
        only a table): ``objective`` (or ``objective_columns``), the slack columns,
        ``feasible`` and, when the log has it, ``violation``.

        Args:
            X: ``n x n_knobs`` designs of the rows.
            frame: the rows.
            objective_columns: the maximised objective columns (default ``["objective"]``).
            slack_columns: the slack columns in budget order (default: every ``slack_*``
                column, in the frame's order).
        """
        cols = objective_columns or ["objective"]
        missing = [c for c in cols + ["feasible"] if c not in frame.columns]
        if missing:
            raise AgentError(f"evaluation table lacks column(s) {missing}")
        obj = frame[cols].to_numpy(dtype=np.float64)
        if slack_columns is None:
            slack_columns = [c for c in frame.columns if str(c).startswith("slack_")]
        missing = [c for c in slack_columns if c not in frame.columns]
        if missing:
            raise AgentError(f"evaluation table lacks slack column(s) {missing}")
        slack = (
            frame[slack_columns].to_numpy(dtype=np.float64)
            if slack_columns
            else np.zeros((len(frame), 0))
        )
        violation = (
            frame["violation"].to_numpy(np.float64) if "violation" in frame.columns else None
        )
        return cls(
            np.asarray(X, np.int64).reshape(len(frame), -1),
            obj,
            slack,
            frame["feasible"].to_numpy(dtype=bool),
            violation=violation,
        )
