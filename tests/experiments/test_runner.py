"""The experiment runner: run directories, deterministic run ids, refusal of conflicting
settings, and resume after a real kill (bit-equal to an uninterrupted run)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from archgym import cli
from archgym.experiments import RunError, RunSpec, frames_equal, load_run, read_log, run
from archgym.experiments.logs import LOG_CSV, read_log_prefix
from archgym.plugins import load_plugins

load_plugins(["sweep_toy"])  # tests/ is on sys.path under pytest

TESTS = Path(__file__).resolve().parents[1]  # sweep_toy.py lives in tests/
SCEN = "toy"  # registered by the plugin tests/sweep_toy.py
AGENT = "toy"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["OMP_NUM_THREADS"] = "1"
    return env


def test_run_writes_a_reproducible_run_directory(tmp_path: Path) -> None:
    res = run(SCEN, AGENT, budget=24, seed=3, out=tmp_path / "r", batch_size=4)
    files = {p.name for p in (tmp_path / "r").iterdir()}
    assert {"settings.json", "log.csv", "summary.json"} <= files
    doc = json.loads((tmp_path / "r" / "settings.json").read_text())
    assert doc["scenario"] == SCEN and doc["agent"] == AGENT
    assert doc["agent_settings"] == {"batch_size": 4}
    assert doc["budget"] == 24 and doc["seed"] == 3
    assert doc["archgym_version"]
    assert doc["agent_settings_resolved"]["explore"] == 0.3
    assert doc["scenario_info"]["knobs"] == ["rows", "dataflow", "sram_kib", "kernel"]
    assert doc["run_id"] == res.run_id
    frame = res.frame
    assert len(frame) == 24
    assert list(frame["eval"]) == list(range(24))
    assert set(frame["run_id"]) == {res.run_id}
    assert {
        "rows",
        "dataflow",
        "sram_kib",
        "kernel",
        "latency_ms",
        "objective",
        "feasible",
        "slack_area_mm2",
        "ask_s",
        "eval_s",
    } <= set(frame.columns)
    # tuple-valued knobs come back as tuples
    assert set(frame["kernel"]) <= {(1, 1), (3, 3)}
    # summary: the best feasible design by name, with its metrics
    best = res.summary["best"]
    feas = frame[frame["feasible"]]
    assert best["objective"] == pytest.approx(feas["objective"].max())
    assert set(best["design"]) == {"rows", "dataflow", "sram_kib", "kernel"}
    assert "latency_ms" in best["metrics"]
    # the same command runs nothing again and gives the same log
    again = run(SCEN, AGENT, budget=24, seed=3, out=tmp_path / "r", batch_size=4)
    assert again.resumed_rows == 24
    assert frames_equal(res.frame, again.frame)
    # and another directory reproduces it bit for bit (up to wall times)
    other = run(SCEN, AGENT, budget=24, seed=3, out=tmp_path / "r2", batch_size=4)
    assert frames_equal(res.frame, other.frame)
    if res.parquet_path is not None:
        pq = pd.read_parquet(res.parquet_path)
        assert frames_equal(pq, read_log(res.log_path))


def test_run_id_is_deterministic_from_the_settings() -> None:
    a = RunSpec("tiny", "bo", 50, 0, {}, {"n_init": 5})
    assert a.run_id == RunSpec("tiny", "bo", 50, 0, {}, {"n_init": 5}).run_id
    assert a.run_id.startswith("tiny-bo-s0-")
    others = [
        RunSpec("tiny", "bo", 50, 1, {}, {"n_init": 5}),
        RunSpec("tiny", "bo", 51, 0, {}, {"n_init": 5}),
        RunSpec("tiny", "bo", 50, 0, {}, {"n_init": 6}),
        RunSpec("tiny", "bo", 50, 0, {"area_mm2": 10}, {"n_init": 5}),
        RunSpec("tiny", "ga", 50, 0, {}, {"n_init": 5}),
    ]
    assert len({a.run_id, *(o.run_id for o in others)}) == 6
    assert a.label == "bo(n_init=5)"


def test_refuses_to_resume_a_directory_with_other_settings(tmp_path: Path) -> None:
    run(SCEN, AGENT, budget=10, seed=0, out=tmp_path / "r")
    with pytest.raises(RunError, match="seed: directory has 0, this run has 1"):
        run(SCEN, AGENT, budget=10, seed=1, out=tmp_path / "r")
    with pytest.raises(RunError, match="agent_settings"):
        run(SCEN, AGENT, budget=10, seed=0, out=tmp_path / "r", explore=0.9)
    # from the command line: exit status 2 and the reason on stderr
    code = cli.main(
        [
            "run",
            "--scenario",
            SCEN,
            "--agent",
            AGENT,
            "--budget",
            "11",
            "--seed",
            "0",
            "--out",
            str(tmp_path / "r"),
            "--no-progress",
        ]
    )
    assert code == 2


def test_resume_after_a_real_kill_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    out = tmp_path / "killed"
    common = [
        "--plugin",
        "sweep_toy",
        "run",
        "--scenario",
        SCEN,
        "--scenario-set",
        "delay=0.05",
        "--agent",
        AGENT,
        "--set",
        "batch_size=2",
        "--set",
        "explore=0.25",
        "--budget",
        "60",
        "--seed",
        "7",
        "--no-progress",
        "--format",
        "csv",
    ]
    args = [*common, "--out", str(out)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "archgym.cli", *args],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    log = out / LOG_CSV
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if log.exists() and log.read_bytes().count(b"\n") >= 9:  # header + 8 rows
                break
            if proc.poll() is not None:
                pytest.fail(
                    f"the run ended before it was killed: {proc.stderr.read().decode()[-2000:]}"
                )
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    partial = read_log(log)
    assert 8 <= len(partial) < 60
    assert not (out / "summary.json").exists()
    # the same command again: resumes from the log
    done = subprocess.run(
        [sys.executable, "-m", "archgym.cli", *args],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "resumed after" in done.stdout
    resumed = read_log(log)
    assert len(resumed) == 60
    assert list(resumed["eval"]) == list(range(60))  # nothing lost, nothing repeated
    # an uninterrupted run with the same settings, in-process
    sys.path.insert(0, str(TESTS))
    try:
        code = cli.main([*common, "--out", str(tmp_path / "straight")])
    finally:
        sys.path.remove(str(TESTS))
    assert code == 0
    straight = read_log(tmp_path / "straight" / LOG_CSV)
    assert frames_equal(resumed, straight)
    assert set(resumed["run_id"]) == set(straight["run_id"])  # the run id survives the resume
    assert (
        json.loads((out / "summary.json").read_text())["best"]
        == json.loads((tmp_path / "straight" / "summary.json").read_text())["best"]
    )


def test_torn_line_and_partial_step_are_discarded(tmp_path: Path) -> None:
    full = run(SCEN, AGENT, budget=20, seed=1, out=tmp_path / "full", batch_size=3)
    cut = tmp_path / "cut"
    run(SCEN, AGENT, budget=20, seed=1, out=cut, batch_size=3)
    lines = (cut / LOG_CSV).read_text().splitlines(keepends=True)
    # header + 2 full steps (6 rows) + 1 row of the third step + half a line
    (cut / LOG_CSV).write_text("".join(lines[:8]) + lines[8][:15])
    (cut / "summary.json").unlink()
    kept, dropped = read_log_prefix(cut / LOG_CSV, budget=20, batch_size=3)
    assert len(kept) == 6 and dropped == 1
    assert (cut / LOG_CSV).read_text() == "".join(lines[:7])  # the file is cut back too
    res = run(SCEN, AGENT, budget=20, seed=1, out=cut, batch_size=3)
    assert res.resumed_rows == 6
    assert frames_equal(res.frame, full.frame)


def test_resume_with_a_catalog_scenario_and_registered_agents(tmp_path: Path) -> None:
    pytest.importorskip("pymoo")
    try:
        from archgym import scenarios

        scenarios.load("tiny")
    except Exception as exc:  # noqa: BLE001 - the catalog is optional here
        pytest.skip(f"the 'tiny' scenario is not available: {exc}")
    for agent, settings in (("random", {"batch_size": 4}), ("ga", {})):
        full = run("tiny", agent, budget=30, seed=2, out=tmp_path / f"{agent}-full", **settings)
        part = tmp_path / f"{agent}-part"
        run("tiny", agent, budget=30, seed=2, out=part, **settings)
        lines = (part / LOG_CSV).read_text().splitlines(keepends=True)
        (part / LOG_CSV).write_text("".join(lines[:23]))
        (part / "summary.json").unlink()
        res = run("tiny", agent, budget=30, seed=2, out=part, **settings)
        assert 0 < res.resumed_rows < 30
        assert frames_equal(res.frame, full.frame), agent
    # a catalog scenario object is recorded by its id
    res = run(scenarios.load("tiny"), "random", budget=5, seed=0, out=tmp_path / "obj")
    assert res.spec.scenario == "tiny" and res.spec.scenario_definition is None
    # an overridden one by its document, which loads back to the same scenario
    sc = scenarios.load("tiny", area_mm2=10)
    res = run(sc, "random", budget=5, seed=0, out=tmp_path / "obj2")
    assert res.spec.scenario_definition is not None
    assert load_run(tmp_path / "obj2").spec == res.spec


def test_cli_run_prints_the_best_design(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(TESTS))
    try:
        code = cli.main(
            [
                "run",
                "--scenario",
                SCEN,
                "--scenario-set",
                "multi=true",
                "--agent",
                AGENT,
                "--budget",
                "16",
                "--seed",
                "0",
                "--out",
                str(tmp_path / "mo"),
                "--no-progress",
            ]
        )
    finally:
        sys.path.remove(str(TESTS))
    assert code == 0
    text = capsys.readouterr().out
    assert "best feasible design" in text and "rows" in text and "latency_ms" in text
    assert "Pareto front" in text
    summary = json.loads((tmp_path / "mo" / "summary.json").read_text())
    assert summary["pareto_front"] and summary["hypervolume"] > 0


def test_transfer_study_with_a_transfer_capable_agent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from archgym.experiments import transfer_study

    monkeypatch.syspath_prepend(str(TESTS))
    study = dict(agent="toy-transfer", budget=12, seeds=[0, 1], regret=0.05, source_budget=20)
    res = transfer_study(SCEN, ["toy-tight"], **study, out=tmp_path / "tr")
    import sweep_toy

    assert res.best_values["toy-tight"] == sweep_toy.toy_tight().enumerate().best_value
    assert len(res.table) == 2
    assert set(res.table.columns) >= {"evals_scratch", "evals_transfer", "saved"}
    # the transfer runs name their source by run id (and, as a hint, its directory)
    warm = res.runs[("toy-tight", "transfer", 0)]
    src = res.runs[("source", 0)]
    doc = json.loads(warm.settings_path.read_text())
    assert doc["agent_settings"]["transfer_from"]["run_id"] == src.run_id
    assert doc["agent_settings"]["transfer_method"] == "multitask"
    # the warm start proposes the source's best feasible designs first
    first = warm.frame.iloc[0]
    best_src = src.summary["best"]["design"]
    assert {k: first[k] for k in best_src} == best_src
    # a second study resumes every run (nothing is evaluated again)
    again = transfer_study(SCEN, ["toy-tight"], **study, out=tmp_path / "tr")
    assert all(r.resumed_rows == r.spec.budget for r in again.runs.values())
    pd.testing.assert_frame_equal(res.table, again.table)
    # the transfer run can be resumed from its settings.json alone (the source is loaded by directory)
    (warm.dir / "summary.json").unlink()
    lines = warm.log_path.read_text().splitlines(keepends=True)
    warm.log_path.write_text("".join(lines[:5]))
    code = cli.main(
        [
            "run",
            "--scenario",
            "toy-tight",
            "--agent",
            "toy-transfer",
            "--budget",
            "12",
            "--seed",
            "0",
            "--out",
            str(warm.dir),
            "--no-progress",
            "--set",
            "transfer_method=multitask",
            "--set",
            "transfer_from=" + json.dumps(doc["agent_settings"]["transfer_from"]),
        ]
    )
    assert code == 0
    assert frames_equal(load_run(warm.dir).frame, warm.frame)
    assert "resumed after 4" in capsys.readouterr().out
    # and from the command line
    code = cli.main(
        [
            "transfer",
            "--scenario",
            SCEN,
            "--targets",
            "toy-tight",
            "--agent",
            "toy-transfer",
            "--budget",
            "12",
            "--source-budget",
            "20",
            "--seeds",
            "0,1",
            "--regret",
            "0.05",
            "--out",
            str(tmp_path / "tr"),
            "--no-progress",
        ]
    )
    assert code == 0
    assert "median_saved" in capsys.readouterr().out
