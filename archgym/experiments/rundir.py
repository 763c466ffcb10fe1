"""The run directory: its exclusive lock, where it goes by default, and reading it back.

A run directory holds:

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
``.lock``
    Held (``flock``) by the process running it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from .logs import (
    LOG_CSV,
    SETTINGS_JSON,
    SUMMARY_JSON,
    read_json,
    read_log,
    restore_knobs,
    write_bytes_atomic,  # kept importable from here (its old home)
)
from .spec import RunError, RunResult, RunSpec
from .summary import summarize

__all__ = ["LOCK_FILE", "RunBusyError", "default_run_dir", "load_run", "write_bytes_atomic"]


class RunBusyError(RunError):
    """Another live process is running this run directory (it holds the directory's lock).

    Attributes:
        pid: The process that holds the lock (as it wrote it in ``.lock``), or None.
    """

    def __init__(self, message: str, pid: int | None = None) -> None:
        super().__init__(message)
        self.pid = pid


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


def default_run_dir(spec: RunSpec, root: str | os.PathLike[str] = "runs") -> Path:
    """``<root>/<run id>``."""
    return Path(root) / spec.run_id


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
