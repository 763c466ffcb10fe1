"""The NAS-Bench-201 network space: six categorical cell edges, lowered once per cell.

The cells of the space are lowered ONCE into one ``WorkloadTable`` (isomorphic cells
compute the same function and share one row), kept in memory per dataset and cached on
disk, so a batch of designs is one ``simulate_batch(..., workload_index=...)`` call.
Accuracy: the tabular :class:`~archgym.oracles.NB201Accuracy` (real NAS-Bench-201
training results).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from archgym.costmodel import WorkloadTable
from archgym.space import Categorical, DesignSpace, SpaceError

from .cache import (
    COSTMODEL_SOURCES,
    LAYER_SOURCES,
    cache_dir,
    code_fingerprint,
    load_npz,
    save_npz,
    stable_hash,
)
from .network_space import NetworkSpace, _check_batch, _restrict_doc, _restricted

__all__ = [
    "NB201Network",
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
    "workloads/nb201_arch.py",
    *LAYER_SOURCES,
    *COSTMODEL_SOURCES,
    "scenarios/nb201_network.py",
)


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
        return self._document(dataset=self.dataset)

    def describe(self) -> str:
        n = self._space.size
        return (
            f"NAS-Bench-201 cells ({n:,} of 15,625), accuracy: NAS-Bench-201 {self.dataset} "
            "accuracy looked up from the tabular oracle (real training results)"
        )
