"""Per-layer latency and energy of one design."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .figures import _colors, _label, _save

__all__ = ["plot_layer_breakdown"]


def plot_layer_breakdown(
    report: Any,
    *,
    top: int | None = None,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
) -> Figure:
    """Per-layer latency and energy of one design on one workload, coloured by layer kind.

    Args:
        report: An :func:`archgym.simulate` report (or its ``layers`` DataFrame, with
            ``name``, ``kind``, ``latency_ms``, ``energy_mj``).
        top: Draw only the ``top`` layers with the largest latency (in network order).
        title: Figure title (default: workload and accelerator).
        path: Save the figure here.

    Returns:
        The figure: two axes, ``latency (ms)`` and ``energy (mJ)`` against ``layer``.
    """
    layers = report if isinstance(report, pd.DataFrame) else report.layers
    missing = [c for c in ("latency_ms", "energy_mj") if c not in layers.columns]
    if missing:
        raise ValueError(f"the layer table lacks {missing}")
    layers = layers.reset_index(drop=True)
    if top is not None and len(layers) > top:
        layers = layers.loc[sorted(layers["latency_ms"].nlargest(top).index)]
    names = (
        layers["name"].astype(str).tolist()
        if "name" in layers.columns
        else [str(i) for i in layers.index]
    )
    kinds = (
        layers["kind"].astype(str).tolist() if "kind" in layers.columns else ["layer"] * len(layers)
    )
    colors = _colors(sorted(set(kinds)))
    width = min(max(6.0, 0.18 * len(layers)), 30.0)
    fig = Figure(figsize=(width, 6.5), layout="constrained")
    axes = [fig.add_subplot(2, 1, i + 1) for i in range(2)]
    x = np.arange(len(layers))
    for ax, col in zip(axes, ("latency_ms", "energy_mj"), strict=True):
        ax.bar(x, layers[col].to_numpy(float), color=[colors[k] for k in kinds], width=0.85)
        ax.set_ylabel(_label(col))
        ax.set_xlabel("layer")
        ax.grid(axis="y", alpha=0.3)
        ax.set_xlim(-0.6, len(layers) - 0.4)
    axes[1].set_xticks(x)
    axes[1].set_xticklabels(names, rotation=90, fontsize=6)
    axes[0].set_xticks(x)
    axes[0].set_xticklabels([])
    from matplotlib.patches import Patch

    axes[0].legend(
        handles=[Patch(color=c, label=k) for k, c in colors.items()],
        fontsize=7,
        ncol=min(6, len(colors)),
    )
    if title is None:
        if isinstance(report, pd.DataFrame):
            title = "per-layer latency and energy"
        else:
            cfg = getattr(report, "config", None)
            name = getattr(cfg, "name", None) or "accelerator"
            title = (
                f"per-layer latency and energy: {getattr(report, 'workload_name', 'workload')} on {name} "
                f"({float(layers['latency_ms'].sum()):.3g} ms, {float(layers['energy_mj'].sum()):.3g} mJ)"
            )
    fig.suptitle(title)
    return _save(fig, path)
