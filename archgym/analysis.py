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
"""

from __future__ import annotations

import glob as _glob
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .pareto import hypervolume, pareto_mask  # re-exported (the one implementation)

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

PathLike = str | os.PathLike[str]


# --------------------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------------------


def find_run_dirs(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    """Run directories (those holding a ``settings.json``) under ``paths``.

    Args:
        paths: A run directory, a directory holding runs at any depth (a sweep), a glob
            pattern, or a list of these.

    Returns:
        The run directories, sorted, without duplicates.
    """
    from archgym.experiments.logs import SETTINGS_JSON

    items = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    found: set[Path] = set()
    for item in items:
        text = os.fspath(item)
        candidates = (
            [Path(p) for p in _glob.glob(text)] if any(c in text for c in "*?[") else [Path(text)]
        )
        for p in candidates:
            if (p / SETTINGS_JSON).is_file():
                found.add(p)
            elif p.is_dir():
                found.update(s.parent for s in p.rglob(SETTINGS_JSON))
    return sorted(found)


def load_runs(paths: PathLike | Iterable[PathLike] | pd.DataFrame) -> pd.DataFrame:
    """All logs under ``paths`` concatenated, with run metadata.

    Args:
        paths: See :func:`find_run_dirs`; a DataFrame is returned unchanged.

    Returns:
        One row per evaluation with the log's columns plus ``scenario`` (the name of the
        run's full scenario definition, see :func:`scenario_identity`: runs of one id at
        two budgets are two scenarios), ``label``, ``budget``, ``agent_settings`` (JSON
        text) and ``run_dir``. ``frame.attrs["scenarios"]`` maps each scenario name to
        what it declares (knobs, objective columns, budgets, reference point) and
        ``frame.attrs["scenario_specs"]`` to the stored definition that rebuilds it.

    Raises:
        FileNotFoundError: no run directory was found.
    """
    if isinstance(paths, pd.DataFrame):
        return paths
    from archgym.experiments.logs import SETTINGS_JSON, read_json_checked, read_log

    dirs = find_run_dirs(paths)
    if not dirs:
        raise FileNotFoundError(f"no run directory (with a settings.json) under {paths!r}")
    frames = []
    runs: list[tuple[pd.DataFrame, dict[str, Any], str, str]] = []
    for d in dirs:
        doc = read_json_checked(d / SETTINGS_JSON) or {}  # damaged: a ValueError naming it
        log = read_log(d)
        if log.empty:
            continue
        label, key = scenario_identity(doc)
        log = log.copy()
        log["label"] = doc.get("label", doc.get("agent", ""))
        log["budget"] = doc.get("budget", len(log))
        log["agent_settings"] = json.dumps(doc.get("agent_settings", {}), sort_keys=True)
        log["run_dir"] = str(d)
        runs.append((log, doc, label, key))
    if not runs:
        raise FileNotFoundError(f"the runs under {paths!r} have no logged evaluation yet")
    # one name per scenario definition: a label shared by different definitions gets the
    # first digits of its definition's hash
    keys_of: dict[str, set[str]] = {}
    for _, _, label, key in runs:
        keys_of.setdefault(label, set()).add(key)
    infos: dict[str, Any] = {}
    specs: dict[str, Any] = {}
    for log, doc, label, key in runs:
        name = label if len(keys_of[label]) == 1 else f"{label}#{key[:8]}"
        log["scenario"] = name
        frames.append(log)
        if doc.get("scenario_info"):
            infos.setdefault(name, doc["scenario_info"])
        specs.setdefault(
            name,
            {
                "scenario": doc.get("scenario", ""),
                "scenario_overrides": dict(doc.get("scenario_overrides") or {}),
                "scenario_definition": doc.get("scenario_definition"),
            },
        )
    out = pd.concat(frames, ignore_index=True)
    out.attrs["scenarios"] = infos
    out.attrs["scenario_specs"] = specs
    return out


def _tag(overrides: Mapping[str, Any]) -> str:
    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:g}"
        return json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else str(v)

    return ",".join(f"{k}={fmt(v)}" for k, v in sorted(overrides.items()))


def scenario_identity(settings: Mapping[str, Any]) -> tuple[str, str]:
    """``(name, key)`` of the scenario a run searched, from its ``settings.json``.

    A run's scenario is its full definition: the id with its overrides (``area_mm2=80``),
    or the stored document of a scenario that is not in the catalog (one read from a YAML
    file). ``key`` is a hash of that definition; ``name`` is the scenario's own id
    (``hw-mobilenet_v2-area[area_mm2=80]`` for an overridden one, the document's id for a
    stored document). Runs are grouped by it, and the exact optimum is computed for it.
    """
    sid = str(settings.get("scenario", ""))
    overrides = dict(settings.get("scenario_overrides") or {})
    definition = settings.get("scenario_definition")
    key_doc = {"scenario": sid, "overrides": overrides, "definition": definition}
    key = hashlib.sha256(
        json.dumps(key_doc, sort_keys=True, separators=(",", ":"), default=repr).encode()
    ).hexdigest()
    info_id = (settings.get("scenario_info") or {}).get("id")
    if isinstance(definition, Mapping) and definition.get("id"):
        info_id = str(definition["id"])
    name = str(info_id) if info_id else sid
    if overrides and "[" not in name:
        name = f"{name}[{_tag(overrides)}]"
    return name, key


def scenario_specs(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """``frame.attrs["scenario_specs"]``: per scenario name, the stored definition that
    rebuilds it (``scenario``, ``scenario_overrides``, ``scenario_definition``)."""
    return dict(frame.attrs.get("scenario_specs", {}) or {})


def scenario_of(frame: pd.DataFrame, name: str) -> Any:
    """The scenario object named ``name`` in a :func:`load_runs` frame, rebuilt from the
    definition stored with its runs (no scenario file is needed).

    Raises:
        KeyError: the frame does not know ``name``.
        archgym.scenarios.ScenarioError: the stored definition cannot be rebuilt (an id
            that is neither in the catalog nor registered is never imported).
    """
    from archgym.scenarios import resolve_scenario

    specs = scenario_specs(frame)
    if name not in specs:
        raise KeyError(f"no stored definition for scenario {name!r}; known: {sorted(specs)}")
    spec = specs[name]
    return resolve_scenario(
        spec["scenario"], spec.get("scenario_overrides"), spec.get("scenario_definition")
    )


def exact_designs(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per scenario of a :func:`load_runs` frame, the evaluation rows (named knobs and
    metrics) of its exact optimum (one row) or, with several objectives, of its exact
    Pareto front, from enumerating the stored definition (cached on disk).

    Raises:
        archgym.scenarios.ScenarioError: a scenario that cannot be enumerated, or has no
            feasible design.
    """
    out = {}
    for name in sorted(frame["scenario"].astype(str).unique()):
        sc = scenario_of(frame, name)
        res = sc.enumerate()
        if len(getattr(res, "objective_names", ())) > 1 and len(res.pareto_index):
            designs = np.asarray(res.pareto_index)
        else:
            designs = np.asarray(res.best_index)[None, :]
        out[name] = sc.evaluate(designs).to_frame()
    return out


def exact_best_values(frame: pd.DataFrame) -> dict[str, float]:
    """The exact optimum of every scenario of a :func:`load_runs` frame, computed by
    enumerating the definition stored with its runs (cached on disk).

    Raises:
        ValueError: a scenario that cannot be enumerated, has several objectives, or has
            no feasible design.
    """
    from archgym.experiments.transfer_studies import optimum_of

    out = {}
    for name in sorted(frame["scenario"].astype(str).unique()):
        out[name] = optimum_of(scenario_of(frame, name), name)
    return out


def scenario_infos(frame: pd.DataFrame) -> dict[str, Any]:
    """``frame.attrs["scenarios"]`` (what each scenario declares), or ``{}``."""
    return dict(frame.attrs.get("scenarios", {}) or {})


def _with_defaults(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    if "run_id" not in out.columns:
        out["run_id"] = "run"
    if "scenario" not in out.columns:
        out["scenario"] = ""
    if "label" not in out.columns:
        out["label"] = out["agent"] if "agent" in out.columns else out["run_id"]
    if "agent" not in out.columns:
        out["agent"] = out["label"]
    if "seed" not in out.columns:
        out["seed"] = 0
    if "eval" not in out.columns:
        out["eval"] = out.groupby("run_id", sort=False).cumcount()
    if "feasible" not in out.columns:
        out["feasible"] = True
    out.attrs = dict(frame.attrs)
    return out


# --------------------------------------------------------------------------------------
# curves
# --------------------------------------------------------------------------------------


def best_so_far(frame: pd.DataFrame, column: str = "objective") -> pd.DataFrame:
    """Add ``n_evals`` and ``best_so_far`` (best feasible ``column`` so far) per run.

    Args:
        frame: Tidy log of one or more runs (``run_id``, ``eval``, ``column``, ``feasible``).
        column: The maximised value to track.

    Returns:
        A copy sorted by run and evaluation, with ``n_evals`` (1-based) and
        ``best_so_far`` (NaN until the run's first feasible evaluation). Infeasible rows
        are kept.
    """
    out = (
        _with_defaults(frame).sort_values(["run_id", "eval"], kind="stable").reset_index(drop=True)
    )
    out["n_evals"] = out.groupby("run_id", sort=False).cumcount() + 1
    v = np.where(out["feasible"].to_numpy(bool), out[column].to_numpy(float), -np.inf)
    v = np.where(np.isnan(v), -np.inf, v)
    best = np.empty_like(v)
    for idx in out.groupby("run_id", sort=False).indices.values():
        best[idx] = np.maximum.accumulate(v[idx])
    best[np.isneginf(best)] = np.nan
    out["best_so_far"] = best
    return out


def _best_values(frame: pd.DataFrame, best_value: float | Mapping[str, float] | None) -> pd.Series:
    """The best value per row's scenario: given, or the best feasible value in the frame."""
    scen = frame["scenario"].astype(str)
    if best_value is None:
        feas = frame[frame["feasible"].to_numpy(bool)]
        found = feas.groupby(feas["scenario"].astype(str))["objective"].max()
        return scen.map(found).astype(float)
    if isinstance(best_value, Mapping):
        missing = sorted(set(scen) - {str(k) for k in best_value})
        if missing:
            raise KeyError(f"best_value has no entry for scenario(s) {missing}")
        return scen.map({str(k): float(v) for k, v in best_value.items()}).astype(float)
    return pd.Series(float(best_value), index=frame.index)


def normalized_regret(
    frame: pd.DataFrame,
    best_value: float | Mapping[str, float] | None = None,
    worst_value: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Add the normalised simple regret ``regret`` of every row's best-so-far value.

    Args:
        frame: Tidy log (``best_so_far`` is computed if absent).
        best_value: The optimum of the objective (a number, or one per scenario id);
            ``None``: the best feasible value in ``frame`` per scenario.
        worst_value: If given, normalise by the range ``best_value - worst_value`` instead
            of ``|best_value|``.

    Returns:
        A copy with ``regret = (best_value - best_so_far) / |best_value|`` (``+inf``
        before the first feasible evaluation).

    Raises:
        ValueError: the normaliser is zero.
    """
    out = frame if "best_so_far" in frame.columns else best_so_far(frame)
    out = _with_defaults(out)
    best = _best_values(out, best_value).to_numpy(float)
    if worst_value is None:
        scale = np.abs(best)
    else:
        worst = (
            _best_values(out, worst_value).to_numpy(float)
            if isinstance(worst_value, Mapping)
            else np.full(len(out), float(worst_value))
        )
        scale = best - worst
    if np.any(scale == 0):
        raise ValueError(
            "cannot normalise the regret: best_value is 0 (give worst_value to normalise by the range)"
        )
    bsf = out["best_so_far"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        regret = (best - bsf) / scale
    out["regret"] = np.where(np.isnan(bsf), np.inf, regret)
    return out


def curve_matrix(
    frame: pd.DataFrame, metric: str, length: int | None = None
) -> tuple[np.ndarray, list[str]]:
    """The ``metric`` curves of the runs in ``frame`` as a ``n_runs x length`` array.

    Args:
        frame: Rows of several runs with ``n_evals`` and ``metric``.
        metric: The column to collect (e.g. ``regret``).
        length: Curve length (default: the longest run); shorter runs are padded with
            their last value, longer ones cut.

    Returns:
        ``(curves, run_ids)``.
    """
    groups = [
        (rid, g.sort_values("n_evals")[metric].to_numpy(float))
        for rid, g in frame.groupby("run_id", sort=True)
    ]
    if not groups:
        return np.zeros((0, length or 0)), []
    n = length or max(len(v) for _, v in groups)
    out = np.empty((len(groups), n))
    for i, (_, v) in enumerate(groups):
        v = v[:n]
        out[i, : len(v)] = v
        out[i, len(v) :] = v[-1] if len(v) else np.nan
    return out, [str(r) for r, _ in groups]


def bootstrap_ci(
    curves: np.ndarray,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
    stat: str = "median",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bootstrap confidence band of a statistic over runs (seeds), at every evaluation.

    Runs are resampled with replacement ``n_boot`` times (a seeded generator, so the band
    is reproducible); the band is the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles
    of the resampled statistic (taken as order statistics, so ``inf`` values are handled).

    Args:
        curves: ``n_runs x n_evals`` (one curve per run) or ``n_runs`` array.
        n_boot: Number of bootstrap resamples.
        seed: Seed of the resampling.
        level: Confidence level.
        stat: ``"median"`` or ``"mean"``.

    Returns:
        ``(center, low, high)``: the statistic of the runs and the band, each ``n_evals``.
    """
    a = np.asarray(curves, dtype=float)
    one_d = a.ndim == 1
    if one_d:
        a = a[:, None]
    if a.shape[0] == 0:
        raise ValueError("bootstrap_ci needs at least one curve")
    stats: dict[str, Callable[..., Any]] = {"median": np.median, "mean": np.mean}
    fn = stats.get(stat)
    if fn is None:
        raise ValueError(f"stat must be 'median' or 'mean', got {stat!r}")
    rng = np.random.default_rng(seed)
    center = fn(a, axis=0)
    idx = rng.integers(0, a.shape[0], size=(n_boot, a.shape[0]))
    with np.errstate(invalid="ignore"):
        boot = fn(a[idx], axis=1)  # n_boot x n_evals
    alpha = (1.0 - level) / 2.0
    low = np.quantile(boot, alpha, axis=0, method="lower")
    high = np.quantile(boot, 1.0 - alpha, axis=0, method="higher")
    if one_d:
        return center[:1], low[:1], high[:1]
    return center, low, high


# --------------------------------------------------------------------------------------
# several objectives
# --------------------------------------------------------------------------------------


def hypervolume_trace(
    frame: pd.DataFrame,
    ref_point: Sequence[float] | None = None,
    objective_columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Add ``hypervolume``: the hypervolume of each run's feasible points so far.

    Args:
        frame: Tidy log of one or more runs (infeasible rows count for nothing).
        ref_point: Reference point in the maximised objective space (default: each
            scenario's, from ``frame.attrs["scenarios"]``).
        objective_columns: The maximised objective columns (default: each scenario's).

    Returns:
        A copy sorted by run and evaluation, with ``n_evals`` and ``hypervolume``.
    """
    out = best_so_far(frame) if "n_evals" not in frame.columns else _with_defaults(frame)
    out = out.sort_values(["run_id", "n_evals"], kind="stable").reset_index(drop=True)
    if ref_point is not None and objective_columns is not None:
        out["hypervolume"] = _hv_trace(out, ref_point, objective_columns)
        return out
    infos = scenario_infos(frame)
    hv = np.zeros(len(out))
    for scen, idx in out.groupby(out["scenario"].astype(str), sort=False).indices.items():
        info = infos.get(str(scen), {})  # the keys are str already
        ref = info.get("ref_point") if ref_point is None else ref_point
        cols = info.get("objective_columns") if objective_columns is None else objective_columns
        if ref is None or not cols:
            raise ValueError(
                f"scenario {scen!r}: give ref_point and objective_columns (the frame does not say them)"
            )
        hv[idx] = _hv_trace(out.iloc[idx], ref, cols)
    out["hypervolume"] = hv
    return out


def _hv_trace(
    out: pd.DataFrame, ref_point: Sequence[float], objective_columns: Sequence[str]
) -> np.ndarray:
    """Hypervolume after each row of ``out`` (sorted by run and evaluation), per run."""
    cols = list(objective_columns)
    missing = [c for c in cols if c not in out.columns]
    if missing:
        raise KeyError(f"the frame has no objective column(s) {missing}")
    ref = np.asarray(ref_point, dtype=float).ravel()
    Y = out[cols].to_numpy(float)
    feas = out["feasible"].to_numpy(bool)
    hv = np.zeros(len(out))
    for idx in out.groupby("run_id", sort=False).indices.values():
        front = np.zeros((0, len(cols)))
        current = 0.0
        for i in idx:
            y = Y[i]
            if feas[i] and not np.isnan(y).any() and np.all(y > ref):
                dominated = front.size and np.any(np.all(front >= y, axis=1))
                if not dominated:
                    front = np.vstack([front[~np.all(y >= front, axis=1)], y])
                    current = hypervolume(front, ref)
            hv[i] = current
    return hv


# --------------------------------------------------------------------------------------
# wall-clock time
# --------------------------------------------------------------------------------------


def with_wall_time(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``wall_s``: each run's cumulative wall time (``ask_s + eval_s``) after a row.

    Comparing agents by evaluations alone flatters the expensive ones (a BO proposal costs
    seconds, a random one microseconds); this is the clock to compare them by instead.

    Returns:
        A copy sorted by run and evaluation, with ``n_evals`` and ``wall_s`` (seconds).

    Raises:
        KeyError: the log has neither ``ask_s`` nor ``eval_s``.
    """
    out = best_so_far(frame) if "n_evals" not in frame.columns else _with_defaults(frame)
    out = out.sort_values(["run_id", "n_evals"], kind="stable").reset_index(drop=True)
    cols = [c for c in ("ask_s", "eval_s") if c in out.columns]
    if not cols:
        raise KeyError("the log has no ask_s / eval_s columns to measure wall time")
    step = out[cols].to_numpy(float).sum(axis=1)
    step = np.where(np.isfinite(step), step, 0.0)
    out["wall_s"] = pd.Series(step, index=out.index).groupby(out["run_id"], sort=False).cumsum()
    return out


def curves_over_time(
    frame: pd.DataFrame, metric: str, times: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """``metric`` of each run as a step function of its wall time, sampled at ``times``.

    Args:
        frame: Rows with ``run_id``, ``wall_s`` (:func:`with_wall_time`) and ``metric``.
        metric: The column (e.g. ``regret``).
        times: ``t`` increasing times in seconds.

    Returns:
        ``(curves, run_ids)``: ``n_runs x t``; NaN before a run's first row and after its
        last one (a run that had stopped by then says nothing about that time).
    """
    t = np.asarray(times, float)
    rows, ids = [], []
    for rid, g in frame.groupby("run_id", sort=True):
        g = g.sort_values("wall_s")
        w = g["wall_s"].to_numpy(float)
        v = g[metric].to_numpy(float)
        i = np.searchsorted(w, t, side="right") - 1
        out = np.where(i >= 0, v[np.clip(i, 0, None)], np.nan)
        out = np.where(t > w[-1], np.nan, out)
        rows.append(out)
        ids.append(str(rid))
    return (np.vstack(rows) if rows else np.zeros((0, len(t)))), ids


def values_at_wall_time(
    frame: pd.DataFrame,
    seconds: float,
    metric: str = "regret",
    best_value: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One row per run: its ``metric`` after ``seconds`` of its own wall time.

    Returns:
        ``scenario``, ``run_id``, ``agent``, ``label``, ``seed``, ``wall_s`` (the run's
        total) and ``value`` (NaN if the run ended before ``seconds``; ``+inf`` regret if
        it had no feasible design by then).
    """
    m = with_wall_time(_metric_frame(frame, metric, best_value))
    rows = []
    for rid, g in m.groupby("run_id", sort=True):
        g = g.sort_values("wall_s")
        hit = g[g["wall_s"] <= seconds]
        total = float(g["wall_s"].iloc[-1])
        if seconds > total:
            value = np.nan
        elif len(hit):
            value = float(hit[metric].iloc[-1])
        else:
            value = np.inf if metric == "regret" else np.nan
        first = g.iloc[0]
        rows.append(
            {
                "scenario": first["scenario"],
                "run_id": rid,
                "agent": first["agent"],
                "label": first["label"],
                "seed": first["seed"],
                "wall_s": total,
                "value": value,
            }
        )
    return pd.DataFrame(rows)


def natural_key(text: Any) -> tuple[Any, ...]:
    """Sort key that orders numbers by value: ``0.25 < 0.5 < 2 < 16``, ``n=5 < n=10``."""
    import re

    parts = re.split(r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)", str(text))
    return tuple((0, float(p), "") if i % 2 else (1, 0.0, p) for i, p in enumerate(parts) if p)


# --------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------

_LOWER_IS_BETTER = {"regret": True, "best_so_far": False, "hypervolume": False}


def _metric_frame(
    frame: pd.DataFrame,
    metric: str,
    best_value: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    if metric in frame.columns and "n_evals" in frame.columns:
        return _with_defaults(frame)
    if metric == "regret":
        return normalized_regret(best_so_far(frame), best_value)
    if metric == "best_so_far":
        return best_so_far(frame)
    if metric == "hypervolume":
        return hypervolume_trace(frame)
    raise ValueError(f"metric must be 'regret', 'best_so_far' or 'hypervolume', got {metric!r}")


def final_values(
    frame: pd.DataFrame,
    metric: str = "regret",
    at: int | None = None,
    best_value: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One row per run: its ``metric`` after ``at`` evaluations (default: its last).

    Returns:
        ``scenario``, ``run_id``, ``agent``, ``label``, ``seed``, ``agent_settings`` (if
        known), ``n_evals`` and ``value`` (NaN for a run shorter than ``at``).
    """
    m = _metric_frame(frame, metric, best_value)
    rows = []
    for rid, g in m.groupby("run_id", sort=True):
        g = g.sort_values("n_evals")
        if at is None:
            r = g.iloc[-1]
            value = float(r[metric])
        else:
            hit = g[g["n_evals"] == at]
            r = hit.iloc[0] if len(hit) else g.iloc[-1]
            value = float(r[metric]) if len(hit) else np.nan
        rows.append(
            {
                "scenario": r["scenario"],
                "run_id": rid,
                "agent": r["agent"],
                "label": r["label"],
                "seed": r["seed"],
                "agent_settings": r.get("agent_settings", "{}"),
                "n_evals": int(r["n_evals"]),
                "value": value,
            }
        )
    return pd.DataFrame(rows)


def ranking_table(
    frame: pd.DataFrame,
    budgets: Sequence[int] = (50, 100, 200),
    metric: str = "regret",
    by: str = "label",
    best_value: float | Mapping[str, float] | None = None,
    wall_time: bool = False,
) -> pd.DataFrame:
    """Median and interquartile range of ``metric`` over runs, per agent, at each budget.

    Args:
        frame: Tidy log of several runs (the metric is computed if absent).
        budgets: Evaluation counts to compare at; a run shorter than a budget does not
            count there.
        metric: ``"regret"`` (lower is better), ``"best_so_far"`` or ``"hypervolume"``.
        by: Group runs by ``"label"`` (agent and settings) or ``"agent"``.
        best_value: The optimum for the regret (see :func:`normalized_regret`).
        wall_time: Also give ``wall_s@b``: the median wall time (seconds of ask and
            evaluation, :func:`with_wall_time`) the runs took for their first ``b``
            evaluations.

    Returns:
        Index ``(scenario, by)``; for each budget ``b`` the columns ``median@b``,
        ``iqr@b`` (75th minus 25th percentile), ``n@b`` (runs), ``rank@b`` (1 = best
        median within the scenario) and, with ``wall_time``, ``wall_s@b``; sorted by the
        rank at the largest budget.
    """
    lower = _LOWER_IS_BETTER.get(metric, False)
    m = _metric_frame(frame, metric, best_value)
    if by not in m.columns:
        raise KeyError(f"the frame has no column {by!r} to group by")
    if wall_time:
        m = with_wall_time(m)
    group_of = m.groupby("run_id", sort=True)[by].first()
    pieces = []
    for b in budgets:
        b = int(b)
        fv = final_values(m, metric, at=b)
        fv = fv[fv["value"].notna()] if len(fv) else fv
        rows = []
        if len(fv):
            fv = fv.assign(_group=fv["run_id"].map(group_of))
            if wall_time:
                at_b = m[m["n_evals"] == b].set_index("run_id")["wall_s"]
                fv = fv.assign(_wall=fv["run_id"].map(at_b))
            for (scen, key), g in fv.groupby(["scenario", "_group"], sort=True):
                q25, med, q75 = _quartiles(g["value"].to_numpy(float))
                iqr = q75 - q25 if np.isfinite(q75) else np.inf
                row = {
                    "scenario": scen,
                    by: key,
                    f"median@{b}": med,
                    f"iqr@{b}": iqr,
                    f"n@{b}": len(g),
                }
                if wall_time:
                    row[f"wall_s@{b}"] = float(np.median(g["_wall"].to_numpy(float)))
                rows.append(row)
        cols = ["scenario", by, f"median@{b}", f"iqr@{b}", f"n@{b}"]
        t = pd.DataFrame(rows, columns=cols + ([f"wall_s@{b}"] if wall_time else []))
        t = t.set_index(["scenario", by])
        t.insert(
            3, f"rank@{b}", t.groupby(level=0)[f"median@{b}"].rank(method="min", ascending=lower)
        )
        pieces.append(t)
    if not pieces:
        return pd.DataFrame()
    table = pd.concat(pieces, axis=1)
    last = f"rank@{int(budgets[-1])}"
    table = table.reset_index().sort_values(
        ["scenario", last, by], na_position="last", kind="stable"
    )
    return table.set_index(["scenario", by])


def _quartiles(v: np.ndarray) -> tuple[float, float, float]:
    """25th, 50th and 75th percentiles (nearest order statistics when a value is inf)."""
    method: Literal["linear", "nearest"] = "linear" if np.isfinite(v).all() else "nearest"
    q = np.quantile(v, [0.25, 0.5, 0.75], method=method)
    return float(q[0]), float(q[1]), float(q[2])


def evaluations_to_reach(
    frame: pd.DataFrame,
    target_regret: float,
    best_value: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Per run, the number of evaluations after which the regret is at most the target.

    Args:
        frame: Tidy log of one or more runs (``regret`` is computed if absent).
        target_regret: The regret to reach (e.g. 0.01: within 1% of the optimum).
        best_value: The optimum (see :func:`normalized_regret`).

    Returns:
        ``scenario``, ``run_id``, ``agent``, ``label``, ``seed``, ``n_evals`` (the run's
        length) and ``evals_to_reach`` (NaN if never reached).
    """
    m = _metric_frame(frame, "regret", best_value)
    rows = []
    for rid, g in m.groupby("run_id", sort=True):
        g = g.sort_values("n_evals")
        hit = g[g["regret"] <= target_regret]
        first = g.iloc[0]
        rows.append(
            {
                "scenario": first["scenario"],
                "run_id": rid,
                "agent": first["agent"],
                "label": first["label"],
                "seed": first["seed"],
                "n_evals": int(g["n_evals"].max()),
                "evals_to_reach": float(hit["n_evals"].iloc[0]) if len(hit) else np.nan,
            }
        )
    return pd.DataFrame(rows)


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
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".parquet":
            out.to_parquet(path, index=False)
        else:
            out.to_csv(path, index=False)
    return out
