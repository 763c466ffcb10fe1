"""archgym: a gym for accelerator / neural-network co-design.

Quick start::

    import archgym
    from archgym import workloads

    cfg = archgym.AcceleratorConfig.preset("edgetpu")
    report = archgym.simulate(cfg, workloads.load("mobilenet_v2"))
    print(report.latency_ms, report.energy_mj, report.area_mm2)
    print(report.layers.head())
"""

from .accelerator import (
    DATAFLOWS,
    DTYPES,
    PRESETS,
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

_LAZY_SCENARIOS = {"scenarios", "Scenario", "Evaluation", "EnumerationResult", "ScenarioError"}


def __getattr__(name: str):
    """``archgym.scenarios`` and its classes load on first use (they pull in pandas)."""
    if name in _LAZY_SCENARIOS:
        import importlib

        mod = importlib.import_module(".scenarios", __name__)
        return mod if name == "scenarios" else getattr(mod, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
