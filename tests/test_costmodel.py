"""The cost model: SCALE-Sim compatibility, physical properties, batch consistency."""

import json
from importlib import resources

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import archgym
from archgym import AcceleratorConfig, ConfigBatch, simulate, simulate_batch
from archgym import workloads as W
from archgym.technology import load_technology

CASES = json.loads(
    resources.files("archgym").joinpath("data/scalesim/scalesim_cases.json").read_text()
)["cases"]


def layer_from_case(layer: dict) -> W.Layer:
    if layer["type"] == "gemm":
        return W.Gemm(layer["M"], layer["N"], layer["K"])
    k = (layer["filter_h"], layer["filter_w"])
    size = (layer["ifmap_h"], layer["ifmap_w"])
    if layer["depthwise"]:
        return W.DepthwiseConv2d(
            layer["channels"],
            k,
            layer["stride"],
            0,
            multiplier=layer["num_filters"],
            input_size=size,
        )
    return W.Conv2d(layer["channels"], layer["num_filters"], k, layer["stride"], 0, input_size=size)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_scalesim_mode_matches_scalesim_compute_cycles_exactly(case):
    cfg = AcceleratorConfig(
        rows=case["config"]["rows"],
        cols=case["config"]["cols"],
        dataflow=case["config"]["dataflow"],
    )
    rep = simulate(cfg, layer_from_case(case["layer"]), mode="scalesim")
    assert rep.compute_cycles == case["compute_cycles"]
    assert rep.totals["macs"] == case["geometry"]["macs"]


@pytest.mark.parametrize(
    "case", [c for c in CASES if c["config"]["dataflow"] == "os"][:4], ids=lambda c: c["id"]
)
def test_scalesim_mode_sram_reads_follow_scalesim_for_os(case):
    """Output stationary: ifmap reads px*W*ceil(F/C), filter reads F*W*ceil(px/R), ofmap
    writes px*F (SCALE-Sim adds rows+cols words a fold to its ofmap count, an artefact)."""
    cfg = AcceleratorConfig(rows=case["config"]["rows"], cols=case["config"]["cols"], dataflow="os")
    rep = simulate(cfg, layer_from_case(case["layer"]), mode="scalesim")
    folds = rep.layers["folds"].sum()
    artefact = (case["config"]["rows"] + case["config"]["cols"]) * folds
    expected = (
        case["sram_ifmap_reads"] + case["sram_filter_reads"] + case["sram_ofmap_writes"] - artefact
    )
    assert rep.totals["sram_bytes"] == expected


def test_default_mode_is_faster_than_scalesim_but_never_below_peak():
    cfg = AcceleratorConfig.preset("edgetpu")
    layer = W.Conv2d(64, 384, 1, input_size=14)
    d, s = simulate(cfg, layer), simulate(cfg, layer, mode="scalesim")
    assert d.compute_cycles <= s.compute_cycles
    assert d.compute_cycles >= layer.macs / cfg.macs_per_cycle


def test_depthwise_layers_are_poorly_utilised():
    cfg = AcceleratorConfig.preset("edgetpu")
    dw = simulate(cfg, W.DepthwiseConv2d(144, 3, 1, 1, input_size=56))
    pw = simulate(cfg, W.Conv2d(144, 144, 1, input_size=56))
    assert dw.utilization < 0.05 < 0.5 < pw.utilization


def test_weights_beyond_onchip_memory_run_markedly_slower():
    cfg = AcceleratorConfig.preset("edgetpu")
    small = cfg.replace(pe_mem_kib=0.05)  # 200 KiB of parameter cache: most weights stream
    wl = W.Workload(
        [W.Linear(2048, 2048, tokens=8, name=f"fc{i}") for i in range(4)], name="mlp"
    )  # 16 MiB
    fits, spills = simulate(cfg.replace(pe_mem_kib=8.0), wl), simulate(small, wl)
    assert fits.totals["weights_onchip"] and not spills.totals["weights_onchip"]
    assert spills.latency_ms > 3 * fits.latency_ms
    assert spills.totals["dram_bytes"] > 16 * 2**20


def test_more_bandwidth_never_hurts():
    cfg = AcceleratorConfig.preset("edgetpu").replace(pe_mem_kib=0.1)
    wl = W.Workload([W.Conv2d(256, 256, 3, 1, 1, input_size=28, name=f"c{i}") for i in range(3)])
    lat = [simulate(cfg.replace(bandwidth_gbps=bw), wl).latency_ms for bw in (0.25, 1, 4, 16)]
    assert lat == sorted(lat, reverse=True) and lat[0] > lat[-1]


def test_op_overhead_is_the_calibrated_constant_per_layer():
    tech = load_technology()
    cfg = AcceleratorConfig.preset("edgetpu")
    wl = W.Workload(
        [W.Conv2d(8, 8, 1, input_size=4, name="a"), W.Elementwise(128, inputs=("a",), name="b")]
    )
    rep = simulate(cfg, wl)
    oh = tech.op_overhead_us
    expected = (oh["matrix"] + oh["eltwise"] + tech.invoke_overhead_us) * cfg.freq_mhz
    assert rep.overhead_cycles == pytest.approx(expected)
    off = simulate(cfg, wl, options=archgym.CostOptions(op_overhead=False))
    assert off.overhead_cycles == 0 and off.total_cycles == pytest.approx(
        rep.total_cycles - expected
    )


def test_per_layer_frame_adds_up_to_the_totals():
    wl = W.Workload(
        [
            W.Conv2d(3, 32, 3, 2, 1, input_size=64, activation="relu", name="stem"),
            W.DepthwiseConv2d(32, 3, 1, 1, input_size=32, name="dw"),
            W.Conv2d(32, 64, 1, input_size=32, name="pw"),
            W.GlobalPool(64, 32, name="pool"),
            W.Linear(64, 10, name="fc"),
        ]
    )
    rep = simulate("edgetpu", wl)
    df = rep.layers
    assert list(df["name"]) == ["stem", "dw", "pw", "pool", "fc"]
    for col in (
        "compute_cycles",
        "stall_cycles",
        "overhead_cycles",
        "total_cycles",
        "latency_ms",
        "energy_mj",
    ):
        assert df[col].sum() == pytest.approx(
            getattr(rep, col) if hasattr(rep, col) else rep.totals[col], rel=1e-9
        )
    assert df["utilization"].max() <= 1.0


# ------------------------------------------------------------------------------------------
# Properties over random designs and layers
# ------------------------------------------------------------------------------------------

configs = st.builds(
    AcceleratorConfig,
    rows=st.sampled_from([1, 2, 4, 8, 12, 16, 32, 64, 128]),
    cols=st.sampled_from([1, 2, 4, 8, 14, 16, 32, 64, 128]),
    cores=st.integers(1, 8),
    lanes=st.sampled_from([1, 2, 4, 8]),
    pe_mem_kib=st.sampled_from([0.125, 0.5, 1.0, 4.0]),
    core_mem_kib=st.sampled_from([64.0, 256.0, 1024.0, 8192.0]),
    bandwidth_gbps=st.sampled_from([0.5, 4.0, 32.0]),
    freq_mhz=st.sampled_from([200.0, 500.0, 1000.0]),
    dataflow=st.sampled_from(["os", "ws", "is"]),
    dtype=st.sampled_from(["int8", "bf16", "fp32"]),
)


@st.composite
def layers(draw):
    kind = draw(st.sampled_from(["conv", "dw", "gemm", "matmul"]))
    if kind == "gemm":
        return W.Gemm(
            draw(st.integers(1, 300)), draw(st.integers(1, 300)), draw(st.integers(1, 300))
        )
    if kind == "matmul":
        return W.MatMul(
            draw(st.integers(1, 12)),
            draw(st.integers(1, 130)),
            draw(st.integers(1, 130)),
            draw(st.integers(1, 70)),
        )
    k = draw(st.sampled_from([1, 3, 5, 7]))
    size = draw(st.integers(k, 40))
    stride = draw(st.sampled_from([1, 2]))
    c = draw(st.sampled_from([1, 3, 8, 16, 32, 96]))
    if kind == "dw":
        return W.DepthwiseConv2d(
            c, k, stride, k // 2, input_size=size, activation=draw(st.sampled_from([None, "relu"]))
        )
    return W.Conv2d(c, draw(st.sampled_from([1, 8, 24, 64])), k, stride, k // 2, input_size=size)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=configs, layer=layers(), mode=st.sampled_from(["default", "scalesim"]))
def test_physical_bounds_hold_for_any_design_and_layer(cfg, layer, mode):
    rep = simulate(cfg, layer, mode=mode)
    tech = load_technology()
    macs = rep.totals["macs"]
    if mode == "default":
        assert 0.0 < rep.utilization <= 1.0
        assert rep.compute_cycles >= macs / cfg.macs_per_cycle
    else:
        # SCALE-Sim counts ``folds * cycles_per_fold - 1`` cycles a layer, and a depthwise
        # layer is one such layer per channel: a 1-MAC GEMM on a 1x1 array takes 0 cycles
        g = layer.gemm()
        groups = g.groups if g is not None else 1
        assert rep.compute_cycles + groups >= macs / cfg.macs_per_cycle
    assert rep.energy_mj >= macs * tech.mac_energy_pj[archgym.DTYPES.index(cfg.dtype)] * 1e-9
    assert rep.stall_cycles >= 0 and rep.total_cycles >= rep.compute_cycles


@settings(max_examples=60, deadline=None)
@given(cfg=configs, rows2=st.integers(1, 4), mem2=st.sampled_from([1.5, 2.0, 4.0]))
def test_area_grows_with_pes_and_memory(cfg, rows2, mem2):
    a = archgym.area_mm2(cfg)[0]
    assert archgym.area_mm2(cfg.replace(rows=cfg.rows * (rows2 + 1)))[0] > a
    assert archgym.area_mm2(cfg.replace(cols=cfg.cols + 1))[0] > a
    assert archgym.area_mm2(cfg.replace(cores=cfg.cores + 1))[0] > a
    assert archgym.area_mm2(cfg.replace(pe_mem_kib=cfg.pe_mem_kib * mem2))[0] > a
    assert archgym.area_mm2(cfg.replace(core_mem_kib=cfg.core_mem_kib * mem2))[0] > a


@settings(max_examples=25, deadline=None)
@given(cfgs=st.lists(configs, min_size=1, max_size=12), seed=st.integers(0, 2**16))
def test_batch_equals_one_by_one(cfgs, seed):
    rng = np.random.default_rng(seed)
    wl = W.Workload(
        [
            W.Conv2d(3, 16, 3, 2, 1, input_size=32, activation="relu", name="stem"),
            W.DepthwiseConv2d(16, 3, 1, 1, input_size=16, name="dw"),
            W.Conv2d(16, int(rng.integers(8, 64)), 1, input_size=16, name="pw"),
            W.Pool(16, 2, input_size=16, name="pool", inputs=("dw",)),
            W.Linear(16 * 8 * 8, 10, name="fc"),
        ]
    )
    batch = simulate_batch(ConfigBatch.from_configs(cfgs), wl)
    for i, cfg in enumerate(cfgs):
        one = simulate(cfg, wl)
        for key in (
            "compute_cycles",
            "stall_cycles",
            "total_cycles",
            "latency_ms",
            "energy_mj",
            "area_mm2",
        ):
            assert batch[key][i] == pytest.approx(getattr(one, key), rel=1e-12)


def test_batch_with_one_workload_per_design_equals_separate_calls():
    a = W.Workload([W.Conv2d(3, 8, 3, 1, 1, input_size=16, name="c")], name="a")
    b = W.Workload(
        [
            W.Conv2d(3, 8, 1, input_size=16, name="c"),
            W.Elementwise(8 * 256, inputs=("c",), n_inputs=1, op="max"),
        ],
        name="b",
    )
    cfgs = [
        AcceleratorConfig.preset("edgetpu"),
        AcceleratorConfig.preset("edgetpu-small"),
        AcceleratorConfig.preset("eyeriss"),
    ]
    mixed = simulate_batch(cfgs, [a, b, a])
    for i, wl in enumerate([a, b, a]):
        assert mixed["latency_ms"][i] == pytest.approx(simulate(cfgs[i], wl).latency_ms, rel=1e-12)
        assert mixed["energy_mj"][i] == pytest.approx(simulate(cfgs[i], wl).energy_mj, rel=1e-12)


def test_bad_mode_is_a_clear_error():
    with pytest.raises(ValueError, match="mode must be one of 'default', 'scalesim'"):
        simulate("edgetpu", W.Gemm(4, 4, 4), mode="fast")


# ------------------------------------------------------------------------------------------
# Memory hierarchy: liveness, shared pool, partial spills, fusion, interface area
# ------------------------------------------------------------------------------------------


def _chain(size: int = 56, c: int = 64, n: int = 4) -> W.Workload:
    return W.Workload(
        [W.Conv2d(c, c, 3, 1, 1, input_size=size, name=f"c{i}") for i in range(n)], name="chain"
    )


def _residual(size: int = 28, c: int = 64) -> W.Workload:
    e = c * size * size
    return W.Workload(
        [
            W.Conv2d(c, c, 1, input_size=size, name="a"),
            W.Conv2d(c, c, 3, 1, 1, input_size=size, name="b"),
            W.Conv2d(c, c, 1, input_size=size, name="c"),
            W.Elementwise(e, inputs=("c", "a"), name="add"),
            W.Activation(e, "relu", name="relu"),
            W.Conv2d(c, c, 1, input_size=size, name="d"),
        ],
        name="residual",
    )


def test_a_skip_tensor_takes_room_until_its_consumer():
    wl = _residual()
    e = 64 * 28 * 28
    plan = wl.lowered.memory_plan(fuse_add_activation=False, concat_view=False)
    # c and the add run while a's output waits for the add (3 tensors live, not 2)
    assert plan.live_elems.tolist()[:4] == [2 * e, 2 * e, 3 * e, 3 * e]
    assert plan.last_use[0] == 3
    # a design whose activation room holds 2 tensors but not 3: the skip makes c spill
    cfg = AcceleratorConfig.preset("edgetpu", shared_onchip=False, core_mem_kib=2.5 * e / 1024)
    rep = simulate(cfg, wl, options=archgym.CostOptions(fuse_add_activation=False))
    spilled = rep.layers.set_index("name")["spilled"]
    assert spilled.loc[["c", "add"]].all() and not spilled.loc[["a", "b"]].any()
    no_skip = W.Workload([layer for layer in wl if layer.name in "abc"], name="no_skip")
    assert not simulate(cfg, no_skip).layers["spilled"].any()


def test_resident_residual_add_moves_nothing_off_chip():
    rep = simulate("edgetpu", _residual())
    layers = rep.layers.set_index("name")
    assert layers.loc["add", "dram_bytes"] == 0 and not layers["spilled"].any()


def test_spills_are_partial_and_grow_smoothly_with_the_overflow():
    wl = _chain()
    tensor = 64 * 56 * 56  # bytes (int8)
    base = AcceleratorConfig.preset("edgetpu", shared_onchip=False)
    kib = np.arange(200.0, 520.0, 8.0)  # from below two tensors to above (2 * 196 KiB)
    cb = ConfigBatch.from_configs([base.replace(core_mem_kib=k) for k in kib])
    traffic = simulate_batch(cb, wl)["dram_bytes"] - 2 * tensor  # less the network I/O
    assert np.all(np.diff(traffic) <= 0)  # more room never moves more
    assert traffic[-1] == 0 and traffic[0] > 0
    # smooth: 8 KiB more room saves at most a few times 8 KiB, never a whole tensor
    assert np.max(-np.diff(traffic)) < 0.25 * tensor
    # partial: just below the need, only a sliver crosses (all-or-nothing would move MBs)
    assert traffic[-2] < 0.1 * tensor


def test_shared_pool_caches_parameters_in_the_room_activations_leave():
    wl = W.Workload(
        [W.Linear(2048, 1024, name="fc0"), W.Linear(1024, 2048, name="fc1")], name="mlp"
    )  # 4 MiB of int8 weights
    cfg = AcceleratorConfig.preset("edgetpu", pe_mem_kib=0.75)  # 3 MiB + 2 MiB core memory
    shared = simulate(cfg, wl)
    split = simulate(cfg.replace(shared_onchip=False), wl)
    assert shared.totals["weights_onchip"] and not split.totals["weights_onchip"]
    assert split.totals["dram_bytes"] > 2**20 > shared.totals["dram_bytes"]
    assert split.latency_ms > shared.latency_ms


def test_fuse_add_activation_removes_the_activation_op():
    wl = _residual()
    on = simulate("edgetpu", wl)
    off = simulate("edgetpu", wl, options=archgym.CostOptions(fuse_add_activation=False))
    relu_on = on.layers.set_index("name").loc["relu"]
    relu_off = off.layers.set_index("name").loc["relu"]
    assert relu_on["total_cycles"] == 0 and relu_off["compute_cycles"] > 0
    tech = load_technology()
    dispatch = tech.op_overhead_us["activation"] * 480.0
    assert off.overhead_cycles - on.overhead_cycles == pytest.approx(dispatch)
    assert on.total_cycles < off.total_cycles or dispatch == 0
    # an activation after a convolution is not touched by the rule
    conv_act = W.Workload([W.Conv2d(8, 8, 1, input_size=8, name="a"), W.Activation(512)])
    assert simulate("edgetpu", conv_act).layers["compute_cycles"].iloc[1] > 0


@pytest.mark.skipif(not hasattr(W, "Concat"), reason="needs the Concat layer kind")
def test_concat_view_writes_in_place_and_costs_nothing():
    wl = W.Workload(
        [
            W.Conv2d(16, 32, 1, input_size=28, name="a"),
            W.Conv2d(16, 32, 3, 1, 1, input_size=28, name="b", inputs=("input",)),
            W.Concat((32, 32), input_size=28, name="cat", inputs=("a", "b")),
            W.Conv2d(64, 64, 1, input_size=28, name="c"),
        ],
        name="inception_like",
    )
    view = simulate("edgetpu", wl)
    copy = simulate("edgetpu", wl, options=archgym.CostOptions(concat_view=False))
    assert view.layers.set_index("name").loc["cat", "total_cycles"] == 0
    assert copy.layers.set_index("name").loc["cat", "total_cycles"] > 0
    assert view.latency_ms < copy.latency_ms
    # the view's consumer reads the producers' buffers: a and b stay live until c
    plan = wl.lowered.memory_plan(fuse_add_activation=True, concat_view=True)
    assert plan.last_use[0] == 3 and plan.last_use[1] == 3 and plan.store_elems[2] == 0


def test_offchip_bandwidth_costs_area():
    cfg = AcceleratorConfig.preset("edgetpu")
    areas = [archgym.area_mm2(cfg.replace(bandwidth_gbps=bw))[0] for bw in (0.5, 4.0, 32.0)]
    assert areas[0] < areas[1] < areas[2]
    from archgym.costmodel import offchip_area_mm2_per_gbps

    per = offchip_area_mm2_per_gbps(load_technology())
    assert areas[2] - areas[1] == pytest.approx(28.0 * per)


def test_batch_equals_one_by_one_when_designs_spill():
    wls = [_residual(56, 96), _chain(56, 64, 3)]
    cfgs = [
        AcceleratorConfig.preset("edgetpu", core_mem_kib=k, pe_mem_kib=p, shared_onchip=s)
        for k, p, s in [(128.0, 0.05, False), (300.0, 1.5, True), (600.0, 0.02, True)]
    ]
    pairs = [(c, w) for c in cfgs for w in wls]
    batch = simulate_batch([c for c, _ in pairs], [w for _, w in pairs])
    assert np.any(batch["dram_bytes"] > 1e6)  # some designs really spill
    for i, (c, w) in enumerate(pairs):
        one = simulate(c, w)
        for key in ("latency_ms", "stall_cycles", "energy_mj"):
            assert batch[key][i] == pytest.approx(getattr(one, key), rel=1e-12)
        assert batch["dram_bytes"][i] == pytest.approx(one.totals["dram_bytes"], rel=1e-12)


def test_a_convolution_whose_row_band_does_not_fit_rereads_its_input():
    """A 3x3 convolution over 56x56x64 streams 4-row bands (3 + stride) of 14 KiB; with less
    room than that it splits its output channels and reads its input once per tile."""
    wl = _chain(56, 64, 2)
    band = (3 + 1) * 56 * 64 + 56 * 64  # input rows + one output row (int8 bytes)
    base = AcceleratorConfig.preset("edgetpu", shared_onchip=False)
    roomy = simulate(base.replace(core_mem_kib=2 * band / 1024), wl).totals["dram_bytes"]
    tight = simulate(base.replace(core_mem_kib=band / 4 / 1024), wl).totals["dram_bytes"]
    tensor = 64 * 56 * 56
    assert tight > roomy + 3 * tensor  # the input is read about 4 times over, not once
    depthwise = W.Workload([W.DepthwiseConv2d(64, 3, 1, 1, input_size=56, name="dw")])
    dw_tight = simulate(base.replace(core_mem_kib=band / 4 / 1024), depthwise)
    assert dw_tight.totals["dram_bytes"] <= 2 * tensor  # channel-wise: no re-reads


# ------------------------------------------------------------------------------------------
# Core-memory tiling: streamed weights against an input larger than the room
# ------------------------------------------------------------------------------------------

_GEMM_I, _GEMM_W, _GEMM_O = 512 * 512, 1024 * 512, 512 * 1024  # int8 bytes


def _gemm_traffic(core_kib: np.ndarray, pe_mem_kib: float = 0.008) -> np.ndarray:
    """Off-chip bytes of one 512x512 @ 512x1024 GEMM (input 256 KiB, weights 512 KiB) on
    designs that differ only in the core memory (weights streamed: no parameter cache)."""
    base = AcceleratorConfig.preset("edgetpu", shared_onchip=False, pe_mem_kib=pe_mem_kib)
    wl = W.Workload([W.Gemm(512, 1024, 512, name="g")], name="gemm")
    cb = ConfigBatch.from_configs([base.replace(core_mem_kib=float(k)) for k in core_kib])
    return simulate_batch(cb, wl)["dram_bytes"]


def test_streamed_weights_and_input_cross_once_when_one_fits():
    # the input (256 KiB) fits: it is held and the weights stream past it once
    once = _GEMM_I + _GEMM_W + _GEMM_O
    assert np.all(_gemm_traffic(np.array([256.0, 300.0, 4096.0])) == once)


def test_a_core_memory_below_both_operands_refetches_the_cheaper_one():
    kib = np.arange(32.0, 257.0, 8.0)
    extra = _gemm_traffic(kib) - (_GEMM_I + _GEMM_W + _GEMM_O)
    assert np.all(np.diff(extra) <= 0)  # more room never moves more
    assert extra[-1] == 0 and np.all(extra[:-1] > 0)  # 248 KiB cannot hold the input
    # a tiling of a room S re-fetches at least one operand once per tile of the other
    s = kib * 1024.0
    lower = np.minimum(_GEMM_W * (np.ceil(_GEMM_I / s) - 1), _GEMM_I * (np.ceil(_GEMM_W / s) - 1))
    assert np.all(extra <= lower)
    # a blocked product: the re-fetches grow about as 1 / room (32 KiB: 8 input tiles)
    assert extra[0] == 7 * _GEMM_W
    # one step of room never adds more than one pass of one operand
    assert np.max(-np.diff(extra)) <= max(_GEMM_I, _GEMM_W)


def test_cached_weights_or_channelwise_layers_never_refetch():
    small = np.array([32.0, 64.0])
    once = _GEMM_I + _GEMM_W + _GEMM_O
    # weights in the PE-local parameter cache meet every input band on chip
    assert np.all(_gemm_traffic(small, pe_mem_kib=1.0) == _GEMM_I + _GEMM_O)
    assert np.all(_gemm_traffic(small) > once)
    # a depthwise convolution's groups are tiny: its input streams once
    dw = W.Workload([W.DepthwiseConv2d(256, 3, 1, 1, input_size=56, name="dw")])
    base = AcceleratorConfig.preset("edgetpu", shared_onchip=False, pe_mem_kib=0.008)
    rep = simulate(base.replace(rows=4, cols=4, core_mem_kib=64.0), dw)  # 128 B cache
    assert not rep.totals["weights_onchip"]
    assert rep.totals["dram_bytes"] == 2 * 256 * 56 * 56 + 256 * 9


def test_refetched_bytes_are_paid_in_latency_and_energy_alike():
    wl = W.Workload([W.Gemm(512, 1024, 512, name="g")], name="gemm")
    base = AcceleratorConfig.preset(
        "edgetpu", shared_onchip=False, pe_mem_kib=0.008, bandwidth_gbps=0.5
    )
    fits, tight = (
        simulate(base.replace(core_mem_kib=512.0), wl),
        simulate(base.replace(core_mem_kib=32.0), wl),
    )
    more = tight.totals["dram_bytes"] - fits.totals["dram_bytes"]
    assert more == 7 * _GEMM_W
    tech = load_technology()
    e_dram = (tight.totals["energy_dram_mj"] - fits.totals["energy_dram_mj"]) * 1e9
    assert e_dram == pytest.approx(more * tech.dram_energy_pj_per_byte)
    # the link is the bottleneck: the stall grows by the transfer time of those bytes
    cycles_per_byte = base.freq_mhz / (base.bandwidth_gbps * 1000.0)
    assert tight.stall_cycles - fits.stall_cycles == pytest.approx(more * cycles_per_byte)


def _random_batch(n: int, seed: int) -> ConfigBatch:
    rng = np.random.default_rng(seed)
    return ConfigBatch.from_arrays(
        rows=rng.choice([8, 32, 128], n),
        cols=rng.choice([8, 32, 128], n),
        cores=rng.choice([1, 4], n),
        lanes=rng.choice([1, 4], n),
        pe_mem_kib=rng.choice([0.25, 2.0, 16.0], n),
        core_mem_kib=rng.choice([64.0, 512.0, 4096.0], n),
        bandwidth_gbps=rng.choice([0.5, 32.0], n),
        dataflow=rng.integers(0, 3, n),
        dtype=rng.integers(0, 4, n),
        node_nm=rng.choice([45, 22, 7], n),
        shared_onchip=rng.integers(0, 2, n).astype(bool),
    )


@pytest.mark.parametrize("mode", ["default", "scalesim"])
def test_one_design_gives_the_batch_numbers_bit_for_bit(mode):
    """Evaluating a design alone (the small-batch shortcuts: no key factorisation, one
    dataflow, one node) gives exactly the numbers it gets inside a mixed batch, for every
    total and per-layer array, on presets of every dataflow (with and without a
    depthwise engine or a shared pool) and on designs that spill."""
    presets = ("edgetpu", "eyeriss", "dpu-zcu102", "tpuv3")
    singles = [
        AcceleratorConfig.preset(p, dataflow=df) for p in presets for df in archgym.DATAFLOWS
    ]
    singles.append(AcceleratorConfig.preset("edgetpu", core_mem_kib=128.0, pe_mem_kib=0.05))
    mixed = list(_random_batch(12, seed=3)) + singles
    for wl in (W.load("mobilenet_v2"), _residual(56, 96)):
        batch = simulate_batch(ConfigBatch.from_configs(mixed), wl, mode, per_layer=True)
        for i, cfg in enumerate(singles, start=len(mixed) - len(singles)):
            one = simulate_batch(cfg, wl, mode, per_layer=True)
            assert one.keys() == batch.keys()
            for key in one.keys():
                assert np.array_equal(one[key][0], batch[key][i]), (cfg.name, cfg.dataflow, key)


def test_a_table_of_workloads_gives_the_single_workload_numbers_bit_for_bit():
    wls = [W.load("mobilenet_v2"), _residual(28, 64), _chain(28, 32, 3)]
    table = archgym.costmodel.WorkloadTable.from_workloads(wls)
    cb = _random_batch(30, seed=5)
    widx = np.arange(30) % 3
    for mode in ("default", "scalesim"):
        mixed = simulate_batch(cb, table, mode, workload_index=widx)
        for w, wl in enumerate(wls):
            alone = simulate_batch(cb.take(widx == w), wl, mode)
            for key in alone.keys():
                assert np.array_equal(alone[key], mixed[key][widx == w]), (mode, w, key)


def test_distinct_designs_are_factorised_exactly_even_past_int64_codes():
    """The key factorisation behind 'once per distinct design' finds exactly the distinct
    rows (checked against numpy's 2-D unique), also when the combined code of the columns
    would overflow int64 and is compressed on the way, and sorts them by the first column
    (the dataflow: one run per dataflow)."""
    from archgym.costmodel import _distinct

    rng = np.random.default_rng(0)
    n = 4000
    cols = [rng.integers(0, 3, n)] + [rng.integers(0, 3000, n) for _ in range(6)]
    cols.append(np.full(n, 7))  # a constant column is skipped
    cols.append(rng.choice([0.25, 0.5, 1.0], n))  # floats compare by value
    key = np.stack(cols, axis=1)
    first, inv = _distinct(cols)
    assert np.array_equal(key[first][inv], key)
    assert len(first) == len(np.unique(key, axis=0))
    assert np.all(np.diff(cols[0][first]) >= 0)
