"""REINFORCE controller over the knob sequence, as in the NAS and co-design papers.

The controller decides the design **one knob per step**, in knob order (hardware knobs, then
network knobs): the form of ``archgym/SequentialDesignEnv-v0``. At step ``t`` it samples the
knob's choice from a categorical distribution over that knob's valid choices only (the
environment's ``action_mask``). Two controllers:

* ``"independent"`` (default): one vector of logits per knob, ``pi(a_t)``; readable and
  robust, a product of categorical distributions.
* ``"lstm"``: the autoregressive RNN controller of Zoph & Le / MnasNet: an LSTM cell whose
  input at step ``t`` is an embedding of the choice made at step ``t - 1`` (a learned start
  token at ``t = 0``), with a linear head per knob, ``pi(a_t | a_<t)``.

The design is evaluated when complete and the reward comes at the last step, undiscounted,
so every decision's return is the design's reward ``R`` and the REINFORCE gradient of a
design is ``(R - b) * sum_t grad log pi(a_t | a_<t)``. This is exactly REINFORCE on
``SequentialDesignEnv-v0`` with one design per episode; the agent samples the knob
sequences itself so that a whole batch goes to :meth:`Scenario.evaluate` in one vectorised
call and :meth:`Agent.run <archgym.agents.base.Agent.run>` logs it.

**Update** (one per :meth:`ReinforceAgent.tell`, on the told batch): the loss is
``-mean_i (R_i - b) log pi(x_i) - entropy_coef * mean_i H_i`` (``H_i``: the sum over steps of
the entropy of each step's distribution along design ``i``), minimised with Adam. The
baseline ``b`` is an exponential moving average of the batch-mean reward,
``b <- decay * b + (1 - decay) * mean(R)``, started at the first batch's mean and updated
after each batch's advantages are taken. Log-probabilities are recomputed at tell time
(teacher forcing), so designs told without being asked are learnt from too.

**Reward** (``reward`` setting; :class:`~archgym.agents.rewards.DesignReward`):

* ``"penalty"`` (default): the environments' reward, the objective for a feasible design and
  ``floor - penalty_scale * violation`` otherwise, normalised by the objective range
  (``normalize_reward``);
* ``"mnasnet_soft"`` / ``"mnasnet_hard"``: MnasNet's multiplicative constraint reward
  ``q * prod_i (value_i / budget_i) ** w_i``, ``w_i = alpha`` within budget and ``beta`` over
  it (defaults ``alpha = beta = -0.07`` soft; ``alpha = 0, beta = -1`` hard), where ``q`` is
  the objective normalised to the scenario's reference range and clipped at 0,
  ``q = max(0, (o - low) / (high - low))`` (MnasNet multiplies a positive accuracy; archgym's
  objective may be ``-latency_ms``, so it is made positive this way). A design that is
  infeasible without exceeding a budget by a finite amount (rejected by the accelerator,
  or without an objective value) gets 0. See :func:`~archgym.agents.rewards.mnasnet_reward`.

Multi-objective scenarios are scalarised with equal weights on normalised objectives (as
for PPO). Sampling uses the agent's own ``torch.Generator`` and network initialisation
runs under the agent's private copy of the global random states, so a run is reproducible
bit for bit for a seed and leaves the caller's random generators untouched.

Example:
    >>> from archgym.agents import make
    >>> agent = make("reinforce", batch_size=16, reward="mnasnet_soft")
    >>> history = agent.run(scenario, budget=320, seed=0)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from .base import Agent, AgentError, AgentSettings, Observations, PrivateRNG
from .base import is_int as _is_int
from .base import is_real as _is_real
from .problem import Scores
from .rewards import MNASNET_EXPONENTS, REWARDS, DesignReward, mnasnet_reward

__all__ = [
    "ReinforceAgent",
    "ReinforceSettings",
    "IndependentController",
    "LSTMController",
    "CONTROLLERS",
    "REWARDS",
    "MNASNET_EXPONENTS",
    "mnasnet_reward",
]

CONTROLLERS: tuple[str, ...] = ("independent", "lstm")
"""The controllers of :class:`ReinforceAgent`."""

_MASKED = -1e9
"""Logit of a choice the knob does not have (finite, so masked entropies stay 0, not NaN)."""


# --------------------------------------------------------------------------------------------
# Controllers
# --------------------------------------------------------------------------------------------


class _Controller(nn.Module):
    """Base of the controllers: a distribution over designs, decided knob by knob.

    Args:
        sizes: number of choices of each knob, in knob order.
    """

    def __init__(self, sizes: np.ndarray) -> None:
        super().__init__()
        sizes = np.asarray(sizes, np.int64)
        self.n_knobs = len(sizes)
        self.max_choices = int(sizes.max())
        mask = torch.as_tensor(np.arange(self.max_choices)[None, :] < sizes[:, None])
        self.register_buffer("mask", mask, persistent=False)

    def start(self, n: int) -> Any:
        """The recurrent state before the first knob of ``n`` designs."""
        return None

    def step(self, t: int, state: Any, previous: torch.Tensor | None) -> tuple[torch.Tensor, Any]:
        """Unmasked logits ``n x max_choices`` of knob ``t`` and the next state."""
        raise NotImplementedError

    def forward(
        self, n: int, X: torch.Tensor | None = None, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Sample ``n`` designs (``X`` None) or score the designs ``X``, knob by knob.

        Args:
            n: number of designs.
            X: ``n x n_knobs`` int64 choice indices to score (teacher forcing), or None.
            generator: the torch generator to sample with.

        Returns:
            ``(X, log_prob, entropy)``: ``n x n_knobs`` designs, ``(n,)`` log-probabilities
            ``sum_t log pi(x_t | x_<t)`` and ``(n,)`` summed per-step entropies.
        """
        state = self.start(n)
        previous: torch.Tensor | None = None
        chosen, log_prob, entropy = [], torch.zeros(n), torch.zeros(n)
        for t in range(self.n_knobs):
            logits, state = self.step(t, state, previous)
            logits = logits.masked_fill(~self.mask[t], _MASKED)
            logp = torch.log_softmax(logits, dim=-1)
            if X is None:
                a = torch.multinomial(logp.exp(), 1, generator=generator).reshape(n)
            else:
                a = X[:, t]
            log_prob = log_prob + logp.gather(1, a[:, None]).reshape(n)
            entropy = entropy - (logp.exp() * logp).sum(dim=-1)
            chosen.append(a)
            previous = a
        return torch.stack(chosen, dim=1), log_prob, entropy


class IndependentController(_Controller):
    """Independent logits per knob, ``pi(x) = prod_t softmax(theta_t)[x_t]`` (uniform at start).

    Args:
        sizes: number of choices of each knob.
    """

    def __init__(self, sizes: np.ndarray) -> None:
        super().__init__(sizes)
        self.logits = nn.Parameter(torch.zeros(self.n_knobs, self.max_choices))

    def step(self, t: int, state: Any, previous: torch.Tensor | None) -> tuple[torch.Tensor, Any]:
        return self.logits[t].expand(state, -1), state

    def start(self, n: int) -> Any:
        return n

    def probabilities(self) -> list[np.ndarray]:
        """Each knob's choice probabilities (one array per knob)."""
        with torch.no_grad():
            p = torch.softmax(self.logits.masked_fill(~self.mask, _MASKED), dim=-1).numpy()
        sizes = self.mask.sum(dim=1).tolist()
        return [p[t, :s].astype(np.float64) for t, s in enumerate(sizes)]


class LSTMController(_Controller):
    """Autoregressive LSTM controller (NAS-style): ``pi(x_t | x_<t)``.

    The input at step ``t`` is the embedding of the choice ``x_{t-1}`` (each knob's choices
    have their own embeddings) or a learned start token at ``t = 0``; the head of knob ``t``
    is a linear map of the LSTM output to its logits. Parameters start uniform in
    ``[-0.1, 0.1]`` (as in ENAS), so the first policy is close to uniform.

    Args:
        sizes: number of choices of each knob.
        hidden_size: LSTM and embedding width.
    """

    def __init__(self, sizes: np.ndarray, hidden_size: int = 32) -> None:
        super().__init__(sizes)
        sizes = np.asarray(sizes, np.int64)
        offsets = np.concatenate([[1], 1 + np.cumsum(sizes)[:-1]])  # 0 is the start token
        self.register_buffer(
            "offsets", torch.as_tensor(offsets, dtype=torch.int64), persistent=False
        )
        self.hidden_size = int(hidden_size)
        self.embedding = nn.Embedding(int(sizes.sum()) + 1, self.hidden_size)
        self.cell = nn.LSTMCell(self.hidden_size, self.hidden_size)
        self.heads = nn.Linear(self.hidden_size, self.n_knobs * self.max_choices)
        for p in self.parameters():
            nn.init.uniform_(p, -0.1, 0.1)

    def start(self, n: int) -> Any:
        z = torch.zeros(n, self.hidden_size)
        return (z, z, n)

    def step(self, t: int, state: Any, previous: torch.Tensor | None) -> tuple[torch.Tensor, Any]:
        h, c, n = state
        if previous is None:
            token = torch.zeros(n, dtype=torch.int64)
        else:
            token = previous + self.offsets[t - 1]
        h, c = self.cell(self.embedding(token), (h, c))
        w = self.heads.weight.view(self.n_knobs, self.max_choices, self.hidden_size)[t]
        b = self.heads.bias.view(self.n_knobs, self.max_choices)[t]
        return h @ w.T + b, (h, c, n)


# --------------------------------------------------------------------------------------------
# The agent
# --------------------------------------------------------------------------------------------


@dataclass
class ReinforceSettings(AgentSettings):
    """Settings of :class:`ReinforceAgent`."""

    batch_size: int = 16
    """Designs sampled per ask; each told batch is one policy update."""

    learning_rate: float = 0.05
    """Adam learning rate of the controller."""

    entropy_coef: float = 0.001
    """Weight of the entropy bonus (the summed per-knob entropy of each design)."""

    baseline_decay: float = 0.9
    """Decay of the exponential-moving-average baseline of the batch-mean reward, in [0, 1)
    (0: the baseline is the previous batch's mean)."""

    reward: str = "penalty"
    """"penalty" (the environments' reward), "mnasnet_soft" or "mnasnet_hard" (MnasNet's
    multiplicative constraint reward); see the module docstring."""

    alpha: float | None = None
    """MnasNet exponent for metrics within budget (default -0.07 soft, 0 hard); MnasNet
    rewards only."""

    beta: float | None = None
    """MnasNet exponent for metrics over budget (default -0.07 soft, -1 hard); MnasNet
    rewards only."""

    normalize_reward: bool = True
    """Normalise the "penalty" reward by the scenario's objective range (must stay True on
    multi-objective scenarios; the MnasNet rewards are always normalised)."""

    controller: str = "independent"
    """"independent" (logits per knob) or "lstm" (autoregressive LSTM over the knob sequence)."""

    hidden_size: int = 32
    """Width of the LSTM controller."""

    def validate(self) -> None:
        """Check every setting.

        Raises:
            AgentError: a setting is out of range; the message names it.
        """
        super().validate()
        if not _is_real(self.learning_rate) or self.learning_rate <= 0:
            raise AgentError(
                f"reinforce: learning_rate must be a finite number > 0, got {self.learning_rate!r}"
            )
        if not _is_real(self.entropy_coef) or self.entropy_coef < 0:
            raise AgentError(
                f"reinforce: entropy_coef must be a finite number >= 0, got {self.entropy_coef!r}"
            )
        if not _is_real(self.baseline_decay) or not 0 <= self.baseline_decay < 1:
            raise AgentError(
                f"reinforce: baseline_decay must be in [0, 1), got {self.baseline_decay!r}"
            )
        if self.reward not in REWARDS:
            raise AgentError(
                f"reinforce: reward must be one of {list(REWARDS)}, got {self.reward!r}"
            )
        for name in ("alpha", "beta"):
            v = getattr(self, name)
            if v is None:
                continue
            if not _is_real(v):
                raise AgentError(f"reinforce: {name} must be a finite number or None, got {v!r}")
            if self.reward == "penalty":
                raise AgentError(
                    f"reinforce: {name} applies to the MnasNet rewards only; set reward='mnasnet_soft' "
                    "or 'mnasnet_hard', or leave it None"
                )
        if not isinstance(self.normalize_reward, bool | np.bool_):
            raise AgentError(
                f"reinforce: normalize_reward must be True or False, got {self.normalize_reward!r}"
            )
        if self.controller not in CONTROLLERS:
            raise AgentError(
                f"reinforce: controller must be one of {list(CONTROLLERS)}, got {self.controller!r}"
            )
        if not _is_int(self.hidden_size) or self.hidden_size < 1:
            raise AgentError(
                f"reinforce: hidden_size must be an integer >= 1, got {self.hidden_size!r}"
            )


class ReinforceAgent(Agent):
    """REINFORCE with a moving-average baseline over knob sequences (``make("reinforce")``).

    See the module docstring. Works on every catalog scenario; several objectives are
    scalarised with equal weights on normalised objectives.

    Attributes:
        controller: the policy network (:class:`IndependentController` or
            :class:`LSTMController`).
        reward: the :class:`~archgym.agents.rewards.DesignReward` of told designs.
        baseline: the moving-average baseline (None before the first update).
        updates: policy updates so far.
        last_rewards: rewards of the last told batch.
    """

    name: ClassVar[str] = "reinforce"
    Settings: ClassVar[type[AgentSettings]] = ReinforceSettings
    supports_multi_objective: ClassVar[bool] = True

    settings: ReinforceSettings

    def _setup(self) -> None:
        s = self.settings
        self.reward = DesignReward(
            self.scenario, s.reward, normalize=s.normalize_reward, alpha=s.alpha, beta=s.beta
        )
        sizes = np.asarray(self.space.sizes, np.int64)
        self._rng = PrivateRNG()
        with self._rng.active():
            torch.manual_seed(self.seed)
            if s.controller == "lstm":
                self.controller: _Controller = LSTMController(sizes, s.hidden_size)
            else:
                self.controller = IndependentController(sizes)
            self.optimizer = torch.optim.Adam(
                self.controller.parameters(), lr=float(s.learning_rate)
            )
        self._generator = torch.Generator().manual_seed(self.seed)
        self.baseline: float | None = None
        self.updates = 0
        self.last_rewards = np.zeros(0)

    # --- the interface -------------------------------------------------------------------
    def ask(self, n: int | None = None) -> np.ndarray:
        """Sample ``n`` designs (default ``settings.batch_size``), knob by knob. See :meth:`Agent.ask
        <archgym.agents.base.Agent.ask>`."""
        n = self._ask_size(n)
        with torch.no_grad():
            X, _, _ = self.controller(int(n), generator=self._generator)
        return X.numpy().astype(np.int64)

    def tell(self, X: np.ndarray, results: Observations | Scores) -> None:
        """One REINFORCE update on the told batch (see the module docstring).

        Args:
            X: ``n x n_knobs`` designs (asked or not).
            results: their observations (feasible or not).
        """
        X, results = self._record(X, results)
        if len(X) == 0:
            return
        rewards = self.reward(results)
        self.last_rewards = rewards
        mean = float(rewards.mean())
        if self.baseline is None:
            self.baseline = mean
        advantage = torch.as_tensor(rewards - self.baseline, dtype=torch.float32)
        _, log_prob, entropy = self.controller(len(X), X=torch.as_tensor(X))
        loss = -(advantage * log_prob).mean() - float(self.settings.entropy_coef) * entropy.mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        decay = float(self.settings.baseline_decay)
        self.baseline = decay * self.baseline + (1.0 - decay) * mean
        self.updates += 1

    # --- helpers -------------------------------------------------------------------------
    def greedy(self) -> np.ndarray:
        """The controller's most likely choice at each step, ``(n_knobs,)`` int64."""
        with torch.no_grad():
            c = self.controller
            state, previous, out = c.start(1), None, []
            for t in range(c.n_knobs):
                logits, state = c.step(t, state, previous)
                a = logits.masked_fill(~c.mask[t], _MASKED).argmax(dim=-1).reshape(1)
                out.append(int(a[0]))
                previous = a
        return np.array(out, np.int64)
