"""The writers of run-folder and sweep-folder files (archgym.experiments.logs): each file
written whole, in the format readers expect."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from archgym.experiments.logs import (
    ERROR_TXT,
    INDEX_CSV,
    clear_error,
    read_log_prefix,
    write_error,
    write_frame_atomic,
    write_index,
)


def test_error_txt_ends_with_one_newline_and_is_cleared(tmp_path: Path) -> None:
    run_dir = tmp_path / "new" / "run"  # made if missing (a cell that failed early)
    write_error(run_dir, "Traceback (most recent call last):\n  ...\nValueError: x\n")
    assert (run_dir / ERROR_TXT).read_text().endswith("ValueError: x\n")
    write_error(run_dir, "the worker died")  # one line: a newline is added
    assert (run_dir / ERROR_TXT).read_text() == "the worker died\n"
    clear_error(run_dir)
    clear_error(run_dir)  # nothing to clear: no error
    assert not (run_dir / ERROR_TXT).exists()


def test_tables_are_written_whole_and_read_back_equal(tmp_path: Path) -> None:
    frame = pd.DataFrame({"run_id": ["a", "b"], "status": ["done", "error"], "wall_s": [0.5, 1.25]})
    write_index(tmp_path, frame)
    assert pd.read_csv(tmp_path / INDEX_CSV).equals(frame)
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []
    write_frame_atomic(tmp_path / "sub" / "ranking.csv", frame.set_index("run_id"), index=True)
    back = pd.read_csv(tmp_path / "sub" / "ranking.csv", index_col=0)
    assert back.equals(frame.set_index("run_id"))


def test_a_failed_table_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    write_frame_atomic(path, pd.DataFrame({"x": [1]}))

    class Broken(pd.DataFrame):
        def to_csv(self, *args, **kwargs):  # type: ignore[override]
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_frame_atomic(path, Broken({"x": [2]}))
    assert path.read_text() == "x\n1\n"
    assert sorted(os.listdir(tmp_path)) == ["results.csv"]


def test_cutting_a_journal_back_keeps_whole_steps_only(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("step,x\n0,1\n0,2\n1,3\n1,")  # step 1 half written, its last line torn
    kept, dropped = read_log_prefix(log, budget=4, batch_size=2)
    assert kept["x"].tolist() == [1, 2] and dropped == 1
    assert log.read_text() == "step,x\n0,1\n0,2\n"
