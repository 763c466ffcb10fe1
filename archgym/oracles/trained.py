"""An accuracy oracle that trains each candidate for real, on the CPU, on a small dataset.

:class:`TrainedAccuracy` builds the candidate as a ``torch.nn.Module``, trains it for a
fixed, small budget and returns its validation accuracy in percent. Results are cached
on disk, so each (architecture, dataset, training settings, seed) is trained once.

What is scaled down, and how (``describe()`` says the same):

* **MobileNet-like space** (:mod:`archgym.workloads.mobilenet_space`): the same block
  structure as the chosen architecture (stem, every block of every stage with its type,
  kernel, expansion, stride, groups and residual, the 1x1 head, global pooling and the
  classifier), built from the same :func:`~archgym.workloads.mobilenet_space.build_plan`
  as the cost model's workload, but with every width multiplied by ``width_scale``
  (default 0.125, rounded to multiples of 2; grouped-convolution group sizes are scaled
  too, then clamped to divide the input width as in the full space), one grey
  input channel, and an input side of ``round(native * resolution / 224)`` (Fashion-MNIST:
  20, 24 or 28 pixels for resolution 160, 192, 224; digits: 6, 7, 8), obtained by
  bilinear resizing. Only the first ``max_downsamples`` stride-2 layers keep their
  stride (3 for Fashion-MNIST, 28 -> 14 -> 7 -> 4; 2 for digits, 8 -> 4 -> 2), so the
  map does not vanish. Each convolution is followed by batch norm (folded at inference
  on the Edge TPU), and ReLU where the workload fuses one.
* **NAS-Bench-201 cells**: the real NB201 cell topology (4 nodes, 6 edges, the five
  operations) and macro skeleton (stem, three stages separated by residual reduction
  blocks, global pooling, classifier), with ``C = 16 * width_scale`` channels (default
  ``width_scale`` 0.5 for NB201: C = 8) and one cell per stage instead of five. A cross-check, not a replacement, for the
  tabular NB201 accuracies.

Training: Adam (lr 3e-3, no weight decay), cosine decay to 0 over all steps, batch 64,
cross-entropy, for ``epochs`` passes over the first ``max_train_samples`` images of the
training split (in a fresh, seeded order each epoch); accuracy on the first
``max_val_samples`` images of the validation split (or the test split with
``split="test"``). Deterministic for a seed: the model is initialised under
``torch.manual_seed(seed)`` inside ``torch.random.fork_rng`` (the caller's global RNG is
untouched), data order comes from a seeded ``torch.Generator``,
``torch.use_deterministic_algorithms(True)`` and a fixed thread count hold while
training. Same seed, same settings, same thread count: bit-identical accuracy.

Cost (one thread of the 2-core development machine, defaults: Fashion-MNIST, 1 epoch
over 8,000 images, batch 64, validation on 2,000): median 9.6 s per MobileNet-space
architecture, 4 s to 47 s depending on its depth, expansions and resolution (measured
over the 136 architectures of the shipped surrogate data). Digits with the tests'
budget (256 training images) takes well under a second. At this budget the accuracy of
one architecture moves by about 1.5 points from seed to seed, and a seed shifts all
architectures alike by several points: compare architectures within one seed.

The pieces: the networks are built in :mod:`~archgym.oracles.trained_models`, trained by
:mod:`~archgym.oracles.training` and cached by :mod:`~archgym.oracles.trained_cache`.

Cache: one JSON object per line in ``<cache_dir>/trained_v<N>.jsonl``; ``cache_dir``
defaults to ``$ARCHGYM_CACHE/oracles`` or ``~/.cache/archgym/oracles``. Each record
stores its key (a SHA-256 of the space, canonical architecture, dataset, settings and
seed) with those inputs, the accuracy, and a SHA-256 checksum of the whole record. A
record that fails a check (not JSON, wrong fields, a checksum or key that does not match
its content, an accuracy outside [0, 100]) is never served: it is ignored with a warning
naming the file and line, and its architecture is trained again — the cache never
yields a made-up number. Records are appended whole under a file lock (concurrent
writers are safe); a final line cut short by a killed process is dropped with a warning;
a record that cannot be written (full disk) is reported and not counted as cached.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from archgym.workloads.nb201 import NB201_OPS  # re-exported (the one list, HW-NAS-Bench id order)

from .base import AccuracyOracle, OracleError
from .datasets import DatasetSplits, load_dataset
from .trained_cache import JsonlCache, default_cache_dir
from .trained_cache import cache_key as _key
from .trained_models import (
    DATASET_GEOMETRY,
    build_mobilenet_model,
    build_nb201_model,
    nb201_string,
    parse_nb201,
)
from .training import TrainSettings, deterministic_torch, torch_module, train_model

__all__ = [
    "TrainedAccuracy",
    "TrainSettings",
    "NB201_OPS",
    "parse_nb201",
    "build_mobilenet_model",
    "build_nb201_model",
    "train_model",
    "default_cache_dir",
]

#: Bumped whenever model building or training changes what a cached result means.
CACHE_VERSION = 1


class TrainedAccuracy(AccuracyOracle):
    """Trains each candidate for real on the CPU and returns its validation accuracy.

    Args:
        space: ``"mobilenet"`` (choices of :mod:`archgym.workloads.mobilenet_space`) or
            ``"nb201"`` (any encoding of :mod:`archgym.workloads.nb201`: index, string,
            tuple of op ids; a tuple of ints is one architecture, a list a batch).
        dataset: ``"fashion_mnist"`` (Debian's ``dataset-fashion-mnist``) or
            ``"digits"`` (scikit-learn).
        epochs: passes over the training subset.
        max_train_samples: training images used (the first ones of the fixed training
            split); ``None`` for all.
        max_val_samples: validation images scored; ``None`` for all.
        width_scale: multiplies every width of the network (MobileNet space, default
            0.125) or the 16-channel NB201 width (default 0.5: C = 8).
        seed: initialisation and data-order seed.
        cache_dir: where results are cached; default :func:`default_cache_dir`.
            ``False`` disables the cache.
        split: ``"val"`` (default) or ``"test"``: the split the accuracy is measured on.
        num_threads: torch threads while training (part of the cache key: a different
            count may change the last bits).
        lr / batch_size / optimizer: the training recipe (see the module docstring).

    Raises:
        OracleError: an unknown space, dataset or split; a missing dataset (at the first
            evaluation); a corrupt cache.
    """

    kind = "trained"

    def __init__(
        self,
        space: str = "mobilenet",
        dataset: str = "fashion_mnist",
        epochs: int = 1,
        max_train_samples: int | None = 8_000,
        max_val_samples: int | None = 2_000,
        width_scale: float | None = None,
        seed: int = 0,
        cache_dir: str | os.PathLike[str] | None | bool = None,
        split: str = "val",
        num_threads: int = 1,
        lr: float = 3e-3,
        batch_size: int = 64,
        optimizer: str = "adam",
    ) -> None:
        if space not in ("mobilenet", "nb201"):
            raise OracleError(f"unknown space {space!r}; known: 'mobilenet', 'nb201'")
        if dataset not in DATASET_GEOMETRY:
            raise OracleError(f"unknown dataset {dataset!r}; known: {sorted(DATASET_GEOMETRY)}")
        if split not in ("val", "test"):
            raise OracleError(f"split must be 'val' or 'test', got {split!r}")
        if width_scale is None:
            width_scale = 0.125 if space == "mobilenet" else 0.5
        if epochs < 1 or width_scale <= 0 or num_threads < 1:
            raise OracleError("epochs and num_threads must be >= 1 and width_scale > 0")
        self.space = space
        self.dataset = dataset
        self.seed = int(seed)
        self.settings = TrainSettings(
            epochs=int(epochs),
            max_train_samples=-1 if max_train_samples is None else int(max_train_samples),
            max_val_samples=-1 if max_val_samples is None else int(max_val_samples),
            width_scale=float(width_scale),
            batch_size=int(batch_size),
            lr=float(lr),
            optimizer=optimizer,
            split=split,
            num_threads=int(num_threads),
        )
        if cache_dir is False:
            self._cache: JsonlCache | None = None
        else:
            folder = default_cache_dir() if cache_dir in (None, True) else Path(cache_dir)  # type: ignore[arg-type]
            self._cache = JsonlCache(folder / f"trained_v{CACHE_VERSION}.jsonl")
        self._data: DatasetSplits | None = None
        self._resized: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.n_trained = 0
        self.n_cache_hits = 0

    # --- architectures ---------------------------------------------------------------
    def _is_single(self, archs: Any) -> bool:
        """One architecture: a choice dict, an NB201 string or index, or (NB201) a tuple of
        op ids; a list is a batch."""
        if isinstance(archs, (str, bytes, Mapping, int, np.integer)):
            return True
        if isinstance(archs, np.ndarray):
            return archs.ndim == 0
        if self.space == "nb201" and isinstance(archs, tuple):
            return all(isinstance(v, (int, np.integer)) for v in archs)
        return False

    def canonical(self, arch: Any) -> Any:
        """The architecture in the form the cache key uses (raises on a bad one)."""
        if self.space == "mobilenet":
            from archgym.workloads.layers import WorkloadError
            from archgym.workloads.mobilenet_space import canonical_choice

            try:
                return canonical_choice(arch)
            except WorkloadError as exc:
                raise OracleError(str(exc)) from None
        return nb201_string(parse_nb201(arch))

    def cache_key(self, arch: Any) -> str:
        return _key(self._key_inputs(self.canonical(arch)))

    def _key_inputs(self, canon: Any) -> dict[str, Any]:
        return {
            "version": CACHE_VERSION,
            "space": self.space,
            "arch": canon,
            "dataset": self.dataset,
            "settings": asdict(self.settings),
            "seed": self.seed,
        }

    # --- data ------------------------------------------------------------------------
    def _splits(self) -> DatasetSplits:
        if self._data is None:
            self._data = load_dataset(self.dataset)
        return self._data

    def _arrays(self, side: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        d = self._splits()
        s = self.settings
        ntr = (
            len(d.x_train) if s.max_train_samples < 0 else min(s.max_train_samples, len(d.x_train))
        )
        xe_all, ye_all = (d.x_val, d.y_val) if s.split == "val" else (d.x_test, d.y_test)
        nev = len(xe_all) if s.max_val_samples < 0 else min(s.max_val_samples, len(xe_all))
        if side not in self._resized:
            xtr, xev = d.x_train[:ntr], xe_all[:nev]
            if side != d.image_size:
                torch = torch_module()
                f = torch.nn.functional

                def rs(a: np.ndarray) -> np.ndarray:
                    t = f.interpolate(
                        torch.from_numpy(np.array(a, dtype=np.float32)),
                        size=(side, side),
                        mode="bilinear",
                        align_corners=False,
                        antialias=True,
                    )
                    return t.numpy()

                xtr, xev = rs(xtr), rs(xev)
            self._resized[side] = (np.ascontiguousarray(xtr), np.ascontiguousarray(xev))
        xtr, xev = self._resized[side]
        return xtr, d.y_train[:ntr], xev, ye_all[:nev]

    # --- evaluation ------------------------------------------------------------------
    def train_one(self, arch: Any) -> dict[str, Any]:
        """Train one architecture (no cache) and return the full record.

        Returns:
            ``{"accuracy", "train_loss", "train_seconds", "params", "input_side"}``.
        """
        canon = self.canonical(arch)
        d = self._splits()
        t0 = time.perf_counter()
        with deterministic_torch(self.seed, self.settings.num_threads):
            if self.space == "mobilenet":
                model, side = build_mobilenet_model(
                    canon, self.dataset, d.num_classes, self.settings.width_scale
                )
            else:
                model = build_nb201_model(
                    parse_nb201(canon), d.num_classes, channels=self._nb201_channels()
                )
                side = d.image_size
            xtr, ytr, xev, yev = self._arrays(side)
            out = train_model(model, xtr, ytr, xev, yev, self.settings, self.seed)
        params = sum(p.numel() for p in model.parameters())
        return {
            "accuracy": float(out["accuracy"]),
            "train_loss": float(out["train_loss"]),
            "train_seconds": time.perf_counter() - t0,
            "params": int(params),
            "input_side": int(side),
        }

    def evaluate(self, archs: Sequence[Any]) -> np.ndarray:
        """Validation accuracies (percent) of a batch: shape ``(len(archs),)``.

        Cached results are returned without training; the others are trained one after
        the other and appended to the cache as they finish.
        """
        out = np.empty(len(archs), dtype=np.float64)
        for i, arch in enumerate(archs):
            out[i] = self.record(arch)["accuracy"]
        return out

    def record(self, arch: Any) -> dict[str, Any]:
        """The cached (or newly trained) record of one architecture."""
        canon = self.canonical(arch)
        inputs = self._key_inputs(canon)
        key = _key(inputs)
        if self._cache is not None:
            hit = self._cache.get(key)
            if hit is not None:
                self.n_cache_hits += 1
                return {
                    "accuracy": float(hit["accuracy"]),
                    **hit.get("details", {}),
                    "cached": True,
                }
        res = self.train_one(canon)
        self.n_trained += 1
        if self._cache is not None:
            details = {k: v for k, v in res.items() if k != "accuracy"}
            self._cache.put(
                {"key": key, "inputs": inputs, "accuracy": res["accuracy"], "details": details}
            )
        return {**res, "cached": False}

    def _nb201_channels(self) -> int:
        return max(1, round(16 * self.settings.width_scale))

    def describe(self) -> dict[str, Any]:
        s = self.settings
        native, max_down = DATASET_GEOMETRY[self.dataset]
        if self.space == "mobilenet":
            scaled = (
                f"same blocks as the chosen architecture; widths x{s.width_scale} (multiples of 2); "
                f"1 grey input channel at {native}x{native} x resolution/224; only the first "
                f"{max_down} stride-2 layers keep their stride; batch norm after every conv"
            )
        else:
            scaled = (
                f"real NB201 cell and skeleton; C={self._nb201_channels()} "
                "(benchmark: 16), 1 cell per stage (benchmark: 5); grey input at native size"
            )
        return {
            **super().describe(),
            "space": self.space,
            "dataset": self.dataset,
            "split": s.split,
            "budget": (
                f"{s.epochs} epoch(s) over {'all' if s.max_train_samples < 0 else f'up to {s.max_train_samples}'} "
                f"training images, {s.optimizer} lr {s.lr} {s.schedule}, batch {s.batch_size}, "
                f"{s.num_threads} CPU thread(s)"
            ),
            "eval_samples": "all" if s.max_val_samples < 0 else s.max_val_samples,
            "scaled_down": scaled,
            "seed": self.seed,
            "cache": str(self._cache.path) if self._cache is not None else None,
        }
