"""The Edge-TPU MobileNet-like network space (43 knobs), scored by a registered oracle.

Each distinct choice is lowered once (memoised by its choice tuple); accuracy comes from a
chosen oracle (``"surrogate"``: :class:`~archgym.oracles.surrogate.SurrogateAccuracy`
fitted to the shipped trained results; ``"trained"``:
:class:`~archgym.oracles.trained.TrainedAccuracy`, which trains every new candidate for
real on the CPU).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archgym.oracles import registry as oracle_registry
from archgym.space import SpaceError

from .cache import stable_hash
from .network_space import _ORACLES, MemoisedNetwork

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


class MobileNetNetwork(MemoisedNetwork):
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

        super().__init__(mobilenet_design_space(), restrict, batch, memo_size)
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

    @property
    def oracle(self) -> Any:
        """The accuracy oracle (built on first use)."""
        if self._oracle is None:
            self._oracle = _make_oracle(str(self.oracle_name), self.oracle_options)
        return self._oracle

    def _lower(self, choice: dict[str, Any]) -> Any:
        from archgym.workloads.mobilenet_space import mobilenet_workload

        return mobilenet_workload(choice, num_classes=self.num_classes, batch=self.batch)

    def to_dict(self) -> dict[str, Any]:
        return self._document(
            oracle=self.oracle_name,
            oracle_options=dict(self.oracle_options) or None,
            num_classes=None if self.num_classes == 1000 else self.num_classes,
        )

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
