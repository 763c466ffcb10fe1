"""The Accel-NASBench space: lowering, the benchmark's MAC / parameter counts, the knobs."""

from __future__ import annotations

import numpy as np
import pytest

from archgym.workloads import Conv2d, Elementwise, Gemm, Workload, WorkloadError, accel_nasbench
from archgym.workloads.accel_nasbench import (
    ACCEL_NASBENCH_KNOBS,
    ARCH_COLUMNS,
    EFFICIENTNET_B0,
    accel_nasbench_design_space,
    arch_matrix,
    load_accel_nasbench,
    reported_macs,
    reported_params,
    validate_arch,
)


@pytest.fixture(scope="module")
def anb():
    return load_accel_nasbench()


def test_shipped_table(anb) -> None:
    assert len(anb) == 4368
    assert set(ARCH_COLUMNS) <= set(anb.columns)
    assert {"val_top1", "macs_m", "params_m", "throughput_tpuv2_mean"} <= set(anb.columns)


def test_every_row_matches_the_benchmark_mac_and_param_counts(anb) -> None:
    """The benchmark's macs_m / params_m (thop on the authors' model) for all 4,368 rows."""
    rows = anb[list(ARCH_COLUMNS)].to_dict("records")
    wls = [accel_nasbench(r) for r in rows]
    macs = np.array([reported_macs(w) for w in wls]) / 1e6
    params = np.array([reported_params(w) for w in wls]) / 1e6
    np.testing.assert_allclose(macs, anb["macs_m"].to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(params, anb["params_m"].to_numpy(), rtol=1e-6)
    # the pure MACs of the MAC layers are what is left without the batch norms and pools
    pure = np.array([w.macs for w in wls]) / 1e6
    assert np.all(pure < macs) and np.all(pure > 0.85 * macs)


def test_efficientnet_b0_matches_an_independent_torch_count(torch_nets) -> None:
    """EfficientNet-B0 (SiLU) against hooks on a hand-written PyTorch model."""
    wl = accel_nasbench(EFFICIENTNET_B0, activation="silu")
    macs, params = torch_nets.count(torch_nets.on_meta(torch_nets.EfficientNetB0), (1, 3, 224, 224))
    assert wl.macs == macs
    # the reference model's convolutions have no bias (BN not counted); ours carry the folded BN
    conv_out = sum(layer.out_channels for layer in wl.layers if isinstance(layer, Conv2d))
    se_free = wl.params - conv_out
    assert se_free == params


def test_structure_follows_the_authors_conventions() -> None:
    arch = dict(EFFICIENTNET_B0)
    arch.update(block0_e=1, block1_e=4, block1_se=1, block1_l=2)
    wl = accel_nasbench(arch)
    names = [layer.name for layer in wl.layers]
    assert "b0l0_expand" not in names  # e = 1: no expansion convolution
    assert "b1l0_expand" in names
    fc1 = wl["b1l0_se_fc1"]
    assert isinstance(fc1, Gemm) and fc1.n == 16 // 4  # squeeze = block input // 4
    assert wl["b1l1_se_fc1"].n == 24 // 4  # later layers: the stage's width is the input
    assert wl["b1l0_dw"].stride == (2, 2) and wl["b1l1_dw"].stride == (1, 1)
    assert "b1l0_add" not in names and isinstance(wl["b1l1_add"], Elementwise)
    assert wl["b1l1_add"].inputs == ("b1l0_project", "b1l1_project")
    assert wl["head"].out_channels == 1280 and wl["classifier"].n == 1000
    assert wl["head"].input_size == (7, 7)


def test_se_off_removes_the_branch() -> None:
    arch = dict(EFFICIENTNET_B0)
    for i in range(7):
        arch[f"block{i}_se"] = 0
    names = [layer.name for layer in accel_nasbench(arch).layers]
    assert not any("_se_" in n for n in names)


def test_bad_architectures_name_the_column() -> None:
    arch = dict(EFFICIENTNET_B0)
    arch["block2_e"] = 5
    with pytest.raises(WorkloadError, match=r"block2_e=5 .*allowed values: 1, 4, 6"):
        accel_nasbench(arch)
    arch = dict(EFFICIENTNET_B0)
    arch["block6_l"] = 4  # only stage 5 may have 4 layers
    with pytest.raises(WorkloadError, match="block6_l"):
        accel_nasbench(arch)
    arch = dict(EFFICIENTNET_B0)
    del arch["block3_k"]
    with pytest.raises(WorkloadError, match="block3_k"):
        accel_nasbench(arch)
    with pytest.raises(WorkloadError, match="mapping"):
        accel_nasbench([1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(WorkloadError, match="input_size"):
        accel_nasbench(EFFICIENTNET_B0, input_size=16)


def test_validate_accepts_numpy_bool_and_extra_columns(anb) -> None:
    row = anb.iloc[0]
    a = validate_arch(row)  # a pandas Series with id, val_top1, ... as well
    assert list(a) == list(ARCH_COLUMNS) and all(type(v) is int for v in a.values())
    arch = dict(EFFICIENTNET_B0)
    arch["block0_se"] = True
    arch["block1_k"] = np.int64(5)
    assert validate_arch(arch)["block0_se"] == 1 and validate_arch(arch)["block1_k"] == 5


def test_arch_matrix_from_frame_and_dicts(anb) -> None:
    X = arch_matrix(anb.head(5))
    assert X.shape == (5, 28) and X.dtype == np.int64
    Y = arch_matrix(anb.head(5)[list(ARCH_COLUMNS)].to_dict("records"))
    np.testing.assert_array_equal(X, Y)
    bad = anb.head(3).copy()
    bad.loc[bad.index[1], "block4_k"] = 7
    with pytest.raises(WorkloadError, match=r"row 1: block4_k=7"):
        arch_matrix(bad)
    with pytest.raises(WorkloadError, match="missing columns"):
        arch_matrix(anb.head(2).drop(columns=["block0_e"]))


def test_design_space_knobs_are_the_data_columns() -> None:
    space = accel_nasbench_design_space()
    assert space.names == list(ARCH_COLUMNS)
    assert space.size == (3 * 2 * 3 * 2) ** 6 * (3 * 2 * 4 * 2)
    assert len(ACCEL_NASBENCH_KNOBS) == 28
    d = space.decode(space.unravel(np.array([0]))[0])
    wl = accel_nasbench(d)
    assert isinstance(wl, Workload) and wl.meta["arch"] == d


def test_input_size_and_batch() -> None:
    small = accel_nasbench(EFFICIENTNET_B0, input_size=192)
    assert small["head"].input_size == (6, 6)
    b8 = accel_nasbench(EFFICIENTNET_B0, batch=8)
    b1 = accel_nasbench(EFFICIENTNET_B0)
    assert b8.batch == 8 and b8.macs == 8 * b1.macs and b8.params == b1.params
    assert reported_macs(b8) == reported_macs(b1)  # per image, as the benchmark reports
