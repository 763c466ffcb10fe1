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

__all__ = [
    "AcceleratorConfig",
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
