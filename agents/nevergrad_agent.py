"""Nevergrad's NGOpt behind archgym's ask/tell interface (``make("nevergrad")``).

A peer, not a rewrite: Nevergrad's own ``optimizer.ask()`` / ``optimizer.tell(candidate,
loss, constraint_violation=...)`` run unchanged. The parametrization is a
``ng.p.Dict`` with one parameter per knob, over its choice indices:

* an ordered knob (power-of-two, integer, ordinal) is a ``ng.p.TransitionChoice`` (its
  mutations move to neighbouring choices, and NGOpt's first proposal is the middle choice);
* a categorical knob is a ``ng.p.Choice`` (no order between choices).

The optimizer is ``optimizer`` (default ``"NGOpt"``, Nevergrad's algorithm selector), built
with the run's evaluation budget (``run`` passes it; ``budget_hint`` for direct ask/tell)
and ``num_workers = batch_size``, and seeded through the parametrization's random state.

Signs: Nevergrad minimises a loss and reads ``constraint_violation`` as "``> 0``
violated"; archgym maximises its objective and a design is feasible iff every slack
(``budget - value``) is ``>= 0``. :func:`slack_to_nevergrad` is the one place the sign
changes (``-relative_slack``, the evaluation's ``slack / |budget|``; a slack that is not finite is a large violation) and the loss
is ``-objective``. A design whose objective is not finite (the accelerator rejected it)
gets the largest loss Nevergrad accepts (``5e20``). One objective only.

Example:
    >>> from archgym.agents import make
    >>> history = make("nevergrad").run(scenario, budget=100, seed=0)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .base import Agent, AgentError, AgentSettings, History, Observations
from .problem import Problem, Scores

__all__ = ["NevergradAgent", "NevergradSettings", "slack_to_nevergrad"]

VIOLATION_PENALTY = 1e6
"""The violation of a slack that is not finite (a rejected design)."""
WORST_LOSS = 5e20
"""The loss of a design whose objective is not finite (Nevergrad clips larger losses)."""


def slack_to_nevergrad(slack: np.ndarray, scale: np.ndarray | None = None) -> np.ndarray:
    """archgym's slacks (feasible iff every one ``>= 0``) as Nevergrad constraint
    violations (satisfied iff every one ``<= 0``).

    Args:
        slack: ``n x m`` (or ``m``) float array of ``budget - value``.
        scale: optional ``m`` positive divisors (the budgets).

    Returns:
        ``-slack / scale``, same shape; NaN and infinite slacks become ``VIOLATION_PENALTY``.
    """
    s = np.asarray(slack, dtype=np.float64)
    c = -s if scale is None else -s / np.asarray(scale, dtype=np.float64)
    return np.where(np.isfinite(c), c, VIOLATION_PENALTY)


@dataclass
class NevergradSettings(AgentSettings):
    """Settings of :class:`NevergradAgent`."""

    optimizer: str = "NGOpt"
    """A name in Nevergrad's optimizer registry (``ng.optimizers.registry``), e.g. "NGOpt",
    "DiscreteOnePlusOne", "PortfolioDiscreteOnePlusOne", "CMA"."""

    budget_hint: int = 100
    """The evaluation budget Nevergrad plans for when the agent is driven by ask/tell
    directly; ``run(scenario, budget, seed)`` passes its own budget instead."""

    def validate(self) -> None:
        """Check every setting.

        Raises:
            AgentError: a setting is out of range; the message names it and what is allowed.
        """
        super().validate()
        if not isinstance(self.optimizer, str) or not self.optimizer:
            raise AgentError(
                f"nevergrad: optimizer must be a registry name, got {self.optimizer!r}"
            )
        b = self.budget_hint
        if isinstance(b, bool) or not isinstance(b, int | np.integer) or b < 1:
            raise AgentError(f"nevergrad: budget_hint must be an integer >= 1, got {b!r}")


class NevergradAgent(Agent):
    """A Nevergrad optimizer driven by ask/tell (``archgym.agents.make("nevergrad")``).

    Raises:
        AgentError: a bad setting, an optimizer name Nevergrad does not know, a scenario
            with several objectives, or Nevergrad not installed
            (``pip install 'archgym[nevergrad]'``).
    """

    name: ClassVar[str] = "nevergrad"
    Settings: ClassVar[type[AgentSettings]] = NevergradSettings
    supports_multi_objective: ClassVar[bool] = False

    settings: NevergradSettings
    #: The evaluation budget of the current ``run`` (told to Nevergrad), if any.
    _run_budget: int | None = None

    def run(self, scenario: Problem, budget: int, seed: int = 0, **kwargs: Any) -> History:
        """:meth:`Agent.run`, with Nevergrad told the evaluation budget."""
        self._run_budget = int(budget) if isinstance(budget, int | np.integer) else None
        try:
            return super().run(scenario, budget, seed, **kwargs)
        finally:
            self._run_budget = None

    def _setup(self) -> None:
        try:
            import nevergrad as ng
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise AgentError(
                "nevergrad: the 'nevergrad' package is missing; pip install 'archgym[nevergrad]'"
            ) from exc
        s = self.settings
        if s.optimizer not in ng.optimizers.registry:
            raise AgentError(
                f"nevergrad: unknown optimizer {s.optimizer!r}; see nevergrad.optimizers.registry"
            )
        cat = set(self.space.categorical_dims())
        params = {}
        for j, knob in enumerate(self.space.knobs):
            idx = list(range(len(knob.choices)))
            params[knob.name] = ng.p.Choice(idx) if j in cat else ng.p.TransitionChoice(idx)
        param = ng.p.Dict(**params)
        param.random_state = np.random.RandomState(self.seed)
        budget = getattr(self, "_run_budget", None) or s.budget_hint
        self.optimizer = ng.optimizers.registry[s.optimizer](
            parametrization=param, budget=int(budget), num_workers=s.batch_size
        )
        budgets = dict(self.scenario.budgets)
        self._m = len(budgets)
        self._pending: list[tuple[np.ndarray, Any]] = []

    def ask(self, n: int | None = None) -> np.ndarray:
        """Ask Nevergrad for ``n`` candidates (default ``settings.batch_size``).

        Returns:
            ``n x n_knobs`` int64 array of choice indices.
        """
        n = self._ask_size(n)
        names = list(self.space.names)
        out = np.zeros((n, len(names)), np.int64)
        for i in range(n):
            cand = self.optimizer.ask()
            out[i] = [int(cand.value[m]) for m in names]
            self._pending.append((out[i].copy(), cand))
        return out

    def tell(self, X: np.ndarray, results: Observations | Scores) -> None:
        """Tell Nevergrad the losses (``-objective``) and constraint violations of candidates
        it asked for (in any order).

        Raises:
            AgentError: a design that ``ask`` did not hand out (or that was told already).
        """
        results = self._as_observations(results)
        super().tell(X, results)
        X = np.asarray(X, np.int64).reshape(len(results), -1)
        rel = results.relative_slack  # slack / |budget|, from the evaluation
        viol = slack_to_nevergrad(rel) if self._m and rel is not None else None
        for i, row in enumerate(X):
            j = next((t for t, (x, _) in enumerate(self._pending) if np.array_equal(x, row)), None)
            if j is None:
                raise AgentError(
                    f"nevergrad: tell got design {row.tolist()}, which ask did not hand out "
                    "(or which was told already)"
                )
            _, cand = self._pending.pop(j)
            y = float(results.objectives[i, 0])
            loss = -y if np.isfinite(y) else WORST_LOSS
            cv = None if viol is None else [float(v) for v in viol[i]]
            self.optimizer.tell(cand, loss, constraint_violation=cv)

    def describe(self) -> dict[str, Any]:
        """Settings, plus the optimizer Nevergrad chose (NGOpt selects one by budget)."""
        out = super().describe()
        opt = getattr(self, "optimizer", None)
        if opt is not None:
            out["nevergrad_optimizer"] = type(opt).__name__
            inner = getattr(opt, "optim", None)
            if inner is not None:
                out["nevergrad_selected"] = type(inner).__name__
        return out
