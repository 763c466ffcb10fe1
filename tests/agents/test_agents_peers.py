"""Tests of the peer agents: Optuna's samplers (``make("optuna", sampler=...)``) and
Nevergrad's NGOpt (``make("nevergrad")``), behind archgym's ask/tell.

Each peer must be deterministic for a seed, resume from a partial log (the base class
replays the logged designs), give its library the constraints in the library's sign
convention, and log infeasible designs like any other. Search quality is measured in
``benchmarks/bench_agents.py``, not here.
"""

from __future__ import annotations

import numpy as np
import pytest

from archgym import scenarios
from archgym.agents import AgentError, make

optuna = pytest.importorskip("optuna")


@pytest.fixture(scope="module")
def tiny() -> scenarios.Scenario:
    return scenarios.load("tiny")


def _designs(sc: scenarios.Scenario, frame) -> np.ndarray:
    return sc.space.encode_batch(frame[sc.space.names])


# ---------------------------------------------------------------------------------------
# Optuna
# ---------------------------------------------------------------------------------------


def test_optuna_constraint_sign_convention() -> None:
    from archgym.agents.optuna_agent import VIOLATION_PENALTY, slack_to_optuna

    slack = np.array([[2.0, 0.0], [-1.0, 5.0], [np.nan, -np.inf]])
    c = slack_to_optuna(slack, scale=np.array([2.0, 10.0]))
    # Optuna: feasible iff every constraint value <= 0; archgym: iff every slack >= 0
    assert np.array_equal(c <= 0, slack >= 0)
    assert np.allclose(c[:2], [[-1.0, -0.0], [0.5, -0.5]])
    assert (c[2] == VIOLATION_PENALTY).all()


@pytest.mark.parametrize("sampler", ["tpe", "cmaes", "gp", "nsga2"])
def test_optuna_deterministic_and_resumes(tiny: scenarios.Scenario, sampler: str) -> None:
    kw = {"sampler": sampler, "n_startup_trials": 4, "population_size": 6}
    budget = 10 if sampler == "gp" else 14
    h1 = make("optuna", **kw).run(tiny, budget=budget, seed=2)
    h2 = make("optuna", **kw).run(tiny, budget=budget, seed=2)
    assert len(h1) == budget
    X1 = _designs(tiny, h1.frame)
    assert np.array_equal(X1, _designs(tiny, h2.frame)), "same seed, different proposals"
    assert tiny.space.contains(X1)
    h3 = make("optuna", **kw).run(tiny, budget=budget, seed=3)
    assert not np.array_equal(X1, _designs(tiny, h3.frame))
    # resume from the first 7 logged rows: the same run, the logged rows kept
    h4 = make("optuna", **kw).run(tiny, budget=budget, seed=2, resume=h1.frame.iloc[:7])
    assert np.array_equal(X1, _designs(tiny, h4.frame))
    assert h4.frame["run_id"].iloc[0] == h1.frame["run_id"].iloc[0]


def test_optuna_constraints_reach_the_sampler(tiny: scenarios.Scenario) -> None:
    """The trials Optuna stores carry the constraints its samplers read (``<= 0``
    feasible exactly where archgym says feasible)."""
    agent = make("optuna", sampler="tpe", n_startup_trials=4)
    h = agent.run(tiny, budget=12, seed=0)
    trials = agent.study.get_trials(deepcopy=False)
    assert len(trials) == 12
    assert all(set(t.constraints) == set(tiny.budgets) for t in trials)
    feas_optuna = np.array([all(c <= 0 for c in t.constraints.values()) for t in trials])
    assert np.array_equal(feas_optuna, h.frame["feasible"].to_numpy())
    assert not feas_optuna.all() and feas_optuna.any(), "the toy run should see both kinds"
    assert agent.describe()["constraints"].startswith("trial.set_constraint")
    assert make("optuna", sampler="cmaes").setup(tiny, 0).describe()["constraints"] is None


def test_optuna_and_nevergrad_read_the_evaluations_relative_slack(
    tiny: scenarios.Scenario,
) -> None:
    """Optuna's constraints (``<= 0`` feasible) are ``-relative_slack`` of the evaluation,
    exactly; so are Nevergrad's violations."""
    agent = make("optuna", sampler="tpe", n_startup_trials=4).setup(tiny, seed=0)
    X = agent.ask(6)
    ev = tiny.evaluate(X)
    agent.tell(X, ev)
    trials = agent.study.get_trials(deepcopy=False)
    C = np.array([[t.constraints[m] for m in tiny.budgets] for t in trials])
    np.testing.assert_array_equal(
        C, np.where(np.isfinite(ev.relative_slack), -ev.relative_slack, 1e6)
    )
    ng = make("nevergrad").setup(tiny, seed=0)
    X = ng.ask(4)
    ng.tell(X, tiny.evaluate(X))
    assert ng.obs is not None and ng.obs.relative_slack is not None


def test_optuna_multi_objective_and_batches() -> None:
    sc = scenarios.load("tiny-mo")
    agent = make("optuna", sampler="nsga2", population_size=4, batch_size=4)
    h = agent.run(sc, budget=12, seed=0)
    assert len(h) == 12
    assert len(agent.study.directions) == 2
    with pytest.raises(AgentError, match="cmaes sampler optimises one objective"):
        make("optuna", sampler="cmaes").setup(sc, 0)


def test_optuna_bad_settings_and_tell() -> None:
    with pytest.raises(AgentError, match="unknown sampler 'smac'"):
        make("optuna", sampler="smac")
    with pytest.raises(AgentError, match="population_size must be an integer >= 2"):
        make("optuna", sampler="nsga2", population_size=1)
    sc = scenarios.load("tiny")
    agent = make("optuna").setup(sc, 0)
    X = agent.ask(2)
    other = sc.space.sample(1, seed=9)
    while (other == X).all(axis=1).any():
        other = sc.space.sample(1, seed=int(other.sum()) + 1)
    with pytest.raises(AgentError, match="which ask did not hand out"):
        agent.tell(other, agent._observations(other, sc.evaluate(other).to_frame()))


# ---------------------------------------------------------------------------------------
# Nevergrad
# ---------------------------------------------------------------------------------------


def test_nevergrad_deterministic_resumes_and_constrained(tiny: scenarios.Scenario) -> None:
    pytest.importorskip("nevergrad")
    h1 = make("nevergrad").run(tiny, budget=14, seed=1)
    h2 = make("nevergrad").run(tiny, budget=14, seed=1)
    X1 = _designs(tiny, h1.frame)
    assert np.array_equal(X1, _designs(tiny, h2.frame))
    assert tiny.space.contains(X1)
    assert not np.array_equal(X1, _designs(tiny, make("nevergrad").run(tiny, 14, seed=2).frame))
    h3 = make("nevergrad").run(tiny, budget=14, seed=1, resume=h1.frame.iloc[:6])
    assert np.array_equal(X1, _designs(tiny, h3.frame))


def test_nevergrad_constraint_sign_convention() -> None:
    pytest.importorskip("nevergrad")
    from archgym.agents.nevergrad_agent import slack_to_nevergrad

    slack = np.array([[2.0, 0.0], [-1.0, np.nan]])
    c = slack_to_nevergrad(slack, scale=np.array([2.0, 1.0]))
    # Nevergrad's constraint_violation: a value > 0 is violated, <= 0 satisfied
    assert np.array_equal(c <= 0, slack >= 0)
    assert np.allclose(c[0], [-1.0, 0.0]) and c[1, 0] == 0.5 and c[1, 1] > 0


def test_nevergrad_plans_for_the_runs_budget(tiny: scenarios.Scenario) -> None:
    pytest.importorskip("nevergrad")
    agent = make("nevergrad", budget_hint=7)
    agent.setup(tiny, seed=0)
    assert agent.optimizer.budget == 7  # driven by ask/tell: the hint
    agent.run(tiny, budget=5, seed=0)
    assert agent.optimizer.budget == 5  # run(...) tells Nevergrad its own budget
