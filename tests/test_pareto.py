"""archgym.pareto: the one Pareto filter and hypervolume (old names still point at it)."""

from __future__ import annotations

import numpy as np
import pytest

from archgym import analysis, pareto
from archgym.scenarios import enumeration


def test_old_names_are_the_one_implementation():
    assert enumeration.pareto_mask is pareto.pareto_mask is analysis.pareto_mask
    assert analysis.hypervolume is pareto.hypervolume
    assert enumeration.hypervolume is pareto.hypervolume_slicing


def test_nan_rows_are_never_optimal_and_ties_keep_the_smallest_tiebreak():
    Y = np.array([[1.0, np.nan], [1.0, 1.0], [0.0, 2.0], [1.0, 1.0], [0.5, 0.5]])
    assert pareto.pareto_mask(Y).tolist() == [False, True, True, False, False]
    assert pareto.pareto_mask(Y, tiebreak=[0, 9, 0, 3, 0]).tolist() == [
        False, False, True, True, False
    ]  # fmt: skip
    assert pareto.pareto_mask(np.array([3.0, 1.0, 3.0])).tolist() == [True, False, False]


@pytest.mark.parametrize("k", [2, 3, 4])
def test_slicing_and_pymoo_agree(k):
    pytest.importorskip("pymoo")
    rng = np.random.default_rng(k)
    Y = rng.random((60, k))
    ref = np.full(k, 0.1)
    exact = pareto.hypervolume(Y, ref, method="slicing")
    assert pareto.hypervolume(Y, ref, method="pymoo") == pytest.approx(exact, rel=1e-12)
    assert pareto.hypervolume_slicing(Y, ref) == pytest.approx(exact, rel=1e-12)


def test_hypervolume_by_hand_and_bad_input():
    cube = np.array([[2.0, 1.0, 1.0], [1.0, 2.0, 1.0]])
    assert pareto.hypervolume(cube, np.zeros(3), method="slicing") == pytest.approx(3.0)
    assert pareto.hypervolume([[np.nan, 5.0], [1.0, 1.0]], [0, 0]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="ref_point has 3"):
        pareto.hypervolume([[1.0, 2.0]], [0, 0, 0])
    with pytest.raises(ValueError, match="method"):
        pareto.hypervolume([[1.0, 2.0]], [0, 0], method="wfg")  # type: ignore[arg-type]
