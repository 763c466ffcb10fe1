"""Deprecated module name: transfer studies are :mod:`archgym.experiments.transfer_studies`
(the name ``transfer`` was shared with :mod:`archgym.agents.transfer_data`, the source data
of BO transfer learning).

Importing this module re-exports the public names of :mod:`.transfer_studies` and emits a
``DeprecationWarning``; ``archgym.experiments.transfer_study`` (the function) and
``archgym.experiments.TransferResult`` are unchanged.
"""

from __future__ import annotations

import warnings

from .transfer_studies import (
    TransferResult,
    exact_optimum,
    optimum_of,
    resolve_or_obj,
    scenario_arg,
    transfer_study,
)

__all__ = [
    "TransferResult",
    "transfer_study",
    "exact_optimum",
    "optimum_of",
    "resolve_or_obj",
    "scenario_arg",
]

warnings.warn(
    "archgym.experiments.transfer is deprecated; import archgym.experiments.transfer_studies "
    "(or the same names from archgym.experiments) instead",
    DeprecationWarning,
    stacklevel=2,
)
