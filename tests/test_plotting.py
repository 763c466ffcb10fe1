"""Plots: every function writes a non-empty PNG and labels its axes; the CLI draws them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from archgym import analysis, cli, plotting
from archgym.experiments import sweep
from archgym.plugins import load_plugins

load_plugins(["sweep_toy"])  # registers the toy scenario and agent (tests/ is on sys.path)

TESTS = Path(__file__).resolve().parent
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small in-process grid: two agent settings x 2 seeds on the toy scenario
    (single objective) and on its two-objective variant."""
    import sys

    sys.path.insert(0, str(TESTS))
    from archgym.experiments import run

    out = tmp_path_factory.mktemp("plots") / "runs"
    try:
        for multi in (False, True):
            for explore in (0.1, 0.7):
                for seed in (0, 1):
                    run(
                        "toy",
                        "toy",
                        budget=16,
                        seed=seed,
                        root=out / ("mo" if multi else "so"),
                        scenario_overrides={"multi": multi} if multi else None,
                        explore=explore,
                    )
    finally:
        sys.path.remove(str(TESTS))
    return out


def _flat(label: str) -> str:
    """An axis label read as one line (long labels are wrapped to fit their axes)."""
    return " ".join(label.split())


def _png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > 2000


def test_regret_and_best_so_far_curves(runs: Path, tmp_path: Path) -> None:
    frame = analysis.load_runs(runs / "so")
    fig = plotting.plot_regret(frame, best_value=-0.86, path=tmp_path / "regret.png", n_boot=100)
    _png(tmp_path / "regret.png")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "evaluations"
    assert _flat(ax.get_ylabel()).startswith(
        "normalized regret: (optimum − best so far) / |optimum|"
    )
    assert ax.get_yscale() == "log"
    assert "normalized regret vs evaluations" in fig._suptitle.get_text()
    assert len(ax.get_lines()) == 2  # one per setting
    assert any("explore=0.1" in t.get_text() for t in ax.get_legend().get_texts())
    fig = plotting.plot_curves(frame, "best_so_far", path=tmp_path / "best.png", n_boot=50)
    _png(tmp_path / "best.png")
    assert fig.axes[0].get_ylabel() == "best feasible objective"


def test_hypervolume_and_pareto(runs: Path, tmp_path: Path) -> None:
    frame = analysis.load_runs(runs / "mo")
    fig = plotting.plot_hypervolume(
        frame, path=tmp_path / "hv.png", n_boot=50
    )  # ref point from settings.json
    _png(tmp_path / "hv.png")
    assert fig.axes[0].get_ylabel() == "hypervolume" and fig.axes[0].get_xlabel() == "evaluations"
    fig = plotting.plot_pareto(
        frame, ("accuracy", "latency_ms", "energy_mj", "area_mm2"), path=tmp_path / "pareto.png"
    )
    _png(tmp_path / "pareto.png")
    assert len(fig.axes) == 6
    titles = {ax.get_title() for ax in fig.axes}
    assert "accuracy vs latency_ms" in titles and "latency_ms vs area_mm2" not in titles
    ax = next(a for a in fig.axes if a.get_title() == "accuracy vs area_mm2")
    assert ax.get_xlabel() == "area (mm²)" and ax.get_ylabel() == "accuracy (%)"
    # the area budget (6 mm^2, from the scenario) is drawn as a vertical line
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "area_mm2 budget 6" in labels and "front of the evaluated designs" in labels
    with pytest.raises(ValueError, match="need two"):
        plotting.plot_pareto(frame, ("accuracy", "nothing"))


def test_layer_breakdown_of_one_design(tmp_path: Path) -> None:
    import archgym
    from archgym import workloads

    rep = archgym.simulate(
        archgym.AcceleratorConfig.preset("edgetpu"), workloads.load("mobilenet_v1")
    )
    fig = plotting.plot_layer_breakdown(rep, path=tmp_path / "layers.png")
    _png(tmp_path / "layers.png")
    assert [ax.get_ylabel() for ax in fig.axes] == ["latency (ms)", "energy (mJ)"]
    assert fig.axes[1].get_xlabel() == "layer"
    assert "mobilenet_v1" in fig._suptitle.get_text()
    assert len(fig.axes[0].patches) == len(rep.layers)
    fig = plotting.plot_layer_breakdown(rep.layers, top=5)
    assert len(fig.axes[0].patches) == 5


def test_lottery_plot(runs: Path, tmp_path: Path) -> None:
    frame = analysis.load_runs(runs / "so")
    fig = plotting.plot_lottery(frame, best_value=-0.86, path=tmp_path / "lottery.png")
    _png(tmp_path / "lottery.png")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "agent"
    assert _flat(ax.get_ylabel()).startswith("final normalized regret: (optimum − best so far)")
    assert "hyperparameter lottery" in fig._suptitle.get_text()
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {
        "toy(explore=0.1)",
        "toy(explore=0.7)",
    }


def test_compare_plot_and_export_commands(
    runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["compare", str(runs / "so"), "--budgets", "4,8,16"]) == 0
    text = capsys.readouterr().out
    assert "median@16" in text and "iqr@4" in text and "explore=0.7" in text
    for kind in ("regret", "best", "lottery"):
        out = tmp_path / f"{kind}.png"
        assert cli.main(["plot", str(runs / "so"), "--kind", kind, "--out", str(out)]) == 0
        _png(out)
    for kind in ("hypervolume", "pareto"):
        out = tmp_path / f"{kind}.png"
        assert cli.main(["plot", str(runs / "mo"), "--kind", kind, "--out", str(out)]) == 0
        _png(out)
    assert (
        cli.main(["compare", str(runs / "mo"), "--metric", "hypervolume", "--budgets", "8,16"]) == 0
    )
    assert "hypervolume" in capsys.readouterr().out
    assert cli.main(["export", str(runs), "--out", str(tmp_path / "d.csv")]) == 0
    assert "128 designs" in capsys.readouterr().out


def test_plots_of_a_sweep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(TESTS))
    res = sweep(
        {
            "budget": 6,
            "seeds": 2,
            "scenarios": ["toy"],
            "agents": [{"name": "toy", "settings": {"explore": [0.2, 0.8]}}],
        },
        tmp_path / "sw",
        workers=1,
    )
    frame = res.load()
    fig = plotting.plot_lottery(frame, metric="best_so_far", path=tmp_path / "l.png")
    assert fig.axes[0].get_ylabel() == "final best feasible objective"
    _png(tmp_path / "l.png")


# --------------------------------------------------------------------------------------
# the bugs of issue 12: plots that tell the truth
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Random search on ``tiny-mo`` at two area budgets and on ``tiny`` (2 seeds each)."""
    from archgym.experiments import run

    out = tmp_path_factory.mktemp("tiny")
    for seed in (0, 1):
        for area in (20.0, 3.0):
            run(
                "tiny-mo",
                "random",
                40,
                seed,
                root=out / "mo",
                scenario_overrides={"area_mm2": area},
            )
        run("tiny", "random", 324, seed, root=out / "so", batch_size=81)  # finds the optimum
        run("tiny", "ga", 40, seed, root=out / "so", pop_size=8)
    return out


def test_a_regret_curve_that_reaches_zero_stays_visible(tiny_runs: Path, tmp_path: Path) -> None:
    frame = analysis.load_runs(tiny_runs / "so")
    exact = analysis.exact_best_values(frame)
    fig = plotting.plot_regret(frame, best_value=exact, reference="exact optimum", n_boot=50)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    label = _flat(ax.get_ylabel())
    assert "(exact optimum − best so far) / |exact optimum|" in label
    assert "0 drawn at" in label and "▼ = reached 0" in label
    floor = float(label.split("0 drawn at ")[1].split(",")[0])
    random_line = next(ln for ln in ax.get_lines() if ln.get_label().startswith("random"))
    y = np.asarray(random_line.get_ydata(), float)
    assert np.isfinite(y[-1]) and y[-1] == floor  # the run that found the optimum is drawn
    markers = [ln for ln in ax.get_lines() if ln.get_marker() == "v"]
    assert len(markers) >= 1


def test_pareto_uses_the_scenarios_objectives_every_budget_and_the_exact_front(
    tiny_runs: Path, tmp_path: Path
) -> None:
    frame = analysis.load_runs(tiny_runs / "mo")
    assert sorted(frame["scenario"].unique()) == ["tiny-mo[area_mm2=20]", "tiny-mo[area_mm2=3]"]
    exact = analysis.exact_designs(frame)
    fig = plotting.plot_pareto(frame, exact=exact, path=tmp_path / "p.png")
    _png(tmp_path / "p.png")
    # tiny-mo minimises latency and area: one panel, latency against area (not energy)
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert {ax.get_xlabel(), ax.get_ylabel()} == {"latency (ms)", "area (mm²)"}
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("area_mm2 budget 20") for t in labels)
    assert any(t.startswith("area_mm2 budget 3") for t in labels)
    assert any(t.startswith("exact Pareto front") for t in labels)
    # the exact fronts are the enumeration's
    from archgym import scenarios

    for area in (20.0, 3.0):
        res = scenarios.load("tiny-mo", area_mm2=area).enumerate()
        assert len(exact[f"tiny-mo[area_mm2={area:g}]"]) == len(res.pareto_index)
    # from the command line, colouring by a numeric knob: legend in numeric order
    out = tmp_path / "c.png"
    args = ["plot", str(tiny_runs / "mo"), "--kind", "pareto", "--exact"]
    assert cli.main([*args, "--color-by", "bandwidth_gbps", "--out", str(out)]) == 0
    fig = plotting.plot_pareto(frame, color_by="bandwidth_gbps")
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    nums = [float(t) for t in texts if t.replace(".", "", 1).isdigit()]
    assert nums == sorted(nums) and len(nums) == 2


def test_numeric_legends_sort_by_value() -> None:
    keys = ["16.0", "0.25", "2.0", "1.0", "0.5"]
    assert sorted(keys, key=analysis.natural_key) == ["0.25", "0.5", "1.0", "2.0", "16.0"]
    labels = ["bo(n_init=10)", "bo(n_init=5)", "bo(n_init=20)"]
    assert sorted(labels, key=analysis.natural_key) == [
        "bo(n_init=5)",
        "bo(n_init=10)",
        "bo(n_init=20)",
    ]


def test_lottery_without_exact_says_what_the_regret_is_relative_to(tiny_runs: Path) -> None:
    frame = analysis.load_runs(tiny_runs / "so")
    fig = plotting.plot_lottery(frame)
    label = _flat(fig.axes[0].get_ylabel())
    assert "best found by any run" in label and "exact" not in label


def test_regret_against_wall_clock_time(
    tiny_runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = analysis.load_runs(tiny_runs / "so")
    timed = analysis.with_wall_time(frame)
    for _, g in timed.groupby("run_id"):
        steps = (g["ask_s"] + g["eval_s"]).to_numpy(float)
        assert np.allclose(g["wall_s"].to_numpy(float), np.cumsum(steps))
    fig = plotting.plot_curves(
        frame, "regret", x="time", best_value=analysis.exact_best_values(frame)
    )
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("wall-clock time (s)") and ax.get_xscale() == "log"
    out = tmp_path / "t.png"
    args = ["plot", str(tiny_runs / "so"), "--kind", "regret-time", "--exact"]
    assert cli.main([*args, "--out", str(out)]) == 0
    _png(out)
    capsys.readouterr()
    assert cli.main(["compare", str(tiny_runs / "so"), "--exact", "--budgets", "40"]) == 0
    text = capsys.readouterr().out
    assert "wall_s@40" in text and "at equal wall-clock time" in text
    # the equal-time value is each run's regret after that many of its own seconds
    seconds = 1e9
    at = analysis.values_at_wall_time(frame, seconds)
    assert at["value"].isna().all()  # every run ended long before


def test_regret_plot_of_runs_without_a_feasible_design_still_saves(tmp_path):
    """Early in a run (or in smoke mode) no seed may have a feasible design yet: the plot
    says so instead of failing on a log axis with nothing to draw."""
    import numpy as np
    import pandas as pd

    from archgym import plotting

    frame = pd.DataFrame(
        {
            "scenario": "s",
            "agent": "a",
            "run_id": "r",
            "seed": 0,
            "step": np.arange(5),
            "objective": [np.nan] * 5,
            "feasible": [False] * 5,
        }
    )
    fig = plotting.plot_regret(frame, best_value=1.0)
    fig.savefig(tmp_path / "regret.png")
    assert (tmp_path / "regret.png").stat().st_size > 0
    assert any("no feasible" in t.get_text() for t in fig.axes[0].texts)


def test_long_axis_labels_stay_clear_of_the_title(runs: Path) -> None:
    # notebook 04: two panels whose regret labels, taller than their axes, ran over the title
    frame = analysis.load_runs(runs / "so")
    two = frame.assign(scenario=np.where(frame["seed"] == 0, "first", "second"))
    two.attrs = dict(frame.attrs)
    reference = "best-known (not a certified optimum)"
    for fig in (
        plotting.plot_regret(two, best_value=-0.86, by="agent", reference=reference, n_boot=50),
        plotting.plot_lottery(two, best_value=-0.86, reference=reference),
    ):
        fig.draw_without_rendering()
        title = fig._suptitle.get_window_extent()
        whole = fig.bbox
        for ax in fig.axes:
            box = ax.yaxis.label.get_window_extent()
            assert box.y1 <= title.y0 and box.y0 >= whole.y0, (ax.get_ylabel(), box, title)
