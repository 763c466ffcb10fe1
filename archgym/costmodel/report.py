"""The results: :data:`TOTAL_FIELDS`, a batch's :class:`BatchReport` and one design's
:class:`SimReport`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..accelerator import AcceleratorConfig

#: The per-design totals every batch evaluation returns.
TOTAL_FIELDS: tuple[str, ...] = (
    "compute_cycles",
    "stall_cycles",
    "overhead_cycles",
    "total_cycles",
    "latency_ms",
    "throughput",
    "energy_mj",
    "area_mm2",
    "utilization",
    "macs",
    "pe_accesses",
    "sram_bytes",
    "sram_weight_read_bytes",
    "sram_input_read_bytes",
    "sram_output_write_bytes",
    "sram_output_read_bytes",
    "dram_bytes",
    "weights_onchip",
    "energy_mac_mj",
    "energy_pe_mj",
    "energy_sram_mj",
    "energy_vector_mj",
    "energy_dram_mj",
    "energy_leakage_mj",
)
#: The totals that do not add up over the calls of a batch split into several (a rate, a
#: property of the design, a ratio, a flag); every other total does.
PER_CALL_FIELDS: tuple[str, ...] = ("throughput", "area_mm2", "utilization", "weights_onchip")


@dataclass
class BatchReport:
    """Per-design totals of a batch evaluation: arrays of shape ``(n_designs,)`` under the
    names of ``TOTAL_FIELDS``; with ``per_layer=True`` also ``(n_designs, n_layers)``
    arrays under ``layer_<name>``. Index it like a dict, or call :meth:`to_frame`."""

    data: dict[str, np.ndarray]
    mode: str
    n_designs: int

    def __getitem__(self, key: str) -> np.ndarray:
        return self.data[key]

    def __getattr__(self, key: str) -> np.ndarray:
        data = self.__dict__.get("data", {})
        if key in data:
            return data[key]
        raise AttributeError(key)

    def keys(self) -> list[str]:
        return list(self.data)

    def to_frame(self):  # -> pandas.DataFrame
        """One row per design with every total (not the per-layer arrays)."""
        import pandas as pd

        return pd.DataFrame({k: v for k, v in self.data.items() if not k.startswith("layer_")})


@dataclass
class SimReport:
    """The result of simulating one design on one workload.

    Attributes:
        compute_cycles, stall_cycles, overhead_cycles, total_cycles: cycle totals.
        latency_ms, energy_mj, area_mm2, utilization: totals (``utilization`` is MACs over
            compute cycles times peak MACs per cycle). Latency and energy are those of one
            call on the workload's whole batch; :attr:`throughput` is inferences per second.
        layers: per-layer breakdown (pandas DataFrame).
        config, workload_name, mode: what was simulated.
        totals: every total as a dict (energy breakdown, traffic at each level, ...).
    """

    compute_cycles: float
    stall_cycles: float
    overhead_cycles: float
    total_cycles: float
    latency_ms: float
    energy_mj: float
    area_mm2: float
    utilization: float
    layers: Any
    config: AcceleratorConfig
    workload_name: str
    mode: str
    totals: dict[str, float]

    def summary(self) -> str:
        t = self.totals
        lines = [
            f"workload {self.workload_name} on {self.config.name or 'accelerator'} ({self.mode} mode)",
            f"  latency      {self.latency_ms:10.4f} ms   ({self.total_cycles:,.0f} cycles: compute "
            f"{self.compute_cycles:,.0f}, stall {self.stall_cycles:,.0f}, op overhead {self.overhead_cycles:,.0f})",
            f"  throughput   {self.throughput:10.1f} inferences/s",
            f"  energy       {self.energy_mj:10.4f} mJ   (MAC {t['energy_mac_mj']:.4f}, PE {t['energy_pe_mj']:.4f}, "
            f"SRAM {t['energy_sram_mj']:.4f}, vector {t['energy_vector_mj']:.4f}, DRAM {t['energy_dram_mj']:.4f}, "
            f"leakage {t['energy_leakage_mj']:.4f})",
            f"  area         {self.area_mm2:10.3f} mm^2 ({self.config.node_nm} nm)",
            f"  utilization  {self.utilization:10.4f}     MACs {t['macs']:,.0f}",
            f"  traffic      PE {t['pe_accesses']:,.0f} accesses, SRAM {t['sram_bytes']:,.0f} B, "
            f"DRAM {t['dram_bytes']:,.0f} B; weights on chip: {bool(t['weights_onchip'])}",
        ]
        return "\n".join(lines)

    @property
    def throughput(self) -> float:
        """Inferences per second: the workload's batch over the latency of one call."""
        return float(self.totals["throughput"])

    def __repr__(self) -> str:
        return (
            f"SimReport({self.workload_name!r}, latency_ms={self.latency_ms:.4g}, energy_mj={self.energy_mj:.4g}, "
            f"area_mm2={self.area_mm2:.4g}, utilization={self.utilization:.3f}, layers={len(self.layers)})"
        )
