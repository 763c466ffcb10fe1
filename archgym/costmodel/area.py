"""Silicon area of a design: PE logic and memories, and the off-chip interface, scaled to
its technology node."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..accelerator import AcceleratorConfig, ConfigBatch, as_batch
from ..technology import Technology, load_technology


def area_mm2(
    configs: AcceleratorConfig | ConfigBatch | Sequence[AcceleratorConfig],
    tech: Technology | None = None,
) -> np.ndarray:
    """Silicon area (mm^2 at each design's ``node_nm``) of each design: MAC units with PE
    logic, PE-local and core memories, vector unit, and the off-chip interface (PHY and
    controller, growing with its bandwidth). Logic scales with the node's logic-area
    factor, memories with its SRAM cell, the interface not at all (I/O barely shrinks).
    Depends only on the hardware, not on the workload."""
    cb = as_batch(configs)
    tech = tech or load_technology()
    node = cb.node_nm
    macs = (cb.rows * cb.cols * cb.cores * cb.lanes).astype(np.float64)
    mac_um2 = tech.mac_area_um2[cb.dtype]
    a_mac = macs * mac_um2 * tech.pe_logic_overhead
    a_mem = tech.sram_area_um2(
        cb.cores * (cb.rows * cb.cols * cb.pe_mem_kib + cb.core_mem_kib) * 1024.0
    )  # 45 nm
    a_logic = a_mac + cb.cores * cb.cols * cb.lanes * tech.vector_lane_area_um2
    assert cb.dw_pixels is not None and cb.dw_channels is not None
    if cb.dw_pixels.any():  # depthwise engines (none: their area is zero)
        dw_macs = (cb.cores * cb.dw_pixels * cb.dw_channels).astype(np.float64)
        a_logic = a_logic + dw_macs * mac_um2 * tech.pe_logic_overhead
    a_io = cb.bandwidth_gbps * offchip_area_mm2_per_gbps(tech) * 1e6
    return (
        a_logic * tech.logic_area_factor(node) + a_mem * tech.sram_area_factor(node) + a_io
    ) * 1e-6


def offchip_area_mm2_per_gbps(tech: Technology) -> float:
    """Silicon area of the off-chip interface (PHY and controller) per GB/s of bandwidth
    (``offchip_interface.area_mm2_per_gbps`` of the technology table)."""
    got = tech.__dict__.get("_offchip_area_mm2_per_gbps")
    if got is not None:
        return got
    sec = tech.raw.get("offchip_interface")
    if not sec or "area_mm2_per_gbps" not in sec:
        raise ValueError("technology.yaml: offchip_interface.area_mm2_per_gbps is missing")
    got = tech.__dict__["_offchip_area_mm2_per_gbps"] = float(sec["area_mm2_per_gbps"])
    return got
