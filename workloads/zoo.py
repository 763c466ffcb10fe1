"""The model zoo: reference networks as inference graphs, the way a TFLite / Edge TPU runs them.

Conventions shared by every network here (batch 1):

* BatchNorm is folded into the preceding convolution. Its parameters are not counted and
  folding does not add a bias to the convolution (``bias=False``), so parameter counts are
  those of the trained model without its BatchNorm layers.
* Activations are fused into the MAC layer that produces their input (``activation=``),
  as TFLite fuses them. An activation that follows an element-wise add (ResNet) is a
  separate :class:`~archgym.workloads.Activation` layer.
* Residual adds are ``Elementwise(op="add", inputs=(a, b))`` naming both producers;
  squeeze-and-excite gates are ``GlobalPool`` + two 1x1 convolutions (with bias) +
  ``Elementwise(op="mul")`` naming the gated tensor and the gate.
* Global average pooling is a ``GlobalPool``; the classifier is a ``Linear`` with bias.
* Padding reproduces the spatial sizes of the real networks ("same" padding for the odd
  kernels used here gives ``ceil(H / stride)``, as TensorFlow's ``SAME`` does).
* Dropout, the softmax at the end of a classifier and the attention scale
  ``1/sqrt(d_head)`` (folded into the query projection at inference) are not layers.

Each workload's ``meta`` records ``source`` (where the definition comes from),
``published_macs`` and ``published_params`` (the figures the literature reports for that
exact definition), ``params_convention`` and, where the workload leaves some parameters
out (embedding tables), ``params_excluded`` so that ``params + params_excluded`` is the
published total.

Example::

    from archgym import workloads

    wl = workloads.load("mobilenet_v2", input_size=160, width_multiplier=0.75)
    print(wl.macs, wl.params)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .layers import (
    Activation,
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
        k: int,
        stride: int = 1,
        groups: int = 1,
        act: str | None = None,
        src: str | None = None,
        bias: bool = False,
        padding: int | None = None,
    ) -> str:
        src, inputs = self._src(src)
        c, hw = self.shapes[src]
        pad = (k - 1) // 2 if padding is None else padding
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
    meta = _image_meta(input_size, num_classes) | {
        "source": "Howard et al. 2017, 'MobileNets' (arXiv:1704.04861), Table 1; TF-slim mobilenet_v1",
        "published_macs": 569e6,
        "published_params": 4.2e6,
        "published_note": "paper, Table 8: 1.0 MobileNet-224, 569 M mult-adds, 4.2 M parameters",
        "params_convention": f"all weights; {_BN_NOTE}",
        "width_multiplier": width_multiplier,
    }
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
    meta = _image_meta(input_size, num_classes) | {
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
    net = _Net(3, input_size)
    net.conv("conv1", 64, 7, stride=2, act="relu")
    net.maxpool("maxpool", 3, 2, 1)
    stages = [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]
    for si, (width, blocks, stride) in enumerate(stages, start=1):
        for bi in range(blocks):
            p = f"layer{si}_{bi}_"
            x = net.last
            s = stride if bi == 0 else 1
            net.conv(f"{p}conv1", width, 1, act="relu", src=x)
            net.conv(f"{p}conv2", width, 3, stride=s, act="relu")
            y = net.conv(f"{p}conv3", width * 4, 1)
            if bi == 0:
                shortcut = net.conv(f"{p}downsample", width * 4, 1, stride=s, src=x)
            else:
                shortcut = x
            net.eltwise(f"{p}add", y, shortcut)
            net.act(f"{p}relu", "relu")
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
