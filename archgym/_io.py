"""Small file helpers shared by the logs, caches and documents."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_open", "cache_dir", "dump_yaml", "load_yaml"]


def cache_dir(*parts: str) -> Path:
    """``$ARCHGYM_CACHE/<parts>`` if the variable is set, else ``~/.cache/archgym/<parts>``.

    The one root of every archgym cache (enumerations, NB201 tables, trained oracles).
    """
    env = os.environ.get("ARCHGYM_CACHE")
    base = Path(env) if env else Path.home() / ".cache" / "archgym"
    return base.joinpath(*parts)


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Write ``path`` through a temporary file in the same folder, renamed over it only
    when the block finishes: a reader (or a killed writer) never sees half a file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates the file 0600; give it the mode a plain open() would (0666 less the
        # umask) so that run folders on a shared file system stay readable by the group
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, mode) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask() -> int:
    """The process's umask: from ``/proc/self/status`` where there is one (reading it with
    ``os.umask`` means setting it for a moment, which other threads would see)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def dump_yaml(doc: Any, path: str | os.PathLike[str] | None = None) -> str:
    """``doc`` as YAML text (key order kept), also written to ``path`` if given."""
    import yaml

    text: str = yaml.safe_dump(doc, sort_keys=False, default_flow_style=None)
    if path is not None:
        with atomic_open(path) as fh:
            fh.write(text)
    return text


def load_yaml(
    source: str | os.PathLike[str],
    *,
    what: str = "document",
    error: type[Exception] = ValueError,
) -> Any:
    """Parse YAML text, or a YAML file (a ``Path``, or a one-line name ending in
    ``.yaml``/``.yml``), with the safe loader: plain data only, no tags that build objects.

    Args:
        source: YAML text or a file.
        what: What the document is, for the error message (``"scenario document"``).
        error: The exception class raised on invalid YAML (the caller's own error).

    Returns:
        The parsed document (dicts, lists, strings, numbers, booleans, ``None``).

    Raises:
        error: the text is not valid YAML (the message starts with ``what``).
        OSError: the file cannot be read.
    """
    import yaml

    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and source.endswith((".yaml", ".yml"))
    ):
        text = Path(source).read_text()
    else:
        text = str(source)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise error(f"{what}: invalid YAML: {exc}") from None
