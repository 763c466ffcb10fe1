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
(``budget - value``) is ``>= 0``. :func:`slack_to_nevergrad` (:func:`~archgym.agents.peer.slack_to_violation`,
shared with Optuna) is the one place the sign changes (``-relative_slack``, the evaluation's ``slack / |budget|``; a slack that is not finite is a large violation) and the loss
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

from .base import AgentError, AgentSettings, is_int
from .peer import VIOLATION_PENALTY, PeerAgent, slack_to_violation

__all__ = ["NevergradAgent", "NevergradSettings", "slack_to_nevergrad", "VIOLATION_PENALTY"]

WORST_LOSS = 5e20
"""The loss of a design whose objective is not finite (Nevergrad clips larger losses)."""

slack_to_nevergrad = slack_to_violation
"""archgym's slacks as Nevergrad constraint violations (:func:`~archgym.agents.peer.
slack_to_violation`: ``-slack / scale``, NaN and infinite slacks ``VIOLATION_PENALTY``)."""


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
        if not is_int(b) or b < 1:
            raise AgentError(f"nevergrad: budget_hint must be an integer >= 1, got {b!r}")


class NevergradAgent(PeerAgent):
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

    def _setup(self) -> None:
        ng = self._import_library("nevergrad")
        s = self.settings
        if s.optimizer not in ng.optimizers.registry:
            raise AgentError(
                f"nevergrad: unknown optimizer {s.optimizer!r}; see nevergrad.optimizers.registry"
            )
        params = {}
        for name, n_choices, categorical in self._knob_domains():
            idx = list(range(n_choices))
            params[name] = ng.p.Choice(idx) if categorical else ng.p.TransitionChoice(idx)
        param = ng.p.Dict(**params)
        param.random_state = np.random.RandomState(self.seed)
        budget = self.run_budget or s.budget_hint
        self.optimizer = ng.optimizers.registry[s.optimizer](
            parametrization=param, budget=int(budget), num_workers=s.batch_size
        )
        self._start_peer()

    # --- one candidate at a time (PeerAgent runs the batch) -------------------------------
    def _ask_one(self) -> tuple[Any, Any]:
        cand = self.optimizer.ask()
        return cand.value, cand

    def _tell_one(self, handle: Any, objectives: np.ndarray, violation: np.ndarray | None) -> None:
        """Tell Nevergrad the loss (``-objective``) and constraint violations of a candidate."""
        y = float(objectives[0])
        loss = -y if np.isfinite(y) else WORST_LOSS
        cv = None if violation is None else [float(v) for v in violation]
        self.optimizer.tell(handle, loss, constraint_violation=cv)

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
