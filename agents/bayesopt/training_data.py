"""What BO's surrogates are fitted to: the told observations turned into modelled outcomes
(:class:`TrainingDataBuilder`), one GP each.

* **Rows.** At most ``max_train`` designs: the best half by feasibility then objective, and
  the most recent others; with ``transfer_method="multitask"`` at most ``max_source`` rows
  of the source run as a second task (task 0; the target is task 1).
* **Objectives** (maximised) keep their sign; one that keeps one sign and spans a decade is
  modelled as ``sign * log|y|`` (``objective_transform``). Fitted on the designs whose
  objectives are finite.
* **Slacks**: ``bilog`` of the evaluation's relative slacks (``slack_transform="bilog"``) or
  the slacks themselves; a rejected design (no finite value) gets a value below every
  observed one. Fitted on every design, feasible or not.
* **"valid"**: a +1/-1 label, only when some designs are infeasible for a reason no slack
  (nor the known-cheap filter) explains.
* The improvement reference (best feasible objective, or the Pareto front and reference
  point), and the **anchors** whose neighbours seed the candidate search.

See :mod:`archgym.agents.bayesopt` for how the agent uses them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from botorch.utils.multi_objective.hypervolume import infer_reference_point
from botorch.utils.multi_objective.pareto import is_non_dominated

from archgym.space import DesignSpace

from ..base import Observations
from ..transfer_data import TransferData
from .models import _DTYPE, _Data, _Outcome
from .settings import BOSettings

__all__ = ["TrainingDataBuilder", "bilog"]

_EXTRA_OUTCOME = "valid"


def bilog(x: np.ndarray) -> np.ndarray:
    """``sign(x) * log(1 + |x|)``: monotone, keeps the sign (the slacks' transform)."""
    return np.sign(x) * np.log1p(np.abs(x))


@dataclass
class TrainingDataBuilder:
    """Builds the :class:`~archgym.agents.bayesopt.models._Data` of one proposal from the
    agent's observations (:meth:`build`).

    Attributes:
        settings: the agent's settings (transforms, ``max_train``, ``max_source``,
            ``local_starts``, ``transfer_method``).
        space: the design space (inputs are ``space.normalize``'d choice indices).
        k: number of objectives.
        ref_point: ``(k,)`` hypervolume reference point (several objectives), or None.
        budget_names: the budgets, in slack order.
        transfer: the source run's data, or None.
        seed: the agent's seed (the source rows' subsample).
        known_ok: ``known_ok(X) -> (n,) bool``, whether designs pass the known-cheap
            constraints; None when nothing is filtered.
    """

    settings: BOSettings
    space: DesignSpace
    k: int
    ref_point: np.ndarray | None
    budget_names: list[str]
    transfer: TransferData | None
    seed: int
    known_ok: Callable[[np.ndarray], np.ndarray] | None = None

    def objective_transform(self, values: np.ndarray, ref: float | None) -> bool:
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
    def apply_obj(values: np.ndarray, log: bool) -> np.ndarray:
        if not log:
            return values
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sign(values) * np.log(np.abs(values))

    def slack_t(self, S: np.ndarray, R: np.ndarray) -> np.ndarray:
        """Transformed slacks (NaN where not finite), same shape as ``S``: ``bilog`` of the
        relative slacks ``R`` (the evaluation's ``slack / |budget|``), or the slacks ``S``."""
        V = R if self.settings.slack_transform == "bilog" else S
        with np.errstate(invalid="ignore"):
            T = np.where(np.isfinite(V), V, np.nan)
            if self.settings.slack_transform == "bilog":
                T = bilog(T)
        return T

    def impute(self, T: np.ndarray, ref_cols: np.ndarray | None = None) -> np.ndarray:
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

    def train_subset(self, obj: np.ndarray, feasible: np.ndarray) -> np.ndarray:
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

    def build(self, obs: Observations) -> _Data | None:
        """The outcomes to model, or ``None`` while fewer than 2 designs are observed."""
        if len(obs) < 2:
            return None
        k = self.k
        space = self.space
        td = self.transfer if self.settings.transfer_method == "multitask" else None
        if td is not None and len(td) == 0:
            td = None
        obj_all = np.where(np.isfinite(obs.objectives), obs.objectives, np.nan)
        finite_obj_all = np.all(np.isfinite(obj_all), axis=1)
        feas_all: np.ndarray = np.asarray(obs.feasible, dtype=bool) & finite_obj_all
        sub = self.train_subset(obj_all, feas_all)
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
            src = self.source_subset(td)
            Xs = torch.as_tensor(space.normalize(td.X[src]), dtype=_DTYPE)
            obj_s, S_s = td.objectives[src], td.slack[src]
            assert td.relative_slack is not None  # set by agents.transfer_data
            R_s = td.relative_slack[src]
        # objective transforms
        obj_log = []
        for j in range(k):
            vals = obj[:, j] if td is None else np.concatenate([obj[:, j], obj_s[:, j]])
            ref = None if self.ref_point is None else float(self.ref_point[j])
            obj_log.append(self.objective_transform(vals, ref))
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
            y = self.apply_obj(obj[:, j], obj_log[j])
            ys = None if td is None else self.apply_obj(obj_s[:, j], obj_log[j])
            rows_s = None if td is None else np.isfinite(obj_s).all(axis=1)
            if finite_obj.any():
                add(f"objective{j}", finite_obj, y, rows_s, ys)
            else:  # nothing evaluable yet: a flat placeholder (the feasibility phase ignores it)
                add(f"objective{j}", np.ones(len(X), bool), np.zeros(len(X)), None, None)
        m = S.shape[1]
        T = self.slack_t(S, R)
        if td is not None:
            Ts = self.slack_t(S_s, R_s)
            has = [
                j < len(self.budget_names)
                and td.slack_source.get(self.budget_names[j], "missing") != "missing"
                for j in range(m)
            ]
            Ti = self.impute(T, Ts)
            Ts_i = self.impute(Ts, T)
        else:
            Ti = self.impute(T)
        constraint_idx = []
        all_rows = np.ones(len(X), bool)
        for j in range(m):
            constraint_idx.append(len(outcomes))
            name = f"slack_{self.budget_names[j]}" if j < len(self.budget_names) else f"slack{j}"
            if td is not None and has[j]:
                add(name, all_rows, Ti[:, j], np.ones(len(Ts_i), bool), Ts_i[:, j])
            else:
                add(name, all_rows, Ti[:, j], None, None)
        # infeasibility no slack explains (e.g. a rejected design with every budget met)
        with np.errstate(invalid="ignore"):
            explained = (~(S >= 0)).any(axis=1) if m else np.zeros(len(X), bool)
            ex_all = (~(obs.slack >= 0)).any(axis=1) if m else np.zeros(len(obs), bool)
        if self.known_ok is not None:  # designs the filter rules out need no model
            ex_all |= ~self.known_ok(obs.X)
            explained |= ~self.known_ok(X)
        unexplained_all = ~feas_all & ~ex_all
        if unexplained_all.any():
            label = np.where(~feasible & ~explained, -1.0, 1.0)
            constraint_idx.append(len(outcomes))
            add(_EXTRA_OUTCOME, all_rows, label, None, None)
        # improvement reference
        Yt = np.stack([self.apply_obj(obj[:, j], obj_log[j]) for j in range(k)], axis=1)
        feasible_any = bool(feasible.any())
        best_f = float(Yt[feasible, 0].max()) if feasible_any else -math.inf
        pareto_Y = ref_t = None
        if k > 1 and feasible_any:
            Yf = torch.as_tensor(Yt[feasible], dtype=_DTYPE)
            pareto_Y = Yf[is_non_dominated(Yf)]
            if self.ref_point is not None:
                ref_t = torch.as_tensor(
                    [
                        self.apply_obj(np.array([self.ref_point[j]]), obj_log[j])[0]
                        for j in range(k)
                    ],
                    dtype=_DTYPE,
                )
            else:
                ref_t = infer_reference_point(pareto_Y)
        anchors = self.anchors(X, Yt, feasible, Ti)
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

    def source_subset(self, td: TransferData) -> np.ndarray:
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

    def anchors(
        self, X: np.ndarray, Y: np.ndarray, feasible: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """The best observed designs, whose neighbours seed the candidate pool."""
        n_a = self.settings.local_starts
        if feasible.any():
            idx = np.flatnonzero(feasible)
            if self.k > 1:
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
