"""The acquisition of :mod:`archgym.agents.bayesopt`: archgym's slack sign as BoTorch
constraints, the analytic screen that ranks many candidates, the Monte-Carlo acquisition
(qLogNEI / qLogNEHVI) and the sequential greedy batch selection over a shortlist."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from botorch.acquisition.analytic import _log_ei_helper
from botorch.acquisition.cached_cholesky import supports_cache_root
from botorch.acquisition.logei import qLogNoisyExpectedImprovement
from botorch.acquisition.multi_objective import logei as _botorch_mo_logei
from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement
from botorch.acquisition.multi_objective.objective import IdentityMCMultiOutputObjective
from botorch.acquisition.objective import GenericMCObjective
from botorch.models import ModelListGP
from botorch.sampling.normal import SobolQMCNormalSampler
from botorch.utils.multi_objective.box_decompositions.non_dominated import (
    FastNondominatedPartitioning,
)
from botorch.utils.probability.utils import log_ndtr
from torch import Tensor

from .models import _DTYPE, _Data, marginals

# BoTorch's qLogNEHVI JIT-compiles a fused C++ kernel with ``-march=native`` on first use
# (a compiler run at search time, a lock file in ~/.cache that a killed process leaves
# behind, and floating-point results that depend on the CPU). archgym keeps BoTorch's
# pure-PyTorch path, so a seed gives the same proposals on every machine.
_botorch_mo_logei._load_attempted = True

__all__ = [
    "slack_to_botorch",
    "slack_constraint",
    "screen_fn",
    "mc_acquisition",
    "greedy_feasibility",
    "greedy_mc",
]

_ACQ_CHUNK = 64  # candidates per Monte-Carlo acquisition call


# sign conventions: archgym slack (>= 0 feasible) -> BoTorch constraint (<= 0 feasible)


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


def screen_fn(
    models: list[Any], data: _Data, phase: str, normalize: Callable[[np.ndarray], np.ndarray]
) -> Callable[[np.ndarray], np.ndarray]:
    """The analytic proxy of the acquisition used to rank candidates (higher is better)."""
    cidx = data.constraint_idx
    cells = None
    if phase == "improvement" and data.k > 1:
        assert data.pareto_Y is not None and data.ref_point is not None
        part = FastNondominatedPartitioning(ref_point=data.ref_point, Y=data.pareto_Y)
        cells = part.get_hypercell_bounds()  # 2 x n_cells x k
        scale = float((data.pareto_Y.max(0).values - data.ref_point).abs().prod().clamp_min(1e-12))

    def screen(C: np.ndarray) -> np.ndarray:
        if len(C) == 0:
            return np.zeros(0)
        Xn = torch.as_tensor(normalize(C), dtype=_DTYPE)
        mu, sd = marginals(models, Xn)
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


def greedy_feasibility(
    q: int,
    models: list[Any],
    data: _Data,
    C: np.ndarray,
    scores: np.ndarray,
    shortlist: int,
    normalize: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """Maximise the probability of feasibility; later batch members with kriging-believer
    fantasies of the constraint models at the earlier ones."""
    order = np.argsort(-scores, kind="stable")
    short = order[: max(shortlist, q)]
    picks = [int(short[0])]
    if q == 1:
        return C[picks]
    cidx = data.constraint_idx
    cons = [models[i] for i in cidx]
    Xs = torch.as_tensor(normalize(C[short]), dtype=_DTYPE)
    taken = np.zeros(len(short), bool)
    taken[0] = True
    for _ in range(1, q):
        if taken.all():
            break
        xp = torch.as_tensor(normalize(C[picks]), dtype=_DTYPE)
        try:
            fant = []
            for gp, oc_i in zip(cons, cidx, strict=True):
                with torch.no_grad():
                    ym = gp.posterior(xp).mean.reshape(-1, 1)
                xin = xp
                if data.outcomes[oc_i].multitask:
                    xin = torch.cat([xp, torch.ones(len(xp), 1, dtype=_DTYPE)], -1)
                fant.append(gp.condition_on_observations(xin, ym))
            mu, sd = marginals(fant, Xs)
            val = log_ndtr(mu / sd).sum(-1).numpy()
        except Exception:  # noqa: BLE001 - conditioning unsupported: plain ranking
            val = -np.arange(len(short), dtype=float)
        val[taken] = -np.inf
        j = int(np.argmax(val))
        taken[j] = True
        picks.append(int(short[j]))
    return C[picks]


def mc_acquisition(
    models: list[Any], data: _Data, X_pending: Tensor | None, seed: int, num_mc_samples: int
) -> Any:
    """qLogNEI (one objective) or qLogNEHVI (several) with the slack GPs as constraints."""
    model = ModelListGP(*models)
    sampler = SobolQMCNormalSampler(sample_shape=torch.Size([num_mc_samples]), seed=seed)
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


def greedy_mc(
    q: int,
    models: list[Any],
    data: _Data,
    C: np.ndarray,
    scores: np.ndarray,
    pending: np.ndarray,
    seed: int,
    shortlist: int,
    num_mc_samples: int,
    normalize: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """Sequential greedy maximisation of the MC acquisition over the shortlist."""
    order = np.argsort(-scores, kind="stable")
    short = order[: max(shortlist, q)]
    Xs = torch.as_tensor(normalize(C[short]), dtype=_DTYPE)
    taken = np.zeros(len(short), bool)
    picks: list[int] = []
    for _ in range(q):
        if taken.all():
            break
        rows = [pending] + ([C[picks]] if picks else [])
        P = np.vstack(rows)
        X_pending = torch.as_tensor(normalize(P), dtype=_DTYPE) if len(P) else None
        acq = mc_acquisition(models, data, X_pending, seed, num_mc_samples)
        with torch.no_grad():
            vals = torch.cat(
                [acq(Xs[i : i + _ACQ_CHUNK].unsqueeze(1)) for i in range(0, len(Xs), _ACQ_CHUNK)]
            ).numpy()
        vals = np.where(np.isfinite(vals), vals, -np.inf)
        vals[taken] = -np.inf
        if not np.isfinite(vals).any():  # degenerate acquisition: follow the screen
            vals = np.where(taken, -np.inf, -np.arange(len(short), dtype=float))
        j = int(np.argmax(vals))
        taken[j] = True
        picks.append(int(short[j]))
    return C[picks]
