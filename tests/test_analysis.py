"""Analysis functions on hand-made frames (values checked by hand) and on real run logs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from archgym import analysis
from archgym.experiments import run
from archgym.plugins import load_plugins

load_plugins(["sweep_toy"])  # registers the toy scenario and agent (tests/ is on sys.path)

TESTS = Path(__file__).resolve().parent


def _frame(runs: dict[tuple[str, str, int], list[tuple[float, bool]]]) -> pd.DataFrame:
    """Rows from ``{(run_id, agent, seed): [(objective, feasible), ...]}``."""
    rows = []
    for (rid, agent, seed), values in runs.items():
        for i, (obj, feas) in enumerate(values):
            rows.append(
                {
                    "run_id": rid,
                    "agent": agent,
                    "seed": seed,
                    "eval": i,
                    "objective": obj,
                    "feasible": feas,
                }
            )
    return pd.DataFrame(rows)


def test_best_so_far_counts_only_feasible_rows_and_keeps_the_others() -> None:
    f = _frame({("a", "x", 0): [(-5, False), (-3, True), (-1, False), (-2, True), (-2.5, True)]})
    out = analysis.best_so_far(f)
    assert len(out) == 5  # infeasible rows stay
    assert list(out["n_evals"]) == [1, 2, 3, 4, 5]
    got = out["best_so_far"].tolist()
    assert math.isnan(got[0]) and got[1:] == [-3, -3, -2, -2]


def test_normalized_regret_by_hand() -> None:
    f = _frame(
        {
            ("a", "x", 0): [(-5, False), (-3, True), (-2, True), (-1.5, True)],
            ("b", "x", 1): [(-4, True), (-1, True)],
        }
    )
    out = analysis.normalized_regret(f, best_value=-1.0)
    a = out[out["run_id"] == "a"]["regret"].tolist()
    assert a[0] == math.inf  # nothing feasible yet
    assert a[1:] == pytest.approx([2.0, 1.0, 0.5])  # (-1 - bsf) / |-1|
    assert out[out["run_id"] == "b"]["regret"].tolist() == pytest.approx([3.0, 0.0])
    # relative to the range best - worst = -1 - (-5) = 4
    rng = analysis.normalized_regret(f, best_value=-1.0, worst_value=-5.0)
    assert rng[rng["run_id"] == "a"]["regret"].tolist()[1:] == pytest.approx([0.5, 0.25, 0.125])
    # without an optimum: the best value any run found (-1 here)
    emp = analysis.normalized_regret(f)
    assert emp["regret"].tolist()[1:] == pytest.approx(out["regret"].tolist()[1:])
    with pytest.raises(ValueError, match="best_value is 0"):
        analysis.normalized_regret(f, best_value=0.0)


def test_bootstrap_ci_is_seeded_and_brackets_the_median() -> None:
    curves = np.array([[4.0, 2.0, 1.0], [3.0, 2.0, 0.5], [5.0, 1.0, 0.5], [4.0, 3.0, 2.0]])
    c, lo, hi = analysis.bootstrap_ci(curves, n_boot=400, seed=1)
    assert c.tolist() == [4.0, 2.0, 0.75]
    assert (lo <= c).all() and (c <= hi).all()
    assert lo[0] >= 3.0 and hi[0] <= 5.0
    c2, lo2, hi2 = analysis.bootstrap_ci(curves, n_boot=400, seed=1)
    assert (lo == lo2).all() and (hi == hi2).all()
    same = np.ones((5, 4))
    c, lo, hi = analysis.bootstrap_ci(same, stat="mean")
    assert (c == 1).all() and (lo == 1).all() and (hi == 1).all()
    with_inf = np.array([[np.inf, 1.0], [np.inf, 2.0], [3.0, 1.0]])
    c, lo, hi = analysis.bootstrap_ci(with_inf, n_boot=200)
    assert c[0] == np.inf and not np.isnan(lo).any() and not np.isnan(hi).any()


def test_pareto_mask_and_hypervolume_by_hand() -> None:
    Y = np.array([[1, 2], [2, 1], [0.5, 0.5], [2, 1], [1, 1], [np.nan, 5]])
    assert analysis.pareto_mask(Y).tolist() == [
        True,
        True,
        False,
        False,
        False,
        False,
    ]  # one of equal rows
    # two points (1, 2) and (2, 1) above (0, 0): 2 + 2 - 1 = 3
    assert analysis.hypervolume([[1, 2], [2, 1]], [0, 0]) == pytest.approx(3.0)
    # dominated and below-reference points add nothing
    assert analysis.hypervolume([[1, 2], [2, 1], [0.5, 0.5], [-1, 9]], [0, 0]) == pytest.approx(3.0)
    assert analysis.hypervolume([[1, 2, 3]], [0, 0, 0]) == pytest.approx(6.0)
    assert analysis.hypervolume([[-1, -1]], [0, 0]) == 0.0


def test_hypervolume_trace_by_hand() -> None:
    f = pd.DataFrame(
        {
            "run_id": "r",
            "agent": "x",
            "seed": 0,
            "eval": range(5),
            "f1": [1.0, 2.0, 2.0, 0.5, 9.0],
            "f2": [1.0, 0.5, 1.0, 3.0, 9.0],
            "feasible": [True, True, True, True, False],
        }
    )
    f["objective"] = f["f1"]
    out = analysis.hypervolume_trace(f, [0.0, 0.0], ["f1", "f2"])
    # {(1,1)} -> 1; + (2, .5): 1 + 1*.5 = 1.5; (2,1) dominates both -> 2;
    # + (.5, 3): 2 + .5*2 = 3; the infeasible (9, 9) counts for nothing
    assert out["hypervolume"].tolist() == pytest.approx([1.0, 1.5, 2.0, 3.0, 3.0])


def test_ranking_table_and_evaluations_to_reach_by_hand() -> None:
    runs = {}
    # agent "good" reaches the optimum (-1) after 2 evaluations, "slow" after 4 (or never)
    for s, curve in enumerate([[-3, -1, -1, -1], [-2, -1, -1, -1], [-4, -1, -1, -1]]):
        runs[(f"g{s}", "good", s)] = [(v, True) for v in curve]
    for s, curve in enumerate([[-3, -3, -2, -1], [-5, -4, -3, -1], [-3, -2, -2, -2]]):
        runs[(f"s{s}", "slow", s)] = [(v, True) for v in curve]
    f = _frame(runs)
    table = analysis.ranking_table(f, budgets=[1, 2, 4], best_value=-1.0)
    assert list(table.index.get_level_values("label")) == ["good", "slow"]
    good = table.xs("good", level="label").iloc[0]
    slow = table.xs("slow", level="label").iloc[0]
    # regret after 1 evaluation: good [2, 1, 3] -> median 2, IQR 2.5 - 1.5 = 1
    assert good["median@1"] == 2.0 and good["iqr@1"] == pytest.approx(1.0)
    assert slow["median@1"] == 2.0 and good["rank@1"] == 1 and slow["rank@1"] == 1
    # after 2: good [0, 0, 0]; slow [2, 3, 1] -> median 2
    assert good["median@2"] == 0.0 and slow["median@2"] == 2.0
    assert good["rank@2"] == 1 and slow["rank@2"] == 2
    # after 4: slow [0, 0, 1] -> median 0, IQR 0.5 - 0 = 0.5
    assert slow["median@4"] == 0.0 and slow["iqr@4"] == pytest.approx(0.5)
    assert good["n@4"] == 3
    reach = analysis.evaluations_to_reach(f, 0.0, best_value=-1.0).set_index("run_id")
    assert reach.loc[["g0", "g1", "g2"], "evals_to_reach"].tolist() == [2, 2, 2]
    assert reach.loc["s0", "evals_to_reach"] == 4 and math.isnan(reach.loc["s2", "evals_to_reach"])
    reach_half = analysis.evaluations_to_reach(f, 1.0, best_value=-1.0).set_index("run_id")
    assert reach_half.loc["s2", "evals_to_reach"] == 2
    # higher-is-better metrics rank the other way
    bsf = analysis.ranking_table(f, budgets=[2], metric="best_so_far")
    assert bsf.xs("good", level="label")["rank@2"].iloc[0] == 1


def test_load_runs_and_export_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(TESTS))
    for seed in (0, 1):
        run(
            "toy",
            "toy",
            budget=15,
            seed=seed,
            root=tmp_path / "runs",
            scenario_overrides={"area_mm2": 4.0},
        )
    frame = analysis.load_runs(tmp_path / "runs")
    assert len(frame) == 30 and frame["run_id"].nunique() == 2
    assert {"scenario", "label", "budget", "run_dir", "agent_settings"} <= set(frame.columns)
    info = analysis.scenario_infos(frame)["toy[area_mm2=4]"]
    assert info["budgets"] == {"area_mm2": 4.0}
    assert len(analysis.load_runs(str(tmp_path / "runs" / "*"))) == 30  # a glob
    assert not frame["feasible"].all()
    for name in ("data.csv", "data.parquet"):
        if name.endswith(".parquet"):
            pytest.importorskip("pyarrow")
        data = analysis.export_dataset(tmp_path / "runs", tmp_path / name)
        assert len(data) == 30 and (~data["feasible"]).sum() == (~frame["feasible"]).sum()
        assert list(data.columns[:6]) == ["scenario", "run_id", "agent", "label", "seed", "eval"]
        assert list(data.columns[6:10]) == ["rows", "dataflow", "sram_kib", "kernel"]
        back = (
            pd.read_parquet(tmp_path / name)
            if name.endswith(".parquet")
            else pd.read_csv(tmp_path / name)
        )
        assert len(back) == 30
    uniq = analysis.export_dataset(frame, unique=True)
    assert len(uniq) == len(frame.drop_duplicates(["rows", "dataflow", "sram_kib", "kernel"]))
    with pytest.raises(FileNotFoundError):
        analysis.load_runs(tmp_path / "nothing")
