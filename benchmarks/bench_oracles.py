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

Usage::

    python benchmarks/bench_oracles.py            # ~3-4 minutes on one core
    python benchmarks/bench_oracles.py --quick    # ~1 minute
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--quick", action="store_true", help="fewer trained architectures (about a minute)"
    )
    p.add_argument(
        "--n-trained", type=int, default=None, help="architectures to train (default 8, quick 2)"
    )
    a = p.parse_args(argv)
    n_trained = a.n_trained if a.n_trained is not None else (2 if a.quick else 8)

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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
