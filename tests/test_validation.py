"""The shipped calibration keeps its agreement with measured Edge TPU latencies."""

import numpy as np
import pytest

from archgym import AcceleratorConfig, CostOptions
from archgym.validation import (
    CORAL_LATENCY_MS,
    coral_predictions,
    measured_nb201_cells,
    predict_nb201,
    rank_correlations,
)


@pytest.fixture(scope="module")
def cells():
    return measured_nb201_cells("edgetpu_latency", "cifar10", sample=1500, seed=1)


def test_edgetpu_latency_ranking_beats_the_naive_layer_count(cells):
    pred = predict_nb201(cells, AcceleratorConfig.preset("edgetpu"))
    ours = rank_correlations(pred, cells.measured)["spearman"]
    naive = rank_correlations(cells.n_layers, cells.measured)["spearman"]
    assert ours >= 0.95 and ours > naive + 0.05


def test_overheads_are_what_makes_small_networks_rank(cells):
    cfg = AcceleratorConfig.preset("edgetpu")
    with_oh = predict_nb201(cells, cfg)
    without = predict_nb201(cells, cfg, options=CostOptions(op_overhead=False))
    assert np.all(with_oh > without)
    assert (
        rank_correlations(with_oh, cells.measured)["spearman"]
        > rank_correlations(without, cells.measured)["spearman"]
    )


def test_coral_mobilenets_within_25_percent():
    for name, pred in coral_predictions().items():
        assert abs(pred - CORAL_LATENCY_MS[name]) / CORAL_LATENCY_MS[name] < 0.25, name


def test_coral_table_within_1_5x_with_one_set_of_constants():
    """Every network of Coral's table the zoo has (only the MobileNets are calibrated on)."""
    from archgym.validation import coral_table

    rows = coral_table()
    assert {r.name for r in rows} >= set(CORAL_LATENCY_MS)
    for r in rows:
        assert 1 / 1.5 <= r.ratio <= 1.5, (r.name, r.predicted_ms, r.published_ms)
