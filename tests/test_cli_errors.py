"""The command line on failures: one ``error:`` line and a non-zero exit for bad input and
system errors, Ctrl-C tells how to resume (exit 130), a closed pipe is silent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archgym import cli

TESTS = Path(__file__).resolve().parent


def _env() -> dict[str, str]:
    path = os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return dict(os.environ, PYTHONPATH=path, OMP_NUM_THREADS="1")


def _errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error:")]


def test_bad_input_is_one_error_line_and_exit_2(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "net.yaml"
    bad.write_bytes(b"\xff\xfe not text")
    for argv in (
        ["simulate", "--set", "rows=0"],
        ["simulate", "--set", "freq_mhz=nan"],
        ["simulate", "--workload-file", str(bad)],
        ["simulate", "--workload-file", str(tmp_path / "missing.yaml")],
    ):
        code = cli.main(argv)
        err = capsys.readouterr().err
        assert code == 2, (argv, err)
        assert len(_errors(err)) == 1 and "Traceback" not in err, (argv, err)


def test_an_os_error_is_one_error_line_and_exit_1(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code = cli.main(["run", "--agent", "random", "--budget", "2", "--out", str(blocker / "run")])
    err = capsys.readouterr().err
    assert code in (1, 2) and len(_errors(err)) == 1 and "Traceback" not in err, err


def test_a_run_refused_at_start_leaves_no_folder(tmp_path: Path, capsys) -> None:
    out = tmp_path / "run"
    code = cli.main(
        ["run", "--agent", "random", "--budget", "4", "--set", "bogus=1", "--out", str(out)]
    )
    assert code == 2 and len(_errors(capsys.readouterr().err)) == 1
    assert not out.exists()
    assert cli.main(["run", "--agent", "random", "--budget", "4", "--out", str(out)]) == 0


def test_ctrl_c_says_how_to_resume_and_exits_130(tmp_path: Path) -> None:
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "archgym.cli", "--plugin", "sweep_toy", "run"]
    cmd += ["--scenario", "toy", "--scenario-set", "delay=0.05", "--agent", "toy"]
    cmd += ["--budget", "200", "--out", str(out), "--no-progress"]
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    log = out / "log.csv"
    while not (log.exists() and log.read_bytes().count(b"\n") >= 3):
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    err = err.decode()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "run the same command again to resume" in err


def test_a_closed_pipe_is_silent() -> None:
    cmd = [sys.executable, "-m", "archgym.cli", "scenarios"]
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader went away before the first line
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert err == "" and proc.returncode == 141, err


@pytest.mark.parametrize("exc", [OverflowError("Python int too large"), TypeError("bad type")])
def test_unexpected_input_errors_do_not_print_tracebacks(monkeypatch, capsys, exc) -> None:
    def boom(args):
        raise exc

    monkeypatch.setattr(cli, "_cmd_presets", boom)
    assert cli.main(["presets"]) == 2
    err = capsys.readouterr().err
    assert _errors(err) == [f"error: {exc}"]


def test_one_key_value_syntax_for_every_set_option() -> None:
    """``simulate --set``/``--option`` and ``run --set`` read values the same way."""
    import math

    from archgym.experiments.commands import parse_settings

    got = parse_settings(["rows=010", "n=1_000", "f=1e3", "on=True", "l=[1, 2]", "x=nan", "d=int8"])
    assert got["rows"] == 10 and got["n"] == 1000 and got["f"] == 1000.0
    assert got["on"] is True and got["l"] == [1, 2] and got["d"] == "int8"
    assert math.isnan(got["x"])
    with pytest.raises(SystemExit, match="--option expects KEY=VALUE"):
        parse_settings(["rows"], "--option")
