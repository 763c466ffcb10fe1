"""Validate the real-chip presets against Accel-NASBench's on-device measurements.

    python benchmarks/validate_accel_nasbench.py            # all shipped architectures
    python benchmarks/validate_accel_nasbench.py --quick    # a seeded 600-row sample

Every architecture of the shipped Accel-NASBench table (archgym/data/accel_nasbench,
4,368 rows) is lowered once and run on the ``tpuv2`` and ``dpu-zcu102`` presets under the
measurement set-up of the paper (``archgym.validation.ACCEL_NASBENCH_SETUP``: TPU at batch
256 in bf16 on one TensorCore, DPU at batch 1 in int8 on one core). Printed per chip:
Spearman and Kendall rank correlation of predicted vs measured throughput (TPUv2) or
latency (ZCU102), the best affine fit's MAPE and R^2, next to the number-of-MACs baseline
(the dataset's ``macs_m``). Nothing is fitted to the measured columns: the presets come
from public specifications and the cost model's constants are the Edge TPU validation's.

Also printed, to show what decides the agreement: the TPU with the Edge TPU compiler's
block-diagonal packing of depthwise channels (``pack_groups=True``), the DPU without its
depthwise ALU engine, the DPU split by whether the network has squeeze-and-excitation
(the DPU runs SE's sigmoid gate on the ARM CPU, which the template does not model), and
the predicted throughput / latency of the two presets that have no measurement shipped
(``tpuv3``, ``dpu-vck190``).
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


def line(label: str, pred: np.ndarray, meas: np.ndarray) -> str:
    r = rank_correlations(pred, meas)
    return (
        f"  {label:44s} spearman {r['spearman']:.4f}  kendall {r['kendall']:.4f}  "
        f"affine fit: MAPE {r['affine_mape']:.3f}, R^2 {r['affine_r2']:.3f}"
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
    print(line("baseline: 1 / MACs", 1.0 / tpu["macs_m"].to_numpy(), meas_t))
    with with_preset("tpuv2", pack_groups=True):
        print(
            line(
                "ablation: depthwise packed (Edge TPU compiler)",
                predict_accel_nasbench(tpu, "tpuv2"),
                meas_t,
            )
        )
    print(line("ablation: batch 1", predict_accel_nasbench(tpu, "tpuv2", batch=1), meas_t))
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
        f"int8, one core): {AcceleratorConfig.preset('dpu-zcu102').describe()}"
    )
    print(line("archgym", pred_z, meas_z))
    print(line("baseline: MACs", zcu["macs_m"].to_numpy(), meas_z))
    se = zcu[[f"block{i}_se" for i in range(7)]].to_numpy().sum(axis=1) > 0
    print(line(f"archgym, networks without SE ({(~se).sum()})", pred_z[~se], meas_z[~se]))
    print(line(f"archgym, networks with SE ({se.sum()})", pred_z[se], meas_z[se]))
    print(line("baseline: MACs, networks without SE", zcu["macs_m"].to_numpy()[~se], meas_z[~se]))
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
        f"  tpuv3: median {np.median(v3):.0f} images/s (batch 256, one TensorCore); "
        f"rank agreement with the TPUv2 measurement: "
        f"{rank_correlations(v3[df['throughput_tpuv2_mean'].notna().to_numpy()], meas_t)['spearman']:.4f}"
    )
    print(
        f"  dpu-vck190: median {np.median(vck):.2f} ms (batch 1, one batch handler); "
        f"rank agreement with the ZCU102 measurement: "
        f"{rank_correlations(vck[df['latency_zcu102_mean'].notna().to_numpy()], meas_z)['spearman']:.4f}"
    )
    print(f"\n(done in {time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
