"""Validate the cost model against measured hardware.

    python benchmarks/validate_edgetpu.py

1. Edge TPU latency: every NAS-Bench-201 cell HW-NAS-Bench measured on a real Edge TPU
   (edgetpu_latency > 0) is lowered, run on the ``edgetpu`` preset, and ranked against
   the measurement (Spearman, Kendall, best affine fit), next to the naive predictor that
   counts layers, and next to the measurement-noise ceiling (the same cells measured for
   the CIFAR-10 and the CIFAR-100 networks). Reported on all cells, on the cells the
   calibration did not see (benchmarks/calibrate.py fits on a seeded random quarter), and
   on the CIFAR-100 measurements.
2. Coral's benchmark table (USB Accelerator, int8, batch 1) on the same preset: predicted
   vs published latency of every network of the table the zoo has, with where the time
   goes (compute, stalls on the off-chip link, dispatch overhead). Only MobileNet v1 / v2
   enter the calibration; the others are held out. Goal: every one within 1.5x.
3. Eyeriss energy: the same cells on the ``eyeriss`` preset, ranked against
   HW-NAS-Bench's Eyeriss energy and latency columns (model estimates, not measurements).
"""

from __future__ import annotations

import time

import numpy as np

from archgym import AcceleratorConfig, CostOptions
from archgym.validation import (
    CORAL_LATENCY_MS,
    coral_table,
    measured_nb201_cells,
    predict_nb201,
    rank_correlations,
)
from archgym.workloads.nb201 import load_hwnasbench


def line(label: str, pred: np.ndarray, meas: np.ndarray) -> str:
    r = rank_correlations(pred, meas)
    return (
        f"  {label:34s} spearman {r['spearman']:.4f}  kendall {r['kendall']:.4f}  "
        f"affine fit: MAPE {r['affine_mape']:.3f}, R^2 {r['affine_r2']:.3f}"
    )


def main() -> None:
    t0 = time.perf_counter()
    edgetpu = AcceleratorConfig.preset("edgetpu")
    cells = measured_nb201_cells("edgetpu_latency", "cifar10")
    pred = predict_nb201(cells, edgetpu)
    meas = cells.measured
    n = len(meas)
    perm = np.random.default_rng(0).permutation(n)
    held = perm[int(round(0.25 * n)) :]
    hw100 = load_hwnasbench("cifar100")["edgetpu_latency"].to_numpy()
    m100 = hw100[cells.index]
    ok100 = np.isfinite(m100) & (m100 > 0)
    print(f"1. Edge TPU latency of NAS-Bench-201 cells ({n} measured cells, edgetpu preset)")
    print(line("archgym, all cells", pred, meas))
    print(line("archgym, held-out cells", pred[held], meas[held]))
    print(line("archgym vs CIFAR-100 measurements", pred[ok100], m100[ok100]))
    print(
        line(
            "archgym without op overheads",
            predict_nb201(cells, edgetpu, options=CostOptions(op_overhead=False)),
            meas,
        )
    )
    print(line("naive: number of layers", cells.n_layers, meas))
    print(line("noise ceiling: CIFAR-10 vs CIFAR-100", m100[ok100], meas[ok100]))
    print(
        f"  predicted {pred.min():.3f}..{pred.max():.3f} ms, measured {meas.min():.3f}..{meas.max():.3f} ms, "
        f"raw MAPE {np.mean(np.abs(pred - meas) / meas):.3f}"
    )
    print()
    print("2. Coral's benchmark table (edgetpu preset; USB Accelerator, int8, batch 1)")
    print(
        f"  {'network':24s} {'input':>5s} {'Coral':>8s} {'archgym':>8s} {'ratio':>6s}  "
        f"{'compute':>8s} {'stall':>8s} {'dispatch':>8s}  params  weights   off-chip"
    )
    rows = coral_table(edgetpu)
    for r in rows:
        tag = "fit" if r.name in CORAL_LATENCY_MS else ""
        print(
            f"  {r.name:24s} {r.input_size:5d} {r.published_ms:8.1f} {r.predicted_ms:8.2f} "
            f"{r.ratio:6.2f}  {r.compute_ms:8.2f} {r.stall_ms:8.2f} {r.overhead_ms:8.2f}  "
            f"{r.params_m:5.1f}M  {'on-chip' if r.weights_onchip else 'stream ':7s} "
            f"{r.offchip_mb:7.1f} MB {tag}"
        )
    ratios = np.array([r.ratio for r in rows])
    worst = max(np.max(ratios), 1 / np.min(ratios))
    print(
        f"  {np.sum((ratios <= 1.5) & (ratios >= 1 / 1.5))}/{len(rows)} within 1.5x "
        f"(worst {worst:.2f}x), geometric-mean ratio {np.exp(np.mean(np.log(ratios))):.3f}"
    )
    print()
    eyeriss = AcceleratorConfig.preset("eyeriss")
    print(
        f"3. Eyeriss columns of HW-NAS-Bench (model estimates), eyeriss preset: {eyeriss.describe()}"
    )
    for col, metric in (("eyeriss_energy", "energy_mj"), ("eyeriss_latency", "latency_ms")):
        ey = measured_nb201_cells(col, "cifar10")
        p = predict_nb201(ey, eyeriss, metric=metric)
        print(line(f"{col} ({len(p)} cells)", p, ey.measured))
        print(line(f"{col}: naive number of layers", ey.n_layers, ey.measured))
    print(f"\n(done in {time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
