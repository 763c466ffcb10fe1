"""The evaluated designs of some runs written out as one dataset."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .run_frames import PathLike, load_runs, scenario_infos

__all__ = ["export_dataset"]


def export_dataset(
    runs: pd.DataFrame | PathLike | Iterable[PathLike],
    path: PathLike | None = None,
    unique: bool = False,
) -> pd.DataFrame:
    """The evaluated designs of some runs as one dataset (e.g. to fit a surrogate).

    Every evaluation is a row with its named knob values and metrics; infeasible designs
    are included (``feasible`` says which). Column order: scenario and run metadata, then
    the knobs, then the metrics.

    Args:
        runs: A frame from :func:`load_runs`, or paths for it.
        path: Write here too: Parquet for ``.parquet`` (needs pyarrow), else CSV.
        unique: Keep one row per (scenario, design).

    Returns:
        The dataset.
    """
    frame = load_runs(runs)
    infos = scenario_infos(frame)
    knobs: list[str] = []
    for info in infos.values():
        knobs += [k for k in info.get("knobs", []) if k in frame.columns and k not in knobs]
    meta = [
        c for c in ("scenario", "run_id", "agent", "label", "seed", "eval") if c in frame.columns
    ]
    drop = {"step", "ask_s", "eval_s", "run_dir", "agent_settings", "budget"}
    rest = [c for c in frame.columns if c not in meta and c not in knobs and c not in drop]
    out = frame[meta + knobs + rest].copy()
    out.attrs = dict(frame.attrs)
    if unique and knobs:
        out = out.drop_duplicates(
            subset=[c for c in ["scenario", *knobs] if c in out.columns]
        ).reset_index(drop=True)
    if path is not None:
        from archgym.experiments.logs import write_frame_atomic

        write_frame_atomic(path, out)
    return out
