"""A surrogate accuracy oracle: a scikit-learn model fitted to trained results.

:class:`SurrogateAccuracy` predicts the accuracy the trained oracle
(:class:`~archgym.oracles.trained.TrainedAccuracy`) would report for a MobileNet-space
choice, in microseconds instead of seconds. It is fitted to real trained results, and
its error on a held-out split of them is measured and reported by
:meth:`SurrogateAccuracy.held_out_metrics` and :meth:`SurrogateAccuracy.describe`.

Features (:func:`surrogate_features`): the encoded choice (per stage a one-hot block
type, kernel, expansion, width multiplier, depth and — for grouped blocks — group
size; the resolution) plus three derived from the full-size network the choice lowers
to: log10 MACs, log10 parameters and the number of blocks.

A dataset of trained results ships in ``archgym/data/surrogate/`` (see its README for
the command that made it, its budget and the time it took); generate another with::

    python -m archgym.oracles.surrogate generate --n 150 --seed 0 \\
        --out archgym/data/surrogate/mobilenet_fashion_mnist.csv

which samples choices uniformly, trains each with the trained oracle and appends one
CSV row per architecture as it finishes (a killed run resumes where it stopped).
``python -m archgym.oracles.surrogate fit --data FILE`` fits and prints the held-out
metrics.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .base import AccuracyOracle, OracleError

__all__ = ["SurrogateAccuracy", "surrogate_features", "SHIPPED_DATA", "load_results", "generate"]

#: The shipped dataset, relative to the ``archgym`` package.
SHIPPED_DATA = "data/surrogate/mobilenet_fashion_mnist.csv"

#: Training-setting columns of a results CSV (one value per file is expected).
SETTING_COLUMNS = (
    "dataset",
    "split",
    "epochs",
    "max_train_samples",
    "max_val_samples",
    "width_scale",
    "batch_size",
    "lr",
    "optimizer",
    "schedule",
    "num_threads",
    "seed",
)


def _knobs() -> list[tuple[str, str, tuple[Any, ...]]]:
    from archgym.workloads.mobilenet_space import MOBILENET_SPACE_KNOBS

    return MOBILENET_SPACE_KNOBS


def surrogate_features(archs: Sequence[Mapping[str, Any]]) -> np.ndarray:
    """Feature matrix of MobileNet-space choices: ``len(archs) x 60`` float array.

    Raises:
        OracleError: an invalid choice (the message names the key and allowed values).
    """
    from archgym.workloads.layers import WorkloadError
    from archgym.workloads.mobilenet_space import build_plan, choice_features, mobilenet_workload

    rows = []
    for arch in archs:
        try:
            base = choice_features(arch)
            wl = mobilenet_workload(arch)
            n_blocks = len(build_plan(arch).blocks)
        except WorkloadError as exc:
            raise OracleError(str(exc)) from None
        rows.append(np.concatenate([base, [math.log10(wl.macs), math.log10(wl.params), n_blocks]]))
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), -1)


def _metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    from scipy.stats import kendalltau, spearmanr

    err = y_pred - y_true
    return {
        "spearman": float(spearmanr(y_true, y_pred).statistic),
        "kendall": float(kendalltau(y_true, y_pred).statistic),
        "mae": float(np.mean(np.abs(err))),
        "rmse": float(np.sqrt(np.mean(err**2))),
        "n": int(len(y_true)),
    }


def _parse_value(name: str, text: str) -> Any:
    for _, _, choices in (k for k in _knobs() if k[0] == name):
        for c in choices:
            if str(c) == text or (not isinstance(c, str) and _float_eq(text, c)):
                return c
        raise OracleError(f"column {name}: value {text!r} is not one of {choices}")
    return text


def _float_eq(text: str, value: float) -> bool:
    try:
        return float(text) == float(value)
    except ValueError:
        return False


def load_results(
    path: str | os.PathLike[str],
) -> tuple[list[dict[str, Any]], np.ndarray, dict[str, str]]:
    """Read a results CSV: ``(choices, accuracies, settings)``.

    Raises:
        OracleError: the file is missing, lacks knob or ``accuracy`` columns, or holds
            a value outside a knob's choices or an accuracy outside [0, 100].
    """
    path = Path(path)
    try:
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise OracleError(f"cannot read surrogate data {path}: {exc}") from None
    if not rows:
        raise OracleError(f"surrogate data {path} has no rows")
    names = [k for k, _, _ in _knobs()]
    missing = [n for n in [*names, "accuracy"] if n not in rows[0]]
    if missing:
        raise OracleError(f"surrogate data {path} lacks columns {missing}")
    archs, accs = [], []
    for i, row in enumerate(rows, start=2):
        try:
            archs.append({n: _parse_value(n, row[n]) for n in names})
            acc = float(row["accuracy"])
        except (OracleError, ValueError) as exc:
            raise OracleError(f"{path}, line {i}: {exc}") from None
        if not (math.isfinite(acc) and 0.0 <= acc <= 100.0):
            raise OracleError(f"{path}, line {i}: accuracy {acc} is outside [0, 100]")
        accs.append(acc)
    settings = {c: rows[0][c] for c in SETTING_COLUMNS if c in rows[0]}
    return archs, np.asarray(accs, dtype=np.float64), settings


class SurrogateAccuracy(AccuracyOracle):
    """A regression model of trained accuracy over the MobileNet-like space.

    Args:
        model: ``"rf"`` (random forest, default) or ``"gbr"`` (gradient boosting).
        test_fraction: share of the data held out to measure the error.
        seed: seed of the held-out split and of the model.
        refit_full: after measuring the held-out error, refit on all the data (the
            reported error then describes a model trained on slightly less data,
            i.e. is slightly pessimistic).
        source: a note on where the training data came from (shown by ``describe``).
        cv_folds: also measure the error by k-fold cross-validation over all the data
            (more stable than one small held-out split; 0 to skip).

    Raises:
        OracleError: ``evaluate`` before ``fit``; an unknown model.
    """

    kind = "surrogate"

    def __init__(
        self,
        model: str = "rf",
        test_fraction: float = 0.2,
        seed: int = 0,
        refit_full: bool = True,
        source: str = "user data",
        cv_folds: int = 5,
    ) -> None:
        if model not in ("rf", "gbr"):
            raise OracleError(f"unknown surrogate model {model!r}; known: 'rf', 'gbr'")
        if not 0.0 < test_fraction < 1.0:
            raise OracleError(f"test_fraction must be in (0, 1), got {test_fraction}")
        self.model_name = model
        self.test_fraction = float(test_fraction)
        self.seed = int(seed)
        self.refit_full = bool(refit_full)
        self.source = source
        self.cv_folds = int(cv_folds)
        self.settings: dict[str, str] = {}
        self._archs: list[dict[str, Any]] = []
        self._acc = np.zeros(0)
        self._model: Any = None
        self._metrics: dict[str, float] | None = None
        self._cv: dict[str, float] | None = None

    def _new_model(self) -> Any:
        if self.model_name == "rf":
            from sklearn.ensemble import RandomForestRegressor

            return RandomForestRegressor(
                n_estimators=200,
                min_samples_leaf=2,
                max_features=0.5,
                random_state=self.seed,
                n_jobs=1,
            )
        from sklearn.ensemble import GradientBoostingRegressor

        return GradientBoostingRegressor(
            n_estimators=300, learning_rate=0.03, max_depth=3, subsample=0.8, random_state=self.seed
        )

    def fit(
        self, archs: Sequence[Mapping[str, Any]], accuracies: Sequence[float] | np.ndarray
    ) -> SurrogateAccuracy:
        """Fit to trained results and measure the held-out error.

        Args:
            archs: MobileNet-space choices.
            accuracies: their trained accuracies (percent), same length.

        Returns:
            ``self``.

        Raises:
            OracleError: mismatched lengths, fewer than 10 results, or an invalid choice.
        """
        from archgym.workloads.mobilenet_space import canonical_choice

        acc = np.asarray(accuracies, dtype=np.float64)
        if acc.ndim != 1 or len(acc) != len(archs):
            raise OracleError(
                f"fit needs one accuracy per architecture: {len(archs)} vs {acc.shape}"
            )
        if len(acc) < 10:
            raise OracleError(f"fit needs at least 10 trained results, got {len(acc)}")
        x = surrogate_features(archs)
        rng = np.random.default_rng(self.seed)
        perm = rng.permutation(len(acc))
        n_test = max(2, int(round(self.test_fraction * len(acc))))
        test, train = perm[:n_test], perm[n_test:]
        m = self._new_model().fit(x[train], acc[train])
        self._metrics = {
            **_metrics(acc[test], np.clip(m.predict(x[test]), 0.0, 100.0)),
            "n_train": int(len(train)),
            "test_fraction": self.test_fraction,
        }
        if self.cv_folds >= 2:
            pred = np.empty_like(acc)
            for fold in np.array_split(perm, self.cv_folds):
                rest = np.setdiff1d(perm, fold)
                pred[fold] = self._new_model().fit(x[rest], acc[rest]).predict(x[fold])
            self._cv = {**_metrics(acc, np.clip(pred, 0.0, 100.0)), "folds": self.cv_folds}
        self._model = self._new_model().fit(x, acc) if self.refit_full else m
        self._archs = [canonical_choice(a) for a in archs]
        self._acc = acc
        return self

    def evaluate(self, archs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Predicted accuracies (percent, clipped to [0, 100]): shape ``(len(archs),)``."""
        if self._model is None:
            raise OracleError(
                "SurrogateAccuracy.evaluate before fit (use fit, load or from_shipped)"
            )
        if len(archs) == 0:
            return np.zeros(0)
        return np.clip(self._model.predict(surrogate_features(archs)), 0.0, 100.0)

    def held_out_metrics(self) -> dict[str, float]:
        """Spearman, Kendall, MAE and RMSE (percentage points) on the held-out split
        (``n`` results; the model was fitted to the other ``n_train``).

        Raises:
            OracleError: before ``fit``.
        """
        if self._metrics is None:
            raise OracleError("no held-out metrics before fit")
        return dict(self._metrics)

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            **super().describe(),
            "space": "mobilenet",
            "model": {"rf": "RandomForestRegressor", "gbr": "GradientBoostingRegressor"}[
                self.model_name
            ],
            "source": self.source,
            "n_results": int(len(self._acc)),
            "target": "accuracy of the trained oracle (percent)",
        }
        if self.settings:
            d["trained_with"] = dict(self.settings)
        if self._metrics is not None:
            d["held_out"] = {
                k: (round(v, 4) if isinstance(v, float) else v) for k, v in self._metrics.items()
            }
        if self._cv is not None:
            d["cross_validation"] = {
                k: (round(v, 4) if isinstance(v, float) else v) for k, v in self._cv.items()
            }
        return d

    # --- persistence ---------------------------------------------------------------------
    def cv_metrics(self) -> dict[str, float] | None:
        """Spearman, Kendall, MAE and RMSE of k-fold cross-validated predictions over all
        the data (``None`` with ``cv_folds < 2``)."""
        return None if self._cv is None else dict(self._cv)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save as JSON: the training data and settings (the model is refitted on load,
        deterministically, so no pickled estimator crosses library versions)."""
        if self._model is None:
            raise OracleError("nothing to save before fit")
        doc = {
            "format": "archgym.surrogate/1",
            "model": self.model_name,
            "test_fraction": self.test_fraction,
            "seed": self.seed,
            "refit_full": self.refit_full,
            "cv_folds": self.cv_folds,
            "source": self.source,
            "settings": self.settings,
            "archs": self._archs,
            "accuracies": self._acc.tolist(),
            "held_out": self._metrics,
        }
        Path(path).write_text(json.dumps(doc, indent=1))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SurrogateAccuracy:
        """Load a surrogate written by :meth:`save`.

        Raises:
            OracleError: the file is unreadable or not a saved surrogate.
        """
        try:
            doc = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise OracleError(f"cannot load surrogate {path}: {exc}") from None
        if not isinstance(doc, dict) or doc.get("format") != "archgym.surrogate/1":
            raise OracleError(f"{path} is not a saved archgym surrogate")
        obj = cls(
            doc["model"],
            doc["test_fraction"],
            doc["seed"],
            doc["refit_full"],
            doc["source"],
            int(doc.get("cv_folds", 5)),
        )
        obj.settings = dict(doc.get("settings") or {})
        obj.fit(doc["archs"], doc["accuracies"])
        return obj

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str], **kwargs: Any) -> SurrogateAccuracy:
        """Fit to a results CSV written by ``generate``."""
        archs, acc, settings = load_results(path)
        obj = cls(source=kwargs.pop("source", str(path)), **kwargs)
        obj.settings = settings
        return obj.fit(archs, acc)

    @classmethod
    def from_shipped(cls, **kwargs: Any) -> SurrogateAccuracy:
        """Fit to the shipped Fashion-MNIST results (``archgym/data/surrogate/``)."""
        ref = resources.files("archgym").joinpath(SHIPPED_DATA)
        with resources.as_file(ref) as p:
            if not Path(p).is_file():
                raise OracleError(
                    f"the shipped surrogate data {SHIPPED_DATA} is missing from the install"
                )
            return cls.from_csv(p, source=f"archgym/{SHIPPED_DATA}", **kwargs)


# --------------------------------------------------------------------------------------
# Generating a dataset
# --------------------------------------------------------------------------------------


def generate(
    n: int,
    seed: int,
    out: str | os.PathLike[str],
    dataset: str = "fashion_mnist",
    time_limit_s: float | None = None,
    log: Any = sys.stderr,
    **oracle_kwargs: Any,
) -> int:
    """Sample ``n`` choices with ``numpy.random.default_rng(seed)``, train each with the
    trained oracle and append one row per architecture to ``out`` as it finishes.

    Rows already in ``out`` (same ``arch_id``) are skipped, so a killed run resumes.

    Returns:
        The number of rows in ``out`` afterwards.
    """
    import torch

    from archgym.workloads.mobilenet_space import (
        canonical_choice,
        mobilenet_workload,
        random_choice,
    )

    from .trained import TrainedAccuracy

    oracle = TrainedAccuracy(space="mobilenet", dataset=dataset, seed=0, **oracle_kwargs)
    names = [k for k, _, _ in _knobs()]
    settings = {**asdict(oracle.settings), "dataset": dataset, "seed": oracle.seed}
    cols = [
        "arch_id",
        *names,
        "accuracy",
        "train_loss",
        "train_seconds",
        "params_trained",
        "input_side",
        "macs_full",
        "params_full",
        *SETTING_COLUMNS,
        "torch_version",
    ]
    out = Path(out)
    done: set[int] = set()
    if out.exists() and out.stat().st_size:
        with open(out, newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames != cols:
                raise OracleError(f"{out} exists with other columns; choose another --out")
            for row in reader:
                done.add(int(row["arch_id"]))
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", newline="") as fh:
            csv.writer(fh).writerow(cols)
    rng = np.random.default_rng(seed)
    choices = [random_choice(rng) for _ in range(n)]
    t_start = time.perf_counter()
    for i, choice in enumerate(choices):
        if i in done:
            continue
        if time_limit_s is not None and time.perf_counter() - t_start > time_limit_s:
            print(f"time limit reached after {len(done)} rows", file=log)
            break
        canon = canonical_choice(choice)
        rec = oracle.record(canon)
        wl = mobilenet_workload(canon)
        row = {
            "arch_id": i,
            **canon,
            "accuracy": f"{rec['accuracy']:.4f}",
            "train_loss": f"{rec.get('train_loss', float('nan')):.5f}",
            "train_seconds": f"{rec.get('train_seconds', float('nan')):.2f}",
            "params_trained": rec.get("params", ""),
            "input_side": rec.get("input_side", ""),
            "macs_full": wl.macs,
            "params_full": wl.params,
            **{c: settings[c] for c in SETTING_COLUMNS},
            "torch_version": torch.__version__,
        }
        with open(out, "a", newline="") as fh:
            csv.DictWriter(fh, fieldnames=cols).writerow(row)
            fh.flush()
            os.fsync(fh.fileno())
        done.add(i)
        print(
            f"[{len(done)}/{n}] arch {i}: {rec['accuracy']:.2f}% "
            f"({rec.get('train_seconds', 0):.1f} s, cached={rec['cached']}, "
            f"elapsed {time.perf_counter() - t_start:.0f} s)",
            file=log,
            flush=True,
        )
    return len(done)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``generate`` a results CSV, or ``fit`` one and print its metrics."""
    p = argparse.ArgumentParser(
        prog="python -m archgym.oracles.surrogate", description=__doc__.split("\n")[0]
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="train sampled architectures and write a results CSV")
    g.add_argument("--n", type=int, default=150, help="architectures to sample")
    g.add_argument("--seed", type=int, default=0, help="sampling seed")
    g.add_argument("--out", required=True, help="CSV to write (appended to; resumes)")
    g.add_argument("--dataset", default="fashion_mnist", choices=["fashion_mnist", "digits"])
    g.add_argument("--epochs", type=int, default=None)
    g.add_argument("--max-train-samples", type=int, default=None)
    g.add_argument("--max-val-samples", type=int, default=None)
    g.add_argument("--width-scale", type=float, default=None)
    g.add_argument("--batch-size", type=int, default=None)
    g.add_argument(
        "--time-limit-min", type=float, default=None, help="stop starting new trainings after this"
    )
    g.add_argument(
        "--cache-dir", default=None, help="trained-oracle cache (default: ~/.cache/archgym/oracles)"
    )
    f = sub.add_parser("fit", help="fit a surrogate to a results CSV and print held-out metrics")
    f.add_argument("--data", default=None, help="results CSV (default: the shipped one)")
    f.add_argument("--model", default="rf", choices=["rf", "gbr"])
    f.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    if a.cmd == "generate":
        kw = {
            k: v
            for k, v in {
                "epochs": a.epochs,
                "max_train_samples": a.max_train_samples,
                "max_val_samples": a.max_val_samples,
                "width_scale": a.width_scale,
                "batch_size": a.batch_size,
                "cache_dir": a.cache_dir,
            }.items()
            if v is not None
        }
        t0 = time.perf_counter()
        rows = generate(
            a.n,
            a.seed,
            a.out,
            a.dataset,
            None if a.time_limit_min is None else a.time_limit_min * 60,
            **kw,
        )
        print(f"{rows} rows in {a.out}; {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        return 0
    s = (
        SurrogateAccuracy.from_csv(a.data, model=a.model, seed=a.seed)
        if a.data
        else SurrogateAccuracy.from_shipped(model=a.model, seed=a.seed)
    )
    print(json.dumps(s.describe(), indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
