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

**Layout.** :mod:`.options` (``Mode``, :class:`CostOptions`), :mod:`.table`
(:class:`WorkloadTable` and its memory plans), :mod:`.grouping` (distinct designs and
dataflow runs), :mod:`.mapping` (array mapping and compute cycles), :mod:`.memory`
(traffic, spills, refetches), :mod:`.host` (host ops), :mod:`.overhead` (dispatch
overhead), :mod:`.area` (silicon area), :mod:`.evaluate` (the vectorised core and calls),
:mod:`.report` (``TOTAL_FIELDS`` and the reports), :mod:`.simulate` (the entry points).
Every name, public or private, stays importable from ``archgym.costmodel``; patch a
private function in the submodule that calls it.
"""

from __future__ import annotations

from ..accelerator import DATAFLOWS, DTYPES
from .area import area_mm2, offchip_area_mm2_per_gbps
from .evaluate import _ADDITIVE, _evaluate, _evaluate_calls, _per_call_table
from .grouping import _ONE_ROW, _by_dataflow, _distinct, _rows, _unique_rows, _workload_rows
from .host import _host_ops
from .mapping import _mapping
from .memory import (
    _activation_spills,
    _range_max,
    _refetch_bound,
    _refetch_traffic,
    _traffic,
)
from .options import CostOptions, Mode
from .overhead import _overhead_per_workload, _size_overhead_us_per_kib
from .report import TOTAL_FIELDS, BatchReport, SimReport
from .simulate import simulate, simulate_batch
from .table import (
    _LAYER_FIELDS,
    _PLAN_COMBOS,
    _PLAN_FIELDS,
    WorkloadTable,
    _as_table,
    _host_arrays,
    _plan_arrays,
    _plan_key,
    _single_table,
)

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

# Re-exported for convenience (and the private helpers, for tests and tools that use them).
_ = (DATAFLOWS, DTYPES)
_PRIVATE = (
    _ADDITIVE,
    _evaluate,
    _evaluate_calls,
    _per_call_table,
    _ONE_ROW,
    _by_dataflow,
    _distinct,
    _rows,
    _unique_rows,
    _workload_rows,
    _host_ops,
    _mapping,
    _activation_spills,
    _range_max,
    _refetch_bound,
    _refetch_traffic,
    _traffic,
    _overhead_per_workload,
    _size_overhead_us_per_kib,
    _LAYER_FIELDS,
    _PLAN_COMBOS,
    _PLAN_FIELDS,
    _as_table,
    _host_arrays,
    _plan_arrays,
    _plan_key,
    _single_table,
    Mode,
    offchip_area_mm2_per_gbps,
)
