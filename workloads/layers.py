"""The layer IR: every operation a workload can contain, with its exact shape arithmetic.

A layer knows its own MACs, parameters, activation sizes and, for the MAC layers, its
GEMM view — the ``(groups, px, F, W)`` tuple that the cost model folds onto a systolic
array:

* ``px`` — output pixels (rows of the output matrix) of one group,
* ``F``  — filters (columns of the output matrix) of one group,
* ``W``  — the reduction length (kernel_h * kernel_w * in_channels / groups),
* ``groups`` — independent GEMMs of that shape (convolution groups, attention heads).

Non-MAC layers (pooling, element-wise, activation, softmax, layer norm) run on the
vector unit and report ``vector_ops``: elementary operations on the vector unit.

All sizes are element counts (batch 1); bytes follow from the accelerator's datatype.

The IR lives in three modules, one concept each: :mod:`~archgym.workloads.layers_base`
(``Layer``, ``MacLayer``, ``VectorLayer``, ``GemmView``, ``WorkloadError``),
:mod:`~archgym.workloads.layers_mac` (convolutions, GEMMs, matmuls) and
:mod:`~archgym.workloads.layers_vector` (pooling, element-wise, concatenation, activation,
softmax, layer norm). This module gathers them and holds :data:`LAYER_TYPES`; import the
layers from here (or from :mod:`archgym.workloads`).
"""

from __future__ import annotations

from .layers_base import GemmView, Layer, MacLayer, VectorLayer, WorkloadError
from .layers_mac import Conv2d, DepthwiseConv2d, Gemm, Linear, MatMul, PointwiseConv2d
from .layers_vector import (
    ACTIVATION_OPS,
    Activation,
    Concat,
    Elementwise,
    GlobalPool,
    LayerNorm,
    Pool,
    Softmax,
)

__all__ = [
    "Layer",
    "MacLayer",
    "VectorLayer",
    "GemmView",
    "Conv2d",
    "DepthwiseConv2d",
    "PointwiseConv2d",
    "Gemm",
    "Linear",
    "MatMul",
    "Pool",
    "GlobalPool",
    "Elementwise",
    "Concat",
    "Activation",
    "Softmax",
    "LayerNorm",
    "LAYER_TYPES",
    "ACTIVATION_OPS",
    "WorkloadError",
]


#: Layer classes by the ``type`` name used in YAML/JSON layer lists.
LAYER_TYPES: dict[str, type[Layer]] = {
    cls.__name__: cls
    for cls in (Conv2d, Gemm, MatMul, Pool, Elementwise, Concat, Activation, Softmax, LayerNorm)
}
