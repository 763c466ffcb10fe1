"""The surrogates of :mod:`archgym.agents.bayesopt`: the mixed kernel, the modelled
outcomes, building and fitting the GPs (hyperparameters carried over between fits), and
fast marginal posteriors for screening many candidates."""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from botorch.exceptions.errors import ModelFittingError
from botorch.fit import fit_gpytorch_mll
from botorch.models import MultiTaskGP, SingleTaskGP
from botorch.models.kernels.categorical import CategoricalKernel
from botorch.models.transforms.outcome import Standardize
from botorch.models.utils.gpytorch_modules import get_covar_module_with_dim_scaled_prior
from gpytorch.constraints import GreaterThan
from gpytorch.kernels import Kernel, ScaleKernel
from gpytorch.mlls import ExactMarginalLogLikelihood
from linear_operator.utils.errors import NotPSDError
from torch import Tensor

__all__ = ["mixed_kernel", "build_gp", "fit_models", "marginals"]

_DTYPE = torch.double
_CHUNK = 2048  # candidates per posterior call
_PREDICTORS: weakref.WeakKeyDictionary[Any, _Predictor] = weakref.WeakKeyDictionary()
"""Fast marginal predictors of the live models (dropped with their model)."""


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


def build_gp(oc: _Outcome, d: int, ord_dims: list[int], cat_dims: list[int]) -> Any:
    """The GP of one outcome: ``MultiTaskGP`` over source and target (task column ``d``)
    or ``SingleTaskGP`` with the mixed kernel; standardised outcomes."""
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
    kernel = mixed_kernel(ord_dims, cat_dims)
    kw: dict[str, Any] = {} if kernel is None else {"covar_module": kernel}
    return SingleTaskGP(oc.X, oc.y, outcome_transform=Standardize(m=1), **kw)


def fit_models(
    outcomes: list[_Outcome],
    n: int,
    hyper: dict[tuple[str, str], dict[str, Tensor]],
    last_fit: dict[tuple[str, str], int],
    settings: Any,
    d: int,
    ord_dims: list[int],
    cat_dims: list[int],
) -> list[Any]:
    """Build every outcome's GP, re-optimising hyperparameters only when due.

    Args:
        outcomes: the modelled outcomes.
        n: observations so far.
        hyper: outcome key -> last hyperparameters (updated in place).
        last_fit: outcome key -> ``n`` at its last fit (updated in place).
        settings: the agent's ``BOSettings`` (``refit_every``, ``refit_growth``,
            ``fit_maxiter``, ``refit_maxiter``).
        d, ord_dims, cat_dims: see :func:`build_gp`.

    Returns:
        The GPs, in eval mode, one per outcome.
    """
    s = settings
    models = []
    for oc in outcomes:
        gp = build_gp(oc, d, ord_dims, cat_dims)
        key = (oc.name, type(gp).__name__)
        cached = hyper.get(key)
        if cached is not None:
            try:
                gp.load_state_dict(cached, strict=False)
            except RuntimeError:
                cached = None
        last = last_fit.get(key)
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
            hyper[key] = {
                name: v.detach().clone()
                for name, v in gp.state_dict().items()
                if "outcome_transform" not in name
            }
            last_fit[key] = n
        gp.eval()
        models.append(gp)
    return models


def marginals(models: list[Any], Xn: Tensor) -> tuple[Tensor, Tensor]:
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
