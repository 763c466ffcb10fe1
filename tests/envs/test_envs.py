"""Tests of the Gymnasium environments (archgym.envs)."""

from __future__ import annotations

import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.envs.registration import registry

import archgym.envs
from archgym.envs import DesignEnv, SequentialDesignEnv
from archgym.scenarios import load

#: Every registered archgym environment (a fast scenario is passed in the kwargs).
ARCHGYM_IDS = sorted(k for k in registry if k.startswith("archgym/"))
FAST = {"scenario": "tiny"}


def test_ids_are_registered():
    assert set(archgym.envs.ENV_IDS) <= set(ARCHGYM_IDS)


@pytest.mark.parametrize("env_id", ARCHGYM_IDS)
@pytest.mark.parametrize("scenario", ["tiny", "tiny-codesign"])
def test_env_checkers(env_id, scenario):
    from gymnasium.utils.env_checker import check_env
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gymnasium.make(env_id, scenario=scenario)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither checker may warn
        check_env(env.unwrapped, skip_render_check=False)
        sb3_check_env(env.unwrapped, warn=True)
    env.close()


@pytest.mark.parametrize("env_id", ARCHGYM_IDS)
def test_make_vec_sync(env_id):
    envs = gymnasium.make_vec(env_id, num_envs=2, vectorization_mode="sync", **FAST)
    obs, _ = envs.reset(seed=0)
    assert obs.shape == (2, *envs.single_observation_space.shape)
    for _ in range(8):
        obs, reward, terminated, truncated, info = envs.step(envs.action_space.sample())
        assert reward.shape == (2,) and obs.dtype == np.float32
    envs.close()


def _rollout(env_id: str, seed: int, steps: int = 25, **kwargs):
    env = gymnasium.make(env_id, **FAST, **kwargs)
    env.action_space.seed(seed)
    obs, _ = env.reset(seed=seed)
    out = [obs]
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        out.append((obs, reward, terminated, truncated, info.get("design_index")))
        if terminated or truncated:
            out.append(env.reset()[0])
    env.close()
    return out


@pytest.mark.parametrize("env_id", ARCHGYM_IDS)
def test_same_seed_same_rollout(env_id):
    a, b = _rollout(env_id, 7), _rollout(env_id, 7)
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        if isinstance(x, tuple):
            np.testing.assert_array_equal(x[0], y[0])
            assert x[1:] == y[1:]
        else:
            np.testing.assert_array_equal(x, y)
    c = _rollout(env_id, 8)
    assert any(isinstance(x, tuple) and x[4] != y[4] for x, y in zip(a, c, strict=False))


def test_design_env_reward_info_and_observation():
    env = DesignEnv("tiny", episode_length=3)
    sc = env.scenario
    obs, info = env.reset(seed=0)
    assert info["scenario"] == "tiny" and env.observation_space.contains(obs)
    ev = sc.evaluate(sc.space.sample(200, seed=1))
    feasible = int(np.argmax(ev.feasible))
    obs, r, term, trunc, info = env.step(ev.designs[feasible])
    assert r == pytest.approx(ev["objective"][feasible]) and not term
    for key in [*ev.keys()]:
        if key not in sc.knob_names:
            assert key in info, key
    assert info["design"] == sc.space.decode(ev.designs[feasible])
    assert info["design_index"] == ev.designs[feasible].tolist()
    np.testing.assert_allclose(obs[: sc.dim], ev.designs[feasible] / (sc.space.sizes - 1))
    # infeasible designs: below the floor, and worse the larger the violation
    over = np.flatnonzero(~ev.feasible & np.isfinite(ev["latency_ms"]))
    v = ev["violation"][over]
    lo, hi = over[np.argmin(v)], over[np.argmax(v)]
    assert ev["violation"][hi] > ev["violation"][lo]
    _, r_lo, _, _, info_lo = env.step(ev.designs[lo])
    _, r_hi, term, _, _ = env.step(ev.designs[hi])
    assert term
    assert not info_lo["feasible"] and info_lo["reason"].startswith("over budget")
    rm = env.reward_model
    assert r_hi < r_lo < rm.floor <= rm.low
    assert r_lo == pytest.approx(rm.floor - rm.penalty_scale * ev["violation"][lo])
    assert rm.penalty_scale == pytest.approx(rm.high - rm.low)


def test_normalized_reward_and_overrides():
    env = gymnasium.make(
        "archgym/DesignEnv-v0", scenario="tiny", area_mm2=10.0, normalize_reward=True
    )
    sc = env.unwrapped.scenario
    assert sc.budgets["area_mm2"] == 10.0
    env.reset(seed=0)
    x = sc.space.encode(
        {
            "rows": 8,
            "cols": 8,
            "lanes": 1,
            "core_mem_kib": 64,
            "bandwidth_gbps": 8.0,
            "dataflow": "ws",
        }
    )
    _, r, _, _, info = env.step(x)
    rm = env.unwrapped.reward_model
    assert info["feasible"] and r == pytest.approx(
        (info["objective"] - rm.low) / (rm.high - rm.low)
    )


def test_sequential_env_masks_and_invalid_actions():
    env = SequentialDesignEnv("tiny-codesign", designs_per_episode=2)
    sc = env.scenario
    obs, info = env.reset(seed=0)
    assert env.action_space.n == int(sc.space.sizes.max())
    assert info["knob"] == sc.knob_names[0] and info["action_mask"].sum() == sc.space.sizes[0]
    rewards, n_designs = [], 0
    for step in range(2 * sc.dim):
        obs, r, term, trunc, info = env.step(0)
        assert env.observation_space.contains(obs)
        rewards.append(r)
        if "design" in info:
            n_designs += 1
            assert info["design"] == sc.space.decode(np.zeros(sc.dim, np.int64))
        assert term == (step == 2 * sc.dim - 1)
    assert n_designs == 2 and rewards.count(0.0) >= 2 * sc.dim - 2
    np.testing.assert_array_equal(env.action_masks(), info["action_mask"])

    hw = SequentialDesignEnv("tiny")
    hw.reset(seed=0)
    mask = hw.action_masks()
    assert mask.all() or not mask[-1]
    small = next(i for i, s in enumerate(hw.scenario.space.sizes) if s < hw.max_choices)
    for _ in range(small):
        hw.step(0)
    size = int(hw.scenario.space.sizes[small])
    hw.step(size)  # wrapped to 0
    assert hw._partial[small] == 0
    clip = SequentialDesignEnv("tiny", invalid_action="clip")
    clip.reset()
    for _ in range(small):
        clip.step(0)
    clip.step(size)
    assert clip._partial[small] == size - 1
    strict = SequentialDesignEnv("tiny", invalid_action="error")
    strict.reset()
    for _ in range(small):
        strict.step(0)
    with pytest.raises(ValueError, match="action_mask"):
        strict.step(size)


def test_action_mask_is_int8_and_gymnasium_samples_with_it():
    """v1: ``info["action_mask"]`` is int8, so ``action_space.sample(mask=...)`` works and only
    ever picks a valid choice; v0 keeps its boolean mask and the same rollout."""
    env = gymnasium.make("archgym/SequentialDesignEnv-v1", scenario="tiny")
    old = gymnasium.make("archgym/SequentialDesignEnv-v0", scenario="tiny")
    _, info = env.reset(seed=0)
    _, info_old = old.reset(seed=0)
    env.action_space.seed(0)
    sizes = env.unwrapped.scenario.space.sizes
    for step in range(3 * len(sizes)):
        mask = info["action_mask"]
        assert mask.dtype == np.int8 and info_old["action_mask"].dtype == bool
        np.testing.assert_array_equal(mask, info_old["action_mask"].astype(np.int8))
        a = env.action_space.sample(mask=mask)
        assert mask[a] == 1 and a < sizes[step % len(sizes)]
        _, r, _, _, info = env.step(a)
        _, r_old, _, _, info_old = old.step(a)
        assert r == r_old
        if "design" in info:  # one design per episode: start the next
            _, info = env.reset()
            _, info_old = old.reset()


def test_render_ansi():
    env = DesignEnv(load("tiny"), render_mode="ansi")
    env.reset(seed=0)
    assert "no design" in env.render()
    env.step(env.action_space.sample())
    assert "objective" in env.render()
    seq = SequentialDesignEnv("tiny", render_mode="ansi")
    seq.reset(seed=0)
    assert "deciding" in seq.render()
