"""A sweep worker's share of the cores and the pinning of its numeric libraries
(BLAS / OpenMP / torch) to it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["available_cores", "worker_threads"]

_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")


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


@contextlib.contextmanager
def environ_set(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the block (child processes started in it inherit
    them), then put back the values they had, removing those that were not set."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _thread_env(n: int) -> contextlib.AbstractContextManager[None]:
    """Set the thread variables to ``n`` for child processes (read by BLAS / OpenMP when a
    worker imports them), restoring them afterwards."""
    return environ_set({v: str(n) for v in _THREAD_VARS})
