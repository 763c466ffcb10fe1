"""The dataflows of the systolic array: one registry that the cost model, the loop-nest
traffic, the accelerator's validation and the design-space knobs all read.

A MAC layer is ``groups`` GEMMs ``O[M, N] += I[M, K] W[N, K]`` (``M`` output pixels,
``N`` filters, ``K`` reduction elements; the array consumes ``K`` ``lanes`` elements a
MAC step). A dataflow puts two of the three dimensions on the array's rows and columns
and streams the third; everything else follows from that choice:

* the *stationary* operand is the one indexed by the two spatial dimensions (it stays in
  the PEs for a whole fold); the *row operand* is indexed by the rows and the stream, the
  *column operand* by the columns and the stream;
* a fold of SCALE-Sim takes ``fill_rows * R + C + T - 2`` cycles on an ``R x C`` array
  with a stream of ``T`` (``fill_rows`` = 2 where the stationary operand is loaded into
  the array before it computes, 1 where it is an output accumulated in place);
* a stationary tile takes ``lanes`` elements of a PE's memory, or one 32-bit accumulator
  when it is the output.

========  ======================  ==========  =======  ==========  ==================
dataflow  array rows / columns    streamed    fill     stationary  row / column operand
========  ======================  ==========  =======  ==========  ==================
``os``    ``M`` / ``N``           ``K``       ``R``    ``O``       ``I`` / ``W``
``ws``    ``K`` / ``N``           ``M``       ``2R``   ``W``       ``I`` / ``O``
``is``    ``K`` / ``M``           ``N``       ``2R``   ``I``       ``W`` / ``O``
========  ======================  ==========  =======  ==========  ==================

A design stores its dataflow as the integer code of its entry (its position in
:data:`REGISTRY`); the vectorised code reads the per-code arrays below. Adding a dataflow
is one entry in :data:`REGISTRY` plus its tests: its name becomes a valid
``AcceleratorConfig.dataflow`` and knob choice, and the mapping, fold cycles, PE-memory
depth and core-memory traffic follow from its dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "Dataflow",
    "REGISTRY",
    "DATAFLOWS",
    "GEMM_DIMS",
    "OPERANDS",
    "get",
    "code",
    "on_array",
    "fold_cycles",
    "stationary_entry_bytes",
    "operand_roles",
    "by_role",
    "by_operand",
    "output_stationary",
]

#: The GEMM dimensions, in the order of their codes: output pixels, filters, reduction.
GEMM_DIMS: tuple[str, ...] = ("M", "N", "K")
#: The GEMM operands (inputs, weights, outputs) and the dimensions that index each.
OPERANDS: dict[str, tuple[str, str]] = {"I": ("M", "K"), "W": ("N", "K"), "O": ("M", "N")}

#: An operand's role in a dataflow (:func:`operand_roles`): held in the PEs for a fold,
#: streamed along the rows (re-read once per column fold group), or along the columns.
STATIONARY, ROW_OPERAND, COLUMN_OPERAND = 0, 1, 2


def _operand_of(dims: set[str]) -> str:
    return next(op for op, d in OPERANDS.items() if set(d) == dims)


@dataclass(frozen=True)
class Dataflow:
    """One dataflow of the systolic array.

    Attributes:
        name: the public string (``AcceleratorConfig.dataflow``, knob choices).
        title: what it is called in words.
        rows, cols: the GEMM dimensions (``"M"``, ``"N"`` or ``"K"``) spread over the
            array's rows and columns; the third is streamed.
        fill_rows: ``R`` multiples in a fold's SCALE-Sim fill and drain skew
            (``fill_rows * R + C + T - 2`` cycles).
    """

    name: str
    title: str
    rows: str
    cols: str
    fill_rows: int

    def __post_init__(self) -> None:
        if {self.rows, self.cols} - set(GEMM_DIMS) or self.rows == self.cols:
            raise ValueError(
                f"dataflow {self.name!r}: rows and cols must be two different dimensions "
                f"of {GEMM_DIMS}, got {self.rows!r}, {self.cols!r}"
            )
        if self.fill_rows not in (1, 2):
            raise ValueError(f"dataflow {self.name!r}: fill_rows must be 1 or 2")

    @property
    def stream(self) -> str:
        """The streamed (temporal) GEMM dimension."""
        return next(d for d in GEMM_DIMS if d not in (self.rows, self.cols))

    @property
    def stationary(self) -> str:
        """The operand held in the PEs for a whole fold (``"I"``, ``"W"`` or ``"O"``)."""
        return _operand_of({self.rows, self.cols})

    @property
    def row_operand(self) -> str:
        """The operand that flows along the array rows (indexed by rows and stream)."""
        return _operand_of({self.rows, self.stream})

    @property
    def column_operand(self) -> str:
        """The operand that flows along the array columns (indexed by columns and stream)."""
        return _operand_of({self.cols, self.stream})


#: Every dataflow, in the order of their integer codes.
REGISTRY: tuple[Dataflow, ...] = (
    Dataflow("os", "output stationary", rows="M", cols="N", fill_rows=1),
    Dataflow("ws", "weight stationary", rows="K", cols="N", fill_rows=2),
    Dataflow("is", "input stationary", rows="K", cols="M", fill_rows=2),
)
#: Dataflow names, in the order of their integer codes.
DATAFLOWS: tuple[str, ...] = tuple(d.name for d in REGISTRY)
_BY_NAME = {d.name: i for i, d in enumerate(REGISTRY)}


def get(dataflow: str | int) -> Dataflow:
    """The registry entry of a dataflow name or integer code."""
    if isinstance(dataflow, (int, np.integer)) and 0 <= int(dataflow) < len(REGISTRY):
        return REGISTRY[int(dataflow)]
    if isinstance(dataflow, str) and dataflow in _BY_NAME:
        return REGISTRY[_BY_NAME[dataflow]]
    raise ValueError(f"dataflow must be one of {', '.join(DATAFLOWS)}, got {dataflow!r}")


def code(name: str) -> int:
    """The integer code of a dataflow name."""
    if name not in _BY_NAME:
        raise ValueError(f"dataflow must be one of {', '.join(DATAFLOWS)}, got {name!r}")
    return _BY_NAME[name]


# --- per-code arrays (what the vectorised code indexes with a design's dataflow code) ------
def _codes(values: list[Any], dtype: Any) -> np.ndarray:
    a = np.array(values, dtype)
    a.setflags(write=False)
    return a


_DIM = {d: i for i, d in enumerate(GEMM_DIMS)}
_ROW_DIM = _codes([_DIM[d.rows] for d in REGISTRY], np.intp)
_COL_DIM = _codes([_DIM[d.cols] for d in REGISTRY], np.intp)
_STREAM_DIM = _codes([_DIM[d.stream] for d in REGISTRY], np.intp)
_FILL_ROWS = _codes([float(d.fill_rows) for d in REGISTRY], np.float64)
_OUTPUT_STATIONARY = _codes([d.stationary == "O" for d in REGISTRY], bool)


def _role(d: Dataflow, op: str) -> int:
    if op == d.stationary:
        return STATIONARY
    return ROW_OPERAND if op == d.row_operand else COLUMN_OPERAND


_ROLES = {op: _codes([_role(d, op) for d in REGISTRY], np.intp) for op in OPERANDS}
_OP = {op: i for i, op in enumerate(OPERANDS)}
_OPERAND_OF_ROLE = {
    "stationary": _codes([_OP[d.stationary] for d in REGISTRY], np.intp),
    "row": _codes([_OP[d.row_operand] for d in REGISTRY], np.intp),
    "column": _codes([_OP[d.column_operand] for d in REGISTRY], np.intp),
}


def on_array(
    df: np.ndarray, M: np.ndarray, N: np.ndarray, K: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The spatial rows, spatial columns and temporal length ``(Sr, Sc, T)`` of GEMMs
    ``M x N x K`` under each design's dataflow.

    Args:
        df: ``(k, 1)`` dataflow codes.
        M, N, K: ``(1 or k, L)`` GEMM dimensions (``K`` in MAC steps of the lanes).

    Returns:
        Three ``(k, L)`` arrays, each one of ``M``, ``N``, ``K`` (the values, not copies
        computed anew: exact).
    """
    dims = (M, N, K)
    return _pick(_ROW_DIM, df, dims), _pick(_COL_DIM, df, dims), _pick(_STREAM_DIM, df, dims)


def _pick(per_code: np.ndarray, df: np.ndarray, choices: tuple[Any, ...]) -> Any:
    """``choices[per_code[df]]`` elementwise (``np.choose``); where every design has the
    same dataflow, the chosen array itself (which broadcasts against ``df``)."""
    c = df.reshape(-1)
    if c.size == 1 or (c == c[0]).all():
        return choices[per_code[c[0]]]
    idx = per_code[df]
    used = np.unique(per_code)  # np.where chains run faster than np.choose
    out = choices[used[-1]]
    for j in used[-2::-1]:
        out = np.where(idx == j, choices[j], out)
    return out


def _scalar_or_column(per_code: np.ndarray, df: np.ndarray) -> Any:
    """``per_code[df]``, or its one value where every design has the same dataflow."""
    c = df.reshape(-1)
    if c.size == 1 or (c == c[0]).all():
        return per_code[c[0]]
    return per_code[df]


def fold_cycles(df: np.ndarray, R: Any, C: Any, T: np.ndarray) -> np.ndarray:
    """SCALE-Sim's cycles of one fold: ``fill_rows * R + C + T - 2`` (``df``: ``(k, 1)``
    codes; the rest broadcast)."""
    return _scalar_or_column(_FILL_ROWS, df) * R + C + T - 2.0


def stationary_entry_bytes(df: np.ndarray, lanes: Any, dtype_bytes: Any) -> np.ndarray:
    """Bytes of PE-local memory one stationary tile takes in a PE: one 32-bit accumulator
    where the stationary operand is the output, else ``lanes`` elements."""
    return np.where(_OUTPUT_STATIONARY[df], 4.0, lanes * dtype_bytes)


def output_stationary(df: np.ndarray) -> np.ndarray:
    """Whether each design's stationary operand is the output (bool, ``df``'s shape)."""
    return _OUTPUT_STATIONARY[df]


def by_role(df: np.ndarray, op: str, stationary: Any, row: Any, column: Any) -> Any:
    """Per design, ``stationary``, ``row`` or ``column`` as operand ``op`` (``"I"``,
    ``"W"`` or ``"O"``) is the stationary, the row or the column operand of its dataflow
    (``df``: ``(k, 1)`` codes; the values broadcast against it)."""
    return _pick(_ROLES[op], df, (stationary, row, column))


def by_operand(per_code: str, df: np.ndarray, I: Any, W: Any, O: Any) -> Any:  # noqa: E741
    """Per design, the value of the operand that plays role ``per_code``
    (``"stationary"``, ``"row"`` or ``"column"``) in its dataflow, of ``I``, ``W``,
    ``O`` (``df``: ``(k, 1)`` codes)."""
    return _pick(_OPERAND_OF_ROLE[per_code], df, (I, W, O))


def operand_roles(df: np.ndarray) -> dict[str, np.ndarray]:
    """Each operand's role under each design's dataflow: :data:`STATIONARY`,
    :data:`ROW_OPERAND` or :data:`COLUMN_OPERAND` (``{"I", "W", "O"}`` -> ``df``'s shape)."""
    return {op: r[df] for op, r in _ROLES.items()}
