"""PPO (Stable-Baselines3) behind archgym's ask/tell interface (``make("ppo")``).

This module was ``archgym.agents.rl``; that import path still works (deprecated).

**How PPO is driven.** archgym keeps evaluation and logging, so the agent owns the
interaction loop that SB3's ``collect_rollouts`` would otherwise run, and SB3 does the
learning: its ``PPO`` model (policy, value head, Adam, clipped surrogate loss, GAE) is built
on ``archgym/DesignEnv-v0`` (:class:`~archgym.envs.design_env.DesignEnv`: ``MultiDiscrete``
whole-design action, one design per episode), and

* :meth:`PPOAgent.ask` samples ``n`` designs from the current policy at the environment's
  reset observation (the one-step, contextual-bandit form of ``DesignEnv-v0``), keeping
  each design's value estimate and log-probability as ``collect_rollouts`` does;
* :meth:`PPOAgent.tell` turns the told results into rewards with the environment's rule
  (:class:`~archgym.agents.rewards.DesignReward`), adds one one-step episode per design to SB3's
  ``RolloutBuffer``, and every ``n_steps`` designs computes returns and advantages and runs
  ``PPO.train()`` (``n_epochs`` passes of ``minibatch_size`` minibatches).

So :meth:`Agent.run <archgym.agents.base.Agent.run>` is inherited unchanged: the same tidy
History, ``callback``, ``progress`` and ``resume`` (a resumed run replays its logged designs
through ask/tell, which retrains the policy exactly as the first run did). With one-step
episodes every return is the reward itself, so the discount factor plays no part and is
not a setting. Designs told without having been asked (e.g. seed designs) are added to
the rollout with the value and log-probability the current policy gives them.

**Reward**: :class:`~archgym.agents.rewards.DesignReward` (the environments'
:class:`~archgym.scenarios.evaluation.RewardModel`, normalised by default); several
objectives are scalarised with equal weights on normalised objectives, so the agent runs
on every catalog scenario.

**Determinism.** SB3 draws from the global Python, numpy and torch random generators
(action sampling, minibatch shuffling). The agent keeps its own copy of those states,
seeded by ``PPO(seed=seed)``, swaps it in around each SB3 call and restores the caller's
states afterwards, so a run is bit-for-bit reproducible for a seed on the CPU whatever else
draws random numbers in between, and running the agent leaves the caller's generators as
they were.

Example:
    >>> from archgym.agents import make
    >>> agent = make("ppo", n_steps=32, batch_size=8)
    >>> history = agent.run(scenario, budget=256, seed=0)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import numpy as np

from .base import Agent, AgentError, AgentSettings, Observations, PrivateRNG, is_int, is_real
from .problem import Scores
from .rewards import DesignReward

__all__ = ["PPOAgent", "PPOSettings"]


@dataclass
class PPOSettings(AgentSettings):
    """Settings of :class:`PPOAgent` (SB3's names where they are SB3's settings)."""

    batch_size: int = 8
    """Designs proposed per ask (evaluated together). Independent of the PPO update: the
    policy is updated every ``n_steps`` told designs."""

    n_steps: int = 16
    """Designs (one-step episodes) per rollout: PPO updates the policy every ``n_steps``
    told designs (SB3's ``n_steps`` with one environment). At least 2."""

    minibatch_size: int = 8
    """Minibatch size of the PPO update (SB3's ``batch_size``); 2 to ``n_steps``."""

    n_epochs: int = 10
    """Passes over each rollout in a PPO update (SB3's ``n_epochs``)."""

    learning_rate: float = 3e-4
    """Adam learning rate of the policy and value networks (SB3's default)."""

    ent_coef: float = 0.01
    """Entropy bonus coefficient (exploration)."""

    clip_range: float = 0.2
    """PPO's clipping of the probability ratio."""

    vf_coef: float = 0.5
    """Weight of the value loss."""

    max_grad_norm: float = 0.5
    """Gradient-norm clipping."""

    normalize_reward: bool = True
    """Normalise rewards by the scenario's objective range (``(r - low) / (high - low)``),
    so that they are about [0, 1] whatever the objective's unit (see the module docstring).
    Must stay True on multi-objective scenarios."""

    policy_kwargs: dict[str, Any] | None = field(default=None)
    """Extra keyword arguments of SB3's ``MlpPolicy`` (e.g. ``{"net_arch": [32, 32]}``);
    None: SB3's defaults."""

    def validate(self) -> None:
        """Check every setting.

        Raises:
            AgentError: a setting is out of range; the message names it.
        """
        super().validate()
        if not is_int(self.n_steps) or self.n_steps < 2:
            raise AgentError(f"ppo: n_steps must be an integer >= 2, got {self.n_steps!r}")
        if not is_int(self.minibatch_size) or not 2 <= self.minibatch_size <= self.n_steps:
            raise AgentError(
                f"ppo: minibatch_size must be an integer from 2 to n_steps={self.n_steps}, got {self.minibatch_size!r}"
            )
        if not is_int(self.n_epochs) or self.n_epochs < 1:
            raise AgentError(f"ppo: n_epochs must be an integer >= 1, got {self.n_epochs!r}")
        for name in ("learning_rate", "clip_range", "max_grad_norm"):
            v = getattr(self, name)
            if not is_real(v) or v <= 0:
                raise AgentError(f"ppo: {name} must be a finite number > 0, got {v!r}")
        for name in ("ent_coef", "vf_coef"):
            v = getattr(self, name)
            if not is_real(v) or v < 0:
                raise AgentError(f"ppo: {name} must be a finite number >= 0, got {v!r}")
        if not isinstance(self.normalize_reward, bool | np.bool_):
            raise AgentError(
                f"ppo: normalize_reward must be True or False, got {self.normalize_reward!r}"
            )
        if self.policy_kwargs is not None and not isinstance(self.policy_kwargs, dict):
            raise AgentError(
                f"ppo: policy_kwargs must be a dict or None, got {self.policy_kwargs!r}"
            )


class PPOAgent(Agent):
    """Proximal Policy Optimisation (Stable-Baselines3) over whole designs (``make("ppo")``).

    See the module docstring for how SB3 is driven through ask/tell. Works on every
    catalog scenario; several objectives are scalarised with equal weights on normalised
    objectives.

    Attributes:
        model: the SB3 ``PPO`` model (after :meth:`setup`).
        env: the ``DesignEnv`` it was built on (spaces and reset observation).
        reward: the :class:`DesignReward` of told designs.
        updates: PPO updates done so far.
    """

    name: ClassVar[str] = "ppo"
    Settings: ClassVar[type[AgentSettings]] = PPOSettings
    supports_multi_objective: ClassVar[bool] = True

    settings: PPOSettings

    def _setup(self) -> None:
        import torch
        from stable_baselines3 import PPO
        from stable_baselines3.common.logger import Logger

        from archgym.envs.design_env import DesignEnv

        s = self.settings
        self.reward = DesignReward(self.scenario, "penalty", normalize=s.normalize_reward)
        try:
            self.env = DesignEnv(scenario=cast(Any, self.scenario))  # an archgym Scenario
        except Exception as exc:  # a non-archgym scenario
            raise AgentError(
                f"ppo: cannot build archgym/DesignEnv-v0 on this scenario: {exc}"
            ) from exc
        self._rng = PrivateRNG()
        with self._rng.active():
            self.model = PPO(
                "MlpPolicy",
                self.env,
                learning_rate=float(s.learning_rate),
                n_steps=int(s.n_steps),
                batch_size=int(s.minibatch_size),
                n_epochs=int(s.n_epochs),
                gamma=1.0,
                gae_lambda=1.0,
                clip_range=float(s.clip_range),
                ent_coef=float(s.ent_coef),
                vf_coef=float(s.vf_coef),
                max_grad_norm=float(s.max_grad_norm),
                policy_kwargs=dict(s.policy_kwargs) if s.policy_kwargs else None,
                seed=self.seed,
                device="cpu",
                verbose=0,
            )
        self.model.set_logger(Logger(folder=None, output_formats=[]))
        obs, _ = self.env.reset(seed=self.seed)
        self._obs = np.asarray(obs, np.float32)
        self._obs_tensor = torch.as_tensor(self._obs[None], dtype=torch.float32)
        self._pending: list[tuple[bytes, float, float]] = []
        self.updates = 0

    # --- the interface -------------------------------------------------------------------
    def ask(self, n: int | None = None) -> np.ndarray:
        """Sample ``n`` designs (default ``settings.batch_size``) from the current policy. See :meth:`Agent.ask
        <archgym.agents.base.Agent.ask>`."""
        import torch

        n = self._ask_size(n)
        policy = self.model.policy
        with self._rng.active(), torch.no_grad():
            policy.set_training_mode(False)
            actions, values, log_probs = policy(self._obs_tensor.expand(int(n), -1))
        X = actions.cpu().numpy().astype(np.int64).reshape(int(n), -1)
        v, lp = values.reshape(-1).tolist(), log_probs.reshape(-1).tolist()
        self._pending.extend((X[i].tobytes(), v[i], lp[i]) for i in range(len(X)))
        return X

    def tell(self, X: np.ndarray, results: Observations | Scores) -> None:
        """Add the told designs to the rollout; update the policy every ``n_steps`` designs.

        Args:
            X: ``n x n_knobs`` designs (asked or not; unasked ones are scored by the
                current policy).
            results: their observations (feasible or not).
        """
        import torch

        X, results = self._record(X, results)
        rewards = self.reward(results)
        buf = self.model.rollout_buffer
        for i in range(len(X)):
            value, log_prob = self._pop_pending(X[i])
            buf.add(
                self._obs[None],
                X[i][None],
                np.array([rewards[i]], np.float32),
                np.array([True]),
                torch.tensor([value], dtype=torch.float32),
                torch.tensor([log_prob], dtype=torch.float32),
            )
            self.model.num_timesteps += 1
            if buf.full:
                self._update()

    # --- PPO -----------------------------------------------------------------------------
    def _pop_pending(self, x: np.ndarray) -> tuple[float, float]:
        """Value and log-probability of design ``x``: those of its ask, else the current policy's."""
        import torch

        key = x.tobytes()
        for j, (k, value, log_prob) in enumerate(self._pending):
            if k == key:
                del self._pending[j]
                return value, log_prob
        with torch.no_grad():
            values, log_prob, _ = self.model.policy.evaluate_actions(
                self._obs_tensor, torch.as_tensor(x[None])
            )
        return float(values.reshape(-1)[0]), float(log_prob.reshape(-1)[0])

    def _update(self) -> None:
        """Returns and advantages of the full rollout, then one ``PPO.train()``."""
        import torch

        buf = self.model.rollout_buffer
        buf.compute_returns_and_advantage(last_values=torch.zeros(1), dones=np.array([True]))
        with self._rng.active():
            self.model.train()
        buf.reset()
        self.updates += 1

    def policy_probabilities(self) -> list[np.ndarray]:
        """The current policy's probability of every choice of every knob (one array per knob)."""
        import torch

        with torch.no_grad():
            dist = self.model.policy.get_distribution(self._obs_tensor)
        return [d.probs[0].cpu().numpy().astype(np.float64) for d in dist.distribution]
