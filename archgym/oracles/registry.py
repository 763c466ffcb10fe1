"""Accuracy oracles by name: what a scenario document's ``oracle:`` field may say.

A scenario file names its accuracy oracle (``network: {kind: mobilenet, oracle:
surrogate}``); the name is looked up here and nowhere else, so a file can never make
archgym import code. Built in: ``"surrogate"`` (:class:`~archgym.oracles.surrogate.
SurrogateAccuracy` fitted to the shipped trained results) and ``"trained"``
(:class:`~archgym.oracles.trained.TrainedAccuracy`, trains each candidate on the CPU).
Add your own from your own Python (or an ``archgym --plugin`` module) with
:func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["register", "make", "names"]


def _surrogate(**options: Any) -> Any:
    from .surrogate import SurrogateAccuracy

    return SurrogateAccuracy.from_shipped(**options)


def _trained(**options: Any) -> Any:
    from .trained import TrainedAccuracy

    return TrainedAccuracy(space="mobilenet", **options)


_FACTORIES: dict[str, Callable[..., Any]] = {"surrogate": _surrogate, "trained": _trained}


def register(name: str, factory: Callable[..., Any], overwrite: bool = False) -> str:
    """Make an accuracy oracle of the MobileNet-like space known by ``name``.

    Args:
        name: The name scenario documents use (``oracle: NAME``).
        factory: ``factory(**oracle_options)`` returning an
            :class:`~archgym.oracles.AccuracyOracle` that takes choice dicts.
        overwrite: Replace an existing name.

    Raises:
        ValueError: the name is taken (and ``overwrite`` is false) or ``factory`` is not
            callable.
    """
    if not callable(factory):
        raise ValueError(f"register({name!r}, ...) needs a callable factory, got {factory!r}")
    if name in _FACTORIES and not overwrite:
        raise ValueError(f"accuracy oracle {name!r} is already registered (pass overwrite=True)")
    _FACTORIES[str(name)] = factory
    return str(name)


def names() -> list[str]:
    """The registered oracle names."""
    return sorted(_FACTORIES)


def make(name: str, **options: Any) -> Any:
    """Build the oracle registered as ``name`` with ``options``.

    Raises:
        KeyError: an unknown name (never imported, whatever it looks like).
    """
    if name not in _FACTORIES:
        raise KeyError(name)
    return _FACTORIES[name](**options)
