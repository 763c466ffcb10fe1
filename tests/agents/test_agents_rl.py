"""The RL agents: PPO (Stable-Baselines3 behind ask/tell) and the REINFORCE controller."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("stable_baselines3")

from archgym import scenarios  # noqa: E402
from archgym.agents import AgentError, History, Observations, make  # noqa: E402
from archgym.agents.ppo import PPOAgent  # noqa: E402
from archgym.agents.reinforce import IndependentController, LSTMController, ReinforceAgent  # noqa: E402
from archgym.agents.rewards import (  # noqa: E402
    DesignReward,
    ToldObservations,
    mnasnet_reward,
    told_observations,
    violation_from_slack,
)
from archgym.scenarios.evaluation import (  # noqa: E402
    violation_from_slack as violation_from_slack_fallback,
)

torch.set_num_threads(1)

NOT_REPRODUCIBLE = ["ask_s", "eval_s", "run_id"]

AGENTS = [
    ("ppo", {"n_steps": 8, "minibatch_size": 4, "n_epochs": 2}),
    ("reinforce", {"batch_size": 8}),
    ("reinforce", {"batch_size": 8, "controller": "lstm", "reward": "mnasnet_soft"}),
]
IDS = ["ppo", "reinforce", "reinforce-lstm-mnasnet_soft"]


def _strip(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in NOT_REPRODUCIBLE if c in frame.columns])


def _all_designs(sc: Any) -> np.ndarray:
    return sc.space.unravel(np.arange(sc.space.size))


# --- running, logging, determinism -------------------------------------------------------------


@pytest.mark.parametrize("scenario_id", ["tiny", "tiny-codesign"])
@pytest.mark.parametrize(("name", "settings"), AGENTS, ids=IDS)
def test_runs_logs_and_is_deterministic(
    name: str, settings: dict[str, Any], scenario_id: str
) -> None:
    sc = scenarios.load(scenario_id)
    a = make(name, **settings).run(sc, budget=24, seed=3)
    assert isinstance(a, History) and len(a) == 24
    f = a.frame
    slacks = [f"slack_{m}" for m in sc.budgets]
    for col in [
        "run_id",
        "agent",
        "seed",
        "step",
        "eval",
        *sc.space.names,
        "latency_ms",
        "area_mm2",
        "objective",
        "feasible",
        *slacks,
        "ask_s",
        "eval_s",
    ]:
        assert col in f.columns, col
    assert (f["agent"] == name).all() and (f["seed"] == 3).all()
    assert f["eval"].tolist() == list(range(24))
    X = sc.space.encode_batch(f[sc.space.names])
    assert ((X >= 0) & (X < sc.space.sizes)).all()
    assert a.settings["agent"] == name and a.settings["budget"] == 24
    b = make(name, **settings).run(scenarios.load(scenario_id), budget=24, seed=3)
    pd.testing.assert_frame_equal(_strip(a.frame), _strip(b.frame))
    c = make(name, **settings).run(scenarios.load(scenario_id), budget=24, seed=4)
    assert not a.frame[sc.space.names].equals(c.frame[sc.space.names])


@pytest.mark.parametrize(("name", "settings"), AGENTS, ids=IDS)
def test_infeasible_designs_are_told_and_logged(name: str, settings: dict[str, Any]) -> None:
    sc = scenarios.load("tiny", area_mm2=5.0)  # 78 % of the designs are over the area budget
    agent = make(name, **settings)
    f = agent.run(sc, budget=24, seed=0).frame
    infeasible = ~f["feasible"].to_numpy()
    assert infeasible.sum() > 0
    assert agent.obs is not None and len(agent.obs) == 24
    assert (~agent.obs.feasible).sum() == infeasible.sum()
    over = f["slack_area_mm2"].to_numpy() < 0
    assert (infeasible >= over).all() and f.loc[over, "reason"].str.contains("over budget").all()
    if name == "ppo" or settings.get("reward", "penalty") == "penalty":
        r = agent.reward(agent.obs)
        assert (
            r[infeasible].max() < r[~infeasible].min()
        )  # every infeasible design is penalised below


@pytest.mark.parametrize(("name", "settings"), AGENTS, ids=IDS)
def test_resume_replays_without_reevaluating(name: str, settings: dict[str, Any]) -> None:
    full = make(name, **settings).run(scenarios.load("tiny"), budget=24, seed=5)
    sc = scenarios.load("tiny")
    sc.objective_ranges()  # the reference sample the reward needs, before counting
    calls: list[int] = []
    evaluate = sc.evaluate

    def counting(X: Any) -> Any:
        calls.append(len(X))
        return evaluate(X)

    sc.evaluate = counting  # type: ignore[method-assign]
    resumed = make(name, **settings).run(sc, budget=24, seed=5, resume=full.frame.iloc[:16])
    pd.testing.assert_frame_equal(_strip(resumed.frame), _strip(full.frame))
    assert calls == [8]  # only the missing batch was evaluated


def test_running_leaves_the_global_random_states_alone() -> None:
    for name, settings in AGENTS[:2]:
        random.seed(1)
        np.random.seed(1)
        torch.manual_seed(1)
        make(name, **settings).run(scenarios.load("tiny"), budget=16, seed=0)
        assert random.random() == random.Random(1).random()
        assert np.random.random() == np.random.RandomState(1).random_sample()
        assert (
            torch.rand(1).item() == torch.rand(1, generator=torch.Generator().manual_seed(1)).item()
        )


def test_multi_objective_scenarios_are_scalarised() -> None:
    sc = scenarios.load("tiny-mo")
    for name, settings in AGENTS[:2]:
        agent = make(name, **settings)
        h = agent.run(sc, budget=16, seed=0)
        assert len(h) == 16 and agent.obs is not None and agent.obs.objectives.shape == (16, 2)
    reward = DesignReward(sc)
    ranges = sc.objective_ranges()
    obs = Observations(
        np.zeros((2, 6), np.int64), ranges.T.copy(), np.zeros((2, 1)), np.array([True, True])
    )
    np.testing.assert_allclose(reward(obs), [0.0, 1.0])  # equal weights on normalised objectives
    with pytest.raises(
        AgentError, match="normalize_reward=False is not possible on the 2-objective"
    ):
        make("reinforce", normalize_reward=False).setup(sc)


# --- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "settings", "match"),
    [
        ("ppo", {"n_steps": 1}, "n_steps must be an integer >= 2"),
        ("ppo", {"minibatch_size": 32}, "minibatch_size must be an integer from 2 to n_steps=16"),
        ("ppo", {"learning_rate": 0.0}, "learning_rate must be a finite number > 0"),
        ("ppo", {"ent_coef": -1.0}, "ent_coef must be a finite number >= 0"),
        ("ppo", {"policy_kwargs": [64]}, "policy_kwargs must be a dict or None"),
        ("ppo", {"batch_size": 0}, "batch_size must be an integer >= 1"),
        ("ppo", {"gamma": 0.9}, "unknown setting"),
        ("reinforce", {"learning_rate": float("nan")}, "learning_rate must be a finite number > 0"),
        ("reinforce", {"baseline_decay": 1.0}, r"baseline_decay must be in \[0, 1\)"),
        ("reinforce", {"entropy_coef": -0.1}, "entropy_coef must be a finite number >= 0"),
        (
            "reinforce",
            {"reward": "hinge"},
            r"reward must be one of \['penalty', 'mnasnet_soft', 'mnasnet_hard'\]",
        ),
        ("reinforce", {"alpha": -0.07}, "alpha applies to the MnasNet rewards only"),
        (
            "reinforce",
            {"reward": "mnasnet_soft", "beta": "x"},
            "beta must be a finite number or None",
        ),
        ("reinforce", {"controller": "gru"}, "controller must be one of"),
        ("reinforce", {"hidden_size": 0}, "hidden_size must be an integer >= 1"),
    ],
)
def test_bad_settings_raise_clearly(name: str, settings: dict[str, Any], match: str) -> None:
    with pytest.raises(AgentError, match=match):
        make(name, **settings)


def test_bad_calls_raise_clearly() -> None:
    for name in ("ppo", "reinforce"):
        with pytest.raises(AgentError, match="before ask"):
            make(name).ask(2)
        agent = make(name).setup(scenarios.load("tiny"))
        with pytest.raises(AgentError, match="n >= 1"):
            agent.ask(0)
        with pytest.raises(AgentError, match="larger than the space"):
            make(name, batch_size=300).setup(scenarios.load("tiny-codesign"))


# --- rewards -----------------------------------------------------------------------------------


def test_mnasnet_reward_on_hand_computed_values() -> None:
    q = np.array([0.8, 0.8, 0.5])
    values = np.array([[1.2, 0.5], [1.0, 1.0], [2.0, 4.0]])
    budgets = np.array([1.0, 2.0])
    # soft: 0.8 * 1.2^-0.07 * 0.25^-0.07 = 0.8 * 0.987319 * 1.101905 = 0.870345;
    # 0.8 * 1^-0.07 * 0.5^-0.07 = 0.8 * 1.049717 = 0.839773; 0.5 * 2^-0.07 * 2^-0.07 = 0.5 * 0.907519
    soft = mnasnet_reward(q, values, budgets, -0.07, -0.07)
    np.testing.assert_allclose(soft, [0.870345, 0.839773, 0.453760], rtol=2e-6)
    # hard: within budget counts 1, over budget multiplies by budget / value
    hard = mnasnet_reward(q, values, budgets, 0.0, -1.0)
    np.testing.assert_allclose(hard, [0.8 / 1.2, 0.8, 0.5 / 2 / 2], rtol=1e-12)
    # no budgets: the reward is the quality
    np.testing.assert_allclose(mnasnet_reward(q, np.zeros((3, 0)), np.zeros(0), -0.07, -0.07), q)


def test_mnasnet_design_reward_normalises_and_zeroes_rejected_designs() -> None:
    sc = scenarios.load("tiny-codesign")  # accuracy, budgets latency_ms 1.5 and area_mm2 10
    low, high = sc.objective_range()
    reward = DesignReward(sc, "mnasnet_hard")
    assert (reward.alpha, reward.beta) == (0.0, -1.0)
    objectives = np.array(
        [[low + 0.5 * (high - low)], [low + 0.5 * (high - low)], [low - 1.0], [high]]
    )
    slack = np.array([[0.5, 1.0], [-1.5, 5.0], [0.5, 1.0], [-np.inf, 1.0]])
    obs = Observations(
        np.zeros((4, 8), np.int64), objectives, slack, np.array([True, False, True, False])
    )
    # latency 3.0 = 2 x budget -> x 1/2; a quality below the range -> 0; a rejected design -> 0
    np.testing.assert_allclose(reward(obs), [0.5, 0.25, 0.0, 0.0])
    soft = DesignReward(sc, "mnasnet_soft", alpha=-0.5, beta=-2.0)
    np.testing.assert_allclose(
        soft(obs)[:2], [0.5 * (1 / 1.5) ** -0.5 * 0.9**-0.5, 0.5 * 2.0**-2.0 * 0.5**-0.5]
    )


@pytest.mark.parametrize("scenario_id", ["tiny", "tiny-codesign"])
@pytest.mark.parametrize("normalize", [False, True])
def test_penalty_reward_is_the_design_envs_reward(scenario_id: str, normalize: bool) -> None:
    from archgym.envs import DesignEnv

    sc = scenarios.load(scenario_id)
    env = DesignEnv(scenario=sc, normalize_reward=normalize)
    X = sc.space.sample(48, seed=1)
    frame = sc.evaluate(X).to_frame()
    env_rewards = []
    for x in X:
        env.reset(seed=0)
        env_rewards.append(env.step(x)[1])
    reward = DesignReward(sc, "penalty", normalize=normalize)
    agent = make("reinforce").setup(sc)
    told = agent._observations(X, frame)
    assert told.violation is not None
    np.testing.assert_array_equal(told.violation, frame["violation"].to_numpy())
    # one RewardModel: the agents' reward is the environments', bit for bit
    np.testing.assert_array_equal(reward(told), env_rewards)
    np.testing.assert_array_equal(reward(Observations.from_evaluation(sc.evaluate(X))), env_rewards)
    assert not frame["feasible"].all()


@pytest.mark.parametrize("scenario_id", ["tiny", "tiny-codesign"])
def test_violation_from_slack_matches_the_scenario(scenario_id: str) -> None:
    sc = scenarios.load(scenario_id)
    ev = sc.evaluate(_all_designs(sc))
    budgets = np.array(list(sc.budgets.values()))
    v = violation_from_slack_fallback(ev.slack, budgets, ev.objectives)
    np.testing.assert_allclose(v, ev.violation, rtol=1e-12)
    assert (ev.violation > 0).any()
    with pytest.warns(DeprecationWarning, match="violation_from_slack is deprecated"):
        np.testing.assert_array_equal(violation_from_slack(ev.slack, budgets, ev.objectives), v)
    with pytest.warns(DeprecationWarning):
        told = told_observations(ev.designs, ev.to_frame(), ["objective"])
    assert isinstance(told, ToldObservations) and isinstance(told, Observations)


# --- PPO ---------------------------------------------------------------------------------------


def test_ppo_updates_every_n_steps_told_designs() -> None:
    sc = scenarios.load("tiny")
    agent = make("ppo", n_steps=8, minibatch_size=4, n_epochs=2).setup(sc, seed=0)
    assert isinstance(agent, PPOAgent)
    before = [p.copy() for p in agent.policy_probabilities()]
    X = agent.ask(5)
    assert X.dtype == np.int64 and X.shape == (5, 6) and ((X >= 0) & (X < sc.space.sizes)).all()
    agent.tell(X, agent._observations(X, sc.evaluate(X).to_frame()))
    assert agent.updates == 0 and agent.model.rollout_buffer.pos == 5
    # designs told without an ask are scored by the current policy
    Y = sc.space.sample(4, seed=0)
    agent.tell(Y, Observations.from_frame(Y, sc.evaluate(Y).to_frame()))
    assert (
        agent.updates == 1
        and agent.model.rollout_buffer.pos == 1
        and agent.model.num_timesteps == 9
    )
    after = agent.policy_probabilities()
    assert any(not np.allclose(a, b) for a, b in zip(before, after, strict=True))
    assert all(
        np.isclose(p.sum(), 1.0) and len(p) == s for p, s in zip(after, sc.space.sizes, strict=True)
    )


# --- REINFORCE ---------------------------------------------------------------------------------


@pytest.mark.parametrize("controller", ["independent", "lstm"])
def test_reinforce_controller_decides_knob_by_knob_within_the_masks(controller: str) -> None:
    from archgym.envs import SequentialDesignEnv

    sc = scenarios.load("tiny")
    agent = make("reinforce", controller=controller).setup(sc, seed=0)
    assert isinstance(agent, ReinforceAgent)
    c = agent.controller
    assert isinstance(c, LSTMController if controller == "lstm" else IndependentController)
    env = SequentialDesignEnv(scenario=sc)
    np.testing.assert_array_equal(c.mask.numpy(), env._masks)  # the sequential env's action masks
    X = agent.ask(64)
    assert X.dtype == np.int64 and ((X >= 0) & (X < sc.space.sizes)).all()
    # scoring the sampled designs (teacher forcing) gives the log-probabilities of sampling them
    gen = torch.Generator().manual_seed(7)
    with torch.no_grad():
        Xs, lp_sample, _ = c(16, generator=gen)
        _, lp_score, entropy = c(16, X=Xs)
    torch.testing.assert_close(lp_sample, lp_score)
    assert (entropy > 0).all()
    if controller == "independent":
        assert all(np.allclose(p, 1 / len(p)) for p in c.probabilities())  # uniform at start
    assert agent.greedy().shape == (6,)


def test_reinforce_baseline_is_a_moving_average() -> None:
    sc = scenarios.load("tiny")
    agent = make("reinforce", batch_size=8, baseline_decay=0.5).setup(sc, seed=0)
    means = []
    for _ in range(3):
        X = agent.ask()
        agent.tell(X, agent._observations(X, sc.evaluate(X).to_frame()))
        means.append(float(agent.last_rewards.mean()))
    b = means[0]  # starts at the first batch's mean, then b <- 0.5 b + 0.5 mean
    for m in means:
        b = 0.5 * b + 0.5 * m
    assert agent.baseline == pytest.approx(b) and agent.updates == 3


def _expected_reward(agent: Any, X: np.ndarray, R: np.ndarray) -> float:
    """The exact expected reward of the agent's current policy over every design ``X``."""
    if isinstance(agent, PPOAgent):
        P = agent.policy_probabilities()
        p = np.prod([P[k][X[:, k]] for k in range(X.shape[1])], axis=0)
    else:
        with torch.no_grad():
            _, log_prob, _ = agent.controller(len(X), X=torch.as_tensor(X))
        p = log_prob.exp().numpy()
    assert p.sum() == pytest.approx(1.0, abs=1e-5)
    return float((p * R).sum())


@pytest.mark.parametrize(
    ("name", "settings", "budget"),
    [
        ("reinforce", {}, 208),
        ("reinforce", {"controller": "lstm"}, 208),
        ("ppo", {}, 96),
    ],
    ids=["reinforce", "reinforce-lstm", "ppo"],
)
def test_policy_moves_toward_better_designs_on_tiny(
    name: str, settings: dict[str, Any], budget: int
) -> None:
    """The policy's exact expected reward over the whole space (324 designs) rises.

    Scratch runs over seeds 0-39 (REINFORCE) and 0-9 (PPO) all improved, from -0.54 at the
    uniform start to at least +0.31 (REINFORCE, 208 evaluations), +0.58 (LSTM) and +0.14
    (PPO, 96 evaluations); the test asks for a rise of 0.5.
    """
    sc = scenarios.load("tiny")
    X = _all_designs(sc)
    agent = make(name, **settings).setup(sc, seed=0)
    R = agent.reward(agent._observations(X, sc.evaluate(X).to_frame()))
    before = _expected_reward(agent, X, R)
    agent.run(sc, budget=budget, seed=0)
    after = _expected_reward(agent, X, R)
    assert after > before + 0.5


def test_old_rl_import_path_still_works_and_warns() -> None:
    import importlib
    import sys

    import archgym.agents.ppo as ppo
    import archgym.agents.rewards as rewards

    sys.modules.pop("archgym.agents.rl", None)
    with pytest.warns(DeprecationWarning, match="archgym.agents.rl is deprecated"):
        rl = importlib.import_module("archgym.agents.rl")
    assert rl.PPOAgent is ppo.PPOAgent and rl.PPOSettings is ppo.PPOSettings
    assert rl.DesignReward is rewards.DesignReward and rl.mnasnet_reward is rewards.mnasnet_reward
    assert make("ppo").__class__ is ppo.PPOAgent
