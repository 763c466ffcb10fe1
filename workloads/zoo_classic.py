"""Plain convolution stacks of the zoo: VGG16 (3x3 convolutions and max pools) and
SqueezeNet 1.0 (fire modules).
"""

from __future__ import annotations

from .workload import Workload
from .zoo_graph import _ceil_pad, _check_positive, _Net, _published_meta


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
    meta = _published_meta(
        input_size,
        num_classes,
        source="Simonyan & Zisserman 2015 (arXiv:1409.1556), configuration D; Keras VGG16",
        published_macs=15.47e9,
        published_params=138.36e6,
        published_note="Keras VGG16: 138,357,544 parameters (no BatchNorm); torchvision vgg16: 15.47 "
        "'GFLOPS' (multiply-accumulates), Vitis AI tf_vgg16: 30.96 GOPs",
        params_convention="all weights and biases",
        coral=("VGG16 (224x224)", 224, 296.0),
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
    meta = _published_meta(
        input_size,
        num_classes,
        source="Iandola et al. 2016 (arXiv:1602.07360), SqueezeNet v1.0 "
        "(DeepScale/SqueezeNet SqueezeNet_v1.0/train_val.prototxt; torchvision squeezenet1_0)",
        published_macs=0.82e9,
        published_params=1.248424e6,
        published_note="torchvision squeezenet1_0: 1,248,424 params, 0.82 'GFLOPS' (multiply-"
        "accumulates) at 224x224; the paper gives parameters only (1.2 M)",
        params_convention="all weights and biases",
        version="1.0",
        coral=("SqueezeNet (224x224)", 224, 2.1),
    )
    return net.build("squeezenet", meta)
