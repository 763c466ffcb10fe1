"""The Edge-TPU MobileNet-like search space and its lowering to a Workload."""

from __future__ import annotations

import math

import numpy as np
import pytest

from archgym.workloads import Elementwise, Workload, WorkloadError
from archgym.workloads.mobilenet_space import (
    MOBILENET_SPACE_KNOBS,
    STAGE_TEMPLATE,
    build_plan,
    canonical_choice,
    choice_features,
    default_choice,
    make_divisible,
    mobilenet_design_space,
    mobilenet_workload,
    random_choice,
    space_size,
    validate_choice,
)


def _uniform(
    block: str, expansion: int = 6, kernel: int = 3, depth: int = 1, group: int = 16
) -> dict:
    c = default_choice()
    for i in range(1, 8):
        c.update(
            {
                f"s{i}_block": block,
                f"s{i}_expansion": expansion,
                f"s{i}_kernel": kernel,
                f"s{i}_depth": depth,
                f"s{i}_group": group,
                f"s{i}_width": 1.0,
            }
        )
    return c


def test_knob_list_is_plain_data() -> None:
    assert len(MOBILENET_SPACE_KNOBS) == 7 * 6 + 1
    names = [n for n, _, _ in MOBILENET_SPACE_KNOBS]
    assert len(set(names)) == len(names)
    assert set(default_choice()) == set(names)
    for name, kind, choices in MOBILENET_SPACE_KNOBS:
        assert kind in ("categorical", "ordinal")
        assert len(choices) >= 2, name
        if kind == "ordinal":
            assert list(choices) == sorted(choices), name
    assert space_size() == math.prod(len(c) for _, _, c in MOBILENET_SPACE_KNOBS)
    assert space_size(distinct=True) < space_size()


def test_default_workload_macs_by_hand() -> None:
    wl = mobilenet_workload(default_choice())
    assert isinstance(wl, Workload)
    # Stem: 3x3 stride 2, 3 -> 32 channels, 224 -> 112.
    stem = wl["stem"]
    assert stem.output_size == (112, 112)
    assert stem.macs == 112 * 112 * 32 * (3 * 3 * 3)
    # Block s1b1 (fused IBN, expansion 1, kernel 3, stride 1, 32 -> 16 channels):
    # the fused 3x3 conv 32 -> 32 at 112x112, then the 1x1 projection 32 -> 16.
    assert wl["s1b1_fused"].macs == 112 * 112 * 32 * (3 * 3 * 32) == 115_605_504
    assert wl["s1b1_project"].macs == 112 * 112 * 16 * 32 == 6_422_528
    # Block s4b1 (depthwise IBN, expansion 8, stride 2, 40 -> 80 channels, 28 -> 14):
    assert wl["s4b1_expand"].macs == 28 * 28 * 320 * 40
    assert wl["s4b1_dw"].macs == 14 * 14 * 320 * 9
    assert wl["s4b1_project"].macs == 14 * 14 * 80 * 320
    # The classifier.
    assert wl["classifier"].macs == 1280 * 1000
    # Plausible for a MobileNetEdgeTPU-like net (the real one: ~990M MACs, ~4M params).
    assert 5e8 < wl.macs < 1.5e9
    assert 3e6 < wl.params < 9e6
    assert wl.meta["input_shape"] == (3, 224, 224)
    assert wl["head"].input_size == (7, 7)  # total stride 32


def test_block_kinds() -> None:
    ibn = mobilenet_workload(_uniform("ibn"))
    assert ibn["s2b1_expand"].kind == "pointwise"
    assert ibn["s2b1_dw"].kind == "depthwise"
    assert ibn["s2b1_project"].kind == "pointwise"
    assert ibn["s2b1_project"].activation is None
    assert ibn["s2b1_dw"].activation == "relu" and ibn["s2b1_expand"].activation == "relu"

    fused = mobilenet_workload(_uniform("fused_ibn"))
    kinds = [layer.kind for layer in fused if layer.name.startswith("s2b1_")]
    assert kinds == ["conv", "pointwise"]
    assert fused["s2b1_fused"].groups == 1
    assert fused["s2b1_fused"].kernel_size == (3, 3)
    assert "depthwise" not in {layer.kind for layer in fused}

    grouped = mobilenet_workload(_uniform("grouped_ibn", group=8))
    g = grouped["s2b1_gconv"]  # input: 16 channels (stage 1), groups of 8 channels
    assert g.kind == "conv" and g.groups == 2 and g.in_channels == 16 and g.out_channels == 96

    # Expansion 1 with a depthwise IBN block: no expand layer.
    thin = mobilenet_workload(_uniform("ibn", expansion=1))
    names = {layer.name for layer in thin}
    assert "s2b1_expand" not in names and "s2b1_dw" in names


def test_every_conv_has_folded_bias_and_relu_is_fused() -> None:
    wl = mobilenet_workload(random_choice(3))
    for layer in wl:
        if layer.is_mac and layer.kind != "gemm":
            assert layer.bias, layer.name
    assert all(layer.kind not in ("activation",) for layer in wl)


def test_residual_adds_name_both_producers() -> None:
    wl = mobilenet_workload(_uniform("ibn", depth=3))
    adds = [layer for layer in wl if isinstance(layer, Elementwise)]
    assert adds, "stride-1 blocks with equal widths must add their input"
    names = [layer.name for layer in wl]
    for add in adds:
        assert len(add.inputs) == 2
        block = add.name.removesuffix("_add")
        assert add.inputs[1] == f"{block}_project"
        # The other producer is the previous block's output (or its add).
        assert names.index(add.inputs[0]) < names.index(f"{block}_project")
    # The first block of a stride-2 stage has no residual.
    assert "s2b1_add" not in names and "s2b2_add" in names
    # Edges: the add consumes both; the next block consumes the add.
    edges = set(wl.edges())
    assert ("s2b1_project", "s2b2_add") in edges and ("s2b2_project", "s2b2_add") in edges


def test_grouped_group_size_is_clamped_by_construction() -> None:
    c = _uniform("grouped_ibn", group=32)
    plan = build_plan(c)
    for b in plan.blocks:
        gsize = b.in_channels // b.groups
        assert b.in_channels % b.groups == 0 and b.expanded % b.groups == 0
        assert gsize == math.gcd(32, b.in_channels)
    # Stage 3's first block reads 24 channels: groups of 32 become groups of 8.
    s3 = next(b for b in plan.blocks if b.name == "s3b1")
    assert s3.in_channels == 24 and s3.groups == 3


@pytest.mark.parametrize(
    "name,kind,choices", MOBILENET_SPACE_KNOBS, ids=[k[0] for k in MOBILENET_SPACE_KNOBS]
)
def test_every_knob_value_is_accepted(name: str, kind: str, choices: tuple) -> None:
    for value in choices:
        for block in ("ibn", "fused_ibn", "grouped_ibn"):
            c = _uniform(block, expansion=1 if block == "ibn" else 8)
            c[name] = value
            wl = mobilenet_workload(c)
            assert wl.macs > 0


def test_invalid_choices_give_clear_errors() -> None:
    c = default_choice()
    c["s3_kernel"] = 7
    with pytest.raises(WorkloadError, match=r"s3_kernel=7 .*allowed values: 3, 5"):
        mobilenet_workload(c)
    c = default_choice()
    c["s1_block"] = "mbconv"
    with pytest.raises(
        WorkloadError, match=r"s1_block='mbconv'.*'ibn', 'fused_ibn', 'grouped_ibn'"
    ):
        validate_choice(c)
    c = default_choice()
    del c["resolution"]
    with pytest.raises(WorkloadError, match="missing keys.*resolution"):
        validate_choice(c)
    c = default_choice()
    c["s8_block"] = "ibn"
    with pytest.raises(WorkloadError, match="unknown keys.*s8_block"):
        validate_choice(c)
    with pytest.raises(WorkloadError, match="must be a dict"):
        validate_choice([1, 2, 3])  # type: ignore[arg-type]


def test_numeric_values_are_normalised() -> None:
    c = default_choice()
    c["s2_width"] = 1  # int for 1.0
    c["s2_depth"] = np.int64(2)
    v = validate_choice(c)
    assert v["s2_width"] == 1.0 and isinstance(v["s2_width"], float)
    assert type(v["s2_depth"]) is int


def test_random_choice_is_seeded_and_valid() -> None:
    a = random_choice(np.random.default_rng(5))
    b = random_choice(5)
    assert a == b
    rng = np.random.default_rng(0)
    for _ in range(20):
        wl = mobilenet_workload(random_choice(rng))
        assert wl.macs > 0


def test_resolution_and_classes() -> None:
    wl = mobilenet_workload(default_choice(), num_classes=10, resolution=160)
    assert wl["stem"].input_size == (160, 160)
    assert wl["classifier"].macs == 1280 * 10
    assert wl.macs < mobilenet_workload(default_choice()).macs


def test_canonical_choice_and_features() -> None:
    a = default_choice()
    b = dict(a, s7_group=32)  # s7 is an ibn stage: the group size does not matter
    assert canonical_choice(a) == canonical_choice(b)
    assert np.array_equal(choice_features(a), choice_features(b))
    assert choice_features(a).shape == (57,)


def test_scaled_plan_for_small_inputs() -> None:
    plan = build_plan(
        default_choice(),
        resolution=28,
        in_channels=1,
        width_scale=0.125,
        divisor=2,
        max_downsamples=3,
    )
    assert plan.head_input_size == 4
    assert sum(b.stride == 2 for b in plan.blocks) + (plan.stem_stride == 2) == 3
    assert [b.out_channels for b in plan.blocks][-1] == make_divisible(320 * 0.125, 2)
    assert len(plan.blocks) == sum(
        default_choice()[f"s{i}_depth"] for i in range(1, len(STAGE_TEMPLATE) + 1)
    )


def test_design_space_conversion() -> None:
    space = mobilenet_design_space()
    if isinstance(space, list):  # archgym.space not available: the plain data
        assert space == MOBILENET_SPACE_KNOBS
        return
    assert space.size == space_size()
    assert space.names == [n for n, _, _ in MOBILENET_SPACE_KNOBS]
    d = default_choice()
    assert space.decode(space.encode(d)) == d
    for vec in space.sample(5, seed=0):
        assert mobilenet_workload(space.decode(vec)).macs > 0
