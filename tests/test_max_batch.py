"""Chips whose compiled calls take a bounded batch (``AcceleratorConfig.max_batch``): the
Edge TPU runs a batch as a loop of one-image calls."""

import numpy as np
import pytest

from archgym import AcceleratorConfig, ConfigBatch, ConfigError, simulate
from archgym.costmodel import simulate_batch
from archgym.workloads import load


def test_the_edge_tpu_runs_a_batch_as_one_image_calls():
    cfg = AcceleratorConfig.preset("edgetpu")
    assert cfg.max_batch == 1
    one = simulate(cfg, load("mobilenet_v2"))
    eight = simulate(cfg, load("mobilenet_v2", batch=8))
    assert eight.latency_ms == pytest.approx(8 * one.latency_ms)
    assert eight.energy_mj == pytest.approx(8 * one.energy_mj)
    assert eight.totals["dram_bytes"] == pytest.approx(8 * one.totals["dram_bytes"])
    assert eight.throughput == pytest.approx(one.throughput)
    assert eight.layers["total_cycles"].sum() == pytest.approx(eight.total_cycles)


@pytest.mark.parametrize("name", ["mobilenet_v2", "bert_base"])
def test_a_split_batch_is_the_calls_of_the_smaller_batch(name):
    """max_batch=2 at batch 6: three calls of what the network lowered at batch 2 costs
    (activation-stationary attention matmuls included)."""
    cfg = AcceleratorConfig.preset("edgetpu-large", max_batch=2)
    whole = simulate_batch(cfg, load(name, batch=6))
    two = simulate_batch(cfg.replace(max_batch=0), load(name, batch=2))
    for key in ("latency_ms", "energy_mj", "dram_bytes", "macs", "sram_bytes", "total_cycles"):
        assert whole[key][0] == pytest.approx(3 * two[key][0], rel=1e-12), key
    assert whole["throughput"][0] == pytest.approx(6e3 / whole["latency_ms"][0])


def test_designs_that_split_and_designs_that_do_not_share_one_call():
    base = AcceleratorConfig.preset("edgetpu")
    cb = ConfigBatch.from_configs([base, base.replace(max_batch=0), base.replace(max_batch=4)])
    wl = load("mobilenet_v1", batch=4)
    rep = simulate_batch(cb, wl, per_layer=True)
    for i, c in enumerate(cb):
        single = simulate_batch(c, wl, per_layer=True)
        for key in ("latency_ms", "energy_mj", "throughput", "layer_total_cycles"):
            np.testing.assert_allclose(rep[key][i], single[key][0], rtol=1e-12)
    # a batch that fits one call is evaluated as it is
    assert rep["latency_ms"][2] == rep["latency_ms"][1]


def test_max_batch_leaves_batch_one_and_scalesim_alone():
    cfg = AcceleratorConfig.preset("edgetpu")
    wl = load("mobilenet_v2")
    assert simulate(cfg, wl).latency_ms == simulate(cfg.replace(max_batch=0), wl).latency_ms
    b4 = load("mobilenet_v2", batch=4)
    a = simulate(cfg, b4, "scalesim").compute_cycles
    assert a == simulate(cfg.replace(max_batch=0), b4, "scalesim").compute_cycles


@pytest.mark.parametrize("bad", [-1, 1.5, "1", True])
def test_bad_max_batch_names_the_field(bad):
    with pytest.raises(ConfigError, match="max_batch"):
        AcceleratorConfig.preset("edgetpu", max_batch=bad)
