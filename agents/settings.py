"""What every agent's settings share: :class:`AgentSettings` (the fields every agent has,
each documented under it), the checks of a setting's type (:func:`is_int`, :func:`is_real`)
and :class:`AgentError`, the error a bad setting or call raises."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["AgentError", "AgentSettings", "is_int", "is_real"]


class AgentError(ValueError):
    """A bad agent setting or call; the message names the setting and what is allowed."""


@dataclass
class AgentSettings:
    """Settings every agent shares."""

    batch_size: int = 1
    """Designs proposed per ask (q in BoTorch's terms)."""

    threads: int | None = 1
    """torch threads the agent uses while it computes (set on entry, restored on exit), so
    that a seed gives the same proposals whatever the machine's default (a sweep passes
    each worker's share of the cores here unless the settings name a count); None leaves
    torch's setting as it is."""

    def validate(self) -> None:
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise AgentError(f"batch_size must be an integer >= 1, got {self.batch_size!r}")
        if self.threads is not None and (
            isinstance(self.threads, bool) or not isinstance(self.threads, int) or self.threads < 1
        ):
            raise AgentError(f"threads must be an integer >= 1 or None, got {self.threads!r}")


def is_int(value: Any) -> bool:
    """An integer setting (not a bool)."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def is_real(value: Any) -> bool:
    """A finite real setting (not a bool)."""
    return (
        isinstance(value, int | float | np.integer | np.floating)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )
