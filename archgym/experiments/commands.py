"""The experiment subcommands of ``archgym``: run, sweep, compare, plot, transfer, export.

:func:`add_commands` adds them to the ``archgym`` parser (``archgym/cli.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["add_commands", "parse_settings"]


def _value(text: str) -> Any:
    """A setting value: JSON if it parses (numbers, true/false/null, lists), else a number
    as Python reads it (``010``, ``1_000``, ``inf``, ``nan``), else true/false/none in any
    case, else the text."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    for number in (int, float):
        try:
            return number(text)
        except ValueError:
            pass
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    return text


def parse_settings(items: Sequence[str] | None, flag: str = "--set") -> dict[str, Any]:
    """``["k=v", ...]`` as a dict of parsed values (see :func:`_value`); the one parser of
    every ``KEY=VALUE`` option of the ``archgym`` command line."""
    out: dict[str, Any] = {}
    for item in items or ():
        if "=" not in item:
            raise SystemExit(f"{flag} expects KEY=VALUE, got {item!r}")
        key, val = item.split("=", 1)
        out[key.strip()] = _value(val.strip())
    return out


def _ints(text: str) -> list[int]:
    try:
        return [int(t) for t in text.replace(" ", "").split(",") if t]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None


def _error(exc: BaseException) -> int:
    print(f"error: {exc}", file=sys.stderr)
    return 2


# --------------------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------------------


def _cmd_run(args: argparse.Namespace) -> int:
    from archgym import scenarios
    from archgym.agents import AgentError

    from .runner import RunError, format_summary, run
    from .transfer_studies import scenario_arg

    overrides = parse_settings(args.scenario_set, "--scenario-set")
    try:
        scenario = scenario_arg(args.scenario or scenarios.DEFAULT)
        if not isinstance(scenario, str) and overrides:
            scenario, overrides = scenarios.load(scenario, **overrides), {}
        res = run(
            scenario,
            args.agent,
            args.budget,
            args.seed,
            args.out,
            scenario_overrides=overrides,
            progress=not args.no_progress,
            fmt=args.format,
            **parse_settings(args.set),
        )
    except (RunError, AgentError, ValueError, KeyError, ImportError) as exc:
        return _error(exc)
    print(format_summary(res.summary))
    extra = f" (resumed after {res.resumed_rows} logged evaluations)" if res.resumed_rows else ""
    print(f"run directory: {res.dir}{extra}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .sweep_driver import SweepError, sweep

    try:
        res = sweep(
            args.config,
            args.out,
            backend=args.backend,
            address=args.address,
            workers=args.workers,
            progress=not args.no_progress,
            threads=args.threads,
            scenarios=args.scenario,
            scenario_overrides=parse_settings(args.scenario_set, "--scenario-set"),
        )
    except (SweepError, FileNotFoundError, ValueError) as exc:
        return _error(exc)
    idx = res.index
    cols = ["label", "scenario", "seed", "status", "n_evals", "best_objective", "wall_s"]
    print(idx[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    counts = idx["status"].value_counts().to_dict()
    print(
        f"{len(idx)} runs: "
        + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        + f"; {res.wall_s:.1f} s; index: {res.out / 'index.csv'}"
    )
    for _, row in idx[idx["status"] == "error"].iterrows():
        print(
            f"  {row['run_id']}: {row['error']} (see {res.out / row['dir'] / 'error.txt'})",
            file=sys.stderr,
        )
    return 0 if res.ok else 1


def _best_values(frame: Any, exact: bool) -> dict[str, float] | None:
    """The exact optimum of each scenario definition in ``frame`` (None without --exact)."""
    if not exact:
        return None
    from archgym import analysis

    return analysis.exact_best_values(frame)


def _cmd_compare(args: argparse.Namespace) -> int:
    from archgym import analysis
    from archgym.scenarios import ScenarioError

    try:
        frame = analysis.load_runs(args.runs)
        longest = int(frame.groupby("run_id").size().max())
        budgets = [b for b in args.budgets if b <= longest]
        if len(budgets) < len(args.budgets):
            dropped = [b for b in args.budgets if b > longest]
            print(
                f"(budgets {dropped} are beyond the longest run, {longest} evaluations: comparing at "
                f"{budgets or [longest]})"
            )
        best = _best_values(frame, args.exact) if args.metric == "regret" else None
        has_time = {"ask_s", "eval_s"} & set(frame.columns)
        table = analysis.ranking_table(
            frame,
            budgets=budgets or [longest],
            metric=args.metric,
            by=args.by,
            best_value=best,
            wall_time=bool(has_time),
        )
        at_time = _equal_time_table(frame, args, best) if has_time else None
    except (FileNotFoundError, ValueError, KeyError, ScenarioError) as exc:
        return _error(exc)
    ref = "the exact optimum" if best else "the best value any run found"
    if args.metric == "regret":
        print(
            f"normalized regret (lower is better) = (optimum - best so far) / |optimum|, "
            f"optimum = {ref}; median and IQR over seeds; wall_s@b: median seconds of ask + "
            "evaluate for b evaluations"
        )
    else:
        print(f"{args.metric} (higher is better); median and IQR over seeds")
    print(table.to_string(float_format=lambda v: f"{v:.4g}"))
    if at_time is not None and len(at_time):
        print()
        print(
            f"at equal wall-clock time (per scenario: the shortest run's seconds of ask + "
            f"evaluate); {args.metric} of every run after that many of its own seconds:"
        )
        print(at_time.to_string(float_format=lambda v: f"{v:.4g}"))
    return 0


def _equal_time_table(frame: Any, args: argparse.Namespace, best: Any) -> Any:
    """Median ``metric`` of each group at the same wall-clock time, per scenario."""
    import numpy as np
    import pandas as pd

    from archgym import analysis

    timed = analysis.with_wall_time(frame)
    totals = timed.groupby("run_id").agg(
        scenario=("scenario", "first"), group=(args.by, "first"), wall_s=("wall_s", "max")
    )
    rows = []
    for scen, t in totals.groupby("scenario", sort=True):
        seconds = float(t["wall_s"].min())  # every run of the scenario got this far
        sub = frame[frame["scenario"] == scen]
        sub.attrs = dict(frame.attrs)
        fv = analysis.values_at_wall_time(sub, seconds, args.metric, best)
        for key, g in fv.groupby(args.by, sort=True):
            v = g["value"].to_numpy(float)
            v = v[~np.isnan(v)]
            rows.append(
                {
                    "scenario": scen,
                    args.by: key,
                    "seconds": seconds,
                    "median": float(np.median(v)) if v.size else np.nan,
                    "n": int(v.size),
                }
            )
    return pd.DataFrame(rows).set_index(["scenario", args.by]) if rows else None


def _cmd_plot(args: argparse.Namespace) -> int:
    from archgym import analysis, plotting
    from archgym.scenarios import ScenarioError

    try:
        frame = analysis.load_runs(args.runs)
        if args.kind in ("regret", "best", "regret-time"):
            best = _best_values(frame, args.exact) if args.kind != "best" else None
            plotting.plot_curves(
                frame,
                "best_so_far" if args.kind == "best" else "regret",
                best_value=best,
                by=args.by,
                x="time" if args.kind == "regret-time" else "evaluations",
                reference="exact optimum" if best else None,
                path=args.out,
            )
        elif args.kind == "hypervolume":
            plotting.plot_hypervolume(frame, by=args.by, path=args.out)
        elif args.kind == "pareto":
            metrics = args.metrics.split(",") if args.metrics else None
            exact = analysis.exact_designs(frame) if args.exact else None
            plotting.plot_pareto(frame, metrics, color_by=args.color_by, exact=exact, path=args.out)
        elif args.kind == "lottery":
            best = _best_values(frame, args.exact)
            plotting.plot_lottery(
                frame,
                "regret",
                best_value=best,
                reference="exact optimum" if best else None,
                path=args.out,
            )
    except (FileNotFoundError, ValueError, KeyError, ScenarioError) as exc:
        return _error(exc)
    print(f"wrote {args.out}")
    return 0


def _cmd_transfer(args: argparse.Namespace) -> int:
    from archgym.agents import AgentError

    from .runner import RunError
    from .transfer_studies import transfer_study

    targets = [t for t in args.targets.split(",") if t]
    try:
        res = transfer_study(
            args.scenario,
            targets,
            agent=args.agent,
            budget=args.budget,
            seeds=args.seeds,
            regret=args.regret,
            source_budget=args.source_budget,
            transfer_method=args.method,
            agent_settings=parse_settings(args.set),
            out=args.out,
            progress=not args.no_progress,
        )
    except (RunError, AgentError, ValueError, KeyError) as exc:
        return _error(exc)
    print(res.format())
    print(res.table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from archgym import analysis

    try:
        data = analysis.export_dataset(args.runs, args.out, unique=args.unique)
    except (FileNotFoundError, ValueError, ImportError) as exc:
        return _error(exc)
    n_feas = int(data["feasible"].sum()) if "feasible" in data.columns else len(data)
    print(
        f"wrote {len(data)} designs ({n_feas} feasible, {len(data) - n_feas} infeasible) to {args.out}"
    )
    return 0


# --------------------------------------------------------------------------------------
# parser
# --------------------------------------------------------------------------------------


def add_commands(sub: Any) -> None:
    """Add ``run``, ``sweep``, ``compare``, ``plot``, ``transfer`` and ``export`` to the
    subparsers ``sub`` of the ``archgym`` parser."""
    s = sub.add_parser("run", help="run one search and keep its log (resumes an interrupted run)")
    s.add_argument(
        "--scenario",
        default=None,
        help="scenario id or a scenario YAML file (default: archgym.scenarios.DEFAULT)",
    )
    s.add_argument(
        "--agent",
        default="random",
        help="agent name (random, ga, bo, ppo, reinforce, or one registered by a --plugin)",
    )
    s.add_argument("--budget", type=int, default=100, help="evaluations (default 100)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", default=None, help="run directory (default runs/<run id>)")
    s.add_argument(
        "--set", action="append", metavar="KEY=VALUE", help="agent setting, e.g. batch_size=4"
    )
    s.add_argument(
        "--scenario-set",
        action="append",
        metavar="KEY=VALUE",
        help="scenario override, e.g. area_mm2=10 (a budget)",
    )
    s.add_argument(
        "--format",
        default="auto",
        choices=["auto", "parquet", "csv"],
        help="log format: CSV journal always; Parquet mirror with auto (if pyarrow) or parquet",
    )
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.set_defaults(func=_cmd_run)

    s = sub.add_parser(
        "sweep", help="run a grid of agents x scenarios x seeds x settings from a YAML file"
    )
    s.add_argument("config", help="sweep configuration (YAML)")
    s.add_argument("--backend", default="local", choices=["local", "ray"])
    s.add_argument("--address", default=None, help="Ray cluster address HOST:PORT (ray backend)")
    s.add_argument(
        "--workers", type=int, default=None, help="local processes (default: number of cores)"
    )
    s.add_argument(
        "--out", default=None, help="sweep directory (default: the file's `out`, else runs/sweep)"
    )
    s.add_argument(
        "--scenario",
        action="append",
        metavar="SCENARIO",
        help="repeatable; replaces the file's scenarios: an id, ID[key=value,...] (overrides, "
        "e.g. 'tiny[area_mm2=3]'), or a scenario YAML file (stored with every run)",
    )
    s.add_argument(
        "--scenario-set",
        action="append",
        metavar="KEY=VALUE",
        help="override for every scenario of the sweep, e.g. area_mm2=10 (a budget)",
    )
    s.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads per worker (BLAS, torch, agents' `threads`; default: cores // workers, "
        "at least 1; ray: 1)",
    )
    s.add_argument("--no-progress", action="store_true")
    s.set_defaults(func=_cmd_sweep)

    s = sub.add_parser("compare", help="rank agents by regret (or hypervolume) at some budgets")
    s.add_argument("runs", nargs="+", help="run or sweep directories (or glob patterns)")
    s.add_argument(
        "--budgets", type=_ints, default=[50, 100, 200], help="comma-separated, e.g. 50,100,200"
    )
    s.add_argument("--metric", default="regret", choices=["regret", "best_so_far", "hypervolume"])
    s.add_argument(
        "--by", default="label", choices=["label", "agent"], help="group by agent+settings or agent"
    )
    s.add_argument(
        "--exact",
        action="store_true",
        help="regret against the exact optimum (enumerates the scenario)",
    )
    s.set_defaults(func=_cmd_compare)

    s = sub.add_parser(
        "plot", help="plot regret / best-so-far / hypervolume curves, Pareto fronts, lottery"
    )
    s.add_argument("runs", nargs="+", help="run or sweep directories (or glob patterns)")
    s.add_argument(
        "--kind",
        default="regret",
        choices=["regret", "regret-time", "best", "hypervolume", "pareto", "lottery"],
        help="regret-time: regret against wall-clock time (ask + evaluate seconds)",
    )
    s.add_argument("--out", required=True, help="image file (.png, .pdf, .svg)")
    s.add_argument("--by", default="label", choices=["label", "agent"])
    s.add_argument(
        "--metrics",
        default=None,
        help="pareto: comma-separated metrics (default: the scenario's objectives, then its "
        "budgeted metrics)",
    )
    s.add_argument(
        "--color-by",
        default="label",
        help="pareto: colour feasible designs by this column (numeric values in order)",
    )
    s.add_argument(
        "--exact",
        action="store_true",
        help="regret against the exact optimum; pareto: mark the exact optimum / front "
        "(enumerates each run's stored scenario definition)",
    )
    s.set_defaults(func=_cmd_plot)

    s = sub.add_parser(
        "transfer", help="evaluations saved by transferring a source search to targets"
    )
    s.add_argument("--scenario", required=True, help="source scenario id or YAML file")
    s.add_argument(
        "--targets", required=True, help="comma-separated target scenario ids or YAML files"
    )
    s.add_argument("--agent", default="bo")
    s.add_argument("--budget", type=int, default=50, help="evaluations per target search")
    s.add_argument(
        "--source-budget",
        type=int,
        default=None,
        help="evaluations of the source search (default --budget)",
    )
    s.add_argument("--seeds", type=_ints, default=[0, 1, 2], help="comma-separated, e.g. 0,1,2")
    s.add_argument("--regret", type=float, default=0.01, help="normalized regret to reach")
    s.add_argument("--method", default="multitask", help="transfer_method of the agent")
    s.add_argument("--set", action="append", metavar="KEY=VALUE", help="agent setting")
    s.add_argument("--out", default="runs/transfer")
    s.add_argument("--no-progress", action="store_true")
    s.set_defaults(func=_cmd_transfer)

    s = sub.add_parser("export", help="export evaluated designs (feasible or not) as a dataset")
    s.add_argument("runs", nargs="+", help="run or sweep directories (or glob patterns)")
    s.add_argument("--out", required=True, help="dataset file (.parquet or .csv)")
    s.add_argument("--unique", action="store_true", help="one row per distinct design")
    s.set_defaults(func=_cmd_export)
