"""The Edge-TPU MobileNet-like network space (43 knobs), scored by a registered oracle.

Each distinct choice is lowered once (memoised by its choice tuple); accuracy comes from a
chosen oracle (``"surrogate"``: :class:`~archgym.oracles.surrogate.SurrogateAccuracy`
fitted to the shipped trained results; ``"trained"``:
:class:`~archgym.oracles.trained.TrainedAccuracy`, which trains every new candidate for
real on the CPU).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from archgym.costmodel import WorkloadTable
from archgym.oracles import registry as oracle_registry
from archgym.space import DesignSpace, SpaceError

from .cache import stable_hash
from .network_space import _ORACLES, NetworkSpace, _check_batch, _restrict_doc, _restricted

__all__ = ["MobileNetNetwork"]


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
