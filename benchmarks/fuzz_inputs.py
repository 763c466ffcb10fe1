"""Fuzz every input edge: accelerator configurations, workload files, PyTorch modules.

    python benchmarks/fuzz_inputs.py [--quick] [--configs 10000] [--files 500] [--modules 60]

Inputs are drawn by hypothesis with fixed seeds (the same inputs on every run):

- **configurations**: single ``AcceleratorConfig`` s and ``ConfigBatch.from_arrays``
  batches whose fields are anything a user, a YAML file or numpy could give (in-range
  values, huge and negative integers, NaN, inf, floats for integers, booleans, strings,
  None, integer codes, lists); an accepted one is evaluated by the cost model on a small
  network with one layer of each kind;
- **workload files**: valid layer lists (YAML block and flow style, JSON) mutated once:
  a field deleted or given a wrong value (a float, a negative or huge number, a string, a
  boolean, null, a list), a wrong or aliased ``type``, an ``in_channels`` that does not
  match its producer, an ``input_size`` dropped (inferable or not), a cut at a random
  byte, undecodable bytes, a deep nesting, an unknown key, or nothing at all;
- **PyTorch modules**: random stacks of convolutions (any kernel, stride, padding,
  groups), pooling, activations, flatten and linear layers, some with inconsistent
  shapes, traced with ``from_torch`` on random input shapes (some not positive integers,
  some huge).

Each input ends in one of: a **typed error** (``ConfigError`` naming a field,
``WorkloadError`` naming the file), a **crash** (any other exception), **silently
wrong** (accepted but wrong: a value coerced or out of the documented bounds, a
non-finite or negative metric or a utilisation above 1; a mutated file loaded although it
had to be refused, or loaded as another network than the one it describes; a module
imported with a MAC count other than torch's own count), or **accepted** and right.
Goal: 0 crashes and 0 silently wrong. The first few of each bad kind are printed.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import yaml  # noqa: E402
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from archgym.accelerator import (  # noqa: E402
    FIELD_SPECS,
    AcceleratorConfig,
    ConfigBatch,
    ConfigError,
)
from archgym.costmodel import simulate_batch  # noqa: E402
from archgym.workloads import Workload, WorkloadError, from_file  # noqa: E402
from archgym.workloads.layers import (  # noqa: E402
    Conv2d,
    Elementwise,
    Gemm,
    LayerNorm,
    MatMul,
    Pool,
    Softmax,
)

FIELDS = [s.name for s in FIELD_SPECS]
SPECS = {s.name: s for s in FIELD_SPECS}


class Tally:
    """Outcome counts of one input edge, with the first examples of each bad outcome."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.counts: Counter = Counter()
        self.examples: dict[str, list[str]] = {}

    def add(self, outcome: str, example: str = "") -> None:
        self.counts[outcome] += 1
        if outcome in ("crash", "silently wrong"):
            self.examples.setdefault(outcome, [])
            if len(self.examples[outcome]) < 5:
                self.examples[outcome].append(example[:300])

    def report(self) -> None:
        c = self.counts
        tried = sum(c.values())
        print(
            f"{self.name:16s} tried {tried:6d}   typed errors {c['typed error']:6d}   "
            f"accepted {c['accepted'] + c['undetectable cut']:6d}   crashes {c['crash']:3d}   "
            f"silently wrong {c['silently wrong']:3d}"
        )
        if c["undetectable cut"]:
            print(
                f"    of the accepted: {c['undetectable cut']} cut at a line break inside the "
                "last layer of a hand-written block-style YAML (a valid file with fewer fields)"
            )
        for kind, items in self.examples.items():
            for ex in items:
                print(f"    {kind}: {ex}")


# --------------------------------------------------------------------------------------
# configurations
# --------------------------------------------------------------------------------------

NET = Workload(
    [
        Conv2d(3, 16, 3, 2, 1, input_size=32, name="conv", activation="relu"),
        Conv2d(16, 16, 3, 1, 1, groups=16, input_size=16, name="dw"),
        Conv2d(16, 32, 1, input_size=16, name="pw"),
        Pool(32, 16, input_size=16, name="pool"),
        Gemm(1, 10, 32, name="fc"),
        MatMul(4, 8, 8, 16, name="mm", inputs=["fc"]),
        Softmax(32, 8, name="sm"),
        LayerNorm(32, 8, name="ln"),
        Elementwise(256, name="add", inputs=["ln", "mm"]),
    ],
    name="fuzz",
)


def any_value() -> st.SearchStrategy:
    in_range = []
    for s in FIELD_SPECS:
        if s.kind in ("int", "float"):
            in_range += [st.integers(int(max(s.lo, 1)), int(s.hi)), st.floats(s.lo, s.hi)]
            in_range += [st.just(s.hi), st.just(s.lo)]
        elif s.kind == "choice":
            in_range.append(st.sampled_from(s.choices))
    return st.one_of(
        *in_range,
        st.integers(-(2**70), 2**70),
        st.integers(2**31 - 2, 2**63 + 2),
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(min_value=1e-300, max_value=1e300),
        st.booleans(),
        st.none(),
        st.text(max_size=4),
        st.sampled_from(["os", "ws", "is", "int8", "fp16", "1", "nan", "", "WS"]),
        st.integers(-300, 300),
        st.lists(st.integers(1, 64), min_size=1, max_size=2),
    )


def _metrics_wrong(rep) -> str:
    for key in ("latency_ms", "energy_mj", "area_mm2", "utilization"):
        v = np.asarray(rep[key], dtype=float)
        if not np.all(np.isfinite(v)) or np.any(v < 0):
            return f"{key}={v.tolist()}"
    u = np.asarray(rep["utilization"], dtype=float)
    if np.any(u > 1 + 1e-12):
        return f"utilization={u.tolist()}"
    return ""


def _bounds_wrong(cfg: AcceleratorConfig) -> str:
    for s in FIELD_SPECS:
        v = getattr(cfg, s.name)
        if s.kind in ("int", "float") and not (s.lo <= v <= s.hi and math.isfinite(v)):
            return f"{s.name}={v!r} accepted outside {s.rule()}"
    return ""


def fuzz_configs(n: int, tally: Tally) -> None:
    @seed(20251203)
    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        st.booleans(),
        st.dictionaries(st.sampled_from(FIELDS), any_value(), max_size=4),
        st.integers(1, 3),
    )
    def one(as_batch: bool, changes: dict, n_designs: int) -> None:
        what = f"{'batch' if as_batch else 'config'} {changes!r}"
        try:
            if as_batch:
                arrays = {k: [v] * n_designs if np.ndim(v) == 0 else v for k, v in changes.items()}
                obj = ConfigBatch.from_arrays(**arrays)
                configs = list(obj)
            else:
                obj = AcceleratorConfig.preset("edgetpu", **changes)
                configs = [obj]
        except ConfigError as exc:
            if any(f in str(exc) for f in FIELDS) or "broadcast" in str(exc):
                tally.add("typed error")
            else:
                tally.add("crash", f"{what}: ConfigError without a field: {exc}")
            return
        except Exception as exc:  # noqa: BLE001 - what the benchmark counts
            tally.add("crash", f"{what}: {type(exc).__name__}: {exc}")
            return
        try:
            for cfg in configs:
                wrong = _bounds_wrong(cfg)
                if wrong:
                    tally.add("silently wrong", f"{what}: {wrong}")
                    return
            if not as_batch:
                for k, v in changes.items():
                    got = getattr(obj, k)
                    if isinstance(v, int | float) and not isinstance(v, bool) and got != v:
                        tally.add("silently wrong", f"{what}: {k}={v!r} became {got!r}")
                        return
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rep = simulate_batch(obj, NET)
            wrong = _metrics_wrong(rep)
        except Exception as exc:  # noqa: BLE001
            tally.add("crash", f"{what}: evaluating: {type(exc).__name__}: {exc}")
            return
        tally.add("silently wrong" if wrong else "accepted", f"{what}: {wrong}")

    one()


# --------------------------------------------------------------------------------------
# workload files
# --------------------------------------------------------------------------------------

BASES = [
    {
        "name": "cnn",
        "layers": [
            {
                "type": "Conv2d",
                "name": "c1",
                "in_channels": 3,
                "out_channels": 16,
                "kernel_size": 3,
                "stride": 2,
                "padding": 1,
                "input_size": 32,
                "activation": "relu",
            },
            {
                "type": "Conv2d",
                "name": "dw",
                "in_channels": 16,
                "out_channels": 16,
                "kernel_size": 3,
                "padding": 1,
                "groups": 16,
            },
            {"type": "Conv2d", "name": "pw", "in_channels": 16, "out_channels": 32},
            {"type": "Elementwise", "name": "add", "elems": 8192, "inputs": ["pw", "pw"]},
            {"type": "Pool", "name": "gap", "channels": 32, "kernel_size": 16},
            {"type": "Linear", "name": "fc", "in_features": 32, "out_features": 10},
        ],
    },
    {
        "name": "mlp",
        "layers": [
            {"type": "Gemm", "name": "l1", "m": 4, "n": 64, "k": 32, "bias": True},
            {"type": "Activation", "name": "act", "elems": 256, "fn": "gelu"},
            {"type": "Gemm", "name": "l2", "m": 4, "n": 16, "k": 64},
            {"type": "Softmax", "name": "sm", "rows": 4, "cols": 16},
        ],
    },
    {
        "name": "attn",
        "layers": [
            {"type": "LayerNorm", "name": "ln", "rows": 16, "cols": 64},
            {"type": "Gemm", "name": "qkv", "m": 16, "n": 192, "k": 64},
            {"type": "MatMul", "name": "qk", "batch": 4, "m": 16, "n": 16, "k": 16},
            {"type": "Softmax", "name": "sm", "rows": 64, "cols": 16},
            {"type": "MatMul", "name": "av", "batch": 4, "m": 16, "n": 16, "k": 16},
        ],
    },
]


def _base_workloads() -> list[tuple[dict, Workload]]:
    out = []
    for doc in BASES:
        path = Path(tempfile.mkdtemp()) / "base.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        wl = from_file(path)  # the schema infers input_size and reads the Linear alias
        shutil.rmtree(path.parent)
        out.append((doc, wl))
        out.append((wl.to_dict(), wl))  # the full form of the same network
    return out


BAD_VALUES = [1.5, 32.0, -3, 0, 2**40, 10**30, "8", "yes", True, None, [1, 2, 3], {"a": 1}]
MUTATIONS = [
    "none",
    "delete field",
    "bad value",
    "bad type",
    "alias type",
    "channels mismatch",
    "drop input_size",
    "cut",
    "bytes",
    "deep",
    "unknown key",
]


def _dump(doc: dict, style: str) -> str:
    if style == "json":
        return json.dumps(doc)
    if style == "flow":
        lines = [f"name: {doc.get('name', 'x')}", "layers:"]
        lines += ["- " + json.dumps(layer) for layer in doc["layers"]]
        return "\n".join(lines) + "\n"
    return yaml.safe_dump(doc, sort_keys=False)


def _same(a: Workload, b: Workload) -> bool:
    return a.to_dict()["layers"] == b.to_dict()["layers"] and a.batch == b.batch


def fuzz_files(n: int, tally: Tally, folder: Path) -> None:
    bases = _base_workloads()
    counter = [0]

    @seed(4242)
    @settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def one(data) -> None:
        doc0, wl0 = data.draw(st.sampled_from(bases))
        doc = json.loads(json.dumps(doc0))
        style = data.draw(st.sampled_from(["block", "flow", "json"]))
        mutation = data.draw(st.sampled_from(MUTATIONS))
        layers = doc["layers"]
        i = data.draw(st.integers(0, len(layers) - 1))
        layer = layers[i]
        expect = "same"  # "same": load as wl0 or refuse; "refuse": must be refused
        raw: bytes | None = None
        if mutation == "delete field":
            key = data.draw(st.sampled_from(sorted(layer)))
            del layer[key]
            expect = "refuse" if key in ("type",) else "either"
        elif mutation == "bad value":
            key = data.draw(st.sampled_from(sorted(k for k in layer if k != "type")))
            layer[key] = data.draw(st.sampled_from(BAD_VALUES))
            expect = "either"  # some are allowed in some fields (null activation, ...)
        elif mutation == "bad type":
            layer["type"] = data.draw(st.sampled_from(["LSTM", "", 3, None, "conv3d"]))
            expect = "refuse"
        elif mutation == "alias type":
            aliases = {
                "Conv2d": "conv2d",
                "Gemm": "gemm",
                "Softmax": "softmax",
                "LayerNorm": "layer_norm",
                "MatMul": "matmul",
                "Linear": "dense",
                "Elementwise": "eltwise",
                "Pool": "pool",
                "Activation": "activation",
            }
            layer["type"] = aliases.get(layer["type"], layer["type"])
        elif mutation == "channels mismatch":
            if layer["type"] == "Conv2d" and i > 0:
                layer["in_channels"] = layer["in_channels"] * 2
                if layer.get("groups", 1) > 1:
                    layer["groups"] = layer["in_channels"]
                expect = "refuse"
        elif mutation == "drop input_size":
            layer.pop("input_size", None)
            expect = "same" if i > 0 else ("refuse" if layer["type"] == "Conv2d" else "same")
        elif mutation == "unknown key":
            layer[data.draw(st.sampled_from(["colour", "weight", "Stride"]))] = 1
            expect = "refuse"
        text = _dump(doc, style)
        if mutation == "cut":
            cut = data.draw(st.integers(1, len(text) - 1))
            prefix = text[:cut]
            raw = prefix.encode()
            # a cut between two layers (at a line break before "- " / after "},") is a
            # shorter but well-formed list; anywhere else it is inside a layer
            expect = "refuse-or-prefix"
        elif mutation == "bytes":
            pos = data.draw(st.integers(0, len(text)))
            junk = data.draw(st.sampled_from([b"\xff\xfe", b"\x00", b"\xc3", b"\t\x0b"]))
            raw = text.encode()[:pos] + junk + text.encode()[pos:]
            expect = "either"
        elif mutation == "deep":
            raw = (("[" * 50_000) if style == "json" else ("- " * 2_000 + "1\n")).encode()
            expect = "refuse"
        counter[0] += 1
        path = folder / f"f{counter[0]}.{'json' if style == 'json' else 'yaml'}"
        path.write_bytes(raw if raw is not None else text.encode())
        what = f"{mutation} ({style}) layer {i}: {path.read_bytes()[:160]!r}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wl = from_file(path)
        except WorkloadError as exc:
            if path.name in str(exc):
                tally.add("typed error")
            else:
                tally.add("crash", f"{what}: WorkloadError without the file: {exc}")
            return
        except Exception as exc:  # noqa: BLE001
            tally.add("crash", f"{what}: {type(exc).__name__}: {exc}")
            return
        finally:
            path.unlink()
        if expect == "refuse":
            tally.add("silently wrong", f"{what}: loaded although it had to be refused")
        elif expect == "same" and not _same(wl, wl0):
            tally.add("silently wrong", f"{what}: loaded as another network")
        elif expect == "refuse-or-prefix":
            n_layers = len(wl)
            prefix_ok = n_layers <= len(wl0) and (
                wl.to_dict()["layers"] == wl0.to_dict()["layers"][:n_layers]
            )
            if prefix_ok:
                tally.add("accepted")
            elif style == "block" and prefix.endswith("\n"):
                # a hand-written block-style file cut at a line break inside its last layer
                # is itself a valid file with fewer fields: nothing in it shows the cut
                tally.add("undetectable cut", f"{what}: cut loaded as {n_layers} layers")
            else:
                tally.add("silently wrong", f"{what}: cut loaded as {n_layers} layers")
        elif expect == "either":
            # accepted: each layer valid by itself (checked by the schema); nothing to compare
            tally.add("accepted")
        else:
            tally.add("accepted")

    one()


# --------------------------------------------------------------------------------------
# PyTorch modules
# --------------------------------------------------------------------------------------


def _torch_macs(module, shape) -> int:
    """MACs of the convolutions and linear layers as torch runs them (forward hooks)."""
    import torch

    total = [0]

    def hook(m, args, out):
        if isinstance(m, torch.nn.Conv2d):
            kh, kw = m.kernel_size
            total[0] += out.numel() * (m.in_channels // m.groups) * kh * kw
        elif isinstance(m, torch.nn.Linear):
            total[0] += out.numel() * m.in_features

    hooks = [m.register_forward_hook(hook) for m in module.modules()]
    try:
        with torch.no_grad():
            module(torch.zeros(shape))
    finally:
        for h in hooks:
            h.remove()
    return total[0]


def fuzz_modules(n: int, tally: Tally) -> None:
    import torch
    import torch.nn as nn

    from archgym.workloads import from_torch

    torch.manual_seed(0)

    @seed(99)
    @settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def one(data) -> None:
        c = data.draw(st.integers(1, 8))
        size = data.draw(st.integers(1, 24))
        layers: list = []
        ch = c
        for _ in range(data.draw(st.integers(1, 5))):
            kind = data.draw(st.sampled_from(["conv", "dw", "pool", "act", "bn"]))
            if kind == "conv":
                out = data.draw(st.integers(1, 16))
                k = data.draw(st.integers(1, 5))
                layers.append(
                    nn.Conv2d(
                        ch, out, k, data.draw(st.integers(1, 3)), data.draw(st.integers(0, 2))
                    )
                )
                ch = out
            elif kind == "dw":
                layers.append(nn.Conv2d(ch, ch, 3, 1, 1, groups=ch))
            elif kind == "pool":
                layers.append(nn.MaxPool2d(2) if data.draw(st.booleans()) else nn.AvgPool2d(2))
            elif kind == "act":
                layers.append(data.draw(st.sampled_from([nn.ReLU, nn.ReLU6, nn.GELU, nn.SiLU]))())
            else:
                layers.append(nn.BatchNorm2d(ch))
        if data.draw(st.booleans()):
            layers.append(nn.Flatten())
            layers.append(nn.LazyLinear(data.draw(st.integers(1, 10))))
        module = nn.Sequential(*layers).eval()
        shape: tuple = (
            data.draw(st.integers(1, 3)),
            c + data.draw(st.sampled_from([0, 0, 0, 1])),  # sometimes the wrong channels
            size,
            size,
        )
        shape = data.draw(
            st.sampled_from(
                [
                    shape,
                    shape,
                    shape,
                    (1, c, size + 0.5, size),
                    (1, c, 0, size),
                    (1, c, 10**6, 10**6),
                    (1, c, -size, size),
                    (1, c, size),
                    ("1", c, size, size),
                ]
            )
        )
        what = f"{module} on {shape}"
        try:
            reference = None
            if all(isinstance(d, int) and d >= 1 for d in shape) and math.prod(shape) < 10**6:
                try:
                    reference = _torch_macs(module, shape)
                except Exception:  # noqa: BLE001 - torch refuses it: the importer must too
                    reference = None
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wl = from_torch(module, shape)
        except WorkloadError:
            tally.add("typed error")
            return
        except Exception as exc:  # noqa: BLE001
            tally.add("crash", f"{what}: {type(exc).__name__}: {exc}")
            return
        if reference is None:
            tally.add("silently wrong", f"{what}: imported although torch cannot run it")
        elif wl.macs != reference:
            tally.add("silently wrong", f"{what}: {wl.macs} MACs, torch counts {reference}")
        else:
            tally.add("accepted")

    one()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a tenth of the inputs (about 1 min)")
    ap.add_argument("--configs", type=int, default=None, help="configurations (default 10000)")
    ap.add_argument("--files", type=int, default=None, help="workload files (default 600)")
    ap.add_argument("--modules", type=int, default=None, help="torch modules (default 60)")
    args = ap.parse_args()
    n_cfg = args.configs or (1000 if args.quick else 10_000)
    n_files = args.files or (100 if args.quick else 600)
    n_mod = args.modules or (15 if args.quick else 60)
    tallies = []
    folder = Path(tempfile.mkdtemp(prefix="fuzz_inputs"))
    try:
        for name, fn in (
            ("configurations", lambda t: fuzz_configs(n_cfg, t)),
            ("workload files", lambda t: fuzz_files(n_files, t, folder)),
            ("torch modules", lambda t: fuzz_modules(n_mod, t)),
        ):
            t0 = time.perf_counter()
            tally = Tally(name)
            fn(tally)
            tally.name = f"{name}"
            tallies.append((tally, time.perf_counter() - t0))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for tally, secs in tallies:
        tally.report()
        print(f"    ({secs:.1f} s)")
    total = Counter()
    for tally, _ in tallies:
        total.update(tally.counts)
    print(
        f"all: tried {sum(total.values())}, typed errors {total['typed error']}, "
        f"crashes {total['crash']}, silently wrong {total['silently wrong']}"
    )


if __name__ == "__main__":
    main()
