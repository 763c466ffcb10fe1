"""The entries of the scenario catalog: named co-design problems, as plain documents.

Every entry is what :meth:`Scenario.to_dict` writes, so
``archgym.scenarios.get_definition(id)`` shows exactly what a scenario is and
``Scenario.from_dict`` rebuilds it. Infeasible shares in the descriptions were measured
by enumerating the space (or, for the MobileNet-like space, on 2,000 random designs) with
the archgym 0.1.0 cost model. Adding a scenario to archgym is adding an entry here; the
machinery that finds, loads and overrides them is :mod:`archgym.scenarios.catalog`.

======================================  ==========================================================
family                                  ids
======================================  ==========================================================
hardware only, one workload, area       ``hw-<net>-area`` (+ ``-tight``, ``-loose``) for
budget (the Apollo setting)             ``mobilenet_v2``, ``mobilenet_edgetpu``, ``resnet50``,
                                        ``bert_base``
hardware only, a suite of workloads     ``hw-suite-area``
hardware only, multi-objective          ``hw-mobilenet_v2-mo``
NB201 x small hardware space            ``nb201-codesign`` (DEFAULT, + ``-tight``, ``-loose``),
                                        ``nb201-codesign-mo``
MobileNet-like space x hardware         ``mobilenet-codesign``, ``mobilenet-codesign-mo`` (a small
                                        real-training demo: Fashion-MNIST accuracy)
Accel-NASBench (ImageNet) x hardware    ``anb-codesign-edgetpu``, ``anb-codesign-tpu`` (flagship),
                                        ``anb-codesign-energy``, ``anb-codesign-throughput``,
                                        ``anb-codesign-mo``; best-known optima, see
                                        :func:`~archgym.scenarios.catalog.best_known`
tiny (tests, smoke runs)                ``tiny``, ``tiny-mo``, ``tiny-codesign``
======================================  ==========================================================
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from ..dataflows import DATAFLOWS

__all__ = [
    "ENTRIES",
    "APOLLO_HARDWARE",
    "NB201_HARDWARE",
    "MOBILENET_HARDWARE",
    "ANB_EDGE_HARDWARE",
    "ANB_TPU_HARDWARE",
]


def _pow2(name: str, low: int, high: int) -> dict[str, Any]:
    return {"name": name, "type": "pow2", "low": low, "high": high}


def _ordinal(name: str, choices: Sequence[Any]) -> dict[str, Any]:
    return {"name": name, "type": "ordinal", "choices": list(choices)}


_DATAFLOW = {"name": "dataflow", "type": "categorical", "choices": list(DATAFLOWS)}

#: An accelerator space in the spirit of Apollo's (Yazdanbakhsh et al., 2021): array
#: shape, cores, MAC lanes per PE, PE-local and core memories, off-chip bandwidth and
#: dataflow; 259,200 designs. The 2 KiB core memory is too small to hold one tile of the
#: largest arrays (128 rows x 8 lanes): 0.7 % of the designs are rejected by the accelerator.
APOLLO_HARDWARE: list[dict[str, Any]] = [
    _pow2("rows", 4, 128),
    _pow2("cols", 4, 128),
    _pow2("cores", 1, 8),
    _pow2("lanes", 1, 8),
    _ordinal("pe_mem_kib", [0.25, 0.5, 1, 2, 4]),
    _ordinal("core_mem_kib", [2, 32, 128, 512, 2048, 8192]),
    _ordinal("bandwidth_gbps", [0.5, 1, 2, 8, 32]),
    _DATAFLOW,
]

#: The small accelerator space of the NB201 co-design scenarios (96 designs, so the product
#: with the 15,625 cells stays enumerable: 1.5 million designs).
NB201_HARDWARE: list[dict[str, Any]] = [
    _pow2("rows", 8, 64),
    _pow2("cols", 8, 64),
    _ordinal("pe_mem_kib", [0.5, 2]),
    _DATAFLOW,
]
_NB201_BASE = {"preset": "edgetpu", "core_mem_kib": 256}

#: The accelerator knobs of the MobileNet-like co-design (20,736 designs).
MOBILENET_HARDWARE: list[dict[str, Any]] = [
    _pow2("rows", 16, 128),
    _pow2("cols", 16, 128),
    _pow2("lanes", 1, 4),
    _ordinal("pe_mem_kib", [0.5, 1, 2, 4]),
    _ordinal("core_mem_kib", [512, 2048, 8192]),
    _ordinal("bandwidth_gbps", [0.5, 2, 8]),
    _DATAFLOW,
]

_TINY_HARDWARE: list[dict[str, Any]] = [
    _ordinal("rows", [8, 32, 128]),
    _ordinal("cols", [8, 32, 128]),
    _ordinal("lanes", [1, 8]),
    _ordinal("core_mem_kib", [1, 64, 1024]),
    _ordinal("bandwidth_gbps", [0.5, 8]),
    _DATAFLOW,
]

# Infeasible shares (percent of the space), measured by enumeration.
_HW_AREA = {"tight": 10.0, "": 25.0, "loose": 80.0}
_HW_INFEASIBLE = {  # area share is workload-independent (area is analytic); + rejected designs
    "tight": 71,
    "": 52,
    "loose": 28,
}
_NB201_BUDGETS = {
    "tight": {"latency_ms": 0.75, "area_mm2": 3.0},
    "": {"latency_ms": 1.0, "area_mm2": 5.0},
    "loose": {"latency_ms": 1.5, "area_mm2": 8.0},
}
_NB201_INFEASIBLE = {"tight": 96, "": 87, "loose": 61}

#: The shipped entries, id -> document, in catalog order.
ENTRIES: dict[str, dict[str, Any]] = {}


def _add(
    id: str,
    description: str,
    *,
    base: str | dict[str, Any],
    knobs: list[dict[str, Any]],
    objective: str | list[str],
    budgets: dict[str, float],
    ref_point: list[float] | None = None,
    **fields: Any,
) -> None:
    """Add the entry ``id``: its document holds, in this order, ``id``, ``description``,
    ``hardware`` (the ``base`` and a copy of the ``knobs``), the other ``fields``
    (``workloads``, ``aggregate``, ``network``, ``batch``), ``objective``, ``budgets`` and,
    for several objectives, ``ref_point``."""
    doc: dict[str, Any] = {
        "id": id,
        "description": description,
        "hardware": {"base": copy.deepcopy(base), "knobs": copy.deepcopy(knobs)},
        **fields,
        "objective": objective,
        "budgets": dict(budgets),
    }
    if ref_point is not None:
        doc["ref_point"] = ref_point
    ENTRIES[id] = doc


def _add_hw(
    id: str, description: str, *, knobs: list[dict[str, Any]], area_mm2: float, **fields: Any
) -> None:
    """A hardware-only entry: ``knobs`` on the ``edgetpu`` base and fixed ``workloads`` (in
    ``fields``, with the objective) under an area budget."""
    _add(id, description, base="edgetpu", knobs=knobs, budgets={"area_mm2": area_mm2}, **fields)


def _add_codesign_mo(
    id: str, description: str, *, area_mm2: float, ref_point: list[float], **fields: Any
) -> None:
    """A multi-objective co-design entry: maximise accuracy, minimise latency and energy
    under an area budget; the hypervolume is measured above ``ref_point``."""
    _add(
        id,
        description,
        **fields,
        objective=["accuracy", "latency_ms", "energy_mj"],
        budgets={"area_mm2": area_mm2},
        ref_point=ref_point,
    )


def _suffix(level: str) -> str:
    return f"-{level}" if level else ""


for _net in ("mobilenet_v2", "mobilenet_edgetpu", "resnet50", "bert_base"):
    for _level, _area in _HW_AREA.items():
        _add_hw(
            f"hw-{_net}-area{_suffix(_level)}",
            (
                f"Minimise {_net} latency over an Apollo-style accelerator space (259,200 designs) under an "
                f"area budget of {_area:g} mm^2 (45 nm); about {_HW_INFEASIBLE[_level]} % of the space is "
                "infeasible (0.7 % rejected by the accelerator: core memory too small for one tile)."
            ),
            knobs=APOLLO_HARDWARE,
            workloads=_net,
            objective="latency_ms",
            area_mm2=_area,
        )

_add_hw(
    "hw-suite-area",
    (
        "Minimise the geometric-mean latency of mobilenet_v2, mobilenet_edgetpu, resnet50 and bert_base "
        "on one accelerator (Apollo-style space, 259,200 designs) under an area budget of 25 mm^2; "
        "about 52 % of the space is infeasible."
    ),
    knobs=APOLLO_HARDWARE,
    workloads=["mobilenet_v2", "mobilenet_edgetpu", "resnet50", "bert_base"],
    aggregate="geomean",
    objective="latency_ms",
    area_mm2=25.0,
)

_add_hw(
    "hw-mobilenet_v2-mo",
    (
        "Multi-objective: minimise mobilenet_v2 latency and energy over the Apollo-style space "
        "(259,200 designs) under an area budget of 25 mm^2 (about 52 % infeasible); "
        "hypervolume above 10 ms and 10 mJ."
    ),
    knobs=APOLLO_HARDWARE,
    workloads="mobilenet_v2",
    objective=["latency_ms", "energy_mj"],
    area_mm2=25.0,
    ref_point=[-10.0, -10.0],
)

for _level, _b in _NB201_BUDGETS.items():
    _add(
        f"nb201-codesign{_suffix(_level)}",
        (
            "Co-design a NAS-Bench-201 cell (15,625) and a small accelerator (96: array shape, PE memory, "
            f"dataflow): maximise CIFAR-10 validation accuracy (tabular, real training results) under "
            f"latency <= {_b['latency_ms']:g} ms and area <= {_b['area_mm2']:g} mm^2; 1.5 million designs, "
            f"enumerable; about {_NB201_INFEASIBLE[_level]} % infeasible."
        ),
        base=_NB201_BASE,
        knobs=NB201_HARDWARE,
        network={"kind": "nb201", "dataset": "cifar10-valid"},
        objective="accuracy",
        budgets={"latency_ms": _b["latency_ms"], "area_mm2": _b["area_mm2"]},
    )

_add_codesign_mo(
    "nb201-codesign-mo",
    (
        "Multi-objective NAS-Bench-201 x accelerator co-design (1.5 million designs, enumerable): maximise "
        "CIFAR-10 validation accuracy, minimise latency and energy under area <= 5 mm^2 (about 41 % "
        "infeasible); hypervolume above 80 % accuracy, 3 ms and 0.4 mJ."
    ),
    base=_NB201_BASE,
    knobs=NB201_HARDWARE,
    network={"kind": "nb201", "dataset": "cifar10-valid"},
    area_mm2=5.0,
    ref_point=[80.0, -3.0, -0.4],
)

_add(
    "mobilenet-codesign",
    (
        "Co-design an Edge-TPU MobileNet-like network (43 knobs) and an accelerator (7 knobs): maximise "
        "accuracy from the surrogate oracle (fitted to real Fashion-MNIST training results; hardware cost "
        "of the full-size ImageNet network) under latency <= 8 ms and area <= 50 mm^2; about 74 % "
        "infeasible (on 2,000 random designs); not enumerable."
    ),
    base="edgetpu",
    knobs=MOBILENET_HARDWARE,
    network={"kind": "mobilenet", "oracle": "surrogate"},
    objective="accuracy",
    budgets={"latency_ms": 8.0, "area_mm2": 50.0},
)

_add_codesign_mo(
    "mobilenet-codesign-mo",
    (
        "Multi-objective MobileNet-like x accelerator co-design: maximise surrogate accuracy, minimise "
        "latency and energy under area <= 50 mm^2 (about 32 % infeasible on 2,000 random designs); "
        "hypervolume above 60 % accuracy, 20 ms and 20 mJ; not enumerable."
    ),
    base="edgetpu",
    knobs=MOBILENET_HARDWARE,
    network={"kind": "mobilenet", "oracle": "surrogate"},
    area_mm2=50.0,
    ref_point=[60.0, -20.0, -20.0],
)

#: Accel-NASBench co-design, Edge-TPU-like: the Apollo-style knobs on the ``edgetpu``
#: base (int8, 480 MHz), 259,200 accelerators x 1.04e11 ImageNet networks.
ANB_EDGE_HARDWARE: list[dict[str, Any]] = copy.deepcopy(APOLLO_HARDWARE)
#: Accel-NASBench co-design, TPU-like: knobs around one Cloud TPU TensorCore (``tpuv2`` base:
#: bf16, 700 MHz, HBM, XLA's unpacked depthwise): array shape, MXUs, vector memory, HBM
#: bandwidth, dataflow; 2,304 accelerators.
ANB_TPU_HARDWARE: list[dict[str, Any]] = [
    _pow2("rows", 32, 256),
    _pow2("cols", 32, 256),
    _pow2("cores", 1, 4),
    _ordinal("core_mem_kib", [4096, 8192, 16384, 32768]),
    _ordinal("bandwidth_gbps", [100, 200, 350, 700]),
    _DATAFLOW,
]
_ANB_ORACLE = "ImageNet top-1 from the Accel-NASBench oracle (fitted to the benchmark's real training results)"
_ANB_BEST = "reference optimum: best-known (long agent runs, benchmarks/anb_best_known.py)"
#: The highest-accuracy network known in the space (68.75 % top-1 from the oracle; no
#: single-knob change improves it): every stage e6 k5 at its maximum depth, squeeze-excite
#: on from stage 2. Each single-objective budget below excludes it on every accelerator of
#: its space (``benchmarks/anb_best_known.py --check`` prints its best hardware).
#: Budgets, their anchors and what they admit (archgym 0.1.0 cost model; the infeasible
#: share is over 4,000 random designs, ``--check``):
#: * edgetpu: 2.6 ms is the Coral Edge TPU's published MobileNet-v2 latency (USB
#:   Accelerator, coral.ai/docs/edgetpu/benchmarks; the ``edgetpu`` preset gives 2.73
#:   ms); 25 mm^2 is the Apollo-style area budget of the ``hw-*`` scenarios, 63 % of the
#:   ``edgetpu`` preset's 39.7 mm^2 (45 nm). The top network needs >= 3.3 ms within it.
#: * tpu: a 2 ms batch-1 serving SLO on about one TPUv2 TensorCore's area (the ``tpuv2``
#:   preset: 402 mm^2 at 45 nm; it serves EfficientNet-B0 in 5.9 ms at batch 1, so meeting
#:   the SLO needs a re-shaped core, not only a smaller network). EfficientNet-B0 just
#:   misses it (2.01 ms on the best core); the top network needs >= 2.76 ms on any design.
#: * energy: an always-on camera at 30 frames/s on 30 mW of accelerator power: 1 mJ and
#:   33.3 ms a frame (MobileNet-v2 on the ``edgetpu`` preset: 0.95 mJ), area as edgetpu.
#: * throughput: 64 camera streams at 30 frames/s served in batches of 16: >= 1,920
#:   images/s on about one TPUv2 TensorCore's area; the top network reaches 1,300 at most.
_ANB_EDGE_BUDGETS = {"latency_ms": 2.6, "area_mm2": 25.0}
_ANB_TPU_BUDGETS = {"latency_ms": 2.0, "area_mm2": 400.0}
_ANB_ENERGY_BUDGETS = {"energy_mj": 1.0, "latency_ms": 33.3, "area_mm2": 25.0}
_ANB_THROUGHPUT_BUDGETS = {"throughput": 1920.0, "area_mm2": 400.0}
#: Infeasible share (percent of 4,000 random designs, ``anb_best_known.py --check``).
_ANB_INFEASIBLE = {"edgetpu": 98.9, "tpu": 98.2, "energy": 98.0, "throughput": 99.3, "mo": 59}


def _add_anb(name: str, lead: str, tpu: bool, budgets: dict[str, float], **fields: Any) -> None:
    """A single-objective Accel-NASBench entry ``anb-codesign-<name>``: maximise top-1 on
    the TPU-like or the Edge-TPU-like hardware; its description is ``lead`` and the
    infeasible share measured for it."""
    _add(
        f"anb-codesign-{name}",
        f"{lead}; about {_ANB_INFEASIBLE[name]:g} % infeasible (4,000 random designs); "
        f"not enumerable; {_ANB_BEST}.",
        base="tpuv2" if tpu else "edgetpu",
        knobs=ANB_TPU_HARDWARE if tpu else ANB_EDGE_HARDWARE,
        network={"kind": "accel_nasbench"},
        **fields,
        objective="accuracy",
        budgets=budgets,
    )


_add_anb(
    "edgetpu",
    "Co-design an Accel-NASBench ImageNet network (28 knobs, EfficientNet-B0 skeleton) and an "
    f"Edge-TPU-like accelerator (Apollo-style knobs, int8): maximise {_ANB_ORACLE} under latency "
    "<= 2.6 ms at batch 1 (the Coral Edge TPU's published MobileNet-v2 latency) and area <= 25 "
    "mm^2 (the hw-* scenarios' budget, 63 % of the edgetpu preset's); the highest-accuracy "
    "network known needs >= 3.3 ms within that area",
    False,
    _ANB_EDGE_BUDGETS,
)
_add_anb(
    "tpu",
    "Flagship realistic scenario: co-design an Accel-NASBench ImageNet network and a TPU-like "
    "accelerator (tpuv2 base, bf16; array, MXUs, vector memory, HBM bandwidth): maximise "
    f"{_ANB_ORACLE} under a batch-1 serving SLO of latency <= 2 ms and area <= 400 mm^2 (about "
    "one TPUv2 TensorCore, 45 nm; the tpuv2 preset serves EfficientNet-B0 in 5.9 ms); the "
    "highest-accuracy network known needs >= 2.76 ms on any design",
    True,
    _ANB_TPU_BUDGETS,
)
_add_anb(
    "energy",
    "Accel-NASBench x Edge-TPU-like accelerator for an always-on camera (30 frames/s on 30 mW): "
    f"maximise {_ANB_ORACLE} under energy <= 1 mJ an inference, latency <= 33.3 ms and area "
    "<= 25 mm^2 (MobileNet-v2 on the edgetpu preset: 0.95 mJ; the highest-accuracy network known "
    "needs >= 2.97 mJ within that area)",
    False,
    _ANB_ENERGY_BUDGETS,
)
_add_anb(
    "throughput",
    "Accel-NASBench x TPU-like accelerator serving 64 camera streams at 30 frames/s in batches "
    f"of 16: maximise {_ANB_ORACLE} at a throughput floor of 1,920 images/s (batch 16) and area "
    "<= 400 mm^2 (about one TPUv2 TensorCore); the highest-accuracy network known reaches at most "
    "1,300 images/s",
    True,
    _ANB_THROUGHPUT_BUDGETS,
    batch=16,
)
_add_codesign_mo(
    "anb-codesign-mo",
    (
        "Multi-objective Accel-NASBench x Edge-TPU-like co-design: maximise ImageNet top-1, minimise "
        f"latency and energy under area <= 25 mm^2 (about {_ANB_INFEASIBLE['mo']:g} % infeasible on "
        "4,000 random designs); hypervolume above 55 % top-1, 20 ms and 20 mJ; "
        f"not enumerable; {_ANB_BEST} (hypervolume)."
    ),
    base="edgetpu",
    knobs=ANB_EDGE_HARDWARE,
    network={"kind": "accel_nasbench"},
    area_mm2=25.0,
    ref_point=[55.0, -20.0, -20.0],
)

_add_hw(
    "tiny",
    (
        "Tiny smoke-test scenario: minimise mobilenet_v1 latency over 324 accelerator designs under an "
        "area budget of 20 mm^2; some designs are rejected (1 KiB core memory)."
    ),
    knobs=_TINY_HARDWARE,
    workloads="mobilenet_v1",
    objective="latency_ms",
    area_mm2=20.0,
)

_add_hw(
    "tiny-mo",
    (
        "Tiny multi-objective smoke test: minimise mobilenet_v1 latency and accelerator area over 324 designs, "
        "area <= 20 mm^2."
    ),
    knobs=_TINY_HARDWARE,
    workloads="mobilenet_v1",
    objective=["latency_ms", "area_mm2"],
    area_mm2=20.0,
    ref_point=[-50.0, -20.0],
)

_add(
    "tiny-codesign",
    (
        "Tiny co-design smoke test: 64 NB201 cells (skip or 3x3 conv on every edge) x 4 accelerators, "
        "maximise CIFAR-10 validation accuracy under latency <= 1.5 ms and area <= 10 mm^2."
    ),
    base=_NB201_BASE,
    knobs=[
        _ordinal("rows", [16, 64]),
        {"name": "dataflow", "type": "categorical", "choices": ["os", "ws"]},
    ],
    network={
        "kind": "nb201",
        "dataset": "cifar10-valid",
        "restrict": {
            k: ["skip_connect", "nor_conv_3x3"]
            for k in ("edge_0_1", "edge_0_2", "edge_0_3", "edge_1_2", "edge_1_3", "edge_2_3")
        },
    },
    objective="accuracy",
    budgets={"latency_ms": 1.5, "area_mm2": 10.0},
)
