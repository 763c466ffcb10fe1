"""The network half of a co-design scenario: the :class:`NetworkSpace` interface.

A network space owns the network knobs of a scenario; for a batch of network designs it
gives the rows of a :class:`~archgym.costmodel.WorkloadTable` the cost model evaluates and
the accuracies from an accuracy oracle. The families (NAS-Bench-201, MobileNet-like,
Accel-NASBench) live in their own modules; :mod:`archgym.scenarios.networks` lists them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

import numpy as np

from archgym.costmodel import WorkloadTable
from archgym.space import DesignSpace, SpaceError

__all__ = ["NetworkSpace"]


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


#: Accuracy oracles built by the network spaces, shared between scenarios (key: a hash of
#: the oracle's name and options).
_ORACLES: dict[str, Any] = {}
