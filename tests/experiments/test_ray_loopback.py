"""A local Ray head started by archgym listens on loopback only and uses token
authentication (issue: Ray opened sockets on every interface)."""

from __future__ import annotations

import ipaddress
import os

import pytest

from archgym.experiments.sweep_ray import _is_loopback, start_local_ray


def _listening(pids: set[int]) -> list[tuple[int, str, int]]:
    import psutil

    out = []
    for conn in psutil.net_connections(kind="inet"):
        if conn.status == psutil.CONN_LISTEN and conn.pid in pids:
            out.append((conn.pid, conn.laddr.ip, conn.laddr.port))
    return out


def _is_loopback_ip(ip: str) -> bool:
    addr = ipaddress.ip_address(ip)
    mapped = getattr(addr, "ipv4_mapped", None)
    return (mapped or addr).is_loopback


def test_loopback_addresses_are_recognised() -> None:
    assert _is_loopback("127.0.0.1:6379") and _is_loopback("localhost:1")
    assert _is_loopback("[::1]:6379") and _is_loopback("ray://127.0.0.1:10001")
    assert not _is_loopback("10.0.0.5:6379") and not _is_loopback("head.example:6379")


@pytest.mark.slow
def test_a_local_ray_head_listens_on_loopback_only() -> None:
    ray = pytest.importorskip("ray")
    psutil = pytest.importorskip("psutil")
    if ray.is_initialized():
        pytest.skip("a Ray instance is already running in this process")
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    env_before = dict(os.environ)
    start_local_ray(num_cpus=1)
    try:
        procs = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
        pids = {p.pid for p in procs} | {os.getpid()}
        sockets = _listening(pids)
        assert len(sockets) >= 3, sockets  # GCS, raylet, object manager at least
        exposed = [s for s in sockets if not _is_loopback_ip(s[1])]
        assert not exposed, f"listening beyond loopback: {exposed}"
        assert ray.get(ray.remote(lambda: 1 + 1).remote()) == 2
    finally:
        ray.shutdown()
    for var in ("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "RAY_USAGE_STATS_ENABLED"):
        assert os.environ.get(var) == env_before.get(var)  # the loopback settings do not leak
    gone, alive = psutil.wait_procs(procs, timeout=10)
    for p in alive:  # pragma: no cover - Ray left something behind
        p.kill()
    assert not alive, alive


@pytest.mark.slow
def test_a_killed_ray_sweep_leaves_no_process_behind(tmp_path) -> None:
    """SIGKILL a sweep running on its own local Ray head: within 10 s nothing it started
    is left (Ray's agents would outlive it without the sweep's reaper)."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    import yaml

    pytest.importorskip("ray")
    psutil = pytest.importorskip("psutil")
    tests = Path(__file__).resolve().parents[1]
    cfg = {
        "budget": 60,
        "seeds": [0],
        "scenarios": [{"id": "toy", "set": {"delay": 0.2}}],
        "agents": [{"name": "toy", "settings": {"batch_size": 1}}],
    }
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(cfg))
    cmd = [sys.executable, "-m", "archgym.cli", "--plugin", "sweep_toy", "sweep"]
    cmd += [str(tmp_path / "s.yaml"), "--out", str(tmp_path / "o"), "--backend", "ray"]
    cmd += ["--workers", "1", "--no-progress"]
    env = dict(os.environ, PYTHONPATH=str(tests))
    proc = subprocess.Popen(
        cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            logs = list((tmp_path / "o").glob("*/log.csv"))
            if logs and logs[0].read_bytes().count(b"\n") > 2:
                break
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        started = psutil.Process(proc.pid).children(recursive=True)
        assert any("raylet" in p.name() for p in started)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        gone, alive = psutil.wait_procs(started, timeout=10)
        for p in alive:  # pragma: no cover - do not leave them behind
            p.kill()
        assert not alive, [(p.pid, p.name()) for p in alive]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
