"""``archgym/SequentialDesignEnv-v1``: decide one knob per step (autoregressive controller).

Each step chooses the value of the next knob, in knob order (hardware knobs, then network
knobs), as in the RNN controllers of NAS. The action space is ``Discrete(max_choices)``,
the largest number of choices of any knob. When the chosen index is not a valid choice of
the current knob, ``invalid_action`` decides: ``"wrap"`` (default; index modulo the knob's
number of choices), ``"clip"`` (the last choice) or ``"error"`` (raise ``ValueError``).
Masking is available instead: ``info["action_mask"]`` is an ``int8`` vector (1 = valid) of
the choices of the knob to decide next, the form Gymnasium's
``env.action_space.sample(mask=info["action_mask"])`` takes; ``action_masks()`` (what
sb3-contrib's ``MaskablePPO`` calls) returns the same as booleans.

Versions: ``-v1`` gives the ``int8`` mask. ``-v0`` is kept registered and unchanged (a
boolean ``info["action_mask"]``, ``mask_dtype="bool"``): rollouts are identical, but code
that indexes with the mask (``choices[mask]``) would silently do fancy indexing with an
``int8`` mask, so the info contract change gets a new version, as Gymnasium does.

When the last knob is decided the design is evaluated with :meth:`Scenario.evaluate` and
the step returns its reward (:class:`archgym.envs.common.RewardModel`); every other step
returns 0. An episode builds ``designs_per_episode`` designs (default 1).

Observation (float32 ``Box``): the last complete design's normalised choice indices and
its metric features (:class:`archgym.envs.common.MetricFeatures`), then the partial design
(``index / (size - 1)`` for decided knobs, ``-1`` for undecided ones) and a one-hot of the
position of the knob to decide next.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from archgym.scenarios import Scenario

from .common import MetricFeatures, RewardModel, evaluation_info, resolve_scenario

__all__ = ["SequentialDesignEnv"]

_INVALID = ("wrap", "clip", "error")


class SequentialDesignEnv(gym.Env[np.ndarray, np.int64]):
    """Knob-by-knob design environment over a scenario.

    Args:
        scenario: a catalog id (default :data:`archgym.scenarios.DEFAULT`), a
            :class:`Scenario` or a scenario document.
        designs_per_episode: complete designs per episode (default 1).
        invalid_action: ``"wrap"``, ``"clip"`` or ``"error"`` (see the module docstring).
        penalty_scale: see :class:`~archgym.envs.common.RewardModel`.
        reward_floor: see :class:`~archgym.envs.common.RewardModel`.
        normalize_reward: see :class:`~archgym.envs.common.RewardModel`.
        render_mode: ``None`` or ``"ansi"``.
        mask_dtype: dtype of ``info["action_mask"]``: ``"int8"`` (default, ``-v1``; what
            ``Discrete.sample(mask=...)`` takes) or ``"bool"`` (``-v0``).
        **overrides: catalog overrides, e.g. budgets ``area_mm2=20``.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        scenario: str | Scenario | Mapping[str, Any] | None = None,
        designs_per_episode: int = 1,
        invalid_action: str = "wrap",
        penalty_scale: float | None = None,
        reward_floor: float | None = None,
        normalize_reward: bool = False,
        render_mode: str | None = None,
        mask_dtype: str = "int8",
        **overrides: Any,
    ) -> None:
        if mask_dtype not in ("int8", "bool"):
            raise ValueError(f"mask_dtype must be 'int8' or 'bool', got {mask_dtype!r}")
        self.mask_dtype = mask_dtype
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        if invalid_action not in _INVALID:
            raise ValueError(f"invalid_action must be one of {_INVALID}, got {invalid_action!r}")
        if int(designs_per_episode) < 1:
            raise ValueError(f"designs_per_episode must be >= 1, got {designs_per_episode}")
        self.scenario = resolve_scenario(scenario, overrides)
        self.render_mode = render_mode
        self.invalid_action = invalid_action
        self.designs_per_episode = int(designs_per_episode)
        self.reward_model = RewardModel(
            self.scenario, penalty_scale, reward_floor, normalize_reward
        )
        self.features = MetricFeatures(self.scenario)
        space = self.scenario.space
        self._n = space.n_knobs
        self._names = space.names
        self._sizes = np.asarray(space.sizes, np.int64)
        self._denom = np.maximum(self._sizes - 1, 1).astype(np.float64)
        self.max_choices = int(self._sizes.max())
        self.action_space = spaces.Discrete(self.max_choices)
        n, f = self._n, self.features
        low = np.concatenate([np.zeros(n), f.low, -np.ones(n), np.zeros(n)]).astype(np.float32)
        high = np.concatenate([np.ones(n), f.high, np.ones(n), np.ones(n)]).astype(np.float32)
        self.observation_space = spaces.Box(low, high, dtype=np.float32)
        self._masks = np.arange(self.max_choices)[None, :] < self._sizes[:, None]
        self._masks.flags.writeable = False
        # observation layout: [last design | its features | partial design | position one-hot]
        self._n_last = self._n + self.features.size
        self._reset_state()

    def _reset_state(self) -> None:
        self._pos = 0
        self._partial = np.full(self._n, -1, np.int64)
        self._buf = np.concatenate(
            [np.zeros(self._n), self.features.empty(), -np.ones(self._n), np.zeros(self._n)]
        ).astype(np.float32)
        self._buf[self._n_last + self._n] = 1.0
        self._done_designs = 0
        self._last_info: dict[str, Any] | None = None

    def _obs(self) -> np.ndarray:
        return self._buf.copy()

    def action_masks(self) -> np.ndarray:
        """Boolean ``(max_choices,)``: the valid choices of the knob to decide next."""
        return self._masks[self._pos].copy()

    def _step_info(self) -> dict[str, Any]:
        return {
            "action_mask": self._masks[self._pos].astype(self.mask_dtype),
            "knob": self._names[self._pos],
            "position": self._pos,
        }

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self._reset_state()
        return self._obs(), {"scenario": self.scenario.id, **self._step_info()}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        a = int(np.asarray(action).reshape(()))
        size = int(self._sizes[self._pos])
        if not 0 <= a < size:
            if self.invalid_action == "error" or a < 0:
                raise ValueError(
                    f"action {a} is not a choice of knob {self._names[self._pos]!r} (0..{size - 1}); "
                    "see info['action_mask']"
                )
            a = a % size if self.invalid_action == "wrap" else size - 1
        pos, n, base = self._pos, self._n, self._n_last
        self._partial[pos] = a
        self._buf[base + pos] = a / self._denom[pos]
        self._buf[base + n + pos] = 0.0
        self._pos = pos = pos + 1
        if pos < n:
            self._buf[base + n + pos] = 1.0
            return self._obs(), 0.0, False, False, self._step_info()
        x = self._partial.copy()
        ev = self.scenario.evaluate(x)
        reward = float(ev.reward(self.reward_model)[0])
        self._buf[:base] = np.concatenate([x / self._denom, self.features(ev)])
        self._buf[base : base + n] = -1.0
        self._buf[base + n] = 1.0
        self._done_designs += 1
        self._pos = 0
        self._partial[:] = -1
        terminated = self._done_designs >= self.designs_per_episode
        info = evaluation_info(ev)
        info.update(self._step_info())
        self._last_info = info
        return self._obs(), reward, terminated, False, info

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        partial = {
            k: (self.scenario.space[k].choices[int(v)] if v >= 0 else None)
            for k, v in zip(self._names, self._partial, strict=True)
        }
        text = f"{self.scenario.id} deciding {self._names[self._pos]!r}; partial design {partial}"
        if self._last_info is not None:
            text += f"; last design objective {self._last_info['objective']:.6g} (feasible {self._last_info['feasible']})"
        return text
