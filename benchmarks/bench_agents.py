"""Search quality and speed of every agent, and of its peers, against the exact optimum.

    python benchmarks/bench_agents.py [--quick] [--agents random,ga,bo,optuna-tpe,...]
        [--seeds 5] [--budget 100] [--out runs/bench_agents] [--wall-s 5,30,120]
        [--scenarios hw-mobilenet_v2-area,nb201-codesign] [--transfer]

Runs each agent on enumerable catalog scenarios — hardware-only (``hw-mobilenet_v2-area``),
NAS-Bench-201 co-design (``nb201-codesign``) and multi-objective (``hw-mobilenet_v2-mo``) —
with several seeds, and prints per agent (one row per agent and settings, the run's
``label``):

* the median normalised regret against the exact optimum (``scenario.enumerate()``)
  after 10, 25, 50, 100 and 200 evaluations (for the multi-objective scenario, the
  hypervolume gap ``1 - HV / HV_exact``);
* the median number of evaluations to reach 1 % regret (``inf``: not reached in the
  budget) and in how many runs it was reached;
* the median and mean wall time per proposal (``ask_s`` per design) and the median wall
  time of a whole run (asks plus evaluations);
* the median regret at equal wall-clock: after ``T`` seconds of the run's own asks and
  evaluations, for each ``T`` in ``--wall-s``. A run stops at its evaluation budget, so for
  a cheap agent whose whole run takes less than ``T`` this is its regret at the budget (an
  upper bound of what it would reach in ``T``);
* with ``--transfer``: BO on ``hw-mobilenet_v2-area`` with and without transfer from a
  BO run on the neighbouring budget ``hw-mobilenet_v2-area-loose``.

Agents are registry names (``random``, ``ga``, ``bo``, ``ppo``, ``reinforce``,
``optuna``, ``nevergrad``) or the peer aliases of ``PEERS`` (``optuna-tpe``,
``optuna-cmaes``, ``optuna-gp``, ``optuna-nsga2``, ``nevergrad-ngopt``). Every agent runs
with one torch thread (its ``threads`` setting); BLAS is limited to one thread too.
``--quick`` is the CI-size run: 2 seeds x 25 evaluations of random, BO, Optuna TPE and
Nevergrad on ``hw-mobilenet_v2-area``.

Runs are kept under ``--out`` and resumed, so an interrupted benchmark loses nothing.
Agents that are not installed (an optional extra missing) are reported and skipped.
Wall times depend on the machine's load: say what else ran when quoting them.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from archgym import analysis, scenarios  # noqa: E402
from archgym.agents import AgentError, agent_class  # noqa: E402
from archgym.experiments import run  # noqa: E402

SINGLE = ("hw-mobilenet_v2-area", "nb201-codesign")
MULTI = ("hw-mobilenet_v2-mo",)
CHECKPOINTS = (10, 25, 50, 100, 200)

PEERS: dict[str, tuple[str, dict[str, Any]]] = {
    "optuna-tpe": ("optuna", {"sampler": "tpe"}),
    "optuna-cmaes": ("optuna", {"sampler": "cmaes"}),
    "optuna-gp": ("optuna", {"sampler": "gp"}),
    "optuna-nsga2": ("optuna", {"sampler": "nsga2"}),
    "nevergrad-ngopt": ("nevergrad", {"optimizer": "NGOpt"}),
}
"""Peer aliases: (registry name, settings)."""

DEFAULT_AGENTS = "random,ga,bo,optuna-tpe,optuna-cmaes,optuna-gp,nevergrad-ngopt"


def resolve(token: str) -> tuple[str, dict[str, Any]]:
    """An agent token (registry name or peer alias) as (registry name, settings)."""
    return PEERS.get(token, (token, {}))


def available(tokens: list[str]) -> list[str]:
    ok = []
    for token in tokens:
        name, settings = resolve(token)
        try:
            agent_class(name)(**settings)
            if name == "optuna":
                import optuna  # noqa: F401
            if name == "nevergrad":
                import nevergrad  # noqa: F401
            ok.append(token)
        except (ImportError, AgentError) as exc:
            print(f"(skipping {token}: {exc})")
    return ok


def run_grid(
    scenario_id: str, agents: list[str], seeds: int, budget: int, out: Path
) -> pd.DataFrame:
    sc = scenarios.load(scenario_id)
    dirs = []
    for token in agents:
        name, settings = resolve(token)
        for seed in range(seeds):
            d = out / scenario_id / token / f"seed{seed}"
            t = time.perf_counter()
            try:
                run(sc, name, budget, seed, out=d, **settings)
            except AgentError as exc:
                print(f"  {token} cannot run {scenario_id}: {exc}")
                break
            print(
                f"  {scenario_id:22s} {token:16s} seed {seed}: {time.perf_counter() - t:6.1f} s",
                flush=True,
            )
            dirs.append(d)
    return analysis.load_runs(dirs)


def _elapsed(frame: pd.DataFrame) -> pd.Series:
    """Seconds of asks and evaluations of each row's run up to and including the row."""
    per = frame["ask_s"].fillna(0.0) + frame["eval_s"].fillna(0.0)
    return per.groupby(frame["run_id"], sort=False).cumsum()


def single_objective_table(
    frame: pd.DataFrame, best: float, budgets: list[int], wall_s: list[float]
) -> pd.DataFrame:
    reg = analysis.normalized_regret(frame, best_value=best)
    reg["elapsed_s"] = _elapsed(reg)
    rows = []
    for label, g in reg.groupby("label", sort=False):
        row: dict[str, object] = {"agent": label}
        for b in budgets:
            at = g[g["n_evals"] <= b].groupby("run_id")["regret"].min()
            row[f"regret@{b}"] = float(np.median(at)) if len(at) else np.nan
        reach = analysis.evaluations_to_reach(g, 0.01, best_value=best)["evals_to_reach"]
        row["evals_to_1%"] = float(np.median(reach.fillna(np.inf)))
        row["reached_1%"] = f"{int(reach.notna().sum())}/{len(reach)}"
        row["ask_s_median"] = float(g["ask_s"].median())
        row["ask_s_mean"] = float(g["ask_s"].mean())
        row["run_s"] = float(np.median(g.groupby("run_id")["elapsed_s"].max()))
        for T in wall_s:
            by_run = g.groupby("run_id")
            at = [
                float(r.loc[r["elapsed_s"] <= T, "regret"].min())
                if (r["elapsed_s"] <= T).any()
                else np.inf
                for _, r in by_run
            ]
            row[f"regret@{T:g}s"] = float(np.median(at))
        rows.append(row)
    return pd.DataFrame(rows).set_index("agent")


def multi_objective_table(
    frame: pd.DataFrame, sc: scenarios.Scenario, hv_exact: float, budgets: list[int]
) -> pd.DataFrame:
    from archgym.agents.base import objective_columns

    hv = analysis.hypervolume_trace(
        frame, ref_point=sc.ref_point, objective_columns=objective_columns(sc)
    )
    if "label" not in hv.columns:
        hv = hv.merge(frame[["run_id", "label"]].drop_duplicates(), on="run_id", how="left")
    rows = []
    for label, g in hv.groupby("label", sort=False):
        row: dict[str, object] = {"agent": label}
        for b in budgets:
            at = g[g["n_evals"] <= b].groupby("run_id")["hypervolume"].max()
            row[f"hv_gap@{b}"] = float(np.median(1.0 - at / hv_exact)) if len(at) else np.nan
        row["ask_s_median"] = float(g["ask_s"].median())
        rows.append(row)
    return pd.DataFrame(rows).set_index("agent")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--agents", default=DEFAULT_AGENTS)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--budget", type=int, default=100)
    ap.add_argument("--out", default="runs/bench_agents")
    ap.add_argument("--scenarios", default=",".join(SINGLE + MULTI))
    ap.add_argument(
        "--wall-s", default="5,30,120", help="wall-clock budgets (s) for regret at equal time"
    )
    ap.add_argument(
        "--quick",
        action="store_true",
        help="CI size: 2 seeds x 25 evaluations of random, bo, optuna-tpe, nevergrad-ngopt on "
        "hw-mobilenet_v2-area",
    )
    ap.add_argument(
        "--transfer", action="store_true", help="also measure BO transfer across budgets"
    )
    args = ap.parse_args()
    if args.quick:
        args.seeds, args.budget = 2, 25
        args.agents = "random,bo,optuna-tpe,nevergrad-ngopt"
        args.scenarios = "hw-mobilenet_v2-area"
        args.wall_s = "1,5"
    budgets = [b for b in CHECKPOINTS if b <= args.budget] or [args.budget]
    wall_s = [float(v) for v in args.wall_s.split(",") if v]
    agents = available(args.agents.split(","))
    out = Path(args.out)
    pd.set_option("display.width", 250)
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
            table = single_objective_table(frame, exact.best_value, budgets, wall_s)
            print(
                "median normalised regret (optimum - best so far) / |optimum| (lower is better); "
                "ask_s per design; run_s = asks + evaluations of a whole run; regret@Ts after T "
                "seconds of the run:"
            )
            if {"bo", "random"} <= set(table.index):
                r, b = table.loc["random", "evals_to_1%"], table.loc["bo", "evals_to_1%"]
                ratio = f"{r / b:.2f}" if np.isfinite(b) and np.isfinite(r) else "n/a"
                print(
                    f"random needs {r:g} evaluations to reach 1 % regret, BO {b:g} (ratio {ratio})"
                )
        print(table.to_string(float_format=lambda v: f"{v:.4g}"))
        print()
    if args.transfer and "bo" in agents:
        from archgym.experiments.transfer_studies import transfer_study

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
