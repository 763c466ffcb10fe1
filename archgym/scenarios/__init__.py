"""Scenarios: co-design problems (design space x workloads x objective x budgets).

Quick start::

    from archgym import scenarios

    print(scenarios.list())                                # ids and one-line descriptions
    sc = scenarios.load("hw-mobilenet_v2-area", area_mm2=20)  # a catalog scenario, budget overridden
    ev = sc.evaluate(sc.sample(1000, seed=0))              # one vectorised cost-model call
    ev.to_frame().sort_values("objective").tail()
    best = sc.enumerate()                                  # exact optimum (cached on disk)

The objective is always MAXIMISED (``-latency_ms`` for "minimise latency"); slacks are
``budget - value`` (``>= 0`` is feasible). See :class:`Scenario`.
"""

from .catalog import (
    DEFAULT,
    budget_levels,
    get_definition,
    ids,
    list_scenarios,
    load,
    register,
    resolve_scenario,
)
from .enumeration import EnumerationResult, enumerate_scenario, hypervolume, pareto_mask
from .evaluation import RewardModel
from .networks import AccelNASBenchNetwork, MobileNetNetwork, NB201Network, NetworkSpace
from .scenario import (
    BUDGET_METRICS,
    HARDWARE_FIELDS,
    METRICS,
    REJECTED_VIOLATION,
    Evaluation,
    Scenario,
    ScenarioError,
)

#: ``archgym.scenarios.list()``: the catalog ids with one-line descriptions.
list = list_scenarios  # noqa: A001 - the documented name

__all__ = [
    "BUDGET_METRICS",
    "DEFAULT",
    "EnumerationResult",
    "Evaluation",
    "HARDWARE_FIELDS",
    "METRICS",
    "MobileNetNetwork",
    "AccelNASBenchNetwork",
    "NB201Network",
    "NetworkSpace",
    "REJECTED_VIOLATION",
    "RewardModel",
    "Scenario",
    "ScenarioError",
    "budget_levels",
    "enumerate_scenario",
    "get_definition",
    "hypervolume",
    "ids",
    "list",
    "list_scenarios",
    "load",
    "pareto_mask",
    "register",
    "resolve_scenario",
]
