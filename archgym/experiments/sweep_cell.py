"""One sweep cell, run inside a worker of either backend: building its agent with the
worker's thread share, running it without ever raising (:func:`run_cell`), and telling
whether an earlier sweep finished it."""

from __future__ import annotations

import json
import os
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .logs import SETTINGS_JSON, SUMMARY_JSON, clear_error, read_json, write_error
from .runner import RunBusyError, RunSpec, run_spec
from .sweep_config import Cell
from .sweep_threads import _limit_threads

__all__ = ["run_cell"]

#: A cell whose worker process died (killed, out of memory, a crash in native code) is
#: run again (resuming from its log) up to this many times in all, then marked failed.
_MAX_WORKER_DEATHS = 2
#: Seconds between looks at a cell another live process is running.
_BUSY_POLL_S = 0.5


def _agent_with_share(spec: RunSpec, directory: Path, threads: int | None) -> Any:
    """The cell's agent built with ``threads`` as its thread setting, or None (the run
    resolves the agent from its spec) when the sweep gives no share, the agent's settings
    name ``threads`` themselves, or the agent has no such setting.

    A run resumed from its log keeps the share it started with (recorded in its
    ``settings.json`` as ``agent_settings_resolved.threads``): the replay of its logged
    proposals must see the same arithmetic."""
    import dataclasses

    from archgym import agents

    if threads is None or "threads" in spec.agent_settings:
        return None
    cls = agents.agent_class(spec.agent)
    settings_cls = getattr(cls, "Settings", None)
    if settings_cls is None or "threads" not in {f.name for f in dataclasses.fields(settings_cls)}:
        return None
    have = read_json(directory / SETTINGS_JSON)
    if isinstance(have, Mapping):
        recorded = (have.get("agent_settings_resolved") or {}).get("threads")
        try:
            same_run = RunSpec.from_settings(have).identity() == spec.identity()
        except (KeyError, TypeError, ValueError):
            same_run = False
        if same_run and isinstance(recorded, int) and recorded >= 1:
            threads = recorded
    from .resolve import resolve_agent

    return resolve_agent(spec.agent, {**spec.agent_settings, "threads": int(threads)})


def run_cell(
    spec_doc: dict[str, Any], directory: str, fmt: str = "auto", threads: int | None = 1
) -> dict[str, Any]:
    """Run one sweep cell; never raises (a failure is returned and written to ``error.txt``).

    Args:
        spec_doc: ``RunSpec.key()`` of the cell.
        directory: Its run directory.
        fmt: Log format.
        threads: The worker's share of the cores: BLAS / OpenMP / torch are pinned to it,
            and it is the agent's ``threads`` setting unless the cell's settings name one
            (None: leave every thread count as it is).

    Returns:
        ``status`` (``done``, ``error``, or ``busy``: another live process holds the
        cell's lock, nothing was done), ``n_evals``, ``best_objective``, ``wall_s``,
        ``error`` (one line), ``pid`` and ``threads`` (the share given).
    """
    if threads is not None:
        threads = max(1, int(threads))
        _limit_threads(threads)
    t0 = time.perf_counter()
    path = Path(directory)
    try:
        if _PLUGIN_ERROR:
            raise _PLUGIN_ERROR[0]
        spec = RunSpec.from_settings(spec_doc)
        agent = _agent_with_share(spec, path, threads)
        res = run_spec(spec, path, fmt=fmt, agent=agent)
        clear_error(path)
        best = res.summary.get("best")
        return {
            "status": "done",
            "n_evals": int(res.summary.get("n_evals", len(res.frame))),
            "best_objective": None if best is None else best.get("objective"),
            "wall_s": time.perf_counter() - t0,
            "error": "",
            "pid": os.getpid(),
            "threads": threads,
        }
    except RunBusyError as exc:  # another live process runs this cell: not a failure
        return {
            "status": "busy",
            "n_evals": None,
            "best_objective": None,
            "wall_s": time.perf_counter() - t0,
            "error": str(exc).splitlines()[0][:500],
            "pid": exc.pid,
        }
    except Exception as exc:  # noqa: BLE001 - isolate the cell; the traceback is kept
        write_error(path, traceback.format_exc())
        return {
            "status": "error",
            "n_evals": None,
            "best_objective": None,
            "wall_s": time.perf_counter() - t0,
            "error": f"{type(exc).__name__}: {exc}".splitlines()[0][:500],
            "pid": os.getpid(),
            "threads": threads,
        }


_PLUGIN_ERROR: list[BaseException] = []


def _init_worker(plugins: Sequence[str] = (), threads: int | None = 1) -> None:
    if threads is not None:
        _limit_threads(max(1, int(threads)))
    if plugins:
        from archgym.plugins import PluginError, load_plugins

        try:
            load_plugins(plugins)
        except PluginError as exc:  # reported by every cell of this worker, not a dead pool
            _PLUGIN_ERROR.append(exc)


def _ray_cell(
    plugins: Sequence[str], spec_doc: dict[str, Any], directory: str, fmt: str, threads: int = 1
) -> dict[str, Any]:
    """:func:`run_cell` in a Ray worker, after loading the sweep's plugins."""
    _init_worker(plugins, threads)
    return run_cell(spec_doc, directory, fmt, threads)


def _finished(cell: Cell) -> dict[str, Any] | None:
    """The index row of a cell finished by an earlier sweep, or None."""
    summary = read_json(cell.dir / SUMMARY_JSON)
    settings = read_json(cell.dir / SETTINGS_JSON)
    if summary is None or settings is None or not summary.get("complete"):
        return None
    try:
        have = RunSpec.from_settings(settings).identity()
    except (KeyError, TypeError, ValueError):
        return None
    if json.dumps(have, sort_keys=True) != json.dumps(cell.spec.identity(), sort_keys=True):
        return None
    if summary.get("n_evals", 0) < cell.spec.budget:
        return None
    best = summary.get("best")
    return {
        "status": "skipped",
        "n_evals": summary.get("n_evals"),
        "best_objective": None if best is None else best.get("objective"),
        "wall_s": 0.0,
        "error": "",
    }
