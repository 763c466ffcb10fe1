"""How fast each accuracy oracle is, and how well the surrogate ranks like the trained one.

Prints, per oracle, the wall time of one architecture's evaluation:

* tabular NB201 (``archgym.oracles.tabular.NB201Accuracy``; "not available" if that
  module is absent),
* trained (``TrainedAccuracy`` with its default budget on Fashion-MNIST, or on digits
  when Debian's ``dataset-fashion-mnist`` is not installed; no cache, so it trains),
* surrogate (``SurrogateAccuracy.from_shipped()``: fit time, then per-architecture
  prediction time, batched and one at a time),

then the surrogate's Spearman / Kendall / MAE on its held-out split of the shipped
trained results, and (without ``--quick``) its Spearman against the trained oracle on
fresh architectures the shipped data does not contain.

Then the Accel-NASBench ImageNet oracle (``AccelNASBenchAccuracy``): load and call
times, the 5-fold cross-validation figures stored with the shipped model, and (without
``--quick``) the same 5-fold CV recomputed from scratch (goal: Spearman >= 0.97, Kendall
>= 0.88, MAE <= 0.5 points). ``--select`` adds the model-family comparison the family was
chosen by (5-fold CV of ridge regression, a random forest, histogram gradient boosting and
one gradient-boosted member on the same features). ``--accel-nasbench-only`` skips the
other oracles.

Usage::

    python benchmarks/bench_oracles.py            # ~10-15 minutes on one core
    python benchmarks/bench_oracles.py --quick    # ~1 minute
    python benchmarks/bench_oracles.py --accel-nasbench-only --select
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def _fmt(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.2f} us"


def _row(name: str, per_arch_s: float | None, note: str) -> None:
    cost = "n/a" if per_arch_s is None else _fmt(per_arch_s)
    print(f"{name:<12} {cost:>12}   {note}")


def bench_tabular(n: int) -> None:
    try:
        from archgym.oracles.tabular import NB201Accuracy  # type: ignore[import-not-found]
    except ImportError as exc:
        _row("tabular", None, f"not available ({exc})")
        return
    try:
        oracle = NB201Accuracy()
        idx = list(range(n))
        oracle(idx[:1])
        t0 = time.perf_counter()
        oracle(idx)
        dt = (time.perf_counter() - t0) / n
        t0 = time.perf_counter()
        for i in idx[:100]:
            oracle(i)
        dt1 = (time.perf_counter() - t0) / 100
        _row("tabular", dt, f"NB201 lookup, batch of {n}; one at a time {_fmt(dt1)}")
    except Exception as exc:  # noqa: BLE001 - report, do not crash the benchmark
        _row("tabular", None, f"not available ({type(exc).__name__}: {exc})")


def _fmt_cv(cv: dict) -> str:
    return (
        f"Spearman {cv['spearman']:.4f}, Kendall {cv['kendall']:.4f}, "
        f"MAE {cv['mae']:.3f} pp, RMSE {cv['rmse']:.3f} pp"
    )


def bench_accel_nasbench(quick: bool, select: bool) -> None:
    """The Accel-NASBench accuracy oracle: timing, stored and recomputed 5-fold CV."""
    import os

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from archgym.oracles import accel_nasbench as anb
    from archgym.oracles.accel_nasbench import AccelNASBenchAccuracy
    from archgym.workloads.accel_nasbench import load_accel_nasbench

    print()
    print("Accel-NASBench ImageNet accuracy oracle")
    anb._load_model.cache_clear()
    t0 = time.perf_counter()
    oracle = AccelNASBenchAccuracy()
    load_s = time.perf_counter() - t0
    df = load_accel_nasbench()
    archs = df.to_dict("records")
    oracle(archs[:1])
    t0 = time.perf_counter()
    pred = oracle(df)
    batch_s = (time.perf_counter() - t0) / len(df)
    t0 = time.perf_counter()
    for arch in archs[:50]:
        oracle(arch)
    one_s = (time.perf_counter() - t0) / 50
    t0 = time.perf_counter()
    std = oracle.std(df)
    std_s = (time.perf_counter() - t0) / len(df)
    _row(
        "accel-nasb",
        batch_s,
        f"batch of {len(df)}; one at a time {_fmt(one_s)}; std {_fmt(std_s)} per arch; "
        f"load {_fmt(load_s)}; {oracle.describe()['model']}",
    )
    y = df["val_top1"].to_numpy(float)
    print(
        f"  in-sample (fitted rows): MAE {np.mean(np.abs(pred - y)):.3f} pp; "
        f"calibrated std: median {np.median(std):.3f} pp"
    )
    cv = oracle.cv_metrics()
    print(f"  5-fold CV stored with the shipped model: {_fmt_cv(cv)}")
    print("  goal: Spearman >= 0.97, Kendall >= 0.88, MAE <= 0.5 pp")
    X, y = anb._shipped_xy()
    if not quick:
        t0 = time.perf_counter()
        re = anb.cross_validate(X, y)
        print(
            f"  5-fold CV recomputed ({re['n_members']} members, {time.perf_counter() - t0:.0f} s): "
            f"{_fmt_cv(re)}; spread RMS {re['spread_rms']:.3f} pp -> calibration "
            f"x{re['std_scale']:.2f}; Spearman(spread, |error|) {re['spread_error_spearman']:.3f}"
        )
    if select:
        from scipy.stats import kendalltau, spearmanr
        from sklearn.ensemble import (
            GradientBoostingRegressor,
            HistGradientBoostingRegressor,
            RandomForestRegressor,
        )
        from sklearn.linear_model import RidgeCV
        from sklearn.model_selection import KFold
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import OneHotEncoder

        families = {
            "ridge (one-hot)": lambda s: make_pipeline(
                OneHotEncoder(handle_unknown="ignore"), RidgeCV(alphas=np.logspace(-3, 3, 13))
            ),
            "random forest": lambda s: RandomForestRegressor(
                200, max_features=0.33, n_jobs=1, random_state=s
            ),
            "hist. boosting": lambda s: HistGradientBoostingRegressor(
                max_iter=400, learning_rate=0.1, max_leaf_nodes=7, random_state=s
            ),
            "boosting (1 member)": lambda s: GradientBoostingRegressor(
                **anb.FIT_PARAMS, random_state=s
            ),
        }
        print("  model families, 5-fold CV on the same folds:")
        for name, make in families.items():
            t0 = time.perf_counter()
            p = np.empty_like(y)
            for tr, te in KFold(5, shuffle=True, random_state=0).split(X):
                p[te] = make(0).fit(X[tr], y[tr]).predict(X[te])
            print(
                f"    {name:<20} Spearman {spearmanr(y, p).statistic:.4f}, "
                f"Kendall {kendalltau(y, p).statistic:.4f}, MAE {np.mean(np.abs(y - p)):.3f} pp "
                f"({time.perf_counter() - t0:.0f} s)"
            )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--quick", action="store_true", help="fewer trained architectures (about a minute)"
    )
    p.add_argument(
        "--n-trained", type=int, default=None, help="architectures to train (default 8, quick 2)"
    )
    p.add_argument(
        "--select", action="store_true", help="Accel-NASBench: compare model families by 5-fold CV"
    )
    p.add_argument(
        "--accel-nasbench-only", action="store_true", help="only the Accel-NASBench oracle"
    )
    a = p.parse_args(argv)
    n_trained = a.n_trained if a.n_trained is not None else (2 if a.quick else 8)
    if a.accel_nasbench_only:
        print(f"{'oracle':<12} {'per arch':>12}   notes")
        bench_accel_nasbench(a.quick, a.select)
        return 0

    import torch

    torch.set_num_threads(1)
    from scipy.stats import kendalltau, spearmanr

    from archgym.oracles.datasets import fashion_mnist_available
    from archgym.oracles.surrogate import SurrogateAccuracy
    from archgym.oracles.trained import TrainedAccuracy
    from archgym.workloads.mobilenet_space import random_choice

    print(f"{'oracle':<12} {'per arch':>12}   notes")
    bench_tabular(1000)

    # Surrogate: fit once, then predict.
    t0 = time.perf_counter()
    sur = SurrogateAccuracy.from_shipped()
    fit_s = time.perf_counter() - t0
    rng = np.random.default_rng(12345)
    archs = [random_choice(rng) for _ in range(500)]
    t0 = time.perf_counter()
    sur(archs)
    batch_s = (time.perf_counter() - t0) / len(archs)
    t0 = time.perf_counter()
    for arch in archs[:20]:
        sur(arch)
    one_s = (time.perf_counter() - t0) / 20
    _row(
        "surrogate",
        batch_s,
        f"batch of 500; one at a time {_fmt(one_s)}; fit {fit_s:.1f} s "
        f"on {sur.describe()['n_results']} results",
    )

    # Trained: the default budget (the one the shipped data used), no cache.
    dataset = "fashion_mnist" if fashion_mnist_available() else "digits"
    trained = TrainedAccuracy(dataset=dataset, cache_dir=False)
    fresh = [random_choice(rng) for _ in range(n_trained)]
    times, accs = [], []
    for arch in fresh:
        rec = trained.record(arch)
        times.append(rec["train_seconds"])
        accs.append(rec["accuracy"])
    desc = trained.describe()
    _row(
        "trained",
        float(np.mean(times)),
        f"{dataset}, {desc['budget']}; min {min(times):.1f} s, max {max(times):.1f} s over {n_trained} archs",
    )

    m = sur.held_out_metrics()
    print()
    print(
        f"surrogate held-out vs trained oracle ({m['n']} of {m['n'] + m['n_train']} shipped results): "
        f"Spearman {m['spearman']:.3f}, Kendall {m['kendall']:.3f}, MAE {m['mae']:.2f} pp, "
        f"RMSE {m['rmse']:.2f} pp"
    )
    if dataset == "fashion_mnist" and n_trained >= 5:
        pred = sur(fresh)
        print(
            f"surrogate vs trained oracle on {n_trained} fresh architectures: "
            f"Spearman {spearmanr(accs, pred).statistic:.3f}, "
            f"Kendall {kendalltau(accs, pred).statistic:.3f}, "
            f"MAE {float(np.mean(np.abs(pred - np.asarray(accs)))):.2f} pp"
        )
    elif dataset != "fashion_mnist":
        print(
            "(fresh-architecture check skipped: the shipped surrogate is fitted to Fashion-MNIST results)"
        )
    bench_accel_nasbench(a.quick, a.select)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
