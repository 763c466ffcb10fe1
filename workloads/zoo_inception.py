"""The Inception networks of the zoo: Inception v1 (GoogLeNet) and Inception v4, as TF-slim
builds them.
"""

from __future__ import annotations

from typing import Any

from .layers import WorkloadError
from .workload import Workload
from .zoo_graph import _check_positive, _Net, _published_meta, _same_pad


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
    meta = _published_meta(
        input_size,
        num_classes,
        source="Szegedy et al. 2015 (arXiv:1409.4842), as tensorflow/models research/slim/"
        "nets/inception_v1.py builds it",
        published_macs=1.5e9,
        published_params=6.62e6,
        published_note="paper: 1.5 billion multiply-adds; Vitis AI tf_inceptionv1: 3 GOPs; "
        "torchvision googlenet (the same graph): 6,624,904 params incl. BatchNorm, "
        "1.50 'GFLOPS'",
        coral=("Inception v1 (224x224)", 224, 3.4),
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
    meta = _published_meta(
        input_size,
        num_classes,
        source="Szegedy et al. 2017, 'Inception-v4, Inception-ResNet' (arXiv:1602.07261), "
        "Figs. 3-9, as tensorflow/models research/slim/nets/inception_v4.py builds it",
        published_macs=24.55e9 / 2,
        published_params=42.7e6,
        published_note="Vitis AI 2.5 model zoo, tf_inceptionv4 at 299x299: 24.55 GOPs = 2 x MACs; "
        "timm inception_v4 model card: 42.7 M params (incl. BatchNorm), 12.3 GMACs",
        coral=("Inception v4 (299x299)", 299, 85.0),
    )
    return net.build("inception_v4", meta)
