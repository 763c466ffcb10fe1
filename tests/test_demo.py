"""The README's main job writes its table and plots."""

import pandas as pd

from archgym.demo import run_demo


def test_demo_writes_a_results_table_and_plots(tmp_path):
    res = run_demo(
        out=tmp_path,
        scenario_id="tiny-codesign",
        agents=["random", "ga"],
        budget=12,
        progress=False,
    )
    table = pd.read_csv(res["files"]["results"])
    assert list(table["agent"]) == ["random", "ga", "exact optimum (enumeration)"]
    assert (table["regret"].dropna() >= 0).all()
    for key in ("regret_plot", "pareto_plot"):
        data = res["files"][key].read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    # a second call reuses the finished runs and gives the same table
    again = run_demo(
        out=tmp_path,
        scenario_id="tiny-codesign",
        agents=["random", "ga"],
        budget=12,
        progress=False,
    )
    pd.testing.assert_frame_equal(
        again["table"].drop(columns="wall_s"), res["table"].drop(columns="wall_s")
    )
