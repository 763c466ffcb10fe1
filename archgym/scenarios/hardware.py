"""The hardware half of a scenario: knobs mapped onto accelerator fields, and the
vectorised acceptance of a batch of designs (:func:`archgym.accelerator.design_acceptance`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from archgym.accelerator import (
    DATAFLOWS,
    DTYPES,
    FIELD_SPECS,
    PRESETS,
    SPECS,
    AcceleratorConfig,
    ConfigBatch,
    ConfigError,
    FieldSpec,
    design_acceptance,
    rejection_message,
)
from archgym.space import Categorical, DesignSpace, Knob, Ordinal, PowerOfTwo, SpaceError

__all__ = ["ScenarioError", "HardwareSpace", "HARDWARE_FIELDS"]


class ScenarioError(ValueError):
    """A malformed scenario definition, or an unknown catalog id or override."""


#: Accelerator fields a hardware knob may set, with their kind.
HARDWARE_FIELDS: dict[str, str] = {
    "rows": "int",
    "cols": "int",
    "cores": "int",
    "lanes": "int",
    "pe_mem_kib": "float",
    "core_mem_kib": "float",
    "bandwidth_gbps": "float",
    "freq_mhz": "float",
    "dataflow": "categorical",
    "dtype": "categorical",
    "node_nm": "int",
    "dw_pixels": "int",
    "dw_channels": "int",
    "pack_groups": "flag",
}


# ------------------------------------------------------------------------------------------
# Hardware knobs
# ------------------------------------------------------------------------------------------


def _knob_from_values(name: str, values: Sequence[Any]) -> Knob:
    """A knob from a plain list of choices: strings -> categorical, a run of consecutive
    powers of two -> :class:`PowerOfTwo`, other numbers -> :class:`Ordinal`."""
    vals = list(values)
    if any(isinstance(v, str) for v in vals):
        return Categorical(name, vals)
    if (
        len(vals) > 1
        and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v > 0 for v in vals
        )
        and all(int(v) & (int(v) - 1) == 0 for v in vals)
        and all(int(b) == 2 * int(a) for a, b in zip(vals, vals[1:], strict=False))
    ):
        return PowerOfTwo(name, int(vals[0]), int(vals[-1]))
    return Ordinal(name, vals)


def _space_from_spec(spec: Any, what: str) -> DesignSpace | None:
    if spec is None:
        return None
    if isinstance(spec, DesignSpace):
        return spec
    if isinstance(spec, Mapping):
        if "knobs" in spec:
            return DesignSpace.from_dict({"knobs": spec["knobs"]})
        return DesignSpace([_knob_from_values(k, v) for k, v in spec.items()])
    if isinstance(spec, Sequence) and not isinstance(spec, str):
        items = list(spec)
        if all(isinstance(k, Knob) for k in items):
            return DesignSpace(items)
        return DesignSpace.from_dict(items)
    raise ScenarioError(
        f"{what}: expected a DesignSpace, a mapping of knob -> choices or a knob list, got {type(spec).__name__}"
    )


def _is_number(c: Any, kind: str) -> bool:
    """An int (``kind == "int"``), else an int or a float; never a bool."""
    types = (int, np.integer) if kind == "int" else (int, float, np.integer, np.floating)
    return isinstance(c, types) and not isinstance(c, (bool, np.bool_))


def _within(spec: FieldSpec, c: Any) -> bool:
    try:
        return bool(spec.within(np.float64(c)))
    except OverflowError:  # an int beyond float64
        return False


class HardwareSpace:
    """Hardware knobs mapped onto :class:`~archgym.accelerator.AcceleratorConfig` fields.

    Fields not in the space come from ``base``: a preset name, or a mapping with an
    optional ``"preset"`` (default ``"edgetpu"``) and field values.

    Raises:
        SpaceError: a knob that is not an accelerator field, or a choice the field cannot
            take (the message names the knob and the allowed values).
    """

    def __init__(
        self, space: DesignSpace | None, base: str | Mapping[str, Any] = "edgetpu"
    ) -> None:
        self.space = space
        if isinstance(base, str):
            base_doc: dict[str, Any] = {"preset": base}
        elif isinstance(base, Mapping):
            base_doc = dict(base)
            base_doc.setdefault("preset", "edgetpu")
        else:
            raise ScenarioError(
                f"base must be a preset name or a mapping, got {type(base).__name__}"
            )
        preset = base_doc["preset"]
        if preset not in PRESETS:
            raise ScenarioError(
                f"unknown accelerator preset {preset!r}; presets: {sorted(PRESETS)}"
            )
        changes = {k: v for k, v in base_doc.items() if k != "preset"}
        try:
            self.base_config = AcceleratorConfig.preset(preset, **changes)
        except ConfigError as exc:
            raise ScenarioError(f"base: {exc}") from None
        self.base_doc = base_doc
        base_values = self.base_config.to_dict()
        self.base: dict[str, Any] = {}
        # every accelerator field, knob or not (shared pool, host ops, call batch...): a field
        # the batch does not name would silently take the edgetpu preset's value
        for f in (s.name for s in FIELD_SPECS):
            v = base_values[f]
            if f == "dataflow":
                v = DATAFLOWS.index(v)
            elif f == "dtype":
                v = DTYPES.index(v)
            self.base[f] = v
        self._columns: list[tuple[str, np.ndarray]] = []
        for k in space.knobs if space is not None else ():
            self._columns.append((k.name, self._field_values(k)))

    @staticmethod
    def _field_values(k: Knob) -> np.ndarray:
        if k.name not in HARDWARE_FIELDS:
            raise SpaceError(
                f"hardware knob {k.name!r} is not an accelerator field; allowed: {', '.join(HARDWARE_FIELDS)}"
            )
        kind = HARDWARE_FIELDS[k.name]
        if kind == "flag":
            bad = [c for c in k.choices if not isinstance(c, (bool, np.bool_))]
            if bad:
                raise SpaceError(
                    f"knob {k.name!r}: value {bad[0]!r} is invalid; allowed values: True, False"
                )
            return np.array(k.choices, bool)
        if kind == "categorical":
            allowed = DATAFLOWS if k.name == "dataflow" else DTYPES
            bad = [c for c in k.choices if c not in allowed]
            if bad:
                raise SpaceError(
                    f"knob {k.name!r}: unknown value {bad[0]!r}; allowed values: {', '.join(allowed)}"
                )
            return np.array([allowed.index(c) for c in k.choices], np.int64)
        spec = SPECS[k.name]
        if spec.kind == "choice":  # node_nm
            bad = [c for c in k.choices if not _is_number(c, kind) or c not in spec.choices]
            need = f"technology nodes {list(spec.choices)}"
        else:  # the field's own bounds (FieldSpec.within), as ConfigBatch.validate checks them
            bad = [c for c in k.choices if not _is_number(c, kind) or not _within(spec, c)]
            need = f"{spec.rule()} ({spec.why})"
        if bad:
            raise SpaceError(
                f"knob {k.name!r}: value {bad[0]!r} is invalid; allowed values: {need}"
            )
        return np.array(k.choices, np.int64 if kind == "int" else np.float64)

    @property
    def n_knobs(self) -> int:
        return 0 if self.space is None else self.space.n_knobs

    def arrays(self, Xh: np.ndarray) -> dict[str, Any]:
        """Per-field arrays ``(batch,)`` (knobs) or scalars (base) of a batch of designs."""
        out = dict(self.base)
        for j, (name, vals) in enumerate(self._columns):
            out[name] = vals[Xh[:, j]]
        return out

    @staticmethod
    def check(cfg: Mapping[str, Any], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The accelerator's acceptance of a batch (:func:`archgym.accelerator.design_acceptance`,
        the rules ``ConfigBatch.validate`` raises on): ``(code, need_pe_kib, need_core_kib)``,
        each ``(n,)``; ``code`` is 0 (accepted), 1 (PE memory too small to hold one tile),
        2 (core memory too small) or 3 (another rule: a field out of its bounds, a
        half-configured depthwise engine, more than 1 TiB on chip; see :meth:`rejection`)."""
        acc = design_acceptance(cfg, n)
        return acc.code, acc.need_pe_kib, acc.need_core_kib

    @staticmethod
    def rejection(cfg: Mapping[str, Any], i: int, n: int) -> str:
        """Why the accelerator rejects design ``i`` of a batch (``""``: it accepts it): the
        message ``ConfigBatch.validate`` raises for it
        (:func:`archgym.accelerator.rejection_message`)."""
        return rejection_message(cfg, i, n)

    def batch(self, cfg: Mapping[str, Any], n: int) -> ConfigBatch:
        """The designs as a ``ConfigBatch`` of length ``n`` (not validated: see :meth:`check`)."""
        if all(np.ndim(v) == 0 for v in cfg.values()):
            cfg = {**cfg, "rows": np.full(n, cfg["rows"])}
        return ConfigBatch.from_arrays(validate=False, **cfg)

    def to_dict(self) -> dict[str, Any]:
        base: Any = self.base_doc["preset"] if len(self.base_doc) == 1 else dict(self.base_doc)
        d: dict[str, Any] = {"base": base}
        if self.space is not None:
            d["knobs"] = self.space.to_dict()["knobs"]
        return d
