"""Lowering of a traced PyTorch program to ``Workload`` layers (shared by both tracers).

The tracers of :mod:`.torch_import` (``torch.fx`` and the hook fallback) record the module
as one list of ``_Op`` (each naming its inputs by ``_Ref``); ``_Converter`` turns that
program into layers (BatchNorm folding, activation fusion, shape-only ops skipped) and
``_check_supported`` collects every op that maps to no layer into one
:class:`UnsupportedOpError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .layers import (
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
from .torch_ops import _describe_target

__all__ = ["UnsupportedOpError"]


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
