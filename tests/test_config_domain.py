"""The whole input domain of an accelerator design, fuzzed with hypothesis: every input is
either refused with a ``ConfigError`` naming a field, or evaluated to finite,
non-negative metrics with a utilisation of at most 1 (single configurations and batches
follow one validation path, so they agree)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from archgym.accelerator import FIELD_SPECS, AcceleratorConfig, ConfigBatch, ConfigError
from archgym.costmodel import simulate_batch
from archgym.workloads import Workload
from archgym.workloads.layers import Conv2d, Elementwise, Gemm, MatMul, Pool, Softmax

FIELDS = [s.name for s in FIELD_SPECS]

#: One layer of each kind the cost model folds differently.
NET = Workload(
    [
        Conv2d(3, 16, 3, 2, 1, input_size=32, name="conv", activation="relu"),
        Conv2d(16, 16, 3, 1, 1, groups=16, input_size=16, name="dw"),
        Conv2d(16, 32, 1, input_size=16, name="pw"),
        Pool(32, 16, input_size=16, name="pool"),
        Gemm(1, 10, 32, name="fc"),
        MatMul(4, 8, 8, 16, name="mm", inputs=["fc"]),
        Softmax(32, 8, name="sm"),
        Elementwise(256, name="add", inputs=["sm", "mm"]),
    ],
    name="fuzz",
)


def _any_value() -> st.SearchStrategy:
    """Anything a user, a YAML file or numpy could hand over for one field."""
    spec_values = []
    for s in FIELD_SPECS:
        if s.kind in ("int", "float"):
            spec_values.append(st.integers(int(max(s.lo, 1)), int(s.hi)))
            spec_values.append(st.floats(max(s.lo, 1e-3), s.hi))
        elif s.kind == "choice":
            spec_values.append(st.sampled_from(s.choices))
    return st.one_of(
        *spec_values,
        st.integers(-(2**70), 2**70),
        st.integers(0, 2**64 - 1),
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(min_value=1e-30, max_value=1e30),
        st.booleans(),
        st.none(),
        st.text(max_size=5),
        st.sampled_from(["os", "ws", "is", "int8", "fp32", "bf16", "1", "nan", ""]),
        st.just(45.0),
        st.lists(st.integers(1, 64), min_size=1, max_size=2),
    )


def _check_report(rep) -> None:
    for key in ("latency_ms", "energy_mj", "area_mm2", "utilization"):
        v = np.asarray(rep[key], dtype=float)
        assert np.all(np.isfinite(v)) and np.all(v >= 0), (key, v)
    assert np.all(np.asarray(rep["utilization"]) <= 1.0 + 1e-12)


def _names_a_field(exc: ConfigError) -> bool:
    return any(f in str(exc) for f in FIELDS)


@seed(20251203)
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(st.dictionaries(st.sampled_from(FIELDS), _any_value(), max_size=4))
def test_a_config_is_refused_by_field_or_evaluates_sanely(changes) -> None:
    try:
        cfg = AcceleratorConfig.preset("edgetpu", **changes)
    except ConfigError as exc:
        assert _names_a_field(exc), str(exc)
        batch_err = None
        try:  # the batch path says the same (it is the same path)
            ConfigBatch.from_arrays(
                **{k: [v] if np.ndim(v) == 0 else v for k, v in changes.items()}
            )
        except ConfigError as e:
            batch_err = e
        # a batch also takes the integer codes of string choices and flag bitmasks
        codes = {
            s.name
            for s in FIELD_SPECS
            if s.kind == "flags" or (s.kind == "choice" and isinstance(s.choices[0], str))
        }
        if all(
            np.ndim(v) == 0 and not (k in codes and isinstance(v, int)) for k, v in changes.items()
        ):
            assert batch_err is not None, (changes, str(exc))
        return
    for k, v in changes.items():  # accepted: nothing was coerced
        got = getattr(cfg, k)
        if isinstance(v, float) and math.isfinite(v):
            assert got == v, (k, v, got)
        elif isinstance(v, int) and not isinstance(v, bool):
            assert got == v, (k, v, got)
    _check_report(simulate_batch(cfg, NET))


@seed(7)
@settings(max_examples=60, deadline=None, database=None)
@given(
    st.dictionaries(
        st.sampled_from(FIELDS),
        st.lists(_any_value(), min_size=1, max_size=3),
        max_size=3,
    )
)
def test_a_batch_is_refused_by_field_or_evaluates_sanely(arrays) -> None:
    n = {len(v) for v in arrays.values()}
    if len(n) > 1:
        arrays = {k: v[:1] for k, v in arrays.items()}
    try:
        batch = ConfigBatch.from_arrays(**arrays)
    except ConfigError as exc:
        assert _names_a_field(exc) or "broadcast" in str(exc), str(exc)
        return
    for i in range(len(batch)):  # every accepted design is a valid single config too
        assert isinstance(batch[i], AcceleratorConfig)
    _check_report(simulate_batch(batch, NET))


def test_extremes_inside_the_bounds_stay_finite() -> None:
    hi = {s.name: s.hi for s in FIELD_SPECS if s.kind in ("int", "float")}
    for rows, cols, cores, lanes in [
        (1, 1, 1, 1),
        (1 << 16, 1 << 16, 1, 1),
        (1 << 16, 1, 1 << 10, 1 << 10),
    ]:
        for bw, f in [(1e-3, 1.0), (hi["bandwidth_gbps"], hi["freq_mhz"])]:
            try:
                cfg = AcceleratorConfig(
                    rows=rows,
                    cols=cols,
                    cores=cores,
                    lanes=lanes,
                    pe_mem_kib=64.0,
                    core_mem_kib=float(1 << 28),
                    bandwidth_gbps=bw,
                    freq_mhz=f,
                )
            except ConfigError as exc:
                assert _names_a_field(exc)
                continue
            _check_report(simulate_batch(cfg, NET))


@pytest.mark.parametrize(
    ("arrays", "match"),
    [
        ({"rows": [32.7]}, r"rows must be an integer .*float64"),
        ({"dataflow": [256]}, r"dataflow must be one of .*code 256"),
        ({"dtype": [-253]}, r"dtype must be one of .*code -253"),
        ({"lanes": [2**62]}, r"lanes must be an integer in 1..1024"),
        ({"freq_mhz": [float("nan")]}, r"freq_mhz must be a finite number"),
        ({"rows": [10**30]}, r"rows must be an integer in 1..65536; design 0"),
        ({"node_nm": [46]}, r"node_nm must be one of"),
    ],
)
def test_batches_refuse_what_was_coerced_before(arrays, match) -> None:
    with pytest.raises(ConfigError, match=match):
        ConfigBatch.from_arrays(**arrays)
