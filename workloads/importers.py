"""Importers: a ``Workload`` from a PyTorch module or from a YAML / JSON layer list.

:func:`from_torch` traces a module with ``torch.fx.symbolic_trace`` and propagates shapes
with ``torch.fx.passes.shape_prop.ShapeProp`` on a zero input. When symbolic tracing fails
(data-dependent control flow, ``len()`` of a tensor, ...) it falls back to running the
module once on a zero tensor under ``torch.no_grad()`` with forward hooks on its leaf
``torch.nn`` modules, plus a ``TorchFunctionMode`` that sees the tensor operations written
in ``forward`` methods (residual adds, matmuls, reshapes) between those modules.

How operations map to layers:

============================================  =============================================
``nn.Conv2d`` / ``F.conv2d``                  ``Conv2d`` (any stride, padding incl. tuples
                                              and ``"same"``/``"valid"``, groups, dilation)
``nn.Linear`` / ``F.linear``                  ``Linear`` with ``tokens`` = product of the
                                              leading dimensions
``nn.BatchNorm1d/2d`` / ``F.batch_norm``      folded into the MAC layer that produces its
                                              input (no layer; BN parameters are not
                                              counted and no bias is added); a BatchNorm
                                              that cannot be folded becomes an
                                              ``Elementwise(op="mul", n_inputs=1)``
ReLU, ReLU6, GELU, SiLU, Sigmoid, Hardswish,  fused into the producing MAC layer when they
Hardsigmoid, Tanh, LeakyReLU (modules,        directly follow it and it has no other user,
functions and tensor methods)                 else an ``Activation`` layer
``MaxPool2d``, ``AvgPool2d``,                 ``Pool`` / ``GlobalPool`` (adaptive pooling
``AdaptiveAvg/MaxPool2d`` (and ``F.*``)       only when the windows are uniform;
                                              ``ceil_mode`` as one more row / column of
                                              padding, which gives the same windows)
``mean`` / ``sum`` over dimensions            ``GlobalPool`` over H, W of an NCHW tensor,
                                              else a ``Pool`` over the reduced elements
``+``, ``-``, ``*``, ``/`` (and ``torch.*``)  ``Elementwise`` naming every producing layer;
                                              ``n_inputs`` counts tensor operands
                                              (parameters included, scalars not); ``/`` is
                                              a ``mul`` by the reciprocal
``@``, ``matmul``, ``bmm``, ``mm``            ``MatMul`` between two activations; ``Gemm``
                                              (weights) when one operand is a parameter
softmax / log_softmax, ``nn.LayerNorm``       ``Softmax``, ``LayerNorm``
flatten, reshape, view, permute, transpose,   shape-only: no layer; consumers connect to
contiguous, dropout, identity, getitem,       the real producer
size, squeeze, unsqueeze, expand, chunk, ...
``torch.cat`` along the channels of          ``Concat`` naming every producer
``(1, C, H, W)`` activations
other ``torch.cat``, ``torch.stack``          shape-only: a consumer of the concatenation
                                              names *all* its producers in ``inputs``
============================================  =============================================

Anything else (``nn.LSTM``, ``nn.MultiheadAttention``, a custom autograd op, ...) raises
:class:`UnsupportedOpError` listing every unsupported op by node name and target; nothing
is dropped silently. Operations whose results never reach the module's output (e.g. the
``x.sum() > 0`` of a data-dependent branch) are not part of the workload.

The ``Workload`` IR cannot name the workload input in a layer's ``inputs``: a layer other
than the first that reads the input directly keeps only its other producers (a layer
reading nothing but the input gets empty ``inputs``); such layers are listed in
``meta["reads_workload_input"]``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .layers import (
    LAYER_TYPES,
    Activation,
    Concat,
    Conv2d,
    Elementwise,
    Gemm,
    GlobalPool,
    Layer,
    LayerNorm,
    Linear,
    MacLayer,
    MatMul,
    Pool,
    Softmax,
    WorkloadError,
)
from .workload import Workload

__all__ = ["UnsupportedOpError", "from_torch", "from_file"]


class UnsupportedOpError(WorkloadError):
    """The module contains operations the importer cannot map to layers.

    Attributes:
        ops: ``(node name, target)`` for every unsupported operation.
    """

    def __init__(self, model: str, ops: Sequence[tuple[str, str]]) -> None:
        self.ops = list(ops)
        listing = "; ".join(f"{name} ({target})" for name, target in self.ops)
        super().__init__(f"cannot import {model!r}: {len(self.ops)} unsupported op(s): {listing}")


# --------------------------------------------------------------------------------------
# Classification of operations
# --------------------------------------------------------------------------------------

#: Activation functions by (normalised) function / method name -> IR name.
_ACT_NAMES: dict[str, str] = {
    "relu": "relu",
    "relu6": "relu6",
    "gelu": "gelu",
    "silu": "swish",
    "sigmoid": "sigmoid",
    "hardswish": "hswish",
    "hardsigmoid": "hsigmoid",
    "tanh": "tanh",
    "leaky_relu": "leaky_relu",
}
_ELTWISE_NAMES: dict[str, str] = {
    "add": "add",
    "sub": "sub",
    "subtract": "sub",
    "rsub": "sub",
    "mul": "mul",
    "multiply": "mul",
    "truediv": "mul",
    "div": "mul",
    "divide": "mul",
    "maximum": "max",
}
_MATMUL_NAMES = {"matmul", "bmm", "mm"}
_SOFTMAX_NAMES = {"softmax", "log_softmax"}
_POOL_NAMES = {"max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d"}
_REDUCE_NAMES = {"mean", "sum"}
_CAT_NAMES = {"cat", "concat", "concatenate", "stack", "hstack", "vstack"}
_PASS_NAMES = {
    "flatten",
    "reshape",
    "view",
    "permute",
    "transpose",
    "swapaxes",
    "contiguous",
    "dropout",
    "dropout1d",
    "dropout2d",
    "alpha_dropout",
    "identity",
    "getitem",
    "size",
    "dim",
    "numel",
    "squeeze",
    "unsqueeze",
    "expand",
    "expand_as",
    "chunk",
    "split",
    "unbind",
    "t",
    "detach",
    "clone",
    "to",
    "float",
    "type_as",
    "view_as",
    "reshape_as",
    "getattr",
    "unflatten",
    "movedim",
    "narrow",
    "select",
    "repeat_interleave",
    "broadcast_to",
    "type",
    "cpu",
}
_SHAPE_QUERIES = {"size", "dim", "numel", "getattr", "__get__", "get"}


def _norm_name(fn: Any) -> str:
    """Normalised name of a function, method descriptor or method name string."""
    name = fn if isinstance(fn, str) else getattr(fn, "__name__", None) or type(fn).__name__
    if name.startswith("__") and name.endswith("__") and len(name) > 4:
        name = name[2:-2]
        if name[:1] in ("i", "r") and name[1:] in _ELTWISE_NAMES.keys() | {"matmul", "truediv"}:
            name = name[1:]
    elif name in ("iadd", "isub", "imul", "itruediv", "imatmul"):
        name = name[1:]
    if name.endswith("_") and not name.endswith("__"):
        name = name[:-1]  # in-place variant (relu_, add_)
    return name


def _is_torch_function(fn: Any) -> bool:
    """True for functions of torch, operator or builtins and for tensor methods (by name)."""
    if isinstance(fn, str):
        return True
    mod = getattr(fn, "__module__", None) or ""
    qual = getattr(fn, "__qualname__", "") or ""
    return (
        mod.startswith("torch")
        or mod in ("_operator", "operator", "builtins", "math")
        or qual.startswith(
            ("TensorBase.", "Tensor.", "_VariableFunctionsClass.", "getset_descriptor")
        )
    )


def _classify_function(fn: Any) -> tuple[str, Any] | None:
    """``(category, detail)`` for a function / method target, ``None`` when unsupported."""
    if not _is_torch_function(fn):
        return None
    name = _norm_name(fn)
    if name in _ACT_NAMES:
        return ("act", _ACT_NAMES[name])
    if name in _ELTWISE_NAMES:
        return ("eltwise", _ELTWISE_NAMES[name])
    if name in _MATMUL_NAMES:
        return ("matmul", name)
    if name == "linear":
        return ("linear_fn", None)
    if name == "conv2d":
        return ("conv_fn", None)
    if name == "batch_norm":
        return ("bn", None)
    if name == "layer_norm":
        return ("layernorm_fn", None)
    if name in _SOFTMAX_NAMES:
        return ("softmax", None)
    if name in _POOL_NAMES:
        return ("pool_fn", name)
    if name in _REDUCE_NAMES:
        return ("reduce", name)
    if name in _CAT_NAMES:
        return ("cat", name)
    if name in _PASS_NAMES or name in _SHAPE_QUERIES:
        return ("pass", name)
    if name in (
        "floordiv",
        "pow",
        "neg",
        "eq",
        "ne",
        "lt",
        "le",
        "gt",
        "ge",
        "sqrt",
        "floor",
        "ceil",
        "int",
    ):
        # Python / math scalar arithmetic; a tensor-valued use is reported in _convert.
        return ("scalar", name)
    return None


def _module_table() -> dict[type, tuple[str, Any]]:
    import torch.nn as nn

    table: dict[type, tuple[str, Any]] = {
        nn.Conv2d: ("conv", None),
        nn.Linear: ("linear", None),
        nn.BatchNorm1d: ("bn", None),
        nn.BatchNorm2d: ("bn", None),
        nn.LayerNorm: ("layernorm", None),
        nn.ReLU: ("act", "relu"),
        nn.ReLU6: ("act", "relu6"),
        nn.GELU: ("act", "gelu"),
        nn.SiLU: ("act", "swish"),
        nn.Sigmoid: ("act", "sigmoid"),
        nn.Hardswish: ("act", "hswish"),
        nn.Hardsigmoid: ("act", "hsigmoid"),
        nn.Tanh: ("act", "tanh"),
        nn.LeakyReLU: ("act", "leaky_relu"),
        nn.MaxPool2d: ("pool", "max"),
        nn.AvgPool2d: ("pool", "avg"),
        nn.AdaptiveAvgPool2d: ("adaptive_pool", "avg"),
        nn.AdaptiveMaxPool2d: ("adaptive_pool", "max"),
        nn.Softmax: ("softmax", None),
        nn.LogSoftmax: ("softmax", None),
        nn.Flatten: ("pass", "flatten"),
        nn.Unflatten: ("pass", "unflatten"),
        nn.Dropout: ("pass", "dropout"),
        nn.Dropout1d: ("pass", "dropout"),
        nn.Dropout2d: ("pass", "dropout"),
        nn.AlphaDropout: ("pass", "dropout"),
        nn.Identity: ("pass", "identity"),
    }
    return table


def _classify_module(mod: Any, table: dict[type, tuple[str, Any]]) -> tuple[str, Any] | None:
    for cls in type(mod).__mro__:
        if cls in table:
            return table[cls]
    import torch.nn as nn

    if isinstance(mod, nn.Sequential | nn.ModuleList | nn.ModuleDict) and not len(mod):
        return ("pass", "identity")
    return None


def _describe_target(kind: str, target: Any) -> str:
    if kind == "module":
        cls = type(target)
        return f"call_module {cls.__module__}.{cls.__qualname__}"
    if isinstance(target, str):
        return f"call_method {target}"
    mod = getattr(target, "__module__", None) or ""
    qual = getattr(target, "__qualname__", None) or getattr(target, "__name__", repr(target))
    return f"call_function {mod + '.' if mod else ''}{qual}"


# --------------------------------------------------------------------------------------
# A traced program in one form for both tracers
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ref:
    """Reference to the value of op ``index`` in a ``_Program``."""

    index: int


@dataclass
class _Op:
    name: str
    kind: str  # "input", "const", "module", "function"
    target: Any  # nn.Module, function, or method-name string
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    shape: tuple[int, ...] | None = None  # output shape when the output is one tensor
    tensor: bool = False  # the output is a tensor or a tuple of tensors
    category: tuple[str, Any] | None = None

    @property
    def out_shape(self) -> tuple[int, ...]:
        """The output shape of a one-tensor op (the only ops the layer converters see)."""
        if self.shape is None:  # the TypeError indexing None raised before
            raise TypeError(f"{self.name}: the op has no single output tensor")
        return self.shape


def _refs(value: Any) -> list[_Ref]:
    """All ``_Ref`` in a nested args structure, in order."""
    out: list[_Ref] = []
    if isinstance(value, _Ref):
        out.append(value)
    elif isinstance(value, list | tuple):
        for v in value:
            out.extend(_refs(v))
    elif isinstance(value, dict):
        for v in value.values():
            out.extend(_refs(v))
    return out


def _arg(op: _Op, pos: int, name: str, default: Any = None) -> Any:
    if name in op.kwargs:
        return op.kwargs[name]
    if len(op.args) > pos:
        return op.args[pos]
    return default


# --------------------------------------------------------------------------------------
# Conversion of a program to layers
# --------------------------------------------------------------------------------------


class _Unrepresentable(Exception):  # noqa: N818 - internal signal, collected into UnsupportedOpError
    """A supported op whose arguments have no layer equivalent (reported with the rest)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(reason)
        self.name, self.reason = name, reason


def _numel(shape: Sequence[int]) -> int:
    return math.prod(int(s) for s in shape)


def _pair(v: Any) -> tuple[int, int]:
    if isinstance(v, int):
        return (v, v)
    v = tuple(int(x) for x in v)
    return (v[0], v[0]) if len(v) == 1 else (v[0], v[1])


class _Converter:
    def __init__(self, ops: list[_Op], outputs: list[_Ref], model: str) -> None:
        self.ops = ops
        self.outputs = outputs
        self.model = model
        self.layers: list[Layer] = []
        self.layer_index: dict[str, int] = {}
        # per op: "act" (an activation produced by layers), "const", or None (not a tensor)
        self.value: dict[int, str | None] = {}
        self.producers: dict[int, tuple[str, ...]] = {}  # () = the workload input
        self.fusable: dict[int, str | None] = {}  # op -> MAC layer whose raw output it is
        self.users: dict[int, int] = {}
        self.reads_input: list[str] = []
        self.bn_folded = 0
        self.problems: list[tuple[str, str]] = []

    # --- graph bookkeeping -------------------------------------------------------------
    def live_ops(self) -> list[int]:
        live: set[int] = set()
        stack = [r.index for r in self.outputs]
        while stack:
            i = stack.pop()
            if i in live:
                continue
            live.add(i)
            op = self.ops[i]
            stack.extend(r.index for r in _refs((op.args, op.kwargs)))
        order = sorted(live)
        for i in order:
            for r in {r.index for r in _refs((self.ops[i].args, self.ops[i].kwargs))}:
                self.users[r] = self.users.get(r, 0) + 1
        for out in self.outputs:
            self.users[out.index] = self.users.get(out.index, 0) + 1
        return order

    def unsupported(self, order: list[int]) -> list[tuple[str, str]]:
        """Live ops computed from the input that map to no layer (constants are exempt)."""
        bad = []
        derived: set[int] = set()
        for i in order:
            op = self.ops[i]
            if op.kind == "input":
                derived.add(i)
                continue
            if op.kind == "const" or not any(
                r.index in derived for r in _refs((op.args, op.kwargs))
            ):
                continue
            derived.add(i)
            if op.category is None or (op.category[0] == "scalar" and op.tensor):
                bad.append((op.name, _describe_target(op.kind, op.target)))
        return bad

    def _unique(self, name: str) -> str:
        base = name or "layer"
        cand, k = base, 1
        while cand in self.layer_index:
            k += 1
            cand = f"{base}_{k}"
        return cand

    def _emit(self, layer: Layer, srcs: Sequence[tuple[str, ...]]) -> str:
        """Append ``layer`` reading the values whose producers are ``srcs``."""
        names: list[str] = []
        reads_input = False
        for p in srcs:
            if p == ():
                reads_input = True
            for n in p:
                if n not in names:
                    names.append(n)
        prev = self.layers[-1].name if self.layers else None
        if reads_input and self.layers:
            self.reads_input.append(layer.name)
        if (prev is None and not names) or (prev is not None and names == [prev]):
            inputs: tuple[str, ...] = ()
        else:
            inputs = tuple(names)
        layer = layer.renamed(layer.name, inputs)
        self.layer_index[layer.name] = len(self.layers)
        self.layers.append(layer)
        return layer.name

    def shape(self, r: Any) -> tuple[int, ...]:
        if not isinstance(r, _Ref):
            raise WorkloadError(f"{self.model}: expected a tensor operand, got {r!r}")
        s = self.ops[r.index].shape
        if s is None:
            raise WorkloadError(f"{self.model}: no shape for {self.ops[r.index].name!r}")
        return s

    def act_refs(self, op: _Op) -> list[_Ref]:
        seen: list[_Ref] = []
        for r in _refs((op.args, op.kwargs)):
            if self.value.get(r.index) == "act" and r not in seen:
                seen.append(r)
        return seen

    def tensor_refs(self, op: _Op) -> list[_Ref]:
        return [
            r for r in _refs((op.args, op.kwargs)) if self.value.get(r.index) in ("act", "const")
        ]

    # --- main loop ----------------------------------------------------------------------
    def run(self, order: list[int]) -> list[Layer]:
        for i in order:
            op = self.ops[i]
            if op.kind == "input":
                self.value[i], self.producers[i], self.fusable[i] = "act", (), None
                continue
            if op.kind == "const":
                self.value[i] = "const" if op.tensor else None
                continue
            if not op.tensor:
                self.value[i] = None  # a shape query or scalar arithmetic
                continue
            acts = self.act_refs(op)
            if not acts:
                self.value[i] = "const"  # computed from parameters / constants only
                continue
            self.value[i] = "act"
            self.fusable[i] = None
            cat, detail = op.category  # type: ignore[misc]
            handler: Callable[[int, _Op, list[_Ref], Any], None] = getattr(self, f"_do_{cat}")
            try:
                handler(i, op, acts, detail)
            except _Unrepresentable as exc:
                self.problems.append((exc.name, exc.reason))
                self._do_pass(i, op, acts, None)  # carry on to report every problem at once
        if self.problems:
            raise UnsupportedOpError(self.model, self.problems)
        return self.layers

    def _set(self, i: int, name: str, fusable: bool) -> None:
        self.producers[i] = (name,)
        self.fusable[i] = name if fusable else None

    def _srcs(self, refs: Sequence[_Ref]) -> list[tuple[str, ...]]:
        return [self.producers[r.index] for r in refs]

    # --- handlers -----------------------------------------------------------------------
    def _do_pass(self, i: int, op: _Op, acts: list[_Ref], detail: Any) -> None:
        prods: list[str] = []
        reads_input = False
        for r in acts:
            p = self.producers[r.index]
            reads_input |= p == ()
            prods.extend(n for n in p if n not in prods)
        # () when every operand is the workload input; a mix keeps only the layer names
        self.producers[i] = tuple(prods)
        src = acts[0].index
        self.fusable[i] = (
            self.fusable.get(src) if len(acts) == 1 and self.users.get(src, 0) == 1 else None
        )

    def _do_cat(self, i: int, op: _Op, acts: list[_Ref], name: str) -> None:
        """``torch.cat`` of ``(1, C, H, W)`` activations along the channels is a ``Concat``;
        any other concatenation (another axis or rank, ``stack``, a constant operand) stays
        shape-only: its consumer names all its producers."""
        tensors = _arg(op, 0, "tensors")
        dim = _arg(op, 1, "dim", 0)
        if (
            name in ("cat", "concat", "concatenate")
            and isinstance(tensors, list | tuple)
            and len(tensors) >= 2
            and all(isinstance(t, _Ref) and self.value.get(t.index) == "act" for t in tensors)
        ):
            shapes = [self.shape(t) for t in tensors]
            if (
                dim in (1, -3)
                and all(len(sh) == 4 and sh[0] == 1 for sh in shapes)
                and all(sh[2:] == shapes[0][2:] for sh in shapes)
            ):
                layer = Concat(
                    [int(sh[1]) for sh in shapes],
                    (int(shapes[0][2]), int(shapes[0][3])),
                    name=self._unique(op.name),
                )
                self._set(i, self._emit(layer, self._srcs(tensors)), False)
                return
        self._do_pass(i, op, acts, name)

    def _conv_layer(
        self,
        op: _Op,
        x: _Ref,
        out_shape: tuple[int, ...],
        cin: int,
        cout: int,
        kernel: tuple[int, int],
        stride: Any,
        padding: Any,
        dilation: Any,
        groups: int,
        bias: bool,
    ) -> Conv2d:
        in_shape = self.shape(x)
        if len(in_shape) == 4 and in_shape[0] != 1:
            raise WorkloadError(
                f"{self.model}: {op.name}: batch {in_shape[0]} > 1 is not supported (use batch 1)"
            )
        hw = (int(in_shape[-2]), int(in_shape[-1]))
        stride, dilation = _pair(stride), _pair(dilation)
        if isinstance(padding, str):
            if padding == "valid":
                padding = (0, 0)
            elif padding == "same":
                tot = [d * (k - 1) for d, k in zip(dilation, kernel, strict=True)]
                if any(t % 2 for t in tot):
                    raise _Unrepresentable(
                        op.name, "padding='same' with an even dilated kernel (asymmetric padding)"
                    )
                padding = (tot[0] // 2, tot[1] // 2)
            else:
                raise WorkloadError(f"{self.model}: {op.name}: unknown padding {padding!r}")
        layer = Conv2d(
            cin,
            cout,
            kernel,
            stride,
            _pair(padding),
            groups=groups,
            dilation=dilation,
            input_size=hw,
            bias=bias,
            name=self._unique(op.name),
        )
        if layer.output_size != tuple(out_shape[-2:]):
            raise WorkloadError(
                f"{self.model}: {op.name}: computed output {layer.output_size} != traced {tuple(out_shape[-2:])}"
            )
        return layer

    def _do_conv(self, i: int, op: _Op, acts: list[_Ref], detail: Any) -> None:
        m = op.target  # any padding_mode: reflect/replicate/circular cost what zeros cost
        x = op.args[0]
        layer = self._conv_layer(
            op,
            x,
            op.out_shape,
            m.in_channels,
            m.out_channels,
            tuple(m.kernel_size),
            m.stride,
            m.padding,
            m.dilation,
            m.groups,
            m.bias is not None,
        )
        self._set(i, self._emit(layer, self._srcs([x])), True)

    def _do_conv_fn(self, i: int, op: _Op, acts: list[_Ref], detail: Any) -> None:
        x, w = op.args[0], _arg(op, 1, "weight")
        wshape = self.shape(w)
        groups = int(_arg(op, 6, "groups", 1))
        bias = _arg(op, 2, "bias") is not None
        layer = self._conv_layer(
            op,
            x,
            op.out_shape,
            wshape[1] * groups,
            wshape[0],
            (wshape[2], wshape[3]),
            _arg(op, 3, "stride", 1),
            _arg(op, 4, "padding", 0),
            _arg(op, 5, "dilation", 1),
            groups,
            bias,
        )
        self._set(i, self._emit(layer, self._srcs([x])), True)

    def _gemm(self, i: int, op: _Op, x: _Ref, k: int, n: int, bias: bool) -> None:
        in_shape = self.shape(x)
        tokens = _numel(in_shape[:-1])
        layer = Linear(k, n, tokens=tokens, bias=bias, name=self._unique(op.name))
        self._set(i, self._emit(layer, self._srcs([x])), True)

    def _do_linear(self, i: int, op: _Op, acts: list[_Ref], detail: Any) -> None:
        m = op.target
        self._gemm(i, op, op.args[0], m.in_features, m.out_features, m.bias is not None)

    def _do_linear_fn(self, i: int, op: _Op, acts: list[_Ref], detail: Any) -> None:
        w = _arg(op, 1, "weight")
        if self.value.get(getattr(w, "index", -1)) == "act":
            raise _Unrepresentable(op.name, "F.linear with an activation as weight")
        n, k = self.shape(w)
        self._gemm(i, op, op.args[0], k, n, _arg(op, 2, "bias") is not None)

    def _do_bn(self, i: int, op: _Op, acts: list[_Ref], detail: Any) -> None:
        x = acts[0].index
        mac = self.fusable.get(x)
        if mac is not None and self.users.get(x, 0) == 1:
            self.bn_folded += 1
            self.producers[i] = self.producers[x]
            self.fusable[i] = mac
            return
        layer = Elementwise(_numel(op.out_shape), "mul", n_inputs=1, name=self._unique(op.name))
        self._set(i, self._emit(layer, self._srcs(acts[:1])), False)

    def _do_act(self, i: int, op: _Op, acts: list[_Ref], fn: str) -> None:
        x = acts[0].index
        mac = self.fusable.get(x)
        if mac is not None and self.users.get(x, 0) == 1:
            idx = self.layer_index[mac]
            layer = self.layers[idx]
            if isinstance(layer, MacLayer) and layer.activation is None:
                self.layers[idx] = replace(layer, activation=fn)
                self._set(i, mac, False)
                return
        layer = Activation(_numel(op.out_shape), fn=fn, name=self._unique(op.name))
        self._set(i, self._emit(layer, self._srcs(acts[:1])), False)

    def _pool(
        self,
        i: int,
        op: _Op,
        x: _Ref,
        mode: str,
        kernel: Any,
        stride: Any,
        padding: Any,
        dilation: Any = 1,
        ceil_mode: bool = False,
    ) -> None:
        in_shape = self.shape(x)
        if len(in_shape) not in (3, 4) or (len(in_shape) == 4 and in_shape[0] != 1):
            raise WorkloadError(
                f"{self.model}: {op.name}: pooling needs a (1, C, H, W) or (C, H, W) input"
            )
        if _pair(dilation) != (1, 1):
            raise _Unrepresentable(op.name, "pooling with dilation")
        kernel = _pair(kernel)
        stride = kernel if stride is None or stride == [] or stride == () else _pair(stride)
        layer = Pool(
            in_shape[-3],
            kernel,
            stride,
            _pair(padding),
            input_size=(in_shape[-2], in_shape[-1]),
            mode=mode,
            name=self._unique(op.name),
        )
        want = tuple(op.out_shape[-2:])
        if ceil_mode and layer.output_size != want:
            # ceil mode adds a last window that overhangs the input: the same windows as
            # floor mode with one more row / column of padding on the short axis.
            ph, pw = (
                p + (1 if got < w else 0)
                for p, got, w in zip(layer.padding, layer.output_size, want, strict=True)
            )
            layer = replace(layer, padding=(ph, pw))
        if layer.output_size != want:
            raise _Unrepresentable(
                op.name,
                f"pooling output {tuple(op.out_shape[-2:])} not representable (ceil_mode={ceil_mode})",
            )
        self._set(i, self._emit(layer, self._srcs([x])), False)

    def _adaptive(self, i: int, op: _Op, x: _Ref, mode: str) -> None:
        in_shape = self.shape(x)
        (h, w), (oh, ow) = in_shape[-2:], op.out_shape[-2:]
        if h % oh or w % ow:
            raise _Unrepresentable(
                op.name, f"adaptive pooling {h}x{w} -> {oh}x{ow} (non-uniform windows)"
            )
        if (oh, ow) == (1, 1):
            if len(in_shape) == 4 and in_shape[0] != 1:
                raise WorkloadError(f"{self.model}: {op.name}: batch > 1 is not supported")
            layer = GlobalPool(in_shape[-3], (h, w), mode=mode, name=self._unique(op.name))
            self._set(i, self._emit(layer, self._srcs([x])), False)
            return
        self._pool(i, op, x, mode, (h // oh, w // ow), (h // oh, w // ow), 0)

    def _do_pool(self, i: int, op: _Op, acts: list[_Ref], mode: str) -> None:
        m = op.target
        self._pool(
            i,
            op,
            op.args[0],
            mode,
            m.kernel_size,
            m.stride,
            m.padding,
            getattr(m, "dilation", 1),
            m.ceil_mode,
        )

    def _do_adaptive_pool(self, i: int, op: _Op, acts: list[_Ref], mode: str) -> None:
        self._adaptive(i, op, op.args[0], mode)

    def _do_pool_fn(self, i: int, op: _Op, acts: list[_Ref], name: str) -> None:
        x = op.args[0]
        if name.startswith("adaptive"):
            self._adaptive(i, op, x, "avg" if "avg" in name else "max")
            return
        if name == "max_pool2d":
            self._pool(
                i,
                op,
                x,
                "max",
                _arg(op, 1, "kernel_size"),
                _arg(op, 2, "stride"),
                _arg(op, 3, "padding", 0),
                _arg(op, 4, "dilation", 1),
                _arg(op, 5, "ceil_mode", False),
            )
        else:
            self._pool(
                i,
                op,
                x,
                "avg",
                _arg(op, 1, "kernel_size"),
                _arg(op, 2, "stride"),
                _arg(op, 3, "padding", 0),
                1,
                _arg(op, 4, "ceil_mode", False),
            )

    def _do_reduce(self, i: int, op: _Op, acts: list[_Ref], name: str) -> None:
        x = op.args[0]
        in_shape = self.shape(x)
        nd = len(in_shape)
        dims = _arg(op, 1, "dim")
        if dims is None:
            dims = tuple(range(nd))
        elif isinstance(dims, int):
            dims = (dims,)
        dims = sorted({int(d) % nd for d in dims})
        out_elems = max(1, _numel(op.out_shape))
        red = _numel(in_shape) // out_elems
        if nd == 4 and dims == [2, 3]:
            layer: Layer = GlobalPool(
                in_shape[0] * in_shape[1], (in_shape[2], in_shape[3]), name=self._unique(op.name)
            )
        else:
            layer = Pool(
                out_elems, (red, 1), (red, 1), 0, input_size=(red, 1), name=self._unique(op.name)
            )
        self._set(i, self._emit(layer, self._srcs([x])), False)

    def _do_eltwise(self, i: int, op: _Op, acts: list[_Ref], kind: str) -> None:
        n_tensors = len(self.tensor_refs(op))
        layer = Elementwise(
            _numel(op.out_shape), kind, n_inputs=max(1, n_tensors), name=self._unique(op.name)
        )
        self._set(i, self._emit(layer, self._srcs(acts)), False)

    def _do_matmul(self, i: int, op: _Op, acts: list[_Ref], detail: Any) -> None:
        a, b = op.args[0], op.args[1]
        sa, sb = self.shape(a), self.shape(b)
        a_act = self.value.get(a.index) == "act"
        b_act = self.value.get(b.index) == "act"
        if a_act and b_act:
            k = sa[-1]
            m = sa[-2] if len(sa) >= 2 else 1
            n = sb[-1] if len(sb) >= 2 else 1
            batch = max(1, _numel(op.out_shape) // (m * n))
            layer: Layer = MatMul(batch, m, n, k, name=self._unique(op.name))
            self._set(i, self._emit(layer, self._srcs([a, b])), True)
            return
        if a_act:  # x @ W with W a parameter (k x n)
            if len(sb) != 2:
                raise _Unrepresentable(op.name, "matmul with a batched parameter")
            self._gemm(i, op, a, sb[0], sb[1], False)
            return
        # W @ x: the transposed GEMM x^T W^T, rows = the columns of x
        if len(sa) != 2:
            raise _Unrepresentable(op.name, "matmul with a batched parameter")
        rows = _numel(op.out_shape) // sa[0]
        layer = Gemm(rows, sa[0], sa[1], weights=True, name=self._unique(op.name))
        self._set(i, self._emit(layer, self._srcs([b])), True)

    def _do_softmax(self, i: int, op: _Op, acts: list[_Ref], detail: Any) -> None:
        shape = op.out_shape
        dim = op.target.dim if op.kind == "module" else _arg(op, 1, "dim")
        cols = shape[-1] if dim is None else shape[int(dim) % len(shape)]
        layer = Softmax(_numel(shape) // cols, cols, name=self._unique(op.name))
        self._set(i, self._emit(layer, self._srcs(acts[:1])), False)

    def _layernorm(self, i: int, op: _Op, acts: list[_Ref], normalized: Any) -> None:
        normalized = (normalized,) if isinstance(normalized, int) else tuple(normalized)
        cols = _numel(normalized)
        layer = LayerNorm(_numel(op.out_shape) // cols, cols, name=self._unique(op.name))
        self._set(i, self._emit(layer, self._srcs(acts[:1])), False)

    def _do_layernorm(self, i: int, op: _Op, acts: list[_Ref], detail: Any) -> None:
        self._layernorm(i, op, acts, op.target.normalized_shape)

    def _do_layernorm_fn(self, i: int, op: _Op, acts: list[_Ref], detail: Any) -> None:
        self._layernorm(i, op, acts, _arg(op, 1, "normalized_shape"))


def _check_supported(
    ops: list[_Op], outputs: list[_Ref], model: str
) -> tuple[_Converter, list[int]]:
    """A converter over the live ops; raises ``UnsupportedOpError`` listing every bad op."""
    conv = _Converter(ops, outputs, model)
    order = conv.live_ops()
    bad = conv.unsupported(order)
    if bad:
        raise UnsupportedOpError(model, bad)
    return conv, order


# --------------------------------------------------------------------------------------
# Tracers
# --------------------------------------------------------------------------------------


def _shape_of(value: Any) -> tuple[tuple[int, ...] | None, bool]:
    """(shape if a single tensor, whether it is a tensor or a structure of tensors)."""
    import torch

    if isinstance(value, torch.Tensor):
        return tuple(int(s) for s in value.shape), True
    if (
        isinstance(value, list | tuple)
        and value
        and all(isinstance(v, torch.Tensor) for v in value)
    ):
        return None, True
    return None, False


def _trace_fx(module: Any, example: Any) -> tuple[list[_Op], list[_Ref]]:
    """Symbolically trace ``module``; shapes come from ShapeProp on ``example``."""
    import torch.fx
    from torch.fx.passes.shape_prop import ShapeProp

    gm = torch.fx.symbolic_trace(module)
    table = _module_table()
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    if len(placeholders) != 1:
        raise WorkloadError(f"from_torch supports modules with one input; got {len(placeholders)}")
    index: dict[Any, int] = {}
    ops: list[_Op] = []
    outputs: list[_Ref] = []
    pending: list[tuple[Any, _Op]] = []

    def to_ref(a: Any) -> Any:
        return _Ref(index[a])

    for node in gm.graph.nodes:
        if node.op == "output":
            outputs = _refs(torch.fx.node.map_arg(node.args, to_ref))
            continue
        args = torch.fx.node.map_arg(node.args, to_ref)
        kwargs = dict(torch.fx.node.map_arg(node.kwargs, to_ref))
        if node.op == "placeholder":
            op = _Op(node.name, "input", None)
        elif node.op == "get_attr":
            op = _Op(node.name, "const", node.target)
        elif node.op == "call_module":
            mod = gm.get_submodule(node.target)
            op = _Op(
                str(node.target), "module", mod, args, kwargs, category=_classify_module(mod, table)
            )
        elif node.op == "call_method":
            op = _Op(
                node.name,
                "function",
                node.target,
                args,
                kwargs,
                category=_classify_function(node.target),
            )
        else:  # call_function
            op = _Op(
                node.name,
                "function",
                node.target,
                args,
                kwargs,
                category=_classify_function(node.target),
            )
        index[node] = len(ops)
        ops.append(op)
        pending.append((node, op))

    # Report unsupported ops before running anything (tensor-valued scalar ops are caught
    # again once shapes are known).
    _check_supported(ops, outputs, type(module).__name__)

    import contextlib
    import io

    with contextlib.redirect_stderr(io.StringIO()):  # ShapeProp prints a failure's traceback
        ShapeProp(gm).propagate(example)
    for node, op in pending:
        tm = node.meta.get("tensor_meta")
        if tm is None:
            op.shape, op.tensor = None, False
        elif hasattr(tm, "shape"):
            op.shape, op.tensor = tuple(int(s) for s in tm.shape), True
        else:
            op.shape, op.tensor = None, True
    return ops, outputs


def _trace_hooks(module: Any, example: Any) -> tuple[list[_Op], list[_Ref]]:
    """Run ``module`` once, recording leaf ``torch.nn`` modules (hooks) and the tensor
    operations between them (a ``TorchFunctionMode``)."""
    import torch
    from torch.overrides import TorchFunctionMode
    from torch.utils._pytree import tree_leaves

    table = _module_table()
    ops: list[_Op] = [_Op("input", "input", None, shape=tuple(example.shape), tensor=True)]
    produced: dict[int, int] = {id(example): 0}
    running: list[str] = []  # the atomic modules being run, outermost first
    failed: list[str] = []  # the operation that raised, as "module > op"

    def _call(func: Any, args: Any, kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception:
            if not failed:
                where = running[-1] if running else type(module).__name__
                failed.append(f"{where} > {_norm_name(func)}")
            raise

    keep: list[Any] = [example]  # keep tensors alive so that their ids stay unique
    depth = [0]
    counts: dict[str, int] = {}
    names = {m: n for n, m in module.named_modules()}
    params = {id(p): n for n, p in module.named_parameters()} | {
        id(b): n for n, b in module.named_buffers()
    }

    def to_args(value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            if id(value) in produced:
                return _Ref(produced[id(value)])
            ops.append(
                _Op(
                    params.get(id(value), f"const{len(ops)}"),
                    "const",
                    None,
                    shape=tuple(value.shape),
                    tensor=True,
                )
            )
            produced[id(value)] = len(ops) - 1
            keep.append(value)
            return _Ref(len(ops) - 1)
        if isinstance(value, list | tuple):
            return tuple(to_args(v) for v in value)
        if isinstance(value, dict):
            return {k: to_args(v) for k, v in value.items()}
        return value

    def record(op: _Op, out: Any) -> None:
        op.shape, op.tensor = _shape_of(out)
        ops.append(op)
        idx = len(ops) - 1
        for t in tree_leaves(out):
            if isinstance(t, torch.Tensor):
                produced[id(t)] = idx
                keep.append(t)
        if isinstance(out, list | tuple) and op.tensor:
            # element access on a tuple output is a getitem on this op
            for j, t in enumerate(out):
                if isinstance(t, torch.Tensor):
                    ops.append(
                        _Op(
                            f"{op.name}[{j}]",
                            "function",
                            "getitem",
                            (_Ref(idx), j),
                            shape=tuple(t.shape),
                            tensor=True,
                            category=("pass", "getitem"),
                        )
                    )
                    produced[id(t)] = len(ops) - 1

    class Recorder(TorchFunctionMode):
        def __torch_function__(
            self, func: Any, types: Any, args: Any = (), kwargs: Any = None
        ) -> Any:
            kwargs = kwargs or {}
            if depth[0] > 0:
                return _call(func, args, kwargs)
            rargs, rkwargs = to_args(args), to_args(kwargs)
            out = _call(func, args, kwargs)
            _, is_tensor = _shape_of(out)
            if is_tensor:
                base = _norm_name(func)
                k = counts.get(base, 0)
                counts[base] = k + 1
                name = base if k == 0 else f"{base}_{k}"  # torch.fx's naming
                record(
                    _Op(name, "function", func, rargs, rkwargs, category=_classify_function(func)),
                    out,
                )
            return out

    hooked: list[Any] = []

    def is_atomic(m: Any) -> bool:
        # As torch.fx's leaf rule: modules of torch.nn (known or not, e.g. nn.LSTM or
        # nn.MultiheadAttention) but containers are atomic; user-defined modules are
        # transparent: their tensor operations are recorded one by one.
        if _classify_module(m, table) is not None:
            return True
        containers = (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict)
        return type(m).__module__.startswith(("torch.nn", "torch.ao.nn")) and not isinstance(
            m, containers
        )

    pending_args: dict[int, list[Any]] = {}

    def pre_hook(m: Any, args: Any, kwargs: Any) -> None:
        running.append(names.get(m, type(m).__name__) or type(m).__name__)
        if depth[0] == 0:
            pending_args.setdefault(id(m), []).append((to_args(args), to_args(kwargs)))
        depth[0] += 1

    def post_hook(m: Any, args: Any, kwargs: Any, out: Any) -> None:
        running.pop()
        depth[0] -= 1
        if depth[0] == 0:
            rargs, rkwargs = pending_args[id(m)].pop()
            record(
                _Op(
                    names.get(m, type(m).__name__),
                    "module",
                    m,
                    rargs,
                    rkwargs,
                    category=_classify_module(m, table),
                ),
                out,
            )

    for m in module.modules():
        if is_atomic(m):
            hooked.append(m.register_forward_pre_hook(pre_hook, with_kwargs=True))
            hooked.append(m.register_forward_hook(post_hook, with_kwargs=True))
    try:
        with Recorder():
            out = module(example)
    except WorkloadError:
        raise
    except Exception as exc:  # torch's own error: say which module and op raised it
        where = failed[0] if failed else (running[-1] if running else type(module).__name__)
        msg = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        raise WorkloadError(
            f"{type(module).__name__}: running the module on an input of shape "
            f"{tuple(example.shape)} failed in {where}: {type(exc).__name__}: {msg}"
        ) from exc
    finally:
        for h in hooked:
            h.remove()
    outputs = [
        _Ref(produced[id(t)])
        for t in tree_leaves(out)
        if isinstance(t, torch.Tensor) and id(t) in produced
    ]
    if not outputs:
        raise WorkloadError(
            f"{type(module).__name__}: the module output is not a tensor computed from the input"
        )
    return ops, outputs


#: Largest sample ``from_torch`` traces, in elements (2^26: a 3 x 4096 x 4096 image fits;
#: the module is run once on one sample, so its activations must fit in memory too).
MAX_TORCH_INPUT_ELEMS = 1 << 26
#: Largest batch (first dimension of ``input_shape``) ``from_torch`` accepts.
MAX_TORCH_BATCH = 1 << 16


def _check_input_shape(input_shape: Any, model: str) -> tuple[int, ...]:
    """``input_shape`` as a tuple of positive ints, checked before anything is allocated."""
    import numbers

    if isinstance(input_shape, str | bytes) or not hasattr(input_shape, "__len__"):
        raise WorkloadError(
            f"{model}: input_shape must be a sequence of positive integers such as "
            f"(1, 3, 224, 224), got {input_shape!r}"
        )
    dims = list(input_shape)
    if not 1 <= len(dims) <= 6:
        raise WorkloadError(f"{model}: input_shape must have 1 to 6 dimensions, got {dims!r}")
    for i, d in enumerate(dims):
        if isinstance(d, bool) or not isinstance(d, numbers.Integral):
            raise WorkloadError(
                f"{model}: input_shape[{i}] must be a positive integer, got {d!r} "
                "(sizes are not rounded)"
            )
        if d < 1:
            raise WorkloadError(f"{model}: input_shape[{i}] must be >= 1, got {d!r}")
    shape = tuple(int(d) for d in dims)
    numel = math.prod(shape[1:])
    if numel > MAX_TORCH_INPUT_ELEMS:
        raise WorkloadError(
            f"{model}: input_shape {shape}: a sample of {numel:.3g} elements, more than the "
            f"{MAX_TORCH_INPUT_ELEMS:,} (2^26) that can be traced (the module is run on one)"
        )
    if shape[0] > MAX_TORCH_BATCH:
        raise WorkloadError(
            f"{model}: input_shape[0] (the batch) must be at most {MAX_TORCH_BATCH}, got {shape[0]}"
        )
    return shape


def from_torch(module: Any, input_shape: Sequence[int], name: str | None = None) -> Workload:
    """Import a PyTorch module as a ``Workload`` (inference graph).

    Args:
        module: a ``torch.nn.Module`` taking one tensor. It is run in eval mode (its
            training flag is restored afterwards) under ``torch.no_grad()``; modules on the
            ``meta`` device work too (shapes only, no arithmetic).
        input_shape: the full input shape including the batch dimension, e.g.
            ``(8, 3, 224, 224)`` or ``(1, 128, 768)``. The first dimension is the batch: the
            module is traced on one sample (first dimension 1) and the workload gets
            ``batch = input_shape[0]`` (the samples share the weights; see
            :class:`Workload`).
        name: the workload's name (default: the module's class name).

    Returns:
        The workload. ``meta`` records ``source="from_torch"``, ``input_shape``, the
        ``tracer`` used (``"fx"`` or ``"hooks"`` and, for the latter, ``fallback_reason``),
        ``bn_folded`` and ``reads_workload_input``.

    Raises:
        UnsupportedOpError: the module contains operations that map to no layer (all of
            them are listed).
        WorkloadError: a bad ``input_shape`` (not positive integers, a sample of more
            than :data:`MAX_TORCH_INPUT_ELEMS` elements or a batch above
            :data:`MAX_TORCH_BATCH`: checked before anything is allocated), a module that
            fails on that input (the message names the module and the op), a layer that
            cannot be represented (non-uniform adaptive pooling) or a module with several
            inputs.
    """
    import torch

    if not isinstance(module, torch.nn.Module):
        raise WorkloadError(f"from_torch needs a torch.nn.Module, got {type(module).__name__}")
    model = name or type(module).__name__
    shape = _check_input_shape(input_shape, model)
    batch = shape[0]
    first = next(iter(module.parameters()), None)
    device = first.device if first is not None else torch.device("cpu")
    dtype = first.dtype if first is not None and first.is_floating_point() else torch.float32
    example = torch.zeros((1, *shape[1:]), device=device, dtype=dtype)
    training = {m: m.training for m in module.modules()}
    module.eval()
    fallback_reason = None
    try:
        with torch.no_grad():
            try:
                ops, outputs = _trace_fx(module, example)
                tracer = "fx"
            except WorkloadError:  # includes UnsupportedOpError
                raise
            except Exception as exc:  # symbolic tracing failed: data-dependent control flow, ...
                fallback_reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
                ops, outputs = _trace_hooks(module, example)
                tracer = "hooks"
    finally:
        for m, flag in training.items():
            m.training = flag

    conv, order = _check_supported(ops, outputs, model)
    layers = conv.run(order)
    if not layers:
        raise WorkloadError(f"{model}: no layer to import (the module only reshapes its input)")
    meta: dict[str, Any] = {
        "source": "from_torch",
        "module": f"{type(module).__module__}.{type(module).__qualname__}",
        "input_shape": list(shape),
        "tracer": tracer,
        "bn_folded": conv.bn_folded,
        "reads_workload_input": conv.reads_input,
        "params_convention": "weights and biases of the imported layers; BatchNorm folded, not counted",
    }
    if fallback_reason:
        meta["fallback_reason"] = fallback_reason
    return Workload(layers, name=model, meta=meta, batch=batch)


# --------------------------------------------------------------------------------------
# Files: the schema of a layer list
# --------------------------------------------------------------------------------------

#: Largest integer a size field of a file may hold (channels, features, tokens, pixels a
#: side): 2^24, far above any real network and small enough that every product the cost
#: model forms stays exact in int64 and float64.
MAX_FILE_INT = 1 << 24
#: Largest layer a file may describe, in MACs or elements (2^50, about 10^15).
MAX_FILE_WORK = 1 << 50
#: Largest workload file read (bytes).
MAX_FILE_BYTES = 64 << 20

# field kinds: "pos" integer >= 1, "nonneg" integer >= 0, "pos2"/"nonneg2" an integer or a
# pair of them, "bool", "act" an activation name or null, "str", "names" a list of layer
# names, or a tuple of allowed strings.
_COMMON = {"name": "str", "inputs": "names"}
_MAC = {**_COMMON, "activation": "act"}


@dataclass(frozen=True)
class _LayerSpec:
    """How one ``type`` of a layer list is read: its constructor, its required fields and
    its optional ones (each with its kind), and whether it takes a spatial input."""

    build: Callable[..., Layer]
    required: dict[str, Any]
    optional: dict[str, Any]
    spatial: bool = False  # has in-channels and an ``input_size`` (inferable)


def _layer_specs() -> dict[str, _LayerSpec]:
    from .layers import DepthwiseConv2d, PointwiseConv2d

    conv_opt = {
        "kernel_size": "pos2",
        "stride": "pos2",
        "padding": "nonneg2",
        "groups": "pos",
        "dilation": "pos2",
        "input_size": "pos2",
        "bias": "bool",
        **_MAC,
    }
    pool_opt = {
        "kernel_size": "pos2",
        "stride": "pos2",
        "padding": "nonneg2",
        "input_size": "pos2",
        "mode": ("avg", "max"),
        **_COMMON,
    }
    return {
        "Conv2d": _LayerSpec(
            Conv2d, {"in_channels": "pos", "out_channels": "pos"}, conv_opt, spatial=True
        ),
        "DepthwiseConv2d": _LayerSpec(
            DepthwiseConv2d,
            {"channels": "pos"},
            {**{k: v for k, v in conv_opt.items() if k != "groups"}, "multiplier": "pos"},
            spatial=True,
        ),
        "PointwiseConv2d": _LayerSpec(
            PointwiseConv2d,
            {"in_channels": "pos", "out_channels": "pos"},
            {"input_size": "pos2", "bias": "bool", **_MAC},
            spatial=True,
        ),
        "Gemm": _LayerSpec(
            Gemm, {"m": "pos", "n": "pos", "k": "pos"}, {"bias": "bool", "weights": "bool", **_MAC}
        ),
        "Linear": _LayerSpec(
            Linear,
            {"in_features": "pos", "out_features": "pos"},
            {"tokens": "pos", "bias": "bool", **_MAC},
        ),
        "MatMul": _LayerSpec(MatMul, {"batch": "pos", "m": "pos", "n": "pos", "k": "pos"}, _MAC),
        "Pool": _LayerSpec(Pool, {"channels": "pos"}, pool_opt, spatial=True),
        "GlobalPool": _LayerSpec(
            GlobalPool,
            {"channels": "pos"},
            {"input_size": "pos2", "mode": ("avg", "max"), **_COMMON},
            spatial=True,
        ),
        "Concat": _LayerSpec(
            LAYER_TYPES["Concat"],
            {"channels": "poslist"},
            {"input_size": "pos2", **_COMMON},
            spatial=True,
        ),
        "Elementwise": _LayerSpec(
            Elementwise,
            {"elems": "pos"},
            {"op": ("add", "mul", "sub", "max"), "n_inputs": "pos", **_COMMON},
        ),
        "Activation": _LayerSpec(Activation, {"elems": "pos"}, {"fn": "act!", **_COMMON}),
        "Softmax": _LayerSpec(Softmax, {"rows": "pos", "cols": "pos"}, _COMMON),
        "LayerNorm": _LayerSpec(LayerNorm, {"rows": "pos", "cols": "pos"}, _COMMON),
    }


#: Other spellings accepted for ``type`` (matched without case, ``_`` or ``-``).
TYPE_ALIASES: dict[str, str] = {
    "conv": "Conv2d",
    "conv2d": "Conv2d",
    "depthwise": "DepthwiseConv2d",
    "depthwiseconv": "DepthwiseConv2d",
    "dwconv": "DepthwiseConv2d",
    "pointwise": "PointwiseConv2d",
    "pointwiseconv": "PointwiseConv2d",
    "linear": "Linear",
    "dense": "Linear",
    "fc": "Linear",
    "fullyconnected": "Linear",
    "bmm": "MatMul",
    "globalavgpool": "GlobalPool",
    "adaptiveavgpool2d": "GlobalPool",
    "eltwise": "Elementwise",
    "layernorm": "LayerNorm",
}


def _canonical_type(tname: str, specs: Mapping[str, Any]) -> str | None:
    key = tname.replace("_", "").replace("-", "").lower()
    by_lower = {k.lower(): k for k in specs}
    by_lower.update({k.lower(): k for k in LAYER_TYPES if k not in specs})
    return by_lower.get(key) or TYPE_ALIASES.get(key)


def _check_value(kind: Any, value: Any, where: str) -> Any:
    """``value`` checked against its field ``kind`` (no coercion: a float is not an int)."""

    def is_int(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    def int_ok(v: Any, lo: int) -> bool:
        return is_int(v) and lo <= v <= MAX_FILE_INT

    if kind in ("pos", "nonneg"):
        lo = 1 if kind == "pos" else 0
        if not int_ok(value, lo):
            raise WorkloadError(
                f"{where} must be an integer in {lo}..{MAX_FILE_INT}, got {value!r}"
            )
        return value
    if kind in ("pos2", "nonneg2"):
        lo = 1 if kind == "pos2" else 0
        if is_int(value) and int_ok(value, lo):
            return value
        if (
            isinstance(value, list | tuple)
            and len(value) == 2
            and all(int_ok(v, lo) for v in value)
        ):
            return tuple(value)
        raise WorkloadError(
            f"{where} must be an integer in {lo}..{MAX_FILE_INT} or a pair of them, got {value!r}"
        )
    if kind == "poslist":
        if (
            not isinstance(value, list | tuple)
            or len(value) < 2
            or not all(int_ok(v, 1) for v in value)
        ):
            raise WorkloadError(
                f"{where} must be a list of at least 2 integers in 1..{MAX_FILE_INT}, got {value!r}"
            )
        return tuple(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise WorkloadError(f"{where} must be true or false, got {value!r}")
        return value
    if kind in ("act", "act!"):
        from .layers import ACTIVATION_OPS

        if (value is None and kind == "act") or (
            isinstance(value, str) and value in ACTIVATION_OPS
        ):
            return value
        raise WorkloadError(
            f"{where} must be one of {sorted(ACTIVATION_OPS)}"
            + (" or null" if kind == "act" else "")
            + f", got {value!r}"
        )
    if kind == "str":
        if not isinstance(value, str):
            raise WorkloadError(f"{where} must be a string, got {value!r}")
        return value
    if kind == "names":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise WorkloadError(f"{where} must be a list of layer names, got {value!r}")
        return tuple(value)
    if isinstance(kind, tuple):
        if value not in kind:
            raise WorkloadError(f"{where} must be one of {list(kind)}, got {value!r}")
        return value
    raise AssertionError(kind)  # pragma: no cover


def _shape_of_layer(layer: Layer) -> tuple[int, ...] | None:
    """``(C, H, W)`` of a spatial layer's output, ``(numel,)`` of another, None: unknown."""
    if isinstance(layer, Conv2d):
        return (layer.out_channels, *layer.output_size)
    if isinstance(layer, Pool):
        return (layer.channels, *layer.output_size)
    if type(layer).__name__ == "Concat":
        return (sum(layer.channels), *layer.input_size)  # type: ignore[attr-defined]
    try:
        return (int(layer.output_elems),)
    except Exception:  # noqa: BLE001 - a layer type without a known output
        return None


def _check_last_layer_complete(
    items: list[Any], specs: Mapping[str, _LayerSpec], source: str
) -> None:
    """A file in archgym's full form (every layer lists every field of its type, as
    :meth:`Workload.to_dict` writes it) whose last layer lacks fields was cut short at a
    line break inside that layer: refuse it rather than load a different layer."""
    if len(items) < 2 or not all(isinstance(it, Mapping) for it in items):
        return

    def missing(item: Mapping[str, Any]) -> list[str] | None:
        tname = item.get("type")
        spec = specs.get(_canonical_type(tname, specs) or "") if isinstance(tname, str) else None
        if spec is None:
            return None
        return sorted((set(spec.required) | set(spec.optional)) - set(item))

    others = [missing(it) for it in items[:-1]]
    last = missing(items[-1])
    if last and all(m == [] for m in others):
        raise WorkloadError(
            f"{source}: layer {len(items) - 1} lacks {last}, which every other layer of this "
            "file lists (the form archgym writes): the file looks cut short"
        )


def layers_from_document(data: Mapping[str, Any], source: str) -> list[Layer]:
    """The layers of a layer-list document, checked against the schema.

    Every layer needs ``type`` (a name of :data:`LAYER_TYPES`, ``Linear``,
    ``DepthwiseConv2d``, ``PointwiseConv2d``, ``GlobalPool``, or an alias of
    :data:`TYPE_ALIASES`) and the required fields of that type; unknown fields are errors,
    values are not coerced (``32.5`` is not an integer, ``"yes"`` not a boolean), sizes are
    at most :data:`MAX_FILE_INT`. Shapes chain: a convolution's or pool's ``in_channels``
    / ``channels`` must equal its producer's output channels (the sum over several
    producers: a concatenation), its ``input_size`` is taken from the producer when
    absent (and must match it when given), and a first layer without a producer must give
    its ``input_size``. A fully connected ``Gemm``/``Linear`` must read as many elements
    as rows of ``k`` features out of what its producer makes (``m * k`` elements: all of
    them, a flatten, or some whole rows, a slice).

    Args:
        data: The document (``{"layers": [...], ...}``).
        source: What to name in messages (the file).

    Raises:
        WorkloadError: naming the file, the layer (index and name) and the field.
    """
    specs = _layer_specs()
    items = data.get("layers")
    if not isinstance(items, list) or not items:
        raise WorkloadError(f"{source}: 'layers' must be a non-empty list of layers")
    _check_last_layer_complete(items, specs, source)
    reads_input = set((data.get("meta") or {}).get("reads_workload_input") or [])
    layers: list[Layer] = []
    shapes: dict[str, tuple[int, ...] | None] = {}
    for i, item in enumerate(items):
        label = f"layer {i}"
        if not isinstance(item, Mapping):
            raise WorkloadError(f"{source}: {label} must be a mapping of fields, got {item!r}")
        item = dict(item)
        if isinstance(item.get("name"), str) and item["name"]:
            label = f"layer {i} ({item['name']})"
        where = f"{source}: {label}"
        tname = item.pop("type", None)
        if not isinstance(tname, str):
            raise WorkloadError(f"{where}: 'type' is required (one of {sorted(specs)})")
        canon = _canonical_type(tname, specs)
        if canon is None:
            raise WorkloadError(
                f"{where}: unknown type {tname!r}; known types: "
                f"{sorted(set(specs) | set(LAYER_TYPES))} (and aliases {sorted(TYPE_ALIASES)})"
            )
        spec = specs.get(canon)
        if spec is None:  # a layer type this schema does not describe: its own checks
            try:
                fields: dict[str, Any] = {
                    k: tuple(v) if isinstance(v, list) else v for k, v in item.items()
                }
                layer = LAYER_TYPES[canon](**fields)
            except (TypeError, ValueError, OverflowError) as exc:
                raise WorkloadError(f"{where} of type {canon}: {exc}") from None
            layers.append(layer)
            shapes[layer.name or f"#{i}"] = None
            continue
        allowed = {**spec.required, **spec.optional}
        unknown = sorted(set(item) - set(allowed))
        if unknown:
            raise WorkloadError(
                f"{where}: unknown field(s) {unknown} for type {canon}; fields: {sorted(allowed)}"
            )
        missing = [f for f in spec.required if f not in item]
        if missing:
            raise WorkloadError(
                f"{where}: missing required field(s) {missing} for type {canon} (a file cut short?)"
            )
        kwargs = {k: _check_value(allowed[k], v, f"{where}: {k}") for k, v in item.items()}
        # the producers of this layer and what they make
        names = list(kwargs.get("inputs") or ())
        if not names and layers:
            names = [layers[-1].name or f"#{i - 1}"]
        produced = [shapes.get(n) for n in names]
        known = [s for s in produced if s is not None]  # all of them when spatial_in
        spatial_in = (
            bool(names)
            and canon not in ("Gemm", "Linear")
            and len(known) == len(produced)
            and all(len(s) == 3 for s in known)
            and len({s[1:] for s in known}) == 1
            and (item.get("name") not in reads_input)
        )
        if spec.spatial:
            ch_field = "in_channels" if "in_channels" in kwargs else "channels"
            if spatial_in:
                c_in = sum(s[0] for s in known)
                hw = known[0][1:]
                if canon == "Concat":
                    want = [s[0] for s in known]
                    if len(want) == len(kwargs["channels"]) and list(kwargs["channels"]) != want:
                        raise WorkloadError(
                            f"{where}: channels={list(kwargs['channels'])} but its inputs "
                            f"({', '.join(names)}) have {want} channels"
                        )
                elif kwargs[ch_field] != c_in:
                    raise WorkloadError(
                        f"{where}: {ch_field}={kwargs[ch_field]} but its input "
                        f"({', '.join(names)}) has {c_in} channels"
                    )
                given = kwargs.get("input_size")
                if given is None:
                    kwargs["input_size"] = hw
                elif (tuple(given) if isinstance(given, tuple) else (given, given)) != hw:
                    raise WorkloadError(
                        f"{where}: input_size={given} but its input ({', '.join(names)}) is "
                        f"{hw[0]}x{hw[1]}"
                    )
            elif "input_size" not in kwargs:
                raise WorkloadError(
                    f"{where}: input_size is required (it cannot be inferred: "
                    + (
                        "the layer reads the workload input)"
                        if not names
                        else "its input's spatial size is not known)"
                    )
                )
        elif canon in ("Gemm", "Linear") and kwargs.get("weights", True):
            m, k = (
                (kwargs["m"], kwargs["k"])
                if canon == "Gemm"
                else (kwargs.get("tokens", 1), kwargs["in_features"])
            )
            total = [s for s in produced if s is not None]
            if names and len(total) == len(names) and item.get("name") not in reads_input:
                n_in = sum(math.prod(s) for s in total)
                # rows of k features out of what the producer makes: all of it (a
                # flatten) or some of its rows (a slice, e.g. a class token)
                if m * k > n_in or n_in % k:
                    field_k = "k" if canon == "Gemm" else "in_features"
                    raise WorkloadError(
                        f"{where}: reads rows of {field_k}={k} features ({m * k} elements) but "
                        f"its input ({', '.join(names)}) makes {n_in} elements, not a whole "
                        f"number of such rows"
                    )
        try:
            layer = spec.build(**kwargs)
        except WorkloadError as exc:
            raise WorkloadError(f"{where}: {exc}") from None
        except (TypeError, ValueError, OverflowError) as exc:
            raise WorkloadError(f"{where}: {type(exc).__name__}: {exc}") from None
        work = max(int(layer.macs), int(layer.input_elems), int(layer.output_elems))
        if work > MAX_FILE_WORK:
            raise WorkloadError(
                f"{where}: {work:.3e} MACs or elements is beyond any real layer (at most 2^50)"
            )
        shape = _shape_of_layer(layer)
        first = produced[0] if produced else None
        if canon in ("Elementwise", "Activation") and first is not None:
            if math.prod(first) == layer.output_elems:  # element-wise: the shape passes
                shape = first
        layers.append(layer)
        shapes[layer.name or f"#{i}"] = shape
    return layers


# --------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------


def from_file(path: str | Path) -> Workload:
    """Load a workload from a YAML (``.yaml``/``.yml``) or JSON (``.json``) layer list.

    The format is that of :meth:`Workload.to_dict` (an optional ``batch:`` sets the batch
    size)::

        name: tiny
        layers:
          - {type: Conv2d, name: c1, in_channels: 3, out_channels: 8, kernel_size: 3,
             padding: 1, input_size: 32, activation: relu}
          - {type: Elementwise, name: add, elems: 8192, inputs: [c1, c1]}

    Args:
        path: the file.

    Returns:
        The workload (named after the document's ``name``, else the file's stem).

    Raises:
        FileNotFoundError: the file does not exist.
        WorkloadError: an unknown extension, a document that is not a layer list, or an
            invalid layer.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise WorkloadError(
            f"{p}: unknown workload file extension {p.suffix!r}; use .yaml, .yml or .json"
        )
    if not p.is_file():
        raise FileNotFoundError(f"workload file not found: {p}")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise WorkloadError(f"{p}: larger than {MAX_FILE_BYTES >> 20} MiB; not a layer list")
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WorkloadError(f"{p}: not UTF-8 text (byte {exc.start})") from None
    if suffix != ".json" and text.strip() and not text.endswith("\n"):
        raise WorkloadError(
            f"{p}: ends in the middle of a line: the file looks cut short (a complete YAML "
            "file ends with a newline)"
        )
    try:
        if suffix == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (ValueError, ImportError) as exc:  # json.JSONDecodeError and yaml.YAMLError
        raise WorkloadError(f"{p}: cannot parse: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - any parser failure (deep nesting, ...)
        raise WorkloadError(f"{p}: cannot parse: {type(exc).__name__}: {exc}") from exc
    if isinstance(data, list):
        data = {"layers": data}
    if not isinstance(data, dict):
        raise WorkloadError(
            f"{p}: expected a mapping with a 'layers' list, got {type(data).__name__}"
        )
    known = {"name", "layers", "meta", "batch"}
    unknown = sorted(str(k) for k in set(data) - known)
    if unknown:
        raise WorkloadError(f"{p}: unknown key(s) {unknown}; a workload file has {sorted(known)}")
    name = data.get("name", p.stem)
    if not isinstance(name, str) or not name:
        raise WorkloadError(f"{p}: name must be a non-empty string, got {name!r}")
    meta = data.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise WorkloadError(f"{p}: meta must be a mapping, got {type(meta).__name__}")
    batch = data.get("batch", 1)
    if isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= MAX_FILE_INT:
        raise WorkloadError(f"{p}: batch must be an integer in 1..{MAX_FILE_INT}, got {batch!r}")
    layers = layers_from_document(data, str(p))
    try:
        return Workload(layers, name=name, meta=meta, batch=batch)
    except WorkloadError as exc:
        raise WorkloadError(f"{p}: {exc}") from None
