"""Optuna's samplers behind archgym's ask/tell interface (``make("optuna", sampler=...)``).

A peer, not a rewrite: the agent holds an in-memory ``optuna.Study`` and drives it with
Optuna's own ask-and-tell API (``study.ask(fixed_distributions)`` / ``study.tell``), so the
samplers run exactly as they do for an Optuna user:

* ``"tpe"``: ``TPESampler`` (Optuna's default; ``constant_liar`` for batches);
* ``"cmaes"``: ``CmaEsSampler`` with margin (``with_margin=True``, the variant for
  integer parameters); categorical knobs go to its seeded independent sampler, as in Optuna;
* ``"gp"``: ``GPSampler`` (Optuna's Gaussian-process BO, log EI);
* ``"nsga2"``: ``NSGAIISampler``.

Knobs: an ordered knob (power-of-two, integer, ordinal) is an ``IntDistribution`` over its
choice indices, a categorical knob a ``CategoricalDistribution`` over its indices (so the
design log is the same as every other agent's).

Signs: Optuna's constraints are "``c <= 0`` feasible", archgym's slacks "``slack >= 0``
feasible". :func:`slack_to_optuna` (:func:`~archgym.agents.peer.slack_to_violation`, shared with
Nevergrad) is the one place the sign changes
(``c = -relative_slack``, the evaluation's ``slack / |budget|``; a slack that is not finite becomes a large violation). The
constraints reach the samplers that take them (TPE, GP, NSGA-II) the Optuna (>= 5) way:
``trial.set_constraint(budget_name, c)`` before ``study.tell`` (the samplers read
``FrozenTrial.constraints``; ``constraints_func`` is deprecated since Optuna 5.0).
``CmaEsSampler`` has no constraint support in Optuna; it sees the objective only
(``describe()["constraints"]`` says so). A design whose objective is not
finite (the accelerator rejected it) is told as a failed trial (``TrialState.FAIL``), as an
Optuna objective that cannot evaluate would be.

Optuna may propose a design it has already seen (its samplers do not exclude repeats);
the agent does not filter them, so the peer is measured as Optuna behaves.

Seeded samplers make a run deterministic for a seed, which is what ``run(resume=...)``
relies on: the base class replays the logged designs through ``ask``/``tell``.

Example:
    >>> from archgym.agents import make
    >>> agent = make("optuna", sampler="tpe")
    >>> history = agent.run(scenario, budget=100, seed=0)  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .base import AgentError, AgentSettings, is_int, torch_threads
from .peer import VIOLATION_PENALTY, PeerAgent, slack_to_violation

__all__ = ["OptunaAgent", "OptunaSettings", "SAMPLERS", "slack_to_optuna", "VIOLATION_PENALTY"]

SAMPLERS = ("tpe", "cmaes", "gp", "nsga2")
"""Values of ``OptunaSettings.sampler``."""

slack_to_optuna = slack_to_violation
"""archgym's slacks as Optuna constraint values (:func:`~archgym.agents.peer.
slack_to_violation`: ``-slack / scale``, NaN and infinite slacks ``VIOLATION_PENALTY``)."""


@dataclass
class OptunaSettings(AgentSettings):
    """Settings of :class:`OptunaAgent`."""

    sampler: str = "tpe"
    """Optuna's sampler: "tpe", "cmaes", "gp" or "nsga2"."""

    n_startup_trials: int = 10
    """Random trials before the model-based ones (TPE, GP and CMA-ES's ``n_startup_trials``;
    Optuna's defaults are 10, 10 and 1)."""

    population_size: int = 50
    """NSGA-II's population size (Optuna's default)."""

    def validate(self) -> None:
        """Check every setting.

        Raises:
            AgentError: a setting is out of range; the message names it and what is allowed.
        """
        super().validate()
        if self.sampler not in SAMPLERS:
            raise AgentError(
                f"optuna: unknown sampler {self.sampler!r}; choose one of {list(SAMPLERS)}"
            )
        for name in ("n_startup_trials", "population_size"):
            v = getattr(self, name)
            low = 0 if name == "n_startup_trials" else 2
            if not is_int(v) or v < low:
                raise AgentError(f"optuna: {name} must be an integer >= {low}, got {v!r}")


class OptunaAgent(PeerAgent):
    """An Optuna sampler driven by ask/tell (``archgym.agents.make("optuna", sampler=...)``).

    Raises:
        AgentError: a bad setting, or Optuna not installed (``pip install archgym[optuna]``).
    """

    name: ClassVar[str] = "optuna"
    Settings: ClassVar[type[AgentSettings]] = OptunaSettings
    supports_multi_objective: ClassVar[bool] = True

    settings: OptunaSettings

    def _setup(self) -> None:
        optuna = self._import_library("optuna")
        from optuna.distributions import CategoricalDistribution, IntDistribution

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        s = self.settings
        self._dists: dict[str, Any] = {
            name: CategoricalDistribution(list(range(n)))
            if categorical
            else IntDistribution(0, n - 1)
            for name, n, categorical in self._knob_domains()
        }
        assert self.obs is not None
        k = int(self.obs.objectives.shape[1])
        self._start_peer()
        seed = self.seed
        if s.sampler == "tpe":
            sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=s.n_startup_trials)
        elif s.sampler == "gp":
            sampler = optuna.samplers.GPSampler(seed=seed, n_startup_trials=s.n_startup_trials)
        elif s.sampler == "nsga2":
            sampler = optuna.samplers.NSGAIISampler(seed=seed, population_size=s.population_size)
        else:
            if k > 1:
                raise AgentError("optuna: the cmaes sampler optimises one objective")
            sampler = optuna.samplers.CmaEsSampler(
                seed=seed,
                n_startup_trials=s.n_startup_trials,
                with_margin=True,
                warn_independent_sampling=False,
            )
        self._has_constraints = bool(self._budget_names) and s.sampler != "cmaes"
        self.study = optuna.create_study(directions=["maximize"] * k, sampler=sampler)

    # --- one trial at a time (PeerAgent runs the batch) ----------------------------------
    def _library_threads(self) -> contextlib.AbstractContextManager[Any]:
        return torch_threads(self.settings.threads)

    def _ask_one(self) -> tuple[Any, Any]:
        trial = self.study.ask(self._dists)
        return trial.params, trial

    def _tell_one(self, handle: Any, objectives: np.ndarray, violation: np.ndarray | None) -> None:
        """Tell Optuna a trial's constraints and objectives (a failed trial where an
        objective is not finite)."""
        from optuna.trial import TrialState

        if violation is not None:
            for name, c in zip(self._budget_names, violation, strict=True):
                handle.set_constraint(name, float(c))
        if np.isfinite(objectives).all():
            self.study.tell(handle, [float(v) for v in objectives])
        else:
            self.study.tell(handle, state=TrialState.FAIL)

    def describe(self) -> dict[str, Any]:
        """Settings, plus the Optuna sampler and whether it sees the constraints."""
        out = super().describe()
        if self.space is not None:
            out["optuna_sampler"] = type(self.study.sampler).__name__
            out["constraints"] = (
                "trial.set_constraint per budget (c = -slack / |budget|, <= 0 feasible)"
                if self._has_constraints
                else None
            )
        return out
