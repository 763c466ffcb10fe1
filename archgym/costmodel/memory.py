"""Data movement: the on-chip / off-chip traffic of each layer, activation spills past the
activation room (tiled, partial), and the refetches when a layer's operands do not fit."""

from __future__ import annotations

import numpy as np

from ..accelerator import ConfigBatch
from ..loopnest import GEMM_FIELDS, OPERAND_FIELDS, layer_traffic, stationary_depth
from .grouping import _by_dataflow, _distinct, _rows, _workload_rows
from .table import WorkloadTable


def _traffic(
    cb: ConfigBatch,
    wi: np.ndarray,
    table: WorkloadTable,
    pe_bytes: np.ndarray,
    scalesim: bool,
    pe_cost: np.ndarray,
    elided: np.ndarray | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Core-memory traffic and PE-memory accesses (elements) per operand and layer,
    computed once per distinct (rows, cols, lanes, dataflow, PE-memory depth, workload,
    depthwise engine, PE-over-core access energy ``pe_cost``) (:mod:`archgym.loopnest`).

    Returns:
        ``({name: (k, L)}, inverse)``: design ``i`` has row ``inverse[i]``.
    """
    assert cb.dw_pixels is not None  # ConfigBatch.__post_init__ fills it
    engine = cb.dw_pixels > 0
    key = [cb.dataflow, cb.rows, cb.cols, cb.lanes, wi, engine]  # sorted by dataflow
    if not scalesim:
        depth = stationary_depth(pe_bytes, cb.lanes, cb.dtype_bytes, cb.dataflow)
        # the mapper weighs the two memories by their energy ratio rounded to a power of
        # four (its choice only flips where the two orders cost about the same)
        cost = np.exp2(2.0 * np.rint(0.5 * np.log2(pe_cost)))
        key += [depth, cost]
    first, inv = _distinct(key)
    col = lambda a: a[first].astype(np.float64)[:, None]  # noqa: E731
    w = wi[first]
    need = ("groups", "px_scalesim" if scalesim else "px", "F", "W", "input_elems", "output_elems")
    lay = {f: _workload_rows(table, table.arrays[f], w) for f in need}
    lay.update(is_mac=_workload_rows(table, table.is_mac, w))
    pw = table.per_workload
    for f in GEMM_FIELDS:
        lay[f"gemm_{f}"] = _workload_rows(
            table, pw[f"gemm_{f}{'_scalesim' if scalesim else ''}"], w
        )
    R, C, lanes, df = col(cb.rows), col(cb.cols), col(cb.lanes), cb.dataflow[first]
    depth_u = None if scalesim else col(depth)
    cost_u = None if scalesim else col(cost)
    tr = _by_dataflow(
        df,
        lambda s: layer_traffic(
            R[s],
            C[s],
            lanes[s],
            df[s][:, None],
            None if depth_u is None else depth_u[s],
            {f: _rows(v, s) for f, v in lay.items()},
            scalesim,
            None if cost_u is None else cost_u[s],
        ),
    )
    engine_u = engine[first][:, None]
    if not scalesim and engine_u.any():
        # a depthwise layer on the design's depthwise engine reads each input once a tap,
        # each weight once and writes each output once
        g, F, W, px = lay["groups"], lay["F"], lay["W"], lay["px"]
        on_engine = lay["is_mac"] & (g > 1.0) & (F == 1.0) & engine_u
        tr = dict(tr)
        tr["weight_read"] = np.where(on_engine, g * W, tr["weight_read"])
        tr["input_read"] = np.where(on_engine, g * px * W, tr["input_read"])
        tr["output_write"] = np.where(on_engine, g * px, tr["output_write"])
        tr["output_read"] = np.where(on_engine, 0.0, tr["output_read"])
        tr["pe_read"] = np.where(on_engine, g * px * W, tr["pe_read"])  # one a MAC
    if elided is not None:  # fused activations and concatenation views move nothing
        gone = _workload_rows(table, elided, w)
        if gone.any():
            tr = {k: (np.where(gone, 0.0, v) if k in OPERAND_FIELDS else v) for k, v in tr.items()}
    return tr, inv


def _range_max(x: np.ndarray, last: np.ndarray) -> np.ndarray:
    """``out[:, i] = max(x[:, i : last[:, i] + 1])`` for ``(n, L)`` arrays (a sparse table:
    ``log2`` of the longest range numpy passes)."""
    n, L = x.shape
    idx = np.arange(L)
    length = np.maximum(last - idx, 0) + 1
    levels = [x]
    while (1 << len(levels)) <= length.max():
        prev, h = levels[-1], 1 << (len(levels) - 1)
        levels.append(np.maximum(prev, prev[:, np.minimum(idx + h, L - 1)]))
    k = np.floor(np.log2(length)).astype(np.int64)
    if len(levels) == 1:
        return x
    stack = np.stack(levels)  # (levels, n, L)
    rows = np.arange(n)[:, None]
    right = np.minimum(idx + length - (1 << k), L - 1)
    return np.maximum(stack[k, rows, idx], stack[k, rows, right])


def _activation_spills(
    plan: dict[str, np.ndarray],
    ws: np.ndarray,
    is_last: np.ndarray,
    cap_el: np.ndarray,
    net_in: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Off-chip activation traffic (elements) of each layer of designs whose live
    activations overflow the core memory (``cap_el`` elements, ``(n, 1)``).

    While a layer runs, the part of its live buffers beyond the capacity,
    ``1 - cap / live``, is off-chip, the same fraction of each (the compiler tiles every
    live tensor alike: a convolution streams its input and output in row bands, a GEMM in
    tiles, through the halo the band keeps on chip, so each off-chip byte crosses once).
    A buffer keeps the largest such fraction over its live range; that part is written
    once by its producer (unless it is the network output, already counted) and read once
    by each reader. A dense convolution whose row band (``plan["band"]``: kernel-height
    plus stride input rows and one output row) exceeds the room also splits its output
    channels and reads its input (and ``net_in``, the network input it reads, ``(n, L)``)
    once per channel tile; only the extra reads of the network input are added here (it
    is counted once as I/O). Returns ``(spilled layer mask, traffic)``, both ``(n, L)``.
    """
    live = plan["live"][ws]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(live > cap_el, 1.0 - cap_el / live, 0.0)
    f_buf = _range_max(frac, plan["last"][ws])
    spilled = f_buf * plan["store"][ws]
    write = np.where(is_last, 0.0, spilled)
    reads = plan["reads"][ws]  # (n, L, K)
    n, L, K = reads.shape
    got = spilled[np.arange(n)[:, None], np.maximum(reads, 0).reshape(n, L * K)]
    read = np.where(reads >= 0, got.reshape(n, L, K), 0.0).sum(axis=2)
    # a dense convolution whose row band does not fit splits its output channels and
    # re-reads its (off-chip) input band once per channel tile
    band = plan["band"][ws]
    tiles = np.where(band > cap_el, np.ceil(band / cap_el), 1.0)
    read = (read + net_in) * tiles - net_in
    return frac > 0.0, write + read


def _refetch_bound(table: WorkloadTable) -> np.ndarray:
    """``(n_workloads,)`` the largest ``min(weights, input) / groups`` of any layer: a room
    at least this large never re-fetches (:func:`_refetch_traffic`). Cached on the table."""
    cached = table.__dict__.get("_refetch_bound")
    if cached is None:
        A = table.arrays
        g = np.maximum(A["groups"], 1.0)
        cached = (np.minimum(A["weight_elems"], A["input_elems"]) / g).max(axis=1)
        table.__dict__["_refetch_bound"] = cached  # a WorkloadTable is immutable
    return cached


def _refetch_traffic(
    w_stream: np.ndarray, input_elems: np.ndarray, groups: np.ndarray, cap_el: np.ndarray
) -> np.ndarray:
    """Extra off-chip reads (elements) of layers whose streamed weights and input cannot
    share the core memory: the tiling a mapper picks when the room (``cap_el``, ``(n, 1)``)
    holds neither operand whole.

    Every input element of a group must meet every weight of that group. With the weights
    streaming from off-chip (not in the parameter cache, ``w_stream > 0``) the layer keeps
    one operand in the core memory a tile at a time and streams the other past each tile:

    * input tiles (row bands of ``cap_el`` elements) held, the weights streamed once per
      tile: ``ceil(I / cap) - 1`` extra passes of the weights;
    * weight tiles (output-channel slices) held, the input streamed once per tile:
      ``ceil(W / cap) - 1`` extra passes of the input (each tile completes its output
      channels, so the output is still written once).

    The cheaper of the two is kept (per group: a grouped convolution tiles each group on
    its own). An operand that fits the room is the one held, and the other streams once:
    no extra traffic. Weights in the parameter cache (``w_stream == 0``) meet every input
    band on chip, and the spill model already moves each activation byte once.

    Args:
        w_stream, input_elems, groups: ``(n, L)`` streamed weights, input elements and
            groups of each layer.
        cap_el: ``(n, 1)`` the core memory's room (elements).

    Returns:
        ``(n, L)`` extra elements read from off-chip.
    """
    out = np.zeros_like(w_stream)
    g = np.maximum(groups, 1.0)  # padded layers have no groups (and no weights)
    i_g, w_g = input_elems / g, w_stream / g
    # only designs that stream some weights and whose room is below a group's input
    need = ((w_g > cap_el) & (i_g > cap_el)).any(axis=1)
    if not need.any():
        return out
    rows = np.flatnonzero(need)
    cap = np.maximum(cap_el[rows], 1.0)
    wg, ig = w_g[rows], i_g[rows]
    extra_w = wg * np.maximum(np.ceil(ig / cap) - 1.0, 0.0)  # weights per input tile
    extra_i = ig * np.maximum(np.ceil(wg / cap) - 1.0, 0.0)  # input per weight tile
    out[rows] = g[rows] * np.minimum(extra_w, extra_i)
    return out
