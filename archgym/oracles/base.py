"""The accuracy-oracle interface."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np


class OracleError(RuntimeError):
    """An oracle cannot produce a real accuracy (missing dataset, corrupt cache, ...)."""


class AccuracyOracle(ABC):
    """Maps architectures to accuracies in percent (0-100).

    Subclasses set ``kind`` (``"tabular"``, ``"trained"`` or ``"surrogate"``) and
    implement :meth:`evaluate` for a batch of architectures in whatever form their
    search space uses (an NB201 index, string or op tuple; a MobileNet-space choice).
    """

    kind: ClassVar[str] = "abstract"

    @abstractmethod
    def evaluate(self, archs: Sequence[Any]) -> np.ndarray:
        """Accuracies (percent) of a batch of architectures: shape ``(len(archs),)``."""

    def __call__(self, archs: Any) -> Any:
        """``oracle(arch) -> float`` for one architecture, ``oracle([a, b]) -> ndarray``."""
        if self._is_single(archs):
            return float(self.evaluate([archs])[0])
        return self.evaluate(list(archs))

    def _is_single(self, archs: Any) -> bool:
        """Whether ``archs`` is one architecture rather than a batch (override per space)."""
        return isinstance(archs, (int, np.integer, str, dict))

    def describe(self) -> dict[str, Any]:
        """What this oracle is: kind, data source, dataset, and any error estimate."""
        return {"kind": self.kind, "class": type(self).__name__}

    def __repr__(self) -> str:
        info = ", ".join(f"{k}={v!r}" for k, v in self.describe().items() if k != "class")
        return f"{type(self).__name__}({info})"
