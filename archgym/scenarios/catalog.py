"""The scenario catalog: named, versioned co-design problems, and how to get one.

:func:`load` (``archgym.scenarios.load``) builds a catalog scenario, optionally with some
fields overridden; :func:`resolve_scenario` is the one place an id, a document or a
scenario object becomes a scenario; :func:`register` adds your own. The shipped entries
are plain documents in :mod:`archgym.scenarios.catalog_entries` (its docstring lists the
families and their ids; :func:`list_scenarios` lists every id).
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from .catalog_entries import (  # noqa: F401 - the knob lists, re-exported at their old place
    _DATAFLOW,
    ANB_EDGE_HARDWARE,
    ANB_TPU_HARDWARE,
    APOLLO_HARDWARE,
    ENTRIES,
    MOBILENET_HARDWARE,
    NB201_HARDWARE,
)
from .evaluation import BUDGET_METRICS, METRIC_ALIASES
from .scenario import Scenario, ScenarioError

__all__ = [
    "DEFAULT",
    "list_scenarios",
    "ids",
    "load",
    "resolve_scenario",
    "get_definition",
    "register",
    "budget_levels",
    "best_known",
]

#: The default scenario (the README's main job): NAS-Bench-201 x accelerator co-design.
DEFAULT = "nb201-codesign"

#: The catalog: the shipped entries, then what :func:`register` adds (id -> document).
_CATALOG: dict[str, dict[str, Any]] = dict(ENTRIES)


# ------------------------------------------------------------------------------------------
# Public functions
# ------------------------------------------------------------------------------------------


#: Scenario factories registered from Python (``register(factory, id=...)``): id -> callable
#: taking the overrides as keywords and returning a scenario object.
_FACTORIES: dict[str, Any] = {}


def ids() -> list[str]:
    """The catalog ids, in catalog order (registered factories after them)."""
    return list(_CATALOG) + [k for k in _FACTORIES if k not in _CATALOG]


def list_scenarios() -> dict[str, str]:
    """``{id: one-line description}`` of every catalog scenario (``archgym.scenarios.list()``),
    registered factories included (described by the first line of their docstring)."""
    out = {k: d.get("description", "").split(";")[0].strip() for k, d in _CATALOG.items()}
    for k, factory in _FACTORIES.items():
        if k not in out:
            doc = (getattr(factory, "__doc__", None) or "").strip()
            out[k] = doc.splitlines()[0].strip() if doc else "registered scenario factory"
    return out


def _unknown_id(scenario_id: str) -> ScenarioError:
    from archgym.plugins import check_not_import_path

    check_not_import_path(str(scenario_id), "scenario", ScenarioError)
    close = difflib.get_close_matches(str(scenario_id), _CATALOG, n=3)
    hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
    return ScenarioError(f"unknown scenario id {scenario_id!r}{hint}; known: {', '.join(_CATALOG)}")


def get_definition(scenario_id: str) -> dict[str, Any]:
    """A copy of the document of a catalog scenario.

    Raises:
        ScenarioError: an unknown id (the message lists the known ones).
    """
    if scenario_id not in _CATALOG:
        raise _unknown_id(scenario_id)
    return copy.deepcopy(_CATALOG[scenario_id])


_OVERRIDES = (
    "budgets",
    "objective",
    "weights",
    "ref_point",
    "mode",
    "aggregate",
    "workloads",
    "base",
    "oracle",
    "oracle_options",
    "dataset",
    "id",
    "description",
)


def load(scenario_id: str | Scenario | Mapping[str, Any], **overrides: Any) -> Scenario:
    """A catalog scenario, optionally with some fields overridden.

    Args:
        scenario_id: a catalog id (see :func:`list_scenarios`); a :class:`Scenario` or a
            document are accepted too (and overridden the same way).
        **overrides: budgets by metric (``area_mm2=20``, ``latency_ms=2``, ``energy_mj=5``;
            ``None`` removes a budget), or ``budgets``, ``objective``, ``weights``,
            ``ref_point``, ``mode``, ``aggregate``, ``workloads``, ``base`` (hardware base),
            ``oracle``/``oracle_options`` (MobileNet co-design), ``dataset`` (NB201
            co-design), ``id``, ``description``. Unless ``id`` is given, an overridden
            scenario's id records the overrides: ``hw-mobilenet_v2-area[area_mm2=20]``.

    Raises:
        ScenarioError: an unknown id or override (the message lists the allowed ones).
    """
    if isinstance(scenario_id, str) and scenario_id in _FACTORIES and scenario_id not in _CATALOG:
        return _FACTORIES[scenario_id](**overrides)
    if isinstance(scenario_id, str) and scenario_id.endswith((".yaml", ".yml")):
        raise ScenarioError(
            f"scenario {scenario_id!r} is a file name: load it with Scenario.from_yaml(path) "
            "(or `--scenario PATH.yaml` on the command line), not by id"
        )
    if isinstance(scenario_id, Scenario):
        doc = scenario_id.to_dict()
    elif isinstance(scenario_id, Mapping):
        doc = copy.deepcopy(dict(scenario_id))
    else:
        doc = get_definition(scenario_id)
    if not overrides:
        return scenario_id if isinstance(scenario_id, Scenario) else Scenario.from_dict(doc)
    allowed = (
        list(BUDGET_METRICS)
        + [a for a, m in METRIC_ALIASES.items() if m in BUDGET_METRICS]
        + list(_OVERRIDES)
    )
    unknown = [k for k in overrides if k not in allowed]
    if unknown:
        raise ScenarioError(
            f"unknown override(s) {unknown} for scenario {doc.get('id')!r}; allowed: {', '.join(allowed)}"
        )
    budgets = dict(doc.get("budgets") or {})
    if "budgets" in overrides:
        budgets = dict(overrides["budgets"] or {})
    tag: list[str] = []
    for k, v in overrides.items():
        if k in ("id", "description"):
            continue
        if k in BUDGET_METRICS or k in METRIC_ALIASES:
            metric = METRIC_ALIASES.get(k, k)
            if v is None:
                budgets.pop(metric, None)
            else:
                budgets[metric] = v
        elif k in ("base",):
            doc.setdefault("hardware", {})["base"] = v
        elif k in ("oracle", "oracle_options", "dataset"):
            net = doc.get("network")
            kind = net.get("kind") if isinstance(net, Mapping) else net
            ok = {"oracle": "mobilenet", "oracle_options": "mobilenet", "dataset": "nb201"}[k]
            if kind != ok:
                raise ScenarioError(
                    f"override {k!r} applies to {ok} co-design scenarios; {doc.get('id')!r} has network {kind!r}"
                )
            doc["network"] = {**(net if isinstance(net, Mapping) else {"kind": kind}), k: v}
        elif k != "budgets":
            doc[k] = v
        tag.append(f"{k}={_fmt(v)}")
    doc["budgets"] = budgets
    if "id" in overrides:
        doc["id"] = overrides["id"]
    elif tag:
        doc["id"] = f"{doc.get('id', 'custom')}[{','.join(tag)}]"
    if "description" in overrides:
        doc["description"] = overrides["description"]
    return Scenario.from_dict(doc)


def resolve_scenario(
    scenario: str | Scenario | Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    definition: Mapping[str, Any] | None = None,
) -> Scenario:
    """The scenario an id, a document or a scenario object names; never imports code.

    This is the one place the environments (``gymnasium.make(..., scenario=...)``), the
    experiment runner (a run's ``settings.json``) and the analysis (the definitions stored
    with runs) turn what they were given into a scenario.

    Args:
        scenario: A catalog id or an id registered with :func:`register` (default
            :data:`DEFAULT`), a :class:`Scenario` or its document. A ``"module:attr"``
            string is refused with a clear error, never imported.
        overrides: Keyword overrides (budgets, ...) as :func:`load` takes them. Without
            overrides a :class:`Scenario` is returned as it is.
        definition: A scenario document (``Scenario.to_dict()``, as a run records a
            scenario that is not in the catalog) to load instead of ``scenario``.

    Returns:
        The scenario (what a registered factory returns, for a factory's id).

    Raises:
        ScenarioError: an unknown id (or an import path), an unknown override, a
            malformed document.
    """
    target = definition if definition is not None else scenario
    if target is None:
        target = DEFAULT
    if isinstance(target, Mapping):
        target = dict(target)
    return load(target, **dict(overrides or {}))


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, Mapping):
        return "{" + ",".join(f"{k}:{_fmt(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(_fmt(x) for x in v) + "]"
    return str(v)


def register(
    scenario: Scenario | Mapping[str, Any] | Any, overwrite: bool = False, *, id: str | None = None
) -> str:
    """Add a scenario (or its document, or a factory) to the catalog, so ``load(id)``, the
    experiment runner and the environments (``gymnasium.make(..., scenario=id)``) find it.

    This is how your own scenario code enters archgym: from your own Python (or a module
    you load with ``archgym --plugin MODULE``), never from a name written in a data file.

    Args:
        scenario: A :class:`Scenario`, its document, or a callable ``factory(**overrides)``
            returning a scenario-like object (``space``, ``evaluate``, ``id``, ...).
        overwrite: Replace an existing entry of the same id.
        id: The id of a factory (required for one); a scenario's own id otherwise.

    Returns:
        Its id.

    Raises:
        ScenarioError: the id exists already (and ``overwrite`` is false), or the
            scenario has no document form.
    """
    if callable(scenario) and not isinstance(scenario, Scenario | Mapping):
        if not id:
            raise ScenarioError("registering a scenario factory needs id='...'")
        if (id in _CATALOG or id in _FACTORIES) and not overwrite:
            raise ScenarioError(
                f"scenario id {id!r} is already registered (pass overwrite=True to replace it)"
            )
        _CATALOG.pop(id, None)
        _FACTORIES[id] = scenario
        return id
    doc = scenario.to_dict() if isinstance(scenario, Scenario) else dict(scenario)
    if id:
        doc["id"] = id
    Scenario.from_dict(doc)  # validate
    sid = str(doc.get("id") or "")
    if not sid:
        raise ScenarioError("a registered scenario needs an 'id'")
    if sid in _CATALOG and not overwrite:
        raise ScenarioError(
            f"scenario id {sid!r} is already in the catalog (pass overwrite=True to replace it)"
        )
    _FACTORIES.pop(sid, None)
    _CATALOG[sid] = copy.deepcopy(doc)
    return sid


_BEST_KNOWN_FILE = "data/best_known/accel_nasbench.json"


def best_known(scenario_id: str) -> dict[str, Any] | None:
    """The best-known reference optimum of a scenario that cannot be enumerated.

    Read from package data written by ``benchmarks/anb_best_known.py`` (long runs of the
    random, GA and BO agents); ``None`` when the scenario has none. Single-objective:
    ``{"best_value", "design", "found_by", ...}``; multi-objective: ``{"hypervolume",
    "front", ...}``. Every entry has ``"kind": "best-known"``: it is the best value found,
    not a certified optimum, and tables and plots that show regret against it say so.
    """
    import json
    from importlib.resources import files

    sid = str(scenario_id)
    path = files("archgym").joinpath(_BEST_KNOWN_FILE)
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    entry = data.get("scenarios", {}).get(sid)
    return copy.deepcopy(entry) if entry is not None else None


def budget_levels(
    scenario_id: str | Scenario,
    factors: Sequence[float] = (0.5, 1.0, 2.0),
    metric: str | None = None,
) -> list[Scenario]:
    """The same scenario at several budgets, for transfer experiments.

    Args:
        scenario_id: a catalog id or a scenario.
        factors: multipliers of the budget.
        metric: the budget to scale (default: every budget of the scenario).

    Returns:
        One scenario per factor, with ids like ``hw-resnet50-area[area_mm2x0.5]``.

    Raises:
        ScenarioError: the scenario has no budget on ``metric``.
    """
    base = load(scenario_id)
    budgets = dict(base.budgets)
    targets = list(budgets) if metric is None else [METRIC_ALIASES.get(metric, metric)]
    for m in targets:
        if m not in budgets:
            raise ScenarioError(
                f"scenario {base.id!r} has no budget on {m!r}; budgets: {list(budgets)}"
            )
    out = []
    for f in factors:
        new = {m: (v * float(f) if m in targets else v) for m, v in budgets.items()}
        tag = ",".join(f"{m}x{float(f):g}" for m in targets)
        out.append(load(base, budgets=new, id=f"{base.id}[{tag}]"))
    return out
