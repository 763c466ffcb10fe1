"""The MobileNets of the zoo: v1 (depthwise-separable), v2 (inverted residuals) and
MobileNet-EdgeTPU (fused inverted bottlenecks early). The inverted-residual block builder
here is shared with the EfficientNets (:mod:`archgym.workloads.zoo_efficientnet`).
"""

from __future__ import annotations

from collections.abc import Callable

from .mobilenet_space import make_divisible
from .workload import Workload
from .zoo_graph import _check_positive, _Net, _published_meta


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
    meta = _published_meta(
        input_size,
        num_classes,
        source="Howard et al. 2017, 'MobileNets' (arXiv:1704.04861), Table 1; TF-slim mobilenet_v1",
        published_macs=569e6,
        published_params=4.2e6,
        published_note="paper, Table 8: 1.0 MobileNet-224, 569 M mult-adds, 4.2 M parameters",
        width_multiplier=width_multiplier,
        coral=("MobileNet v1 (224x224)", 224, 2.4) if width_multiplier == 1.0 else None,
    )
    return net.build("mobilenet_v1", meta)


#: MobileNet v2's inverted-residual stages (Sandler et al. 2018, Table 2): (expansion,
#: kernel, stride of the stage's first block, output channels, blocks).
MOBILENET_V2_STAGES: tuple[tuple[int, int, int, int, int], ...] = (
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 3, 2, 32, 3),
    (6, 3, 2, 64, 4),
    (6, 3, 1, 96, 3),
    (6, 3, 2, 160, 3),
    (6, 3, 1, 320, 1),
)


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
    hidden: int | None = None,
    stride_on_projection: bool = False,
) -> str:
    """One (fused) inverted-bottleneck block; returns the name of its output.

    * regular IBN: 1x1 expand (skipped when ``expand == 1``), KxK depthwise (stride),
      optional SE, 1x1 linear projection;
    * fused IBN (no depthwise): one full KxK convolution (stride) to the expanded width
      (skipped when ``expand == 1``, the projection then carries the stride), 1x1
      projection. ``stride_on_projection`` puts the stride on the projection instead, as
      the 2019 EfficientNet-EdgeTPU code (``MBConvBlockWithoutDepthwise``) did before its
      2020 change (tensorflow/tpu issue #660).

    The expanded width is ``input channels x expand`` unless ``hidden`` gives it. A
    residual add joins input and output when ``residual``, the stride is 1 and widths match.
    """
    x = net.last
    cin = net.shape(x)[0]
    hidden = cin * expand if hidden is None else hidden
    project_stride = 1
    if fused:
        if expand != 1:
            net.conv(
                f"{prefix}fused", hidden, k, stride=1 if stride_on_projection else stride, act=act
            )
        if stride_on_projection or expand == 1:
            project_stride = stride
    else:
        if expand != 1:
            net.conv(f"{prefix}expand", hidden, 1, act=act)
        net.dwconv(f"{prefix}dw", k, stride=stride, act=act)
        if se_ratio:
            net.squeeze_excite(prefix, max(1, int(cin * se_ratio)), act=act)
    y = net.conv(f"{prefix}project", out, 1, stride=project_stride)
    if residual and stride == 1 and cin == out:
        y = net.eltwise(f"{prefix}add", y, x)
    return y


def _inverted_residual_stages(
    net: _Net,
    stages: tuple[tuple[int, int, int, int, int], ...],
    act: str,
    width: Callable[[int], int] = int,
    se_ratio: float | None = None,
) -> None:
    """The blocks ``b0_``, ``b1_``, ... of ``stages`` rows (expansion, kernel, stride of the
    first block, output channels, blocks), output channels rounded by ``width``."""
    b = 0
    for e, k, s, c, n in stages:
        for i in range(n):
            stride = s if i == 0 else 1
            _inverted_residual(net, f"b{b}_", width(c), e, k, stride, act, se_ratio=se_ratio)
            b += 1


def mobilenet_v2(
    input_size: int = 224, num_classes: int = 1000, width_multiplier: float = 1.0
) -> Workload:
    """MobileNet v2 (Sandler et al., 2018): 17 inverted-residual blocks with linear bottlenecks.

    Args:
        input_size: input resolution (square).
        num_classes: classifier outputs.
        width_multiplier: channels ``make_divisible(c * alpha, 8)``; the last 1x1 conv keeps
            1280 channels unless ``alpha > 1`` (as in the reference implementation).

    Returns:
        The inference graph (ReLU6 fused; projections linear; residual adds).
    """
    _check_positive(
        input_size=input_size, num_classes=num_classes, width_multiplier=width_multiplier
    )
    a = width_multiplier
    net = _Net(3, input_size)
    net.conv("conv0", make_divisible(32 * a), 3, stride=2, act="relu6")
    _inverted_residual_stages(net, MOBILENET_V2_STAGES, "relu6", lambda c: make_divisible(c * a))
    net.conv("conv_last", make_divisible(1280 * a) if a > 1.0 else 1280, 1, act="relu6")
    net.global_pool("avgpool")
    net.linear("logits", num_classes)
    meta = _published_meta(
        input_size,
        num_classes,
        source="Sandler et al. 2018, 'MobileNetV2' (arXiv:1801.04381), Table 2; TF-slim mobilenet_v2",
        published_macs=300e6,
        published_params=3.47e6,
        published_note="TF-slim MobileNet README, mobilenet_v2_1.0_224: 300 M MACs, 3.47 M parameters "
        "(the paper rounds to 3.4 M; torchvision's 3.50 M includes 34 k BatchNorm parameters)",
        width_multiplier=width_multiplier,
        coral=("MobileNet v2 (224x224)", 224, 2.6) if width_multiplier == 1.0 else None,
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
        return c if width_multiplier == 1.0 else make_divisible(c * width_multiplier)

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
            # "no_depthwise" blocks are fused IBNs: one KxK conv to the expanded width
            # (none when the expansion is 1), then the 1x1 projection.
            fused = kind != "ibn"
            stride = s if r == 0 else 1
            _inverted_residual(
                net, f"s{stack}_b{r}_", rf(cout), e, k, stride, "relu", fused=fused, residual=skip
            )
    # As in the released dm=0.75 checkpoint (624 M MACs, 2.9 M params), the 1280-wide head
    # is not narrowed for multipliers below 1 (TF-slim's finegrain_classification_mode).
    net.conv("top", rf(1280) if width_multiplier > 1.0 else 1280, 1, act="relu")
    net.global_pool("avgpool")
    net.linear("logits", num_classes)
    meta = _published_meta(
        input_size,
        num_classes,
        source="tensorflow/models official/projects/edgetpu/vision/modeling/"
        "mobilenet_edgetpu_v1_model_blocks.py (ModelConfig.blocks) = research/slim/nets/"
        "mobilenet/mobilenet_v3.py V3_EDGETPU",
        published_macs=990e6,
        published_params=4.0e6,
        published_note="TF-slim MobileNet README, 'MobilenetEdgeTPU dm=1': 990 M MACs, 4.0 M params, 75.6 % "
        "top-1 (dm=0.75: 624 M, 2.9 M); the per-layer table in mobilenet_v3.py totals "
        "990.7 M MAdds and 4.05 M conv parameters (1001 classes)",
        width_multiplier=width_multiplier,
    )
    return net.build("mobilenet_edgetpu", meta)
