"""The local sweep backend: one worker process per slot, each tied to the sweep's
life; a worker that dies costs only the cell it was running."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
from collections.abc import Sequence
from typing import Any

from archgym.plugins import loaded_plugins

from .logs import write_error
from .sweep_cell import _BUSY_POLL_S, _MAX_WORKER_DEATHS, _finished, _init_worker, run_cell
from .sweep_config import Cell
from .sweep_threads import _thread_env, worker_threads


def _die_with_parent(parent_pid: int) -> None:
    """End this process when the sweep process that started it dies.

    Two mechanisms: the kernel's parent-death signal (Linux ``PR_SET_PDEATHSIG``, a
    SIGKILL sent when the parent exits, however it exits) and a watchdog thread that
    checks once a second that the parent is still ``parent_pid`` (other POSIX systems, and
    the moment between fork and ``prctl``)."""
    import signal
    import sys
    import threading

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)

    def watchdog() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watchdog, name="archgym-parent-watchdog", daemon=True).start()


def _worker_main(
    conn: Any, parent_pid: int, fmt: str, plugins: Sequence[str] = (), threads: int = 1
) -> None:
    """A local sweep worker: runs the cells it is sent, one at a time, until told to stop
    (``None``) or until its parent dies."""
    import signal

    _die_with_parent(parent_pid)
    # Ctrl-C goes to the whole terminal group: the sweep process handles it (and stops
    # its workers); a worker must not print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _init_worker(plugins, threads)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        spec_doc, directory = msg
        conn.send(run_cell(spec_doc, directory, fmt, threads))


class _Worker:
    """One worker process of the local backend and the cell it is running."""

    def __init__(self, ctx: Any, fmt: str, threads: int = 1) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(
            target=_worker_main,
            args=(child, os.getpid(), fmt, tuple(loaded_plugins()), threads),
            name="archgym-sweep-worker",
        )
        self.proc.daemon = True
        self.proc.start()
        child.close()
        self.cell: Cell | None = None

    def submit(self, cell: Cell) -> None:
        self.cell = cell
        self.conn.send((cell.spec.key(), str(cell.dir.resolve())))

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the worker to exit; kill it if it is busy or does not (a cell it was running
        resumes from its log next time)."""
        if self.proc.is_alive() and self.cell is None:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
            self.proc.join(timeout)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout)
        with contextlib.suppress(OSError):
            self.conn.close()


def _death_message(exitcode: int | None, times: int) -> str:
    import signal

    if exitcode is not None and exitcode < 0:
        try:
            how = f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"killed by signal {-exitcode}"
    else:
        how = f"exited with code {exitcode}"
    return (
        f"the worker process running this cell died {times} time(s) ({how}: killed, out of "
        "memory or a crash in native code); start the sweep again to resume it"
    )


def _run_local(
    cells: list[Cell], fmt: str, workers: int, on_done: Any, threads: int | None = None
) -> None:
    """Run ``cells`` on ``workers`` processes, each with ``threads`` threads (default: its
    share of the cores, :func:`worker_threads`). A worker that dies costs only the cell it
    was running (retried, then marked failed); a cell another live process is running is
    waited for, never marked failed."""
    from collections import deque
    from multiprocessing.connection import wait as mp_wait

    ctx = multiprocessing.get_context("spawn")
    queue: deque[Cell] = deque(cells)
    waiting: list[tuple[float, Cell]] = []  # (time to look again, cell) held elsewhere
    deaths: dict[str, int] = {}
    pool: list[_Worker] = []
    n_workers = max(1, min(workers, len(cells)))
    share = int(threads) if threads is not None else worker_threads(n_workers)
    with _thread_env(share):
        try:
            while queue or waiting or any(w.cell is not None for w in pool):
                now = time.monotonic()
                for item in [x for x in waiting if x[0] <= now]:
                    waiting.remove(item)
                    fin = _finished(item[1])
                    if fin is not None:
                        on_done(item[1], {**fin, "status": "done"})
                    else:
                        queue.append(item[1])
                while queue:
                    idle = next((w for w in pool if w.cell is None), None)
                    if idle is None and len(pool) < n_workers:
                        idle = _Worker(ctx, fmt, share)
                        pool.append(idle)
                    if idle is None:
                        break
                    idle.submit(queue.popleft())
                busy = [w for w in pool if w.cell is not None]
                if not busy:
                    if waiting:
                        time.sleep(max(0.0, min(t for t, _ in waiting) - time.monotonic()))
                    continue
                handles: list[Any] = [w.conn for w in busy] + [w.proc.sentinel for w in busy]
                timeout = _BUSY_POLL_S if waiting else None
                ready = set(mp_wait(handles, timeout=timeout))
                for w in busy:
                    if w.conn not in ready and w.proc.sentinel not in ready:
                        continue
                    cell = w.cell
                    assert cell is not None
                    result = None
                    try:
                        if w.conn.poll():
                            result = w.conn.recv()
                    except (EOFError, OSError):
                        result = None
                    if result is not None:
                        w.cell = None
                        if result.get("status") == "busy":
                            waiting.append((time.monotonic() + _BUSY_POLL_S, cell))
                        else:
                            on_done(cell, result)
                        continue
                    # the worker died while running `cell`: only that cell is concerned
                    w.proc.join(1.0)
                    code = w.proc.exitcode
                    w.cell = None
                    w.stop()
                    pool.remove(w)
                    rid = cell.spec.run_id
                    deaths[rid] = deaths.get(rid, 0) + 1
                    if deaths[rid] < _MAX_WORKER_DEATHS:
                        queue.appendleft(cell)
                    else:
                        msg = _death_message(code, deaths[rid])
                        write_error(cell.dir, msg)
                        on_done(cell, {"status": "error", "error": msg})
        finally:
            for w in pool:
                w.stop()
