"""What the zoo networks share: a small graph builder that tracks each named tensor's shape
(``_Net``), the width-rounding rule of the MobileNet / EfficientNet code, TensorFlow ``SAME``
and Caffe ceil-mode padding, option checks and the ``meta`` fields every network records.

The conventions these encode are listed in :mod:`archgym.workloads.zoo`.
"""

from __future__ import annotations

from typing import Any

from .layers import (
    Activation,
    Concat,
    Conv2d,
    Elementwise,
    GlobalPool,
    Layer,
    Linear,
    Pool,
    WorkloadError,
)
from .workload import Workload

_BN_NOTE = "BatchNorm folded into the convolutions (not counted, no bias added)"


# --------------------------------------------------------------------------------------
# A small graph builder that tracks each named tensor's shape
# --------------------------------------------------------------------------------------


class _Net:
    """Builds a CNN layer list, tracking the ``(channels, (H, W))`` of every named output.

    ``src`` arguments name the producing layer; ``None`` means the last layer added.
    """

    def __init__(self, channels: int, size: int | tuple[int, int]) -> None:
        hw = (size, size) if isinstance(size, int) else tuple(size)
        self.layers: list[Layer] = []
        self.shapes: dict[str, tuple[int, tuple[int, int]]] = {"input": (channels, hw)}  # type: ignore[dict-item]
        self.last = "input"

    def _src(self, src: str | None) -> tuple[str, tuple[str, ...]]:
        src = self.last if src is None else src
        if src not in self.shapes:
            raise WorkloadError(f"zoo: unknown producer {src!r}")
        # An empty `inputs` means "the previous layer" (or the workload input for layer 0).
        return src, (() if src == self.last else (src,))

    def _add(self, layer: Layer, channels: int, hw: tuple[int, int]) -> str:
        self.layers.append(layer)
        self.shapes[layer.name] = (channels, hw)
        self.last = layer.name
        return layer.name

    def shape(self, name: str | None = None) -> tuple[int, tuple[int, int]]:
        return self.shapes[self.last if name is None else name]

    def conv(
        self,
        name: str,
        out: int,
        k: int | tuple[int, int],
        stride: int = 1,
        groups: int = 1,
        act: str | None = None,
        src: str | None = None,
        bias: bool = False,
        padding: int | None = None,
    ) -> str:
        """A convolution; ``padding=None`` is "same" (``(k - 1) // 2`` on each axis)."""
        src, inputs = self._src(src)
        c, hw = self.shapes[src]
        kh, kw = (k, k) if isinstance(k, int) else k
        pad = ((kh - 1) // 2, (kw - 1) // 2) if padding is None else padding
        layer = Conv2d(
            c,
            out,
            k,
            stride,
            pad,
            groups=groups,
            input_size=hw,
            bias=bias,
            activation=act,
            name=name,
            inputs=inputs,
        )
        return self._add(layer, out, layer.output_size)

    def dwconv(
        self, name: str, k: int, stride: int = 1, act: str | None = None, src: str | None = None
    ) -> str:
        c = self.shapes[self.last if src is None else src][0]
        return self.conv(name, c, k, stride, groups=c, act=act, src=src)

    def eltwise(self, name: str, a: str, b: str, op: str = "add") -> str:
        c, hw = self.shapes[a]
        layer = Elementwise(c * hw[0] * hw[1], op=op, name=name, inputs=(a, b))
        return self._add(layer, c, hw)

    def act(self, name: str, fn: str, src: str | None = None) -> str:
        src, inputs = self._src(src)
        c, hw = self.shapes[src]
        return self._add(Activation(c * hw[0] * hw[1], fn=fn, name=name, inputs=inputs), c, hw)

    def maxpool(self, name: str, k: int, stride: int, padding: int, src: str | None = None) -> str:
        src, inputs = self._src(src)
        c, hw = self.shapes[src]
        layer = Pool(c, k, stride, padding, input_size=hw, mode="max", name=name, inputs=inputs)
        return self._add(layer, c, layer.output_size)

    def pool(
        self,
        name: str,
        k: int,
        stride: int,
        padding: int = 0,
        mode: str = "max",
        src: str | None = None,
    ) -> str:
        src, inputs = self._src(src)
        c, hw = self.shapes[src]
        layer = Pool(c, k, stride, padding, input_size=hw, mode=mode, name=name, inputs=inputs)
        return self._add(layer, c, layer.output_size)

    def concat(self, name: str, srcs: list[str]) -> str:
        """Channel concatenation of ``srcs`` (all named, in order)."""
        shapes = [self.shapes[s] for s in srcs]
        hw = shapes[0][1]
        if any(s[1] != hw for s in shapes):
            raise WorkloadError(f"zoo: {name}: concatenated maps differ in size: {shapes}")
        chans = [s[0] for s in shapes]
        layer = Concat(chans, hw, name=name, inputs=tuple(srcs))
        return self._add(layer, sum(chans), hw)

    def affine(self, name: str, src: str | None = None) -> str:
        """A per-channel scale and shift by constants (a BatchNorm that follows an add and
        cannot be folded into a convolution): ``Elementwise(op="mul", n_inputs=1)``, as
        :func:`~archgym.workloads.from_torch` imports it."""
        src, inputs = self._src(src)
        c, hw = self.shapes[src]
        layer = Elementwise(c * hw[0] * hw[1], op="mul", n_inputs=1, name=name, inputs=inputs)
        return self._add(layer, c, hw)

    def global_pool(self, name: str, src: str | None = None) -> str:
        src, inputs = self._src(src)
        c, hw = self.shapes[src]
        return self._add(GlobalPool(c, hw, name=name, inputs=inputs), c, (1, 1))

    def linear(self, name: str, out: int, act: str | None = None, src: str | None = None) -> str:
        src, inputs = self._src(src)
        c, hw = self.shapes[src]
        layer = Linear(
            c * hw[0] * hw[1], out, tokens=1, bias=True, activation=act, name=name, inputs=inputs
        )
        return self._add(layer, out, (1, 1))

    def squeeze_excite(self, prefix: str, reduced: int, act: str, gate: str = "sigmoid") -> str:
        """SE block on the last output: pool, 1x1 reduce (+act), 1x1 expand (+gate), multiply."""
        x = self.last
        c = self.shapes[x][0]
        self.global_pool(f"{prefix}se_pool")
        self.conv(f"{prefix}se_reduce", reduced, 1, act=act, bias=True)
        gate_name = self.conv(f"{prefix}se_expand", c, 1, act=gate, bias=True)
        return self.eltwise(f"{prefix}se_mul", x, gate_name, op="mul")

    def build(self, name: str, meta: dict[str, Any]) -> Workload:
        return Workload(self.layers, name=name, meta=meta)


def _check_positive(**values: float) -> None:
    for key, val in values.items():
        if isinstance(val, bool) or not isinstance(val, int | float) or val <= 0:
            raise WorkloadError(f"zoo: {key} must be a positive number, got {val!r}")


_CORAL_SOURCE = "coral.ai/docs/edgetpu/benchmarks, Table 1 (USB Accelerator, USB 3.0, int8)"


def _coral(name: str, input_size: int, usb_ms: float) -> dict[str, Any]:
    """Coral's published Edge TPU latency of a network (model execution only)."""
    return {
        "coral_benchmark": {
            "name": name,
            "input_size": input_size,
            "usb_latency_ms": usb_ms,
            "source": _CORAL_SOURCE,
        }
    }


def _image_meta(input_size: int, num_classes: int) -> dict[str, Any]:
    return {"input_shape": [1, 3, input_size, input_size], "num_classes": num_classes, "batch": 1}


def _published_meta(
    input_size: int,
    num_classes: int,
    *,
    source: str,
    published_macs: float,
    published_params: float,
    published_note: str,
    params_convention: str = f"all weights; {_BN_NOTE}",
    coral: tuple[str, int, float] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The ``meta`` of an image network, in this order: input shape, classes and batch;
    ``source`` (where its definition comes from); the published MACs and parameters, with
    ``published_note`` (where they are published) and ``params_convention`` (what the
    parameter count includes); the ``extra`` fields; and, when ``coral`` = (Coral's name,
    input size, USB latency in ms) is given, Coral's benchmark entry (see ``_coral``)."""
    meta = _image_meta(input_size, num_classes) | {
        "source": source,
        "published_macs": published_macs,
        "published_params": published_params,
        "published_note": published_note,
        "params_convention": params_convention,
        **extra,
    }
    return meta | (_coral(*coral) if coral is not None else {})


def _same_pad(size: int, k: int, stride: int) -> int:
    """Symmetric padding giving TensorFlow's ``SAME`` output size ``ceil(size / stride)``."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return (total + 1) // 2


def _ceil_pad(size: int, k: int, stride: int) -> int:
    """Padding with which floor-mode pooling gives Caffe's / ``ceil_mode=True`` output size
    ``ceil((size - k) / stride) + 1`` (the same number of windows, each of ``k x k``)."""
    want = -(-(size - k) // stride) + 1
    for pad in range(k):
        if (size + 2 * pad - k) // stride + 1 == want:
            return pad
    raise WorkloadError(f"zoo: cannot represent ceil-mode pooling of {size} by {k}/{stride}")
