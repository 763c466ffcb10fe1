"""The Accel-NASBench ImageNet network space (EfficientNet-B0 skeleton, 28 knobs).

Each distinct architecture is lowered once (memoised); accuracy:
:class:`~archgym.oracles.AccelNASBenchAccuracy`, a tree ensemble fitted to the benchmark's
4,368 real ImageNet results, with its cross-validated error reported.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from archgym.costmodel import WorkloadTable
from archgym.space import DesignSpace, SpaceError

from .cache import stable_hash
from .network_space import _ORACLES, NetworkSpace, _check_batch, _restrict_doc, _restricted

__all__ = ["AccelNASBenchNetwork"]


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
