"""The surrogate accuracy oracle fitted to the shipped trained results."""

from __future__ import annotations

import csv
from importlib import resources

import numpy as np
import pytest

from archgym.oracles import OracleError
from archgym.oracles.surrogate import (
    SHIPPED_DATA,
    SurrogateAccuracy,
    load_results,
    surrogate_features,
)
from archgym.workloads.mobilenet_space import default_choice, random_choice

pytest.importorskip("sklearn")


@pytest.fixture(scope="module")
def shipped() -> SurrogateAccuracy:
    return SurrogateAccuracy.from_shipped()


def test_shipped_data_is_real_and_documented() -> None:
    base = resources.files("archgym").joinpath("data/surrogate")
    assert base.joinpath("README.md").is_file()
    with resources.as_file(base.joinpath("mobilenet_fashion_mnist.csv")) as p:
        archs, acc, settings = load_results(p)
    assert len(archs) >= 100
    assert settings["dataset"] == "fashion_mnist"
    assert np.all((acc > 10.0) & (acc < 100.0))  # trained, better than chance
    assert acc.std() > 0.5  # architectures differ


def test_fits_and_reports_held_out_metrics(shipped: SurrogateAccuracy) -> None:
    m = shipped.held_out_metrics()
    assert set(m) >= {"spearman", "kendall", "mae", "rmse", "n", "n_train"}
    assert m["n"] >= 20 and m["n"] + m["n_train"] >= 100
    assert m["spearman"] > 0.2  # it ranks better than chance
    assert 0.0 < m["mae"] <= m["rmse"] < 15.0
    d = shipped.describe()
    assert d["kind"] == "surrogate" and d["held_out"]["spearman"] == pytest.approx(
        m["spearman"], abs=1e-4
    )
    assert d["source"].endswith(SHIPPED_DATA)
    assert d["trained_with"]["dataset"] == "fashion_mnist"


def test_predictions_in_range(shipped: SurrogateAccuracy) -> None:
    rng = np.random.default_rng(7)
    archs = [random_choice(rng) for _ in range(50)]
    pred = shipped(archs)
    assert pred.shape == (50,)
    assert np.all((pred >= 0.0) & (pred <= 100.0))
    assert isinstance(shipped(default_choice()), float)
    assert shipped(archs[:3]).tolist() == pred[:3].tolist()  # deterministic


def test_save_load_round_trip(shipped: SurrogateAccuracy, tmp_path) -> None:
    p = tmp_path / "surrogate.json"
    shipped.save(p)
    loaded = SurrogateAccuracy.load(p)
    archs = [random_choice(s) for s in range(10)]
    assert np.array_equal(loaded(archs), shipped(archs))
    assert loaded.held_out_metrics() == shipped.held_out_metrics()
    p.write_text("{}")
    with pytest.raises(OracleError, match="not a saved archgym surrogate"):
        SurrogateAccuracy.load(p)


def test_errors_and_gbr_model(tmp_path) -> None:
    with pytest.raises(OracleError, match="before fit"):
        SurrogateAccuracy()([default_choice()])
    with pytest.raises(OracleError, match="unknown surrogate model"):
        SurrogateAccuracy(model="mlp")
    with pytest.raises(OracleError, match="at least 10"):
        SurrogateAccuracy().fit([default_choice()], [50.0])
    rng = np.random.default_rng(0)
    archs = [random_choice(rng) for _ in range(30)]
    feats = surrogate_features(archs)
    assert feats.shape == (30, 60)
    y = 60 + 5 * (feats[:, -3] - feats[:, -3].mean())  # accuracy follows log10 MACs
    s = SurrogateAccuracy(model="gbr").fit(archs, y)
    assert s.held_out_metrics()["spearman"] > 0.5


def test_bad_csv(tmp_path) -> None:
    p = tmp_path / "bad.csv"
    c = default_choice()
    with open(p, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=[*c, "accuracy"])
        w.writeheader()
        w.writerow({**c, "accuracy": 150})
    with pytest.raises(OracleError, match="outside"):
        load_results(p)
    with open(p, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=[*c, "accuracy"])
        w.writeheader()
        w.writerow({**c, "s1_kernel": 7, "accuracy": 50})
    with pytest.raises(OracleError, match="s1_kernel"):
        load_results(p)
