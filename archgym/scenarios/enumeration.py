"""Exhaustive enumeration of a scenario: the exact optimum and the exact Pareto front.

:func:`enumerate_scenario` evaluates every design of an enumerable scenario (at most
:attr:`Scenario.max_enumerable` designs). It factorises the work: the cost model runs
once per distinct ``(hardware design, lowered network)`` pair — isomorphic NB201 cells
share one lowered network — and the results are broadcast over the network designs that
share it. It goes through the same public pieces as :meth:`Scenario.evaluate`: the
cost-model call :func:`~archgym.scenarios.metrics.simulate` and
:meth:`Scenario.score_metrics` (metric columns, objectives, slacks, feasibility), so the
optimum is exactly what evaluating every design one by one would give (a test checks this).

Results are cached on disk (``cache_dir("enumeration")``) keyed by the scenario id, a
hash of its definition, the archgym version and a hash of the cost-model and scenario
sources; the second call returns in milliseconds.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from archgym.costmodel import area_mm2

from ..pareto import hypervolume_slicing as hypervolume  # the old names, re-exported
from ..pareto import pareto_mask
from ..pareto import strictly_dominated as _strictly_dominated
from .cache import (
    COSTMODEL_SOURCES,
    LAYER_SOURCES,
    code_fingerprint,
    load_npz,
    save_npz,
    stable_hash,
)
from .cache import cache_dir as default_cache_dir
from .hardware import HardwareSpace, ScenarioError
from .metrics import REJECTED_METRICS, simulate

if TYPE_CHECKING:
    from .scenario import Scenario

__all__ = [
    "EnumerationResult",
    "enumerate_scenario",
    "pareto_mask",
    "hypervolume",
    "ENUMERATION_SOURCES",
]

#: Source files (relative to the package, or to the repository for the folders installed
#: as sub-packages) whose change invalidates cached enumerations.
ENUMERATION_SOURCES: tuple[str, ...] = (
    "accelerator.py",
    "accelerator_fields.py",
    "acceptance.py",
    "data/presets.yaml",
    *COSTMODEL_SOURCES,
    "technology.py",
    "data/technology.yaml",
    "space/knobs.py",
    "space/design_space.py",
    "space/sampling.py",
    "space/composition.py",
    "scenarios/scenario.py",
    "scenarios/metrics.py",
    "scenarios/hardware.py",
    "scenarios/networks.py",
    "scenarios/network_space.py",
    "scenarios/nb201_network.py",
    "scenarios/enumeration.py",
    "scenarios/evaluation.py",
    "oracles/tabular.py",
    "data/nb201/nb201_cifar10valid_all15625_NAS-Landscapes.csv.gz",
    "data/nb201/nb201_ImageNet16-120_valacc_9445unique.csv.gz",
    "pareto.py",
    *LAYER_SOURCES,
    "workloads/zoo.py",
    "workloads/zoo_graph.py",
    "workloads/zoo_classic.py",
    "workloads/zoo_efficientnet.py",
    "workloads/zoo_inception.py",
    "workloads/zoo_mobilenet.py",
    "workloads/zoo_resnet.py",
    "workloads/zoo_transformer.py",
    "workloads/nb201.py",
    "workloads/nb201_arch.py",
    "workloads/mobilenet_space.py",
    "workloads/mobilenet_knobs.py",
    "workloads/accel_nasbench.py",
)
_FORMAT = 1


# ------------------------------------------------------------------------------------------
# Result
# ------------------------------------------------------------------------------------------


@dataclass
class EnumerationResult:
    """What enumerating a scenario found.

    Attributes:
        scenario_id: the scenario.
        size: number of designs evaluated.
        n_feasible: number of feasible designs.
        n_rejected: number of hardware designs the accelerator rejected (x network designs).
        best_flat: flat number of the best feasible design (first on ties), -1 if none.
        best_index: its ``dim`` choice indices (``None`` if no design is feasible).
        best_design: its named values.
        best_value: its objective (maximised), ``-inf`` if none is feasible.
        best_metrics: its full evaluation row.
        objective_names: the objectives (multi-objective scenarios have several).
        pareto_flat: flat numbers of the Pareto-optimal feasible designs (one per distinct
            objective vector: the first in flat order), sorted by the first objective.
        pareto_index: ``m x dim`` their choice indices.
        pareto_objectives: ``m x num_objectives`` their objectives (maximised).
        ref_point: the scenario's reference point (multi-objective).
        hypervolume: hypervolume of the front above ``ref_point`` (multi-objective).
        elapsed_s: wall time of the enumeration itself.
        from_cache: whether this came from the disk cache.
        cache_path: the cache file.
        key: the cache key.
    """

    scenario_id: str
    size: int
    n_feasible: int
    n_rejected: int
    best_flat: int
    best_index: np.ndarray | None
    best_design: dict[str, Any] | None
    best_value: float
    best_metrics: dict[str, Any]
    objective_names: tuple[str, ...]
    pareto_flat: np.ndarray
    pareto_index: np.ndarray
    pareto_objectives: np.ndarray
    ref_point: np.ndarray | None
    hypervolume: float | None
    elapsed_s: float
    from_cache: bool = False
    cache_path: str | None = None
    key: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def feasible_share(self) -> float:
        return self.n_feasible / self.size if self.size else 0.0

    def regret(self, value: float | np.ndarray) -> float | np.ndarray:
        """``best_value - value`` (>= 0 for feasible designs)."""
        return (
            self.best_value - np.asarray(value, np.float64)
            if np.ndim(value)
            else self.best_value - float(value)
        )

    def summary(self) -> str:
        lines = [
            f"{self.scenario_id}: {self.size:,} designs, {self.n_feasible:,} feasible "
            f"({100 * self.feasible_share:.1f} %), {self.n_rejected:,} rejected by the accelerator; "
            f"enumerated in {self.elapsed_s:.1f} s{' (cached)' if self.from_cache else ''}",
            f"  best objective {self.best_value:.6g} at {self.best_design}",
        ]
        if len(self.objective_names) > 1:
            lines.append(
                f"  Pareto front: {len(self.pareto_flat)} designs, hypervolume {self.hypervolume:.6g} above {None if self.ref_point is None else [round(float(x), 6) for x in self.ref_point]}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"EnumerationResult({self.scenario_id!r}, size={self.size:,}, n_feasible={self.n_feasible:,}, "
            f"best_value={self.best_value:.6g}, pareto={len(self.pareto_flat)}, from_cache={self.from_cache})"
        )


# ------------------------------------------------------------------------------------------
# Enumeration
# ------------------------------------------------------------------------------------------


def _safe(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z._-]+", "_", text)[:80]


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, float) and not np.isfinite(v):
            out[k] = repr(v)
        else:
            out[k] = v
    return out


def _unjson(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (float(v) if v in ("inf", "-inf", "nan") else v) for k, v in row.items()}


def _result_from_cache(
    data: dict[str, np.ndarray], key: str, path: Path
) -> EnumerationResult | None:
    try:
        meta = json.loads(str(data["meta"]))
        if meta.get("key") != key or meta.get("format") != _FORMAT:
            return None
        best_index = data["best_index"] if meta["best_flat"] >= 0 else None
        return EnumerationResult(
            scenario_id=meta["scenario_id"],
            size=int(meta["size"]),
            n_feasible=int(meta["n_feasible"]),
            n_rejected=int(meta["n_rejected"]),
            best_flat=int(meta["best_flat"]),
            best_index=best_index,
            best_design=meta["best_design"],
            best_value=float(meta["best_value"]),
            best_metrics=_unjson(meta["best_metrics"]),
            objective_names=tuple(meta["objective_names"]),
            pareto_flat=data["pareto_flat"],
            pareto_index=data["pareto_index"],
            pareto_objectives=data["pareto_objectives"],
            ref_point=None
            if meta["ref_point"] is None
            else np.asarray(meta["ref_point"], np.float64),
            hypervolume=meta["hypervolume"],
            elapsed_s=float(meta["elapsed_s"]),
            extra={"smallest": dict(meta.get("smallest") or {})},
            from_cache=True,
            cache_path=str(path),
            key=key,
        )
    except Exception:  # an unreadable or outdated file: recompute
        return None


def enumeration_key(scenario: Scenario) -> str:
    """The cache key: scenario id + a hash of its definition + archgym version + sources."""
    return stable_hash(
        [scenario.id, scenario.definition(), code_fingerprint(ENUMERATION_SOURCES), _FORMAT]
    )


def enumerate_scenario(
    scenario: Scenario,
    batch_size: int = 32768,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool = False,
) -> EnumerationResult:
    """Evaluate every design of ``scenario``.

    Args:
        scenario: an enumerable scenario (``scenario.enumerable``).
        batch_size: cost-model evaluations per vectorised call.
        cache: read and write the on-disk cache.
        cache_dir: cache folder (default ``cache_dir("enumeration")``, i.e.
            ``$ARCHGYM_CACHE/enumeration`` or ``~/.cache/archgym/enumeration``).
        progress: show a progress bar (tqdm).

    Returns:
        An :class:`EnumerationResult`: the exact best feasible design, the number of
        feasible designs and, for multi-objective scenarios, the exact Pareto front of the
        feasible designs and its hypervolume.

    Raises:
        ScenarioError: the scenario is not enumerable, has no feasible design (the message
            says each budget and the smallest value any design reaches), or has no document
            form while ``cache=True`` is asked for (then pass ``cache=False``).
    """
    if not scenario.enumerable:
        raise ScenarioError(
            f"scenario {scenario.id!r} is not enumerable ({scenario.size:,} designs; at most "
            f"{scenario.max_enumerable:,} and a tabular network space are enumerable)"
        )
    key = path = None
    if cache:
        if not scenario.definition_hash():
            cache = False
        else:
            key = enumeration_key(scenario)
            folder = Path(cache_dir) if cache_dir is not None else default_cache_dir("enumeration")
            path = folder / f"{_safe(scenario.id)}-{key[:16]}.npz"
            data = load_npz(path)
            if data is not None:
                res = _result_from_cache(data, key, path)
                if res is not None:
                    _check_feasible(scenario, res)
                    return res
    t0 = time.perf_counter()
    res = _enumerate(scenario, int(batch_size), progress)
    res.elapsed_s = time.perf_counter() - t0
    if cache and path is not None and key is not None:
        res.key, res.cache_path = key, str(path)
        meta = {
            "format": _FORMAT,
            "key": key,
            "scenario_id": res.scenario_id,
            "definition": scenario.definition(),
            "size": res.size,
            "n_feasible": res.n_feasible,
            "n_rejected": res.n_rejected,
            "best_flat": res.best_flat,
            "best_design": res.best_design,
            "best_value": res.best_value if np.isfinite(res.best_value) else None,
            "best_metrics": _jsonable(res.best_metrics),
            "objective_names": list(res.objective_names),
            "ref_point": None if res.ref_point is None else [float(x) for x in res.ref_point],
            "hypervolume": res.hypervolume,
            "elapsed_s": res.elapsed_s,
            "smallest": res.extra.get("smallest", {}),
        }
        if meta["best_value"] is None:
            meta["best_value"] = float("-inf")
        arrays = {
            "meta": np.array(json.dumps(meta, default=_json_default)),
            "best_index": res.best_index if res.best_index is not None else np.zeros(0, np.int64),
            "pareto_flat": res.pareto_flat,
            "pareto_index": res.pareto_index,
            "pareto_objectives": res.pareto_objectives,
        }
        try:
            save_npz(path, arrays, compressed=False)
        except OSError:
            pass
    _check_feasible(scenario, res)
    return res


def _check_feasible(scenario: Scenario, res: EnumerationResult) -> None:
    """Raise a clear :class:`ScenarioError` when no design of the scenario is feasible."""
    if res.n_feasible > 0:
        return
    smallest = res.extra.get("smallest") or {}
    parts = []
    for metric, budget in dict(getattr(scenario, "budgets", {}) or {}).items():
        low = smallest.get(metric)
        low_text = "no design the accelerator accepts" if low is None else f"smallest {low:.4g}"
        parts.append(f"{metric} <= {budget:g} ({low_text})")
    raise ScenarioError(
        f"scenario {scenario.id!r} has no feasible design: none of its {res.size:,} designs "
        f"meets every budget [{'; '.join(parts) or 'no budgets'}]"
        + (f"; {res.n_rejected:,} are rejected by the accelerator" if res.n_rejected else "")
        + ". Loosen a budget (e.g. scenarios.load(id, area_mm2=...))."
    )


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return repr(obj)


def _enumerate(sc: Scenario, batch_size: int, progress: bool) -> EnumerationResult:
    hwspace = sc.hardware.space
    H = hwspace.size if hwspace is not None else 1
    if sc.network is not None:
        table, rows_all, acc_all = sc.network.all_workloads()
        N, R = len(rows_all), table.n_workloads
        per_hw = R
    else:
        known = sc.workload_table
        assert known is not None
        table = known
        rows_all, acc_all = None, None
        N, R = 1, 1
        per_hw = table.n_workloads
    k = sc.num_objectives
    hc = max(1, batch_size // max(per_hw, 1))
    best_value, best_flat = -np.inf, -1
    n_feasible = n_rejected = 0
    smallest: dict[str, float] = {}
    front_F = np.empty((0, k))
    front_flat = np.empty(0, np.int64)
    starts = range(0, H, hc)
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc=f"enumerate {sc.id}", unit="batch")
    for h0 in starts:
        h1 = min(H, h0 + hc)
        m = h1 - h0
        Xh = (
            hwspace.unravel(np.arange(h0, h1, dtype=np.int64))
            if hwspace is not None
            else np.zeros((1, 0), np.int64)
        )
        cfg = sc.hardware.arrays(Xh)
        code_h, _, _ = HardwareSpace.check(cfg, m)
        cb = sc.hardware.batch(cfg, m)
        area_h = area_mm2(cb)
        ok = np.flatnonzero(code_h == 0)
        W = 1 if sc.network is not None else table.n_workloads
        per = {k: np.full((m, R, W), fill) for k, fill in REJECTED_METRICS.items()}
        if ok.size:
            if sc.network is not None:
                rows = np.tile(np.arange(R), ok.size)
                sim = simulate(cb.take(np.repeat(ok, R)), table, sc.mode, rows)
            else:
                sim = simulate(cb.take(ok), table, sc.mode)
            for key, values in per.items():
                values[ok] = sim[key].reshape(ok.size, R, W)
        hw: dict[str, np.ndarray] = {
            key: (values if rows_all is None else values[:, rows_all]).reshape(m * N, W)
            for key, values in per.items()
        }
        hw["area_mm2"] = np.repeat(area_h, N)
        accuracy = None if acc_all is None else np.tile(acc_all, m)
        data, _ = sc.score_metrics(hw, accuracy, np.repeat(code_h, N))
        n_rejected += int((code_h != 0).sum()) * N
        feas = data["feasible"]
        nf = int(feas.sum())
        if not nf:
            accepted = np.repeat(code_h == 0, N)
            for metric in sc.budgets:
                vals = np.asarray(data[metric], np.float64)
                vals = vals[accepted & np.isfinite(vals)]
                if vals.size:
                    smallest[metric] = min(smallest.get(metric, np.inf), float(vals.min()))
            continue
        n_feasible += nf
        flat = np.arange(h0 * N, h1 * N, dtype=np.int64)
        obj = np.where(feas, data["objective"], -np.inf)
        i = int(np.argmax(obj))
        if obj[i] > best_value:
            best_value, best_flat = float(obj[i]), int(flat[i])
        if k > 1:
            F = np.stack([data[f"objective_{m_}"] for m_ in sc.objective_names], axis=1)[feas]
            fl = flat[feas]
            keep = ~_strictly_dominated(front_F, F)
            F, fl = F[keep], fl[keep]
            if len(F):
                F = np.concatenate([front_F, F])
                fl = np.concatenate([front_flat, fl])
                mask = pareto_mask(F, fl)
                front_F, front_flat = F[mask], fl[mask]
    return EnumerationResult(
        scenario_id=sc.id,
        size=sc.size,
        n_feasible=n_feasible,
        n_rejected=n_rejected,
        best_flat=best_flat,
        best_value=best_value,
        **_optimum_fields(sc, best_flat),
        objective_names=sc.objective_names,
        **_front_fields(sc, front_F, front_flat),
        elapsed_s=0.0,
        extra={"smallest": smallest} if not n_feasible else {},
    )


def _optimum_fields(sc: Scenario, best_flat: int) -> dict[str, Any]:
    """``best_index``, ``best_design`` and ``best_metrics`` of the design numbered
    ``best_flat`` (re-evaluated, so its row is exactly what ``evaluate`` gives)."""
    if best_flat < 0:
        return {"best_index": None, "best_design": None, "best_metrics": {}}
    best_index = sc.space.unravel(np.int64(best_flat))
    ev = sc.evaluate(best_index)
    return {"best_index": best_index, "best_design": ev.design(0), "best_metrics": ev.row(0)}


def _front_fields(sc: Scenario, front_F: np.ndarray, front_flat: np.ndarray) -> dict[str, Any]:
    """The Pareto-front fields of a result: the front sorted by its objectives (first
    objective first, descending; ties by flat number), its indices, the reference point
    and the hypervolume (multi-objective scenarios; empty or ``None`` otherwise)."""
    k = sc.num_objectives
    if k > 1 and len(front_flat):
        order = np.lexsort([front_flat] + [-front_F[:, j] for j in range(k - 1, -1, -1)])
        front_F, front_flat = front_F[order], front_flat[order]
        pareto_index = sc.space.unravel(front_flat)
    else:
        pareto_index = np.zeros((0, sc.dim), np.int64)
    ref = sc.ref_point if k > 1 else None
    return {
        "pareto_flat": front_flat,
        "pareto_index": pareto_index,
        "pareto_objectives": front_F,
        "ref_point": ref,
        "hypervolume": hypervolume(front_F, ref) if k > 1 and ref is not None else None,
    }
