"""Tests for archgym.space: typed knobs, encodings, sampling and library conversions."""

from __future__ import annotations

import ast
import math
import pickle
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archgym.space import (
    Categorical,
    DesignSpace,
    Integer,
    Knob,
    Ordinal,
    PowerOfTwo,
    SpaceError,
    knob_from_dict,
)

# ------------------------------------------------------------------------------ fixtures


def make_space() -> DesignSpace:
    return DesignSpace(
        [
            PowerOfTwo("rows", 8, 128),
            Categorical("dataflow", ["os", "ws", "is"]),
            Ordinal("sram_kib", [0.5, 1, 2, 4]),
            Integer("cores", 1, 7, step=2),
        ]
    )


@pytest.fixture
def space() -> DesignSpace:
    return make_space()


# ------------------------------------------------------------------------------ strategies

_scalars = st.one_of(
    st.text(min_size=1, max_size=4),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)


@st.composite
def knobs(draw: st.DrawFn, name: str) -> Knob:
    kind = draw(st.sampled_from(["categorical", "ordinal", "integer", "pow2"]))
    if kind == "categorical":
        return Categorical(name, draw(st.lists(_scalars, min_size=1, max_size=6, unique=True)))
    if kind == "ordinal":
        return Ordinal(name, draw(st.lists(_scalars, min_size=1, max_size=6, unique=True)))
    if kind == "integer":
        low = draw(st.integers(-50, 50))
        step = draw(st.integers(1, 5))
        n = draw(st.integers(1, 8))
        return Integer(name, low, low + step * (n - 1), step)
    a = draw(st.integers(0, 12))
    b = draw(st.integers(a, a + 6))
    return PowerOfTwo(name, 2**a, 2**b)


@st.composite
def spaces(draw: st.DrawFn) -> DesignSpace:
    n = draw(st.integers(1, 5))
    return DesignSpace([draw(knobs(f"k{i}")) for i in range(n)])


@st.composite
def space_and_batch(draw: st.DrawFn) -> tuple[DesignSpace, np.ndarray]:
    sp = draw(spaces())
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(0, 12))
    return sp, sp.sample(n, seed)


_fast = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------------------ knobs


def test_knob_choices_and_kinds() -> None:
    assert PowerOfTwo("rows", 8, 128).choices == (8, 16, 32, 64, 128)
    assert Integer("cores", 1, 7, step=2).choices == (1, 3, 5, 7)
    assert Integer("one", 3, 3).choices == (3,)
    assert Ordinal("mem", (0.5, 1, 2, 4)).choices == (0.5, 1.0, 2.0, 4.0)
    assert all(isinstance(c, float) for c in Ordinal("mem", (0.5, 1)).choices)
    assert Categorical("df", np.array(["os", "ws"])).choices == ("os", "ws")
    assert [type(c) for c in Categorical("df", np.array([1, 2])).choices] == [int, int]
    kinds = {
        Categorical("a", "xy".split()): ("categorical", False),
        Ordinal("b", [1, 2]): ("ordinal", True),
        Integer("c", 0, 3): ("integer", True),
        PowerOfTwo("d", 1, 4): ("pow2", True),
    }
    for knob, (kind, ordered) in kinds.items():
        assert (knob.kind, knob.ordered) == (kind, ordered)
        assert knob.size == len(knob.choices)
        for i, v in enumerate(knob.choices):
            assert knob.index(v) == i
            assert knob.value(i) == v


def test_knob_index_accepts_numpy_and_equal_numbers() -> None:
    k = PowerOfTwo("rows", 8, 64)
    assert k.index(np.int64(32)) == 2
    assert k.index(32.0) == 2
    assert Ordinal("mem", [0.5, 1, 2]).index(1) == 1
    with pytest.raises(SpaceError):
        k.index(True)  # a bool is not a number of rows


def test_knob_array_dtypes() -> None:
    assert PowerOfTwo("rows", 8, 64).array.dtype == np.int64
    assert Ordinal("mem", [0.5, 1]).array.dtype == np.float64
    assert Categorical("df", ["os", "ws"]).array.dtype.kind == "U"
    assert Categorical("flag", [False, True]).array.dtype == bool
    assert Categorical("mixed", ["relu", 1, None]).array.dtype == object
    assert not PowerOfTwo("rows", 8, 64).array.flags.writeable


def test_knobs_are_frozen_and_hashable() -> None:
    k = Integer("cores", 1, 4)
    with pytest.raises(AttributeError):
        k.low = 2  # type: ignore[misc]
    assert k == Integer("cores", 1, 4) and hash(k) == hash(Integer("cores", 1, 4))
    assert Categorical("a", [1, 2]) != Ordinal("a", [1, 2])


@pytest.mark.parametrize(
    ("make", "fragments"),
    [
        (lambda: PowerOfTwo("rows", 12, 64), ["rows", "low=12", "power of two", "8", "16"]),
        (lambda: PowerOfTwo("rows", 8, 100), ["rows", "high=100", "power of two"]),
        (lambda: PowerOfTwo("rows", 0, 8), ["rows", "low=0"]),
        (lambda: PowerOfTwo("rows", 64, 8), ["rows", "smaller"]),
        (lambda: PowerOfTwo("rows", 8.0, 64), ["rows", "low", "integer"]),
        (lambda: Integer("cores", 1, 8, step=2), ["cores", "multiple of step"]),
        (lambda: Integer("cores", 4, 1), ["cores", "smaller"]),
        (lambda: Integer("cores", 1, 4, step=0), ["cores", "step"]),
        (lambda: Categorical("df", []), ["df", "at least one"]),
        (lambda: Categorical("df", "osws"), ["df", "string"]),
        (lambda: Categorical("df", {"os", "ws"}), ["df", "set"]),
        (lambda: Categorical("df", ["os", "os"]), ["df", "duplicate", "'os'"]),
        (lambda: Ordinal("mem", [1, 1.0]), ["mem", "duplicate"]),
        (lambda: Ordinal("mem", [1.0, float("nan")]), ["mem", "NaN"]),
        (lambda: Categorical("df", [{"os": 1}]), ["df", "hashable"]),
        (lambda: Categorical("", ["os"]), ["name"]),
    ],
)
def test_bad_knobs(make, fragments: list[str]) -> None:
    with pytest.raises(SpaceError) as info:
        make()
    for f in fragments:
        assert f in str(info.value)


def test_knob_errors_name_knob_and_allowed_values() -> None:
    k = Categorical("dataflow", ["os", "ws", "is"])
    with pytest.raises(SpaceError, match=r"dataflow.*'xs'.*'os', 'ws', 'is'"):
        k.index("xs")
    with pytest.raises(SpaceError, match=r"dataflow.*index 3.*\[0, 2\].*'os', 'ws', 'is'"):
        k.value(3)
    with pytest.raises(SpaceError, match="dataflow"):
        k.value(-1)
    with pytest.raises(SpaceError, match=r"dataflow.*'zz' \(position 1\)"):
        k.indices(["os", "zz"])
    long = Integer("big", 0, 999)
    with pytest.raises(SpaceError, match=r"big.*1000 values"):
        long.index(5000)
    assert issubclass(SpaceError, ValueError)


def test_knob_indices_vectorised_matches_scalar() -> None:
    k = Ordinal("mem", [0.5, 1, 2, 4])
    vals = np.array([4, 0.5, 1, 2.0, 1])
    assert k.indices(vals).tolist() == [k.index(v) for v in vals]
    assert k.indices(pd.Series(vals)).tolist() == [3, 0, 1, 2, 1]
    b = Categorical("flag", [False, True])
    assert b.indices([True, 1, 0]).tolist() == [1, 1, 0] == [b.index(v) for v in (True, 1, 0)]
    with pytest.raises(SpaceError):
        PowerOfTwo("rows", 1, 4).indices(np.array([True]))


# ------------------------------------------------------------------------------ space basics


def test_space_protocol(space: DesignSpace) -> None:
    assert space.names == ["rows", "dataflow", "sram_kib", "cores"]
    assert len(space) == space.n_knobs == 4
    assert space.sizes.dtype == np.int64 and space.sizes.tolist() == [5, 3, 4, 4]
    assert space.size == 240 and isinstance(space.size, int)
    assert space["dataflow"].kind == "categorical" and space[0].name == "rows"
    assert "rows" in space and "cols" not in space and space["rows"] in space
    assert [k.name for k in space] == space.names
    assert space.position("sram_kib") == 2
    with pytest.raises(SpaceError, match=r"unknown knob 'cols'.*rows, dataflow"):
        space["cols"]
    text = repr(space)
    assert "240 designs" in text and "dataflow" in text and "'os', 'ws', 'is'" in text
    df = space.describe()
    assert list(df["name"]) == space.names and list(df["size"]) == [5, 3, 4, 4]
    assert list(df["kind"]) == ["pow2", "categorical", "ordinal", "integer"]
    assert space == make_space() and hash(space) == hash(make_space())
    assert pickle.loads(pickle.dumps(space)) == space


def test_duplicate_names_rejected() -> None:
    with pytest.raises(SpaceError, match=r"duplicate knob name 'rows'"):
        DesignSpace([PowerOfTwo("rows", 8, 16), Integer("rows", 1, 2)])
    with pytest.raises(SpaceError, match="at least one knob"):
        DesignSpace([])
    with pytest.raises(SpaceError, match="expected a Knob"):
        DesignSpace(["rows"])  # type: ignore[list-item]


@given(spaces())
@_fast
def test_size_is_product_of_sizes(sp: DesignSpace) -> None:
    assert sp.size == math.prod(int(s) for s in sp.sizes) == math.prod(k.size for k in sp)


def test_huge_space_size_is_exact() -> None:
    sp = DesignSpace([Integer(f"k{i}", 0, 9) for i in range(20)])
    assert sp.size == 10**20
    assert "100,000,000,000,000,000,000 designs" in repr(sp)
    with pytest.raises(SpaceError, match=r"2\*\*63"):
        sp.ravel(np.zeros(20, dtype=np.int64))
    with pytest.raises(SpaceError, match=r"2\*\*63"):
        next(sp.iter_batches(10))
    X = sp.sample_unique(50, seed=0)
    assert X.shape == (50, 20) and len({r.tobytes() for r in X}) == 50
    assert sp.contains(X)


def test_space_just_under_int64() -> None:
    sp = DesignSpace([PowerOfTwo("a", 1, 2**31), PowerOfTwo("b", 1, 2**30)])  # 32 * 31
    assert sp.size == 32 * 31
    big = DesignSpace([Integer(f"k{i}", 0, 127) for i in range(9)])  # 2**63 designs
    assert big.size == 2**63
    last = np.full(9, 127)
    assert big.ravel(last) == 2**63 - 1
    assert big.unravel(2**63 - 1).tolist() == last.tolist()
    assert big.unravel(np.array([0, 2**63 - 1])).tolist() == [[0] * 9, [127] * 9]
    with pytest.raises(SpaceError, match=r"2\*\*63"):
        (big + DesignSpace([Integer("z", 0, 1)])).ravel(np.zeros(10, dtype=np.int64))


def test_huge_knob_rejected() -> None:
    with pytest.raises(SpaceError, match=r"'n'.*MAX_KNOB_CHOICES"):
        Integer("n", 0, 2**31 - 1)


# ------------------------------------------------------------------------------ round trips


@given(spaces(), st.data())
@_fast
def test_dict_index_flat_round_trip(sp: DesignSpace, data: st.DataObject) -> None:
    design = {k.name: data.draw(st.sampled_from(k.choices)) for k in sp}
    x = sp.encode(design)
    assert x.dtype == np.int64 and x.shape == (sp.n_knobs,)
    assert sp.decode(x) == design
    flat = sp.ravel(x)
    assert isinstance(flat, int) and 0 <= flat < sp.size
    assert sp.unravel(flat).tolist() == x.tolist()


@given(space_and_batch())
@_fast
def test_batch_round_trips(args: tuple[DesignSpace, np.ndarray]) -> None:
    sp, X = args
    designs = sp.decode_batch(X)
    assert designs == [sp.decode(x) for x in X]
    assert np.array_equal(sp.encode_batch(designs).reshape(X.shape), X)
    frame = sp.to_frame(X)
    assert list(frame.columns) == sp.names and len(frame) == len(X)
    assert np.array_equal(sp.encode_batch(frame).reshape(X.shape), X)
    flat = sp.ravel(X)
    assert flat.dtype == np.int64 and flat.shape == (len(X),)
    assert np.array_equal(sp.unravel(flat).reshape(X.shape), X)
    for j, k in enumerate(sp):
        assert np.array_equal(sp.values(X, k.name), k.array[X[:, j]])


def test_ravel_first_knob_most_significant(space: DesignSpace) -> None:
    assert space.ravel([0, 0, 0, 1]) == 1
    assert space.ravel([0, 0, 1, 0]) == 4
    assert space.ravel([1, 0, 0, 0]) == 3 * 4 * 4
    assert space.ravel(space.sizes - 1) == space.size - 1
    with pytest.raises(SpaceError, match="out of range"):
        space.unravel(space.size)
    with pytest.raises(SpaceError, match="out of range"):
        space.unravel([-1])


def test_encode_decode_values(space: DesignSpace) -> None:
    design = {"rows": 32, "dataflow": "ws", "sram_kib": 2, "cores": 5}
    x = space.encode(design)
    assert x.tolist() == [2, 1, 2, 2]
    assert space.decode(x) == {"rows": 32, "dataflow": "ws", "sram_kib": 2.0, "cores": 5}
    assert space.encode({**design, "latency_ms": 3.0}, strict=False).tolist() == x.tolist()


def test_to_frame_dtypes(space: DesignSpace) -> None:
    frame = space.to_frame(space.sample(7, seed=1))
    assert frame["rows"].dtype == np.int64 and frame["cores"].dtype == np.int64
    assert frame["sram_kib"].dtype == np.float64
    assert pd.api.types.is_string_dtype(frame["dataflow"])
    assert set(frame["dataflow"]) <= {"os", "ws", "is"}
    one = space.to_frame([0, 0, 0, 0])
    assert one.iloc[0].to_dict() == {"rows": 8, "dataflow": "os", "sram_kib": 0.5, "cores": 1}


def test_encode_batch_from_tidy_log(space: DesignSpace) -> None:
    X = space.sample(5, seed=3)
    log = space.to_frame(X).assign(latency_ms=1.0, run_id="r0")
    with pytest.raises(SpaceError, match="unknown knob"):
        space.encode_batch(log)
    assert np.array_equal(space.encode_batch(log, strict=False), X)
    assert np.array_equal(space.encode_batch(log[space.names]), X)
    assert space.encode_batch([]).shape == (0, 4)


def test_values_is_vectorised_and_checked(space: DesignSpace) -> None:
    X = space.sample(1000, seed=0)
    rows = space.values(X, "rows")
    assert rows.dtype == np.int64 and rows.shape == (1000,)
    assert np.array_equal(rows, 8 * 2 ** X[:, 0])
    assert space.values(X[0], "dataflow") == ["os", "ws", "is"][X[0, 1]]
    bad = X.copy()
    bad[3, 1] = 3
    with pytest.raises(SpaceError, match=r"dataflow.*index 3.*\[0, 2\]"):
        space.values(bad, "dataflow")
    with pytest.raises(SpaceError, match="unknown knob"):
        space.values(X, "cols")


# ------------------------------------------------------------------------------ errors


def test_encode_errors(space: DesignSpace) -> None:
    design = {"rows": 32, "dataflow": "ws", "sram_kib": 2, "cores": 5}
    with pytest.raises(SpaceError, match=r"unknown knob 'cols'.*rows, dataflow, sram_kib, cores"):
        space.encode({**design, "cols": 8})
    with pytest.raises(
        SpaceError, match=r"missing knob 'dataflow' \(allowed values: 'os', 'ws', 'is'\)"
    ):
        space.encode({k: v for k, v in design.items() if k != "dataflow"})
    with pytest.raises(
        SpaceError, match=r"knob 'rows': unknown value 12; allowed values: 8, 16, 32, 64, 128"
    ):
        space.encode({**design, "rows": 12})
    with pytest.raises(
        SpaceError, match=r"knob 'cores': unknown value 2; allowed values: 1, 3, 5, 7"
    ):
        space.encode({**design, "cores": 2})
    with pytest.raises(
        SpaceError, match=r"design 1: knob 'dataflow': unknown value 'xs'.*'os', 'ws', 'is'"
    ):
        space.encode_batch([design, {**design, "dataflow": "xs"}])
    with pytest.raises(SpaceError, match=r"design 0: unknown knob 'cols'"):
        space.encode_batch([{**design, "cols": 8}])
    with pytest.raises(SpaceError, match="missing knob 'cores'"):
        space.encode_batch(pd.DataFrame([design]).drop(columns="cores"))


def test_validate_errors(space: DesignSpace) -> None:
    with pytest.raises(
        SpaceError,
        match=r"knob 'sram_kib' \(column 2\): index 4 out of range \[0, 3\]; allowed values: 0.5, 1.0, 2.0, 4.0",
    ):
        space.validate([0, 0, 4, 0])
    with pytest.raises(SpaceError, match=r"knob 'rows'.*index -1 \(row 1\)"):
        space.validate([[0, 0, 0, 0], [-1, 0, 0, 0]])
    with pytest.raises(SpaceError, match="shape"):
        space.validate([0, 0, 0])
    with pytest.raises(SpaceError, match="integer"):
        space.validate([0.5, 0, 0, 0])
    with pytest.raises(SpaceError, match="integer"):
        space.validate(["a", "b", "c", "d"])
    assert space.validate(np.array([1.0, 2.0, 3.0, 0.0])).dtype == np.int64
    assert space.validate(np.zeros((3, 4), dtype=np.int32)).dtype == np.int64
    assert space.contains([4, 2, 3, 3]) and not space.contains([5, 2, 3, 3])
    with pytest.raises(SpaceError, match="decode_batch"):
        space.decode(np.zeros((2, 4), dtype=int))


# ------------------------------------------------------------------------------ enumeration


def test_iter_batches_covers_every_design_once(space: DesignSpace) -> None:
    batches = list(space.iter_batches(batch_size=7))
    assert all(b.dtype == np.int64 and b.shape[1] == 4 for b in batches)
    assert [len(b) for b in batches[:-1]] == [7] * (len(batches) - 1)
    X = np.concatenate(batches)
    assert np.array_equal(space.ravel(X), np.arange(space.size))
    assert len({r.tobytes() for r in X}) == space.size
    assert X[1].tolist() == [0, 0, 0, 1]  # last knob fastest
    # slices for parallel enumeration
    part = np.concatenate(list(space.iter_batches(10, start=50, stop=95)))
    assert np.array_equal(space.ravel(part), np.arange(50, 95))
    with pytest.raises(SpaceError):
        list(space.iter_batches(0))
    with pytest.raises(SpaceError):
        list(space.iter_batches(10, start=10, stop=space.size + 1))


def test_iter_batches_with_one_choice_knobs() -> None:
    sp = DesignSpace([Integer("a", 3, 3), Categorical("b", ["x", "y"]), PowerOfTwo("c", 4, 4)])
    X = np.concatenate(list(sp.iter_batches(1)))
    assert X.tolist() == [[0, 0, 0], [0, 1, 0]]


def test_iter_batches_million_is_fast() -> None:
    sp = DesignSpace([Integer(f"k{i}", 0, 9) for i in range(6)])
    total = 0
    checksum = 0
    for b in sp.iter_batches(1 << 16):
        total += len(b)
        checksum += int(b[:, 0].sum())
    assert total == 10**6
    assert checksum == sum(range(10)) * 10**5


# ------------------------------------------------------------------------------ sampling


def test_sample_deterministic_and_in_range(space: DesignSpace) -> None:
    a = space.sample(500, seed=7)
    assert a.shape == (500, 4) and a.dtype == np.int64
    assert np.array_equal(a, space.sample(500, seed=7))
    assert not np.array_equal(a, space.sample(500, seed=8))
    assert space.contains(a)
    assert np.array_equal(space.sample(3, np.random.default_rng(1)), space.sample(3, 1))
    for j, s in enumerate(space.sizes):  # every choice shows up
        assert set(a[:, j].tolist()) == set(range(s))


def test_sample_unique(space: DesignSpace) -> None:
    X = space.sample_unique(100, seed=0)
    assert len({r.tobytes() for r in X}) == 100 and space.contains(X)
    assert np.array_equal(X, space.sample_unique(100, seed=0))
    full = space.sample_unique(space.size, seed=1)
    assert sorted(space.ravel(full).tolist()) == list(range(space.size))
    with pytest.raises(SpaceError, match="241"):
        space.sample_unique(241, seed=0)


@pytest.mark.parametrize("method", ["latin_hypercube", "sobol"])
def test_quasi_random_designs(space: DesignSpace, method: str) -> None:
    sample = getattr(space, method)
    X = sample(48, seed=3)
    assert X.shape == (48, 4) and X.dtype == np.int64 and space.contains(X)
    assert np.array_equal(X, sample(48, seed=3))
    assert not np.array_equal(X, sample(48, seed=4))
    assert sample(5, seed=0).shape == (5, 4)  # not a power of two: fine


def test_latin_hypercube_balances_marginals() -> None:
    sp = DesignSpace([Integer("a", 0, 3), Categorical("b", list("xyz")), PowerOfTwo("c", 1, 32)])
    X = sp.latin_hypercube(120, seed=0)  # 120 is a multiple of 4, 3 and 6
    for j, s in enumerate(sp.sizes):
        assert np.bincount(X[:, j], minlength=s).tolist() == [120 // s] * s


def test_neighbors(space: DesignSpace) -> None:
    x = np.array([2, 1, 0, 3])
    nb = space.neighbors(x)
    # rows: 2 neighbours; dataflow: 2 others; sram_kib at 0: 1; cores at 3 (last): 1
    assert nb.shape == (6, 4)
    assert nb.tolist() == [
        [1, 1, 0, 3],
        [3, 1, 0, 3],
        [2, 0, 0, 3],
        [2, 2, 0, 3],
        [2, 1, 1, 3],
        [2, 1, 0, 2],
    ]
    assert np.all((nb != x).sum(axis=1) == 1) and space.contains(nb)
    single = DesignSpace([Integer("a", 1, 1)])
    assert single.neighbors([0]).shape == (0, 1)


# ------------------------------------------------------------------------------ gymnasium


def test_to_gymnasium(space: DesignSpace) -> None:
    from gymnasium import spaces

    g = space.to_gymnasium(seed=0)
    assert isinstance(g, spaces.MultiDiscrete)
    assert g.nvec.tolist() == [5, 3, 4, 4] and g.start.tolist() == [0, 0, 0, 0]
    for x in space.sample(20, seed=0):
        assert g.contains(x)
    assert g.contains(space.encode({"rows": 128, "dataflow": "is", "sram_kib": 4, "cores": 7}))
    assert not g.contains(np.array([5, 0, 0, 0]))
    a = g.sample()
    assert np.array_equal(space.from_gymnasium_action(a), a)
    d = space.to_gymnasium_dict()
    assert isinstance(d, spaces.Dict) and list(d.spaces) == space.names
    assert [s.n for s in d.spaces.values()] == [5, 3, 4, 4]
    act = d.sample()
    assert space.from_gymnasium_action(act).tolist() == [int(act[n]) for n in space.names]
    with pytest.raises(SpaceError, match="rows"):
        space.from_gymnasium_action(np.array([7, 0, 0, 0]))
    with pytest.raises(SpaceError, match="missing knob 'cores'"):
        space.from_gymnasium_action({"rows": 0, "dataflow": 0, "sram_kib": 0})


# ------------------------------------------------------------------------------ botorch


def test_botorch_conversions(space: DesignSpace) -> None:
    torch = pytest.importorskip("torch")
    bounds = space.to_botorch_bounds()
    assert bounds.shape == (2, 4) and bounds.dtype == torch.double
    assert bounds[0].tolist() == [0, 0, 0, 0] and bounds[1].tolist() == [4, 2, 3, 3]
    assert space.to_botorch_bounds(dtype=torch.float32).dtype == torch.float32
    choices = space.botorch_discrete_choices()
    assert [c.tolist() for c in choices] == [list(range(s)) for s in [5, 3, 4, 4]]
    assert all(c.dtype == torch.double for c in choices)
    assert space.categorical_dims() == [1] and space.ordered_dims() == [0, 2, 3]
    assert space.botorch_cat_dims() == {1: [0.0, 1.0, 2.0]}
    assert sorted(space.botorch_discrete_dims()) == [0, 2, 3]
    grid = space.botorch_grid()
    assert grid.shape == (240, 4) and np.array_equal(
        space.from_botorch(grid), np.concatenate(list(space.iter_batches()))
    )
    X = space.sample(30, seed=0)
    assert np.array_equal(space.from_botorch(torch.as_tensor(X, dtype=torch.double) + 0.2), X)
    with pytest.raises(SpaceError, match="rows"):
        space.from_botorch(torch.tensor([[5.0, 0, 0, 0]]))


def test_normalize_round_trip(space: DesignSpace) -> None:
    X = space.sample(50, seed=2)
    U = space.normalize(X)
    assert U.dtype == np.float64 and U.min() >= 0 and U.max() <= 1
    assert np.array_equal(space.unnormalize(U), X)
    assert np.array_equal(space.normalize(space.sizes - 1), np.ones(4))
    assert space.unnormalize(np.full(4, 1.5)).tolist() == (space.sizes - 1).tolist()
    one = DesignSpace([Integer("a", 5, 5), Integer("b", 0, 2)])
    assert one.normalize([0, 2]).tolist() == [0.0, 1.0]
    assert one.unnormalize([0.7, 0.5]).tolist() == [0, 1]


# ------------------------------------------------------------------------------ pymoo


def test_pymoo_vars_and_round_trip(space: DesignSpace) -> None:
    variable = pytest.importorskip("pymoo.core.variable")
    vars_ = space.to_pymoo_vars()
    assert list(vars_) == space.names
    assert isinstance(vars_["dataflow"], variable.Choice) and list(vars_["dataflow"].options) == [
        0,
        1,
        2,
    ]
    for name in ("rows", "sram_kib", "cores"):
        assert isinstance(vars_[name], variable.Integer)
        assert tuple(vars_[name].bounds) == (0, space[name].size - 1)
    X = space.sample(10, seed=0)
    pop_x = space.to_pymoo(X)
    assert pop_x.dtype == object and pop_x[0] == dict(zip(space.names, X[0].tolist(), strict=True))
    assert np.array_equal(space.from_pymoo(pop_x), X)
    assert np.array_equal(space.from_pymoo(list(pop_x)), X)
    assert space.from_pymoo(pop_x[0]).tolist() == X[0].tolist()
    assert np.array_equal(space.from_pymoo(X.astype(float)), X)  # plain integer problem
    xl, xu = space.to_pymoo_bounds()
    assert xl.tolist() == [0] * 4 and xu.tolist() == [4, 2, 3, 3]
    with pytest.raises(SpaceError, match="missing knob 'cores'"):
        space.from_pymoo({"rows": 0, "dataflow": 0, "sram_kib": 0})
    with pytest.raises(SpaceError, match="dataflow"):
        space.from_pymoo({"rows": 0, "dataflow": 3, "sram_kib": 0, "cores": 0})


def test_pymoo_mixed_variable_ga_smoke(space: DesignSpace) -> None:
    pytest.importorskip("pymoo")
    from pymoo.core.mixed import MixedVariableGA
    from pymoo.core.problem import Problem
    from pymoo.optimize import minimize

    class Area(Problem):
        def __init__(self) -> None:
            super().__init__(vars=space.to_pymoo_vars(), n_obj=1)

        def _evaluate(self, X, out, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
            idx = space.from_pymoo(X)
            out["F"] = -(space.values(idx, "rows") * space.values(idx, "cores")).astype(float)

    res = minimize(Area(), MixedVariableGA(pop_size=10), ("n_gen", 3), seed=1, verbose=False)
    best = space.from_pymoo(res.X)
    assert best.shape == (4,) and space.contains(best)


# ------------------------------------------------------------------------------ composition


def test_fix_and_subspace(space: DesignSpace) -> None:
    fixed = space.fix(rows=32, dataflow="ws")
    assert fixed.names == space.names
    assert fixed.size == 16
    assert isinstance(fixed["rows"], PowerOfTwo) and fixed["rows"].choices == (32,)
    assert isinstance(fixed["dataflow"], Categorical) and fixed["dataflow"].choices == ("ws",)
    X = np.concatenate(list(fixed.iter_batches()))
    assert set(fixed.values(X, "rows").tolist()) == {32}
    full = fixed.translate(X, space)
    assert np.all(full[:, 0] == 2) and np.all(full[:, 1] == 1)
    assert fixed.to_frame(X).equals(space.to_frame(full))
    sub = space.subspace(rows=[8, 64, 32], dataflow="is", cores=range(1, 8, 2))
    assert sub["rows"].choices == (8, 32, 64) and isinstance(sub["rows"], Ordinal)
    assert sub["dataflow"].choices == ("is",) and sub["cores"] == space["cores"]
    assert space.fix(cores=5)["cores"] == Integer("cores", 5, 5)
    with pytest.raises(SpaceError, match=r"rows.*unknown value 12"):
        space.fix(rows=12)
    with pytest.raises(SpaceError, match=r"unknown knob 'cols'"):
        space.fix(cols=8)
    with pytest.raises(SpaceError, match=r"dataflow.*unknown value 'xs'"):
        space.subspace(dataflow=["os", "xs"])


def test_product(space: DesignSpace) -> None:
    net = DesignSpace([Categorical("block", ["dw_ibn", "fused_ibn"]), Integer("depth", 1, 3)])
    joint = space + net
    assert joint == space.product(net)
    assert joint.names == space.names + net.names
    assert joint.size == space.size * net.size
    X = joint.sample(9, seed=0)
    assert np.array_equal(joint.translate(X, space), X[:, :4])
    assert np.array_equal(joint.translate(X, net), X[:, 4:])
    with pytest.raises(SpaceError, match=r"'rows' is in both spaces"):
        space + DesignSpace([Integer("rows", 1, 2)])
    with pytest.raises(SpaceError, match="not in this space"):
        space.translate(space.sample(2, 0), joint)


# ------------------------------------------------------------------------------ documents


def test_to_dict_from_dict(space: DesignSpace) -> None:
    doc = space.to_dict()
    assert doc["knobs"][0] == {"name": "rows", "type": "pow2", "low": 8, "high": 128}
    assert doc["knobs"][1] == {
        "name": "dataflow",
        "type": "categorical",
        "choices": ["os", "ws", "is"],
    }
    assert doc["knobs"][3] == {"name": "cores", "type": "integer", "low": 1, "high": 7, "step": 2}
    assert DesignSpace.from_dict(doc) == space
    assert DesignSpace.from_dict(doc["knobs"]) == space
    assert knob_from_dict({"name": "n", "type": "int", "low": 0, "high": 2}) == Integer("n", 0, 2)


def test_yaml_round_trip(space: DesignSpace, tmp_path) -> None:  # noqa: ANN001
    text = space.to_yaml(tmp_path / "space.yaml")
    assert DesignSpace.from_yaml(text) == space
    assert DesignSpace.from_yaml(tmp_path / "space.yaml") == space
    assert DesignSpace.from_yaml(str(tmp_path / "space.yaml")) == space
    doc = """
knobs:
  - {name: rows, type: pow2, low: 8, high: 128}
  - {name: dataflow, type: categorical, choices: [os, ws, is]}
"""
    assert DesignSpace.from_yaml(doc).size == 15


@pytest.mark.parametrize(
    ("doc", "fragments"),
    [
        ({}, ["missing field 'knobs'"]),
        ({"knobs": [], "extra": 1}, ["unknown field 'extra'"]),
        ({"knobs": "rows"}, ["'knobs' must be a list"]),
        ({"knobs": [{"type": "pow2", "low": 8, "high": 16}]}, ["knobs[0]", "missing field 'name'"]),
        ({"knobs": [{"name": "rows", "low": 8}]}, ["knobs[0] ('rows')", "missing field 'type'"]),
        (
            {"knobs": [{"name": "rows", "type": "float"}]},
            ["'rows'", "field 'type'", "'float'", "pow2"],
        ),
        (
            {"knobs": [{"name": "rows", "type": "pow2", "low": 8}]},
            ["'rows'", "missing field 'high'"],
        ),
        (
            {"knobs": [{"name": "df", "type": "categorical", "chioces": ["os"]}]},
            ["'df'", "missing field 'choices'"],
        ),
        (
            {"knobs": [{"name": "df", "type": "categorical", "choices": ["os"], "step": 2}]},
            ["'df'", "unknown field 'step'"],
        ),
        (
            {"knobs": [{"name": "rows", "type": "pow2", "low": 12, "high": 64}]},
            ["knobs[0]", "rows", "low=12"],
        ),
        ({"knobs": ["rows"]}, ["knobs[0]", "mapping"]),
        (
            {"knobs": [{"name": "a", "type": "integer", "low": 0, "high": 1}] * 2},
            ["duplicate knob name 'a'"],
        ),
    ],
)
def test_bad_documents(doc, fragments: list[str]) -> None:  # noqa: ANN001
    with pytest.raises(SpaceError) as info:
        DesignSpace.from_dict(doc)
    for f in fragments:
        assert f in str(info.value)


def test_bad_yaml() -> None:
    with pytest.raises(SpaceError, match="invalid YAML"):
        DesignSpace.from_yaml("knobs: [\n  {name: a")


# ------------------------------------------------------------------------------ import cost


def test_module_imports_only_numpy_and_pandas() -> None:
    """Library conversions import lazily: no module-level torch, gymnasium, pymoo, ..."""
    import archgym.space

    roots: set[str] = set()
    files = sorted(Path(archgym.space.__file__).parent.glob("*.py"))
    assert len(files) > 1  # the package's modules, not just its __init__
    for path in files:
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only; ``if TYPE_CHECKING:`` blocks are skipped
            if isinstance(node, ast.Import):
                roots |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots.add(node.module.split(".")[0])
    third_party = roots - set(sys.stdlib_module_names) - {"__future__"}
    assert third_party == {"numpy", "pandas"}


def test_tuple_choices_survive_documents() -> None:
    kernel = Categorical("kernel", [(3, 3), (5, 5), [1, 7]])
    assert kernel.choices == ((3, 3), (5, 5), (1, 7)) and kernel.array.dtype == object
    assert kernel.index([5, 5]) == 1 and kernel.indices([(1, 7), (3, 3)]).tolist() == [2, 0]
    sp = DesignSpace([kernel, Integer("a", 0, 2)])
    X = sp.sample(6, seed=0)
    assert np.array_equal(sp.encode_batch(sp.decode_batch(X)), X)
    assert np.array_equal(sp.encode_batch(sp.to_frame(X)), X)
    assert DesignSpace.from_yaml(sp.to_yaml()) == sp
    assert sp.fix(kernel=(5, 5))["kernel"].choices == ((5, 5),)
    assert sp.subspace(kernel=[(5, 5), (3, 3)])["kernel"].choices == ((3, 3), (5, 5))
