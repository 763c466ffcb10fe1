"""Small file helpers shared by the logs, caches and documents."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_open", "dump_yaml"]


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Write ``path`` through a temporary file in the same folder, renamed over it only
    when the block finishes: a reader (or a killed writer) never sees half a file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def dump_yaml(doc: Any, path: str | os.PathLike[str] | None = None) -> str:
    """``doc`` as YAML text (key order kept), also written to ``path`` if given."""
    import yaml

    text: str = yaml.safe_dump(doc, sort_keys=False, default_flow_style=None)
    if path is not None:
        Path(path).write_text(text)
    return text
