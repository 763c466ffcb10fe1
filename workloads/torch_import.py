"""Import a PyTorch module as a ``Workload``: tracing (``torch.fx``, hooks) and ``from_torch``.

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

import math
from collections.abc import Sequence
from typing import Any

from .layers import WorkloadError
from .torch_lowering import _check_supported
from .torch_ops import _classify_function, _classify_module, _module_table, _norm_name
from .torch_program import UnsupportedOpError, _Op, _Ref, _refs
from .workload import Workload

__all__ = ["UnsupportedOpError", "from_torch", "MAX_TORCH_INPUT_ELEMS", "MAX_TORCH_BATCH"]


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
        else:  # call_method (target: the method name) or call_function
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
