"""NAS-Bench-201 space: encodings, isomorphism, lowering and the HW-NAS-Bench loader."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
from importlib.resources import files

import numpy as np
import pytest

from archgym.workloads import Conv2d, Elementwise, Pool, WorkloadError
from archgym.workloads.nb201 import (
    NB201_DATASETS,
    NB201_NUM_ARCHS,
    NB201_NUM_UNIQUE,
    NB201_OPS,
    arch_to_index,
    arch_to_str,
    archs_to_indices,
    index_to_arch,
    isomorphism_key,
    live_edges,
    load_hwnasbench,
    nb201,
    parse_arch,
    unique_arch_index,
    unique_index_map,
)

ALL_CONV3 = (2, 2, 2, 2, 2, 2)
ALL_CONV1 = (3, 3, 3, 3, 3, 3)
ALL_NONE = (1, 1, 1, 1, 1, 1)
ALL_SKIP = (0, 0, 0, 0, 0, 0)
ROW0_STR = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"
ROW1_STR = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"

# C*H*W*C is 16*16*32*32 = 32*32*16*16 = 64*64*8*8 = 262,144 in every CIFAR stage, so a
# cell's MACs are 262,144 * (9 * live conv3x3 + live conv1x1) in each of its 15 copies.
STAGE_CCHW = 262_144
# The fixed skeleton on CIFAR-10 (MACs):
#   stem 3x3 conv 3->16 at 32x32:             3*16*9*32*32  =   442,368
#   reduction 1 (16->32, 32x32 -> 16x16):
#     conv_a 3x3 s2 16->32, 16x16 out:        16*32*9*16*16 = 1,179,648
#     conv_b 3x3 32->32, 16x16:               32*32*9*16*16 = 2,359,296
#     shortcut 1x1 16->32 after 2x2 avgpool:  16*32*16*16   =   131,072
#   reduction 2 (32->64, 16x16 -> 8x8):       same three    = 3,670,016
#   classifier 64 -> 10:                      64*10         =       640
SKELETON_MACS = 442_368 + 2 * (1_179_648 + 2_359_296 + 131_072) + 640
SKELETON_LAYERS = 1 + 5 + 5 + 3  # stem, 2 reduction blocks, relu + pool + classifier


def _read_csv_gz(folder: str, name: str) -> list[dict[str, str]]:
    raw = files("archgym.data").joinpath(folder, name).read_bytes()
    return list(csv.DictReader(io.StringIO(gzip.decompress(raw).decode())))


def _live_by_paths(ops: tuple[int, ...]) -> set[int]:
    """Edges on some none-free path 0 -> 3, by enumerating the 4 possible paths."""
    edge = {(0, 1): 0, (0, 2): 1, (0, 3): 2, (1, 2): 3, (1, 3): 4, (2, 3): 5}
    live: set[int] = set()
    for path in ((0, 3), (0, 1, 3), (0, 2, 3), (0, 1, 2, 3)):
        ks = [edge[e] for e in itertools.pairwise(path)]
        if all(ops[k] != 1 for k in ks):
            live.update(ks)
    return live


def _expected_macs(ops: tuple[int, ...]) -> int:
    live = _live_by_paths(ops)
    n3 = sum(1 for k in live if ops[k] == 2)
    n1 = sum(1 for k in live if ops[k] == 3)
    return SKELETON_MACS + 15 * STAGE_CCHW * (9 * n3 + n1)


# --------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------


def test_ops_encoding() -> None:
    assert NB201_OPS == ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")


def test_first_rows_match_the_data_files() -> None:
    assert index_to_arch(0) == (4, 3, 3, 0, 0, 0)  # hw_cifar10.csv row 0
    assert index_to_arch(1) == (2, 2, 0, 4, 2, 0)
    assert arch_to_str(0) == ROW0_STR
    assert arch_to_str(1) == ROW1_STR
    assert arch_to_index(ROW1_STR) == 1
    assert arch_to_index("(2, 2, 0, 4, 2, 0)") == 1
    assert (
        parse_arch(ROW1_STR)
        == parse_arch([2, 2, 0, 4, 2, 0])
        == parse_arch(np.array([2, 2, 0, 4, 2, 0]))
    )


def test_round_trips_all_15625() -> None:
    rows = _read_csv_gz("nb201", "nb201_cifar10valid_all15625_NAS-Landscapes.csv.gz")
    hw = _read_csv_gz("hwnasbench", "hw_cifar10.csv.gz")
    assert len(rows) == len(hw) == NB201_NUM_ARCHS
    seen = set()
    for i in range(NB201_NUM_ARCHS):
        ops = index_to_arch(i)
        s = arch_to_str(i)
        assert s == rows[i]["arch_str"]
        assert str(ops) == hw[i]["net"]  # the two data sets line up one for one
        assert parse_arch(s) == ops
        assert arch_to_index(s) == arch_to_index(ops) == arch_to_index(list(ops)) == i
        seen.add(ops)
    assert len(seen) == NB201_NUM_ARCHS  # a bijection onto the 5**6 op tuples
    idx = np.arange(NB201_NUM_ARCHS)
    assert np.array_equal(archs_to_indices(idx), idx)
    assert np.array_equal(archs_to_indices(np.array([index_to_arch(i) for i in idx])), idx)


def test_string_parsing_accepts_any_edge_order_within_a_node() -> None:
    swapped = ROW1_STR.replace("|nor_conv_3x3~0|avg_pool_3x3~1|", "|avg_pool_3x3~1|nor_conv_3x3~0|")
    assert swapped != ROW1_STR
    assert arch_to_index(swapped) == 1


@pytest.mark.parametrize(
    "bad, fragment",
    [
        (15625, "out of range"),
        (-1, "out of range"),
        (True, "bool"),
        (1.5, "unsupported type"),
        (None, "unsupported type"),
        ((2, 2, 2, 2, 2), "6 entries"),
        ((2, 2, 2, 2, 2, 5), "out of range 0..4"),
        ((2, 2, 2, 2, 2, 2.0), "integers"),
        ("|nor_conv_3x3~0|+|nor_conv_3x3~0|", "3 '+'-separated"),
        ("|conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|none~1|none~2|", "unknown op 'conv_3x3'"),
        ("|none~0|+|none~0|+|none~0|none~1|none~2|", "exactly 2"),
        ("|none~0|+|none~0|none~0|+|none~0|none~1|none~2|", "given twice"),
        ("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", "node < 1"),
        ("(1, 2, x)", "comma-separated"),
    ],
)
def test_bad_architectures_raise_clear_errors(bad: object, fragment: str) -> None:
    with pytest.raises(WorkloadError) as info:
        parse_arch(bad)
    msg = str(info.value)
    assert fragment in msg
    # The message names the accepted forms and the op names.
    for word in ("index 0..15624", "NB201 string", "0 skip_connect", "1 none", "4 avg_pool_3x3"):
        assert word in msg


def test_index_to_arch_rejects_non_integers() -> None:
    with pytest.raises(WorkloadError):
        index_to_arch("0")  # type: ignore[arg-type]


def test_batch_conversion_errors() -> None:
    with pytest.raises(WorkloadError, match="out of range"):
        archs_to_indices(np.array([0, 15625]))
    with pytest.raises(WorkloadError, match="0..4"):
        archs_to_indices(np.array([[0, 0, 0, 0, 0, 7]]))
    with pytest.raises(WorkloadError, match="batch"):
        archs_to_indices("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    assert archs_to_indices([0, ROW1_STR, (2, 2, 0, 4, 2, 0)]).tolist() == [0, 1, 1]


# --------------------------------------------------------------------------------------
# Isomorphism
# --------------------------------------------------------------------------------------


def test_isomorphism_reproduces_the_9445_unique_architectures() -> None:
    keys = {isomorphism_key(i) for i in range(NB201_NUM_ARCHS)}
    assert len(keys) == NB201_NUM_UNIQUE == 9445
    for name in (
        "nb201_cifar10valid_valacc_9445unique.csv.gz",
        "nb201_ImageNet16-120_valacc_9445unique.csv.gz",
    ):
        nets = {
            tuple(int(v) for v in row["net"].strip("()").split(","))
            for row in _read_csv_gz("nb201", name)
        }
        assert nets == keys  # every class holds exactly one row: its pruned form
    reps = unique_index_map()
    assert len(np.unique(reps)) == NB201_NUM_UNIQUE
    assert all(reps[r] == r for r in np.unique(reps))  # representatives map to themselves


def test_isomorphism_key_by_path_enumeration() -> None:
    for ops in itertools.islice(itertools.product(range(5), repeat=6), 0, None, 7):
        live = _live_by_paths(ops)
        assert live_edges(ops) == tuple(k in live for k in range(6))
        assert isomorphism_key(ops) == tuple(ops[k] if k in live else 1 for k in range(6))


def test_known_isomorphic_pairs() -> None:
    # zc_combine's README: the conv on edge 2->3 gets no input when 0->2 and 1->2 are none.
    assert (
        isomorphism_key((2, 1, 0, 1, 0, 2))
        == isomorphism_key((2, 1, 0, 1, 0, 1))
        == (2, 1, 0, 1, 0, 1)
    )
    # A conv into node 1 is dead when nothing leaves node 1.
    assert isomorphism_key((2, 1, 1, 1, 1, 1)) == ALL_NONE
    assert isomorphism_key(ALL_CONV3) == ALL_CONV3
    assert unique_arch_index((2, 1, 0, 1, 0, 2)) == arch_to_index((2, 1, 0, 1, 0, 1))


# --------------------------------------------------------------------------------------
# Lowering
# --------------------------------------------------------------------------------------


def test_all_none_cell() -> None:
    w = nb201(ALL_NONE)
    assert len(w) == SKELETON_LAYERS == 14
    assert w.macs == SKELETON_MACS == 7_783_040
    # Every cell is identically zero: the graph skips them and stays valid.
    assert w["r1_conv_a"].inputs == ("stem_conv",)
    assert w["r1_pool"].inputs == ("stem_conv",)
    assert w["r2_conv_a"].inputs == ("r1_add",)
    assert w["lastact_relu"].inputs == ("r2_add",)
    # Dead edges are pruned: a conv feeding only a dead node costs nothing.
    assert nb201((2, 1, 1, 1, 1, 1)).macs == SKELETON_MACS


def test_all_conv1x1_cell() -> None:
    w = nb201(ALL_CONV1)
    # 6 1x1 convs per cell, each C*C*H*W = 262,144 MACs, 15 cells.
    assert w.macs == SKELETON_MACS + 15 * 6 * STAGE_CCHW == 31_376_000
    # 6 convs + adds at node 2 (2 inputs) and node 3 (3 inputs) per cell.
    assert len(w) == SKELETON_LAYERS + 15 * 8 == 134
    assert w["s1_c0_n3_add"].n_inputs == 3
    assert w["s3_c4_e23_conv1x1"].kernel_size == (1, 1)


def test_one_conv_cell() -> None:
    w = nb201((1, 1, 2, 1, 1, 1))  # only 0->3 nor_conv_3x3
    assert w.macs == SKELETON_MACS + 15 * 9 * STAGE_CCHW == 43_172_480
    assert len(w) == SKELETON_LAYERS + 15
    conv = w["s2_c3_e03_conv3x3"]
    assert isinstance(conv, Conv2d)
    assert conv.in_channels == conv.out_channels == 32 and conv.input_size == (16, 16)
    assert conv.padding == (1, 1) and conv.activation == "relu" and not conv.bias
    assert conv.inputs == ("s2_c2_e03_conv3x3",)


def test_largest_cell_matches_nas_bench_201_counts() -> None:
    w = nb201(ALL_CONV3)
    assert w.macs == SKELETON_MACS + 15 * 6 * 9 * STAGE_CCHW == 220_119_680
    # NAS-Bench-201 counts FLOPs as conv/linear MACs plus the classifier's 10 bias adds:
    # 220.11969 "MFLOPs" for this cell.
    assert w.macs + 10 == 220_119_690
    # Its parameter count adds BN scale/shift (2 per channel) to the weights w.params
    # holds (BN is folded here): 1,531,546, NB201's "1.53 MB".
    assert w.params == 1_524_282
    assert w.params + _bn_params(w) == 1_531_546


def _bn_params(w) -> int:
    """BN parameters NAS-Bench-201 counts: one BN after every conv except the 1x1 shortcut
    convs, plus the final BN (64 channels)."""
    convs = [
        layer for layer in w if isinstance(layer, Conv2d) and not layer.name.endswith("_shortcut")
    ]
    return 2 * sum(c.out_channels for c in convs) + 2 * 64


def test_published_nas_bench_201_flops_and_params() -> None:
    # NATS-Bench issue #24 (D-X-Y/NATS-Bench): arch index 0 has 15.64737 MFLOPs on
    # cifar10-valid, 15.65322 on cifar100 and 3.91948 on ImageNet16-120 (conv + linear
    # MACs + classifier bias; every edge of this cell is live).
    for dataset, flops in (
        ("cifar10", 15_647_370),
        ("cifar100", 15_653_220),
        ("ImageNet16-120", 3_919_480),
    ):
        w = nb201(0, dataset)
        assert w.macs + NB201_DATASETS[dataset][0] == flops
    # NATS-Bench issue #36: this cell has 113.95137 MFLOPs and 0.802426 M params (CIFAR-10).
    w = nb201(
        "|skip_connect~0|+|none~0|nor_conv_3x3~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    )
    assert w.macs + 10 == 113_951_370
    assert w.params + _bn_params(w) == 802_426


def test_skip_and_none_cost_nothing_but_adds() -> None:
    w = nb201(ALL_SKIP)
    assert w.macs == SKELETON_MACS
    cell = [layer for layer in w if layer.name[:1] == "s" and layer.name[2:4] == "_c"]
    assert len(cell) == 15 * 2 and all(isinstance(layer, Elementwise) for layer in cell)
    # node 2 = x + x, node 3 = x + x + node 2
    assert w["s1_c0_n2_add"].inputs == ("stem_conv", "stem_conv")
    assert w["s1_c0_n3_add"].inputs == ("stem_conv", "stem_conv", "s1_c0_n2_add")
    assert w["s1_c0_n3_add"].vector_ops == 2 * 16 * 32 * 32
    # Replacing a conv by skip removes exactly that conv (15 copies), nothing else.
    with_conv, with_skip = nb201(ALL_CONV3), nb201((2, 2, 2, 0, 2, 2))
    assert with_conv.macs - with_skip.macs == 15 * 9 * STAGE_CCHW
    assert len(with_conv) - len(with_skip) == 15


def test_graph_of_row_1() -> None:
    w = nb201(
        1
    )  # |nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|
    assert (
        w.meta["arch_index"] == 1
        and w.meta["arch_str"] == ROW1_STR
        and w.meta["dataset"] == "cifar10"
    )
    assert w["s1_c0_e01_conv3x3"].inputs == ("stem_conv",)
    assert w["s1_c0_e12_avgpool3x3"].inputs == ("s1_c0_e01_conv3x3",)
    pool = w["s1_c0_e12_avgpool3x3"]
    assert isinstance(pool, Pool) and pool.kernel_size == (3, 3) and pool.stride == (1, 1)
    assert pool.padding == (1, 1) and pool.mode == "avg" and pool.output_size == (32, 32)
    assert w["s1_c0_n2_add"].inputs == ("s1_c0_e02_conv3x3", "s1_c0_e12_avgpool3x3")
    assert w["s1_c0_n3_add"].inputs == ("stem_conv", "s1_c0_e13_conv3x3", "s1_c0_n2_add")
    assert w["s1_c1_e01_conv3x3"].inputs == ("s1_c0_n3_add",)
    assert w["r1_conv_a"].inputs == w["r1_pool"].inputs == ("s1_c4_n3_add",)
    assert w["r1_add"].inputs == ("r1_conv_b", "r1_shortcut")
    assert w["s2_c0_e01_conv3x3"].inputs == ("r1_add",)
    low = w.lowered
    assert low.is_first.tolist() == [True] + [False] * (len(w) - 1)
    assert low.is_last.tolist() == [False] * (len(w) - 1) + [True]
    assert w[-1].name == "classifier" and w[-1].n == 10


def test_imagenet16_and_cifar100_heads() -> None:
    w = nb201(ALL_CONV3, "ImageNet16-120")
    assert w["stem_conv"].input_size == (16, 16) and w["s3_c0_e01_conv3x3"].input_size == (4, 4)
    assert w["classifier"].n == 120 and w.meta["input_shape"] == (3, 16, 16)
    assert nb201(ALL_CONV3, "cifar100")["classifier"].n == 100
    with pytest.raises(WorkloadError, match="ImageNet16-120"):
        nb201(0, "imagenet")


def test_sampled_cells_lower_and_isomorphs_match() -> None:
    rng = np.random.default_rng(0)
    for i in rng.choice(NB201_NUM_ARCHS, 500, replace=False):
        ops = index_to_arch(int(i))
        w = nb201(int(i), ("cifar10", "cifar100", "ImageNet16-120")[int(i) % 3])
        if w.meta["dataset"] == "cifar10":
            assert w.macs == _expected_macs(ops)
        rep = nb201(unique_arch_index(int(i)), w.meta["dataset"])
        assert rep.macs == w.macs
        assert rep.layers == w.layers  # isomorphic cells lower to the very same layers


@pytest.mark.slow
def test_all_15625_lower_with_the_expected_macs() -> None:
    by_class: dict[tuple[int, ...], int] = {}
    for i in range(NB201_NUM_ARCHS):
        ops = index_to_arch(i)
        w = nb201(i)
        assert w.macs == _expected_macs(ops)
        assert by_class.setdefault(isomorphism_key(ops), w.macs) == w.macs


# --------------------------------------------------------------------------------------
# HW-NAS-Bench
# --------------------------------------------------------------------------------------


def test_load_hwnasbench() -> None:
    df = load_hwnasbench("cifar10")
    assert df.shape == (NB201_NUM_ARCHS, 11) and df.index.name == "arch_index"
    assert df.index[0] == 0 and df.index[-1] == NB201_NUM_ARCHS - 1
    # hw_cifar10.csv row 0, as written in the file
    assert df.loc[0, "net"] == "(4, 3, 3, 0, 0, 0)"
    assert df.loc[0, "edgegpu_latency"] == 5.807418537139893
    assert df.loc[0, "edgetpu_latency"] == 0.9571811309997429
    assert int(df["edgetpu_latency"].isna().sum()) == 4699
    raw = load_hwnasbench("cifar10", missing="raw")
    assert int((raw["edgetpu_latency"] == -1).sum()) == 4699
    assert load_hwnasbench("cifar100").loc[0, "edgetpu_latency"] == 0.9669485199992778
    with pytest.raises(WorkloadError, match="cifar10"):
        load_hwnasbench("ImageNet16-120")
    with pytest.raises(WorkloadError, match="missing"):
        load_hwnasbench("cifar10", missing="zero")
