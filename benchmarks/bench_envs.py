"""Speed of the environments against raw scenario evaluation, and of enumeration.

For each scenario it draws random designs (seeded), evaluates them once as a batch (so
lowered networks, tables and oracle results are warm for every contender), then times,
on the SAME designs one at a time:

* ``raw``: ``scenario.evaluate(x)``, one call per design;
* ``DesignEnv``: ``env.step(x)`` (one step per design);
* ``SequentialDesignEnv``: one step per knob, the design's choice indices as actions.

Each is timed ``--repeats`` times, interleaved, in CPU time of this process
(``time.process_time``: other processes on a shared machine do not count), and the fastest
run is reported. The batched throughput of ``scenario.evaluate`` on one big batch
is shown for comparison. Then every enumerable catalog scenario is enumerated without the
cache and timed (goal: 10^6 designs in under a minute on one core).

Usage::

    python benchmarks/bench_envs.py            # full
    python benchmarks/bench_envs.py --quick    # small scenarios and fewer designs
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")

from archgym import scenarios  # noqa: E402
from archgym.envs import DesignEnv, SequentialDesignEnv  # noqa: E402


def _best_of(fns: dict[str, Callable[[], None]], repeats: int) -> dict[str, float]:
    best = {k: float("inf") for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t = time.process_time()
            fn()
            best[k] = min(best[k], time.process_time() - t)
    return best


def bench_env_steps(sid: str, n: int, repeats: int) -> dict[str, float]:
    sc = scenarios.load(sid)
    X = sc.sample(n, seed=0)
    sc.evaluate(X)  # warm: tables, memoised networks, oracle results
    denv = DesignEnv(sc, episode_length=None)
    senv = SequentialDesignEnv(sc, designs_per_episode=n * repeats + 1)
    denv.reset(seed=0)
    senv.reset(seed=0)

    def raw() -> None:
        for x in X:
            sc.evaluate(x)

    def design_env() -> None:
        for x in X:
            denv.step(x)

    def seq_env() -> None:
        for x in X:
            for a in x:
                senv.step(a)

    t = _best_of({"raw": raw, "design": design_env, "sequential": seq_env}, repeats)
    big = sc.sample(max(n, 4096), seed=1)
    t0 = time.process_time()
    sc.evaluate(big)
    t_batch = time.process_time() - t0
    return {
        "dim": sc.dim,
        "raw_per_s": n / t["raw"],
        "design_per_s": n / t["design"],
        "design_overhead": t["design"] / t["raw"] - 1.0,
        "seq_steps_per_s": n * sc.dim / t["sequential"],
        "seq_designs_per_s": n / t["sequential"],
        "seq_overhead": t["sequential"] / t["raw"] - 1.0,
        "batch_per_s": len(big) / t_batch,
    }


def bench_enumeration(sid: str) -> tuple[int, float, float, int]:
    sc = scenarios.load(sid)
    t = time.perf_counter()
    res = sc.enumerate(cache=False)
    dt = time.perf_counter() - t
    return sc.size, dt, 1.0 - res.feasible_share, len(res.pareto_flat)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small scenarios, fewer designs")
    p.add_argument("--designs", type=int, default=None, help="designs per timing run")
    p.add_argument("--repeats", type=int, default=5, help="timing runs (the fastest is reported)")
    args = p.parse_args(argv)

    if args.quick:
        env_ids = ["tiny", "tiny-codesign", "hw-mobilenet_v2-area"]
        enum_ids = ["tiny", "tiny-mo", "tiny-codesign", "hw-mobilenet_v2-area"]
        n = args.designs or 100
    else:
        env_ids = [
            "tiny",
            "hw-mobilenet_v2-area",
            "hw-bert_base-area",
            "hw-suite-area",
            "nb201-codesign",
            "mobilenet-codesign",
        ]
        enum_ids = [s for s in scenarios.ids() if scenarios.load(s).enumerable]
        n = args.designs or 500

    print(
        f"Environment steps vs raw Scenario.evaluate on the same {n} random designs (best of {args.repeats})"
    )
    head = (
        f"{'scenario':24s} {'knobs':>5s} {'raw eval/s':>10s} {'DesignEnv/s':>11s} {'overhead':>8s} "
        f"{'SeqEnv steps/s':>14s} {'designs/s':>9s} {'overhead':>8s} {'batched eval/s':>14s}"
    )
    print(head)
    print("-" * len(head))
    for sid in env_ids:
        r = bench_env_steps(sid, n, args.repeats)
        print(
            f"{sid:24s} {r['dim']:5d} {r['raw_per_s']:10.0f} {r['design_per_s']:11.0f} {100 * r['design_overhead']:7.1f}% "
            f"{r['seq_steps_per_s']:14.0f} {r['seq_designs_per_s']:9.0f} {100 * r['seq_overhead']:7.1f}% "
            f"{r['batch_per_s']:14.0f}",
            flush=True,
        )
    print()
    print("Enumeration (no cache)")
    head = f"{'scenario':32s} {'designs':>10s} {'time s':>8s} {'designs/s':>10s} {'s per 1e6':>9s} {'infeasible':>10s} {'pareto':>6s}"
    print(head)
    print("-" * len(head))
    for sid in enum_ids:
        size, dt, infeasible, front = bench_enumeration(sid)
        print(
            f"{sid:32s} {size:10,d} {dt:8.2f} {size / dt:10.0f} {dt / size * 1e6:9.1f} {100 * infeasible:9.1f}% {front:6d}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
