"""Sweeps: grids of agents x scenarios x seeds x agent settings, run in parallel.

A sweep configuration (YAML, or the same as a dict)::

    budget: 50                 # evaluations per run (an agent entry may override it)
    seeds: [0, 1, 2]           # or a count: 3 means seeds 0, 1, 2
    scenarios:
      - tiny                   # a catalog id (or one registered from Python)
      - {id: tiny, set: {area_mm2: 10}}       # with overrides
      - my_scenario.yaml       # a scenario document (path relative to this file)
      - {file: my_scenario.yaml, set: {area_mm2: 10}}
    agents:
      - random
      - name: bo
        settings: {n_init: [5, 10], batch_size: 2}
        budget: 30

A list under ``settings`` is a grid axis: the entry above expands to ``bo(n_init=5)`` and
``bo(n_init=10)``, so the spread of quality over settings (the "hyperparameter lottery")
is measured, not hidden. To give a setting whose value is itself a list, wrap it in one
more list (``[[1, 2]]``).

Every cell is a run (:func:`archgym.experiments.run`) in its own directory
``<out>/<run id>``; a sweep started again skips the finished cells and resumes the partial
ones, losing nothing. A cell that raises is logged (``error.txt`` in its directory with
the traceback, ``status = error`` in ``<out>/index.csv``) and the others finish.

A sweep file is data: scenario and agent names are looked up in the catalog and the agent
registry, never imported (``"module:attr"`` is refused before any cell starts). A scenario
file is read as a document and stored with every run, so the runs stay comparable without
it. Your own scenarios and agents come from plugins you load yourself
(:func:`archgym.plugins.load_plugins`, ``archgym --plugin MODULE sweep ...``); the sweep
loads the same plugins in its worker processes.

Faults: the local backend runs cells on worker processes that die with the sweep (a
parent-death signal and a watchdog), so a killed sweep leaves no orphan behind and a
restarted one takes its cells over (a run directory's lock is an ``flock`` that the kernel
releases when its holder dies: a lock held is a holder alive). A worker that dies costs
only the cell it was running: that cell is resumed once on a fresh worker, then marked
failed with the signal that killed it. A cell another live process is running (a second
sweep into the same folder) is waited for and reported done, never failed.

Threads: each worker gets its share of the cores, ``threads`` (default: local, cores //
workers, at least 1; Ray, 1). Its BLAS / OpenMP pools are pinned to it (the thread
variables are set before a local worker imports anything; threadpoolctl, when installed,
limits pools already loaded), and it is the ``threads`` setting of every agent whose
settings do not name one (BO, Optuna's GP, PPO: torch's intra-op threads). The share is
recorded in the run's ``settings.json`` (``agent_settings_resolved``) and in the index,
not in the run id: a run gives the same log at any share for agents that do not use torch;
torch does not promise bitwise-equal results across thread counts, so a torch-based agent
may differ at another share (name ``threads`` in its settings to fix it: it is then part
of the run's identity). A resumed run keeps the share it started with.

Backends: ``"local"`` runs cells on a pool of worker processes; ``"ray"`` runs each cell
as a Ray task with ``threads`` CPUs on the cluster at ``address`` (``ray.init(address=...)``). Without an
address, a local Ray head is started bound to 127.0.0.1 only, with Ray's token
authentication and no dashboard (:func:`start_local_ray`), and a reaper
(:mod:`archgym.experiments._reaper`) stops its processes if the sweep is killed (Ray
leaves some of its agents running otherwise); to use a cluster, see the README's
"Safety" section. Cells write their directories themselves, so with Ray the
output directory must be on a file system every node sees.

This module is the driver (:func:`sweep`, :class:`SweepResult`, the index) and re-exports
the rest: the configuration and its cells are in :mod:`.sweep_config`, one cell in a worker
in :mod:`.sweep_cell`, thread shares in :mod:`.sweep_threads`, the backends in
:mod:`.sweep_local` and :mod:`.sweep_ray`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .logs import INDEX_CSV, SWEEP_JSON, write_index, write_json_atomic
from .sweep_cell import _finished, run_cell
from .sweep_config import (
    Cell,
    SweepConfig,
    SweepError,
    expand_grid,
    load_config,
    scenario_entry_of,
)
from .sweep_local import _run_local
from .sweep_ray import _run_ray, start_local_ray
from .sweep_threads import available_cores, worker_threads

__all__ = [
    "SweepError",
    "SweepConfig",
    "Cell",
    "SweepResult",
    "load_config",
    "scenario_entry_of",
    "available_cores",
    "worker_threads",
    "expand_grid",
    "sweep",
    "run_cell",
    "INDEX_CSV",
    "start_local_ray",
]


@dataclass
class SweepResult:
    """What a sweep did.

    Attributes:
        out: The sweep directory.
        index: One row per cell: ``run_id``, ``scenario``, ``agent``, ``label``,
            ``agent_settings``, ``seed``, ``budget``, ``status`` (``done``, ``skipped``:
            finished earlier, ``error``), ``n_evals``, ``best_objective``, ``wall_s``,
            ``threads`` (the worker's share of the cores the cell ran with), ``error`` and
            ``dir``.
        wall_s: Wall time of the whole sweep.
    """

    out: Path
    index: pd.DataFrame
    wall_s: float

    @property
    def ok(self) -> bool:
        """Whether no cell failed."""
        return bool((self.index["status"] != "error").all())

    def load(self) -> pd.DataFrame:
        """The logs of every cell (:func:`archgym.analysis.load_runs`)."""
        from archgym.analysis import load_runs

        return load_runs(self.out)


def _index_row(cell: Cell, result: Mapping[str, Any] | None) -> dict[str, Any]:
    r = dict(result or {"status": "pending"})
    return {
        "run_id": cell.spec.run_id,
        "scenario": cell.spec.scenario,
        "agent": cell.spec.agent,
        "label": cell.spec.label,
        "agent_settings": json.dumps(cell.spec.agent_settings, sort_keys=True),
        "seed": cell.spec.seed,
        "budget": cell.spec.budget,
        "status": r.get("status"),
        "n_evals": r.get("n_evals"),
        "best_objective": r.get("best_objective"),
        "wall_s": r.get("wall_s"),
        "threads": r.get("threads"),
        "error": r.get("error", ""),
        "dir": cell.dir.name,
    }


def _write_index(
    out: Path, cells: Sequence[Cell], results: Mapping[str, Mapping[str, Any]]
) -> pd.DataFrame:
    """Write ``<out>/index.csv`` (:func:`.logs.write_index`: atomically, under a lock)."""
    index = pd.DataFrame([_index_row(c, results.get(c.spec.run_id)) for c in cells])
    write_index(out, index)
    return index


def sweep(
    config: SweepConfig | Mapping[str, Any] | str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    backend: str = "local",
    address: str | None = None,
    workers: int | None = None,
    progress: bool = False,
    threads: int | None = None,
    scenarios: Sequence[str | Mapping[str, Any]] | None = None,
    scenario_overrides: Mapping[str, Any] | None = None,
) -> SweepResult:
    """Run every cell of a sweep (skipping finished ones, resuming partial ones).

    Args:
        config: A :class:`SweepConfig`, its dict, or a YAML file.
        out: The sweep directory (default: the configuration's ``out``, else
            ``runs/sweep``).
        backend: ``"local"`` (processes) or ``"ray"``.
        address: Ray cluster address (``"HOST:PORT"``); None starts a local Ray instance.
        workers: Local processes (default: the number of cores); for Ray without an
            address, the CPUs of the local instance.
        progress: Show a progress bar over cells.
        threads: Threads of each worker (BLAS, OpenMP, torch, and the ``threads`` setting of
            agents whose settings do not name one). Default: local, the worker's share of
            the cores (:func:`worker_threads`: cores // workers, at least 1); Ray, 1 (each
            task asks Ray for ``threads`` CPUs).
        scenarios: Scenarios replacing the configuration's (see :func:`load_config`).
        scenario_overrides: Overrides applied to every scenario (see :func:`load_config`).

    Returns:
        A :class:`SweepResult`; ``<out>/index.csv`` holds its index.
    """
    t0 = time.perf_counter()
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
    ):
        raise SweepError(f"threads must be an integer >= 1 or None, got {threads!r}")
    if isinstance(config, SweepConfig):
        if scenarios or scenario_overrides:
            raise SweepError("give scenarios to load_config, not with a parsed SweepConfig")
    else:
        config = load_config(config, scenarios=scenarios, scenario_overrides=scenario_overrides)
    out_dir = Path(out or config.out or "runs/sweep")
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out_dir / SWEEP_JSON, config.document or {})
    cells = expand_grid(config, out_dir)
    results: dict[str, dict[str, Any]] = {}
    todo = []
    for cell in cells:
        fin = _finished(cell)
        if fin is not None:
            results[cell.spec.run_id] = fin
        else:
            todo.append(cell)
    _write_index(out_dir, cells, results)
    bar = None
    if progress and todo:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), desc=f"sweep ({backend})", unit="run")

    def on_done(cell: Cell, result: Mapping[str, Any]) -> None:
        results[cell.spec.run_id] = dict(result)
        _write_index(out_dir, cells, results)
        if bar is not None:
            bar.update(1)

    try:
        if todo:
            if backend == "local":
                n = workers or os.cpu_count() or 1
                _run_local(todo, config.fmt, max(1, int(n)), on_done, threads)
            elif backend == "ray":
                _run_ray(todo, config.fmt, workers, address, on_done, threads)
            else:
                raise SweepError(f"backend must be 'local' or 'ray', got {backend!r}")
    finally:
        if bar is not None:
            bar.close()
    index = _write_index(out_dir, cells, results)
    return SweepResult(out_dir, index, time.perf_counter() - t0)
