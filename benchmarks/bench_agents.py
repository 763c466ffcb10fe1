"""Search quality and speed of every agent, and of its peers, against the exact optimum.

    python benchmarks/bench_agents.py [--quick] [--agents random,ga,bo,optuna-tpe,...]
        [--seeds 5 | --seeds 3,4] [--budget 100] [--out runs/bench_agents] [--wall-s 5,30,120]
        [--scenarios hw-mobilenet_v2-area,nb201-codesign,anb-codesign-edgetpu] [--transfer]
        [--table-only] [--markdown]

Runs each agent on catalog scenarios — hardware-only (``hw-mobilenet_v2-area``),
NAS-Bench-201 co-design (``nb201-codesign``), multi-objective (``hw-mobilenet_v2-mo``) and
ImageNet co-design (``anb-codesign-edgetpu``, Accel-NASBench; not enumerable) — with
several seeds, and prints per agent (one row per agent and settings, the run's ``label``):

* the median normalised regret after 10, 25, 50, 100 and 200 evaluations against the
  reference optimum: the exact optimum (``scenario.enumerate()``) where the space can be
  enumerated, else the scenario's best-known value (``scenario.best_known``, from long
  agent runs, ``benchmarks/anb_best_known.py``; labelled "best-known": a run that beats
  it has a negative regret; ``inf``: no feasible design yet); for a multi-objective
  scenario, the hypervolume gap ``1 - HV / HV_ref``;
* how many runs found a feasible design at all;
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

Runs are kept under ``--out`` (``<out>/<scenario>/<agent>/seed<k>``) and resumed, so an
interrupted benchmark loses nothing. ``--table-only`` runs nothing: it prints the tables
from the run folders already under ``--out`` (any number of seeds per agent), with the
reference optimum as it is now — so a table is recomputed after a best-known value
changes without re-running agents. A run folder made with other budgets or another space
than the scenario has now is skipped (and refused without ``--table-only``).
``--markdown`` also prints each table as a Markdown table (the README's format).
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

SINGLE = ("hw-mobilenet_v2-area", "nb201-codesign", "anb-codesign-edgetpu")
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


def _stale(directory: Path, sc: scenarios.Scenario) -> str | None:
    """Why the run folder ``directory`` was made on another definition of ``sc`` (other
    budgets or another space: a catalog scenario that changed since), or None."""
    import json

    try:
        info = json.loads((directory / "settings.json").read_text()).get("scenario_info") or {}
    except (OSError, ValueError):
        return None
    have = {str(k): float(v) for k, v in (info.get("budgets") or {}).items()}
    want = {str(k): float(v) for k, v in dict(sc.budgets).items()}
    if have != want:
        return f"budgets {have} (the scenario has {want} now)"
    if info.get("space_size") not in (None, int(sc.space.size)):
        return f"a space of {info['space_size']:,} designs (the scenario has {sc.space.size:,})"
    return None


def run_dirs(scenario_id: str, agents: list[str], out: Path) -> list[Path]:
    """The finished run folders of ``agents`` on ``scenario_id`` under ``out`` (any seeds),
    without those made on another definition of the scenario."""
    import json

    sc = scenarios.load(scenario_id)
    dirs = []
    for token in agents:
        for d in sorted((out / scenario_id / token).glob("seed*"), key=lambda p: int(p.name[4:])):
            try:
                done = json.loads((d / "summary.json").read_text()).get("complete")
            except (OSError, ValueError):
                done = False
            why = _stale(d, sc)
            if why:
                print(f"  (skipping {d}: made with {why})")
            elif done:
                dirs.append(d)
    return dirs


def run_grid(
    scenario_id: str, agents: list[str], seeds: list[int], budget: int, out: Path
) -> pd.DataFrame:
    sc = scenarios.load(scenario_id)
    dirs = []
    for token in agents:
        name, settings = resolve(token)
        for seed in seeds:
            d = out / scenario_id / token / f"seed{seed}"
            why = _stale(d, sc)
            if why:
                raise SystemExit(f"{d} holds a run made with {why}: use another --out or delete it")
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


def reference(sc: scenarios.Scenario) -> tuple[float, str, Any]:
    """``(value, kind, exact)``: the optimum regret is measured against — the exact optimum
    (``kind = "exact optimum"``, ``exact`` the enumeration) or, for a scenario that cannot
    be enumerated, its best-known value (``kind = "best-known"``, ``exact`` None). For a
    multi-objective scenario the value is the reference hypervolume."""
    if sc.enumerable:
        exact = sc.enumerate()
        value = exact.hypervolume if sc.num_objectives > 1 else exact.best_value
        return float(value), "exact optimum", exact
    bk = sc.best_known  # a property
    if bk is None:
        raise SystemExit(
            f"{sc.id} cannot be enumerated and has no best-known value "
            "(benchmarks/anb_best_known.py writes them)"
        )
    value = bk["hypervolume"] if sc.num_objectives > 1 else bk["best_value"]
    return float(value), "best-known", None


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
        length = g.groupby("run_id")["n_evals"].max()
        for b in budgets:  # over the runs that got that far (NaN: none did)
            long_enough = length.index[length >= b]
            at = g[(g["n_evals"] <= b) & g["run_id"].isin(long_enough)]
            at = at.groupby("run_id")["regret"].min()
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
        row["seeds"] = int(g["run_id"].nunique())
        found = g.groupby("run_id")["regret"].min()
        row["feasible_runs"] = f"{int(np.isfinite(found).sum())}/{len(found)}"
        row["evals"] = int(g.groupby("run_id")["n_evals"].max().median())
        rows.append(row)
    return pd.DataFrame(rows).set_index("agent")


def markdown(table: pd.DataFrame, budgets: list[int], wall_s: list[float]) -> str:
    """A single-objective table in the README's format (the lowest median regret at each
    checkpoint in bold)."""

    def num(v: float) -> str:
        if np.isnan(v):
            return "–"
        if not np.isfinite(v):
            return "inf" if v > 0 else "-inf"
        return "0" if v == 0 else f"{v:.3g}"

    cols = [f"@{b}" for b in budgets]
    times = " / ".join(f"{t:g} s" for t in wall_s)
    head = ["agent", "seeds", *cols, "runs with a feasible design", "runs reaching 1 %"]
    head.append("median ask (s/design)")
    head.append(f"regret after {times}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    best = {b: table[f"regret@{b}"].min() for b in budgets}
    for label, r in table.iterrows():
        cells = [str(label), str(r["seeds"])]
        for b in budgets:
            v = num(r[f"regret@{b}"])
            top = np.isfinite(best[b]) and r[f"regret@{b}"] == best[b]
            cells.append(f"**{v}**" if top else v)
        reach = r["reached_1%"]
        if np.isfinite(r["evals_to_1%"]):
            reach += f" (median {r['evals_to_1%']:g} evals)"
        cells += [r["feasible_runs"], reach, f"{r['ask_s_median']:.2g}"]
        cells.append(" / ".join(num(r[f"regret@{t:g}s"]) for t in wall_s))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


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


def _seeds(text: str) -> list[int]:
    if "," not in text:
        return list(range(int(text)))
    return [int(t) for t in text.split(",") if t]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--agents", default=DEFAULT_AGENTS)
    ap.add_argument(
        "--seeds",
        type=_seeds,
        default=list(range(5)),
        help="a count (5: seeds 0-4) or a comma-separated list (3,4: to share the seeds "
        "between processes writing one --out)",
    )
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
    ap.add_argument(
        "--table-only",
        action="store_true",
        help="run nothing: print the tables from the run folders under --out (any seeds), "
        "against the reference optimum as it is now",
    )
    ap.add_argument("--markdown", action="store_true", help="also print Markdown tables")
    args = ap.parse_args()
    if args.quick:
        args.seeds, args.budget = [0, 1], 25
        args.agents = "random,bo,optuna-tpe,nevergrad-ngopt"
        args.scenarios = "hw-mobilenet_v2-area"
        args.wall_s = "1,5"
    budgets = [b for b in CHECKPOINTS if b <= args.budget] or [args.budget]
    wall_s = [float(v) for v in args.wall_s.split(",") if v]
    tokens = args.agents.split(",")
    agents = tokens if args.table_only else available(tokens)
    out = Path(args.out)
    pd.set_option("display.width", 250)
    for scenario_id in args.scenarios.split(","):
        sc = scenarios.load(scenario_id)
        ref, kind, exact = reference(sc)
        if args.table_only:
            dirs = run_dirs(scenario_id, agents, out)
            if not dirs:
                print(f"\n== {scenario_id}: no finished runs under {out / scenario_id}")
                continue
            frame = analysis.load_runs(dirs)
        else:
            frame = run_grid(scenario_id, agents, args.seeds, args.budget, out)
        n_runs = frame.groupby("label")["run_id"].nunique()
        lengths = frame.groupby("run_id").size()
        size = (
            f"{exact.size:,} designs, {exact.n_feasible:,} feasible"
            if exact is not None
            else f"{sc.space.size:.3g} designs, not enumerable"
        )
        print(
            f"\n== {scenario_id} ({size}), {n_runs.min()}-{n_runs.max()} seeds x "
            f"{int(lengths.median())} evaluations"
        )
        if sc.num_objectives > 1:
            if exact is not None:
                print(
                    f"exact Pareto front: {len(exact.pareto_flat)} designs, hypervolume {ref:.6g}"
                )
            else:
                print(f"best-known hypervolume {ref:.6g} (not a certified optimum)")
            table = multi_objective_table(frame, sc, ref, budgets)
            print(f"median hypervolume gap (1 - HV / HV_{kind}; lower is better):")
        else:
            note = "" if exact is not None else " (best value long runs found; not certified)"
            print(f"{kind}: objective {ref:.6g}{note}")
            table = single_objective_table(frame, ref, budgets, wall_s)
            print(
                f"median normalised regret ({kind} - best so far) / |{kind}| (lower is better"
                + ("; negative: better than the best-known" if exact is None else "")
                + "); ask_s per design; run_s = asks + evaluations of a whole run; regret@Ts "
                "after T seconds of the run:"
            )
            if {"bo", "random"} <= set(table.index):
                r, b = table.loc["random", "evals_to_1%"], table.loc["bo", "evals_to_1%"]
                ratio = f"{r / b:.2f}" if np.isfinite(b) and np.isfinite(r) else "n/a"
                print(
                    f"random needs {r:g} evaluations to reach 1 % regret, BO {b:g} (ratio {ratio})"
                )
        print(table.to_string(float_format=lambda v: f"{v:.4g}"))
        if args.markdown and sc.num_objectives == 1:
            print()
            print(markdown(table, budgets, wall_s))
        print()
    if args.transfer and "bo" in agents:
        from archgym.experiments.transfer_studies import transfer_study

        res = transfer_study(
            "hw-mobilenet_v2-area-loose",
            ["hw-mobilenet_v2-area"],
            agent="bo",
            budget=args.budget,
            seeds=list(args.seeds),
            regret=0.01,
            out=out / "transfer",
        )
        print(
            "== transfer: BO from hw-mobilenet_v2-area-loose to hw-mobilenet_v2-area (evaluations to 1 % regret)"
        )
        print(res.summary.to_string(float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
