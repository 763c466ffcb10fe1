"""Validation of the cost model against measured hardware (HW-NAS-Bench, Coral).

Used by ``benchmarks/calibrate.py`` (fits the global dispatch-overhead constants once)
and ``benchmarks/validate_edgetpu.py`` (reports the agreement).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .accelerator import AcceleratorConfig, ConfigBatch
from .costmodel import CostOptions, WorkloadTable, simulate, simulate_batch
from .technology import OVERHEAD_GROUPS, Technology, load_technology

__all__ = [
    "CORAL_LATENCY_MS",
    "CORAL_BENCHMARK",
    "CoralRow",
    "coral_table",
    "OVERHEAD_FEATURES",
    "MeasuredCells",
    "measured_nb201_cells",
    "overhead_features",
    "predict_nb201",
    "rank_correlations",
    "ACCEL_NASBENCH_SETUP",
    "predict_accel_nasbench",
]

#: Coral's published Edge TPU latencies (int8, 224x224, USB 3.0 accelerator) of the two
#: networks the calibration uses (``benchmarks/calibrate.py``).
CORAL_LATENCY_MS: dict[str, float] = {"mobilenet_v1": 2.4, "mobilenet_v2": 2.6}

#: Coral's public benchmark table (coral.ai/docs/edgetpu/benchmarks, Table 1: time per
#: inference, model execution only, desktop CPU + USB Accelerator over USB 3.0, int8,
#: batch 1), by zoo name: ``(input size, latency in ms)``. Only the two MobileNets are
#: used to calibrate; the others validate.
CORAL_BENCHMARK: dict[str, tuple[int, float]] = {
    "mobilenet_v1": (224, 2.4),
    "mobilenet_v2": (224, 2.6),
    "inception_v1": (224, 3.4),
    "inception_v4": (299, 85.0),
    "resnet50_v1": (299, 49.0),
    "resnet152_v2": (299, 128.0),
    "squeezenet": (224, 2.1),
    "vgg16": (224, 296.0),
    "efficientnet_edgetpu_s": (224, 5.1),
    "efficientnet_edgetpu_m": (240, 8.7),
    "efficientnet_edgetpu_l": (300, 24.6),
}

#: The calibrated constants, in the order of the feature columns of
#: :func:`overhead_features`: the invoke overhead, then one dispatch overhead per group.
OVERHEAD_FEATURES: tuple[str, ...] = (
    "invoke",
    "conv",
    "depthwise",
    "matrix",
    "pool",
    "eltwise",
    "activation",
    "vector",
)


@dataclass(frozen=True)
class MeasuredCells:
    """NAS-Bench-201 cells with a measured value, lowered once."""

    index: np.ndarray  # NB201 indices
    measured: np.ndarray  # the measured column
    table: WorkloadTable
    n_layers: np.ndarray  # layers of each lowered network (the naive predictor)


def measured_nb201_cells(
    column: str = "edgetpu_latency",
    dataset: str = "cifar10",
    sample: int | None = None,
    seed: int = 0,
) -> MeasuredCells:
    """Every NB201 cell whose HW-NAS-Bench ``column`` was measured (> 0), lowered for
    ``dataset`` (CIFAR-10/100 networks are identical but for the classifier); with
    ``sample``, a seeded random subset of that many cells."""
    from .workloads.nb201 import load_hwnasbench, nb201

    hw = load_hwnasbench(dataset)
    col = hw[column].to_numpy(dtype=np.float64)
    ok = np.isfinite(col) & (col > 0)
    idx = hw.index.to_numpy()[ok]
    col = col[ok]
    if sample is not None and sample < len(idx):
        pick = np.sort(np.random.default_rng(seed).choice(len(idx), sample, replace=False))
        idx, col = idx[pick], col[pick]
    wls = [nb201(int(i), dataset=dataset) for i in idx]
    return MeasuredCells(
        index=idx,
        measured=col,
        table=WorkloadTable.from_workloads(wls),
        n_layers=np.array([len(w) for w in wls], dtype=np.float64),
    )


def overhead_features(
    table: WorkloadTable,
    options: CostOptions | None = None,
    size_groups: tuple[str, ...] = (),
    dtype_bytes: float = 1.0,
) -> np.ndarray:
    """``(n_workloads, len(OVERHEAD_FEATURES) + len(size_groups))``: 1 for the invoke,
    then the number of ops of each overhead group that run (fused activations and
    concatenation views do not), then for each of ``size_groups`` the KiB of input and
    output tensors of its ops (the size-dependent dispatch term)."""
    from .workloads.workload import KIND_CODES

    plan = table.plan(options or CostOptions())
    groups = OVERHEAD_FEATURES[1:]
    feats = np.zeros((table.n_workloads, len(OVERHEAD_FEATURES) + len(size_groups)))
    feats[:, 0] = 1.0
    for kind, code in KIND_CODES.items():
        group = OVERHEAD_GROUPS[kind]
        feats[:, 1 + groups.index(group)] += plan["kind_counts"][:, code]
        if group in size_groups:
            col = len(OVERHEAD_FEATURES) + size_groups.index(group)
            feats[:, col] += plan["kind_elems"][:, code] * dtype_bytes / 1024.0
    return feats


def predict_nb201(
    cells: MeasuredCells,
    config: AcceleratorConfig,
    options: CostOptions | None = None,
    technology: Technology | None = None,
    metric: str = "latency_ms",
) -> np.ndarray:
    """The cost model's ``metric`` for every cell on ``config`` (one vectorised call)."""
    n = cells.table.n_workloads
    cb = ConfigBatch.from_configs([config]).take(np.zeros(n, np.int64))
    rep = simulate_batch(
        cb, cells.table, workload_index=np.arange(n), options=options, technology=technology
    )
    return rep[metric]


def coral_predictions(
    config: AcceleratorConfig | None = None,
    options: CostOptions | None = None,
    technology: Technology | None = None,
) -> dict[str, float]:
    """Predicted latency (ms) of the Coral calibration networks."""
    from .workloads import load

    config = config or AcceleratorConfig.preset("edgetpu")
    return {
        name: simulate(config, load(name), options=options, technology=technology).latency_ms
        for name in CORAL_LATENCY_MS
    }


@dataclass(frozen=True)
class CoralRow:
    """One network of Coral's table: the published and the predicted latency and where
    the prediction's time goes."""

    name: str
    input_size: int
    published_ms: float
    predicted_ms: float
    compute_ms: float
    stall_ms: float
    overhead_ms: float
    params_m: float
    weights_onchip: bool
    offchip_mb: float

    @property
    def ratio(self) -> float:
        return self.predicted_ms / self.published_ms


def coral_table(
    config: AcceleratorConfig | None = None,
    options: CostOptions | None = None,
    technology: Technology | None = None,
) -> list[CoralRow]:
    """Predicted vs published latency of every network of :data:`CORAL_BENCHMARK` the zoo
    has, at Coral's input size, on ``config`` (default: the ``edgetpu`` preset)."""
    from .workloads import list_zoo, load

    config = config or AcceleratorConfig.preset("edgetpu")
    zoo = set(list_zoo())
    rows = []
    for name, (size, ms) in CORAL_BENCHMARK.items():
        if name not in zoo:
            continue
        wl = load(name, input_size=size)
        rep = simulate(config, wl, options=options, technology=technology)
        per_ms = 1.0 / (config.freq_mhz * 1e3)
        rows.append(
            CoralRow(
                name=name,
                input_size=size,
                published_ms=ms,
                predicted_ms=rep.latency_ms,
                compute_ms=rep.compute_cycles * per_ms,
                stall_ms=rep.stall_cycles * per_ms,
                overhead_ms=rep.overhead_cycles * per_ms,
                params_m=wl.params / 1e6,
                weights_onchip=bool(rep.totals["weights_onchip"]),
                offchip_mb=rep.totals["dram_bytes"] / 1e6,
            )
        )
    return rows


def rank_correlations(pred: np.ndarray, meas: np.ndarray) -> dict[str, float]:
    """Spearman and Kendall rank correlation, and the error of the best affine fit
    ``meas ~ a * pred + b`` (mean absolute percentage error and R^2)."""
    from scipy.stats import kendalltau, spearmanr

    A = np.c_[pred, np.ones_like(pred)]
    coef, *_ = np.linalg.lstsq(A, meas, rcond=None)
    fit = A @ coef
    ss_res = float(np.sum((meas - fit) ** 2))
    ss_tot = float(np.sum((meas - meas.mean()) ** 2))
    return {
        "spearman": float(spearmanr(pred, meas)[0]),
        "kendall": float(kendalltau(pred, meas)[0]),
        "affine_mape": float(np.mean(np.abs(fit - meas) / meas)),
        "affine_r2": 1.0 - ss_res / ss_tot,
        "affine_slope": float(coef[0]),
        "affine_intercept": float(coef[1]),
    }


# ------------------------------------------------------------------------------------------
# Accel-NASBench devices
# ------------------------------------------------------------------------------------------

#: The measurement set-up of each Accel-NASBench device, read from the authors'
#: data-collection code and its README (github.com/afzalxo/ANB-DatasetCollection:
#: measure_throughput_tpu.py, trainval/trainval_tpu.py, fpga_code/, README "Collection of
#: throughput/latency on accelerators") and the paper (arXiv 2404.08005), and what archgym
#: predicts for it. In all four the networks use ReLU (the authors build their TPU and FPGA
#: models with ``platform="fpga"``, i.e. ReLU instead of SiLU) and gate squeeze-and-
#: excitation with a sigmoid.
#:
#: * TPUs: PyTorch/XLA (tpu-vm-pt-1.13) with ``XLA_USE_BF16=1`` (bf16), one process
#:   (``nprocs=1``: one TensorCore), ``model.eval()`` forward passes, images per second from
#:   the rate tracker after 300 steps; batch 64 on TPUv2 and 128 on TPUv3 (README: "higher
#:   batch sizes did not yield a noticeable improvement"). Predicted: ``batch / latency``
#:   of one batch on the preset. The input pipeline (torchvision ImageFolder, JPEG decode on
#:   the TPU VM's host, 12 workers) is not modelled.
#: * FPGAs: the model quantised to int8 by Vitis AI 2.5 and compiled for the board's DPU
#:   (``arch.json`` of DPUCZDX8G/ZCU102, DPUCVDX8G/VCK190); latency single-threaded, batch 1
#:   on the ZCU102 (one DPU core) and batch 6 on the VCK190 ("VCK190 does not support lower
#:   than batch size of 6": its C32B6 DPU has six batch handlers, one image each, running
#:   together). Predicted: the preset's ``latency_ms`` for ``batch / parallel`` images on
#:   one core (ZCU102) or batch handler (VCK190), SE's sigmoid gate on the host CPU
#:   (``host_ops``).
#:
#: The Edge TPU's calibrated per-op dispatch and invoke overheads are not used: they are
#: the Edge TPU runtime's (the host dispatches op by op), whereas XLA compiles the whole
#: network into one TPU program and the DPU runs one compiled instruction stream.
ACCEL_NASBENCH_SETUP: dict[str, dict[str, object]] = {
    "tpuv2": {
        "preset": "tpuv2",
        "batch": 64,
        "parallel": 1,
        "metric": "throughput",
        "unit": "images/s",
    },
    "tpuv3": {
        "preset": "tpuv3",
        "batch": 128,
        "parallel": 1,
        "metric": "throughput",
        "unit": "images/s",
    },
    "zcu102": {
        "preset": "dpu-zcu102",
        "batch": 1,
        "parallel": 1,
        "metric": "latency_ms",
        "unit": "ms",
    },
    "vck190": {
        "preset": "dpu-vck190",
        "batch": 6,
        "parallel": 6,
        "metric": "latency_ms",
        "unit": "ms",
    },
}


def predict_accel_nasbench(
    archs: object,
    device: str,
    *,
    batch: int | None = None,
    options: CostOptions | None = None,
    technology: Technology | None = None,
) -> np.ndarray:
    """Predicted performance of Accel-NASBench architectures on a real chip's preset.

    Args:
        archs: the architectures: a pandas DataFrame with the data file's columns
            ``block0_e`` ... ``block6_se``, one mapping, or a sequence of mappings.
        device: ``"tpuv2"`` or ``"tpuv3"`` (predicted throughput, images/s) or
            ``"zcu102"`` or ``"vck190"`` (predicted latency of one image, ms), each under
            the measurement set-up of :data:`ACCEL_NASBENCH_SETUP`.
        batch: override the set-up's batch size (throughput devices: images per call;
            latency devices: the latency of a call of ``batch`` images). A device whose
            set-up has ``parallel`` units (the VCK190's batch handlers) gives each unit
            ``ceil(batch / parallel)`` images, the units running together.
        options: cost-model switches (default: default mode without the Edge TPU
            runtime's op overheads, see :data:`ACCEL_NASBENCH_SETUP`).
        technology: override the technology table.

    Returns:
        ``(n_archs,)`` float64 array: images/s for the TPUs, ms for the FPGAs.

    Raises:
        ValueError: an unknown ``device`` (names the allowed ones).
        archgym.workloads.WorkloadError: an invalid architecture (names the column).
    """
    from .workloads.accel_nasbench import ARCH_COLUMNS, accel_nasbench, arch_matrix

    if device not in ACCEL_NASBENCH_SETUP:
        raise ValueError(f"device must be one of {sorted(ACCEL_NASBENCH_SETUP)}, got {device!r}")
    setup = ACCEL_NASBENCH_SETUP[device]
    b = int(setup["batch"]) if batch is None else int(batch)  # type: ignore[call-overload]
    if b < 1:
        raise ValueError(f"batch must be a positive integer, got {batch!r}")
    per_unit = -(-b // int(setup["parallel"]))  # type: ignore[call-overload]
    X = arch_matrix(archs)
    uniq, inv = np.unique(X, axis=0, return_inverse=True)
    wls = [
        accel_nasbench(dict(zip(ARCH_COLUMNS, (int(v) for v in row), strict=True)), batch=per_unit)
        for row in uniq
    ]
    table = WorkloadTable.from_workloads(wls)
    config = AcceleratorConfig.preset(str(setup["preset"]))
    cb = ConfigBatch.from_configs([config]).take(np.zeros(len(wls), np.int64))
    opts = options or CostOptions(op_overhead=False)
    rep = simulate_batch(
        cb, table, workload_index=np.arange(len(wls)), options=opts, technology=technology
    )
    lat = np.asarray(rep["latency_ms"], np.float64)[inv.reshape(-1)]
    if setup["metric"] == "throughput":
        return b * 1e3 / lat
    return lat


_ = load_technology
