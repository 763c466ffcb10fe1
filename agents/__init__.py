"""Search agents behind one ask/tell interface (installed as ``archgym.agents``).

``archgym.agents.make(name, **settings)`` builds an agent by name: ``random``, ``ga``,
``bo``, ``ppo``, ``reinforce``, and the peers ``optuna`` (``sampler="tpe"|"cmaes"|"gp"|"nsga2"``)
and ``nevergrad`` (NGOpt). Every agent has ``ask(n)``, ``tell(X, results)`` and
``run(scenario, budget, seed) -> History``.
"""

from __future__ import annotations

import importlib
from typing import Any

from .base import Agent, AgentError, AgentSettings, History, Observations

__all__ = [
    "Agent",
    "AgentError",
    "AgentSettings",
    "History",
    "Observations",
    "make",
    "list_agents",
    "REGISTRY",
]

#: Agent name -> (module inside archgym.agents, class name). Modules import lazily, so
#: the heavy libraries (BoTorch, pymoo, Stable-Baselines3) load only when used.
REGISTRY: dict[str, tuple[str, str]] = {
    "random": ("random_search", "RandomSearch"),
    "ga": ("genetic", "GeneticAgent"),
    "bo": ("bayesopt", "BOAgent"),
    "ppo": ("rl", "PPOAgent"),
    "reinforce": ("reinforce", "ReinforceAgent"),
    "optuna": ("optuna_agent", "OptunaAgent"),
    "nevergrad": ("nevergrad_agent", "NevergradAgent"),
}


def agent_class(name: str) -> type[Agent]:
    if name not in REGISTRY:
        raise AgentError(f"unknown agent {name!r}; agents: {sorted(REGISTRY)}")
    mod, cls = REGISTRY[name]
    return getattr(importlib.import_module(f"{__name__}.{mod}"), cls)


def make(name: str, **settings: Any) -> Agent:
    """Build the agent ``name`` with ``settings`` (fields of its ``Settings`` dataclass)."""
    return agent_class(name)(**settings)


def list_agents() -> list[str]:
    return sorted(REGISTRY)
