"""The :class:`Scenario`: one co-design problem, evaluated a batch at a time.

A scenario is a design space (hardware knobs of the accelerator template, network knobs
of a neural search space, or both) x one or more workloads x an objective x budgets on
area, latency and energy. It is modelled on BoTorch's test problems: it declares its
dimension (:attr:`Scenario.dim`), bounds, variable kinds, number of objectives and
constraints and, for multi-objective scenarios, a reference point; and it evaluates a
whole batch of designs in one vectorised call to the cost model.

The pieces it is made of, one module each: the hardware half
(:mod:`archgym.scenarios.hardware`), the network half (:mod:`archgym.scenarios.networks`),
the metrics of a batch (:mod:`archgym.scenarios.metrics`: fixed workloads, cost-model
calls, metric columns), its document form (:mod:`archgym.scenarios.documents`: to/from
dict and YAML) and scoring. Scoring (objectives, slacks, relative slacks, violation,
feasibility, reward) and its sign conventions live in :mod:`archgym.scenarios.evaluation`: the objective is MAXIMISED,
``slack = budget - value`` is ``>= 0`` when feasible. :meth:`Scenario.evaluate` returns an
:class:`~archgym.scenarios.evaluation.Evaluation` carrying them as arrays.

A hardware design the accelerator rejects (a memory too small to hold one tile: the
vectorised form of ``AcceleratorConfig``'s checks) is an infeasible row with
``latency_ms = energy_mj = inf`` (so minimised objectives are ``-inf``) and a ``reason``;
it never raises. Malformed input (an unknown knob, an out-of-range index) raises
:class:`~archgym.space.SpaceError` naming the knob and its allowed values.

Example::

    sc = Scenario(
        {"rows": [16, 32, 64], "cols": [16, 32, 64], "dataflow": ["os", "ws", "is"]},
        workloads="mobilenet_v2", objective="latency_ms", budgets={"area_mm2": 20},
    )
    ev = sc.evaluate(sc.sample(4, seed=0))          # one vectorised cost-model call
    ev.to_frame()[["rows", "cols", "latency_ms", "area_mm2", "objective", "feasible"]]
    sc.enumerate().best_design                      # the exact optimum (cached on disk)
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np

from archgym.costmodel import WorkloadTable, area_mm2
from archgym.space import DesignSpace, SpaceError

from .documents import ScenarioDocument
from .evaluation import (  # BUDGET_METRICS re-exported at its old place
    BUDGET_METRICS,
    METRICS,
    REJECTED_VIOLATION,
    Evaluation,
    metric_name,
    score,
)
from .hardware import HARDWARE_FIELDS, HardwareSpace, ScenarioError, _space_from_spec
from .metrics import AGGREGATES, hardware_metrics, load_workloads, metric_columns
from .networks import NetworkSpace, network_from_spec

if TYPE_CHECKING:
    from .enumeration import EnumerationResult

__all__ = [
    "Scenario",
    "Evaluation",
    "ScenarioError",
    "HardwareSpace",
    "HARDWARE_FIELDS",
    "METRICS",
    "BUDGET_METRICS",
    "REJECTED_VIOLATION",
]


class Scenario(ScenarioDocument):
    """A co-design problem: design space x workloads x objective x budgets.

    Args:
        hardware: hardware knobs: a :class:`~archgym.space.DesignSpace`, a mapping of
            accelerator field -> list of choices (``{"rows": [16, 32, 64], "dataflow":
            ["os", "ws"]}``), or a document ``{"base": ..., "knobs": [...]}``. Knob names
            are :data:`HARDWARE_FIELDS`; ``None`` for a network-only search on ``base``.
        network: ``None`` (hardware only), ``"nb201"``, ``"mobilenet"``,
            ``"accel_nasbench"``, a mapping ``{"kind": ..., options}`` (NB201: ``dataset``,
            ``restrict``; MobileNet: ``oracle``, ``oracle_options``, ``restrict``,
            ``num_classes``; Accel-NASBench: ``oracle``, ``restrict``, ``input_size``; all:
            ``batch``) or a :class:`~archgym.scenarios.networks.NetworkSpace`.
        workloads: hardware-only scenarios: a zoo name, a mapping ``{"name": ...,
            options}`` or a list of them (several: metrics aggregated with ``aggregate``).
        objective: a metric (``"latency_ms"``, ``"energy_mj"``, ``"area_mm2"``,
            ``"accuracy"``, ``"utilization"``, ``"throughput"``; aliases ``latency``,
            ``energy``, ``area``)
            or a list of them (multi-objective). Minimised metrics enter negated: the
            objective is always MAXIMISED. Default: ``"accuracy"`` with a network, else
            ``"latency_ms"``.
        budgets: upper bounds ``{metric: value}`` on ``area_mm2``, ``latency_ms``,
            ``energy_mj``; a floor on ``throughput`` (inferences per second).
        base: accelerator preset (or ``{"preset": ..., field: value}``) giving the fields
            that are not knobs.
        aggregate: with several workloads, how ``latency_ms`` and ``energy_mj`` combine
            the per-workload values: ``"geomean"`` (default), ``"mean"``, ``"max"``,
            ``"sum"``.
        weights: multi-objective only: the scalar ``objective`` is the weighted sum of
            the objectives (default: the first objective).
        ref_point: multi-objective only: hypervolume reference point in objective
            (maximised) space; default: ``-budget`` for budgeted minimised metrics, 0 for
            accuracy, else estimated from a fixed random sample.
        mode: cost-model mode, ``"default"`` or ``"scalesim"``.
        id: identifier (default ``"custom-<hash>"``).
        description: one line (or a few) saying what the scenario is.
        batch: images per inference call, for every workload (fixed workloads that set
            their own ``batch`` keep it) or the network space. Latency and energy are per
            call; ``throughput`` is ``batch / latency``. Default 1.

    Raises:
        ScenarioError: a malformed definition; SpaceError: a bad knob.
    """

    #: Largest space :meth:`enumerate` accepts.
    max_enumerable: int = 10**7

    def __init__(
        self,
        hardware: Any = None,
        *,
        network: Any = None,
        workloads: Any = None,
        objective: str | Sequence[str] | None = None,
        budgets: Mapping[str, float] | None = None,
        base: str | Mapping[str, Any] = "edgetpu",
        aggregate: str = "geomean",
        weights: Sequence[float] | None = None,
        ref_point: Sequence[float] | None = None,
        mode: str = "default",
        id: str | None = None,
        description: str = "",
        batch: int = 1,
    ) -> None:
        if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
            raise ScenarioError(f"batch must be a positive integer, got {batch!r}")
        self.batch = int(batch)
        if isinstance(hardware, Mapping) and ("base" in hardware or "knobs" in hardware):
            extra = sorted(set(hardware) - {"base", "knobs"})
            if extra:
                raise ScenarioError(f"hardware: unknown field(s) {extra}; fields: 'base', 'knobs'")
            base = hardware.get("base", base)
            hardware = {"knobs": hardware["knobs"]} if "knobs" in hardware else None
        self.hardware = HardwareSpace(_space_from_spec(hardware, "hardware"), base)
        self.network: NetworkSpace | None = network_from_spec(network, batch=self.batch)
        if self.hardware.space is None and self.network is None:
            raise ScenarioError("a scenario needs hardware knobs, a network space, or both")
        # --- workloads ----------------------------------------------------------------------
        if self.network is not None:
            if workloads is not None:
                raise ScenarioError(
                    "a scenario with a network space gets its workload from the network; drop 'workloads'"
                )
            self._workload_docs: list[Any] = []
            self.workload_labels: tuple[str, ...] = ()
            self._table: WorkloadTable | None = None
        else:
            self.workload_labels, self._workload_docs, self._table = load_workloads(
                workloads, self.batch
            )
        if aggregate not in AGGREGATES:
            raise ScenarioError(
                f"unknown aggregate {aggregate!r}; choose one of {list(AGGREGATES)}"
            )
        self.aggregate = aggregate
        if mode not in ("default", "scalesim"):
            raise ScenarioError(f"mode must be 'default' or 'scalesim', got {mode!r}")
        self.mode = cast(Literal["default", "scalesim"], mode)  # checked just above
        # --- space -------------------------------------------------------------------------
        parts = [
            s
            for s in (self.hardware.space, self.network.space if self.network else None)
            if s is not None
        ]
        self.space: DesignSpace = parts[0] if len(parts) == 1 else parts[0].product(parts[1])
        self._n_hw = self.hardware.n_knobs
        # --- objective and budgets -------------------------------------------------------
        metrics = [m for m in METRICS if m != "accuracy" or self.network is not None]
        if objective is None:
            objective = "accuracy" if self.network is not None else "latency_ms"
        objs = [objective] if isinstance(objective, str) else list(objective)
        if not objs:
            raise ScenarioError("objective is empty")
        self.objective_names: tuple[str, ...] = tuple(
            metric_name(m, metrics, "objective metric") for m in objs
        )
        if len(set(self.objective_names)) != len(self.objective_names):
            raise ScenarioError(f"duplicate objective metric in {list(self.objective_names)}")
        self.budgets: dict[str, float] = {}
        for m, v in (budgets or {}).items():
            key = metric_name(m, BUDGET_METRICS, "budget metric")
            if v is None:
                continue
            if (
                isinstance(v, bool)
                or not isinstance(v, (int, float, np.integer, np.floating))
                or not v > 0
                or not math.isfinite(v)
            ):
                raise ScenarioError(f"budget {key} must be a finite number > 0, got {v!r}")
            self.budgets[key] = float(v)
        if weights is not None:
            w = [float(x) for x in weights]
            if len(w) != len(self.objective_names):
                raise ScenarioError(
                    f"weights: {len(w)} values for {len(self.objective_names)} objectives"
                )
            self.weights: tuple[float, ...] | None = tuple(w)
        else:
            self.weights = None
        self._ref_point = None if ref_point is None else np.asarray(ref_point, np.float64)
        if self._ref_point is not None and self._ref_point.shape != (len(self.objective_names),):
            raise ScenarioError(
                f"ref_point must have {len(self.objective_names)} values, got {list(self._ref_point)}"
            )
        self.description = str(description or "").strip()
        self.id = ""
        self.id = str(id) if id else f"custom-{self.definition_hash()[:8]}"
        self._cache: dict[str, Any] = {}

    # ------------------------------------------------------------------ BoTorch-style attributes
    @property
    def dim(self) -> int:
        """Number of knobs (columns of an index array)."""
        return self.space.n_knobs

    @property
    def n_knobs(self) -> int:
        return self.space.n_knobs

    @property
    def bounds(self) -> np.ndarray:
        """``2 x dim`` float64 bounds in index space: row 0 zeros, row 1 ``size_k - 1``."""
        return np.stack([np.zeros(self.dim), self.space.sizes - 1.0]).astype(np.float64)

    @property
    def discrete_inds(self) -> list[int]:
        """Columns of ordered knobs (integer-valued, neighbours are close)."""
        return self.space.ordered_dims()

    @property
    def categorical_inds(self) -> list[int]:
        """Columns of categorical knobs."""
        return self.space.categorical_dims()

    @property
    def continuous_inds(self) -> list[int]:
        """Always empty: every knob is discrete."""
        return []

    @property
    def num_objectives(self) -> int:
        return len(self.objective_names)

    @property
    def is_multi_objective(self) -> bool:
        return self.num_objectives > 1

    @property
    def num_constraints(self) -> int:
        """Number of budgets (columns of :meth:`evaluate_slack`)."""
        return len(self.budgets)

    @property
    def constraint_names(self) -> list[str]:
        return [f"slack_{m}" for m in self.budgets]

    @property
    def objective_columns(self) -> list[str]:
        """:class:`Evaluation` columns of the maximised objectives: ``["objective"]`` for one
        objective, ``objective_<metric>`` for each of several."""
        if self.is_multi_objective:
            return [f"objective_{m}" for m in self.objective_names]
        return ["objective"]

    @property
    def objective_signs(self) -> np.ndarray:
        """+1 for maximised metrics, -1 for minimised ones (``objective = sign * metric``)."""
        return np.array([METRICS[m] for m in self.objective_names], np.float64)

    @property
    def ref_point(self) -> np.ndarray | None:
        """Hypervolume reference point in objective (maximised) space, multi-objective only."""
        if not self.is_multi_objective:
            return self._ref_point
        if self._ref_point is not None:
            return self._ref_point
        if "ref_point" not in self._cache:
            self._cache["ref_point"] = self._default_ref_point()
        return self._cache["ref_point"]

    def _default_ref_point(self) -> np.ndarray:
        ref = np.full(self.num_objectives, np.nan)
        for j, m in enumerate(self.objective_names):
            if m == "accuracy":
                ref[j] = 0.0
            elif METRICS[m] < 0 and m in self.budgets:
                ref[j] = -self.budgets[m]
            elif m == "throughput" and m in self.budgets:
                ref[j] = self.budgets[m]
        if np.isnan(ref).any():
            ev = self.evaluate(self.space.sample(512, seed=0))
            F = ev.objectives[ev.feasible] if ev.feasible.any() else ev.objectives
            F = np.where(np.isfinite(F), F, np.nan)
            lo, hi = np.nanmin(F, axis=0), np.nanmax(F, axis=0)
            est = lo - 0.1 * (hi - lo)
            ref = np.where(np.isnan(ref), est, ref)
        return ref

    @property
    def size(self) -> int:
        """Number of designs."""
        return self.space.size

    @property
    def enumerable(self) -> bool:
        """Whether :meth:`enumerate` can evaluate every design (<= :attr:`max_enumerable`)."""
        return (
            self.network is None or self.network.enumerable
        ) and self.size <= self.max_enumerable

    @property
    def knob_names(self) -> list[str]:
        return self.space.names

    @property
    def hardware_knobs(self) -> list[str]:
        return self.hardware.space.names if self.hardware.space is not None else []

    @property
    def network_knobs(self) -> list[str]:
        return self.network.space.names if self.network is not None else []

    @property
    def workloads(self) -> tuple[str, ...]:
        """Labels of the fixed workloads (empty for NAS scenarios)."""
        return self.workload_labels

    @property
    def workload_table(self) -> WorkloadTable | None:
        """The fixed workloads as one :class:`~archgym.costmodel.WorkloadTable` (in the
        order of :attr:`workloads`), or ``None`` for a scenario with a network space (its
        workloads come from :meth:`NetworkSpace.workloads`)."""
        return self._table

    # ------------------------------------------------------------------ evaluation
    def _as_indices(self, designs: Any) -> np.ndarray:
        """Any accepted design form as a validated ``batch x dim`` int64 array."""
        import pandas as pd

        if isinstance(designs, Mapping):
            return self.space.encode(designs)[None, :]
        if isinstance(designs, pd.DataFrame):
            missing = [n for n in self.space.names if n not in designs.columns]
            if missing:
                raise SpaceError(
                    f"designs frame: missing knob column(s) {missing}; knobs: {', '.join(self.space.names)}"
                )
            return self.space.encode_batch(designs[self.space.names])
        if isinstance(designs, (list, tuple)) and designs and isinstance(designs[0], Mapping):
            return self.space.encode_batch(designs)
        if isinstance(designs, (list, tuple)) and not designs:
            return np.zeros((0, self.dim), np.int64)
        arr = self.space.validate(designs)
        return arr[None, :] if arr.ndim == 1 else arr

    @property
    def best_known(self) -> dict[str, Any] | None:
        """The best-known reference optimum of a catalog scenario that cannot be enumerated
        (``archgym.scenarios.catalog.best_known``), or ``None``. Regret against it is
        regret against the best value found, labelled best-known."""
        from .catalog import best_known

        return best_known(self.id)

    def evaluate(self, designs: Any) -> Evaluation:
        """Evaluate a batch of designs in one vectorised cost-model call.

        Args:
            designs: a ``batch x dim`` int64 array of choice indices (or one ``dim``
                index vector), a list of dicts of named values, one such dict, or a
                DataFrame with one column per knob.

        Returns:
            An :class:`Evaluation` with one row per design (see its columns). The
            ``objective`` column is MAXIMISED (``-latency_ms`` for "minimise latency").

        Raises:
            SpaceError: an unknown knob, a missing knob, an unknown value or an index out
                of range (the message names the knob and its allowed values).
        """
        X = self._as_indices(designs)
        data, aux = self._evaluate_indices(X)
        return Evaluation(self, X, data, aux)

    def __call__(self, designs: Any) -> np.ndarray:
        """``batch x num_objectives`` objectives (maximised), like a BoTorch problem's forward."""
        return self.evaluate(designs).objectives

    def evaluate_slack(self, designs: Any) -> np.ndarray:
        """``batch x num_constraints`` slacks, ``budget - value`` in the order of
        :attr:`budgets`; a design is feasible iff every slack is ``>= 0`` (and the
        accelerator accepts it: rejected designs have ``-inf`` latency/energy slacks)."""
        return self.evaluate(designs).slack

    def is_feasible(self, designs: Any) -> np.ndarray:
        """``(batch,)`` bool: every budget holds and the accelerator accepts the design."""
        return self.evaluate(designs).feasible

    def known_metrics(self, designs: Any) -> dict[str, np.ndarray]:
        """What is known about designs without running the cost model (cheap, for agents
        that filter candidates): ``area_mm2`` (analytic) and ``accepted`` (the
        accelerator's vectorised acceptance checks), each of shape ``(batch,)``."""
        X = self._as_indices(designs)
        n = X.shape[0]
        cfg = self.hardware.arrays(X[:, : self._n_hw])
        code, _, _ = HardwareSpace.check(cfg, n)
        return {"area_mm2": area_mm2(self.hardware.batch(cfg, n)), "accepted": code == 0}

    def _evaluate_indices(self, X: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        Xh, Xn = X[:, : self._n_hw], X[:, self._n_hw :]
        if self.network is not None:
            table, rows = self.network.workloads(Xn)
            accuracy: np.ndarray | None = self.network.accuracy(Xn)
        else:
            assert self._table is not None
            table, rows, accuracy = self._table, None, None
        hw, aux = hardware_metrics(self.hardware, Xh, table, rows, self.mode)
        data = {k.name: k.array[X[:, j]] for j, k in enumerate(self.space.knobs)}
        data, aux["code"] = self.score_metrics(hw, accuracy, aux["code"], data)
        return data, aux

    def score_metrics(
        self,
        metrics: Mapping[str, np.ndarray],
        accuracy: np.ndarray | None,
        code: np.ndarray,
        data: dict[str, np.ndarray] | None = None,
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The columns of an :class:`Evaluation` of a batch from its per-workload metrics.

        The one path from metrics to scores: :meth:`evaluate` and the exhaustive
        enumeration both call it. The metric columns are
        :func:`~archgym.scenarios.metrics.metric_columns` (aggregated with this
        scenario's ``aggregate`` over its workloads); the scores are
        :func:`~archgym.scenarios.evaluation.score` (its objectives, budgets, weights).

        Args:
            metrics: ``n x W`` ``latency_ms``, ``energy_mj``, ``utilization``,
                ``throughput`` and ``(n,)`` ``area_mm2``
                (:func:`~archgym.scenarios.metrics.hardware_metrics`).
            accuracy: ``(n,)`` accuracies (network scenarios), else ``None``.
            code: ``(n,)`` int64 acceptance codes of the hardware (0 accepted).
            data: columns to put first (the knob values); default none.

        Returns:
            ``(columns, reason_codes)``: every column by name, each ``(n,)``, and the
            ``(n,)`` int64 codes of why each design is infeasible (0 when feasible).
        """
        data = metric_columns(
            {} if data is None else data, metrics, accuracy, self.workload_labels, self.aggregate
        )
        return data, score(data, code, self.objective_names, self.budgets, self.weights)

    # ------------------------------------------------------------------ sampling, helpers
    def sample(self, n: int, seed: Any = None) -> np.ndarray:
        """``n x dim`` random designs (uniform over the space, with replacement)."""
        return self.space.sample(n, seed)

    def decode(self, designs: Any) -> list[dict[str, Any]]:
        """Named values of a batch of designs."""
        return self.space.decode_batch(self._as_indices(designs))

    def reference_sample(self, n: int = 256, seed: int = 0) -> Evaluation:
        """The evaluation of ``n`` random designs drawn with a fixed seed (cached): the
        reference that scales rewards, penalties and observations in the environments."""
        key = f"reference-{n}-{seed}"
        if key not in self._cache:
            self._cache[key] = self.evaluate(self.space.sample(n, seed))
        return self._cache[key]

    @staticmethod
    def _range(values: np.ndarray, feasible: np.ndarray) -> tuple[float, float]:
        vals = values[feasible & np.isfinite(values)]
        if vals.size < 2:
            vals = values[np.isfinite(values)]
        lo, hi = (float(vals.min()), float(vals.max())) if vals.size else (0.0, 1.0)
        if not hi > lo:
            pad = max(abs(lo), 1.0) * 0.1
            lo, hi = lo - pad, hi + pad
        return lo, hi

    def objective_range(self, n: int = 256, seed: int = 0) -> tuple[float, float]:
        """``(low, high)`` of the scalar objective over the feasible designs of
        :meth:`reference_sample` (all finite values if fewer than 2 are feasible)."""
        ev = self.reference_sample(n, seed)
        return self._range(ev.objective, ev.feasible)

    def objective_ranges(self, n: int = 256, seed: int = 0) -> np.ndarray:
        """``num_objectives x 2`` array: :meth:`objective_range` of every objective."""
        ev = self.reference_sample(n, seed)
        F = ev.objectives
        return np.array([self._range(F[:, j], ev.feasible) for j in range(F.shape[1])], np.float64)

    # ------------------------------------------------------------------ enumeration
    def enumerate(
        self,
        batch_size: int = 32768,
        cache: bool = True,
        cache_dir: str | os.PathLike[str] | None = None,
        progress: bool = False,
    ) -> EnumerationResult:
        """Evaluate every design and return the exact optimum (and Pareto front).

        See :func:`archgym.scenarios.enumeration.enumerate_scenario`.

        Raises:
            ScenarioError: the scenario is not enumerable.
        """
        from .enumeration import enumerate_scenario

        return enumerate_scenario(
            self, batch_size=batch_size, cache=cache, cache_dir=cache_dir, progress=progress
        )

    # documents (to_dict, from_dict, YAML, definition_hash): ScenarioDocument, documents.py

    # ------------------------------------------------------------------ display
    def summary(self) -> dict[str, Any]:
        """id, size, knobs, objective, budgets, enumerable (what ``archgym scenarios`` lists)."""
        return {
            "id": self.id,
            "size": self.size,
            "n_knobs": self.dim,
            "knobs": self.space.names,
            "objective": list(self.objective_names),
            "budgets": dict(self.budgets),
            "enumerable": self.enumerable,
            "description": self.description,
        }

    def describe(self) -> str:
        """A readable multi-line description."""
        obj = ", ".join(
            ("maximise " if METRICS[m] > 0 else "minimise ") + m for m in self.objective_names
        )
        lines = [
            f"Scenario {self.id!r}: {self.description}"
            if self.description
            else f"Scenario {self.id!r}"
        ]
        lines.append(
            f"  designs     {self.size:,} ({self.dim} knobs; enumerable: {self.enumerable})"
        )
        if self.hardware.space is not None:
            lines.append(
                f"  hardware    {', '.join(self.hardware_knobs)} on base {self.hardware.base_doc}"
            )
        if self.network is not None:
            lines.append(f"  network     {self.network.describe()}")
        else:
            agg = f" ({self.aggregate})" if len(self.workload_labels) > 1 else ""
            lines.append(f"  workloads   {', '.join(self.workload_labels)}{agg}")
        lines.append(f"  objective   {obj} (the objective column is maximised)")
        budgets = (
            ", ".join(
                f"{m} {'>=' if METRICS[m] > 0 else '<='} {v:g}" for m, v in self.budgets.items()
            )
            or "none"
        )
        if self.batch != 1:
            lines.append(f"  batch       {self.batch} per call")
        lines.append(f"  budgets     {budgets}")
        if self.is_multi_objective:
            lines.append(f"  ref_point   {[round(float(x), 6) for x in self.ref_point]}")  # type: ignore[union-attr]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Scenario({self.id!r}, size={self.size:,}, objective={list(self.objective_names)}, budgets={self.budgets})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        return self.id == other.id and self.definition_hash() == other.definition_hash() != ""

    def __hash__(self) -> int:
        return hash((self.id, self.definition_hash()))

    def iter_batches(self, batch_size: int = 32768) -> Iterator[np.ndarray]:
        """Every design in flat order (see :meth:`DesignSpace.iter_batches`)."""
        return self.space.iter_batches(batch_size)
