"""Validate the real-chip presets against Accel-NASBench's on-device measurements.

    python benchmarks/validate_accel_nasbench.py            # all shipped architectures
    python benchmarks/validate_accel_nasbench.py --quick    # a seeded 600-row sample

Every architecture of the shipped Accel-NASBench table (archgym/data/accel_nasbench,
4,368 rows) is lowered once and run on the ``tpuv2`` and ``dpu-zcu102`` presets under the
measurement set-up of the paper (``archgym.validation.ACCEL_NASBENCH_SETUP``: TPU at batch
64 in bf16 on one TensorCore, DPU at batch 1 in int8 on one core, squeeze-and-excitation's
sigmoid gate and the multiply after it on the board's ARM CPU). Printed per chip: Spearman
and Kendall rank correlation of predicted vs measured throughput (TPUv2) or latency
(ZCU102), the best affine fit's MAPE and R^2 and the magnitude (median measured /
predicted), next to the number-of-MACs baseline (the dataset's ``macs_m``). Nothing is
fitted to the measured columns: the presets come from public specifications and the cost
model's constants are the Edge TPU validation's.

Also printed, to show what decides the agreement: the TPU with the Edge TPU compiler's
block-diagonal packing of depthwise channels (``pack_groups=True``) and the magnitude by
predicted-throughput quartile; the DPU with the SE gate on the DPU (no host ops, the
earlier model), without its depthwise ALU engine, split by whether the network has
squeeze-and-excitation, and the measured excess latency per gated element next to the
modelled CPU cost; and the predictions of the two presets that have no measurement
shipped (``tpuv3``, ``dpu-vck190``).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from archgym import AcceleratorConfig  # noqa: E402
from archgym.validation import (  # noqa: E402
    ACCEL_NASBENCH_SETUP,
    predict_accel_nasbench,
    rank_correlations,
)
from archgym.workloads.accel_nasbench import load_accel_nasbench  # noqa: E402


def line(label: str, pred: np.ndarray, meas: np.ndarray, magnitude: bool = True) -> str:
    """One row: rank agreement, the best affine fit and (``magnitude``) the median of
    measured / predicted."""
    r = rank_correlations(pred, meas)
    mag = f"  measured/predicted {np.median(meas / pred):.2f}" if magnitude else ""
    return (
        f"  {label:44s} spearman {r['spearman']:.4f}  kendall {r['kendall']:.4f}  "
        f"affine fit: MAPE {r['affine_mape']:.3f}, R^2 {r['affine_r2']:.3f}{mag}"
    )


def with_preset(name: str, **changes):
    """Temporarily change a preset (for the ablation lines only)."""
    from archgym import accelerator

    class _Swap:
        def __enter__(self):
            self.old = accelerator.PRESETS[name]
            accelerator.PRESETS[name] = self.old.replace(**changes)

        def __exit__(self, *exc):
            accelerator.PRESETS[name] = self.old

    return _Swap()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a seeded sample of 600 rows")
    args = ap.parse_args()
    t0 = time.perf_counter()
    df = load_accel_nasbench()
    if args.quick:
        df = df.sample(600, random_state=0).sort_values("id")

    tpu = df[df["throughput_tpuv2_mean"].notna()]
    meas_t = tpu["throughput_tpuv2_mean"].to_numpy()
    pred_t = predict_accel_nasbench(tpu, "tpuv2")
    s = ACCEL_NASBENCH_SETUP["tpuv2"]
    print(
        f"1. Cloud TPUv2 throughput, {len(tpu)} architectures (tpuv2 preset, batch "
        f"{s['batch']}, bf16, one TensorCore): {AcceleratorConfig.preset('tpuv2').describe()}"
    )
    print(line("archgym", pred_t, meas_t))
    print(line("baseline: 1 / MACs", 1.0 / tpu["macs_m"].to_numpy(), meas_t, False))
    with with_preset("tpuv2", pack_groups=True):
        print(
            line(
                "ablation: depthwise packed (Edge TPU compiler)",
                predict_accel_nasbench(tpu, "tpuv2"),
                meas_t,
            )
        )
    print(line("ablation: batch 1", predict_accel_nasbench(tpu, "tpuv2", batch=1), meas_t))
    order = np.argsort(pred_t)
    quart = [f"{np.median(meas_t[q] / pred_t[q]):.2f}" for q in np.array_split(order, 4)]
    print(
        "  measured/predicted by predicted-throughput quartile (slow .. fast): "
        + ", ".join(quart)
        + " (the fastest networks approach the host input pipeline's rate)"
    )
    print(
        f"  predicted {pred_t.min():.0f}..{pred_t.max():.0f} images/s (median "
        f"{np.median(pred_t):.0f}), measured {meas_t.min():.0f}..{meas_t.max():.0f} "
        f"(median {np.median(meas_t):.0f})"
    )
    print()

    zcu = df[df["latency_zcu102_mean"].notna()]
    meas_z = zcu["latency_zcu102_mean"].to_numpy()
    pred_z = predict_accel_nasbench(zcu, "zcu102")
    print(
        f"2. Xilinx ZCU102 latency, {len(zcu)} architectures (dpu-zcu102 preset, batch 1, "
        f"int8, one core, SE gate on the A53): "
        f"{AcceleratorConfig.preset('dpu-zcu102').describe()}"
    )
    print(line("archgym", pred_z, meas_z))
    print(line("baseline: MACs", zcu["macs_m"].to_numpy(), meas_z, False))
    se = zcu[[f"block{i}_se" for i in range(7)]].to_numpy().sum(axis=1) > 0
    print(line(f"archgym, networks without SE ({(~se).sum()})", pred_z[~se], meas_z[~se]))
    print(line(f"archgym, networks with SE ({se.sum()})", pred_z[se], meas_z[se]))
    print(
        line(
            "baseline: MACs, networks without SE", zcu["macs_m"].to_numpy()[~se], meas_z[~se], False
        )
    )
    with with_preset("dpu-zcu102", host_ops=""):
        on_dpu = predict_accel_nasbench(zcu, "zcu102")
    print(line("ablation: SE gate on the DPU (no host ops)", on_dpu, meas_z))
    # The mechanism, checked: the SE networks' measured excess over the no-SE scale grows
    # with the size of the gated maps, as the modelled CPU term does.
    from archgym.workloads.accel_nasbench import ARCH_COLUMNS, accel_nasbench

    gated = np.array(
        [
            sum(
                layer.output_elems
                for layer in accel_nasbench(a).layers
                if layer.name.endswith("se_scale")
            )
            for a in zcu[list(ARCH_COLUMNS)].astype(int).to_dict("records")
        ],
        dtype=np.float64,
    )
    scale = np.median(meas_z[~se] / on_dpu[~se])
    resid = meas_z - scale * on_dpu
    slope = np.polyfit(gated[se], resid[se], 1)[0]
    host = np.polyfit(gated[se], (pred_z - on_dpu)[se], 1)[0]
    print(
        f"  measured - {scale:.2f} x (SE on the DPU) vs elements of the SE-gated maps: "
        f"Pearson {np.corrcoef(resid, gated)[0, 1]:.3f}, {slope * 1e6:.2f} ns an element; "
        f"modelled CPU term {host * 1e6:.2f} ns an element"
    )
    with with_preset("dpu-zcu102", dw_pixels=0, dw_channels=0):
        print(
            line(
                "ablation: depthwise on the array (no ALU)",
                predict_accel_nasbench(zcu, "zcu102"),
                meas_z,
            )
        )
    print(
        f"  predicted {pred_z.min():.2f}..{pred_z.max():.2f} ms (median "
        f"{np.median(pred_z):.2f}), measured {meas_z.min():.2f}..{meas_z.max():.2f} "
        f"(median {np.median(meas_z):.2f})"
    )
    print()

    print("3. Presets without shipped measurements (specifications only)")
    v3 = predict_accel_nasbench(df, "tpuv3")
    vck = predict_accel_nasbench(df, "vck190")
    print(
        f"  tpuv3: median {np.median(v3):.0f} images/s (batch 128, one TensorCore); "
        f"rank agreement with the TPUv2 measurement: "
        f"{rank_correlations(v3[df['throughput_tpuv2_mean'].notna().to_numpy()], meas_t)['spearman']:.4f}"
    )
    print(
        f"  dpu-vck190: median {np.median(vck):.2f} ms (batch 6, one image on each of six "
        f"batch handlers); "
        f"rank agreement with the ZCU102 measurement: "
        f"{rank_correlations(vck[df['latency_zcu102_mean'].notna().to_numpy()], meas_z)['spearman']:.4f}"
    )
    print(f"\n(done in {time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
