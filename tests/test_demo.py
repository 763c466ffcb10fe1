"""The README's main job: its table, its plots, several seeds, honest wall times."""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from archgym import cli
from archgym.demo import run_demo


def test_demo_writes_a_results_table_and_plots(tmp_path, capsys):
    # random search and a GA with a population of 4, three seeds of 12 evaluations each
    demo = dict(scenario_id="tiny-codesign", agents=["random", "ga"], budget=12, seeds=3)
    settings = {"ga": {"pop_size": 4}}
    res = run_demo(out=tmp_path, **demo, progress=False, workers=1, settings=settings)
    table = pd.read_csv(res["files"]["results"])
    assert list(table["agent"]) == ["random", "ga", "exact optimum (enumeration)"]
    assert (table["seeds"].iloc[:2] == 3).all()
    assert (table["median_regret"].dropna() >= 0).all()
    # the GA's first population is its initial random design, and the table says how often
    # the best design came from it
    ga = table.set_index("agent").loc["ga"]
    assert ga["best_from_initial_design"].endswith("seeds (first 4 evals)")
    k = int(ga["best_from_initial_design"].split("/")[0])
    runs = [Path(d) for d in sorted((tmp_path / "runs").glob("*-ga-*"))]
    firsts = [json.loads((d / "summary.json").read_text())["best"]["eval"] for d in runs]
    assert len(runs) == 3 and k == sum(e < 4 for e in firsts)
    for key in ("regret_plot", "regret_time_plot", "pareto_plot"):
        data = res["files"][key].read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    # wall times are the runs' own (summary.json), not the time of this call
    summaries = {
        d.name: json.loads((d / "summary.json").read_text())
        for d in (tmp_path / "runs").iterdir()
        if d.is_dir()
    }
    ga_walls = [s["wall_s"] for n, s in summaries.items() if "-ga-" in n]
    assert ga["median_wall_s"] == np.median(ga_walls)
    # a second call reuses the finished runs: same table, same wall times
    again = run_demo(out=tmp_path, **demo, progress=False, workers=1, settings=settings)
    pd.testing.assert_frame_equal(again["table"], res["table"])
    # from the command line: the printed table explains the initial-design column
    args = ["demo", "--scenario", "tiny-codesign", "--agents", "random", "--budget", "6"]
    assert cli.main([*args, "--seeds", "3", "--out", str(tmp_path / "cli"), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "best_from_initial_design" in text and "initial design (random" in text
