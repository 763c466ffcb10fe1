"""ImageNet accuracy of Accel-NASBench architectures: an ensemble of boosted trees.

:class:`AccelNASBenchAccuracy` predicts the ImageNet-2012 top-1 accuracy (%) that
Accel-NASBench's proxy training gives an architecture of its space
(:mod:`archgym.workloads.accel_nasbench`). It is fitted to the 4,368 architectures the
benchmark ships (``archgym/data/accel_nasbench/anb_given.csv.gz``, real training results,
one seed each) and is what agents query for architectures the table does not contain.

**Model.** An ensemble of ``n_members`` gradient-boosted regression-tree models
(scikit-learn's ``GradientBoostingRegressor``, squared error, trees of depth <= 3 with
<= 7 leaves, ``learning_rate=0.1``, 400 trees, row subsampling 0.8), each fitted on a bootstrap
resample of the rows with its own seed. The features are the 28 architecture columns as
numbers (expansion, kernel, depth, squeeze-excite per stage). The prediction is the
members' mean; :meth:`AccelNASBenchAccuracy.std` is the members' standard deviation
times one global calibration factor, chosen by 5-fold cross-validation so that the
calibrated spread's root mean square equals the out-of-fold error's. The family (boosted
trees against ridge regression, random forests and histogram boosting) was chosen by
5-fold cross-validation (``benchmarks/bench_oracles.py --select``).

**Shipped form.** The fitted trees are stored as plain arrays (``accuracy_trees.npz``:
node features, thresholds, children and leaf values; never a pickle) and evaluated with
numpy, so nothing read from the file is executed and no scikit-learn is needed at run
time. Refit them (about 5-10 minutes on one core; the 5-fold CV for the calibration is
included) with::

    python -m archgym.oracles.accel_nasbench fit

which overwrites the shipped file and prints the cross-validated Spearman, Kendall and
MAE. ``python -m archgym.oracles.accel_nasbench cv`` prints them without writing.

**Noise.** Eleven architectures appear twice in the table (trained twice): their two
accuracies differ by 0.14 points RMS, a seed noise of about 0.10 points, far below the
model's error; the cross-validated error is the model's, not the data's ceiling.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .base import AccuracyOracle, OracleError

__all__ = [
    "AccelNASBenchAccuracy",
    "SHIPPED_MODEL",
    "FIT_PARAMS",
    "anb_features",
    "fit_ensemble",
    "cross_validate",
    "predict_trees",
]

#: The shipped fitted model, relative to the ``archgym`` package.
SHIPPED_MODEL = "data/accel_nasbench/accuracy_trees.npz"
#: Hyper-parameters of every member (``sklearn.ensemble.GradientBoostingRegressor``).
FIT_PARAMS: dict[str, Any] = {
    "n_estimators": 400,
    "learning_rate": 0.1,
    "max_depth": 3,
    "max_leaf_nodes": 7,
    "subsample": 0.8,
}
N_MEMBERS = 5
_CHUNK = 256  # rows evaluated at once (bounds the (rows x trees) work arrays)


def anb_features(archs: Any) -> np.ndarray:
    """The model's features: the 28 architecture columns as an ``(n, 28)`` float64 array.

    Args:
        archs: a DataFrame with the columns ``block0_e`` ... ``block6_se``, one mapping or
            a sequence of mappings.

    Raises:
        OracleError: a missing column or a value outside a column's choices (the message
            names the column and the allowed values).
    """
    from archgym.workloads.accel_nasbench import arch_matrix
    from archgym.workloads.layers import WorkloadError

    try:
        return arch_matrix(archs).astype(np.float64)
    except WorkloadError as exc:
        raise OracleError(str(exc)) from None
    except TypeError as exc:
        raise OracleError(
            f"Accel-NASBench architectures must be mappings or a DataFrame with the columns "
            f"block0_e ... block6_se ({exc})"
        ) from None


# --------------------------------------------------------------------------------------
# Trees as arrays
# --------------------------------------------------------------------------------------


def _prepare(model: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Global child indices and typed arrays for :func:`predict_trees` (computed once per
    loaded model)."""
    feature = model["feature"].astype(np.int64)
    start = model["tree_start"].astype(np.int64)
    left = model["left"].astype(np.int64)
    right = model["right"].astype(np.int64)
    member = model["tree_member"].astype(np.int64)
    n_members = int(model["init"].shape[0])
    tree_of_node = np.repeat(np.arange(len(start)), np.diff(np.append(start, len(feature))))
    base = start[tree_of_node]
    onehot = np.zeros((len(start), n_members))
    onehot[np.arange(len(start)), member] = 1.0
    leaf = left < 0
    return {
        "start": start,
        "left": np.where(leaf, np.arange(len(feature)), left + base),  # a leaf loops on itself
        "right": np.where(leaf, np.arange(len(feature)), right + base),
        "feature": np.maximum(feature, 0),
        "threshold": np.where(leaf, np.inf, model["threshold"].astype(np.float64)),
        "value": model["value"].astype(np.float64),
        "onehot": onehot,
        "init": np.asarray(model["init"], np.float64),
        "learning_rate": np.asarray(model["learning_rate"], np.float64),
        "depth": np.array(_max_depth(left, right, start)),
    }


def _max_depth(left: np.ndarray, right: np.ndarray, start: np.ndarray) -> int:
    """Largest number of decisions from a root to a leaf over all trees."""
    depth = np.zeros(len(left), np.int64)
    bounds = np.append(start, len(left)).tolist()
    for s0, end in zip(bounds[:-1], bounds[1:], strict=True):
        for i in range(s0, end):  # scikit-learn numbers children after their parent
            for c in (int(left[i]), int(right[i])):
                if c >= 0:
                    depth[s0 + c] = depth[i] + 1
    return int(depth.max())


def predict_trees(model: Mapping[str, np.ndarray], X: np.ndarray) -> np.ndarray:
    """Per-member predictions of a stored ensemble: ``(n_members, n)`` float64.

    ``model`` holds, over all trees concatenated: ``feature`` (int8, -1 at leaves),
    ``threshold`` (float32; go left when ``x[feature] <= threshold``), ``left`` /
    ``right`` (int16, child offsets within the tree, -1 at leaves), ``value`` (float32,
    leaf outputs); per tree ``tree_start`` (int32) and ``tree_member`` (int16); per member
    ``init`` and ``learning_rate`` (float64). ``model`` may also be the output of
    ``_prepare`` (what the oracle keeps).
    """
    pm = model if "onehot" in model else _prepare(model)
    start, thr, feat = pm["start"], pm["threshold"], pm["feature"]
    gl, gr, value, onehot = pm["left"], pm["right"], pm["value"], pm["onehot"]
    X = np.asarray(X, np.float32).astype(np.float64)  # sklearn compares float32 inputs
    n, d = X.shape
    out = np.empty((len(pm["init"]), n))
    for a in range(0, n, _CHUNK):
        xb = X[a : a + _CHUNK]
        flat = xb.reshape(-1)
        offs = (np.arange(len(xb)) * d)[:, None]
        node = np.broadcast_to(start, (len(xb), len(start))).copy()
        for _ in range(int(pm["depth"])):
            go_left = flat[offs + feat[node]] <= thr[node]
            node = np.where(go_left, gl[node], gr[node])
        sums = value[node] @ onehot  # (chunk, n_members), fixed summation order
        out[:, a : a + len(xb)] = (pm["init"][None, :] + pm["learning_rate"] * sums).T
    return out


def _export(models: Sequence[Any]) -> dict[str, np.ndarray]:
    """The fitted ``GradientBoostingRegressor`` members as plain arrays."""
    feats, thrs, lefts, rights, values, starts, members = [], [], [], [], [], [], []
    pos = 0
    for m, gbr in enumerate(models):
        for est in gbr.estimators_[:, 0]:
            t = est.tree_
            starts.append(pos)
            members.append(m)
            leaf = t.children_left < 0
            feats.append(np.where(leaf, -1, t.feature).astype(np.int8))
            thrs.append(np.where(leaf, 0.0, t.threshold).astype(np.float32))
            lefts.append(t.children_left.astype(np.int16))
            rights.append(t.children_right.astype(np.int16))
            values.append(t.value[:, 0, 0].astype(np.float32))
            pos += t.node_count
    return {
        "feature": np.concatenate(feats),
        "threshold": np.concatenate(thrs),
        "left": np.concatenate(lefts),
        "right": np.concatenate(rights),
        "value": np.concatenate(values),
        "tree_start": np.array(starts, np.int32),
        "tree_member": np.array(members, np.int16),
        "init": np.array([float(g.init_.constant_.ravel()[0]) for g in models]),
        "learning_rate": np.array([g.learning_rate for g in models], np.float64),
    }


def fit_ensemble(
    X: np.ndarray,
    y: np.ndarray,
    n_members: int = N_MEMBERS,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
) -> dict[str, np.ndarray]:
    """Fit the ensemble (bootstrap resample + seed per member) and export it as arrays.

    Args:
        X: ``(n, 28)`` features (:func:`anb_features`).
        y: ``(n,)`` top-1 accuracies (%).
        n_members: ensemble size.
        seed: base seed (member ``m`` uses ``seed + m``).
        params: ``GradientBoostingRegressor`` settings (default :data:`FIT_PARAMS`).

    Returns:
        The arrays :func:`predict_trees` evaluates; checked to reproduce scikit-learn's
        own predictions on ``X`` (to float32 leaf precision).
    """
    import os

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from sklearn.ensemble import GradientBoostingRegressor

    p = dict(FIT_PARAMS if params is None else params)
    models = []
    for m in range(n_members):
        rng = np.random.default_rng(seed + m)
        idx = rng.integers(0, len(y), len(y))
        g = GradientBoostingRegressor(**p, random_state=seed + m)
        g.fit(X[idx], y[idx])
        models.append(g)
    arrays = _export(models)
    ours = predict_trees(arrays, X)
    theirs = np.stack([g.predict(X) for g in models])
    err = float(np.abs(ours - theirs).max())
    if err > 1e-3:
        raise OracleError(f"exported trees disagree with scikit-learn by {err:.3g} points")
    return arrays


def _rank_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    from scipy.stats import kendalltau, spearmanr

    return {
        "spearman": float(spearmanr(y, pred).statistic),
        "kendall": float(kendalltau(y, pred).statistic),
        "mae": float(np.mean(np.abs(y - pred))),
        "rmse": float(np.sqrt(np.mean((y - pred) ** 2))),
    }


def cross_validate(
    X: np.ndarray,
    y: np.ndarray,
    n_splits: int = 5,
    n_members: int = N_MEMBERS,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """K-fold cross-validation of the ensemble on ``(X, y)``.

    Returns:
        ``spearman``, ``kendall``, ``mae``, ``rmse`` of the out-of-fold means;
        ``spread_rms`` (RMS of the raw ensemble spread), ``std_scale`` (RMSE over
        ``spread_rms``: the calibration factor), ``spread_error_spearman`` (how well the
        spread ranks the absolute errors), and the out-of-fold ``pred`` and ``spread``.
    """
    from sklearn.model_selection import KFold

    pred = np.empty_like(y, dtype=np.float64)
    spread = np.empty_like(pred)
    for k, (tr, te) in enumerate(KFold(n_splits, shuffle=True, random_state=seed).split(X)):
        t0 = time.perf_counter()
        arrays = fit_ensemble(X[tr], y[tr], n_members=n_members, seed=seed, params=params)
        members = predict_trees(arrays, X[te])
        pred[te] = members.mean(axis=0)
        spread[te] = members.std(axis=0) if n_members > 1 else 0.0
        if progress:
            print(f"  fold {k + 1}/{n_splits}: {time.perf_counter() - t0:.1f} s", flush=True)
    out: dict[str, Any] = _rank_metrics(y, pred)
    from scipy.stats import spearmanr

    srms = float(np.sqrt(np.mean(spread**2)))
    out.update(
        n=len(y),
        n_splits=n_splits,
        n_members=n_members,
        spread_rms=srms,
        std_scale=(out["rmse"] / srms) if srms > 0 else float("nan"),
        spread_error_spearman=float(spearmanr(spread, np.abs(y - pred)).statistic)
        if srms > 0
        else float("nan"),
        pred=pred,
        spread=spread,
    )
    return out


# --------------------------------------------------------------------------------------
# The oracle
# --------------------------------------------------------------------------------------


def _shipped_path() -> Path:
    ref = resources.files("archgym").joinpath(SHIPPED_MODEL)
    with resources.as_file(ref) as p:
        return Path(p)


@lru_cache(maxsize=4)
def _load_model(path: str) -> dict[str, np.ndarray]:
    """The stored arrays (read once per process and path; read-only)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise OracleError(
            f"the Accel-NASBench accuracy model {path} is missing; refit it with "
            "`python -m archgym.oracles.accel_nasbench fit`"
        ) from None
    except (ValueError, OSError) as exc:
        raise OracleError(f"cannot read the Accel-NASBench accuracy model {path}: {exc}") from None
    need = {"feature", "threshold", "left", "right", "value", "tree_start", "tree_member"}
    need |= {"init", "learning_rate", "std_scale"}
    missing = sorted(need - set(arrays))
    if missing:
        raise OracleError(f"{path}: not an Accel-NASBench accuracy model (missing {missing})")
    for a in arrays.values():
        a.setflags(write=False)
    return arrays


@lru_cache(maxsize=4)
def _prepared(path: str) -> dict[str, np.ndarray]:
    prepared = _prepare(_load_model(path))
    for a in prepared.values():
        a.setflags(write=False)
    return prepared


class AccelNASBenchAccuracy(AccuracyOracle):
    """ImageNet top-1 (%) of Accel-NASBench architectures from the shipped tree ensemble.

    Call it on a list of mappings with the columns ``block0_e`` ... ``block6_se`` (or a
    DataFrame with them, or one mapping): ``oracle(archs) -> (n,) float64 array``.
    :meth:`std` gives the calibrated ensemble spread (an uncertainty agents may use).

    Args:
        path: a model file written by :func:`save_model` (default: the shipped one).

    Raises:
        OracleError: the model file is missing or malformed.
    """

    kind = "surrogate"

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = str(path) if path is not None else str(_shipped_path())
        self._model = _load_model(self.path)
        self._prepared = _prepared(self.path)

    def _is_single(self, archs: Any) -> bool:
        return isinstance(archs, Mapping) or (
            hasattr(archs, "keys") and hasattr(archs, "index") and not hasattr(archs, "columns")
        )

    def __call__(self, archs: Any) -> Any:
        """``oracle(arch) -> float`` for one mapping; ``oracle(archs) -> ndarray`` for a
        list of mappings or a DataFrame."""
        if self._is_single(archs):
            return float(self.evaluate([archs])[0])
        return self.evaluate(archs)

    def members(self, archs: Any) -> np.ndarray:
        """Each member's prediction: ``(n_members, n)`` float64."""
        return predict_trees(self._prepared, anb_features(archs))

    def evaluate(self, archs: Any) -> np.ndarray:
        """Predicted top-1 accuracy (%): ``(n,)`` float64 (the members' mean)."""
        return self.members(archs).mean(axis=0)

    def std(self, archs: Any) -> np.ndarray:
        """Calibrated uncertainty (percentage points): ``(n,)`` float64, the members'
        standard deviation times the cross-validated calibration factor."""
        m = self.members(archs)
        return m.std(axis=0) * float(self._model["std_scale"])

    def predict(self, archs: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(mean, std)`` in one pass."""
        m = self.members(archs)
        return m.mean(axis=0), m.std(axis=0) * float(self._model["std_scale"])

    def cv_metrics(self) -> dict[str, float]:
        """The 5-fold cross-validation figures stored with the model at fit time."""
        keys = ("spearman", "kendall", "mae", "rmse", "spread_error_spearman")
        return {k: float(self._model[f"cv_{k}"]) for k in keys if f"cv_{k}" in self._model}

    def describe(self) -> dict[str, Any]:
        m = self._model
        return {
            "kind": self.kind,
            "class": type(self).__name__,
            "source": "Accel-NASBench (arXiv 2404.08005): ImageNet-2012 top-1 after the "
            "benchmark's proxy training, 4,368 architectures",
            "model": f"{len(m['init'])} boosted-tree members, {len(m['tree_start'])} trees",
            "cv": self.cv_metrics(),
        }


# --------------------------------------------------------------------------------------
# Command line: fit / cv
# --------------------------------------------------------------------------------------


def _shipped_xy() -> tuple[np.ndarray, np.ndarray]:
    from archgym.workloads.accel_nasbench import load_accel_nasbench

    df = load_accel_nasbench()
    return anb_features(df), df["val_top1"].to_numpy(np.float64)


def save_model(path: str | Path, arrays: Mapping[str, ArrayLike]) -> None:
    """Write a model as a compressed ``.npz`` of plain arrays (no pickle)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    # numpy's stub types **kwds as if a key could be its allow_pickle flag
    np.savez_compressed(tmp, **{k: np.asarray(v) for k, v in arrays.items()})  # type: ignore[arg-type]
    tmp.replace(path)


def _print_cv(cv: Mapping[str, Any]) -> None:
    print(
        f"{cv['n_splits']}-fold CV on {cv['n']} architectures ({cv['n_members']} members): "
        f"Spearman {cv['spearman']:.4f}, Kendall {cv['kendall']:.4f}, MAE {cv['mae']:.3f} pp, "
        f"RMSE {cv['rmse']:.3f} pp; spread RMS {cv['spread_rms']:.3f} pp "
        f"(calibration x{cv['std_scale']:.2f}, Spearman(spread, |error|) "
        f"{cv['spread_error_spearman']:.3f})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m archgym.oracles.accel_nasbench",
        description="Refit or cross-validate the Accel-NASBench accuracy oracle.",
    )
    p.add_argument("command", choices=("fit", "cv"))
    p.add_argument("--out", default=None, help="model file (default: the shipped one)")
    p.add_argument("--members", type=int, default=N_MEMBERS)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    X, y = _shipped_xy()
    t0 = time.perf_counter()
    cv = cross_validate(X, y, n_members=a.members, seed=a.seed, progress=True)
    _print_cv(cv)
    if a.command == "cv":
        return 0
    arrays: dict[str, ArrayLike] = dict(fit_ensemble(X, y, n_members=a.members, seed=a.seed))
    arrays["std_scale"] = np.float64(cv["std_scale"])
    for k in ("spearman", "kendall", "mae", "rmse", "spread_error_spearman"):
        arrays[f"cv_{k}"] = np.float64(cv[k])
    arrays["cv_n"] = np.int64(cv["n"])
    out = Path(a.out) if a.out else Path(__file__).resolve().parent.parent / SHIPPED_MODEL
    save_model(out, arrays)
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KiB) in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
