"""A traced PyTorch program in one form for both tracers, and the walk that lowers it.

The tracers of :mod:`.torch_import` (``torch.fx`` and the hook fallback) record the module
as one list of ``_Op`` (each naming its inputs by ``_Ref``). ``_ProgramWalk`` is the part of
the lowering that does not depend on what an op is: which ops are live and how often each
value is used, which ops map to no layer, the producers of each value, layer naming and
emission, and the dispatch of each op to the handler of its category (``_do_<category>``;
the handlers are ``_Converter`` in :mod:`.torch_lowering`). Every op that maps to no layer
is collected into one :class:`UnsupportedOpError`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .layers import Layer, WorkloadError
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


class _Unrepresentable(Exception):  # noqa: N818 - internal signal, collected into UnsupportedOpError
    """A supported op whose arguments have no layer equivalent (reported with the rest)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(reason)
        self.name, self.reason = name, reason


def _numel(shape: Sequence[int]) -> int:
    return math.prod(int(s) for s in shape)


class _ProgramWalk:
    """Walks a program in order, keeping each value's producers; ``_do_<category>`` of a
    subclass turns each op into layers."""

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
