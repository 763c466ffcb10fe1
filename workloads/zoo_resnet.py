"""The ResNets of the zoo: ResNet-50 v1.5 and v1 (post-activation bottlenecks) and
ResNet-152 v2 (pre-activation bottlenecks).
"""

from __future__ import annotations

from .workload import Workload
from .zoo_graph import _check_positive, _Net, _published_meta


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
    meta = _published_meta(
        input_size,
        num_classes,
        source="He et al. 2016 (arXiv:1512.03385), Table 1, as v1.5 in torchvision / MLPerf",
        published_macs=4.09e9,
        published_params=25.56e6,
        published_note="torchvision ResNet50_Weights.IMAGENET1K_V1: 4.09 'GFLOPS' (counted as multiply-"
        "accumulates) and 25,557,032 params incl. 53,120 BatchNorm parameters; the paper's "
        "3.8e9 FLOPs is ResNet-50 v1 (stride 2 on the first 1x1 conv)",
    )
    return net.build("resnet50", meta)


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
    meta = _published_meta(
        input_size,
        num_classes,
        source="He et al. 2016 (arXiv:1512.03385), Table 1; Keras applications ResNet50",
        published_macs=3.8e9,
        published_params=25.56e6,
        published_note="paper, Table 1: 3.8e9 FLOPs (multiply-adds) for ResNet-50; parameters as "
        "v1.5 (torchvision 25,557,032 incl. 53,120 BatchNorm parameters)",
        coral=("ResNet-50 V1 (299x299)", 299, 49.0),
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
    meta = _published_meta(
        input_size,
        num_classes,
        source="He et al. 2016, 'Identity Mappings in Deep Residual Networks' "
        "(arXiv:1603.05027), as tensorflow/models research/slim/nets/resnet_v2.py "
        "(resnet_v2_152) builds it",
        published_macs=40.47e9 / 2,
        published_params=60.38e6,
        published_note="Vitis AI 2.5 model zoo, tf_resnetv2_152 at 299x299: 40.47 GOPs = 2 x MACs; "
        "Keras ResNet152V2: 60,380,648 parameters incl. BatchNorm (1000 classes)",
        params_convention="all weights and the biases of convolutions without BatchNorm; BatchNorm "
        "folded where a convolution precedes it, the pre-activation BatchNorms are "
        "affine layers; BatchNorm parameters not counted",
        coral=("ResNet-152 V2 (299x299)", 299, 128.0),
    )
    return net.build("resnet152_v2", meta)
