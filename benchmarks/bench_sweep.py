"""Cost of the experiment layer: runner overhead and local sweep speed-up.

    python benchmarks/bench_sweep.py [--quick] [--scenario hw-resnet50-area] [--workers 2]

Prints

1. the overhead of :func:`archgym.experiments.run` (CSV log appended and flushed after
   every ask/tell step, settings/summary JSON, Parquet mirror, read-back) over the raw
   ``agent.run`` loop, per evaluation and in percent, for random search with one design
   per step (the worst case: one log write per evaluation) and with 16; plus the cost of
   the resume bookkeeping: re-opening a finished run, and resuming a run killed half-way
   (replaying the logged half into a fresh agent and evaluating the rest);
2. the wall time of the same local sweep (``--cells`` runs of a few seconds each) with 1
   and with ``--workers`` processes, and the speed-up (goal: >= 1.7x with 2 workers on
   2 free cores). Other load on shared cores lowers any speed-up, so the script also
   measures what the machine can give at the time (the speed-up of pure-Python busy
   loops in the same number of processes) and prints the sweep's speed-up relative to it.

BLAS/OpenMP threads are pinned to 1, as in the sweep workers.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from archgym import agents, scenarios  # noqa: E402
from archgym.experiments import run, sweep  # noqa: E402
from archgym.experiments.logs import LOG_CSV, SUMMARY_JSON  # noqa: E402


def _timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def overhead(
    scenario_id: str, budget: int, batch: int, repeat: int, tmp: Path
) -> dict[str, tuple[float, float]]:
    """Best-of-``repeat`` (wall, CPU) times of the raw loop, the logged run, re-opening a
    finished run and resuming a half-finished one; raw and logged runs are interleaved so
    that load from other processes hits both alike."""
    sc = scenarios.load(scenario_id)
    agents.make("random", batch_size=batch).run(sc, 8, 0)  # warm caches and imports
    counter = [0]

    def raw() -> None:
        agents.make("random", batch_size=batch).run(sc, budget, 0)

    def logged() -> None:
        counter[0] += 1
        run(sc, "random", budget, 0, tmp / f"b{batch}-{counter[0]}", batch_size=batch)

    d = tmp / f"b{batch}-1"

    def reopen() -> None:
        run(sc, "random", budget, 0, d, batch_size=batch)

    keep = 1 + (budget // 2 // batch) * batch

    def cut() -> None:
        lines = (d / LOG_CSV).read_text().splitlines(keepends=True)
        (d / LOG_CSV).write_text("".join(lines[:keep]))
        (d / SUMMARY_JSON).unlink()

    def resume() -> None:
        res = run(sc, "random", budget, 0, d, batch_size=batch)
        assert res.resumed_rows == keep - 1 and len(res.frame) == budget

    times: dict[str, list[tuple[float, float]]] = {
        "raw": [],
        "run": [],
        "open": [],
        "resume_half": [],
    }
    for _ in range(repeat):
        times["raw"].append(_timed(raw))
        times["run"].append(_timed(logged))
        times["open"].append(_timed(reopen))
        cut()
        times["resume_half"].append(_timed(resume))
    return {k: (min(w for w, _ in v), min(c for _, c in v)) for k, v in times.items()}


def _burn(n: int) -> float:
    x = 0
    for i in range(n):
        x += i * i
    return float(x)


def capacity(workers: int, n: int = 6_000_000) -> float:
    """Speed-up of ``workers`` processes over one on pure-Python busy loops: what the
    machine can give right now (other load on shared cores lowers it below ``workers``)."""
    import multiprocessing

    t = time.perf_counter()
    for _ in range(workers):
        _burn(n)
    serial = time.perf_counter() - t
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(_burn, [1000] * workers)  # start the workers first
        t = time.perf_counter()
        pool.map(_burn, [n] * workers)
        parallel = time.perf_counter() - t
    return serial / parallel


def speedup(
    scenario_id: str, budget: int, cells: int, workers: int, tmp: Path
) -> tuple[float, float]:
    seeds = list(range(cells))
    config = {
        "budget": budget,
        "seeds": seeds,
        "scenarios": [scenario_id],
        "agents": [{"name": "random", "settings": {"batch_size": 1}}],
        "format": "csv",
    }
    out = {}
    for n in (1, workers):
        d = tmp / f"sweep-{n}"
        shutil.rmtree(d, ignore_errors=True)
        res = sweep(config, d, workers=n)
        assert (res.index["status"] == "done").all(), res.index
        out[n] = res.wall_s
    return out[1], out[workers]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="small budgets (a smoke run, about 30 s)")
    ap.add_argument("--scenario", default="hw-resnet50-area")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cells", type=int, default=None, help="sweep cells (default 2 x workers)")
    ap.add_argument("--repeat", type=int, default=None)
    args = ap.parse_args()
    budget = 150 if args.quick else 600
    cell_budget = 300 if args.quick else 1200
    repeat = args.repeat or (2 if args.quick else 5)
    cells = args.cells or 2 * args.workers
    tmp = Path(tempfile.mkdtemp(prefix="bench_sweep"))
    try:
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        print(
            f"1. runner overhead: random search on {args.scenario}, {budget} evaluations, best of {repeat}"
        )
        print(
            f"   {'designs/step':>12} {'':>5} {'raw loop':>9} {'logged':>9} {'overhead':>14} {'':>6} "
            f"{'re-open':>8} {'resume half':>11}"
        )
        for batch in (1, 16):
            r = overhead(args.scenario, budget, batch, repeat, tmp)
            for i, kind in enumerate(("wall", "CPU")):
                raw, logged = r["raw"][i], r["run"][i]
                per = (logged - raw) / budget * 1e3
                pct = 100 * (logged - raw) / raw
                print(
                    f"   {batch:>12} {kind:>5} {raw:>8.3f}s {logged:>8.3f}s {per:>7.3f} ms/eval {pct:>+5.0f}% "
                    f"{r['open'][i]:>7.3f}s {r['resume_half'][i]:>10.3f}s"
                )
        print(
            f"2. local sweep: {cells} runs of random search (1 design/step, {cell_budget} evaluations) "
            f"on {args.scenario}"
        )
        cap = capacity(args.workers)
        t1, tn = speedup(args.scenario, cell_budget, cells, args.workers, tmp)
        cap2 = capacity(args.workers)
        print(
            f"   1 worker {t1:.2f} s, {args.workers} workers {tn:.2f} s: speed-up {t1 / tn:.2f}x "
            f"(goal >= 1.7x for 2 workers)"
        )
        print(
            f"   the machine's own parallel capacity (busy loops in {args.workers} processes, before/after): "
            f"{cap:.2f}x / {cap2:.2f}x; sweep efficiency vs that: {t1 / tn / max(min(cap, cap2), 1e-9):.0%}"
        )
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
