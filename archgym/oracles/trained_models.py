"""The torch networks the trained oracle trains (:mod:`archgym.oracles.trained`), and the
NAS-Bench-201 architecture strings it reads.

* :func:`build_mobilenet_model`: a MobileNet-space choice scaled down (widths times
  ``width_scale``, one grey input channel, an input side scaled with the resolution, only
  the first stride-2 layers keep their stride), built from the same
  :func:`~archgym.workloads.mobilenet_space.build_plan` as the cost model's workload.
* :func:`build_nb201_model`: the real NB201 cell and macro skeleton with fewer channels and
  cells per stage.

The module docstring of :mod:`archgym.oracles.trained` says exactly what is scaled down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from archgym.workloads.nb201 import NB201_OPS

from .base import OracleError
from .training import torch_module

__all__ = [
    "DATASET_GEOMETRY",
    "parse_nb201",
    "nb201_string",
    "build_mobilenet_model",
    "build_nb201_model",
]

#: Native side of each dataset's images and how many stride-2 layers keep their stride.
DATASET_GEOMETRY = {"fashion_mnist": (28, 3), "digits": (8, 2)}


# --------------------------------------------------------------------------------------
# NAS-Bench-201 architecture strings
# --------------------------------------------------------------------------------------


def parse_nb201(arch: Any) -> tuple[str, ...]:
    """Six NB201 operation names in NB201 string order: edges 0->1, 0->2, 1->2, 0->3,
    1->3, 2->3.

    Accepts every encoding :func:`archgym.workloads.nb201.parse_arch` accepts: an NB201
    index (0..15624), the NB201 string (``"|nor_conv_3x3~0|+|skip_connect~0|none~1|+|..."``),
    or a 6-tuple of op ids in the project's edge order.

    Raises:
        OracleError: anything else (the message says which forms are accepted).
    """
    from archgym.workloads.layers import WorkloadError
    from archgym.workloads.nb201 import arch_to_str

    try:
        text = arch_to_str(arch)
    except WorkloadError as exc:
        raise OracleError(f"not an NB201 architecture: {exc}") from None
    ops: list[str] = []
    for node in text.split("+"):
        for item in node.strip("|").split("|"):
            ops.append(item.partition("~")[0])
    if len(ops) != 6 or any(o not in NB201_OPS for o in ops):  # pragma: no cover - defensive
        raise OracleError(f"not an NB201 architecture: {arch!r}")
    return tuple(ops)


def nb201_string(ops: Sequence[str]) -> str:
    """The NB201 string of six operations in string order."""
    o = list(ops)
    return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"


# --------------------------------------------------------------------------------------
# torch models
# --------------------------------------------------------------------------------------


def build_mobilenet_model(
    choice: Mapping[str, Any],
    dataset: str,
    num_classes: int = 10,
    width_scale: float = 0.125,
) -> tuple[Any, int]:
    """The scaled-down torch model of a MobileNet-space choice, and its input side.

    Returns:
        ``(model, input_side)``.
    """
    torch_module()  # its clear error when torch is missing
    from torch import nn

    from archgym.workloads.mobilenet_space import build_plan, validate_choice

    native, max_down = DATASET_GEOMETRY[dataset]
    c = validate_choice(choice)
    side = max(4, round(native * c["resolution"] / 224))
    plan = build_plan(
        c,
        num_classes=num_classes,
        resolution=side,
        in_channels=1,
        width_scale=width_scale,
        divisor=2,
        max_downsamples=max_down,
    )

    def conv_bn(cin: int, cout: int, k: int, s: int, groups: int, relu: bool) -> Any:
        mods = [nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
        if relu:
            mods.append(nn.ReLU(inplace=True))
        return nn.Sequential(*mods)

    class Block(nn.Module):
        def __init__(self, b: Any) -> None:
            super().__init__()
            layers = []
            if b.block == "ibn":
                if b.has_expand:
                    layers.append(conv_bn(b.in_channels, b.expanded, 1, 1, 1, True))
                layers.append(conv_bn(b.expanded, b.expanded, b.kernel, b.stride, b.expanded, True))
            else:
                layers.append(
                    conv_bn(b.in_channels, b.expanded, b.kernel, b.stride, b.groups, True)
                )
            layers.append(conv_bn(b.expanded, b.out_channels, 1, 1, 1, False))
            self.body = nn.Sequential(*layers)
            self.residual = b.residual

        def forward(self, x: Any) -> Any:
            y = self.body(x)
            return x + y if self.residual else y

    model = nn.Sequential(
        conv_bn(1, plan.stem_channels, 3, plan.stem_stride, 1, True),
        *[Block(b) for b in plan.blocks],
        conv_bn(plan.blocks[-1].out_channels, plan.head_channels, 1, 1, 1, True),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(plan.head_channels, num_classes),
    )
    return model, side


def build_nb201_model(
    ops: Sequence[str], num_classes: int = 10, channels: int = 8, cells_per_stage: int = 1
) -> Any:
    """A NAS-Bench-201 network with the given cell, ``channels`` stem channels and
    ``cells_per_stage`` cells per stage (the benchmark uses 16 and 5)."""
    torch_module()  # its clear error when torch is missing
    from torch import nn

    class ReLUConvBN(nn.Sequential):
        def __init__(self, cin: int, cout: int, k: int, s: int) -> None:
            super().__init__(
                nn.ReLU(inplace=False),
                nn.Conv2d(cin, cout, k, s, k // 2, bias=False),
                nn.BatchNorm2d(cout),
            )

    class Zero(nn.Module):
        def forward(self, x: Any) -> Any:
            return x.mul(0.0)

    def make_op(name: str, c: int) -> Any:
        if name == "none":
            return Zero()
        if name == "skip_connect":
            return nn.Identity()
        if name == "nor_conv_1x1":
            return ReLUConvBN(c, c, 1, 1)
        if name == "nor_conv_3x3":
            return ReLUConvBN(c, c, 3, 1)
        return nn.AvgPool2d(3, 1, 1, count_include_pad=False)

    edges = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]

    class Cell(nn.Module):
        def __init__(self, c: int) -> None:
            super().__init__()
            self.ops = nn.ModuleList(make_op(o, c) for o in ops)

        def forward(self, x: Any) -> Any:
            nodes = [x]
            for j in (1, 2, 3):
                nodes.append(sum(self.ops[e](nodes[i]) for e, (i, t) in enumerate(edges) if t == j))
            return nodes[3]

    class Reduction(nn.Module):
        def __init__(self, cin: int, cout: int) -> None:
            super().__init__()
            self.a = ReLUConvBN(cin, cout, 3, 2)
            self.b = ReLUConvBN(cout, cout, 3, 1)
            self.short = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(cin, cout, 1, bias=False))

        def forward(self, x: Any) -> Any:
            return self.b(self.a(x)) + self.short(x)

    c = channels
    layers: list[Any] = [nn.Conv2d(1, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c)]
    for stage in range(3):
        if stage:
            layers.append(Reduction(c, 2 * c))
            c *= 2
        layers.extend(Cell(c) for _ in range(cells_per_stage))
    layers += [
        nn.BatchNorm2d(c),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(c, num_classes),
    ]
    return nn.Sequential(*layers)
