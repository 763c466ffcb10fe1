"""``Workload``: an ordered graph of named layers, and its lowered numeric form."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .layers import LAYER_TYPES, Conv2d, Layer, WorkloadError

__all__ = ["Workload", "LoweredWorkload", "MemoryPlan", "KIND_CODES"]

#: Integer code of each layer kind in the lowered arrays.
KIND_CODES: dict[str, int] = {
    "conv": 0,
    "pointwise": 1,
    "depthwise": 2,
    "gemm": 3,
    "matmul": 4,
    "pool": 5,
    "eltwise": 6,
    "activation": 7,
    "softmax": 8,
    "layernorm": 9,
    "concat": 10,
}


def _activation_stationary(layer: Layer) -> bool:
    """Whether a MAC layer's stationary operand is an activation (it differs per image)."""
    return layer.kind == "matmul" or (layer.kind == "gemm" and not getattr(layer, "weights", True))


@dataclass(frozen=True)
class LoweredWorkload:
    """A workload as flat per-layer arrays (shape ``(n_layers,)``), the cost model's input.

    For vector layers ``groups = px = F = W = 0``. Every array is for the whole batch of
    ``batch`` images: output pixels (or GEMM rows), MACs, activation sizes and vector
    operations are ``batch`` times a single image's; ``weight_elems`` is not (a parameter is
    fetched once per batch). Layers whose stationary operand is itself an activation
    (attention ``MatMul``, ``Gemm(weights=False)``) repeat per image: their ``groups``
    scale instead.
    """

    name: str
    layer_names: tuple[str, ...]
    kind: np.ndarray  # int8, KIND_CODES
    is_mac: np.ndarray  # bool
    groups: np.ndarray  # int64
    px: np.ndarray
    px_scalesim: np.ndarray  # px under SCALE-Sim's output-size rule
    F: np.ndarray
    W: np.ndarray
    macs: np.ndarray  # float64
    weight_elems: np.ndarray  # float64, stationary parameter operand
    input_elems: np.ndarray  # float64
    output_elems: np.ndarray  # float64
    vector_ops: np.ndarray  # float64
    is_first: np.ndarray  # bool: reads the workload input from off-chip
    is_last: np.ndarray  # bool: its output leaves the accelerator
    sources: tuple[
        tuple[int, ...], ...
    ] = ()  # producer index of each input; -1: the workload input
    act_after_add: np.ndarray | None = None  # bool: an activation whose only input is an add
    #   consumed by nothing else (the compiler fuses it into the add)
    concat_in_place: np.ndarray | None = None  # bool: a channel concatenation whose inputs are
    #   produced by layers consumed by nothing else (they can write into its output buffer)
    batch: int = 1  # images per inference call
    reread_band_elems: np.ndarray | None = None  # float64: the row band (kernel-height plus
    #   stride input rows, one output row) a dense convolution must hold to stream without
    #   re-reading its input; 0 for layers that can always split (channel-wise ops, GEMMs)

    @property
    def n_layers(self) -> int:
        return len(self.layer_names)

    def memory_plan(self, fuse_add_activation: bool, concat_view: bool) -> MemoryPlan:
        """The activation buffers, their liveness and what each layer reads, under the
        given fusion rules (computed once per rule set, cached)."""
        key = (
            bool(fuse_add_activation)
            and bool(self.act_after_add is not None and self.act_after_add.any()),
            bool(concat_view)
            and bool(self.concat_in_place is not None and self.concat_in_place.any()),
        )
        cache = self.__dict__.setdefault("_plans", {})
        if key not in cache:
            cache[key] = _memory_plan(self, *key)
        return cache[key]


@dataclass(frozen=True)
class MemoryPlan:
    """Activation buffers of a lowered workload as a compiler allocates them (batch 1).

    Every layer that runs writes one buffer (its output); a fused activation writes into
    the buffer of the add it is fused into, and the inputs of an in-place concatenation
    are written into slices of one buffer (the concatenation itself does not run). A
    buffer is live from the layer that writes it to the last layer that reads it.
    Arrays have shape ``(n_layers,)`` unless stated.

    Attributes:
        elided: the layer does not run (fused into its producer, or a view).
        store_elems: elements of the buffer the layer writes (0 if elided).
        live_elems: elements of every buffer live while the layer runs: what it reads,
            what it writes, and every buffer written earlier and read later (skip and
            residual tensors); 0 for elided layers. The workload input counts as a
            buffer live until its last reader.
        last_use: index of the last layer that reads the layer's buffer (its own index
            if none does).
        reads: ``(n_layers, k)`` indices of the buffers each layer reads; -1 is the
            workload input, -2 pads.
        kind_counts: layers of each kind that run, indexed by ``KIND_CODES``.
        peak_live_elems: the largest ``live_elems``.
    """

    elided: np.ndarray
    store_elems: np.ndarray
    live_elems: np.ndarray
    last_use: np.ndarray
    reads: np.ndarray
    kind_counts: np.ndarray
    peak_live_elems: float


def _memory_plan(lw: LoweredWorkload, fuse_add_activation: bool, concat_view: bool) -> MemoryPlan:
    n = lw.n_layers
    elided = np.zeros(n, bool)
    if fuse_add_activation and lw.act_after_add is not None:
        elided |= lw.act_after_add
    if concat_view and lw.concat_in_place is not None:
        elided |= lw.concat_in_place
    el = elided.tolist()
    out_elems = lw.output_elems.tolist()
    # the buffers behind each layer's output: its own, or those of the layer(s) it aliases
    storage: list[tuple[int, ...]] = []
    reads: list[tuple[int, ...]] = []
    last = list(range(n))
    input_last, input_elems = -1, 0.0
    bufs: tuple[int, ...]
    for i, srcs in enumerate(lw.sources):
        if len(srcs) == 1 and (srcs[0] < 0 or not el[srcs[0]]):
            bufs = srcs  # the common case: one plain producer (or the workload input)
        else:
            bufs = tuple(sorted({b for s in srcs for b in (storage[s] if s >= 0 else (-1,))}))
        if el[i]:
            storage.append(bufs)
            reads.append(())
            continue
        storage.append((i,))
        reads.append(bufs)
        for b in bufs:
            if b >= 0:
                if i > last[b]:
                    last[b] = i
            else:
                if input_last < 0:
                    input_elems = float(lw.input_elems[i]) / max(1, len(srcs))
                input_last = i
    # live elements by a difference array: +size at the writer, -size after the last reader
    store = [0.0 if el[i] else out_elems[i] for i in range(n)]
    diff = [0.0] * (n + 1)
    for i in range(n):
        diff[i] += store[i]
        diff[last[i] + 1] -= store[i]
    if input_last >= 0:
        diff[0] += input_elems
        diff[input_last + 1] -= input_elems
    live = np.where(elided, 0.0, np.cumsum(diff)[:n])
    k = max(1, max(len(r) for r in reads))
    rd = np.array([list(r) + [-2] * (k - len(r)) for r in reads], dtype=np.int64).reshape(n, k)
    counts = np.bincount(lw.kind[~elided].astype(np.int64), minlength=len(KIND_CODES)).astype(
        np.float64
    )
    store_a = np.array(store, dtype=np.float64)
    last_a = np.array(last, dtype=np.int64)
    for arr in (elided, store_a, live, last_a, rd, counts):
        arr.setflags(write=False)
    return MemoryPlan(
        elided=elided,
        store_elems=store_a,
        live_elems=live,
        last_use=last_a,
        reads=rd,
        kind_counts=counts,
        peak_live_elems=float(live.max()) if n else 0.0,
    )


def _buffers(storage: list[tuple[int, ...]], src: int) -> tuple[int, ...]:
    return (-1,) if src < 0 else storage[src]


def _reread_band(layer: Layer) -> float:
    """Elements of the row band a dense (ungrouped) KxK convolution streams through: the
    kernel-height plus stride input rows and one output row. With less room it must also
    split its input channels and re-read the input band once per output-channel tile."""
    if (
        not isinstance(layer, Conv2d)
        or layer.kind not in ("conv", "pointwise")
        or layer.groups != 1
    ):
        return 0.0
    (kh, _), (sh, _) = layer.kernel_size, layer.stride
    (_, w), (_, ow) = layer.input_size, layer.output_size
    return float((kh + sh) * w * layer.in_channels + ow * layer.out_channels)


def _concat_in_place(layer: Layer) -> bool:
    """A concatenation along channels (NHWC innermost): its inputs can be written in place."""
    axis = getattr(layer, "axis", 1)
    return layer.kind == "concat" and axis in (1, -3, "channel", "channels")


class Workload:
    """An ordered graph of named layers, run on ``batch`` images per call.

    Args:
        layers: layers in execution order. A layer with empty ``inputs`` consumes the
            previous layer's output (the first one consumes the workload input); the name
            ``"input"`` in ``inputs`` means the workload input. Names must be unique;
            unnamed layers are named ``"<kind>_<index>"``.
        name: the workload's name.
        meta: free-form information (source, published MACs, input shape, ...).
        batch: images per inference call. The layers describe one image; the lowered form
            (what the cost model evaluates) scales every per-image quantity by ``batch``
            and fetches the weights once, so latency is per batch and throughput is
            ``batch / latency``. ``macs`` and the activation totals are per batch,
            ``params`` and ``weight_elems`` are not.

    Raises:
        WorkloadError: duplicate names, an input naming an unknown or later layer, no
            layers, or a ``batch`` that is not a positive integer.
    """

    def __init__(
        self,
        layers: Sequence[Layer],
        name: str = "workload",
        meta: dict[str, Any] | None = None,
        batch: int = 1,
    ):
        if isinstance(batch, np.integer):
            batch = int(batch)
        if not isinstance(batch, int) or isinstance(batch, bool) or batch < 1:
            raise WorkloadError(
                f"workload {name!r}: batch must be a positive integer, got {batch!r}"
            )
        self.batch: int = batch
        if len(layers) == 0:
            raise WorkloadError(f"workload {name!r}: needs at least one layer")
        named: list[Layer] = []
        seen: set[str] = set()
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise WorkloadError(
                    f"workload {name!r}: item {i} is not a Layer but {type(layer).__name__}"
                )
            lname = layer.name or f"{layer.kind}_{i}"
            if lname in seen:
                raise WorkloadError(f"workload {name!r}: duplicate layer name {lname!r}")
            if lname == "input":
                raise WorkloadError(
                    f"workload {name!r}: the layer name 'input' is reserved for the workload input"
                )
            for src in layer.inputs:
                if src not in seen and src != "input":
                    raise WorkloadError(
                        f"workload {name!r}: layer {lname!r} takes input {src!r}, which is not an earlier layer"
                    )
            seen.add(lname)
            named.append(layer if layer.name else layer.renamed(lname))
        self.layers: tuple[Layer, ...] = tuple(named)
        self.name = name
        self.meta: dict[str, Any] = dict(meta or {})

    # --- container protocol --------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __getitem__(self, key: int | str) -> Layer:
        if isinstance(key, str):
            for layer in self.layers:
                if layer.name == key:
                    return layer
            raise KeyError(f"workload {self.name!r} has no layer {key!r}")
        return self.layers[key]

    def __repr__(self) -> str:
        b = f", batch={self.batch}" if self.batch != 1 else ""
        return (
            f"Workload({self.name!r}, layers={len(self)}{b}, macs={self.macs / 1e6:.1f}M, "
            f"params={self.params / 1e6:.2f}M)"
        )

    def with_batch(self, batch: int) -> Workload:
        """The same network run on ``batch`` images per call (layers and meta shared)."""
        if type(batch) is int and batch == self.batch:
            return self
        return Workload(self.layers, name=self.name, meta=self.meta, batch=batch)

    # --- totals ---------------------------------------------------------------------------
    @cached_property
    def macs(self) -> int:
        """MACs of one call (the whole batch)."""
        return self.batch * sum(layer.macs for layer in self.layers)

    @cached_property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @cached_property
    def weight_elems(self) -> int:
        return sum(layer.weight_elems for layer in self.layers)

    @cached_property
    def activation_elems(self) -> int:
        """Sum of all layer outputs (elements written once each), for the whole batch."""
        return self.batch * sum(layer.output_elems for layer in self.layers)

    @cached_property
    def peak_activation_elems(self) -> int:
        """The largest input + output of any one layer (what must be live at once), for
        the whole batch."""
        return self.batch * max(layer.input_elems + layer.output_elems for layer in self.layers)

    @property
    def num_mac_layers(self) -> int:
        return sum(1 for layer in self.layers if layer.is_mac)

    def edges(self) -> list[tuple[str, str]]:
        """``(producer, consumer)`` pairs; ``"input"`` is the workload input."""
        out: list[tuple[str, str]] = []
        prev = "input"
        for layer in self.layers:
            for src in layer.inputs or (prev,):
                out.append((src, layer.name))
            prev = layer.name
        return out

    # --- views ----------------------------------------------------------------------------
    def summary(self):  # -> pandas.DataFrame
        """One row per layer: name, kind, MACs, params, activation sizes, GEMM view."""
        import pandas as pd

        rows = []
        for layer in self.layers:
            g = layer.gemm()
            rows.append(
                {
                    "name": layer.name,
                    "kind": layer.kind,
                    "macs": layer.macs,
                    "params": layer.params,
                    "input_elems": layer.input_elems,
                    "output_elems": layer.output_elems,
                    "groups": g.groups if g else 0,
                    "px": g.px if g else 0,
                    "F": g.F if g else 0,
                    "W": g.W if g else 0,
                    "vector_ops": layer.vector_ops,
                }
            )
        return pd.DataFrame(rows)

    @cached_property
    def lowered(self) -> LoweredWorkload:
        """The flat numeric form the cost model evaluates (computed once, cached).

        Per-image quantities are scaled by :attr:`batch` here, once for every network:
        the GEMM rows (output pixels) of each group, or the groups of a layer whose
        stationary operand is an activation; MACs, activation sizes and vector
        operations. Weights are not scaled.
        """
        n = len(self.layers)
        bt = self.batch
        kind = np.empty(n, np.int8)
        is_mac = np.zeros(n, bool)
        gv = np.zeros((5, n), np.int64)
        f = np.zeros((5, n), np.float64)
        consumed: set[str] = set()
        prev = "input"
        index = {layer.name: i for i, layer in enumerate(self.layers)}
        sources: list[tuple[int, ...]] = []
        for i, layer in enumerate(self.layers):
            sources.append(tuple(index.get(s, -1) for s in (layer.inputs or (prev,))))
            kind[i] = KIND_CODES[layer.kind]
            is_mac[i] = layer.is_mac
            g = layer.gemm()
            if g is not None:
                if _activation_stationary(layer):
                    gv[:, i] = (g.groups * bt, g.px, g.F, g.W, layer.scalesim_px())
                else:
                    gv[:, i] = (g.groups, g.px * bt, g.F, g.W, layer.scalesim_px() * bt)
            f[:, i] = (
                layer.macs * bt,
                layer.weight_elems,
                layer.input_elems * bt,
                layer.output_elems * bt,
                layer.vector_ops * bt,
            )
            consumed.update(layer.inputs or (prev,))
            prev = layer.name
        is_first = np.array(
            [
                ((not layer.inputs) and i == 0) or "input" in layer.inputs
                for i, layer in enumerate(self.layers)
            ]
        )
        is_last = np.array([layer.name not in consumed for layer in self.layers])
        n_readers = np.zeros(n, np.int64)
        for src in sources:
            for s in set(src):
                if s >= 0:
                    n_readers[s] += 1
        act_after_add = np.array(
            [
                layer.kind == "activation"
                and len(sources[i]) == 1
                and sources[i][0] >= 0
                and self.layers[sources[i][0]].kind == "eltwise"
                and getattr(self.layers[sources[i][0]], "op", "") == "add"
                and n_readers[sources[i][0]] == 1
                and not is_last[sources[i][0]]
                for i, layer in enumerate(self.layers)
            ],
            dtype=bool,
        ).reshape(n)
        concat_in_place = np.array(
            [
                _concat_in_place(layer) and all(s >= 0 and n_readers[s] == 1 for s in sources[i])
                for i, layer in enumerate(self.layers)
            ],
            dtype=bool,
        ).reshape(n)
        for arr in (kind, is_mac, gv, f, is_first, is_last, act_after_add, concat_in_place):
            arr.setflags(write=False)
        return LoweredWorkload(
            name=self.name,
            layer_names=tuple(layer.name for layer in self.layers),
            kind=kind,
            is_mac=is_mac,
            groups=gv[0],
            px=gv[1],
            F=gv[2],
            W=gv[3],
            px_scalesim=gv[4],
            macs=f[0],
            weight_elems=f[1],
            input_elems=f[2],
            output_elems=f[3],
            vector_ops=f[4],
            is_first=is_first,
            is_last=is_last,
            sources=tuple(sources),
            act_after_add=act_after_add,
            concat_in_place=concat_in_place,
            batch=bt,
            reread_band_elems=np.array([_reread_band(layer) for layer in self.layers], np.float64),
        )

    # --- plain-data form --------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "meta": self.meta}
        if self.batch != 1:
            d["batch"] = self.batch
        d["layers"] = [layer.to_dict() for layer in self.layers]
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Workload:
        """Build a workload from ``{"name": ..., "layers": [{"type": "Conv2d", ...}, ...]}``.

        An optional ``"batch"`` entry sets the batch size (default 1).

        Raises:
            WorkloadError: an unknown layer ``type`` (the message lists the known ones) or
                a bad field.
        """
        if not isinstance(data, dict) or "layers" not in data:
            raise WorkloadError("a workload document needs a 'layers' list")
        layers: list[Layer] = []
        for i, item in enumerate(data["layers"]):
            item = dict(item)
            tname = item.pop("type", None)
            if tname not in LAYER_TYPES:
                raise WorkloadError(
                    f"layer {i} ({item.get('name', '?')}): unknown type {tname!r}; "
                    f"known types: {sorted(LAYER_TYPES)}"
                )
            for key, val in list(item.items()):
                if isinstance(val, list):
                    item[key] = tuple(val)
            try:
                layers.append(LAYER_TYPES[tname](**item))
            except TypeError as exc:
                raise WorkloadError(
                    f"layer {i} ({item.get('name', '?')}) of type {tname}: {exc}"
                ) from None
        return cls(
            layers,
            name=data.get("name", "workload"),
            meta=data.get("meta"),
            batch=data.get("batch", 1),
        )
