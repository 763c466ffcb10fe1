"""The network half of a co-design scenario: the :class:`NetworkSpace` interface.

A network space owns the network knobs of a scenario; for a batch of network designs it
gives the rows of a :class:`~archgym.costmodel.WorkloadTable` the cost model evaluates and
the accuracies from an accuracy oracle. The families (NAS-Bench-201, MobileNet-like,
Accel-NASBench) live in their own modules; :mod:`archgym.scenarios.networks` lists them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from archgym.costmodel import WorkloadTable
from archgym.space import DesignSpace, SpaceError

__all__ = ["NetworkSpace", "MemoisedNetwork"]


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
    #: Images per inference call of the lowered networks (the families set it).
    batch: int = 1
    #: The knobs restricted to some of their choices, ``{knob: [choices]}`` (the families set it).
    restrict: dict[str, list[Any]]

    def _document(self, **options: Any) -> dict[str, Any]:
        """The network part of a scenario document: ``kind``, the ``options`` that are set
        (not ``None``), ``restrict`` when some knobs are restricted and ``batch`` when not 1."""
        d: dict[str, Any] = {"kind": self.kind}
        d.update((k, v) for k, v in options.items() if v is not None)
        if self.restrict:
            d["restrict"] = self.restrict
        if self.batch != 1:
            d["batch"] = self.batch
        return d

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


class MemoisedNetwork(NetworkSpace):
    """A network space too large to lower ahead of time: each distinct design is lowered
    on first use and its accuracy asked of an oracle once, both memoised (the
    ``memo_size`` most recent). The oracle takes a list of ``{knob: value}`` dicts.

    Subclasses give :meth:`_lower` (one design's workload) and :attr:`oracle`.

    Args:
        full: the family's whole design space.
        restrict: optional ``{knob: value or [values]}`` restricting some knobs.
        batch: images per inference call of the lowered networks.
        memo_size: how many lowered networks and accuracies are memoised.

    Raises:
        SpaceError: a bad batch, or a restriction the space does not have.
    """

    def __init__(
        self,
        full: DesignSpace,
        restrict: Mapping[str, Any] | None,
        batch: int,
        memo_size: int,
    ) -> None:
        self.batch = _check_batch(batch)
        self._full = full
        self._space = _restricted(full, restrict)
        self.restrict = _restrict_doc(full, self._space)
        self.memo_size = int(memo_size)
        self._workloads: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._acc: OrderedDict[tuple[Any, ...], float] = OrderedDict()

    @property
    def space(self) -> DesignSpace:
        return self._space

    @property
    @abstractmethod
    def oracle(self) -> Any:
        """The accuracy oracle (``evaluate(list of knob dicts) -> accuracies``)."""

    @abstractmethod
    def _lower(self, choice: dict[str, Any]) -> Any:
        """The :class:`~archgym.workloads.Workload` of one design (``{knob: value}``)."""

    def _keys(self, X: np.ndarray) -> tuple[list[tuple[Any, ...]], np.ndarray]:
        """The distinct designs of ``X`` as tuples of knob values, and the ``(batch,)``
        map from each row of ``X`` to its distinct design."""
        X = np.asarray(X, np.int64)
        uniq, inv = np.unique(X, axis=0, return_inverse=True)
        cols = [k.array[uniq[:, j]].tolist() for j, k in enumerate(self._space.knobs)]
        return list(zip(*cols, strict=True)), inv.reshape(-1)

    def _choice(self, key: tuple[Any, ...]) -> dict[str, Any]:
        return dict(zip(self._space.names, key, strict=True))

    def _remember(self, memo: OrderedDict, key: tuple[Any, ...], value: Any) -> None:
        memo[key] = value
        while len(memo) > self.memo_size:
            memo.popitem(last=False)

    def workloads(self, X: np.ndarray) -> tuple[WorkloadTable, np.ndarray]:
        keys, inv = self._keys(X)
        wls = []
        for key in keys:
            wl = self._workloads.get(key)
            if wl is None:
                wl = self._lower(self._choice(key))
                self._remember(self._workloads, key, wl)
            wls.append(wl)
        return WorkloadTable.from_workloads(wls), inv

    def accuracy(self, X: np.ndarray) -> np.ndarray:
        keys, inv = self._keys(X)
        missing = [k for k in keys if k not in self._acc]
        if missing:
            values = np.asarray(
                self.oracle.evaluate([self._choice(k) for k in missing]), np.float64
            )
            for k, v in zip(missing, values.tolist(), strict=True):
                self._remember(self._acc, k, float(v))
        return np.array([self._acc[k] for k in keys], np.float64)[inv]
