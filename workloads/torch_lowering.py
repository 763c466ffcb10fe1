"""Lowering of a traced PyTorch program to ``Workload`` layers, one handler per op category.

``_Converter`` adds to the walk of :mod:`.torch_program` the handler of each category of
:mod:`.torch_ops`: convolutions and linear layers (``Conv2d``, ``Linear``, ``Gemm``,
``MatMul``), BatchNorm folding, activation fusion, pooling and reductions, element-wise
ops, softmax, layer norm and channel concatenation (shape-only ops pass through).
``_check_supported`` collects every op that maps to no layer into one
:class:`UnsupportedOpError`.
"""

from __future__ import annotations

from dataclasses import replace
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
from .torch_program import (
    UnsupportedOpError,
    _arg,
    _numel,
    _Op,
    _ProgramWalk,
    _Ref,
    _Unrepresentable,
)


def _pair(v: Any) -> tuple[int, int]:
    if isinstance(v, int):
        return (v, v)
    v = tuple(int(x) for x in v)
    return (v[0], v[0]) if len(v) == 1 else (v[0], v[1])


class _Converter(_ProgramWalk):
    """The layers of each op category (``_do_<category>``, called by the walk)."""

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
        # F.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode);
        # F.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, ...): no dilation
        is_max = name == "max_pool2d"
        self._pool(
            i,
            op,
            x,
            "max" if is_max else "avg",
            _arg(op, 1, "kernel_size"),
            _arg(op, 2, "stride"),
            _arg(op, 3, "padding", 0),
            _arg(op, 4, "dilation", 1) if is_max else 1,
            _arg(op, 5 if is_max else 4, "ceil_mode", False),
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
