"""Tests of the model zoo: published MACs / parameters, structure, options, and an
independent cross-check against hand-written PyTorch networks."""

from __future__ import annotations

import json

import pytest

from archgym import workloads
from archgym.workloads import (
    Concat,
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
    "efficientnet_edgetpu_l",
    "efficientnet_edgetpu_m",
    "efficientnet_edgetpu_s",
    "inception_v1",
    "inception_v4",
    "mobilenet_edgetpu",
    "mobilenet_v1",
    "mobilenet_v2",
    "resnet152_v2",
    "resnet50",
    "resnet50_v1",
    "squeezenet",
    "vgg16",
    "vit_b16",
]
# The networks of Coral's Edge TPU benchmark table added beside the MobileNets.
CORAL = [
    "efficientnet_edgetpu_l",
    "efficientnet_edgetpu_m",
    "efficientnet_edgetpu_s",
    "inception_v1",
    "inception_v4",
    "resnet152_v2",
    "resnet50_v1",
    "squeezenet",
    "vgg16",
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
#   efficientnet_edgetpu_s/m/l  4.72 / 7.34 / 19.36 GOPs    (Vitis AI 2.5 model zoo; = 2 x MACs)
#                      5.44 / 6.90 / 10.59 M params         (timm tf_efficientnet_es/em/el, with BN)
#   inception_v1       1.5 G mult-adds, 6.62 M params       (paper; torchvision googlenet)
#   inception_v4       24.55 GOPs at 299, 42.7 M params     (Vitis AI 2.5; timm inception_v4)
#   resnet50_v1        3.8 G FLOPs (mult-adds)              (He et al. 2016, Table 1)
#   resnet152_v2       40.47 GOPs at 299, 60.38 M params    (Vitis AI 2.5; Keras ResNet152V2)
#   squeezenet (1.0)   0.82 G MACs, 1,248,424 params        (torchvision squeezenet1_0)
#   vgg16              15.47 G MACs, 138.36 M params        (torchvision; Keras VGG16)
PUBLISHED = {
    "mobilenet_v1": (569e6, 4.2e6),
    "mobilenet_v2": (300e6, 3.47e6),
    "mobilenet_edgetpu": (990e6, 4.0e6),
    "efficientnet_b0": (0.39e9, 5.3e6),
    "resnet50": (4.09e9, 25.56e6),
    "bert_base": (11.17e9, 110e6),
    "vit_b16": (17.56e9, 86.6e6),
    "efficientnet_edgetpu_s": (2.36e9, 5.44e6),
    "efficientnet_edgetpu_m": (3.67e9, 6.90e6),
    "efficientnet_edgetpu_l": (9.68e9, 10.59e6),
    "inception_v1": (1.5e9, 6.62e6),
    "inception_v4": (12.275e9, 42.7e6),
    "resnet50_v1": (3.8e9, 25.56e6),
    "resnet152_v2": (20.235e9, 60.38e6),
    "squeezenet": (0.82e9, 1.248424e6),
    "vgg16": (15.47e9, 138.36e6),
}


@pytest.fixture(scope="module")
def zoo() -> dict[str, workloads.Workload]:
    return {name: workloads.load(name) for name in ALL}


def test_list_zoo_and_registry() -> None:
    assert workloads.list_zoo() == ALL
    assert set(workloads.ZOO) == set(ALL)
    assert all(callable(b) for b in workloads.ZOO.values())
    # every builder stays reachable at workloads.zoo.<name>, whichever family module holds it
    from archgym.workloads import zoo

    for name, builder in workloads.ZOO.items():
        assert getattr(zoo, name) is builder and name in zoo.__all__


def test_fused_inverted_bottleneck_keeps_its_stride() -> None:
    """The one inverted-bottleneck builder of the MobileNets and EfficientNets: a fused block
    strides on its KxK expansion, or on its 1x1 projection when told to (the 2019
    EfficientNet-EdgeTPU code) or when there is no expansion convolution."""
    from archgym.workloads.zoo_graph import _Net
    from archgym.workloads.zoo_mobilenet import _inverted_residual

    def block(expand: int, **kw) -> list:
        net = _Net(16, 8)
        _inverted_residual(net, "b_", 16, expand, 3, 2, "relu", fused=True, **kw)
        return [(layer.name, layer.stride, layer.output_size) for layer in net.layers]

    assert block(4) == [("b_fused", (2, 2), (4, 4)), ("b_project", (1, 1), (4, 4))]
    assert block(4, stride_on_projection=True) == [
        ("b_fused", (1, 1), (8, 8)),
        ("b_project", (2, 2), (4, 4)),
    ]
    assert block(1) == [("b_project", (2, 2), (4, 4))]


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
    assert all(isinstance(layer, type(again[i])) for i, layer in enumerate(wl))
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


# --------------------------------------------------------------------------------------
# The networks of Coral's benchmark table
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CORAL)
def test_coral_networks_graph(zoo: dict[str, workloads.Workload], name: str) -> None:
    """Every concatenation joins maps of one size and names all its producers; every add
    joins tensors of one size; the Coral figure it is validated against is recorded."""
    wl = zoo[name]
    first = wl[0]
    assert isinstance(first, Conv2d) and first.in_channels == 3
    assert first.input_size == (wl.meta["input_shape"][-1],) * 2
    for layer in wl:
        if isinstance(layer, Concat):
            assert len(layer.inputs) == len(layer.channels) >= 2
            for src, c in zip(layer.inputs, layer.channels, strict=True):
                producer = wl[src]
                assert producer.output_elems == c * layer.input_size[0] * layer.input_size[1]
            assert layer.output_elems == layer.input_elems == layer.vector_ops
        if isinstance(layer, Elementwise) and layer.op == "add":
            assert all(wl[src].output_elems == layer.elems for src in layer.inputs)
    coral = wl.meta["coral_benchmark"]
    assert coral["usb_latency_ms"] > 0 and "coral.ai" in coral["source"]
    if coral["input_size"] != wl.meta["input_shape"][-1]:  # ResNet-50 v1 runs at 299 there
        assert workloads.load(name, input_size=coral["input_size"]).macs > wl.macs


@pytest.mark.parametrize("name", CORAL)
def test_coral_networks_simulate(name: str) -> None:
    """``archgym.simulate`` runs every new network; the per-layer table has one row a layer,
    concatenations under kind "concat" with no MACs."""
    import archgym

    wl = workloads.load(name)
    rep = archgym.simulate("edgetpu", wl)
    assert rep.latency_ms > 0 and rep.energy_mj > 0
    table = rep.layers
    assert list(table["name"]) == [layer.name for layer in wl]
    concat = table[table["kind"] == "concat"]
    assert len(concat) == sum(1 for layer in wl if isinstance(layer, Concat))
    assert (concat["macs"] == 0).all()
    # by default a channel concatenation is a view its producers write into (no cost);
    # as a copy (CostOptions(concat_view=False)) each one takes time
    copy = archgym.simulate("edgetpu", wl, options=archgym.CostOptions(concat_view=False))
    copied = copy.layers[copy.layers["kind"] == "concat"]
    assert (copied["latency_ms"] > 0).all()
    assert copy.latency_ms > rep.latency_ms if len(concat) else copy.latency_ms == rep.latency_ms
    assert table["macs"].sum() == pytest.approx(wl.macs)


def test_efficientnet_edgetpu_structure() -> None:
    s = workloads.load("efficientnet_edgetpu_s")
    convs = [layer for layer in s if isinstance(layer, Conv2d)]
    fused = [c for c in convs if c.name.endswith("fused")]
    # 1 + 2 + 4 fused blocks (3x3 full convolutions), all before the first depthwise
    assert len(fused) == 7 and all(c.kernel_size == (3, 3) and c.groups == 1 for c in fused)
    first_dw = next(i for i, c in enumerate(convs) if c.kind == "depthwise")
    assert all(c.kind != "depthwise" for c in convs[:first_dw])
    assert convs.index(fused[-1]) < first_dw
    # the first block expands the 32-wide stem to 24 * 4 = 96, with no skip
    assert (s["s0_b0_fused"].in_channels, s["s0_b0_fused"].out_channels) == (32, 96)
    assert "s0_b0_add" not in {layer.name for layer in s}
    # as released (2019): the stride of a fused block is on its 1x1 projection
    assert s["s1_b0_fused"].stride == (1, 1) and s["s1_b0_fused"].input_size == (112, 112)
    assert s["s1_b0_project"].stride == (2, 2) and s["s1_b0_project"].output_size == (56, 56)
    assert {c.kernel_size for c in convs if c.kind == "depthwise"} == {(5, 5)}
    assert {c.activation for c in convs} == {"relu", None}
    assert s["logits"].n == 1001 and s["head"].out_channels == 1280
    # tensorflow/tpu issue #660: moving the stride to the 3x3 expansion saves ~24 % of
    # EfficientNet-EdgeTPU-S's operations; the parameters do not change
    fixed = workloads.load("efficientnet_edgetpu_s", stride_on_expansion=True)
    assert 1 - fixed.macs / s.macs == pytest.approx(0.24, abs=0.01)
    assert fixed.params == s.params
    # ... which gives timm's efficientnet_es / em / el (1.8 / 3.0 / 8.0 GMACs, 2 digits)
    for variant, gmacs in (("s", 1.8), ("m", 3.0), ("l", 8.0)):
        wl = workloads.load(f"efficientnet_edgetpu_{variant}", stride_on_expansion=True)
        assert wl.macs / 1e9 == pytest.approx(gmacs, rel=0.02)
    # M: depth 1.1 (ceil(1.1 r) blocks), 240x240; L: width 1.2 (multiples of 8), depth 1.4
    m = workloads.load("efficientnet_edgetpu_m")
    assert m[0].input_size == (240, 240)
    assert sum(1 for c in m if getattr(c, "name", "").endswith("fused")) == 2 + 3 + 5
    lg = workloads.load("efficientnet_edgetpu_l")
    assert lg[0].input_size == (300, 300) and lg["stem"].out_channels == 40
    assert lg["head"].out_channels == 1536 and lg["avgpool"].input_size == (10, 10)
    assert sum(1 for c in lg if c.kind == "depthwise") == 7 + 6 + 3


def test_inception_structure() -> None:
    v1 = workloads.load("inception_v1")
    concats = [layer for layer in v1 if isinstance(layer, Concat)]
    assert len(concats) == 9
    assert [c.out_channels for c in concats] == [256, 480, 512, 512, 512, 528, 832, 832, 1024]
    assert {c.input_size for c in concats} == {(28, 28), (14, 14), (7, 7)}
    assert v1["mixed3b_b2_3x3"].kernel_size == (3, 3)  # TF-slim's 3x3 (the paper's 5x5)

    v4 = workloads.load("inception_v4")
    concats = [layer for layer in v4 if isinstance(layer, Concat)]
    # stem 3, A 4, reduction-A 1, B 7, reduction-B 1, C 3 x (2 inner + 1)
    assert len(concats) == 3 + 4 + 1 + 7 + 1 + 3 * 3
    sizes = {c.name: (c.out_channels, c.input_size) for c in concats}
    assert sizes["mixed3a_concat"] == (160, (73, 73))
    assert sizes["mixed5a_concat"] == (384, (35, 35))
    assert sizes["mixed6a_concat"] == (1024, (17, 17))
    assert sizes["mixed7a_concat"] == (1536, (8, 8))
    assert sizes["mixed7d_b1_concat"] == (512, (8, 8))
    assert v4["mixed6b_b1_1x7"].kernel_size == (1, 7) and v4["mixed6b_b1_1x7"].padding == (0, 3)
    assert v4["mixed5b_b3_pool"].mode == "avg" and v4["avgpool"].input_size == (8, 8)


def test_resnet_v1_and_v2() -> None:
    v15, v1 = workloads.load("resnet50"), workloads.load("resnet50_v1")
    assert v1.params == v15.params and v1.macs < v15.macs
    assert v1["layer2_0_conv1"].stride == (2, 2) and v1["layer2_0_conv2"].stride == (1, 1)
    assert v15["layer2_0_conv1"].stride == (1, 1) and v15["layer2_0_conv2"].stride == (2, 2)
    assert [layer.kind for layer in v1] == [layer.kind for layer in v15]

    v2 = workloads.load("resnet152_v2")
    adds = [layer for layer in v2 if isinstance(layer, Elementwise) and layer.op == "add"]
    assert len(adds) == 3 + 8 + 36 + 3
    # pre-activation: a BatchNorm (affine) + ReLU before every unit, and once at the end
    affine = [layer for layer in v2 if isinstance(layer, Elementwise) and layer.op == "mul"]
    assert len(affine) == len(adds) + 1 and all(a.n_inputs == 1 for a in affine)
    assert sum(1 for layer in v2 if layer.kind == "activation") == len(adds) + 1
    # the stride is on the 3x3 conv of a stage's last unit, its shortcut a 1x1/2 max pool
    assert v2["block1_unit3_conv2"].stride == (2, 2)
    pool = v2["block1_unit3_shortcut_pool"]
    assert pool.mode == "max" and pool.kernel_size == (1, 1) and pool.output_size == (38, 38)
    assert v2["block1_unit3_add"].inputs == ("block1_unit3_conv3", "block1_unit3_shortcut_pool")
    # a stage's first unit projects the preact; units without BatchNorm after them have biases
    edges = set(v2.edges())
    assert ("block2_unit1_preact_relu", "block2_unit1_shortcut") in edges
    assert ("block2_unit1_preact_relu", "block2_unit1_conv1") in edges
    assert ("block1_unit3_preact_relu", "block1_unit3_conv1") in edges
    assert v2["block2_unit1_conv3"].bias and not v2["block2_unit1_conv2"].bias
    assert v2["avgpool"].input_size == (10, 10) and v2["logits"].n == 1001


def test_squeezenet_and_vgg16() -> None:
    sq = workloads.load("squeezenet")
    assert sq.meta["version"] == "1.0"
    concats = [layer for layer in sq if isinstance(layer, Concat)]
    assert len(concats) == 8 and concats[0].channels == (64, 64)
    assert concats[0].inputs == ("fire2_expand1x1", "fire2_expand3x3")
    # Caffe's ceil-mode pools: 109 -> 54 -> 27 -> 13
    pools = [layer for layer in sq if isinstance(layer, Pool) and layer.mode == "max"]
    assert [p.output_size[0] for p in pools] == [54, 27, 13]
    assert sq["conv10"].out_channels == 1000 and sq["avgpool"].input_size == (13, 13)

    vgg = workloads.load("vgg16")
    assert sum(1 for layer in vgg if layer.kind == "conv") == 13
    assert vgg["fc1"].k == 7 * 7 * 512 and vgg["fc1"].activation == "relu"
    assert vgg["predictions"].n == 1000


@pytest.mark.parametrize(
    ("cls", "name"), [("InceptionV1", "inception_v1"), ("SqueezeNet10", "squeezenet")]
)
def test_cross_check_concat_networks_against_torch(torch_nets, cls: str, name: str) -> None:
    """Hand-written PyTorch GoogLeNet (torchvision's layout, ceil-mode pools) and SqueezeNet
    1.0: the importer's graph is the zoo's, concatenation for concatenation."""
    model = torch_nets.on_meta(getattr(torch_nets, cls))
    macs, params = torch_nets.count(model, (1, 3, 224, 224))
    zoo_wl = workloads.load(name)
    assert (zoo_wl.macs, zoo_wl.params) == (macs, params)
    imported = workloads.from_torch(model, (1, 3, 224, 224))
    assert (imported.macs, imported.params) == (macs, params)
    assert [layer.kind for layer in imported] == [layer.kind for layer in zoo_wl]
    assert [layer.vector_ops for layer in imported] == [layer.vector_ops for layer in zoo_wl]
    assert [layer.output_elems for layer in imported] == [layer.output_elems for layer in zoo_wl]
    # the same graph: edges agree once layers are matched by position
    rename = {a.name: b.name for a, b in zip(imported, zoo_wl, strict=True)}
    rename["input"] = "input"
    assert sorted((rename[a], rename[b]) for a, b in imported.edges()) == sorted(zoo_wl.edges())


def test_coral_meta_only_for_the_benchmarked_network() -> None:
    assert workloads.load("mobilenet_v2").meta["coral_benchmark"]["usb_latency_ms"] == 2.6
    assert "coral_benchmark" not in workloads.load("mobilenet_v2", width_multiplier=0.5).meta


@pytest.mark.parametrize("size", [160, 193, 331])
def test_coral_networks_other_input_sizes(size: int) -> None:
    for name in CORAL:
        wl = workloads.load(name, input_size=size)
        assert wl[0].input_size == (size, size) and wl.macs > 0
