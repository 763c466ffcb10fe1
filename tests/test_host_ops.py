"""Ops a chip leaves to its host CPU (``AcceleratorConfig.host_ops``): the DPU's
squeeze-and-excitation gate on the ARM CPU, and presets without host ops unchanged."""

import numpy as np
import pytest

from archgym import AcceleratorConfig, ConfigBatch, ConfigError, CostOptions, simulate
from archgym.accelerator import HOST_OPS, PRESETS
from archgym.costmodel import simulate_batch
from archgym.workloads import Conv2d, Workload
from archgym.workloads.layers import ACTIVATION_OPS, Activation, Elementwise, GlobalPool, Linear

C, S = 96, 28  # expanded channels, map side
N = C * S * S  # elements of the gated map


def _block(se: bool, batch: int = 1) -> Workload:
    """An MBConv-like block: expand, depthwise, optional squeeze-and-excitation, project."""
    layers = [
        Conv2d(16, C, 1, input_size=S, activation="relu", name="expand"),
        Conv2d(C, C, 3, 1, 1, groups=C, input_size=S, activation="relu", name="dw"),
    ]
    if se:
        layers += [
            GlobalPool(C, S, "avg", name="se_pool"),
            Linear(C, 4, bias=True, activation="relu", name="se_fc1"),
            Linear(4, C, bias=True, activation="sigmoid", name="se_fc2"),
            Elementwise(N, "mul", 2, name="se_scale", inputs=("dw", "se_fc2")),
        ]
    layers.append(Conv2d(C, 16, 1, input_size=S, name="project"))
    return Workload(layers, name=f"block_se{int(se)}", batch=batch)


def test_host_ops_cover_every_activation_of_the_ir():
    assert set(ACTIVATION_OPS) <= set(HOST_OPS)


def test_se_gate_is_slower_on_the_dpu_by_exactly_the_cpu_term():
    dpu = AcceleratorConfig.preset("dpu-zcu102")
    assert dpu.host_ops == "sigmoid"
    wl = _block(se=True)
    with_host = simulate(dpu, wl)
    without = simulate(dpu.replace(host_ops=""), wl)
    # The CPU subgraph: fix2float of the sigmoid's input (C), the sigmoid (C); fix2float of
    # the depthwise map (N), the channel-wise multiply (N), float2fix of its output (N);
    # the tensors crossing through DDR (C + N in, N back) and one DPU-CPU-DPU round trip.
    host_us = (
        (3 * N + 2 * C) / (dpu.host_gbps * 1e3)
        + (2 * N + C) / (dpu.bandwidth_gbps * 1e3)
        + dpu.host_switch_us
    )
    # the chip no longer runs the multiply nor the sigmoid after se_fc2's MACs
    lay = simulate_batch(dpu.replace(host_ops=""), wl, per_layer=True)
    names = list(wl.lowered.layer_names)
    i_mul, i_fc2 = names.index("se_scale"), names.index("se_fc2")
    comp, macc = lay["layer_compute_cycles"][0], lay["layer_mac_cycles"][0]
    moved_cycles = comp[i_mul] + comp[i_fc2] - macc[i_fc2]
    expected_ms = without.latency_ms + host_us / 1e3 - moved_cycles / (dpu.freq_mhz * 1e3)
    assert with_host.latency_ms == pytest.approx(expected_ms, rel=1e-9)
    assert with_host.latency_ms > without.latency_ms + 2.0 * N * 1e-6  # > 2 ns an element
    # the per-layer breakdown adds up to the total, the host time on the host layers
    assert with_host.layers["total_cycles"].sum() == pytest.approx(with_host.total_cycles)
    extra = (
        with_host.layers.set_index("name")["overhead_cycles"]
        - without.layers.set_index("name")["overhead_cycles"]
    )
    assert extra["se_scale"] > extra["se_fc2"] > 0
    assert extra.drop(["se_scale", "se_fc2"]).abs().max() == 0


def test_a_network_without_host_ops_is_not_charged():
    dpu = AcceleratorConfig.preset("dpu-zcu102")
    wl = _block(se=False)
    a = simulate(dpu, wl).latency_ms
    b = simulate(dpu.replace(host_gbps=1e-3, host_switch_us=1e5), wl).latency_ms
    assert a == b == simulate(dpu.replace(host_ops=""), wl).latency_ms


@pytest.mark.parametrize("name", sorted(n for n, c in PRESETS.items() if not c.host_ops))
def test_presets_without_host_ops_ignore_the_host_fields(name):
    cfg = AcceleratorConfig.preset(name)
    wl = _block(se=True)
    a = simulate_batch(cfg, wl)
    b = simulate_batch(cfg.replace(host_gbps=1e-3, host_switch_us=1e5), wl)
    for key in ("latency_ms", "energy_mj", "dram_bytes", "compute_cycles"):
        assert np.array_equal(a[key], b[key]), key


def test_an_elementwise_op_reading_a_host_output_runs_on_the_host_a_conv_does_not():
    dpu = AcceleratorConfig.preset("dpu-zcu102")
    n = 32 * 14 * 14
    base = [
        Conv2d(16, 32, 1, input_size=14, name="a"),
        Activation(n, "tanh", name="act", inputs=("a",)),
    ]
    add = Workload(base + [Elementwise(n, "add", 2, name="add", inputs=("act", "a"))])
    conv = Workload(base + [Conv2d(32, 32, 1, input_size=14, name="c", inputs=("act",))])
    cfg = dpu.replace(host_ops="tanh", host_switch_us=0.0)
    off = CostOptions(op_overhead=False)  # the Edge TPU runtime's dispatch costs: not here

    def us(wl: Workload) -> float:
        return simulate(cfg, wl, options=off).overhead_cycles / dpu.freq_mhz

    # tanh: its input converted in, the op; the add: "a" converted in, the op, the result
    # converted back (the network output); tanh's output stays on the host
    assert us(add) == pytest.approx(5 * n / 1e3 + 3 * n / (dpu.bandwidth_gbps * 1e3))
    # the conv stays on the chip: tanh's output is converted back for it
    assert us(conv) == pytest.approx(3 * n / 1e3 + 2 * n / (dpu.bandwidth_gbps * 1e3))


def test_host_time_grows_with_the_batch():
    dpu = AcceleratorConfig.preset("dpu-zcu102")
    one, eight = (
        simulate(dpu, _block(True, b)).overhead_cycles
        - simulate(dpu.replace(host_ops=""), _block(True, b)).overhead_cycles
        for b in (1, 8)
    )
    switch = dpu.host_switch_us * dpu.freq_mhz
    assert eight - switch == pytest.approx(8 * (one - switch))


def test_designs_with_and_without_host_ops_evaluate_in_one_batch():
    dpu = AcceleratorConfig.preset("dpu-zcu102")
    cb = ConfigBatch.from_configs([dpu, dpu.replace(host_ops=""), dpu])
    lat = simulate_batch(cb, _block(True))["latency_ms"]
    assert lat[0] == lat[2] > lat[1]
    assert lat[0] == pytest.approx(simulate(dpu, _block(True)).latency_ms)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"host_ops": "sigmoid,foo"}, r"host_ops must be a comma-separated subset of \["),
        ({"host_ops": 32}, "host_ops must be a comma-separated subset"),
        ({"host_gbps": 0.0}, r"host_gbps must be a finite number in \[0\.001"),
        ({"host_switch_us": -1.0}, r"host_switch_us must be a finite number in \[0,"),
    ],
)
def test_bad_host_fields_name_the_field(changes, match):
    with pytest.raises(ConfigError, match=match):
        AcceleratorConfig.preset("dpu-zcu102", **changes)


def test_host_ops_round_trip_through_batches_and_dicts():
    cfg = AcceleratorConfig.preset("edgetpu", host_ops=" tanh , sigmoid")
    assert cfg.host_ops == "sigmoid,tanh"  # canonical order
    assert AcceleratorConfig.from_dict(cfg.to_dict()) == cfg
    cb = ConfigBatch.from_configs([cfg])
    assert cb[0].host_ops == "sigmoid,tanh"
    assert ConfigBatch.from_arrays(host_ops=["sigmoid", ""]).host_ops.tolist() == [
        1 << HOST_OPS.index("sigmoid"),
        0,
    ]
