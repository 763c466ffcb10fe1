"""Batch size as a workload option: lowering, cost model totals, throughput."""

from __future__ import annotations

import numpy as np
import pytest

from archgym.accelerator import AcceleratorConfig
from archgym.costmodel import TOTAL_FIELDS, simulate, simulate_batch
from archgym.workloads import Conv2d, Gemm, Workload, WorkloadError, load, mobilenet_workload
from archgym.workloads.accel_nasbench import EFFICIENTNET_B0, accel_nasbench
from archgym.workloads.importers import from_file
from archgym.workloads.mobilenet_space import default_choice
from archgym.workloads.nb201 import nb201

PRESETS = ["edgetpu", "edgetpu-large", "eyeriss"]


@pytest.mark.parametrize("name", ["mobilenet_v2", "resnet50", "bert_base"])
def test_batch_one_is_the_batch_free_workload(name: str) -> None:
    plain = load(name)
    one = load(name, batch=1)
    assert plain.batch == one.batch == 1
    for mode in ("default", "scalesim"):
        a = simulate_batch([AcceleratorConfig.preset(p) for p in PRESETS], plain, mode)
        b = simulate_batch([AcceleratorConfig.preset(p) for p in PRESETS], one, mode)
        for k in TOTAL_FIELDS:
            np.testing.assert_array_equal(a[k], b[k])
        np.testing.assert_allclose(a["throughput"], 1e3 / a["latency_ms"], rtol=1e-12)


def test_lowering_scales_rows_macs_and_activations_not_weights() -> None:
    one, eight = load("resnet50").lowered, load("resnet50", batch=8).lowered
    assert eight.batch == 8
    np.testing.assert_array_equal(eight.macs, 8 * one.macs)
    np.testing.assert_array_equal(eight.px, 8 * one.px)
    np.testing.assert_array_equal(eight.groups, one.groups)
    np.testing.assert_array_equal(eight.weight_elems, one.weight_elems)
    for f in ("input_elems", "output_elems", "vector_ops"):
        np.testing.assert_array_equal(getattr(eight, f), 8 * getattr(one, f))
    # attention: the activation x activation products repeat per sequence
    b1, b4 = load("bert_base").lowered, load("bert_base", batch=4).lowered
    mm = b1.kind == 4
    assert mm.any()
    np.testing.assert_array_equal(b4.groups[mm], 4 * b1.groups[mm])
    np.testing.assert_array_equal(b4.px[mm], b1.px[mm])
    np.testing.assert_array_equal(b4.px[~mm], 4 * b1.px[~mm])
    wl = load("resnet50", batch=8)
    assert wl.macs == 8 * load("resnet50").macs and wl.params == load("resnet50").params


def test_a_batched_conv_is_the_gemm_with_batch_times_the_rows() -> None:
    """SCALE-Sim mode: a 3x3 conv on 4 images costs what the im2col GEMM with 4x the rows does."""
    conv = Conv2d(32, 64, 3, 1, 1, input_size=14, name="c")
    px, W = 14 * 14, 3 * 3 * 32
    gemm = Gemm(4 * px, 64, W, name="g")
    cfg = AcceleratorConfig.preset("edgetpu")
    a = simulate(cfg, Workload([conv], batch=4), "scalesim")
    b = simulate(cfg, Workload([gemm]), "scalesim")
    assert a.compute_cycles == b.compute_cycles
    assert a.totals["macs"] == b.totals["macs"] == 4 * conv.macs


def test_throughput_grows_with_batch_until_compute_bound() -> None:
    """With room for the activations and a fast interface, batching amortises the per-op
    dispatch and the array's fill and drain: throughput rises, then flattens."""
    cfg = AcceleratorConfig.preset("edgetpu-large", core_mem_kib=262144.0, bandwidth_gbps=1000.0)
    for name in ("mobilenet_v2", "resnet50"):
        batches = [1, 2, 4, 8, 16, 32, 64, 128, 256]
        thr = np.array([simulate(cfg, load(name, batch=b)).throughput for b in batches])
        lat = np.array([simulate(cfg, load(name, batch=b)).latency_ms for b in batches])
        assert np.all(np.diff(thr) > 0), (name, thr)
        assert np.all(np.diff(lat) > 0)  # latency is per call
        assert thr[-1] / thr[-2] < 1.05  # flat: compute-bound
        assert thr[-1] > 2 * thr[0]


def test_weights_are_fetched_once_per_batch() -> None:
    """Parameters that do not fit on chip stream once per call, whatever the batch."""
    cfg = AcceleratorConfig.preset(
        "edgetpu", pe_mem_kib=0.5, core_mem_kib=262144.0, shared_onchip=False, max_batch=0
    )  # a separate parameter cache: the core memory cannot hold parameters; one call a
    # batch (the real Edge TPU loops one-image calls: tests/test_max_batch.py)
    one = simulate(cfg, load("mobilenet_v1"))
    four = simulate(cfg, load("mobilenet_v1", batch=4))
    io_bytes = 3 * 224 * 224 + 1000  # int8 input image and logits
    assert not one.totals["weights_onchip"]
    assert four.totals["dram_bytes"] - one.totals["dram_bytes"] == pytest.approx(3 * io_bytes)


def test_every_builder_takes_a_batch(tmp_path) -> None:
    assert load("mobilenet_v2", batch=8).batch == 8
    assert nb201(0, batch=4).batch == 4
    assert mobilenet_workload(default_choice(), batch=2).batch == 2
    assert accel_nasbench(EFFICIENTNET_B0, batch=16).batch == 16
    doc = load("mobilenet_v1", batch=3).to_dict()
    assert doc["batch"] == 3 and Workload.from_dict(doc).batch == 3
    path = tmp_path / "tiny.yaml"
    path.write_text(
        "name: tiny\nbatch: 5\nlayers:\n"
        "  - {type: Conv2d, name: c1, in_channels: 3, out_channels: 8, kernel_size: 3,"
        " padding: 1, input_size: 32}\n"
    )
    wl = from_file(path)
    assert wl.batch == 5 and wl.lowered.px[0] == 5 * 32 * 32
    assert load("resnet50", batch=4).with_batch(1).lowered.px[0] == load("resnet50").lowered.px[0]


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "8"])
def test_bad_batch_names_the_field(bad) -> None:
    with pytest.raises(WorkloadError, match="batch"):
        load("mobilenet_v2", batch=bad)


def test_sim_report_throughput() -> None:
    rep = simulate("edgetpu", load("mobilenet_v2", batch=2))
    assert rep.throughput == pytest.approx(2e3 / rep.latency_ms)
    assert "inferences/s" in rep.summary()


def test_from_torch_reads_the_batch_dimension() -> None:
    torch = pytest.importorskip("torch")
    from archgym.workloads import from_torch

    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(8, 10),
    )
    four = from_torch(net, (4, 3, 16, 16))
    one = from_torch(net, (1, 3, 16, 16))
    assert four.batch == 4 and one.batch == 1
    assert [layer.to_dict() for layer in four] == [layer.to_dict() for layer in one]
    a, b = four.lowered, one.with_batch(4).lowered
    for f in ("px", "groups", "macs", "weight_elems", "input_elems", "output_elems"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    assert four.meta["input_shape"] == [4, 3, 16, 16]
