"""The base of the layer IR: :class:`Layer` (what every layer reports), its two kinds
(:class:`MacLayer` for the systolic array, :class:`VectorLayer` for the vector unit), the
:class:`GemmView` of a MAC layer, :class:`WorkloadError` and the field checks the layer
constructors share. The layers themselves are in :mod:`archgym.workloads.layers_mac` and
:mod:`archgym.workloads.layers_vector`; :mod:`archgym.workloads.layers` gathers them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar


class WorkloadError(ValueError):
    """A layer or workload definition is invalid; the message names the field."""


def _pair(value: int | tuple[int, int] | list[int], field_name: str) -> tuple[int, int]:
    if isinstance(value, bool):
        raise WorkloadError(f"{field_name} must be an int or a pair of ints, got {value!r}")
    if isinstance(value, int):
        return (value, value)
    try:
        a, b = value  # type: ignore[misc]
    except (TypeError, ValueError):
        raise WorkloadError(
            f"{field_name} must be an int or a pair of ints, got {value!r}"
        ) from None
    if (
        not isinstance(a, int)
        or not isinstance(b, int)
        or isinstance(a, bool)
        or isinstance(b, bool)
    ):
        raise WorkloadError(f"{field_name} must be an int or a pair of ints, got {value!r}")
    return (a, b)


def _positive(value: int, field_name: str, layer: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise WorkloadError(f"{layer}: {field_name} must be a positive integer, got {value!r}")


@dataclass(frozen=True)
class GemmView:
    """A MAC layer as ``groups`` independent GEMMs of ``px x W`` by ``W x F``."""

    groups: int
    px: int
    F: int
    W: int

    @property
    def macs(self) -> int:
        return self.groups * self.px * self.F * self.W


@dataclass(frozen=True, kw_only=True)
class Layer:
    """Base of every layer. ``inputs`` names the producing layers (empty: the previous
    layer, or the workload input for the first layer)."""

    name: str = ""
    inputs: tuple[str, ...] = ()

    kind: ClassVar[str] = "layer"
    is_mac: ClassVar[bool] = False

    # --- quantities every layer defines -------------------------------------------------
    @property
    def macs(self) -> int:
        return 0

    @property
    def params(self) -> int:
        """Trainable parameters (weights and biases)."""
        return 0

    @property
    def weight_elems(self) -> int:
        """Elements of the stationary (parameter) operand the array must load."""
        return 0

    @property
    def input_elems(self) -> int:
        """Activation elements read (all activation operands)."""
        raise NotImplementedError

    @property
    def output_elems(self) -> int:
        raise NotImplementedError

    @property
    def vector_ops(self) -> int:
        """Elementary operations on the vector unit (0 for MAC layers whose activation is fused)."""
        return 0

    def gemm(self) -> GemmView | None:
        return None

    def scalesim_px(self) -> int:
        """Output pixels per group under SCALE-Sim's geometry (for MAC layers; 0 otherwise)."""
        g = self.gemm()
        return g.px if g is not None else 0

    def _set_fields(self, name: str, inputs: Iterable[str], **values: Any) -> None:
        """Set the fields of this frozen layer: ``name``, ``inputs`` (as a tuple) and the
        subclass's own ``values``. For the subclasses' constructors, after their checks."""
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "inputs", tuple(inputs))
        for key, value in values.items():
            object.__setattr__(self, key, value)

    def renamed(self, name: str, inputs: tuple[str, ...] | None = None) -> Layer:
        return replace(self, name=name, inputs=self.inputs if inputs is None else tuple(inputs))

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (the YAML/JSON layer-list format)."""
        out: dict[str, Any] = {"type": type(self).__name__}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, tuple):
                v = list(v)
            out[f.name] = v
        return out


@dataclass(frozen=True, kw_only=True)
class MacLayer(Layer):
    is_mac: ClassVar[bool] = True
    activation: str | None = None  # fused activation (relu, relu6, swish, ...)

    @property
    def vector_ops(self) -> int:
        # A fused activation runs on the vector unit as the results drain (one op an element).
        return self.output_elems if self.activation else 0


@dataclass(frozen=True, kw_only=True)
class VectorLayer(Layer):
    is_mac: ClassVar[bool] = False
