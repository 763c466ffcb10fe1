"""Deprecated import path of the PPO agent and the RL reward: use :mod:`archgym.agents.ppo`
(``PPOAgent``, ``PPOSettings``) and :mod:`archgym.agents.rewards` (``DesignReward``,
``mnasnet_reward``, ...). Every name that lived here still imports from here."""

from __future__ import annotations

import warnings

from .base import PrivateRNG
from .base import is_int as _is_int
from .base import is_real as _is_real
from .ppo import PPOAgent, PPOSettings
from .rewards import (
    MNASNET_EXPONENTS,
    REWARDS,
    DesignReward,
    ToldObservations,
    mnasnet_reward,
    told_observations,
    violation_from_slack,
)

warnings.warn(
    "archgym.agents.rl is deprecated: import PPOAgent/PPOSettings from archgym.agents.ppo and "
    "DesignReward/mnasnet_reward from archgym.agents.rewards",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = [
    "PPOAgent",
    "PPOSettings",
    "DesignReward",
    "ToldObservations",
    "PrivateRNG",
    "REWARDS",
    "MNASNET_EXPONENTS",
    "mnasnet_reward",
    "violation_from_slack",
    "told_observations",
    "_is_int",
    "_is_real",
]
