"""The cost model's switches: the evaluation :data:`Mode` and :class:`CostOptions`, the
terms of the default mode that can be turned off one by one (see :mod:`archgym.costmodel`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Mode = Literal["default", "scalesim"]


@dataclass(frozen=True)
class CostOptions:
    """Switches of the default mode (all on by default; SCALE-Sim mode turns all off).

    Attributes:
        pipeline_folds: consecutive folds overlap (see the module docstring).
        pack_groups: small groups share one fold, block-diagonally.
        fused_activation: a MAC layer's activation runs as its results drain.
        op_overhead: the calibrated per-op dispatch and per-invoke costs.
        fuse_add_activation: an activation whose only input is a residual add (consumed by
            nothing else) is fused into the add, as the TFLite converter and the Edge TPU
            compiler do (``ADD`` with a fused ReLU/ReLU6): no op of its own, no dispatch,
            no buffer of its own; its vector work stays (in the energy).
        concat_view: a channel concatenation whose inputs are each read by nothing else is
            a view: its producers write their channels in place into one NHWC buffer
            (strided writes), so the concatenation neither copies nor dispatches.
            Otherwise it is a copy on the vector unit.
    """

    pipeline_folds: bool = True
    pack_groups: bool = True
    fused_activation: bool = True
    op_overhead: bool = True
    fuse_add_activation: bool = True
    concat_view: bool = True

    @classmethod
    def for_mode(cls, mode: str) -> CostOptions:
        if mode == "default":
            return cls()
        if mode == "scalesim":
            return cls(
                pipeline_folds=False,
                pack_groups=False,
                fused_activation=False,
                op_overhead=False,
                fuse_add_activation=False,
                concat_view=False,
            )
        raise ValueError(f"mode must be one of 'default', 'scalesim', got {mode!r}")
