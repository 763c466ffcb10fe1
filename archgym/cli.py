"""The ``archgym`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main", "build_parser"]


def _cmd_simulate(args: argparse.Namespace) -> int:
    import pandas as pd

    from . import AcceleratorConfig, ConfigError, simulate
    from .experiments.commands import parse_settings
    from .workloads import WorkloadError, from_file, load

    try:
        cfg = AcceleratorConfig.preset(args.accelerator, **parse_settings(args.set))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        wl = (
            from_file(args.workload_file)
            if args.workload_file
            else load(args.workload, **parse_settings(args.option, "--option"))
        )
    except (WorkloadError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rep = simulate(cfg, wl, mode=args.mode)
    print(cfg.describe())
    print(wl)
    print()
    cols = [
        "name",
        "kind",
        "macs",
        "compute_cycles",
        "stall_cycles",
        "overhead_cycles",
        "latency_ms",
        "utilization",
        "energy_mj",
        "dram_bytes",
    ]
    table = rep.layers[cols].copy()
    table["macs"] = (table["macs"] / 1e6).round(3)
    table = table.rename(columns={"macs": "mmacs"})
    if not args.all_layers and len(table) > 60:
        shown = pd.concat([table.head(30), table.tail(30)])
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        print(f"... {len(table) - 60} more layers (use --all-layers)")
    else:
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print()
    print(rep.summary())
    if args.csv:
        rep.layers.to_csv(args.csv, index=False)
        print(f"per-layer table written to {args.csv}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import main_cli

    return main_cli(args)


def _cmd_presets(args: argparse.Namespace) -> int:
    from . import AcceleratorConfig

    for name in AcceleratorConfig.presets():
        print(AcceleratorConfig.preset(name).describe())
    return 0


def _cmd_workloads(args: argparse.Namespace) -> int:
    from .workloads import list_zoo, load

    for name in list_zoo():
        wl = load(name)
        print(
            f"{name:20s} {len(wl):4d} layers  {wl.macs / 1e6:10.1f} M MACs  {wl.params / 1e6:8.2f} M params"
        )
    return 0


def _cmd_scenarios(args: argparse.Namespace) -> int:
    from .scenarios import DEFAULT, ScenarioError, ids, load

    if args.id:
        try:
            sc = load(args.id)
        except ScenarioError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(sc.describe())
        if args.yaml:
            print()
            print(sc.to_yaml(), end="")
        return 0
    rows = []
    from .scenarios import Scenario

    for sid in ids():
        sc = load(sid)
        if not isinstance(sc, Scenario):  # a factory a plugin registered
            rows.append((sid, "?", "?", "(registered factory)", "?", "?"))
            continue
        objective = ", ".join(
            ("max " if m in ("accuracy", "utilization") else "min ") + m for m in sc.objective_names
        )
        budgets = ", ".join(f"{m}<={v:g}" for m, v in sc.budgets.items()) or "-"
        size = f"{sc.size:,}" if sc.size < 10**9 else f"{sc.size:.2e}"
        rows.append(
            (
                sid + (" *" if sid == DEFAULT else ""),
                size,
                str(sc.dim),
                objective,
                budgets,
                "yes" if sc.enumerable else "no",
            )
        )
    head = ("id", "size", "knobs", "objective", "budgets", "enumerable")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    print(
        "\n* default scenario. `archgym scenarios ID` describes one (add --yaml for its document)."
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="archgym", description="Accelerator / neural-network co-design gym."
    )
    p.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="MODULE",
        help="import this Python module first (it registers your own scenarios, agents or "
        "oracles with archgym.scenarios.register / archgym.agents.register / "
        "archgym.oracles.register); names inside data files are never imported",
    )
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("simulate", help="run the cost model on one accelerator and one workload")
    s.add_argument(
        "--workload", default="mobilenet_v2", help="a zoo network (see `archgym workloads`)"
    )
    s.add_argument(
        "--workload-file", default=None, help="a YAML/JSON layer list instead of a zoo network"
    )
    s.add_argument(
        "--option", action="append", metavar="KEY=VALUE", help="zoo option, e.g. input_size=192"
    )
    s.add_argument("--accelerator", default="edgetpu", help="a preset (see `archgym presets`)")
    s.add_argument(
        "--set",
        action="append",
        metavar="FIELD=VALUE",
        help="override a config field, e.g. rows=32",
    )
    s.add_argument("--mode", default="default", choices=["default", "scalesim"])
    s.add_argument("--csv", default=None, help="write the per-layer table to this CSV file")
    s.add_argument("--all-layers", action="store_true", help="print every layer")
    s.set_defaults(func=_cmd_simulate)

    s = sub.add_parser(
        "demo",
        help="the main job: a short co-design search on the default scenario, "
        "ending in a results table and plots",
    )
    s.add_argument(
        "--scenario", default=None, help="scenario id (default: archgym.scenarios.DEFAULT)"
    )
    s.add_argument(
        "--agents",
        default=None,
        help="comma-separated agents (default: random,ga and bo if installed)",
    )
    s.add_argument("--budget", type=int, default=40, help="evaluations per run (default 40)")
    s.add_argument("--seeds", type=int, default=3, help="seeds per agent (default 3)")
    s.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    s.add_argument(
        "--workers", type=int, default=None, help="processes for the runs (default: cores)"
    )
    s.add_argument("--out", default="results/demo", help="output folder")
    s.add_argument("--quiet", action="store_true", help="no progress bars")
    s.set_defaults(func=_cmd_demo)

    s = sub.add_parser("presets", help="list the accelerator presets")
    s.set_defaults(func=_cmd_presets)

    s = sub.add_parser("workloads", help="list the zoo networks")
    s.set_defaults(func=_cmd_workloads)

    s = sub.add_parser("scenarios", help="list the scenario catalog (or describe one scenario)")
    s.add_argument("id", nargs="?", default=None, help="a scenario id to describe")
    s.add_argument("--yaml", action="store_true", help="with an id: also print its YAML document")
    s.set_defaults(func=_cmd_scenarios)

    # experiments: run, sweep, compare, plot, transfer, export
    from .experiments.commands import add_commands as _add_experiment_commands

    _add_experiment_commands(sub)
    return p


#: Exit status of a run stopped by Ctrl-C (128 + SIGINT, what shells report).
EXIT_INTERRUPTED = 130
#: Exit status of bad input (a configuration, a file, a name).
EXIT_BAD_INPUT = 2
#: Exit status when the system failed (disk full, permission denied, ...).
EXIT_OS_ERROR = 1


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _message(exc: BaseException) -> str:
    """The exception's message (its class name when it has none)."""
    if isinstance(exc, KeyError) and exc.args:
        return f"unknown key {exc.args[0]!r}"
    return str(exc).strip() or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``archgym`` command line; returns the exit status.

    Every expected failure ends with one ``error:`` line on stderr and a non-zero status:
    2 for bad input (a configuration, file or name the user gave), 1 for a failure of the
    system (``OSError``: disk full, permission denied), 130 for Ctrl-C (with a hint that
    the same command resumes). Output piped into a command that stops reading early
    (``| head``) ends silently. ``ARCHGYM_DEBUG=1`` shows the traceback instead.
    """
    import os

    args = build_parser().parse_args(argv)
    debug = os.environ.get("ARCHGYM_DEBUG", "") not in ("", "0")
    try:
        if args.plugin:
            from .plugins import PluginError, load_plugins

            try:
                load_plugins(args.plugin)
            except PluginError as exc:
                return _fail(str(exc), EXIT_BAD_INPUT)
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except KeyboardInterrupt:
        if debug:
            raise
        print(
            "\ninterrupted; run the same command again to resume (finished evaluations are kept)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader went away (`archgym ... | head`): nothing more to say to anyone.
        # Point stdout at /dev/null so the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 141  # 128 + SIGPIPE, as a process killed by the signal
    except OSError as exc:
        if debug:
            raise
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        what = exc.strerror or _message(exc)
        return _fail(f"{what}{where}", EXIT_OS_ERROR)
    except (ValueError, TypeError, OverflowError, KeyError, LookupError, RuntimeError) as exc:
        # archgym's input errors (ConfigError, WorkloadError, ScenarioError, SweepError,
        # RunError, AgentError, ...) are ValueErrors or RuntimeErrors naming the field
        if debug:
            raise
        return _fail(_message(exc), EXIT_BAD_INPUT)


if __name__ == "__main__":
    raise SystemExit(main())
