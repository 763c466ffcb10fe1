"""Runtime dispatch overhead: the time per op that runs, by op kind, per inference, and per
KiB of an op's tensors (``CostOptions.op_overhead``)."""

from __future__ import annotations

import numpy as np

from ..technology import Technology
from .table import WorkloadTable


def _overhead_per_workload(
    table: WorkloadTable,
    plan: dict[str, np.ndarray],
    tech: Technology,
    oh_kind: np.ndarray,
    oh_size: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per workload of ``table`` (``(n_workloads,)`` each): the dispatch time (us) of its
    ops that run plus the invoke time, and the sum over its ops of the size term's
    elements (times the per-KiB constant; the caller converts elements to KiB). Cached on
    the table per memory plan and technology."""
    cache = table.__dict__.setdefault("_overhead_cache", {})  # a table is immutable
    key = id(plan["kind_counts"])
    got = cache.get(key)
    if got is None or got[0] is not tech:
        got = cache[key] = (
            tech,
            plan["kind_counts"] @ oh_kind + tech.invoke_overhead_us,
            plan["kind_elems"] @ oh_size,
        )
    return got[1], got[2]


def _size_overhead_us_per_kib(tech: Technology) -> np.ndarray:
    """Dispatch time (us) per KiB of an op's input and output tensors, by layer kind
    (``calibration.op_overhead_us_per_kib`` in the technology table; 0 where absent)."""
    cached = tech.__dict__.get("_size_overhead_us_per_kib")
    if cached is not None:
        return cached
    from ..technology import OVERHEAD_GROUPS
    from ..workloads.workload import KIND_CODES

    table = (tech.raw.get("calibration") or {}).get("op_overhead_us_per_kib") or {}
    out = np.zeros(len(KIND_CODES))
    for kind, code in KIND_CODES.items():
        out[code] = float(table.get(OVERHEAD_GROUPS.get(kind, kind), 0.0))
    out.setflags(write=False)
    tech.__dict__["_size_overhead_us_per_kib"] = out  # a Technology is immutable
    return out
