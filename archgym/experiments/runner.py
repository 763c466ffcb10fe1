"""Run one search and keep its tidy log on disk, resumably.

:func:`run` searches a scenario with an agent for a budget of evaluations and a seed, and
writes a *run directory*:

``settings.json``
    Everything that reproduces the run: scenario id and overrides, agent name and
    settings, budget, seed and archgym version (plus, for information, the agent's full
    settings and what the scenario declares: knobs, objectives, budgets, reference point).
``log.csv``
    The tidy log, one row per evaluation, appended and flushed after every ask/tell step.
``log.parquet``
    A Parquet mirror of the log, written at the end when pyarrow is installed.
``summary.json``
    The best design (named knob values and its metrics) and, for several objectives,
    the Pareto front.

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
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import os
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from .logs import (
    LOG_CSV,
    LOG_PARQUET,
    SETTINGS_JSON,
    SUMMARY_JSON,
    LogWriter,
    have_pyarrow,
    read_json,
    read_log,
    read_log_prefix,
    restore_knobs,
    write_json_atomic,
)

__all__ = [
    "RunError",
    "RunBusyError",
    "RunSpec",
    "RunResult",
    "run",
    "run_spec",
    "load_run",
    "resolve_scenario",
    "resolve_agent",
    "scenario_info",
    "default_run_dir",
    "agent_label",
    "summarize",
    "format_summary",
    "META_COLUMNS",
]

#: Log columns that describe the run and the step rather than the design or its metrics.
META_COLUMNS: tuple[str, ...] = ("run_id", "agent", "seed", "step", "eval", "ask_s", "eval_s")


class RunError(RuntimeError):
    """A run cannot start: conflicting settings in its directory, a run already in progress."""


class RunBusyError(RunError):
    """Another live process is running this run directory (it holds the directory's lock).

    Attributes:
        pid: The process that holds the lock (as it wrote it in ``.lock``), or None.
    """

    def __init__(self, message: str, pid: int | None = None) -> None:
        super().__init__(message)
        self.pid = pid


# --------------------------------------------------------------------------------------
# resolving names
# --------------------------------------------------------------------------------------


def resolve_scenario(
    scenario_id: str,
    overrides: Mapping[str, Any] | None = None,
    definition: Mapping[str, Any] | None = None,
) -> Any:
    """Build a scenario from its id or its stored document; never imports code.

    Args:
        scenario_id: A catalog id or an id registered with ``archgym.scenarios.register``
            (a ``"module:attr"`` string is refused with a clear error, never imported).
        overrides: Keyword overrides (e.g. budgets) passed to the loader or factory.
        definition: A scenario document (``Scenario.to_dict()``) to load instead of the id.

    Returns:
        The scenario object.

    Raises:
        ScenarioError: an unknown id (or an import path), a malformed document.
    """
    overrides = dict(overrides or {})
    from archgym import scenarios

    return scenarios.load(dict(definition) if definition is not None else scenario_id, **overrides)


def _scenario_record(scenario: Any) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    """``(id, overrides, definition)`` that rebuild a scenario object.

    A catalog scenario is recorded by its id; another ``Scenario`` by its document; any
    other object by its ``id`` and ``overrides`` attributes.
    """
    sid = getattr(scenario, "id", None)
    if not sid:
        raise ValueError("a scenario object must have an `id` to be logged reproducibly")

    def digest_of(obj: Any) -> Any:
        h = getattr(obj, "definition_hash", None)
        return h() if callable(h) else h

    digest = digest_of(scenario)
    if digest is not None:
        from archgym import scenarios

        try:
            if sid in scenarios.ids() and digest_of(scenarios.load(sid)) == digest:
                return str(sid), {}, None
        except Exception:  # noqa: BLE001 - fall back to the document
            pass
        if hasattr(scenario, "to_dict"):
            return str(sid), {}, _encode_setting(scenario.to_dict())
    return str(sid), dict(getattr(scenario, "overrides", None) or {}), None


def resolve_agent(name: str, settings: Mapping[str, Any] | None = None) -> Any:
    """Build an agent from its name (``archgym.agents.make``) or an import path of its class.

    Setting values of the form ``{"run_dir": PATH}`` are replaced by that run's
    :class:`~archgym.agents.History` (this is how a transfer source is named in a
    ``settings.json`` or a sweep configuration).
    """
    from archgym import agents
    from archgym.plugins import check_not_import_path

    check_not_import_path(str(name), "agent", agents.AgentError)
    agents.agent_class(name)  # an unknown name fails before any setting is decoded
    settings = {k: _decode_setting(v) for k, v in (settings or {}).items()}

    return agents.make(name, **settings)


def _agent_name(agent: Any) -> str:
    from archgym import agents

    name = getattr(agent, "name", None)
    if name in agents.list_agents() and type(agent) is agents.agent_class(name):
        return str(name)
    for known in agents.list_agents():
        if type(agent) is agents.agent_class(known):
            return known
    raise agents.AgentError(
        f"agent class {type(agent).__qualname__} is not registered; register it first with "
        f"archgym.agents.register('name', {type(agent).__qualname__}) so its runs can be "
        "resumed and compared by name"
    )


def _encode_setting(value: Any) -> Any:
    """A JSON-able stand-in for an agent setting (runs and logs are named, not copied)."""
    from archgym.agents import History

    if isinstance(value, RunResult):
        return {"run_dir": str(value.dir.resolve()), "run_id": value.run_id}
    if isinstance(value, History):
        rid = value.settings.get("run_id")
        if rid is None and "run_id" in value.frame.columns and len(value.frame):
            rid = str(value.frame["run_id"].iloc[0])
        doc: dict[str, Any] = {"history": rid, "rows": len(value.frame)}
        if value.settings.get("run_dir"):
            doc = {"run_dir": value.settings["run_dir"], "run_id": rid}
        return doc
    if isinstance(value, pd.DataFrame):
        import hashlib

        digest = hashlib.sha256(value.to_csv(index=False).encode()).hexdigest()
        return {"frame_sha256": digest, "rows": len(value)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | list):
        return [_encode_setting(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _encode_setting(v) for k, v in value.items()}
    return value


def _decode_setting(value: Any) -> Any:
    if isinstance(value, RunResult):
        return value.history
    if isinstance(value, Mapping) and "run_dir" in value:
        return load_run(value["run_dir"]).history
    return value


# --------------------------------------------------------------------------------------
# the spec
# --------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=]+", "_", str(text)).strip("_") or "x"


def _version() -> str:
    from archgym import __version__

    return str(__version__)


@dataclass(frozen=True)
class RunSpec:
    """What reproduces a run: (scenario id and overrides, agent and settings, budget, seed).

    Attributes:
        scenario: Scenario id (catalog or registered).
        agent: Agent name (built in or registered).
        budget: Number of evaluations.
        seed: The seed of every random source of the agent.
        scenario_overrides: Keyword overrides of the scenario (e.g. budgets).
        agent_settings: Agent settings as given (defaults are not spelled out).
        version: The archgym version the run was made with.
        scenario_definition: The scenario's document, for a scenario that is not in the
            catalog (``None``: the id says it all).
    """

    scenario: str
    agent: str
    budget: int
    seed: int
    scenario_overrides: dict[str, Any] = field(default_factory=dict)
    agent_settings: dict[str, Any] = field(default_factory=dict)
    version: str = field(default_factory=_version)
    scenario_definition: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.budget, int | np.integer) or int(self.budget) < 1:
            raise ValueError(f"budget must be an integer >= 1, got {self.budget!r}")
        if not isinstance(self.seed, int | np.integer) or int(self.seed) < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        object.__setattr__(self, "budget", int(self.budget))
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(
            self, "scenario_overrides", _encode_setting(dict(self.scenario_overrides))
        )
        object.__setattr__(self, "agent_settings", _encode_setting(dict(self.agent_settings)))
        if self.scenario_definition is not None:
            object.__setattr__(
                self, "scenario_definition", _encode_setting(dict(self.scenario_definition))
            )

    def key(self) -> dict[str, Any]:
        """The fields that identify the run (what ``settings.json`` must match to resume)."""
        return {
            "scenario": self.scenario,
            "scenario_overrides": self.scenario_overrides,
            "agent": self.agent,
            "agent_settings": self.agent_settings,
            "budget": self.budget,
            "seed": self.seed,
            "archgym_version": self.version,
            "scenario_definition": self.scenario_definition,
        }

    def identity(self) -> dict[str, Any]:
        """:meth:`key` without where other runs named in the settings live on disk (a
        transfer source is identified by its run id, so moving directories keeps ids)."""
        return _strip_dirs(self.key())

    @property
    def digest(self) -> str:
        """SHA-256 of :meth:`identity` (JSON, keys sorted)."""
        import hashlib
        import json

        text = json.dumps(self.identity(), sort_keys=True, separators=(",", ":"), default=repr)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def run_id(self) -> str:
        """``<scenario>-<agent>-s<seed>-<first 10 hex digits of the digest>``."""
        return f"{_slug(self.scenario)}-{_slug(self.agent)}-s{self.seed}-{self.digest[:10]}"

    @property
    def label(self) -> str:
        """The agent and its settings, e.g. ``bo(n_init=5)`` (groups runs over seeds)."""
        return agent_label(self.agent, self.agent_settings)

    @classmethod
    def from_settings(cls, doc: Mapping[str, Any]) -> RunSpec:
        """The spec recorded in a ``settings.json`` document."""
        return cls(
            scenario=doc["scenario"],
            agent=doc["agent"],
            budget=int(doc["budget"]),
            seed=int(doc["seed"]),
            scenario_overrides=dict(doc.get("scenario_overrides") or {}),
            agent_settings=dict(doc.get("agent_settings") or {}),
            version=str(doc.get("archgym_version", _version())),
            scenario_definition=doc.get("scenario_definition"),
        )


def _strip_dirs(doc: Any) -> Any:
    if isinstance(doc, Mapping):
        drop = "run_dir" if "run_id" in doc else None
        return {k: _strip_dirs(v) for k, v in doc.items() if k != drop}
    if isinstance(doc, list):
        return [_strip_dirs(v) for v in doc]
    return doc


def agent_label(agent: str, settings: Mapping[str, Any]) -> str:
    """``name(key=value, ...)`` with the settings sorted by key; ``name`` without settings."""
    if not settings:
        return agent
    inner = ", ".join(f"{k}={_short(v)}" for k, v in sorted(settings.items()))
    return f"{agent}({inner})"


def _short(value: Any) -> str:
    if isinstance(value, Mapping) and "run_id" in value:
        return f"<{value['run_id']}>"
    return str(value)


# --------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------


@dataclass
class RunResult:
    """A finished run: its log as a ``History``, its directory and its summary.

    Attributes:
        spec: The settings that reproduce it.
        dir: The run directory.
        history: The tidy log (read back from disk, so a resumed and an uninterrupted run
            give equal frames) and the run's settings.
        summary: The ``summary.json`` document.
        resumed_rows: Rows taken from an earlier, interrupted run's log (0 for a fresh run).
    """

    spec: RunSpec
    dir: Path
    history: Any
    summary: dict[str, Any]
    resumed_rows: int = 0

    @property
    def run_id(self) -> str:
        return self.spec.run_id

    @property
    def frame(self) -> pd.DataFrame:
        return self.history.frame

    @property
    def log_path(self) -> Path:
        return self.dir / LOG_CSV

    @property
    def parquet_path(self) -> Path | None:
        p = self.dir / LOG_PARQUET
        return p if p.exists() else None

    @property
    def settings_path(self) -> Path:
        return self.dir / SETTINGS_JSON

    @property
    def summary_path(self) -> Path:
        return self.dir / SUMMARY_JSON


def scenario_info(scenario: Any) -> dict[str, Any]:
    """What a scenario declares, for the analysis of its runs (JSON-able)."""
    space = scenario.space
    budgets = getattr(scenario, "budgets", None) or {}
    ref = getattr(scenario, "ref_point", None)
    if ref is not None:
        ref = (
            np.asarray(ref.detach().cpu() if hasattr(ref, "detach") else ref, dtype=float)
            .ravel()
            .tolist()
        )
    n_obj_attr: Any = getattr(scenario, "n_objectives", None) or getattr(
        scenario, "num_objectives", 1
    )
    n_obj = int(n_obj_attr)
    cols = getattr(scenario, "objective_columns", None)
    if not cols and n_obj > 1 and getattr(scenario, "objective_names", None):
        cols = [f"objective_{m}" for m in scenario.objective_names]
    try:
        space_doc = _encode_setting(space.to_dict())
    except Exception:  # noqa: BLE001 - a space without a document
        space_doc = None
    return {
        "id": getattr(scenario, "id", None),
        "knobs": list(space.names),
        "space_size": int(space.size),
        "space": space_doc,
        "n_objectives": n_obj,
        "objective_names": [str(m) for m in getattr(scenario, "objective_names", None) or []],
        "objective_columns": list(cols) if cols else ["objective"],
        "budgets": {str(k): _to_float(v) for k, v in dict(budgets).items()},
        "ref_point": ref,
    }


def _to_float(value: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else value
    return value


def summarize(
    frame: pd.DataFrame, info: Mapping[str, Any], spec: RunSpec | None = None
) -> dict[str, Any]:
    """The ``summary.json`` document of a log.

    Args:
        frame: The run's tidy log.
        info: :func:`scenario_info` of its scenario.
        spec: The run's settings.

    Returns:
        ``run_id``, counts, the best feasible design (``design``: named knob values,
        ``metrics``: its metrics) and, with several objectives, the feasible Pareto front
        on ``objective_columns`` (all maximised) and its hypervolume w.r.t. ``ref_point``.
    """
    from archgym import analysis

    knobs = [k for k in info.get("knobs", []) if k in frame.columns]
    metrics = [c for c in frame.columns if c not in knobs and c not in META_COLUMNS]
    doc: dict[str, Any] = {}
    if spec is not None:
        doc.update(
            run_id=spec.run_id,
            scenario=spec.scenario,
            scenario_overrides=spec.scenario_overrides,
            agent=spec.agent,
            label=spec.label,
            seed=spec.seed,
            budget=spec.budget,
        )
    n = len(frame)
    feas = frame["feasible"].to_numpy(bool) if "feasible" in frame.columns else np.ones(n, bool)
    doc.update(n_evals=n, n_feasible=int(feas.sum()), complete=spec is None or n >= spec.budget)
    wall = [c for c in ("ask_s", "eval_s") if c in frame.columns]
    doc["wall_s"] = float(frame[wall].to_numpy(float).sum()) if wall and n else 0.0
    doc["best"] = None
    if n and feas.any() and "objective" in frame.columns:
        sub = frame[feas]
        i = cast(int, sub["objective"].astype(float).idxmax())  # logs have a RangeIndex
        row = cast("pd.Series[Any]", frame.loc[i])  # a unique label: one row
        doc["best"] = {
            "eval": int(row["eval"]) if "eval" in frame.columns else int(i),
            "objective": _scalar(row["objective"]),
            "design": {k: _scalar(row[k]) for k in knobs},
            "metrics": {c: _scalar(row[c]) for c in metrics},
        }
    cols = [c for c in info.get("objective_columns", []) if c in frame.columns]
    if int(info.get("n_objectives", 1)) > 1 and cols:
        sub = frame[feas]
        front = sub[analysis.pareto_mask(sub[cols].to_numpy(float))] if len(sub) else sub
        front = front.sort_values(cols[0], ascending=False)
        doc["pareto_front"] = [
            {**{k: _scalar(r[k]) for k in knobs}, **{c: _scalar(r[c]) for c in metrics}}
            for _, r in front.iterrows()
        ]
        ref = info.get("ref_point")
        if ref is not None and len(front):
            doc["hypervolume"] = float(analysis.hypervolume(front[cols].to_numpy(float), ref))
    return doc


def format_summary(summary: Mapping[str, Any], max_front: int = 20) -> str:
    """The printed form of a ``summary.json`` document: a header, the best design as a
    two-column table of named knob values and metrics, and the Pareto front if any."""
    out = io.StringIO()
    scenario = str(summary.get("scenario", "?"))
    overrides = summary.get("scenario_overrides") or {}
    if overrides:
        scenario += "[" + ", ".join(f"{k}={v}" for k, v in sorted(overrides.items())) + "]"
    head = (
        f"run {summary.get('run_id', '?')}: {summary.get('label', summary.get('agent', '?'))} on "
        f"{scenario}, seed {summary.get('seed', '?')}: "
        f"{summary.get('n_evals', 0)} evaluations ({summary.get('n_feasible', 0)} feasible), "
        f"{summary.get('wall_s', 0.0):.2f} s in ask and evaluate"
    )
    print(head, file=out)
    best = summary.get("best")
    if best is None:
        print("no feasible design found", file=out)
    else:
        print(
            f"best feasible design (evaluation {best['eval']}, objective {best['objective']:.6g}):",
            file=out,
        )
        rows = (
            [(k, v) for k, v in best["design"].items()]
            + [("---", "")]
            + [
                (k, v)
                for k, v in best["metrics"].items()
                if k != "objective" and v is not None and v != ""
            ]
        )
        width = max(len(str(k)) for k, _ in rows)
        for k, v in rows:
            text = f"{v:.6g}" if isinstance(v, float) else str(v)
            print(f"  {str(k):<{width}}  {text}", file=out)
    front = summary.get("pareto_front")
    if front:
        table = pd.DataFrame(front)
        print(
            f"Pareto front ({len(table)} designs"
            + (f", hypervolume {summary['hypervolume']:.6g}" if "hypervolume" in summary else "")
            + "):",
            file=out,
        )
        shown = table.head(max_front)
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"), file=out)
        if len(table) > max_front:
            print(f"  ... {len(table) - max_front} more in summary.json", file=out)
    return out.getvalue().rstrip("\n")


# --------------------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------------------


LOCK_FILE = ".lock"


def _lock_holder(path: Path) -> int | None:
    """The PID written in a lock file, or None."""
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (checked with signal 0, not guessed from age)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


@contextlib.contextmanager
def _lock(directory: Path) -> Iterator[None]:
    """An exclusive lock on a run directory, held while the run goes on.

    The lock is ``fcntl.flock`` on ``<directory>/.lock``: the kernel releases it when its
    holder dies however it dies, so a lock left by a killed process is never in the way
    (a stale lock cannot exist). The holder writes its PID in the file for the message
    of a refused second process. A lock file deleted and made again between ``open`` and
    ``flock`` (a run that cleaned up after a refused start) is detected by its inode and
    taken again.

    Raises:
        RunBusyError: a live process holds the lock.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    path = directory / LOCK_FILE
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            pid = _lock_holder(path)
            who = f"process {pid}" if pid is not None and _pid_alive(pid) else "another process"
            raise RunBusyError(
                f"{directory}: {who} is running this run (it holds {path}); wait for it to "
                "finish or stop it",
                pid,
            ) from exc
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the file was replaced under us: lock the one that is there now
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def _has_rows(log: Path) -> bool:
    """Whether a CSV log holds at least one complete evaluation row (after its header)."""
    try:
        with open(log, "rb") as fh:
            return fh.read().count(b"\n") >= 2
    except OSError:
        return False


@contextlib.contextmanager
def _locked_as_found(directory: Path) -> Iterator[None]:
    """Hold the run directory's lock; if the run fails before logging its first
    evaluation, leave the directory as it was found (no ``settings.json``, log or lock
    left behind, the directory removed if this call made it), so the corrected command
    is not refused. A run that logged evaluations keeps everything (it resumes)."""
    made = [d for d in (directory, *directory.parents) if not d.exists()]  # innermost first
    directory.mkdir(parents=True, exist_ok=True)
    names = (SETTINGS_JSON, LOG_CSV, LOCK_FILE)
    before: dict[str, bytes | None] = {}
    for name in names:
        try:
            before[name] = (directory / name).read_bytes()
        except OSError:
            before[name] = None
    try:
        with _lock(directory):
            try:
                yield
            except BaseException:
                if not _has_rows(directory / LOG_CSV):
                    for name in names:  # the lock file last: it is still held
                        path = directory / name
                        saved = before[name]
                        if saved is None:
                            with contextlib.suppress(OSError):
                                path.unlink()
                        elif name == SETTINGS_JSON:
                            with contextlib.suppress(OSError):
                                if path.read_bytes() != saved:
                                    write_bytes_atomic(path, saved)
                raise
    except BaseException:
        for d in made:
            try:
                d.rmdir()  # only if empty
            except OSError:
                break
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    from .._io import atomic_open

    with atomic_open(path, "wb") as fh:
        fh.write(data)


def _diff(want: Mapping[str, Any], have: Mapping[str, Any]) -> list[str]:
    import json

    def norm(v: Any) -> str:
        return json.dumps(v, sort_keys=True, default=repr)

    return [
        f"{k}: directory has {norm(have.get(k))}, this run has {norm(want[k])}"
        for k in want
        if norm(want[k]) != norm(have.get(k))
    ]


def default_run_dir(spec: RunSpec, root: str | os.PathLike[str] = "runs") -> Path:
    """``<root>/<run id>``."""
    return Path(root) / spec.run_id


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


def load_run(directory: str | os.PathLike[str]) -> RunResult:
    """A run directory as a :class:`RunResult` (finished or not; nothing is evaluated)."""
    from archgym.agents import History

    directory = Path(directory)
    from .logs import read_json_checked

    try:
        doc = read_json_checked(directory / SETTINGS_JSON)
    except ValueError as exc:
        raise RunError(str(exc)) from None
    if doc is None:
        raise RunError(f"{directory} has no {SETTINGS_JSON}; not a run directory")
    spec = RunSpec.from_settings(doc)
    info = doc.get("scenario_info") or {}
    frame = None
    if info.get("space"):
        from archgym.space import DesignSpace

        try:
            space = DesignSpace.from_dict(info["space"])
            frame = restore_knobs(read_log(directory / LOG_CSV, space.names), space)
        except Exception:  # noqa: BLE001 - fall back to the log as pandas reads it
            frame = None
    if frame is None:
        frame = read_log(directory)
    summary = read_json(directory / SUMMARY_JSON) or summarize(
        frame, doc.get("scenario_info", {}), spec
    )
    settings = {**doc, "run_dir": str(directory.resolve())}
    return RunResult(spec, directory, History(frame=frame, settings=settings), summary, 0)
