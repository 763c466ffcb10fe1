"""archgym: a gym for accelerator / neural-network co-design.

Quick start::

    import archgym
    from archgym import workloads

    cfg = archgym.AcceleratorConfig.preset("edgetpu")
    report = archgym.simulate(cfg, workloads.load("mobilenet_v2"))
    print(report.latency_ms, report.energy_mj, report.area_mm2)
    print(report.layers.head())
"""

import importlib
from typing import Any

from ._registration import register_when_gymnasium_loads
from .accelerator import (
    DATAFLOWS,
    DTYPES,
    AcceleratorConfig,
    ConfigBatch,
    ConfigError,
)
from .costmodel import (
    BatchReport,
    CostOptions,
    SimReport,
    WorkloadTable,
    area_mm2,
    simulate,
    simulate_batch,
)
from .technology import Technology, load_technology

__version__ = "0.1.0"

#: Subpackages and modules reachable as attributes after ``import archgym`` (imported on
#: first use, so ``import archgym`` stays light).
_LAZY_MODULES = frozenset(
    {
        "agents",
        "analysis",
        "envs",
        "experiments",
        "oracles",
        "plotting",
        "scenarios",
        "space",
        "validation",
        "workloads",
    }
)
#: Names re-exported from ``archgym.scenarios`` (they pull in pandas).
_LAZY_SCENARIOS = frozenset({"Scenario", "Evaluation", "EnumerationResult", "ScenarioError"})


def __getattr__(name: str) -> Any:
    """Subpackages (``archgym.workloads``, ``archgym.agents``, ...) load on first use."""
    if name in _LAZY_MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY_SCENARIOS:
        return getattr(importlib.import_module(f"{__name__}.scenarios"), name)
    if name == "PRESETS":  # read from archgym/data/presets.yaml on first use
        return importlib.import_module(f"{__name__}.accelerator").PRESETS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_MODULES | _LAZY_SCENARIOS | {"PRESETS"})


# ``gymnasium.make("archgym/DesignEnv-v0")`` works after ``import archgym``; Gymnasium
# itself is not imported here (see archgym/_registration.py).
register_when_gymnasium_loads()

__all__ = [
    "AcceleratorConfig",
    "EnumerationResult",
    "Evaluation",
    "Scenario",
    "ScenarioError",
    "scenarios",
    "BatchReport",
    "ConfigBatch",
    "ConfigError",
    "CostOptions",
    "DATAFLOWS",
    "DTYPES",
    "PRESETS",
    "SimReport",
    "Technology",
    "WorkloadTable",
    "area_mm2",
    "load_technology",
    "simulate",
    "simulate_batch",
    "__version__",
]
