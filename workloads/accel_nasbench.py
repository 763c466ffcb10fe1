"""The Accel-NASBench search space: EfficientNet-B0's skeleton with per-stage MBConv choices.

Accel-NASBench (Ahmad, Du, Xie, Zhang, 2024, arXiv 2404.08005, Apache-2.0) is an
ImageNet-2012 benchmark over the MnasNet / EfficientNet-B0 search space. A network is the
EfficientNet-B0 skeleton (the authors' ``configurationspaces/searchspaces.py`` and
``models/accelbenchnet.py`` of their data-collection code):

======  ===========  ======  =========================================
stage   in -> out    stride  choices
======  ===========  ======  =========================================
stem    3 -> 32      2       3x3 convolution (fixed)
0       32 -> 16     1       e in {1,4,6}, k in {3,5}, l in {1,2,3}, se
1       16 -> 24     2       same
2       24 -> 40     2       same
3       40 -> 80     2       same
4       80 -> 112    1       same
5       112 -> 192   2       l in {1,2,3,4}
6       192 -> 320   1       same as stage 0
head    320 -> 1280  1       1x1 convolution, global average pool, 1000-way classifier
======  ===========  ======  =========================================

Per stage ``i`` the knobs are the data file's columns ``block{i}_e`` (expansion ratio),
``block{i}_k`` (depthwise kernel), ``block{i}_l`` (number of MBConv layers) and
``block{i}_se`` (squeeze-and-excitation on/off). The conventions, taken from the authors'
model code (torchvision's EfficientNet ``MBConv`` adapted):

* the first layer of a stage carries the stage stride and the stage's input width; the
  others run at stride 1 from the stage's output width;
* an expansion ratio of 1 drops the 1x1 expansion convolution (depthwise, then project);
* the squeeze-and-excitation branch squeezes the *expanded* map to
  ``max(1, C_in // 4)`` channels, ``C_in`` being the layer's *input* width (EfficientNet's
  ``se_ratio = 0.25`` of the input filters), with biased 1x1 convolutions, then a sigmoid
  gate multiplies the expanded map;
* a layer adds its input to its output when its stride is 1 and its widths are equal;
* every convolution is followed by batch norm and (except the projection) the activation.

For inference the batch norms are folded into the convolutions (every convolution has a
bias), the activation is fused into its producer. The squeeze-and-excitation fully
connected layers are lowered as ``Linear`` layers (GEMMs) on the pooled vector; with a
batch > 1 their rows are the images of the batch.

The dataset's ``macs_m`` column is what the authors' counter (``thop.profile`` on the
PyTorch model in train mode, at 224x224, batch 1) reports: the multiply-accumulates of the
convolutions and the classifier *plus* 4 operations per element for every affine batch
norm and ``kernel + 1`` operations per output element for every adaptive average pool;
ReLU, sigmoid, the gate multiply and the residual adds count 0. :func:`reported_macs`
reproduces that count from a lowered :class:`Workload`; the workload's own ``macs`` are the
MACs of its MAC layers only (about 8 % fewer).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np

from .layers import Conv2d, Elementwise, GlobalPool, Layer, Linear, Pool, WorkloadError
from .workload import Workload

__all__ = [
    "ANB_NUM_STAGES",
    "ANB_STRIDES",
    "ANB_IN_CHANNELS",
    "ANB_OUT_CHANNELS",
    "ANB_STEM_CHANNELS",
    "ANB_HEAD_CHANNELS",
    "ACCEL_NASBENCH_KNOBS",
    "ARCH_COLUMNS",
    "EFFICIENTNET_B0",
    "validate_arch",
    "accel_nasbench",
    "accel_nasbench_design_space",
    "reported_macs",
    "reported_params",
    "load_accel_nasbench",
    "arch_matrix",
]

ANB_NUM_STAGES = 7
#: Stride of the first layer of each stage (EfficientNet-B0).
ANB_STRIDES: tuple[int, ...] = (1, 2, 2, 2, 1, 2, 1)
#: Input width of the first layer of each stage.
ANB_IN_CHANNELS: tuple[int, ...] = (32, 16, 24, 40, 80, 112, 192)
#: Output width of each stage.
ANB_OUT_CHANNELS: tuple[int, ...] = (16, 24, 40, 80, 112, 192, 320)
ANB_STEM_CHANNELS = 32
#: Head width: 4 x the last stage's width, as in the authors' model (``last_channel=None``).
ANB_HEAD_CHANNELS = 1280

_E = (1, 4, 6)
_K = (3, 5)
_L = (1, 2, 3)
_L5 = (1, 2, 3, 4)
_SE = (0, 1)


def _stage_knobs(i: int) -> list[tuple[str, str, tuple[int, ...]]]:
    return [
        (f"block{i}_e", "ordinal", _E),
        (f"block{i}_k", "ordinal", _K),
        (f"block{i}_l", "ordinal", _L5 if i == 5 else _L),
        (f"block{i}_se", "ordinal", _SE),
    ]


#: The knobs as plain data ``(name, kind, choices)``: 28 ordinal knobs, four per stage, named
#: as the columns of the data file.
ACCEL_NASBENCH_KNOBS: list[tuple[str, str, tuple[int, ...]]] = [
    knob for i in range(ANB_NUM_STAGES) for knob in _stage_knobs(i)
]
#: The architecture columns of the data file, in knob order.
ARCH_COLUMNS: tuple[str, ...] = tuple(name for name, _, _ in ACCEL_NASBENCH_KNOBS)
_CHOICES: dict[str, tuple[int, ...]] = {name: ch for name, _, ch in ACCEL_NASBENCH_KNOBS}

#: EfficientNet-B0 itself as an architecture of the space.
EFFICIENTNET_B0: dict[str, int] = {}
for _i, (_e, _k, _l) in enumerate(
    zip((1, 6, 6, 6, 6, 6, 6), (3, 3, 5, 3, 5, 5, 3), (1, 2, 2, 3, 3, 4, 1), strict=True)
):
    EFFICIENTNET_B0.update(
        {f"block{_i}_e": _e, f"block{_i}_k": _k, f"block{_i}_l": _l, f"block{_i}_se": 1}
    )


def validate_arch(arch: Mapping[str, Any]) -> dict[str, int]:
    """Check an architecture and return it as a plain ``{column: int}`` dict in knob order.

    Args:
        arch: a mapping (dict, pandas Series, ...) with the 28 columns ``block0_e`` ...
            ``block6_se``; extra keys (``id``, ``val_top1``, ...) are ignored. ``se`` may be
            given as a bool; numeric values as numpy or float scalars equal to a choice.

    Raises:
        WorkloadError: not a mapping, a missing column, or a value not among the column's
            choices (the message names the column and the allowed values).
    """
    if not isinstance(arch, Mapping) and not hasattr(arch, "keys"):
        raise WorkloadError(
            f"an Accel-NASBench architecture must be a mapping with the columns "
            f"block0_e ... block6_se, got {type(arch).__name__}"
        )
    keys = set(arch.keys())
    missing = [c for c in ARCH_COLUMNS if c not in keys]
    if missing:
        raise WorkloadError(f"Accel-NASBench architecture is missing columns: {missing}")
    out: dict[str, int] = {}
    for name in ARCH_COLUMNS:
        value = arch[name]
        if isinstance(value, np.generic):
            value = value.item()
        ok = isinstance(value, (bool, int, float)) and not (
            isinstance(value, float) and not value.is_integer()
        )
        iv = int(value) if ok else None
        if iv is None or iv not in _CHOICES[name]:
            allowed = ", ".join(str(c) for c in _CHOICES[name])
            raise WorkloadError(f"{name}={value!r} is not allowed; allowed values: {allowed}")
        out[name] = iv
    return out


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _conv_out(size: int, kernel: int, stride: int) -> int:
    return (size + 2 * (kernel // 2) - kernel) // stride + 1


@lru_cache(maxsize=4096)
def _stage_layers(
    i: int, e: int, k: int, n_layers: int, se: int, size: int, src: str, activation: str
) -> tuple[tuple[Layer, ...], str, int]:
    """The layers of stage ``i`` (memoised: a stage depends only on its own knobs, its
    input side and the name of the layer feeding it). Returns ``(layers, name of the
    last layer, output side)``."""
    layers: list[Layer] = []
    cout = ANB_OUT_CHANNELS[i]
    for j in range(n_layers):
        cin = ANB_IN_CHANNELS[i] if j == 0 else cout
        stride = ANB_STRIDES[i] if j == 0 else 1
        name = f"b{i}l{j}"
        expanded = cin * e
        out_size = _conv_out(size, k, stride)
        if expanded != cin:
            layers.append(
                Conv2d(
                    cin,
                    expanded,
                    1,
                    input_size=size,
                    bias=True,
                    activation=activation,
                    name=f"{name}_expand",
                    inputs=(src,),
                )
            )
            dw_inputs: tuple[str, ...] = ()
        else:
            dw_inputs = (src,)
        layers.append(
            Conv2d(
                expanded,
                expanded,
                k,
                stride,
                k // 2,
                groups=expanded,
                input_size=size,
                bias=True,
                activation=activation,
                name=f"{name}_dw",
                inputs=dw_inputs,
            )
        )
        if se:
            squeeze = max(1, cin // 4)
            layers += [
                GlobalPool(expanded, out_size, "avg", name=f"{name}_se_pool"),
                Linear(expanded, squeeze, bias=True, activation=activation, name=f"{name}_se_fc1"),
                Linear(squeeze, expanded, bias=True, activation="sigmoid", name=f"{name}_se_fc2"),
                Elementwise(
                    expanded * out_size * out_size,
                    "mul",
                    2,
                    name=f"{name}_se_scale",
                    inputs=(f"{name}_dw", f"{name}_se_fc2"),
                ),
            ]
        layers.append(
            Conv2d(
                expanded,
                cout,
                1,
                input_size=out_size,
                bias=True,
                activation=None,
                name=f"{name}_project",
            )
        )
        last = f"{name}_project"
        if stride == 1 and cin == cout:
            layers.append(
                Elementwise(
                    cout * out_size * out_size, "add", 2, name=f"{name}_add", inputs=(src, last)
                )
            )
            last = f"{name}_add"
        src, size = last, out_size
    return tuple(layers), src, size


def accel_nasbench(
    arch: Mapping[str, Any],
    batch: int = 1,
    input_size: int = 224,
    *,
    activation: str = "relu",
    num_classes: int = 1000,
) -> Workload:
    """Lower an Accel-NASBench architecture to a :class:`Workload`.

    Args:
        arch: a mapping with the data file's columns ``block0_e`` ... ``block6_se``.
        batch: images per inference call (see :class:`Workload`).
        input_size: input side in pixels (the benchmark uses 224).
        activation: the activation fused into the convolutions. ``"relu"`` (default) is
            what the authors deploy on the TPU and FPGA (their ``platform="fpga"`` models);
            ``"silu"`` is their GPU variant.
        num_classes: classifier outputs.

    Returns:
        The network as a workload named ``"accel_nasbench"``; ``meta["arch"]`` holds the
        validated architecture.

    Raises:
        WorkloadError: an invalid architecture (names the column and the allowed values), a
            bad ``input_size`` or ``batch``.
    """
    a = validate_arch(arch)
    if not isinstance(input_size, (int, np.integer)) or isinstance(input_size, bool):
        raise WorkloadError(f"input_size must be a positive integer, got {input_size!r}")
    if input_size < 32:
        raise WorkloadError(f"input_size must be at least 32 (total stride 32), got {input_size}")
    input_size = int(input_size)
    layers: list[Layer] = [
        Conv2d(
            3,
            ANB_STEM_CHANNELS,
            3,
            2,
            1,
            input_size=input_size,
            bias=True,
            activation=activation,
            name="stem",
        )
    ]
    size = _conv_out(input_size, 3, 2)
    src = "stem"
    for i in range(ANB_NUM_STAGES):
        stage, src, size = _stage_layers(
            i,
            a[f"block{i}_e"],
            a[f"block{i}_k"],
            a[f"block{i}_l"],
            a[f"block{i}_se"],
            size,
            src,
            activation,
        )
        layers.extend(stage)
    layers += [
        Conv2d(
            ANB_OUT_CHANNELS[-1],
            ANB_HEAD_CHANNELS,
            1,
            input_size=size,
            bias=True,
            activation=activation,
            name="head",
            inputs=(src,),
        ),
        GlobalPool(ANB_HEAD_CHANNELS, size, "avg", name="pool"),
        Linear(ANB_HEAD_CHANNELS, num_classes, bias=True, name="classifier"),
    ]
    return Workload(
        layers,
        name="accel_nasbench",
        meta={
            "space": "accel_nasbench",
            "arch": a,
            "input_shape": (3, input_size, input_size),
            "num_classes": num_classes,
            "activation": activation,
            "source": "Accel-NASBench (arXiv 2404.08005), EfficientNet-B0 skeleton",
        },
        batch=batch,
    )


def reported_macs(workload: Workload) -> float:
    """The operation count the benchmark's ``macs_m`` column reports, per image.

    ``thop.profile`` on the authors' PyTorch model counts the MACs of every convolution and
    linear layer (no bias), 4 operations per element of every batch norm (one after every
    convolution: ``2 * numel`` doubled for the affine scale and shift), and
    ``kernel_elements + 1`` per output element of every adaptive average pool; ReLU,
    sigmoid, element-wise products and residual adds count nothing. Computed here from the
    lowered layers (convolutions carry their folded batch norm, linear layers have none).

    Args:
        workload: a workload from :func:`accel_nasbench` (any batch).

    Returns:
        Operations per image (divide by 1e6 to compare with ``macs_m``).
    """
    ops = 0
    for layer in workload.layers:
        ops += layer.macs
        if isinstance(layer, Conv2d):
            ops += 4 * layer.output_elems
        elif isinstance(layer, Pool) and layer.mode == "avg":
            kh, kw = layer.kernel_size
            ops += (kh * kw + 1) * layer.output_elems
    return float(ops)


def reported_params(workload: Workload) -> int:
    """The parameter count of the benchmark's ``params_m`` column (``thop.profile``).

    The authors' convolutions have no bias but a batch norm with a scale and a shift per
    channel; folded, each convolution keeps one bias per channel. So the count is the
    workload's ``params`` plus one per output channel of every convolution.
    """
    extra = sum(layer.out_channels for layer in workload.layers if isinstance(layer, Conv2d))
    return int(workload.params + extra)


def accel_nasbench_design_space() -> Any:
    """The 28 knobs as an ``archgym.space.DesignSpace`` of ordinal knobs.

    Knob names are the data file's columns (``block0_e`` ... ``block6_se``), so a design's
    ``space.to_dict`` is directly an ``arch`` for :func:`accel_nasbench` and the oracle.
    """
    from archgym.space import DesignSpace, Ordinal

    return DesignSpace([Ordinal(name, choices) for name, _, choices in ACCEL_NASBENCH_KNOBS])


def load_accel_nasbench():  # -> pandas.DataFrame
    """The shipped Accel-NASBench table: 4,368 architectures, one row each.

    Columns: ``id``, the 28 architecture columns, ``val_top1``, ``val_top5``,
    ``train_time_s``, ``macs_m``, ``params_m`` and the measured throughputs / latencies
    (see ``archgym/data/accel_nasbench/README.md``). Apache-2.0, licence file beside it.
    """
    from importlib.resources import as_file, files

    import pandas as pd

    ref = files("archgym").joinpath("data/accel_nasbench/anb_given.csv.gz")
    with as_file(ref) as path:
        return pd.read_csv(path)


def arch_matrix(archs: Any) -> np.ndarray:
    """The architecture columns of a batch as an ``(n, 28)`` int64 matrix in knob order.

    Args:
        archs: a pandas DataFrame with the 28 columns, a mapping (one architecture) or a
            sequence of mappings.

    Raises:
        WorkloadError: a missing column or a value outside a column's choices (names the
            column, the row and the allowed values).
    """
    if hasattr(archs, "columns") and hasattr(archs, "to_numpy"):
        missing = [c for c in ARCH_COLUMNS if c not in archs.columns]
        if missing:
            raise WorkloadError(f"Accel-NASBench architectures are missing columns: {missing}")
        raw = archs[list(ARCH_COLUMNS)].to_numpy()
        try:
            X = raw.astype(np.float64)
        except (TypeError, ValueError):
            X = None
        if X is not None and np.all(np.isfinite(X)) and np.all(X == np.round(X)):
            X = X.astype(np.int64)
            for j, name in enumerate(ARCH_COLUMNS):
                bad = ~np.isin(X[:, j], _CHOICES[name])
                if bad.any():
                    r = int(np.flatnonzero(bad)[0])
                    allowed = ", ".join(str(c) for c in _CHOICES[name])
                    raise WorkloadError(
                        f"row {r}: {name}={_plain(raw[r, j])!r} is not allowed; "
                        f"allowed values: {allowed}"
                    )
            return X
        rows = [dict(zip(ARCH_COLUMNS, r, strict=True)) for r in raw.tolist()]
        archs = rows
    if isinstance(archs, Mapping):
        archs = [archs]
    out = np.empty((len(archs), len(ARCH_COLUMNS)), np.int64)
    for r, arch in enumerate(archs):
        try:
            a = validate_arch(arch)
        except WorkloadError as exc:
            raise WorkloadError(f"row {r}: {exc}") from None
        out[r] = [a[c] for c in ARCH_COLUMNS]
    return out
