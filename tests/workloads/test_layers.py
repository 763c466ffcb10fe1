"""Tests of the layer IR (workloads/layers.py and the layers_base / layers_mac /
layers_vector modules it gathers): costs, the plain-data round trip, frozen layers, and
errors that name the layer and the field."""

from __future__ import annotations

import dataclasses

import pytest

from archgym import workloads
from archgym.workloads import layers

#: One instance of every layer type of LAYER_TYPES, with non-default fields.
SAMPLES = [
    layers.Conv2d(16, 32, (3, 5), 2, (1, 2), dilation=(1, 2), input_size=(20, 24), bias=True),
    layers.Gemm(4, 8, 16, bias=True, activation="gelu", name="g"),
    layers.MatMul(12, 128, 64, 128, name="qk", inputs=("q", "k")),
    layers.Pool(8, 3, 2, 1, input_size=(15, 15), mode="max"),
    layers.Elementwise(100, op="mul", n_inputs=1),
    layers.Concat([8, 16, 24], input_size=(7, 7), inputs=("a", "b", "c")),
    layers.Activation(64, fn="swish"),
    layers.Softmax(12 * 128, 128, name="sm"),
    layers.LayerNorm(128, 768, name="ln"),
]


def test_samples_cover_every_layer_type() -> None:
    assert {type(s).__name__ for s in SAMPLES} == set(layers.LAYER_TYPES)


@pytest.mark.parametrize("layer", SAMPLES, ids=lambda layer: type(layer).__name__)
def test_plain_data_round_trip(layer: layers.Layer) -> None:
    """The plain-data form (a layer of a YAML/JSON layer list) builds the same layer back."""
    data = layer.to_dict()
    back = layers.LAYER_TYPES[data.pop("type")](**data)
    assert back == layer
    assert (back.macs, back.params, back.vector_ops) == (layer.macs, layer.params, layer.vector_ops)


@pytest.mark.parametrize("layer", SAMPLES, ids=lambda layer: type(layer).__name__)
def test_layers_are_frozen(layer: layers.Layer) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        layer.name = "renamed"  # type: ignore[misc]
    assert layer.renamed("renamed").name == "renamed" and layer.name != "renamed"


def test_softmax_and_layernorm_costs() -> None:
    """Both reduce over the last axis of a rows x cols tensor: 5 (softmax) and 8 (layer
    norm) vector operations an element; only the layer norm has parameters (scale, shift)."""
    sm, ln = layers.Softmax(6, 10), layers.LayerNorm(6, 10)
    assert (sm.kind, ln.kind) == ("softmax", "layernorm")
    assert (sm.input_elems, sm.output_elems, sm.vector_ops) == (60, 60, 300)
    assert (ln.input_elems, ln.output_elems, ln.vector_ops) == (60, 60, 480)
    assert (sm.params, sm.weight_elems, ln.params, ln.weight_elems) == (0, 0, 20, 20)
    assert not sm.is_mac and sm.macs == 0 and sm.gemm() is None
    assert sm != layers.LayerNorm(6, 10)  # same fields, different layers


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: layers.Softmax(0, 4), "softmax: rows must be a positive integer, got 0"),
        (lambda: layers.LayerNorm(4, 2.5, name="ln1"), "ln1: cols must be a positive integer"),
        (lambda: layers.Conv2d(3, 8, (1, 2, 3)), "conv: kernel_size must be an int or a pair"),
        (lambda: layers.Conv2d(3, 8, 3, groups=2), "groups=2 must divide in_channels=3"),
        (lambda: layers.Pool(4, 2, stride=True, name="p"), "p: stride must be an int or a pair"),
        (lambda: layers.Gemm(1, 0, 4, name="fc"), "fc: n must be a positive integer"),
        (lambda: layers.Elementwise(8, op="div"), "op must be one of add, mul, sub, max"),
        (lambda: layers.Activation(8, fn="mish"), "fn must be one of"),
        (lambda: layers.Concat([8]), "channels must list at least 2 inputs"),
    ],
)
def test_bad_field_names_layer_and_field(build, message: str) -> None:
    with pytest.raises(layers.WorkloadError, match=message.replace("(", r"\(")):
        build()


def test_constructors() -> None:
    dw = layers.DepthwiseConv2d(32, 3, 2, 1, multiplier=2, input_size=16)
    assert (dw.kind, dw.groups, dw.out_channels, dw.output_size) == ("depthwise", 32, 64, (8, 8))
    pw = layers.PointwiseConv2d(32, 64, input_size=(4, 6), activation="relu")
    assert (pw.kind, pw.output_size, pw.vector_ops) == ("pointwise", (4, 6), 64 * 24)
    fc = layers.Linear(768, 10, tokens=3)
    assert (fc.gemm(), fc.params) == (layers.GemmView(1, 3, 10, 768), 768 * 10 + 10)
    gp = layers.GlobalPool(16, (7, 5))
    assert (gp.output_size, gp.vector_ops) == ((1, 1), 16 * 35)


def test_every_name_of_layers_resolves_at_its_old_path() -> None:
    """The names split into layers_base / layers_mac / layers_vector stay importable from
    ``archgym.workloads.layers`` and ``archgym.workloads`` (the same objects)."""
    for name in layers.__all__:
        assert getattr(workloads, name) is getattr(layers, name), name
