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

Modules: :mod:`~archgym.plotting.figures` (labels, colours, grid, saving),
:mod:`~archgym.plotting.curves`, :mod:`~archgym.plotting.fronts`,
:mod:`~archgym.plotting.layers`, :mod:`~archgym.plotting.lottery`; every public name is
importable from :mod:`archgym.plotting` itself.
"""

from __future__ import annotations

from .curves import plot_curves, plot_hypervolume, plot_regret
from .figures import METRIC_LABELS
from .fronts import plot_pareto, scenario_metrics
from .layers import plot_layer_breakdown
from .lottery import plot_lottery

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
