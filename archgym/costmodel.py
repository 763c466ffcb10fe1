"""The analytical cost model of the systolic-array accelerator, vectorised over designs
and layers.

A MAC layer is a GEMM view ``(groups, px, F, W)`` (see ``archgym.workloads.layers``).
Each dataflow maps it onto a ``rows x cols`` array as ``(Sr, Sc, T)`` = spatial rows,
spatial columns, temporal length:

========  ==========================  =============================
dataflow  (Sr, Sc, T)                 SCALE-Sim cycles of one fold
========  ==========================  =============================
``os``    ``(px, F, ceil(W/lanes))``  ``R + C + T - 2``
``ws``    ``(ceil(W/lanes), F, px)``  ``2R + C + T - 2``
``is``    ``(ceil(W/lanes), px, F)``  ``2R + C + T - 2``
========  ==========================  =============================

with ``folds = ceil(Sr/R) * ceil(Sc/C)`` a group (the table is :mod:`archgym.dataflows`'s
registry: one entry per dataflow). The MAC lanes of a PE consume the
reduction dimension ``lanes`` elements at a time (with ``lanes = 1``, the table is
SCALE-Sim's exactly).

**SCALE-Sim mode** (``mode="scalesim"``) reproduces SCALE-Sim 3's compute cycles: folds
run one after another, every group (a depthwise channel, an attention head) is a
separate layer starting from an empty array, a layer takes ``folds * per_fold - 1``
cycles, and convolutions use SCALE-Sim's geometry (the input taken as already padded,
output size ``ceil((H - F + S) / S)``). With ``cores > 1`` the fold units are split
evenly over the cores. Stalls, energy and area come from archgym's own memory and
technology model in both modes; SCALE-Sim's bandwidth model is not reproduced.

**Default mode** adds what real arrays (and the Edge TPU) do, each term switchable in
:class:`CostOptions`:

* ``pipeline_folds`` — consecutive folds overlap: the next weight (ws) or input (is)
  tile is preloaded, or the previous outputs drain (os), while the current fold
  computes; a fold costs ``max(T, R)`` cycles in steady state and the fill/drain skew
  (SCALE-Sim's per-fold cycles) is paid once a layer.
* ``pack_groups`` — small groups (depthwise channels, heads) are packed
  block-diagonally: ``min(R // Sr, C // Sc)`` groups share one fold when a group fits.
  Depthwise layers still use a few percent of the array, as on real systolic arrays.
* ``fused_activation`` — a MAC layer's fused activation runs on the vector unit as the
  results drain (``max`` of the two).
* ``op_overhead`` — the time a runtime spends dispatching each op that runs (instruction
  fetch, DMA set-up, synchronisation), by op kind, plus a fixed invoke time per inference,
  plus (where ``calibration.op_overhead_us_per_kib`` gives one) a term growing with the
  KiB of the op's input and output tensors. All global constants, calibrated once
  against measured Edge TPU latencies (``data/technology.yaml``,
  ``benchmarks/calibrate.py``); the shipped fit has no size term (see the YAML).
* ``fuse_add_activation`` — an activation whose only input is a residual add is fused
  into the add (TFLite's ``ADD`` with a fused ReLU, as the Edge TPU compiler runs it): no
  op, no dispatch, no buffer of its own.
* ``concat_view`` — a channel concatenation whose inputs are read by nothing else is a
  view: in NHWC the producers write their channels in place into slices of one buffer,
  so it neither copies nor dispatches (otherwise it is a copy on the vector unit).
* Host ops (``AcceleratorConfig.host_ops``, declared by presets whose chip lacks some
  ops; none by default) — ops the chip cannot run go to its host CPU as a partitioning
  compiler sends them (Vitis AI: DPU and CPU subgraphs): host passes over the tensors
  (the op, int8 -> float on the way in, float -> int8 on the way out) at ``host_gbps``,
  the crossing tensors through off-chip memory, and a round trip ``host_switch_us`` per
  host stretch, reported in ``overhead_cycles`` (see ``_host_ops``).
* Batch norm is folded into the convolutions by the workloads themselves.

**Memory, default mode** (as a compiler sees the chip):

* *Activation buffers with liveness.* Every op that runs writes one buffer, live from
  that op to its last reader: a residual or skip tensor stays live (and takes room)
  until the op that consumes it. While an op runs, every live buffer must be held
  (``MemoryPlan.live_elems``: its inputs, its output and all skipped tensors). The
  network's peak is the room the compiler keeps for activations.
* *Parameters* are cached in layer order in the room left: the PE-local memories
  (``pe_mem_kib`` each), or, on a chip with one shared pool
  (``AcceleratorConfig.shared_onchip``, declared by the ``edgetpu`` presets), the whole
  pool (all PE-local and core memory) less the activations' room: activations first,
  since a spilled activation byte crosses the link twice and an uncached parameter
  byte once. Parameters that do not fit stream from off-chip on every inference. On the
  Edge TPU this is what its compiler reports: the ~8 MB pool (``edgetpu``: 6 MiB of
  PE-local + 2 MiB of core memory), "on-chip memory used for caching model parameters"
  (the parameter cache) and "off-chip memory used for streaming uncached model
  parameters"; the rest of the pool is activation scratch. Without a shared pool
  (``eyeriss``) ``pe_mem_kib`` is the parameter cache and ``core_mem_kib`` the
  activation buffer.
* *Partial, tiled spills.* When an op's live buffers exceed the activation room, only
  what does not fit goes off-chip: the fraction ``1 - room / live`` of each live buffer
  (a convolution streams its input and output in row bands of kernel-height plus stride
  rows, keeping the halo on chip; a GEMM streams tiles; a dense convolution whose band
  does not fit either also splits its output channels and re-reads its input band once
  per channel tile). A buffer keeps the largest
  fraction over its live range; that part is written once by its producer and read
  once by each reader, so traffic grows smoothly with the overflow, and an add whose
  inputs are resident moves nothing.
* *Core-memory tiling of streamed weights.* A layer whose weights stream from off-chip
  must bring every weight of a group together with every input of that group. When the
  room holds neither the group's weights nor its input, the layer keeps one operand in
  the core memory a tile at a time and streams the other past each tile, the cheaper of
  the two: input row bands held and the weights re-fetched once per band
  (``ceil(I / room) - 1`` extra passes), or output-channel slices of the weights held and
  the input re-fetched once per slice (``ceil(W / room) - 1``). An operand that fits is
  the one held and the other streams once (no extra traffic); weights in the parameter
  cache meet every band on chip. The re-fetched bytes are off-chip traffic like any
  other: they stall the layer and cost DRAM energy alike.
* The network input and output always cross the off-chip interface, and that transfer
  is exposed; all other off-chip traffic is double-buffered against compute, so a layer
  stalls for ``max(0, offchip_cycles - compute_cycles)``.

**Memory, SCALE-Sim mode** keeps archgym's earlier model: parameters cached in the
PE-local memories only, and a layer whose input plus output exceed the core memory moves
both off-chip whole.

**Core-memory traffic** (both modes) comes from a loop-nest view
(:mod:`archgym.loopnest`), reported per operand (``sram_weight_read_bytes``,
``sram_input_read_bytes``, ``sram_output_write_bytes``, ``sram_output_read_bytes``; their
sum is ``sram_bytes``): SCALE-Sim mode keeps SCALE-Sim's fixed order and its counts
(operands re-read once per fold of the other dimension, partial sums re-read between
reduction folds); the default mode lets the PE-local memories hold several stationary
tiles and keeps, per layer, the cheapest of three loop orders, as a mapper would,
weighing core-memory against PE-memory accesses by their energies. PE-memory accesses
(``pe_accesses``) come from the same loop nest: a stationary value latched in its PE for
the whole stream in the fixed order, one access a MAC in a grouped order.

**Energy**: MACs x MAC energy (by datatype), PE accesses x bytes x the PE memory's
per-byte energy, core reads and writes x the core memory's per-byte read and write
energy (off-chip loads and stores also pass through the core memory, one access a
byte), vector ops x the vector-op energy, off-chip bytes x DRAM energy, and leakage
(SRAM bits and MAC logic) over the latency. The MAC energy includes its 32-bit
accumulation: the adder and the register at its output, written every MAC in every
dataflow (the accumulator of an ``os`` PE, the partial sum a ``ws`` / ``is`` PE passes
on), so it is part of a MAC and not charged as a memory access; a PE memory is charged
where a loop order reads it (a latched stationary value once, a PE cycling through
several tiles every MAC). SRAM energy per access is a CACTI-7 fit in
the memory's size and port width (a PE memory's port is one MAC step, ``lanes``
elements; the core memory's is ``sram.core_width_bits``). Every on-chip energy scales
with the design's technology node ``node_nm`` (Stillmaker & Baas); off-chip energy does
not. **Area**: MAC units with their PE logic and the vector unit (scaled by the node's
logic-area factor), PE-local and core memories (by its published SRAM cell), and the
off-chip interface (PHY and controller area per GB/s, ``offchip_interface`` in the
technology table, not scaled: I/O barely shrinks), so a search cannot buy bandwidth for
free.

**Batch**: a workload of batch ``B`` is evaluated as one call on ``B`` images (its lowered
form has ``B`` times the GEMM rows, MACs, activations and vector ops, the same weights):
``latency_ms`` and ``energy_mj`` are per call, ``throughput`` is ``B / latency``
(inferences per second). Weights streamed from off-chip are fetched once per call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np

from . import dataflows
from .accelerator import DATAFLOWS, DTYPES, AcceleratorConfig, ConfigBatch, as_batch
from .loopnest import GEMM_FIELDS, OPERAND_FIELDS, gemm_sizes, layer_traffic, stationary_depth
from .technology import Technology, load_technology

__all__ = [
    "CostOptions",
    "SimReport",
    "BatchReport",
    "WorkloadTable",
    "simulate",
    "simulate_batch",
    "area_mm2",
    "TOTAL_FIELDS",
]

Mode = Literal["default", "scalesim"]

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


@dataclass(frozen=True)
class CostOptions:
    """Switches of the default mode (all on by default; SCALE-Sim mode turns all off).

    Attributes:
        pipeline_folds: consecutive folds overlap (see the module docstring).
        pack_groups: small groups share one fold, block-diagonally.
        fused_activation: a MAC layer's activation runs as its results drain.
        op_overhead: the calibrated per-op dispatch and per-invoke costs.
        fuse_add_activation: an activation whose only input is a residual add (consumed by
            nothing else) is fused into the add, as the TFLite converter and the Edge TPU
            compiler do (``ADD`` with a fused ReLU/ReLU6): no op of its own, no dispatch,
            no buffer of its own; its vector work stays (in the energy).
        concat_view: a channel concatenation whose inputs are each read by nothing else is
            a view: its producers write their channels in place into one NHWC buffer
            (strided writes), so the concatenation neither copies nor dispatches.
            Otherwise it is a copy on the vector unit.
    """

    pipeline_folds: bool = True
    pack_groups: bool = True
    fused_activation: bool = True
    op_overhead: bool = True
    fuse_add_activation: bool = True
    concat_view: bool = True

    @classmethod
    def for_mode(cls, mode: str) -> CostOptions:
        if mode == "default":
            return cls()
        if mode == "scalesim":
            return cls(
                pipeline_folds=False,
                pack_groups=False,
                fused_activation=False,
                op_overhead=False,
                fuse_add_activation=False,
                concat_view=False,
            )
        raise ValueError(f"mode must be one of 'default', 'scalesim', got {mode!r}")


# ------------------------------------------------------------------------------------------
# Layer tables
# ------------------------------------------------------------------------------------------

_LAYER_FIELDS = (
    "groups",
    "px",
    "px_scalesim",
    "F",
    "W",
    "macs",
    "macs_scalesim",
    "weight_elems",
    "input_elems",
    "output_elems",
    "vector_ops",
)


@dataclass(frozen=True)
class WorkloadTable:
    """One or more workloads as ``(n_workloads, max_layers)`` arrays, zero-padded.

    Build once with :meth:`from_workloads` and pass with a ``workload_index`` to
    :func:`simulate_batch` to evaluate designs that each run a different workload (a
    neural-architecture choice) in one vectorised call.
    """

    names: tuple[str, ...]
    layer_names: tuple[tuple[str, ...], ...]
    kind: np.ndarray
    valid: np.ndarray
    is_mac: np.ndarray
    is_first: np.ndarray
    is_last: np.ndarray
    cum_weight_elems: np.ndarray
    kind_counts: np.ndarray  # (n_workloads, n_kinds): layers of each kind
    arrays: dict[str, np.ndarray] = field(repr=False)
    #: The memory plans of every workload (see ``MemoryPlan``) under each combination of
    #: the fusion rules, as arrays keyed ``"<fuse_add_activation><concat_view>.<name>"``
    #: (e.g. ``"11.live"``): ``elided``, ``store``, ``live``, ``last`` ``(n_workloads,
    #: max_layers)``, ``reads`` ``(n_workloads, max_layers, k)``, ``kind_counts`` and
    #: ``kind_elems`` ``(n_workloads, n_kinds)``, ``peak`` ``(n_workloads,)``.
    plans: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    batch: np.ndarray | None = None  # (n_workloads,): images per call (None: all 1)
    #: ``(n_workloads, max_layers)`` int64: the bit (``HOST_OPS`` order) of each layer's
    #: function a chip may leave to its host (its fused or own activation, or its kind for
    #: softmax / layer norm); 0 for none. Read by the host-ops term (``_host_ops``).
    fn_bits: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64), repr=False)
    #: ``(n_workloads, max_layers, k)`` int64: the producer layer of each input of each
    #: layer (-1: the workload input, -2: no input).
    sources: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0), np.int64), repr=False)

    @property
    def n_workloads(self) -> int:
        return len(self.names)

    @property
    def max_layers(self) -> int:
        return int(self.valid.shape[1])

    @classmethod
    def from_workloads(cls, workloads: Sequence[Any]) -> WorkloadTable:
        lows = [w.lowered for w in workloads]
        n, L = len(lows), max(lw.n_layers for lw in lows)
        arrays = {f: np.zeros((n, L)) for f in _LAYER_FIELDS}
        kind = np.full((n, L), -1, np.int8)
        valid = np.zeros((n, L), bool)
        is_mac = np.zeros((n, L), bool)
        is_first = np.zeros((n, L), bool)
        is_last = np.zeros((n, L), bool)
        for i, lw in enumerate(lows):
            k = lw.n_layers
            for f in _LAYER_FIELDS:
                if f == "macs_scalesim":
                    arrays[f][i, :k] = lw.groups * lw.px_scalesim * lw.F * lw.W
                else:
                    arrays[f][i, :k] = getattr(lw, f)
            kind[i, :k] = lw.kind
            valid[i, :k] = True
            is_mac[i, :k] = lw.is_mac
            is_first[i, :k] = lw.is_first
            is_last[i, :k] = lw.is_last
        cum = np.cumsum(arrays["weight_elems"], axis=1)
        from .workloads.workload import KIND_CODES

        counts = np.stack(
            [((kind == c) & valid).sum(axis=1) for c in range(len(KIND_CODES))], axis=1
        )
        fn_bits, sources = _host_arrays(workloads, lows, L)
        return cls(
            fn_bits=fn_bits,
            sources=sources,
            plans=_plan_arrays(lows, L),
            names=tuple(lw.name for lw in lows),
            layer_names=tuple(lw.layer_names for lw in lows),
            kind=kind,
            valid=valid,
            is_mac=is_mac,
            is_first=is_first,
            is_last=is_last,
            cum_weight_elems=cum,
            kind_counts=counts.astype(np.float64),
            arrays=arrays,
            batch=np.array([lw.batch for lw in lows], np.float64),
        )

    def plan(self, opts: CostOptions) -> dict[str, np.ndarray]:
        """The memory-plan arrays (see ``plans``) under the fusion rules of ``opts``."""
        key = _plan_key(opts.fuse_add_activation, opts.concat_view)
        cache = self.__dict__.setdefault("_plan_cache", {})  # a table is immutable
        got = cache.get(key)
        if got is None:
            got = cache[key] = {k: self.plans[f"{key}.{k}"] for k in _PLAN_FIELDS}
        return dict(got)

    def vector_ops(self, opts: CostOptions) -> np.ndarray:
        """``(n_workloads, max_layers)`` vector-unit operations each layer runs under
        ``opts``: a MAC layer's fused activation only with ``fused_activation``, none for
        an elided concatenation (a view); a fused activation's ops run in its add."""
        key = (opts.fused_activation, _plan_key(opts.fuse_add_activation, opts.concat_view))
        cache = self.__dict__.setdefault("_vops_cache", {})  # a table is immutable
        got = cache.get(key)
        if got is None:
            v = self.arrays["vector_ops"]
            if not opts.fused_activation:
                v = np.where(self.is_mac, 0.0, v)
            elided = self.plans[f"{key[1]}.elided"]
            got = cache[key] = np.where(elided & self.per_workload["is_concat"], 0.0, v)
            got.setflags(write=False)
        return got

    @cached_property
    def per_workload(self) -> dict[str, np.ndarray]:
        """Arrays every evaluation needs that depend only on the workloads, computed once
        per table: ``macs`` and ``macs_scalesim`` (total MACs, ``(n_workloads,)``),
        ``weight_elems`` (total parameters), ``io`` (network input and output elements,
        ``(n_workloads, max_layers)``), ``io_total``, ``act`` (input plus output elements
        of each layer), ``act_max``, ``net_in`` (the network input a layer reads),
        ``is_concat``, and ``gemm_<name>`` / ``gemm_<name>_scalesim`` for the names of
        ``loopnest.GEMM_FIELDS`` (each GEMM's operand sizes and MACs, all groups)."""
        A = self.arrays
        act = A["input_elems"] + A["output_elems"]
        io = np.where(self.is_first, A["input_elems"], 0.0) + np.where(
            self.is_last, A["output_elems"], 0.0
        )
        from .workloads.workload import KIND_CODES

        out = {
            "macs": A["macs"].sum(axis=1),
            "macs_scalesim": A["macs_scalesim"].sum(axis=1),
            "weight_elems": A["weight_elems"].sum(axis=1),
            "act": act,
            "io": io,
            "io_total": io.sum(axis=1),
            "act_max": act.max(axis=1),
            "net_in": np.where(self.is_first, A["input_elems"], 0.0),
            "is_concat": self.kind == KIND_CODES.get("concat", -99),
        }
        for scalesim in (False, True):  # the GEMM operand sizes (archgym.loopnest)
            sizes = gemm_sizes(A, scalesim)
            for f, v in zip(GEMM_FIELDS, sizes, strict=True):
                out[f"gemm_{f}{'_scalesim' if scalesim else ''}"] = v
        for v in out.values():
            v.setflags(write=False)
        return out


def _host_arrays(workloads: Sequence[Any], lows: Sequence[Any], L: int) -> tuple[np.ndarray, ...]:
    """``(fn_bits, sources)`` of :class:`WorkloadTable` (see there)."""
    from .accelerator import HOST_OPS

    n = len(lows)
    K = max([len(s) for lw in lows for s in lw.sources] + [1])
    fn_bits = np.zeros((n, L), np.int64)
    sources = np.full((n, L, K), -2, np.int64)
    for i, (w, lw) in enumerate(zip(workloads, lows, strict=True)):
        for j, layer in enumerate(w.layers):
            fn = getattr(layer, "activation", None) or getattr(layer, "fn", None)
            if layer.kind in ("softmax", "layernorm"):
                fn = layer.kind
            if fn in HOST_OPS:
                fn_bits[i, j] = 1 << HOST_OPS.index(fn)
        for j, src in enumerate(lw.sources):
            sources[i, j, : len(src)] = src
    return fn_bits, sources


_PLAN_FIELDS = (
    "elided",
    "store",
    "live",
    "last",
    "reads",
    "band",
    "kind_counts",
    "kind_elems",
    "peak",
)
_PLAN_COMBOS = ((False, False), (False, True), (True, False), (True, True))


def _plan_key(fuse_add_activation: bool, concat_view: bool) -> str:
    return f"{int(fuse_add_activation)}{int(concat_view)}"


def _plan_arrays(lows: Sequence[Any], L: int) -> dict[str, np.ndarray]:
    """Every workload's memory plan under every fusion combination, as padded arrays."""
    from .workloads.workload import KIND_CODES

    n = len(lows)
    plans = {c: [lw.memory_plan(*c) for lw in lows] for c in _PLAN_COMBOS}
    K = max(p.reads.shape[1] for ps in plans.values() for p in ps)
    out: dict[str, np.ndarray] = {}
    for c, ps in plans.items():
        key = _plan_key(*c)
        elided = np.zeros((n, L), bool)
        store = np.zeros((n, L))
        live = np.zeros((n, L))
        last = np.tile(np.arange(L, dtype=np.int64), (n, 1))
        reads = np.full((n, L, K), -2, np.int64)
        kind_elems = np.zeros((n, len(KIND_CODES)))
        band = np.zeros((n, L))
        for i, (lw, p) in enumerate(zip(lows, ps, strict=True)):
            k = lw.n_layers
            if lw.reread_band_elems is not None:
                band[i, :k] = lw.reread_band_elems
            elided[i, :k] = p.elided
            store[i, :k] = p.store_elems
            live[i, :k] = p.live_elems
            last[i, :k] = p.last_use
            reads[i, :k, : p.reads.shape[1]] = p.reads
            run = ~p.elided
            np.add.at(
                kind_elems[i],
                lw.kind[run].astype(np.int64),
                (lw.input_elems + lw.output_elems)[run],
            )
        out[f"{key}.elided"] = elided
        out[f"{key}.store"] = store
        out[f"{key}.live"] = live
        out[f"{key}.last"] = last
        out[f"{key}.reads"] = reads
        out[f"{key}.band"] = band
        out[f"{key}.kind_counts"] = np.stack([p.kind_counts for p in ps])
        out[f"{key}.kind_elems"] = kind_elems
        out[f"{key}.peak"] = np.array([p.peak_live_elems for p in ps])
    return out


# ------------------------------------------------------------------------------------------
# The vectorised core
# ------------------------------------------------------------------------------------------


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


_ONE_ROW = np.zeros(1, np.intp)
_ONE_ROW.setflags(write=False)


def _distinct(cols: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``n`` designs' key columns (each ``(n,)``, integer, boolean or
    float, compared by value).

    Each column is factorised on its own (a column that holds one value is skipped) and
    the codes are combined into one integer, compressed whenever the combination could
    overflow. Returns ``(first, inverse)``: ``first`` ``(m,)`` indexes one design of each
    distinct row, and design ``i`` has distinct row ``inverse[i]`` (``(n,)``)."""
    n = cols[0].shape[0]
    if n == 1:
        return _ONE_ROW, _ONE_ROW
    code = np.zeros(n, np.int64)
    radix = 1
    for c in cols:
        if c[0] == c[-1] and (c == c[0]).all():
            continue
        u, ci = np.unique(c, return_inverse=True)
        if radix * len(u) > 2**62:
            _, code = np.unique(code, return_inverse=True)
            radix = int(code.max()) + 1
        code = code * len(u) + ci.reshape(-1)
        radix *= len(u)
    if radix == 1:
        return _ONE_ROW, np.zeros(n, np.intp)
    _, first, inv = np.unique(code, return_index=True, return_inverse=True)
    return first, inv.reshape(-1)


def _unique_rows(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(key, axis=0, return_inverse=True)`` for an ``(n, m)`` array (integers
    or floats) by value, fast (see :func:`_distinct`); the distinct rows come in the order
    of their first design."""
    first, inv = _distinct([key[:, j] for j in range(key.shape[1])])
    return key[first], inv


def _workload_rows(table: WorkloadTable, a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``a[w]`` for a ``(n_workloads, L)`` array of ``table`` and workload indices ``w``;
    for a table of one workload ``a`` itself, ``(1, L)``, which broadcasts (no copy)."""
    return a if table.n_workloads == 1 else a[w]


def _by_dataflow(
    df: np.ndarray,
    fn: Callable[[slice], dict[str, np.ndarray]],
) -> dict[str, np.ndarray]:
    """Run ``fn`` on each run of distinct designs that share one dataflow and stack the
    ``(rows, L)`` results in order. ``df``: ``(k,)`` the dataflow codes of the distinct
    designs, best sorted (:func:`_distinct` with the dataflow as the leading key column:
    one run per dataflow). Within one dataflow its rules pick whole arrays
    (``archgym.dataflows``): no per-element choice between the three, which is most of
    the work of a mixed batch."""
    cuts = np.flatnonzero(df[1:] != df[:-1]) + 1
    if cuts.size == 0:
        return fn(slice(None))
    bounds = [0, *cuts.tolist(), len(df)]
    parts = [fn(slice(a, b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _rows(a: np.ndarray, s: slice) -> np.ndarray:
    """The designs ``s`` of a ``(k, ...)`` array; a ``(1, ...)`` array (one workload)
    broadcasts to all."""
    return a if a.shape[0] == 1 else a[s]


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


def _evaluate(
    cb: ConfigBatch,
    table: WorkloadTable,
    widx: np.ndarray | None,
    opts: CostOptions,
    scalesim: bool,
    tech: Technology,
    per_layer: bool,
) -> dict[str, np.ndarray]:
    """Evaluate ``len(cb)`` designs; design ``i`` runs workload ``widx[i]`` of ``table``
    (or its only workload when ``widx`` is None).

    The array mapping depends only on (rows, cols, lanes, cores, dataflow, workload), so it
    is computed once per distinct key; per-layer stalls are computed only for designs that
    move parameters or activations off-chip (all others stall only for the exposed input
    and output transfer). Returns per-design totals (shape ``(n,)``) and, with
    ``per_layer``, ``(n, L)`` arrays under keys prefixed ``layer_``.
    """
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
    from .workloads.workload import KIND_CODES

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


#: Totals and per-layer arrays that add up over the calls of a batch split into several.
_ADDITIVE = (
    "compute_cycles",
    "stall_cycles",
    "overhead_cycles",
    "total_cycles",
    "latency_ms",
    "energy_mj",
    "macs",
    "pe_accesses",
    "sram_bytes",
    "sram_weight_read_bytes",
    "sram_input_read_bytes",
    "sram_output_write_bytes",
    "sram_output_read_bytes",
    "dram_bytes",
    "energy_mac_mj",
    "energy_pe_mj",
    "energy_sram_mj",
    "energy_vector_mj",
    "energy_dram_mj",
    "energy_leakage_mj",
)


def _evaluate_calls(
    cb: ConfigBatch,
    table: WorkloadTable,
    widx: np.ndarray | None,
    opts: CostOptions,
    scalesim: bool,
    tech: Technology,
    per_layer: bool,
) -> dict[str, np.ndarray]:
    """:func:`_evaluate`, with a workload of batch ``B`` on a design whose compiled calls
    take at most ``max_batch < B`` images (``AcceleratorConfig.max_batch``) run as
    ``ceil(B / max_batch)`` calls of ``max_batch`` images one after another: the additive
    totals (cycles, latency, energy, traffic, MACs) of one call times the number of calls,
    the throughput ``B`` over that latency. SCALE-Sim mode has no calls: it never splits."""
    mb = cb.max_batch
    assert mb is not None
    if scalesim or table.batch is None or table.batch.max() <= 1 or not mb.any():
        return _evaluate(cb, table, widx, opts, scalesim, tech, per_layer)
    n = len(cb)
    wi = np.zeros(n, np.int64) if widx is None else np.asarray(widx, np.int64)
    B = np.ones(n) if table.batch is None else table.batch[wi]
    split = (mb > 0) & (B > mb)
    if not split.any():
        return _evaluate(cb, table, widx, opts, scalesim, tech, per_layer)
    keep = np.flatnonzero(~split)
    sel = np.flatnonzero(split)
    pairs, pinv = _unique_rows(np.stack([wi[sel], mb[sel]], axis=1))
    part = _evaluate(
        cb.take(sel),
        _per_call_table(table, pairs[:, 0], pairs[:, 1].astype(np.float64)),
        pinv,
        opts,
        scalesim,
        tech,
        per_layer,
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
    rest = _evaluate(
        cb.take(keep), table, None if widx is None else wi[keep], opts, scalesim, tech, per_layer
    )
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


def _overhead_per_workload(
    table: WorkloadTable,
    plan: dict[str, np.ndarray],
    tech: Technology,
    oh_kind: np.ndarray,
    oh_size: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per workload of ``table`` (``(n_workloads,)`` each): the dispatch time (us) of its
    ops that run plus the invoke time, and the sum over its ops of the size term's
    elements (times the per-KiB constant; the caller converts elements to KiB). Cached on
    the table per memory plan and technology."""
    cache = table.__dict__.setdefault("_overhead_cache", {})  # a table is immutable
    key = id(plan["kind_counts"])
    got = cache.get(key)
    if got is None or got[0] is not tech:
        got = cache[key] = (
            tech,
            plan["kind_counts"] @ oh_kind + tech.invoke_overhead_us,
            plan["kind_elems"] @ oh_size,
        )
    return got[1], got[2]


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


def _size_overhead_us_per_kib(tech: Technology) -> np.ndarray:
    """Dispatch time (us) per KiB of an op's input and output tensors, by layer kind
    (``calibration.op_overhead_us_per_kib`` in the technology table; 0 where absent)."""
    cached = tech.__dict__.get("_size_overhead_us_per_kib")
    if cached is not None:
        return cached
    from .technology import OVERHEAD_GROUPS
    from .workloads.workload import KIND_CODES

    table = (tech.raw.get("calibration") or {}).get("op_overhead_us_per_kib") or {}
    out = np.zeros(len(KIND_CODES))
    for kind, code in KIND_CODES.items():
        out[code] = float(table.get(OVERHEAD_GROUPS.get(kind, kind), 0.0))
    out.setflags(write=False)
    tech.__dict__["_size_overhead_us_per_kib"] = out  # a Technology is immutable
    return out


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


# ------------------------------------------------------------------------------------------
# Reports and the public entry points
# ------------------------------------------------------------------------------------------


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


def _as_table(workload: Any) -> tuple[WorkloadTable, bool]:
    from .workloads import Layer, Workload

    if isinstance(workload, WorkloadTable):
        return workload, workload.n_workloads == 1
    if isinstance(workload, Layer):
        workload = Workload([workload], name=workload.name or workload.kind)
    if isinstance(workload, str):
        from .workloads.zoo import load

        workload = load(workload)
    if isinstance(workload, Workload):
        return _single_table(workload), True
    raise TypeError(
        f"expected a Workload, a Layer, a zoo name or a WorkloadTable, got {type(workload).__name__}"
    )


def _single_table(workload: Any) -> WorkloadTable:
    cached = getattr(workload, "_archgym_table", None)
    if cached is None:
        cached = WorkloadTable.from_workloads([workload])
        workload._archgym_table = cached  # a Workload is immutable; cache its table on it
    return cached


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
    data = _evaluate_calls(cb, table, workload_index, opts, scalesim, tech, per_layer)
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
    from .workloads import KIND_CODES

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


# Re-exported for convenience.
_ = (DATAFLOWS, DTYPES)
