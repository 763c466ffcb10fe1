"""Speed and calibration figures of the cost model.

    python benchmarks/bench_costmodel.py [--batch 10000] [--repeat 5]

Prints, on one core (the script pins BLAS/OpenMP threads to 1; times are the best of
``--repeat`` runs of the process's CPU time, so other jobs on a busy machine do not
inflate them; ``--wall`` for wall-clock time): full-network
evaluations per second for MobileNet v2 in one batch of random designs (goal: at least
100,000 designs/s), the time of one single-design evaluation through `simulate_batch`
and through `simulate` (which also builds the per-layer DataFrame) (goal: under 1 ms),
and the calibration figures (Coral MobileNet v1/v2 on the edgetpu preset).
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import archgym  # noqa: E402
from archgym import AcceleratorConfig, ConfigBatch, simulate, simulate_batch  # noqa: E402
from archgym.validation import CORAL_LATENCY_MS, coral_predictions  # noqa: E402
from archgym.workloads import load  # noqa: E402


def random_designs(n: int, seed: int = 0) -> ConfigBatch:
    rng = np.random.default_rng(seed)
    return ConfigBatch.from_arrays(
        rows=rng.choice([8, 16, 32, 64, 128], n),
        cols=rng.choice([8, 16, 32, 64, 128], n),
        cores=rng.choice([1, 2, 4, 8], n),
        lanes=rng.choice([1, 2, 4, 8], n),
        pe_mem_kib=rng.choice([0.25, 0.5, 1.0, 2.0, 4.0], n),
        core_mem_kib=rng.choice([256.0, 512.0, 1024.0, 2048.0, 4096.0], n),
        bandwidth_gbps=rng.choice([0.5, 2.0, 8.0, 32.0], n),
        dataflow=rng.integers(0, 3, n),
    )


def best_of(fn, repeat: int, clock=time.process_time) -> float:
    times = []
    for _ in range(repeat):
        t = clock()
        fn()
        times.append(clock() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--wall", action="store_true", help="time wall-clock, not CPU time")
    args = ap.parse_args()
    clock = time.perf_counter if args.wall else time.process_time

    wl = load("mobilenet_v2")
    cb = random_designs(args.batch)
    simulate_batch(cb, wl)  # warm caches (lowering, technology table)
    t = best_of(lambda: simulate_batch(cb, wl), args.repeat, clock)
    print(
        f"archgym {archgym.__version__}, MobileNet v2 ({len(wl)} layers), numpy {np.__version__}, "
        f"threads pinned to 1, {'wall-clock' if args.wall else 'CPU'} time"
    )
    print(
        f"batch of {args.batch:,} random designs: {t * 1e3:.1f} ms -> {args.batch / t:,.0f} designs/s (goal >= 100,000)"
    )

    cfg = AcceleratorConfig.preset("edgetpu")
    one = ConfigBatch.from_configs([cfg])
    n = 500
    t = best_of(lambda: [simulate_batch(one, wl) for _ in range(n)], 3, clock) / n
    print(f"one design, simulate_batch: {t * 1e3:.3f} ms (goal < 1 ms)")
    t = best_of(lambda: [simulate(cfg, wl) for _ in range(50)], 3, clock) / 50
    print(f"one design, simulate (with per-layer DataFrame): {t * 1e3:.3f} ms")

    print("calibration (edgetpu preset vs Coral, int8 224x224):")
    for name, p in coral_predictions(cfg).items():
        c = CORAL_LATENCY_MS[name]
        print(f"  {name:13s} {p:.3f} ms vs {c} ms ({(p - c) / c:+.1%}, goal within 25%)")


if __name__ == "__main__":
    main()
