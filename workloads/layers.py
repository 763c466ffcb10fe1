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
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, Literal

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
    "WorkloadError",
]


class WorkloadError(ValueError):
    """A layer or workload definition is invalid; the message names the field."""


def _pair(value: int | tuple[int, int] | list[int], field_name: str) -> tuple[int, int]:
    if isinstance(value, bool):
        raise WorkloadError(f"{field_name} must be an int or a pair of ints, got {value!r}")
    if isinstance(value, int):
        return (value, value)
    try:
        a, b = value  # type: ignore[misc]
    except (TypeError, ValueError):
        raise WorkloadError(
            f"{field_name} must be an int or a pair of ints, got {value!r}"
        ) from None
    if (
        not isinstance(a, int)
        or not isinstance(b, int)
        or isinstance(a, bool)
        or isinstance(b, bool)
    ):
        raise WorkloadError(f"{field_name} must be an int or a pair of ints, got {value!r}")
    return (a, b)


def _positive(value: int, field_name: str, layer: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise WorkloadError(f"{layer}: {field_name} must be a positive integer, got {value!r}")


@dataclass(frozen=True)
class GemmView:
    """A MAC layer as ``groups`` independent GEMMs of ``px x W`` by ``W x F``."""

    groups: int
    px: int
    F: int
    W: int

    @property
    def macs(self) -> int:
        return self.groups * self.px * self.F * self.W


@dataclass(frozen=True, kw_only=True)
class Layer:
    """Base of every layer. ``inputs`` names the producing layers (empty: the previous
    layer, or the workload input for the first layer)."""

    name: str = ""
    inputs: tuple[str, ...] = ()

    kind: ClassVar[str] = "layer"
    is_mac: ClassVar[bool] = False

    # --- quantities every layer defines -------------------------------------------------
    @property
    def macs(self) -> int:
        return 0

    @property
    def params(self) -> int:
        """Trainable parameters (weights and biases)."""
        return 0

    @property
    def weight_elems(self) -> int:
        """Elements of the stationary (parameter) operand the array must load."""
        return 0

    @property
    def input_elems(self) -> int:
        """Activation elements read (all activation operands)."""
        raise NotImplementedError

    @property
    def output_elems(self) -> int:
        raise NotImplementedError

    @property
    def vector_ops(self) -> int:
        """Elementary operations on the vector unit (0 for MAC layers whose activation is fused)."""
        return 0

    def gemm(self) -> GemmView | None:
        return None

    def scalesim_px(self) -> int:
        """Output pixels per group under SCALE-Sim's geometry (for MAC layers; 0 otherwise)."""
        g = self.gemm()
        return g.px if g is not None else 0

    def renamed(self, name: str, inputs: tuple[str, ...] | None = None) -> Layer:
        return replace(self, name=name, inputs=self.inputs if inputs is None else tuple(inputs))

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (the YAML/JSON layer-list format)."""
        out: dict[str, Any] = {"type": type(self).__name__}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, tuple):
                v = list(v)
            out[f.name] = v
        return out


@dataclass(frozen=True, kw_only=True)
class MacLayer(Layer):
    is_mac: ClassVar[bool] = True
    activation: str | None = None  # fused activation (relu, relu6, swish, ...)

    @property
    def vector_ops(self) -> int:
        # A fused activation runs on the vector unit as the results drain (one op an element).
        return self.output_elems if self.activation else 0


@dataclass(frozen=True, kw_only=True)
class VectorLayer(Layer):
    is_mac: ClassVar[bool] = False


# --------------------------------------------------------------------------------------
# MAC layers
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Conv2d(MacLayer):
    """2-D convolution of any kernel, stride, padding, groups and dilation (NCHW, batch 1).

    ``kind`` is ``"depthwise"`` when every group has one input channel, ``"pointwise"``
    for an ungrouped 1x1 convolution, ``"conv"`` otherwise.
    """

    in_channels: int
    out_channels: int
    kernel_size: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    groups: int = 1
    dilation: tuple[int, int] = (1, 1)
    input_size: tuple[int, int] = (1, 1)
    bias: bool = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int] = 1,
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        groups: int = 1,
        dilation: int | tuple[int, int] = 1,
        input_size: int | tuple[int, int] = (1, 1),
        bias: bool = False,
        activation: str | None = None,
        name: str = "",
        inputs: tuple[str, ...] | list[str] = (),
    ) -> None:
        lname = name or "conv"
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "inputs", tuple(inputs))
        object.__setattr__(self, "activation", activation)
        object.__setattr__(self, "in_channels", in_channels)
        object.__setattr__(self, "out_channels", out_channels)
        object.__setattr__(self, "kernel_size", _pair(kernel_size, f"{lname}: kernel_size"))
        object.__setattr__(self, "stride", _pair(stride, f"{lname}: stride"))
        object.__setattr__(self, "padding", _pair(padding, f"{lname}: padding"))
        object.__setattr__(self, "groups", groups)
        object.__setattr__(self, "dilation", _pair(dilation, f"{lname}: dilation"))
        object.__setattr__(self, "input_size", _pair(input_size, f"{lname}: input_size"))
        object.__setattr__(self, "bias", bool(bias))
        self._validate(lname)

    def _validate(self, lname: str) -> None:
        _positive(self.in_channels, "in_channels", lname)
        _positive(self.out_channels, "out_channels", lname)
        _positive(self.groups, "groups", lname)
        for fname in ("kernel_size", "stride", "dilation", "input_size"):
            for v in getattr(self, fname):
                _positive(v, fname, lname)
        if any(p < 0 for p in self.padding):
            raise WorkloadError(f"{lname}: padding must be >= 0, got {self.padding}")
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise WorkloadError(
                f"{lname}: groups={self.groups} must divide in_channels={self.in_channels} "
                f"and out_channels={self.out_channels}"
            )
        oh, ow = self.output_size
        if oh < 1 or ow < 1:
            raise WorkloadError(
                f"{lname}: input_size={self.input_size} is too small for kernel_size="
                f"{self.kernel_size}, dilation={self.dilation}, padding={self.padding}"
            )

    @property
    def kind(self) -> str:  # type: ignore[override]
        if self.groups > 1 and self.groups == self.in_channels:
            return "depthwise"
        if self.groups == 1 and self.kernel_size == (1, 1):
            return "pointwise"
        return "conv"

    @property
    def output_size(self) -> tuple[int, int]:
        (h, w), (kh, kw) = self.input_size, self.kernel_size
        (sh, sw), (ph, pw), (dh, dw) = self.stride, self.padding, self.dilation
        oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
        ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
        return (oh, ow)

    def scalesim_px(self) -> int:
        """SCALE-Sim takes the input as already padded and computes the output size as
        ``ceil((H - F + S) / S)`` (with ``H`` the padded input and ``F`` the dilated kernel)."""
        (h, w), (kh, kw) = self.input_size, self.kernel_size
        (sh, sw), (ph, pw), (dh, dw) = self.stride, self.padding, self.dilation
        fh, fw = dh * (kh - 1) + 1, dw * (kw - 1) + 1
        oh = -(-(h + 2 * ph - fh + sh) // sh)
        ow = -(-(w + 2 * pw - fw + sw) // sw)
        return oh * ow

    def gemm(self) -> GemmView:
        oh, ow = self.output_size
        kh, kw = self.kernel_size
        return GemmView(
            groups=self.groups,
            px=oh * ow,
            F=self.out_channels // self.groups,
            W=kh * kw * (self.in_channels // self.groups),
        )

    @property
    def macs(self) -> int:
        return self.gemm().macs

    @property
    def weight_elems(self) -> int:
        kh, kw = self.kernel_size
        return self.out_channels * (self.in_channels // self.groups) * kh * kw

    @property
    def params(self) -> int:
        return self.weight_elems + (self.out_channels if self.bias else 0)

    @property
    def input_elems(self) -> int:
        h, w = self.input_size
        return self.in_channels * h * w

    @property
    def output_elems(self) -> int:
        oh, ow = self.output_size
        return self.out_channels * oh * ow

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["type"] = "Conv2d"
        return d


def DepthwiseConv2d(  # noqa: N802 - a constructor
    channels: int,
    kernel_size: int | tuple[int, int] = 3,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    multiplier: int = 1,
    dilation: int | tuple[int, int] = 1,
    input_size: int | tuple[int, int] = (1, 1),
    bias: bool = False,
    activation: str | None = None,
    name: str = "",
    inputs: tuple[str, ...] | list[str] = (),
) -> Conv2d:
    """A depthwise convolution: ``groups == in_channels``, ``multiplier`` filters per channel."""
    return Conv2d(
        channels,
        channels * multiplier,
        kernel_size,
        stride,
        padding,
        groups=channels,
        dilation=dilation,
        input_size=input_size,
        bias=bias,
        activation=activation,
        name=name,
        inputs=inputs,
    )


def PointwiseConv2d(  # noqa: N802 - a constructor
    in_channels: int,
    out_channels: int,
    input_size: int | tuple[int, int] = (1, 1),
    bias: bool = False,
    activation: str | None = None,
    name: str = "",
    inputs: tuple[str, ...] | list[str] = (),
) -> Conv2d:
    """A 1x1 convolution."""
    return Conv2d(
        in_channels,
        out_channels,
        1,
        1,
        0,
        input_size=input_size,
        bias=bias,
        activation=activation,
        name=name,
        inputs=inputs,
    )


@dataclass(frozen=True, kw_only=True)
class Gemm(MacLayer):
    """``Y[m, n] = X[m, k] @ B[k, n]``. With ``weights=True`` (a fully connected layer)
    ``B`` is a parameter; with ``weights=False`` both operands are activations."""

    m: int
    n: int
    k: int
    bias: bool = False
    weights: bool = True

    kind: ClassVar[str] = "gemm"

    def __init__(
        self,
        m: int,
        n: int,
        k: int,
        bias: bool = False,
        weights: bool = True,
        activation: str | None = None,
        name: str = "",
        inputs: tuple[str, ...] | list[str] = (),
    ) -> None:
        lname = name or "gemm"
        for fname, v in (("m", m), ("n", n), ("k", k)):
            _positive(v, fname, lname)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "inputs", tuple(inputs))
        object.__setattr__(self, "activation", activation)
        object.__setattr__(self, "m", m)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "k", k)
        object.__setattr__(self, "bias", bool(bias))
        object.__setattr__(self, "weights", bool(weights))

    def gemm(self) -> GemmView:
        return GemmView(groups=1, px=self.m, F=self.n, W=self.k)

    @property
    def macs(self) -> int:
        return self.m * self.n * self.k

    @property
    def weight_elems(self) -> int:
        return self.k * self.n if self.weights else 0

    @property
    def params(self) -> int:
        if not self.weights:
            return 0
        return self.k * self.n + (self.n if self.bias else 0)

    @property
    def input_elems(self) -> int:
        return self.m * self.k + (0 if self.weights else self.k * self.n)

    @property
    def output_elems(self) -> int:
        return self.m * self.n


def Linear(  # noqa: N802 - a constructor
    in_features: int,
    out_features: int,
    tokens: int = 1,
    bias: bool = True,
    activation: str | None = None,
    name: str = "",
    inputs: tuple[str, ...] | list[str] = (),
) -> Gemm:
    """A fully connected layer applied to ``tokens`` rows: ``Gemm(tokens, out, in)``."""
    return Gemm(
        tokens,
        out_features,
        in_features,
        bias=bias,
        weights=True,
        activation=activation,
        name=name,
        inputs=inputs,
    )


@dataclass(frozen=True, kw_only=True)
class MatMul(MacLayer):
    """Batched matrix multiply of two activations (attention): ``batch`` GEMMs of
    ``[m, k] @ [k, n]``, e.g. ``QK^T`` with ``batch = heads``."""

    batch: int
    m: int
    n: int
    k: int

    kind: ClassVar[str] = "matmul"

    def __init__(
        self,
        batch: int,
        m: int,
        n: int,
        k: int,
        activation: str | None = None,
        name: str = "",
        inputs: tuple[str, ...] | list[str] = (),
    ) -> None:
        lname = name or "matmul"
        for fname, v in (("batch", batch), ("m", m), ("n", n), ("k", k)):
            _positive(v, fname, lname)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "inputs", tuple(inputs))
        object.__setattr__(self, "activation", activation)
        object.__setattr__(self, "batch", batch)
        object.__setattr__(self, "m", m)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "k", k)

    def gemm(self) -> GemmView:
        return GemmView(groups=self.batch, px=self.m, F=self.n, W=self.k)

    @property
    def macs(self) -> int:
        return self.batch * self.m * self.n * self.k

    @property
    def input_elems(self) -> int:
        return self.batch * (self.m * self.k + self.k * self.n)

    @property
    def output_elems(self) -> int:
        return self.batch * self.m * self.n


# --------------------------------------------------------------------------------------
# Vector-unit layers
# --------------------------------------------------------------------------------------

#: Vector-unit operations per element for each activation function (a documented
#: modelling choice: piecewise-linear functions cost 1, those with an exponential or a
#: polynomial approximation cost the number of elementary operations they take).
ACTIVATION_OPS: dict[str, int] = {
    "relu": 1,
    "relu6": 1,
    "leaky_relu": 1,
    "hswish": 4,
    "hsigmoid": 3,
    "sigmoid": 4,
    "swish": 5,
    "silu": 5,
    "tanh": 4,
    "gelu": 8,
}


@dataclass(frozen=True, kw_only=True)
class Pool(VectorLayer):
    """Average or max pooling over ``kernel_size`` windows of a ``channels x H x W`` map."""

    channels: int
    kernel_size: tuple[int, int] = (2, 2)
    stride: tuple[int, int] = (2, 2)
    padding: tuple[int, int] = (0, 0)
    input_size: tuple[int, int] = (1, 1)
    mode: Literal["avg", "max"] = "avg"

    kind: ClassVar[str] = "pool"

    def __init__(
        self,
        channels: int,
        kernel_size: int | tuple[int, int] = 2,
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        input_size: int | tuple[int, int] = (1, 1),
        mode: str = "avg",
        name: str = "",
        inputs: tuple[str, ...] | list[str] = (),
    ) -> None:
        lname = name or "pool"
        _positive(channels, "channels", lname)
        if mode not in ("avg", "max"):
            raise WorkloadError(f"{lname}: mode must be one of 'avg', 'max', got {mode!r}")
        k = _pair(kernel_size, f"{lname}: kernel_size")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "inputs", tuple(inputs))
        object.__setattr__(self, "channels", channels)
        object.__setattr__(self, "kernel_size", k)
        object.__setattr__(
            self, "stride", k if stride is None else _pair(stride, f"{lname}: stride")
        )
        object.__setattr__(self, "padding", _pair(padding, f"{lname}: padding"))
        object.__setattr__(self, "input_size", _pair(input_size, f"{lname}: input_size"))
        object.__setattr__(self, "mode", mode)
        for fname in ("kernel_size", "stride", "input_size"):
            for v in getattr(self, fname):
                _positive(v, fname, lname)
        oh, ow = self.output_size
        if oh < 1 or ow < 1:
            raise WorkloadError(
                f"{lname}: input_size={self.input_size} too small for kernel_size={k}"
            )

    @property
    def output_size(self) -> tuple[int, int]:
        (h, w), (kh, kw) = self.input_size, self.kernel_size
        (sh, sw), (ph, pw) = self.stride, self.padding
        return ((h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1)

    @property
    def input_elems(self) -> int:
        h, w = self.input_size
        return self.channels * h * w

    @property
    def output_elems(self) -> int:
        oh, ow = self.output_size
        return self.channels * oh * ow

    @property
    def vector_ops(self) -> int:
        kh, kw = self.kernel_size
        return self.output_elems * kh * kw


def GlobalPool(  # noqa: N802 - a constructor
    channels: int,
    input_size: int | tuple[int, int],
    mode: str = "avg",
    name: str = "",
    inputs: tuple[str, ...] | list[str] = (),
) -> Pool:
    """Global pooling: one window over the whole map."""
    size = _pair(input_size, f"{name or 'pool'}: input_size")
    return Pool(channels, size, size, 0, size, mode=mode, name=name, inputs=inputs)


@dataclass(frozen=True, kw_only=True)
class Elementwise(VectorLayer):
    """An element-wise op (``add``, ``mul``) over ``n_inputs`` tensors of ``elems`` elements."""

    elems: int
    op: Literal["add", "mul", "sub", "max"] = "add"
    n_inputs: int = 2

    kind: ClassVar[str] = "eltwise"

    def __init__(
        self,
        elems: int,
        op: str = "add",
        n_inputs: int = 2,
        name: str = "",
        inputs: tuple[str, ...] | list[str] = (),
    ) -> None:
        lname = name or "eltwise"
        _positive(elems, "elems", lname)
        _positive(n_inputs, "n_inputs", lname)
        if op not in ("add", "mul", "sub", "max"):
            raise WorkloadError(f"{lname}: op must be one of add, mul, sub, max, got {op!r}")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "inputs", tuple(inputs))
        object.__setattr__(self, "elems", elems)
        object.__setattr__(self, "op", op)
        object.__setattr__(self, "n_inputs", n_inputs)

    @property
    def input_elems(self) -> int:
        return self.elems * self.n_inputs

    @property
    def output_elems(self) -> int:
        return self.elems

    @property
    def vector_ops(self) -> int:
        return self.elems * max(1, self.n_inputs - 1)


@dataclass(frozen=True, kw_only=True)
class Concat(VectorLayer):
    """Channel concatenation of ``len(channels)`` maps of the same ``H x W`` (Inception,
    SqueezeNet): input ``i`` has ``channels[i]`` channels; ``inputs`` names the producers in
    order (a producer concatenated twice is named once; the workload input is not named).

    By default the concatenation is a copy: one vector operation per output element. Whether
    it can instead be a view (the producers writing straight into their slices of the output)
    is a question of the memory layout, decided by the cost model, not here.
    """

    channels: tuple[int, ...]
    input_size: tuple[int, int] = (1, 1)

    kind: ClassVar[str] = "concat"

    def __init__(
        self,
        channels: tuple[int, ...] | list[int],
        input_size: int | tuple[int, int] = (1, 1),
        name: str = "",
        inputs: tuple[str, ...] | list[str] = (),
    ) -> None:
        lname = name or "concat"
        if isinstance(channels, int | str) or not hasattr(channels, "__len__"):
            raise WorkloadError(
                f"{lname}: channels must be a list of channel counts, got {channels!r}"
            )
        chans = tuple(channels)
        if len(chans) < 2:
            raise WorkloadError(f"{lname}: channels must list at least 2 inputs, got {chans!r}")
        for c in chans:
            _positive(c, "channels", lname)
        size = _pair(input_size, f"{lname}: input_size")
        for v in size:
            _positive(v, "input_size", lname)
        if len(tuple(inputs)) > len(chans):
            raise WorkloadError(
                f"{lname}: inputs names {len(tuple(inputs))} producers but channels lists "
                f"only {len(chans)}"
            )
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "inputs", tuple(inputs))
        object.__setattr__(self, "channels", chans)
        object.__setattr__(self, "input_size", size)

    @property
    def out_channels(self) -> int:
        return sum(self.channels)

    @property
    def input_elems(self) -> int:
        h, w = self.input_size
        return self.out_channels * h * w

    @property
    def output_elems(self) -> int:
        return self.input_elems

    @property
    def vector_ops(self) -> int:
        # A copy: one move per element.
        return self.output_elems


@dataclass(frozen=True, kw_only=True)
class Activation(VectorLayer):
    """A stand-alone activation function over ``elems`` elements (see ``ACTIVATION_OPS``)."""

    elems: int
    fn: str = "relu"

    kind: ClassVar[str] = "activation"

    def __init__(
        self,
        elems: int,
        fn: str = "relu",
        name: str = "",
        inputs: tuple[str, ...] | list[str] = (),
    ) -> None:
        lname = name or "activation"
        _positive(elems, "elems", lname)
        if fn not in ACTIVATION_OPS:
            raise WorkloadError(f"{lname}: fn must be one of {sorted(ACTIVATION_OPS)}, got {fn!r}")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "inputs", tuple(inputs))
        object.__setattr__(self, "elems", elems)
        object.__setattr__(self, "fn", fn)

    @property
    def input_elems(self) -> int:
        return self.elems

    @property
    def output_elems(self) -> int:
        return self.elems

    @property
    def vector_ops(self) -> int:
        return self.elems * ACTIVATION_OPS[self.fn]


@dataclass(frozen=True, kw_only=True)
class Softmax(VectorLayer):
    """Softmax over the last axis of a ``rows x cols`` tensor (``rows`` may include heads).

    Five vector operations an element: max, subtract, exponential, sum, divide."""

    rows: int
    cols: int

    kind: ClassVar[str] = "softmax"
    OPS_PER_ELEM: ClassVar[int] = 5

    def __init__(
        self, rows: int, cols: int, name: str = "", inputs: tuple[str, ...] | list[str] = ()
    ) -> None:
        lname = name or "softmax"
        _positive(rows, "rows", lname)
        _positive(cols, "cols", lname)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "inputs", tuple(inputs))
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "cols", cols)

    @property
    def input_elems(self) -> int:
        return self.rows * self.cols

    @property
    def output_elems(self) -> int:
        return self.rows * self.cols

    @property
    def vector_ops(self) -> int:
        return self.rows * self.cols * self.OPS_PER_ELEM


@dataclass(frozen=True, kw_only=True)
class LayerNorm(VectorLayer):
    """Layer normalisation over the last axis (``cols``) of a ``rows x cols`` tensor, with
    a scale and a shift per column. Eight vector operations an element: mean (add),
    subtract, square, variance (add), rsqrt share, multiply, scale, shift."""

    rows: int
    cols: int

    kind: ClassVar[str] = "layernorm"
    OPS_PER_ELEM: ClassVar[int] = 8

    def __init__(
        self, rows: int, cols: int, name: str = "", inputs: tuple[str, ...] | list[str] = ()
    ) -> None:
        lname = name or "layernorm"
        _positive(rows, "rows", lname)
        _positive(cols, "cols", lname)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "inputs", tuple(inputs))
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "cols", cols)

    @property
    def params(self) -> int:
        return 2 * self.cols

    @property
    def weight_elems(self) -> int:
        return 2 * self.cols

    @property
    def input_elems(self) -> int:
        return self.rows * self.cols

    @property
    def output_elems(self) -> int:
        return self.rows * self.cols

    @property
    def vector_ops(self) -> int:
        return self.rows * self.cols * self.OPS_PER_ELEM


#: Layer classes by the ``type`` name used in YAML/JSON layer lists.
LAYER_TYPES: dict[str, type[Layer]] = {
    cls.__name__: cls
    for cls in (Conv2d, Gemm, MatMul, Pool, Elementwise, Concat, Activation, Softmax, LayerNorm)
}

# Keep `field` and `math` importable for subclasses defined elsewhere.
_ = (field, math)
