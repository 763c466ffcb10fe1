"""``archgym/DesignEnv-v0``: propose a whole design per step.

The action is a whole design, a ``MultiDiscrete`` index vector from
``scenario.space.to_gymnasium()`` (one choice index per knob, starting at 0). Each step
evaluates it with :meth:`Scenario.evaluate` and returns the reward of
:class:`archgym.envs.common.RewardModel`. By default an episode is one proposal (the
one-shot, contextual-bandit form); ``episode_length=N`` gives N proposals, and
``episode_length=None`` never terminates (use ``max_episode_steps`` to truncate).

Observation (float32 ``Box``): the last design's choice indices normalised to ``[0, 1]``
(``index / (size - 1)``; zeros before the first step), then its metric features
(:class:`archgym.envs.common.MetricFeatures`), then the episode progress
``step / episode_length`` (0 when ``episode_length`` is None).

Example::

    import gymnasium
    import archgym.envs  # registers the ids

    env = gymnasium.make("archgym/DesignEnv-v0", scenario="hw-resnet50-area", area_mm2=20)
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    info["latency_ms"], info["feasible"], info["design"]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from archgym.scenarios import Scenario

from .common import MetricFeatures, RewardModel, evaluation_info, resolve_scenario

__all__ = ["DesignEnv"]


class DesignEnv(gym.Env[np.ndarray, np.ndarray]):
    """One-shot design environment over a scenario.

    Args:
        scenario: a catalog id (default :data:`archgym.scenarios.DEFAULT`), a
            :class:`Scenario` or a scenario document.
        episode_length: proposals per episode (default 1); ``None``: unlimited.
        penalty_scale: see :class:`~archgym.envs.common.RewardModel`.
        reward_floor: see :class:`~archgym.envs.common.RewardModel`.
        normalize_reward: see :class:`~archgym.envs.common.RewardModel`.
        render_mode: ``None`` or ``"ansi"`` (a text line about the last design).
        **overrides: catalog overrides, e.g. budgets ``area_mm2=20``.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        scenario: str | Scenario | Mapping[str, Any] | None = None,
        episode_length: int | None = 1,
        penalty_scale: float | None = None,
        reward_floor: float | None = None,
        normalize_reward: bool = False,
        render_mode: str | None = None,
        **overrides: Any,
    ) -> None:
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        if episode_length is not None and int(episode_length) < 1:
            raise ValueError(f"episode_length must be >= 1 or None, got {episode_length}")
        self.scenario = resolve_scenario(scenario, overrides)
        self.render_mode = render_mode
        self.episode_length = None if episode_length is None else int(episode_length)
        self.reward_model = RewardModel(
            self.scenario, penalty_scale, reward_floor, normalize_reward
        )
        self.features = MetricFeatures(self.scenario)
        space = self.scenario.space
        self._n = space.n_knobs
        self._sizes = np.asarray(space.sizes, np.int64)
        self._denom = np.maximum(self._sizes - 1, 1).astype(np.float64)
        self.action_space = space.to_gymnasium()
        low = np.concatenate([np.zeros(self._n, np.float32), self.features.low, [0.0]]).astype(
            np.float32
        )
        high = np.concatenate([np.ones(self._n, np.float32), self.features.high, [1.0]]).astype(
            np.float32
        )
        self.observation_space = spaces.Box(low, high, dtype=np.float32)
        self._t = 0
        self._obs = np.zeros(low.shape, np.float32)
        self._last_info: dict[str, Any] | None = None

    def _progress(self) -> float:
        return 0.0 if self.episode_length is None else min(1.0, self._t / self.episode_length)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self._t = 0
        self._last_info = None
        self._obs = np.concatenate([np.zeros(self._n), self.features.empty(), [0.0]]).astype(
            np.float32
        )
        return self._obs.copy(), {"scenario": self.scenario.id}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        x = np.asarray(action, dtype=np.int64).reshape(self._n)
        ev = self.scenario.evaluate(x)
        reward = float(ev.reward(self.reward_model)[0])
        self._t += 1
        terminated = self.episode_length is not None and self._t >= self.episode_length
        self._obs = np.concatenate([x / self._denom, self.features(ev), [self._progress()]]).astype(
            np.float32
        )
        info = evaluation_info(ev)
        self._last_info = info
        return self._obs.copy(), reward, terminated, False, info

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        if self._last_info is None:
            return f"{self.scenario.id}: no design yet"
        i = self._last_info
        return (
            f"{self.scenario.id} step {self._t}: {i['design']} -> objective {i['objective']:.6g}, "
            f"feasible {i['feasible']}{'' if i['feasible'] else ' (' + i['reason'] + ')'}"
        )
