"""Presets of real chips (Cloud TPU v2/v3, Xilinx DPUs) and the Accel-NASBench predictions."""

import numpy as np
import pandas as pd
import pytest

import archgym
from archgym import AcceleratorConfig, ConfigBatch, ConfigError, CostOptions
from archgym.validation import ACCEL_NASBENCH_SETUP, predict_accel_nasbench
from archgym.workloads import Conv2d, Workload
from archgym.workloads.accel_nasbench import EFFICIENTNET_B0, load_accel_nasbench

CHIPS = ("tpuv2", "tpuv3", "dpu-zcu102", "dpu-vck190")


@pytest.mark.parametrize("name", CHIPS)
def test_chip_presets_exist_and_validate(name):
    cfg = AcceleratorConfig.preset(name)
    assert cfg.name == name
    assert AcceleratorConfig.from_dict(cfg.to_dict()) == cfg
    assert ConfigBatch.from_configs([cfg])[0] == cfg.replace(name="")


def test_tpu_presets_match_the_published_peaks():
    # TPUv2: 46 TFLOPS a chip = 2 TensorCores; TPUv3: 123 TFLOPS a chip (bf16)
    assert 2 * AcceleratorConfig.preset("tpuv2").peak_tops == pytest.approx(46, rel=0.01)
    assert 2 * AcceleratorConfig.preset("tpuv3").peak_tops == pytest.approx(123, rel=0.01)
    # DPUCVDX8G C32 batch handler: 256 ops x 32 AI Engines x 1.25 GHz = 10.24 TOPS (PG389)
    assert AcceleratorConfig.preset("dpu-vck190").peak_tops == pytest.approx(10.24)
    # B4096 at 281 MHz: 4096 ops a cycle, three cores = 3.45 TOPS (UG1354)
    assert 3 * AcceleratorConfig.preset("dpu-zcu102").peak_tops == pytest.approx(3.45, rel=0.01)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"dw_pixels": -1, "dw_channels": 16}, r"dw_pixels must be an integer in 0\.\."),
        ({"dw_pixels": 4, "dw_channels": 0}, "both be 0"),
        ({"dw_pixels": 0, "dw_channels": 16}, "both be 0"),
        ({"dw_channels": 1.5}, "dw_channels must be an integer"),
        ({"pack_groups": "no"}, "pack_groups must be True or False"),
        ({"lanes": 0}, r"lanes must be an integer in 1\.\."),
        ({"core_mem_kib": 0.1}, r"core_mem_kib is too small.*got 0\.1 KiB"),
    ],
)
def test_chip_preset_bad_values_name_the_field(changes, match):
    with pytest.raises(ConfigError, match=match):
        AcceleratorConfig.preset("dpu-zcu102", **changes)


def test_batch_validation_rejects_a_half_configured_depthwise_engine():
    with pytest.raises(ConfigError, match="dw_pixels and dw_channels"):
        ConfigBatch.from_arrays(rows=[8, 8], dw_pixels=[4, 4], dw_channels=[16, 0])


def _dw(channels=96, k=3, size=28):
    return Conv2d(channels, channels, k, 1, k // 2, groups=channels, input_size=size, name="dw")


def test_depthwise_engine_runs_one_tap_a_cycle_over_its_pixels_and_channels():
    cfg = AcceleratorConfig.preset("dpu-zcu102")  # engine of 4 pixels x 16 channels
    rep = archgym.simulate(cfg, _dw(96, 3, 28), options=CostOptions(op_overhead=False))
    # ceil(96 / 16) channel passes x ceil(784 / 4) pixel passes x 9 taps
    assert rep.compute_cycles == 6 * 196 * 9
    # without the engine the same layer runs on the 8x16 array, far slower
    on_array = archgym.simulate(
        cfg.replace(dw_pixels=0, dw_channels=0),
        _dw(96, 3, 28),
        options=CostOptions(op_overhead=False),
    )
    assert on_array.compute_cycles > 3 * rep.compute_cycles


def test_unpacked_groups_make_depthwise_cost_independent_of_the_kernel():
    tpu = AcceleratorConfig.preset("tpuv2")  # XLA: one MXU pass per channel
    opts = CostOptions(op_overhead=False)
    k3 = archgym.simulate(tpu, _dw(128, 3), options=opts).compute_cycles
    k5 = archgym.simulate(tpu, _dw(128, 5), options=opts).compute_cycles
    assert k5 == pytest.approx(k3, rel=0.05)
    packed = tpu.replace(pack_groups=True)
    p3 = archgym.simulate(packed, _dw(128, 3), options=opts).compute_cycles
    p5 = archgym.simulate(packed, _dw(128, 5), options=opts).compute_cycles
    assert p3 < k3 and p5 > 2 * p3


def test_non_depthwise_layers_ignore_the_depthwise_fields():
    wl = Workload([Conv2d(64, 128, 3, 1, 1, input_size=28, name="c")], name="c")
    a = archgym.simulate("dpu-zcu102", wl)
    b = archgym.simulate(AcceleratorConfig.preset("dpu-zcu102", dw_pixels=0, dw_channels=0), wl)
    assert a.latency_ms == b.latency_ms


@pytest.fixture(scope="module")
def archs():
    return load_accel_nasbench().head(6)


@pytest.mark.parametrize("device", sorted(ACCEL_NASBENCH_SETUP))
def test_predict_accel_nasbench_shapes_and_units(archs, device):
    pred = predict_accel_nasbench(archs, device)
    assert pred.shape == (len(archs),) and np.all(np.isfinite(pred)) and np.all(pred > 0)
    if device.startswith("tpu"):  # images/s of a TensorCore: hundreds to tens of thousands
        assert np.all((pred > 50) & (pred < 1e5))
    else:  # ms for one image on one DPU core
        assert np.all((pred > 0.1) & (pred < 100))


def test_predict_accel_nasbench_accepts_mappings_and_lowers_duplicates_once(archs):
    one = dict(EFFICIENTNET_B0)
    a = predict_accel_nasbench([one, one], "zcu102")
    assert a[0] == a[1] == predict_accel_nasbench(one, "zcu102")[0]


def test_predict_accel_nasbench_throughput_is_batch_over_latency(archs):
    from archgym.workloads import accel_nasbench

    t = predict_accel_nasbench(archs, "tpuv2", batch=8)
    arch = archs.iloc[2].to_dict()
    rep = archgym.simulate(
        "tpuv2", accel_nasbench(arch, batch=8), options=CostOptions(op_overhead=False)
    )
    assert t[2] == pytest.approx(8e3 / rep.latency_ms)
    # a bigger machine is faster, more images per call amortise the weights
    assert np.all(predict_accel_nasbench(archs, "tpuv3") > predict_accel_nasbench(archs, "tpuv2"))
    assert np.all(predict_accel_nasbench(archs, "tpuv2", batch=1) < t)


def test_predict_accel_nasbench_names_bad_devices_and_columns(archs):
    with pytest.raises(ValueError, match="device must be one of"):
        predict_accel_nasbench(archs, "tpuv4")
    with pytest.raises(Exception, match="block0_e"):
        predict_accel_nasbench(archs.drop(columns=["block0_e"]), "tpuv2")


def test_vck190_latency_is_six_images_on_six_batch_handlers_together(archs):
    # The authors measure the VCK190 at batch 6: one image on each of the C32B6's six batch
    # handlers, running together, so the call takes what one image takes on one handler.
    six = predict_accel_nasbench(archs, "vck190")
    assert ACCEL_NASBENCH_SETUP["vck190"]["batch"] == 6
    np.testing.assert_array_equal(six, predict_accel_nasbench(archs, "vck190", batch=1))
    assert np.all(predict_accel_nasbench(archs, "vck190", batch=12) > six)
    with pytest.raises(ValueError, match="batch must be a positive integer"):
        predict_accel_nasbench(archs, "vck190", batch=0)


def test_both_dpus_run_the_se_gate_on_their_host_cpu():
    df = load_accel_nasbench()
    has = df[[f"block{i}_se" for i in range(7)]].to_numpy().sum(axis=1) > 0
    archs = pd.concat([df[has].head(3), df[~has].head(3)])
    se = np.array([True] * 3 + [False] * 3)
    for device, preset in (("zcu102", "dpu-zcu102"), ("vck190", "dpu-vck190")):
        with_host = predict_accel_nasbench(archs, device)
        cfg = AcceleratorConfig.preset(preset)
        archgym.accelerator.PRESETS[preset] = cfg.replace(host_ops="")
        try:
            without = predict_accel_nasbench(archs, device)
        finally:
            archgym.accelerator.PRESETS[preset] = cfg
        assert np.all(with_host[se] > without[se])
        np.testing.assert_array_equal(with_host[~se], without[~se])
