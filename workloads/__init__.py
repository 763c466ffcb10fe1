"""Workloads: the layer IR, the model zoo, importers and neural search spaces.

Installed as ``archgym.workloads``; always import it by that name.
"""

from __future__ import annotations

from typing import Any

from .accel_nasbench import (
    ACCEL_NASBENCH_KNOBS,
    accel_nasbench,
    accel_nasbench_design_space,
    load_accel_nasbench,
)
from .layers import (
    ACTIVATION_OPS,
    LAYER_TYPES,
    Activation,
    Concat,
    Conv2d,
    DepthwiseConv2d,
    Elementwise,
    Gemm,
    GemmView,
    GlobalPool,
    Layer,
    LayerNorm,
    Linear,
    MacLayer,
    MatMul,
    PointwiseConv2d,
    Pool,
    Softmax,
    VectorLayer,
    WorkloadError,
)
from .mobilenet_space import MOBILENET_SPACE_KNOBS, mobilenet_design_space, mobilenet_workload
from .workload import KIND_CODES, LoweredWorkload, Workload

__all__ = [
    "ACTIVATION_OPS",
    "LAYER_TYPES",
    "KIND_CODES",
    "Activation",
    "Concat",
    "Conv2d",
    "DepthwiseConv2d",
    "Elementwise",
    "Gemm",
    "GemmView",
    "GlobalPool",
    "Layer",
    "LayerNorm",
    "Linear",
    "LoweredWorkload",
    "MacLayer",
    "MatMul",
    "PointwiseConv2d",
    "Pool",
    "Softmax",
    "VectorLayer",
    "Workload",
    "WorkloadError",
    "load",
    "list_zoo",
    "from_torch",
    "from_file",
    "nb201_workload",
    "load_hwnasbench",
    "MOBILENET_SPACE_KNOBS",
    "mobilenet_design_space",
    "mobilenet_workload",
    "ACCEL_NASBENCH_KNOBS",
    "accel_nasbench",
    "accel_nasbench_design_space",
    "load_accel_nasbench",
]

# The zoo and the importers are imported on first use (the torch importer needs torch).
_LAZY = {
    "load": ("zoo", "load"),
    "list_zoo": ("zoo", "list_zoo"),
    "ZOO": ("zoo", "ZOO"),
    "from_torch": ("torch_import", "from_torch"),
    "from_file": ("file_import", "from_file"),
    "UnsupportedOpError": ("torch_lowering", "UnsupportedOpError"),
    "nb201_workload": ("nb201", "nb201"),
    "load_hwnasbench": ("nb201", "load_hwnasbench"),
}


# Submodules reachable as attributes without importing them first (the README's
# ``nb201``: ``archgym.workloads.nb201.parse_arch``, ...).
_LAZY_SUBMODULES = frozenset({"nb201", "zoo", "importers", "torch_import", "file_import"})


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        mod, attr = _LAZY[name]
        return getattr(importlib.import_module(f"{__name__}.{mod}"), attr)
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
