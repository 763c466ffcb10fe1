"""Fit the cost model's global dispatch-overhead constants, once.

    python benchmarks/calibrate.py [--train-fraction 0.25] [--seed 0] [--size-groups pool,eltwise]

All other constants stay fixed (technology.yaml). The fit is non-negative least squares
on *relative* error, over a random ``--train-fraction`` of the NAS-Bench-201 cells whose
Edge TPU latency HW-NAS-Bench measured (CIFAR-10 networks), plus the two Coral MobileNet
latencies (each weighted as much as half of the cells together). The features are the
invoke (one a network), the number of ops of each overhead group that run (fused
activations and concatenation views do not dispatch) and, with ``--size-groups``, the
KiB of input and output tensors of the ops of those groups (a dispatch cost growing with
the op's tensors). It prints the YAML block to paste into
``archgym/data/technology.yaml``, the fit's agreement on the training and held-out cells,
and Coral's table (the networks other than the two MobileNets are not fitted). No
per-architecture or per-model constant is fitted.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import nnls  # noqa: E402

from archgym import AcceleratorConfig, CostOptions  # noqa: E402
from archgym.costmodel import WorkloadTable, simulate  # noqa: E402
from archgym.validation import (  # noqa: E402
    CORAL_BENCHMARK,
    CORAL_LATENCY_MS,
    OVERHEAD_FEATURES,
    measured_nb201_cells,
    overhead_features,
    predict_nb201,
    rank_correlations,
)
from archgym.workloads import list_zoo, load  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--train-fraction", type=float, default=0.25)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--size-groups",
        default="",
        help="comma-separated overhead groups that also get a per-KiB term (default: none)",
    )
    args = ap.parse_args()
    size_groups = tuple(g for g in args.size_groups.split(",") if g)
    bad = [g for g in size_groups if g not in OVERHEAD_FEATURES[1:]]
    if bad:
        ap.error(f"--size-groups: unknown group(s) {bad}; groups: {list(OVERHEAD_FEATURES[1:])}")
    names = OVERHEAD_FEATURES + tuple(f"{g}_per_kib" for g in size_groups)

    t0 = time.perf_counter()
    cfg = AcceleratorConfig.preset("edgetpu")
    no_oh = CostOptions(op_overhead=False)
    cells = measured_nb201_cells("edgetpu_latency", "cifar10")
    base = predict_nb201(cells, cfg, options=no_oh)  # ms without any dispatch overhead
    feats = overhead_features(cells.table, size_groups=size_groups) / 1e3  # us -> ms
    rng = np.random.default_rng(args.seed)
    perm = rng.permutation(len(base))
    n_train = int(round(args.train_fraction * len(base)))
    train, held = perm[:n_train], perm[n_train:]

    # rows: (meas - base) / meas = feats / meas @ overheads
    y = (cells.measured[train] - base[train]) / cells.measured[train]
    X = feats[train] / cells.measured[train, None]
    coral: dict[str, tuple[float, np.ndarray, float]] = {}
    zoo = set(list_zoo())
    for name, (size, meas) in CORAL_BENCHMARK.items():
        if name not in zoo:
            continue
        wl = load(name, input_size=size)
        f = overhead_features(WorkloadTable.from_workloads([wl]), size_groups=size_groups)[0]
        coral[name] = (simulate(cfg, wl, options=no_oh).latency_ms, f / 1e3, meas)
    w = np.sqrt(n_train / 2.0)
    X = np.vstack([X] + [coral[n][1] / coral[n][2] * w for n in CORAL_LATENCY_MS])
    y = np.concatenate(
        [y, [(coral[n][2] - coral[n][0]) / coral[n][2] * w for n in CORAL_LATENCY_MS]]
    )
    identifiable = [j for j in range(len(names)) if np.any(X[:, j] != 0)]
    coef = np.zeros(len(names))
    coef[identifiable], _ = nnls(X[:, identifiable], y)
    for j, name in enumerate(names):
        if j not in identifiable and name in OVERHEAD_FEATURES:
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
    for name, c in zip(OVERHEAD_FEATURES[1:], coef[1 : len(OVERHEAD_FEATURES)], strict=True):
        print(f"    {name}: {c:.2f}")
    if size_groups:
        print("  op_overhead_us_per_kib:")
        for g, c in zip(size_groups, coef[len(OVERHEAD_FEATURES) :], strict=True):
            print(f"    {g}: {c:.4f}")
    print()
    for label, sel in (("train", train), ("held-out", held), ("all", np.arange(len(base)))):
        r = rank_correlations(pred[sel], cells.measured[sel])
        print(
            f"{label:9s} spearman {r['spearman']:.4f}  kendall {r['kendall']:.4f}  "
            f"MAPE(raw) {np.mean(np.abs(pred[sel] - cells.measured[sel]) / cells.measured[sel]):.3f}"
        )
    print("\nCoral's table (edgetpu preset; only the MobileNets are fitted):")
    for name, (b, f, meas) in coral.items():
        p = b + f @ coef
        tag = "fitted" if name in CORAL_LATENCY_MS else "held out"
        print(f"  {name:24s} predicted {p:8.2f} ms, Coral {meas:6.1f} ms  x{p / meas:.2f}  ({tag})")


if __name__ == "__main__":
    main()
