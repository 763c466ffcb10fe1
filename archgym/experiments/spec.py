"""What reproduces a run (:class:`RunSpec`) and what a finished run gives (:class:`RunResult`).

A run is identified by (scenario id and overrides, agent name and settings, budget, seed,
archgym version); its run id is a hash of those settings, so the same command always
names the same run. Settings that are not JSON (another run, a ``History``, a frame) are
recorded by name or digest (:func:`_encode_setting`), never copied.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .logs import LOG_CSV, LOG_PARQUET, SETTINGS_JSON, SUMMARY_JSON

__all__ = ["RunError", "RunSpec", "RunResult", "agent_label"]


class RunError(RuntimeError):
    """A run cannot start: conflicting settings in its directory, a run already in progress."""


def _encode_setting(value: Any) -> Any:
    """A JSON-able stand-in for an agent setting (runs and logs are named, not copied)."""
    from archgym.agents import History

    if isinstance(value, RunResult):
        return {"run_dir": str(value.dir.resolve()), "run_id": value.run_id}
    if isinstance(value, History):
        rid = value.settings.get("run_id")
        if rid is None and "run_id" in value.frame.columns and len(value.frame):
            rid = str(value.frame["run_id"].iloc[0])
        doc: dict[str, Any] = {"history": rid, "rows": len(value.frame)}
        if value.settings.get("run_dir"):
            doc = {"run_dir": value.settings["run_dir"], "run_id": rid}
        return doc
    if isinstance(value, pd.DataFrame):
        import hashlib

        digest = hashlib.sha256(value.to_csv(index=False).encode()).hexdigest()
        return {"frame_sha256": digest, "rows": len(value)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | list):
        return [_encode_setting(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _encode_setting(v) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------------------
# the spec
# --------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=]+", "_", str(text)).strip("_") or "x"


def _version() -> str:
    from archgym import __version__

    return str(__version__)


@dataclass(frozen=True)
class RunSpec:
    """What reproduces a run: (scenario id and overrides, agent and settings, budget, seed).

    Attributes:
        scenario: Scenario id (catalog or registered).
        agent: Agent name (built in or registered).
        budget: Number of evaluations.
        seed: The seed of every random source of the agent.
        scenario_overrides: Keyword overrides of the scenario (e.g. budgets).
        agent_settings: Agent settings as given (defaults are not spelled out).
        version: The archgym version the run was made with.
        scenario_definition: The scenario's document, for a scenario that is not in the
            catalog (``None``: the id says it all).
    """

    scenario: str
    agent: str
    budget: int
    seed: int
    scenario_overrides: dict[str, Any] = field(default_factory=dict)
    agent_settings: dict[str, Any] = field(default_factory=dict)
    version: str = field(default_factory=_version)
    scenario_definition: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.budget, int | np.integer) or int(self.budget) < 1:
            raise ValueError(f"budget must be an integer >= 1, got {self.budget!r}")
        if not isinstance(self.seed, int | np.integer) or int(self.seed) < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        object.__setattr__(self, "budget", int(self.budget))
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(
            self, "scenario_overrides", _encode_setting(dict(self.scenario_overrides))
        )
        object.__setattr__(self, "agent_settings", _encode_setting(dict(self.agent_settings)))
        if self.scenario_definition is not None:
            object.__setattr__(
                self, "scenario_definition", _encode_setting(dict(self.scenario_definition))
            )

    def key(self) -> dict[str, Any]:
        """The fields that identify the run (what ``settings.json`` must match to resume)."""
        return {
            "scenario": self.scenario,
            "scenario_overrides": self.scenario_overrides,
            "agent": self.agent,
            "agent_settings": self.agent_settings,
            "budget": self.budget,
            "seed": self.seed,
            "archgym_version": self.version,
            "scenario_definition": self.scenario_definition,
        }

    def identity(self) -> dict[str, Any]:
        """:meth:`key` without where other runs named in the settings live on disk (a
        transfer source is identified by its run id, so moving directories keeps ids)."""
        return _strip_dirs(self.key())

    @property
    def digest(self) -> str:
        """SHA-256 of :meth:`identity` (JSON, keys sorted)."""
        import hashlib
        import json

        text = json.dumps(self.identity(), sort_keys=True, separators=(",", ":"), default=repr)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def run_id(self) -> str:
        """``<scenario>-<agent>-s<seed>-<first 10 hex digits of the digest>``."""
        return f"{_slug(self.scenario)}-{_slug(self.agent)}-s{self.seed}-{self.digest[:10]}"

    @property
    def label(self) -> str:
        """The agent and its settings, e.g. ``bo(n_init=5)`` (groups runs over seeds)."""
        return agent_label(self.agent, self.agent_settings)

    def describe(self) -> dict[str, Any]:
        """What names the run in its ``summary.json``: ``run_id``, ``scenario``,
        ``scenario_overrides``, ``agent``, ``label``, ``seed`` and ``budget``."""
        return {
            "run_id": self.run_id,
            "scenario": self.scenario,
            "scenario_overrides": self.scenario_overrides,
            "agent": self.agent,
            "label": self.label,
            "seed": self.seed,
            "budget": self.budget,
        }

    @classmethod
    def from_settings(cls, doc: Mapping[str, Any]) -> RunSpec:
        """The spec recorded in a ``settings.json`` document."""
        return cls(
            scenario=doc["scenario"],
            agent=doc["agent"],
            budget=int(doc["budget"]),
            seed=int(doc["seed"]),
            scenario_overrides=dict(doc.get("scenario_overrides") or {}),
            agent_settings=dict(doc.get("agent_settings") or {}),
            version=str(doc.get("archgym_version", _version())),
            scenario_definition=doc.get("scenario_definition"),
        )


def _strip_dirs(doc: Any) -> Any:
    if isinstance(doc, Mapping):
        drop = "run_dir" if "run_id" in doc else None
        return {k: _strip_dirs(v) for k, v in doc.items() if k != drop}
    if isinstance(doc, list):
        return [_strip_dirs(v) for v in doc]
    return doc


def agent_label(agent: str, settings: Mapping[str, Any]) -> str:
    """``name(key=value, ...)`` with the settings sorted by key; ``name`` without settings."""
    if not settings:
        return agent
    inner = ", ".join(f"{k}={_short(v)}" for k, v in sorted(settings.items()))
    return f"{agent}({inner})"


def _short(value: Any) -> str:
    if isinstance(value, Mapping) and "run_id" in value:
        return f"<{value['run_id']}>"
    return str(value)


# --------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------


@dataclass
class RunResult:
    """A finished run: its log as a ``History``, its directory and its summary.

    Attributes:
        spec: The settings that reproduce it.
        dir: The run directory.
        history: The tidy log (read back from disk, so a resumed and an uninterrupted run
            give equal frames) and the run's settings.
        summary: The ``summary.json`` document.
        resumed_rows: Rows taken from an earlier, interrupted run's log (0 for a fresh run).
    """

    spec: RunSpec
    dir: Path
    history: Any
    summary: dict[str, Any]
    resumed_rows: int = 0

    @property
    def run_id(self) -> str:
        return self.spec.run_id

    @property
    def frame(self) -> pd.DataFrame:
        return self.history.frame

    @property
    def log_path(self) -> Path:
        return self.dir / LOG_CSV

    @property
    def parquet_path(self) -> Path | None:
        p = self.dir / LOG_PARQUET
        return p if p.exists() else None

    @property
    def settings_path(self) -> Path:
        return self.dir / SETTINGS_JSON

    @property
    def summary_path(self) -> Path:
        return self.dir / SUMMARY_JSON
