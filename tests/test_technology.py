"""Technology nodes, the SRAM energy law and the loop-nest core-memory traffic."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from archgym import AcceleratorConfig, ConfigBatch, simulate, simulate_batch
from archgym.accelerator import NODES_NM, ConfigError
from archgym.costmodel import area_mm2
from archgym.loopnest import OPERAND_FIELDS, core_traffic, stationary_depth
from archgym.technology import load_technology
from archgym.workloads import Gemm, Workload, load

TECH = load_technology()
SMALL_TO_LARGE = sorted(NODES_NM)
CACTI_CSV = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "cacti7_sram.csv"


# --- technology nodes ----------------------------------------------------------------------


def test_45nm_is_the_base_of_every_factor():
    assert TECH.energy_factor(45) == 1.0
    assert TECH.logic_area_factor(45) == 1.0
    assert TECH.sram_area_factor(45) == 1.0


@pytest.mark.parametrize("factor", ["energy_factor", "logic_area_factor", "sram_area_factor"])
def test_a_smaller_node_costs_less(factor):
    f = getattr(TECH, factor)(np.array(SMALL_TO_LARGE))
    assert np.all(np.diff(f) > 0), dict(zip(SMALL_TO_LARGE, f, strict=True))


def test_smaller_node_less_energy_and_area_per_mac_and_per_sram_bit():
    wl = load("mobilenet_v2")
    cb = ConfigBatch.from_arrays(node_nm=np.array(SMALL_TO_LARGE, float))
    r = simulate_batch(cb, wl)
    e_mac = r["energy_mac_mj"] / r["macs"]
    e_sram = r["energy_sram_mj"] / r["sram_bytes"]
    assert np.all(np.diff(e_mac) > 0)
    assert np.all(np.diff(e_sram) > 0)
    assert np.all(np.diff(r["area_mm2"]) > 0)
    # cycles and traffic do not depend on the node
    assert np.all(r["total_cycles"] == r["total_cycles"][0])
    assert np.all(r["sram_bytes"] == r["sram_bytes"][0])
    bits = np.array([1024 * 8])
    area_bit = [TECH.sram_area_um2(1024, n) / bits for n in SMALL_TO_LARGE]
    assert np.all(np.diff(np.ravel(area_bit)) > 0)


def test_presets_state_45nm_and_other_nodes_are_chosen_explicitly():
    for name in AcceleratorConfig.presets():
        assert AcceleratorConfig.preset(name).node_nm == 45
    c7 = AcceleratorConfig.preset("edgetpu", node_nm=7)
    assert area_mm2(c7)[0] < 0.2 * area_mm2(AcceleratorConfig.preset("edgetpu"))[0]


def test_unknown_node_is_a_clear_error():
    with pytest.raises(ConfigError, match="node_nm"):
        AcceleratorConfig(node_nm=30)
    with pytest.raises(ConfigError, match="node_nm"):
        ConfigBatch.from_arrays(node_nm=[45, 31])
    with pytest.raises(ValueError, match="node_nm"):
        TECH.energy_factor(12)


# --- SRAM energy law -----------------------------------------------------------------------


def test_sram_energy_grows_with_size_and_width():
    sizes = 2.0 ** np.arange(7, 24)
    for w in (8, 64, 128, 512):
        assert np.all(np.diff(TECH.sram_energy_pj(sizes, w)) > 0)
        assert np.all(np.diff(TECH.sram_energy_pj(sizes, w, write=True)) > 0)
    widths = np.array([8, 16, 32, 64, 128, 256, 512])
    for s in (1024, 65536, 2**21):
        assert np.all(np.diff(TECH.sram_energy_pj(s, widths)) > 0)
    # a wider port is cheaper per byte (the address path is shared)
    assert np.all(np.diff(TECH.sram_energy_pj_per_byte(65536, widths)) < 0)


def test_sram_law_is_within_2x_of_cacti_and_near_horowitz():
    d = pd.read_csv(CACTI_CSV)
    d45 = d[d.node_nm == 45]
    r = TECH.sram_energy_pj(d45.size_bytes.values, d45.width_bits.values, 45) / d45.read_pj
    assert r.between(0.45, 2.0).all()
    # Horowitz 2014 at 45 nm: 64-bit word, 8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ
    e = TECH.sram_energy_pj(np.array([8192, 32768, 2**20]), 64, 45)
    assert np.allclose(e, [10.0, 20.0, 100.0], rtol=0.2)


# --- loop-nest core-memory traffic ---------------------------------------------------------


def _gemm_wl() -> Workload:
    return Workload([Gemm(m=100, n=40, k=50, name="g")], name="g")


def test_scalesim_mode_keeps_scalesims_per_operand_counts():
    # ws on 16x16: fr = ceil(50/16) = 4 row folds, fc = ceil(40/16) = 3 column folds
    cfg = AcceleratorConfig(rows=16, cols=16, dataflow="ws", pe_mem_kib=4.0)
    t = simulate(cfg, _gemm_wl(), mode="scalesim").totals
    assert t["sram_weight_read_bytes"] == 40 * 50  # once
    assert t["sram_input_read_bytes"] == 100 * 50 * 3  # once per column fold
    assert t["sram_output_write_bytes"] == 100 * 40 * 4  # once per row fold
    assert t["sram_output_read_bytes"] == 100 * 40 * 3  # partial sums read back


def test_grouped_loop_order_reuses_what_the_pe_memory_holds():
    # 4 KiB a PE holds 2048 weight tiles, all 12 of this layer; next to an 8 MiB core
    # memory re-reading it costs more than reading the PE memory every MAC, so the mapper
    # groups all tiles: one input read, one output write, a PE access a MAC
    cfg = AcceleratorConfig(rows=16, cols=16, dataflow="ws", pe_mem_kib=4.0, core_mem_kib=8192)
    t = simulate(cfg, _gemm_wl()).totals
    assert t["sram_weight_read_bytes"] == 40 * 50
    assert t["sram_input_read_bytes"] == 100 * 50
    assert t["sram_output_write_bytes"] == 100 * 40
    assert t["sram_output_read_bytes"] == 0
    assert t["pe_accesses"] == 100 * 40 * 50
    # next to a 64 KiB core memory the same PE memory is the dearer one: the fixed order,
    # each weight latched in its PE for the whole stream (one PE access a weight)
    t = simulate(cfg.replace(core_mem_kib=64.0), _gemm_wl()).totals
    assert t["sram_input_read_bytes"] == 100 * 50 * 3
    assert t["sram_output_read_bytes"] == 100 * 40 * 3
    assert t["pe_accesses"] == 40 * 50
    # 6 B a PE holds 3 one-byte tiles (double-buffered): the mapper groups 3 of the 4 row
    # folds (partial sums stay in the column accumulators), not the 3 column folds
    small = cfg.replace(pe_mem_kib=float(6 / 1024), core_mem_kib=2048.0)
    t = simulate(small, _gemm_wl()).totals
    assert t["sram_input_read_bytes"] == 100 * 50 * 3
    assert t["sram_output_write_bytes"] == 100 * 40 * 2
    assert t["sram_output_read_bytes"] == 100 * 40 * 1


@pytest.mark.parametrize("mode", ["default", "scalesim"])
def test_per_operand_traffic_sums_to_the_total(mode):
    rng = np.random.default_rng(1)
    cb = ConfigBatch.from_arrays(
        rows=rng.choice([8, 16, 64], 12),
        cols=rng.choice([8, 32, 128], 12),
        lanes=rng.choice([1, 4], 12),
        pe_mem_kib=rng.choice([0.25, 1.5, 4.0], 12),
        dataflow=rng.integers(0, 3, 12),
        dtype=rng.choice(["int8", "fp16"], 12),
    )
    r = simulate_batch(cb, load("mobilenet_v2"), mode, per_layer=True)
    parts = sum(r[f"sram_{k}_bytes"] for k in OPERAND_FIELDS)
    assert np.allclose(parts, r["sram_bytes"])
    parts_l = sum(r[f"layer_sram_{k}_bytes"] for k in OPERAND_FIELDS)
    assert np.allclose(parts_l, r["layer_sram_bytes"])
    assert np.allclose(r["layer_sram_bytes"].sum(axis=1), r["sram_bytes"])


def test_loop_order_choice_is_never_worse_than_the_fixed_order():
    rng = np.random.default_rng(0)
    k, L = 200, 7
    df = rng.integers(0, 3, (k, 1))
    fr = rng.integers(1, 40, (k, L)).astype(float)
    fc = rng.integers(1, 40, (k, L)).astype(float)
    w, i, o = (rng.integers(1, 10**6, (k, L)).astype(float) for _ in range(3))
    depth = stationary_depth(
        rng.choice([6.0, 64.0, 1536.0, 4096.0], k),
        rng.choice([1.0, 4.0], k),
        rng.choice([1.0, 2.0], k),
        df[:, 0],
    )[:, None]
    fixed = core_traffic(df, fr, fc, w, i, o, None)
    best = core_traffic(df, fr, fc, w, i, o, depth)
    tot = lambda t: sum(t[f] for f in OPERAND_FIELDS)  # noqa: E731
    assert np.all(tot(best) <= tot(fixed))
    assert np.any(tot(best) < tot(fixed))
    assert np.all(best["order"][tot(best) == tot(fixed)] == 0)
    one = core_traffic(df, fr, fc, w, i, o, np.ones((k, 1)))
    assert all(np.array_equal(one[f], fixed[f]) for f in OPERAND_FIELDS)
    # weighing PE-memory accesses by their energy: never dearer than the fixed order
    macs = w * rng.integers(1, 100, (k, L))
    cost = rng.choice([0.01, 0.1, 1.0], (k, 1))
    fixed = core_traffic(df, fr, fc, w, i, o, None, macs, cost)
    best = core_traffic(df, fr, fc, w, i, o, depth, macs, cost)
    energy = lambda t: tot(t) + cost * t["pe_read"]  # noqa: E731
    assert np.all(energy(best) <= energy(fixed) * (1 + 1e-12))


# --- scenarios -----------------------------------------------------------------------------


def test_node_is_a_scenario_knob_and_a_base_field():
    from archgym.scenarios import Scenario
    from archgym.space import SpaceError

    sc = Scenario({"node_nm": [45, 16, 7]}, workloads="mobilenet_v2", objective="energy_mj")
    ev = sc.evaluate([{"node_nm": 45}, {"node_nm": 16}, {"node_nm": 7}]).to_frame()
    assert list(ev["node_nm"]) == [45, 16, 7]
    assert ev["energy_mj"].is_monotonic_decreasing and ev["area_mm2"].is_monotonic_decreasing
    at7 = Scenario(
        {"rows": [32, 64]}, workloads="mobilenet_v2", objective="energy_mj", base={"node_nm": 7}
    )
    e7 = at7.evaluate([{"rows": 64}]).to_frame()["energy_mj"].iloc[0]
    assert e7 == pytest.approx(ev["energy_mj"].iloc[2])
    with pytest.raises(SpaceError, match="node_nm"):
        Scenario({"node_nm": [45, 30]}, workloads="mobilenet_v2", objective="energy_mj")
