"""The metrics of a batch of designs: fixed workloads, cost-model calls and metric columns.

The first half of evaluating a scenario, before scoring: a batch of hardware designs (and,
for co-design, the workload rows of its network designs) goes through the vectorised cost
model; the per-workload latency, energy, utilization and throughput are aggregated into
the metric columns of an :class:`~archgym.scenarios.evaluation.Evaluation`. Scoring those
columns (objectives, slacks, violation, feasibility) is :mod:`archgym.scenarios.evaluation`.

:meth:`Scenario.evaluate <archgym.scenarios.Scenario.evaluate>` and the exhaustive
enumeration (:mod:`archgym.scenarios.enumeration`) both go through :func:`simulate`,
:func:`aggregate` and :func:`metric_columns`, so the enumerated optimum is what evaluating
every design would give.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

from archgym.accelerator import ConfigBatch
from archgym.costmodel import WorkloadTable, area_mm2, simulate_batch

from .cache import stable_hash
from .hardware import HardwareSpace, ScenarioError

__all__ = [
    "AGGREGATES",
    "SIMULATED_METRICS",
    "REJECTED_METRICS",
    "load_workload",
    "load_workloads",
    "simulate",
    "hardware_metrics",
    "aggregate",
    "metric_columns",
]

#: Ways to combine the per-workload values of a scenario with several workloads.
AGGREGATES: tuple[str, ...] = ("geomean", "mean", "max", "sum")
#: The ``m x W`` arrays :func:`simulate` returns (besides the ``(m,)`` ``area_mm2``).
SIMULATED_METRICS: tuple[str, ...] = ("latency_ms", "energy_mj", "utilization", "throughput")
#: The value of each of :data:`SIMULATED_METRICS` for a design the accelerator rejects.
REJECTED_METRICS: dict[str, float] = {
    "latency_ms": np.inf,
    "energy_mj": np.inf,
    "utilization": np.nan,
    "throughput": 0.0,
}
_DEDUP_MIN = 64  # batches at least this big are de-duplicated before the cost model


# ------------------------------------------------------------------------------------------
# Fixed workloads
# ------------------------------------------------------------------------------------------

_ZOO_CACHE: dict[str, Any] = {}


def _label(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_")


def load_workload(spec: Any, batch: int = 1) -> tuple[str, Any, Any]:
    """``(label, workload, document)`` of a workload spec (a zoo name or a mapping); the
    scenario's ``batch`` applies unless the spec sets its own.

    Raises:
        ScenarioError: a malformed spec or an unknown zoo name.
    """
    from archgym.workloads import Workload, WorkloadError, load

    if isinstance(spec, Workload):
        return _label(spec.name), (spec if spec.batch != 1 else spec.with_batch(batch)), None
    if isinstance(spec, str):
        spec = {"name": spec}
    if not isinstance(spec, Mapping) or "name" not in spec:
        raise ScenarioError(
            f"a workload is a zoo name or a mapping with 'name' and options, got {spec!r}"
        )
    doc = dict(spec)
    options = {k: v for k, v in doc.items() if k not in ("name", "label")}
    if batch != 1 and "batch" not in options:
        options["batch"] = batch
    key = stable_hash([doc["name"], options])
    if key not in _ZOO_CACHE:
        try:
            _ZOO_CACHE[key] = load(doc["name"], **options)
        except WorkloadError as exc:
            raise ScenarioError(str(exc)) from None
    label = doc.get("label") or (
        doc["name"]
        if not options
        else f"{doc['name']}_" + "_".join(f"{k}{v}" for k, v in sorted(options.items()))
    )
    return _label(str(label)), _ZOO_CACHE[key], doc if len(doc) > 1 else doc["name"]


def load_workloads(
    workloads: Any, batch: int = 1
) -> tuple[tuple[str, ...], list[Any], WorkloadTable]:
    """The fixed workloads of a hardware-only scenario.

    Args:
        workloads: a zoo name, a mapping ``{"name": ..., options}``, a
            :class:`~archgym.workloads.Workload`, or a list of them.
        batch: images per inference call (a spec that sets its own ``batch`` keeps it).

    Returns:
        ``(labels, documents, table)``: a distinct label per workload, its document form
        (``None`` for a ``Workload`` object, which has none) and the workloads as one
        :class:`~archgym.costmodel.WorkloadTable`, in the given order.

    Raises:
        ScenarioError: no workloads, a malformed spec, an unknown name or two workloads
            with the same label.
    """
    if workloads is None:
        raise ScenarioError(
            "a hardware-only scenario needs 'workloads' (a zoo name or a list of them)"
        )
    specs = (
        [workloads]
        if isinstance(workloads, (str, Mapping)) or not isinstance(workloads, Sequence)
        else list(workloads)
    )
    if not specs:
        raise ScenarioError("'workloads' is empty")
    loaded = [load_workload(s, batch) for s in specs]
    labels = [lab for lab, _, _ in loaded]
    if len(set(labels)) != len(labels):
        raise ScenarioError(f"duplicate workload labels {labels}; give each a distinct 'label'")
    docs = [doc for _, _, doc in loaded]
    return tuple(labels), docs, WorkloadTable.from_workloads([w for _, w, _ in loaded])


# ------------------------------------------------------------------------------------------
# Cost-model calls
# ------------------------------------------------------------------------------------------


def simulate(
    cb: ConfigBatch,
    table: WorkloadTable,
    mode: Literal["default", "scalesim"],
    rows: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The metrics of accepted designs in one ``simulate_batch`` call.

    Args:
        cb: ``m`` accepted hardware designs.
        table: the workloads.
        mode: the cost-model mode.
        rows: ``None``: every design on every workload of ``table`` (``W =
            table.n_workloads``); else ``(m,)`` int: design ``i`` on workload ``rows[i]``
            (``W = 1``).

    Returns:
        :data:`SIMULATED_METRICS` as ``m x W`` arrays and ``area_mm2`` as ``(m,)``.
    """
    m = len(cb)
    keys = SIMULATED_METRICS
    if rows is not None or table.n_workloads == 1:
        rep = simulate_batch(cb, table, mode, workload_index=rows)
        out = {k: rep[k][:, None] for k in keys}
        out["area_mm2"] = rep["area_mm2"]
        return out
    W = table.n_workloads
    idx = np.repeat(np.arange(m), W)
    rep = simulate_batch(cb.take(idx), table, mode, workload_index=np.tile(np.arange(W), m))
    out = {k: rep[k].reshape(m, W) for k in keys}
    out["area_mm2"] = rep["area_mm2"][::W]
    return out


def hardware_metrics(
    hardware: HardwareSpace,
    Xh: np.ndarray,
    table: WorkloadTable,
    rows: np.ndarray | None,
    mode: Literal["default", "scalesim"],
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Per-design hardware metrics of a batch, rejected designs included.

    Args:
        hardware: the scenario's hardware space.
        Xh: ``n x n_hardware_knobs`` int64 choice indices.
        table: the workloads.
        rows: as in :func:`simulate` (``(n,)`` workload rows of a co-design batch).
        mode: the cost-model mode.

    Returns:
        ``(metrics, aux)``: :data:`SIMULATED_METRICS` as ``n x W`` arrays
        (:data:`REJECTED_METRICS` for rejected designs) and
        ``area_mm2`` ``(n,)``; ``aux`` holds the rejection details (``cfg``, ``code``,
        ``need_pe``, ``need_core``) that :class:`Evaluation` formats reasons from.
    """
    n = Xh.shape[0]
    cfg = hardware.arrays(Xh)
    code, need_pe, need_core = HardwareSpace.check(cfg, n)
    cb = hardware.batch(cfg, n)
    ok = code == 0
    W = 1 if rows is not None else table.n_workloads
    out: dict[str, np.ndarray] = {k: np.full((n, W), fill) for k, fill in REJECTED_METRICS.items()}
    out["area_mm2"] = area_mm2(cb) if not ok.all() else np.empty(n)
    idx = np.flatnonzero(ok)
    if idx.size:
        if rows is not None and idx.size >= _DEDUP_MIN:
            key = np.concatenate([Xh[idx], rows[idx, None]], axis=1)
            _, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
            sub = idx[first]
            res = simulate(cb.take(sub), table, mode, rows[sub])
            res = {k: v[inv.reshape(-1)] for k, v in res.items()}
        else:
            res = simulate(
                cb.take(idx) if idx.size < n else cb,
                table,
                mode,
                None if rows is None else rows[idx],
            )
        for k, v in res.items():
            out[k][idx] = v
    return out, {"cfg": cfg, "code": code, "need_pe": need_pe, "need_core": need_core}


# ------------------------------------------------------------------------------------------
# Metric columns
# ------------------------------------------------------------------------------------------


def aggregate(values: np.ndarray, how: str, rate: bool = False) -> np.ndarray:
    """Combine per-workload values (``n x W``) into one per design (``(n,)``).

    A cost (``rate=False``: latency, energy) is combined by its geometric or arithmetic
    mean, its worst (``max``) or its ``sum``. A rate (``rate=True``: throughput) is combined
    consistently with the latency of the same aggregate: the geometric or arithmetic mean,
    the worst (the lowest, for ``max``), or the rate of running one call of each workload
    in turn (for ``sum``, equal batches).

    Args:
        values: ``n x W`` per-workload values.
        how: one of :data:`AGGREGATES`.
        rate: whether the values are rates (higher is better) rather than costs.
    """
    if values.shape[1] == 1:
        return values[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        if how == "geomean":
            return np.exp(np.log(values).mean(axis=1))
        if how == "mean":
            return values.mean(axis=1)
        if how == "max":
            return values.min(axis=1) if rate else values.max(axis=1)
        return values.shape[1] / (1.0 / values).sum(axis=1) if rate else values.sum(axis=1)


def metric_columns(
    data: dict[str, np.ndarray],
    metrics: Mapping[str, np.ndarray],
    accuracy: np.ndarray | None,
    workload_labels: Sequence[str],
    how: str,
) -> dict[str, np.ndarray]:
    """Add the metric columns of an :class:`Evaluation` to ``data`` (in place).

    Adds ``accuracy`` (with a network), ``latency_ms``, ``energy_mj``, ``throughput``
    (aggregated over the workloads), ``area_mm2``, ``utilization`` (the mean over the
    workloads) and, with several workloads, ``latency_ms_<label>`` and
    ``energy_mj_<label>``, each ``(n,)``.

    Args:
        data: the columns so far (the knob values), in column order.
        metrics: :func:`hardware_metrics`'s ``n x W`` arrays and ``(n,)`` ``area_mm2``.
        accuracy: ``(n,)`` accuracies, or ``None`` without a network.
        workload_labels: the labels of the ``W`` fixed workloads (empty for co-design).
        how: the aggregate (one of :data:`AGGREGATES`).

    Returns:
        ``data``.
    """
    if accuracy is not None:
        data["accuracy"] = accuracy
    data["latency_ms"] = aggregate(metrics["latency_ms"], how)
    data["energy_mj"] = aggregate(metrics["energy_mj"], how)
    data["throughput"] = aggregate(metrics["throughput"], how, rate=True)
    data["area_mm2"] = metrics["area_mm2"]
    util = metrics["utilization"]
    data["utilization"] = util[:, 0] if util.shape[1] == 1 else util.mean(axis=1)
    if len(workload_labels) > 1:
        for w, lab in enumerate(workload_labels):
            data[f"latency_ms_{lab}"] = metrics["latency_ms"][:, w]
        for w, lab in enumerate(workload_labels):
            data[f"energy_mj_{lab}"] = metrics["energy_mj"][:, w]
    return data
