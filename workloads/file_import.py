"""Import a ``Workload`` from a YAML or JSON layer list: the schema of each layer ``type``,
its checks (every error names the layer and the field) and :func:`from_file`.

The format is that of :meth:`Workload.to_dict`; nothing read from a file is imported or
called (YAML is read with the safe loader).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archgym._io import load_yaml

from . import layers as layer_module
from .layers import LAYER_TYPES, Layer, WorkloadError
from .workload import Workload

__all__ = [
    "from_file",
    "layers_from_document",
    "TYPE_ALIASES",
    "MAX_FILE_INT",
    "MAX_FILE_WORK",
    "MAX_FILE_BYTES",
]


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
    """How one ``type`` of a layer list is read: its required fields and its optional ones
    (each with its kind), and whether it takes a spatial input. Its constructor is the
    class or builder of that name in :mod:`.layers` (:func:`_constructor`)."""

    required: dict[str, Any]
    optional: dict[str, Any]
    spatial: bool = False  # has in-channels and an ``input_size`` (inferable)


def _constructor(type_name: str) -> Callable[..., Layer]:
    """What builds a layer of a file's (canonical) ``type``: the layer class or builder of
    that name in :mod:`.layers` (``type_name`` is one of the known types, never a name
    taken unchecked from a file)."""
    if type_name not in layer_module.__all__:  # pragma: no cover - a schema bug
        raise WorkloadError(f"no layer constructor named {type_name!r}")
    build: Callable[..., Layer] = getattr(layer_module, type_name)
    return build


def _layer_specs() -> dict[str, _LayerSpec]:
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
        "Conv2d": _LayerSpec({"in_channels": "pos", "out_channels": "pos"}, conv_opt, spatial=True),
        "DepthwiseConv2d": _LayerSpec(
            {"channels": "pos"},
            {**{k: v for k, v in conv_opt.items() if k != "groups"}, "multiplier": "pos"},
            spatial=True,
        ),
        "PointwiseConv2d": _LayerSpec(
            {"in_channels": "pos", "out_channels": "pos"},
            {"input_size": "pos2", "bias": "bool", **_MAC},
            spatial=True,
        ),
        "Gemm": _LayerSpec(
            {"m": "pos", "n": "pos", "k": "pos"}, {"bias": "bool", "weights": "bool", **_MAC}
        ),
        "Linear": _LayerSpec(
            {"in_features": "pos", "out_features": "pos"},
            {"tokens": "pos", "bias": "bool", **_MAC},
        ),
        "MatMul": _LayerSpec({"batch": "pos", "m": "pos", "n": "pos", "k": "pos"}, _MAC),
        "Pool": _LayerSpec({"channels": "pos"}, pool_opt, spatial=True),
        "GlobalPool": _LayerSpec(
            {"channels": "pos"},
            {"input_size": "pos2", "mode": ("avg", "max"), **_COMMON},
            spatial=True,
        ),
        "Concat": _LayerSpec(
            {"channels": "poslist"},
            {"input_size": "pos2", **_COMMON},
            spatial=True,
        ),
        "Elementwise": _LayerSpec(
            {"elems": "pos"},
            {"op": ("add", "mul", "sub", "max"), "n_inputs": "pos", **_COMMON},
        ),
        "Activation": _LayerSpec({"elems": "pos"}, {"fn": "act!", **_COMMON}),
        "Softmax": _LayerSpec({"rows": "pos", "cols": "pos"}, _COMMON),
        "LayerNorm": _LayerSpec({"rows": "pos", "cols": "pos"}, _COMMON),
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
    if isinstance(layer, layer_module.Conv2d):
        return (layer.out_channels, *layer.output_size)
    if isinstance(layer, layer_module.Pool):
        return (layer.channels, *layer.output_size)
    if isinstance(layer, layer_module.Concat):
        return (sum(layer.channels), *layer.input_size)
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
                layer = _constructor(canon)(**fields)
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
            layer = _constructor(canon)(**kwargs)
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
        else:  # the safe loader; ``text`` ends with a newline, so it is never a file name
            data = load_yaml(text, what=f"{p}: cannot parse", error=WorkloadError)
    except WorkloadError:
        raise
    except ValueError as exc:  # json.JSONDecodeError
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
