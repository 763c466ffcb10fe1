"""Host ops: the ops a chip cannot run, sent to its host CPU as a partitioning compiler
sends them (passes over the tensors, the crossings through off-chip memory, one round trip
per host stretch)."""

from __future__ import annotations

import numpy as np

from ..accelerator import ConfigBatch
from .grouping import _unique_rows
from .table import WorkloadTable


def _host_ops(
    cb: ConfigBatch,
    table: WorkloadTable,
    wi: np.ndarray,
    m: dict[str, np.ndarray],
    inv: np.ndarray,
) -> dict[str, np.ndarray] | None:
    """The ops a chip leaves to its host CPU (``AcceleratorConfig.host_ops``), as a
    compiler that partitions the graph at unsupported ops runs them (Vitis AI: DPU and CPU
    subgraphs, the tensors crossing through DDR).

    A layer runs on the host when its kind (softmax, layer norm) or its own activation is a
    host op; a MAC layer with a fused host activation runs its MACs on the chip and the
    activation on the host; an element-wise layer reading a host output runs on the host
    (the input arrives unquantised, in float, so the quantiser leaves it there too). The
    host works in passes over tensors: one for each op, one converting each chip tensor it
    reads (int8 -> float, Vitis AI's ``fix2float``) and one converting each output a chip
    layer reads (``float2fix``), each pass streaming ``elements x dtype bytes`` at
    ``host_gbps``; the crossing tensors move through off-chip memory at ``bandwidth_gbps``
    (exposed: the chip waits); each host stretch whose output returns to the chip costs
    one round trip ``host_switch_us``.

    Args:
        m, inv: the mapping (``_mapping``: ``compute`` and ``mac`` cycles, ``(k, L)``) and
            each design's row of it.

    Returns:
        None when no design has host ops; otherwise ``(n,)`` arrays ``cycles`` (host time
        in chip cycles), ``removed`` (chip cycles of the work moved to the host) and
        ``dram_bytes`` (the crossing tensors), and ``(n, L)`` ``layer_cycles`` and
        ``on_host`` (the layer's op runs on the host).
    """
    assert cb.host_ops is not None and cb.host_gbps is not None
    assert cb.host_switch_us is not None
    mask = cb.host_ops
    if not mask.any():
        return None
    if table.fn_bits.shape != table.valid.shape:
        raise ValueError(
            "this WorkloadTable has no host-op arrays (fn_bits, sources): build it with "
            "WorkloadTable.from_workloads"
        )
    from ..workloads.workload import KIND_CODES

    upair, pinv = _unique_rows(np.stack([wi, mask], axis=1))
    w, pm = upair[:, 0], upair[:, 1]
    P, L = len(w), table.max_layers
    valid = table.valid[w]
    mac = table.is_mac[w]
    eltw = table.kind[w] == KIND_CODES["eltwise"]
    own = (table.fn_bits[w] & pm[:, None]) != 0
    src = table.sources[w]
    out_el = table.arrays["output_elems"][w]
    in_el = table.arrays["input_elems"][w]
    rows = np.arange(P)
    on_host = np.zeros((P, L), bool)  # the layer (or its fused activation) runs on the host
    out_host = np.zeros((P, L), bool)  # its output is produced on the host
    d2h = np.zeros((P, L))  # chip-made elements the layer's host part converts in
    for j in range(L):
        s = src[:, j, :]
        ok = s >= 0
        from_host = (out_host[rows[:, None], np.maximum(s, 0)] & ok).any(axis=1)
        whole = valid[:, j] & ((own[:, j] & ~mac[:, j]) | (eltw[:, j] & from_host))
        act = valid[:, j] & own[:, j] & mac[:, j]
        on_host[:, j] = whole | act
        out_host[:, j] = whole | act
        # inputs made on the chip (or the network input) cross to the host
        chip_in = np.where(
            ok & ~out_host[rows[:, None], np.maximum(s, 0)],
            out_el[rows[:, None], np.maximum(s, 0)],
            0.0,
        ).sum(axis=1) + np.where((s == -1).any(axis=1), in_el[:, j], 0.0)
        d2h[:, j] = np.where(whole, chip_in, np.where(act, out_el[:, j], 0.0))
    # outputs a chip layer (or the network output) reads come back
    chip_reader = table.is_last[w] & valid
    for j in range(L):
        for k in range(src.shape[2]):
            s = src[:, j, k]
            ok = (s >= 0) & valid[:, j] & ~on_host[:, j]
            chip_reader[rows[ok], s[ok]] = True
    back = out_host & chip_reader
    h2d = np.where(back, out_el, 0.0)
    passes = np.where(on_host, out_el, 0.0) + d2h + h2d  # elements streamed on the host
    cross = d2h + h2d  # elements crossing through off-chip memory
    b = cb.dtype_bytes[:, None]
    fq = cb.freq_mhz[:, None]
    us = (
        passes[pinv] * b / (cb.host_gbps[:, None] * 1e3)
        + cross[pinv] * b / (cb.bandwidth_gbps[:, None] * 1e3)
        + back[pinv] * cb.host_switch_us[:, None]
    )
    layer_cycles = us * fq
    host_l = on_host[pinv]
    whole_l = host_l & ~table.is_mac[wi]
    compute_l, mac_l = m["compute"][inv], m["mac"][inv]
    removed = np.where(whole_l, compute_l, np.where(host_l, compute_l - mac_l, 0.0)).sum(axis=1)
    return {
        "cycles": layer_cycles.sum(axis=1),
        "removed": removed,
        "dram_bytes": (cross[pinv] * b).sum(axis=1),
        "layer_cycles": layer_cycles,
        "on_host": host_l,
    }
