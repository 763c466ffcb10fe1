"""What a run found: the ``summary.json`` document of a log and its printed form."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from typing import Any, cast

import numpy as np
import pandas as pd

from .spec import RunSpec, _encode_setting

__all__ = ["META_COLUMNS", "scenario_info", "summarize", "format_summary"]

#: Log columns that describe the run and the step rather than the design or its metrics.
META_COLUMNS: tuple[str, ...] = ("run_id", "agent", "seed", "step", "eval", "ask_s", "eval_s")


def scenario_info(scenario: Any) -> dict[str, Any]:
    """What a scenario declares, for the analysis of its runs (JSON-able)."""
    space = scenario.space
    budgets = getattr(scenario, "budgets", None) or {}
    ref = getattr(scenario, "ref_point", None)
    if ref is not None:
        ref = (
            np.asarray(ref.detach().cpu() if hasattr(ref, "detach") else ref, dtype=float)
            .ravel()
            .tolist()
        )
    n_obj_attr: Any = getattr(scenario, "n_objectives", None) or getattr(
        scenario, "num_objectives", 1
    )
    n_obj = int(n_obj_attr)
    cols = getattr(scenario, "objective_columns", None)
    if not cols and n_obj > 1 and getattr(scenario, "objective_names", None):
        cols = [f"objective_{m}" for m in scenario.objective_names]
    try:
        space_doc = _encode_setting(space.to_dict())
    except Exception:  # noqa: BLE001 - a space without a document
        space_doc = None
    return {
        "id": getattr(scenario, "id", None),
        "knobs": list(space.names),
        "space_size": int(space.size),
        "space": space_doc,
        "n_objectives": n_obj,
        "objective_names": [str(m) for m in getattr(scenario, "objective_names", None) or []],
        "objective_columns": list(cols) if cols else ["objective"],
        "budgets": {str(k): _to_float(v) for k, v in dict(budgets).items()},
        "ref_point": ref,
    }


def _to_float(value: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else value
    return value


def summarize(
    frame: pd.DataFrame, info: Mapping[str, Any], spec: RunSpec | None = None
) -> dict[str, Any]:
    """The ``summary.json`` document of a log.

    Args:
        frame: The run's tidy log.
        info: :func:`scenario_info` of its scenario.
        spec: The run's settings.

    Returns:
        ``run_id``, counts, the best feasible design (``design``: named knob values,
        ``metrics``: its metrics) and, with several objectives, the feasible Pareto front
        on ``objective_columns`` (all maximised) and its hypervolume w.r.t. ``ref_point``.
    """
    from archgym import analysis

    knobs = [k for k in info.get("knobs", []) if k in frame.columns]
    metrics = [c for c in frame.columns if c not in knobs and c not in META_COLUMNS]
    doc: dict[str, Any] = {}
    if spec is not None:
        doc.update(spec.describe())
    n = len(frame)
    feas = frame["feasible"].to_numpy(bool) if "feasible" in frame.columns else np.ones(n, bool)
    doc.update(n_evals=n, n_feasible=int(feas.sum()), complete=spec is None or n >= spec.budget)
    wall = [c for c in ("ask_s", "eval_s") if c in frame.columns]
    doc["wall_s"] = float(frame[wall].to_numpy(float).sum()) if wall and n else 0.0
    doc["best"] = None
    if n and feas.any() and "objective" in frame.columns:
        sub = frame[feas]
        i = cast(int, sub["objective"].astype(float).idxmax())  # logs have a RangeIndex
        row = cast("pd.Series[Any]", frame.loc[i])  # a unique label: one row
        doc["best"] = {
            "eval": int(row["eval"]) if "eval" in frame.columns else int(i),
            "objective": _scalar(row["objective"]),
            "design": {k: _scalar(row[k]) for k in knobs},
            "metrics": {c: _scalar(row[c]) for c in metrics},
        }
    cols = [c for c in info.get("objective_columns", []) if c in frame.columns]
    if int(info.get("n_objectives", 1)) > 1 and cols:
        sub = frame[feas]
        front = sub[analysis.pareto_mask(sub[cols].to_numpy(float))] if len(sub) else sub
        front = front.sort_values(cols[0], ascending=False)
        doc["pareto_front"] = [
            {**{k: _scalar(r[k]) for k in knobs}, **{c: _scalar(r[c]) for c in metrics}}
            for _, r in front.iterrows()
        ]
        ref = info.get("ref_point")
        if ref is not None and len(front):
            doc["hypervolume"] = float(analysis.hypervolume(front[cols].to_numpy(float), ref))
    return doc


def format_summary(summary: Mapping[str, Any], max_front: int = 20) -> str:
    """The printed form of a ``summary.json`` document: a header, the best design as a
    two-column table of named knob values and metrics, and the Pareto front if any."""
    out = io.StringIO()
    scenario = str(summary.get("scenario", "?"))
    overrides = summary.get("scenario_overrides") or {}
    if overrides:
        scenario += "[" + ", ".join(f"{k}={v}" for k, v in sorted(overrides.items())) + "]"
    head = (
        f"run {summary.get('run_id', '?')}: {summary.get('label', summary.get('agent', '?'))} on "
        f"{scenario}, seed {summary.get('seed', '?')}: "
        f"{summary.get('n_evals', 0)} evaluations ({summary.get('n_feasible', 0)} feasible), "
        f"{summary.get('wall_s', 0.0):.2f} s in ask and evaluate"
    )
    print(head, file=out)
    best = summary.get("best")
    if best is None:
        print("no feasible design found", file=out)
    else:
        print(
            f"best feasible design (evaluation {best['eval']}, objective {best['objective']:.6g}):",
            file=out,
        )
        rows = (
            [(k, v) for k, v in best["design"].items()]
            + [("---", "")]
            + [
                (k, v)
                for k, v in best["metrics"].items()
                if k != "objective" and v is not None and v != ""
            ]
        )
        width = max(len(str(k)) for k, _ in rows)
        for k, v in rows:
            text = f"{v:.6g}" if isinstance(v, float) else str(v)
            print(f"  {str(k):<{width}}  {text}", file=out)
    front = summary.get("pareto_front")
    if front:
        table = pd.DataFrame(front)
        print(
            f"Pareto front ({len(table)} designs"
            + (f", hypervolume {summary['hypervolume']:.6g}" if "hypervolume" in summary else "")
            + "):",
            file=out,
        )
        shown = table.head(max_front)
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"), file=out)
        if len(table) > max_front:
            print(f"  ... {len(table) - max_front} more in summary.json", file=out)
    return out.getvalue().rstrip("\n")
