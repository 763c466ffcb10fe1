"""Scenarios at a batch size: the throughput metric, throughput floors, the batch option."""

from __future__ import annotations

import numpy as np
import pytest

from archgym.accelerator import AcceleratorConfig
from archgym.costmodel import simulate
from archgym.scenarios import Scenario, ScenarioError
from archgym.scenarios.networks import NB201Network
from archgym.workloads import load

HW = {"rows": [16, 64], "cols": [16, 64], "core_mem_kib": [512.0, 65536.0]}


def test_throughput_column_is_batch_over_latency() -> None:
    sc = Scenario(HW, workloads="mobilenet_v2", objective="throughput", batch=8)
    ev = sc.evaluate(sc.space.unravel(np.arange(sc.size)))
    np.testing.assert_allclose(ev["throughput"], 8e3 / ev["latency_ms"], rtol=1e-12)
    np.testing.assert_array_equal(ev["objective"], ev["throughput"])  # maximised as it is
    d = sc.decode(sc.space.unravel(np.array([sc.size - 1])))[0]
    cfg = AcceleratorConfig.preset("edgetpu", **d)
    rep = simulate(cfg, load("mobilenet_v2", batch=8))
    assert ev["throughput"][-1] == pytest.approx(rep.throughput, rel=1e-12)


def test_batch_one_scenario_is_unchanged() -> None:
    a = Scenario(HW, workloads="mobilenet_v2", objective="latency")
    b = Scenario(HW, workloads="mobilenet_v2", objective="latency", batch=1)
    X = a.space.unravel(np.arange(a.size))
    np.testing.assert_array_equal(a.evaluate(X)["latency_ms"], b.evaluate(X)["latency_ms"])
    assert "batch" not in a.to_dict() and a.definition_hash() == b.definition_hash()


def test_throughput_floor_is_a_lower_bound() -> None:
    sc = Scenario(
        HW, workloads="mobilenet_v2", objective="energy", budgets={"throughput": 300.0}, batch=8
    )
    ev = sc.evaluate(sc.space.unravel(np.arange(sc.size)))
    np.testing.assert_allclose(ev["slack_throughput"], ev["throughput"] - 300.0)
    np.testing.assert_array_equal(ev["feasible"], ev["throughput"] >= 300.0)
    assert ev["feasible"].any() and not ev["feasible"].all()
    i = int(np.flatnonzero(~ev["feasible"])[0])
    assert "throughput=" in ev.row(i)["reason"] and "< 300" in ev.row(i)["reason"]
    assert "throughput >= 300" in sc.describe()


def test_batch_survives_the_document_and_reaches_the_network() -> None:
    sc = Scenario(HW, workloads=["mobilenet_v1", {"name": "mobilenet_v2", "batch": 2}], batch=4)
    doc = sc.to_dict()
    assert doc["batch"] == 4
    again = Scenario.from_dict(doc)
    X = sc.space.unravel(np.arange(4))
    np.testing.assert_array_equal(sc.evaluate(X)["throughput"], again.evaluate(X)["throughput"])
    ev = sc.evaluate(X)
    # the workload that sets its own batch keeps it
    np.testing.assert_allclose(
        ev["latency_ms_mobilenet_v1_batch4"], 4e3 / _thr(sc, X, "mobilenet_v1", 4)
    )
    net = Scenario(
        None,
        network={"kind": "nb201", "restrict": {"edge_0_1": ["nor_conv_3x3"]}},
        base="edgetpu",
        batch=4,
    )
    assert isinstance(net.network, NB201Network) and net.network.batch == 4
    assert net.to_dict()["network"]["batch"] == 4
    with pytest.raises(ScenarioError, match="batch"):
        Scenario(HW, workloads="mobilenet_v2", batch=0)


def _thr(sc: Scenario, X: np.ndarray, name: str, batch: int) -> np.ndarray:
    out = []
    for d in sc.decode(X):
        cfg = AcceleratorConfig.preset("edgetpu", **d)
        out.append(simulate(cfg, load(name, batch=batch)).throughput)
    return np.array(out)


@pytest.mark.parametrize("preset", ["tpuv2", "dpu-zcu102", "eyeriss", "edgetpu"])
def test_a_scenario_on_a_preset_base_evaluates_exactly_as_the_preset(preset: str) -> None:
    """Every field the knobs leave alone (shared pool, host ops, call batch, depthwise
    engine, node...) comes from the base preset, not from the edgetpu defaults."""
    base = AcceleratorConfig.preset(preset)
    sc = Scenario({"rows": [base.rows]}, workloads="mobilenet_v2", objective="latency", base=preset)
    ev = sc.evaluate(sc.space.unravel(np.array([0])))
    rep = simulate(base, load("mobilenet_v2"))
    assert ev["latency_ms"][0] == pytest.approx(rep.latency_ms, rel=1e-12)
    assert ev["energy_mj"][0] == pytest.approx(rep.energy_mj, rel=1e-12)
    assert ev["area_mm2"][0] == pytest.approx(rep.area_mm2, rel=1e-12)
