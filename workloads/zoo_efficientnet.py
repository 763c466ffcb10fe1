"""The EfficientNets of the zoo: EfficientNet-B0 (MBConv with squeeze-and-excite) and
EfficientNet-EdgeTPU S / M / L (fused inverted bottlenecks, no squeeze-and-excite).
"""

from __future__ import annotations

import math

from .mobilenet_space import make_divisible
from .workload import Workload
from .zoo_graph import _BN_NOTE, _check_positive, _Net, _published_meta
from .zoo_mobilenet import _inverted_residual, _inverted_residual_stages

#: EfficientNet-B0's MBConv stages (Tan & Le 2019, Table 1): (expansion, kernel, stride of
#: the stage's first block, output channels, blocks).
EFFICIENTNET_B0_STAGES: tuple[tuple[int, int, int, int, int], ...] = (
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 5, 2, 40, 2),
    (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3),
    (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
)


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
    _inverted_residual_stages(net, EFFICIENTNET_B0_STAGES, "swish", se_ratio=0.25)
    net.conv("head", 1280, 1, act="swish")
    net.global_pool("avgpool")
    net.linear("logits", num_classes)
    meta = _published_meta(
        input_size,
        num_classes,
        source="Tan & Le 2019, 'EfficientNet' (arXiv:1905.11946), Table 1; tensorflow/tpu efficientnet_builder",
        published_macs=0.39e9,
        published_params=5.3e6,
        published_note="paper, Table 2: EfficientNet-B0 0.39 B FLOPs (multiply-adds), 5.3 M params",
        params_convention=f"all weights incl. SE biases; {_BN_NOTE}",
    )
    return net.build("efficientnet_b0", meta)


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
        return c if wc == 1.0 else make_divisible(c * wc)

    net = _Net(3, input_size)
    net.conv("stem", rf(32), 3, stride=2, act="relu")
    for si, (reps, k, s, e, cin, cout, fused, skip) in enumerate(_EDGETPU_BLOCKS):
        cin, cout = rf(cin), rf(cout)
        for r in range(math.ceil(dc * reps)):  # round_repeats
            prefix = f"s{si}_b{r}_"
            stride = s if r == 0 else 1
            # Expansion width and skip follow the block's declared input filters (as
            # efficientnet_model does): the first block expands 24 * 4 = 96 channels out
            # of the 32-channel stem.
            block_in = cin if r == 0 else cout
            _inverted_residual(
                net,
                prefix,
                cout,
                e,
                k,
                stride,
                "relu",
                fused=fused,
                hidden=block_in * e,
                residual=skip and block_in == cout,
                stride_on_projection=not stride_on_expansion,
            )
    net.conv("head", rf(1280), 1, act="relu")
    net.global_pool("avgpool")
    net.linear("logits", num_classes)
    name = f"efficientnet_edgetpu_{variant.lower()}"
    meta = _published_meta(
        input_size,
        num_classes,
        source="tensorflow/tpu models/official/efficientnet/edgetpu/efficientnet_edgetpu_builder.py"
        f" (efficientnet-edgetpu-{variant}: width {wc}, depth {dc}, {res}x{res}) with "
        "efficientnet_model.py of 2019 (fused blocks = MBConvBlockWithoutDepthwise, "
        "stride on the 1x1 projection), the definition of the released checkpoints",
        published_macs=pub_macs,
        published_params=pub_params,
        published_note="Vitis AI 2.5 model zoo (Xilinx/Vitis-AI model_zoo/README.md), "
        f"tf_efficientnet-edgetpu-{variant}: {2 * pub_macs / 1e9:.2f} GOPs = 2 x MACs; "
        f"timm tf_efficientnet_e{variant.lower()}: {pub_params / 1e6:.2f} M params incl. "
        "BatchNorm (1000 classes). With stride_on_expansion=True the MACs drop by ~24 % "
        "(tensorflow/tpu issue #660) to timm's efficientnet_es/em/el figures (1.8 / "
        "3.0 / 8.0 GMACs), the definition timm adopted in 2021",
        stride_on_expansion=stride_on_expansion,
        coral=(coral_name, res, coral_ms),
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
