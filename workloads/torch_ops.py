"""Which layer a PyTorch operation becomes: classification of functions, tensor methods and
``torch.nn`` modules (the tables behind :func:`archgym.workloads.from_torch`).

Each classifier returns ``(category, detail)`` (``("act", "relu")``, ``("conv", None)``,
``("pass", "view")``, ...) or None for an operation no layer represents.
"""

from __future__ import annotations

from typing import Any

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
#: Activation modules (class name in ``torch.nn``) -> the function they apply (a key of
#: ``_ACT_NAMES``).
_ACT_MODULES: dict[str, str] = {
    "ReLU": "relu",
    "ReLU6": "relu6",
    "GELU": "gelu",
    "SiLU": "silu",
    "Sigmoid": "sigmoid",
    "Hardswish": "hardswish",
    "Hardsigmoid": "hardsigmoid",
    "Tanh": "tanh",
    "LeakyReLU": "leaky_relu",
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
        **{getattr(nn, cls): ("act", _ACT_NAMES[fn]) for cls, fn in _ACT_MODULES.items()},
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
