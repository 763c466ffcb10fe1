"""Plots of experiment logs (matplotlib, drawn off-screen with the Agg renderer).

Every function returns a ``matplotlib.figure.Figure`` built without pyplot (so nothing
is shown and no global backend is changed; in Jupyter, display the returned figure) and
saves it to ``path`` when one is given (PNG, PDF or SVG by the file suffix).

* :func:`plot_curves` / :func:`plot_regret` — best-so-far or normalised regret against
  evaluations or wall-clock time, one line per agent (median over seeds) with a
  bootstrap band; a regret that reaches 0 is drawn at a stated floor with a marker.
* :func:`plot_hypervolume` — hypervolume of the feasible points against evaluations.
* :func:`plot_pareto` — 2-D projections of the scenario's objectives and budgeted
  metrics with the front of each projection, every budget drawn as a line and the exact
  optimum / Pareto front when known.
* :func:`plot_layer_breakdown` — per-layer latency and energy bars of one design.
* :func:`plot_lottery` — the spread of final quality over agent settings and seeds.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import analysis

__all__ = [
    "plot_curves",
    "plot_regret",
    "plot_hypervolume",
    "plot_pareto",
    "plot_layer_breakdown",
    "plot_lottery",
    "scenario_metrics",
    "METRIC_LABELS",
]

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


# --------------------------------------------------------------------------------------
# curves
# --------------------------------------------------------------------------------------


def _regret_label(reference: str | None, worst: bool = False) -> str:
    """The y label of a regret: what it is normalised by, named."""
    ref = reference or "optimum"
    return f"normalized regret: ({ref} − best so far) / |{ref}|"


def _floor_for(values: np.ndarray) -> float:
    """A floor for drawing 0 on a log axis: a decade below the smallest positive value
    (at most 1e-3), so curves that reach the optimum stay visible."""
    pos = values[np.isfinite(values) & (values > 0)]
    low = float(pos.min()) if pos.size else 1e-2
    return float(min(1e-3, 10 ** (np.floor(np.log10(low)) - 1)))


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
    m = analysis._metric_frame(frame, metric, best_value)
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
        ax.set_ylabel(label)
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


# --------------------------------------------------------------------------------------
# Pareto fronts
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# one design
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# the hyperparameter lottery
# --------------------------------------------------------------------------------------


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
        ax.set_ylabel(ylabel)
        if metric == "regret" and (sub["value"] > 0).all():
            ax.set_yscale("log")
        elif metric == "regret" and (sub["value"] > 0).any():
            ax.set_yscale("symlog", linthresh=_floor_for(sub["value"].to_numpy(float)) * 10)
            ax.set_ylabel(ylabel + " (symlog: 0 shown)")
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
