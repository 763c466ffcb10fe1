"""Tests of archgym.scenarios: evaluation, sign conventions, catalog, enumeration, documents."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from archgym import AcceleratorConfig, simulate
from archgym.scenarios import (
    DEFAULT,
    Scenario,
    ScenarioError,
    budget_levels,
    hypervolume,
    ids,
    load,
    pareto_mask,
    register,
)
from archgym.scenarios import list as list_scenarios
from archgym.scenarios.networks import MobileNetNetwork
from archgym.space import PowerOfTwo, SpaceError

# ------------------------------------------------------------------------------------------
# fixtures
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load("tiny")


@pytest.fixture(scope="module")
def tiny_mo() -> Scenario:
    return load("tiny-mo")


@pytest.fixture(scope="module")
def tiny_codesign() -> Scenario:
    return load("tiny-codesign")


@pytest.fixture(scope="module")
def suite() -> Scenario:
    return Scenario(
        {"rows": [8, 32], "cols": [8, 32], "dataflow": ["os", "ws"]},
        workloads=["mobilenet_v1", "mobilenet_v2"],
        objective="latency",
        budgets={"area_mm2": 5.0, "energy_mj": 10.0},
        id="test-suite",
    )


@pytest.fixture
def cache_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHGYM_CACHE", str(tmp_path))
    return tmp_path


def _design(sc: Scenario, **values: Any) -> dict[str, Any]:
    """A design of ``sc``: the first choice of every knob, with some knobs set."""
    d = {k.name: k.choices[0] for k in sc.space.knobs}
    d.update(values)
    return d


# ------------------------------------------------------------------------------------------
# evaluation
# ------------------------------------------------------------------------------------------


def test_evaluate_returns_all_columns(tiny, tiny_codesign, suite, tiny_mo):
    ev = tiny.evaluate(tiny.sample(7, seed=0))
    assert len(ev) == 7
    for col in [
        *tiny.knob_names,
        "latency_ms",
        "energy_mj",
        "area_mm2",
        "utilization",
        "objective",
        "slack_area_mm2",
        "feasible",
        "violation",
        "reason",
    ]:
        assert col in ev.keys(), col
        assert len(ev[col]) == 7
    df = ev.to_frame()
    assert list(df.columns) == ev.keys()
    assert ev.objectives.shape == (7, 1) and ev.slack.shape == (7, 1)
    np.testing.assert_array_equal(ev["objective"], -ev["latency_ms"])

    ev = tiny_codesign.evaluate(tiny_codesign.sample(5, seed=1))
    assert {"accuracy", "slack_latency_ms", "slack_area_mm2", "edge_0_1", "rows"} <= set(ev.keys())
    np.testing.assert_array_equal(ev["objective"], ev["accuracy"])

    ev = suite.evaluate(suite.sample(5, seed=2))
    for col in [
        "latency_ms_mobilenet_v1",
        "latency_ms_mobilenet_v2",
        "energy_mj_mobilenet_v1",
        "energy_mj_mobilenet_v2",
        "slack_energy_mj",
    ]:
        assert col in ev.keys()
    geo = np.sqrt(ev["latency_ms_mobilenet_v1"] * ev["latency_ms_mobilenet_v2"])
    np.testing.assert_allclose(ev["latency_ms"], geo)

    ev = tiny_mo.evaluate(tiny_mo.sample(6, seed=3))
    assert ev.objectives.shape == (6, 2)
    np.testing.assert_array_equal(ev.objectives[:, 0], -ev["latency_ms"])
    np.testing.assert_array_equal(ev.objectives[:, 1], -ev["area_mm2"])
    np.testing.assert_array_equal(ev["objective"], ev.objectives[:, 0])


def test_input_forms_agree(tiny):
    X = tiny.sample(4, seed=5)
    dicts = tiny.decode(X)
    a = tiny.evaluate(X)
    for other in (tiny.evaluate(dicts), tiny.evaluate(a.to_frame())):
        np.testing.assert_array_equal(other.designs, X)
        np.testing.assert_array_equal(other["objective"], a["objective"])
    one = tiny.evaluate(dicts[2])
    assert len(one) == 1 and one["objective"][0] == a["objective"][2]
    assert len(tiny.evaluate([])) == 0


def test_slack_sign_and_budget_violation(tiny):
    big = _design(tiny, rows=128, cols=128, lanes=8, core_mem_kib=1024)
    small = _design(tiny, rows=8, cols=8, lanes=1, core_mem_kib=64)
    ev = tiny.evaluate([big, small])
    budget = tiny.budgets["area_mm2"]
    assert ev["area_mm2"][0] > budget  # a design known to exceed the area budget
    assert ev["slack_area_mm2"][0] < 0 and not ev["feasible"][0]
    assert ev["slack_area_mm2"][0] == pytest.approx(budget - ev["area_mm2"][0])
    assert ev["violation"][0] == pytest.approx((ev["area_mm2"][0] - budget) / budget)
    assert "over budget: area_mm2" in ev.reason[0]
    assert ev["slack_area_mm2"][1] > 0 and ev["feasible"][1]
    assert ev["violation"][1] == 0 and ev.reason[1] == ""
    np.testing.assert_allclose(tiny.evaluate_slack([big, small])[:, 0], ev["slack_area_mm2"])
    known = tiny.known_metrics([big, small])
    np.testing.assert_allclose(known["area_mm2"], ev["area_mm2"])
    np.testing.assert_array_equal(known["accepted"], [True, True])
    np.testing.assert_array_equal(tiny.is_feasible([big, small]), [False, True])


def test_rejected_hardware_is_an_infeasible_row(tiny):
    # 1 KiB of core memory cannot hold one tile of a 128-row array with 8 lanes.
    bad = _design(tiny, rows=128, cols=8, lanes=8, core_mem_kib=1)
    good = _design(tiny, rows=8, cols=8, lanes=1, core_mem_kib=64)
    with pytest.raises(ValueError):
        AcceleratorConfig(rows=128, cols=8, lanes=8, core_mem_kib=1)  # the accelerator rejects it
    ev = tiny.evaluate([good, bad, good])
    assert not ev["feasible"][1] and ev["feasible"][0] and ev["feasible"][2]
    assert math.isinf(ev["latency_ms"][1]) and math.isinf(ev["energy_mj"][1])
    assert ev["objective"][1] == -np.inf
    assert ev.reason[1].startswith("rejected: core_mem_kib=1")
    np.testing.assert_array_equal(tiny.known_metrics([good, bad])["accepted"], [True, False])
    assert ev["violation"][1] >= 1.0
    assert np.isfinite(ev["area_mm2"][1])
    assert ev["objective"][0] == ev["objective"][2]


@pytest.mark.parametrize("name", ["tiny", "tiny-codesign", "suite"])
def test_batch_equals_row_by_row(name, tiny, tiny_codesign, suite):
    sc = {"tiny": tiny, "tiny-codesign": tiny_codesign, "suite": suite}[name]
    X = sc.sample(80, seed=11)  # >= 64 designs: the co-design batch is de-duplicated
    X[1] = X[0]
    batch = sc.evaluate(X)
    rows = [sc.evaluate(x) for x in X]
    for col in batch.data:
        got = np.concatenate([r[col] for r in rows])
        if got.dtype.kind == "f":
            np.testing.assert_allclose(batch[col], got, rtol=1e-12, equal_nan=True, err_msg=col)
        else:
            np.testing.assert_array_equal(batch[col], got, err_msg=col)
    assert batch.reason == [r.reason[0] for r in rows]


def test_bad_input_raises_space_error(tiny):
    with pytest.raises(SpaceError, match="rows.*allowed values"):
        tiny.evaluate(np.array([[5, 0, 0, 0, 0, 0]]))
    with pytest.raises(SpaceError, match="unknown knob 'bogus'"):
        tiny.evaluate({**_design(tiny), "bogus": 1})
    with pytest.raises(SpaceError, match="dataflow.*allowed values"):
        tiny.evaluate(_design(tiny, dataflow="rs"))
    with pytest.raises(SpaceError):
        tiny.evaluate(np.zeros((2, 3), np.int64))


def test_hardware_metrics_match_the_cost_model(tiny):
    d = _design(tiny, rows=32, cols=8, lanes=8, core_mem_kib=64, bandwidth_gbps=8.0, dataflow="os")
    ev = tiny.evaluate(d)
    cfg = AcceleratorConfig.preset(
        "edgetpu", rows=32, cols=8, lanes=8, core_mem_kib=64, bandwidth_gbps=8.0, dataflow="os"
    )
    rep = simulate(cfg, "mobilenet_v1")
    assert ev["latency_ms"][0] == pytest.approx(rep.latency_ms, rel=1e-12)
    assert ev["energy_mj"][0] == pytest.approx(rep.energy_mj, rel=1e-12)
    assert ev["area_mm2"][0] == pytest.approx(rep.area_mm2, rel=1e-12)


def test_nb201_codesign_accuracy_is_the_tabular_oracle(tiny_codesign):
    from archgym.oracles import NB201Accuracy
    from archgym.workloads.nb201 import NB201_OPS, arch_to_index, nb201

    ops = [
        "nor_conv_3x3",
        "skip_connect",
        "nor_conv_3x3",
        "nor_conv_3x3",
        "skip_connect",
        "nor_conv_3x3",
    ]
    edges = ["edge_0_1", "edge_0_2", "edge_0_3", "edge_1_2", "edge_1_3", "edge_2_3"]
    d = _design(tiny_codesign, rows=64, dataflow="ws", **dict(zip(edges, ops, strict=True)))
    ev = tiny_codesign.evaluate(d)
    index = arch_to_index(tuple(NB201_OPS.index(o) for o in ops))
    assert ev["accuracy"][0] == NB201Accuracy("cifar10-valid")(index)
    cfg = AcceleratorConfig.preset("edgetpu", rows=64, dataflow="ws", core_mem_kib=256)
    rep = simulate(cfg, nb201(index, "cifar10"))
    assert ev["latency_ms"][0] == pytest.approx(rep.latency_ms, rel=1e-12)
    assert ev["energy_mj"][0] == pytest.approx(rep.energy_mj, rel=1e-12)


class _FakeOracle:
    """A stand-in accuracy oracle for the MobileNet space: counts its calls."""

    kind = "fake"

    def __init__(self) -> None:
        self.calls = 0

    def evaluate(self, archs):
        self.calls += len(archs)
        return np.array([50.0 + a["resolution"] / 10 + a["s1_expansion"] for a in archs])


def test_mobilenet_codesign_with_an_oracle():
    from archgym.workloads.mobilenet_space import mobilenet_workload

    oracle = _FakeOracle()
    net = MobileNetNetwork(oracle=oracle, restrict={"resolution": [160, 192]})
    sc = Scenario(
        {"rows": [16, 32], "dataflow": ["os", "ws"]},
        network=net,
        budgets={"latency_ms": 50.0},
        id="mb",
    )
    assert not sc.enumerable and sc.dim == 2 + 43
    X = sc.sample(6, seed=0)
    X[3] = X[0]
    ev = sc.evaluate(X)
    designs = sc.decode(X)
    expect = [50.0 + d["resolution"] / 10 + d["s1_expansion"] for d in designs]
    np.testing.assert_allclose(ev["accuracy"], expect)
    assert oracle.calls == 5  # distinct networks only
    sc.evaluate(X)
    assert oracle.calls == 5  # memoised
    choice = {k: designs[1][k] for k in sc.network_knobs}
    cfg = AcceleratorConfig.preset(
        "edgetpu", rows=designs[1]["rows"], dataflow=designs[1]["dataflow"]
    )
    rep = simulate(cfg, mobilenet_workload(choice))
    assert ev["latency_ms"][1] == pytest.approx(rep.latency_ms, rel=1e-12)
    with pytest.raises(ScenarioError, match="not enumerable"):
        sc.enumerate()
    with pytest.raises(ScenarioError):
        sc.to_dict()  # a custom oracle has no document form


# ------------------------------------------------------------------------------------------
# construction, documents and the catalog
# ------------------------------------------------------------------------------------------


def test_few_lines_constructor_and_attributes():
    sc = Scenario(
        {
            "rows": [16, 32, 64],
            "cols": [16, 32, 64],
            "pe_mem_kib": [0.5, 2],
            "dataflow": ["os", "ws", "is"],
        },
        workloads="mobilenet_v2",
        objective="latency_ms",
        budgets={"area": 20},
    )
    assert isinstance(sc.space["rows"], PowerOfTwo)
    assert sc.id.startswith("custom-") and sc.size == 54 and sc.dim == 4
    assert sc.budgets == {"area_mm2": 20.0} and sc.num_constraints == 1 and sc.num_objectives == 1
    np.testing.assert_array_equal(sc.bounds, [[0, 0, 0, 0], [2, 2, 1, 2]])
    assert sc.categorical_inds == [3] and sc.discrete_inds == [0, 1, 2]
    assert sc.enumerable and sc.ref_point is None
    with pytest.raises(SpaceError, match="not an accelerator field"):
        Scenario({"row": [1, 2]}, workloads="mobilenet_v2")
    with pytest.raises(ScenarioError, match="unknown budget metric"):
        Scenario({"rows": [8, 16]}, workloads="mobilenet_v2", budgets={"power_w": 1})
    with pytest.raises(ScenarioError, match="needs 'workloads'"):
        Scenario({"rows": [8, 16]})
    with pytest.raises(ScenarioError, match="accuracy"):
        Scenario({"rows": [8, 16]}, workloads="mobilenet_v2", objective="accuracy")


def test_multi_objective_attributes(tiny_mo):
    assert tiny_mo.num_objectives == 2 and tiny_mo.is_multi_objective
    assert tiny_mo.objective_columns == ["objective_latency_ms", "objective_area_mm2"]
    np.testing.assert_array_equal(tiny_mo.ref_point, [-50.0, -20.0])
    np.testing.assert_array_equal(tiny_mo.objective_signs, [-1, -1])
    w = tiny_mo.replace(weights=[1.0, 0.5])
    ev = w.evaluate(w.sample(5, seed=0))
    np.testing.assert_allclose(ev["objective"], ev.objectives @ np.array([1.0, 0.5]))
    derived = tiny_mo.replace(ref_point=None)
    assert derived.ref_point[1] == -20.0  # -budget for a budgeted minimised metric


def test_yaml_round_trip(tmp_path, tiny_codesign, suite):
    for sc in (
        load("tiny"),
        tiny_codesign,
        suite,
        load("nb201-codesign-mo"),
        load("mobilenet-codesign"),
    ):
        text = sc.to_yaml()
        back = Scenario.from_yaml(text)
        assert back.to_dict() == sc.to_dict()
        assert back == sc
    path = tmp_path / "s.yaml"
    tiny_codesign.to_yaml(path)
    back = Scenario.from_yaml(path)
    X = tiny_codesign.sample(20, seed=4)
    np.testing.assert_array_equal(
        back.evaluate(X)["objective"], tiny_codesign.evaluate(X)["objective"]
    )
    with pytest.raises(ScenarioError, match="unknown field"):
        Scenario.from_dict({**tiny_codesign.to_dict(), "budget": {}})


def test_catalog_list_load_and_overrides():
    listed = list_scenarios()
    assert DEFAULT in listed and set(ids()) == set(listed)
    for sid in (
        "hw-mobilenet_v2-area",
        "hw-mobilenet_edgetpu-area",
        "hw-resnet50-area",
        "hw-bert_base-area",
        "hw-suite-area",
        "nb201-codesign",
        "nb201-codesign-mo",
        "mobilenet-codesign",
        "tiny",
        "hw-resnet50-area-tight",
        "hw-resnet50-area-loose",
    ):
        assert sid in listed and listed[sid]
    sc = load("hw-mobilenet_v2-area", area_mm2=20)
    assert sc.budgets["area_mm2"] == 20 and sc.id == "hw-mobilenet_v2-area[area_mm2=20]"
    assert 10**5 <= sc.size <= 10**7 and sc.enumerable
    sc2 = load("hw-mobilenet_v2-area", latency_ms=3, id="mine")
    assert sc2.budgets == {"area_mm2": 25.0, "latency_ms": 3.0} and sc2.id == "mine"
    assert load("hw-mobilenet_v2-area", area_mm2=None).budgets == {}
    assert not load("mobilenet-codesign").enumerable
    assert load("nb201-codesign").enumerable
    with pytest.raises(
        ScenarioError, match="unknown scenario id 'hw-mobilenet-area'.*known: .*tiny"
    ):
        load("hw-mobilenet-area")
    with pytest.raises(ScenarioError, match="unknown override.*allowed: .*area_mm2"):
        load("tiny", area=3, power_w=1)
    with pytest.raises(ScenarioError, match="applies to mobilenet"):
        load("tiny", oracle="trained")


def test_register_and_budget_levels(tiny):
    sid = register(tiny.replace(id="test-registered"), overwrite=True)
    assert load(sid).to_dict() == tiny.replace(id="test-registered").to_dict()
    with pytest.raises(ScenarioError, match="already"):
        register(tiny.replace(id="test-registered"))
    levels = budget_levels("tiny", factors=(0.5, 2.0))
    assert [s.budgets["area_mm2"] for s in levels] == [10.0, 40.0]
    assert levels[0].id == "tiny[area_mm2x0.5]"


# ------------------------------------------------------------------------------------------
# enumeration, Pareto fronts, cache
# ------------------------------------------------------------------------------------------


def _brute_force(sc: Scenario):
    evs = [sc.evaluate(x) for x in sc.space.iter_batches(1)]
    obj = np.array([e["objective"][0] for e in evs])
    feas = np.array([e["feasible"][0] for e in evs])
    F = np.concatenate([e.objectives for e in evs])
    return obj, feas, F


@pytest.mark.parametrize("sid", ["tiny", "tiny-codesign"])
def test_enumerate_finds_the_brute_force_optimum(sid, cache_tmp):
    sc = load(sid)
    res = sc.enumerate(cache=False)
    obj, feas, _ = _brute_force(sc)
    best = int(np.argmax(np.where(feas, obj, -np.inf)))
    assert res.size == sc.size == len(obj)
    assert res.n_feasible == int(feas.sum())
    assert res.best_flat == best and res.best_value == obj[best]
    np.testing.assert_array_equal(res.best_index, sc.space.unravel(best))
    assert res.best_design == sc.space.decode(res.best_index)
    assert res.best_metrics["objective"] == obj[best]
    if sid == "tiny":
        assert res.n_rejected > 0


def test_pareto_front_is_exact_and_non_dominated(tiny_mo, cache_tmp):
    res = tiny_mo.enumerate(cache=False)
    _, feas, F = _brute_force(tiny_mo)
    P = res.pareto_objectives
    assert len(P) >= 3
    for i, j in itertools.permutations(range(len(P)), 2):
        assert not (np.all(P[i] >= P[j]) and np.any(P[i] > P[j]))
    for f in F[feas]:  # every feasible design is weakly dominated by the front
        assert np.any(np.all(P >= f, axis=1))
    np.testing.assert_allclose(tiny_mo.evaluate(res.pareto_index).objectives, P)
    assert res.hypervolume == pytest.approx(hypervolume(F[feas], tiny_mo.ref_point))


def test_pareto_mask_against_brute_force():
    rng = np.random.default_rng(0)
    for k in (2, 3):
        F = rng.integers(0, 6, size=(300, k)).astype(float)
        mask = pareto_mask(F, block=37)
        for i in range(len(F)):
            dominated = np.any(np.all(F >= F[i], axis=1) & np.any(F > F[i], axis=1))
            duplicate_before = np.any(np.all(F[:i] == F[i], axis=1))
            assert mask[i] == (not dominated and not duplicate_before)
    assert hypervolume(
        np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]]), np.zeros(2)
    ) == pytest.approx(6.0)
    assert hypervolume(np.array([[1.0, 1.0, 1.0]]), np.zeros(3)) == pytest.approx(1.0)
    cube = np.array([[2.0, 1.0, 1.0], [1.0, 2.0, 1.0], [1.0, 1.0, 2.0]])
    assert hypervolume(cube, np.zeros(3)) == pytest.approx(4.0)


def test_enumeration_cache_is_hit_and_corruption_rebuilds(tiny, cache_tmp):
    first = tiny.enumerate()
    assert not first.from_cache and first.cache_path and str(cache_tmp) in first.cache_path
    second = tiny.enumerate()
    assert second.from_cache
    assert second.best_value == first.best_value and second.best_flat == first.best_flat
    assert second.best_design == first.best_design and second.n_feasible == first.n_feasible
    assert second.best_metrics["reason"] == first.best_metrics["reason"]
    # a different budget is a different cache entry
    assert not load("tiny", area_mm2=5).enumerate().from_cache
    with open(first.cache_path, "wb") as fh:
        fh.write(b"not an npz file")
    third = tiny.enumerate()
    assert not third.from_cache and third.best_value == first.best_value
    assert tiny.enumerate().from_cache


def test_nb201_table_disk_cache_is_used_and_a_corrupt_one_rebuilt(cache_tmp, monkeypatch):
    from archgym.costmodel import WorkloadTable
    from archgym.scenarios import nb201_network as networks

    reps = np.array([0, 5, 77, 1234])
    monkeypatch.setattr(networks, "_NB201_TABLES", {})
    built = networks.nb201_table(reps, "cifar10", disk_cache=True)
    files = list((cache_tmp / "nb201").glob("*.npz"))
    assert len(files) == 1

    def no_lowering(*args, **kwargs):
        raise AssertionError("the cached table should have been used")

    monkeypatch.setattr(networks, "_NB201_TABLES", {})
    with monkeypatch.context() as m:
        m.setattr(WorkloadTable, "from_workloads", classmethod(no_lowering))
        cached = networks.nb201_table(reps, "cifar10", disk_cache=True)
    assert cached.names == built.names and cached.layer_names == built.layer_names
    for k, a in built.arrays.items():
        np.testing.assert_array_equal(cached.arrays[k], a)
    np.testing.assert_array_equal(cached.valid, built.valid)
    files[0].write_bytes(b"corrupt")
    monkeypatch.setattr(networks, "_NB201_TABLES", {})
    rebuilt = networks.nb201_table(reps, "cifar10", disk_cache=True)
    assert rebuilt.names == built.names
    assert networks.load_npz(files[0]) is not None  # rewritten


def test_one_resolve_scenario_for_envs_runs_and_analysis() -> None:
    from archgym import experiments, scenarios
    from archgym.envs import common

    resolve = scenarios.resolve_scenario
    assert common.resolve_scenario is resolve and experiments.resolve_scenario is resolve
    assert resolve(None).id == scenarios.DEFAULT
    sc = scenarios.load("tiny")
    assert resolve(sc) is sc  # an object without overrides is used as it is
    assert resolve("tiny", {"area_mm2": 5.0}).budgets["area_mm2"] == 5.0
    # a stored document (a run's settings.json) wins over the id it was recorded with
    doc = scenarios.load("tiny", area_mm2=7.0).to_dict()
    assert resolve("tiny", None, doc).budgets["area_mm2"] == 7.0
    with pytest.raises(ScenarioError, match="import"):
        resolve("os:system")


def _archgym_sources_loaded_by(code: str) -> set[str]:
    """The archgym source files (relative to the package, as ENUMERATION_SOURCES names
    them) a fresh interpreter has loaded after running ``code``."""
    import subprocess
    import sys

    code += (
        "\nimport sys\n"
        "for n, m in sys.modules.items():\n"
        "    if n.startswith('archgym.') and getattr(m, '__file__', None):\n"
        "        print(n + ('.__init__' if m.__file__.endswith('__init__.py') else ''))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    return {n.removeprefix("archgym.").replace(".", "/") + ".py" for n in out}


def test_the_enumeration_cache_key_covers_every_cost_model_module() -> None:
    """Editing any module the cost model runs must invalidate cached enumerations: every
    archgym module loaded by a simulation is in ENUMERATION_SOURCES."""
    from archgym.scenarios.enumeration import ENUMERATION_SOURCES

    paths = _archgym_sources_loaded_by(
        "from archgym import costmodel\n"
        "from archgym.accelerator import AcceleratorConfig\n"
        "from archgym.workloads import load\n"
        "costmodel.simulate(AcceleratorConfig.preset('edgetpu'), load('mobilenet_v2'))"
    )
    plumbing = {"_io.py", "_registration.py", "workloads/__init__.py"}
    assert paths - plumbing <= set(ENUMERATION_SOURCES), sorted(
        paths - plumbing - set(ENUMERATION_SOURCES)
    )


def test_the_enumeration_cache_key_covers_every_module_an_enumeration_computes_with(
    cache_tmp,
) -> None:
    """Every archgym module that enumerating a hardware-only and a co-design scenario loads
    is in ENUMERATION_SOURCES, except those that only name, serialise or store scenarios
    (or hold network families that cannot be enumerated)."""
    from archgym.scenarios.enumeration import ENUMERATION_SOURCES

    paths = _archgym_sources_loaded_by(
        "from archgym import scenarios\n"
        "for sid in ('tiny', 'tiny-mo', 'tiny-codesign'):\n"
        "    scenarios.load(sid).enumerate(cache=False)"
    )
    not_computing = {
        "_io.py",  # YAML and cache plumbing
        "_registration.py",
        "scenarios/cache.py",
        "scenarios/catalog.py",  # the definition itself is in the key
        "scenarios/catalog_entries.py",
        "scenarios/documents.py",
        "scenarios/mobilenet_network.py",  # not enumerable
        "scenarios/accel_nasbench_network.py",
        "oracles/base.py",  # the interface; tabular.py is in the key
        "oracles/registry.py",
        "oracles/accel_nasbench.py",  # oracles of the spaces that are not enumerable
        "oracles/surrogate.py",
        "oracles/trained.py",
        "oracles/trained_cache.py",
        "oracles/trained_models.py",
        "oracles/training.py",
        "oracles/datasets.py",
        "space/adapters.py",  # agents' encodings
    }
    missing = {
        p for p in paths - set(ENUMERATION_SOURCES) - not_computing if not p.endswith("__init__.py")
    }
    assert not missing, sorted(missing)
