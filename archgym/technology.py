"""The technology constants of the cost model, loaded from ``data/technology.yaml``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from .accelerator import DTYPES

__all__ = ["Technology", "load_technology"]


@dataclass(frozen=True)
class Technology:
    """Per-datatype constants as arrays indexed by the datatype code (see ``DTYPES``)."""

    mac_energy_pj: np.ndarray
    mac_area_um2: np.ndarray
    vector_op_energy_pj: np.ndarray
    vector_lane_area_um2: float
    pe_logic_overhead: float
    sram_energy_pj_per_64b_at_8kib: float
    sram_size_exponent: float
    sram_min_size_bytes: float
    sram_cell_area_um2_per_bit: float
    sram_array_overhead: float
    sram_leakage_pw_per_bit: float
    dram_energy_pj_per_byte: float
    logic_leakage_fraction: float
    op_overhead_us_mac: float
    op_overhead_us_vector: float
    sources: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def sram_energy_pj_per_byte(self, size_bytes: Any) -> Any:
        """Energy of reading or writing one byte of an SRAM of ``size_bytes`` (sqrt law)."""
        s = np.maximum(np.asarray(size_bytes, dtype=np.float64), self.sram_min_size_bytes)
        return self.sram_energy_pj_per_64b_at_8kib * (s / 8192.0) ** self.sram_size_exponent / 8.0

    def sram_area_um2(self, size_bytes: Any) -> Any:
        return np.asarray(size_bytes, dtype=np.float64) * 8.0 * self.sram_cell_area_um2_per_bit * self.sram_array_overhead

    def replace(self, **changes: Any) -> Technology:
        from dataclasses import replace

        return replace(self, **changes)


def _per_dtype(table: dict[str, float], key: str) -> np.ndarray:
    missing = [d for d in DTYPES if d not in table]
    if missing:
        raise ValueError(f"technology.yaml: {key} lacks datatype(s) {missing}")
    return np.array([float(table[d]) for d in DTYPES])


@lru_cache(maxsize=1)
def load_technology() -> Technology:
    """The shipped technology table (``archgym/data/technology.yaml``)."""
    text = resources.files("archgym").joinpath("data/technology.yaml").read_text()
    d = yaml.safe_load(text)
    sram = d["sram"]
    cal = d["calibration"]["op_overhead_us"]
    return Technology(
        mac_energy_pj=_per_dtype(d["mac_energy_pj"], "mac_energy_pj"),
        mac_area_um2=_per_dtype(d["mac_area_um2"], "mac_area_um2"),
        vector_op_energy_pj=_per_dtype(d["vector_op_energy_pj"], "vector_op_energy_pj"),
        vector_lane_area_um2=float(d["vector_lane_area_um2"]),
        pe_logic_overhead=float(d["pe_logic_overhead"]),
        sram_energy_pj_per_64b_at_8kib=float(sram["energy_pj_per_64b_at_8kib"]),
        sram_size_exponent=float(sram["size_exponent"]),
        sram_min_size_bytes=float(sram["min_size_bytes"]),
        sram_cell_area_um2_per_bit=float(sram["cell_area_um2_per_bit"]),
        sram_array_overhead=float(sram["array_overhead"]),
        sram_leakage_pw_per_bit=float(sram["leakage_pw_per_bit"]),
        dram_energy_pj_per_byte=float(d["dram_energy_pj_per_byte"]),
        logic_leakage_fraction=float(d["logic_leakage_fraction"]),
        op_overhead_us_mac=float(cal["mac"]),
        op_overhead_us_vector=float(cal["vector"]),
        sources=dict(d.get("sources", {})),
        raw=d,
    )
