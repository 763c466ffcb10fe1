"""The trained oracle's disk cache (:mod:`archgym.oracles.trained`): an append-only JSON-lines
file of sealed records.

Each record stores its key (a SHA-256 of the inputs that determine the result: space,
canonical architecture, dataset, settings and seed) with those inputs, the accuracy, and a
SHA-256 checksum of the whole record. A record that fails a check (not JSON, wrong fields,
a checksum or key that does not match its content, an accuracy outside [0, 100]) is never
served: it is ignored with a warning naming the file and line, and its architecture is
trained again. Records are appended whole under a file lock (concurrent writers are safe);
a final line cut short by a killed process is dropped with a warning; a record that cannot
be written (full disk) is reported and not counted as cached.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from archgym._io import cache_dir

__all__ = ["default_cache_dir", "cache_key", "JsonlCache"]


def default_cache_dir() -> Path:
    """``$ARCHGYM_CACHE/oracles`` if set, else ``~/.cache/archgym/oracles``."""
    return cache_dir("oracles")


def cache_key(payload: Mapping[str, Any]) -> str:
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


class JsonlCache:
    """Append-only JSON-lines cache of trained results (see the module docstring).

    Every record carries ``sha256``, the SHA-256 of its own canonical JSON without that
    field, and is stored as exactly that canonical line. A record whose checksum or
    canonical form does not match (a flipped digit, a duplicated key, an edited value), or
    whose key does not match its inputs, is never served: it is skipped with a warning and
    its architecture trained again (the fresh record is appended and wins). Appends and
    the clean-up of a torn final line hold an exclusive ``flock`` on ``<file>.lock``, so
    concurrent writers (processes of a sweep) never interleave or cut each other's
    records. A record that cannot be written whole (a full disk) is cut back out of the
    file and reported, never counted as written.
    """

    FIELDS = ("key", "inputs", "accuracy", "sha256")

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mtime: tuple[int, int] | None = None
        self._data: dict[str, dict[str, Any]] = {}
        #: Records skipped at the last load (bad checksum, form or content), and
        #: records that could not be written (disk full, ...).
        self.n_rejected = 0
        self.n_write_failures = 0

    @staticmethod
    def seal(rec: Mapping[str, Any]) -> bytes:
        """The canonical line of a record, its ``sha256`` included, newline ended."""
        body = {k: v for k, v in rec.items() if k != "sha256"}
        canon = json.dumps(body, sort_keys=True, separators=(",", ":"))
        sealed = {**body, "sha256": hashlib.sha256(canon.encode()).hexdigest()}
        line = json.dumps(sealed, sort_keys=True, separators=(",", ":"))
        return (line + "\n").encode()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            yield
            return
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _problem(self, line: bytes) -> str | None:
        """Why a stored line must not be served (None: it is sound)."""
        try:
            rec = json.loads(line)
        except ValueError:
            return "is not JSON"
        if not isinstance(rec, dict) or any(f not in rec for f in self.FIELDS):
            return f"lacks fields {self.FIELDS}"
        try:
            canonical = self.seal(rec)
        except (TypeError, ValueError):
            return "holds a value JSON cannot hold"
        if canonical != line + b"\n":
            return "fails its checksum"
        acc = rec["accuracy"]
        if (
            not isinstance(acc, (int, float))
            or isinstance(acc, bool)
            or not math.isfinite(acc)
            or not 0.0 <= acc <= 100.0
        ):
            return f"has accuracy {acc!r}"
        if not isinstance(rec["inputs"], dict) or cache_key(rec["inputs"]) != rec["key"]:
            return "has a key that does not match its content"
        return None

    def _load(self) -> None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._data, self._mtime = {}, None
            return
        if (st.st_mtime_ns, st.st_size) == self._mtime:
            return
        with self._locked():
            raw = self.path.read_bytes()
            lines = raw.split(b"\n")
            tail = lines.pop()  # b"" when the file ends with a newline
            if tail:
                # Records are appended whole under the lock: a final line without its
                # newline is an append cut short by a killed process.
                warnings.warn(
                    f"{self.path}: dropping an incomplete final line (an interrupted write)",
                    stacklevel=3,
                )
                with open(self.path, "r+b") as fh:
                    fh.truncate(len(raw) - len(tail))
            st = self.path.stat()
        data: dict[str, dict[str, Any]] = {}
        rejected = []
        for lineno, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            problem = self._problem(line)
            if problem is not None:
                rejected.append(f"line {lineno} {problem}")
                continue
            rec = json.loads(line)
            data[rec["key"]] = rec
        if rejected:
            warnings.warn(
                f"{self.path}: {len(rejected)} damaged record(s) ignored and retrained "
                f"({'; '.join(rejected[:3])}{'; ...' if len(rejected) > 3 else ''})",
                stacklevel=3,
            )
        self.n_rejected = len(rejected)
        self._data = data
        self._mtime = (st.st_mtime_ns, st.st_size)

    def get(self, key: str) -> dict[str, Any] | None:
        self._load()
        return self._data.get(key)

    def put(self, rec: dict[str, Any]) -> bool:
        """Append ``rec`` (sealed with its checksum); returns whether it was written whole.

        A failed write (a full disk, a quota, an I/O error) is cut back out of the file
        and reported with a warning: the result stays valid, it is only not cached."""
        self._load()
        line = self.seal(rec)
        with self._locked():
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                start = os.fstat(fd).st_size
                try:
                    view = memoryview(line)
                    while view:
                        n = os.write(fd, view)
                        if n <= 0:
                            raise OSError("short write")
                        view = view[n:]
                    os.fsync(fd)
                except OSError as exc:
                    with contextlib.suppress(OSError):
                        os.ftruncate(fd, start)
                    self.n_write_failures += 1
                    warnings.warn(
                        f"{self.path}: result not cached ({exc.strerror or exc}); it will "
                        "be trained again next time",
                        stacklevel=2,
                    )
                    return False
            finally:
                os.close(fd)
            st = self.path.stat()
        self._data[rec["key"]] = json.loads(line)
        if self._mtime is not None and self._mtime[1] == start:  # nobody else appended
            self._mtime = (st.st_mtime_ns, st.st_size)
        return True
