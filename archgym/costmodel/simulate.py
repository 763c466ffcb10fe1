"""The public entry points: :func:`simulate_batch` (many designs) and :func:`simulate`
(one design, with per-layer results)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..accelerator import AcceleratorConfig, ConfigBatch, as_batch
from ..loopnest import OPERAND_FIELDS
from ..technology import Technology, load_technology
from .evaluate import Settings, _evaluate_calls
from .options import CostOptions, Mode
from .report import BatchReport, SimReport
from .table import WorkloadTable, _as_table


def simulate_batch(
    configs: AcceleratorConfig | ConfigBatch | Sequence[AcceleratorConfig],
    workload: Any,
    mode: Mode = "default",
    *,
    workload_index: np.ndarray | None = None,
    per_layer: bool = False,
    options: CostOptions | None = None,
    technology: Technology | None = None,
    as_frame: bool = False,
) -> BatchReport | Any:
    """Evaluate many designs at once.

    Args:
        configs: a ``ConfigBatch`` (fastest), a sequence of ``AcceleratorConfig`` or one.
        workload: a ``Workload`` (every design runs it), a sequence of ``Workload`` (one
            per design), or a ``WorkloadTable`` with ``workload_index``.
        mode: ``"default"`` or ``"scalesim"`` (see the module docstring).
        workload_index: ``(n_designs,)`` indices into a ``WorkloadTable``.
        per_layer: also return ``(n_designs, n_layers)`` arrays.
        options: override the default mode's switches.
        technology: override the technology table.
        as_frame: return a pandas DataFrame of the totals instead of a ``BatchReport``.

    Returns:
        A ``BatchReport`` whose arrays have shape ``(n_designs,)``.
    """
    cb = as_batch(configs)
    opts = options or CostOptions.for_mode(mode)
    tech = technology or load_technology()
    scalesim = mode == "scalesim"
    if mode not in ("default", "scalesim"):
        raise ValueError(f"mode must be one of 'default', 'scalesim', got {mode!r}")
    if isinstance(workload, (list, tuple)):
        if len(workload) != len(cb):
            raise ValueError(
                f"{len(workload)} workloads for {len(cb)} designs: give one workload or one per design"
            )
        uniq: dict[int, int] = {}
        wls: list[Any] = []
        idx = np.empty(len(workload), np.int64)
        for i, w in enumerate(workload):
            k = uniq.setdefault(id(w), len(wls))
            if k == len(wls):
                wls.append(w)
            idx[i] = k
        table, workload_index = WorkloadTable.from_workloads(wls), idx
    else:
        table, _single = _as_table(workload)
    if workload_index is not None:
        workload_index = np.asarray(workload_index)
        if workload_index.shape != (len(cb),):
            raise ValueError(
                f"workload_index must have shape ({len(cb)},), got {workload_index.shape}"
            )
    if workload_index is None and table.n_workloads != 1:
        raise ValueError("a WorkloadTable of several workloads needs a workload_index per design")
    if (
        workload_index is not None
        and workload_index.size
        and (workload_index.min() < 0 or workload_index.max() >= table.n_workloads)
    ):
        raise ValueError(f"workload_index must be in [0, {table.n_workloads - 1}]")
    data = _evaluate_calls(cb, table, workload_index, Settings(opts, scalesim, tech, per_layer))
    rep = BatchReport(data=data, mode=mode, n_designs=len(cb))
    return rep.to_frame() if as_frame else rep


def simulate(
    config: AcceleratorConfig | str,
    workload: Any,
    mode: Mode = "default",
    *,
    options: CostOptions | None = None,
    technology: Technology | None = None,
) -> SimReport:
    """Simulate one design on one workload (or a single layer).

    Args:
        config: an ``AcceleratorConfig`` or a preset name.
        workload: a ``Workload``, a single ``Layer`` or a zoo name.
        mode: ``"default"`` (realistic) or ``"scalesim"`` (SCALE-Sim-compatible cycles).

    Returns:
        A ``SimReport`` with the totals and the per-layer DataFrame in ``layers``.
    """
    import pandas as pd

    if isinstance(config, str):
        config = AcceleratorConfig.preset(config)
    table, _ = _as_table(workload)
    rep = simulate_batch(
        config, table, mode, per_layer=True, options=options, technology=technology
    )
    d = rep.data
    n = len(table.layer_names[0])
    lowered_kind = table.kind[0, :n]
    from ..workloads import KIND_CODES

    kinds = {v: k for k, v in KIND_CODES.items()}
    layers = pd.DataFrame(
        {
            "name": table.layer_names[0],
            "kind": [kinds[int(k)] for k in lowered_kind],
            "macs": d["layer_macs"][0, :n],
            "folds": d["layer_folds"][0, :n],
            "compute_cycles": d["layer_compute_cycles"][0, :n],
            "stall_cycles": d["layer_stall_cycles"][0, :n],
            "overhead_cycles": d["layer_overhead_cycles"][0, :n],
            "total_cycles": d["layer_total_cycles"][0, :n],
            "latency_ms": d["layer_latency_ms"][0, :n],
            "utilization": d["layer_utilization"][0, :n],
            "energy_mj": d["layer_energy_mj"][0, :n],
            "pe_accesses": d["layer_pe_accesses"][0, :n],
            "sram_bytes": d["layer_sram_bytes"][0, :n],
            **{f"sram_{k}_bytes": d[f"layer_sram_{k}_bytes"][0, :n] for k in OPERAND_FIELDS},
            "loop_order": d["layer_loop_order"][0, :n],
            "dram_bytes": d["layer_dram_bytes"][0, :n],
            "weights_onchip": d["layer_weights_onchip"][0, :n],
            "spilled": d["layer_spilled"][0, :n],
        }
    )
    totals = {
        k: (bool(v[0]) if v.dtype == bool else float(v[0]))
        for k, v in d.items()
        if not k.startswith("layer_")
    }
    name = table.names[0]
    return SimReport(
        compute_cycles=totals["compute_cycles"],
        stall_cycles=totals["stall_cycles"],
        overhead_cycles=totals["overhead_cycles"],
        total_cycles=totals["total_cycles"],
        latency_ms=totals["latency_ms"],
        energy_mj=totals["energy_mj"],
        area_mm2=totals["area_mm2"],
        utilization=totals["utilization"],
        layers=layers,
        config=config,
        workload_name=name,
        mode=mode,
        totals=totals,
    )
