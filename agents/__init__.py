"""Search agents behind one ask/tell interface (installed as ``archgym.agents``).

``archgym.agents.make(name, **settings)`` builds an agent by name: ``random``, ``ga``,
``bo``, ``ppo``, ``reinforce``, and the peers ``optuna`` (``sampler="tpe"|"cmaes"|"gp"|"nsga2"``)
and ``nevergrad`` (NGOpt). Every agent has ``ask(n)``, ``tell(X, results)`` and
``run(scenario, budget, seed) -> History``.
"""

from __future__ import annotations

import importlib
from typing import Any

from .base import Agent, History
from .observations import Observations
from .problem import Problem
from .settings import AgentError, AgentSettings

__all__ = [
    "Agent",
    "AgentError",
    "AgentSettings",
    "History",
    "Observations",
    "Problem",
    "make",
    "list_agents",
    "register",
    "REGISTRY",
]

#: Agent name -> (module inside archgym.agents, class name). Modules import lazily, so
#: the heavy libraries (BoTorch, pymoo, Stable-Baselines3) load only when used.
REGISTRY: dict[str, tuple[str, str]] = {
    "random": ("random_search", "RandomSearch"),
    "ga": ("genetic", "GeneticAgent"),
    "bo": ("bayesopt", "BOAgent"),
    "ppo": ("ppo", "PPOAgent"),
    "reinforce": ("reinforce", "ReinforceAgent"),
    "optuna": ("optuna_agent", "OptunaAgent"),
    "nevergrad": ("nevergrad_agent", "NevergradAgent"),
}


#: Agent classes registered from Python (:func:`register`): name -> class.
_USER: dict[str, type[Agent]] = {}


def register(name: str, cls: type[Agent], overwrite: bool = False) -> str:
    """Make your own agent class known by ``name`` (to ``make``, runs, sweeps and resumes).

    This is how your own agent code enters archgym: from your own Python (or a module you
    load with ``archgym --plugin MODULE``), never from a name written in a data file.

    Raises:
        AgentError: ``cls`` is not an Agent subclass, or the name is taken (and
            ``overwrite`` is false).
    """
    if not (isinstance(cls, type) and issubclass(cls, Agent)):
        raise AgentError(f"register({name!r}, ...) needs an Agent subclass, got {cls!r}")
    if (name in REGISTRY or name in _USER) and not overwrite:
        raise AgentError(f"agent {name!r} is already registered (pass overwrite=True)")
    _USER[name] = cls
    return name


def agent_class(name: str) -> type[Agent]:
    if name in _USER:
        return _USER[name]
    if name not in REGISTRY:
        from archgym.plugins import check_not_import_path

        check_not_import_path(str(name), "agent", AgentError)
        raise AgentError(f"unknown agent {name!r}; agents: {list_agents()}")
    mod, cls = REGISTRY[name]
    return getattr(importlib.import_module(f"{__name__}.{mod}"), cls)


def make(name: str, **settings: Any) -> Agent:
    """Build the agent ``name`` with ``settings`` (fields of its ``Settings`` dataclass)."""
    return agent_class(name)(**settings)


def list_agents() -> list[str]:
    return sorted({*REGISTRY, *_USER})
