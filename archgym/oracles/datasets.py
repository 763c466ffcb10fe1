"""Small image datasets for the trained accuracy oracle, with fixed, documented splits.

* **Fashion-MNIST** (Xiao et al. 2017; 28x28 grey, 10 classes) read from Debian's
  ``dataset-fashion-mnist`` package (``apt-get install dataset-fashion-mnist``), whose
  IDX ``.gz`` files lie in ``/usr/share/datasets/fashion-mnist``. Parsed with numpy and
  gzip; nothing is downloaded. Splits: the 60,000 training images are permuted once
  with ``numpy.random.default_rng(20240601)``; the last 10,000 of that permutation are
  the validation split, the first 50,000 the training split; the official 10,000 test
  images are the test split.
* **digits** (scikit-learn's 8x8 hand-written digits, 1,797 images, 10 classes,
  always available). Splits: one permutation with ``default_rng(20240601)``; the first
  360 images are the test split, the next 287 the validation split, the remaining 1,150
  the training split.

Pixel values are scaled to ``[0, 1]``; images are ``float32`` arrays of shape
``N x 1 x H x W``, labels ``int64`` of shape ``(N,)``. The split seed is fixed and
independent of any oracle seed, so every oracle and every run sees the same splits.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import DTypeLike

from .base import OracleError

__all__ = [
    "DatasetSplits",
    "FASHION_MNIST_DIRS",
    "SPLIT_SEED",
    "load_fashion_mnist",
    "load_digits",
    "load_dataset",
    "fashion_mnist_available",
    "read_idx",
]

#: Seed of the one permutation that fixes every split (independent of oracle seeds).
SPLIT_SEED = 20240601

#: Where the Fashion-MNIST IDX files are looked for, in order (``$ARCHGYM_FASHION_MNIST_DIR``
#: first when set). Tests monkeypatch this list.
FASHION_MNIST_DIRS: list[str] = ["/usr/share/datasets/fashion-mnist"]

_FMNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

_INSTALL_HINT = (
    "install Debian's package with `apt-get install dataset-fashion-mnist` "
    "(or point $ARCHGYM_FASHION_MNIST_DIR at a folder holding the four IDX .gz files)"
)


@dataclass(frozen=True)
class DatasetSplits:
    """A dataset with its fixed train / validation / test splits.

    Attributes:
        name: ``"fashion_mnist"`` or ``"digits"``.
        x_train, x_val, x_test: ``N x 1 x H x W`` float32 images in ``[0, 1]``.
        y_train, y_val, y_test: ``(N,)`` int64 labels.
        num_classes: number of classes.
        source: where the data came from.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int
    source: str

    @property
    def image_size(self) -> int:
        return int(self.x_train.shape[-1])

    @property
    def channels(self) -> int:
        return int(self.x_train.shape[1])


def _read_only_splits(
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    train: np.ndarray,
    val: np.ndarray,
    test: tuple[np.ndarray, np.ndarray],
    source: str,
    num_classes: int = 10,
) -> DatasetSplits:
    """The splits of a labelled image set, every array read-only (the loaders cache them).

    Args:
        x, y: ``N x 1 x H x W`` images and ``(N,)`` labels the train and validation rows
            come from.
        train, val: row indices of the training and validation splits.
        test: the test split's images and labels.
    """
    out = DatasetSplits(
        name=name,
        x_train=x[train],
        y_train=y[train],
        x_val=x[val],
        y_val=y[val],
        x_test=test[0],
        y_test=test[1],
        num_classes=num_classes,
        source=source,
    )
    for a in (out.x_train, out.y_train, out.x_val, out.y_val, out.x_test, out.y_test):
        a.setflags(write=False)
    return out


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one (optionally gzipped) IDX file into a numpy array.

    Raises:
        OracleError: the file is missing, truncated or not an IDX file.
    """
    path = Path(path)
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError) as exc:
        raise OracleError(f"cannot read IDX file {path}: {exc}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise OracleError(f"{path} is not an IDX file (bad magic number)")
    dtypes: dict[int, DTypeLike] = {
        0x08: np.uint8,
        0x09: np.int8,
        0x0B: ">i2",
        0x0C: ">i4",
        0x0D: ">f4",
        0x0E: ">f8",
    }
    if data[2] not in dtypes:
        raise OracleError(f"{path}: unknown IDX element type 0x{data[2]:02x}")
    ndim = data[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(dtypes[data[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header != expected:
        raise OracleError(
            f"{path}: IDX payload has {len(data) - header} bytes, the header says {expected}"
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)


def _fmnist_dirs() -> list[Path]:
    env = os.environ.get("ARCHGYM_FASHION_MNIST_DIR")
    dirs = ([env] if env else []) + list(FASHION_MNIST_DIRS)
    return [Path(d) for d in dirs]


def _find_fmnist_dir() -> Path | None:
    for d in _fmnist_dirs():
        if all((d / f).is_file() for f in _FMNIST_FILES.values()):
            return d
    return None


def fashion_mnist_available() -> bool:
    """Whether the Fashion-MNIST files are installed."""
    return _find_fmnist_dir() is not None


def load_fashion_mnist() -> DatasetSplits:
    """Fashion-MNIST from Debian's ``dataset-fashion-mnist`` package (50k/10k/10k splits).

    Raises:
        OracleError: the files are not installed (the message gives the install
            command) or are corrupt.
    """
    d = _find_fmnist_dir()
    if d is None:
        looked = ", ".join(str(p) for p in _fmnist_dirs())
        raise OracleError(f"Fashion-MNIST not found (looked in: {looked}); {_INSTALL_HINT}")
    return _load_fmnist_cached(str(d))


@lru_cache(maxsize=2)
def _load_fmnist_cached(folder: str) -> DatasetSplits:
    d = Path(folder)
    arr = {k: read_idx(d / f) for k, f in _FMNIST_FILES.items()}
    for part in ("train", "test"):
        xi, yi = arr[f"{part}_images"], arr[f"{part}_labels"]
        if xi.ndim != 3 or yi.ndim != 1 or len(xi) != len(yi):
            raise OracleError(f"{d}: {part} images {xi.shape} and labels {yi.shape} do not match")
    x = arr["train_images"].astype(np.float32)[:, None] / 255.0
    y = arr["train_labels"].astype(np.int64)
    perm = np.random.default_rng(SPLIT_SEED).permutation(len(x))
    n_val = 10_000
    tr, va = perm[: len(x) - n_val], perm[len(x) - n_val :]
    xt = arr["test_images"].astype(np.float32)[:, None] / 255.0
    yt = arr["test_labels"].astype(np.int64)
    return _read_only_splits(
        "fashion_mnist", x, y, tr, va, (xt, yt), f"Debian dataset-fashion-mnist ({d})"
    )


@lru_cache(maxsize=1)
def load_digits() -> DatasetSplits:
    """scikit-learn's 8x8 digits (1,150 train / 287 validation / 360 test)."""
    try:
        from sklearn.datasets import load_digits as _sk_digits
    except ImportError:  # pragma: no cover - scikit-learn is a declared extra
        raise OracleError(
            "the digits dataset needs scikit-learn: pip install 'archgym[nas]'"
        ) from None
    data = _sk_digits()
    x = (data.images.astype(np.float32) / 16.0)[:, None]
    y = data.target.astype(np.int64)
    perm = np.random.default_rng(SPLIT_SEED).permutation(len(x))
    n_test, n_val = 360, 287
    te, va, tr = perm[:n_test], perm[n_test : n_test + n_val], perm[n_test + n_val :]
    return _read_only_splits(
        "digits", x, y, tr, va, (x[te], y[te]), "scikit-learn load_digits (UCI optical digits, 8x8)"
    )


def load_dataset(name: str) -> DatasetSplits:
    """``"fashion_mnist"`` or ``"digits"``.

    Raises:
        OracleError: an unknown name or a missing dataset.
    """
    if name == "fashion_mnist":
        return load_fashion_mnist()
    if name == "digits":
        return load_digits()
    raise OracleError(f"unknown dataset {name!r}; known: 'fashion_mnist', 'digits'")
