"""2-D projections of the evaluated designs with the front of each projection, the
budgets and the exact optimum or Pareto front."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from archgym import analysis

from .figures import _MAXIMISED, _colors, _grid, _label, _save

__all__ = ["plot_pareto", "scenario_metrics"]


def _budgets_of(frame: pd.DataFrame) -> dict[str, list[tuple[float, str]]]:
    """Every budget of every scenario in ``frame``: metric -> [(value, scenario), ...]."""
    out: dict[str, list[tuple[float, str]]] = {}
    for name, info in sorted(analysis.scenario_infos(frame).items()):
        for k, v in (info.get("budgets") or {}).items():
            out.setdefault(k, [])
            if all(float(v) != w for w, _ in out[k]):
                out[k].append((float(v), name))
    return out


def scenario_metrics(frame: pd.DataFrame) -> list[str]:
    """The metrics a Pareto plot of ``frame`` should show: each scenario's objectives, then
    its budgeted metrics (from ``frame.attrs``; ``accuracy, latency_ms, energy_mj`` if the
    frame does not say)."""
    out: list[str] = []
    for info in analysis.scenario_infos(frame).values():
        names = list(info.get("objective_names") or [])
        if not names:
            cols = [c for c in info.get("objective_columns") or [] if c != "objective"]
            names = [c.removeprefix("objective_") for c in cols]
        for m in names + list(info.get("budgets") or {}):
            if m not in out:
                out.append(m)
    return out or ["accuracy", "latency_ms", "energy_mj"]


def plot_pareto(
    frame: pd.DataFrame,
    metrics: Sequence[str] | None = None,
    *,
    budgets: Mapping[str, float] | None = None,
    maximize: Sequence[str] | None = None,
    color_by: str | None = "label",
    exact: Mapping[str, pd.DataFrame] | None = None,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
) -> Figure:
    """Every evaluated design in 2-D projections of ``metrics``, with each projection's
    Pareto front (feasible designs), every budget that lies on an axis (dashed) and, when
    known, the exact optimum or Pareto front.

    Args:
        frame: Tidy log of one or more runs (infeasible designs drawn as grey crosses).
        metrics: Metric columns (default: the scenarios' objectives, then their budgeted
            metrics, :func:`scenario_metrics`); those absent or all-NaN are skipped; every
            pair of the rest is one panel.
        budgets: ``{metric: upper bound}`` (default: every budget of every scenario in
            ``frame.attrs``, each drawn and labelled).
        maximize: Metrics that are better when larger (default: ``accuracy``,
            ``objective``, ...); the others are minimised.
        color_by: Colour feasible designs by this column (``None``: one colour); numeric
            values are ordered by value in the legend.
        exact: ``{scenario: frame of designs}``: the exact optimum (one row) or exact
            Pareto front of each scenario (:func:`archgym.analysis.exact_designs`), drawn
            as black stars (and a line between the points of a front on the panel of its
            two objectives).
        title: Figure title.
        path: Save the figure here.

    Returns:
        The figure (one axis per pair, labelled with the metrics).
    """
    if metrics is None:
        metrics = scenario_metrics(frame)
    used = [
        m for m in metrics if m in frame.columns and np.isfinite(frame[m].to_numpy(float)).any()
    ]
    if len(used) < 2:
        raise ValueError(
            f"need two of {list(metrics)} with values to plot a Pareto front; the frame has {used}"
        )
    if budgets is None:
        budget_lines = _budgets_of(frame)
    else:
        budget_lines = {k: [(float(v), "")] for k, v in budgets.items()}
    up = set(_MAXIMISED if maximize is None else maximize)
    pairs = [(used[i], used[j]) for i in range(len(used)) for j in range(i + 1, len(used))]
    # put a maximised metric on the y axis
    pairs = [(b, a) if a in up and b not in up else (a, b) for a, b in pairs]
    fig, axes = _grid(len(pairs), 4.8, 4.0)
    feas = (
        frame["feasible"].to_numpy(bool)
        if "feasible" in frame.columns
        else np.ones(len(frame), bool)
    )
    keys = (
        sorted(frame[color_by].astype(str).unique(), key=analysis.natural_key)
        if color_by and color_by in frame.columns
        else []
    )
    colors = _colors(keys) if keys else {}
    objectives = {
        name: [c.removeprefix("objective_") for c in info.get("objective_columns") or []]
        for name, info in analysis.scenario_infos(frame).items()
    }
    for ax, (x, y) in zip(axes, pairs, strict=True):
        X = frame[x].to_numpy(float)
        Y = frame[y].to_numpy(float)
        ok = np.isfinite(X) & np.isfinite(Y)
        bad = ok & ~feas
        if bad.any():
            ax.scatter(X[bad], Y[bad], marker="x", s=12, color="0.7", label="infeasible", lw=0.8)
        good = ok & feas
        if keys:
            lab = frame[color_by].astype(str).to_numpy()
            for k in keys:
                sel = good & (lab == k)
                if sel.any():
                    ax.scatter(X[sel], Y[sel], s=14, color=colors[k], alpha=0.7, label=k)
        elif good.any():
            ax.scatter(X[good], Y[good], s=14, color="C0", alpha=0.7, label="feasible")
        if good.any():
            sx = 1.0 if x in up else -1.0
            sy = 1.0 if y in up else -1.0
            pts = np.column_stack([X[good], Y[good]])
            front = pts[analysis.pareto_mask(pts * [sx, sy])]
            front = front[np.argsort(front[:, 0])]
            ax.step(
                front[:, 0],
                front[:, 1],
                where="post" if sx < 0 else "pre",
                color="k",
                lw=1.2,
                label="front of the evaluated designs",
            )
            ax.scatter(front[:, 0], front[:, 1], s=28, facecolors="none", edgecolors="k", lw=1.0)
        for name, designs in sorted((exact or {}).items()):
            if x not in designs.columns or y not in designs.columns or designs.empty:
                continue
            ex = designs[[x, y]].to_numpy(float)
            what = "exact optimum" if len(designs) == 1 else "exact Pareto front"
            label = what + (f" ({name})" if len(exact or {}) > 1 else "")
            if len(designs) > 1 and set(objectives.get(name, [])) == {x, y}:
                order = np.argsort(ex[:, 0])
                ax.plot(ex[order, 0], ex[order, 1], color="k", lw=0.8, ls=":")
            ax.scatter(
                ex[:, 0],
                ex[:, 1],
                marker="*",
                s=110,
                color="gold",
                edgecolors="k",
                lw=0.8,
                zorder=5,
                label=label,
            )
        styles = ["--", "-.", ":", (0, (5, 1))]
        for metric, line in ((x, ax.axvline), (y, ax.axhline)):
            several = len(budget_lines.get(metric, [])) > 1
            for i, (value, scen) in enumerate(budget_lines.get(metric, [])):
                tag = f" ({scen})" if scen and several else ""
                line(
                    value,
                    color="C3",
                    ls=styles[i % len(styles)],
                    lw=1.2,
                    label=f"{metric} budget {value:g}{tag}",
                )
        ax.set_xlabel(_label(x))
        ax.set_ylabel(_label(y))
        ax.set_title(f"{y} vs {x}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    fig.suptitle(title or "Pareto fronts (2-D projections; dashed: budgets; ★: exact)")
    return _save(fig, path)
