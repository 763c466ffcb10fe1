"""The dataflow registry: one entry per dataflow, read by the cost model, the loop-nest
traffic, validation and the knobs."""

import numpy as np
import pytest

import archgym
from archgym import AcceleratorConfig, ConfigError, dataflows
from archgym.scenarios import catalog


def test_registry_names_are_the_public_dataflow_strings():
    assert dataflows.DATAFLOWS == ("os", "ws", "is")
    assert archgym.DATAFLOWS == dataflows.DATAFLOWS
    assert [dataflows.code(n) for n in dataflows.DATAFLOWS] == [0, 1, 2]
    assert dataflows.get("ws").title == "weight stationary"
    assert dataflows.get(2).name == "is"


@pytest.mark.parametrize(
    "name, stream, stationary, row_op, col_op",
    [("os", "K", "O", "I", "W"), ("ws", "M", "W", "I", "O"), ("is", "N", "I", "W", "O")],
)
def test_each_entry_derives_the_operand_roles_of_its_dimensions(
    name, stream, stationary, row_op, col_op
):
    d = dataflows.get(name)
    assert (d.stream, d.stationary, d.row_operand, d.column_operand) == (
        stream,
        stationary,
        row_op,
        col_op,
    )


def test_on_array_puts_the_entry_dimensions_on_rows_columns_and_stream():
    M, N, K = (np.array([[v]], float) for v in (10.0, 20.0, 30.0))
    val = {"M": 10.0, "N": 20.0, "K": 30.0}
    for c, d in enumerate(dataflows.REGISTRY):
        Sr, Sc, T = dataflows.on_array(np.array([[c]]), M, N, K)
        assert (float(Sr[0, 0]), float(Sc[0, 0]), float(T[0, 0])) == (
            val[d.rows],
            val[d.cols],
            val[d.stream],
        )
    # mixed dataflows in one call give the same as one at a time
    df = np.array([[0], [1], [2], [1]])
    Sr, Sc, T = dataflows.on_array(df, M, N, K)
    for i, c in enumerate(df[:, 0]):
        one = dataflows.on_array(np.array([[c]]), M, N, K)
        assert (Sr[i, 0], Sc[i, 0], T[i, 0]) == tuple(a[0, 0] for a in one)


def test_fold_cycles_follow_scalesim():
    R, C, T = 8.0, 16.0, 100.0
    got = dataflows.fold_cycles(np.array([[0], [1], [2]]), R, C, T)[:, 0]
    assert got.tolist() == [R + C + T - 2, 2 * R + C + T - 2, 2 * R + C + T - 2]


def test_a_bad_entry_or_name_is_a_clear_error():
    with pytest.raises(ValueError, match="two different dimensions"):
        dataflows.Dataflow("xx", "bad", rows="M", cols="M", fill_rows=1)
    with pytest.raises(ValueError, match="dataflow must be one of os, ws, is"):
        dataflows.code("rs")
    with pytest.raises(ConfigError, match="dataflow"):
        AcceleratorConfig.preset("edgetpu", dataflow="rs")


def test_knob_choices_come_from_the_registry():
    doc = catalog._DATAFLOW
    assert tuple(doc["choices"]) == dataflows.DATAFLOWS
