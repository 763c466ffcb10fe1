"""A scenario as a plain document: ``to_dict``/``from_dict``, YAML, its definition hash.

:class:`ScenarioDocument` is the part of :class:`~archgym.scenarios.Scenario` that turns it
into a document (what the catalog stores, what a run records in ``settings.json``) and
back; :meth:`ScenarioDocument.definition_hash` is what caches and equality key on. YAML goes
through :mod:`archgym._io` (the safe loader: data is never code).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Self, cast

import numpy as np

from .cache import stable_hash
from .hardware import HardwareSpace, ScenarioError

if TYPE_CHECKING:
    from .network_space import NetworkSpace

__all__ = ["ScenarioDocument"]

#: The fields of a scenario document (:meth:`ScenarioDocument.from_dict` refuses others).
_TOP_KEYS = (
    "id",
    "description",
    "hardware",
    "network",
    "workloads",
    "aggregate",
    "objective",
    "weights",
    "budgets",
    "ref_point",
    "mode",
    "batch",
)


class ScenarioDocument:
    """The document form of a :class:`~archgym.scenarios.Scenario` (a base class of it).

    The attributes below are set by ``Scenario.__init__``; ``from_dict`` calls it.
    """

    id: str
    description: str
    hardware: HardwareSpace
    network: NetworkSpace | None
    aggregate: str
    objective_names: tuple[str, ...]
    weights: tuple[float, ...] | None
    budgets: dict[str, float]
    mode: Literal["default", "scalesim"]
    batch: int
    _workload_docs: list[Any]
    _ref_point: np.ndarray | None

    def to_dict(self) -> dict[str, Any]:
        """The scenario as a plain document (:meth:`from_dict` builds it back).

        Raises:
            ScenarioError: the scenario holds an object that has no document form (a
                custom workload or accuracy oracle).
        """
        d: dict[str, Any] = {"id": self.id}
        if self.description:
            d["description"] = self.description
        d["hardware"] = self.hardware.to_dict()
        if self.network is not None:
            net = self.network.to_dict()
            if net.get("oracle") == "custom":
                raise ScenarioError("a scenario with a custom accuracy oracle has no document form")
            d["network"] = net
        else:
            if any(doc is None for doc in self._workload_docs):
                raise ScenarioError(
                    "a scenario with a custom Workload object has no document form; use zoo names"
                )
            docs = self._workload_docs
            d["workloads"] = docs[0] if len(docs) == 1 else list(docs)
            if len(docs) > 1:
                d["aggregate"] = self.aggregate
        d["objective"] = (
            self.objective_names[0]
            if len(self.objective_names) == 1
            else list(self.objective_names)
        )
        if self.weights is not None:
            d["weights"] = list(self.weights)
        d["budgets"] = dict(self.budgets)
        if self._ref_point is not None:
            d["ref_point"] = [float(x) for x in self._ref_point]
        if self.mode != "default":
            d["mode"] = self.mode
        if self.batch != 1:
            d["batch"] = self.batch
        return d

    def definition(self) -> dict[str, Any]:
        """The document without ``id`` and ``description`` (what the numbers depend on)."""
        d = self.to_dict()
        d.pop("id", None)
        d.pop("description", None)
        return d

    def definition_hash(self) -> str:
        """SHA-256 of :meth:`definition` (empty string when it has no document form)."""
        try:
            return stable_hash(self.definition())
        except ScenarioError:
            return ""

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any], **overrides: Any) -> Self:
        """Build a scenario from :meth:`to_dict`'s document.

        Args:
            doc: the document.
            **overrides: top-level fields to replace (``budgets``, ``objective``, ...).

        Raises:
            ScenarioError: an unknown or malformed field (the message lists the allowed ones).
        """
        if not isinstance(doc, Mapping):
            raise ScenarioError(f"a scenario document is a mapping, got {type(doc).__name__}")
        doc = {**doc, **overrides}
        unknown = sorted(set(doc) - set(_TOP_KEYS))
        if unknown:
            raise ScenarioError(
                f"scenario document: unknown field(s) {unknown}; fields: {', '.join(_TOP_KEYS)}"
            )
        hw = doc.get("hardware")
        kwargs = {k: doc[k] for k in _TOP_KEYS if k in doc and k != "hardware"}
        scenario: Self = cast(Any, cls)(hw, **kwargs)  # Scenario.__init__ takes them
        return scenario

    def to_yaml(self, path: str | os.PathLike[str] | None = None) -> str:
        """The document as YAML text, also written to ``path`` if given."""
        from .._io import dump_yaml

        return dump_yaml(self.to_dict(), path)

    @classmethod
    def from_yaml(cls, source: str | os.PathLike[str], **overrides: Any) -> Self:
        """Build from YAML text or a file (a ``Path``, or a name ending in ``.yaml``/``.yml``)."""
        from .._io import load_yaml

        doc = load_yaml(source, what="scenario document", error=ScenarioError)
        return cls.from_dict(doc, **overrides)

    def replace(self, **changes: Any) -> Self:
        """A copy with some document fields replaced (e.g. ``budgets={"area_mm2": 20}``)."""
        return self.from_dict(self.to_dict(), **changes)
