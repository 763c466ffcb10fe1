"""The shared file helpers (``archgym._io``)."""

import os
import stat

from archgym._io import atomic_open


def test_an_atomic_write_gets_the_mode_a_plain_open_would(tmp_path) -> None:
    # run folders on a shared cluster file system must stay readable by the group
    old = os.umask(0o027)
    try:
        with atomic_open(tmp_path / "summary.json") as fh:
            fh.write("{}")
        with open(tmp_path / "plain.json", "w") as fh:
            fh.write("{}")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "summary.json").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "plain.json").stat().st_mode) == 0o640
    assert (tmp_path / "summary.json").read_text() == "{}"
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]
