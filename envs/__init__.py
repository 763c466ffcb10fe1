"""Gymnasium environments over archgym scenarios (``archgym/<Name>-v<N>``).

``import archgym`` (or ``import archgym.envs``) registers:

* ``archgym/DesignEnv-v0`` — the action is a whole design (``MultiDiscrete``); see
  :class:`~archgym.envs.design_env.DesignEnv`.
* ``archgym/SequentialDesignEnv-v1`` — one knob per step (``Discrete`` with an ``int8``
  action mask in ``info["action_mask"]``), the design evaluated when complete; see
  :class:`~archgym.envs.sequential_env.SequentialDesignEnv`. ``-v0`` (the same env with a
  boolean mask) stays registered for old code.

Any catalog scenario is selected by keyword, and catalog overrides pass through::

    import gymnasium
    import archgym  # registers the ids

    env = gymnasium.make("archgym/DesignEnv-v0", scenario="hw-mobilenet_v2-area", area_mm2=20)
    env = gymnasium.make("archgym/SequentialDesignEnv-v1", scenario="nb201-codesign", max_episode_steps=60)

The default scenario is :data:`archgym.scenarios.DEFAULT`. Rewards: the scenario's
objective (maximised) for feasible designs, a penalty growing with the budget violation
otherwise (:mod:`archgym.envs.common`).
"""

from __future__ import annotations

from archgym._registration import ENV_IDS, register_envs

from .design_env import DesignEnv
from .sequential_env import SequentialDesignEnv

__all__ = ["DesignEnv", "SequentialDesignEnv", "ENV_IDS"]

# The id -> entry point table lives in archgym/_registration.py (``import archgym`` uses
# it too); importing this package registers every id at once.
register_envs()
