"""Run folders read into one tidy frame, and the scenario each run searched.

:func:`find_run_dirs` finds run directories, :func:`load_runs` concatenates their logs with
run metadata; the scenario of a run is its full stored definition
(:func:`scenario_identity`), rebuilt by :func:`scenario_of` and enumerated for its exact
optimum (:func:`exact_best_values`, :func:`exact_designs`).
"""

from __future__ import annotations

import glob as _glob
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "PathLike",
    "find_run_dirs",
    "load_runs",
    "scenario_identity",
    "scenario_specs",
    "scenario_of",
    "exact_designs",
    "exact_best_values",
    "scenario_infos",
]

PathLike = str | os.PathLike[str]


def find_run_dirs(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    """Run directories (those holding a ``settings.json``) under ``paths``.

    Args:
        paths: A run directory, a directory holding runs at any depth (a sweep), a glob
            pattern, or a list of these.

    Returns:
        The run directories, sorted, without duplicates.
    """
    from archgym.experiments.logs import SETTINGS_JSON

    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    found: set[Path] = set()
    for item in items:
        text = os.fspath(item)
        candidates = (
            [Path(p) for p in _glob.glob(text)] if any(c in text for c in "*?[") else [Path(text)]
        )
        for p in candidates:
            if (p / SETTINGS_JSON).is_file():
                found.add(p)
            elif p.is_dir():
                found.update(s.parent for s in p.rglob(SETTINGS_JSON))
    return sorted(found)


def load_runs(paths: PathLike | Iterable[PathLike] | pd.DataFrame) -> pd.DataFrame:
    """All logs under ``paths`` concatenated, with run metadata.

    Args:
        paths: See :func:`find_run_dirs`; a DataFrame is returned unchanged.

    Returns:
        One row per evaluation with the log's columns plus ``scenario`` (the name of the
        run's full scenario definition, see :func:`scenario_identity`: runs of one id at
        two budgets are two scenarios), ``label``, ``budget``, ``agent_settings`` (JSON
        text) and ``run_dir``. ``frame.attrs["scenarios"]`` maps each scenario name to
        what it declares (knobs, objective columns, budgets, reference point) and
        ``frame.attrs["scenario_specs"]`` to the stored definition that rebuilds it.

    Raises:
        FileNotFoundError: no run directory was found.
    """
    if isinstance(paths, pd.DataFrame):
        return paths
    from archgym.experiments.logs import SETTINGS_JSON, read_json_checked, read_log

    dirs = find_run_dirs(paths)
    if not dirs:
        raise FileNotFoundError(f"no run directory (with a settings.json) under {paths!r}")
    frames = []
    runs: list[tuple[pd.DataFrame, dict[str, Any], str, str]] = []
    for d in dirs:
        doc = read_json_checked(d / SETTINGS_JSON) or {}  # damaged: a ValueError naming it
        log = read_log(d)
        if log.empty:
            continue
        label, key = scenario_identity(doc)
        log = log.copy()
        log["label"] = doc.get("label", doc.get("agent", ""))
        log["budget"] = doc.get("budget", len(log))
        log["agent_settings"] = json.dumps(doc.get("agent_settings", {}), sort_keys=True)
        log["run_dir"] = str(d)
        runs.append((log, doc, label, key))
    if not runs:
        raise FileNotFoundError(f"the runs under {paths!r} have no logged evaluation yet")
    # one name per scenario definition: a label shared by different definitions gets the
    # first digits of its definition's hash
    keys_of: dict[str, set[str]] = {}
    for _, _, label, key in runs:
        keys_of.setdefault(label, set()).add(key)
    infos: dict[str, Any] = {}
    specs: dict[str, Any] = {}
    for log, doc, label, key in runs:
        name = label if len(keys_of[label]) == 1 else f"{label}#{key[:8]}"
        log["scenario"] = name
        frames.append(log)
        if doc.get("scenario_info"):
            infos.setdefault(name, doc["scenario_info"])
        specs.setdefault(
            name,
            {
                "scenario": doc.get("scenario", ""),
                "scenario_overrides": dict(doc.get("scenario_overrides") or {}),
                "scenario_definition": doc.get("scenario_definition"),
            },
        )
    out = pd.concat(frames, ignore_index=True)
    out.attrs["scenarios"] = infos
    out.attrs["scenario_specs"] = specs
    return out


def _tag(overrides: Mapping[str, Any]) -> str:
    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:g}"
        return json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else str(v)

    return ",".join(f"{k}={fmt(v)}" for k, v in sorted(overrides.items()))


def scenario_identity(settings: Mapping[str, Any]) -> tuple[str, str]:
    """``(name, key)`` of the scenario a run searched, from its ``settings.json``.

    A run's scenario is its full definition: the id with its overrides (``area_mm2=80``),
    or the stored document of a scenario that is not in the catalog (one read from a YAML
    file). ``key`` is a hash of that definition; ``name`` is the scenario's own id
    (``hw-mobilenet_v2-area[area_mm2=80]`` for an overridden one, the document's id for a
    stored document). Runs are grouped by it, and the exact optimum is computed for it.
    """
    sid = str(settings.get("scenario", ""))
    overrides = dict(settings.get("scenario_overrides") or {})
    definition = settings.get("scenario_definition")
    key_doc = {"scenario": sid, "overrides": overrides, "definition": definition}
    key = hashlib.sha256(
        json.dumps(key_doc, sort_keys=True, separators=(",", ":"), default=repr).encode()
    ).hexdigest()
    info_id = (settings.get("scenario_info") or {}).get("id")
    if isinstance(definition, Mapping) and definition.get("id"):
        info_id = str(definition["id"])
    name = str(info_id) if info_id else sid
    if overrides and "[" not in name:
        name = f"{name}[{_tag(overrides)}]"
    return name, key


def scenario_specs(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """``frame.attrs["scenario_specs"]``: per scenario name, the stored definition that
    rebuilds it (``scenario``, ``scenario_overrides``, ``scenario_definition``)."""
    return dict(frame.attrs.get("scenario_specs", {}) or {})


def scenario_of(frame: pd.DataFrame, name: str) -> Any:
    """The scenario object named ``name`` in a :func:`load_runs` frame, rebuilt from the
    definition stored with its runs (no scenario file is needed).

    Raises:
        KeyError: the frame does not know ``name``.
        archgym.scenarios.ScenarioError: the stored definition cannot be rebuilt (an id
            that is neither in the catalog nor registered is never imported).
    """
    from archgym.scenarios import resolve_scenario

    specs = scenario_specs(frame)
    if name not in specs:
        raise KeyError(f"no stored definition for scenario {name!r}; known: {sorted(specs)}")
    spec = specs[name]
    return resolve_scenario(
        spec["scenario"], spec.get("scenario_overrides"), spec.get("scenario_definition")
    )


def exact_designs(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per scenario of a :func:`load_runs` frame, the evaluation rows (named knobs and
    metrics) of its exact optimum (one row) or, with several objectives, of its exact
    Pareto front, from enumerating the stored definition (cached on disk).

    Raises:
        archgym.scenarios.ScenarioError: a scenario that cannot be enumerated, or has no
            feasible design.
    """
    out = {}
    for name in sorted(frame["scenario"].astype(str).unique()):
        sc = scenario_of(frame, name)
        res = sc.enumerate()
        if len(getattr(res, "objective_names", ())) > 1 and len(res.pareto_index):
            designs = np.asarray(res.pareto_index)
        else:
            designs = np.asarray(res.best_index)[None, :]
        out[name] = sc.evaluate(designs).to_frame()
    return out


def exact_best_values(frame: pd.DataFrame) -> dict[str, float]:
    """The exact optimum of every scenario of a :func:`load_runs` frame, computed by
    enumerating the definition stored with its runs (cached on disk).

    Raises:
        ValueError: a scenario that cannot be enumerated, has several objectives, or has
            no feasible design.
    """
    from archgym.experiments.transfer_studies import optimum_of

    out = {}
    for name in sorted(frame["scenario"].astype(str).unique()):
        out[name] = optimum_of(scenario_of(frame, name), name)
    return out


def scenario_infos(frame: pd.DataFrame) -> dict[str, Any]:
    """``frame.attrs["scenarios"]`` (what each scenario declares), or ``{}``."""
    return dict(frame.attrs.get("scenarios", {}) or {})


def run_columns(row: pd.Series, run_id: Any) -> dict[str, Any]:
    """The columns that say which run a per-run table row is about: ``scenario``,
    ``run_id``, ``agent``, ``label`` and ``seed`` (read from one of the run's log rows)."""
    return {
        "scenario": row["scenario"],
        "run_id": run_id,
        "agent": row["agent"],
        "label": row["label"],
        "seed": row["seed"],
    }


def _with_defaults(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    if "run_id" not in out.columns:
        out["run_id"] = "run"
    if "scenario" not in out.columns:
        out["scenario"] = ""
    if "label" not in out.columns:
        out["label"] = out["agent"] if "agent" in out.columns else out["run_id"]
    if "agent" not in out.columns:
        out["agent"] = out["label"]
    if "seed" not in out.columns:
        out["seed"] = 0
    if "eval" not in out.columns:
        out["eval"] = out.groupby("run_id", sort=False).cumcount()
    if "feasible" not in out.columns:
        out["feasible"] = True
    out.attrs = dict(frame.attrs)
    return out
