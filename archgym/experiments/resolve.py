"""Names to objects: scenarios by id or document, agents by name; nothing is imported.

Scenarios are given by id (:func:`archgym.scenarios.resolve_scenario`; a scenario object that is not in
the catalog, such as one read from a YAML file, is stored as its full document) and agents
by name (``archgym.agents.make``). Nothing named in a ``settings.json`` is ever imported:
your own scenarios and agents are registered from your own Python
(``archgym.scenarios.register``, ``archgym.agents.register``) or a ``--plugin`` module
(:mod:`archgym.plugins`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .rundir import load_run
from .spec import RunResult, _encode_setting

__all__ = ["resolve_agent"]


def _scenario_record(scenario: Any) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    """``(id, overrides, definition)`` that rebuild a scenario object.

    A catalog scenario is recorded by its id; another ``Scenario`` by its document; any
    other object by its ``id`` and ``overrides`` attributes.
    """
    sid = getattr(scenario, "id", None)
    if not sid:
        raise ValueError("a scenario object must have an `id` to be logged reproducibly")

    def digest_of(obj: Any) -> Any:
        h = getattr(obj, "definition_hash", None)
        return h() if callable(h) else h

    digest = digest_of(scenario)
    if digest is not None:
        from archgym import scenarios

        try:
            if sid in scenarios.ids() and digest_of(scenarios.load(sid)) == digest:
                return str(sid), {}, None
        except Exception:  # noqa: BLE001 - fall back to the document
            pass
        if hasattr(scenario, "to_dict"):
            return str(sid), {}, _encode_setting(scenario.to_dict())
    return str(sid), dict(getattr(scenario, "overrides", None) or {}), None


def resolve_agent(name: str, settings: Mapping[str, Any] | None = None) -> Any:
    """Build an agent from its name (``archgym.agents.make``) or an import path of its class.

    Setting values of the form ``{"run_dir": PATH}`` are replaced by that run's
    :class:`~archgym.agents.History` (this is how a transfer source is named in a
    ``settings.json`` or a sweep configuration).
    """
    from archgym import agents
    from archgym.plugins import check_not_import_path

    check_not_import_path(str(name), "agent", agents.AgentError)
    agents.agent_class(name)  # an unknown name fails before any setting is decoded
    settings = {k: _decode_setting(v) for k, v in (settings or {}).items()}

    return agents.make(name, **settings)


def _agent_name(agent: Any) -> str:
    from archgym import agents

    name = getattr(agent, "name", None)
    if name in agents.list_agents() and type(agent) is agents.agent_class(name):
        return str(name)
    for known in agents.list_agents():
        if type(agent) is agents.agent_class(known):
            return known
    raise agents.AgentError(
        f"agent class {type(agent).__qualname__} is not registered; register it first with "
        f"archgym.agents.register('name', {type(agent).__qualname__}) so its runs can be "
        "resumed and compared by name"
    )


def _decode_setting(value: Any) -> Any:
    if isinstance(value, RunResult):
        return value.history
    if isinstance(value, Mapping) and "run_dir" in value:
        return load_run(value["run_dir"]).history
    return value
