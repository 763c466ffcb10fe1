"""How the trained oracle trains a candidate (:mod:`archgym.oracles.trained`): the
settings that change a result (:class:`TrainSettings`, part of the cache key), the
deterministic torch context and the training loop (:func:`train_model`).

Adam (lr 3e-3, no weight decay) or SGD with Nesterov momentum, cosine decay to 0 over all
steps, cross-entropy, a fresh seeded data order each epoch; accuracy in percent on the
evaluation images.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import OracleError

__all__ = ["TrainSettings", "train_model", "deterministic_torch", "torch_module"]


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


def torch_module() -> Any:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a declared extra
        raise OracleError("the trained oracle needs torch: pip install 'archgym[nas]'") from None
    return torch


@contextlib.contextmanager
def deterministic_torch(seed: int, num_threads: int) -> Iterator[None]:
    torch = torch_module()
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
    torch = torch_module()
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
