"""The model zoo: reference networks as inference graphs, the way a TFLite / Edge TPU runs them.

Conventions shared by every network here (batch 1):

* BatchNorm is folded into the preceding convolution. Its parameters are not counted and
  folding does not add a bias to the convolution (``bias=False``), so parameter counts are
  those of the trained model without its BatchNorm layers.
* Activations are fused into the MAC layer that produces their input (``activation=``),
  as TFLite fuses them. An activation that follows an element-wise add (ResNet) is a
  separate :class:`~archgym.workloads.Activation` layer.
* A BatchNorm that follows a residual add (the pre-activation of ResNet v2) cannot be
  folded: it is a per-channel affine ``Elementwise(op="mul", n_inputs=1)``, its ReLU a
  separate ``Activation`` (as :func:`~archgym.workloads.from_torch` imports them).
* Residual adds are ``Elementwise(op="add", inputs=(a, b))`` naming both producers;
  squeeze-and-excite gates are ``GlobalPool`` + two 1x1 convolutions (with bias) +
  ``Elementwise(op="mul")`` naming the gated tensor and the gate.
* Channel concatenations (Inception, SqueezeNet) are ``Concat`` layers naming every
  producer in order (a copy by default; see :class:`~archgym.workloads.Concat`).
* Global average pooling is a ``GlobalPool``; the classifier is a ``Linear`` with bias.
* Padding reproduces the spatial sizes of the real networks ("same" padding for the odd
  kernels used here gives ``ceil(H / stride)``, as TensorFlow's ``SAME`` does).
* Dropout, the softmax at the end of a classifier and the attention scale
  ``1/sqrt(d_head)`` (folded into the query projection at inference) are not layers.

Each workload's ``meta`` records ``source`` (where the definition comes from),
``published_macs`` and ``published_params`` (the figures the literature reports for that
exact definition), ``params_convention`` and, where the workload leaves some parameters
out (embedding tables), ``params_excluded`` so that ``params + params_excluded`` is the
published total. The networks of Coral's Edge TPU benchmark table also carry
``coral_benchmark``: Coral's name for the network, the input size it was measured at (which
may differ from the builder's default, e.g. ResNet-50 V1 at 299x299) and its published
latency on the USB Accelerator.

Example::

    from archgym import workloads

    wl = workloads.load("mobilenet_v2", input_size=160, width_multiplier=0.75)
    print(wl.macs, wl.params)
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

from .layers import (
    Activation,
    Concat,
    Conv2d,
    Elementwise,
    GlobalPool,
    Layer,
    LayerNorm,
    Linear,
    MatMul,
    Pool,
    Softmax,
    WorkloadError,
)
from .workload import Workload

__all__ = [
    "ZOO",
    "list_zoo",
    "load",
    "mobilenet_v1",
    "mobilenet_v2",
    "mobilenet_edgetpu",
    "efficientnet_b0",
    "resnet50",
    "resnet50_v1",
    "resnet152_v2",
    "vgg16",
    "squeezenet",
    "inception_v1",
    "inception_v4",
    "efficientnet_edgetpu_s",
    "efficientnet_edgetpu_m",
    "efficientnet_edgetpu_l",
    "bert_base",
    "vit_b16",
]

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


def _make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round a channel count to a multiple of ``divisor`` without going down by more than 10 %
    (the rule of the TF-slim / model-garden MobileNet and EfficientNet code)."""
    min_value = min_value or divisor
    new = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new < 0.9 * value:
        new += divisor
    return int(new)


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


# --------------------------------------------------------------------------------------
# CNNs
# --------------------------------------------------------------------------------------


def mobilenet_v1(
    input_size: int = 224, num_classes: int = 1000, width_multiplier: float = 1.0
) -> Workload:
    """MobileNet v1 (Howard et al., 2017): a 3x3 stem and 13 depthwise-separable blocks.

    Args:
        input_size: input resolution (square).
        num_classes: classifier outputs.
        width_multiplier: the paper's alpha; channels are ``max(int(c * alpha), 8)`` as in
            TF-slim's ``mobilenet_v1``.

    Returns:
        The inference graph (ReLU6 fused into every convolution).
    """
    _check_positive(
        input_size=input_size, num_classes=num_classes, width_multiplier=width_multiplier
    )

    def depth(c: int) -> int:
        return max(int(c * width_multiplier), 8)

    net = _Net(3, input_size)
    net.conv("conv0", depth(32), 3, stride=2, act="relu6")
    spec = (
        [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)]
        + [(512, 1)] * 5
        + [(1024, 2), (1024, 1)]
    )
    for i, (c, s) in enumerate(spec, start=1):
        net.dwconv(f"conv{i}_dw", 3, stride=s, act="relu6")
        net.conv(f"conv{i}_pw", depth(c), 1, act="relu6")
    net.global_pool("avgpool")
    net.linear("logits", num_classes)
    meta = (
        _image_meta(input_size, num_classes)
        | {
            "source": "Howard et al. 2017, 'MobileNets' (arXiv:1704.04861), Table 1; TF-slim mobilenet_v1",
            "published_macs": 569e6,
            "published_params": 4.2e6,
            "published_note": "paper, Table 8: 1.0 MobileNet-224, 569 M mult-adds, 4.2 M parameters",
            "params_convention": f"all weights; {_BN_NOTE}",
            "width_multiplier": width_multiplier,
        }
        | (_coral("MobileNet v1 (224x224)", 224, 2.4) if width_multiplier == 1.0 else {})
    )
    return net.build("mobilenet_v1", meta)


def _inverted_residual(
    net: _Net,
    prefix: str,
    out: int,
    expand: int,
    k: int,
    stride: int,
    act: str,
    *,
    fused: bool = False,
    se_ratio: float | None = None,
    residual: bool = True,
) -> str:
    """One (fused) inverted-bottleneck block; returns the name of its output.

    * regular IBN: 1x1 expand (skipped when ``expand == 1``), KxK depthwise (stride),
      optional SE, 1x1 linear projection;
    * fused IBN: one full KxK convolution (stride) to the expanded width, 1x1 projection.

    A residual add joins input and output when the stride is 1 and widths match.
    """
    x = net.last
    cin = net.shape(x)[0]
    hidden = cin * expand
    if fused:
        net.conv(f"{prefix}fused", hidden, k, stride=stride, act=act)
    else:
        if expand != 1:
            net.conv(f"{prefix}expand", hidden, 1, act=act)
        net.dwconv(f"{prefix}dw", k, stride=stride, act=act)
        if se_ratio:
            net.squeeze_excite(prefix, max(1, int(cin * se_ratio)), act=act)
    y = net.conv(f"{prefix}project", out, 1)
    if residual and stride == 1 and cin == out:
        y = net.eltwise(f"{prefix}add", y, x)
    return y


def mobilenet_v2(
    input_size: int = 224, num_classes: int = 1000, width_multiplier: float = 1.0
) -> Workload:
    """MobileNet v2 (Sandler et al., 2018): 17 inverted-residual blocks with linear bottlenecks.

    Args:
        input_size: input resolution (square).
        num_classes: classifier outputs.
        width_multiplier: channels ``_make_divisible(c * alpha, 8)``; the last 1x1 conv keeps
            1280 channels unless ``alpha > 1`` (as in the reference implementation).

    Returns:
        The inference graph (ReLU6 fused; projections linear; residual adds).
    """
    _check_positive(
        input_size=input_size, num_classes=num_classes, width_multiplier=width_multiplier
    )
    a = width_multiplier
    net = _Net(3, input_size)
    net.conv("conv0", _make_divisible(32 * a), 3, stride=2, act="relu6")
    settings = [
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    ]
    b = 0
    for t, c, n, s in settings:
        for i in range(n):
            _inverted_residual(
                net, f"b{b}_", _make_divisible(c * a), t, 3, s if i == 0 else 1, "relu6"
            )
            b += 1
    net.conv("conv_last", _make_divisible(1280 * a) if a > 1.0 else 1280, 1, act="relu6")
    net.global_pool("avgpool")
    net.linear("logits", num_classes)
    meta = (
        _image_meta(input_size, num_classes)
        | {
            "source": "Sandler et al. 2018, 'MobileNetV2' (arXiv:1801.04381), Table 2; TF-slim mobilenet_v2",
            "published_macs": 300e6,
            "published_params": 3.47e6,
            "published_note": (
                "TF-slim MobileNet README, mobilenet_v2_1.0_224: 300 M MACs, 3.47 M parameters "
                "(the paper rounds to 3.4 M; torchvision's 3.50 M includes 34 k BatchNorm parameters)"
            ),
            "params_convention": f"all weights; {_BN_NOTE}",
            "width_multiplier": width_multiplier,
        }
        | (_coral("MobileNet v2 (224x224)", 224, 2.6) if width_multiplier == 1.0 else {})
    )
    return net.build("mobilenet_v2", meta)


def mobilenet_edgetpu(
    input_size: int = 224, num_classes: int = 1001, width_multiplier: float = 1.0
) -> Workload:
    """MobileNet-EdgeTPU (Google, 2019): fused inverted bottlenecks early, regular IBNs later.

    Block table of the TF model garden ``mobilenet_edgetpu_v1_model_blocks.ModelConfig``
    (identical to TF-slim's ``mobilenet_v3.V3_EDGETPU``); columns are input filters,
    output filters, kernel, repeats, expansion, stride::

        32->16  k3 x1 e1 s1  no depthwise: a 1x1 projection only (expansion 1 is skipped)
        16->32  k3 x1 e8 s2  fused: 3x3 conv to 128, 1x1 projection
        32->32  k3 x3 e4 s1  no depthwise: 3x3 expansion conv, 1x1 projection (= fused)
        32->48  k3 x1 e8 s2  fused
        48->48  k3 x3 e4 s1  no depthwise (= fused)
        48->96  k3 x1 e8 s2  IBN
        96->96  k3 x3 e4 s1  IBN
        96->96  k3 x1 e8 s1  IBN, no skip connection (id_skip=False)
        96->96  k3 x3 e4 s1  IBN
        96->160 k5 x1 e8 s2  IBN
        160->160 k5 x3 e4 s1 IBN
        160->192 k3 x1 e8 s1 IBN

    The stem is a 3x3 stride-2 conv to 32, the head a 1x1 conv to 1280, global average
    pool and a 1x1 logits conv (here a ``Linear``) to 1001 classes. ReLU everywhere; no SE.

    Args:
        input_size: input resolution (square).
        num_classes: classifier outputs (the released checkpoints use 1001).
        width_multiplier: the model garden's ``width_coefficient``: ``round_filters``
            applies to stem and block widths, and to the 1280-wide head only when above 1
            (the released dm=0.75 model keeps it at 1280).

    Returns:
        The inference graph.
    """
    _check_positive(
        input_size=input_size, num_classes=num_classes, width_multiplier=width_multiplier
    )

    def rf(c: int) -> int:
        return c if width_multiplier == 1.0 else _make_divisible(c * width_multiplier)

    # (in, out, kernel, repeats, expansion, stride, kind, id_skip)
    blocks = [
        (32, 16, 3, 1, 1, 1, "no_depthwise", True),
        (16, 32, 3, 1, 8, 2, "fused", True),
        (32, 32, 3, 3, 4, 1, "no_depthwise", True),
        (32, 48, 3, 1, 8, 2, "fused", True),
        (48, 48, 3, 3, 4, 1, "no_depthwise", True),
        (48, 96, 3, 1, 8, 2, "ibn", True),
        (96, 96, 3, 3, 4, 1, "ibn", True),
        (96, 96, 3, 1, 8, 1, "ibn", False),
        (96, 96, 3, 3, 4, 1, "ibn", True),
        (96, 160, 5, 1, 8, 2, "ibn", True),
        (160, 160, 5, 3, 4, 1, "ibn", True),
        (160, 192, 3, 1, 8, 1, "ibn", True),
    ]
    net = _Net(3, input_size)
    net.conv("stem", rf(32), 3, stride=2, act="relu")
    for stack, (_cin, cout, k, reps, e, s, kind, skip) in enumerate(blocks):
        for r in range(reps):
            prefix = f"s{stack}_b{r}_"
            stride = s if r == 0 else 1
            x = net.last
            cin = net.shape(x)[0]
            if kind == "ibn":
                _inverted_residual(net, prefix, rf(cout), e, k, stride, "relu", residual=skip)
                continue
            # Fused IBN ("fused") and the equivalent "no_depthwise" blocks: one KxK conv to
            # the expanded width (skipped when the expansion is 1), then the 1x1 projection.
            if e != 1:
                net.conv(f"{prefix}fused", cin * e, k, stride=stride, act="relu")
            y = net.conv(f"{prefix}project", rf(cout), 1)
            if skip and stride == 1 and cin == rf(cout):
                net.eltwise(f"{prefix}add", y, x)
    # As in the released dm=0.75 checkpoint (624 M MACs, 2.9 M params), the 1280-wide head
    # is not narrowed for multipliers below 1 (TF-slim's finegrain_classification_mode).
    net.conv("top", rf(1280) if width_multiplier > 1.0 else 1280, 1, act="relu")
    net.global_pool("avgpool")
    net.linear("logits", num_classes)
    meta = _image_meta(input_size, num_classes) | {
        "source": (
            "tensorflow/models official/projects/edgetpu/vision/modeling/"
            "mobilenet_edgetpu_v1_model_blocks.py (ModelConfig.blocks) = research/slim/nets/"
            "mobilenet/mobilenet_v3.py V3_EDGETPU"
        ),
        "published_macs": 990e6,
        "published_params": 4.0e6,
        "published_note": (
            "TF-slim MobileNet README, 'MobilenetEdgeTPU dm=1': 990 M MACs, 4.0 M params, 75.6 % "
            "top-1 (dm=0.75: 624 M, 2.9 M); the per-layer table in mobilenet_v3.py totals "
            "990.7 M MAdds and 4.05 M conv parameters (1001 classes)"
        ),
        "params_convention": f"all weights; {_BN_NOTE}",
        "width_multiplier": width_multiplier,
    }
    return net.build("mobilenet_edgetpu", meta)


def efficientnet_b0(input_size: int = 224, num_classes: int = 1000) -> Workload:
    """EfficientNet-B0 (Tan & Le, 2019): MBConv blocks with squeeze-and-excite and swish.

    Args:
        input_size: input resolution (square).
        num_classes: classifier outputs.

    Returns:
        The inference graph (swish fused; SE reduce to ``int(block_input * 0.25)`` channels
        with swish, expand with sigmoid; residual adds where stride 1 and widths match).
    """
    _check_positive(input_size=input_size, num_classes=num_classes)
    net = _Net(3, input_size)
    net.conv("stem", 32, 3, stride=2, act="swish")
    # (expansion, kernel, stride, output channels, repeats)
    stages = [
        (1, 3, 1, 16, 1),
        (6, 3, 2, 24, 2),
        (6, 5, 2, 40, 2),
        (6, 3, 2, 80, 3),
        (6, 5, 1, 112, 3),
        (6, 5, 2, 192, 4),
        (6, 3, 1, 320, 1),
    ]
    b = 0
    for e, k, s, c, n in stages:
        for i in range(n):
            _inverted_residual(net, f"b{b}_", c, e, k, s if i == 0 else 1, "swish", se_ratio=0.25)
            b += 1
    net.conv("head", 1280, 1, act="swish")
    net.global_pool("avgpool")
    net.linear("logits", num_classes)
    meta = _image_meta(input_size, num_classes) | {
        "source": "Tan & Le 2019, 'EfficientNet' (arXiv:1905.11946), Table 1; tensorflow/tpu efficientnet_builder",
        "published_macs": 0.39e9,
        "published_params": 5.3e6,
        "published_note": "paper, Table 2: EfficientNet-B0 0.39 B FLOPs (multiply-adds), 5.3 M params",
        "params_convention": f"all weights incl. SE biases; {_BN_NOTE}",
    }
    return net.build("efficientnet_b0", meta)


def _resnet_bottlenecks(input_size: int, stride_on_1x1: bool) -> _Net:
    """Stem and the 16 bottlenecks of ResNet-50 (v1: stride on the first 1x1 convolution,
    v1.5: on the 3x3)."""
    net = _Net(3, input_size)
    net.conv("conv1", 64, 7, stride=2, act="relu")
    net.maxpool("maxpool", 3, 2, 1)
    stages = [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]
    for si, (width, blocks, stride) in enumerate(stages, start=1):
        for bi in range(blocks):
            p = f"layer{si}_{bi}_"
            x = net.last
            s = stride if bi == 0 else 1
            net.conv(f"{p}conv1", width, 1, stride=s if stride_on_1x1 else 1, act="relu", src=x)
            net.conv(f"{p}conv2", width, 3, stride=1 if stride_on_1x1 else s, act="relu")
            y = net.conv(f"{p}conv3", width * 4, 1)
            if bi == 0:
                shortcut = net.conv(f"{p}downsample", width * 4, 1, stride=s, src=x)
            else:
                shortcut = x
            net.eltwise(f"{p}add", y, shortcut)
            net.act(f"{p}relu", "relu")
    return net


def resnet50(input_size: int = 224, num_classes: int = 1000) -> Workload:
    """ResNet-50 v1.5 (torchvision / MLPerf): the stride-2 is on the 3x3 conv of a bottleneck.

    Args:
        input_size: input resolution (square).
        num_classes: classifier outputs.

    Returns:
        The inference graph (ReLU fused into convs; the ReLU after each residual add is a
        separate ``Activation`` layer; 3x3/2 max pool after the 7x7/2 stem).
    """
    _check_positive(input_size=input_size, num_classes=num_classes)
    net = _resnet_bottlenecks(input_size, stride_on_1x1=False)
    net.global_pool("avgpool")
    net.linear("fc", num_classes)
    meta = _image_meta(input_size, num_classes) | {
        "source": "He et al. 2016 (arXiv:1512.03385), Table 1, as v1.5 in torchvision / MLPerf",
        "published_macs": 4.09e9,
        "published_params": 25.56e6,
        "published_note": (
            "torchvision ResNet50_Weights.IMAGENET1K_V1: 4.09 'GFLOPS' (counted as multiply-"
            "accumulates) and 25,557,032 params incl. 53,120 BatchNorm parameters; the paper's "
            "3.8e9 FLOPs is ResNet-50 v1 (stride 2 on the first 1x1 conv)"
        ),
        "params_convention": f"all weights; {_BN_NOTE}",
    }
    return net.build("resnet50", meta)


# --------------------------------------------------------------------------------------
# The rest of Coral's Edge TPU benchmark table (coral.ai/docs/edgetpu/benchmarks)
# --------------------------------------------------------------------------------------


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


def _edgetpu_fused(
    net: _Net, prefix: str, hidden: int, out: int, stride: int, *, skip: bool, on_expansion: bool
) -> str:
    """The fused block of the 2019 EfficientNet-EdgeTPU code (``MBConvBlockWithoutDepthwise``):
    a full 3x3 expansion convolution, then the 1x1 linear projection, which carries the
    block's stride (``on_expansion=True`` moves it to the 3x3 convolution, as the code
    was changed in 2020, tensorflow/tpu issue #660)."""
    x = net.last
    cin = net.shape(x)[0]
    net.conv(f"{prefix}fused", hidden, 3, stride=stride if on_expansion else 1, act="relu")
    y = net.conv(f"{prefix}project", out, 1, stride=1 if on_expansion else stride)
    if skip and stride == 1 and cin == out:
        y = net.eltwise(f"{prefix}add", y, x)
    return y


#: EfficientNet-EdgeTPU block strings of tensorflow/tpu ``efficientnet_edgetpu_builder.py``:
#: (repeats, kernel, stride, expansion, input filters, output filters, fused, skip).
_EDGETPU_BLOCKS = (
    (1, 3, 1, 4, 24, 24, True, False),  # r1_k3_s11_e4_i24_o24_c1_noskip
    (2, 3, 2, 8, 24, 32, True, True),  # r2_k3_s22_e8_i24_o32_c1
    (4, 3, 2, 8, 32, 48, True, True),  # r4_k3_s22_e8_i32_o48_c1
    (5, 5, 2, 8, 48, 96, False, True),  # r5_k5_s22_e8_i48_o96
    (4, 5, 1, 8, 96, 144, False, True),  # r4_k5_s11_e8_i96_o144
    (2, 5, 2, 8, 144, 192, False, True),  # r2_k5_s22_e8_i144_o192
)
#: (width coefficient, depth coefficient, resolution) of ``efficientnet_edgetpu_params``,
#: and the published figures: (Vitis AI 2.5 model zoo GOPs / 2, Coral name, Coral ms).
_EDGETPU_VARIANTS = {
    "S": ((1.0, 1.0, 224), (4.72e9 / 2, 5.44e6), ("EfficientNet-EdgeTpu-S", 5.1)),
    "M": ((1.0, 1.1, 240), (7.34e9 / 2, 6.90e6), ("EfficientNet-EdgeTpu-M", 8.7)),
    "L": ((1.2, 1.4, 300), (19.36e9 / 2, 10.59e6), ("EfficientNet-EdgeTpu-L", 24.6)),
}


def _efficientnet_edgetpu(
    variant: str, input_size: int | None, num_classes: int, stride_on_expansion: bool
) -> Workload:
    (wc, dc, res), (pub_macs, pub_params), (coral_name, coral_ms) = _EDGETPU_VARIANTS[variant]
    input_size = res if input_size is None else input_size
    _check_positive(input_size=input_size, num_classes=num_classes)

    def rf(c: int) -> int:  # efficientnet_model.round_filters (depth_divisor 8)
        return c if wc == 1.0 else _make_divisible(c * wc)

    net = _Net(3, input_size)
    net.conv("stem", rf(32), 3, stride=2, act="relu")
    for si, (reps, k, s, e, cin, cout, fused, skip) in enumerate(_EDGETPU_BLOCKS):
        cin, cout = rf(cin), rf(cout)
        for r in range(math.ceil(dc * reps)):  # round_repeats
            prefix = f"s{si}_b{r}_"
            stride = s if r == 0 else 1
            # The expansion width follows the block's declared input filters: the first
            # block expands 24 * 4 = 96 channels out of the 32-channel stem.
            block_in = cin if r == 0 else cout
            if fused:
                _edgetpu_fused(
                    net,
                    prefix,
                    block_in * e,
                    cout,
                    stride,
                    skip=skip and block_in == cout,
                    on_expansion=stride_on_expansion,
                )
            else:
                _inverted_residual(net, prefix, cout, e, k, stride, "relu", residual=skip)
    net.conv("head", rf(1280), 1, act="relu")
    net.global_pool("avgpool")
    net.linear("logits", num_classes)
    name = f"efficientnet_edgetpu_{variant.lower()}"
    meta = (
        _image_meta(input_size, num_classes)
        | {
            "source": (
                "tensorflow/tpu models/official/efficientnet/edgetpu/efficientnet_edgetpu_builder.py"
                f" (efficientnet-edgetpu-{variant}: width {wc}, depth {dc}, {res}x{res}) with "
                "efficientnet_model.py of 2019 (fused blocks = MBConvBlockWithoutDepthwise, "
                "stride on the 1x1 projection), the definition of the released checkpoints"
            ),
            "published_macs": pub_macs,
            "published_params": pub_params,
            "published_note": (
                "Vitis AI 2.5 model zoo (Xilinx/Vitis-AI model_zoo/README.md), "
                f"tf_efficientnet-edgetpu-{variant}: {2 * pub_macs / 1e9:.2f} GOPs = 2 x MACs; "
                f"timm tf_efficientnet_e{variant.lower()}: {pub_params / 1e6:.2f} M params incl. "
                "BatchNorm (1000 classes). With stride_on_expansion=True the MACs drop by ~24 % "
                "(tensorflow/tpu issue #660) to timm's efficientnet_es/em/el figures (1.8 / "
                "3.0 / 8.0 GMACs), the definition timm adopted in 2021"
            ),
            "params_convention": f"all weights; {_BN_NOTE}",
            "stride_on_expansion": stride_on_expansion,
        }
        | _coral(coral_name, res, coral_ms)
    )
    return net.build(name, meta)


def efficientnet_edgetpu_s(
    input_size: int = 224, num_classes: int = 1001, stride_on_expansion: bool = False
) -> Workload:
    """EfficientNet-EdgeTPU-S (Google, 2019): fused inverted bottlenecks (a full 3x3
    convolution to the expanded width, then a 1x1 projection) in the 112x112 to 28x28
    stages, regular inverted bottlenecks (5x5 depthwise) after; ReLU, no squeeze-excite.

    Stem 3x3/2 to 32, then (tensorflow/tpu ``efficientnet_edgetpu_builder.py``)::

        r1 k3 s1 e4  24->24  fused, no skip (expands 24*4 = 96 out of the 32-wide stem)
        r2 k3 s2 e8  24->32  fused
        r4 k3 s2 e8  32->48  fused
        r5 k5 s2 e8  48->96  IBN
        r4 k5 s1 e8  96->144 IBN
        r2 k5 s2 e8 144->192 IBN

    head 1x1 conv to 1280, global average pool, 1001-way classifier. As in the 2019 code
    the checkpoints were trained with, a fused block's stride is on its 1x1 projection
    (the 3x3 expansion runs at the input resolution).

    Args:
        input_size: input resolution (square).
        num_classes: classifier outputs (the released checkpoints use 1001).
        stride_on_expansion: put a fused block's stride on its 3x3 expansion instead (the
            2020 fix of tensorflow/tpu issue #660, timm's ``efficientnet_es``).

    Returns:
        The inference graph.
    """
    return _efficientnet_edgetpu("S", input_size, num_classes, stride_on_expansion)


def efficientnet_edgetpu_m(
    input_size: int = 240, num_classes: int = 1001, stride_on_expansion: bool = False
) -> Workload:
    """EfficientNet-EdgeTPU-M: the S network with depth coefficient 1.1 (repeats
    ``ceil(1.1 r)``) at 240x240. See :func:`efficientnet_edgetpu_s`."""
    return _efficientnet_edgetpu("M", input_size, num_classes, stride_on_expansion)


def efficientnet_edgetpu_l(
    input_size: int = 300, num_classes: int = 1001, stride_on_expansion: bool = False
) -> Workload:
    """EfficientNet-EdgeTPU-L: width coefficient 1.2 (channels rounded to multiples of 8),
    depth coefficient 1.4, 300x300. See :func:`efficientnet_edgetpu_s`."""
    return _efficientnet_edgetpu("L", input_size, num_classes, stride_on_expansion)


def vgg16(input_size: int = 224, num_classes: int = 1000) -> Workload:
    """VGG16 (Simonyan & Zisserman, 2015, configuration D): 13 3x3 convolutions with bias
    and ReLU in five stages closed by 2x2/2 max pools, then three fully connected layers
    (4096, 4096, classes) on the flattened 7x7x512 map (Keras ``VGG16``).

    Args:
        input_size: input resolution (square, at least 32).
        num_classes: classifier outputs.

    Returns:
        The inference graph.
    """
    _check_positive(input_size=input_size, num_classes=num_classes)
    net = _Net(3, input_size)
    for stage, (width, n) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], 1):
        for i in range(1, n + 1):
            net.conv(f"block{stage}_conv{i}", width, 3, act="relu", bias=True)
        net.maxpool(f"block{stage}_pool", 2, 2, 0)
    net.linear("fc1", 4096, act="relu")
    net.linear("fc2", 4096, act="relu")
    net.linear("predictions", num_classes)
    meta = (
        _image_meta(input_size, num_classes)
        | {
            "source": "Simonyan & Zisserman 2015 (arXiv:1409.1556), configuration D; Keras VGG16",
            "published_macs": 15.47e9,
            "published_params": 138.36e6,
            "published_note": (
                "Keras VGG16: 138,357,544 parameters (no BatchNorm); torchvision vgg16: 15.47 "
                "'GFLOPS' (multiply-accumulates), Vitis AI tf_vgg16: 30.96 GOPs"
            ),
            "params_convention": "all weights and biases",
        }
        | _coral("VGG16 (224x224)", 224, 296.0)
    )
    return net.build("vgg16", meta)


def _fire(net: _Net, prefix: str, squeeze: int, expand: int) -> str:
    """SqueezeNet fire module: 1x1 squeeze, then 1x1 and 3x3 expands concatenated."""
    s = net.conv(f"{prefix}squeeze1x1", squeeze, 1, act="relu", bias=True)
    e1 = net.conv(f"{prefix}expand1x1", expand, 1, act="relu", bias=True, src=s)
    e3 = net.conv(f"{prefix}expand3x3", expand, 3, act="relu", bias=True, src=s)
    return net.concat(f"{prefix}concat", [e1, e3])


def squeezenet(input_size: int = 224, num_classes: int = 1000) -> Workload:
    """SqueezeNet 1.0 (Iandola et al., 2016): a 7x7/2 convolution to 96 channels, eight fire
    modules and a 1x1 convolution classifier, all with bias and ReLU.

    Version 1.0, not 1.1: the TensorFlow Lite hosted ``squeezenet_2018_04_27`` model (the one
    TensorFlow Lite and Coral benchmarked; 1001 classes) is a 5,006,664-byte float file,
    which leaves 10.9 kB beside SqueezeNet 1.0's 1.249 M float32 parameters (MobileNet v1's
    hosted file leaves 12.9 kB) but 62.6 kB beside 1.1's 1.236 M. The max pools are 3x3/2
    in Caffe's ceil mode (as torchvision's ``squeezenet1_0``), represented as floor-mode
    pools with the padding that gives the same windows.

    Args:
        input_size: input resolution (square).
        num_classes: classifier outputs (conv10's filters).

    Returns:
        The inference graph: concatenations are :class:`~archgym.workloads.Concat` layers.
    """
    _check_positive(input_size=input_size, num_classes=num_classes)
    net = _Net(3, input_size)

    def pool(name: str) -> None:
        h = net.shape()[1][0]
        net.maxpool(name, 3, 2, _ceil_pad(h, 3, 2))

    net.conv("conv1", 96, 7, stride=2, act="relu", bias=True, padding=0)
    pool("maxpool1")
    fires: list[tuple[int, int] | str] = [
        (16, 64),
        (16, 64),
        (32, 128),
        "pool",
        (32, 128),
        (48, 192),
        (48, 192),
        (64, 256),
    ]
    fires += ["pool", (64, 256)]
    n = 2
    for f in fires:
        if isinstance(f, str):  # "pool"
            pool(f"maxpool{n - 1}")
            continue
        _fire(net, f"fire{n}_", *f)
        n += 1
    net.conv("conv10", num_classes, 1, act="relu", bias=True)
    net.global_pool("avgpool")
    meta = (
        _image_meta(input_size, num_classes)
        | {
            "source": (
                "Iandola et al. 2016 (arXiv:1602.07360), SqueezeNet v1.0 "
                "(DeepScale/SqueezeNet SqueezeNet_v1.0/train_val.prototxt; torchvision squeezenet1_0)"
            ),
            "published_macs": 0.82e9,
            "published_params": 1.248424e6,
            "published_note": (
                "torchvision squeezenet1_0: 1,248,424 params, 0.82 'GFLOPS' (multiply-"
                "accumulates) at 224x224; the paper gives parameters only (1.2 M)"
            ),
            "params_convention": "all weights and biases",
            "version": "1.0",
        }
        | _coral("SqueezeNet (224x224)", 224, 2.1)
    )
    return net.build("squeezenet", meta)


def _inception_v1_module(net: _Net, p: str, spec: tuple[int, ...]) -> str:
    b0, b1r, b1, b2r, b2, b3 = spec
    x = net.last
    y0 = net.conv(f"{p}b0_1x1", b0, 1, act="relu", src=x)
    net.conv(f"{p}b1_1x1", b1r, 1, act="relu", src=x)
    y1 = net.conv(f"{p}b1_3x3", b1, 3, act="relu")
    net.conv(f"{p}b2_1x1", b2r, 1, act="relu", src=x)
    # TF-slim (and torchvision's port) use a 3x3 here where the paper has a 5x5.
    y2 = net.conv(f"{p}b2_3x3", b2, 3, act="relu")
    net.maxpool(f"{p}b3_pool", 3, 1, 1, src=x)
    y3 = net.conv(f"{p}b3_1x1", b3, 1, act="relu")
    return net.concat(f"{p}concat", [y0, y1, y2, y3])


def inception_v1(input_size: int = 224, num_classes: int = 1001) -> Workload:
    """Inception v1 / GoogLeNet as TF-slim's ``inception_v1`` defines it (the Coral model).

    Nine inception modules (1x1 | 1x1-3x3 | 1x1-3x3 | 3x3 max pool-1x1, concatenated) between
    a 7x7/2 stem, 3x3/2 max pools (``SAME``) and a 2x2/2 max pool before the last two; no
    auxiliary heads (inference). TF-slim's third branch uses a 3x3 convolution where the
    paper has a 5x5 (torchvision's ``googlenet`` copies it).

    Args:
        input_size: input resolution (square).
        num_classes: classifier outputs (the TF-slim checkpoint uses 1001).

    Returns:
        The inference graph (ReLU fused; :class:`~archgym.workloads.Concat` layers).
    """
    _check_positive(input_size=input_size, num_classes=num_classes)
    net = _Net(3, input_size)

    def pool(name: str, k: int = 3) -> None:
        h = net.shape()[1][0]
        net.maxpool(name, k, 2, _same_pad(h, k, 2))

    net.conv("conv1_7x7", 64, 7, stride=2, act="relu")
    pool("maxpool1")
    net.conv("conv2_1x1", 64, 1, act="relu")
    net.conv("conv2_3x3", 192, 3, act="relu")
    pool("maxpool2")
    modules: list[tuple[str, tuple[int, ...]] | str] = [
        ("3b", (64, 96, 128, 16, 32, 32)),
        ("3c", (128, 128, 192, 32, 96, 64)),
        "maxpool3",
        ("4b", (192, 96, 208, 16, 48, 64)),
        ("4c", (160, 112, 224, 24, 64, 64)),
        ("4d", (128, 128, 256, 24, 64, 64)),
        ("4e", (112, 144, 288, 32, 64, 64)),
        ("4f", (256, 160, 320, 32, 128, 128)),
        "maxpool4",
        ("5b", (256, 160, 320, 32, 128, 128)),
        ("5c", (384, 192, 384, 48, 128, 128)),
    ]
    for m in modules:
        if isinstance(m, str):  # "maxpool3" or "maxpool4"
            if m == "maxpool4":
                pool(m, k=2)
            else:
                pool(m)
        else:
            _inception_v1_module(net, f"mixed{m[0]}_", m[1])
    net.global_pool("avgpool")
    net.linear("logits", num_classes)
    meta = (
        _image_meta(input_size, num_classes)
        | {
            "source": (
                "Szegedy et al. 2015 (arXiv:1409.4842), as tensorflow/models research/slim/"
                "nets/inception_v1.py builds it"
            ),
            "published_macs": 1.5e9,
            "published_params": 6.62e6,
            "published_note": (
                "paper: 1.5 billion multiply-adds; Vitis AI tf_inceptionv1: 3 GOPs; "
                "torchvision googlenet (the same graph): 6,624,904 params incl. BatchNorm, "
                "1.50 'GFLOPS'"
            ),
            "params_convention": f"all weights; {_BN_NOTE}",
        }
        | _coral("Inception v1 (224x224)", 224, 3.4)
    )
    return net.build("inception_v1", meta)


def inception_v4(input_size: int = 299, num_classes: int = 1001) -> Workload:
    """Inception v4 (Szegedy et al., 2017) as TF-slim's ``inception_v4`` defines it.

    The stem (3x3 convolutions, then three two-branch blocks joined by concatenation),
    4 Inception-A blocks at 35x35, Reduction-A, 7 Inception-B blocks at 17x17 (1x7 / 7x1
    factorised convolutions), Reduction-B, 3 Inception-C blocks at 8x8 (whose 1x3 / 3x1
    pairs are concatenated inside a branch, then with the other branches), global average
    pool and a fully connected classifier. No auxiliary head.

    Args:
        input_size: input resolution (square, at least 75).
        num_classes: classifier outputs (the TF-slim checkpoint uses 1001).

    Returns:
        The inference graph (ReLU fused; :class:`~archgym.workloads.Concat` layers).
    """
    _check_positive(input_size=input_size, num_classes=num_classes)
    if input_size < 75:
        raise WorkloadError(f"zoo: inception_v4 needs input_size >= 75, got {input_size}")
    net = _Net(3, input_size)

    def c(name: str, out: int, k: int | tuple[int, int], stride: int = 1, **kw: Any) -> str:
        return net.conv(name, out, k, stride=stride, act="relu", **kw)

    # Stem
    c("conv1a_3x3", 32, 3, 2, padding=0)
    c("conv2a_3x3", 32, 3, padding=0)
    x = c("conv2b_3x3", 64, 3)
    a = net.maxpool("mixed3a_b0_pool", 3, 2, 0, src=x)
    b = c("mixed3a_b1_3x3", 96, 3, 2, padding=0, src=x)
    x = net.concat("mixed3a_concat", [a, b])
    c("mixed4a_b0_1x1", 64, 1, src=x)
    a = c("mixed4a_b0_3x3", 96, 3, padding=0)
    c("mixed4a_b1_1x1", 64, 1, src=x)
    c("mixed4a_b1_1x7", 64, (1, 7))
    c("mixed4a_b1_7x1", 64, (7, 1))
    b = c("mixed4a_b1_3x3", 96, 3, padding=0)
    x = net.concat("mixed4a_concat", [a, b])
    a = c("mixed5a_b0_3x3", 192, 3, 2, padding=0, src=x)
    b = net.maxpool("mixed5a_b1_pool", 3, 2, 0, src=x)
    x = net.concat("mixed5a_concat", [a, b])

    def avg_branch(p: str, src: str, out: int) -> str:
        net.pool(f"{p}b3_pool", 3, 1, 1, mode="avg", src=src)
        return c(f"{p}b3_1x1", out, 1)

    for i in range(4):  # Inception-A, 35x35x384
        p = f"mixed5{'bcde'[i]}_"
        y0 = c(f"{p}b0_1x1", 96, 1, src=x)
        c(f"{p}b1_1x1", 64, 1, src=x)
        y1 = c(f"{p}b1_3x3", 96, 3)
        c(f"{p}b2_1x1", 64, 1, src=x)
        c(f"{p}b2_3x3a", 96, 3)
        y2 = c(f"{p}b2_3x3b", 96, 3)
        x = net.concat(f"{p}concat", [y0, y1, y2, avg_branch(p, x, 96)])
    # Reduction-A -> 17x17x1024
    p = "mixed6a_"
    y0 = c(f"{p}b0_3x3", 384, 3, 2, padding=0, src=x)
    c(f"{p}b1_1x1", 192, 1, src=x)
    c(f"{p}b1_3x3a", 224, 3)
    y1 = c(f"{p}b1_3x3b", 256, 3, 2, padding=0)
    y2 = net.maxpool(f"{p}b2_pool", 3, 2, 0, src=x)
    x = net.concat(f"{p}concat", [y0, y1, y2])
    for i in range(7):  # Inception-B, 17x17x1024
        p = f"mixed6{'bcdefgh'[i]}_"
        y0 = c(f"{p}b0_1x1", 384, 1, src=x)
        c(f"{p}b1_1x1", 192, 1, src=x)
        c(f"{p}b1_1x7", 224, (1, 7))
        y1 = c(f"{p}b1_7x1", 256, (7, 1))
        c(f"{p}b2_1x1", 192, 1, src=x)
        c(f"{p}b2_7x1a", 192, (7, 1))
        c(f"{p}b2_1x7a", 224, (1, 7))
        c(f"{p}b2_7x1b", 224, (7, 1))
        y2 = c(f"{p}b2_1x7b", 256, (1, 7))
        x = net.concat(f"{p}concat", [y0, y1, y2, avg_branch(p, x, 128)])
    # Reduction-B -> 8x8x1536
    p = "mixed7a_"
    c(f"{p}b0_1x1", 192, 1, src=x)
    y0 = c(f"{p}b0_3x3", 192, 3, 2, padding=0)
    c(f"{p}b1_1x1", 256, 1, src=x)
    c(f"{p}b1_1x7", 256, (1, 7))
    c(f"{p}b1_7x1", 320, (7, 1))
    y1 = c(f"{p}b1_3x3", 320, 3, 2, padding=0)
    y2 = net.maxpool(f"{p}b2_pool", 3, 2, 0, src=x)
    x = net.concat(f"{p}concat", [y0, y1, y2])
    for i in range(3):  # Inception-C, 8x8x1536
        p = f"mixed7{'bcd'[i]}_"
        y0 = c(f"{p}b0_1x1", 256, 1, src=x)
        t = c(f"{p}b1_1x1", 384, 1, src=x)
        u = c(f"{p}b1_1x3", 256, (1, 3), src=t)
        v = c(f"{p}b1_3x1", 256, (3, 1), src=t)
        y1 = net.concat(f"{p}b1_concat", [u, v])
        c(f"{p}b2_1x1", 384, 1, src=x)
        c(f"{p}b2_3x1", 448, (3, 1))
        t = c(f"{p}b2_1x3", 512, (1, 3))
        u = c(f"{p}b2_1x3b", 256, (1, 3), src=t)
        v = c(f"{p}b2_3x1b", 256, (3, 1), src=t)
        y2 = net.concat(f"{p}b2_concat", [u, v])
        x = net.concat(f"{p}concat", [y0, y1, y2, avg_branch(p, x, 256)])
    net.global_pool("avgpool", src=x)
    net.linear("logits", num_classes)
    meta = (
        _image_meta(input_size, num_classes)
        | {
            "source": (
                "Szegedy et al. 2017, 'Inception-v4, Inception-ResNet' (arXiv:1602.07261), "
                "Figs. 3-9, as tensorflow/models research/slim/nets/inception_v4.py builds it"
            ),
            "published_macs": 24.55e9 / 2,
            "published_params": 42.7e6,
            "published_note": (
                "Vitis AI 2.5 model zoo, tf_inceptionv4 at 299x299: 24.55 GOPs = 2 x MACs; "
                "timm inception_v4 model card: 42.7 M params (incl. BatchNorm), 12.3 GMACs"
            ),
            "params_convention": f"all weights; {_BN_NOTE}",
        }
        | _coral("Inception v4 (299x299)", 299, 85.0)
    )
    return net.build("inception_v4", meta)


def resnet50_v1(input_size: int = 224, num_classes: int = 1000) -> Workload:
    """ResNet-50 v1 (He et al., 2016; Keras ``ResNet50``): the stride-2 of a stage is on the
    *first 1x1* convolution of its first bottleneck (v1.5, :func:`resnet50`, moves it to the
    3x3). Same parameters as v1.5, fewer MACs.

    Args:
        input_size: input resolution (square). Coral's table runs it at 299x299.
        num_classes: classifier outputs.

    Returns:
        The inference graph (as :func:`resnet50`).
    """
    _check_positive(input_size=input_size, num_classes=num_classes)
    net = _resnet_bottlenecks(input_size, stride_on_1x1=True)
    net.global_pool("avgpool")
    net.linear("fc", num_classes)
    meta = (
        _image_meta(input_size, num_classes)
        | {
            "source": "He et al. 2016 (arXiv:1512.03385), Table 1; Keras applications ResNet50",
            "published_macs": 3.8e9,
            "published_params": 25.56e6,
            "published_note": (
                "paper, Table 1: 3.8e9 FLOPs (multiply-adds) for ResNet-50; parameters as "
                "v1.5 (torchvision 25,557,032 incl. 53,120 BatchNorm parameters)"
            ),
            "params_convention": f"all weights; {_BN_NOTE}",
        }
        | _coral("ResNet-50 V1 (299x299)", 299, 49.0)
    )
    return net.build("resnet50_v1", meta)


def resnet152_v2(input_size: int = 299, num_classes: int = 1001) -> Workload:
    """ResNet-152 v2 (He et al., 2016, 'Identity Mappings'): pre-activation bottlenecks as
    TF-slim's ``resnet_v2_152`` (and Keras ``ResNet152V2``) define them.

    Stages of 3, 8, 36 and 3 bottlenecks (widths 64, 128, 256, 512, outputs 4x); each unit
    starts with a BatchNorm + ReLU of its input ("preact"), which follows the previous
    residual add and so cannot be folded into a convolution: it is a per-channel affine
    ``Elementwise(op="mul", n_inputs=1)`` and a stand-alone ReLU. The stride-2 of a stage is
    on the 3x3 convolution of its *last* unit, whose identity shortcut is then a 1x1/2 max
    pool (slim's ``subsample``); the first unit of a stage has a 1x1 projection shortcut
    from the preact. Convolutions not followed by a BatchNorm (the 7x7/2 root, each unit's
    last 1x1 and the projections) have a bias. A final BatchNorm + ReLU ("postnorm"), global
    average pool and the classifier close the network.

    Args:
        input_size: input resolution (square); the TF-slim checkpoints use 299x299.
        num_classes: classifier outputs (the TF-slim checkpoint uses 1001).

    Returns:
        The inference graph.
    """
    _check_positive(input_size=input_size, num_classes=num_classes)
    net = _Net(3, input_size)
    net.conv("conv1", 64, 7, stride=2, bias=True)
    net.maxpool("pool1", 3, 2, 1)
    for si, (width, units, stride) in enumerate(
        [(64, 3, 2), (128, 8, 2), (256, 36, 2), (512, 3, 1)]
    ):
        depth = 4 * width
        for u in range(units):
            p = f"block{si + 1}_unit{u + 1}_"
            s = stride if u == units - 1 else 1
            x = net.last
            cin = net.shape(x)[0]
            net.affine(f"{p}preact_bn")
            preact = net.act(f"{p}preact_relu", "relu")
            if cin == depth:
                shortcut = x if s == 1 else net.maxpool(f"{p}shortcut_pool", 1, s, 0, src=x)
            else:
                shortcut = net.conv(f"{p}shortcut", depth, 1, stride=s, bias=True, src=preact)
            net.conv(f"{p}conv1", width, 1, act="relu", src=preact)
            net.conv(f"{p}conv2", width, 3, stride=s, act="relu")
            y = net.conv(f"{p}conv3", depth, 1, bias=True)
            net.eltwise(f"{p}add", y, shortcut)
    net.affine("postnorm_bn")
    net.act("postnorm_relu", "relu")
    net.global_pool("avgpool")
    net.linear("logits", num_classes)
    meta = (
        _image_meta(input_size, num_classes)
        | {
            "source": (
                "He et al. 2016, 'Identity Mappings in Deep Residual Networks' "
                "(arXiv:1603.05027), as tensorflow/models research/slim/nets/resnet_v2.py "
                "(resnet_v2_152) builds it"
            ),
            "published_macs": 40.47e9 / 2,
            "published_params": 60.38e6,
            "published_note": (
                "Vitis AI 2.5 model zoo, tf_resnetv2_152 at 299x299: 40.47 GOPs = 2 x MACs; "
                "Keras ResNet152V2: 60,380,648 parameters incl. BatchNorm (1000 classes)"
            ),
            "params_convention": (
                "all weights and the biases of convolutions without BatchNorm; BatchNorm "
                "folded where a convolution precedes it, the pre-activation BatchNorms are "
                "affine layers; BatchNorm parameters not counted"
            ),
        }
        | _coral("ResNet-152 V2 (299x299)", 299, 128.0)
    )
    return net.build("resnet152_v2", meta)


# --------------------------------------------------------------------------------------
# Transformers
# --------------------------------------------------------------------------------------


def _encoder_layer(
    layers: list[Layer],
    prefix: str,
    x: str,
    tokens: int,
    hidden: int,
    heads: int,
    ffn: int,
    pre_norm: bool,
) -> str:
    """Append one transformer encoder layer reading ``x``; returns its output's name.

    Post-norm (BERT): ``ln1(x + attn(x))``, ``ln2(h + ffn(h))``.
    Pre-norm (ViT): ``h = x + attn(ln1(x))``, ``h + ffn(ln2(h))``.
    """
    if hidden % heads:
        raise WorkloadError(f"zoo: hidden={hidden} must be divisible by heads={heads}")
    dh = hidden // heads
    elems = tokens * hidden

    def add(layer: Layer) -> str:
        layers.append(layer)
        return layer.name

    a = x
    if pre_norm:
        a = add(LayerNorm(tokens, hidden, name=f"{prefix}ln1", inputs=(x,)))
    q = add(Linear(hidden, hidden, tokens, name=f"{prefix}q", inputs=(a,)))
    k = add(Linear(hidden, hidden, tokens, name=f"{prefix}k", inputs=(a,)))
    v = add(Linear(hidden, hidden, tokens, name=f"{prefix}v", inputs=(a,)))
    add(MatMul(heads, tokens, tokens, dh, name=f"{prefix}qk", inputs=(q, k)))
    sm = add(Softmax(heads * tokens, tokens, name=f"{prefix}softmax"))
    add(MatMul(heads, tokens, dh, tokens, name=f"{prefix}av", inputs=(sm, v)))
    o = add(Linear(hidden, hidden, tokens, name=f"{prefix}out"))
    h = add(Elementwise(elems, "add", name=f"{prefix}add1", inputs=(o, x)))
    if pre_norm:
        add(LayerNorm(tokens, hidden, name=f"{prefix}ln2"))
    else:
        h = add(LayerNorm(tokens, hidden, name=f"{prefix}ln1"))
    add(Linear(hidden, ffn, tokens, activation="gelu", name=f"{prefix}ffn1"))
    f2 = add(Linear(ffn, hidden, tokens, name=f"{prefix}ffn2"))
    out = add(Elementwise(elems, "add", name=f"{prefix}add2", inputs=(f2, h)))
    if not pre_norm:
        out = add(LayerNorm(tokens, hidden, name=f"{prefix}ln2"))
    return out


def bert_base(seq_len: int = 128, num_layers: int = 12) -> Workload:
    """BERT-base encoder (Devlin et al., 2019): 12 post-norm layers, hidden 768, 12 heads, FFN 3072.

    The embedding lookups are not compute and are left out; the embedding LayerNorm is the
    first layer. Per encoder layer: Q/K/V projections (``Linear(768, 768, tokens=seq)``),
    ``QK^T`` and attention-times-V as ``MatMul(batch=12, ...)``, softmax, output
    projection, residual add, LayerNorm, FFN (GELU fused into the first Linear), residual
    add, LayerNorm. The pooler / task heads are not included.

    Args:
        seq_len: tokens in the sequence.
        num_layers: encoder layers.

    Returns:
        The encoder workload.
    """
    _check_positive(seq_len=seq_len, num_layers=num_layers)
    if not isinstance(seq_len, int) or not isinstance(num_layers, int):
        raise WorkloadError("zoo: seq_len and num_layers must be integers")
    hidden, heads, ffn, vocab, max_pos = 768, 12, 3072, 30522, 512
    if seq_len > max_pos:
        raise WorkloadError(f"zoo: bert_base supports seq_len <= {max_pos}, got {seq_len}")
    layers: list[Layer] = [LayerNorm(seq_len, hidden, name="embed_ln")]
    x = "embed_ln"
    for i in range(num_layers):
        x = _encoder_layer(layers, f"l{i}_", x, seq_len, hidden, heads, ffn, pre_norm=False)
    tables = (vocab + max_pos + 2) * hidden
    pooler = hidden * hidden + hidden
    per_layer_macs = 4 * seq_len * hidden**2 + 2 * seq_len * hidden * ffn + 2 * seq_len**2 * hidden
    meta = {
        "input_shape": [1, seq_len, hidden],
        "seq_len": seq_len,
        "batch": 1,
        "source": "Devlin et al. 2019, 'BERT' (arXiv:1810.04805): BERT-base L=12, H=768, A=12",
        # The BERT paper publishes no MAC count; this is the analytic count of the layers
        # above: num_layers x (4 T H^2 + 2 T H F + 2 T^2 H), 11.17 G at T=128.
        "published_macs": num_layers * per_layer_macs,
        "published_params": 110e6,
        "published_note": (
            "paper: BERT-base 110 M parameters in total (HF bert-base-uncased: 109,482,240), "
            "including token/position/segment embedding tables and the pooler; MACs are the "
            "analytic count (the paper gives none)"
        ),
        "params_convention": (
            "encoder layers + embedding LayerNorm; embedding tables (vocab 30522, 512 positions, "
            "2 segments) and pooler excluded, see params_excluded"
        ),
        "params_excluded": tables + pooler,
        "num_layers": num_layers,
    }
    return Workload(layers, name="bert_base", meta=meta)


def vit_b16(input_size: int = 224, num_classes: int = 1000, patch_size: int = 16) -> Workload:
    """ViT-B/16 (Dosovitskiy et al., 2021): patch embedding conv + 12 pre-norm encoder layers.

    The patch embedding is ``Conv2d(3, 768, 16, stride=16)``; the class token is
    prepended (no compute) and the position embedding added (an ``Elementwise`` add over
    the tokens). After the final LayerNorm the head is a ``Linear(768, classes)`` on the
    class token.

    Args:
        input_size: input resolution (square, divisible by ``patch_size``).
        num_classes: classifier outputs.
        patch_size: patch side.

    Returns:
        The inference graph (GELU fused into the first FFN Linear).
    """
    _check_positive(input_size=input_size, num_classes=num_classes, patch_size=patch_size)
    if input_size % patch_size:
        raise WorkloadError(
            f"zoo: input_size={input_size} must be divisible by patch_size={patch_size}"
        )
    hidden, heads, ffn, depth = 768, 12, 3072, 12
    grid = input_size // patch_size
    tokens = grid * grid + 1
    layers: list[Layer] = [
        Conv2d(
            3,
            hidden,
            patch_size,
            patch_size,
            0,
            input_size=input_size,
            bias=True,
            name="patch_embed",
        ),
        # class token concatenated (no compute), position embedding added
        Elementwise(tokens * hidden, "add", name="pos_embed"),
    ]
    x = "pos_embed"
    for i in range(depth):
        x = _encoder_layer(layers, f"l{i}_", x, tokens, hidden, heads, ffn, pre_norm=True)
    layers.append(LayerNorm(tokens, hidden, name="norm"))
    layers.append(Linear(hidden, num_classes, tokens=1, name="head"))
    meta = _image_meta(input_size, num_classes) | {
        "tokens": tokens,
        "source": "Dosovitskiy et al. 2021, 'An Image is Worth 16x16 Words' (arXiv:2010.11929), ViT-Base",
        "published_macs": 17.56e9,
        "published_params": 86.6e6,
        "published_note": (
            "torchvision vit_b_16 IMAGENET1K_V1: 86.6 M params, 17.56 'GFLOPS' (multiply-"
            "accumulates, attention matmuls included; timm's 16.9 GMACs leaves them out)"
        ),
        "params_convention": "all weights; class token and position embedding excluded, see params_excluded",
        "params_excluded": hidden + tokens * hidden,
    }
    return Workload(layers, name="vit_b16", meta=meta)


# --------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------

#: Zoo networks by name; each builder takes keyword options and returns a ``Workload``.
ZOO: dict[str, Callable[..., Workload]] = {
    "mobilenet_v1": mobilenet_v1,
    "mobilenet_v2": mobilenet_v2,
    "mobilenet_edgetpu": mobilenet_edgetpu,
    "efficientnet_b0": efficientnet_b0,
    "resnet50": resnet50,
    "resnet50_v1": resnet50_v1,
    "resnet152_v2": resnet152_v2,
    "vgg16": vgg16,
    "squeezenet": squeezenet,
    "inception_v1": inception_v1,
    "inception_v4": inception_v4,
    "efficientnet_edgetpu_s": efficientnet_edgetpu_s,
    "efficientnet_edgetpu_m": efficientnet_edgetpu_m,
    "efficientnet_edgetpu_l": efficientnet_edgetpu_l,
    "bert_base": bert_base,
    "vit_b16": vit_b16,
}


def list_zoo() -> list[str]:
    """Names of the zoo networks, sorted."""
    return sorted(ZOO)


def load(name: str, batch: int = 1, **options: Any) -> Workload:
    """Build a zoo network.

    Args:
        name: a name from :func:`list_zoo` (case-insensitive; ``-`` and ``_`` are the same).
        batch: images (sequences) per inference call, for every network (see
            :class:`~archgym.workloads.Workload`).
        **options: the builder's options, e.g. ``input_size=160``, ``num_classes=10``,
            ``width_multiplier=0.75``, ``seq_len=384``.

    Returns:
        The workload.

    Raises:
        WorkloadError: an unknown name (the message lists the known ones), an option the
            network does not take (the message names it and lists the accepted ones), or
            an invalid option value.
    """
    key = str(name).strip().lower().replace("-", "_")
    if key not in ZOO:
        raise WorkloadError(f"unknown zoo workload {name!r}; known: {', '.join(list_zoo())}")
    builder = ZOO[key]
    accepted = [p for p in inspect.signature(builder).parameters]
    unknown = [k for k in options if k not in accepted]
    if unknown:
        raise WorkloadError(
            f"zoo workload {key!r} does not take option(s) {', '.join(map(repr, unknown))}; "
            f"accepted: {', '.join(accepted)}, batch"
        )
    return builder(**options).with_batch(batch)
