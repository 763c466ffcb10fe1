"""The NAS-Bench-201 tabular accuracy oracle against the shipped data files."""

from __future__ import annotations

import csv
import gzip
import io
import time
from importlib.resources import files

import numpy as np
import pytest

from archgym.oracles.base import AccuracyOracle, OracleError
from archgym.oracles.tabular import NB201Accuracy
from archgym.workloads.nb201 import arch_to_str, index_to_arch, isomorphism_key

ROW1_STR = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def _rows(name: str) -> list[dict[str, str]]:
    """The shipped file read with the csv module, independently of the oracle's pandas path."""
    raw = files("archgym.data").joinpath("nb201", name).read_bytes()
    return list(csv.DictReader(io.StringIO(gzip.decompress(raw).decode())))


@pytest.fixture(scope="module")
def all_rows() -> list[dict[str, str]]:
    return _rows("nb201_cifar10valid_all15625_NAS-Landscapes.csv.gz")


@pytest.fixture(scope="module")
def imagenet_rows() -> list[dict[str, str]]:
    return _rows("nb201_ImageNet16-120_valacc_9445unique.csv.gz")


def _net(row: dict[str, str]) -> tuple[int, ...]:
    return tuple(int(v) for v in row["net"].strip("()").split(","))


def test_is_a_tabular_oracle() -> None:
    oracle = NB201Accuracy()
    assert isinstance(oracle, AccuracyOracle)
    assert oracle.kind == "tabular" and oracle.dataset == "cifar10-valid"


def test_rows_0_and_1() -> None:
    # Values as written in nb201_cifar10valid_all15625_NAS-Landscapes.csv.
    valid, test = NB201Accuracy("cifar10-valid"), NB201Accuracy("cifar10-test")
    assert valid(0) == 81.98266666 and test(0) == 81.52
    assert valid(1) == 90.76933332 and test(1) == 90.51333333
    # The same architecture by string and by op tuple.
    assert valid(ROW1_STR) == valid((2, 2, 0, 4, 2, 0)) == 90.76933332
    # nb201_ImageNet16-120_valacc_9445unique.csv row 0: (4, 0, 3, 1, 4, 3)
    assert NB201Accuracy("ImageNet16-120")((4, 0, 3, 1, 4, 3)) == 32.699999857584636


@pytest.mark.parametrize(
    "dataset, column", [("cifar10-valid", "valid-accuracy"), ("cifar10-test", "test-accuracy")]
)
def test_cifar10_matches_every_row(
    all_rows: list[dict[str, str]], dataset: str, column: str
) -> None:
    oracle = NB201Accuracy(dataset)
    expected = np.array([float(row[column]) for row in all_rows])
    assert [int(row["index"]) for row in all_rows] == list(range(15625))
    np.testing.assert_array_equal(oracle(np.arange(15625)), expected)  # bit for bit
    rng = np.random.default_rng(1)
    for i in rng.choice(15625, 50, replace=False):
        row = all_rows[int(i)]
        assert oracle(row["arch_str"]) == float(row[column])
        assert oracle(index_to_arch(int(i))) == float(row[column])
        assert arch_to_str(int(i)) == row["arch_str"]


def test_imagenet_maps_all_cells_to_the_9445_rows(imagenet_rows: list[dict[str, str]]) -> None:
    oracle = NB201Accuracy("ImageNet16-120")
    assert len(imagenet_rows) == 9445
    by_net = {_net(row): float(row["val_accs"]) for row in imagenet_rows}
    # Every listed architecture returns its own row.
    nets = np.array(list(by_net))
    np.testing.assert_array_equal(oracle(nets), np.array(list(by_net.values())))
    # Every one of the 15,625 cells resolves through its isomorphism class to one row.
    values = oracle(np.arange(15625))
    assert not np.isnan(values).any()
    used = set()
    for i in range(15625):
        key = isomorphism_key(i)
        assert values[i] == by_net[key]
        used.add(key)
    assert len(used) == 9445
    assert oracle.describe()["n_data_rows"] == 9445
    assert oracle.describe()["best_accuracy"] == max(by_net.values())


def test_missing_data_raises_instead_of_inventing() -> None:
    oracle = NB201Accuracy("ImageNet16-120")
    table = oracle.accuracies.copy()
    table[7] = np.nan
    oracle._table = table  # simulate a cell the data does not cover
    assert oracle(8) == float(table[8])
    with pytest.raises(OracleError, match="no data .* index 7"):
        oracle([6, 7])


def test_single_and_batched_forms() -> None:
    oracle = NB201Accuracy()
    assert isinstance(oracle(0), float)
    assert isinstance(oracle(np.int64(0)), float)
    assert isinstance(oracle((4, 3, 3, 0, 0, 0)), float)  # a tuple of 6 ints is one architecture
    batch = oracle([0, 1, ROW1_STR, (2, 2, 0, 4, 2, 0)])
    assert isinstance(batch, np.ndarray) and batch.shape == (4,)
    np.testing.assert_array_equal(batch, [81.98266666, 90.76933332, 90.76933332, 90.76933332])
    np.testing.assert_array_equal(
        oracle(np.array([[4, 3, 3, 0, 0, 0], [2, 2, 0, 4, 2, 0]])), batch[:2]
    )
    np.testing.assert_array_equal(oracle.evaluate([0, 1]), batch[:2])
    assert oracle([]).shape == (0,)


def test_batched_lookup_is_fast() -> None:
    oracle = NB201Accuracy()
    idx = np.random.default_rng(0).integers(0, 15625, 1_000_000)
    oracle(idx[:10])
    start = time.perf_counter()
    out = oracle(idx)
    elapsed = time.perf_counter() - start
    assert out.shape == (1_000_000,)
    np.testing.assert_array_equal(out, oracle.accuracies[idx])
    assert elapsed < 1.0


@pytest.mark.parametrize(
    "bad, fragment",
    [
        (15625, "out of range"),
        ("nor_conv_3x3", "'+'-separated"),
        ((5, 0, 0, 0, 0, 0), "out of range 0..4"),
        ((1, 2, 3), "6 entries"),
        (1.5, "unsupported type"),
        ([0, 20000], "out of range"),
        (np.array([[0, 0, 0, 0, 0, 9]]), "0..4"),
    ],
)
def test_bad_architectures_raise_oracle_error(bad: object, fragment: str) -> None:
    with pytest.raises(OracleError) as info:
        NB201Accuracy()(bad)
    assert fragment in str(info.value)
    assert "skip_connect" in str(info.value) and "index 0..15624" in str(info.value)


def test_unknown_dataset() -> None:
    with pytest.raises(OracleError, match="cifar10-valid"):
        NB201Accuracy("cifar100")


def test_describe() -> None:
    for dataset, split in (
        ("cifar10-valid", "valid"),
        ("cifar10-test", "test"),
        ("ImageNet16-120", "valid"),
    ):
        info = NB201Accuracy(dataset).describe()
        assert info["kind"] == "tabular" and info["dataset"] == dataset and info["split"] == split
        assert "NAS-Bench-201" in info["source"] and "MIT" in info["licence"]
        assert info["n_architectures"] == 15625
    assert NB201Accuracy("cifar10-valid").describe()["best_accuracy"] == 91.60666665
    assert "cifar10-test" in repr(NB201Accuracy("cifar10-test"))
