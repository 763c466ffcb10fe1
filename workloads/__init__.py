"""Workloads: the layer IR, the model zoo, importers and neural search spaces.

Installed as ``archgym.workloads``; always import it by that name.
"""

from __future__ import annotations

import importlib
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

# Imported on first use: the zoo, the importers (the torch importer needs torch), the
# NAS-Bench-201 and MobileNet spaces, and these submodules as attributes (the README's
# ``nb201``: ``archgym.workloads.nb201.parse_arch``, ...). Name -> entry point
# ``"module:attribute"`` (``"module"`` alone: the module itself), as in ENTRY_POINTS of
# archgym/_registration.py.
_LAZY: dict[str, str] = {
    "load": ".zoo:load",
    "list_zoo": ".zoo:list_zoo",
    "ZOO": ".zoo:ZOO",
    "from_torch": ".torch_import:from_torch",
    "from_file": ".file_import:from_file",
    "UnsupportedOpError": ".torch_lowering:UnsupportedOpError",
    "nb201_workload": ".nb201:nb201",
    "load_hwnasbench": ".nb201:load_hwnasbench",
    "MOBILENET_SPACE_KNOBS": ".mobilenet_space:MOBILENET_SPACE_KNOBS",
    "mobilenet_design_space": ".mobilenet_space:mobilenet_design_space",
    "mobilenet_workload": ".mobilenet_space:mobilenet_workload",
    **{
        module: f".{module}"
        for module in (
            "nb201",
            "zoo",
            "importers",
            "torch_import",
            "file_import",
            "mobilenet_space",
        )
    },
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, _, attribute = target.partition(":")
    loaded = importlib.import_module(module, __name__)
    return getattr(loaded, attribute) if attribute else loaded
