"""Deprecated module name: the experiment sub-commands of ``archgym`` are
:mod:`archgym.experiments.commands` (the command line itself is :mod:`archgym.cli`).

Importing this module re-exports the public names of :mod:`.commands` and emits a
``DeprecationWarning``.
"""

from __future__ import annotations

import warnings

from .commands import add_commands, parse_settings

__all__ = ["add_commands", "parse_settings"]

warnings.warn(
    "archgym.experiments.cli is deprecated; import archgym.experiments.commands instead",
    DeprecationWarning,
    stacklevel=2,
)
