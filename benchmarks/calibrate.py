"""Fit the cost model's global dispatch-overhead constants, once.

    python benchmarks/calibrate.py [--train-fraction 0.25] [--seed 0]

All other constants stay fixed (technology.yaml). The fit is non-negative least squares
on *relative* error, over a random ``--train-fraction`` of the NAS-Bench-201 cells whose
Edge TPU latency HW-NAS-Bench measured (CIFAR-10 networks), plus the two Coral MobileNet
latencies (each weighted as much as half of the cells together). It prints the YAML
block to paste into ``archgym/data/technology.yaml`` and the fit's agreement on the
training and held-out cells. No per-architecture or per-model constant is fitted.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.optimize import nnls

from archgym import AcceleratorConfig, CostOptions
from archgym.costmodel import WorkloadTable, simulate
from archgym.validation import (
    CORAL_LATENCY_MS,
    OVERHEAD_FEATURES,
    measured_nb201_cells,
    overhead_features,
    predict_nb201,
    rank_correlations,
)
from archgym.workloads import load
from archgym.workloads.zoo import ZOO  # noqa: F401  (the zoo must exist)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--train-fraction", type=float, default=0.25)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    t0 = time.perf_counter()
    cfg = AcceleratorConfig.preset("edgetpu")
    no_oh = CostOptions(op_overhead=False)
    cells = measured_nb201_cells("edgetpu_latency", "cifar10")
    base = predict_nb201(cells, cfg, options=no_oh)  # ms without any dispatch overhead
    feats = overhead_features(cells.table) / 1e3  # a count times overhead (us) -> ms
    rng = np.random.default_rng(args.seed)
    perm = rng.permutation(len(base))
    n_train = int(round(args.train_fraction * len(base)))
    train, held = perm[:n_train], perm[n_train:]

    # rows: (meas - base) / meas = feats / meas @ overheads
    y = (cells.measured[train] - base[train]) / cells.measured[train]
    X = feats[train] / cells.measured[train, None]
    coral_rows, coral_y = [], []
    for name, meas in CORAL_LATENCY_MS.items():
        wl = load(name)
        rep = simulate(cfg, wl, options=no_oh)
        f = overhead_features(WorkloadTable.from_workloads([wl]))[0] / 1e3
        coral_rows.append(f / meas)
        coral_y.append((meas - rep.latency_ms) / meas)
    w = np.sqrt(n_train / 2.0)
    X = np.vstack([X, np.array(coral_rows) * w])
    y = np.concatenate([y, np.array(coral_y) * w])
    identifiable = [j for j, name in enumerate(OVERHEAD_FEATURES) if np.any(X[:, j] != 0)]
    coef = np.zeros(len(OVERHEAD_FEATURES))
    coef[identifiable], _ = nnls(X[:, identifiable], y)
    for j, name in enumerate(OVERHEAD_FEATURES):
        if j not in identifiable:  # no op of this group in the data: take the element-wise value
            coef[j] = coef[OVERHEAD_FEATURES.index("eltwise")]
            print(f"note: no '{name}' op in the calibration data; it takes the eltwise value")

    pred = base + feats @ coef
    print(
        f"calibration data: {len(base)} NB201 cells with a measured Edge TPU latency "
        f"({n_train} used for the fit, {len(held)} held out) + Coral {list(CORAL_LATENCY_MS)}"
    )
    print(f"fitted in {time.perf_counter() - t0:.1f} s\n")
    print("calibration:")
    print(f"  invoke_overhead_us: {coef[0]:.2f}")
    print("  op_overhead_us:")
    for name, c in zip(OVERHEAD_FEATURES[1:], coef[1:], strict=True):
        print(f"    {name}: {c:.2f}")
    print()
    for label, sel in (("train", train), ("held-out", held)):
        r = rank_correlations(pred[sel], cells.measured[sel])
        print(
            f"{label:9s} spearman {r['spearman']:.4f}  kendall {r['kendall']:.4f}  "
            f"MAPE(raw) {np.mean(np.abs(pred[sel] - cells.measured[sel]) / cells.measured[sel]):.3f}"
        )
    for name, meas in CORAL_LATENCY_MS.items():
        wl = load(name)
        rep = simulate(cfg, wl, options=no_oh)
        f = overhead_features(WorkloadTable.from_workloads([wl]))[0] / 1e3
        p = rep.latency_ms + f @ coef
        print(f"{name:13s} predicted {p:.3f} ms, Coral {meas} ms ({(p - meas) / meas:+.1%})")


if __name__ == "__main__":
    main()
