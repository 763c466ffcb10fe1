"""Runs are identified by their full scenario definition; names in data are never imported.

* the same scenario at two budgets is two scenarios for ``load_runs``, ``compare`` and
  ``plot``, each measured against its own exact optimum;
* a scenario read from a YAML file is stored with its runs, so ``compare --exact`` works
  after the file is gone;
* a run folder, a sweep file or a scenario file naming ``os:system`` or a module with side
  effects executes nothing and gets a clear error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from archgym import analysis, cli, scenarios
from archgym.experiments import SweepError, load_config, run, sweep

BUDGETS = (20.0, 2.0)


@pytest.fixture(scope="module")
def two_budgets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``tiny`` at an area budget of 20 and 2 mm², two seeds each (CLI overrides)."""
    root = tmp_path_factory.mktemp("budgets")
    for area in BUDGETS:
        for seed in (0, 1):
            code = cli.main(
                [
                    "run",
                    "--scenario",
                    "tiny",
                    "--scenario-set",
                    f"area_mm2={area}",
                    "--agent",
                    "random",
                    "--budget",
                    "30",
                    "--seed",
                    str(seed),
                    "--out",
                    str(root / f"a{area:g}-s{seed}"),
                    "--no-progress",
                ]
            )
            assert code == 0
    return root


def test_same_scenario_at_two_budgets_is_two_scenarios(two_budgets: Path) -> None:
    frame = analysis.load_runs(two_budgets)
    names = sorted(frame["scenario"].unique())
    assert names == ["tiny[area_mm2=20]", "tiny[area_mm2=2]"]
    exact = analysis.exact_best_values(frame)
    for area in BUDGETS:
        name = f"tiny[area_mm2={area:g}]"
        truth = scenarios.load("tiny", area_mm2=area).enumerate().best_value
        assert exact[name] == truth
        # each run's regret is measured against the optimum of ITS budget
        reg = analysis.normalized_regret(analysis.best_so_far(frame), exact)
        for _rid, g in reg[reg["scenario"] == name].groupby("run_id"):
            best = g.loc[g["feasible"], "objective"].max()
            assert g["regret"].iloc[-1] == pytest.approx((truth - best) / abs(truth))
            # and the 2 mm² runs never saw a design above the 2 mm² budget as feasible
            assert (g.loc[g["feasible"], "area_mm2"] <= area).all()
    table = analysis.ranking_table(frame, budgets=[30], best_value=exact)
    assert table["n@30"].tolist() == [2, 2]  # not pooled into one scenario of n=4


def test_compare_and_plot_use_each_definitions_optimum(
    two_budgets: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["compare", str(two_budgets), "--exact", "--budgets", "30"]) == 0
    text = capsys.readouterr().out
    assert "tiny[area_mm2=20]" in text and "tiny[area_mm2=2]" in text
    frame = analysis.load_runs(two_budgets)
    exact = analysis.exact_best_values(frame)
    table = analysis.ranking_table(frame, budgets=[30], best_value=exact)
    for value in table["median@30"]:
        assert f"{value:.4g}" in text
    out = tmp_path / "r.png"
    assert cli.main(["plot", str(two_budgets), "--exact", "--out", str(out)]) == 0
    assert out.stat().st_size > 1000


def test_a_yaml_scenario_is_stored_and_needs_no_file_afterwards(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = scenarios.get_definition("tiny")
    doc.update(id="my-tiny", budgets={"area_mm2": 5.0})
    path = tmp_path / "my.yaml"
    path.write_text(yaml.safe_dump(doc))
    runs = tmp_path / "runs"
    for seed in (0, 1):
        args = ["run", "--scenario", str(path), "--agent", "random", "--budget", "12"]
        args += ["--seed", str(seed), "--out", str(runs / f"s{seed}"), "--no-progress"]
        assert cli.main(args) == 0
    # a sweep names the same file (relative to the sweep file)
    sweep_yaml = tmp_path / "sweep.yaml"
    sweep_yaml.write_text(
        yaml.safe_dump({"budget": 12, "seeds": [2], "scenarios": ["my.yaml"], "agents": ["random"]})
    )
    assert cli.main(["sweep", str(sweep_yaml), "--out", str(runs / "sw"), "--workers", "1"]) == 0
    path.unlink()
    capsys.readouterr()
    assert cli.main(["compare", str(runs), "--exact", "--budgets", "12"]) == 0
    text = capsys.readouterr().out
    assert "my-tiny" in text and "exact optimum" in text
    frame = analysis.load_runs(runs)
    assert set(frame["scenario"]) == {"my-tiny"} and frame["run_id"].nunique() == 3
    truth = scenarios.load("tiny", area_mm2=5.0).enumerate().best_value
    assert analysis.exact_best_values(frame) == {"my-tiny": truth}
    assert cli.main(["plot", str(runs), "--exact", "--out", str(tmp_path / "p.png")]) == 0


def test_an_edited_yaml_with_the_same_id_is_another_scenario(tmp_path: Path) -> None:
    doc = scenarios.get_definition("tiny")
    doc["id"] = "same-id"
    for area in (20.0, 2.0):
        sc = scenarios.Scenario.from_dict({**doc, "budgets": {"area_mm2": area}})
        run(sc, "random", budget=8, seed=0, out=tmp_path / f"a{area:g}")
    frame = analysis.load_runs(tmp_path)
    names = sorted(frame["scenario"].unique())
    assert len(names) == 2 and all(n.startswith("same-id#") for n in names)
    exact = analysis.exact_best_values(frame)
    assert sorted(exact.values()) == sorted(
        scenarios.load("tiny", area_mm2=a).enumerate().best_value for a in (20.0, 2.0)
    )


def test_an_impossible_scenario_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc = scenarios.load("tiny", area_mm2=0.01)
    with pytest.raises(scenarios.ScenarioError, match=r"no feasible design.*area_mm2 <= 0.01"):
        sc.enumerate()
    with pytest.raises(scenarios.ScenarioError, match="smallest"):
        sc.enumerate()  # the cached result says the same
    run(
        "tiny",
        "random",
        budget=5,
        seed=0,
        out=tmp_path / "r",
        scenario_overrides={"area_mm2": 0.01},
    )
    assert cli.main(["plot", str(tmp_path / "r"), "--exact", "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "no feasible design" in err


# --------------------------------------------------------------------------------------
# no code from data
# --------------------------------------------------------------------------------------


@pytest.fixture
def side_effect_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An importable module ``agym_evil`` that writes a marker file when imported."""
    marker = tmp_path / "IMPORTED"
    mod = tmp_path / "mods" / "agym_evil.py"
    mod.parent.mkdir()
    mod.write_text(
        f"open({str(marker)!r}, 'w').write('x')\n"
        "def factory(**kw):\n    raise SystemExit('executed')\n"
        "class Agent:\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(mod.parent))
    monkeypatch.delitem(sys.modules, "agym_evil", raising=False)
    return marker


NAMES = ("os:system", "agym_evil:factory", "agym_evil:Agent")


@pytest.mark.parametrize("name", NAMES)
def test_a_run_folder_naming_code_imports_nothing(
    name: str, side_effect_module: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    res = run("tiny", "random", budget=4, seed=0, out=tmp_path / "r")
    settings = json.loads(res.settings_path.read_text())
    settings["scenario"] = name
    res.settings_path.write_text(json.dumps(settings))
    for cmd in (["compare", "--exact"], ["plot", "--exact", "--out", str(tmp_path / "p.png")]):
        assert cli.main([cmd[0], str(tmp_path / "r"), *cmd[1:]]) == 2
        err = capsys.readouterr().err
        assert "never imports code" in err and name in err
    # resuming the folder with the same name from the command line: refused, not imported
    settings["agent"] = name
    settings["scenario"] = "tiny"
    res.settings_path.write_text(json.dumps(settings))
    args = ["run", "--scenario", "tiny", "--agent", name, "--budget", "4", "--seed", "0"]
    assert cli.main([*args, "--out", str(tmp_path / "r"), "--no-progress"]) == 2
    assert "never imports code" in capsys.readouterr().err
    assert not side_effect_module.exists()
    assert "agym_evil" not in sys.modules


@pytest.mark.parametrize("name", NAMES)
def test_a_sweep_file_naming_code_imports_nothing(
    name: str, side_effect_module: Path, tmp_path: Path
) -> None:
    for doc in (
        {
            "budget": 3,
            "scenarios": [{"id": name, "set": {"command": "touch x"}}],
            "agents": ["random"],
        },
        {"budget": 3, "scenarios": ["tiny"], "agents": [name]},
        {"budget": 3, "scenarios": ["tiny"], "agents": [{"name": name, "settings": {}}]},
    ):
        with pytest.raises(SweepError, match="never imports code"):
            load_config(doc)
        with pytest.raises(SweepError, match="never imports code"):
            sweep(doc, tmp_path / "sw")
        path = tmp_path / "sweep.yaml"
        path.write_text(yaml.safe_dump(doc))
        assert cli.main(["sweep", str(path), "--out", str(tmp_path / "sw")]) == 2
    assert not side_effect_module.exists()
    assert not (tmp_path / "sw").exists() or not any((tmp_path / "sw").glob("*/log.csv"))


@pytest.mark.parametrize("name", NAMES)
def test_a_scenario_file_naming_code_imports_nothing(
    name: str, side_effect_module: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = scenarios.get_definition("mobilenet-codesign")
    bad_docs = [
        {**scenarios.get_definition("tiny"), "workloads": name},
        {**base, "network": {**base["network"], "oracle": name}},
        {**scenarios.get_definition("tiny"), "objective": name},
    ]
    for i, doc in enumerate(bad_docs):
        path = tmp_path / f"s{i}.yaml"
        path.write_text(yaml.safe_dump(doc))
        with pytest.raises(ValueError, match=r"unknown|never imports code"):
            sc = scenarios.Scenario.from_yaml(path)
            sc.evaluate(sc.sample(2, seed=0))
        args = ["run", "--scenario", str(path), "--agent", "random", "--budget", "2"]
        assert cli.main([*args, "--out", str(tmp_path / f"r{i}"), "--no-progress"]) == 2
        assert capsys.readouterr().err.startswith("error:")
    assert not side_effect_module.exists()
    assert "agym_evil" not in sys.modules


def test_plugins_are_the_explicit_way_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module the user names with --plugin registers its agent; the run records the name."""
    from archgym import plugins

    # this process's plugin list is handed to sweep workers: keep the test's own out of it
    monkeypatch.setattr(plugins, "_LOADED", [])
    mod = tmp_path / "mods" / "agym_plugin_demo.py"
    mod.parent.mkdir()
    mod.write_text(
        "from archgym import agents\n"
        "from archgym.agents.random_search import RandomSearch\n"
        "class Mine(RandomSearch):\n    name = 'mine'\n"
        "agents.register('mine', Mine, overwrite=True)\n"
    )
    sys.path.insert(0, str(mod.parent))
    try:
        args = ["--plugin", "agym_plugin_demo", "run", "--scenario", "tiny", "--agent", "mine"]
        assert (
            cli.main([*args, "--budget", "5", "--out", str(tmp_path / "r"), "--no-progress"]) == 0
        )
    finally:
        sys.path.remove(str(mod.parent))
    settings = json.loads((tmp_path / "r" / "settings.json").read_text())
    assert settings["agent"] == "mine"
    assert cli.main(["--plugin", "sweep_toy", "scenarios"]) == 0  # lists its factories too
    assert "toy-tight" in capsys.readouterr().out
    assert cli.main(["--plugin", "os:system", "scenarios"]) == 2
    assert "module name" in capsys.readouterr().err
    assert np.isfinite(analysis.load_runs(tmp_path / "r")["objective"]).any()


def test_transfer_takes_yaml_scenarios(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``archgym transfer --scenario a.yaml --targets b.yaml``: each target's optimum is
    that of its own document, stored with the runs."""
    from archgym.plugins import load_plugins

    load_plugins(["sweep_toy"])  # the toy transfer-capable agent (tests/ is on sys.path)
    paths = {}
    for name, area in (("src", 20.0), ("dst", 3.0)):
        doc = scenarios.get_definition("tiny")
        doc.update(id=f"yaml-{name}", budgets={"area_mm2": area})
        paths[name] = tmp_path / f"{name}.yaml"
        paths[name].write_text(yaml.safe_dump(doc))
    args = ["transfer", "--scenario", str(paths["src"]), "--targets", str(paths["dst"])]
    args += ["--agent", "toy-transfer", "--budget", "8", "--seeds", "0", "--regret", "0.5"]
    assert cli.main([*args, "--out", str(tmp_path / "tr"), "--no-progress"]) == 0
    text = capsys.readouterr().out
    truth = scenarios.load("tiny", area_mm2=3.0).enumerate().best_value
    assert "yaml-dst" in text and f"{truth:.4g}" in text
    for p in paths.values():
        p.unlink()
    frame = analysis.load_runs(tmp_path / "tr" / "yaml-dst")
    assert analysis.exact_best_values(frame) == {"yaml-dst": truth}
