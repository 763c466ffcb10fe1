"""The README's main job: a short co-design search on the default scenario.

``archgym demo`` runs a few agents, each over several seeds, on
:data:`archgym.scenarios.DEFAULT` (NAS-Bench-201 cell x accelerator co-design: maximise
real CIFAR-10 accuracy under latency and area budgets), measures each against the exact
optimum found by enumerating the whole space, and writes a results table (CSV) and plots
(PNG).

The runs are the cells of a local sweep (:func:`archgym.experiments.sweep`, one thread per
process, as many processes as cores) and the enumeration runs in one more process at the
same time, so both cores of a small machine work. Everything is resumable: run it again
and finished runs are reused, never re-timed: the wall times in ``results.csv`` are the
runs' own (the ask and evaluation seconds in their logs, as in their ``summary.json``),
whichever call of the demo made them.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

__all__ = ["run_demo", "default_agents", "DEMO_SETTINGS", "initial_design_size"]

#: Agent settings the demo uses (the agents' defaults otherwise). ``bo``: four designs per
#: proposal, so the model is refitted a quarter as often; ``ga``: a population of 10, so
#: 40 evaluations are 4 generations.
DEMO_SETTINGS: dict[str, dict[str, Any]] = {
    "bo": {"batch_size": 4},
    "ga": {"pop_size": 10},
}


def default_agents() -> list[str]:
    """random and ga always; bo when BoTorch is installed."""
    agents = ["random", "ga"]
    if importlib.util.find_spec("botorch") is not None:
        agents.append("bo")
    return agents


def initial_design_size(agent: str, settings: Mapping[str, Any]) -> int | None:
    """How many first evaluations of an agent are its initial design (random or
    space-filling, before any model or selection): BO's ``n_init``, the GA's first
    population; ``None`` for random search (all of it is random) and for agents without
    one."""
    if agent == "bo":
        return int(settings.get("n_init", 10))
    if agent == "ga":
        return int(settings.get("pop_size", 0)) or None
    return None


def _enumerate_in_background(scenario_doc: dict[str, Any]) -> float:
    """Enumerate a scenario (in a worker process: one thread), caching the result."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    from archgym import scenarios

    t0 = time.perf_counter()
    scenarios.load(scenario_doc).enumerate()
    return time.perf_counter() - t0


def run_demo(
    out: str | Path = "results/demo",
    scenario_id: str | None = None,
    agents: Sequence[str] | None = None,
    budget: int = 40,
    seeds: int | Sequence[int] = 3,
    progress: bool = True,
    workers: int | None = None,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Run the demo search and write ``results.csv``, ``ranking.csv``, ``regret.png``,
    ``regret_time.png`` and ``pareto.png`` under ``out`` (the runs under ``out/runs``).

    Args:
        out: Output folder.
        scenario_id: A scenario id (default :data:`archgym.scenarios.DEFAULT`).
        agents: Agent names (default :func:`default_agents`).
        budget: Evaluations per run.
        seeds: A number of seeds (0, 1, ...) or the seeds.
        progress: Print progress.
        workers: Processes for the runs (default: the number of cores).
        settings: Agent settings by agent name (default :data:`DEMO_SETTINGS`).

    Returns:
        ``{"table", "ranking", "files", "best_value", "exact"}``: the results table (one
        row per agent, then the exact optimum), the ranking table, the written files, the
        exact optimum (None if the scenario is not enumerable) and its enumeration.
    """

    from . import analysis, plotting, scenarios
    from .experiments import sweep
    from .experiments.logs import write_frame_atomic

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    scenario_id = scenario_id or scenarios.DEFAULT
    agents = list(agents) if agents else default_agents()
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    settings = dict(DEMO_SETTINGS if settings is None else settings)
    scenario = scenarios.load(scenario_id)
    say = print if progress else (lambda *a, **k: None)
    say(f"scenario {scenario_id}: {scenarios.list().get(scenario_id, scenario.id)}")
    t0 = time.perf_counter()
    # build the scenario's on-disk tables (NB201: every cell lowered and costed, ~35 s of
    # CPU the first time) once here, so the processes below read them instead of each
    # building its own
    scenario.evaluate(scenario.sample(1, seed=0))
    say(f"scenario tables ready in {time.perf_counter() - t0:.1f} s (cached after the first time)")
    # the exact optimum, in its own process while the runs use the other cores
    pending: Future[float] | None = None
    pool = None
    if scenario.enumerable:
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        pending = pool.submit(_enumerate_in_background, scenario.to_dict())
    try:
        config = {
            "budget": int(budget),
            "seeds": seed_list,
            "scenarios": [scenario_id],
            # slowest agent first, so the processes finish together
            "agents": [
                {"name": a, "settings": dict(settings.get(a, {}))}
                for a in sorted(agents, key=lambda a: a != "bo")
            ],
        }
        say(
            f"{len(agents)} agents x {len(seed_list)} seeds x {budget} evaluations "
            f"on {workers or os.cpu_count()} processes"
        )
        res = sweep(config, out / "runs", workers=workers, progress=progress)
        if not res.ok:
            bad = res.index[res.index["status"] == "error"]
            raise RuntimeError(
                "demo runs failed: " + "; ".join(f"{r.run_id}: {r.error}" for r in bad.itertuples())
            )
        exact = None
        if pending is not None:
            pending.result()
            exact = scenario.enumerate()  # from the cache the worker wrote
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    say(f"runs and enumeration done in {time.perf_counter() - t0:.1f} s")
    best_value = None if exact is None else float(exact.best_value)
    if exact is not None:
        say(
            f"exact optimum by enumerating all {exact.size:,} designs ({exact.n_feasible:,} "
            f"feasible; {exact.elapsed_s:.1f} s{' earlier, cached' if exact.from_cache else ''}): "
            f"objective {exact.best_value:.4g}"
        )
    frame = analysis.load_runs([out / "runs" / rid for rid in res.index["run_id"]])
    table = _results_table(frame, scenario, exact, agents)
    budgets = sorted({max(1, budget // 4), max(1, budget // 2), budget})
    ranking = analysis.ranking_table(
        frame, budgets=budgets, best_value=best_value, by="agent", wall_time=True
    )
    files = {
        "results": out / "results.csv",
        "ranking": out / "ranking.csv",
        "regret_plot": out / "regret.png",
        "regret_time_plot": out / "regret_time.png",
        "pareto_plot": out / "pareto.png",
    }
    write_frame_atomic(files["results"], table)
    write_frame_atomic(files["ranking"], ranking, index=True)
    reference = "exact optimum" if exact is not None else None
    for key, x in (("regret_plot", "evaluations"), ("regret_time_plot", "time")):
        plotting.plot_curves(
            frame,
            "regret",
            by="agent",
            best_value=best_value,
            reference=reference,
            x=x,
            title=f"{scenario_id}: regret vs {'the exact optimum' if exact else 'the best found'}, "
            f"{len(seed_list)} seeds",
            path=files[key],
        )
    metrics = [m for m in plotting.scenario_metrics(frame) if m in frame.columns]
    if len(metrics) >= 2:
        designs = analysis.exact_designs(frame) if exact is not None else None
        plotting.plot_pareto(
            frame, metrics, color_by="agent", exact=designs, path=files["pareto_plot"]
        )
    else:
        files.pop("pareto_plot")
    return {
        "table": table,
        "ranking": ranking,
        "files": files,
        "best_value": best_value,
        "exact": exact,
    }


def _results_table(frame: Any, scenario: Any, exact: Any, agents: Sequence[str]) -> Any:
    """One row per agent (over its seeds), then the exact optimum."""
    import numpy as np
    import pandas as pd

    from .experiments.logs import SETTINGS_JSON, SUMMARY_JSON, read_json

    knobs = list(scenario.space.names)
    shown = [c for c in ("accuracy", "latency_ms", "energy_mj", "area_mm2") if c in frame.columns]
    rows = []
    for name in agents:
        runs = frame[frame["agent"] == name]
        if runs.empty:
            continue
        per_seed: list[dict[str, Any]] = []
        for _, g in runs.groupby("run_id", sort=True):
            d = Path(g["run_dir"].iloc[0])
            summary = read_json(d / SUMMARY_JSON) or {}
            doc = read_json(d / SETTINGS_JSON) or {}
            resolved = doc.get("agent_settings_resolved") or {}
            init = initial_design_size(name, resolved)
            best = summary.get("best")
            per_seed.append(
                {
                    "seed": int(g["seed"].iloc[0]),
                    "wall_s": float(summary.get("wall_s", np.nan)),
                    "best": best,
                    "init": init,
                    "n": int(summary.get("n_evals", len(g))),
                    "feasible": int(summary.get("n_feasible", 0)),
                }
            )
        found = [p for p in per_seed if p["best"] is not None]
        values = np.array([p["best"]["objective"] for p in found], float)
        row: dict[str, Any] = {
            "agent": name,
            "seeds": len(per_seed),
            "evaluations": per_seed[0]["n"],
            "feasible": int(np.median([p["feasible"] for p in per_seed])),
            "median_best_objective": float(np.median(values)) if values.size else np.nan,
        }
        if exact is not None:
            regrets = (float(exact.best_value) - values) / abs(float(exact.best_value))
            row["median_regret"] = float(np.median(regrets)) if values.size else np.inf
            row["worst_regret"] = float(np.max(regrets)) if values.size else np.inf
            row["seeds_at_optimum"] = int((regrets <= 0).sum())
        init = per_seed[0]["init"]
        if init is None:
            row["best_from_initial_design"] = (
                "all random" if name == "random" else "n/a (no initial design)"
            )
        else:
            k = sum(1 for p in found if p["best"]["eval"] < init)
            row["best_from_initial_design"] = f"{k}/{len(per_seed)} seeds (first {init} evals)"
        row["median_wall_s"] = float(np.median([p["wall_s"] for p in per_seed]))
        if found:
            top = max(found, key=lambda p: p["best"]["objective"])
            row["best_seed"] = top["seed"]
            for k in knobs:
                row[k] = top["best"]["design"].get(k)
            for c in shown:
                row[c] = top["best"]["metrics"].get(c)
        rows.append(row)
    if exact is not None:
        exact_row: dict[str, Any] = {
            "agent": "exact optimum (enumeration)",
            "evaluations": exact.size,
            "median_best_objective": float(exact.best_value),
            "median_regret": 0.0,
        }
        exact_row.update(exact.best_design or {})
        for c in shown:
            if c in exact.best_metrics:
                exact_row[c] = exact.best_metrics[c]
        rows.append(exact_row)
    return pd.DataFrame(rows)


def main_cli(args: Any) -> int:
    import pandas as pd

    seeds = list(range(args.seed, args.seed + args.seeds))
    res = run_demo(
        out=args.out,
        scenario_id=args.scenario,
        agents=args.agents.split(",") if args.agents else None,
        budget=args.budget,
        seeds=seeds,
        progress=not args.quiet,
        workers=args.workers,
    )
    table = res["table"]
    with pd.option_context("display.width", 250, "display.max_columns", 40):
        print()
        print(
            "best design found by each agent over its seeds (regret = (optimum - best) / |optimum|; "
            "best_from_initial_design: in how many seeds the best design came from the agent's "
            "initial design (random / space-filling, before any model or selection) rather "
            "than from its search; wall_s: seconds of ask + evaluate in the run's log):"
        )
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        print()
        print(
            "median normalised regret at each budget (wall_s@b: median seconds for b evaluations):"
        )
        print(res["ranking"].to_string(float_format=lambda v: f"{v:.4g}"))
    print()
    for key, path in res["files"].items():
        print(f"{key:17s} {path}")
    return 0
