"""The README's main job: a short co-design search on the default scenario.

``archgym demo`` runs a few agents on :data:`archgym.scenarios.DEFAULT` (NAS-Bench-201
cell x accelerator co-design: maximise real CIFAR-10 accuracy under latency and area
budgets), measures each against the exact optimum found by enumerating the whole space,
and writes a results table (CSV) and plots (PNG). Runs are resumable: run it again and
finished work is reused.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["run_demo", "default_agents"]


def default_agents() -> list[str]:
    """random and ga always; bo when BoTorch is installed."""
    agents = ["random", "ga"]
    if importlib.util.find_spec("botorch") is not None:
        agents.append("bo")
    return agents


def run_demo(
    out: str | Path = "results/demo",
    scenario_id: str | None = None,
    agents: Sequence[str] | None = None,
    budget: int = 60,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, Any]:
    """Run the demo search and write ``results.csv``, ``ranking.csv``, ``regret.png`` and
    ``pareto.png`` under ``out``.

    Returns:
        ``{"table": DataFrame, "ranking": DataFrame, "files": {...}, "best_value": float}``.
    """
    import pandas as pd

    from . import analysis, plotting, scenarios
    from .experiments import run

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    scenario_id = scenario_id or scenarios.DEFAULT
    agents = list(agents) if agents else default_agents()
    scenario = scenarios.load(scenario_id)
    print(
        f"scenario {scenario_id}: {scenarios.list()[scenario_id] if scenario_id in scenarios.list() else scenario.id}"
    )
    t0 = time.perf_counter()
    exact = scenario.enumerate()
    print(
        f"exact optimum by enumerating all {exact.size:,} designs ({exact.n_feasible:,} feasible) "
        f"in {time.perf_counter() - t0:.1f} s{' (cached)' if exact.from_cache else ''}: objective {exact.best_value:.4g}"
    )
    rows = []
    for name in agents:
        t = time.perf_counter()
        res = run(scenario, name, budget, seed, out=out / name, progress=progress)
        h = res.history
        best = h.best()
        row: dict[str, Any] = {
            "agent": name,
            "evaluations": len(h),
            "wall_s": round(time.perf_counter() - t, 2),
            "feasible": int(h.frame["feasible"].sum()),
        }
        if best is not None:
            row["best_objective"] = float(best["objective"])
            row["regret"] = (exact.best_value - float(best["objective"])) / abs(exact.best_value)
            for col in list(scenario.space.names) + [
                c for c in ("accuracy", "latency_ms", "energy_mj", "area_mm2") if c in best.index
            ]:
                row[col] = best[col]
        rows.append(row)
    exact_row: dict[str, Any] = {
        "agent": "exact optimum (enumeration)",
        "evaluations": exact.size,
        "best_objective": exact.best_value,
        "regret": 0.0,
    }
    exact_row.update(exact.best_design)
    for c in ("accuracy", "latency_ms", "energy_mj", "area_mm2"):
        if c in exact.best_metrics:
            exact_row[c] = exact.best_metrics[c]
    table = pd.DataFrame(rows + [exact_row])
    frame = analysis.load_runs([out / name for name in agents])
    budgets = sorted({max(1, budget // 4), max(1, budget // 2), budget})
    ranking = analysis.ranking_table(
        frame, budgets=budgets, best_value=exact.best_value, by="agent"
    )
    files = {
        "results": out / "results.csv",
        "ranking": out / "ranking.csv",
        "regret_plot": out / "regret.png",
        "pareto_plot": out / "pareto.png",
    }
    table.to_csv(files["results"], index=False)
    ranking.to_csv(files["ranking"])
    plotting.plot_curves(
        frame,
        "regret",
        by="agent",
        best_value=exact.best_value,
        title=f"{scenario_id}: regret vs the exact optimum",
        path=files["regret_plot"],
    )
    metrics = [m for m in ("accuracy", "latency_ms", "area_mm2") if m in frame.columns][:2]
    if len(metrics) == 2:
        plotting.plot_pareto(frame, metrics, path=files["pareto_plot"])
    else:
        files.pop("pareto_plot")
    return {"table": table, "ranking": ranking, "files": files, "best_value": exact.best_value}


def main_cli(args: Any) -> int:
    import pandas as pd

    res = run_demo(
        out=args.out,
        scenario_id=args.scenario,
        agents=args.agents.split(",") if args.agents else None,
        budget=args.budget,
        seed=args.seed,
        progress=not args.quiet,
    )
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print()
        print("best design found by each agent (regret = (optimum - best) / |optimum|):")
        print(res["table"].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        print()
        print("median normalised regret at each budget:")
        print(res["ranking"].to_string(float_format=lambda v: f"{v:.4g}"))
    print()
    for key, path in res["files"].items():
        print(f"{key:12s} {path}")
    return 0
