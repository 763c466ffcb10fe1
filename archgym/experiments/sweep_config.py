"""A sweep's configuration and its cells: parsing the sweep file or dict
(:func:`load_config`, :func:`scenario_entry_of`) and expanding it into one
:class:`Cell` per run (:func:`expand_grid`). The file format is described in
:mod:`archgym.experiments.sweep_driver`."""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .runner import RunSpec

__all__ = [
    "SweepError",
    "SweepConfig",
    "Cell",
    "load_config",
    "scenario_entry_of",
    "expand_grid",
]


class SweepError(ValueError):
    """A malformed sweep configuration (the message says which entry and why)."""


@dataclass
class SweepConfig:
    """A parsed sweep configuration.

    Attributes:
        scenarios: ``(id, overrides, definition)`` per scenario (``definition``: the
            document of a scenario read from a YAML file, else None).
        agents: ``(name, settings, budget)`` per agent entry; ``settings`` values that are
            lists are grid axes, ``budget`` is None for the sweep's budget.
        seeds: The seeds.
        budget: Evaluations per run.
        out: Output directory named in the file (None if not given).
        fmt: Log format of every run (``auto``, ``csv`` or ``parquet``).
    """

    scenarios: list[tuple[str, dict[str, Any], dict[str, Any] | None]]
    agents: list[tuple[str, dict[str, Any], int | None]]
    seeds: list[int]
    budget: int
    out: str | None = None
    fmt: str = "auto"
    document: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Cell:
    """One run of a sweep: its spec and its directory."""

    spec: RunSpec
    dir: Path


def _as_list(value: Any, what: str) -> list[Any]:
    if value is None:
        raise SweepError(f"the sweep configuration needs '{what}'")
    return list(value) if isinstance(value, list | tuple) else [value]


def load_config(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    scenarios: Sequence[str | Mapping[str, Any]] | None = None,
    scenario_overrides: Mapping[str, Any] | None = None,
) -> SweepConfig:
    """Parse a sweep configuration from a YAML file or a dict (see the module docstring).

    Args:
        source: The YAML file or its dict.
        scenarios: Scenarios that replace the configuration's ``scenarios`` (which may then
            be missing): each an entry of the ``scenarios`` list, or a command-line string
            (:func:`scenario_entry_of`: an id, ``ID[key=value,...]`` or a YAML file). File
            names are relative to the current directory.
        scenario_overrides: Overrides (``area_mm2=10``, ...) applied to every scenario of
            the sweep, over those an entry sets itself (``archgym sweep --scenario-set``).

    Raises:
        SweepError: a missing or malformed entry.
    """
    if isinstance(source, Mapping):
        doc = dict(source)
    else:
        from .._io import load_yaml

        doc = load_yaml(Path(source), what=f"sweep configuration {source}", error=SweepError) or {}
        if not isinstance(doc, Mapping):
            raise SweepError(
                f"{source}: a sweep configuration is a mapping, got {type(doc).__name__}"
            )
        doc = dict(doc)
    known = {"budget", "seeds", "scenarios", "agents", "out", "format", "name", "description"}
    known |= {"scenario_overrides"}  # written to sweep.json by --scenario-set
    unknown = sorted(set(doc) - known)
    if unknown:
        raise SweepError(
            f"unknown key(s) {unknown} in the sweep configuration; known: {sorted(known)}"
        )
    if "budget" not in doc:
        raise SweepError("the sweep configuration needs 'budget' (evaluations per run)")
    budget = doc["budget"]
    if not isinstance(budget, int) or budget < 1:
        raise SweepError(f"budget must be an integer >= 1, got {budget!r}")
    seeds_doc = doc.get("seeds", 1)
    if isinstance(seeds_doc, int) and not isinstance(seeds_doc, bool):
        seeds = list(range(seeds_doc))
    else:
        seeds = _as_list(seeds_doc, "seeds")
    if not seeds or not all(isinstance(s, int) and s >= 0 for s in seeds):
        raise SweepError(f"seeds must be a count or a list of integers >= 0, got {seeds_doc!r}")
    base_dir = None if isinstance(source, Mapping) else Path(source).resolve().parent
    if scenarios:  # from the command line: they replace the file's list
        entries = [scenario_entry_of(e) if isinstance(e, str) else e for e in scenarios]
        base_dir = Path.cwd()
        doc["scenarios"] = [_jsonable_entry(e) for e in entries]
    else:
        entries = _as_list(doc.get("scenarios"), "scenarios")
    if scenario_overrides:
        doc["scenario_overrides"] = dict(scenario_overrides)
    scenario_list = []
    for i, entry in enumerate(entries):
        scenario_list.append(_scenario_entry(i, entry, base_dir, scenario_overrides))
    agents: list[tuple[str, dict[str, Any], int | None]] = []
    for i, entry in enumerate(_as_list(doc.get("agents"), "agents")):
        if isinstance(entry, str):
            agents.append((entry, {}, None))
        elif isinstance(entry, Mapping) and "name" in entry:
            extra = sorted(set(entry) - {"name", "settings", "budget"})
            if extra:
                raise SweepError(
                    f"agents[{i}]: unknown key(s) {extra}; use 'name', 'settings', 'budget'"
                )
            settings = entry.get("settings") or {}
            if not isinstance(settings, Mapping):
                raise SweepError(f"agents[{i}]: settings must be a mapping, got {settings!r}")
            b = entry.get("budget")
            if b is not None and (not isinstance(b, int) or b < 1):
                raise SweepError(f"agents[{i}]: budget must be an integer >= 1, got {b!r}")
            agents.append((str(entry["name"]), dict(settings), b))
        else:
            raise SweepError(
                f"agents[{i}]: a name or a mapping with 'name' (and 'settings'), got {entry!r}"
            )
    from archgym import agents as _agents
    from archgym.plugins import check_not_import_path

    for i, (name, _, _) in enumerate(agents):
        check_not_import_path(name, "agent", SweepError)
        if name not in _agents.list_agents():  # checked without importing the agent's module
            raise SweepError(
                f"agents[{i}]: unknown agent {name!r}; agents: {_agents.list_agents()}"
            )
    fmt = doc.get("format", "auto")
    if fmt not in ("auto", "csv", "parquet"):
        raise SweepError(f"format must be 'auto', 'csv' or 'parquet', got {fmt!r}")
    return SweepConfig(
        scenario_list, agents, [int(s) for s in seeds], int(budget), doc.get("out"), fmt, doc
    )


def scenario_entry_of(text: str) -> dict[str, Any]:
    """A scenario named on the command line as a ``scenarios`` entry.

    ``my.yaml`` (or ``.yml``) is a scenario document, ``{"file": "my.yaml"}``;
    ``ID[key=value,...]`` is a catalog id with overrides, written as run ids and tables write
    them (``hw-mobilenet_v2-area[area_mm2=80]``; values parsed as ``--set`` parses them),
    ``{"id": ID, "set": {...}}``; anything else is an id.

    Raises:
        SweepError: a malformed ``[...]`` part.
    """
    import re

    from .commands import parse_settings

    text = text.strip()
    if text.endswith((".yaml", ".yml")):
        return {"file": text}
    m = re.fullmatch(r"([^\[\]]+)\[(.*)\]", text)
    if m is None:
        if "[" in text or "]" in text:
            raise SweepError(f"scenario {text!r}: write overrides as ID[key=value,...]")
        return {"id": text}
    # split at the commas that start the next key=value (a value may hold commas: [1,2])
    items = [p for p in re.split(r",(?=\s*[A-Za-z_][A-Za-z0-9_]*\s*=)", m.group(2)) if p]
    try:
        overrides = parse_settings(items, flag=f"scenario {text!r}")
    except SystemExit as exc:
        raise SweepError(str(exc)) from None
    return {"id": m.group(1).strip(), "set": overrides}


def _jsonable_entry(entry: Any) -> Any:
    """A ``scenarios`` entry as ``sweep.json`` records it (a file by its absolute path)."""
    if isinstance(entry, Mapping) and "file" in entry:
        return {**entry, "file": str(Path(str(entry["file"])).resolve())}
    return entry


def _scenario_entry(
    i: int,
    entry: Any,
    base_dir: Path | None,
    more_overrides: Mapping[str, Any] | None = None,
) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    """``(id, overrides, definition)`` of one ``scenarios`` entry, checked (never imported).

    A file is read by :func:`archgym.experiments.transfer_studies.scenario_arg` (as ``archgym run``,
    ``transfer`` do) and recorded by its document, so its runs need no file later."""
    from archgym import scenarios as _scenarios

    from .transfer_studies import scenario_arg

    if isinstance(entry, str):
        entry = {"file": entry} if entry.endswith((".yaml", ".yml")) else {"id": entry}
    if not isinstance(entry, Mapping) or ("id" in entry) == ("file" in entry):
        raise SweepError(
            f"scenarios[{i}]: an id, a YAML file name, or a mapping with 'id' or 'file' "
            f"(and 'set'), got {entry!r}"
        )
    extra = sorted(set(entry) - {"id", "file", "set", "overrides"})
    if extra:
        raise SweepError(f"scenarios[{i}]: unknown key(s) {extra}; use 'id' or 'file', and 'set'")
    overrides = dict(entry.get("set") or entry.get("overrides") or {})
    overrides.update(more_overrides or {})
    try:
        if "file" in entry:
            path = Path(str(entry["file"]))
            if base_dir is not None and not path.is_absolute():
                path = base_dir / path
            sc = scenario_arg(path)
            if overrides:
                sc = _scenarios.load(sc, **overrides)
            return str(sc.id), {}, sc.to_dict()
        sid = str(entry["id"])
        if sid not in _scenarios.ids():
            _scenarios.get_definition(sid)  # raises the clear unknown-id error
        if overrides:
            _scenarios.load(sid, **overrides)  # an unknown override fails before any cell
        return sid, overrides, None
    except _scenarios.ScenarioError as exc:
        raise SweepError(f"scenarios[{i}]: {exc}") from None


def _setting_grid(settings: Mapping[str, Any]) -> list[dict[str, Any]]:
    keys = list(settings)
    axes = [v if isinstance(v, list) else [v] for v in settings.values()]
    if any(len(a) == 0 for a in axes):
        raise SweepError(f"an empty list of values in agent settings {dict(settings)!r}")
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*axes)]


def expand_grid(config: SweepConfig, out: str | os.PathLike[str]) -> list[Cell]:
    """The cells of a sweep: scenarios x agents x setting grids x seeds, in that order."""
    out = Path(out)
    cells = []
    seen: set[str] = set()
    for scenario, overrides, definition in config.scenarios:
        for name, settings, budget in config.agents:
            for combo in _setting_grid(settings):
                for seed in config.seeds:
                    spec = RunSpec(
                        scenario,
                        name,
                        budget or config.budget,
                        seed,
                        overrides,
                        combo,
                        scenario_definition=definition,
                    )
                    if spec.run_id in seen:
                        continue
                    seen.add(spec.run_id)
                    cells.append(Cell(spec, out / spec.run_id))
    return cells
