"""Shared fixtures for the workload tests: hand-written PyTorch reference networks.

torchvision is not a dependency, so the reference CNNs are written here from their papers /
reference implementations (BatchNorm after every convolution, as trained). They are built
on the ``meta`` device: shapes only, no memory and no initialisation cost.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest


def _build_nets() -> SimpleNamespace:
    import torch
    import torch.nn as nn

    # The block tables (expansion, kernel, stride, channels, repeats) are the library's; the
    # networks built from them here are independent of the zoo's builders.
    from archgym.workloads.zoo_efficientnet import EFFICIENTNET_B0_STAGES
    from archgym.workloads.zoo_mobilenet import MOBILENET_V2_STAGES

    def conv_bn(
        cin: int, cout: int, k: int, s: int = 1, groups: int = 1, act: Any = None
    ) -> nn.Sequential:
        layers: list[nn.Module] = [
            nn.Conv2d(cin, cout, k, s, (k - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout),
        ]
        if act is not None:
            layers.append(act())
        return nn.Sequential(*layers)

    class MobileNetV1(nn.Module):
        def __init__(self, num_classes: int = 1000) -> None:
            super().__init__()
            spec = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5
            spec += [(1024, 2), (1024, 1)]
            layers = [conv_bn(3, 32, 3, 2, act=nn.ReLU6)]
            c = 32
            for out, s in spec:
                layers += [
                    conv_bn(c, c, 3, s, groups=c, act=nn.ReLU6),
                    conv_bn(c, out, 1, act=nn.ReLU6),
                ]
                c = out
            self.features = nn.Sequential(*layers)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(1024, num_classes)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(torch.flatten(self.pool(self.features(x)), 1))

    class InvertedResidual(nn.Module):
        def __init__(
            self, cin: int, cout: int, expand: int, k: int, s: int, act: Any, se: bool = False
        ) -> None:
            super().__init__()
            hidden = cin * expand
            layers: list[nn.Module] = []
            if expand != 1:
                layers.append(conv_bn(cin, hidden, 1, act=act))
            layers.append(conv_bn(hidden, hidden, k, s, groups=hidden, act=act))
            if se:
                layers.append(SqueezeExcite(hidden, max(1, cin // 4)))
            layers.append(conv_bn(hidden, cout, 1))
            self.block = nn.Sequential(*layers)
            self.use_res = s == 1 and cin == cout

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.block(x)
            return x + y if self.use_res else y

    class SqueezeExcite(nn.Module):
        def __init__(self, channels: int, squeeze: int) -> None:
            super().__init__()
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc1 = nn.Conv2d(channels, squeeze, 1)
            self.fc2 = nn.Conv2d(squeeze, channels, 1)
            self.act = nn.SiLU()
            self.gate = nn.Sigmoid()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            scale = self.gate(self.fc2(self.act(self.fc1(self.avgpool(x)))))
            return scale * x

    class MobileNetV2(nn.Module):
        def __init__(self, num_classes: int = 1000) -> None:
            super().__init__()
            layers: list[nn.Module] = [conv_bn(3, 32, 3, 2, act=nn.ReLU6)]
            c = 32
            for e, k, s, out, n in MOBILENET_V2_STAGES:
                for i in range(n):
                    layers.append(InvertedResidual(c, out, e, k, s if i == 0 else 1, nn.ReLU6))
                    c = out
            layers.append(conv_bn(c, 1280, 1, act=nn.ReLU6))
            self.features = nn.Sequential(*layers)
            self.pool = nn.AdaptiveAvgPool2d((1, 1))
            self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.classifier(torch.flatten(self.pool(self.features(x)), 1))

    class EfficientNetB0(nn.Module):
        def __init__(self, num_classes: int = 1000) -> None:
            super().__init__()
            layers: list[nn.Module] = [conv_bn(3, 32, 3, 2, act=nn.SiLU)]
            c = 32
            for e, k, s, out, n in EFFICIENTNET_B0_STAGES:
                for i in range(n):
                    layers.append(
                        InvertedResidual(c, out, e, k, s if i == 0 else 1, nn.SiLU, se=True)
                    )
                    c = out
            layers.append(conv_bn(c, 1280, 1, act=nn.SiLU))
            self.features = nn.Sequential(*layers)
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

    class Bottleneck(nn.Module):
        def __init__(self, cin: int, width: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(width)
            self.conv3 = nn.Conv2d(width, width * 4, 1, bias=False)
            self.bn3 = nn.BatchNorm2d(width * 4)
            self.relu = nn.ReLU(inplace=True)
            self.downsample = None
            if stride != 1 or cin != width * 4:
                self.downsample = nn.Sequential(
                    nn.Conv2d(cin, width * 4, 1, stride, bias=False), nn.BatchNorm2d(width * 4)
                )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            identity = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            if self.downsample is not None:
                identity = self.downsample(x)
            out += identity
            return self.relu(out)

    class ResNet50(nn.Module):
        def __init__(self, num_classes: int = 1000) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            blocks: list[nn.Module] = []
            c = 64
            for width, n, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
                for i in range(n):
                    blocks.append(Bottleneck(c, width, stride if i == 0 else 1))
                    c = width * 4
            self.layers = nn.Sequential(*blocks)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(2048, num_classes)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.avgpool(self.layers(x))
            return self.fc(torch.flatten(x, 1))

    class Inception(nn.Module):
        """An Inception v1 module (torchvision's GoogLeNet layout, 3x3 in the third branch)."""

        def __init__(self, cin: int, b0: int, b1r: int, b1: int, b2r: int, b2: int, b3: int):
            super().__init__()
            self.branch1 = conv_bn(cin, b0, 1, act=nn.ReLU)
            self.branch2 = nn.Sequential(
                conv_bn(cin, b1r, 1, act=nn.ReLU), conv_bn(b1r, b1, 3, act=nn.ReLU)
            )
            self.branch3 = nn.Sequential(
                conv_bn(cin, b2r, 1, act=nn.ReLU), conv_bn(b2r, b2, 3, act=nn.ReLU)
            )
            self.branch4 = nn.Sequential(
                nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
                conv_bn(cin, b3, 1, act=nn.ReLU),
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            outs = [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]
            return torch.cat(outs, 1)

    class InceptionV1(nn.Module):
        """GoogLeNet as torchvision writes it (ceil-mode max pools), no auxiliary heads."""

        def __init__(self, num_classes: int = 1001) -> None:
            super().__init__()
            self.stem = nn.Sequential(
                conv_bn(3, 64, 7, 2, act=nn.ReLU),
                nn.MaxPool2d(3, stride=2, ceil_mode=True),
                conv_bn(64, 64, 1, act=nn.ReLU),
                conv_bn(64, 192, 3, act=nn.ReLU),
                nn.MaxPool2d(3, stride=2, ceil_mode=True),
            )
            self.blocks = nn.Sequential(
                Inception(192, 64, 96, 128, 16, 32, 32),
                Inception(256, 128, 128, 192, 32, 96, 64),
                nn.MaxPool2d(3, stride=2, ceil_mode=True),
                Inception(480, 192, 96, 208, 16, 48, 64),
                Inception(512, 160, 112, 224, 24, 64, 64),
                Inception(512, 128, 128, 256, 24, 64, 64),
                Inception(512, 112, 144, 288, 32, 64, 64),
                Inception(528, 256, 160, 320, 32, 128, 128),
                nn.MaxPool2d(2, stride=2, ceil_mode=True),
                Inception(832, 256, 160, 320, 32, 128, 128),
                Inception(832, 384, 192, 384, 48, 128, 128),
            )
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.dropout = nn.Dropout(0.2)
            self.fc = nn.Linear(1024, num_classes)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.avgpool(self.blocks(self.stem(x)))
            return self.fc(self.dropout(torch.flatten(x, 1)))

    class Fire(nn.Module):
        def __init__(self, cin: int, squeeze: int, expand: int) -> None:
            super().__init__()
            self.squeeze = nn.Conv2d(cin, squeeze, 1)
            self.expand1x1 = nn.Conv2d(squeeze, expand, 1)
            self.expand3x3 = nn.Conv2d(squeeze, expand, 3, padding=1)
            self.relu = nn.ReLU(inplace=True)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.relu(self.squeeze(x))
            return torch.cat([self.relu(self.expand1x1(x)), self.relu(self.expand3x3(x))], 1)

    class SqueezeNet10(nn.Module):
        """SqueezeNet 1.0 as torchvision's ``squeezenet1_0`` writes it."""

        def __init__(self, num_classes: int = 1000) -> None:
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(3, 96, 7, stride=2),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(3, stride=2, ceil_mode=True),
                Fire(96, 16, 64),
                Fire(128, 16, 64),
                Fire(128, 32, 128),
                nn.MaxPool2d(3, stride=2, ceil_mode=True),
                Fire(256, 32, 128),
                Fire(256, 48, 192),
                Fire(384, 48, 192),
                Fire(384, 64, 256),
                nn.MaxPool2d(3, stride=2, ceil_mode=True),
                Fire(512, 64, 256),
            )
            self.classifier = nn.Sequential(
                nn.Dropout(0.5),
                nn.Conv2d(512, num_classes, 1),
                nn.ReLU(inplace=True),
                nn.AdaptiveAvgPool2d((1, 1)),
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.flatten(self.classifier(self.features(x)), 1)

    def on_meta(cls: type) -> Any:
        with torch.device("meta"):
            return cls()

    def count(model: nn.Module, shape: tuple[int, ...]) -> tuple[int, int]:
        """Independent (MACs, params) of a model: forward hooks on Conv2d / Linear reading
        the real output shapes, and the parameter tensors less BatchNorm's."""
        macs = 0

        def hook(m: nn.Module, _inp: Any, out: torch.Tensor) -> None:
            nonlocal macs
            if isinstance(m, nn.Conv2d):
                kh, kw = m.kernel_size
                macs += out.numel() * (m.in_channels // m.groups) * kh * kw
            elif isinstance(m, nn.Linear):
                macs += out.numel() * m.in_features

        handles = [m.register_forward_hook(hook) for m in model.modules()]
        device = next(model.parameters()).device
        with torch.no_grad():
            model.eval()(torch.zeros(shape, device=device))
        for h in handles:
            h.remove()
        params = sum(
            p.numel()
            for m in model.modules()
            if not isinstance(m, nn.BatchNorm2d)
            for p in m.parameters(recurse=False)
        )
        return macs, params

    return SimpleNamespace(
        MobileNetV1=MobileNetV1,
        MobileNetV2=MobileNetV2,
        EfficientNetB0=EfficientNetB0,
        ResNet50=ResNet50,
        InceptionV1=InceptionV1,
        SqueezeNet10=SqueezeNet10,
        on_meta=on_meta,
        count=count,
    )


@pytest.fixture(scope="session")
def torch_nets() -> SimpleNamespace:
    """Reference PyTorch networks (classes), ``on_meta(cls)`` and ``count(model, shape)``."""
    pytest.importorskip("torch")
    return _build_nets()
