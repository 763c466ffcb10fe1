"""What the peer agents share: an external optimiser's own ask/tell, driven one candidate
at a time (:class:`~archgym.agents.optuna_agent.OptunaAgent`,
:class:`~archgym.agents.nevergrad_agent.NevergradAgent`).

:class:`PeerAgent` keeps the library's handle of every candidate it handed out (an Optuna
trial, a Nevergrad candidate) until that design is told, in any order; a subclass builds
the optimiser in ``_setup`` and says how to ask it for one candidate (:meth:`PeerAgent.
_ask_one`) and how to tell it one result (:meth:`PeerAgent._tell_one`).

Signs: both libraries minimise a "constraint value, ``<= 0`` satisfied", archgym's slacks
are "``>= 0`` feasible"; :func:`slack_to_violation` is the one place the sign changes.
"""

from __future__ import annotations

import contextlib
import importlib
from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

import numpy as np

from .base import Agent, AgentError, Observations
from .problem import Scores

__all__ = ["PeerAgent", "VIOLATION_PENALTY", "slack_to_violation"]

VIOLATION_PENALTY = 1e6
"""The constraint value of a slack that is not finite (a rejected design): violated."""


def slack_to_violation(slack: np.ndarray, scale: np.ndarray | None = None) -> np.ndarray:
    """archgym's slacks (``budget - value``, feasible iff every one ``>= 0``) as the
    constraint values Optuna and Nevergrad read (satisfied iff every one ``<= 0``).

    Args:
        slack: ``n x m`` (or ``m``) float array.
        scale: optional ``m`` positive divisors (the budgets), so that budgets in
            different units weigh alike in a summed violation.

    Returns:
        ``-slack / scale`` with the shape of ``slack``; NaN and infinite slacks become
        ``VIOLATION_PENALTY``.
    """
    s = np.asarray(slack, dtype=np.float64)
    c = -s if scale is None else -s / np.asarray(scale, dtype=np.float64)
    return np.where(np.isfinite(c), c, VIOLATION_PENALTY)


class PeerAgent(Agent):
    """Base of the agents that drive another library's optimiser through its ask/tell.

    A subclass's ``_setup`` builds the optimiser and calls :meth:`_start_peer`.
    """

    def _import_library(self, module: str) -> Any:
        """Import the peer's library (its extra is named like it), or a clear AgentError."""
        try:
            return importlib.import_module(module)
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise AgentError(
                f"{self.name}: the {module!r} package is missing; pip install 'archgym[{module}]'"
            ) from exc

    def _start_peer(self) -> None:
        """Forget every handed-out candidate; note the scenario's budgets (in slack order)."""
        self._budget_names = list(self.scenario.budgets)
        self._pending: list[tuple[np.ndarray, Any]] = []

    def _knob_domains(self) -> list[tuple[str, int, bool]]:
        """``(name, number of choices, categorical)`` of every knob, in knob order: the
        library's parameter of a knob ranges over its choice indices."""
        cat = set(self.space.categorical_dims())
        return [(k.name, len(k.choices), j in cat) for j, k in enumerate(self.space.knobs)]

    def _library_threads(self) -> contextlib.AbstractContextManager[Any]:
        """The context the library's ask and tell run in (none by default)."""
        return contextlib.nullcontext()

    @abstractmethod
    def _ask_one(self) -> tuple[Mapping[str, Any], Any]:
        """One candidate from the library: its choice index by knob name, and the
        library's handle to tell its result to."""

    @abstractmethod
    def _tell_one(self, handle: Any, objectives: np.ndarray, violation: np.ndarray | None) -> None:
        """Tell the library one result.

        Args:
            handle: what :meth:`_ask_one` returned with the design.
            objectives: ``(k,)`` maximised objectives (NaN where not evaluable).
            violation: ``(m,)`` constraint values (:func:`slack_to_violation` of the
                relative slacks), or None for a scenario without budgets.
        """

    def ask(self, n: int | None = None) -> np.ndarray:
        """Ask the library for ``n`` candidates (default ``settings.batch_size``).

        Returns:
            ``n x n_knobs`` int64 array of choice indices.
        """
        n = self._ask_size(n)
        names = list(self.space.names)
        out = np.zeros((n, len(names)), np.int64)
        with self._library_threads():
            for i in range(n):
                values, handle = self._ask_one()
                out[i] = [int(values[m]) for m in names]
                self._pending.append((out[i].copy(), handle))
        return out

    def tell(self, X: np.ndarray, results: Observations | Scores) -> None:
        """Tell the library the results of candidates it handed out (in any order).

        Raises:
            AgentError: a design that ``ask`` did not hand out (or that was told already).
        """
        X, results = self._record(X, results)
        rel = results.relative_slack  # slack / |budget|, from the evaluation
        viol = slack_to_violation(rel) if self._budget_names and rel is not None else None
        with self._library_threads():
            for i, row in enumerate(X):
                handle = self._pop_pending(row)
                self._tell_one(handle, results.objectives[i], None if viol is None else viol[i])

    def _pop_pending(self, row: np.ndarray) -> Any:
        """The handle of the first handed-out, untold candidate equal to ``row``."""
        j = next((t for t, (x, _) in enumerate(self._pending) if np.array_equal(x, row)), None)
        if j is None:
            raise AgentError(
                f"{self.name}: tell got design {row.tolist()}, which ask did not hand out "
                "(or which was told already)"
            )
        return self._pending.pop(j)[1]
