"""The settings of :class:`~archgym.agents.bayesopt.BOAgent` (``make("bo", **settings)``;
their docstrings are the documentation in ``docs/agents.md``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..base import AgentError, AgentSettings, is_int

__all__ = ["BOSettings", "TRANSFER_METHODS"]

TRANSFER_METHODS = ("multitask", "warmstart")
"""Values of ``BOSettings.transfer_method`` besides ``None``."""


@dataclass
class BOSettings(AgentSettings):
    """Settings of :class:`BOAgent`."""

    batch_size: int = 1
    """Designs proposed per ask (q); a batch is built by sequential greedy selection."""

    n_init: int = 10
    """Initial designs before the first surrogate: the source's best designs (with
    transfer, at most ``transfer_init``), the centre of the space (``init_center``), then
    a seeded scrambled Sobol sample."""

    init_center: bool = False
    """Start with the centre of the space, as Ax does: the middle choice of every ordered
    knob (a seeded random choice of each categorical one); if a known-cheap constraint
    rules it out, the admissible design nearest to it. Off by default: on the catalog
    scenarios measured (hw-mobilenet_v2-area, nb201-codesign) the centre was never the
    best initial design and did not lower the regret at 10 or 25 evaluations."""

    num_mc_samples: int = 128
    """Quasi-Monte-Carlo samples of the acquisition function."""

    exhaustive_threshold: int = 20_000
    """Spaces with at most this many designs are screened exhaustively (every unobserved
    design); larger ones by a random pool plus local search."""

    pool_size: int = 2048
    """Random designs in the candidate pool of a large space (per proposal)."""

    local_starts: int = 8
    """Best designs expanded per round of local search (large spaces), and best observed
    designs whose neighbours join the pool."""

    local_steps: int = 6
    """Rounds of best-first local search over ``DesignSpace.neighbors`` (large spaces)."""

    shortlist: int = 128
    """Candidates (best by the analytic screen) scored with the Monte-Carlo acquisition."""

    refit_every: int = 1
    """Re-optimise GP hyperparameters after at least this many new observations (otherwise
    reuse the last ones, which are always the starting point of the next fit)."""

    refit_growth: float = 0.05
    """... and only once the data has grown by this fraction since the last fit (at 100
    observations: every 5); between fits the GPs are conditioned on the new data with the
    last hyperparameters. 0 re-optimises at every proposal."""

    fit_maxiter: int = 60
    """L-BFGS iterations of an outcome's first hyperparameter fit at most."""

    refit_maxiter: int = 20
    """L-BFGS iterations of a later fit at most (it starts from the last hyperparameters,
    which are usually close: this bounds the cost per proposal)."""

    max_train: int = 400
    """Target observations in a surrogate at most: past it, the best half (feasible first,
    then by first objective) and the most recent rest."""

    filter_known_constraints: bool = True
    """Never propose a design that breaks a budget whose value the scenario can tell
    without evaluating it (analytic area), or that the accelerator is known to reject."""

    objective_transform: str = "auto"
    """How objectives are modelled: "auto" (``sign * log|y|`` for an objective whose values
    keep one sign and span at least a decade, e.g. ``-latency_ms``; else as they are) or
    "none". Both keep the order of designs."""

    slack_transform: str = "bilog"
    """How slacks are modelled: "bilog" (``sign(r) log(1 + |r|)`` of the relative slack
    ``r = slack / budget``) or "none" (the slack as it is). Both keep the sign."""

    transfer_method: str | None = "multitask"
    """With ``transfer_from`` data: "multitask" (multi-task GPs over source and target
    data, plus the warm start), "warmstart" (the source's best designs evaluated first),
    or None (ignore the source: the no-transfer baseline)."""

    transfer_init: int = 5
    """Initial designs taken from the source's best (feasible under the target budgets),
    counted within ``n_init``."""

    max_source: int = 200
    """Source observations used by the multi-task GPs at most (best half, then random)."""

    def validate(self) -> None:
        """Check every setting.

        Raises:
            AgentError: a setting is out of range; the message names it and what is allowed.
        """
        super().validate()
        ints = {
            "n_init": (self.n_init, 0),
            "num_mc_samples": (self.num_mc_samples, 1),
            "exhaustive_threshold": (self.exhaustive_threshold, 0),
            "pool_size": (self.pool_size, 1),
            "local_starts": (self.local_starts, 1),
            "local_steps": (self.local_steps, 0),
            "shortlist": (self.shortlist, 1),
            "refit_every": (self.refit_every, 1),
            "fit_maxiter": (self.fit_maxiter, 1),
            "refit_maxiter": (self.refit_maxiter, 1),
            "max_train": (self.max_train, 2),
            "transfer_init": (self.transfer_init, 0),
            "max_source": (self.max_source, 1),
        }
        for name, (value, low) in ints.items():
            if not is_int(value) or value < low:
                raise AgentError(f"bo: {name} must be an integer >= {low}, got {value!r}")
        if not isinstance(self.refit_growth, int | float) or not 0 <= self.refit_growth <= 1:
            raise AgentError(
                f"bo: refit_growth must be a number in [0, 1], got {self.refit_growth!r}"
            )
        if not isinstance(self.init_center, bool | np.bool_):
            raise AgentError(f"bo: init_center must be True or False, got {self.init_center!r}")
        if not isinstance(self.filter_known_constraints, bool | np.bool_):
            raise AgentError(
                f"bo: filter_known_constraints must be True or False, got {self.filter_known_constraints!r}"
            )
        if self.objective_transform not in ("auto", "none"):
            raise AgentError(
                f"bo: objective_transform must be 'auto' or 'none', got {self.objective_transform!r}"
            )
        if self.slack_transform not in ("bilog", "none"):
            raise AgentError(
                f"bo: slack_transform must be 'bilog' or 'none', got {self.slack_transform!r}"
            )
        if self.transfer_method is not None and self.transfer_method not in TRANSFER_METHODS:
            raise AgentError(
                f"bo: unknown transfer_method {self.transfer_method!r}; "
                f"choose one of {list(TRANSFER_METHODS)} or None"
            )
