"""The technology constants of the cost model, loaded from ``data/technology.yaml``.

Energies and areas are stated at the 45 nm base and move to a design's node
(``AcceleratorConfig.node_nm``) with per-node factors: Stillmaker & Baas's energy and
logic-area scaling, and published SRAM cell sizes. SRAM access energy is a CACTI-7 fit in
the memory's size, port width and node (see :meth:`Technology.sram_energy_pj`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from .accelerator import DTYPES, NODES_NM

__all__ = ["Technology", "load_technology", "OVERHEAD_GROUPS", "node_table"]

#: Which dispatch-overhead constant each layer kind uses: dense KxK convolutions,
#: depthwise convolutions, matrix ops (1x1 convolutions, fully connected, batched matmul),
#: pooling, element-wise ops (and channel concatenations, which the runtime dispatches as
#: one data-movement op each), stand-alone activations, other vector ops (softmax, layer
#: norm).
OVERHEAD_GROUPS: dict[str, str] = {
    "conv": "conv",
    "depthwise": "depthwise",
    "pointwise": "matrix",
    "gemm": "matrix",
    "matmul": "matrix",
    "pool": "pool",
    "eltwise": "eltwise",
    "activation": "activation",
    "softmax": "vector",
    "layernorm": "vector",
    "concat": "eltwise",
}


@dataclass(frozen=True)
class Technology:
    """Per-datatype constants as arrays indexed by the datatype code (see ``DTYPES``), and
    per-node factors as lookup arrays indexed by the node in nm (``node_energy[45] == 1``)."""

    mac_energy_pj: np.ndarray
    mac_area_um2: np.ndarray
    vector_op_energy_pj: np.ndarray
    vector_lane_area_um2: float
    pe_logic_overhead: float
    sram_read_abq: tuple[float, float, float]
    sram_write_abq: tuple[float, float, float]
    sram_core_width_bits: float
    sram_min_size_bytes: float
    sram_cell_area_um2_per_bit: float
    sram_array_overhead: float
    sram_leakage_pw_per_bit: float
    dram_energy_pj_per_byte: float
    logic_leakage_fraction: float
    op_overhead_us: dict[str, float]
    invoke_overhead_us: float
    node_energy: np.ndarray = field(repr=False, default_factory=lambda: np.ones(46))
    node_logic_area: np.ndarray = field(repr=False, default_factory=lambda: np.ones(46))
    node_sram_area: np.ndarray = field(repr=False, default_factory=lambda: np.ones(46))
    sources: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    # --- technology nodes -------------------------------------------------------------------
    def energy_factor(self, node_nm: Any = 45) -> Any:
        """Dynamic-energy factor of ``node_nm`` relative to 45 nm (array in, array out)."""
        return _node_lookup(self.node_energy, node_nm)

    def logic_area_factor(self, node_nm: Any = 45) -> Any:
        """Logic-area factor of ``node_nm`` relative to 45 nm."""
        return _node_lookup(self.node_logic_area, node_nm)

    def sram_area_factor(self, node_nm: Any = 45) -> Any:
        """SRAM-cell-area factor of ``node_nm`` relative to 45 nm (published cells)."""
        return _node_lookup(self.node_sram_area, node_nm)

    # --- SRAM ---------------------------------------------------------------------------
    def sram_energy_pj(
        self, size_bytes: Any, width_bits: Any = 64, node_nm: Any = 45, write: bool = False
    ) -> Any:
        """Energy (pJ) of one ``width_bits``-wide read (or write) of an SRAM of
        ``size_bytes`` at ``node_nm``: ``E = a sqrt(S_KiB) + b w S_KiB^q`` (a CACTI-7 fit
        at 45 nm) times the node's energy factor. Arguments broadcast."""
        a, b_, q = self.sram_write_abq if write else self.sram_read_abq
        s = np.maximum(np.asarray(size_bytes, dtype=np.float64), self.sram_min_size_bytes)
        s = s / 1024.0
        w = np.asarray(width_bits, dtype=np.float64)
        return (a * np.sqrt(s) + b_ * w * s**q) * self.energy_factor(node_nm)

    def sram_energy_pj_per_byte(
        self, size_bytes: Any, width_bits: Any = 64, node_nm: Any = 45, write: bool = False
    ) -> Any:
        """Energy of reading (or writing) one byte through a ``width_bits`` port of an SRAM
        of ``size_bytes`` at ``node_nm`` (:meth:`sram_energy_pj` over the port's bytes)."""
        w = np.asarray(width_bits, dtype=np.float64)
        return self.sram_energy_pj(size_bytes, w, node_nm, write) / (w / 8.0)

    def sram_area_um2(self, size_bytes: Any, node_nm: Any = 45) -> Any:
        """Area of an SRAM of ``size_bytes`` (cells plus array overhead) at ``node_nm``."""
        return (
            np.asarray(size_bytes, dtype=np.float64)
            * 8.0
            * self.sram_cell_area_um2_per_bit
            * self.sram_array_overhead
            * self.sram_area_factor(node_nm)
        )

    def op_overhead_by_kind(self) -> np.ndarray:
        """Dispatch overhead (us) of one op of each layer kind, indexed by ``KIND_CODES``."""
        from .workloads.workload import KIND_CODES

        out = np.zeros(len(KIND_CODES))
        for kind, code in KIND_CODES.items():
            group = OVERHEAD_GROUPS[kind]
            if group not in self.op_overhead_us:
                raise ValueError(f"technology.yaml: calibration.op_overhead_us lacks {group!r}")
            out[code] = self.op_overhead_us[group]
        return out

    def replace(self, **changes: Any) -> Technology:
        from dataclasses import replace

        return replace(self, **changes)


def _per_dtype(table: dict[str, float], key: str) -> np.ndarray:
    missing = [d for d in DTYPES if d not in table]
    if missing:
        raise ValueError(f"technology.yaml: {key} lacks datatype(s) {missing}")
    return np.array([float(table[d]) for d in DTYPES])


def _node_lookup(lut: np.ndarray, node_nm: Any) -> Any:
    """``lut[node_nm]`` for a node or an array of nodes, with a clear error for a node
    the table does not have (``lut`` is NaN there)."""
    if node_nm.__class__ is int and 0 <= node_nm < lut.size and lut[node_nm] == lut[node_nm]:
        return lut[node_nm]  # the common scalar case, fast
    if np.ndim(node_nm) == 0:
        x = float(node_nm)
        v = lut[int(x)] if x.is_integer() and 0 <= x < lut.size else np.nan
        if v != v:  # NaN: not a node of the table
            raise ValueError(f"node_nm must be one of {list(NODES_NM)}, got {node_nm!r}")
        return v
    n = np.asarray(node_nm, dtype=np.float64)
    if n.size == 1:  # one design: a scalar look-up, as an array of n's shape
        x = n.item()
        i = int(x) if x == x and abs(x) < lut.size else -1
        if i == x and 0 <= i and lut[i] == lut[i]:
            return lut[i : i + 1].reshape(n.shape).copy()
    idx = n.astype(np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= lut.size):
        vals = np.full(n.shape, np.nan)
    else:
        vals = lut[idx]
    bad = np.isnan(vals) | (idx != n)
    if bad.any():
        raise ValueError(f"node_nm must be one of {list(NODES_NM)}, got {n[bad][:1].tolist()}")
    return vals


def node_table(nodes: dict[Any, dict[str, Any]]) -> dict[int, dict[str, float]]:
    """The per-node factors of the ``nodes`` section of technology.yaml.

    Returns:
        ``{node_nm: {"vdd_v", "energy", "logic_area", "sram_area", "sram_cell_um2"}}``:
        energy is Stillmaker & Baas's ``a Vdd^2 + b Vdd + c`` relative to 45 nm, logic_area
        their area factor from 45 nm, sram_area the published cell over the 45 nm cell.
        Nodes marked ``interpolate: [hi, lo]`` take factors interpolated linearly in the
        node between ``hi`` and ``lo``; a missing cell is interpolated between its
        neighbouring nodes that have one.

    Raises:
        ValueError: a node of ``NODES_NM`` missing, or an entry without its fields.
    """
    d = {int(k): dict(v) for k, v in nodes.items()}
    missing = [n for n in NODES_NM if n not in d]
    if missing or 45 not in d:
        raise ValueError(f"technology.yaml: nodes lacks {missing or [45]}")

    def e_raw(n: int) -> float:
        a, b, c = (float(x) for x in d[n]["energy_abc"])
        v = float(d[n]["vdd_v"])
        return a * v * v + b * v + c

    out: dict[int, dict[str, float]] = {}
    for n, v in d.items():
        if "interpolate" not in v:
            for k in ("vdd_v", "energy_abc", "logic_area"):
                if k not in v:
                    raise ValueError(f"technology.yaml: nodes.{n} lacks {k!r}")
            out[n] = {"vdd_v": float(v["vdd_v"]), "energy": e_raw(n) / e_raw(45)}
            out[n]["logic_area"] = float(v["logic_area"])
    for n, v in d.items():
        if "interpolate" in v:
            hi, lo = (int(x) for x in v["interpolate"])
            t = (n - lo) / (hi - lo)
            out[n] = {
                k: out[lo][k] + t * (out[hi][k] - out[lo][k])
                for k in ("vdd_v", "energy", "logic_area")
            }
    cells = {n: float(v["sram_cell_um2"]) for n, v in d.items() if "sram_cell_um2" in v}
    known = sorted(cells)
    for n in out:
        if n in cells:
            cell = cells[n]
        else:
            cell = float(np.interp(n, known, [cells[k] for k in known]))
        out[n]["sram_cell_um2"] = cell
        out[n]["sram_area"] = cell / cells[45]
    return out


@lru_cache(maxsize=1)
def load_technology() -> Technology:
    """The shipped technology table (``archgym/data/technology.yaml``)."""
    from importlib import resources  # here, not at module level: ``import archgym`` stays light

    from ._io import load_yaml

    text = resources.files("archgym").joinpath("data/technology.yaml").read_text()
    d = load_yaml(text, what="archgym/data/technology.yaml")
    sram = d["sram"]
    cal = d["calibration"]["op_overhead_us"]
    nodes = node_table(d["nodes"])
    lut = {k: np.full(46, np.nan) for k in ("energy", "logic_area", "sram_area")}
    for n, f in nodes.items():
        for k in lut:
            lut[k][n] = f[k]

    def abq(x: dict[str, Any]) -> tuple[float, float, float]:
        return (float(x["a_pj"]), float(x["b_pj_per_bit"]), float(x["q"]))

    return Technology(
        mac_energy_pj=_per_dtype(d["mac_energy_pj"], "mac_energy_pj"),
        mac_area_um2=_per_dtype(d["mac_area_um2"], "mac_area_um2"),
        vector_op_energy_pj=_per_dtype(d["vector_op_energy_pj"], "vector_op_energy_pj"),
        vector_lane_area_um2=float(d["vector_lane_area_um2"]),
        pe_logic_overhead=float(d["pe_logic_overhead"]),
        sram_read_abq=abq(sram["read"]),
        sram_write_abq=abq(sram["write"]),
        sram_core_width_bits=float(sram["core_width_bits"]),
        sram_min_size_bytes=float(sram["min_size_bytes"]),
        sram_cell_area_um2_per_bit=float(sram["cell_area_um2_per_bit"]),
        sram_array_overhead=float(sram["array_overhead"]),
        sram_leakage_pw_per_bit=float(sram["leakage_pw_per_bit"]),
        dram_energy_pj_per_byte=float(d["dram_energy_pj_per_byte"]),
        logic_leakage_fraction=float(d["logic_leakage_fraction"]),
        op_overhead_us={k: float(v) for k, v in cal.items()},
        invoke_overhead_us=float(d["calibration"]["invoke_overhead_us"]),
        node_energy=lut["energy"],
        node_logic_area=lut["logic_area"],
        node_sram_area=lut["sram_area"],
        sources=dict(d.get("sources", {})),
        raw=d,
    )
