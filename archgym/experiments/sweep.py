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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from archgym.plugins import loaded_plugins

from .._io import atomic_open
from .logs import ERROR_TXT, SETTINGS_JSON, SUMMARY_JSON, read_json, write_json_atomic
from .runner import RunBusyError, RunSpec, run_spec

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

INDEX_CSV = "index.csv"
_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")


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


# --------------------------------------------------------------------------------------
# one cell (runs in a worker)
# --------------------------------------------------------------------------------------


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS tells it, else
    ``os.cpu_count()``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def worker_threads(workers: int, cores: int | None = None) -> int:
    """Each worker's share of the cores: ``cores // workers``, at least 1.

    Args:
        workers: Worker processes running at the same time.
        cores: Cores available (default :func:`available_cores`).
    """
    cores = available_cores() if cores is None else int(cores)
    return max(1, cores // max(1, int(workers)))


#: The threadpoolctl limiter of this worker (kept alive: it limits while it exists).
_BLAS_LIMIT: list[Any] = []


def _limit_threads(n: int) -> None:
    """Pin this process's numeric libraries to ``n`` threads.

    The thread variables are set (a local worker got them in its environment before it
    imported anything, which is when OpenMP / OpenBLAS / MKL read them); BLAS and OpenMP
    pools already loaded are limited with threadpoolctl when it is installed; torch, if
    imported, gets ``torch.set_num_threads(n)`` (agents with a ``threads`` setting set it
    again around their own work)."""
    import sys

    for var in _THREAD_VARS:
        os.environ[var] = str(n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the environment variables are all there is
        pass
    else:
        _BLAS_LIMIT.clear()
        _BLAS_LIMIT.append(threadpool_limits(limits=n))
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)


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
        path.mkdir(parents=True, exist_ok=True)
        (path / ERROR_TXT).write_text(traceback.format_exc())
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
    """Write ``<out>/index.csv`` atomically (a unique temporary file, then a rename), under
    an ``flock`` on ``index.csv.lock`` so two sweeps into one folder never interleave."""
    index = pd.DataFrame([_index_row(c, results.get(c.spec.run_id)) for c in cells])
    with _index_lock(out):
        with atomic_open(out / INDEX_CSV, "w") as fh:
            index.to_csv(fh, index=False)
    return index


@contextlib.contextmanager
def _index_lock(out: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(out / (INDEX_CSV + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def _thread_env(n: int) -> Iterator[None]:
    """Set the thread variables to ``n`` for child processes (read by BLAS / OpenMP when a
    worker imports them), restoring them afterwards."""
    old = {v: os.environ.get(v) for v in _THREAD_VARS}
    for v in _THREAD_VARS:
        os.environ[v] = str(n)
    try:
        yield
    finally:
        for v, val in old.items():
            if val is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = val


# --------------------------------------------------------------------------------------
# local workers: one process per slot, each tied to the sweep's life
# --------------------------------------------------------------------------------------

#: A cell whose worker process died (killed, out of memory, a crash in native code) is
#: run again (resuming from its log) up to this many times in all, then marked failed.
_MAX_WORKER_DEATHS = 2
#: Seconds between looks at a cell another live process is running.
_BUSY_POLL_S = 0.5


def _die_with_parent(parent_pid: int) -> None:
    """End this process when the sweep process that started it dies.

    Two mechanisms: the kernel's parent-death signal (Linux ``PR_SET_PDEATHSIG``, a
    SIGKILL sent when the parent exits, however it exits) and a watchdog thread that
    checks once a second that the parent is still ``parent_pid`` (other POSIX systems, and
    the moment between fork and ``prctl``)."""
    import signal
    import sys
    import threading

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)

    def watchdog() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watchdog, name="archgym-parent-watchdog", daemon=True).start()


def _worker_main(
    conn: Any, parent_pid: int, fmt: str, plugins: Sequence[str] = (), threads: int = 1
) -> None:
    """A local sweep worker: runs the cells it is sent, one at a time, until told to stop
    (``None``) or until its parent dies."""
    import signal

    _die_with_parent(parent_pid)
    # Ctrl-C goes to the whole terminal group: the sweep process handles it (and stops
    # its workers); a worker must not print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _init_worker(plugins, threads)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        spec_doc, directory = msg
        conn.send(run_cell(spec_doc, directory, fmt, threads))


class _Worker:
    """One worker process of the local backend and the cell it is running."""

    def __init__(self, ctx: Any, fmt: str, threads: int = 1) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(
            target=_worker_main,
            args=(child, os.getpid(), fmt, tuple(loaded_plugins()), threads),
            name="archgym-sweep-worker",
        )
        self.proc.daemon = True
        self.proc.start()
        child.close()
        self.cell: Cell | None = None

    def submit(self, cell: Cell) -> None:
        self.cell = cell
        self.conn.send((cell.spec.key(), str(cell.dir.resolve())))

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the worker to exit; kill it if it is busy or does not (a cell it was running
        resumes from its log next time)."""
        if self.proc.is_alive() and self.cell is None:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
            self.proc.join(timeout)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout)
        with contextlib.suppress(OSError):
            self.conn.close()


def _death_message(exitcode: int | None, times: int) -> str:
    import signal

    if exitcode is not None and exitcode < 0:
        try:
            how = f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"killed by signal {-exitcode}"
    else:
        how = f"exited with code {exitcode}"
    return (
        f"the worker process running this cell died {times} time(s) ({how}: killed, out of "
        "memory or a crash in native code); start the sweep again to resume it"
    )


def _run_local(
    cells: list[Cell], fmt: str, workers: int, on_done: Any, threads: int | None = None
) -> None:
    """Run ``cells`` on ``workers`` processes, each with ``threads`` threads (default: its
    share of the cores, :func:`worker_threads`). A worker that dies costs only the cell it
    was running (retried, then marked failed); a cell another live process is running is
    waited for, never marked failed."""
    from collections import deque
    from multiprocessing.connection import wait as mp_wait

    ctx = multiprocessing.get_context("spawn")
    queue: deque[Cell] = deque(cells)
    waiting: list[tuple[float, Cell]] = []  # (time to look again, cell) held elsewhere
    deaths: dict[str, int] = {}
    pool: list[_Worker] = []
    n_workers = max(1, min(workers, len(cells)))
    share = int(threads) if threads is not None else worker_threads(n_workers)
    with _thread_env(share):
        try:
            while queue or waiting or any(w.cell is not None for w in pool):
                now = time.monotonic()
                for item in [x for x in waiting if x[0] <= now]:
                    waiting.remove(item)
                    fin = _finished(item[1])
                    if fin is not None:
                        on_done(item[1], {**fin, "status": "done"})
                    else:
                        queue.append(item[1])
                while queue:
                    idle = next((w for w in pool if w.cell is None), None)
                    if idle is None and len(pool) < n_workers:
                        idle = _Worker(ctx, fmt, share)
                        pool.append(idle)
                    if idle is None:
                        break
                    idle.submit(queue.popleft())
                busy = [w for w in pool if w.cell is not None]
                if not busy:
                    if waiting:
                        time.sleep(max(0.0, min(t for t, _ in waiting) - time.monotonic()))
                    continue
                handles: list[Any] = [w.conn for w in busy] + [w.proc.sentinel for w in busy]
                timeout = _BUSY_POLL_S if waiting else None
                ready = set(mp_wait(handles, timeout=timeout))
                for w in busy:
                    if w.conn not in ready and w.proc.sentinel not in ready:
                        continue
                    cell = w.cell
                    assert cell is not None
                    result = None
                    try:
                        if w.conn.poll():
                            result = w.conn.recv()
                    except (EOFError, OSError):
                        result = None
                    if result is not None:
                        w.cell = None
                        if result.get("status") == "busy":
                            waiting.append((time.monotonic() + _BUSY_POLL_S, cell))
                        else:
                            on_done(cell, result)
                        continue
                    # the worker died while running `cell`: only that cell is concerned
                    w.proc.join(1.0)
                    code = w.proc.exitcode
                    w.cell = None
                    w.stop()
                    pool.remove(w)
                    rid = cell.spec.run_id
                    deaths[rid] = deaths.get(rid, 0) + 1
                    if deaths[rid] < _MAX_WORKER_DEATHS:
                        queue.appendleft(cell)
                    else:
                        msg = _death_message(code, deaths[rid])
                        cell.dir.mkdir(parents=True, exist_ok=True)
                        (cell.dir / ERROR_TXT).write_text(msg + "\n")
                        on_done(cell, {"status": "error", "error": msg})
        finally:
            for w in pool:
                w.stop()


# --------------------------------------------------------------------------------------
# Ray
# --------------------------------------------------------------------------------------


@contextlib.contextmanager
def _loopback_ray_env() -> Iterator[None]:
    """Environment for a local Ray head that is reachable from this machine only.

    Ray resolves a node address of ``127.0.0.1`` to the machine's external address unless
    clusters are turned off (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``, what Ray itself does
    on macOS and Windows); with them off every Ray server of the local head (GCS, raylet,
    object manager, workers, agents) binds to loopback. Token authentication is Ray's own
    default for a local ``ray.init()`` (Ray >= 2.52 makes a token in
    ``~/.ray/auth_token``); ``RAY_AUTH_MODE`` is left as the user set it (Ray reads it when
    it is imported, so it cannot be changed here)."""
    want = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}
    old = {k: os.environ.get(k) for k in want}
    os.environ.update(want)
    import sys

    constants = sys.modules.get("ray._private.ray_constants")
    old_flag = getattr(constants, "ENABLE_RAY_CLUSTER", None) if constants else None
    if constants is not None:  # ray imported before: its constant is read already
        setattr(constants, "ENABLE_RAY_CLUSTER", False)  # noqa: B010 (not in ray's stubs)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if constants is not None:
            setattr(constants, "ENABLE_RAY_CLUSTER", old_flag)  # noqa: B010 (not in ray's stubs)


def _is_loopback(address: str) -> bool:
    """Whether a Ray address ``HOST:PORT`` (or ``ray://HOST:PORT``) names this machine's
    loopback interface."""
    import ipaddress

    host = address.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def start_local_ray(num_cpus: int, include_dashboard: bool = False) -> Any:
    """Start a local Ray head bound to 127.0.0.1 only, with token authentication.

    Args:
        num_cpus: CPUs of the instance (one per concurrent cell).
        include_dashboard: Also start Ray's dashboard (on 127.0.0.1 too).

    Returns:
        What ``ray.init`` returns. Stop it with ``ray.shutdown()``.
    """
    with _loopback_ray_env():
        import ray

        return ray.init(
            _node_ip_address="127.0.0.1",
            num_cpus=num_cpus,
            include_dashboard=include_dashboard,
            dashboard_host="127.0.0.1",
            log_to_driver=False,
        )


def _start_reaper() -> Any:
    """A watcher that kills the local Ray head's processes if this process dies
    (:mod:`archgym.experiments._reaper`); None without psutil."""
    import subprocess
    import sys

    try:
        import psutil  # noqa: F401
    except ImportError:  # pragma: no cover - psutil comes with archgym[parallel]
        return None
    return subprocess.Popen(
        [sys.executable, "-m", "archgym.experiments._reaper", str(os.getpid())],
        stdin=subprocess.PIPE,
        start_new_session=True,  # not killed with the sweep's terminal group
    )


def _stop_reaper(reaper: Any) -> None:
    with contextlib.suppress(OSError):
        reaper.stdin.write(b"done\n")
        reaper.stdin.close()
    try:
        reaper.wait(timeout=5)
    except Exception:  # noqa: BLE001 - it must not outlive us either
        reaper.kill()
        reaper.wait()


def _run_ray(
    cells: list[Cell],
    fmt: str,
    workers: int | None,
    address: str | None,
    on_done: Any,
    threads: int | None = None,
) -> None:
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise SweepError("the ray backend needs ray: pip install 'archgym[parallel]'") from exc
    started = False
    reaper = None
    if not ray.is_initialized():
        if address is None:
            start_local_ray(workers or os.cpu_count() or 1)
            reaper = _start_reaper()
        elif _is_loopback(address):  # a head on this machine only: stay on loopback too
            with _loopback_ray_env():
                ray.init(address=address, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
        started = True
    try:
        share = max(1, int(threads or 1))
        task = ray.remote(num_cpus=share, max_retries=_MAX_WORKER_DEATHS - 1)(_ray_cell)
        plugins = tuple(loaded_plugins())
        refs = {
            task.remote(plugins, c.spec.key(), str(c.dir.resolve()), fmt, share): c for c in cells
        }
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                cell = refs.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception as exc:  # noqa: BLE001 - a worker died
                    msg = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
                    cell.dir.mkdir(parents=True, exist_ok=True)
                    (cell.dir / ERROR_TXT).write_text(str(exc) + "\n")
                    result = {"status": "error", "error": msg}
                if result.get("status") == "busy":  # another live process runs it: later
                    time.sleep(_BUSY_POLL_S)
                    fin = _finished(cell)
                    if fin is not None:
                        on_done(cell, {**fin, "status": "done"})
                    else:
                        ref = task.remote(
                            plugins, cell.spec.key(), str(cell.dir.resolve()), fmt, share
                        )
                        refs[ref] = cell
                        pending.append(ref)
                    continue
                on_done(cell, result)
    finally:
        if started:
            ray.shutdown()
        if reaper is not None:
            _stop_reaper(reaper)


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
