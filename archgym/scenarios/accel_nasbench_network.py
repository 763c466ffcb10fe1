"""The Accel-NASBench ImageNet network space (EfficientNet-B0 skeleton, 28 knobs).

Each distinct architecture is lowered once (memoised); accuracy:
:class:`~archgym.oracles.AccelNASBenchAccuracy`, a tree ensemble fitted to the benchmark's
4,368 real ImageNet results, with its cross-validated error reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from archgym.space import SpaceError

from .cache import stable_hash
from .network_space import _ORACLES, MemoisedNetwork

__all__ = ["AccelNASBenchNetwork"]


class AccelNASBenchNetwork(MemoisedNetwork):
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

        super().__init__(accel_nasbench_design_space(), restrict, batch, memo_size)
        if isinstance(input_size, bool) or not isinstance(input_size, (int, np.integer)):
            raise SpaceError(f"input_size must be a positive integer, got {input_size!r}")
        self.input_size = int(input_size)
        if oracle is None or oracle == "surrogate":
            self.oracle_name, self._oracle = "surrogate", None
        elif isinstance(oracle, str):
            raise SpaceError(
                f"unknown Accel-NASBench accuracy oracle {oracle!r}; use 'surrogate' or pass an AccuracyOracle"
            )
        else:
            self.oracle_name, self._oracle = "custom", oracle

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

    def _lower(self, choice: dict[str, Any]) -> Any:
        from archgym.workloads.accel_nasbench import accel_nasbench

        return accel_nasbench(choice, batch=self.batch, input_size=self.input_size)

    def accuracy_std(self, X: np.ndarray) -> np.ndarray:
        """The oracle's uncertainty (percentage points) of each design: ``(batch,)``."""
        keys, inv = self._keys(X)
        return np.asarray(self.oracle.std([self._choice(k) for k in keys]), np.float64)[inv]

    def to_dict(self) -> dict[str, Any]:
        return self._document(
            oracle=None
            if self.oracle_name == "surrogate"
            else self.oracle_name,  # "custom": no document form
            input_size=None if self.input_size == 224 else self.input_size,
        )

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
