"""Scoring has one owner (archgym/scenarios/evaluation.py) and acceptance one rule
(archgym.accelerator.tile_acceptance): what agents, envs and logs read."""

from __future__ import annotations

import numpy as np
import pytest

from archgym import scenarios
from archgym.accelerator import (
    REJECTED_CORE,
    REJECTED_PE,
    AcceleratorConfig,
    ConfigBatch,
    ConfigError,
    tile_acceptance,
)
from archgym.agents import AgentError, Observations, make
from archgym.agents.problem import HasObjectiveRanges, KnowsMetrics, Problem, Scores
from archgym.scenarios.evaluation import RewardModel, relative_slack
from archgym.scenarios.hardware import HardwareSpace


@pytest.fixture(scope="module")
def tiny_ev() -> scenarios.Evaluation:
    sc = scenarios.load("tiny-codesign")
    return sc.evaluate(sc.space.unravel(np.arange(sc.size)))


def test_relative_slack_is_slack_over_budget(tiny_ev: scenarios.Evaluation) -> None:
    sc = tiny_ev.scenario
    b = np.array(list(sc.budgets.values()))
    R = tiny_ev.relative_slack
    assert R.shape == (len(tiny_ev), sc.num_constraints)
    np.testing.assert_array_equal(R, tiny_ev.slack / b)
    np.testing.assert_array_equal(np.sign(R), np.sign(tiny_ev.slack))
    assert relative_slack(np.array([[3.0, -2.0]]), [2.0, 0.0]).tolist() == [[1.5, -2.0]]
    # a design is feasible iff every slack >= 0 and it has an objective
    ok = (tiny_ev.slack >= 0).all(axis=1) & np.isfinite(tiny_ev.objective)
    np.testing.assert_array_equal(tiny_ev.feasible, ok)
    assert ok.any() and not ok.all()


def test_reward_model_batch_equals_one_design_rule(tiny_ev: scenarios.Evaluation) -> None:
    for normalize in (False, True):
        model = RewardModel(tiny_ev.scenario, normalize_reward=normalize)
        one = [
            model(o, f, v)
            for o, f, v in zip(
                tiny_ev.objective.tolist(),
                tiny_ev.feasible.tolist(),
                tiny_ev.violation.tolist(),
                strict=True,
            )
        ]
        np.testing.assert_array_equal(tiny_ev.reward(model), one)
        r = tiny_ev.reward(normalize_reward=normalize)
        np.testing.assert_array_equal(r, one)
        assert r[~tiny_ev.feasible].max() < r[tiny_ev.feasible].min()
    with pytest.raises(ValueError, match="scalarize"):
        RewardModel(tiny_ev.scenario, scalarize="max")


def test_acceptance_is_one_rule_for_configs_batches_and_scenarios() -> None:
    rng = np.random.default_rng(0)
    n = 400
    arrays = {
        "rows": rng.choice([4, 16, 64, 256], n),
        "cols": rng.choice([4, 16, 64, 256], n),
        "lanes": rng.choice([1, 4, 16, 64], n),
        "pe_mem_kib": rng.choice([0.01, 0.1, 0.5, 2.0], n),
        "core_mem_kib": rng.choice([1.0, 16.0, 256.0, 4096.0], n),
        "dtype": rng.choice(["int8", "bf16", "fp32"], n),
    }
    cb = ConfigBatch.from_arrays(validate=False, **arrays)
    acc = cb.acceptance()
    assert set(np.unique(acc.code)) == {0, REJECTED_PE, REJECTED_CORE}
    # the scenario's vectorised check is the same function
    cfg = dict(vars(cb))  # every field, as HardwareSpace.arrays gives them
    np.testing.assert_array_equal(HardwareSpace.check(cfg, n)[0], acc.code)
    np.testing.assert_array_equal(tile_acceptance(cfg).code, acc.code)
    # a single configuration raises exactly where the batch rejects, naming the memory
    for i in range(0, n, 7):
        kw = {f: _py(getattr(cb, f)[i]) for f in ("rows", "cols", "lanes")}
        kw.update(pe_mem_kib=float(cb.pe_mem_kib[i]), core_mem_kib=float(cb.core_mem_kib[i]))
        kw["dtype"] = ("int8", "bf16", "fp16", "fp32")[int(cb.dtype[i])]
        if acc.code[i] == 0:
            AcceleratorConfig(**kw)
        else:
            field = "pe_mem_kib" if acc.code[i] == REJECTED_PE else "core_mem_kib"
            with pytest.raises(ConfigError, match=f"{field} is too small"):
                AcceleratorConfig(**kw)
    with pytest.raises(ConfigError, match="too small to hold one tile"):
        cb.validate()


def _py(v: np.generic) -> int:
    return int(v)


def test_scenario_is_a_problem_and_agents_refuse_what_is_not() -> None:
    sc = scenarios.load("tiny")
    assert isinstance(sc, Problem) and isinstance(sc, KnowsMetrics)
    assert isinstance(sc, HasObjectiveRanges)
    assert isinstance(sc.evaluate(sc.sample(2, seed=0)), Scores)

    class NotAProblem:
        space = sc.space

        def evaluate(self, X: np.ndarray) -> None:
            return None

    with pytest.raises(AgentError, match=r"lacks \['id', 'budgets'"):
        make("random").setup(NotAProblem(), seed=0)  # type: ignore[arg-type]


def test_agents_tell_takes_the_evaluation_arrays() -> None:
    sc = scenarios.load("tiny")
    agent = make("ga", pop_size=6).setup(sc, seed=0)
    X = agent.ask()
    ev = sc.evaluate(X)
    agent.tell(X, ev)  # the Evaluation itself
    assert agent.obs is not None
    np.testing.assert_array_equal(agent.obs.relative_slack, ev.relative_slack)
    np.testing.assert_array_equal(agent.obs.violation, ev.violation)
    # pymoo's G <= 0 convention: G = -relative slack, exactly
    pop = agent.algorithm.pop
    rows = [
        {tuple(r): i for i, r in enumerate(X.tolist())}[tuple(t)]
        for t in sc.space.from_pymoo(pop.get("X")).tolist()
    ]
    np.testing.assert_array_equal(pop.get("G"), -ev.relative_slack[rows])


def test_hand_built_observations_are_completed_by_the_scoring_module() -> None:
    sc = scenarios.load("tiny")
    X = sc.sample(5, seed=1)
    ev = sc.evaluate(X)
    bare = Observations(X, ev.objectives, ev.slack, ev.feasible)
    full = bare.completed(sc.budgets)
    np.testing.assert_array_equal(full.relative_slack, ev.relative_slack)
    np.testing.assert_array_equal(full.violation, ev.violation)
    assert Observations.from_evaluation(ev).completed(sc.budgets).violation is not None
