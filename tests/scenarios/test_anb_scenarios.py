"""The Accel-NASBench co-design scenarios: evaluation on a few designs, the throughput floor,
the TPU base's depthwise behaviour, and the stored best-known optima."""

import numpy as np
import pytest

import archgym
from archgym.scenarios import load
from archgym.workloads import accel_nasbench

ANB = (
    "anb-codesign-edgetpu",
    "anb-codesign-tpu",
    "anb-codesign-energy",
    "anb-codesign-throughput",
    "anb-codesign-mo",
)


@pytest.mark.parametrize("sid", ANB)
def test_anb_scenarios_evaluate_a_few_designs(sid):
    sc = load(sid)
    X = sc.space.sample(4, np.random.default_rng(0))
    ev = sc.evaluate(X).to_frame()
    assert len(ev) == 4
    assert ev["accuracy"].between(35, 75).all()  # ImageNet top-1 of the proxy schedule
    assert (ev["latency_ms"] > 0).all() and (ev["area_mm2"] > 0).all()
    slack = ev[[c for c in ev.columns if c.startswith("slack_")]]
    assert (ev["feasible"] == (slack >= 0).all(axis=1)).all()
    assert sc.network.space.n_knobs == 28


def _design(sc, seed=3):
    X = sc.space.sample(1, np.random.default_rng(seed))
    d = sc.space.decode(X[0])
    hw = {k: v for k, v in d.items() if not k.startswith("block")}
    arch = {k: v for k, v in d.items() if k.startswith("block")}
    return X, hw, arch


def test_tpu_scenario_runs_the_tpuv2_template_as_the_preset_does():
    sc = load("anb-codesign-tpu")
    X, hw, arch = _design(sc)
    ev = sc.evaluate(X).to_frame()
    cfg = archgym.AcceleratorConfig.preset("tpuv2", **hw)
    assert cfg.pack_groups is False
    assert ev["latency_ms"].iloc[0] == pytest.approx(
        archgym.simulate(cfg, accel_nasbench(arch)).latency_ms
    )


def test_throughput_scenario_is_a_floor_at_batch_16():
    sc = load("anb-codesign-throughput")
    X, hw, arch = _design(sc, seed=5)
    ev = sc.evaluate(X).to_frame().iloc[0]
    rep = archgym.simulate(
        archgym.AcceleratorConfig.preset("tpuv2", **hw), accel_nasbench(arch, 16)
    )
    assert ev["latency_ms"] == pytest.approx(rep.latency_ms, rel=1e-4)
    assert ev["throughput"] == pytest.approx(16e3 / ev["latency_ms"])
    assert ev["slack_throughput"] == pytest.approx(ev["throughput"] - 1000.0)


@pytest.mark.parametrize("sid", ANB)
def test_best_known_optimum_is_stored_labelled_and_reproducible(sid):
    sc = load(sid)
    ref = sc.best_known
    assert ref is not None and ref["kind"] == "best-known"
    assert ref["runs"] and all(r["agent"] in ("random", "ga", "bo") for r in ref["runs"])
    if sc.is_multi_objective:
        front = np.asarray(ref["front"])
        assert front.shape[1] == 3 and ref["hypervolume"] > 0
        ev = sc.evaluate(ref["front_designs"][:5]).to_frame()
        assert ev["feasible"].all()
    else:
        ev = sc.evaluate([ref["design"]]).to_frame().iloc[0]
        assert bool(ev["feasible"])
        assert ev["objective"] == pytest.approx(ref["best_value"])


def test_scenarios_without_a_best_known_optimum_say_so():
    assert load("nb201-codesign").best_known is None
