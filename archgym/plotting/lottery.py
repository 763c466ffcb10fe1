"""The hyperparameter lottery: the spread of final quality over agent settings and seeds."""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from archgym import analysis

from .figures import _colors, _floor_for, _grid, _label, _regret_label, _save, _wrap_ylabel

__all__ = ["plot_lottery"]


def plot_lottery(
    frame: pd.DataFrame,
    metric: str = "regret",
    *,
    at: int | None = None,
    best_value: float | Mapping[str, float] | None = None,
    reference: str | None = None,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
) -> Figure:
    """The spread of final quality over agent settings: per agent a box over every run
    (all settings and seeds) and the runs as points coloured by setting.

    Args:
        frame: Tidy log of a sweep with setting grids.
        metric: ``"regret"``, ``"best_so_far"`` or ``"hypervolume"``.
        at: Quality after this many evaluations (default: at the end of each run).
        best_value: The optimum for the regret (default: the best any run found).
        reference: What ``best_value`` is, for the axis label (default: ``"optimum"``
            when given, else ``"best found by any run"``).
        title: Figure title.
        path: Save the figure here.

    Returns:
        The figure: x axis ``agent``, y axis ``final`` and the metric's label (for the
        regret, the normalisation is named: ``(best found by any run − best so far) / ...``).
    """
    fv = analysis.final_values(frame, metric, at=at, best_value=best_value)
    fv = fv[np.isfinite(fv["value"].to_numpy(float))]
    if fv.empty:
        raise ValueError("no run has a finite final value to plot")
    scenarios = sorted(fv["scenario"].astype(str).unique(), key=analysis.natural_key)
    fig, axes = _grid(len(scenarios), 6.0, 4.2)
    labels = sorted(fv["label"].astype(str).unique(), key=analysis.natural_key)
    if metric == "regret":
        reference = reference or ("optimum" if best_value is not None else None)
        ylabel = "final " + _regret_label(reference or "best found by any run")
    else:
        ylabel = f"final {_label(metric)}"
    colors = _colors(labels)
    rng = np.random.default_rng(0)
    for ax, scen in zip(axes, scenarios, strict=True):
        sub = fv[fv["scenario"].astype(str) == scen]
        agents = sorted(sub["agent"].astype(str).unique(), key=analysis.natural_key)
        data = [sub[sub["agent"].astype(str) == a]["value"].to_numpy(float) for a in agents]
        ax.boxplot(data, positions=np.arange(len(agents)), widths=0.6, showfliers=False)
        for i, a in enumerate(agents):
            g = sub[sub["agent"].astype(str) == a]
            for lab, gg in sorted(
                g.groupby(g["label"].astype(str)), key=lambda t: analysis.natural_key(t[0])
            ):
                jitter = rng.uniform(-0.22, 0.22, len(gg))
                ax.scatter(
                    i + jitter,
                    gg["value"].to_numpy(float),
                    s=18,
                    color=colors[lab],
                    label=lab,
                    alpha=0.8,
                    zorder=3,
                )
        ax.set_xticks(np.arange(len(agents)))
        ax.set_xticklabels(agents)
        ax.set_xlabel("agent")
        ax.set_ylabel(_wrap_ylabel(ylabel))
        if metric == "regret" and (sub["value"] > 0).all():
            ax.set_yscale("log")
        elif metric == "regret" and (sub["value"] > 0).any():
            ax.set_yscale("symlog", linthresh=_floor_for(sub["value"].to_numpy(float)) * 10)
            ax.set_ylabel(_wrap_ylabel(ylabel + " (symlog: 0 shown)"))
        ax.set_title(scen or metric)
        ax.grid(axis="y", alpha=0.3)
        handles, names = ax.get_legend_handles_labels()
        uniq = dict(zip(names, handles, strict=True))
        order = sorted(uniq, key=analysis.natural_key)
        ax.legend([uniq[k] for k in order], order, fontsize=7, loc="best")
    when = f"after {at} evaluations" if at else "at the end of each run"
    fig.suptitle(
        title
        or f"hyperparameter lottery: final {_label(metric)} over agent settings and seeds ({when})"
    )
    return _save(fig, path)
