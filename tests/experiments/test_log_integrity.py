"""The Parquet mirror is used only when it matches its CSV journal; damaged files are
named, never taken for missing ones."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archgym import analysis, cli
from archgym.experiments import read_log, run
from archgym.experiments.runner import RunError, load_run

pytest.importorskip("pyarrow")
TESTS = Path(__file__).resolve().parents[1]  # sweep_toy.py lives in tests/


@pytest.fixture
def finished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(TESTS))
    from archgym.plugins import load_plugins

    load_plugins(["sweep_toy"])
    out = tmp_path / "run"
    run("toy", "toy", budget=6, out=out)
    assert (out / "log.parquet").exists()
    return out


def test_a_matching_mirror_is_used_silently(finished: Path, recwarn) -> None:
    frame = read_log(finished)
    assert len(frame) == 6 and not [w for w in recwarn if "log.parquet" in str(w.message)]


def test_a_mirror_that_disagrees_with_the_journal_is_not_used(finished: Path) -> None:
    csv = finished / "log.csv"
    lines = csv.read_text().splitlines(keepends=True)
    csv.write_text("".join(lines[:-1]))  # the journal lost its last row after mirroring
    with pytest.warns(UserWarning, match="does not match log.csv"):
        frame = read_log(finished)
    assert len(frame) == 5
    with pytest.warns(UserWarning, match="does not match log.csv"):
        assert len(analysis.load_runs(finished)) == 5


def test_a_damaged_mirror_falls_back_to_the_journal(finished: Path, capsys) -> None:
    pq = finished / "log.parquet"
    data = bytearray(pq.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = os.urandom(64)
    pq.write_bytes(bytes(data[: len(data) - 20]))  # damaged and cut short
    with pytest.warns(UserWarning, match="log.parquet cannot be read"):
        assert len(read_log(finished)) == 6
    with pytest.warns(UserWarning):
        assert cli.main(["compare", str(finished)]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_a_damaged_settings_file_is_named_not_called_missing(finished: Path) -> None:
    (finished / "settings.json").write_text('{"scenario": "toy", ')
    with pytest.raises(RunError, match=r"settings.json is damaged: not JSON"):
        load_run(finished)
    with pytest.raises(ValueError, match=r"settings.json is damaged"):
        analysis.load_runs(finished)
    with pytest.raises(RunError, match=r"settings.json is damaged"):
        run("toy", "toy", budget=6, out=finished)
