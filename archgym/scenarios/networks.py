"""Neural-architecture halves of co-design scenarios: knobs, lowering and accuracy.

A :class:`NetworkSpace` owns the network knobs of a scenario. For a batch of network
designs (a ``batch x n_network_knobs`` index array) it returns the rows of a
:class:`~archgym.costmodel.WorkloadTable` the cost model evaluates and the accuracies
from an accuracy oracle.

* :class:`NB201Network` — the six NAS-Bench-201 cell edges (``edge_0_1`` ... ``edge_2_3``,
  each a categorical knob over :data:`~archgym.workloads.nb201.NB201_OPS`), optionally
  restricted to some ops per edge. The cells of the space are lowered ONCE into one
  ``WorkloadTable`` (isomorphic cells compute the same function and share one row), kept
  in memory per dataset and cached on disk, so a batch of designs is one
  ``simulate_batch(..., workload_index=...)`` call. Accuracy: the tabular
  :class:`~archgym.oracles.NB201Accuracy` (real NAS-Bench-201 training results).
* :class:`MobileNetNetwork` — the Edge-TPU MobileNet-like space
  (:mod:`archgym.workloads.mobilenet_space`, 43 knobs). Each distinct choice is lowered
  once (memoised by its choice tuple); accuracy comes from a chosen oracle
  (``"surrogate"``: :class:`~archgym.oracles.surrogate.SurrogateAccuracy` fitted to the
  shipped trained results; ``"trained"``: :class:`~archgym.oracles.trained.TrainedAccuracy`,
  which trains every new candidate for real on the CPU).
* :class:`AccelNASBenchNetwork` — the Accel-NASBench ImageNet space
  (:mod:`archgym.workloads.accel_nasbench`: EfficientNet-B0's skeleton, 28 knobs named as
  the benchmark's data columns). Each distinct architecture is lowered once (memoised);
  accuracy: :class:`~archgym.oracles.AccelNASBenchAccuracy`, a tree ensemble fitted to the
  benchmark's 4,368 real ImageNet results, with its cross-validated error reported.
"""

from __future__ import annotations

import dataclasses
import logging
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from archgym.costmodel import WorkloadTable
from archgym.oracles import registry as oracle_registry
from archgym.space import Categorical, DesignSpace, SpaceError

from .cache import COSTMODEL_SOURCES, cache_dir, code_fingerprint, load_npz, save_npz, stable_hash

__all__ = [
    "NetworkSpace",
    "NB201Network",
    "MobileNetNetwork",
    "AccelNASBenchNetwork",
    "network_from_spec",
    "NB201_EDGE_KNOBS",
    "NB201_ACCURACY_DATASETS",
    "nb201_table",
    "take_rows",
]

log = logging.getLogger(__name__)

#: The NB201 edge knob names, in the op-tuple edge order ``0->1, 0->2, 0->3, 1->2, 1->3, 2->3``.
NB201_EDGE_KNOBS: tuple[str, ...] = (
    "edge_0_1",
    "edge_0_2",
    "edge_0_3",
    "edge_1_2",
    "edge_1_3",
    "edge_2_3",
)

#: Accuracy dataset of :class:`~archgym.oracles.NB201Accuracy` -> the dataset the cells
#: are lowered for (input size and classifier width).
NB201_ACCURACY_DATASETS: dict[str, str] = {
    "cifar10-valid": "cifar10",
    "cifar10-test": "cifar10",
    "ImageNet16-120": "ImageNet16-120",
}

# Source files whose change changes a lowered NB201 table.
_NB201_SOURCES = (
    "workloads/nb201.py",
    "workloads/layers.py",
    "workloads/workload.py",
    *COSTMODEL_SOURCES,
    "scenarios/networks.py",
)


class NetworkSpace(ABC):
    """The network knobs of a co-design scenario and how to cost and score them."""

    kind: str = "abstract"

    @property
    @abstractmethod
    def space(self) -> DesignSpace:
        """The network knobs (a design space of their own)."""

    @abstractmethod
    def workloads(self, X: np.ndarray) -> tuple[WorkloadTable, np.ndarray]:
        """``(table, rows)``: the workload of each design of ``X`` (``batch x n_knobs``
        choice indices of :attr:`space`) as a row of ``table``."""

    @abstractmethod
    def accuracy(self, X: np.ndarray) -> np.ndarray:
        """Accuracy (percent) of each design of ``X``: shape ``(batch,)``."""

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """The network part of a scenario document."""

    @abstractmethod
    def describe(self) -> str:
        """One sentence: the space and where its accuracies come from."""

    #: Whether :meth:`all_workloads` is cheap enough to enumerate the network space.
    enumerable: bool = False

    def all_workloads(self) -> tuple[WorkloadTable, np.ndarray, np.ndarray]:
        """``(table, rows, accuracy)`` of every network design, in flat order."""
        raise NotImplementedError(f"the {self.kind} network space cannot be enumerated")


def _check_batch(batch: Any) -> int:
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
        raise SpaceError(f"batch must be a positive integer, got {batch!r}")
    return int(batch)


def _restricted(space: DesignSpace, restrict: Mapping[str, Any] | None) -> DesignSpace:
    if not restrict:
        return space
    return space.subspace(
        **{k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in restrict.items()}
    )


def _restrict_doc(full: DesignSpace, space: DesignSpace) -> dict[str, list[Any]]:
    """The ``restrict`` entry that turns ``full`` into ``space`` (knobs that differ)."""
    return {
        k.name: list(k.choices)
        for k, f in zip(space.knobs, full.knobs, strict=True)
        if k.choices != f.choices
    }


# ------------------------------------------------------------------------------------------
# NAS-Bench-201
# ------------------------------------------------------------------------------------------

_NB201_TABLES: dict[tuple[str, str, int], tuple[WorkloadTable, np.ndarray]] = {}


def _table_to_arrays(table: WorkloadTable, reps: np.ndarray) -> dict[str, np.ndarray]:
    """A compact, generic form of a table (whatever its dataclass fields are): every
    ``(n_workloads, max_layers)`` array is stored through one table of distinct layer rows
    plus per-workload codes; other arrays as they are; layer names de-duplicated."""
    n, L = table.valid.shape
    out: dict[str, np.ndarray] = {"reps": reps.astype(np.int64)}
    grid: dict[str, np.ndarray] = {}
    for f in dataclasses.fields(table):
        value = getattr(table, f.name)
        if f.name == "layer_names":
            names = [nm for lnames in value for nm in lnames]
            uniq, inv = np.unique(np.array(names, dtype=str), return_inverse=True)
            out["layer_names.values"] = uniq
            out["layer_names.codes"] = inv.reshape(-1).astype(np.int32)
            out["layer_names.counts"] = np.array([len(x) for x in value], np.int64)
        elif isinstance(value, dict):
            for k, a in value.items():
                grid[f"{f.name}.{k}"] = np.asarray(a)
            out[f"{f.name}.__keys__"] = np.array(list(value), dtype=str)
        elif isinstance(value, tuple):
            out[f"{f.name}.__tuple__"] = np.array(value, dtype=str)
        else:
            grid[f.name] = np.asarray(value)
    layered = {k: a for k, a in grid.items() if a.shape == (n, L)}
    for k, a in grid.items():
        if k not in layered:
            out[k] = a
    keys = sorted(layered)
    stacked = np.stack([layered[k].astype(np.float64).reshape(-1) for k in keys], axis=1)
    uniq, inv = np.unique(stacked, axis=0, return_inverse=True)
    out["layered.__keys__"] = np.array(keys, dtype=str)
    out["layered.__dtypes__"] = np.array([layered[k].dtype.str for k in keys], dtype=str)
    out["layered.rows"] = uniq
    out["layered.codes"] = inv.reshape(n, L).astype(np.int32)
    return out


def _table_from_arrays(d: Mapping[str, np.ndarray]) -> tuple[WorkloadTable, np.ndarray]:
    """Inverse of :func:`_table_to_arrays`; raises if the stored fields are not the
    current ``WorkloadTable``'s."""
    values: dict[str, Any] = {}
    full = d["layered.rows"][d["layered.codes"]]
    for i, (k, dt) in enumerate(
        zip(d["layered.__keys__"].tolist(), d["layered.__dtypes__"].tolist(), strict=True)
    ):
        values[k] = np.ascontiguousarray(full[..., i]).astype(np.dtype(dt))
    for k, a in d.items():
        if k == "reps" or k.startswith("layered.") or k.startswith("layer_names."):
            continue
        if k.endswith(".__keys__"):
            continue
        if k.endswith(".__tuple__"):
            values[k[: -len(".__tuple__")]] = tuple(str(x) for x in a.tolist())
        else:
            values[k] = a
    lv, lc = d["layer_names.values"].tolist(), d["layer_names.codes"].tolist()
    layer_names, pos = [], 0
    for c in d["layer_names.counts"].tolist():
        layer_names.append(tuple(lv[j] for j in lc[pos : pos + c]))
        pos += c
    kwargs: dict[str, Any] = {"layer_names": tuple(layer_names)}
    for f in dataclasses.fields(WorkloadTable):
        if f.name == "layer_names":
            continue
        keys_name = f"{f.name}.__keys__"
        if keys_name in d:
            kwargs[f.name] = {k: values.pop(f"{f.name}.{k}") for k in d[keys_name].tolist()}
        else:
            kwargs[f.name] = values.pop(f.name)  # KeyError: the dataclass gained a field
    if values:
        raise ValueError(f"stored table has fields WorkloadTable no longer has: {sorted(values)}")
    return WorkloadTable(**kwargs), np.asarray(d["reps"], np.int64)


def take_rows(table: WorkloadTable, rows: np.ndarray) -> WorkloadTable:
    """A ``WorkloadTable`` of some of ``table``'s workloads (generic over its fields:
    per-workload arrays, tuples and dicts of arrays are indexed by ``rows``)."""
    n = table.n_workloads
    rows = np.asarray(rows, np.int64)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(table):
        value = getattr(table, f.name)
        if isinstance(value, dict):
            kwargs[f.name] = {
                k: (a[rows] if np.ndim(a) and len(a) == n else a) for k, a in value.items()
            }
        elif isinstance(value, tuple) and len(value) == n:
            kwargs[f.name] = tuple(value[i] for i in rows.tolist())
        elif isinstance(value, np.ndarray) and value.ndim and value.shape[0] == n:
            kwargs[f.name] = value[rows]
        else:
            kwargs[f.name] = value
    return WorkloadTable(**kwargs)


def nb201_table(
    reps: Sequence[int] | np.ndarray,
    dataset: str = "cifar10",
    *,
    disk_cache: bool | None = None,
    batch: int = 1,
) -> WorkloadTable:
    """One ``WorkloadTable`` row per NB201 cell of ``reps`` (NB201 indices), in that order.

    Lowering all 9,445 non-isomorphic cells takes several seconds, so tables are kept in
    memory (per dataset and cell set) and, for large cell sets, cached on disk under
    ``cache_dir("nb201")`` keyed by a hash of the lowering and cost-model sources; a file
    that cannot be read is rebuilt.

    Args:
        reps: NB201 indices of the cells (usually isomorphism-class representatives).
        dataset: the lowering dataset (``"cifar10"``, ``"cifar100"``, ``"ImageNet16-120"``).
        disk_cache: use the disk cache (default: for 500 cells or more).
        batch: images per inference call of every cell's network.
    """
    from archgym.workloads.nb201 import nb201

    reps = np.asarray(reps, np.int64)
    key_doc: dict[str, Any] = {"dataset": dataset, "reps": stable_hash(reps.tolist())}
    if batch != 1:
        key_doc["batch"] = int(batch)
    mem_key = (dataset, key_doc["reps"], int(batch))
    hit = _NB201_TABLES.get(mem_key)
    if hit is not None:
        return hit[0]
    use_disk = len(reps) >= 500 if disk_cache is None else disk_cache
    path = None
    if use_disk:
        fp = code_fingerprint(_NB201_SOURCES)
        path = (
            cache_dir("nb201")
            / f"table-{dataset}-{len(reps)}-b{int(batch)}-{stable_hash([key_doc, fp])[:16]}.npz"
        )
        data = load_npz(path)
        if data is not None:
            try:
                table, stored = _table_from_arrays(data)
                if np.array_equal(stored, reps) and table.n_workloads == len(reps):
                    _NB201_TABLES[mem_key] = (table, reps)
                    return table
            except Exception as exc:  # a corrupt or outdated cache: rebuild it
                log.warning("rebuilding the NB201 table cache %s (%s)", path, exc)
    table = WorkloadTable.from_workloads([nb201(int(i), dataset, batch=batch) for i in reps])
    _NB201_TABLES[mem_key] = (table, reps)
    if path is not None:
        try:
            save_npz(path, _table_to_arrays(table, reps))
        except OSError as exc:  # a read-only home is not an error
            log.warning("cannot write the NB201 table cache %s (%s)", path, exc)
    return table


class NB201Network(NetworkSpace):
    """The NAS-Bench-201 cell space as six categorical edge knobs.

    Args:
        dataset: accuracy dataset of :class:`~archgym.oracles.NB201Accuracy`:
            ``"cifar10-valid"`` (default), ``"cifar10-test"`` or ``"ImageNet16-120"``;
            cells are lowered for the matching input size and classifier.
        restrict: optional ``{edge knob: [op names]}`` restricting some edges.
        batch: images per inference call of the lowered networks.

    Raises:
        SpaceError: an unknown dataset, edge knob or op name, or a bad batch.
    """

    kind = "nb201"
    enumerable = True

    def __init__(
        self,
        dataset: str = "cifar10-valid",
        restrict: Mapping[str, Any] | None = None,
        batch: int = 1,
    ) -> None:
        self.batch = _check_batch(batch)
        from archgym.workloads.nb201 import NB201_OPS

        if dataset not in NB201_ACCURACY_DATASETS:
            raise SpaceError(
                f"unknown NB201 accuracy dataset {dataset!r}; choose one of {list(NB201_ACCURACY_DATASETS)}"
            )
        self.dataset = dataset
        self.lowering_dataset = NB201_ACCURACY_DATASETS[dataset]
        self._full = DesignSpace([Categorical(name, NB201_OPS) for name in NB201_EDGE_KNOBS])
        self._space = _restricted(self._full, restrict)
        self.restrict = _restrict_doc(self._full, self._space)
        # per knob: choice index -> NB201 op id
        self._op_ids = [
            np.array([NB201_OPS.index(v) for v in k.choices], np.int64) for k in self._space.knobs
        ]
        self._reps: np.ndarray | None = None
        self._rep_row: np.ndarray | None = None
        self._acc: np.ndarray | None = None
        self._table: WorkloadTable | None = None

    @property
    def space(self) -> DesignSpace:
        return self._space

    def arch_indices(self, X: np.ndarray) -> np.ndarray:
        """NAS-Bench-201 indices of a batch of network designs: shape ``(batch,)``."""
        from archgym.workloads.nb201 import archs_to_indices

        X = np.asarray(X, np.int64).reshape(-1, 6)
        ops = np.stack([ids[X[:, j]] for j, ids in enumerate(self._op_ids)], axis=1)
        return archs_to_indices(ops)

    def _prepare(self) -> None:
        if self._reps is not None:
            return
        from archgym.workloads.nb201 import NB201_NUM_ARCHS, unique_index_map

        umap = unique_index_map()
        if self._space.size == NB201_NUM_ARCHS:
            cells = np.arange(NB201_NUM_ARCHS)
        else:
            cells = self.arch_indices(self._space.unravel(np.arange(self._space.size)))
        reps = np.unique(umap[cells])
        rep_row = np.full(NB201_NUM_ARCHS, -1, np.int64)
        rep_row[reps] = np.arange(len(reps))
        self._rep_row = rep_row[umap]  # NB201 index -> table row
        self._reps = reps

    @property
    def table(self) -> WorkloadTable:
        """The lowered cells of this (possibly restricted) space, one row per isomorphism class."""
        if self._table is None:
            self._prepare()
            assert self._reps is not None
            self._table = nb201_table(self._reps, self.lowering_dataset, batch=self.batch)
        return self._table

    def workloads(self, X: np.ndarray) -> tuple[WorkloadTable, np.ndarray]:
        """The table rows of a batch. A small batch gets a table of just its own rows:
        the cost model's per-call work grows with the table, not with the batch."""
        self._prepare()
        assert self._rep_row is not None
        table, rows = self.table, self._rep_row[self.arch_indices(X)]
        if len(rows) * 8 < table.n_workloads:
            uniq, inv = np.unique(rows, return_inverse=True)
            return take_rows(table, uniq), inv.reshape(-1)
        return table, rows

    def _accuracies(self) -> np.ndarray:
        if self._acc is None:
            from archgym.oracles import NB201Accuracy

            self._acc = NB201Accuracy(self.dataset).accuracies
        return self._acc

    def accuracy(self, X: np.ndarray) -> np.ndarray:
        return self._accuracies()[self.arch_indices(X)]

    def all_workloads(self) -> tuple[WorkloadTable, np.ndarray, np.ndarray]:
        X = self._space.unravel(np.arange(self._space.size))
        table, rows = self.workloads(X)
        return table, rows, self.accuracy(X)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "dataset": self.dataset}
        if self.restrict:
            d["restrict"] = self.restrict
        if self.batch != 1:
            d["batch"] = self.batch
        return d

    def describe(self) -> str:
        n = self._space.size
        return (
            f"NAS-Bench-201 cells ({n:,} of 15,625), accuracy: NAS-Bench-201 {self.dataset} "
            "accuracy looked up from the tabular oracle (real training results)"
        )


# ------------------------------------------------------------------------------------------
# MobileNet-like space
# ------------------------------------------------------------------------------------------

_ORACLES: dict[str, Any] = {}


def _default_oracle_name() -> str:
    try:
        from archgym.oracles import surrogate  # noqa: F401
    except ImportError:
        return "trained"
    return "surrogate"


def _check_oracle_name(name: str) -> None:
    """A clear error for an oracle name that is not registered (never imported)."""
    from archgym.plugins import check_not_import_path

    check_not_import_path(name, "oracle", SpaceError)
    if name not in oracle_registry.names():
        raise SpaceError(
            f"unknown accuracy oracle {name!r}; oracles: {oracle_registry.names()} (register "
            "your own with archgym.oracles.register, or pass an AccuracyOracle object)"
        )


def _make_oracle(name: str, options: Mapping[str, Any]) -> Any:
    key = stable_hash([name, dict(options)])
    if key in _ORACLES:
        return _ORACLES[key]
    _check_oracle_name(name)
    try:
        oracle = oracle_registry.make(name, **options)
    except ImportError as exc:
        raise SpaceError(
            f"the accuracy oracle {name!r} is not available ({exc}); oracles: "
            f"{oracle_registry.names()}"
        ) from None
    _ORACLES[key] = oracle
    return oracle


class MobileNetNetwork(NetworkSpace):
    """The Edge-TPU MobileNet-like space (43 knobs: 6 per stage, then the resolution).

    Args:
        oracle: ``"surrogate"`` (default where it exists: a model fitted to real trained
            results, with its held-out error reported), ``"trained"`` (trains every new
            candidate for real on the CPU: seconds to minutes each) or an
            :class:`~archgym.oracles.AccuracyOracle` instance taking choice dicts.
        oracle_options: keyword arguments of the oracle's constructor (``from_shipped``
            for the surrogate).
        restrict: optional ``{knob: value or [values]}`` restricting some knobs.
        num_classes: classifier width of the lowered (full-size) network.
        memo_size: how many lowered networks and accuracies are memoised.
        batch: images per inference call of the lowered networks.
    """

    kind = "mobilenet"
    enumerable = False

    def __init__(
        self,
        oracle: Any = None,
        oracle_options: Mapping[str, Any] | None = None,
        restrict: Mapping[str, Any] | None = None,
        num_classes: int = 1000,
        memo_size: int = 8192,
        batch: int = 1,
    ) -> None:
        from archgym.workloads.mobilenet_space import mobilenet_design_space

        self.batch = _check_batch(batch)
        self._full = mobilenet_design_space()
        self._space = _restricted(self._full, restrict)
        self.restrict = _restrict_doc(self._full, self._space)
        self.oracle_name = (
            oracle if isinstance(oracle, str) else (None if oracle is None else "custom")
        )
        if oracle is None:
            self.oracle_name = _default_oracle_name()
        if isinstance(oracle, str):
            _check_oracle_name(oracle)
        self.oracle_options = dict(oracle_options or {})
        self._oracle = oracle if not isinstance(oracle, (str, type(None))) else None
        self.num_classes = int(num_classes)
        self.memo_size = int(memo_size)
        self._workloads: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._acc: OrderedDict[tuple[Any, ...], float] = OrderedDict()

    @property
    def space(self) -> DesignSpace:
        return self._space

    @property
    def oracle(self) -> Any:
        """The accuracy oracle (built on first use)."""
        if self._oracle is None:
            self._oracle = _make_oracle(str(self.oracle_name), self.oracle_options)
        return self._oracle

    def _keys(self, X: np.ndarray) -> tuple[list[tuple[Any, ...]], np.ndarray, np.ndarray]:
        """Distinct choice keys, the distinct rows of ``X`` and the inverse map."""
        X = np.asarray(X, np.int64)
        uniq, inv = np.unique(X, axis=0, return_inverse=True)
        cols = [a[uniq[:, j]].tolist() for j, a in enumerate(k.array for k in self._space.knobs)]
        keys = list(zip(*cols, strict=True)) if cols else []
        return keys, uniq, inv.reshape(-1)

    def _choice(self, key: tuple[Any, ...]) -> dict[str, Any]:
        return dict(zip(self._space.names, key, strict=True))

    def _remember(self, memo: OrderedDict, key: tuple[Any, ...], value: Any) -> None:
        memo[key] = value
        while len(memo) > self.memo_size:
            memo.popitem(last=False)

    def workloads(self, X: np.ndarray) -> tuple[WorkloadTable, np.ndarray]:
        from archgym.workloads.mobilenet_space import mobilenet_workload

        keys, _, inv = self._keys(X)
        wls = []
        for key in keys:
            wl = self._workloads.get(key)
            if wl is None:
                wl = mobilenet_workload(
                    self._choice(key), num_classes=self.num_classes, batch=self.batch
                )
                self._remember(self._workloads, key, wl)
            wls.append(wl)
        return WorkloadTable.from_workloads(wls), inv

    def accuracy(self, X: np.ndarray) -> np.ndarray:
        keys, _, inv = self._keys(X)
        missing = [k for k in keys if k not in self._acc]
        if missing:
            values = np.asarray(
                self.oracle.evaluate([self._choice(k) for k in missing]), np.float64
            )
            for k, v in zip(missing, values.tolist(), strict=True):
                self._remember(self._acc, k, float(v))
        return np.array([self._acc[k] for k in keys], np.float64)[inv]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "oracle": self.oracle_name}
        if self.oracle_options:
            d["oracle_options"] = dict(self.oracle_options)
        if self.restrict:
            d["restrict"] = self.restrict
        if self.num_classes != 1000:
            d["num_classes"] = self.num_classes
        if self.batch != 1:
            d["batch"] = self.batch
        return d

    def describe(self) -> str:
        what = {
            "surrogate": "the surrogate oracle (a regression model fitted to real trained results on "
            "Fashion-MNIST, held-out error reported by its describe())",
            "trained": "the trained oracle (each new candidate trained for real on the CPU)",
        }.get(str(self.oracle_name), f"a custom oracle ({type(self._oracle).__name__})")
        return (
            f"Edge-TPU MobileNet-like space ({self._space.n_knobs} knobs, not enumerable); hardware cost of the "
            f"full-size network at its resolution; accuracy from {what}"
        )


# ------------------------------------------------------------------------------------------
# Accel-NASBench (ImageNet, EfficientNet-B0 skeleton)
# ------------------------------------------------------------------------------------------


class AccelNASBenchNetwork(NetworkSpace):
    """The Accel-NASBench ImageNet space: EfficientNet-B0's skeleton, per-stage expansion,
    kernel, depth and squeeze-excite (28 ordinal knobs named ``block0_e`` ... ``block6_se``;
    about 1.4e16 networks, not enumerable), lowered at ``input_size`` and ``batch`` images a
    call, scored by the ImageNet top-1 oracle.

    Args:
        batch: images per inference call (latency and energy are per call).
        restrict: optional ``{knob: value or [values]}`` restricting some knobs.
        memo_size: how many lowered networks and accuracies are memoised.
        oracle: ``None`` or ``"surrogate"`` (default:
            :class:`~archgym.oracles.AccelNASBenchAccuracy`, fitted to the benchmark's real
            ImageNet results) or an :class:`~archgym.oracles.AccuracyOracle` instance taking
            a list of architecture dicts.
        input_size: input side in pixels (the benchmark's accuracies are at 224).
    """

    kind = "accel_nasbench"
    enumerable = False

    def __init__(
        self,
        batch: int = 1,
        restrict: Mapping[str, Any] | None = None,
        memo_size: int = 8192,
        *,
        oracle: Any = None,
        input_size: int = 224,
    ) -> None:
        from archgym.workloads.accel_nasbench import accel_nasbench_design_space

        self.batch = _check_batch(batch)
        if isinstance(input_size, bool) or not isinstance(input_size, (int, np.integer)):
            raise SpaceError(f"input_size must be a positive integer, got {input_size!r}")
        self.input_size = int(input_size)
        self._full = accel_nasbench_design_space()
        self._space = _restricted(self._full, restrict)
        self.restrict = _restrict_doc(self._full, self._space)
        if oracle is None or oracle == "surrogate":
            self.oracle_name, self._oracle = "surrogate", None
        elif isinstance(oracle, str):
            raise SpaceError(
                f"unknown Accel-NASBench accuracy oracle {oracle!r}; use 'surrogate' or pass an AccuracyOracle"
            )
        else:
            self.oracle_name, self._oracle = "custom", oracle
        self.memo_size = int(memo_size)
        self._workloads: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._acc: OrderedDict[tuple[Any, ...], float] = OrderedDict()

    @property
    def space(self) -> DesignSpace:
        return self._space

    @property
    def oracle(self) -> Any:
        """The accuracy oracle (built on first use)."""
        if self._oracle is None:
            key = stable_hash(["accel_nasbench", "surrogate"])
            if key not in _ORACLES:
                from archgym.oracles.accel_nasbench import AccelNASBenchAccuracy

                _ORACLES[key] = AccelNASBenchAccuracy()
            self._oracle = _ORACLES[key]
        return self._oracle

    def archs(self, X: np.ndarray) -> np.ndarray:
        """``(batch, 28)`` architecture values (the data file's columns) of index rows."""
        X = np.asarray(X, np.int64).reshape(-1, self._space.n_knobs)
        return np.stack(
            [np.asarray(k.array)[X[:, j]] for j, k in enumerate(self._space.knobs)], axis=1
        ).astype(np.int64)

    def _keys(self, X: np.ndarray) -> tuple[list[tuple[Any, ...]], np.ndarray]:
        X = np.asarray(X, np.int64)
        uniq, inv = np.unique(X, axis=0, return_inverse=True)
        cols = [k.array[uniq[:, j]].tolist() for j, k in enumerate(self._space.knobs)]
        return list(zip(*cols, strict=True)), inv.reshape(-1)

    def _arch(self, key: tuple[Any, ...]) -> dict[str, Any]:
        return dict(zip(self._space.names, key, strict=True))

    def _remember(self, memo: OrderedDict, key: tuple[Any, ...], value: Any) -> None:
        memo[key] = value
        while len(memo) > self.memo_size:
            memo.popitem(last=False)

    def workloads(self, X: np.ndarray) -> tuple[WorkloadTable, np.ndarray]:
        from archgym.workloads.accel_nasbench import accel_nasbench

        keys, inv = self._keys(X)
        wls = []
        for key in keys:
            wl = self._workloads.get(key)
            if wl is None:
                wl = accel_nasbench(self._arch(key), batch=self.batch, input_size=self.input_size)
                self._remember(self._workloads, key, wl)
            wls.append(wl)
        return WorkloadTable.from_workloads(wls), inv

    def accuracy(self, X: np.ndarray) -> np.ndarray:
        keys, inv = self._keys(X)
        missing = [k for k in keys if k not in self._acc]
        if missing:
            values = np.asarray(self.oracle.evaluate([self._arch(k) for k in missing]), np.float64)
            for k, v in zip(missing, values.tolist(), strict=True):
                self._remember(self._acc, k, float(v))
        return np.array([self._acc[k] for k in keys], np.float64)[inv]

    def accuracy_std(self, X: np.ndarray) -> np.ndarray:
        """The oracle's uncertainty (percentage points) of each design: ``(batch,)``."""
        keys, inv = self._keys(X)
        return np.asarray(self.oracle.std([self._arch(k) for k in keys]), np.float64)[inv]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind}
        if self.oracle_name != "surrogate":
            d["oracle"] = self.oracle_name  # "custom": no document form
        if self.batch != 1:
            d["batch"] = self.batch
        if self.restrict:
            d["restrict"] = self.restrict
        if self.input_size != 224:
            d["input_size"] = self.input_size
        return d

    def describe(self) -> str:
        if self.oracle_name == "surrogate":
            cv = self.oracle.cv_metrics()
            what = (
                "a boosted-tree ensemble fitted to Accel-NASBench's 4,368 real ImageNet results "
                f"(5-fold CV Spearman {cv.get('spearman', float('nan')):.3f}, "
                f"MAE {cv.get('mae', float('nan')):.2f} pp)"
            )
        else:
            what = f"a custom oracle ({type(self._oracle).__name__})"
        return (
            f"Accel-NASBench ImageNet space ({self._space.n_knobs} knobs, EfficientNet-B0 skeleton, "
            f"not enumerable); hardware cost of the network at {self.input_size}x{self.input_size}"
            f"{f', batch {self.batch}' if self.batch != 1 else ''}; accuracy from {what}"
        )


def network_from_spec(spec: Any, batch: int = 1) -> NetworkSpace | None:
    """A :class:`NetworkSpace` from ``None``, a kind name, a document or an instance.

    Args:
        spec: the network part of a scenario.
        batch: the scenario's batch; a document that sets its own ``batch`` must agree
            unless the scenario's is 1 (the default).

    Raises:
        SpaceError: an unknown kind or option, or conflicting batches.
    """
    if spec is None:
        return None
    if isinstance(spec, NetworkSpace):
        nb = getattr(spec, "batch", 1)
        if batch != 1 and nb != batch:
            raise SpaceError(
                f"the network space runs batch {nb} but the scenario asks for batch {batch}"
            )
        return spec
    if isinstance(spec, str):
        spec = {"kind": spec}
    if not isinstance(spec, Mapping):
        raise SpaceError(
            "network must be 'nb201', 'mobilenet', 'accel_nasbench', a mapping or a NetworkSpace, "
            f"got {type(spec).__name__}"
        )
    spec = dict(spec)
    if batch != 1:
        if spec.get("batch", batch) != batch:
            raise SpaceError(
                f"network batch {spec['batch']!r} conflicts with the scenario's batch {batch}"
            )
        spec["batch"] = batch
    kind = spec.pop("kind", None)
    allowed = {
        "nb201": {"dataset", "restrict", "batch"},
        "mobilenet": {"oracle", "oracle_options", "restrict", "num_classes", "batch"},
        "accel_nasbench": {"oracle", "restrict", "batch", "input_size"},
    }
    if kind not in allowed:
        raise SpaceError(f"unknown network kind {kind!r}; choose one of {sorted(allowed)}")
    unknown = sorted(set(spec) - allowed[kind])
    if unknown:
        raise SpaceError(
            f"network {kind!r}: unknown option(s) {unknown}; allowed: {sorted(allowed[kind])}"
        )
    if kind == "nb201":
        return NB201Network(**spec)
    if kind == "accel_nasbench":
        return AccelNASBenchNetwork(**spec)
    return MobileNetNetwork(**spec)
