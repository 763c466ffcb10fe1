"""AcceleratorConfig and ConfigBatch: validation, presets, batches."""

import numpy as np
import pytest

import archgym
from archgym import AcceleratorConfig, ConfigBatch, ConfigError


def test_edgetpu_preset_is_edge_tpu_like():
    cfg = AcceleratorConfig.preset("edgetpu")
    assert (cfg.rows, cfg.cols, cfg.dtype) == (64, 64, "int8")
    assert 3.8 <= cfg.peak_tops <= 4.2  # Coral: 4 TOPS int8
    assert 7.5 <= cfg.onchip_mib <= 8.5  # about 8 MB on chip


def test_small_and_large_presets_bracket_the_default():
    small, mid, large = (
        AcceleratorConfig.preset(n) for n in ("edgetpu-small", "edgetpu", "edgetpu-large")
    )
    assert small.peak_tops < mid.peak_tops < large.peak_tops
    assert small.onchip_mib < mid.onchip_mib < large.onchip_mib


def test_replace_validates_and_keeps_other_fields():
    cfg = AcceleratorConfig.preset("edgetpu").replace(rows=32, dataflow="os")
    assert (cfg.rows, cfg.cols, cfg.dataflow) == (32, 64, "os")
    with pytest.raises(ConfigError, match="rows"):
        cfg.replace(rows=0)
    with pytest.raises(ConfigError, match="unknown AcceleratorConfig field"):
        cfg.replace(row=3)


@pytest.mark.parametrize(
    "field,value,match",
    [
        ("rows", 0, r"AcceleratorConfig.rows must be an integer in 1..65536 .*got 0"),
        ("cols", -4, r"cols must be an integer in 1..65536 .*got -4"),
        ("cores", 1.5, r"cores must be an integer in 1..1024, not float64"),
        ("lanes", 0, r"lanes must be an integer in 1..1024 .*got 0"),
        ("bandwidth_gbps", 0.0, r"bandwidth_gbps must be a finite number in \[0.001, 100000\]"),
        ("freq_mhz", -1, r"freq_mhz must be a finite number in \[1, 100000\]"),
        ("dataflow", "rs", r"dataflow must be one of \['os', 'ws', 'is'\]"),
        ("dtype", "int4", r"dtype must be one of \['int8', 'bf16', 'fp16', 'fp32'\]"),
        ("pe_mem_kib", 0.001, r"pe_mem_kib is too small to hold one tile .*got 0.001 KiB"),
        ("core_mem_kib", 0.1, r"core_mem_kib is too small to hold one tile .*got 0.1 KiB"),
    ],
)
def test_bad_values_name_the_field_and_what_is_allowed(field, value, match):
    with pytest.raises(ConfigError, match=match):
        AcceleratorConfig(**{field: value})


def test_unknown_preset_lists_the_presets():
    with pytest.raises(ConfigError, match="edgetpu"):
        AcceleratorConfig.preset("tpu-v9")


def test_config_is_frozen_and_hashable():
    cfg = AcceleratorConfig.preset("edgetpu")
    with pytest.raises(AttributeError):
        cfg.rows = 3  # type: ignore[misc]
    assert hash(cfg) == hash(AcceleratorConfig.from_dict(cfg.to_dict()))


def test_batch_round_trips_configs():
    cfgs = [AcceleratorConfig.preset(n) for n in archgym.PRESETS]
    batch = ConfigBatch.from_configs(cfgs)
    assert len(batch) == len(cfgs)
    for a, b in zip(cfgs, batch, strict=True):
        assert a.replace(name="") == b


def test_batch_from_arrays_broadcasts_and_validates():
    batch = ConfigBatch.from_arrays(rows=np.array([8, 16, 32]), dataflow=["os", "ws", "is"])
    assert len(batch) == 3 and list(batch.dataflow) == [0, 1, 2]
    assert np.all(batch.cols == 64)
    with pytest.raises(ConfigError, match="rows must be an integer in 1..65536 .*; design 1 has 0"):
        ConfigBatch.from_arrays(rows=np.array([8, 0, 32]))
    with pytest.raises(ConfigError, match="dataflow must be one of"):
        ConfigBatch.from_arrays(dataflow=["os", "xx"])
    with pytest.raises(ConfigError, match="core_mem_kib is too small"):
        ConfigBatch.from_arrays(core_mem_kib=np.array([2048.0, 0.01]))
