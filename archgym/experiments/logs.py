"""The tidy log on disk: an append-only CSV journal and its Parquet mirror.

A run's log is ``log.csv`` in its run directory: a header line, then one line per
evaluation, appended and flushed after every ask/tell step so that killing the process
loses no finished evaluation. A line torn by a kill (no trailing newline) and the rows of
a step that was only partly written are discarded when the log is read back for a resume
(:func:`read_log_prefix`). When the run finishes, the whole log is mirrored to
``log.parquet`` if pyarrow is installed, with the journal's SHA-256 and row count in its
metadata: a mirror that does not match its journal, or cannot be read, is not used (the
journal is read instead, with a warning).

Floats are written with their shortest round-trip representation, so a log read back
holds exactly the values that were evaluated (this is what lets a resumed run continue
bit for bit). Knob values that CSV turns into text (tuples such as a kernel size) are
turned back into the space's choices by :func:`restore_knobs`.

Every file of a run folder or a sweep folder is written here, each whole file atomically
(:func:`archgym._io.atomic_open`: a temporary file renamed over it): ``settings.json``,
``summary.json`` and ``sweep.json`` (:func:`write_json_atomic`), the journal
(:class:`LogWriter`, appended; cut back to its valid prefix by :func:`read_log_prefix`),
its Parquet mirror (:func:`write_parquet_mirror`), ``error.txt`` (:func:`write_error`,
:func:`clear_error`), a sweep's ``index.csv`` (:func:`write_index`) and other tables
(:func:`write_frame_atomic`). The one exception is a run directory's ``.lock``, an
``flock`` whose holder writes its PID into the locked file
(:mod:`archgym.experiments.rundir`).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._io import atomic_open

__all__ = [
    "LOG_CSV",
    "LOG_PARQUET",
    "SETTINGS_JSON",
    "SUMMARY_JSON",
    "ERROR_TXT",
    "INDEX_CSV",
    "SWEEP_JSON",
    "WALL_TIME_COLUMNS",
    "LogWriter",
    "read_log",
    "read_log_prefix",
    "restore_knobs",
    "frames_equal",
    "read_json",
    "write_json_atomic",
    "write_bytes_atomic",
    "write_frame_atomic",
    "write_error",
    "clear_error",
    "write_index",
    "have_pyarrow",
    "read_json_checked",
    "write_parquet_mirror",
]

LOG_CSV = "log.csv"
LOG_PARQUET = "log.parquet"
SETTINGS_JSON = "settings.json"
SUMMARY_JSON = "summary.json"
ERROR_TXT = "error.txt"
#: A sweep folder's table of its cells and its configuration.
INDEX_CSV = "index.csv"
SWEEP_JSON = "sweep.json"
#: Columns that hold wall-clock times: the only ones allowed to differ between two runs
#: with the same settings and seed.
WALL_TIME_COLUMNS: tuple[str, ...] = ("ask_s", "eval_s")


def have_pyarrow() -> bool:
    """Whether pyarrow is importable (Parquet mirrors are written only then)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def write_json_atomic(path: str | os.PathLike[str], doc: Any) -> None:
    """Write ``doc`` as indented JSON to ``path`` atomically (temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "w") as fh:
        json.dump(doc, fh, indent=2, sort_keys=False, default=_json_default)
        fh.write("\n")


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def write_frame_atomic(
    path: str | os.PathLike[str], frame: pd.DataFrame, *, index: bool = False
) -> None:
    """Write a table to ``path`` atomically: Parquet for ``.parquet`` (needs pyarrow), else
    CSV; the folder is made if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        with atomic_open(path, "wb") as fh:
            frame.to_parquet(fh, index=index)
    else:
        with atomic_open(path, "w") as fh:
            frame.to_csv(fh, index=index)


def write_error(directory: str | os.PathLike[str], text: str) -> None:
    """Write what stopped a run (a traceback, or one line) to its ``error.txt``, ending
    with a newline; the directory is made if needed."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with atomic_open(directory / ERROR_TXT, "w") as fh:
        fh.write(text if text.endswith("\n") else text + "\n")


def clear_error(directory: str | os.PathLike[str]) -> None:
    """Remove a run's ``error.txt`` (the run has now finished), if there is one."""
    with contextlib.suppress(FileNotFoundError):
        (Path(directory) / ERROR_TXT).unlink()


def write_index(out: str | os.PathLike[str], index: pd.DataFrame) -> None:
    """Write a sweep's ``<out>/index.csv`` atomically, under an ``flock`` on
    ``index.csv.lock`` so two sweeps into one folder never interleave."""
    out = Path(out)
    with _index_lock(out):
        write_frame_atomic(out / INDEX_CSV, index)


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


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple | set):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    return repr(value)


class LogWriter:
    """Appends blocks of log rows to a CSV journal, flushing after each block.

    The first block written to a new file fixes the header (the column order); later
    blocks are written in that order. Each block is written with one ``write`` call.
    Values are written as Python's ``csv`` module writes them: floats in their shortest
    round-trip form (``repr``), everything else as ``str`` (so a tuple choice becomes
    ``"(3, 3)"``; :func:`restore_knobs` turns it back).

    Args:
        path: The CSV file; created with a header on the first block if absent or empty.
        fsync: Also ``os.fsync`` after each block (survives a power cut, not only a kill).
    """

    def __init__(self, path: str | os.PathLike[str], fsync: bool = False) -> None:
        self.path = Path(path)
        self.fsync = fsync
        self.columns: list[str] | None = None
        if self.path.exists() and self.path.stat().st_size > 0:
            with open(self.path, newline="") as fh:
                header = fh.readline()
            if header.endswith("\n"):
                self.columns = next(csv.reader([header]))
        self.rows_written = 0

    def append(self, block: pd.DataFrame) -> None:
        """Append ``block`` (one ask/tell step's rows) and flush it to the OS."""
        if block.empty:
            return
        columns = self.columns
        header = columns is None
        if columns is None:
            columns = self.columns = [str(c) for c in block.columns]
        else:
            extra = [c for c in block.columns if c not in columns]
            if extra:
                raise ValueError(f"log block has columns {extra} that the log header lacks")
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        if header:
            writer.writerow(columns)
        n = len(block)
        cols = [block[c].tolist() if c in block.columns else [None] * n for c in columns]
        writer.writerows(zip(*cols, strict=True))
        mode = "w" if header else "a"
        with open(self.path, mode, newline="") as fh:
            fh.write(buf.getvalue())
            fh.flush()
            if self.fsync:
                os.fsync(fh.fileno())
        self.rows_written += n


#: Parquet schema metadata of a mirror: the SHA-256 and the row count of the CSV journal
#: it mirrors (checked before the mirror is used instead of the journal).
_MIRROR_SHA256 = b"archgym.csv_sha256"
_MIRROR_ROWS = b"archgym.csv_rows"


def _file_sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_parquet_mirror(frame: pd.DataFrame, csv_path: Path, path: Path) -> None:
    """Write ``frame`` (the journal ``csv_path`` read back) as its Parquet mirror ``path``,
    atomically, with the journal's SHA-256 and row count in the file's metadata; object
    columns (tuple choices) are written as text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    obj = [c for c in frame.columns if frame[c].dtype == object]
    table = pa.Table.from_pandas(
        frame.astype({c: str for c in obj}) if obj else frame, preserve_index=False
    )
    meta = dict(table.schema.metadata or {})
    meta[_MIRROR_SHA256] = _file_sha256(csv_path).encode()
    meta[_MIRROR_ROWS] = str(len(frame)).encode()
    with atomic_open(path, "wb") as fh:
        pq.write_table(table.replace_schema_metadata(meta), fh)


def _read_mirror(path: Path, csv_path: Path) -> pd.DataFrame | None:
    """The Parquet mirror if it is readable and matches the CSV journal (its checksum and
    row count), else None with a warning (the journal is the truth)."""
    import warnings

    try:
        import pyarrow.parquet as pq

        meta = pq.read_schema(path).metadata or {}
        if _MIRROR_SHA256 not in meta or _MIRROR_ROWS not in meta:
            problem = "holds no checksum of the CSV journal"
        elif not csv_path.exists():
            problem = f"has no {csv_path.name} to check it against"
        elif meta[_MIRROR_SHA256].decode() != _file_sha256(csv_path):
            problem = f"does not match {csv_path.name} (their checksums differ)"
        else:
            frame = pd.read_parquet(path)
            if len(frame) != int(meta[_MIRROR_ROWS]):
                problem = f"has {len(frame)} rows, {csv_path.name} {int(meta[_MIRROR_ROWS])}"
            else:
                return frame
    except Exception as exc:  # noqa: BLE001 - any damage: the journal is read instead
        problem = f"cannot be read ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})"
    warnings.warn(f"{path} {problem}; reading {csv_path.name} instead", stacklevel=3)
    return None


def _complete_text(data: bytes) -> str:
    """A file's text up to and including its last newline (a torn last line dropped)."""
    cut = data.rfind(b"\n")
    if cut < 0:
        return ""
    return data[: cut + 1].decode("utf-8")


#: Text that means "missing" in a log (pandas' defaults); knob columns are exempt, so a
#: choice spelled "None" or "NA" stays a choice.
_NA = [
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
]


def _parse(text: str, knobs: Sequence[str] | None) -> pd.DataFrame:
    if not knobs:
        return pd.read_csv(io.StringIO(text))
    columns = next(csv.reader([text.split("\n", 1)[0]]))
    knob_set = set(knobs)
    return pd.read_csv(
        io.StringIO(text),
        dtype={c: str for c in columns if c in knob_set},
        keep_default_na=False,
        na_values={c: _NA for c in columns if c not in knob_set},
    )


def read_log(path: str | os.PathLike[str], knobs: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a tidy log (``.csv`` or ``.parquet``; a torn last CSV line is ignored).

    Args:
        path: The log file, or a run directory (its Parquet mirror if the run finished and
            pyarrow is there, else its CSV).
        knobs: Knob columns to read as text (for :func:`restore_knobs`), CSV only.

    Returns:
        The log, one row per evaluation (empty if the file holds no complete row).
    """
    path = Path(path)
    if path.is_dir():
        pq = path / LOG_PARQUET
        use_pq = knobs is None and pq.exists() and (path / SUMMARY_JSON).exists() and have_pyarrow()
        if use_pq:
            frame = _read_mirror(pq, path / LOG_CSV)
            if frame is not None:
                return frame
        path = path / LOG_CSV
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if not path.exists():
        return pd.DataFrame()
    text = _complete_text(path.read_bytes())
    if not text.strip():
        return pd.DataFrame()
    return _parse(text, knobs)


def read_log_prefix(
    path: str | os.PathLike[str], budget: int, batch_size: int, knobs: Sequence[str] | None = None
) -> tuple[pd.DataFrame, int]:
    """Read the valid prefix of an interrupted run's CSV log and truncate the file to it.

    A step ``k`` proposes ``min(batch_size, budget - rows before it)`` designs; the rows
    of a last step written only in part, and a torn last line, are discarded, and the
    file is cut back to the bytes of the rows kept (so appending goes on cleanly).

    Args:
        path: The CSV log.
        budget: The run's evaluation budget.
        batch_size: The agent's batch size (designs per step).
        knobs: Knob columns to read as text (see :func:`read_log`).

    Returns:
        ``(rows kept, complete rows dropped)``.
    """
    path = Path(path)
    if not path.exists():
        return pd.DataFrame(), 0
    data = path.read_bytes()
    text = _complete_text(data)
    lines = text.splitlines(keepends=True)
    frame = _parse(text, knobs) if len(lines) > 1 else pd.DataFrame()
    n_rows = len(frame)
    keep = 0
    if n_rows:
        if "step" not in frame.columns:
            raise ValueError(f"{path}: the log has no 'step' column")
        steps = frame["step"].to_numpy()
        done = 0
        i = 0
        while i < n_rows and done < budget:
            want = min(batch_size, budget - done)
            block = steps[i : i + want]
            if len(block) < want or np.any(block != block[0]):
                break
            done += want
            i += want
        keep = i
    kept = frame.iloc[:keep].reset_index(drop=True) if n_rows else frame
    # cut the file back to the header and the rows kept (no field of a log holds a
    # newline: knob values and metrics are scalars), atomically: a kill while cutting
    # leaves the journal as it was
    new_data = "".join(lines[: 1 + keep]).encode("utf-8")
    if new_data != data:
        write_bytes_atomic(path, new_data)
    return kept, n_rows - keep


def restore_knobs(frame: pd.DataFrame, space: Any) -> pd.DataFrame:
    """Turn knob columns read back from CSV into the space's choice values.

    Text is mapped to the choice whose ``str`` it is (``"8"`` -> 8, ``"0.5"`` -> 0.5,
    ``"(3, 3)"`` -> ``(3, 3)``, ``"ws"`` -> ``"ws"``); columns that already hold choices
    are kept. The columns get the dtype pandas infers for the choices.

    Args:
        frame: A log read back from disk.
        space: The run's ``DesignSpace``.

    Returns:
        A copy of ``frame`` with the knob columns converted.
    """
    out = frame.copy()
    for knob in getattr(space, "knobs", ()):
        name = knob.name
        if name not in frame.columns or not len(frame):
            continue
        col = frame[name]
        by_text = {str(c): c for c in knob.choices}
        values = col.tolist()
        if all(isinstance(v, str) for v in values) and all(v in by_text for v in values):
            mapped = [by_text[v] for v in values]
        else:
            try:
                knob.indices(col)
                continue
            except Exception:  # noqa: BLE001 - last resort: the text form of each value
                mapped = [by_text.get(str(v), v) for v in values]
        if any(isinstance(v, tuple) for v in mapped):
            out[name] = pd.Series(mapped, index=frame.index, dtype=object)
        else:
            out[name] = pd.Series(mapped, index=frame.index)
    return out


def frames_equal(
    a: pd.DataFrame, b: pd.DataFrame, ignore: Sequence[str] = WALL_TIME_COLUMNS
) -> bool:
    """Whether two logs are equal, ignoring the wall-time columns."""
    a = a.drop(columns=[c for c in ignore if c in a.columns]).reset_index(drop=True)
    b = b.drop(columns=[c for c in ignore if c in b.columns]).reset_index(drop=True)
    return a.shape == b.shape and list(a.columns) == list(b.columns) and bool(a.equals(b))


def read_json_checked(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """A JSON document, None if the file is missing; a damaged file is an error.

    Raises:
        ValueError: the file exists but is not a JSON object (the message says where).
    """
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is damaged: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{path} is damaged: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(doc, Mapping):
        raise ValueError(f"{path} is damaged: a JSON object was expected, not {type(doc).__name__}")
    return dict(doc)


def read_json(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """A JSON file's document, or None if it is missing or unreadable."""
    try:
        with open(path) as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None  # json.load gives a dict for an object
