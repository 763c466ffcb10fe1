"""Sweeps under faults, with real SIGKILLs: workers die with their sweep, a killed worker
costs only the cell it was running, a restarted sweep takes its cells over, two sweeps
into one folder never mark a finished cell failed, and a run refused at start leaves its
folder as it found it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from archgym.experiments import read_log, sweep
from archgym.experiments.runner import RunError, run

psutil = pytest.importorskip("psutil")

TESTS = Path(__file__).resolve().parents[1]  # sweep_toy.py lives in tests/
SCEN = "toy"  # registered by the plugin tests/sweep_toy.py
AGENT = "toy"
#: 4 cells of about 1.5 s each (12 evaluations of 0.12 s).
SLOW = {
    "budget": 12,
    "seeds": [0, 1],
    "scenarios": [{"id": SCEN, "set": {"delay": 0.12}}],
    "agents": [{"name": AGENT, "settings": {"explore": [0.2, 0.6], "batch_size": 1}}],
}


#: The toy plugin registered and importable by workers (``tests/conftest.py``).
pytestmark = pytest.mark.usefixtures("toy_plugin")


def _start_sweep(cfg: dict, out: Path, tmp: Path, workers: int = 2) -> subprocess.Popen:
    path = tmp / f"sweep-{time.monotonic_ns()}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    cmd = [sys.executable, "-m", "archgym.cli", "--plugin", "sweep_toy", "sweep", str(path)]
    cmd += ["--out", str(out)]
    cmd += ["--workers", str(workers), "--no-progress"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )


def _running_cells(out: Path) -> dict[str, int]:
    """Cells whose lock is held now: run id -> PID of the holder (written in ``.lock``)."""
    held = {}
    for lock in out.glob("*/.lock"):
        try:
            text = lock.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and psutil.pid_exists(int(text)):
            log = lock.parent / "log.csv"
            if log.exists() and log.read_bytes().count(b"\n") >= 2:  # evaluating
                held[lock.parent.name] = int(text)
    return held


def _wait_for(pred, timeout: float = 60.0, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out")


def _complete(out: Path, budget: int) -> None:
    """Every cell's log holds exactly steps 0..budget-1, once each."""
    logs = sorted(out.glob("*/log.csv"))
    assert logs
    for log in logs:
        frame = read_log(log)
        assert sorted(frame["eval"].tolist()) == list(range(budget)), log


def _cleanup(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.mark.slow
def test_workers_die_with_a_killed_sweep_and_a_restart_takes_their_cells_over(
    tmp_path: Path,
) -> None:
    out = tmp_path / "sw"
    proc = _start_sweep(SLOW, out, tmp_path)
    try:
        held = _wait_for(lambda: _running_cells(out))
        workers = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
        assert workers and set(held.values()) <= set(workers)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        # the workers notice their parent's death and go, within a few seconds
        _wait_for(lambda: not any(psutil.pid_exists(p) for p in workers), timeout=10)
    finally:
        _cleanup(proc)
    res = sweep(SLOW, out, workers=2)
    assert set(res.index["status"]) <= {"done", "skipped"}, res.index
    _complete(out, 12)


@pytest.mark.slow
def test_a_killed_worker_costs_only_the_cell_it_was_running(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    proc = _start_sweep(SLOW, out, tmp_path)
    try:
        held = _wait_for(lambda: _running_cells(out))
        victim, pid = sorted(held.items())[0]
        os.kill(pid, signal.SIGKILL)  # first death: the cell is run again (resumed)
        pid2 = _wait_for(
            lambda: _running_cells(out).get(victim, pid) != pid and _running_cells(out)[victim]
        )
        os.kill(pid2, signal.SIGKILL)  # second death: the cell is marked failed
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        _cleanup(proc)
    assert proc.returncode == 1, stderr.decode()[-2000:]
    index = pd.read_csv(out / "index.csv").set_index("run_id")
    assert index.loc[victim, "status"] == "error"
    assert "killed by SIGKILL" in index.loc[victim, "error"]
    others = index.drop(victim)
    assert len(others) == 3 and (others["status"] == "done").all(), index
    # started again, the failed cell resumes from its log and finishes
    res = sweep(SLOW, out, workers=2)
    status = res.index.set_index("run_id")["status"]
    assert status[victim] == "done" and (status.drop(victim) == "skipped").all()
    _complete(out, 12)


@pytest.mark.slow
def test_two_sweeps_into_one_folder_never_fail_a_finished_cell(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    a = _start_sweep(SLOW, out, tmp_path, workers=1)
    b = _start_sweep(SLOW, out, tmp_path, workers=1)
    try:
        for p in (a, b):
            _, err = p.communicate(timeout=180)
            assert p.returncode == 0, err.decode()[-2000:]
    finally:
        _cleanup(a)
        _cleanup(b)
    index = pd.read_csv(out / "index.csv")
    assert len(index) == 4 and set(index["status"]) <= {"done", "skipped"}, index
    _complete(out, 12)


def test_a_run_refused_at_start_leaves_the_folder_as_found(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with pytest.raises(Exception, match="on purpose"):
        run(SCEN, "toy-crash", budget=4, out=out)
    assert not out.exists()
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(Exception, match="on purpose"):
        run(SCEN, "toy-crash", budget=4, out=out)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    # the corrected command is not refused
    res = run(SCEN, AGENT, budget=4, out=out)
    assert len(res.frame) == 4


@pytest.mark.slow
def test_a_second_process_is_refused_while_the_holder_lives_and_not_after(
    tmp_path: Path,
) -> None:
    out = tmp_path / "run"
    cfg = {"delay": 0.05}
    code = (
        "import sys; sys.path.insert(0, sys.argv[2])\n"
        "import sweep_toy\n"
        "from archgym.experiments.runner import run\n"
        f"run({SCEN!r}, {AGENT!r}, budget=60, out=sys.argv[1], scenario_overrides={cfg!r})\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(out), str(TESTS)])
    try:
        _wait_for(lambda: (out / "log.csv").exists() and (out / "log.csv").stat().st_size > 200)
        with pytest.raises(RunError, match=f"process {proc.pid} is running this run"):
            run(SCEN, AGENT, budget=60, out=out, scenario_overrides=cfg)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert 0 < len(read_log(out / "log.csv")) < 60
    # the lock went with its holder: the run resumes at once
    res = run(SCEN, AGENT, budget=60, out=out, scenario_overrides=cfg)
    assert sorted(res.frame["eval"]) == list(range(60))
