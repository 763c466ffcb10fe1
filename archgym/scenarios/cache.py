"""On-disk caches of the scenarios: where they live and what invalidates them.

Everything is written under :func:`cache_dir` (``$ARCHGYM_CACHE`` if set, else
``~/.cache/archgym``). A cache entry is keyed by a hash that includes the archgym version
and a hash of the source files whose change would change the cached numbers
(:func:`code_fingerprint`), so editing the cost model never serves stale results. Files
are written atomically (a temporary file, then a rename); a file that cannot be read is
treated as missing and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_open, cache_dir  # cache_dir re-exported from archgym._io

__all__ = [
    "COSTMODEL_SOURCES",
    "LAYER_SOURCES",
    "cache_dir",
    "code_fingerprint",
    "stable_hash",
    "save_npz",
    "load_npz",
]

#: The cost model's source files (relative to the package): a cache of anything it computed
#: lists these among the sources of its key.
COSTMODEL_SOURCES: tuple[str, ...] = (
    "costmodel/__init__.py",
    "costmodel/area.py",
    "costmodel/evaluate.py",
    "costmodel/grouping.py",
    "costmodel/host.py",
    "costmodel/mapping.py",
    "costmodel/memory.py",
    "costmodel/options.py",
    "costmodel/overhead.py",
    "costmodel/report.py",
    "costmodel/simulate.py",
    "costmodel/table.py",
    "dataflows.py",
    "loopnest.py",
)

#: The sources of a lowered workload's layers (relative to the repository's ``workloads``
#: folder, installed as ``archgym.workloads``): a cache of a lowered network lists these.
LAYER_SOURCES: tuple[str, ...] = (
    "workloads/layers.py",
    "workloads/layers_base.py",
    "workloads/layers_mac.py",
    "workloads/layers_vector.py",
    "workloads/workload.py",
)

_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


@cache
def _file_digest(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "missing"


def code_fingerprint(modules: Iterable[str]) -> str:
    """A hash of the source of some archgym modules (paths relative to the package root,
    e.g. ``"costmodel/memory.py"`` or ``"data/technology.yaml"``) and of the archgym version."""
    from archgym import __version__

    h = hashlib.sha256(__version__.encode())
    for rel in sorted(modules):
        path = _PACKAGE_ROOT / rel
        if not path.exists():  # archgym.workloads and archgym.envs live next to the package
            path = _PACKAGE_ROOT.parent / rel
        h.update(rel.encode())
        h.update(_file_digest(str(path)).encode())
    return h.hexdigest()


def stable_hash(doc: Any) -> str:
    """SHA-256 of a JSON-serialisable document (keys sorted)."""
    text = json.dumps(doc, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def save_npz(path: Path, arrays: Mapping[str, np.ndarray], compressed: bool = True) -> None:
    """Write ``arrays`` to ``path`` atomically (no partial file is ever visible)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "wb") as fh:
        # numpy's stub types **kwds as if a key could be its allow_pickle flag
        (np.savez_compressed if compressed else np.savez)(fh, **arrays)  # type: ignore[arg-type]


def load_npz(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays of an ``.npz`` file, or ``None`` if it is missing or unreadable."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except Exception:  # any corruption means "rebuild"
        return None
