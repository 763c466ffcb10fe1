"""The vectorised core: every design of a batch on its workload, layer by layer (compute,
stalls, traffic, energy, area, overhead), and a batch split into calls of at most
``max_batch`` images."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..accelerator import ConfigBatch
from ..loopnest import OPERAND_FIELDS
from ..technology import Technology
from .area import area_mm2
from .grouping import _by_dataflow, _distinct, _rows, _unique_rows, _workload_rows
from .host import _host_ops
from .mapping import _mapping
from .memory import _activation_spills, _refetch_bound, _refetch_traffic, _traffic
from .options import CostOptions
from .overhead import _overhead_per_workload, _size_overhead_us_per_kib
from .report import PER_CALL_FIELDS, TOTAL_FIELDS
from .table import WorkloadTable


class Settings(NamedTuple):
    """What an evaluation runs with, besides its designs and workloads.

    Attributes:
        opts: the default mode's switches (:class:`CostOptions`).
        scalesim: SCALE-Sim mode (exact SCALE-Sim cycles; a batch is never split).
        tech: the technology table.
        per_layer: also return ``(n, L)`` arrays under keys prefixed ``layer_``.
    """

    opts: CostOptions
    scalesim: bool
    tech: Technology
    per_layer: bool


def _evaluate(
    cb: ConfigBatch, table: WorkloadTable, widx: np.ndarray | None, settings: Settings
) -> dict[str, np.ndarray]:
    """Evaluate ``len(cb)`` designs; design ``i`` runs workload ``widx[i]`` of ``table``
    (or its only workload when ``widx`` is None).

    The array mapping depends only on (rows, cols, lanes, cores, dataflow, workload), so it
    is computed once per distinct key; per-layer stalls are computed only for designs that
    move parameters or activations off-chip (all others stall only for the exposed input
    and output transfer). Returns per-design totals (shape ``(n,)``) and, with
    ``per_layer``, ``(n, L)`` arrays under keys prefixed ``layer_``.
    """
    opts, scalesim, tech, per_layer = settings
    n, L = len(cb), table.max_layers
    A = table.arrays
    f64 = np.float64
    # --- per-workload constants (computed once per table) ---------------------------------
    pw = table.per_workload
    macs_w = pw["macs_scalesim" if scalesim else "macs"]
    oh_kind = tech.__dict__.get("_op_overhead_by_kind")
    if oh_kind is None:  # once per Technology (immutable)
        oh_kind = tech.__dict__["_op_overhead_by_kind"] = tech.op_overhead_by_kind()
    w_total_w = pw["weight_elems"]
    act, io, io_w, act_max_w = pw["act"], pw["io"], pw["io_total"], pw["act_max"]
    plan = table.plan(opts)
    if widx is None:
        wi = np.zeros(n, np.int64)
    else:
        wi = np.asarray(widx, np.int64)
    rows_of = lambda a, w: _workload_rows(table, a, w)  # noqa: E731

    # --- the mapping, once per distinct (array, dataflow, workload, group packing, -------
    # --- depthwise engine) ----------------------------------------------------------------
    # (ConfigBatch.__post_init__ fills the optional fields)
    assert cb.pack_groups is not None and cb.dw_pixels is not None
    assert cb.dw_channels is not None and cb.shared_onchip is not None
    first, inv = _distinct(
        [
            cb.dataflow,  # leading: the distinct designs come sorted by dataflow
            cb.rows,
            cb.cols,
            cb.lanes,
            cb.cores,
            wi,
            cb.pack_groups,
            cb.dw_pixels,
            cb.dw_channels,
        ]
    )
    kcol = lambda a: a[first].astype(f64)[:, None]  # noqa: E731
    w_u = wi[first]
    px_f = "px_scalesim" if scalesim else "px"
    lay_u = {f: rows_of(A[f], w_u) for f in ("groups", px_f, "F", "W")}
    lay_u.update(
        is_mac=rows_of(table.is_mac, w_u),
        elided=rows_of(plan["elided"], w_u),
        vops=rows_of(table.vector_ops(opts), w_u),
    )
    R, C, lanes, cores = kcol(cb.rows), kcol(cb.cols), kcol(cb.lanes), kcol(cb.cores)
    df_u, pack_u = cb.dataflow[first], cb.pack_groups[first][:, None]
    pack_u = None if pack_u.all() else pack_u  # None: every design packs its groups
    has_dw = cb.dw_pixels[first].any()  # None: no design has a depthwise engine
    dw_pix = kcol(cb.dw_pixels) if has_dw else None
    dw_ch = kcol(cb.dw_channels) if has_dw else None
    m = _by_dataflow(
        df_u,
        lambda s: _mapping(
            R[s],
            C[s],
            lanes[s],
            cores[s],
            df_u[s][:, None],
            {f: _rows(v, s) for f, v in lay_u.items()},
            opts,
            scalesim,
            pack=None if pack_u is None else pack_u[s],
            dw_pix=None if dw_pix is None else dw_pix[s],
            dw_ch=None if dw_ch is None else dw_ch[s],
        ),
    )
    compute_u = m["compute"].sum(axis=1)
    vops_u = m["vops"].sum(axis=1)
    # core-memory traffic, once per distinct (array, dataflow, PE-memory depth, workload)
    # (the mapper weighs PE-memory against core-memory accesses by their energies, 45 nm:
    # the node scales both alike)
    b = cb.dtype_bytes
    pe_bytes = cb.pe_mem_kib * 1024.0
    core_bytes = cb.core_mem_kib * 1024.0
    e_pe_byte45 = tech.sram_energy_pj_per_byte(pe_bytes, 8.0 * b * cb.lanes)
    cw = tech.sram_core_width_bits
    e_core_rd45 = tech.sram_energy_pj_per_byte(core_bytes, cw)
    e_core_wr45 = tech.sram_energy_pj_per_byte(core_bytes, cw, write=True)
    tr, tinv = _traffic(
        cb, wi, table, pe_bytes, scalesim, e_pe_byte45 / e_core_rd45, plan["elided"]
    )
    sram_op_u = {k: tr[k].sum(axis=1) for k in OPERAND_FIELDS}
    sram_u = sum(sram_op_u.values())
    pe_u = tr["pe_read"].sum(axis=1)

    # --- per-design totals -----------------------------------------------------------------
    fq = cb.freq_mhz
    cpb = fq / (cb.bandwidth_gbps * 1000.0)  # cycles per off-chip byte
    pe_cap = (cb.rows * cb.cols * cb.cores) * cb.pe_mem_kib * 1024.0
    core_cap = cb.cores * cb.core_mem_kib * 1024.0
    compute_t = compute_u[inv]
    macs_t = macs_w[wi]
    vops_t = vops_u[inv]
    sram_b_t = sram_u[tinv] * b
    io_b_t = io_w[wi] * b
    if scalesim:
        param_cap, act_cap = pe_cap, core_cap
        overflow = act_max_w[wi] * b > core_cap
    else:
        # Room for the live activations first (a spilled activation byte crosses the link
        # twice, an uncached parameter byte once); in a shared pool the parameters are
        # cached in all the room the activations do not need.
        peak_b = plan["peak"][wi] * b
        pool = pe_cap + core_cap
        act_cap = np.where(cb.shared_onchip, pool, core_cap)
        param_cap = np.where(cb.shared_onchip, pool - np.minimum(peak_b, pool), pe_cap)
        overflow = peak_b > act_cap
    weights_onchip = w_total_w[wi] * b <= param_cap
    offchip = ~weights_onchip | overflow
    stall_t = io_b_t * cpb
    dram_b_t = io_b_t.copy()
    if opts.op_overhead:
        oh_size = _size_overhead_us_per_kib(tech)
        oh_count_w, oh_elems_w = _overhead_per_workload(table, plan, tech, oh_kind, oh_size)
        overhead_t = (oh_count_w[wi] + oh_elems_w[wi] * (b / 1024.0)) * fq
    else:
        overhead_t = np.zeros(n)

    sel = np.arange(n) if per_layer else np.flatnonzero(offchip)
    if sel.size:
        # Layers of these designs: parameters stream once the parameter cache is full (in
        # layer order); activations that do not fit cross the off-chip interface.
        ws = wi[sel]
        bs, cps = b[sel][:, None], cpb[sel][:, None]
        resident = table.cum_weight_elems[ws] * bs <= param_cap[sel][:, None]
        io_s = io[ws]
        w_stream = np.where(resident, 0.0, A["weight_elems"][ws])
        if scalesim:
            spill = act[ws] * bs > act_cap[sel][:, None]
            act_el = np.where(spill, act[ws] - io_s, 0.0)
        else:
            # the spills depend only on (workload, capacity in elements): once per pair
            cap_el = act_cap[sel] / b[sel]
            upair, pinv = _unique_rows(np.stack([ws.astype(f64), cap_el], axis=1))
            uw = upair[:, 0].astype(np.int64)
            net_in = np.where(table.is_first[uw], A["input_elems"][uw], 0.0)
            spill, act_el = _activation_spills(plan, uw, table.is_last[uw], upair[:, 1:2], net_in)
            spill, act_el = spill[pinv], act_el[pinv]
            # streamed weights that meet an input larger than the room: re-fetch the
            # cheaper operand once per tile of the other (the core-memory tiling)
            tiled = cap_el < _refetch_bound(table)[ws]  # cheap pre-filter (most: no)
            if tiled.any():
                t = np.flatnonzero(tiled)
                wt = ws[t]
                act_el[t] += _refetch_traffic(
                    w_stream[t], A["input_elems"][wt], A["groups"][wt], cap_el[t, None]
                )
        dram_el = w_stream + act_el + io_s
        comp_l = m["compute"][inv[sel]]
        stall_l = np.maximum((dram_el - io_s) * (bs * cps) - comp_l, 0.0) + io_s * (bs * cps)
        stall_t[sel] = stall_l.sum(axis=1)
        dram_b_t[sel] = dram_el.sum(axis=1) * b[sel]

    host = None if scalesim else _host_ops(cb, table, wi, m, inv)
    if host is not None:  # ops the chip leaves to its host CPU: host time is overhead
        compute_t = compute_t - host["removed"]
        overhead_t = overhead_t + host["cycles"]
        dram_b_t = dram_b_t + host["dram_bytes"]

    total_t = compute_t + stall_t + overhead_t
    latency_ms = total_t / (fq * 1e3)
    batch_t = np.ones(n) if table.batch is None else table.batch[wi]
    with np.errstate(invalid="ignore", divide="ignore"):
        throughput = batch_t * 1e3 / latency_ms  # inferences per second
    peak = (cb.rows * cb.cols * cb.cores * cb.lanes).astype(f64)
    with np.errstate(invalid="ignore", divide="ignore"):
        util = np.where(compute_t > 0, macs_t / (compute_t * peak), 0.0)

    # --- energy (pJ) ---------------------------------------------------------------------------
    # Every dynamic energy and the leakage scale with the node's energy factor; SRAM accesses
    # follow the CACTI-7 fit in size, port width and node (archgym.technology).
    dt, node = cb.dtype, cb.node_nm
    ef = tech.energy_factor(node)
    e_pe_byte = e_pe_byte45 * ef
    e_core_rd = e_core_rd45 * ef
    e_core_wr = e_core_wr45 * ef
    e_mac_op = tech.mac_energy_pj[dt] * ef
    e_vec_op = tech.vector_op_energy_pj[dt] * ef
    sram_op_b = {k: v[tinv] * b for k, v in sram_op_u.items()}
    sram_wr_b = sram_op_b["output_write"]
    e_mac = macs_t * e_mac_op
    pe_t = pe_u[tinv]
    e_pe = pe_t * b * e_pe_byte
    # the array's reads and writes, and the off-chip transfers passing through the core
    # memory (a load is written into it, a store read out of it: one access a byte each)
    e_core_dma = 0.5 * (e_core_rd + e_core_wr)
    e_sram = (sram_b_t - sram_wr_b) * e_core_rd + sram_wr_b * e_core_wr + dram_b_t * e_core_dma
    e_vec = vops_t * e_vec_op
    e_dram = dram_b_t * tech.dram_energy_pj_per_byte
    sram_bits = (cb.rows * cb.cols * cb.cores * pe_bytes + cb.cores * core_bytes) * 8.0
    leak_w = (
        sram_bits * tech.sram_leakage_pw_per_bit * 1e-12
        + tech.logic_leakage_fraction * tech.mac_energy_pj[dt] * 1e-12 * peak * fq * 1e6
    ) * ef
    e_leak = leak_w * latency_ms * 1e9  # W * ms -> pJ
    energy_pj = e_mac + e_pe + e_sram + e_vec + e_dram + e_leak

    out: dict[str, np.ndarray] = {
        "compute_cycles": compute_t,
        "stall_cycles": stall_t,
        "overhead_cycles": overhead_t,
        "total_cycles": total_t,
        "latency_ms": latency_ms,
        "throughput": throughput,
        "energy_mj": energy_pj * 1e-9,
        "area_mm2": area_mm2(cb, tech),
        "utilization": util,
        "macs": macs_t,
        "pe_accesses": pe_t,
        "sram_bytes": sram_b_t,
        **{f"sram_{k}_bytes": v for k, v in sram_op_b.items()},
        "dram_bytes": dram_b_t,
        "weights_onchip": weights_onchip,
        "energy_mac_mj": e_mac * 1e-9,
        "energy_pe_mj": e_pe * 1e-9,
        "energy_sram_mj": e_sram * 1e-9,
        "energy_vector_mj": e_vec * 1e-9,
        "energy_dram_mj": e_dram * 1e-9,
        "energy_leakage_mj": e_leak * 1e-9,
    }
    if per_layer:
        valid = table.valid[wi]
        col = lambda a: a[:, None]  # noqa: E731
        comp_l = m["compute"][inv]
        if opts.op_overhead:
            kind_l = np.maximum(table.kind[wi], 0)
            oh_l = oh_kind[kind_l] + oh_size[kind_l] * (A["input_elems"] + A["output_elems"])[
                wi
            ] * col(b / 1024.0)
            oh_l[:, 0] += tech.invoke_overhead_us  # the first op carries the invoke cost
            overhead_l = np.where(valid & ~plan["elided"][wi], oh_l * col(fq), 0.0)
        else:
            overhead_l = np.zeros((n, L))
        if host is not None:
            on_mac = table.is_mac[wi]
            comp_l = np.where(host["on_host"], np.where(on_mac, m["mac"][inv], 0.0), comp_l)
            overhead_l = overhead_l + host["layer_cycles"]
        layer_total = comp_l + stall_l + overhead_l
        lat_l = layer_total / col(fq * 1e3)
        macs_l = (A["macs_scalesim"] if scalesim else A["macs"])[wi]
        sram_op_l = {k: tr[k][tinv] * col(b) for k in OPERAND_FIELDS}
        sram_b_l = sum(sram_op_l.values())
        dram_b_l = dram_el * col(b)
        sram_wr_l = sram_op_l["output_write"]
        pe_l = tr["pe_read"][tinv]
        e_l = (
            macs_l * col(e_mac_op)
            + pe_l * col(b * e_pe_byte)
            + (sram_b_l - sram_wr_l) * col(e_core_rd)
            + sram_wr_l * col(e_core_wr)
            + dram_b_l * col(e_core_dma)
            + m["vops"][inv] * col(e_vec_op)
            + dram_b_l * tech.dram_energy_pj_per_byte
            + col(leak_w) * lat_l * 1e9
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            util_l = np.where(comp_l > 0, macs_l / (comp_l * col(peak)), 0.0)
        out.update(
            layer_compute_cycles=comp_l,
            layer_mac_cycles=m["mac"][inv],
            layer_vector_cycles=m["vec"][inv],
            layer_stall_cycles=stall_l,
            layer_overhead_cycles=overhead_l,
            layer_total_cycles=layer_total,
            layer_latency_ms=lat_l,
            layer_energy_mj=e_l * 1e-9,
            layer_utilization=util_l,
            layer_macs=macs_l,
            layer_pe_accesses=pe_l,
            layer_sram_bytes=sram_b_l,
            **{f"layer_sram_{k}_bytes": v for k, v in sram_op_l.items()},
            layer_loop_order=tr["order"][tinv],
            layer_dram_bytes=dram_b_l,
            layer_weights_onchip=resident & valid,
            layer_spilled=spill & valid,
            layer_folds=m["units"][inv],
            layer_valid=valid,
        )
    return out


#: Totals (and their per-layer arrays) that add up over the calls of a batch split into
#: several: every total but :data:`~archgym.costmodel.report.PER_CALL_FIELDS`.
_ADDITIVE = tuple(k for k in TOTAL_FIELDS if k not in PER_CALL_FIELDS)


def _evaluate_calls(
    cb: ConfigBatch, table: WorkloadTable, widx: np.ndarray | None, settings: Settings
) -> dict[str, np.ndarray]:
    """:func:`_evaluate`, with a workload of batch ``B`` on a design whose compiled calls
    take at most ``max_batch < B`` images (``AcceleratorConfig.max_batch``) run as
    ``ceil(B / max_batch)`` calls of ``max_batch`` images one after another: the additive
    totals (cycles, latency, energy, traffic, MACs) of one call times the number of calls,
    the throughput ``B`` over that latency. SCALE-Sim mode has no calls: it never splits."""
    scalesim, per_layer = settings.scalesim, settings.per_layer
    mb = cb.max_batch
    assert mb is not None
    if scalesim or table.batch is None or table.batch.max() <= 1 or not mb.any():
        return _evaluate(cb, table, widx, settings)
    n = len(cb)
    wi = np.zeros(n, np.int64) if widx is None else np.asarray(widx, np.int64)
    B = np.ones(n) if table.batch is None else table.batch[wi]
    split = (mb > 0) & (B > mb)
    if not split.any():
        return _evaluate(cb, table, widx, settings)
    keep = np.flatnonzero(~split)
    sel = np.flatnonzero(split)
    pairs, pinv = _unique_rows(np.stack([wi[sel], mb[sel]], axis=1))
    part = _evaluate(
        cb.take(sel),
        _per_call_table(table, pairs[:, 0], pairs[:, 1].astype(np.float64)),
        pinv,
        settings,
    )
    calls = np.ceil(B[sel] / mb[sel])
    for k in _ADDITIVE:
        part[k] = part[k] * calls
        if per_layer and f"layer_{k}" in part:
            part[f"layer_{k}"] = part[f"layer_{k}"] * calls[:, None]
    if per_layer:
        part["layer_folds"] = part["layer_folds"] * calls[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        part["throughput"] = B[sel] * 1e3 / part["latency_ms"]
    if keep.size == 0:
        return part
    rest = _evaluate(cb.take(keep), table, None if widx is None else wi[keep], settings)
    out: dict[str, np.ndarray] = {}
    for k, a in rest.items():
        b = part[k]
        width = (max(a.shape[1], b.shape[1]),) if a.ndim == 2 else ()
        full = np.zeros((n, *width), np.result_type(a, b))
        if a.ndim == 2:
            full[keep, : a.shape[1]] = a
            full[sel, : b.shape[1]] = b
        else:
            full[keep] = a
            full[sel] = b
        out[k] = full
    return out


def _per_call_table(table: WorkloadTable, rows: np.ndarray, per_call: np.ndarray) -> WorkloadTable:
    """The workloads ``rows`` of ``table`` lowered for ``per_call`` images instead of their
    batch: every batch-scaled quantity (GEMM rows, or the groups of a layer whose
    stationary operand is an activation; MACs, activation elements, vector operations, the
    memory plan's buffers) divided by the batch and multiplied by ``per_call``; weights
    unchanged."""
    import dataclasses

    nw = len(table.names)
    B = np.ones(nw) if table.batch is None else table.batch
    f = (per_call / B[rows])[:, None]
    stat_act = table.is_mac[rows] & (table.arrays["weight_elems"][rows] == 0)
    arrays = {k: a[rows] for k, a in table.arrays.items()}
    for k in ("px", "px_scalesim"):
        arrays[k] = np.where(stat_act, arrays[k], np.rint(arrays[k] * f))
    arrays["groups"] = np.where(stat_act, np.rint(arrays["groups"] * f), arrays["groups"])
    for k in ("macs", "macs_scalesim", "input_elems", "output_elems", "vector_ops"):
        arrays[k] = arrays[k] * f
    plans = {}
    for k, a in table.plans.items():
        a = a[rows]
        name = k.split(".", 1)[1]
        if name in ("store", "live", "kind_elems"):
            a = a * f
        elif name == "peak":
            a = a * f[:, 0]
        plans[k] = a
    changes: dict[str, Any] = {}
    for fld in dataclasses.fields(table):
        v = getattr(table, fld.name)
        if isinstance(v, tuple) and len(v) == nw:
            changes[fld.name] = tuple(v[i] for i in rows.tolist())
        elif isinstance(v, np.ndarray) and v.ndim and v.shape[0] == nw:
            changes[fld.name] = v[rows]
    changes.update(arrays=arrays, plans=plans, batch=per_call.astype(np.float64))
    return dataclasses.replace(table, **changes)
