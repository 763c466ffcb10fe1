"""MAC layers (run on the systolic array as GEMMs): :class:`Conv2d` (and the
:func:`DepthwiseConv2d` / :func:`PointwiseConv2d` constructors), :class:`Gemm` (and
:func:`Linear`) and the attention :class:`MatMul`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .layers_base import GemmView, MacLayer, WorkloadError, _pair, _positive


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
        self._set_fields(
            name,
            inputs,
            activation=activation,
            in_channels=in_channels,
            out_channels=out_channels,
            kernel_size=_pair(kernel_size, f"{lname}: kernel_size"),
            stride=_pair(stride, f"{lname}: stride"),
            padding=_pair(padding, f"{lname}: padding"),
            groups=groups,
            dilation=_pair(dilation, f"{lname}: dilation"),
            input_size=_pair(input_size, f"{lname}: input_size"),
            bias=bool(bias),
        )
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
        self._set_fields(
            name,
            inputs,
            activation=activation,
            m=m,
            n=n,
            k=k,
            bias=bool(bias),
            weights=bool(weights),
        )

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
        self._set_fields(name, inputs, activation=activation, batch=batch, m=m, n=n, k=k)

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
