"""What every plot shares: axis labels of the metrics, colours, the panel grid, the
floor that draws a regret of 0 on a log axis, and saving a figure."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

__all__ = ["METRIC_LABELS"]

#: Axis label of each curve metric and of the usual log columns.
METRIC_LABELS: dict[str, str] = {
    "regret": "normalized regret",
    "best_so_far": "best feasible objective",
    "hypervolume": "hypervolume",
    "latency_ms": "latency (ms)",
    "energy_mj": "energy (mJ)",
    "area_mm2": "area (mm²)",
    "accuracy": "accuracy (%)",
    "objective": "objective",
}

#: Metrics that are better when larger (others are better when smaller).
_MAXIMISED = {"accuracy", "objective", "best_so_far", "hypervolume", "utilization"}


def _label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric)


def _save(fig: Figure, path: str | os.PathLike[str] | None) -> Figure:
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120, bbox_inches="tight")
    return fig


def _grid(n: int, width: float = 5.0, height: float = 3.8) -> tuple[Figure, list[Any]]:
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(width * cols, height * rows), layout="constrained")
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(n)]
    return fig, axes


def _colors(keys: Sequence[Any]) -> dict[Any, Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if len(keys) <= 10 else "tab20"]
    return {k: cmap(i % cmap.N) for i, k in enumerate(keys)}


def _regret_label(reference: str | None, worst: bool = False) -> str:
    """The y label of a regret: what it is normalised by, named."""
    ref = reference or "optimum"
    return f"normalized regret:\n({ref} − best so far) / |{ref}|"


#: Characters per line of a y label: about 2.3 in of 10 pt text, less than the height of the
#: axes of a panel of :func:`_grid` (a longer vertical label would run past its axes, over
#: the figure title).
_YLABEL_CHARS = 30


def _wrap_ylabel(text: str, width: int = _YLABEL_CHARS) -> str:
    """``text`` with each of its lines wrapped at spaces to at most ``width`` characters."""
    import textwrap

    lines = []
    for line in text.split("\n"):
        lines += textwrap.wrap(line, width, break_long_words=False) or [""]
    return "\n".join(lines)


def _floor_for(values: np.ndarray) -> float:
    """A floor for drawing 0 on a log axis: a decade below the smallest positive value
    (at most 1e-3), so curves that reach the optimum stay visible."""
    pos = values[np.isfinite(values) & (values > 0)]
    low = float(pos.min()) if pos.size else 1e-2
    return float(min(1e-3, 10 ** (np.floor(np.log10(low)) - 1)))
