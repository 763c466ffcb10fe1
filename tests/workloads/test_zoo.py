"""Tests of the model zoo: published MACs / parameters, structure, options, and an
independent cross-check against hand-written PyTorch networks."""

from __future__ import annotations

import json

import pytest

from archgym import workloads
from archgym.workloads import (
    Conv2d,
    Elementwise,
    Gemm,
    LayerNorm,
    MatMul,
    Pool,
    Softmax,
    WorkloadError,
)

ALL = [
    "bert_base",
    "efficientnet_b0",
    "mobilenet_edgetpu",
    "mobilenet_v1",
    "mobilenet_v2",
    "resnet50",
    "vit_b16",
]
CNNS = ["efficientnet_b0", "mobilenet_edgetpu", "mobilenet_v1", "mobilenet_v2", "resnet50"]

# The figures each model must reproduce within 2 %. They are the ones the literature
# reports for exactly the graph the zoo builds (all "FLOPs" below are multiply-adds):
#   mobilenet_v1       569 M mult-adds, 4.2 M params        (Howard et al. 2017, Table 8)
#   mobilenet_v2       300 M MACs, 3.47 M params            (TF-slim MobileNet README; no BN)
#   mobilenet_edgetpu  990 M MACs, 4.0 M params             (TF-slim MobileNet README, dm=1)
#   efficientnet_b0    0.39 B FLOPs, 5.3 M params           (Tan & Le 2019, Table 2)
#   resnet50           4.09 G MACs, 25.56 M params          (torchvision v1.5; the paper's 3.8 G
#                                                            is v1, stride on the 1x1 conv)
#   bert_base          110 M params incl. embeddings+pooler (Devlin et al. 2019); the MAC
#                                                            figure is analytic (checked below)
#   vit_b16            17.56 G MACs, 86.6 M params          (torchvision vit_b_16 table)
PUBLISHED = {
    "mobilenet_v1": (569e6, 4.2e6),
    "mobilenet_v2": (300e6, 3.47e6),
    "mobilenet_edgetpu": (990e6, 4.0e6),
    "efficientnet_b0": (0.39e9, 5.3e6),
    "resnet50": (4.09e9, 25.56e6),
    "bert_base": (11.17e9, 110e6),
    "vit_b16": (17.56e9, 86.6e6),
}


@pytest.fixture(scope="module")
def zoo() -> dict[str, workloads.Workload]:
    return {name: workloads.load(name) for name in ALL}


def test_list_zoo_and_registry() -> None:
    assert workloads.list_zoo() == ALL
    assert set(workloads.ZOO) == set(ALL)
    assert all(callable(b) for b in workloads.ZOO.values())


@pytest.mark.parametrize("name", ALL)
def test_published_macs_and_params(zoo: dict[str, workloads.Workload], name: str) -> None:
    wl = zoo[name]
    macs, params = PUBLISHED[name]
    meta = wl.meta
    assert meta["source"]
    assert meta["published_macs"] == pytest.approx(macs, rel=1e-3)
    assert meta["published_params"] == pytest.approx(params, rel=1e-3)
    assert wl.macs == pytest.approx(macs, rel=0.02)
    # params_excluded: parameters that are not layers (embedding tables, class token)
    assert wl.params + meta.get("params_excluded", 0) == pytest.approx(params, rel=0.02)


@pytest.mark.parametrize("name", ALL)
def test_plain_data_and_graph(zoo: dict[str, workloads.Workload], name: str) -> None:
    wl = zoo[name]
    doc = json.loads(json.dumps(wl.to_dict()))
    again = workloads.Workload.from_dict(doc)
    assert again.macs == wl.macs and again.params == wl.params and len(again) == len(wl)
    assert again.edges() == wl.edges()
    # Exactly one layer (the classifier / last LayerNorm) is not consumed by another.
    assert int(wl.lowered.is_last.sum()) == 1
    assert wl.lowered.is_first[0]


@pytest.mark.parametrize("name", CNNS)
def test_cnn_structure(zoo: dict[str, workloads.Workload], name: str) -> None:
    wl = zoo[name]
    layers = list(wl)
    pool, fc = layers[-2], layers[-1]
    assert isinstance(pool, Pool) and pool.kind == "pool" and pool.input_size == (7, 7)
    assert pool.kernel_size == (7, 7) and pool.output_size == (1, 1)
    assert isinstance(fc, Gemm) and fc.m == 1 and fc.bias and fc.k == pool.channels
    assert fc.n == wl.meta["num_classes"]
    first = layers[0]
    assert (
        isinstance(first, Conv2d)
        and first.input_size == (224, 224)
        and first.output_size == (112, 112)
    )
    assert first.activation is not None
    for layer in layers:
        if isinstance(layer, Conv2d):
            assert not layer.bias or layer.name.endswith(("se_reduce", "se_expand")), layer.name
        if isinstance(layer, Elementwise):
            assert len(layer.inputs) == 2
            a, b = (wl[n] for n in layer.inputs)
            assert a.output_elems == layer.elems
            if layer.op == "add":
                assert b.output_elems == layer.elems


def test_residuals_and_activations() -> None:
    v2 = workloads.load("mobilenet_v2")
    adds = [layer for layer in v2 if isinstance(layer, Elementwise)]
    assert len(adds) == 10  # the stride-1 blocks with equal widths
    for add in adds:
        producer, shortcut = add.inputs
        assert producer.endswith("project") and wl_kind(v2, producer) == "pointwise"
        # the shortcut is the block input: the previous block's projection or add
        assert wl_kind(v2, shortcut) in ("pointwise", "eltwise") and shortcut != producer
        assert v2[shortcut].output_elems == add.elems
    acts = {layer.activation for layer in v2 if isinstance(layer, Conv2d)}
    assert acts == {"relu6", None}
    assert all(v2[n].activation is None for n in (a.inputs[0] for a in adds))  # linear bottlenecks
    dws = [layer for layer in v2 if layer.kind == "depthwise"]
    assert len(dws) == 17 and all(d.kernel_size == (3, 3) for d in dws)

    r50 = workloads.load("resnet50")
    adds = [layer for layer in r50 if isinstance(layer, Elementwise)]
    assert len(adds) == 16
    assert sum(1 for layer in r50 if layer.kind == "activation") == 16
    assert sum(1 for layer in r50 if layer.name.endswith("downsample")) == 4
    assert r50["maxpool"].mode == "max" and r50["maxpool"].output_size == (56, 56)


def wl_kind(wl: workloads.Workload, name: str) -> str:
    return wl[name].kind


def test_efficientnet_squeeze_excite() -> None:
    wl = workloads.load("efficientnet_b0")
    muls = [layer for layer in wl if isinstance(layer, Elementwise) and layer.op == "mul"]
    assert len(muls) == 16  # one SE block per MBConv block
    for mul in muls:
        gated, gate = mul.inputs
        assert wl[gated].kind == "depthwise" and wl[gated].activation == "swish"
        assert wl[gate].activation == "sigmoid" and wl[gate].bias
        assert (
            wl[gate].output_elems * wl[gated].output_size[0] * wl[gated].output_size[1] == mul.elems
        )
    pools = [layer for layer in wl if layer.name.endswith("se_pool")]
    assert len(pools) == 16
    reduce = wl["b1_se_reduce"]  # block 1: 16 -> 24, SE squeezes to int(16 * 0.25) = 4
    assert reduce.in_channels == 96 and reduce.out_channels == 4 and reduce.activation == "swish"
    assert sum(1 for layer in wl if isinstance(layer, Elementwise) and layer.op == "add") == 9


# Per-layer multiply-adds of MobilenetEdgeTPU in TF-slim's mobilenet_v3.py layer table
# (ops in order: stem, then expand / depthwise / project of expanded_conv..expanded_conv_21,
# Conv_1, logits), 3 significant digits.
_EDGETPU_SLIM_MADDS_M = (
    [10.8, 6.42, 57.8, 12.8]
    + [115.6, 12.8] * 3
    + [57.8, 9.63]
    + [65.0, 7.23] * 3
    + [14.5, 0.6774, 7.23]
    + [7.23, 0.6774, 7.23] * 3
    + [14.5, 1.35, 14.5]
    + [7.23, 0.6774, 7.23] * 3
    + [14.5, 0.9408, 6.02]
    + [5.02, 0.784, 5.02] * 3
    + [10.0, 0.5645, 12.0]
    + [12.0, 1.28]
)


def test_mobilenet_edgetpu_matches_reference_layer_table() -> None:
    wl = workloads.load("mobilenet_edgetpu")
    macs = [layer.macs / 1e6 for layer in wl if layer.is_mac]
    assert len(macs) == len(_EDGETPU_SLIM_MADDS_M)
    assert macs == pytest.approx(_EDGETPU_SLIM_MADDS_M, rel=0.005)
    # the table's totals: 990.7 M MAdds (incl. 62.7 k for the average pool), 4.05 M params
    assert wl.macs == pytest.approx(990.7e6 - 62.7e3, rel=1e-3)
    assert wl.params == pytest.approx(4.05e6, rel=2e-3)


def test_mobilenet_edgetpu_fused_then_depthwise() -> None:
    wl = workloads.load("mobilenet_edgetpu")
    convs = [layer for layer in wl if isinstance(layer, Conv2d)]
    first_dw = next(i for i, c in enumerate(convs) if c.kind == "depthwise")
    fused = [c for c in convs[:first_dw] if c.name.endswith("fused")]
    # 8 fused IBNs (3x3 full convolutions to the expanded width) in the 56x56 / 28x28 stages
    assert len(fused) == 8
    assert all(c.kernel_size == (3, 3) and c.kind == "conv" and c.groups == 1 for c in fused)
    assert {c.input_size for c in fused} == {(112, 112), (56, 56), (28, 28)}
    assert wl["s1_b0_fused"].out_channels == 128 and wl["s1_b0_fused"].stride == (2, 2)
    assert all(c.kind != "depthwise" for c in convs[:first_dw])
    assert sum(1 for c in convs if c.kind == "depthwise") == 13
    assert {c.kernel_size for c in convs if c.kind == "depthwise"} == {(3, 3), (5, 5)}
    # the e8 block in the 14x14 stage has no skip connection
    assert "s7_b0_add" not in {layer.name for layer in wl}
    assert "s8_b0_add" in {layer.name for layer in wl}
    assert {c.activation for c in convs} == {"relu", None}
    assert wl.meta["num_classes"] == 1001


def test_mobilenet_edgetpu_075() -> None:
    # README, "MobilenetEdgeTPU dm=0.75": 624 M MACs, 2.9 M params (figures truncated, as
    # 990.7 -> 990 for dm=1 shows)
    wl = workloads.load("mobilenet_edgetpu", width_multiplier=0.75)
    assert 624e6 <= wl.macs < 625e6
    assert 2.9e6 <= wl.params < 3.0e6


@pytest.mark.parametrize(
    ("name", "options", "macs", "params"),
    [
        # TF-slim MobileNet READMEs (MACs truncated to whole millions)
        ("mobilenet_v2", {"input_size": 160}, 154e6, 3.47e6),
        ("mobilenet_v2", {"width_multiplier": 0.5}, 97e6, 1.95e6),
        ("mobilenet_v1", {"width_multiplier": 0.5, "input_size": 160}, 77e6, 1.32e6),
    ],
)
def test_options_reproduce_published_variants(
    name: str, options: dict, macs: float, params: float
) -> None:
    wl = workloads.load(name, **options)
    assert wl.macs == pytest.approx(macs, rel=0.01)
    assert wl.params == pytest.approx(params, rel=0.01)


def test_bert_base_independent_count() -> None:
    wl = workloads.load("bert_base")
    h, f, t, heads, n = 768, 3072, 128, 12, 12
    assert wl.macs == n * (4 * t * h * h + 2 * t * f * h + 2 * heads * t * t * 64) == 11_173_625_856
    per_layer = 4 * (h * h + h) + (h * f + f) + (f * h + h) + 2 * 2 * h
    assert wl.params == n * per_layer + 2 * h  # + the embedding LayerNorm
    # with the embedding tables (30522 + 512 + 2 rows) and the pooler: HF bert-base-uncased
    assert wl.params + wl.meta["params_excluded"] == 109_482_240
    kinds = [layer.kind for layer in wl]
    assert kinds.count("matmul") == 2 * n and kinds.count("softmax") == n
    assert kinds.count("layernorm") == 2 * n + 1 and kinds.count("gemm") == 6 * n
    qk, av = wl["l0_qk"], wl["l0_av"]
    assert isinstance(qk, MatMul) and (qk.batch, qk.m, qk.n, qk.k) == (12, 128, 128, 64)
    assert isinstance(av, MatMul) and (av.batch, av.m, av.n, av.k) == (12, 128, 64, 128)
    assert qk.inputs == ("l0_q", "l0_k") and av.inputs == ("l0_softmax", "l0_v")
    sm = wl["l0_softmax"]
    assert isinstance(sm, Softmax) and (sm.rows, sm.cols) == (12 * 128, 128)
    assert wl["l0_ffn1"].activation == "gelu" and wl["l0_q"].m == 128
    assert wl["l0_add1"].inputs == ("l0_out", "embed_ln")
    assert isinstance(wl["l11_ln2"], LayerNorm)
    short = workloads.load("bert_base", seq_len=64, num_layers=2)
    assert short.macs == 2 * (4 * 64 * h * h + 2 * 64 * f * h + 2 * heads * 64 * 64 * 64)


def test_vit_b16_independent_count() -> None:
    wl = workloads.load("vit_b16")
    h, f, t, n = 768, 3072, 197, 12
    per_layer_macs = 4 * t * h * h + 2 * t * f * h + 2 * 12 * t * t * 64
    assert wl.macs == n * per_layer_macs + 196 * 3 * 16 * 16 * h + h * 1000
    assert wl.meta["tokens"] == 197
    patch = wl["patch_embed"]
    assert isinstance(patch, Conv2d) and patch.kernel_size == (16, 16) and patch.stride == (16, 16)
    assert patch.output_size == (14, 14) and patch.out_channels == 768
    # timm / torchvision count 86,567,656 incl. class token and position embedding
    assert wl.params + wl.meta["params_excluded"] == 86_567_656
    assert wl["l0_ln1"].inputs == ("pos_embed",) and wl["l0_add1"].inputs == ("l0_out", "pos_embed")
    assert wl["l0_add2"].inputs == ("l0_ffn2", "l0_add1")


def test_load_errors() -> None:
    with pytest.raises(WorkloadError, match="known: bert_base, efficientnet_b0") as info:
        workloads.load("alexnet")
    assert isinstance(info.value, ValueError)
    with pytest.raises(
        WorkloadError, match="'seq_len'.*accepted: input_size, num_classes, width_multiplier"
    ):
        workloads.load("mobilenet_v2", seq_len=12)
    with pytest.raises(WorkloadError, match="width_multiplier"):
        workloads.load("mobilenet_v1", width_multiplier=0)
    with pytest.raises(WorkloadError):
        workloads.load("vit_b16", input_size=200)
    assert workloads.load("MobileNet-V2").name == "mobilenet_v2"
    assert workloads.load("resnet50", num_classes=10)["fc"].n == 10


@pytest.mark.parametrize(
    ("cls", "name"),
    [
        ("MobileNetV1", "mobilenet_v1"),
        ("MobileNetV2", "mobilenet_v2"),
        ("EfficientNetB0", "efficientnet_b0"),
        ("ResNet50", "resnet50"),
    ],
)
def test_cross_check_against_torch(torch_nets, cls: str, name: str) -> None:
    """Hand-written PyTorch versions of the networks (conftest): an independent hook-based
    count and the importer agree exactly with the zoo."""
    model = torch_nets.on_meta(getattr(torch_nets, cls))
    macs, params = torch_nets.count(model, (1, 3, 224, 224))
    zoo_wl = workloads.load(name)
    assert (zoo_wl.macs, zoo_wl.params) == (macs, params)
    imported = workloads.from_torch(model, (1, 3, 224, 224))
    assert (imported.macs, imported.params) == (macs, params)
    assert [layer.kind for layer in imported] == [layer.kind for layer in zoo_wl]
    assert [getattr(layer, "activation", None) for layer in imported] == [
        getattr(layer, "activation", None) for layer in zoo_wl
    ]
    assert [layer.vector_ops for layer in imported] == [layer.vector_ops for layer in zoo_wl]
