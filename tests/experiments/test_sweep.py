"""Sweeps: grid expansion, crash isolation, resume, and the Ray backend on a real local
head node (equal to the local backend)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from archgym import cli
from archgym.experiments import SweepError, expand_grid, frames_equal, load_config, read_log, sweep

SCEN = "toy"  # registered by the plugin tests/sweep_toy.py
AGENT = "toy"

CONFIG = {
    "budget": 12,
    "seeds": [0, 1],
    "scenarios": [SCEN],
    "agents": [{"name": AGENT, "settings": {"explore": [0.2, 0.6], "batch_size": 3}}, "random"],
}


#: The toy plugin registered and importable by workers (``tests/conftest.py``).
pytestmark = pytest.mark.usefixtures("toy_plugin")


def _logs(out: Path) -> dict[str, object]:
    return {p.parent.name: read_log(p) for p in sorted(out.glob("*/log.csv"))}


def test_grid_expands_settings_lists_and_seeds(tmp_path: Path) -> None:
    cfg = load_config(
        {
            "budget": 20,
            "seeds": 3,
            "scenarios": ["tiny", {"id": "tiny-mo", "set": {"area_mm2": 5}}],
            "agents": [
                "random",
                {
                    "name": "bo",
                    "settings": {"n_init": [5, 10], "batch_size": [1, 2], "q": 1},
                    "budget": 8,
                },
            ],
        }
    )
    cells = expand_grid(cfg, tmp_path)
    assert len(cells) == 2 * (1 + 4) * 3
    labels = sorted({c.spec.label for c in cells})
    assert labels == [
        "bo(batch_size=1, n_init=10, q=1)",
        "bo(batch_size=1, n_init=5, q=1)",
        "bo(batch_size=2, n_init=10, q=1)",
        "bo(batch_size=2, n_init=5, q=1)",
        "random",
    ]
    assert {c.spec.budget for c in cells if c.spec.agent == "bo"} == {8}
    assert {c.spec.scenario_overrides.get("area_mm2") for c in cells} == {None, 5}
    assert len({c.dir for c in cells}) == len(cells)
    # a list-valued setting is given as a list of one list
    cells = expand_grid(
        load_config(
            {
                "budget": 5,
                "scenarios": ["tiny"],
                "agents": [{"name": "random", "settings": {"shape": [[1, 2]]}}],
            }
        ),
        tmp_path,
    )
    assert [c.spec.agent_settings for c in cells] == [{"shape": [1, 2]}]
    for bad in (
        {"seeds": 2, "scenarios": ["tiny"], "agents": ["random"]},
        {"budget": 5, "scenarios": ["tiny"], "agents": ["random"], "typo": 1},
        {"budget": 5, "scenarios": ["tiny"], "agents": [{"settings": {}}]},
        {"budget": 5, "seeds": [-1], "scenarios": ["tiny"], "agents": ["random"]},
        {"budget": 5, "scenarios": ["no-such-scenario"], "agents": ["random"]},
        {"budget": 5, "scenarios": ["tiny"], "agents": ["no-such-agent"]},
    ):
        with pytest.raises(SweepError):
            load_config(bad)


def test_a_crashing_cell_is_logged_and_the_others_finish(tmp_path: Path) -> None:
    cfg = {
        "budget": 8,
        "seeds": [0, 1],
        "scenarios": [SCEN, {"id": SCEN, "set": {"crash": True}}],
        "agents": [AGENT, "toy-crash"],
    }
    res = sweep(cfg, tmp_path / "sw", workers=2)
    idx = res.index.set_index("run_id")
    assert len(idx) == 8
    ok = idx[(idx["agent"] == AGENT) & (idx["error"] == "")]
    assert (ok["status"] == "done").sum() == 2 and (ok["n_evals"] == 8).all()
    bad = idx[idx["status"] == "error"]
    assert len(bad) == 6 and not res.ok
    assert bad["error"].str.contains("on purpose").all()
    for rid in bad.index:
        text = (tmp_path / "sw" / rid / "error.txt").read_text()
        assert "Traceback" in text and "RuntimeError" in text
    on_disk = (tmp_path / "sw" / "index.csv").read_text()
    assert on_disk.count("error") >= 6
    # started again: finished cells are skipped, failing ones tried (and failing) again
    again = sweep(cfg, tmp_path / "sw", workers=2)
    assert sorted(again.index["status"]) == ["error"] * 6 + ["skipped"] * 2
    # the CLI exits 1 when a cell failed
    cfg_path = tmp_path / "sweep.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg))
    assert (
        cli.main(
            [
                "--plugin",
                "sweep_toy",
                "sweep",
                str(cfg_path),
                "--out",
                str(tmp_path / "sw"),
                "--workers",
                "1",
                "--no-progress",
            ]
        )
        == 1
    )


def test_a_sweep_resumes_partial_cells(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    first = sweep(CONFIG, out, workers=2)
    assert (first.index["status"] == "done").all() and len(first.index) == 6
    before = _logs(out)
    victim = sorted(before)[0]
    lines = (out / victim / "log.csv").read_text().splitlines(keepends=True)
    (out / victim / "log.csv").write_text("".join(lines[:4]) + lines[4][:7])  # torn mid-line
    (out / victim / "summary.json").unlink()
    shutil.rmtree(out / sorted(before)[1])  # a cell that never started
    again = sweep(CONFIG, out, workers=2)
    status = again.index.set_index("dir")["status"]
    assert status[victim] == "done" and status[sorted(before)[1]] == "done"
    assert (status.drop([victim, sorted(before)[1]]) == "skipped").all()
    after = _logs(out)
    assert all(frames_equal(before[k], after[k]) for k in before)


# --------------------------------------------------------------------------------------
# Ray, on a real head node started here
# --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def ray_head() -> Iterator[tuple[str, dict[str, str]]]:
    """A Ray head node on loopback (``ray start --head --block`` in its own process group),
    stopped by signalling that group only: other Ray instances on the machine are untouched.

    Yields its address and the environment a driver needs: token authentication with a
    token made for this test (whatever ``~/.ray/auth_token`` holds does not matter). Ray
    reads these variables when it is imported, so drivers run in a fresh process."""
    pytest.importorskip("ray", reason="ray is not installed (pip install 'archgym[parallel]')")
    ray_cli = shutil.which("ray", path=os.path.dirname(sys.executable)) or shutil.which("ray")
    if ray_cli is None:
        pytest.skip("the ray command line is not installed")
    import secrets

    env = dict(
        os.environ,
        RAY_USAGE_STATS_ENABLED="0",
        RAY_AUTH_MODE="token",
        RAY_AUTH_TOKEN=secrets.token_hex(32),
        # without this Ray resolves --node-ip-address=127.0.0.1 to the external address
        RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0",
    )
    env.pop("RAY_AUTH_TOKEN_PATH", None)
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="agray", dir="/tmp")  # short: Ray puts sockets in it
    log = open(os.path.join(temp, "head.log"), "w")  # noqa: SIM115 - closed in the teardown
    proc = subprocess.Popen(
        [
            ray_cli,
            "start",
            "--head",
            "--block",
            "--node-ip-address=127.0.0.1",
            f"--port={port}",
            "--num-cpus=2",
            "--disable-usage-stats",
            "--include-dashboard=false",
            f"--temp-dir={temp}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(
                        "the Ray head did not start:\n"
                        + open(os.path.join(temp, "head.log")).read()[-3000:]
                    )
                time.sleep(0.2)
        yield f"127.0.0.1:{port}", env
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=3)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the head's group: raylet, GCS, workers
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)
        log.close()
        shutil.rmtree(temp, ignore_errors=True)


def test_ray_backend_on_a_real_head_equals_the_local_backend(
    tmp_path: Path, ray_head: tuple[str, dict[str, str]]
) -> None:
    address, env = ray_head
    cfg_path = tmp_path / "sweep.yaml"
    cfg_path.write_text(yaml.safe_dump(CONFIG))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "archgym.cli",
            "--plugin",
            "sweep_toy",
            "sweep",
            str(cfg_path),
            "--backend",
            "ray",
            "--address",
            address,
            "--out",
            str(tmp_path / "ray"),
            "--no-progress",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "6 done" in done.stdout
    local = sweep(CONFIG, tmp_path / "local", workers=2)
    assert (local.index["status"] == "done").all()
    ray_logs, local_logs = _logs(tmp_path / "ray"), _logs(tmp_path / "local")
    assert sorted(ray_logs) == sorted(local_logs) and len(ray_logs) == 6
    for key in ray_logs:
        assert frames_equal(ray_logs[key], local_logs[key]), key


# --------------------------------------------------------------------------------------
# --scenario on the command line; each worker's share of the cores
# --------------------------------------------------------------------------------------


def test_scenario_flag_replaces_the_files_scenarios_and_runs_keep_their_definition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from archgym import analysis, scenarios
    from archgym.experiments.sweep_config import scenario_entry_of

    monkeypatch.chdir(tmp_path)
    doc = scenarios.load("tiny", area_mm2=4).to_dict()
    doc["id"] = "my-tiny"
    (tmp_path / "my.yaml").write_text(yaml.safe_dump(doc))
    # a sweep file without scenarios: the command line names them
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump({"budget": 6, "agents": ["random"]}))
    args = ["sweep", "sweep.yaml", "--out", "sw", "--workers", "1", "--no-progress"]
    args += ["--scenario", "tiny", "--scenario", "tiny[area_mm2=3]", "--scenario", "my.yaml"]
    assert cli.main(args) == 0
    (tmp_path / "my.yaml").unlink()  # the runs hold the definition: no file needed later
    frame = analysis.load_runs(tmp_path / "sw")
    assert sorted(frame["scenario"].unique()) == ["my-tiny", "tiny", "tiny[area_mm2=3]"]
    best = analysis.exact_best_values(frame)
    assert best["tiny[area_mm2=3]"] == scenarios.load("tiny", area_mm2=3).enumerate().best_value
    assert best["my-tiny"] == scenarios.load("tiny", area_mm2=4).enumerate().best_value
    assert best["tiny"] == scenarios.load("tiny").enumerate().best_value
    capsys.readouterr()
    assert cli.main(["compare", "sw", "--exact", "--budgets", "6"]) == 0
    assert "my-tiny" in capsys.readouterr().out
    # --scenario-set overrides every scenario; a run of the same definition is the same cell
    args = ["sweep", "sweep.yaml", "--out", "sw", "--workers", "1", "--no-progress"]
    assert cli.main(args + ["--scenario", "tiny", "--scenario-set", "area_mm2=3"]) == 0
    assert "1 skipped" in capsys.readouterr().out
    # the forms, and clear errors
    assert scenario_entry_of("a[area_mm2=2.5,latency_ms=1]") == {
        "id": "a",
        "set": {"area_mm2": 2.5, "latency_ms": 1},
    }
    assert scenario_entry_of("x.yml") == {"file": "x.yml"}
    for bad in ("tiny[area_mm2]", "tiny[area_mm2=3", "nope.yaml", "no-such-id", "tiny[typo=1]"):
        with pytest.raises(SweepError):
            load_config({"budget": 2, "agents": ["random"]}, scenarios=[bad])
    assert cli.main(args + ["--scenario", "nope.yaml"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_each_worker_gets_its_share_of_the_cores(tmp_path: Path) -> None:
    from archgym.experiments.sweep_threads import worker_threads

    assert worker_threads(1, cores=8) == 8
    assert worker_threads(3, cores=8) == 2
    assert worker_threads(4, cores=2) == 1
    cfg = {
        "budget": 6,
        "seeds": [0],
        "scenarios": [{"id": SCEN, "set": {"report_threads": True}}],
        "agents": [AGENT, {"name": "random", "settings": {"threads": 1}}],
    }
    logs = {}
    for share in (1, 2):
        out = tmp_path / f"t{share}"
        res = sweep(cfg, out, workers=1, threads=share)
        assert res.ok and list(res.index["threads"]) == [share, share]
        for d in res.index["dir"]:
            settings = json.loads((out / d / "settings.json").read_text())
            named = settings["agent_settings"].get("threads")
            # the agent got the share, unless its settings name a thread count themselves
            assert settings["agent_settings_resolved"]["threads"] == (named or share)
            log = read_log(out / d / "log.csv")
            assert (log["blas_threads"] == share).all()  # BLAS pinned in the worker
            logs.setdefault(d, []).append(log)
    # numpy-only agents: the same log at either share (same run id, same cell)
    from archgym.experiments import WALL_TIME_COLUMNS

    ignore = (*WALL_TIME_COLUMNS, "blas_threads")
    assert all(frames_equal(a, b, ignore=ignore) for a, b in logs.values())
    with pytest.raises(SweepError):
        sweep(cfg, tmp_path / "bad", threads=0)


def test_malformed_yaml_configuration_is_a_sweep_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("budget: [10,\nseeds: 2\n")
    with pytest.raises(SweepError, match="broken.yaml: invalid YAML"):
        load_config(path)


def test_the_name_sweep_stays_the_function_after_every_submodule_is_imported() -> None:
    # a fresh interpreter: the import of a module named like the function would rebind it
    code = """
import importlib, pkgutil, warnings
import archgym.experiments as experiments
import archgym.experiments.sweep as imported
for info in pkgutil.iter_modules(experiments.__path__):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the deprecated module names
        importlib.import_module("archgym.experiments." + info.name)
import archgym.experiments.sweep
assert callable(experiments.sweep) and experiments.sweep is imported, experiments.sweep
assert experiments.sweep.__module__ == "archgym.experiments.sweep_driver"
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from archgym.experiments.sweep import SweepResult  # the old module path still works
from archgym.experiments.sweep_driver import SweepResult as new
assert SweepResult is new and caught and caught[0].category is DeprecationWarning
assert callable(experiments.sweep)
print("ok")
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
