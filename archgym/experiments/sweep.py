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

Backends: ``"local"`` runs cells in a pool of processes (``concurrent.futures``, one
thread each: ``OMP_NUM_THREADS=1``, ``torch.set_num_threads(1)``); ``"ray"`` runs each cell
as a Ray task with one CPU on the cluster at ``address`` (``ray.init(address=...)``; a
local Ray instance if ``address`` is None). Cells write their directories themselves, so
with Ray the output directory must be on a file system every node sees.

A sweep file is data: scenario and agent names are looked up in the catalog and the agent
registry, never imported (``"module:attr"`` is refused before any cell starts). A scenario
file is read as a document and stored with every run, so the runs stay comparable without
it. Your own scenarios and agents come from plugins you load yourself
(:func:`archgym.plugins.load_plugins`, ``archgym --plugin MODULE sweep ...``); the sweep
loads the same plugins in its worker processes.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import multiprocessing
import os
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from archgym.plugins import loaded_plugins

from .logs import ERROR_TXT, SETTINGS_JSON, SUMMARY_JSON, read_json, write_json_atomic
from .runner import RunSpec, run_spec

__all__ = [
    "SweepError",
    "SweepConfig",
    "Cell",
    "SweepResult",
    "load_config",
    "expand_grid",
    "sweep",
    "run_cell",
    "INDEX_CSV",
]

INDEX_CSV = "index.csv"
_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")
_MAX_POOL_BREAKS = 3


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


def load_config(source: str | os.PathLike[str] | Mapping[str, Any]) -> SweepConfig:
    """Parse a sweep configuration from a YAML file or a dict (see the module docstring).

    Raises:
        SweepError: a missing or malformed entry.
    """
    if isinstance(source, Mapping):
        doc = dict(source)
    else:
        import yaml

        with open(source) as fh:
            doc = yaml.safe_load(fh) or {}
        if not isinstance(doc, Mapping):
            raise SweepError(
                f"{source}: a sweep configuration is a mapping, got {type(doc).__name__}"
            )
        doc = dict(doc)
    known = {"budget", "seeds", "scenarios", "agents", "out", "format", "name", "description"}
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
    scenarios = []
    for i, entry in enumerate(_as_list(doc.get("scenarios"), "scenarios")):
        scenarios.append(_scenario_entry(i, entry, base_dir))
    agents = []
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
        scenarios, agents, [int(s) for s in seeds], int(budget), doc.get("out"), fmt, doc
    )


def _scenario_entry(
    i: int, entry: Any, base_dir: Path | None
) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    """``(id, overrides, definition)`` of one ``scenarios`` entry, checked (never imported)."""
    from archgym import scenarios as _scenarios

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
    try:
        if "file" in entry:
            path = Path(str(entry["file"]))
            if base_dir is not None and not path.is_absolute():
                path = base_dir / path
            if not path.is_file():
                raise SweepError(f"scenarios[{i}]: scenario file {str(path)!r} does not exist")
            sc = _scenarios.Scenario.from_yaml(path)
            if overrides:
                sc = _scenarios.load(sc, **overrides)
            return str(sc.id), {}, sc.to_dict()
        sid = str(entry["id"])
        if sid not in _scenarios.ids():
            _scenarios.get_definition(sid)  # raises the clear unknown-id error
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


# --------------------------------------------------------------------------------------
# one cell (runs in a worker)
# --------------------------------------------------------------------------------------


def _limit_threads() -> None:
    """One thread for numpy's BLAS and for torch (``OMP_NUM_THREADS`` is read when torch
    is first imported; a torch already imported is set directly)."""
    for var in _THREAD_VARS:
        os.environ.setdefault(var, "1")
    import sys

    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def run_cell(
    spec_doc: dict[str, Any], directory: str, fmt: str = "auto", threads: int | None = 1
) -> dict[str, Any]:
    """Run one sweep cell; never raises (a failure is returned and written to ``error.txt``).

    Args:
        spec_doc: ``RunSpec.key()`` of the cell.
        directory: Its run directory.
        fmt: Log format.
        threads: Limit numpy/torch to this many threads (None: leave them).

    Returns:
        ``status`` (``done`` or ``error``), ``n_evals``, ``best_objective``, ``wall_s``,
        ``error`` (one line) and ``pid``.
    """
    if threads == 1:
        _limit_threads()
    t0 = time.perf_counter()
    path = Path(directory)
    try:
        if _PLUGIN_ERROR:
            raise _PLUGIN_ERROR[0]
        res = run_spec(RunSpec.from_settings(spec_doc), path, fmt=fmt)
        with contextlib.suppress(FileNotFoundError):
            (path / ERROR_TXT).unlink()
        best = res.summary.get("best")
        return {
            "status": "done",
            "n_evals": int(res.summary.get("n_evals", len(res.frame))),
            "best_objective": None if best is None else best.get("objective"),
            "wall_s": time.perf_counter() - t0,
            "error": "",
            "pid": os.getpid(),
        }
    except Exception as exc:  # noqa: BLE001 - isolate the cell; the traceback is kept
        path.mkdir(parents=True, exist_ok=True)
        (path / ERROR_TXT).write_text(traceback.format_exc())
        return {
            "status": "error",
            "n_evals": None,
            "best_objective": None,
            "wall_s": time.perf_counter() - t0,
            "error": f"{type(exc).__name__}: {exc}".splitlines()[0][:500],
            "pid": os.getpid(),
        }


_PLUGIN_ERROR: list[BaseException] = []


def _init_worker(plugins: Sequence[str] = ()) -> None:
    _limit_threads()
    if plugins:
        from archgym.plugins import PluginError, load_plugins

        try:
            load_plugins(plugins)
        except PluginError as exc:  # reported by every cell of this worker, not a dead pool
            _PLUGIN_ERROR.append(exc)


def _ray_cell(
    plugins: Sequence[str], spec_doc: dict[str, Any], directory: str, fmt: str
) -> dict[str, Any]:
    """:func:`run_cell` in a Ray worker, after loading the sweep's plugins."""
    _init_worker(plugins)
    return run_cell(spec_doc, directory, fmt)


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


# --------------------------------------------------------------------------------------
# the sweep
# --------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    """What a sweep did.

    Attributes:
        out: The sweep directory.
        index: One row per cell: ``run_id``, ``scenario``, ``agent``, ``label``,
            ``agent_settings``, ``seed``, ``budget``, ``status`` (``done``, ``skipped``:
            finished earlier, ``error``), ``n_evals``, ``best_objective``, ``wall_s``,
            ``error`` and ``dir``.
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
        "error": r.get("error", ""),
        "dir": cell.dir.name,
    }


def _write_index(
    out: Path, cells: Sequence[Cell], results: Mapping[str, Mapping[str, Any]]
) -> pd.DataFrame:
    index = pd.DataFrame([_index_row(c, results.get(c.spec.run_id)) for c in cells])
    tmp = out / (INDEX_CSV + ".tmp")
    index.to_csv(tmp, index=False)
    os.replace(tmp, out / INDEX_CSV)
    return index


@contextlib.contextmanager
def _single_thread_env() -> Iterator[None]:
    """Set the thread variables for child processes, restoring them afterwards."""
    old = {v: os.environ.get(v) for v in _THREAD_VARS}
    for v in _THREAD_VARS:
        os.environ[v] = "1"
    try:
        yield
    finally:
        for v, val in old.items():
            if val is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = val


def _run_local(cells: list[Cell], fmt: str, workers: int, on_done: Any) -> None:
    ctx = multiprocessing.get_context("spawn")
    todo = list(cells)
    breaks: dict[str, int] = {}
    with _single_thread_env():
        while todo:
            broken: list[Cell] = []
            with ProcessPoolExecutor(
                max_workers=min(workers, len(todo)),
                mp_context=ctx,
                initializer=_init_worker,
                initargs=(tuple(loaded_plugins()),),
            ) as pool:
                futures = {
                    pool.submit(run_cell, c.spec.key(), str(c.dir.resolve()), fmt): c for c in todo
                }
                pending = set(futures)
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        cell = futures[fut]
                        try:
                            on_done(cell, fut.result())
                        except BrokenProcessPool:
                            broken.append(cell)
            todo = []
            for cell in broken:
                rid = cell.spec.run_id
                breaks[rid] = breaks.get(rid, 0) + 1
                if breaks[rid] >= _MAX_POOL_BREAKS:
                    msg = f"worker process died {breaks[rid]} times (killed, out of memory or a crash in native code)"
                    cell.dir.mkdir(parents=True, exist_ok=True)
                    (cell.dir / ERROR_TXT).write_text(msg + "\n")
                    on_done(cell, {"status": "error", "error": msg})
                else:
                    todo.append(cell)


def _run_ray(
    cells: list[Cell], fmt: str, workers: int | None, address: str | None, on_done: Any
) -> None:
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise SweepError("the ray backend needs ray: pip install 'archgym[parallel]'") from exc
    started = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"log_to_driver": False, "include_dashboard": False}
        if address is None:
            kwargs["num_cpus"] = workers or os.cpu_count() or 1
        else:
            kwargs.pop("include_dashboard")
        ray.init(address=address, **kwargs)
        started = True
    try:
        task = ray.remote(num_cpus=1, max_retries=1)(_ray_cell)
        plugins = tuple(loaded_plugins())
        refs = {task.remote(plugins, c.spec.key(), str(c.dir.resolve()), fmt): c for c in cells}
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                cell = refs[ref]
                try:
                    result = ray.get(ref)
                except Exception as exc:  # noqa: BLE001 - a worker died
                    msg = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
                    cell.dir.mkdir(parents=True, exist_ok=True)
                    (cell.dir / ERROR_TXT).write_text(str(exc) + "\n")
                    result = {"status": "error", "error": msg}
                on_done(cell, result)
    finally:
        if started:
            ray.shutdown()


def sweep(
    config: SweepConfig | Mapping[str, Any] | str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    backend: str = "local",
    address: str | None = None,
    workers: int | None = None,
    progress: bool = False,
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

    Returns:
        A :class:`SweepResult`; ``<out>/index.csv`` holds its index.
    """
    t0 = time.perf_counter()
    if not isinstance(config, SweepConfig):
        config = load_config(config)
    out_dir = Path(out or config.out or "runs/sweep")
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out_dir / "sweep.json", config.document or {})
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
                _run_local(todo, config.fmt, max(1, int(n)), on_done)
            elif backend == "ray":
                _run_ray(todo, config.fmt, workers, address, on_done)
            else:
                raise SweepError(f"backend must be 'local' or 'ray', got {backend!r}")
    finally:
        if bar is not None:
            bar.close()
    index = _write_index(out_dir, cells, results)
    return SweepResult(out_dir, index, time.perf_counter() - t0)
