"""Smoke and contract tests of the random-search and genetic agents.

Each agent runs with a tiny budget on a toy scenario that implements exactly the
protocol agents rely on (``space``, ``evaluate(X).to_frame()``, ``n_objectives``,
``objective_columns``, ``budgets``, ``id``, ``ref_point``), and on the smallest catalog
scenario when ``archgym.scenarios`` provides one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from archgym.agents import AgentError, History, Observations, make
from archgym.agents.genetic import NAN_PENALTY, GeneticAgent, to_pymoo
from archgym.agents.random_search import RandomSearch
from archgym.space import Categorical, DesignSpace, Integer, PowerOfTwo

TIMING = ["ask_s", "eval_s", "run_id"]


class _Result:
    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def to_frame(self) -> pd.DataFrame:
        return self._frame


class ToyScenario:
    """A 120-design space (ordered, categorical and integer knobs), an analytic objective
    (throughput, maximised) and one area budget that makes some designs infeasible.

    With ``n_objectives=2`` the objectives are ``throughput`` and ``neg_area`` (both
    maximised); ``objective`` is the first.
    """

    def __init__(
        self, n_objectives: int = 1, area_budget: float = 30.0, fixed_knob: bool = False
    ) -> None:
        knobs = [
            PowerOfTwo("rows", 4, 64),
            Categorical("dataflow", ["os", "ws", "is"]),
            Integer("lanes", 1, 8),
        ]
        if fixed_knob:
            knobs.append(Integer("cores", 2, 2))
        self.space = DesignSpace(knobs)
        self.budgets = {"area_mm2": area_budget}
        self.n_objectives = n_objectives
        self.num_objectives = n_objectives  # archgym.agents.problem.Problem
        self.objective_columns = ["objective"] if n_objectives == 1 else ["throughput", "neg_area"]
        self.ref_point = np.array([0.0, -100.0]) if n_objectives == 2 else None
        self.id = f"toy-{n_objectives}obj"
        self.calls = 0

    def evaluate(self, X: Any) -> _Result:
        self.calls += 1
        X = self.space.validate(X).reshape(-1, self.space.n_knobs)
        frame = self.space.to_frame(X)
        rows = frame["rows"].to_numpy(float)
        lanes = frame["lanes"].to_numpy(float)
        ws = (X[:, 1] == 1).astype(float)
        area = rows * lanes / 8.0 + 2.0 * X[:, 1]
        throughput = rows * lanes * (1.0 + 0.5 * ws)
        frame["area_mm2"] = area
        frame["throughput"] = throughput
        frame["neg_area"] = -area
        frame["objective"] = throughput
        frame["slack_area_mm2"] = self.budgets["area_mm2"] - area
        frame["feasible"] = frame["slack_area_mm2"].to_numpy() >= 0
        return _Result(frame)


def _catalog_scenario(scenario_id: str) -> Any:
    """A catalog scenario, or skip when the catalog does not have it (yet)."""
    scenarios = pytest.importorskip("archgym.scenarios")
    try:
        ids = list(scenarios.ids() or [])
    except Exception as exc:  # the catalog is being written
        pytest.skip(f"archgym.scenarios.ids() unavailable: {exc}")
    if scenario_id not in ids:
        pytest.skip(f"no scenario {scenario_id!r} in the catalog ({ids})")
    return scenarios.load(scenario_id)


AGENTS = [
    ("random", {}),
    ("random", {"method": "lhs", "batch_size": 5}),
    ("random", {"method": "sobol", "batch_size": 8}),
    ("random", {"unique": False, "batch_size": 7}),
    ("ga", {"pop_size": 8}),
    ("ga", {"pop_size": 8, "batch_size": 3}),
    ("ga", {"pop_size": 6, "eliminate_duplicates": False, "mutation_prob": 0.5}),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}" for n, kw in AGENTS]


def _strip(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in TIMING if c in frame.columns])


# --- running and logging ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "settings"), AGENTS, ids=IDS)
def test_runs_and_logs_every_evaluation(name: str, settings: dict[str, Any]) -> None:
    sc = ToyScenario()
    h = make(name, **settings).run(sc, budget=30, seed=3)
    assert isinstance(h, History) and len(h) == 30
    f = h.frame
    for col in [
        "run_id",
        "agent",
        "seed",
        "step",
        "eval",
        *sc.space.names,
        "objective",
        "feasible",
        "slack_area_mm2",
        "ask_s",
        "eval_s",
    ]:
        assert col in f.columns, col
    assert (f["agent"] == name).all()
    assert f["eval"].tolist() == list(range(30))
    X = sc.space.encode_batch(f[sc.space.names])
    assert ((X >= 0) & (X < sc.space.sizes)).all()
    assert h.settings["agent"] == name and h.settings["seed"] == 3 and h.settings["budget"] == 30
    if settings.get("unique", True) and name == "random":
        assert len(np.unique(sc.space.ravel(X))) == 30


@pytest.mark.parametrize(("name", "settings"), AGENTS, ids=IDS)
def test_same_seed_same_log(name: str, settings: dict[str, Any]) -> None:
    a = make(name, **settings).run(ToyScenario(), budget=25, seed=11)
    b = make(name, **settings).run(ToyScenario(), budget=25, seed=11)
    pd.testing.assert_frame_equal(_strip(a.frame), _strip(b.frame))
    c = make(name, **settings).run(ToyScenario(), budget=25, seed=12)
    names = ToyScenario().space.names
    assert not a.frame[names].equals(c.frame[names])


@pytest.mark.parametrize(("name", "settings"), [AGENTS[0], AGENTS[5]], ids=[IDS[0], IDS[5]])
def test_resume_replays_without_reevaluating(name: str, settings: dict[str, Any]) -> None:
    full = make(name, **settings).run(ToyScenario(), budget=24, seed=5)
    bs = full.settings["settings"]["batch_size"]
    done = max(1, 12 // bs) * bs
    cut = full.frame.iloc[:done]  # whole batches, as a crashed run's log leaves them
    sc = ToyScenario()
    resumed = make(name, **settings).run(sc, budget=24, seed=5, resume=cut)
    pd.testing.assert_frame_equal(_strip(resumed.frame), _strip(full.frame))
    assert sc.calls == -(-(24 - done) // bs)  # only the missing batches were evaluated


def test_infeasible_designs_are_told_and_logged() -> None:
    sc = ToyScenario(area_budget=6.0)  # most designs are over the area budget
    for agent in (make("random", batch_size=10), make("ga", pop_size=10)):
        h = agent.run(sc, budget=40, seed=0)
        f = h.frame
        assert (~f["feasible"]).sum() > 0
        assert ((f["slack_area_mm2"] < 0) == ~f["feasible"]).all()
        assert agent.obs is not None and len(agent.obs) == 40
        assert (~agent.obs.feasible).sum() == (~f["feasible"]).sum()


def test_history_best_and_best_so_far() -> None:
    h = make("ga", pop_size=8).run(ToyScenario(), budget=32, seed=1)
    f = h.frame
    best = h.best()
    assert best is not None and bool(best["feasible"])
    assert best["objective"] == f.loc[f["feasible"], "objective"].max()
    curve = h.best_so_far()
    assert curve.shape == (32,) and (np.diff(curve) >= 0).all()
    assert curve[-1] == best["objective"]
    first = int(np.argmax(f["feasible"].to_numpy()))
    assert np.isneginf(curve[:first]).all() and np.isfinite(curve[first])
    never = make("random").run(ToyScenario(area_budget=0.1), budget=5, seed=0)
    assert never.best() is None and np.isneginf(never.best_so_far()).all()


# --- the interface -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "settings"), AGENTS, ids=IDS)
def test_ask_shapes_dtypes_and_ranges(name: str, settings: dict[str, Any]) -> None:
    sc = ToyScenario()
    agent = make(name, **settings).setup(sc, seed=0)
    for n in (1, 4, 9, None):
        X = agent.ask(n)
        expect = agent.settings.batch_size if n is None else n
        assert X.dtype == np.int64 and X.shape == (expect, sc.space.n_knobs)
        assert ((X >= 0) & (X < sc.space.sizes)).all()
        agent.tell(X, Observations.from_frame(X, sc.evaluate(X).to_frame()))
    with pytest.raises(AgentError, match="n >= 1"):
        agent.ask(0)


def test_bad_batch_sizes_raise_clearly() -> None:
    with pytest.raises(AgentError, match="batch_size must be an integer >= 1"):
        make("random", batch_size=0)
    with pytest.raises(AgentError, match="batch_size"):
        make("ga", batch_size=0)
    with pytest.raises(
        AgentError, match=r"batch_size=500 is larger than the space \(120 designs\)"
    ):
        make("random", batch_size=500).run(ToyScenario(), budget=10)
    with pytest.raises(AgentError, match="larger than the space"):
        make("ga", batch_size=121).setup(ToyScenario())
    with pytest.raises(AgentError, match="method must be one of"):
        make("random", method="grid")
    with pytest.raises(AgentError, match="unknown setting"):
        make("ga", popsize=4)
    with pytest.raises(AgentError, match="pop_size"):
        make("ga", pop_size=1)


def test_random_unique_exhausts_the_space_clearly() -> None:
    sc = ToyScenario()
    with pytest.raises(AgentError, match=r"budget=121 is larger than the space .*unique=True"):
        make("random").run(sc, budget=121)
    for method in ("uniform", "lhs", "sobol"):
        agent = make("random", method=method, batch_size=7).setup(sc, seed=2)
        X = np.vstack([agent.ask(40), agent.ask(40), agent.ask(40)])
        assert len(np.unique(sc.space.ravel(X))) == sc.space.size  # every design, once
        with pytest.raises(AgentError, match="exhausted"):
            agent.ask(1)
    # without unique, the space is never exhausted
    agent = make("random", unique=False).setup(sc, seed=2)
    assert agent.ask(300).shape == (300, 3)


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_lhs_and_sobol_in_range_and_distinct(method: str) -> None:
    sc = ToyScenario()
    agent = make("random", method=method, batch_size=16).setup(sc, seed=4)
    X = agent.ask(64)
    assert ((X >= 0) & (X < sc.space.sizes)).all()
    assert len(np.unique(sc.space.ravel(X))) == 64
    # every choice of every knob shows up among 64 space-filling designs
    for j, size in enumerate(sc.space.sizes):
        assert set(X[:, j].tolist()) == set(range(int(size)))


def test_lhs_block_is_the_run_budget() -> None:
    sc = ToyScenario()
    h = make("random", method="lhs", batch_size=6).run(sc, budget=24, seed=0)
    lanes = sc.space.encode_batch(h.frame[sc.space.names])[:, 2]
    counts = np.bincount(lanes, minlength=8)
    assert counts.tolist() == [3] * 8  # one Latin hypercube of 24: 24 / 8 per lanes value


@pytest.mark.parametrize("method", ["uniform", "sobol", "lhs"])
def test_random_proposals_do_not_depend_on_the_batch_size(method: str) -> None:
    sc = ToyScenario()
    kw = {"lhs_size": 20} if method == "lhs" else {}
    one = make("random", method=method, batch_size=1, **kw).setup(sc, seed=9)
    many = make("random", method=method, batch_size=13, **kw).setup(sc, seed=9)
    a = np.vstack([one.ask() for _ in range(26)])
    b = np.vstack([many.ask(), many.ask()])
    np.testing.assert_array_equal(a, b)
    assert isinstance(one, RandomSearch)


def test_sobol_prefix_property_of_the_space() -> None:
    """RandomSearch extends a Sobol sequence by regenerating it at doubling sizes."""
    space = ToyScenario().space
    np.testing.assert_array_equal(space.sobol(64, seed=7)[:20], space.sobol(20, seed=7))


# --- the genetic algorithm -----------------------------------------------------------------------


def test_ga_sign_conversion() -> None:
    objectives = np.array([[3.0], [-2.0], [np.nan]])
    slack = np.array([[1.5, -0.5], [0.0, 2.0], [-np.inf, np.nan]])
    F, G = to_pymoo(objectives, slack)
    np.testing.assert_array_equal(F[:2], -objectives[:2])  # maximise -> minimise
    np.testing.assert_array_equal(G[:2], -slack[:2])  # slack >= 0 <-> G <= 0
    assert F[2, 0] == NAN_PENALTY and (G[2] == NAN_PENALTY).all()  # unevaluable: worst, violated
    feasible = (slack >= 0).all(axis=1)
    assert ((G <= 0).all(axis=1) == feasible).all()
    F2, G2 = to_pymoo(objectives, slack, scale=np.array([2.0, 4.0]))
    np.testing.assert_array_equal(G2[:2], -slack[:2] / [2.0, 4.0])
    assert ((G2 <= 0).all(axis=1) == feasible).all()  # scaling by budgets keeps the sign
    with pytest.raises(AgentError, match="scale"):
        to_pymoo(objectives, slack, scale=np.array([1.0, 0.0]))


def test_ga_tells_pymoo_the_converted_values() -> None:
    sc = ToyScenario()
    agent = make("ga", pop_size=6).setup(sc, seed=0)
    assert isinstance(agent, GeneticAgent)
    X = agent.ask()
    frame = sc.evaluate(X).to_frame()
    agent.tell(X, Observations.from_frame(X, frame))
    assert agent.generation == 1
    pop = agent.algorithm.pop
    told = sc.space.from_pymoo(pop.get("X"))
    by_design = {tuple(r): i for i, r in enumerate(X.tolist())}
    rows = [by_design[tuple(r)] for r in told.tolist()]
    np.testing.assert_allclose(pop.get("F")[:, 0], -frame["objective"].to_numpy()[rows])
    np.testing.assert_allclose(pop.get("G")[:, 0], -frame["slack_area_mm2"].to_numpy()[rows] / 30.0)
    assert (pop.get("FEAS")[:, 0] == frame["feasible"].to_numpy()[rows]).all()


def test_ga_generation_handed_out_in_pieces_and_topped_up() -> None:
    sc = ToyScenario()
    agent = make("ga", pop_size=4).setup(sc, seed=0)
    X = agent.ask(6)  # more than a generation before anything is told: topped up
    assert X.shape == (6, 3) and agent.generation == 0
    obs = Observations.from_frame(X, sc.evaluate(X).to_frame())
    agent.tell(X[3:], Observations(obs.X[3:], obs.objectives[3:], obs.slack[3:], obs.feasible[3:]))
    assert agent.generation == 0  # out of order is fine; the generation is not complete yet
    agent.tell(X[:3], Observations(obs.X[:3], obs.objectives[:3], obs.slack[:3], obs.feasible[:3]))
    assert agent.generation == 1
    with pytest.raises(AgentError, match="did not hand out"):
        agent.tell(
            X[:1], Observations(obs.X[:1], obs.objectives[:1], obs.slack[:1], obs.feasible[:1])
        )


def test_ga_improves_on_its_first_generation() -> None:
    h = make("ga", pop_size=10).run(ToyScenario(), budget=80, seed=0)
    curve = h.best_so_far()
    assert curve[-1] >= curve[9]
    f = h.frame.assign(gen=np.arange(80) // 10)
    mean_feasible = f[f["feasible"]].groupby("gen")["objective"].mean()
    assert mean_feasible.iloc[-4:].mean() > 1.2 * mean_feasible.iloc[0]  # selection works


def test_ga_with_a_single_choice_knob() -> None:
    sc = ToyScenario(fixed_knob=True)
    h = make("ga", pop_size=6).run(sc, budget=24, seed=0)
    assert (h.frame["cores"] == 2).all()


def test_nsga2_on_two_objectives() -> None:
    from pymoo.algorithms.moo.nsga2 import NSGA2

    sc = ToyScenario(n_objectives=2)
    agent = make("ga", pop_size=8)
    h = agent.run(sc, budget=40, seed=0)
    assert isinstance(agent.algorithm, NSGA2) and agent.generation == 5
    assert agent.obs is not None and agent.obs.objectives.shape == (40, 2)
    F = agent.algorithm.pop.get("F")
    np.testing.assert_allclose(
        F[:, 1], -(-agent.algorithm.pop.get("G")[:, 0] * 30.0 - 30.0), atol=1e-9
    )  # F2 = area
    assert len(h) == 40 and {"throughput", "neg_area"} <= set(h.frame.columns)
    again = make("ga", pop_size=8).run(ToyScenario(n_objectives=2), budget=40, seed=0)
    pd.testing.assert_frame_equal(_strip(h.frame), _strip(again.frame))
    # random search ignores objectives, so it runs on two as well
    assert len(make("random").run(sc, budget=16, seed=0)) == 16


# --- the real scenario layer ------------------------------------------------------------------------


@pytest.mark.parametrize("scenario_id", ["tiny", "tiny-codesign"])
@pytest.mark.parametrize("name", ["random", "ga"])
def test_on_the_tiny_catalog_scenarios(name: str, scenario_id: str) -> None:
    sc = _catalog_scenario(scenario_id)
    budget = min(12, int(sc.space.size))
    bs = min(4, int(sc.space.size))
    a = make(name, batch_size=bs, **({"pop_size": 6} if name == "ga" else {})).run(
        sc, budget=budget, seed=0
    )
    b = make(name, batch_size=bs, **({"pop_size": 6} if name == "ga" else {})).run(
        sc, budget=budget, seed=0
    )
    assert len(a) == budget and {"objective", "feasible", *sc.space.names} <= set(a.frame.columns)
    pd.testing.assert_frame_equal(_strip(a.frame), _strip(b.frame))


def test_nsga2_on_the_tiny_multi_objective_catalog_scenario() -> None:
    from pymoo.algorithms.moo.nsga2 import NSGA2

    from archgym.agents.base import objective_columns

    sc = _catalog_scenario("tiny-mo")
    agent = make("ga", pop_size=6)
    h = agent.run(sc, budget=12, seed=0)
    assert isinstance(agent.algorithm, NSGA2) and agent.generation == 2
    assert agent.obs is not None and agent.obs.objectives.shape == (12, len(objective_columns(sc)))
    assert len(h) == 12


@pytest.mark.parametrize("name", ["random", "ga", "bo", "ppo", "reinforce", "optuna", "nevergrad"])
def test_ask_and_tell_before_setup_say_what_to_call(name: str) -> None:
    pytest.importorskip({"optuna": "optuna", "nevergrad": "nevergrad"}.get(name, "numpy"))
    agent = make(name)
    with pytest.raises(AgentError, match=rf"^{name}: call setup\(scenario, seed\) or run"):
        agent.ask(1)
    with pytest.raises(AgentError, match=rf"^{name}: call setup\(scenario, seed\) or run"):
        agent.tell(np.zeros((0, 3), np.int64), Observations.empty(3, 1, 0))


def test_run_budget_is_known_during_a_run_only() -> None:
    seen: list[int | None] = []

    class Spy(RandomSearch):
        def _setup(self) -> None:
            seen.append(self.run_budget)
            super()._setup()

    agent = Spy(batch_size=4)
    agent.run(ToyScenario(), budget=12, seed=0)
    assert seen == [12] and agent.run_budget is None
    agent.setup(ToyScenario(), seed=0)  # ask/tell driven directly: no run budget
    assert seen == [12, None]
