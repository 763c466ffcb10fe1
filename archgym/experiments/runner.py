"""Run one search and keep its tidy log on disk, resumably.

:func:`run` searches a scenario with an agent for a budget of evaluations and a seed, and
writes a *run directory* (``settings.json``, ``log.csv``, ``log.parquet``,
``summary.json``: :mod:`.rundir` says what each holds).

The run id is a hash of the settings, so the same command always names the same run. If
the directory already holds a log of the same settings, the run *resumes*: the logged
rows are replayed into a fresh agent (:meth:`archgym.agents.Agent.run` with ``resume=``;
agents are deterministic for a seed), nothing finished is evaluated again, and the final
log equals the one an uninterrupted run writes (up to the wall-time columns ``ask_s`` and
``eval_s``). A directory whose ``settings.json`` differs from the request is refused.

Scenarios are given by id (``archgym.scenarios.load``; a scenario object that is not in
the catalog, such as one read from a YAML file, is stored as its full document) and agents
by name (``archgym.agents.make``). Nothing named in a ``settings.json`` is ever imported:
your own scenarios and agents are registered from your own Python
(``archgym.scenarios.register``, ``archgym.agents.register``) or a ``--plugin`` module
(:mod:`archgym.plugins`).

The pieces live by concept: :mod:`.spec` (:class:`RunSpec`, :class:`RunResult`),
:mod:`.resolve` (ids and names to objects), :mod:`.summary` (``summary.json``),
:mod:`.rundir` (the directory's lock, default place, :func:`load_run`) and
:mod:`.logs` (reading and writing the tidy log); this module runs and resumes, and
re-exports their public names.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .logs import (
    LOG_CSV,
    LOG_PARQUET,
    SETTINGS_JSON,
    SUMMARY_JSON,
    LogWriter,
    have_pyarrow,
    read_log,
    read_log_prefix,
    restore_knobs,
    write_bytes_atomic,
    write_json_atomic,
)
from .resolve import _agent_name, _scenario_record, resolve_agent
from .rundir import (
    LOCK_FILE,
    RunBusyError,
    _locked_as_found,
    default_run_dir,
    load_run,
)
from .spec import RunError, RunResult, RunSpec, _encode_setting, agent_label
from .summary import META_COLUMNS, format_summary, scenario_info, summarize

__all__ = [
    "RunError",
    "RunBusyError",
    "RunSpec",
    "RunResult",
    "run",
    "run_spec",
    "load_run",
    "resolve_scenario",  # noqa: F822 - a lazy attribute (__getattr__ below)
    "resolve_agent",
    "scenario_info",
    "default_run_dir",
    "agent_label",
    "summarize",
    "format_summary",
    "META_COLUMNS",
    "LOCK_FILE",
    "write_bytes_atomic",
    "read_json_roundtrip",
]


def _diff(want: Mapping[str, Any], have: Mapping[str, Any]) -> list[str]:
    import json

    def norm(v: Any) -> str:
        return json.dumps(v, sort_keys=True, default=repr)

    return [
        f"{k}: directory has {norm(have.get(k))}, this run has {norm(want[k])}"
        for k in want
        if norm(want[k]) != norm(have.get(k))
    ]


def run_spec(
    spec: RunSpec,
    out: str | os.PathLike[str] | None = None,
    *,
    progress: bool = False,
    fmt: str = "auto",
    scenario: Any = None,
    agent: Any = None,
    fsync: bool = False,
) -> RunResult:
    """Run (or resume, or just load) the run ``spec`` in the directory ``out``.

    Args:
        spec: What to run.
        out: The run directory (default ``runs/<run id>``).
        progress: Show a tqdm progress bar.
        fmt: ``"auto"`` (Parquet mirror when pyarrow is there), ``"parquet"`` (required)
            or ``"csv"`` (no mirror).
        scenario: The scenario object, if already built (else resolved from ``spec``).
        agent: The agent object, if already built (else resolved from ``spec``).
        fsync: ``os.fsync`` the log after every step.

    Returns:
        The :class:`RunResult`.

    Raises:
        RunError: the directory belongs to other settings, or another process runs it.
    """
    if fmt not in ("auto", "parquet", "csv"):
        raise ValueError(f"fmt must be 'auto', 'parquet' or 'csv', got {fmt!r}")
    if fmt == "parquet" and not have_pyarrow():
        raise RunError("fmt='parquet' needs pyarrow (pip install 'archgym[parquet]')")
    directory = Path(out) if out is not None else default_run_dir(spec)
    key = spec.key()
    with _locked_as_found(directory):
        from .logs import read_json_checked

        try:
            have = read_json_checked(directory / SETTINGS_JSON)
        except ValueError as exc:
            raise RunError(f"{exc}; refusing to resume this run") from None
        log_path = directory / LOG_CSV
        if have is not None:
            try:
                have_identity = RunSpec.from_settings(have).identity()
            except (KeyError, TypeError, ValueError):
                have_identity = {}
            diff = _diff(spec.identity(), have_identity)
            if diff:
                raise RunError(
                    f"{directory} holds a run with other settings; refusing to resume it:\n  "
                    + "\n  ".join(diff)
                    + "\nUse another --out directory (or delete this one)."
                )
        elif log_path.exists() and log_path.stat().st_size > 0:
            raise RunError(
                f"{directory} has a {LOG_CSV} but no {SETTINGS_JSON}; refusing to append to it"
            )
        if scenario is None:
            from archgym.scenarios import resolve_scenario

            scenario = resolve_scenario(
                spec.scenario, spec.scenario_overrides, spec.scenario_definition
            )
        if agent is None:
            agent = resolve_agent(spec.agent, spec.agent_settings)
        info = scenario_info(scenario)
        doc = {
            **key,
            "run_id": spec.run_id,
            "label": spec.label,
            "agent_settings_resolved": _encode_setting(
                {
                    f.name: getattr(agent.settings, f.name)
                    for f in dataclasses.fields(agent.settings)
                }
            ),
            "scenario_info": info,
        }
        if have is None or have != read_json_roundtrip(doc):
            write_json_atomic(directory / SETTINGS_JSON, doc)
        step_size = _step_size(agent, scenario, spec.seed) if log_path.exists() else 1
        knobs = list(scenario.space.names)
        prefix, _dropped = read_log_prefix(log_path, spec.budget, step_size, knobs)
        resumed = len(prefix)
        if resumed < spec.budget:
            writer = LogWriter(log_path, fsync=fsync)
            replay = restore_knobs(prefix, scenario.space) if resumed else None
            agent.run(
                scenario,
                spec.budget,
                spec.seed,
                callback=writer.append,
                progress=progress,
                run_id=spec.run_id,
                resume=replay,
            )
        frame = restore_knobs(read_log(log_path, knobs), scenario.space)
        if fmt != "csv" and have_pyarrow():
            _write_parquet(frame, directory / LOG_PARQUET)
        summary = summarize(frame, info, spec)
        write_json_atomic(directory / SUMMARY_JSON, summary)
    from archgym.agents import History

    settings = {**doc, "run_dir": str(directory.resolve())}
    return RunResult(spec, directory, History(frame=frame, settings=settings), summary, resumed)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """The Parquet mirror of the journal (:func:`.logs.write_parquet_mirror`)."""
    from .logs import write_parquet_mirror

    write_parquet_mirror(frame, path.with_name(LOG_CSV), path)


def _step_size(agent: Any, scenario: Any, seed: int) -> int:
    """Designs per ask/tell step of ``agent`` on ``scenario`` (some agents fix it in setup)."""
    size = getattr(agent.settings, "batch_size", None)
    if isinstance(size, int | np.integer) and not isinstance(size, bool):
        return int(size)
    import copy

    probe = copy.deepcopy(agent)
    probe.setup(scenario, seed)
    return int(probe.settings.batch_size)


def read_json_roundtrip(doc: Any) -> Any:
    """``doc`` as it reads back from JSON (to compare with a file's content)."""
    import json

    from .logs import _json_default

    return json.loads(json.dumps(doc, default=_json_default))


def run(
    scenario: Any,
    agent: Any,
    budget: int,
    seed: int = 0,
    out: str | os.PathLike[str] | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    scenario_overrides: Mapping[str, Any] | None = None,
    progress: bool = False,
    fmt: str = "auto",
    verbose: bool = False,
    **agent_settings: Any,
) -> RunResult:
    """Search ``scenario`` with ``agent`` for ``budget`` evaluations and keep the log.

    Args:
        scenario: A scenario id (catalog or registered), or a scenario object (a catalog
            scenario is recorded by its id, another ``Scenario`` by its document, any other
            object by its ``id`` and ``overrides`` attributes).
        agent: An agent name (built in or registered), or an agent object of a registered
            class (recorded by its name and full settings; ``agent_settings`` must then be
            empty).
        budget: Number of evaluations.
        seed: Seed of the agent's random sources.
        out: The run directory (default ``<root>/<run id>``). An existing directory of
            the same settings is resumed (or, if finished, just loaded).
        root: Where the default run directory goes (default ``runs``).
        scenario_overrides: Keyword overrides of the scenario (by id only).
        progress: Show a tqdm progress bar.
        fmt: ``"auto"``, ``"parquet"`` or ``"csv"`` (see :func:`run_spec`).
        verbose: Print the summary table.
        **agent_settings: Settings of the agent (fields of its ``Settings`` dataclass).

    Returns:
        A :class:`RunResult` (``.history``, ``.summary``, ``.dir`` and the file paths).

    Example:
        >>> res = run("tiny", "random", budget=20, seed=0, out="runs/demo")  # doctest: +SKIP
        >>> res.summary["best"]["design"]  # doctest: +SKIP
    """
    scenario_obj = None
    definition = None
    if isinstance(scenario, str):
        scenario_id = scenario
    else:
        if scenario_overrides:
            raise ValueError("scenario_overrides apply to a scenario id, not to a scenario object")
        scenario_obj = scenario
        scenario_id, scenario_overrides, definition = _scenario_record(scenario)
    agent_obj = None
    if isinstance(agent, str):
        agent_name = agent
    else:
        if agent_settings:
            raise ValueError(
                "give agent settings either to the agent object or as keywords, not both"
            )
        agent_obj = agent
        agent_name = _agent_name(agent)
        agent_settings = {
            f.name: getattr(agent.settings, f.name) for f in dataclasses.fields(agent.settings)
        }
        if (
            getattr(agent, "transfer_from", None) is not None
        ):  # BO's transfer source (not a setting)
            agent_settings["transfer_from"] = agent.transfer_from
    spec = RunSpec(
        scenario_id,
        agent_name,
        budget,
        seed,
        dict(scenario_overrides or {}),
        dict(agent_settings),
        scenario_definition=definition,
    )
    if agent_obj is None and any(not _jsonable(v) for v in agent_settings.values()):
        agent_obj = resolve_agent(agent_name, agent_settings)
    t0 = time.perf_counter()
    if out is None:
        out = default_run_dir(spec, root or "runs")
    result = run_spec(spec, out, progress=progress, fmt=fmt, scenario=scenario_obj, agent=agent_obj)
    if verbose:
        print(format_summary(result.summary))
        print(f"({time.perf_counter() - t0:.2f} s; run directory {result.dir})")
    return result


def _jsonable(value: Any) -> bool:
    if isinstance(value, str | int | float | bool | type(None) | np.generic):
        return True
    if isinstance(value, list | tuple):
        return all(_jsonable(v) for v in value)
    if isinstance(value, Mapping):
        return all(_jsonable(v) for v in value.values())
    return False


def __getattr__(name: str) -> Any:
    # ``resolve_scenario`` is :func:`archgym.scenarios.resolve_scenario`, imported on first
    # use: reading and analysing run logs does not need the scenarios (about 1 s to import).
    if name == "resolve_scenario":
        from archgym.scenarios import resolve_scenario

        return resolve_scenario
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
