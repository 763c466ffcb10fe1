"""The Accel-NASBench ImageNet accuracy oracle and its network space in scenarios."""

from __future__ import annotations

import numpy as np
import pytest

from archgym.oracles import AccelNASBenchAccuracy, OracleError
from archgym.oracles import accel_nasbench as anb
from archgym.workloads.accel_nasbench import EFFICIENTNET_B0, load_accel_nasbench


@pytest.fixture(scope="module")
def data():
    return load_accel_nasbench()


@pytest.fixture(scope="module")
def oracle():
    return AccelNASBenchAccuracy()


def test_predicts_the_shipped_measurements(oracle, data) -> None:
    pred = oracle(data)
    assert isinstance(pred, np.ndarray) and pred.shape == (len(data),) and pred.dtype == np.float64
    y = data["val_top1"].to_numpy()
    assert np.mean(np.abs(pred - y)) < 0.5
    assert np.all((pred > 30) & (pred < 80))


def test_deterministic_and_input_forms_agree(oracle, data) -> None:
    head = data.head(7)
    a = oracle(head)
    b = AccelNASBenchAccuracy()(head.to_dict("records"))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, oracle(head))
    one = oracle(dict(EFFICIENTNET_B0))
    assert isinstance(one, float)
    assert one == oracle([EFFICIENTNET_B0])[0]
    assert oracle(head.iloc[2]) == a[2]  # a pandas row is one architecture


def test_std_is_a_calibrated_spread(oracle, data) -> None:
    head = data.head(50)
    s = oracle.std(head)
    assert s.shape == (50,) and np.all(np.isfinite(s)) and np.all(s >= 0) and s.max() > 0
    mean, s2 = oracle.predict(head)
    np.testing.assert_array_equal(mean, oracle(head))
    np.testing.assert_array_equal(s, s2)
    assert oracle.members(head).shape[1] == 50


def test_errors_name_the_field(oracle) -> None:
    bad = dict(EFFICIENTNET_B0, block3_k=4)
    with pytest.raises(OracleError, match=r"block3_k=4 .*allowed values: 3, 5"):
        oracle([bad])
    missing = dict(EFFICIENTNET_B0)
    del missing["block5_l"]
    with pytest.raises(OracleError, match="block5_l"):
        oracle([missing])
    with pytest.raises(OracleError, match="row 1"):
        oracle([EFFICIENTNET_B0, bad])
    with pytest.raises(OracleError, match="block0_e"):
        oracle([[1, 2, 3]])


def test_model_is_loaded_once_and_read_only(oracle) -> None:
    before = anb._load_model.cache_info().hits
    AccelNASBenchAccuracy()
    assert anb._load_model.cache_info().hits == before + 1
    arr = oracle._model["value"]
    with pytest.raises(ValueError):
        arr[0] = 1.0
    with pytest.raises(OracleError, match="missing"):
        AccelNASBenchAccuracy("/nonexistent/model.npz")


def test_exported_trees_reproduce_scikit_learn(data) -> None:
    pytest.importorskip("sklearn")
    X = anb.anb_features(data.head(200))
    y = data["val_top1"].to_numpy()[:200]
    params = {"n_estimators": 5, "learning_rate": 0.1, "max_leaf_nodes": 15, "subsample": 0.8}
    arrays = anb.fit_ensemble(X, y, n_members=2, params=params)  # raises if they disagree
    assert anb.predict_trees(arrays, X).shape == (2, 200)
    assert arrays["feature"].dtype == np.int8 and arrays["value"].dtype == np.float32
    again = anb.fit_ensemble(X, y, n_members=2, params=params)  # the refit is deterministic
    for k, v in arrays.items():
        np.testing.assert_array_equal(v, again[k])


def test_scenario_network_space(oracle) -> None:
    from archgym.accelerator import AcceleratorConfig
    from archgym.costmodel import simulate
    from archgym.scenarios import AccelNASBenchNetwork, Scenario
    from archgym.workloads import accel_nasbench

    sc = Scenario(
        {"rows": [32, 64]},
        network={"kind": "accel_nasbench", "restrict": {"block5_l": [1, 2]}},
        objective=["accuracy", "throughput"],
        budgets={"latency_ms": 100.0},
        batch=4,
    )
    assert isinstance(sc.network, AccelNASBenchNetwork) and sc.network.batch == 4
    assert sc.network_knobs[:4] == ["block0_e", "block0_k", "block0_l", "block0_se"]
    X = sc.sample(3, seed=1)
    ev = sc.evaluate(X)
    d = sc.decode(X)
    archs = [{k: v for k, v in di.items() if k.startswith("block")} for di in d]
    np.testing.assert_array_equal(ev["accuracy"], oracle(archs))
    rep = simulate(
        AcceleratorConfig.preset("edgetpu", rows=d[0]["rows"]), accel_nasbench(archs[0], batch=4)
    )
    assert ev["latency_ms"][0] == pytest.approx(rep.latency_ms, rel=1e-12)
    assert ev["throughput"][0] == pytest.approx(rep.throughput, rel=1e-12)
    doc = sc.to_dict()
    assert doc["network"]["kind"] == "accel_nasbench" and doc["batch"] == 4
    again = Scenario.from_dict(doc)
    np.testing.assert_array_equal(again.evaluate(X)["objective"], ev["objective"])
    np.testing.assert_allclose(sc.network.accuracy_std(X[:, 1:]), oracle.std(archs))
    assert "Accel-NASBench" in sc.describe()
