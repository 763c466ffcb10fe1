"""Analysis of experiment logs: best-so-far curves, regret, hypervolume, rankings.

Every function takes the tidy log of one or more runs (a DataFrame with ``run_id``,
``agent``, ``seed``, ``eval``, the knobs, the metrics, ``objective`` and ``feasible``;
:func:`load_runs` reads it from run directories and adds ``scenario``, ``label`` (the
agent with its settings, e.g. ``bo(n_init=5)``), ``budget`` and ``run_dir``). Objectives
are maximised, as everywhere in archgym. Infeasible evaluations stay in the data; they
never count as the best design.

Conventions:

* ``n_evals`` is the 1-based number of evaluations a run had made after a row.
* ``best_so_far`` is the best *feasible* ``objective`` up to and including a row; NaN
  before the first feasible evaluation.
* ``regret`` (normalised simple regret) is ``(best_value - best_so_far) / |best_value|``
  where ``best_value`` is the scenario's exact optimum (``scenario.enumerate().best_value``)
  or, if not given, the best feasible value any run in the frame found. With
  ``worst_value`` given it is relative to the range instead:
  ``(best_value - best_so_far) / (best_value - worst_value)``. Before the first feasible
  evaluation the regret is ``+inf`` (nothing found yet).
* Curves of runs shorter than the longest run are padded with their last value.

Modules: :mod:`~archgym.analysis.run_frames` (run folders into a frame, the scenario of
each run, exact optima), :mod:`~archgym.analysis.curves` (best so far, regret,
hypervolume trace, bootstrap band), :mod:`~archgym.analysis.wall_time` (the same against
wall-clock time), :mod:`~archgym.analysis.tables` (final values, rankings, evaluations to
reach a regret), :mod:`~archgym.analysis.export` (a dataset of the evaluated designs).
Every public name is importable from :mod:`archgym.analysis` itself.
"""

from __future__ import annotations

from archgym.pareto import hypervolume, pareto_mask  # re-exported (the one implementation)

from .curves import best_so_far, bootstrap_ci, curve_matrix, hypervolume_trace, normalized_regret
from .export import export_dataset
from .run_frames import (
    exact_best_values,
    exact_designs,
    find_run_dirs,
    load_runs,
    scenario_identity,
    scenario_infos,
    scenario_of,
    scenario_specs,
)
from .tables import evaluations_to_reach, final_values, natural_key, ranking_table
from .wall_time import curves_over_time, values_at_wall_time, with_wall_time

__all__ = [
    "load_runs",
    "find_run_dirs",
    "best_so_far",
    "normalized_regret",
    "curve_matrix",
    "bootstrap_ci",
    "pareto_mask",
    "hypervolume",
    "hypervolume_trace",
    "final_values",
    "ranking_table",
    "evaluations_to_reach",
    "export_dataset",
    "scenario_infos",
    "scenario_identity",
    "scenario_specs",
    "scenario_of",
    "exact_best_values",
    "exact_designs",
    "with_wall_time",
    "curves_over_time",
    "values_at_wall_time",
    "natural_key",
]
