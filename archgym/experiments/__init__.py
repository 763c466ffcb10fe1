"""The experiment layer: resumable runs, sweeps (local processes or Ray), transfer studies.

Quick start::

    from archgym import experiments, analysis, plotting

    res = experiments.run("tiny", "random", budget=50, seed=0, out="runs/demo")
    print(res.summary["best"]["design"])          # named knob values of the best design

    sw = experiments.sweep({"budget": 50, "seeds": 3, "scenarios": ["tiny"],
                            "agents": ["random", {"name": "ga", "settings": {"pop_size": [8, 16]}}]},
                           out="runs/sweep")
    frame = analysis.load_runs("runs/sweep")
    print(analysis.ranking_table(frame, budgets=[10, 25, 50]))
    plotting.plot_regret(frame, path="regret.png")

The same from the shell: ``archgym run``, ``archgym sweep``, ``archgym compare``,
``archgym plot``, ``archgym transfer``, ``archgym export``.
"""

import importlib.machinery
import sys
import types
import warnings
from typing import Any

from .logs import WALL_TIME_COLUMNS, frames_equal, read_log
from .runner import (
    RunError,
    RunResult,
    RunSpec,
    format_summary,
    load_run,
    resolve_agent,
    run,
    run_spec,
)
from .sweep_driver import SweepConfig, SweepError, SweepResult, expand_grid, load_config, sweep
from .transfer_studies import TransferResult, exact_optimum, transfer_study

__all__ = [
    "RunError",
    "RunResult",
    "RunSpec",
    "SweepConfig",
    "SweepError",
    "SweepResult",
    "TransferResult",
    "WALL_TIME_COLUMNS",
    "exact_optimum",
    "expand_grid",
    "format_summary",
    "frames_equal",
    "load_config",
    "load_run",
    "read_log",
    "resolve_agent",
    "resolve_scenario",
    "run",
    "run_spec",
    "sweep",
    "transfer_study",
]


def _old_sweep_module() -> types.ModuleType:
    """``archgym.experiments.sweep`` as a module path, deprecated: the module is
    :mod:`.sweep_driver`, and the name ``archgym.experiments.sweep`` is the function.

    Registered in ``sys.modules`` so ``from archgym.experiments.sweep import SweepResult``
    keeps working (with a ``DeprecationWarning``) without a file of that name, which would
    rebind the package attribute ``sweep`` from the function to the module when imported.
    """
    from . import sweep_driver

    mod = types.ModuleType(__name__ + ".sweep", "Deprecated: use archgym.experiments.sweep_driver.")

    def forward(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        warnings.warn(
            "the module archgym.experiments.sweep is now archgym.experiments.sweep_driver "
            "(archgym.experiments.sweep is the sweep function)",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(sweep_driver, name)

    mod.__dict__["__getattr__"] = forward  # a module __getattr__ (PEP 562)
    mod.__spec__ = importlib.machinery.ModuleSpec(mod.__name__, None)  # for find_spec
    return mod


sys.modules.setdefault(__name__ + ".sweep", _old_sweep_module())


def __getattr__(name: str) -> Any:
    # ``resolve_scenario`` is :func:`archgym.scenarios.resolve_scenario`, imported on first
    # use: reading and analysing run logs does not need the scenarios (about 1 s to import).
    if name == "resolve_scenario":
        from archgym.scenarios import resolve_scenario

        return resolve_scenario
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
