"""Deprecated module name: the source data of BO transfer learning is
:mod:`archgym.agents.transfer_data` (the name ``transfer`` was shared with the transfer
*studies* of :mod:`archgym.experiments.transfer_studies`).

Importing this module re-exports the public names of :mod:`.transfer_data` and emits a
``DeprecationWarning``.
"""

from __future__ import annotations

import warnings

from .transfer_data import TransferData, prepare_transfer, source_seeds

__all__ = ["TransferData", "prepare_transfer", "source_seeds"]

warnings.warn(
    "archgym.agents.transfer is deprecated; import archgym.agents.transfer_data instead",
    DeprecationWarning,
    stacklevel=2,
)
