"""Best-known reference optima of the Accel-NASBench co-design scenarios.

    python benchmarks/anb_best_known.py                 # long runs, writes the package data
    python benchmarks/anb_best_known.py --quick         # a smoke run (prints, writes nothing)

The ``anb-codesign-*`` scenarios (about 1e16 networks x 1e3-1e5 accelerators) cannot be
enumerated, so their reference optimum is the best value that long runs of the random,
genetic-algorithm and Bayesian-optimisation agents found (several seeds each): the best
feasible objective for the single-objective scenarios, the hypervolume of the union of
every run's feasible points for the multi-objective one. It is written to
``archgym/data/best_known/accel_nasbench.json`` with the runs that produced it, and read
by ``archgym.scenarios.catalog.best_known`` / ``Scenario.best_known``. Every table and
plot that shows regret against it labels it "best-known": it is not a certified optimum.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from archgym import agents  # noqa: E402
from archgym.analysis import hypervolume, pareto_mask  # noqa: E402
from archgym.scenarios import load  # noqa: E402

SCENARIOS = (
    "anb-codesign-edgetpu",
    "anb-codesign-tpu",
    "anb-codesign-energy",
    "anb-codesign-throughput",
    "anb-codesign-mo",
)
#: (agent, budget, seeds) of the long runs; ``--quick`` divides budgets by 20. BO's budget
#: is small because each of its proposals refits a GP over 34-36 mixed knobs (seconds to
#: tens of seconds on one core); the multi-objective BO gets half of it.
RUNS = (("random", 2000, (0, 1)), ("ga", 2000, (0, 1)), ("bo", 50, (0,)))
OUT = Path(__file__).resolve().parent.parent / "archgym/data/best_known/accel_nasbench.json"


def _plain(v):
    if isinstance(v, np.generic):
        return v.item()
    return v


def best_known_of(scenario_id: str, runs, log) -> dict:
    sc = load(scenario_id)
    names = list(sc.space.names)
    mo = sc.is_multi_objective
    obj_cols = [f"objective_{m}" for m in sc.objective_names] if mo else ["objective"]
    frames, record = [], []
    for agent, budget, seeds in runs:
        if agent == "bo" and mo:
            budget = max(10, budget // 2)
        for seed in seeds:
            t0 = time.perf_counter()
            hist = agents.make(agent).run(sc, budget, seed)
            f = hist.frame
            frames.append(f.assign(_agent=agent, _seed=seed))
            feas = f[f["feasible"]]
            rec = {
                "agent": agent,
                "budget": budget,
                "seed": seed,
                "feasible": int(len(feas)),
                "wall_s": round(time.perf_counter() - t0, 1),
            }
            if not mo and len(feas):
                rec["best_value"] = float(feas["objective"].max())
            record.append(rec)
            log(f"  {scenario_id}: {rec}")
    import pandas as pd

    allf = pd.concat(frames, ignore_index=True)
    feas = allf[allf["feasible"]]
    entry: dict = {
        "kind": "best-known",
        "note": "best value found by the runs below; not a certified optimum",
        "objective": list(sc.objective_names),
        "runs": record,
        "command": "python benchmarks/anb_best_known.py",
    }
    if feas.empty:
        entry["best_value"] = None
        return entry
    if not mo:
        row = feas.loc[feas["objective"].idxmax()]
        entry["best_value"] = float(row["objective"])
        entry["design"] = {n: _plain(row[n]) for n in names}
        entry["found_by"] = {"agent": str(row["_agent"]), "seed": int(row["_seed"])}
        for m in ("accuracy", "latency_ms", "energy_mj", "area_mm2", "throughput"):
            if m in row:
                entry.setdefault("metrics", {})[m] = float(row[m])
    else:
        Y = feas[obj_cols].to_numpy(float)
        mask = pareto_mask(Y)
        entry["ref_point"] = [float(v) for v in sc.ref_point]
        entry["hypervolume"] = float(hypervolume(Y, sc.ref_point))
        front = feas[mask]
        entry["front"] = [[float(v) for v in r] for r in front[obj_cols].to_numpy()]
        entry["front_designs"] = [
            {n: _plain(r[n]) for n in names} for _, r in front.head(50).iterrows()
        ]
    return entry


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="budgets / 20, nothing written")
    ap.add_argument("--scenarios", nargs="*", default=list(SCENARIOS))
    args = ap.parse_args()
    runs = tuple((a, max(10, b // 20), s[:1]) for a, b, s in RUNS) if args.quick else RUNS
    out = {
        "source": "benchmarks/anb_best_known.py",
        "runs": [list(r[:2]) + [list(r[2])] for r in runs],
        "scenarios": {},
    }
    if OUT.is_file() and not args.quick:
        out["scenarios"] = json.loads(OUT.read_text()).get("scenarios", {})
    t0 = time.perf_counter()
    for sid in args.scenarios:
        entry = best_known_of(sid, runs, print)
        shown = entry.get("best_value", entry.get("hypervolume"))
        print(f"{sid}: best-known {shown} ({time.perf_counter() - t0:.0f} s so far)", flush=True)
        out["scenarios"][sid] = entry
        if not args.quick:
            OUT.parent.mkdir(parents=True, exist_ok=True)
            OUT.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"done in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
