"""The NAS-Bench-201 network of a cell, lowered to layers, and the HW-NAS-Bench measurements.

:func:`nb201` builds the full network (stem, three stages of five cells, reduction
blocks, classifier) of a cell; :func:`load_hwnasbench` reads the HW-NAS-Bench hardware
costs of every cell. The cell space itself (the encodings accepted by :func:`parse_arch`,
the tables over the 15,625 cells, isomorphism) is :mod:`.nb201_arch`; its names are
re-exported here, so ``archgym.workloads.nb201`` stays the one import path of the space.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from . import nb201_arch
from .layers import Activation, Conv2d, Elementwise, GlobalPool, Layer, Linear, Pool, WorkloadError
from .nb201_arch import *  # noqa: F403 - the cell space, re-exported (its __all__)
from .nb201_arch import (
    _EDGE_POS,
    CONV1,
    CONV3,
    POOL,
    SKIP,
    _codes,
    _index_tables,
    _read_gz_csv,
    arch_to_index,
    arch_to_str,
    isomorphism_key,
    live_edges,
    parse_arch,
    unique_arch_index,
)
from .workload import Workload

__all__ = ["NB201_DATASETS", "nb201", "load_hwnasbench"]
__all__ += nb201_arch.__all__

#: Dataset -> (number of classes, input height = width).
NB201_DATASETS: dict[str, tuple[int, int]] = {
    "cifar10": (10, 32),
    "cifar100": (100, 32),
    "ImageNet16-120": (120, 16),
}
_HW_FILES = {"cifar10": "hw_cifar10.csv.gz", "cifar100": "hw_cifar100.csv.gz"}


# --------------------------------------------------------------------------------------
# Lowering to the layer IR
# --------------------------------------------------------------------------------------


_OP_LAYER_NAME = {CONV3: "conv3x3", CONV1: "conv1x1", POOL: "avgpool3x3"}

# Layers are immutable, and the whole space uses only ~10^4 distinct ones per dataset, so
# they are built once and shared between workloads (building them dominates lowering).


@lru_cache(maxsize=1 << 16)
def _conv(
    c_in: int,
    c_out: int,
    k: int,
    stride: int,
    size: int,
    act: str | None,
    name: str,
    inputs: tuple[str, ...],
) -> Conv2d:
    """A ``k x k`` conv with padding ``(k - 1) // 2`` on a ``size x size`` input."""
    return Conv2d(
        c_in,
        c_out,
        k,
        stride,
        (k - 1) // 2,
        input_size=size,
        activation=act,
        name=name,
        inputs=inputs,
    )


@lru_cache(maxsize=1 << 16)
def _pool(
    c: int, k: int, stride: int, pad: int, size: int, name: str, inputs: tuple[str, ...]
) -> Pool:
    return Pool(c, k, stride, pad, input_size=size, mode="avg", name=name, inputs=inputs)


@lru_cache(maxsize=1 << 16)
def _add(elems: int, n: int, name: str, inputs: tuple[str, ...]) -> Elementwise:
    return Elementwise(elems, "add", n_inputs=n, name=name, inputs=inputs)


def _cell_layers(
    ops: tuple[int, ...],
    live: tuple[bool, ...],
    prefix: str,
    channels: int,
    size: int,
    cell_input: str,
) -> tuple[list[Layer], str | None]:
    """Layers of one cell and the name of the tensor it outputs (``None``: identically zero)."""
    layers: list[Layer] = []
    node: dict[int, str | None] = {0: cell_input}
    for j in (1, 2, 3):
        terms: list[str] = []
        for i in range(j):
            k = _EDGE_POS[(i, j)]
            if not live[k]:
                continue
            src = node[i]
            assert src is not None  # a live edge leaves a live node
            op = ops[k]
            if op == SKIP:
                terms.append(src)
                continue
            name = f"{prefix}_e{i}{j}_{_OP_LAYER_NAME[op]}"
            if op == POOL:
                layers.append(_pool(channels, 3, 1, 1, size, name, (src,)))
            else:
                k_size = 3 if op == CONV3 else 1
                layers.append(_conv(channels, channels, k_size, 1, size, "relu", name, (src,)))
            terms.append(name)
        if not terms:
            node[j] = None
        elif len(terms) == 1:
            node[j] = terms[0]
        else:
            name = f"{prefix}_n{j}_add"
            layers.append(_add(channels * size * size, len(terms), name, tuple(terms)))
            node[j] = name
    return layers, node[3]


def _reduction_layers(
    prefix: str, c_in: int, c_out: int, size: int, block_input: str
) -> list[Layer]:
    """NAS-Bench-201's ResNet basic block with stride 2 (``size`` is its input size)."""
    half = size // 2
    return [
        _conv(c_in, c_out, 3, 2, size, "relu", f"{prefix}_conv_a", (block_input,)),
        _conv(c_out, c_out, 3, 1, half, "relu", f"{prefix}_conv_b", (f"{prefix}_conv_a",)),
        _pool(c_in, 2, 2, 0, size, f"{prefix}_pool", (block_input,)),
        _conv(c_in, c_out, 1, 1, half, None, f"{prefix}_shortcut", (f"{prefix}_pool",)),
        _add(c_out * half * half, 2, f"{prefix}_add", (f"{prefix}_conv_b", f"{prefix}_shortcut")),
    ]


@lru_cache(maxsize=2048)
def _network_layers(ops: tuple[int, ...], dataset: str) -> tuple[Layer, ...]:
    """The layers of the network of cell ``ops`` (called with the pruned ops: isomorphic
    cells share one entry)."""
    num_classes, size = NB201_DATASETS[dataset]
    live = live_edges(ops)
    c = 16
    layers: list[Layer] = [_conv(3, c, 3, 1, size, None, "stem_conv", ())]
    cur = "stem_conv"
    for stage in (1, 2, 3):
        if stage > 1:
            prefix = f"r{stage - 1}"
            layers += _reduction_layers(prefix, c, 2 * c, size, cur)
            cur, c, size = f"{prefix}_add", 2 * c, size // 2
        for cell in range(5):
            cell_layers, out = _cell_layers(ops, live, f"s{stage}_c{cell}", c, size, cur)
            layers += cell_layers
            if out is not None:  # an identically-zero cell adds nothing; keep the last producer
                cur = out
    layers += [
        Activation(c * size * size, "relu", name="lastact_relu", inputs=(cur,)),
        GlobalPool(c, size, mode="avg", name="gap", inputs=("lastact_relu",)),
        Linear(c, num_classes, bias=True, name="classifier", inputs=("gap",)),
    ]
    return tuple(layers)


def nb201(arch: Any, dataset: str = "cifar10", batch: int = 1) -> Workload:
    """The full NAS-Bench-201 network of a cell, as a :class:`Workload`.

    Stem 3x3 conv 3->16; three stages of 5 cells at 16, 32 and 64 channels separated by
    ResNet basic reduction blocks (ReLU-conv3x3 stride 2, ReLU-conv3x3, plus a 2x2
    average-pool and 1x1-conv shortcut, then an add); the final BN-ReLU (one ReLU
    ``Activation`` layer), global average pooling and a linear classifier. Inside a cell,
    ``nor_conv_kxk`` is one ``Conv2d`` with the (pre-)ReLU fused, ``avg_pool_3x3`` a
    3x3 stride-1 average pool, ``skip_connect`` and ``none`` no layer; a node summing
    ``n >= 2`` live edges is one ``Elementwise`` add with ``n_inputs=n``. Edges that
    cannot reach the cell output are pruned (dead code); a cell whose output is
    identically zero adds no layers and the next layer reads the last real producer.
    Batch norms are not costed (folded into the preceding convolutions at inference), so
    ``params`` counts conv and linear weights only; NAS-Bench-201's own parameter count
    adds 2 per BN channel. ``macs`` counts the classifier's MACs but not its bias adds,
    which NAS-Bench-201's FLOPs (really MACs) include.

    Args:
        arch: any encoding accepted by :func:`parse_arch`.
        dataset: ``"cifar10"`` / ``"cifar100"`` (32x32 input, 10 / 100 classes) or
            ``"ImageNet16-120"`` (16x16 input, 120 classes).
        batch: images per inference call (see :class:`Workload`).

    Raises:
        WorkloadError: an invalid architecture, dataset or batch.
    """
    if dataset not in NB201_DATASETS:
        raise WorkloadError(
            f"unknown NB201 dataset {dataset!r}; choose one of {list(NB201_DATASETS)}"
        )
    ops = parse_arch(arch)
    index = arch_to_index(ops)
    num_classes, size = NB201_DATASETS[dataset]
    meta = {
        "source": "NAS-Bench-201 (Dong & Yang, ICLR 2020), TinyNetwork C=16, N=5",
        "space": "nb201",
        "arch_index": index,
        "arch_str": arch_to_str(ops),
        "arch_ops": ops,
        "unique_index": unique_arch_index(index),
        "dataset": dataset,
        "input_shape": (3, size, size),
        "num_classes": num_classes,
    }
    return Workload(
        _network_layers(isomorphism_key(ops), dataset),
        name=f"nb201_{index}_{dataset}",
        meta=meta,
        batch=batch,
    )


# --------------------------------------------------------------------------------------
# HW-NAS-Bench measurements
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _hwnasbench_frame(dataset: str):  # -> pandas.DataFrame (shared; callers copy it)
    df = _read_gz_csv("hwnasbench", _HW_FILES[dataset])
    ops = np.array([[int(v) for v in s.strip("()").split(",")] for s in df["net"]], dtype=np.int64)
    if not np.array_equal(_codes(ops), _index_tables()["index_to_code"]):
        raise WorkloadError(f"{_HW_FILES[dataset]}: rows are not in NAS-Bench-201 index order")
    df.index = np.arange(len(df))
    df.index.name = "arch_index"
    return df


def load_hwnasbench(dataset: str = "cifar10", missing: str = "nan"):  # -> pandas.DataFrame
    """HW-NAS-Bench hardware costs of all 15,625 cells, indexed by NB201 index.

    Columns: ``net`` (the 6-op tuple as HW-NAS-Bench writes it), then ``edgegpu_latency``,
    ``edgegpu_energy``, ``raspi4_latency``, ``edgetpu_latency``, ``pixel3_latency``,
    ``eyeriss_latency``, ``eyeriss_energy``, ``eyeriss_arithmetic_intensity``,
    ``fpga_latency``, ``fpga_energy`` (ms, mJ). Edge TPU, Edge GPU, Raspberry Pi 4 and
    Pixel 3 columns are on-device measurements; Eyeriss and FPGA are the benchmark
    authors' model estimates. Source: HW-NAS-Bench (Li et al., ICLR 2021, MIT).

    Args:
        dataset: ``"cifar10"`` or ``"cifar100"``.
        missing: ``"nan"`` turns the ``-1`` that marks the 4,699 architectures with no
            Edge TPU measurement into NaN; ``"raw"`` keeps the file's ``-1``.

    Raises:
        WorkloadError: an unknown dataset or ``missing`` value, or data whose row order
            does not match NAS-Bench-201's.
    """
    if dataset not in _HW_FILES:
        raise WorkloadError(f"HW-NAS-Bench data ship for {list(_HW_FILES)}, not {dataset!r}")
    if missing not in ("nan", "raw"):
        raise WorkloadError(f"missing must be 'nan' or 'raw', got {missing!r}")
    df = _hwnasbench_frame(dataset).copy()
    if missing == "nan":
        df["edgetpu_latency"] = df["edgetpu_latency"].mask(df["edgetpu_latency"] < 0)
    df.attrs["source"] = "HW-NAS-Bench (Li et al., ICLR 2021), MIT licence"
    df.attrs["dataset"] = dataset
    return df
