"""Plots: every function writes a non-empty PNG and labels its axes; the CLI draws them."""

from __future__ import annotations

from pathlib import Path

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


def _png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > 2000


def test_regret_and_best_so_far_curves(runs: Path, tmp_path: Path) -> None:
    frame = analysis.load_runs(runs / "so")
    fig = plotting.plot_regret(frame, best_value=-0.86, path=tmp_path / "regret.png", n_boot=100)
    _png(tmp_path / "regret.png")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "evaluations" and ax.get_ylabel() == "normalized regret"
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
    assert "area_mm2 budget" in labels and "Pareto front" in labels
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
    assert ax.get_xlabel() == "agent" and ax.get_ylabel() == "final normalized regret"
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
