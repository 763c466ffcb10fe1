"""Core-memory traffic of a GEMM on a systolic array, from a loop-nest view.

A MAC layer is ``groups`` GEMMs ``O[M, N] += I[M, K] W[N, K]`` with ``M = px`` output
pixels, ``N = F`` filters and ``K = W`` reduction elements (``lanes`` of them a MAC step).
Each dataflow puts two of the three dimensions on the array and streams the third (the
entries of :mod:`archgym.dataflows`, which the code below reads):

========  =============  ==============  =========  ====================  ===================
dataflow  array rows     array columns   streamed   stationary operand    row / column operand
========  =============  ==============  =========  ====================  ===================
``os``    ``M``          ``N``           ``K``      ``O`` (accumulators)  ``I`` / ``W``
``ws``    ``K``          ``N``           ``M``      ``W``                 ``I`` / ``O``
``is``    ``K``          ``M``           ``N``      ``I``                 ``W`` / ``O``
========  =============  ==============  =========  ====================  ===================

The layer is cut into ``fr x fc`` folds (tiles of the stationary operand). Below the
core memory the loop nest is ``for group of dr x dc tiles: for t in stream: for tile in
group``: the PE-local memories hold ``dr x dc`` stationary tiles at once (``depth``
tiles, double-buffered), and every streamed element read from the core memory is used by
all the tiles of its group before the next one is read. The operand indexed by the array
rows and the stream (the *row operand*) is then re-read once per column group
(``ceil(fc / dc)`` times); the operand indexed by the columns and the stream (the *column
operand*) once per row group (``ceil(fr / dr)`` times) - for an output that is
``ceil(fr / dr)`` writes of partial sums and ``ceil(fr / dr) - 1`` reads back, since the
row tiles of one group accumulate in the array's column accumulators. The stationary
operand crosses once.

``dr = dc = 1`` is SCALE-Sim's fixed order (one stationary tile, the whole stream a fold)
and gives exactly SCALE-Sim's SRAM read and write counts. In it a stationary value is
loaded once into its PE's operand register and stays latched for the whole stream (one
PE-memory access a stationary element); in a grouped order the PE cycles through its
tiles every step and reads its memory once a MAC. A mapper (ZigZag's LOMA, Timeloop)
chooses the loop order and the tile grouping per layer; :func:`core_traffic` evaluates
the fixed order and two grouped orders (row tiles inner, column tiles inner, each taking
as many tiles as the PE memory holds) and keeps, per layer, the one with the least
``core-memory elements + pe_cost x PE-memory accesses`` (``pe_cost``: the energy ratio of
the two memories' accesses) - never more than the fixed order.
"""

from __future__ import annotations

import numpy as np

from . import dataflows

__all__ = [
    "stationary_depth",
    "core_traffic",
    "layer_traffic",
    "gemm_sizes",
    "OPERAND_FIELDS",
    "GEMM_FIELDS",
]

#: Per-operand core-memory traffic, the keys :func:`core_traffic` returns (elements).
OPERAND_FIELDS: tuple[str, ...] = ("weight_read", "input_read", "output_write", "output_read")


def stationary_depth(
    pe_mem_bytes: np.ndarray, lanes: np.ndarray, dtype_bytes: np.ndarray, dataflow: np.ndarray
) -> np.ndarray:
    """Stationary tiles the PE-local memory holds at once, double-buffered.

    A tile is ``lanes`` elements a PE (weights in ``ws``, inputs in ``is``) or one 32-bit
    accumulator (``os``).

    Args:
        pe_mem_bytes, lanes, dtype_bytes, dataflow: ``(n,)`` arrays (dataflow codes
            0 = os, 1 = ws, 2 = is).

    Returns:
        ``(n,)`` float array, at least 1.
    """
    entry = dataflows.stationary_entry_bytes(dataflow, lanes, dtype_bytes)
    return np.maximum(np.floor(pe_mem_bytes / (2.0 * entry)), 1.0)


def _counts(df: np.ndarray, gr: np.ndarray, gc: np.ndarray, sizes: dict) -> dict[str, np.ndarray]:
    """Core-memory elements moved per operand, given the row groups ``gr`` (re-reads of
    the column operand) and column groups ``gc`` (re-reads of the row operand)."""
    wt, inp, out = sizes["w"], sizes["i"], sizes["o"]
    # passes over each operand: the stationary one once, the row operand once per column
    # group, the column operand once per row group (an output: writes, and reads back)
    p_out = dataflows.by_role(df, "O", 1.0, gc, gr)
    got = {
        "weight_read": wt * dataflows.by_role(df, "W", 1.0, gc, gr),
        "input_read": inp * dataflows.by_role(df, "I", 1.0, gc, gr),
        "output_write": out * p_out,
        "output_read": out * (p_out - 1.0),
    }
    shape = gr.shape  # (k, L): the (1, L) operands of one dataflow broadcast
    return {k: v if v.shape == shape else np.broadcast_to(v, shape) for k, v in got.items()}


def core_traffic(
    df: np.ndarray,
    fr: np.ndarray,
    fc: np.ndarray,
    weight_elems: np.ndarray,
    input_elems: np.ndarray,
    output_elems: np.ndarray,
    depth: np.ndarray | None,
    mac_elems: np.ndarray | None = None,
    pe_cost: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Core-memory reads and writes (elements) of each operand of each layer, and the
    PE-memory accesses of the stationary operand.

    In the fixed order a stationary value is loaded once into its PE's operand register
    and stays latched for the whole stream: one PE-memory access per stationary element.
    In a grouped order the PE cycles through its tiles every step: one access a MAC.

    Args:
        df: ``(k, 1)`` dataflow codes.
        fr, fc: ``(k, L)`` folds along the array rows and columns (per group).
        weight_elems, input_elems, output_elems: ``(k or 1, L)`` GEMM operand sizes
            (all groups: ``groups * N * K``, ``groups * M * K``, ``groups * M * N``).
        depth: ``(k, 1)`` stationary tiles the PE memory holds (:func:`stationary_depth`),
            or None for SCALE-Sim's fixed order only.
        mac_elems: ``(k or 1, L)`` MACs (``groups * M * N * K``); None: the PE accesses
            are not weighed (the order is chosen on core-memory elements alone).
        pe_cost: ``(k, 1)`` energy of a PE-memory access over a core-memory access (per
            element); the mapper minimises ``core elements + pe_cost x PE accesses``.

    Returns:
        ``{name: (k, L)}`` for the names of ``OPERAND_FIELDS`` and ``"pe_read"`` (PE
        accesses, elements), of the cheapest order, and ``"order"``: 0 fixed
        (SCALE-Sim), 1 row tiles grouped first, 2 column tiles grouped first.
    """
    sizes = {"w": weight_elems, "i": input_elems, "o": output_elems}
    stat = dataflows.by_operand("stationary", df, input_elems, weight_elems, output_elems)
    fixed_groups = np.ceil(fr), np.ceil(fc)  # one tile at a time: (gr, gc) = (fr, fc)
    if depth is None:
        best = _counts(df, *fixed_groups, sizes)
        best["pe_read"] = stat + 0.0 * fr
        best["order"] = np.zeros(np.broadcast_shapes(fr.shape, df.shape))
        return best
    # total elements moved as a function of the groups (gr, gc) of a candidate order:
    # row operand x gc + column operand x gr (outputs: 2 gr - 1 accesses) + stationary
    moved = (input_elems, weight_elems, 2.0 * output_elems)
    row_op = dataflows.by_operand("row", df, *moved)
    col_op = dataflows.by_operand("column", df, *moved)
    fixed = stat - np.where(dataflows.output_stationary(df), 0.0, output_elems)

    def groups(dr: np.ndarray, dc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.ceil(fr / dr), np.ceil(fc / dc)

    def total(gr: np.ndarray, gc: np.ndarray) -> np.ndarray:
        return row_op * gc + col_op * gr + fixed

    fr1, fc1 = np.maximum(fr, 1.0), np.maximum(fc, 1.0)
    d_r = np.minimum(fr1, depth)  # row tiles first, then columns with the room left
    g1 = groups(d_r, np.minimum(np.maximum(np.floor(depth / d_r), 1.0), fc1))
    d_c = np.minimum(fc1, depth)  # column tiles first, then rows
    g2 = groups(np.minimum(np.maximum(np.floor(depth / d_c), 1.0), fr1), d_c)
    t0, t1, t2 = total(*fixed_groups), total(*g1), total(*g2)
    if mac_elems is not None and pe_cost is not None:
        t0 = t0 + pe_cost * stat
        t1 = t1 + pe_cost * mac_elems
        t2 = t2 + pe_cost * mac_elems
    use1 = t1 < t0
    order = np.where(use1, 1.0, 0.0)
    use2 = t2 < np.minimum(t0, t1)
    order = np.where(use2, 2.0, order)
    gr = np.where(use2, g2[0], np.where(use1, g1[0], fixed_groups[0]))
    gc = np.where(use2, g2[1], np.where(use1, g1[1], fixed_groups[1]))
    best = _counts(df, gr, gc, sizes)
    grouped = order > 0
    best["pe_read"] = np.where(grouped, stat if mac_elems is None else mac_elems, stat)
    best["order"] = order
    return best


#: The GEMM operand sizes of a layer (all groups), :func:`gemm_sizes`.
GEMM_FIELDS: tuple[str, ...] = ("weight_elems", "input_elems", "output_elems", "macs")


def gemm_sizes(
    lay: dict[str, np.ndarray], scalesim: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The weight, input and output elements and the MACs of each layer's GEMM, all
    groups (``groups * N * K``, ``groups * M * K``, ``groups * M * N``,
    ``groups * M * N * K``), from the layer arrays of :func:`layer_traffic` (SCALE-Sim's
    ``M`` with ``scalesim``). They depend on the workload only: the cost model computes
    them once per workload table and passes them as ``lay["gemm_<name>"]``."""
    g, F, W = lay["groups"], lay["F"], lay["W"]
    gpx = g * (lay["px_scalesim"] if scalesim else lay["px"])
    return g * F * W, gpx * W, gpx * F, gpx * F * W


def layer_traffic(
    R: np.ndarray,
    C: np.ndarray,
    lanes: np.ndarray,
    df: np.ndarray,
    depth: np.ndarray | None,
    lay: dict[str, np.ndarray],
    scalesim: bool,
    pe_cost: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Core-memory traffic (elements) of every layer of a workload table on each array.

    Args:
        R, C, lanes, df, depth: ``(k, 1)`` columns (``depth`` None: SCALE-Sim's order).
        lay: the cost model's ``(k or 1, L)`` layer arrays (``groups``, ``px``,
            ``px_scalesim``, ``F``, ``W``, ``input_elems``, ``output_elems``, ``is_mac``,
            and optionally the precomputed ``gemm_<name>`` of :func:`gemm_sizes`).
        scalesim: use SCALE-Sim's convolution geometry (``px_scalesim``).
        pe_cost: ``(k, 1)`` PE-memory over core-memory energy an element (see
            :func:`core_traffic`).

    Returns:
        ``{name: (k, L)}`` for ``OPERAND_FIELDS`` plus ``"order"`` (see
        :func:`core_traffic`). A vector-unit layer reads its input and writes its output
        once.
    """
    F, W, is_mac = lay["F"], lay["W"], lay["is_mac"]
    px = lay["px_scalesim"] if scalesim else lay["px"]  # the caller may pass only this one
    Wl = np.ceil(W / lanes)
    Sr, Sc, _ = dataflows.on_array(df, px, F, Wl)
    fr = np.ceil(Sr / R)
    fc = np.ceil(Sc / C)
    if all(f"gemm_{k}" in lay for k in GEMM_FIELDS):
        w_el, i_el, o_el, macs = (lay[f"gemm_{k}"] for k in GEMM_FIELDS)
    else:
        w_el, i_el, o_el, macs = gemm_sizes(lay, scalesim)
    tr = core_traffic(df, fr, fc, w_el, i_el, o_el, depth, macs, pe_cost)
    return {
        "weight_read": np.where(is_mac, tr["weight_read"], 0.0),
        "input_read": np.where(is_mac, tr["input_read"], lay["input_elems"]),
        "output_write": np.where(is_mac, tr["output_write"], lay["output_elems"]),
        "output_read": np.where(is_mac, tr["output_read"], 0.0),
        "pe_read": np.where(is_mac, tr["pe_read"], 0.0),
        "order": np.where(is_mac, tr["order"], 0.0),
    }
