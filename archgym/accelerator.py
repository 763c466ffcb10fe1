"""The parametric systolic-array accelerator: one frozen, validated configuration, and a
batch of them as arrays (what the vectorised cost model evaluates).

The template is Edge-TPU-like: ``cores`` cores, each a systolic array of ``rows x cols``
processing elements (PEs) with ``lanes`` MAC units each; every PE has ``pe_mem_kib`` of
local memory (the parameter cache), every core ``core_mem_kib`` of shared memory (the
activation buffer); an off-chip interface of ``bandwidth_gbps`` gigabytes per second; a
clock of ``freq_mhz``; a dataflow (output-, weight- or input-stationary), a datatype and
the CMOS technology node ``node_nm`` that scales its energy and area (see
``archgym/data/technology.yaml``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

__all__ = [
    "AcceleratorConfig",
    "ConfigBatch",
    "ConfigError",
    "DATAFLOWS",
    "DTYPES",
    "DTYPE_BYTES",
    "PRESETS",
    "NODES_NM",
]

#: Dataflows, in the order of their integer codes.
DATAFLOWS: tuple[str, ...] = ("os", "ws", "is")
#: Datatypes, in the order of their integer codes.
DTYPES: tuple[str, ...] = ("int8", "bf16", "fp16", "fp32")
#: Bytes per element of each datatype.
DTYPE_BYTES: dict[str, int] = {"int8": 1, "bf16": 2, "fp16": 2, "fp32": 4}


#: Technology nodes (nm) the technology table covers (``data/technology.yaml``, ``nodes``).
NODES_NM: tuple[int, ...] = (45, 32, 28, 22, 20, 16, 14, 10, 7)


class ConfigError(ValueError):
    """An accelerator configuration is invalid; the message names the field and what is allowed."""


_INT_FIELDS = ("rows", "cols", "cores", "lanes")
_FLOAT_FIELDS = ("pe_mem_kib", "core_mem_kib", "bandwidth_gbps", "freq_mhz")
#: Fields describing how depthwise (one-channel-per-group) layers execute: a separate
#: depthwise engine of ``dw_pixels x dw_channels`` MACs a cycle (0 = none: they run on
#: the array), and whether the compiler packs small groups block-diagonally on the array.
_DW_INT_FIELDS = ("dw_pixels", "dw_channels")
_BOOL_FIELDS = ("pack_groups",)


def min_pe_mem_kib(lanes: Any, dtype_bytes: Any) -> Any:
    """Smallest PE-local memory that holds one tile: a double-buffered stationary operand
    per lane plus one 32-bit accumulator per lane."""
    return (2 * np.asarray(lanes) * np.asarray(dtype_bytes) + 4 * np.asarray(lanes)) / 1024.0


def min_core_mem_kib(rows: Any, cols: Any, lanes: Any, dtype_bytes: Any) -> Any:
    """Smallest per-core memory that holds one tile: the input stripe of one fold
    (``rows * lanes`` elements) and its output stripe (``cols`` elements), double-buffered."""
    return (
        2
        * (np.asarray(rows) * np.asarray(lanes) + np.asarray(cols))
        * np.asarray(dtype_bytes)
        / 1024.0
    )


@dataclass(frozen=True)
class AcceleratorConfig:
    """One accelerator design.

    Attributes:
        rows: PE rows of each core's systolic array (>= 1).
        cols: PE columns of each core's systolic array (>= 1).
        cores: number of cores (>= 1); a layer's folds are split across them.
        lanes: MAC units per PE (>= 1); they consume the reduction dimension ``lanes`` at a time.
        pe_mem_kib: PE-local memory per PE in KiB (the on-chip parameter cache).
        core_mem_kib: shared memory per core in KiB (activations and streamed tiles).
        bandwidth_gbps: off-chip interface bandwidth in gigabytes per second (GB/s).
        freq_mhz: clock frequency in MHz.
        dataflow: ``"os"`` (output stationary), ``"ws"`` (weight stationary) or ``"is"``
            (input stationary).
        dtype: ``"int8"``, ``"bf16"``, ``"fp16"`` or ``"fp32"``.
        dw_pixels: output pixels a cycle of a separate depthwise engine (>= 0; 0 = the
            chip has none and depthwise layers run on the systolic array). FPGA DPUs run
            depthwise convolutions on such an ALU engine (PG338: parallelism ``PP/2``).
        dw_channels: channels a cycle of that depthwise engine (>= 0; 0 exactly when
            ``dw_pixels`` is 0). Each engine MAC handles one kernel tap a cycle.
        pack_groups: whether the compiler packs several small groups (depthwise channels,
            attention heads) block-diagonally into one pass of the array (the Edge TPU
            compiler does); ``False`` gives every group its own pass.
        node_nm: CMOS technology node in nm, one of ``NODES_NM``; energy and area scale
            from the 45 nm base of the technology table (default 45: the node the
            catalog's area budgets are stated in).
        name: an optional label (not part of the design).

    Raises:
        ConfigError: a non-positive size, an unknown dataflow or datatype, or a memory too
            small to hold one tile; the message names the field and what is allowed.
    """

    rows: int = 64
    cols: int = 64
    cores: int = 1
    lanes: int = 1
    pe_mem_kib: float = 1.5
    core_mem_kib: float = 2048.0
    bandwidth_gbps: float = 0.5
    freq_mhz: float = 480.0
    dataflow: str = "ws"
    dtype: str = "int8"
    node_nm: int = 45
    dw_pixels: int = 0
    dw_channels: int = 0
    pack_groups: bool = True
    name: str = ""

    def __post_init__(self) -> None:
        for f in _INT_FIELDS:
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ConfigError(f"AcceleratorConfig.{f} must be an integer >= 1, got {v!r}")
            object.__setattr__(self, f, int(v))
        for f in _FLOAT_FIELDS:
            v = getattr(self, f)
            if (
                isinstance(v, bool)
                or not isinstance(v, (int, float, np.integer, np.floating))
                or not v > 0
            ):
                raise ConfigError(f"AcceleratorConfig.{f} must be a number > 0, got {v!r}")
            if not np.isfinite(v):
                raise ConfigError(f"AcceleratorConfig.{f} must be finite, got {v!r}")
            object.__setattr__(self, f, float(v))
        for f in _DW_INT_FIELDS:
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ConfigError(f"AcceleratorConfig.{f} must be an integer >= 0, got {v!r}")
            object.__setattr__(self, f, int(v))
        if (self.dw_pixels == 0) != (self.dw_channels == 0):
            raise ConfigError(
                "AcceleratorConfig.dw_pixels and dw_channels must both be 0 (no depthwise "
                f"engine) or both >= 1, got dw_pixels={self.dw_pixels}, "
                f"dw_channels={self.dw_channels}"
            )
        if not isinstance(self.pack_groups, (bool, np.bool_)):
            raise ConfigError(
                f"AcceleratorConfig.pack_groups must be True or False, got {self.pack_groups!r}"
            )
        object.__setattr__(self, "pack_groups", bool(self.pack_groups))
        if self.dataflow not in DATAFLOWS:
            raise ConfigError(
                f"AcceleratorConfig.dataflow must be one of {list(DATAFLOWS)}, got {self.dataflow!r}"
            )
        if self.dtype not in DTYPES:
            raise ConfigError(
                f"AcceleratorConfig.dtype must be one of {list(DTYPES)}, got {self.dtype!r}"
            )
        if (
            isinstance(self.node_nm, bool)
            or not isinstance(self.node_nm, (int, float, np.integer, np.floating))
            or self.node_nm not in NODES_NM
        ):
            raise ConfigError(
                f"AcceleratorConfig.node_nm must be one of {list(NODES_NM)}, got {self.node_nm!r}"
            )
        object.__setattr__(self, "node_nm", int(self.node_nm))
        b = DTYPE_BYTES[self.dtype]
        need_pe = float(min_pe_mem_kib(self.lanes, b))
        if self.pe_mem_kib < need_pe:
            raise ConfigError(
                f"AcceleratorConfig.pe_mem_kib={self.pe_mem_kib} is too small to hold one tile "
                f"(lanes={self.lanes}, dtype={self.dtype}): needs >= {need_pe:.4g} KiB"
            )
        need_core = float(min_core_mem_kib(self.rows, self.cols, self.lanes, b))
        if self.core_mem_kib < need_core:
            raise ConfigError(
                f"AcceleratorConfig.core_mem_kib={self.core_mem_kib} is too small to hold one tile "
                f"of a {self.rows}x{self.cols} array (lanes={self.lanes}, dtype={self.dtype}): "
                f"needs >= {need_core:.4g} KiB"
            )

    # --- derived quantities ---------------------------------------------------------------
    @property
    def pes(self) -> int:
        return self.rows * self.cols * self.cores

    @property
    def macs_per_cycle(self) -> int:
        return self.pes * self.lanes

    @property
    def peak_tops(self) -> float:
        """Peak tera-operations per second (2 operations a MAC)."""
        return 2 * self.macs_per_cycle * self.freq_mhz * 1e6 / 1e12

    @property
    def onchip_mib(self) -> float:
        """All on-chip memory (PE-local and core) in MiB."""
        return (self.pes * self.pe_mem_kib + self.cores * self.core_mem_kib) / 1024.0

    @property
    def dtype_bytes(self) -> int:
        return DTYPE_BYTES[self.dtype]

    # --- construction -------------------------------------------------------------------
    def replace(self, **changes: Any) -> AcceleratorConfig:
        """A copy with some fields changed (validated again)."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ConfigError(
                f"unknown AcceleratorConfig field(s) {sorted(unknown)}; fields: {[f.name for f in fields(self)]}"
            )
        return replace(self, **changes)

    @classmethod
    def preset(cls, name: str, **changes: Any) -> AcceleratorConfig:
        """A named preset (see ``PRESETS``), optionally with some fields changed."""
        if name not in PRESETS:
            raise ConfigError(f"unknown accelerator preset {name!r}; presets: {sorted(PRESETS)}")
        return PRESETS[name].replace(**changes) if changes else PRESETS[name]

    @classmethod
    def presets(cls) -> list[str]:
        return sorted(PRESETS)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AcceleratorConfig:
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(
                f"unknown AcceleratorConfig field(s) {sorted(unknown)}; fields: {[f.name for f in fields(cls)]}"
            )
        return cls(**dict(data))

    def describe(self) -> str:
        return (
            f"{self.name or 'accelerator'}: {self.cores} x {self.rows}x{self.cols} PEs x {self.lanes} lanes "
            f"({self.dataflow}, {self.dtype}), {self.freq_mhz:g} MHz, {self.peak_tops:.2f} TOPS peak, "
            f"on-chip {self.onchip_mib:.2f} MiB (PE {self.pe_mem_kib:g} KiB each, core {self.core_mem_kib:g} KiB each), "
            f"off-chip {self.bandwidth_gbps:g} GB/s"
            + (
                f", depthwise engine {self.dw_pixels}x{self.dw_channels} MACs/cycle"
                if self.dw_pixels
                else ""
            )
            + ("" if self.pack_groups else ", no group packing")
        )


#: Named presets, all stated at 45 nm (``node_nm=45``), the node of the technology table's
#: base constants and of the catalog's area budgets. The Coral Edge TPU's process is not
#: published by Google; Eyeriss was built in 65 nm, outside the table (45 to 7 nm).
#: Pass ``node_nm`` to ``AcceleratorConfig.preset`` to move a preset to another node.
#: ``edgetpu`` is an Edge-TPU-like default: a 64x64 int8 weight-stationary
#: array at 480 MHz (3.93 TOPS, near the Coral Edge TPU's rated 4 TOPS), 6 MiB of
#: parameter cache spread over the PEs and 2 MiB of activation memory (8 MiB on chip, as
#: the Coral Edge TPU), and a USB-3-class host interface (0.5 GB/s effective).
PRESETS: dict[str, AcceleratorConfig] = {
    "edgetpu": AcceleratorConfig(
        rows=64,
        cols=64,
        cores=1,
        lanes=1,
        pe_mem_kib=1.5,
        core_mem_kib=2048.0,
        bandwidth_gbps=0.5,
        freq_mhz=480.0,
        dataflow="ws",
        dtype="int8",
        node_nm=45,
        name="edgetpu",
    ),
    "edgetpu-small": AcceleratorConfig(
        rows=32,
        cols=32,
        cores=1,
        lanes=1,
        pe_mem_kib=1.0,
        core_mem_kib=512.0,
        bandwidth_gbps=0.5,
        freq_mhz=480.0,
        dataflow="ws",
        dtype="int8",
        node_nm=45,
        name="edgetpu-small",
    ),
    "edgetpu-large": AcceleratorConfig(
        rows=64,
        cols=64,
        cores=4,
        lanes=2,
        pe_mem_kib=2.0,
        core_mem_kib=4096.0,
        bandwidth_gbps=16.0,
        freq_mhz=800.0,
        dataflow="ws",
        dtype="int8",
        node_nm=45,
        name="edgetpu-large",
    ),
    # An Eyeriss-like array: 168 PEs (12 x 14), 108 KB global buffer, 16-bit, 200 MHz,
    # 0.5 KB register file a PE (Chen et al., ISSCC 2016 / JSSC 2017). Eyeriss is row
    # stationary, which this template does not have; output stationary is the nearest.
    "eyeriss": AcceleratorConfig(
        rows=12,
        cols=14,
        cores=1,
        lanes=1,
        pe_mem_kib=0.5,
        core_mem_kib=108.0,
        bandwidth_gbps=1.6,
        freq_mhz=200.0,
        dataflow="os",
        dtype="fp16",
        node_nm=45,
        name="eyeriss",
    ),
    # --- Real chips, from their public specifications (issue 11) -------------------------
    # Cloud TPU v2, one TensorCore (the unit one PyTorch/XLA process drives; Accel-NASBench
    # measured with one). Sources: [CACM20] Jouppi et al., "A Domain-Specific Supercomputer
    # for Training Deep Neural Networks", CACM 63(7) 2020, Table 3; [MICRO21] Norrie et al.,
    # "The Design Process for Google's Training Chips: TPUv2 and TPUv3", IEEE Micro 41(2)
    # 2021 (Hot Chips 32 talk); [CLOUD] cloud.google.com/tpu/docs/system-architecture-tpu-vm.
    # * rows = cols = 128: one 128x128 bf16 MXU (systolic, multiplies in bf16, accumulates
    #   in fp32) [CLOUD]; cores = 1: TPUv2 has 2 MXUs a chip, one per TensorCore [CACM20].
    # * dataflow ws: the MXU holds the weights (stationary right-hand side) and streams the
    #   activations through [MICRO21]. pe_mem_kib is the template's minimum (the stationary
    #   weight, double-buffered, and the accumulator): the MXU has no parameter cache, so
    #   weights come from HBM once per batch.
    # * core_mem_kib = 16 MiB: the TensorCore's vector memory, 128 lanes x 32 Ki 32-bit words
    #   [MICRO21] (32 MiB on chip for two TensorCores [CACM20]).
    # * bandwidth_gbps = 350: 700 GB/s of HBM a chip [CACM20], one HBM stack per TensorCore.
    # * freq_mhz = 700 [CACM20] (2 MXUs x 16,384 MACs x 2 x 700 MHz = 45.9 TFLOPS, the
    #   published 46).
    # * pack_groups = False: XLA gives each depthwise channel its own pass of the MXU (one
    #   column of 128, all k x k taps in the rows): measured TPUv2 throughput follows the
    #   depthwise output volume, not the kernel size (benchmarks/validate_accel_nasbench.py
    #   prints the packed variant too). Not expressible: the vector unit's own width (the
    #   template's vector unit is cols x lanes wide) and XLA's operator fusion.
    # * node_nm: stated at 45 nm like every preset; the chip is 16 nm [CACM20]
    #   (``AcceleratorConfig.preset("tpuv2", node_nm=16)``). Latency does not depend on it.
    "tpuv2": AcceleratorConfig(
        rows=128,
        cols=128,
        cores=1,
        lanes=1,
        pe_mem_kib=0.0078125,
        core_mem_kib=16384.0,
        bandwidth_gbps=350.0,
        freq_mhz=700.0,
        dataflow="ws",
        dtype="bf16",
        pack_groups=False,
        name="tpuv2",
    ),
    # Cloud TPU v3, one TensorCore: as tpuv2 but two MXUs a TensorCore (cores = 2) [CLOUD
    # tpu/docs/v3], 940 MHz and 900 GB/s of HBM a chip (450 GB/s a TensorCore) [CACM20;
    # CLOUD v3: 123 TFLOPS = 4 MXUs x 16,384 x 2 x 938 MHz], 32 MiB on chip (16 MiB vector
    # memory a TensorCore) [CACM20]. Not expressible: the two MXUs share one vector memory;
    # the template gives each core its own, so each gets half (8 MiB). The chip is 16 nm.
    "tpuv3": AcceleratorConfig(
        rows=128,
        cols=128,
        cores=2,
        lanes=1,
        pe_mem_kib=0.0078125,
        core_mem_kib=8192.0,
        bandwidth_gbps=450.0,
        freq_mhz=940.0,
        dataflow="ws",
        dtype="bf16",
        pack_groups=False,
        name="tpuv3",
    ),
    # Xilinx DPUCZDX8G on the ZCU102, one B4096 core (a single-thread, batch-1 inference runs
    # on one core; the board image has three). Sources: [PG338] DPUCZDX8G Product Guide
    # v3.4/4.1; [UG1414] Vitis AI User Guide v3.0, "Currently Supported Operators";
    # [UG1354] Vitis AI Library User Guide v2.5, "ZCU102 Evaluation Kit"; [UG1182] ZCU102
    # Evaluation Board User Guide.
    # * B4096 = pixel parallelism 8 x input-channel parallelism 16 x output-channel
    #   parallelism 16 [PG338]: rows = 8 output pixels, cols = 16 output channels, lanes =
    #   16 input channels, each PE accumulating its output in place (dataflow os); int8.
    # * freq_mhz = 281: the ZCU102 board image runs its three B4096 cores at 281 MHz
    #   [UG1354] (3.45 TOPS).
    # * dw_pixels x dw_channels = 4 x 16: depthwise convolutions run on the ALU engine, whose
    #   parallelism is PP/2 = 4 pixels (the recommended setting) [PG338] over the 16-channel
    #   datapath (channel_parallel = 16 [UG1414]), one kernel tap a cycle.
    # * core_mem_kib = 256: the feature-map banks, bank_num 8 x bank_depth 2048 x
    #   channel_parallel 16 bytes [UG1414]. pe_mem_kib is the template's minimum: weights
    #   stream from DDR layer by layer, the DPU keeps no network in on-chip memory.
    # * bandwidth_gbps = 21.3: the PS DDR4, 64 bits at 2666 MT/s [UG1182], shared with the
    #   CPU. Not expressible: the ALU engine also runs pooling and element-wise ops (the
    #   template's vector unit is cols x lanes wide); instruction fetch; FPGA fabric (the
    #   area and energy are those of an ASIC of the same datapath; the ZU9EG is 16 nm).
    "dpu-zcu102": AcceleratorConfig(
        rows=8,
        cols=16,
        cores=1,
        lanes=16,
        pe_mem_kib=0.09375,
        core_mem_kib=256.0,
        bandwidth_gbps=21.3,
        freq_mhz=281.0,
        dataflow="os",
        dtype="int8",
        dw_pixels=4,
        dw_channels=16,
        name="dpu-zcu102",
    ),
    # Xilinx DPUCVDX8G on the Versal AI Core VCK190, one batch handler (a batch-1 inference
    # uses one; the C32B6 board image has six). Sources: [PG389] DPUCVDX8G Product Guide
    # v1.3, "Peak Theoretical Performance"; [UG1414] v3.0 (DPUCVDX8G_ISA3: channel_parallel
    # 16, bank_depth 8192, bank_num 8); [UG1354] v2.5, "VCK190 Evaluation Board" (C32B6, AI
    # Engines at 1250 MHz, PL at 333 MHz); [UG1366] VCK190 Evaluation Board User Guide.
    # * 32 AI Engines a batch handler x 256 int8 operations (128 MACs) a cycle [PG389] = 4096
    #   MACs a cycle at 1250 MHz: lanes = 16 input channels and cols = 16 output channels
    #   (channel_parallel 16 [UG1414]), rows = 16 output pixels (assumption: PG389 does not
    #   publish the pixel split, only the total).
    # * core_mem_kib = 1024: feature-map banks, 8 x 8192 x 16 bytes [UG1414].
    # * dw_pixels x dw_channels = 1 x 16: depthwise runs in the PL's Depth-Wise module
    #   [PG389] at 333 MHz; its parallelism is not published, so it is assumed to be the
    #   ZCU102 ALU's 4 x 16 MACs a PL cycle, expressed in AI-Engine cycles (the template has
    #   one clock): 64 x 333 / 1250 = 17 -> 1 x 16.
    # * bandwidth_gbps = 25.6: the DDR4 DIMM, 64 bits at 3200 MT/s [UG1366].
    # No measurements of this chip ship with archgym: the preset is from specifications only.
    # The VC1902 is 7 nm; presets are stated at 45 nm.
    "dpu-vck190": AcceleratorConfig(
        rows=16,
        cols=16,
        cores=1,
        lanes=16,
        pe_mem_kib=0.09375,
        core_mem_kib=1024.0,
        bandwidth_gbps=25.6,
        freq_mhz=1250.0,
        dataflow="os",
        dtype="int8",
        dw_pixels=1,
        dw_channels=16,
        name="dpu-vck190",
    ),
}


# ------------------------------------------------------------------------------------------
# Batches
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigBatch:
    """``n`` accelerator designs as arrays of shape ``(n,)`` (the cost model's input).

    ``dataflow`` and ``dtype`` are integer codes into ``DATAFLOWS`` and ``DTYPES``. Build
    one with :meth:`from_configs` or :meth:`from_arrays` (validated, vectorised).
    """

    rows: np.ndarray
    cols: np.ndarray
    cores: np.ndarray
    lanes: np.ndarray
    pe_mem_kib: np.ndarray
    core_mem_kib: np.ndarray
    bandwidth_gbps: np.ndarray
    freq_mhz: np.ndarray
    dataflow: np.ndarray
    dtype: np.ndarray
    node_nm: np.ndarray | None = None
    dw_pixels: np.ndarray | None = None
    dw_channels: np.ndarray | None = None
    pack_groups: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.node_nm is None:  # batches built before nodes existed: the 45 nm base
            object.__setattr__(self, "node_nm", np.full(self.rows.shape, 45.0))
        # batches built before the depthwise fields: no depthwise engine, packing on
        for f in _DW_INT_FIELDS:
            if getattr(self, f) is None:
                object.__setattr__(self, f, np.zeros(self.rows.shape, np.int64))
        if self.pack_groups is None:
            object.__setattr__(self, "pack_groups", np.ones(self.rows.shape, bool))

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    def __getitem__(self, i: int) -> AcceleratorConfig:
        return AcceleratorConfig(
            rows=int(self.rows[i]),
            cols=int(self.cols[i]),
            cores=int(self.cores[i]),
            lanes=int(self.lanes[i]),
            pe_mem_kib=float(self.pe_mem_kib[i]),
            core_mem_kib=float(self.core_mem_kib[i]),
            bandwidth_gbps=float(self.bandwidth_gbps[i]),
            freq_mhz=float(self.freq_mhz[i]),
            dataflow=DATAFLOWS[int(self.dataflow[i])],
            dtype=DTYPES[int(self.dtype[i])],
            node_nm=int(self.node_nm[i]),
            dw_pixels=int(self.dw_pixels[i]),
            dw_channels=int(self.dw_channels[i]),
            pack_groups=bool(self.pack_groups[i]),
        )

    def __iter__(self) -> Iterator[AcceleratorConfig]:
        for i in range(len(self)):
            yield self[i]

    def take(self, idx: Any) -> ConfigBatch:
        """The designs at ``idx`` (an index array or a boolean mask)."""
        return ConfigBatch(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @classmethod
    def from_configs(cls, configs: Iterable[AcceleratorConfig]) -> ConfigBatch:
        configs = list(configs)
        if not configs:
            raise ConfigError("an empty list of configurations")
        for i, c in enumerate(configs):
            if not isinstance(c, AcceleratorConfig):
                raise ConfigError(f"configs[{i}] is a {type(c).__name__}, not an AcceleratorConfig")
        arrays: dict[str, Any] = {}
        for f in _INT_FIELDS:
            arrays[f] = np.fromiter((getattr(c, f) for c in configs), np.int64, len(configs))
        for f in _FLOAT_FIELDS:
            arrays[f] = np.fromiter((getattr(c, f) for c in configs), np.float64, len(configs))
        for f in _DW_INT_FIELDS:
            arrays[f] = np.fromiter((getattr(c, f) for c in configs), np.int64, len(configs))
        for f in _BOOL_FIELDS:
            arrays[f] = np.fromiter((getattr(c, f) for c in configs), bool, len(configs))
        arrays["dataflow"] = np.fromiter(
            (DATAFLOWS.index(c.dataflow) for c in configs), np.int8, len(configs)
        )
        arrays["dtype"] = np.fromiter(
            (DTYPES.index(c.dtype) for c in configs), np.int8, len(configs)
        )
        arrays["node_nm"] = np.fromiter((c.node_nm for c in configs), np.float64, len(configs))
        return cls(**arrays)

    @classmethod
    def from_arrays(cls, validate: bool = True, **arrays: Any) -> ConfigBatch:
        """Build from per-field arrays or scalars (broadcast to one length).

        ``dataflow`` and ``dtype`` may be strings or arrays of strings or of integer codes.
        Missing fields take the ``edgetpu`` preset's value.

        Raises:
            ConfigError: an unknown field, or (``validate=True``) any invalid design; the
                message names the field, the first offending design and what is allowed.
        """
        base = PRESETS["edgetpu"]
        names = [f.name for f in fields(cls)]
        unknown = set(arrays) - set(names)
        if unknown:
            raise ConfigError(f"unknown accelerator field(s) {sorted(unknown)}; fields: {names}")
        out: dict[str, np.ndarray] = {}
        for f in _INT_FIELDS:
            out[f] = np.asarray(arrays.get(f, getattr(base, f)), dtype=np.int64)
        for f in _FLOAT_FIELDS:
            out[f] = np.asarray(arrays.get(f, getattr(base, f)), dtype=np.float64)
        for f in _DW_INT_FIELDS:
            out[f] = np.asarray(arrays.get(f, getattr(base, f)), dtype=np.int64)
        for f in _BOOL_FIELDS:
            out[f] = np.asarray(arrays.get(f, getattr(base, f)), dtype=bool)
        for f, choices in (("dataflow", DATAFLOWS), ("dtype", DTYPES)):
            v = np.asarray(arrays.get(f, getattr(base, f)))
            if v.dtype.kind in "UO":
                lut = {c: i for i, c in enumerate(choices)}
                flat = v.ravel()
                bad = [x for x in set(flat.tolist()) if x not in lut]
                if bad:
                    raise ConfigError(f"{f} must be one of {list(choices)}, got {bad[0]!r}")
                v = np.array([lut[x] for x in flat.tolist()], dtype=np.int8).reshape(v.shape)
            out[f] = v.astype(np.int8)
        out["node_nm"] = np.asarray(arrays.get("node_nm", base.node_nm), dtype=np.float64)
        shapes = [a.shape for a in out.values()]
        try:
            n_shape = np.broadcast_shapes(*shapes)
        except ValueError:
            raise ConfigError(
                f"field arrays do not broadcast to one length: { {k: a.shape for k, a in out.items()} }"
            ) from None
        if len(n_shape) > 1:
            raise ConfigError(f"field arrays must be 1-D, got shape {n_shape}")
        n = n_shape[0] if n_shape else 1
        out = {k: np.ascontiguousarray(np.broadcast_to(a, (n,))) for k, a in out.items()}
        batch = cls(**out)
        if validate:
            batch.validate()
        return batch

    def validate(self) -> None:
        """Vectorised form of ``AcceleratorConfig``'s checks."""
        for f in _INT_FIELDS:
            a = getattr(self, f)
            bad = np.flatnonzero(a < 1)
            if bad.size:
                raise ConfigError(f"{f} must be an integer >= 1; design {bad[0]} has {a[bad[0]]}")
        for f in _FLOAT_FIELDS:
            a = getattr(self, f)
            bad = np.flatnonzero(~(a > 0) | ~np.isfinite(a))
            if bad.size:
                raise ConfigError(
                    f"{f} must be a finite number > 0; design {bad[0]} has {a[bad[0]]}"
                )
        for f in _DW_INT_FIELDS:
            a = getattr(self, f)
            bad = np.flatnonzero(a < 0)
            if bad.size:
                raise ConfigError(f"{f} must be an integer >= 0; design {bad[0]} has {a[bad[0]]}")
        bad = np.flatnonzero((self.dw_pixels == 0) != (self.dw_channels == 0))
        if bad.size:
            i = bad[0]
            raise ConfigError(
                "dw_pixels and dw_channels must both be 0 or both >= 1; design "
                f"{i} has dw_pixels={self.dw_pixels[i]}, dw_channels={self.dw_channels[i]}"
            )
        for f, choices in (("dataflow", DATAFLOWS), ("dtype", DTYPES)):
            a = getattr(self, f)
            bad = np.flatnonzero((a < 0) | (a >= len(choices)))
            if bad.size:
                raise ConfigError(
                    f"{f} must be one of {list(choices)} (codes 0..{len(choices) - 1}); design {bad[0]} has code {a[bad[0]]}"
                )
        bad = np.flatnonzero(~np.isin(self.node_nm, NODES_NM))
        if bad.size:
            raise ConfigError(
                f"node_nm must be one of {list(NODES_NM)}; design {bad[0]} has {self.node_nm[bad[0]]}"
            )
        b = self.dtype_bytes
        bad = np.flatnonzero(self.pe_mem_kib < min_pe_mem_kib(self.lanes, b))
        if bad.size:
            i = bad[0]
            raise ConfigError(
                f"pe_mem_kib is too small to hold one tile: design {i} has {self.pe_mem_kib[i]} KiB, "
                f"needs >= {float(min_pe_mem_kib(self.lanes[i], b[i])):.4g} KiB"
            )
        need = min_core_mem_kib(self.rows, self.cols, self.lanes, b)
        bad = np.flatnonzero(self.core_mem_kib < need)
        if bad.size:
            i = bad[0]
            raise ConfigError(
                f"core_mem_kib is too small to hold one tile: design {i} has {self.core_mem_kib[i]} KiB, "
                f"needs >= {float(need[i]):.4g} KiB"
            )

    @property
    def dtype_bytes(self) -> np.ndarray:
        return _DTYPE_BYTES_ARR[self.dtype]

    def to_frame(self):  # -> pandas.DataFrame
        import pandas as pd

        d: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        d["dataflow"] = np.asarray(DATAFLOWS, dtype=object)[self.dataflow]
        d["dtype"] = np.asarray(DTYPES, dtype=object)[self.dtype]
        return pd.DataFrame(d)


_DTYPE_BYTES_ARR = np.array([DTYPE_BYTES[d] for d in DTYPES], dtype=np.float64)


def as_batch(configs: AcceleratorConfig | ConfigBatch | Sequence[AcceleratorConfig]) -> ConfigBatch:
    """Any accepted form of one or many configurations as a ``ConfigBatch``."""
    if isinstance(configs, ConfigBatch):
        return configs
    if isinstance(configs, AcceleratorConfig):
        return ConfigBatch.from_configs([configs])
    if isinstance(configs, str):
        return ConfigBatch.from_configs([AcceleratorConfig.preset(configs)])
    return ConfigBatch.from_configs(configs)
