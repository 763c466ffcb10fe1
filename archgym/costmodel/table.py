"""The workloads as arrays: :class:`WorkloadTable` (per-layer GEMM views, host-op flags and
the memory plans of each fuse/view combination, zero-padded to ``(n_workloads, max_layers)``)
and turning what a caller passes into one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from ..loopnest import GEMM_FIELDS, gemm_sizes
from .options import CostOptions

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
        from ..workloads.workload import KIND_CODES

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
        from ..workloads.workload import KIND_CODES

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
    from ..accelerator import HOST_OPS

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
    from ..workloads.workload import KIND_CODES

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


def _as_table(workload: Any) -> tuple[WorkloadTable, bool]:
    from ..workloads import Layer, Workload

    if isinstance(workload, WorkloadTable):
        return workload, workload.n_workloads == 1
    if isinstance(workload, Layer):
        workload = Workload([workload], name=workload.name or workload.kind)
    if isinstance(workload, str):
        from ..workloads.zoo import load

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
