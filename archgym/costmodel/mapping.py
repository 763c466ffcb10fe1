"""Mapping a layer's GEMM view onto the ``rows x cols`` array: folds, compute cycles,
utilisation and the vector-unit work of each dataflow (see :mod:`archgym.dataflows`)."""

from __future__ import annotations

import numpy as np

from .. import dataflows
from .options import CostOptions


def _mapping(
    R: np.ndarray,
    C: np.ndarray,
    lanes: np.ndarray,
    cores: np.ndarray,
    df: np.ndarray,
    lay: dict[str, np.ndarray],
    opts: CostOptions,
    scalesim: bool,
    pack: np.ndarray | None = None,
    dw_pix: np.ndarray | None = None,
    dw_ch: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Cycles of each layer on each array; inputs are ``(k, 1)`` columns (``pack``: the
    design's ``pack_groups``; ``dw_pix x dw_ch``: its depthwise engine, ``None``: packing
    on, no engine) and ``(1 or k, L)`` layer arrays (``groups``, ``px`` or
    ``px_scalesim``, ``F``, ``W``, ``is_mac``, ``elided`` and ``vops``, the vector work
    that runs: :meth:`WorkloadTable.vector_ops`); outputs are ``(k, L)``. Core-memory
    traffic: :func:`_traffic`."""
    g, F, W = lay["groups"], lay["F"], lay["W"]
    px = lay["px_scalesim"] if scalesim else lay["px"]
    is_mac = lay["is_mac"]

    Wl = np.ceil(W / lanes)
    Sr, Sc, T = dataflows.on_array(df, px, F, Wl)
    fr = np.ceil(Sr / R)
    fc = np.ceil(Sc / C)
    first = dataflows.fold_cycles(df, R, C, T)
    if opts.pack_groups:
        p = np.minimum(np.floor(R / np.maximum(Sr, 1.0)), np.floor(C / np.maximum(Sc, 1.0)))
        if pack is not None and not pack.all():
            p = np.where(pack, p, 1.0)
        gseq = np.ceil(g / np.maximum(np.minimum(p, g), 1.0))
    else:
        gseq = g
    units = gseq * fr * fc
    nseq = np.ceil(units / cores)
    if opts.pipeline_folds:
        mac_cyc = (nseq - 1.0) * np.maximum(T, R) + first
    else:
        mac_cyc = nseq * first - np.ceil(g / cores)
    mac_cyc = np.where(is_mac, mac_cyc, 0.0)
    if dw_pix is not None and (dw_pix > 0).any():
        # Depthwise layers (one channel per group) on a separate depthwise engine of
        # dw_pix output pixels x dw_ch channels, one kernel tap a cycle (FPGA DPUs).
        on_engine = is_mac & (g > 1.0) & (F == 1.0) & (dw_pix > 0)
        assert dw_ch is not None, "dw_pix and dw_ch come together"
        passes = np.ceil(g / np.maximum(dw_ch, 1.0)) * np.ceil(px / np.maximum(dw_pix, 1.0))
        mac_cyc = np.where(on_engine, np.ceil(passes / cores) * W, mac_cyc)
        units = np.where(on_engine, passes, units)

    vops = lay["vops"]  # WorkloadTable.vector_ops: the vector work that runs
    vec_cyc = np.where(lay["elided"], 0.0, np.ceil(vops / (C * lanes * cores)))
    compute = np.maximum(mac_cyc, vec_cyc)  # a MAC layer without activation has vec_cyc = 0

    return {
        "compute": compute,
        "mac": mac_cyc,
        "vec": vec_cyc,
        "units": np.where(is_mac, units, 0.0),
        # (1, L) layer arrays broadcast against (k, 1) designs
        "vops": vops if vops.shape == compute.shape else np.broadcast_to(vops, compute.shape),
    }
