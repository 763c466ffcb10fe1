"""Constrained Bayesian optimisation over discrete design spaces, in the style of Apollo.

``archgym.agents.make("bo")`` builds a :class:`BOAgent`: Gaussian-process surrogates of
the objective(s) and of every budget's slack, a constrained noisy expected-improvement
acquisition (hypervolume improvement with several objectives), optimised over the
*discrete* space, and transfer across budgets and workloads (Yazdanbakhsh et al., 2021,
"Apollo: Transferable Architecture Exploration").

How it works, one proposal at a time:

1. **Initial design.** ``n_init`` designs: with transfer, the source run's best designs
   first; then, with ``init_center``, the centre of the space (as Ax starts: the middle choice
   of every ordered knob, a seeded random choice of each categorical one, or the design
   nearest to it that the known-cheap constraints admit); then a seeded scrambled Sobol
   sample (designs a known-cheap constraint rules out are skipped).
2. **Surrogates.** Inputs are the choice indices scaled to ``[0, 1]``
   (``DesignSpace.normalize``). Ordered knobs are continuous dimensions with an RBF kernel;
   categorical knobs go through BoTorch's categorical kernel, combined as in
   ``MixedSingleTaskGP`` (a sum and a product of the two). One GP models each objective
   (fitted on the designs whose objectives are finite) and one each budget's slack
   (fitted on every design, feasible or not). Outcomes are standardised; objectives that
   keep one sign and span a decade are modelled on a log scale (``objective_transform``)
   and slacks as ``bilog(relative_slack)`` (the evaluation's ``slack / |budget|``;
   ``slack_transform``): monotone maps that keep
   the optimum and the sign of every slack. A design whose metrics are not finite (the
   accelerator rejected it) gets a slack below every observed one. If some designs are
   infeasible for a reason no slack explains, one more GP models a +1/-1 "valid" label as
   a further constraint.
3. **Acquisition.** With one objective: ``qLogNoisyExpectedImprovement`` with the slack
   GPs as constraints; with several: ``qLogNoisyExpectedHypervolumeImprovement`` with the
   scenario's reference point and the same constraints. Until a feasible design is known
   it maximises the probability of feasibility (the product of ``P(slack >= 0)``) instead.
   Batches (``batch_size > 1``) are built by sequential greedy selection: each further
   design is chosen with the earlier ones pending (kriging-believer fantasies in the
   feasibility phase).
4. **Discrete optimisation.** No continuous optimum is rounded. Spaces of at most
   ``exhaustive_threshold`` designs are screened exhaustively: every unobserved design is
   scored with an analytic proxy of the acquisition (log expected improvement, or
   log optimistic hypervolume improvement, plus log probability of feasibility); larger
   spaces are searched with a seeded random pool plus the neighbours of the best observed
   designs, then a best-first local search over ``DesignSpace.neighbors``. The best
   ``shortlist`` candidates are then scored with the Monte-Carlo acquisition, and the
   best is proposed. A design already observed or proposed is never proposed again.
5. **Known-cheap constraints** (``filter_known_constraints``). If the scenario can tell a
   budget's value before evaluating (area is analytic in archgym), candidates that break
   it are never proposed; nor are designs the accelerator is known to reject.
   ``describe()["filtered_constraints"]`` lists what is filtered. A scenario exposes
   this with ``known_metrics(X) -> {metric: values, "accepted": bool array}``
   (:class:`~archgym.agents.problem.KnowsMetrics`; archgym's scenarios give analytic
   ``area_mm2`` and the accelerator's acceptance checks).

Transfer (``BOAgent(transfer_from=history_or_frame, transfer_method=...)``): the source
run's log must have a column per target knob and the target's objective column(s).
Slacks are recomputed against the target's budgets from the logged metrics (see
:mod:`archgym.agents.transfer`). ``"warmstart"`` evaluates the source's best designs
(feasible under the target budgets, among the source's better half) first;
``"multitask"`` does that too and fits every surrogate as a ``MultiTaskGP`` over source
and target data (task feature: source 0, target 1; the inter-task correlation is learnt;
BoTorch's default data kernel, as the mixed kernel is ~8x dearer to fit inside it);
``None`` ignores the source.

Cost control (measured with ``benchmarks/bench_agents.py``; about 0.4 s of CPU per
proposal at 100 observations on one core for a hardware-only scenario, 0.7 s for
co-design): hyperparameters are re-optimised only once the data has grown by
``refit_growth`` (and by at least ``refit_every`` observations) since the last fit, for
at most ``refit_maxiter`` L-BFGS iterations starting from the last values
(``fit_maxiter`` for an outcome's first fit); between fits the GPs are rebuilt on all
the data with the last hyperparameters (an exact posterior, no optimisation). At most
``max_train`` target and ``max_source`` source observations are used; candidates are
screened with marginal posteriors computed from cross-covariances only, and the
Monte-Carlo acquisition scores only the shortlist. The agent runs torch on
``threads`` threads (default 1) and restores the caller's setting. Everything is
seeded: same scenario, settings and seed, same proposals whatever the machine's thread
count (``torch``'s global RNG is forked, not disturbed).

Example:
    >>> from archgym.agents import make
    >>> agent = make("bo", n_init=8, batch_size=1)
    >>> history = agent.run(scenario, budget=40, seed=0)  # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
import warnings
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch
from botorch.acquisition.analytic import _log_ei_helper
from botorch.acquisition.cached_cholesky import supports_cache_root
from botorch.acquisition.logei import qLogNoisyExpectedImprovement
from botorch.acquisition.multi_objective import logei as _botorch_mo_logei
from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement
from botorch.acquisition.multi_objective.objective import IdentityMCMultiOutputObjective
from botorch.acquisition.objective import GenericMCObjective
from botorch.exceptions.errors import ModelFittingError
from botorch.fit import fit_gpytorch_mll
from botorch.models import ModelListGP, MultiTaskGP, SingleTaskGP
from botorch.models.kernels.categorical import CategoricalKernel
from botorch.models.transforms.outcome import Standardize
from botorch.models.utils.gpytorch_modules import get_covar_module_with_dim_scaled_prior
from botorch.sampling.normal import SobolQMCNormalSampler
from botorch.utils.multi_objective.box_decompositions.non_dominated import (
    FastNondominatedPartitioning,
)
from botorch.utils.multi_objective.hypervolume import infer_reference_point
from botorch.utils.multi_objective.pareto import is_non_dominated
from botorch.utils.probability.utils import log_ndtr
from gpytorch.constraints import GreaterThan
from gpytorch.kernels import Kernel, ScaleKernel
from gpytorch.mlls import ExactMarginalLogLikelihood
from linear_operator.utils.errors import NotPSDError
from torch import Tensor

from archgym.scenarios.evaluation import relative_slack

from .base import Agent, AgentError, AgentSettings, History, Observations, torch_threads
from .problem import KnowsMetrics, Problem, Scores
from .transfer import TransferData, prepare_transfer, source_seeds

# BoTorch's qLogNEHVI JIT-compiles a fused C++ kernel with ``-march=native`` on first use
# (a compiler run at search time, a lock file in ~/.cache that a killed process leaves
# behind, and floating-point results that depend on the CPU). archgym keeps BoTorch's
# pure-PyTorch path, so a seed gives the same proposals on every machine.
_botorch_mo_logei._load_attempted = True

__all__ = [
    "BOAgent",
    "BOSettings",
    "TRANSFER_METHODS",
    "slack_constraint",
    "slack_to_botorch",
    "mixed_kernel",
]

TRANSFER_METHODS = ("multitask", "warmstart")
"""Values of ``BOSettings.transfer_method`` besides ``None``."""

_DTYPE = torch.double
_CHUNK = 2048  # candidates per posterior call
_ACQ_CHUNK = 64  # candidates per Monte-Carlo acquisition call
_EXTRA_OUTCOME = "valid"
_PREDICTORS: weakref.WeakKeyDictionary[Any, _Predictor] = weakref.WeakKeyDictionary()
"""Fast marginal predictors of the live models (dropped with their model)."""


# --------------------------------------------------------------------------------------
# sign conventions: archgym slack (>= 0 feasible) -> BoTorch constraint (<= 0 feasible)
# --------------------------------------------------------------------------------------


def slack_to_botorch(slack: Tensor) -> Tensor:
    """archgym's slack (``budget - value``, feasible iff ``>= 0``) as a BoTorch
    constraint value (feasible iff ``<= 0``): its negation. The one place the sign flips."""
    return -slack


def slack_constraint(index: int) -> Callable[[Tensor], Tensor]:
    """The BoTorch constraint callable for the slack modelled at output ``index``.

    BoTorch's MC acquisition functions take ``constraints``: callables mapping posterior
    samples ``sample_shape x batch x q x n_outputs`` to ``sample_shape x batch x q``, with
    the constraint satisfied where the value is ``<= 0``.

    Args:
        index: output of the model list that holds the (sign-preserving transformed) slack.
    """

    def constraint(samples: Tensor) -> Tensor:
        return slack_to_botorch(samples[..., index])

    constraint.__name__ = f"slack_constraint_{index}"
    return constraint


def _first_outcome(samples: Tensor, X: Tensor | None = None) -> Tensor:
    return samples[..., 0]


# --------------------------------------------------------------------------------------
# the surrogate's kernel
# --------------------------------------------------------------------------------------


class _CategoricalKernel(CategoricalKernel):
    """BoTorch's ``CategoricalKernel`` whose diagonal costs ``O(n)``.

    The library's kernel builds the full ``n x n`` matrix to take its diagonal, which makes
    posterior variances of tens of thousands of candidates cost seconds.
    """

    def forward(
        self,
        x1: Tensor,
        x2: Tensor,
        diag: bool = False,
        last_dim_is_batch: bool = False,
        **params: Any,
    ) -> Tensor:
        if diag and not last_dim_is_batch and x1.shape == x2.shape:
            dists = ((x1 != x2) / self.lengthscale).mean(-1)
            return torch.exp(-dists)
        return super().forward(x1, x2, diag=diag, last_dim_is_batch=last_dim_is_batch)


def mixed_kernel(ordered_dims: list[int], cat_dims: list[int]) -> Kernel | None:
    """The kernel of BoTorch's ``MixedSingleTaskGP`` over ordered and categorical columns.

    ``k = scale(k_ord + scale(k_cat)) + scale(k_ord * k_cat)`` with ``k_ord`` an RBF kernel
    with dimension-scaled lengthscale prior on the ordered columns and ``k_cat`` the
    categorical (Hamming) kernel on the others, so it also serves as the data kernel of a
    ``MultiTaskGP``.

    Args:
        ordered_dims: columns of ordered knobs (continuous in ``[0, 1]``).
        cat_dims: columns of categorical knobs.

    Returns:
        The kernel, or ``None`` without categorical columns (then BoTorch's default).
    """
    if not cat_dims:
        return None

    def cat() -> Kernel:
        return _CategoricalKernel(
            ard_num_dims=len(cat_dims),
            active_dims=cat_dims,
            lengthscale_constraint=GreaterThan(1e-06),
        )

    if not ordered_dims:
        return ScaleKernel(cat())

    def ordk() -> Kernel:
        return get_covar_module_with_dim_scaled_prior(
            ard_num_dims=len(ordered_dims), active_dims=ordered_dims
        )

    return ScaleKernel(ordk() + ScaleKernel(cat())) + ScaleKernel(ordk() * cat())


# --------------------------------------------------------------------------------------
# settings
# --------------------------------------------------------------------------------------


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
            if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < low:
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


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


class _DesignKeys:
    """A set of designs (flat indices when the space fits int64, else row bytes)."""

    def __init__(self, space: Any) -> None:
        self.space = space
        self.flat = space.size <= 2**62
        self.keys: set[Any] = set()

    def _keys(self, X: np.ndarray) -> list[Any]:
        if self.flat:
            return np.atleast_1d(self.space.ravel(X)).tolist()
        return [row.tobytes() for row in np.ascontiguousarray(X, np.int64)]

    def contains(self, X: np.ndarray) -> np.ndarray:
        if len(X) == 0:
            return np.zeros(0, bool)
        return np.fromiter((k in self.keys for k in self._keys(X)), bool, count=len(X))

    def add(self, X: np.ndarray) -> None:
        if len(X):
            self.keys.update(self._keys(X))

    def __len__(self) -> int:
        return len(self.keys)


def _unique_rows(X: np.ndarray) -> np.ndarray:
    """Distinct rows in first-seen order."""
    if len(X) == 0:
        return X
    _, first = np.unique(X, axis=0, return_index=True)
    return X[np.sort(first)]


def _bilog(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


def _known_metrics_fn(
    scenario: Problem,
) -> tuple[Callable[[np.ndarray], Mapping[str, np.ndarray]] | None, str]:
    """The scenario's ``known_metrics`` (:class:`~archgym.agents.problem.KnowsMetrics`:
    for archgym's scenarios, analytic area and the accelerator's acceptance checks) and
    its origin, or ``(None, "")`` when the problem knows nothing before evaluating."""
    if isinstance(scenario, KnowsMetrics) and callable(scenario.known_metrics):
        return scenario.known_metrics, "scenario.known_metrics"
    return None, ""


@dataclass
class _Outcome:
    """One modelled outcome: training inputs (with a task column if multi-task) and targets."""

    name: str
    X: Tensor
    y: Tensor
    multitask: bool


@dataclass
class _Data:
    """What one proposal models."""

    outcomes: list[_Outcome]
    k: int
    constraint_idx: list[int]
    feasible_any: bool
    X_baseline: Tensor
    best_f: float
    pareto_Y: Tensor | None
    ref_point: Tensor | None
    anchors: np.ndarray
    obj_log: list[bool]


class _Predictor:
    """Marginal posterior mean and standard deviation of an exact GP at many points.

    GPyTorch's ``posterior`` evaluates the full ``(n + N) x (n + N)`` prior covariance of
    training and test points to take the test variances, which makes scoring thousands
    of candidates cost seconds. This computes the same marginals from the cross-covariance
    only: ``mu = m(x) + k(x, X) a`` and ``var = k(x, x) - |L^-1 k(X, x)|^2`` with the model's
    cached ``a = (K + noise)^-1 (y - m(X))`` and ``L`` the Cholesky factor of
    ``K + noise``; then the outcome transform is undone. Works for ``SingleTaskGP`` and
    for the target task of ``MultiTaskGP`` (task value 1).
    """

    def __init__(self, gp: Any) -> None:
        from linear_operator.utils.cholesky import psd_safe_cholesky

        self.gp = gp
        self.multitask = isinstance(gp, MultiTaskGP)
        train_X = gp.train_inputs[0]
        with torch.no_grad():
            gp.posterior(train_X[:1, : train_X.shape[-1] - (1 if self.multitask else 0)])
            ps = gp.prediction_strategy
            self.alpha = ps.mean_cache.reshape(-1, 1)
            self.L = psd_safe_cholesky(ps.lik_train_train_covar.to_dense())
        self.train_X = self._covar_input(train_X)
        ot = getattr(gp, "outcome_transform", None)
        if isinstance(ot, Standardize):
            self.mu0, self.sd0 = float(ot.means.reshape(-1)[0]), float(ot.stdvs.reshape(-1)[0])
        else:
            self.mu0, self.sd0 = 0.0, 1.0

    def _covar_input(self, X: Tensor) -> Tensor:
        if not self.multitask:
            return X
        before, task, after = self.gp._split_inputs(X)
        return torch.cat([before, task, after], dim=-1)

    def _full(self, Xn: Tensor) -> Tensor:
        if not self.multitask:
            return Xn
        return torch.cat([Xn, torch.ones(len(Xn), 1, dtype=Xn.dtype)], -1)

    def __call__(self, Xn: Tensor) -> tuple[Tensor, Tensor]:
        gp = self.gp
        mus, sds = [], []
        with torch.no_grad():
            for i in range(0, len(Xn), _CHUNK):
                Xf = self._full(Xn[i : i + _CHUNK])
                Xc = self._covar_input(Xf)
                prior_mean = gp.forward(Xf).mean.reshape(-1)
                cross = gp.covar_module(Xc, self.train_X).to_dense()  # N x n
                kss = gp.covar_module(Xc, diag=True).reshape(-1)
                mu = prior_mean + (cross @ self.alpha).reshape(-1)
                W = torch.linalg.solve_triangular(self.L, cross.T, upper=False)
                var = (kss - (W * W).sum(0)).clamp_min(1e-12)
                mus.append(mu * self.sd0 + self.mu0)
                sds.append(var.sqrt() * abs(self.sd0))
        if not mus:
            empty = torch.zeros(0, dtype=_DTYPE)
            return empty, empty
        return torch.cat(mus), torch.cat(sds)


# --------------------------------------------------------------------------------------
# the agent
# --------------------------------------------------------------------------------------


class BOAgent(Agent):
    """Constrained Bayesian optimisation with transfer (``archgym.agents.make("bo")``).

    Args:
        settings: a :class:`BOSettings` (default settings if omitted).
        transfer_from: a source run (``History`` or its log ``DataFrame``) over a space
            with the same knob names, used as ``settings.transfer_method`` says.
        **overrides: settings by name, e.g. ``n_init=6``.

    Attributes:
        timings: one dict per model-based proposal: ``n_obs``, ``phase``
            ("feasibility" or "improvement"), ``fit_s``, ``acq_s``, ``total_s``,
            ``candidates``.

    Raises:
        AgentError: a bad setting, or transfer data that does not fit the scenario.
    """

    name: ClassVar[str] = "bo"
    Settings: ClassVar[type[AgentSettings]] = BOSettings
    supports_multi_objective: ClassVar[bool] = True

    settings: BOSettings

    def __init__(
        self,
        settings: BOSettings | None = None,
        *,
        transfer_from: History | pd.DataFrame | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__(settings, **overrides)
        if transfer_from is not None and not isinstance(transfer_from, History | pd.DataFrame):
            raise AgentError(
                f"bo: transfer_from must be a History or a pandas DataFrame, got {type(transfer_from).__name__}"
            )
        self.transfer_from = transfer_from
        self.timings: list[dict[str, Any]] = []
        self._transfer: TransferData | None = None
        self._known_fn: Callable[[np.ndarray], Mapping[str, np.ndarray]] | None = None
        self._known_origin = ""
        self._filtered: list[str] = []

    # ------------------------------------------------------------------ setup
    def _setup(self) -> None:
        s = self.settings
        sc = self.scenario
        space = self.space
        assert self.obs is not None
        self._d = space.n_knobs
        self._k = int(self.obs.objectives.shape[1])
        self._ord_dims = list(space.ordered_dims())
        self._cat_dims = list(space.categorical_dims())
        budgets = dict(sc.budgets)
        self._budget_names = list(budgets)
        self._budget_values = np.array([float(v) for v in budgets.values()], np.float64)
        ref = sc.ref_point if self._k > 1 else None
        self._ref_point = None if ref is None else np.asarray(ref, np.float64).reshape(-1)
        if self._ref_point is not None and self._ref_point.shape != (self._k,):
            raise AgentError(
                f"bo: scenario ref_point has {self._ref_point.size} values for {self._k} objectives"
            )
        self.timings = []
        self._hyper: dict[tuple[str, str], dict[str, Tensor]] = {}
        self._last_fit: dict[tuple[str, str], int] = {}
        self._seen = _DesignKeys(space)
        self._pending_rows: list[np.ndarray] = []
        self._n_asked = 0
        # known-cheap constraints
        self._known_fn, self._known_origin, self._filtered = None, "", []
        if s.filter_known_constraints:
            fn, origin = _known_metrics_fn(sc)
            if fn is not None:
                probe = fn(space.sample(2, seed=0))
                filtered = [m for m in self._budget_names if m in probe]
                if "accepted" in probe:
                    filtered.append("accepted")
                if filtered:
                    self._known_fn, self._known_origin, self._filtered = fn, origin, filtered
        # exhaustive grid
        self._exhaustive = space.size <= s.exhaustive_threshold
        if self._exhaustive:
            self._grid = space.unravel(np.arange(space.size, dtype=np.int64))
            self._grid_ok = self._known_ok(self._grid)
            self._grid_seen = np.zeros(space.size, bool)
        # transfer
        self._transfer = None
        if self.transfer_from is not None and s.transfer_method is not None:
            td = prepare_transfer(self.transfer_from, space, self._objective_columns(), budgets)
            if td.objectives.shape[1] != self._k:
                raise AgentError(
                    f"bo: transfer data has {td.objectives.shape[1]} objectives, the scenario {self._k}"
                )
            self._transfer = td
        self._init_queue = self._initial_design()

    def _known_ok(self, X: np.ndarray) -> np.ndarray:
        """Whether each design passes the known-cheap constraints (all True without any)."""
        ok = np.ones(len(X), bool)
        if self._known_fn is None or len(X) == 0:
            return ok
        vals = self._known_fn(X)
        for j, m in enumerate(self._budget_names):
            if m in vals:
                v = np.asarray(vals[m], np.float64)
                with np.errstate(invalid="ignore"):
                    ok &= (self._budget_values[j] - v) >= 0
        if "accepted" in vals:
            ok &= np.asarray(vals["accepted"], bool)
        return ok

    def _initial_design(self) -> list[np.ndarray]:
        s = self.settings
        space = self.space
        rows: list[np.ndarray] = []
        keys = _DesignKeys(space)
        if self._transfer is not None and s.transfer_init > 0 and s.n_init > 0:
            seeds = source_seeds(self._transfer, min(s.transfer_init, s.n_init))
            if len(seeds):
                seeds = seeds[self._known_ok(seeds)]
            for x in seeds:
                rows.append(x)
            keys.add(seeds)
        need = s.n_init - len(rows)
        if need <= 0:
            return rows[: s.n_init]
        if s.init_center:
            c = self._center()
            if c is not None and not keys.contains(c[None])[0]:
                rows.append(c)
                keys.add(c[None])
                need -= 1
        n_sobol = min(max(4 * s.n_init, 64), max(space.size, 1) * 4)
        cand = space.sobol(n_sobol, seed=self.seed)
        cand = cand[self._known_ok(cand)]
        for x in cand:
            if need == 0:
                break
            if not keys.contains(x[None])[0]:
                rows.append(x)
                keys.add(x[None])
                need -= 1
        if need > 0:  # small or heavily filtered space: top up uniformly
            rng = np.random.default_rng([self.seed, 7])
            extra = self._random_unseen(need, rng, exclude=keys)
            rows.extend(list(extra))
        return rows

    def _center(self) -> np.ndarray | None:
        """The centre of the space (middle choice of each ordered knob, a seeded random
        choice of each categorical one), or the admissible design nearest to it when a
        known-cheap constraint rules it out (None if no admissible design is found)."""
        space = self.space
        sizes = np.array([len(k.choices) for k in space.knobs], np.int64)
        rng = np.random.default_rng([self.seed, 5])
        c = (sizes - 1) // 2
        cat = np.zeros(len(sizes), bool)
        cat[self._cat_dims] = True
        c[cat] = rng.integers(0, sizes[cat])
        if self._known_ok(c[None])[0]:
            return c
        # nearest admissible: distance over ordered knobs in [0, 1], Hamming over the others
        pool = np.vstack([space.sample(4096, rng), space.neighbors(c)])
        pool = pool[self._known_ok(pool)]
        if len(pool) == 0:
            return None
        zc, zp = space.normalize(c[None])[0], space.normalize(pool)
        o = np.asarray(self._ord_dims, np.int64)
        dist = ((zp[:, o] - zc[o]) ** 2).sum(1) + (pool[:, cat] != c[cat]).sum(1)
        return pool[int(np.argmin(dist))]

    # ------------------------------------------------------------------ ask / tell
    def ask(self, n: int | None = None) -> np.ndarray:
        """Propose ``n`` (default ``batch_size``) new designs: ``n x n_knobs`` int64.

        Raises:
            AgentError: before ``setup``, a bad ``n``, or no unobserved design left.
        """
        if self.obs is None:
            raise AgentError("bo: call setup(scenario, seed) (or run) before ask")
        n = self.settings.batch_size if n is None else n
        if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
            raise AgentError(f"bo: ask(n) needs an integer n >= 1, got {n!r}")
        left = self.space.size - len(self._seen)
        if left <= 0:
            raise AgentError(f"bo: every one of the {self.space.size} designs has been proposed")
        n = int(min(n, left))
        step_seed = int(
            np.random.SeedSequence([self.seed, len(self.obs), self._n_asked]).generate_state(1)[0]
        )
        rng = np.random.default_rng(step_seed)
        out: list[np.ndarray] = []
        batch = _DesignKeys(self.space)
        while self._init_queue and len(out) < n:
            x = self._init_queue.pop(0)[None]
            if not self._seen.contains(x)[0] and not batch.contains(x)[0]:
                out.append(x[0])
                batch.add(x)
        if len(out) < n:
            with (
                torch_threads(self.settings.threads),
                torch.random.fork_rng(),
                warnings.catch_warnings(),
            ):
                torch.manual_seed(step_seed)
                _quiet_warnings()
                more = self._propose(
                    n - len(out), np.array(out, np.int64).reshape(-1, self._d), rng, step_seed
                )
            out.extend(list(more))
        X = np.array(out, np.int64).reshape(-1, self._d)
        self._seen.add(X)
        self._pending_rows.extend(list(X))
        if self._exhaustive:
            self._grid_seen[self.space.ravel(X)] = True
        self._n_asked += len(X)
        return X

    def tell(self, X: np.ndarray, results: Observations | Scores) -> None:
        """Learn from evaluated designs (feasible or not)."""
        results = self._as_observations(results)
        super().tell(X, results)
        X = np.asarray(results.X, np.int64).reshape(-1, self._d)
        self._seen.add(X)
        if self._exhaustive:
            self._grid_seen[self.space.ravel(X)] = True
        told = _DesignKeys(self.space)
        told.add(X)
        self._pending_rows = [r for r in self._pending_rows if not told.contains(r[None])[0]]

    # ------------------------------------------------------------------ proposal
    def _random_unseen(
        self,
        q: int,
        rng: np.random.Generator,
        exclude: _DesignKeys | None = None,
        filter_known: bool = True,
    ) -> np.ndarray:
        """``q`` distinct designs not seen (nor in ``exclude``), known-feasible if possible."""
        space = self.space
        if self._exhaustive:
            mask = ~self._grid_seen.copy()
            if exclude is not None and len(exclude):
                mask &= ~exclude.contains(self._grid)
            ok = mask & self._grid_ok if filter_known else mask
            idx = np.flatnonzero(ok if ok.any() else mask)
            pick = rng.permutation(idx)[:q]
            return self._grid[pick]
        out = np.zeros((0, self._d), np.int64)
        for attempt in range(20):
            cand = _unique_rows(space.sample(max(4 * q, 256), rng))
            bad = self._seen.contains(cand)
            if exclude is not None:
                bad |= exclude.contains(cand)
            if filter_known and attempt < 10:
                bad |= ~self._known_ok(cand)
            cand = cand[~bad]
            out = _unique_rows(np.vstack([out, cand]))
            if len(out) >= q:
                break
        return out[:q]

    def _propose(
        self, q: int, chosen: np.ndarray, rng: np.random.Generator, step_seed: int
    ) -> np.ndarray:
        """``q`` designs from the surrogates (random ones while too little is known)."""
        t0 = time.perf_counter()
        excl = _DesignKeys(self.space)
        excl.add(chosen)
        data = self._training_data()
        if data is None:
            return self._random_unseen(q, rng, exclude=excl)
        t_fit = 0.0
        cand = np.zeros((0, self._d), np.int64)
        try:
            models = self._fit_models(data)
            t_fit = time.perf_counter() - t0
            phase = "improvement" if data.feasible_any else "feasibility"
            screen = self._screen_fn(models, data, phase)
            cand, scores = self._search(screen, data, rng, excl)
            if len(cand) == 0:
                picks = self._random_unseen(q, rng, exclude=excl, filter_known=False)
            elif phase == "feasibility":
                picks = self._greedy_feasibility(q, models, data, cand, scores)
            else:
                pending = np.vstack(
                    [np.array(self._pending_rows, np.int64).reshape(-1, self._d), chosen]
                )
                picks = self._greedy_mc(q, models, data, cand, scores, pending, step_seed)
        except (NotPSDError, torch.linalg.LinAlgError, ModelFittingError) as exc:
            # a numerical failure of the surrogate must not end a long sweep
            warnings.warn(
                f"bo: surrogate failed ({type(exc).__name__}: {exc}); proposing random designs this step",
                RuntimeWarning,
                stacklevel=3,
            )
            phase = "fallback"
            picks = self._random_unseen(q, rng, exclude=excl)
        if len(picks) < q:  # shortlist ran out: fill with random unseen designs
            excl.add(picks)
            picks = np.vstack([picks, self._random_unseen(q - len(picks), rng, exclude=excl)])
        self.timings.append(
            {
                "n_obs": len(self.obs) if self.obs is not None else 0,
                "phase": phase,
                "fit_s": t_fit,
                "acq_s": time.perf_counter() - t0 - t_fit,
                "total_s": time.perf_counter() - t0,
                "candidates": int(len(cand)),
            }
        )
        return picks

    # ------------------------------------------------------------------ training data
    def _objective_transform(self, values: np.ndarray, ref: float | None) -> bool:
        """Whether an objective column is modelled as ``sign * log|y|``."""
        if self.settings.objective_transform == "none":
            return False
        v = values[np.isfinite(values)]
        if v.size < 2:
            return False
        if not ((v > 0).all() or (v < 0).all()):
            return False
        sign = 1.0 if v[0] > 0 else -1.0
        if ref is not None and not (sign * ref > 0 and math.isfinite(ref)):
            return False
        a = np.abs(v)
        return bool(a.max() >= 10 * a.min())

    @staticmethod
    def _apply_obj(values: np.ndarray, log: bool) -> np.ndarray:
        if not log:
            return values
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sign(values) * np.log(np.abs(values))

    def _slack_t(self, S: np.ndarray, R: np.ndarray) -> np.ndarray:
        """Transformed slacks (NaN where not finite), same shape as ``S``: ``bilog`` of the
        relative slacks ``R`` (the evaluation's ``slack / |budget|``), or the slacks ``S``."""
        V = R if self.settings.slack_transform == "bilog" else S
        with np.errstate(invalid="ignore"):
            T = np.where(np.isfinite(V), V, np.nan)
            if self.settings.slack_transform == "bilog":
                T = _bilog(T)
        return T

    def _impute(self, T: np.ndarray, ref_cols: np.ndarray | None = None) -> np.ndarray:
        """Replace NaN (rejected designs) by a value below every finite one, per column."""
        T = T.copy()
        pool = T if ref_cols is None else np.vstack([T, ref_cols])
        for j in range(T.shape[1]):
            col = pool[:, j]
            fin = col[np.isfinite(col)]
            if fin.size:
                lo = min(float(fin.min()), 0.0)
                spread = float(fin.max() - fin.min()) if fin.size > 1 else 1.0
                gap = 1.0 if self.settings.slack_transform == "bilog" else max(0.5 * spread, 1e-6)
            else:
                lo, gap = 0.0, 1.0
            T[~np.isfinite(T[:, j]), j] = lo - gap
        return T

    def _train_subset(self, obj: np.ndarray, feasible: np.ndarray) -> np.ndarray:
        n = len(obj)
        cap = self.settings.max_train
        if n <= cap:
            return np.arange(n)
        primary = np.where(np.isfinite(obj[:, 0]), obj[:, 0], -np.inf)
        order = np.lexsort((-primary, ~feasible))
        best = order[: cap // 2]
        rest = np.setdiff1d(np.arange(n), best)
        recent = rest[-(cap - len(best)) :]
        return np.sort(np.concatenate([best, recent]))

    def _training_data(self) -> _Data | None:
        """The outcomes to model, or ``None`` while fewer than 2 designs are observed."""
        obs = self.obs
        assert obs is not None
        if len(obs) < 2:
            return None
        k = self._k
        space = self.space
        td = self._transfer if self.settings.transfer_method == "multitask" else None
        if td is not None and len(td) == 0:
            td = None
        obj_all = np.where(np.isfinite(obs.objectives), obs.objectives, np.nan)
        finite_obj_all = np.all(np.isfinite(obj_all), axis=1)
        feas_all: np.ndarray = np.asarray(obs.feasible, dtype=bool) & finite_obj_all
        sub = self._train_subset(obj_all, feas_all)
        X = obs.X[sub]
        obj = obj_all[sub]
        finite_obj = finite_obj_all[sub]
        feasible = feas_all[sub]
        S = obs.slack[sub]
        assert obs.relative_slack is not None  # completed by tell
        R = obs.relative_slack[sub]
        Xn = torch.as_tensor(space.normalize(X), dtype=_DTYPE)
        # source rows (multi-task)
        if td is not None:
            src = self._source_subset(td)
            Xs = torch.as_tensor(space.normalize(td.X[src]), dtype=_DTYPE)
            obj_s, S_s = td.objectives[src], td.slack[src]
        # objective transforms
        obj_log = []
        for j in range(k):
            vals = obj[:, j] if td is None else np.concatenate([obj[:, j], obj_s[:, j]])
            ref = None if self._ref_point is None else float(self._ref_point[j])
            obj_log.append(self._objective_transform(vals, ref))
        outcomes: list[_Outcome] = []

        def add(
            name: str,
            rows: np.ndarray,
            y: np.ndarray,
            rows_s: np.ndarray | None,
            y_s: np.ndarray | None,
        ) -> None:
            Xt, yt = Xn[rows], torch.as_tensor(y[rows], dtype=_DTYPE).unsqueeze(-1)
            if (
                td is not None
                and rows_s is not None
                and y_s is not None
                and rows_s.any()
                and len(yt)
            ):
                t1 = torch.ones(len(Xt), 1, dtype=_DTYPE)
                Xsrc = Xs[torch.as_tensor(rows_s)]
                t0 = torch.zeros(len(Xsrc), 1, dtype=_DTYPE)
                XX = torch.cat([torch.cat([Xsrc, t0], -1), torch.cat([Xt, t1], -1)])
                yy = torch.cat([torch.as_tensor(y_s[rows_s], dtype=_DTYPE).unsqueeze(-1), yt])
                outcomes.append(_Outcome(name, XX, yy, True))
            else:
                outcomes.append(_Outcome(name, Xt, yt, False))

        for j in range(k):
            y = self._apply_obj(obj[:, j], obj_log[j])
            ys = None if td is None else self._apply_obj(obj_s[:, j], obj_log[j])
            rows_s = None if td is None else np.isfinite(obj_s).all(axis=1)
            if finite_obj.any():
                add(f"objective{j}", finite_obj, y, rows_s, ys)
            else:  # nothing evaluable yet: a flat placeholder (the feasibility phase ignores it)
                add(f"objective{j}", np.ones(len(X), bool), np.zeros(len(X)), None, None)
        m = S.shape[1]
        T = self._slack_t(S, R)
        if td is not None:
            Ts = self._slack_t(S_s, relative_slack(S_s, self._budget_values))
            has = [
                j < len(self._budget_names)
                and td.slack_source.get(self._budget_names[j], "missing") != "missing"
                for j in range(m)
            ]
            Ti = self._impute(T, Ts)
            Ts_i = self._impute(Ts, T)
        else:
            Ti = self._impute(T)
        constraint_idx = []
        all_rows = np.ones(len(X), bool)
        for j in range(m):
            constraint_idx.append(len(outcomes))
            name = f"slack_{self._budget_names[j]}" if j < len(self._budget_names) else f"slack{j}"
            if td is not None and has[j]:
                add(name, all_rows, Ti[:, j], np.ones(len(Ts_i), bool), Ts_i[:, j])
            else:
                add(name, all_rows, Ti[:, j], None, None)
        # infeasibility no slack explains (e.g. a rejected design with every budget met)
        with np.errstate(invalid="ignore"):
            explained = (~(S >= 0)).any(axis=1) if m else np.zeros(len(X), bool)
            ex_all = (~(obs.slack >= 0)).any(axis=1) if m else np.zeros(len(obs), bool)
        if self._known_fn is not None:  # designs the filter rules out need no model
            ex_all |= ~self._known_ok(obs.X)
            explained |= ~self._known_ok(X)
        unexplained_all = ~feas_all & ~ex_all
        if unexplained_all.any():
            label = np.where(~feasible & ~explained, -1.0, 1.0)
            constraint_idx.append(len(outcomes))
            add(_EXTRA_OUTCOME, all_rows, label, None, None)
        # improvement reference
        Yt = np.stack([self._apply_obj(obj[:, j], obj_log[j]) for j in range(k)], axis=1)
        feasible_any = bool(feasible.any())
        best_f = float(Yt[feasible, 0].max()) if feasible_any else -math.inf
        pareto_Y = ref_t = None
        if k > 1 and feasible_any:
            Yf = torch.as_tensor(Yt[feasible], dtype=_DTYPE)
            pareto_Y = Yf[is_non_dominated(Yf)]
            if self._ref_point is not None:
                ref_t = torch.as_tensor(
                    [
                        self._apply_obj(np.array([self._ref_point[j]]), obj_log[j])[0]
                        for j in range(k)
                    ],
                    dtype=_DTYPE,
                )
            else:
                ref_t = infer_reference_point(pareto_Y)
        anchors = self._anchors(X, Yt, feasible, Ti)
        return _Data(
            outcomes=outcomes,
            k=k,
            constraint_idx=constraint_idx,
            feasible_any=feasible_any,
            X_baseline=Xn[finite_obj] if finite_obj.any() else Xn,
            best_f=best_f,
            pareto_Y=pareto_Y,
            ref_point=ref_t,
            anchors=anchors,
            obj_log=obj_log,
        )

    def _source_subset(self, td: TransferData) -> np.ndarray:
        n = len(td)
        cap = self.settings.max_source
        if n <= cap:
            return np.arange(n)
        primary = np.where(np.isfinite(td.objectives[:, 0]), td.objectives[:, 0], -np.inf)
        order = np.lexsort((-primary, ~td.feasible))
        best = order[: cap // 2]
        rest = np.setdiff1d(np.arange(n), best)
        rng = np.random.default_rng([self.seed, 11])
        return np.sort(np.concatenate([best, rng.choice(rest, cap - len(best), replace=False)]))

    def _anchors(
        self, X: np.ndarray, Y: np.ndarray, feasible: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """The best observed designs, whose neighbours seed the candidate pool."""
        n_a = self.settings.local_starts
        if feasible.any():
            idx = np.flatnonzero(feasible)
            if self._k > 1:
                Yf = torch.as_tensor(Y[idx])
                nd = is_non_dominated(Yf).numpy()
                idx = np.concatenate(
                    [idx[nd], idx[~nd][np.argsort(-Y[idx[~nd], 0], kind="stable")]]
                )
            else:
                idx = idx[np.argsort(-Y[idx, 0], kind="stable")]
            return X[idx[:n_a]]
        viol = np.clip(-T, 0, None).sum(axis=1) if T.size else np.zeros(len(X))
        return X[np.argsort(viol, kind="stable")[:n_a]]

    # ------------------------------------------------------------------ models
    def _build_gp(self, oc: _Outcome) -> Any:
        d = self._d
        if oc.multitask:
            # BoTorch's default data kernel (RBF over every knob column, categorical knobs
            # by index): inside a MultiTaskGP the mixed kernel costs ~8x more to fit
            return MultiTaskGP(
                oc.X,
                oc.y,
                task_feature=d,
                output_tasks=[1],
                # pooled standardisation: the task means and covariance absorb the offsets
                # (StratifiedStandardize would need the task column at prediction time)
                outcome_transform=Standardize(m=1),
            )
        kernel = mixed_kernel(self._ord_dims, self._cat_dims)
        kw: dict[str, Any] = {} if kernel is None else {"covar_module": kernel}
        return SingleTaskGP(oc.X, oc.y, outcome_transform=Standardize(m=1), **kw)

    def _fit_models(self, data: _Data) -> list[Any]:
        s = self.settings
        n = len(self.obs) if self.obs is not None else 0
        models = []
        for oc in data.outcomes:
            gp = self._build_gp(oc)
            key = (oc.name, type(gp).__name__)
            cached = self._hyper.get(key)
            if cached is not None:
                try:
                    gp.load_state_dict(cached, strict=False)
                except RuntimeError:
                    cached = None
            last = self._last_fit.get(key)
            due = last is None or n - last >= max(s.refit_every, math.ceil(s.refit_growth * last))
            if cached is None or due:
                mll = ExactMarginalLogLikelihood(gp.likelihood, gp)
                maxiter = s.fit_maxiter if cached is None else s.refit_maxiter
                try:
                    fit_gpytorch_mll(
                        mll, optimizer_kwargs={"options": {"maxiter": maxiter}}, max_attempts=2
                    )
                except (ModelFittingError, NotPSDError, RuntimeError, ValueError):
                    if cached is not None:
                        gp.load_state_dict(cached, strict=False)
                self._hyper[key] = {
                    name: v.detach().clone()
                    for name, v in gp.state_dict().items()
                    if "outcome_transform" not in name
                }
                self._last_fit[key] = n
            gp.eval()
            models.append(gp)
        return models

    # ------------------------------------------------------------------ acquisition
    @staticmethod
    def _marginals(models: list[Any], Xn: Tensor) -> tuple[Tensor, Tensor]:
        """Posterior means and standard deviations ``N x n_outcomes`` (target task)."""
        means, sds = [], []
        for gp in models:
            pred = _PREDICTORS.get(gp)
            if pred is None:
                pred = _PREDICTORS[gp] = _Predictor(gp)
            mu, sd = pred(Xn)
            means.append(mu)
            sds.append(sd)
        return torch.stack(means, -1), torch.stack(sds, -1)

    def _screen_fn(
        self, models: list[Any], data: _Data, phase: str
    ) -> Callable[[np.ndarray], np.ndarray]:
        """The analytic proxy of the acquisition used to rank candidates (higher is better)."""
        cidx = data.constraint_idx
        cells = None
        if phase == "improvement" and data.k > 1:
            assert data.pareto_Y is not None and data.ref_point is not None
            part = FastNondominatedPartitioning(ref_point=data.ref_point, Y=data.pareto_Y)
            cells = part.get_hypercell_bounds()  # 2 x n_cells x k
            scale = float(
                (data.pareto_Y.max(0).values - data.ref_point).abs().prod().clamp_min(1e-12)
            )

        def screen(C: np.ndarray) -> np.ndarray:
            if len(C) == 0:
                return np.zeros(0)
            Xn = torch.as_tensor(self.space.normalize(C), dtype=_DTYPE)
            mu, sd = self._marginals(models, Xn)
            log_pof = (
                log_ndtr(mu[:, cidx] / sd[:, cidx]).sum(-1)
                if cidx
                else torch.zeros(len(C), dtype=_DTYPE)
            )
            if phase == "feasibility":
                return log_pof.numpy()
            if data.k == 1:
                u = (mu[:, 0] - data.best_f) / sd[:, 0]
                return (_log_ei_helper(u) + sd[:, 0].log() + log_pof).numpy()
            assert cells is not None
            opt = mu[:, : data.k] + sd[:, : data.k]
            lo, hi = cells[0], cells[1]
            vol = (torch.minimum(opt.unsqueeze(-2), hi) - lo).clamp_min(0).prod(-1).sum(-1)
            return ((vol / scale + 1e-9).log() + log_pof).numpy()

        return screen

    def _search(
        self,
        screen: Callable[[np.ndarray], np.ndarray],
        data: _Data,
        rng: np.random.Generator,
        excl: _DesignKeys,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Candidates (unseen, known-feasible when possible) and their screen scores."""
        s = self.settings
        if self._exhaustive:
            mask = ~self._grid_seen
            if len(excl):
                mask &= ~excl.contains(self._grid)
            ok = mask & self._grid_ok
            idx = np.flatnonzero(ok if ok.any() else mask)
            C = self._grid[idx]
            return C, screen(C)
        space = self.space
        pool = [space.sample(s.pool_size, rng)]
        for a in data.anchors:
            pool.append(space.neighbors(a))
        C = _unique_rows(np.vstack(pool))

        def admissible(Z: np.ndarray, known: bool = True) -> np.ndarray:
            bad = self._seen.contains(Z) | excl.contains(Z)
            if known:
                bad |= ~self._known_ok(Z)
            return Z[~bad]

        Ck = admissible(C)
        if len(Ck) == 0:
            Ck = admissible(C, known=False)
        C = Ck
        scores = screen(C)
        if len(C) == 0:
            return C, scores
        scored = _DesignKeys(space)
        scored.add(C)
        for _ in range(s.local_steps):
            top = np.argsort(-scores, kind="stable")[: s.local_starts]
            nb = _unique_rows(np.vstack([space.neighbors(C[t]) for t in top]))
            nb = nb[~scored.contains(nb)]
            scored.add(nb)
            nb = admissible(nb)
            if len(nb) == 0:
                break
            sn = screen(nb)
            floor = scores[top].min()
            C = np.vstack([C, nb])
            scores = np.concatenate([scores, sn])
            if not (sn > floor).any():
                break
        return C, scores

    def _greedy_feasibility(
        self, q: int, models: list[Any], data: _Data, C: np.ndarray, scores: np.ndarray
    ) -> np.ndarray:
        """Maximise the probability of feasibility; later batch members with kriging-believer
        fantasies of the constraint models at the earlier ones."""
        order = np.argsort(-scores, kind="stable")
        short = order[: max(self.settings.shortlist, q)]
        picks = [int(short[0])]
        if q == 1:
            return C[picks]
        cidx = data.constraint_idx
        cons = [models[i] for i in cidx]
        Xs = torch.as_tensor(self.space.normalize(C[short]), dtype=_DTYPE)
        taken = np.zeros(len(short), bool)
        taken[0] = True
        for _ in range(1, q):
            if taken.all():
                break
            xp = torch.as_tensor(self.space.normalize(C[picks]), dtype=_DTYPE)
            try:
                fant = []
                for gp, oc_i in zip(cons, cidx, strict=True):
                    with torch.no_grad():
                        ym = gp.posterior(xp).mean.reshape(-1, 1)
                    xin = xp
                    if data.outcomes[oc_i].multitask:
                        xin = torch.cat([xp, torch.ones(len(xp), 1, dtype=_DTYPE)], -1)
                    fant.append(gp.condition_on_observations(xin, ym))
                mu, sd = self._marginals(fant, Xs)
                val = log_ndtr(mu / sd).sum(-1).numpy()
            except Exception:  # noqa: BLE001 - conditioning unsupported: plain ranking
                val = -np.arange(len(short), dtype=float)
            val[taken] = -np.inf
            j = int(np.argmax(val))
            taken[j] = True
            picks.append(int(short[j]))
        return C[picks]

    def _mc_acquisition(
        self, models: list[Any], data: _Data, X_pending: Tensor | None, seed: int
    ) -> Any:
        model = ModelListGP(*models)
        sampler = SobolQMCNormalSampler(
            sample_shape=torch.Size([self.settings.num_mc_samples]), seed=seed
        )
        constraints = [slack_constraint(i) for i in data.constraint_idx] or None
        cache_root = supports_cache_root(model)
        if data.k == 1:
            return qLogNoisyExpectedImprovement(
                model=model,
                X_baseline=data.X_baseline,
                sampler=sampler,
                objective=GenericMCObjective(_first_outcome),
                constraints=constraints,
                X_pending=X_pending,
                prune_baseline=True,
                cache_root=cache_root,
            )
        assert data.ref_point is not None
        return qLogNoisyExpectedHypervolumeImprovement(
            model=model,
            ref_point=data.ref_point.tolist(),
            X_baseline=data.X_baseline,
            sampler=sampler,
            objective=IdentityMCMultiOutputObjective(outcomes=list(range(data.k))),
            constraints=constraints,
            X_pending=X_pending,
            prune_baseline=True,
            cache_root=cache_root,
        )

    def _greedy_mc(
        self,
        q: int,
        models: list[Any],
        data: _Data,
        C: np.ndarray,
        scores: np.ndarray,
        pending: np.ndarray,
        seed: int,
    ) -> np.ndarray:
        """Sequential greedy maximisation of the MC acquisition over the shortlist."""
        order = np.argsort(-scores, kind="stable")
        short = order[: max(self.settings.shortlist, q)]
        Xs = torch.as_tensor(self.space.normalize(C[short]), dtype=_DTYPE)
        taken = np.zeros(len(short), bool)
        picks: list[int] = []
        for _ in range(q):
            if taken.all():
                break
            rows = [pending] + ([C[picks]] if picks else [])
            P = np.vstack(rows)
            X_pending = torch.as_tensor(self.space.normalize(P), dtype=_DTYPE) if len(P) else None
            acq = self._mc_acquisition(models, data, X_pending, seed)
            with torch.no_grad():
                vals = torch.cat(
                    [
                        acq(Xs[i : i + _ACQ_CHUNK].unsqueeze(1))
                        for i in range(0, len(Xs), _ACQ_CHUNK)
                    ]
                ).numpy()
            vals = np.where(np.isfinite(vals), vals, -np.inf)
            vals[taken] = -np.inf
            if not np.isfinite(vals).any():  # degenerate acquisition: follow the screen
                vals = np.where(taken, -np.inf, -np.arange(len(short), dtype=float))
            j = int(np.argmax(vals))
            taken[j] = True
            picks.append(int(short[j]))
        return C[picks]

    # ------------------------------------------------------------------ description
    def describe(self) -> dict[str, Any]:
        """Settings, plus the model, the search, the filtered constraints and the transfer."""
        out = super().describe()
        out["model"] = (
            "SingleTaskGP per objective and per slack with MixedSingleTaskGP's kernel (RBF on "
            "ordered knobs, categorical kernel on categorical knobs), standardised outcomes"
            + (
                "; MultiTaskGP over source and target"
                if self._transfer is not None and self.settings.transfer_method == "multitask"
                else ""
            )
        )
        out["acquisition"] = "qLogNEHVI" if getattr(self, "_k", 1) > 1 else "qLogNEI"
        if self.space is not None:
            out["search"] = "exhaustive" if self._exhaustive else "pool + local search"
        out["filtered_constraints"] = list(self._filtered)
        out["known_constraints_from"] = self._known_origin or None
        out["transfer"] = (
            None
            if self._transfer is None
            else {"method": self.settings.transfer_method, **self._transfer.summary()}
        )
        return out


def _quiet_warnings() -> None:
    """Silence the numerical chatter of GP fitting inside a proposal (jitter added,
    iteration limit reached, baseline pruning), which says nothing actionable here."""
    from botorch.exceptions.warnings import BotorchWarning, InputDataWarning, OptimizationWarning
    from linear_operator.utils.warnings import NumericalWarning

    for cat in (NumericalWarning, OptimizationWarning, InputDataWarning, BotorchWarning):
        warnings.simplefilter("ignore", cat)
    warnings.filterwarnings("ignore", message=".*cache_root.*")
    warnings.filterwarnings("ignore", message=".*Sparse invariant checks.*")
