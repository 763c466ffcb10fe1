"""Transfer source data (``agents/transfer_data.py``): a source run's log in the target's
terms, its slacks computed by the scoring owner (``archgym.scenarios.evaluation``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from archgym import scenarios
from archgym.agents.transfer_data import prepare_transfer


@pytest.fixture(scope="module")
def source_log() -> tuple[scenarios.Scenario, np.ndarray, pd.DataFrame]:
    """A source run's log on ``tiny`` (area <= 20 mm^2): 80 designs, some rejected."""
    src = scenarios.load("tiny")
    X = src.sample(80, seed=1)
    return src, X, src.evaluate(X).to_frame()


def test_recomputed_slacks_are_the_targets_own(source_log) -> None:
    """A target that differs from the source only by its budgets (a tighter area cap and a
    throughput floor the source had no budget on) gets exactly the slacks, relative slacks,
    objectives and feasibility its own evaluation gives."""
    src, X, frame = source_log
    floor = float(np.nanmedian(frame["throughput"].replace(0.0, np.nan)))
    target = scenarios.load("tiny", area_mm2=12.0, throughput=floor)
    td = prepare_transfer(frame, target.space, target.objective_columns, target.budgets)
    ev = target.evaluate(X)
    assert td.slack_source == {"area_mm2": "recomputed", "throughput": "recomputed"}
    assert td.dropped == 0 and np.array_equal(td.X, X)
    np.testing.assert_array_equal(td.slack, ev.slack)  # bit for bit, inf and all
    assert td.relative_slack is not None
    np.testing.assert_array_equal(td.relative_slack, ev.relative_slack)
    np.testing.assert_array_equal(td.feasible, ev.feasible)
    finite = np.isfinite(ev.objectives)
    np.testing.assert_array_equal(td.objectives[finite], ev.objectives[finite])
    # the signs: an area cap is budget - value, a throughput floor value - budget
    area, tput = frame["area_mm2"].to_numpy(), frame["throughput"].to_numpy()
    np.testing.assert_array_equal(td.slack[:, 0], 12.0 - area)
    np.testing.assert_array_equal(td.slack[:, 1], tput - floor)
    assert ((td.slack[:, 1] >= 0) == (tput >= floor)).all()
    assert 0 < td.feasible.sum() < len(td)


def test_a_slack_without_its_metric_is_copied(source_log) -> None:
    """Without the metric column the source's own slack column is used as it is."""
    _, _, frame = source_log
    target = scenarios.load("tiny", area_mm2=12.0)
    td = prepare_transfer(
        frame.drop(columns=["area_mm2"]), target.space, ["objective"], target.budgets
    )
    assert td.slack_source == {"area_mm2": "copied"}
    np.testing.assert_array_equal(td.slack[:, 0], frame["slack_area_mm2"].to_numpy())
    np.testing.assert_array_equal(td.relative_slack, td.slack / 12.0)
