"""The Ray sweep backend: each cell a Ray task; a local Ray head bound to loopback
(:func:`start_local_ray`) with a reaper (:mod:`archgym.experiments._reaper`) when no
cluster address is given."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from typing import Any

from archgym.plugins import loaded_plugins

from .logs import write_error
from .sweep_cell import _BUSY_POLL_S, _MAX_WORKER_DEATHS, _finished, _ray_cell
from .sweep_config import Cell, SweepError
from .sweep_threads import environ_set

__all__ = ["start_local_ray"]


@contextlib.contextmanager
def _loopback_ray_env() -> Iterator[None]:
    """Environment for a local Ray head that is reachable from this machine only.

    Ray resolves a node address of ``127.0.0.1`` to the machine's external address unless
    clusters are turned off (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0``, what Ray itself does
    on macOS and Windows); with them off every Ray server of the local head (GCS, raylet,
    object manager, workers, agents) binds to loopback. Token authentication is Ray's own
    default for a local ``ray.init()`` (Ray >= 2.52 makes a token in
    ``~/.ray/auth_token``); ``RAY_AUTH_MODE`` is left as the user set it (Ray reads it when
    it is imported, so it cannot be changed here)."""
    import sys

    want = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}
    constants = sys.modules.get("ray._private.ray_constants")
    old_flag = getattr(constants, "ENABLE_RAY_CLUSTER", None) if constants else None
    if constants is not None:  # ray imported before: its constant is read already
        setattr(constants, "ENABLE_RAY_CLUSTER", False)  # noqa: B010 (not in ray's stubs)
    try:
        with environ_set(want):
            yield
    finally:
        if constants is not None:
            setattr(constants, "ENABLE_RAY_CLUSTER", old_flag)  # noqa: B010 (not in ray's stubs)


def _is_loopback(address: str) -> bool:
    """Whether a Ray address ``HOST:PORT`` (or ``ray://HOST:PORT``) names this machine's
    loopback interface."""
    import ipaddress

    host = address.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def start_local_ray(num_cpus: int, include_dashboard: bool = False) -> Any:
    """Start a local Ray head bound to 127.0.0.1 only, with token authentication.

    Args:
        num_cpus: CPUs of the instance (one per concurrent cell).
        include_dashboard: Also start Ray's dashboard (on 127.0.0.1 too).

    Returns:
        What ``ray.init`` returns. Stop it with ``ray.shutdown()``.
    """
    with _loopback_ray_env():
        import ray

        return ray.init(
            _node_ip_address="127.0.0.1",
            num_cpus=num_cpus,
            include_dashboard=include_dashboard,
            dashboard_host="127.0.0.1",
            log_to_driver=False,
        )


def _start_reaper() -> Any:
    """A watcher that kills the local Ray head's processes if this process dies
    (:mod:`archgym.experiments._reaper`); None without psutil."""
    import subprocess
    import sys

    try:
        import psutil  # noqa: F401
    except ImportError:  # pragma: no cover - psutil comes with archgym[parallel]
        return None
    return subprocess.Popen(
        [sys.executable, "-m", "archgym.experiments._reaper", str(os.getpid())],
        stdin=subprocess.PIPE,
        start_new_session=True,  # not killed with the sweep's terminal group
    )


def _stop_reaper(reaper: Any) -> None:
    with contextlib.suppress(OSError):
        reaper.stdin.write(b"done\n")
        reaper.stdin.close()
    try:
        reaper.wait(timeout=5)
    except Exception:  # noqa: BLE001 - it must not outlive us either
        reaper.kill()
        reaper.wait()


def _run_ray(
    cells: list[Cell],
    fmt: str,
    workers: int | None,
    address: str | None,
    on_done: Any,
    threads: int | None = None,
) -> None:
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise SweepError("the ray backend needs ray: pip install 'archgym[parallel]'") from exc
    started = False
    reaper = None
    if not ray.is_initialized():
        if address is None:
            start_local_ray(workers or os.cpu_count() or 1)
            reaper = _start_reaper()
        elif _is_loopback(address):  # a head on this machine only: stay on loopback too
            with _loopback_ray_env():
                ray.init(address=address, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
        started = True
    try:
        share = max(1, int(threads or 1))
        task = ray.remote(num_cpus=share, max_retries=_MAX_WORKER_DEATHS - 1)(_ray_cell)
        plugins = tuple(loaded_plugins())
        refs = {
            task.remote(plugins, c.spec.key(), str(c.dir.resolve()), fmt, share): c for c in cells
        }
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                cell = refs.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception as exc:  # noqa: BLE001 - a worker died
                    msg = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
                    write_error(cell.dir, str(exc))
                    result = {"status": "error", "error": msg}
                if result.get("status") == "busy":  # another live process runs it: later
                    time.sleep(_BUSY_POLL_S)
                    fin = _finished(cell)
                    if fin is not None:
                        on_done(cell, {**fin, "status": "done"})
                    else:
                        ref = task.remote(
                            plugins, cell.spec.key(), str(cell.dir.resolve()), fmt, share
                        )
                        refs[ref] = cell
                        pending.append(ref)
                    continue
                on_done(cell, result)
    finally:
        if started:
            ray.shutdown()
        if reaper is not None:
            _stop_reaper(reaper)
