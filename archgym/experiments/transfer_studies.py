"""Transfer studies: does searching a source scenario first save evaluations on targets?

For every seed, the agent searches the *source* scenario (``source_budget`` evaluations);
then, on every *target*, it searches twice with the same seed and budget: once from
scratch and once given the source run (``transfer_from=<source History>``,
``transfer_method=...``, as :class:`archgym.agents.bayesopt.BOAgent` accepts). Each target's
exact optimum comes from ``scenario.enumerate()``; the study reports how many evaluations
each search needed to get within ``regret`` of it, and the evaluations saved.

Every search is an ordinary run directory (:func:`archgym.experiments.run`) under
``out``: ``source/<run id>``, ``<target>/scratch/<run id>`` and
``<target>/transfer/<run id>``, so a study that is
interrupted resumes where it stopped. A transfer run names its source by run id in its
``settings.json``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .runner import RunResult, run

__all__ = ["TransferResult", "transfer_study", "exact_optimum", "optimum_of", "scenario_arg"]


def scenario_arg(scenario: Any) -> Any:
    """A scenario named on the command line or in a study: a ``*.yaml``/``*.yml`` path is
    read as a scenario document (data, never code); anything else is returned as is."""
    if isinstance(scenario, os.PathLike) or (
        isinstance(scenario, str) and scenario.endswith((".yaml", ".yml"))
    ):
        from archgym.scenarios import Scenario, ScenarioError

        if not Path(scenario).is_file():
            raise ScenarioError(f"scenario file {os.fspath(scenario)!r} does not exist")
        return Scenario.from_yaml(Path(scenario))
    return scenario


def _name(scenario: Any) -> str:
    return scenario if isinstance(scenario, str) else str(getattr(scenario, "id", "scenario"))


def resolve_or_obj(scenario: Any) -> Any:
    """A scenario object from an id (catalog or registered) or the object itself."""
    from archgym.scenarios import resolve_scenario

    return resolve_scenario(scenario) if isinstance(scenario, str) else scenario


def optimum_of(sc: Any, name: str | None = None) -> float:
    """The best feasible objective of a scenario object, by enumerating it (cached).

    Raises:
        ValueError: the scenario cannot be enumerated, has several objectives, or has no
            feasible design.
    """
    name = name or str(getattr(sc, "id", "?"))
    n_obj_attr: Any = getattr(sc, "n_objectives", None) or getattr(sc, "num_objectives", 1)
    n_obj = int(n_obj_attr)
    if n_obj > 1:
        raise ValueError(f"scenario {name!r} has {n_obj} objectives; the regret needs one")
    if not getattr(sc, "enumerable", True):
        raise ValueError(f"scenario {name!r} is too large to enumerate for its exact optimum")
    value = float(sc.enumerate().best_value)
    if not np.isfinite(value):
        raise ValueError(f"scenario {name!r} has no feasible design")
    return value


def exact_optimum(
    scenario_id: Any,
    overrides: Mapping[str, Any] | None = None,
    definition: Mapping[str, Any] | None = None,
) -> float:
    """The best feasible objective of a scenario, by enumerating it (cached on disk).

    Args:
        scenario_id: A catalog or registered id, or a scenario object.
        overrides: Overrides of the id (budgets, ...).
        definition: A stored scenario document (used instead of the id).

    Raises:
        ValueError: the scenario cannot be enumerated or has several objectives.
    """
    if isinstance(scenario_id, str):
        from archgym.scenarios import resolve_scenario

        sc = resolve_scenario(scenario_id, overrides, definition)
    else:
        sc = scenario_id
    return optimum_of(sc)


@dataclass
class TransferResult:
    """What a transfer study found.

    Attributes:
        table: One row per (target, seed): ``evals_scratch`` and ``evals_transfer`` (to
            reach the regret; NaN if not within the budget), ``saved`` (their difference,
            NaN unless both reached), ``regret_scratch`` / ``regret_transfer`` (at the end).
        summary: One row per target: medians of the above and how many seeds reached the
            target regret with and without transfer.
        best_values: Exact optimum per target.
        runs: The runs, keyed ``("source", seed)``, ``(target, "scratch", seed)`` and
            ``(target, "transfer", seed)``.
        settings: The study's arguments.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    best_values: dict[str, float]
    runs: dict[tuple[Any, ...], RunResult] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    def format(self) -> str:
        """The summary as printed by ``archgym transfer``."""
        s = self.settings
        head = (
            f"transfer {s.get('source')} -> {', '.join(s.get('targets', []))} with {s.get('agent')} "
            f"({s.get('transfer_method')}); budget {s.get('budget')} (source {s.get('source_budget')}), "
            f"seeds {s.get('seeds')}, target regret {s.get('regret')}"
        )
        body = self.summary.to_string(index=False, float_format=lambda v: f"{v:.4g}")
        return head + "\n" + body


def _evals_to_reach(result: RunResult, best_value: float, target: float) -> tuple[float, float]:
    from archgym import analysis

    frame = analysis.normalized_regret(analysis.best_so_far(result.frame), best_value)
    reach = analysis.evaluations_to_reach(frame, target)
    final = float(frame["regret"].iloc[-1])
    return float(reach["evals_to_reach"].iloc[0]), final


def transfer_study(
    source: Any,
    targets: Sequence[Any],
    *,
    agent: str = "bo",
    budget: int = 50,
    seeds: Sequence[int] = (0, 1, 2),
    regret: float = 0.01,
    source_budget: int | None = None,
    transfer_method: str = "multitask",
    agent_settings: Mapping[str, Any] | None = None,
    out: str | os.PathLike[str] = "runs/transfer",
    progress: bool = False,
    verbose: bool = False,
) -> TransferResult:
    """Run a transfer study (see the module docstring).

    Args:
        source: Source scenario: a catalog id, a YAML file (``*.yaml``) or a scenario.
        targets: Target scenarios, the same way (each must be enumerable). A YAML file is
            stored with each run as its document, so the file is not needed afterwards.
        agent: The agent (it must accept ``transfer_from`` and ``transfer_method``).
        budget: Evaluations per target search.
        seeds: Seeds; each seed has its own source run.
        regret: The normalised regret to reach (0.01: within 1% of the optimum).
        source_budget: Evaluations of the source search (default ``budget``).
        transfer_method: Passed to the agent as ``transfer_method``.
        agent_settings: Other agent settings, the same for every search.
        out: The study's directory.
        progress: Show progress bars.
        verbose: Print each run's one-line outcome.

    Returns:
        A :class:`TransferResult`.
    """
    out = Path(out)
    settings = dict(agent_settings or {})
    source_budget = int(source_budget or budget)
    source_obj = scenario_arg(source)
    target_objs = {}
    for t in targets:
        sc = scenario_arg(t)
        target_objs[_name(sc)] = sc
    best_values = {name: optimum_of(resolve_or_obj(sc), name) for name, sc in target_objs.items()}
    source = _name(source_obj)
    runs: dict[tuple[Any, ...], RunResult] = {}
    rows = []
    for seed in seeds:
        src = run(
            source_obj,
            agent,
            source_budget,
            seed,
            root=out / "source",
            progress=progress,
            **settings,
        )
        runs[("source", seed)] = src
        for target, target_obj in target_objs.items():
            tdir = out / re.sub(r"[^A-Za-z0-9_.=\[\],-]+", "_", target)
            plain = run(
                target_obj,
                agent,
                budget,
                seed,
                root=tdir / "scratch",
                progress=progress,
                **settings,
            )
            warm = run(
                target_obj,
                agent,
                budget,
                seed,
                root=tdir / "transfer",
                progress=progress,
                transfer_from=src,
                transfer_method=transfer_method,
                **settings,
            )
            runs[(target, "scratch", seed)] = plain
            runs[(target, "transfer", seed)] = warm
            e0, r0 = _evals_to_reach(plain, best_values[target], regret)
            e1, r1 = _evals_to_reach(warm, best_values[target], regret)
            rows.append(
                {
                    "target": target,
                    "seed": seed,
                    "evals_scratch": e0,
                    "evals_transfer": e1,
                    "saved": e0 - e1 if np.isfinite(e0) and np.isfinite(e1) else np.nan,
                    "regret_scratch": r0,
                    "regret_transfer": r1,
                }
            )
            if verbose:
                print(
                    f"{target} seed {seed}: scratch {e0:g}, transfer {e1:g} evaluations to regret <= {regret}"
                )
    table = pd.DataFrame(rows)
    summary = []
    for key, g in table.groupby("target", sort=False):
        target = str(key)  # a target scenario's name
        summary.append(
            {
                "target": target,
                "optimum": best_values[target],
                "median_evals_scratch": float(np.nanmedian(g["evals_scratch"]))
                if g["evals_scratch"].notna().any()
                else np.nan,
                "median_evals_transfer": float(np.nanmedian(g["evals_transfer"]))
                if g["evals_transfer"].notna().any()
                else np.nan,
                "median_saved": float(np.nanmedian(g["saved"]))
                if g["saved"].notna().any()
                else np.nan,
                "reached_scratch": f"{int(g['evals_scratch'].notna().sum())}/{len(g)}",
                "reached_transfer": f"{int(g['evals_transfer'].notna().sum())}/{len(g)}",
                "median_final_regret_scratch": float(np.median(g["regret_scratch"])),
                "median_final_regret_transfer": float(np.median(g["regret_transfer"])),
            }
        )
    study = {
        "source": source,
        "targets": list(target_objs),
        "agent": agent,
        "budget": budget,
        "source_budget": source_budget,
        "seeds": list(seeds),
        "regret": regret,
        "transfer_method": transfer_method,
        "agent_settings": settings,
    }
    return TransferResult(table, pd.DataFrame(summary), best_values, runs, study)
