"""The Bayesian-optimisation agent (``make("bo")``): setup, the initial design, ask/tell and
the proposal loop that ties the training data (:mod:`.training_data`), the surrogates
(:mod:`.models`), the acquisition (:mod:`.acquisition`) and the discrete search
(:mod:`.discrete`) together. See :mod:`archgym.agents.bayesopt` for how it works."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch
from botorch.exceptions.errors import ModelFittingError
from linear_operator.utils.errors import NotPSDError
from torch import Tensor

from ..base import Agent, AgentError, AgentSettings, History, Observations, torch_threads
from ..problem import KnowsMetrics, Problem, Scores
from ..transfer_data import TransferData, prepare_transfer, source_seeds
from .acquisition import greedy_feasibility, greedy_mc, screen_fn
from .discrete import _DesignKeys, _unique_rows, local_search
from .models import _Data, fit_models
from .settings import BOSettings
from .training_data import TrainingDataBuilder

__all__ = ["BOAgent"]


def _known_metrics_fn(
    scenario: Problem,
) -> tuple[Callable[[np.ndarray], Mapping[str, np.ndarray]] | None, str]:
    """The scenario's ``known_metrics`` (:class:`~archgym.agents.problem.KnowsMetrics`:
    for archgym's scenarios, analytic area and the accelerator's acceptance checks) and
    its origin, or ``(None, "")`` when the problem knows nothing before evaluating."""
    if isinstance(scenario, KnowsMetrics) and callable(scenario.known_metrics):
        return scenario.known_metrics, "scenario.known_metrics"
    return None, ""


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
        self._data_builder = TrainingDataBuilder(
            settings=s,
            space=space,
            k=self._k,
            ref_point=self._ref_point,
            budget_names=self._budget_names,
            transfer=self._transfer,
            seed=self.seed,
            known_ok=self._known_ok if self._known_fn is not None else None,
        )
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
        n = self._ask_size(n)
        assert self.obs is not None
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
        _, results = self._record(X, results)
        X = np.asarray(results.X, np.int64).reshape(-1, self._d)
        self._seen.add(X)
        if self._exhaustive:
            self._grid_seen[self.space.ravel(X)] = True
        told = _DesignKeys(self.space)
        told.add(X)
        self._pending_rows = [r for r in self._pending_rows if not told.contains(r[None])[0]]

    # ------------------------------------------------------------------ proposal
    def _training_data(self) -> _Data | None:
        """What the surrogates are fitted to (:class:`~.training_data.TrainingDataBuilder`),
        or None while fewer than 2 designs are observed."""
        assert self.obs is not None
        return self._data_builder.build(self.obs)

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
        assert self.obs is not None
        data = self._training_data()
        if data is None:
            return self._random_unseen(q, rng, exclude=excl)
        t_fit = 0.0
        cand = np.zeros((0, self._d), np.int64)
        try:
            s = self.settings
            models = fit_models(
                data.outcomes,
                len(self.obs),
                self._hyper,
                self._last_fit,
                s,
                self._d,
                self._ord_dims,
                self._cat_dims,
            )
            t_fit = time.perf_counter() - t0
            phase = "improvement" if data.feasible_any else "feasibility"
            normalize = self.space.normalize
            screen = screen_fn(models, data, phase, normalize)
            cand, scores = self._search(screen, data, rng, excl)
            if len(cand) == 0:
                picks = self._random_unseen(q, rng, exclude=excl, filter_known=False)
            elif phase == "feasibility":
                picks = greedy_feasibility(q, models, data, cand, scores, s.shortlist, normalize)
            else:
                pending = np.vstack(
                    [np.array(self._pending_rows, np.int64).reshape(-1, self._d), chosen]
                )
                picks = greedy_mc(
                    q,
                    models,
                    data,
                    cand,
                    scores,
                    pending,
                    step_seed,
                    s.shortlist,
                    s.num_mc_samples,
                    normalize,
                )
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

    # ------------------------------------------------------------------ discrete search
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

        def admissible(Z: np.ndarray, known: bool = True) -> np.ndarray:
            bad = self._seen.contains(Z) | excl.contains(Z)
            if known:
                bad |= ~self._known_ok(Z)
            return Z[~bad]

        return local_search(
            self.space,
            screen,
            data.anchors,
            rng,
            admissible,
            s.pool_size,
            s.local_steps,
            s.local_starts,
        )

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
