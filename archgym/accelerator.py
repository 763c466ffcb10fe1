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

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import numpy as np

from .accelerator_fields import (
    _DTYPE_BYTES_ARR,
    DATAFLOWS,
    DTYPE_BYTES,
    DTYPES,
    FIELD_SPECS,
    HOST_OPS,
    NODES_NM,
    ConfigError,
    FieldSpec,
    _mask,
    _python_value,
    host_ops_names,
)
from .accelerator_fields import SPECS as SPECS
from .accelerator_fields import host_ops_mask as host_ops_mask
from .acceptance import (
    ACCEPTED,
    MAX_ONCHIP_KIB,
    REJECTED_CORE,
    REJECTED_FIELD,
    REJECTED_PE,
    RULES,
    Acceptance,
    design_acceptance,
    rejection_message,
    tile_acceptance,
    validate_fields,
)

# Old paths of names that moved to accelerator_fields / acceptance (kept importable here).
from .acceptance import min_core_mem_kib as min_core_mem_kib
from .acceptance import min_pe_mem_kib as min_pe_mem_kib

__all__ = [
    "AcceleratorConfig",
    "ConfigBatch",
    "ConfigError",
    "DATAFLOWS",
    "DTYPES",
    "DTYPE_BYTES",
    "PRESETS",
    "NODES_NM",
    "FIELD_SPECS",
    "FieldSpec",
    "MAX_ONCHIP_KIB",
    "validate_fields",
    "Acceptance",
    "tile_acceptance",
    "ACCEPTED",
    "REJECTED_PE",
    "REJECTED_CORE",
    "REJECTED_FIELD",
    "RULES",
    "design_acceptance",
    "rejection_message",
    "HOST_OPS",
]


def _refuse_unknown(given: Iterable[str], names: list[str], what: str) -> None:
    """Raise if ``given`` names a field not in ``names``.

    Raises:
        ConfigError: ``unknown <what> field(s) [...]; fields: [...]`` (the allowed names).
    """
    unknown = set(given) - set(names)
    if unknown:
        raise ConfigError(f"unknown {what} field(s) {sorted(unknown)}; fields: {names}")


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
        shared_onchip: the PE-local and core memories are one on-chip pool shared by
            parameters and activations (the Edge TPU's ~8 MB): the compiler keeps room for
            the live activations first and caches parameters in all the rest. Without it,
            parameters get only the PE-local memories and activations the core memories.
        host_ops: the ops the chip cannot run, which its compiler leaves to the host CPU,
            as a comma-separated subset of :data:`HOST_OPS` (``""``: none, the default).
            A layer with such an activation (its own or fused) or of such a kind runs on
            the host, and so does an element-wise layer reading a host layer's output (its
            input arrives unquantised, in float). Each host stretch costs a round trip
            (``host_switch_us``) and host passes over its tensors (``host_gbps``); see
            ``archgym.costmodel``. FPGA DPUs leave sigmoid to the ARM CPU (``dpu-zcu102``).
        host_gbps: the host CPU's effective bandwidth for element-wise ops: bytes of the
            chip's datatype one host core streams through one element-wise pass a second
            (used only with ``host_ops``).
        host_switch_us: the time of one device -> host -> device round trip, in
            microseconds: the extra device-program invocation and synchronisation a host
            stretch splits off (used only with ``host_ops``).
        max_batch: the most images one compiled call of the chip takes (0, the default:
            any batch). A workload of batch ``B`` on a chip with ``0 < max_batch < B`` runs
            as ``ceil(B / max_batch)`` calls one after another, each of ``max_batch``
            images: latency and energy add up, throughput is that of one call. The Edge TPU
            compiler accepts only tensors whose dimensions beyond the innermost three are 1,
            so a batch can only be looped on the host (``edgetpu``: 1).
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
    shared_onchip: bool = False
    host_ops: str = ""
    host_gbps: float = 1.0
    host_switch_us: float = 0.0
    max_batch: int = 0
    name: str = ""

    def __post_init__(self) -> None:
        values = {s.name: getattr(self, s.name) for s in FIELD_SPECS}
        for f, v in values.items():
            if np.ndim(v) != 0:
                raise ConfigError(f"AcceleratorConfig.{f} must be a single value, got {v!r}")
        if not isinstance(self.name, str):
            raise ConfigError(f"AcceleratorConfig.name must be a string, got {self.name!r}")
        arrays = validate_fields(values, single=True)  # the batch path: one set of rules
        for spec in FIELD_SPECS:
            object.__setattr__(self, spec.name, _python_value(spec, arrays[spec.name][0]))

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
        _refuse_unknown(changes, [f.name for f in fields(self)], "AcceleratorConfig")
        return replace(self, **changes)

    @classmethod
    def preset(cls, name: str, **changes: Any) -> AcceleratorConfig:
        """A named preset (see ``PRESETS``), optionally with some fields changed."""
        presets = _presets()
        if name not in presets:
            raise ConfigError(f"unknown accelerator preset {name!r}; presets: {sorted(presets)}")
        return presets[name].replace(**changes) if changes else presets[name]

    @classmethod
    def presets(cls) -> list[str]:
        return sorted(_presets())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AcceleratorConfig:
        _refuse_unknown(data, [f.name for f in fields(cls)], "AcceleratorConfig")
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
            + (f", at most {self.max_batch} images a call" if self.max_batch else "")
            + (
                f", host CPU runs {self.host_ops} ({self.host_gbps:g} GB/s, "
                f"{self.host_switch_us:g} us a switch)"
                if self.host_ops
                else ""
            )
        )


def _load_presets(text: str | None = None) -> dict[str, AcceleratorConfig]:
    """The presets of a presets document, each validated as a config.

    Args:
        text: the YAML text; default: the shipped ``archgym/data/presets.yaml``.

    Raises:
        ConfigError: the file is not a mapping of preset names to field mappings, or an
            entry is an invalid design (the message names the preset and the field).
    """
    from importlib import resources

    from ._io import load_yaml

    where = "archgym/data/presets.yaml"
    if text is None:
        text = resources.files("archgym").joinpath("data/presets.yaml").read_text()
    doc = load_yaml(text, what=where, error=ConfigError)
    if not isinstance(doc, dict):
        raise ConfigError(f"{where}: a mapping of preset names to fields, got {type(doc).__name__}")
    presets = {}
    for name, values in doc.items():
        if not isinstance(values, dict) or "name" in values:
            raise ConfigError(
                f"{where}: preset {name!r} must be a mapping of AcceleratorConfig fields "
                "(its name is the key)"
            )
        try:
            presets[str(name)] = AcceleratorConfig.from_dict({**values, "name": str(name)})
        except ConfigError as exc:
            raise ConfigError(f"{where}: preset {name!r}: {exc}") from None
    return presets


#: Named presets, from ``archgym/data/presets.yaml`` (one entry a chip, with the sources of
#: its values), read on first use so that ``import archgym`` parses no YAML. All are stated
#: at 45 nm; pass ``node_nm`` to ``AcceleratorConfig.preset`` to move one to another node.
PRESETS: dict[str, AcceleratorConfig]
_PRESETS_LOCK = threading.Lock()


def _presets() -> dict[str, AcceleratorConfig]:
    """:data:`PRESETS`, read once (the first use sets the module attribute)."""
    with _PRESETS_LOCK:
        if "PRESETS" not in globals():
            globals()["PRESETS"] = _load_presets()
    return globals()["PRESETS"]  # type: ignore[no-any-return]


def __getattr__(name: str) -> Any:
    if name == "PRESETS":
        return _presets()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    shared_onchip: np.ndarray | None = None
    host_ops: np.ndarray | None = None
    host_gbps: np.ndarray | None = None
    host_switch_us: np.ndarray | None = None
    max_batch: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.node_nm is None:  # batches built before nodes existed: the 45 nm base
            object.__setattr__(self, "node_nm", np.full(self.rows.shape, 45.0))
        # batches built before the depthwise fields: no depthwise engine, packing on
        for f in ("dw_pixels", "dw_channels"):
            if getattr(self, f) is None:
                object.__setattr__(self, f, np.zeros(self.rows.shape, np.int64))
        if self.pack_groups is None:
            object.__setattr__(self, "pack_groups", np.ones(self.rows.shape, bool))
        if self.shared_onchip is None:  # batches built before the shared pool: separate
            object.__setattr__(self, "shared_onchip", np.zeros(self.rows.shape, bool))
        if self.host_ops is None:  # batches built before host ops: the chip runs everything
            object.__setattr__(self, "host_ops", np.zeros(self.rows.shape, np.int64))
        if self.host_gbps is None:
            object.__setattr__(self, "host_gbps", np.ones(self.rows.shape))
        if self.host_switch_us is None:
            object.__setattr__(self, "host_switch_us", np.zeros(self.rows.shape))
        if self.max_batch is None:  # batches built before the field: any batch in one call
            object.__setattr__(self, "max_batch", np.zeros(self.rows.shape, np.int64))

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    def __getitem__(self, i: int) -> AcceleratorConfig:
        return AcceleratorConfig(
            **{s.name: _python_value(s, getattr(self, s.name)[i]) for s in FIELD_SPECS}
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
        for s in FIELD_SPECS:
            vals = [getattr(c, s.name) for c in configs]
            if s.kind == "choice" and isinstance(s.choices[0], str):
                vals = [s.choices.index(v) for v in vals]
            elif s.kind == "flags":
                vals = [_mask(s, v) for v in vals]
            arrays[s.name] = np.asarray(vals, dtype=s.dtype)
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
        base = _presets()["edgetpu"]
        _refuse_unknown(arrays, [f.name for f in fields(cls)], "accelerator")
        values = {s.name: arrays.get(s.name, getattr(base, s.name)) for s in FIELD_SPECS}
        return cls(**validate_fields(values, check=validate))

    def validate(self) -> None:
        """Check every design (:func:`validate_fields`, the one path for batches and single
        configurations).

        Raises:
            ConfigError: the first invalid design, naming the field and what is allowed.
        """
        validate_fields({s.name: getattr(self, s.name) for s in FIELD_SPECS})

    def acceptance(self) -> Acceptance:
        """Whether the accelerator accepts each design, without raising
        (:func:`design_acceptance`, the rules :meth:`validate` raises on)."""
        return design_acceptance({s.name: getattr(self, s.name) for s in FIELD_SPECS}, len(self))

    @property
    def dtype_bytes(self) -> np.ndarray:
        return _DTYPE_BYTES_ARR[self.dtype]

    def to_frame(self):  # -> pandas.DataFrame
        import pandas as pd

        d: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        d["dataflow"] = np.asarray(DATAFLOWS, dtype=object)[self.dataflow]
        d["dtype"] = np.asarray(DTYPES, dtype=object)[self.dtype]
        d["host_ops"] = np.array([host_ops_names(m) for m in np.asarray(self.host_ops)], object)
        return pd.DataFrame(d)


def as_batch(configs: AcceleratorConfig | ConfigBatch | Sequence[AcceleratorConfig]) -> ConfigBatch:
    """Any accepted form of one or many configurations as a ``ConfigBatch``."""
    if isinstance(configs, ConfigBatch):
        return configs
    if isinstance(configs, AcceleratorConfig):
        return ConfigBatch.from_configs([configs])
    if isinstance(configs, str):
        return ConfigBatch.from_configs([AcceleratorConfig.preset(configs)])
    return ConfigBatch.from_configs(configs)
