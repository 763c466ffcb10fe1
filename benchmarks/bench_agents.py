"""Search quality and speed of every agent against the exact optimum.

    python benchmarks/bench_agents.py [--quick] [--agents random,ga,bo,ppo,reinforce]
        [--seeds 5] [--budget 200] [--out runs/bench_agents] [--transfer]

Runs each agent on three enumerable catalog scenarios — hardware-only
(``hw-mobilenet_v2-area``), NAS-Bench-201 co-design (``nb201-codesign``) and
multi-objective (``hw-mobilenet_v2-mo``) — with several seeds, and prints per agent:

* the median normalised regret against the exact optimum (``scenario.enumerate()``)
  after 50, 100 and 200 evaluations (for the multi-objective scenario, the hypervolume
  gap ``1 - HV / HV_exact``);
* the median number of evaluations to reach 1 % regret, and how many fewer BO needs
  than random search;
* the wall time per proposal (mean ``ask`` time per design);
* with ``--transfer``: BO on ``hw-mobilenet_v2-area`` with and without transfer from a
  BO run on the neighbouring budget ``hw-mobilenet_v2-area-loose``.

Runs are kept under ``--out`` and resumed, so an interrupted benchmark loses nothing.
Agents that are not installed (an optional extra missing) are reported and skipped.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "2")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from archgym import analysis, scenarios  # noqa: E402
from archgym.agents import AgentError, agent_class  # noqa: E402
from archgym.experiments import run  # noqa: E402

SINGLE = ("hw-mobilenet_v2-area", "nb201-codesign")
MULTI = ("hw-mobilenet_v2-mo",)


def available(names: list[str]) -> list[str]:
    ok = []
    for name in names:
        try:
            agent_class(name)
            ok.append(name)
        except (ImportError, AgentError) as exc:
            print(f"(skipping {name}: {exc})")
    return ok


def run_grid(
    scenario_id: str, agents: list[str], seeds: int, budget: int, out: Path
) -> pd.DataFrame:
    sc = scenarios.load(scenario_id)
    dirs = []
    for name in agents:
        for seed in range(seeds):
            d = out / scenario_id / name / f"seed{seed}"
            t = time.perf_counter()
            try:
                run(sc, name, budget, seed, out=d)
            except AgentError as exc:
                print(f"  {name} cannot run {scenario_id}: {exc}")
                break
            print(
                f"  {scenario_id:22s} {name:10s} seed {seed}: {time.perf_counter() - t:6.1f} s",
                flush=True,
            )
            dirs.append(d)
    return analysis.load_runs(dirs)


def single_objective_table(frame: pd.DataFrame, best: float, budgets: list[int]) -> pd.DataFrame:
    reg = analysis.normalized_regret(frame, best_value=best)
    rows = []
    for agent, g in reg.groupby("agent", sort=False):
        row: dict[str, object] = {"agent": agent}
        for b in budgets:
            at = g[g["n_evals"] <= b].groupby("run_id")["regret"].min()
            row[f"regret@{b}"] = float(np.median(at)) if len(at) else np.nan
        reach = analysis.evaluations_to_reach(g, 0.01, best_value=best)["evals_to_reach"]
        row["evals_to_1%"] = float(np.median(reach.fillna(np.inf)))
        row["reached_1%"] = f"{int(reach.notna().sum())}/{len(reach)}"
        row["ask_s"] = float(g["ask_s"].mean())
        rows.append(row)
    return pd.DataFrame(rows).set_index("agent")


def multi_objective_table(
    frame: pd.DataFrame, sc: scenarios.Scenario, hv_exact: float, budgets: list[int]
) -> pd.DataFrame:
    from archgym.agents.base import objective_columns

    hv = analysis.hypervolume_trace(
        frame, ref_point=sc.ref_point, objective_columns=objective_columns(sc)
    )
    rows = []
    for agent, g in hv.groupby("agent", sort=False):
        row: dict[str, object] = {"agent": agent}
        for b in budgets:
            at = g[g["n_evals"] <= b].groupby("run_id")["hypervolume"].max()
            row[f"hv_gap@{b}"] = float(np.median(1.0 - at / hv_exact)) if len(at) else np.nan
        row["ask_s"] = float(g["ask_s"].mean())
        rows.append(row)
    return pd.DataFrame(rows).set_index("agent")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--agents", default="random,ga,bo,ppo,reinforce")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--budget", type=int, default=200)
    ap.add_argument("--out", default="runs/bench_agents")
    ap.add_argument("--scenarios", default=",".join(SINGLE + MULTI))
    ap.add_argument("--quick", action="store_true", help="2 seeds, budget 50")
    ap.add_argument(
        "--transfer", action="store_true", help="also measure BO transfer across budgets"
    )
    args = ap.parse_args()
    if args.quick:
        args.seeds, args.budget = 2, 50
    budgets = [b for b in (50, 100, 200) if b <= args.budget] or [args.budget]
    agents = available(args.agents.split(","))
    out = Path(args.out)
    pd.set_option("display.width", 200)
    for scenario_id in args.scenarios.split(","):
        sc = scenarios.load(scenario_id)
        exact = sc.enumerate()
        frame = run_grid(scenario_id, agents, args.seeds, args.budget, out)
        print(
            f"\n== {scenario_id} ({exact.size:,} designs, {exact.n_feasible:,} feasible), "
            f"{args.seeds} seeds x {args.budget} evaluations"
        )
        if sc.num_objectives > 1:
            print(
                f"exact Pareto front: {len(exact.pareto_flat)} designs, hypervolume {exact.hypervolume:.6g}"
            )
            table = multi_objective_table(frame, sc, exact.hypervolume, budgets)
            print("median hypervolume gap (1 - HV / HV_exact; lower is better):")
        else:
            print(f"exact optimum: objective {exact.best_value:.6g}")
            table = single_objective_table(frame, exact.best_value, budgets)
            print("median normalised regret (optimum - best so far) / |optimum| (lower is better):")
            if {"bo", "random"} <= set(table.index):
                r, b = table.loc["random", "evals_to_1%"], table.loc["bo", "evals_to_1%"]
                print(
                    f"random needs {r:g} evaluations to reach 1 % regret, BO {b:g} (ratio {r / b:.2f})"
                )
        print(table.to_string(float_format=lambda v: f"{v:.4g}"))
        print()
    if args.transfer and "bo" in agents:
        from archgym.experiments.transfer import transfer_study

        res = transfer_study(
            "hw-mobilenet_v2-area-loose",
            ["hw-mobilenet_v2-area"],
            agent="bo",
            budget=args.budget,
            seeds=list(range(args.seeds)),
            regret=0.01,
            out=out / "transfer",
        )
        print(
            "== transfer: BO from hw-mobilenet_v2-area-loose to hw-mobilenet_v2-area (evaluations to 1 % regret)"
        )
        print(res.summary.to_string(float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
