"""Curves of a metric against evaluations or wall-clock time: one line per agent (the
median over seeds) with a bootstrap band; the hypervolume the same way."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from archgym import analysis
from archgym.analysis.curves import metric_frame

from .figures import _colors, _floor_for, _grid, _label, _regret_label, _save, _wrap_ylabel

__all__ = ["plot_curves", "plot_regret", "plot_hypervolume"]


def plot_curves(
    frame: pd.DataFrame,
    metric: str = "regret",
    *,
    by: str = "label",
    best_value: float | Mapping[str, float] | None = None,
    reference: str | None = None,
    x: str = "evaluations",
    n_boot: int = 500,
    seed: int = 0,
    level: float = 0.95,
    stat: str = "median",
    log_y: bool | None = None,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
) -> Figure:
    """Curves of ``metric`` against evaluations (or wall-clock time): per group the
    ``stat`` over runs and a bootstrap confidence band
    (:func:`archgym.analysis.bootstrap_ci`); one panel per scenario definition.

    On the log regret axis a curve that reaches 0 (the run found the optimum) is drawn at a
    floor a decade below the smallest positive regret, marked with a triangle where it
    gets there, and the axis label says so.

    Args:
        frame: Tidy log of several runs (:func:`archgym.analysis.load_runs`).
        metric: ``"regret"``, ``"best_so_far"`` or ``"hypervolume"`` (computed if absent).
        by: Group runs by ``"label"`` (agent and settings) or ``"agent"``.
        best_value: The optimum for the regret (default: best found in ``frame``).
        reference: What ``best_value`` is, for the axis label (default: ``"optimum"``
            when ``best_value`` is given, else ``"best found by any run"``; the CLI says
            ``"exact optimum"`` with ``--exact``).
        x: ``"evaluations"`` or ``"time"`` (each run's cumulative ask + evaluation wall
            time, log-scaled: the comparison that does not flatter expensive agents).
        n_boot: Bootstrap resamples.
        seed: Seed of the bootstrap.
        level: Confidence level of the band.
        stat: ``"median"`` or ``"mean"``.
        log_y: Logarithmic y axis (default: for the regret).
        title: Figure title (default: says what is plotted).
        path: Save the figure here.

    Returns:
        The figure; its axes are labelled ``evaluations`` (or ``wall-clock time (s)``)
        and the metric's label.
    """
    if x not in ("evaluations", "time"):
        raise ValueError(f"x must be 'evaluations' or 'time', got {x!r}")
    m = metric_frame(frame, metric, best_value)
    if x == "time":
        m = analysis.with_wall_time(m)
    scenarios = sorted(m["scenario"].astype(str).unique(), key=analysis.natural_key)
    fig, axes = _grid(len(scenarios))
    keys = sorted(m[by].astype(str).unique(), key=analysis.natural_key)
    colors = _colors(keys)
    log_y = (metric == "regret") if log_y is None else log_y
    if metric == "regret":
        reference = reference or ("optimum" if best_value is not None else None)
        reference = reference or "best found by any run"
        ylabel = _regret_label(reference)
    else:
        ylabel = _label(metric)
    for ax, scen in zip(axes, scenarios, strict=True):
        sub = m[m["scenario"].astype(str) == scen]
        series = []
        if x == "time":
            w = sub["wall_s"].to_numpy(float)
            w = w[w > 0]
            lo, hi = (float(w.min()), float(w.max())) if w.size else (1e-6, 1.0)
            grid = np.geomspace(max(lo, 1e-6), max(hi, lo * 1.01, 2e-6), 200)
        for key in keys:
            g = sub[sub[by].astype(str) == key]
            if g.empty:
                continue
            if x == "time":
                curves, runs = analysis.curves_over_time(g, metric, grid)
                ok = np.isfinite(curves).any(axis=0) | np.isinf(curves).any(axis=0)
                xs = grid[ok]
                # a run that has stopped keeps its final value (padded), as with evaluations
                curves = curves[:, ok]
                for r in range(len(curves)):
                    last = np.flatnonzero(~np.isnan(curves[r]))
                    if last.size:
                        curves[r, last[-1] + 1 :] = curves[r, last[-1]]
                curves = np.where(
                    np.isnan(curves), np.inf if metric == "regret" else np.nan, curves
                )
            else:
                curves, runs = analysis.curve_matrix(g, metric)
                xs = np.arange(1, curves.shape[1] + 1)
            if curves.shape[1] == 0:
                continue
            center, low, high = analysis.bootstrap_ci(
                curves, n_boot=n_boot, seed=seed, level=level, stat=stat
            )
            series.append((key, xs, runs, center, low, high))
        floor = None
        if log_y:
            every = (
                np.concatenate([np.concatenate(s[3:]) for s in series]) if series else np.ones(1)
            )
            floor = _floor_for(every)
        reached = False
        for key, xs, runs, center, low, high in series:
            clean = [np.where(np.isfinite(a), a, np.nan) for a in (center, low, high)]
            if floor is not None:
                clean = [np.where(a <= floor, floor, a) for a in clean]
            ax.plot(xs, clean[0], color=colors[key], label=f"{key} (n={len(runs)})", lw=1.6)
            ax.fill_between(xs, clean[1], clean[2], color=colors[key], alpha=0.2, lw=0)
            if floor is not None:
                hit = np.flatnonzero(np.isfinite(center) & (center <= floor))
                if hit.size:
                    reached = True
                    ax.plot(xs[hit[0]], floor, marker="v", ms=8, color=colors[key], ls="none")
        finite = any(np.isfinite(s[3]).any() for s in series)
        if not finite:  # every run still without a feasible design: nothing to draw
            ax.text(
                0.5, 0.5, "no feasible design yet", ha="center", va="center", transform=ax.transAxes
            )
        if log_y and finite:
            ax.set_yscale("log")
        if x == "time":
            ax.set_xscale("log")
        ax.set_xlabel(
            "evaluations" if x == "evaluations" else "wall-clock time (s), ask + evaluate"
        )
        label = ylabel
        if floor is not None and metric == "regret":
            label += f"\n(0 drawn at {floor:g}" + (", ▼ = reached 0)" if reached else ")")
        ax.set_ylabel(_wrap_ylabel(label))
        ax.set_title(scen or metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    against = "evaluations" if x == "evaluations" else "wall-clock time"
    fig.suptitle(
        title
        or f"{_label(metric)} vs {against} ({stat} over seeds, {int(level * 100)}% bootstrap band)"
    )
    return _save(fig, path)


def plot_regret(
    frame: pd.DataFrame, best_value: float | Mapping[str, float] | None = None, **kwargs: Any
) -> Figure:
    """:func:`plot_curves` of the normalised regret."""
    return plot_curves(frame, "regret", best_value=best_value, **kwargs)


def plot_hypervolume(
    frame: pd.DataFrame,
    ref_point: Sequence[float] | None = None,
    objective_columns: Sequence[str] | None = None,
    **kwargs: Any,
) -> Figure:
    """:func:`plot_curves` of the hypervolume of each run's feasible points so far.

    Args:
        frame: Tidy log of several runs of one multi-objective scenario.
        ref_point: Reference point (default: the scenario's, from ``frame.attrs``).
        objective_columns: Maximised objective columns (default: the scenario's).
        **kwargs: Passed to :func:`plot_curves`.
    """
    hv = analysis.hypervolume_trace(frame, ref_point, objective_columns)
    kwargs.setdefault("log_y", False)
    return plot_curves(hv, "hypervolume", **kwargs)
