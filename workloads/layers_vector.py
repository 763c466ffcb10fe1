"""Vector-unit layers (no MACs; they report ``vector_ops``): :class:`Pool` (and
:func:`GlobalPool`), :class:`Elementwise`, :class:`Concat`, :class:`Activation` (costed by
``ACTIVATION_OPS``), :class:`Softmax` and :class:`LayerNorm`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from .layers_base import VectorLayer, WorkloadError, _pair, _positive

#: Vector-unit operations per element for each activation function (a documented
#: modelling choice: piecewise-linear functions cost 1, those with an exponential or a
#: polynomial approximation cost the number of elementary operations they take).
ACTIVATION_OPS: dict[str, int] = {
    "relu": 1,
    "relu6": 1,
    "leaky_relu": 1,
    "hswish": 4,
    "hsigmoid": 3,
    "sigmoid": 4,
    "swish": 5,
    "silu": 5,
    "tanh": 4,
    "gelu": 8,
}


@dataclass(frozen=True, kw_only=True)
class Pool(VectorLayer):
    """Average or max pooling over ``kernel_size`` windows of a ``channels x H x W`` map."""

    channels: int
    kernel_size: tuple[int, int] = (2, 2)
    stride: tuple[int, int] = (2, 2)
    padding: tuple[int, int] = (0, 0)
    input_size: tuple[int, int] = (1, 1)
    mode: Literal["avg", "max"] = "avg"

    kind: ClassVar[str] = "pool"

    def __init__(
        self,
        channels: int,
        kernel_size: int | tuple[int, int] = 2,
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
        input_size: int | tuple[int, int] = (1, 1),
        mode: str = "avg",
        name: str = "",
        inputs: tuple[str, ...] | list[str] = (),
    ) -> None:
        lname = name or "pool"
        _positive(channels, "channels", lname)
        if mode not in ("avg", "max"):
            raise WorkloadError(f"{lname}: mode must be one of 'avg', 'max', got {mode!r}")
        k = _pair(kernel_size, f"{lname}: kernel_size")
        self._set_fields(
            name,
            inputs,
            channels=channels,
            kernel_size=k,
            stride=k if stride is None else _pair(stride, f"{lname}: stride"),
            padding=_pair(padding, f"{lname}: padding"),
            input_size=_pair(input_size, f"{lname}: input_size"),
            mode=mode,
        )
        for fname in ("kernel_size", "stride", "input_size"):
            for v in getattr(self, fname):
                _positive(v, fname, lname)
        oh, ow = self.output_size
        if oh < 1 or ow < 1:
            raise WorkloadError(
                f"{lname}: input_size={self.input_size} too small for kernel_size={k}"
            )

    @property
    def output_size(self) -> tuple[int, int]:
        (h, w), (kh, kw) = self.input_size, self.kernel_size
        (sh, sw), (ph, pw) = self.stride, self.padding
        return ((h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1)

    @property
    def input_elems(self) -> int:
        h, w = self.input_size
        return self.channels * h * w

    @property
    def output_elems(self) -> int:
        oh, ow = self.output_size
        return self.channels * oh * ow

    @property
    def vector_ops(self) -> int:
        kh, kw = self.kernel_size
        return self.output_elems * kh * kw


def GlobalPool(  # noqa: N802 - a constructor
    channels: int,
    input_size: int | tuple[int, int],
    mode: str = "avg",
    name: str = "",
    inputs: tuple[str, ...] | list[str] = (),
) -> Pool:
    """Global pooling: one window over the whole map."""
    size = _pair(input_size, f"{name or 'pool'}: input_size")
    return Pool(channels, size, size, 0, size, mode=mode, name=name, inputs=inputs)


@dataclass(frozen=True, kw_only=True)
class Elementwise(VectorLayer):
    """An element-wise op (``add``, ``mul``) over ``n_inputs`` tensors of ``elems`` elements."""

    elems: int
    op: Literal["add", "mul", "sub", "max"] = "add"
    n_inputs: int = 2

    kind: ClassVar[str] = "eltwise"

    def __init__(
        self,
        elems: int,
        op: str = "add",
        n_inputs: int = 2,
        name: str = "",
        inputs: tuple[str, ...] | list[str] = (),
    ) -> None:
        lname = name or "eltwise"
        _positive(elems, "elems", lname)
        _positive(n_inputs, "n_inputs", lname)
        if op not in ("add", "mul", "sub", "max"):
            raise WorkloadError(f"{lname}: op must be one of add, mul, sub, max, got {op!r}")
        self._set_fields(name, inputs, elems=elems, op=op, n_inputs=n_inputs)

    @property
    def input_elems(self) -> int:
        return self.elems * self.n_inputs

    @property
    def output_elems(self) -> int:
        return self.elems

    @property
    def vector_ops(self) -> int:
        return self.elems * max(1, self.n_inputs - 1)


@dataclass(frozen=True, kw_only=True)
class Concat(VectorLayer):
    """Channel concatenation of ``len(channels)`` maps of the same ``H x W`` (Inception,
    SqueezeNet): input ``i`` has ``channels[i]`` channels; ``inputs`` names the producers in
    order (a producer concatenated twice is named once; the workload input is not named).

    By default the concatenation is a copy: one vector operation per output element. Whether
    it can instead be a view (the producers writing straight into their slices of the output)
    is a question of the memory layout, decided by the cost model, not here.
    """

    channels: tuple[int, ...]
    input_size: tuple[int, int] = (1, 1)

    kind: ClassVar[str] = "concat"

    def __init__(
        self,
        channels: tuple[int, ...] | list[int],
        input_size: int | tuple[int, int] = (1, 1),
        name: str = "",
        inputs: tuple[str, ...] | list[str] = (),
    ) -> None:
        lname = name or "concat"
        if isinstance(channels, int | str) or not hasattr(channels, "__len__"):
            raise WorkloadError(
                f"{lname}: channels must be a list of channel counts, got {channels!r}"
            )
        chans = tuple(channels)
        if len(chans) < 2:
            raise WorkloadError(f"{lname}: channels must list at least 2 inputs, got {chans!r}")
        for c in chans:
            _positive(c, "channels", lname)
        size = _pair(input_size, f"{lname}: input_size")
        for v in size:
            _positive(v, "input_size", lname)
        if len(tuple(inputs)) > len(chans):
            raise WorkloadError(
                f"{lname}: inputs names {len(tuple(inputs))} producers but channels lists "
                f"only {len(chans)}"
            )
        self._set_fields(name, inputs, channels=chans, input_size=size)

    @property
    def out_channels(self) -> int:
        return sum(self.channels)

    @property
    def input_elems(self) -> int:
        h, w = self.input_size
        return self.out_channels * h * w

    @property
    def output_elems(self) -> int:
        return self.input_elems

    @property
    def vector_ops(self) -> int:
        # A copy: one move per element.
        return self.output_elems


@dataclass(frozen=True, kw_only=True)
class Activation(VectorLayer):
    """A stand-alone activation function over ``elems`` elements (see ``ACTIVATION_OPS``)."""

    elems: int
    fn: str = "relu"

    kind: ClassVar[str] = "activation"

    def __init__(
        self,
        elems: int,
        fn: str = "relu",
        name: str = "",
        inputs: tuple[str, ...] | list[str] = (),
    ) -> None:
        lname = name or "activation"
        _positive(elems, "elems", lname)
        if fn not in ACTIVATION_OPS:
            raise WorkloadError(f"{lname}: fn must be one of {sorted(ACTIVATION_OPS)}, got {fn!r}")
        self._set_fields(name, inputs, elems=elems, fn=fn)

    @property
    def input_elems(self) -> int:
        return self.elems

    @property
    def output_elems(self) -> int:
        return self.elems

    @property
    def vector_ops(self) -> int:
        return self.elems * ACTIVATION_OPS[self.fn]


@dataclass(frozen=True, kw_only=True)
class RowwiseLayer(VectorLayer):
    """A vector layer over the last axis (``cols``) of a ``rows x cols`` tensor, costing
    ``OPS_PER_ELEM`` vector operations an element (the base of :class:`Softmax` and
    :class:`LayerNorm`)."""

    rows: int
    cols: int

    OPS_PER_ELEM: ClassVar[int]

    def __init__(
        self, rows: int, cols: int, name: str = "", inputs: tuple[str, ...] | list[str] = ()
    ) -> None:
        lname = name or self.kind
        _positive(rows, "rows", lname)
        _positive(cols, "cols", lname)
        self._set_fields(name, inputs, rows=rows, cols=cols)

    @property
    def input_elems(self) -> int:
        return self.rows * self.cols

    @property
    def output_elems(self) -> int:
        return self.rows * self.cols

    @property
    def vector_ops(self) -> int:
        return self.rows * self.cols * self.OPS_PER_ELEM


@dataclass(frozen=True, kw_only=True, init=False)
class Softmax(RowwiseLayer):
    """Softmax over the last axis of a ``rows x cols`` tensor (``rows`` may include heads).

    Five vector operations an element: max, subtract, exponential, sum, divide."""

    kind: ClassVar[str] = "softmax"
    OPS_PER_ELEM: ClassVar[int] = 5


@dataclass(frozen=True, kw_only=True, init=False)
class LayerNorm(RowwiseLayer):
    """Layer normalisation over the last axis (``cols``) of a ``rows x cols`` tensor, with
    a scale and a shift per column. Eight vector operations an element: mean (add),
    subtract, square, variance (add), rsqrt share, multiply, scale, shift."""

    kind: ClassVar[str] = "layernorm"
    OPS_PER_ELEM: ClassVar[int] = 8

    @property
    def params(self) -> int:
        return 2 * self.cols

    @property
    def weight_elems(self) -> int:
        return 2 * self.cols
