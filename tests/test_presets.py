"""The shipped accelerator presets, pinned field by field (values and Python types), so a
move of where they are written down (``archgym/data/presets.yaml``) is provably identical."""

import pytest

from archgym.accelerator import PRESETS, AcceleratorConfig

_BASE = {
    "cores": 1,
    "lanes": 1,
    "node_nm": 45,
    "dw_pixels": 0,
    "dw_channels": 0,
    "pack_groups": True,
    "shared_onchip": False,
    "host_ops": "",
    "host_gbps": 1.0,
    "host_switch_us": 0.0,
    "max_batch": 0,
}


def _chip(**fields):
    return {**_BASE, **fields}


#: Every preset as ``to_dict()`` gives it, in ``PRESETS`` order.
EXPECTED = {
    "edgetpu": _chip(
        rows=64,
        cols=64,
        pe_mem_kib=1.5,
        core_mem_kib=2048.0,
        bandwidth_gbps=0.5,
        freq_mhz=480.0,
        dataflow="ws",
        dtype="int8",
        shared_onchip=True,
        max_batch=1,
    ),
    "edgetpu-small": _chip(
        rows=32,
        cols=32,
        pe_mem_kib=1.0,
        core_mem_kib=512.0,
        bandwidth_gbps=0.5,
        freq_mhz=480.0,
        dataflow="ws",
        dtype="int8",
        shared_onchip=True,
    ),
    "edgetpu-large": _chip(
        rows=64,
        cols=64,
        cores=4,
        lanes=2,
        pe_mem_kib=2.0,
        core_mem_kib=4096.0,
        bandwidth_gbps=16.0,
        freq_mhz=800.0,
        dataflow="ws",
        dtype="int8",
        shared_onchip=True,
    ),
    "eyeriss": _chip(
        rows=12,
        cols=14,
        pe_mem_kib=0.5,
        core_mem_kib=108.0,
        bandwidth_gbps=1.6,
        freq_mhz=200.0,
        dataflow="os",
        dtype="fp16",
    ),
    "tpuv2": _chip(
        rows=128,
        cols=128,
        pe_mem_kib=0.0078125,
        core_mem_kib=16384.0,
        bandwidth_gbps=350.0,
        freq_mhz=700.0,
        dataflow="ws",
        dtype="bf16",
        pack_groups=False,
    ),
    "tpuv3": _chip(
        rows=128,
        cols=128,
        cores=2,
        pe_mem_kib=0.0078125,
        core_mem_kib=8192.0,
        bandwidth_gbps=450.0,
        freq_mhz=940.0,
        dataflow="ws",
        dtype="bf16",
        pack_groups=False,
    ),
    "dpu-zcu102": _chip(
        rows=8,
        cols=16,
        lanes=16,
        pe_mem_kib=0.09375,
        core_mem_kib=256.0,
        bandwidth_gbps=21.3,
        freq_mhz=281.0,
        dataflow="os",
        dtype="int8",
        dw_pixels=4,
        dw_channels=16,
        host_ops="sigmoid",
        host_switch_us=20.0,
    ),
    "dpu-vck190": _chip(
        rows=16,
        cols=16,
        lanes=16,
        pe_mem_kib=0.09375,
        core_mem_kib=1024.0,
        bandwidth_gbps=25.6,
        freq_mhz=1250.0,
        dataflow="os",
        dtype="int8",
        dw_pixels=1,
        dw_channels=16,
        host_ops="sigmoid",
        host_switch_us=20.0,
    ),
}


def test_presets_are_listed_in_their_order():
    assert list(PRESETS) == list(EXPECTED)
    assert AcceleratorConfig.presets() == sorted(EXPECTED)


def test_each_preset_has_its_pinned_fields_values_and_types():
    got = {name: cfg.to_dict() for name, cfg in PRESETS.items()}
    want = {name: {**fields, "name": name} for name, fields in EXPECTED.items()}
    assert got == want

    def types(d):
        return {name: {k: type(v) for k, v in fields.items()} for name, fields in d.items()}

    assert types(got) == types(want)
    assert all(AcceleratorConfig.preset(name) is PRESETS[name] for name in EXPECTED)


def test_a_bad_preset_entry_is_an_error_naming_the_preset_and_the_field():
    from archgym.accelerator import ConfigError, _load_presets

    with pytest.raises(ConfigError, match=r"preset 'chip': .*AcceleratorConfig.rows"):
        _load_presets("chip:\n  rows: 0\n")
    with pytest.raises(ConfigError, match=r"preset 'chip': unknown AcceleratorConfig field"):
        _load_presets("chip:\n  row: 8\n")
    with pytest.raises(ConfigError, match=r"preset 'chip' must be a mapping.*name is the key"):
        _load_presets("chip:\n  name: other\n")
    with pytest.raises(ConfigError, match="a mapping of preset names"):
        _load_presets("- chip\n")


def test_a_preset_entry_is_only_data():
    from archgym.accelerator import ConfigError, _load_presets

    with pytest.raises(ConfigError, match="invalid YAML"):
        _load_presets("chip: !!python/object/apply:os.system ['true']\n")
    assert _load_presets("chip:\n  rows: 8\n  cols: 8\n")["chip"].rows == 8
