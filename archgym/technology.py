"""The technology constants of the cost model, loaded from ``data/technology.yaml``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from .accelerator import DTYPES

__all__ = ["Technology", "load_technology", "OVERHEAD_GROUPS"]

#: Which dispatch-overhead constant each layer kind uses: dense KxK convolutions,
#: depthwise convolutions, matrix ops (1x1 convolutions, fully connected, batched matmul),
#: pooling, element-wise ops (and channel concatenations, which the runtime dispatches as
#: one data-movement op each), stand-alone activations, other vector ops (softmax, layer
#: norm).
OVERHEAD_GROUPS: dict[str, str] = {
    "conv": "conv",
    "depthwise": "depthwise",
    "pointwise": "matrix",
    "gemm": "matrix",
    "matmul": "matrix",
    "pool": "pool",
    "eltwise": "eltwise",
    "activation": "activation",
    "softmax": "vector",
    "layernorm": "vector",
    "concat": "eltwise",
}


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
    op_overhead_us: dict[str, float]
    invoke_overhead_us: float
    sources: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def sram_energy_pj_per_byte(self, size_bytes: Any) -> Any:
        """Energy of reading or writing one byte of an SRAM of ``size_bytes`` (sqrt law)."""
        s = np.maximum(np.asarray(size_bytes, dtype=np.float64), self.sram_min_size_bytes)
        return self.sram_energy_pj_per_64b_at_8kib * (s / 8192.0) ** self.sram_size_exponent / 8.0

    def sram_area_um2(self, size_bytes: Any) -> Any:
        return (
            np.asarray(size_bytes, dtype=np.float64)
            * 8.0
            * self.sram_cell_area_um2_per_bit
            * self.sram_array_overhead
        )

    def op_overhead_by_kind(self) -> np.ndarray:
        """Dispatch overhead (us) of one op of each layer kind, indexed by ``KIND_CODES``."""
        from .workloads.workload import KIND_CODES

        out = np.zeros(len(KIND_CODES))
        for kind, code in KIND_CODES.items():
            group = OVERHEAD_GROUPS[kind]
            if group not in self.op_overhead_us:
                raise ValueError(f"technology.yaml: calibration.op_overhead_us lacks {group!r}")
            out[code] = self.op_overhead_us[group]
        return out

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
        op_overhead_us={k: float(v) for k, v in cal.items()},
        invoke_overhead_us=float(d["calibration"]["invoke_overhead_us"]),
        sources=dict(d.get("sources", {})),
        raw=d,
    )
