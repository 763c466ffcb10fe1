"""A scenario's hardware half (archgym/scenarios/hardware.py): its acceptance is the
accelerator's own (the rules ConfigBatch.validate raises on), as infeasible rows."""

import numpy as np
import pytest

from archgym.accelerator import (
    REJECTED_CORE,
    REJECTED_FIELD,
    REJECTED_PE,
    ConfigBatch,
    ConfigError,
)
from archgym.scenarios import Scenario
from archgym.scenarios.hardware import HardwareSpace
from archgym.space import Categorical, DesignSpace, Ordinal, SpaceError


def _space() -> HardwareSpace:
    # every rule of a combination can break: memories too small for a tile, a depthwise
    # engine with one dimension 0 (the base has dw_channels = 0), over 1 TiB on chip
    return HardwareSpace(
        DesignSpace(
            [
                Ordinal("rows", [8, 64, 1024]),
                Ordinal("pe_mem_kib", [0.001, 1.5, float(1 << 20)]),
                Ordinal("core_mem_kib", [0.5, 2048.0]),
                Ordinal("dw_pixels", [0, 4]),
                Categorical("dtype", ["int8", "fp32"]),
            ]
        ),
        base="edgetpu",
    )


def _all_designs(hw: HardwareSpace) -> tuple[dict, int]:
    assert hw.space is not None
    X = hw.space.unravel(np.arange(hw.space.size))
    return hw.arrays(X), len(X)


def test_check_rejects_exactly_the_designs_the_batch_path_rejects_with_its_message():
    hw = _space()
    cfg, n = _all_designs(hw)
    code, _, _ = HardwareSpace.check(cfg, n)
    assert set(np.unique(code)) == {0, REJECTED_PE, REJECTED_CORE, REJECTED_FIELD}
    for i in range(n):
        one = {k: (v[i : i + 1] if np.ndim(v) else v) for k, v in cfg.items()}
        try:
            hw.batch(one, 1).validate()
            message = ""
        except ConfigError as exc:
            message = str(exc)
        assert (code[i] != 0) == bool(message)
        assert HardwareSpace.rejection(one, 0, 1) == message
        assert HardwareSpace.rejection(cfg, i, n) == message.replace("design 0", f"design {i}")
    # the whole batch raises the rejection check reports for its first such design
    with pytest.raises(ConfigError) as exc:
        hw.batch(cfg, n).validate()
    assert str(exc.value) in {HardwareSpace.rejection(cfg, i, n) for i in np.flatnonzero(code)}


@pytest.mark.parametrize(
    ("knob", "field", "match"),
    [
        (Ordinal("dw_pixels", [0, 4]), "dw_pixels", "must both be 0"),
        (Ordinal("core_mem_kib", [2048.0, float(1 << 30)]), "pe_mem_kib", "exceeds 1 TiB"),
    ],
)
def test_a_design_breaking_a_field_rule_is_an_infeasible_row_not_a_crash(knob, field, match):
    sc = Scenario(
        DesignSpace([knob, Ordinal("cores", [1, 2])]),
        workloads="mobilenet_v2",
        objective="latency",
        base="edgetpu",
    )
    ev = sc.evaluate(np.array([[0, 0], [1, 1]]))
    assert ev.feasible.tolist() == [True, False]
    assert np.isfinite(ev.data["latency_ms"][0]) and np.isinf(ev.data["latency_ms"][1])
    cfg = sc.hardware.arrays(np.array([[1, 1]]))
    assert HardwareSpace.rejection(cfg, 0, 1).startswith(field)
    both = sc.hardware.arrays(np.array([[0, 0], [1, 1]]))
    assert ev.reason == ["", "rejected: " + HardwareSpace.rejection(both, 1, 2)]
    with pytest.raises(ConfigError, match=match):
        ConfigBatch.from_arrays(**cfg)


@pytest.mark.parametrize(
    ("knob", "match"),
    [
        (Ordinal("rows", [8, 1 << 17]), r"'rows': value 131072 .* an integer in 1\.\.65536"),
        (Ordinal("freq_mhz", [0.5, 480.0]), r"'freq_mhz': value 0\.5 .* \[1, 100000\]"),
        (Ordinal("pe_mem_kib", [0.0, 1.5]), r"'pe_mem_kib': value 0\.0 .* \(0, "),
        (Ordinal("cores", [2, 2.5]), r"'cores': value 2\.0 is invalid.*an integer"),
        (Ordinal("node_nm", [45, 65]), r"'node_nm': value 65 .* technology nodes"),
    ],
)
def test_a_knob_value_outside_its_field_is_an_error_naming_the_knob_and_the_bounds(knob, match):
    with pytest.raises(SpaceError, match=match):
        HardwareSpace(DesignSpace([knob]))


def test_a_depthwise_engine_knob_may_be_off():
    hw = HardwareSpace(DesignSpace([Ordinal("dw_pixels", [0, 4]), Ordinal("dw_channels", [0, 16])]))
    cfg, n = _all_designs(hw)
    code, _, _ = HardwareSpace.check(cfg, n)
    assert code.tolist() == [0, REJECTED_FIELD, REJECTED_FIELD, 0]
