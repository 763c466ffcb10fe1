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

import contextlib
import hashlib
import json
import math
import os
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from archgym._io import cache_dir
from archgym.workloads.nb201 import NB201_OPS  # re-exported (the one list, HW-NAS-Bench id order)

from .base import AccuracyOracle, OracleError
from .datasets import DatasetSplits, load_dataset

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


#: Native side of each dataset's images and how many stride-2 layers keep their stride.
_DATASET_GEOMETRY = {"fashion_mnist": (28, 3), "digits": (8, 2)}


def default_cache_dir() -> Path:
    """``$ARCHGYM_CACHE/oracles`` if set, else ``~/.cache/archgym/oracles``."""
    return cache_dir("oracles")


@dataclass(frozen=True)
class TrainSettings:
    """Everything about training that changes a result (part of the cache key)."""

    epochs: int
    max_train_samples: int
    max_val_samples: int
    width_scale: float
    batch_size: int = 64
    lr: float = 3e-3
    optimizer: str = "adam"
    schedule: str = "cosine"
    split: str = "val"
    num_threads: int = 1


# --------------------------------------------------------------------------------------
# NAS-Bench-201 architecture strings
# --------------------------------------------------------------------------------------


def parse_nb201(arch: Any) -> tuple[str, ...]:
    """Six NB201 operation names in NB201 string order: edges 0->1, 0->2, 1->2, 0->3,
    1->3, 2->3.

    Accepts every encoding :func:`archgym.workloads.nb201.parse_arch` accepts: an NB201
    index (0..15624), the NB201 string (``"|nor_conv_3x3~0|+|skip_connect~0|none~1|+|..."``),
    or a 6-tuple of op ids in the project's edge order.

    Raises:
        OracleError: anything else (the message says which forms are accepted).
    """
    from archgym.workloads.layers import WorkloadError
    from archgym.workloads.nb201 import arch_to_str

    try:
        text = arch_to_str(arch)
    except WorkloadError as exc:
        raise OracleError(f"not an NB201 architecture: {exc}") from None
    ops: list[str] = []
    for node in text.split("+"):
        for item in node.strip("|").split("|"):
            ops.append(item.partition("~")[0])
    if len(ops) != 6 or any(o not in NB201_OPS for o in ops):  # pragma: no cover - defensive
        raise OracleError(f"not an NB201 architecture: {arch!r}")
    return tuple(ops)


def nb201_string(ops: Sequence[str]) -> str:
    """The NB201 string of six operations in string order."""
    o = list(ops)
    return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"


# --------------------------------------------------------------------------------------
# torch models
# --------------------------------------------------------------------------------------


def _torch() -> Any:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a declared extra
        raise OracleError("the trained oracle needs torch: pip install 'archgym[nas]'") from None
    return torch


def build_mobilenet_model(
    choice: Mapping[str, Any],
    dataset: str,
    num_classes: int = 10,
    width_scale: float = 0.125,
) -> tuple[Any, int]:
    """The scaled-down torch model of a MobileNet-space choice, and its input side.

    Returns:
        ``(model, input_side)``.
    """
    _torch()  # its clear error when torch is missing
    from torch import nn

    from archgym.workloads.mobilenet_space import build_plan, validate_choice

    native, max_down = _DATASET_GEOMETRY[dataset]
    c = validate_choice(choice)
    side = max(4, round(native * c["resolution"] / 224))
    plan = build_plan(
        c,
        num_classes=num_classes,
        resolution=side,
        in_channels=1,
        width_scale=width_scale,
        divisor=2,
        max_downsamples=max_down,
    )

    def conv_bn(cin: int, cout: int, k: int, s: int, groups: int, relu: bool) -> Any:
        mods = [nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
        if relu:
            mods.append(nn.ReLU(inplace=True))
        return nn.Sequential(*mods)

    class Block(nn.Module):
        def __init__(self, b: Any) -> None:
            super().__init__()
            layers = []
            if b.block == "ibn":
                if b.has_expand:
                    layers.append(conv_bn(b.in_channels, b.expanded, 1, 1, 1, True))
                layers.append(conv_bn(b.expanded, b.expanded, b.kernel, b.stride, b.expanded, True))
            else:
                layers.append(
                    conv_bn(b.in_channels, b.expanded, b.kernel, b.stride, b.groups, True)
                )
            layers.append(conv_bn(b.expanded, b.out_channels, 1, 1, 1, False))
            self.body = nn.Sequential(*layers)
            self.residual = b.residual

        def forward(self, x: Any) -> Any:
            y = self.body(x)
            return x + y if self.residual else y

    model = nn.Sequential(
        conv_bn(1, plan.stem_channels, 3, plan.stem_stride, 1, True),
        *[Block(b) for b in plan.blocks],
        conv_bn(plan.blocks[-1].out_channels, plan.head_channels, 1, 1, 1, True),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(plan.head_channels, num_classes),
    )
    return model, side


def build_nb201_model(
    ops: Sequence[str], num_classes: int = 10, channels: int = 8, cells_per_stage: int = 1
) -> Any:
    """A NAS-Bench-201 network with the given cell, ``channels`` stem channels and
    ``cells_per_stage`` cells per stage (the benchmark uses 16 and 5)."""
    _torch()  # its clear error when torch is missing
    from torch import nn

    class ReLUConvBN(nn.Sequential):
        def __init__(self, cin: int, cout: int, k: int, s: int) -> None:
            super().__init__(
                nn.ReLU(inplace=False),
                nn.Conv2d(cin, cout, k, s, k // 2, bias=False),
                nn.BatchNorm2d(cout),
            )

    class Zero(nn.Module):
        def forward(self, x: Any) -> Any:
            return x.mul(0.0)

    def make_op(name: str, c: int) -> Any:
        if name == "none":
            return Zero()
        if name == "skip_connect":
            return nn.Identity()
        if name == "nor_conv_1x1":
            return ReLUConvBN(c, c, 1, 1)
        if name == "nor_conv_3x3":
            return ReLUConvBN(c, c, 3, 1)
        return nn.AvgPool2d(3, 1, 1, count_include_pad=False)

    edges = [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)]

    class Cell(nn.Module):
        def __init__(self, c: int) -> None:
            super().__init__()
            self.ops = nn.ModuleList(make_op(o, c) for o in ops)

        def forward(self, x: Any) -> Any:
            nodes = [x]
            for j in (1, 2, 3):
                nodes.append(sum(self.ops[e](nodes[i]) for e, (i, t) in enumerate(edges) if t == j))
            return nodes[3]

    class Reduction(nn.Module):
        def __init__(self, cin: int, cout: int) -> None:
            super().__init__()
            self.a = ReLUConvBN(cin, cout, 3, 2)
            self.b = ReLUConvBN(cout, cout, 3, 1)
            self.short = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(cin, cout, 1, bias=False))

        def forward(self, x: Any) -> Any:
            return self.b(self.a(x)) + self.short(x)

    c = channels
    layers: list[Any] = [nn.Conv2d(1, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c)]
    for stage in range(3):
        if stage:
            layers.append(Reduction(c, 2 * c))
            c *= 2
        layers.extend(Cell(c) for _ in range(cells_per_stage))
    layers += [
        nn.BatchNorm2d(c),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(c, num_classes),
    ]
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------


@contextlib.contextmanager
def _deterministic_torch(seed: int, num_threads: int) -> Iterator[None]:
    torch = _torch()
    prev_threads = torch.get_num_threads()
    prev_det = torch.are_deterministic_algorithms_enabled()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        torch.set_num_threads(num_threads)
        torch.use_deterministic_algorithms(True)
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(prev_det)
            torch.set_num_threads(prev_threads)


def train_model(
    model: Any,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_eval: np.ndarray,
    y_eval: np.ndarray,
    settings: TrainSettings,
    seed: int,
) -> dict[str, float]:
    """Train ``model`` with ``settings`` and return its accuracy on ``x_eval``.

    Call inside the oracle's deterministic context (the model must have been built
    there too for bit-identical results).

    Returns:
        ``{"accuracy": percent, "train_loss": mean loss of the last epoch}``.
    """
    torch = _torch()
    cl = torch.channels_last
    model = model.to(memory_format=cl)  # 2-3x faster (depthwise) convolutions on the CPU
    xt = torch.from_numpy(np.array(x_train, dtype=np.float32)).contiguous(memory_format=cl)
    yt = torch.from_numpy(np.array(y_train, dtype=np.int64))
    n = len(xt)
    bs = settings.batch_size
    steps_per_epoch = math.ceil(n / bs)
    total = max(1, steps_per_epoch * settings.epochs)
    if settings.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=settings.lr)
    elif settings.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=settings.lr, momentum=0.9, nesterov=True)
    else:
        raise OracleError(f"unknown optimizer {settings.optimizer!r}; known: 'adam', 'sgd'")
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: 0.5 * (1 + math.cos(math.pi * step / total))
    )
    gen = torch.Generator().manual_seed(seed)
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    last_loss = float("nan")
    for _ in range(settings.epochs):
        perm = torch.randperm(n, generator=gen)
        running, count = 0.0, 0
        for i in range(0, n, bs):
            idx = perm[i : i + bs]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            sched.step()
            running += float(loss.detach()) * len(idx)
            count += len(idx)
        last_loss = running / max(count, 1)
    model.eval()
    correct = 0
    xe = torch.from_numpy(np.array(x_eval, dtype=np.float32)).contiguous(memory_format=cl)
    ye = torch.from_numpy(np.array(y_eval, dtype=np.int64))
    with torch.no_grad():
        for i in range(0, len(xe), 500):
            correct += int((model(xe[i : i + 500]).argmax(1) == ye[i : i + 500]).sum())
    acc = 100.0 * correct / max(len(xe), 1)
    if not math.isfinite(last_loss):
        # A diverged run is a real result (chance-level accuracy), but say so.
        warnings.warn(
            "training diverged (non-finite loss); the accuracy is reported as measured",
            stacklevel=2,
        )
    return {"accuracy": acc, "train_loss": last_loss}


# --------------------------------------------------------------------------------------
# The disk cache
# --------------------------------------------------------------------------------------


def _key(payload: Mapping[str, Any]) -> str:
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


class _JsonlCache:
    """Append-only JSON-lines cache of trained results (see the module docstring).

    Every record carries ``sha256``, the SHA-256 of its own canonical JSON without that
    field, and is stored as exactly that canonical line. A record whose checksum or
    canonical form does not match (a flipped digit, a duplicated key, an edited value), or
    whose key does not match its inputs, is never served: it is skipped with a warning and
    its architecture trained again (the fresh record is appended and wins). Appends and
    the clean-up of a torn final line hold an exclusive ``flock`` on ``<file>.lock``, so
    concurrent writers (processes of a sweep) never interleave or cut each other's
    records. A record that cannot be written whole (a full disk) is cut back out of the
    file and reported, never counted as written.
    """

    FIELDS = ("key", "inputs", "accuracy", "sha256")

    def __init__(self, path: Path) -> None:
        self.path = path
        self._mtime: tuple[int, int] | None = None
        self._data: dict[str, dict[str, Any]] = {}
        #: Records skipped at the last load (bad checksum, form or content), and
        #: records that could not be written (disk full, ...).
        self.n_rejected = 0
        self.n_write_failures = 0

    @staticmethod
    def seal(rec: Mapping[str, Any]) -> bytes:
        """The canonical line of a record, its ``sha256`` included, newline ended."""
        body = {k: v for k, v in rec.items() if k != "sha256"}
        canon = json.dumps(body, sort_keys=True, separators=(",", ":"))
        sealed = {**body, "sha256": hashlib.sha256(canon.encode()).hexdigest()}
        line = json.dumps(sealed, sort_keys=True, separators=(",", ":"))
        return (line + "\n").encode()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            yield
            return
        fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _problem(self, line: bytes) -> str | None:
        """Why a stored line must not be served (None: it is sound)."""
        try:
            rec = json.loads(line)
        except ValueError:
            return "is not JSON"
        if not isinstance(rec, dict) or any(f not in rec for f in self.FIELDS):
            return f"lacks fields {self.FIELDS}"
        try:
            canonical = self.seal(rec)
        except (TypeError, ValueError):
            return "holds a value JSON cannot hold"
        if canonical != line + b"\n":
            return "fails its checksum"
        acc = rec["accuracy"]
        if (
            not isinstance(acc, (int, float))
            or isinstance(acc, bool)
            or not math.isfinite(acc)
            or not 0.0 <= acc <= 100.0
        ):
            return f"has accuracy {acc!r}"
        if not isinstance(rec["inputs"], dict) or _key(rec["inputs"]) != rec["key"]:
            return "has a key that does not match its content"
        return None

    def _load(self) -> None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._data, self._mtime = {}, None
            return
        if (st.st_mtime_ns, st.st_size) == self._mtime:
            return
        with self._locked():
            raw = self.path.read_bytes()
            lines = raw.split(b"\n")
            tail = lines.pop()  # b"" when the file ends with a newline
            if tail:
                # Records are appended whole under the lock: a final line without its
                # newline is an append cut short by a killed process.
                warnings.warn(
                    f"{self.path}: dropping an incomplete final line (an interrupted write)",
                    stacklevel=3,
                )
                with open(self.path, "r+b") as fh:
                    fh.truncate(len(raw) - len(tail))
            st = self.path.stat()
        data: dict[str, dict[str, Any]] = {}
        rejected = []
        for lineno, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            problem = self._problem(line)
            if problem is not None:
                rejected.append(f"line {lineno} {problem}")
                continue
            rec = json.loads(line)
            data[rec["key"]] = rec
        if rejected:
            warnings.warn(
                f"{self.path}: {len(rejected)} damaged record(s) ignored and retrained "
                f"({'; '.join(rejected[:3])}{'; ...' if len(rejected) > 3 else ''})",
                stacklevel=3,
            )
        self.n_rejected = len(rejected)
        self._data = data
        self._mtime = (st.st_mtime_ns, st.st_size)

    def get(self, key: str) -> dict[str, Any] | None:
        self._load()
        return self._data.get(key)

    def put(self, rec: dict[str, Any]) -> bool:
        """Append ``rec`` (sealed with its checksum); returns whether it was written whole.

        A failed write (a full disk, a quota, an I/O error) is cut back out of the file
        and reported with a warning: the result stays valid, it is only not cached."""
        self._load()
        line = self.seal(rec)
        with self._locked():
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                start = os.fstat(fd).st_size
                try:
                    view = memoryview(line)
                    while view:
                        n = os.write(fd, view)
                        if n <= 0:
                            raise OSError("short write")
                        view = view[n:]
                    os.fsync(fd)
                except OSError as exc:
                    with contextlib.suppress(OSError):
                        os.ftruncate(fd, start)
                    self.n_write_failures += 1
                    warnings.warn(
                        f"{self.path}: result not cached ({exc.strerror or exc}); it will "
                        "be trained again next time",
                        stacklevel=2,
                    )
                    return False
            finally:
                os.close(fd)
            st = self.path.stat()
        self._data[rec["key"]] = json.loads(line)
        if self._mtime is not None and self._mtime[1] == start:  # nobody else appended
            self._mtime = (st.st_mtime_ns, st.st_size)
        return True


# --------------------------------------------------------------------------------------
# The oracle
# --------------------------------------------------------------------------------------


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
        if dataset not in _DATASET_GEOMETRY:
            raise OracleError(f"unknown dataset {dataset!r}; known: {sorted(_DATASET_GEOMETRY)}")
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
            self._cache: _JsonlCache | None = None
        else:
            folder = default_cache_dir() if cache_dir in (None, True) else Path(cache_dir)  # type: ignore[arg-type]
            self._cache = _JsonlCache(folder / f"trained_v{CACHE_VERSION}.jsonl")
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
                torch = _torch()
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
        with _deterministic_torch(self.seed, self.settings.num_threads):
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
        native, max_down = _DATASET_GEOMETRY[self.dataset]
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
