"""The trained accuracy oracle: determinism, the disk cache, datasets, errors.

Fast tests use scikit-learn's digits (always available) with a tiny budget; one test
uses Fashion-MNIST and is skipped when Debian's ``dataset-fashion-mnist`` is absent.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from archgym.oracles import OracleError, trained, trained_cache
from archgym.oracles import datasets as ds
from archgym.oracles.trained import TrainedAccuracy, parse_nb201
from archgym.workloads.mobilenet_space import default_choice

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

TINY = dict(dataset="digits", epochs=1, max_train_samples=256, max_val_samples=128, batch_size=64)


def small_arch(block: str = "ibn") -> dict:
    c = default_choice()
    for i in range(1, 8):
        c[f"s{i}_depth"] = 1
        c[f"s{i}_block"] = block
        c[f"s{i}_expansion"] = 4
    c["resolution"] = 224
    return c


def test_determinism_in_fresh_oracles() -> None:
    arch = small_arch()
    a = TrainedAccuracy(**TINY, cache_dir=False, seed=3)(arch)
    b = TrainedAccuracy(**TINY, cache_dir=False, seed=3)(arch)
    assert isinstance(a, float) and 0.0 <= a <= 100.0
    assert a == b  # bit-identical


def test_global_torch_state_is_restored() -> None:
    threads = torch.get_num_threads()
    det = torch.are_deterministic_algorithms_enabled()
    state = torch.get_rng_state()
    TrainedAccuracy(**TINY, cache_dir=False)(small_arch("fused_ibn"))
    assert torch.get_num_threads() == threads
    assert torch.are_deterministic_algorithms_enabled() == det
    assert torch.equal(torch.get_rng_state(), state)


def test_cache_hit_does_not_train(tmp_path, monkeypatch) -> None:
    arch = small_arch("grouped_ibn")
    first = TrainedAccuracy(**TINY, cache_dir=tmp_path)
    acc = first(arch)
    assert first.n_trained == 1

    def boom(*args, **kwargs):
        raise AssertionError("trained although the result was cached")

    monkeypatch.setattr(trained, "train_model", boom)
    again = TrainedAccuracy(**TINY, cache_dir=tmp_path)
    t0 = time.perf_counter()
    assert again(arch) == acc
    assert time.perf_counter() - t0 < 1.0
    assert again.n_cache_hits == 1 and again.n_trained == 0
    # Other settings or another seed: a different key, so it would train.
    with pytest.raises(AssertionError, match="trained although"):
        TrainedAccuracy(**TINY, cache_dir=tmp_path, seed=1)(arch)
    # The group size of a non-grouped stage does not change the key.
    other = TrainedAccuracy(**TINY, cache_dir=tmp_path)
    assert other.cache_key(dict(small_arch(), s1_group=32)) == other.cache_key(small_arch())


def test_batch_evaluate_shape(tmp_path) -> None:
    o = TrainedAccuracy(**TINY, cache_dir=tmp_path)
    arch = small_arch()
    out = o([arch, arch])
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    assert out[0] == out[1]
    assert o.n_trained == 1 and o.n_cache_hits == 1


def _fill_cache(tmp_path) -> tuple[TrainedAccuracy, dict, float]:
    o = TrainedAccuracy(**TINY, cache_dir=tmp_path)
    arch = small_arch()
    return o, arch, o(arch)


def _retrains_to(tmp_path, arch, acc, damaged: str) -> None:
    """A fresh oracle ignores the damaged record with a warning and trains again."""
    o = TrainedAccuracy(**TINY, cache_dir=tmp_path)
    with pytest.warns(UserWarning, match="damaged record"):
        assert o(arch) == acc
    assert o.n_trained == 1 and o.n_cache_hits == 0, damaged
    again = TrainedAccuracy(**TINY, cache_dir=tmp_path)  # the fresh record is served
    with pytest.warns(UserWarning, match="damaged record"):
        assert again(arch) == acc
    assert again.n_cache_hits == 1 and again.n_trained == 0


@pytest.mark.parametrize("damage", ["not json", "flipped digit", "duplicate key", "key", "range"])
def test_damaged_cache_records_are_retrained_never_served(tmp_path, damage) -> None:
    o, arch, acc = _fill_cache(tmp_path)
    path = o._cache.path  # noqa: SLF001
    line = path.read_text().splitlines()[0]
    rec = json.loads(line)
    if damage == "not json":
        text = line[: len(line) // 2] + "\n"
    elif damage == "flipped digit":
        digits = f"{acc!r}"
        i = next(i for i, ch in enumerate(digits) if ch.isdigit() and ch != "9")
        wrong = digits[:i] + str(int(digits[i]) + 1) + digits[i + 1 :]
        text = line.replace(f'"accuracy":{digits}', f'"accuracy":{wrong}') + "\n"
        assert text != line + "\n"
    elif damage == "duplicate key":
        text = line[:-1] + ',"accuracy":99.5}\n'  # the last one wins in json.loads
    elif damage == "key":
        rec["inputs"]["seed"] = 99  # content no longer matches the key
        text = trained_cache.JsonlCache.seal(rec).decode()  # a valid checksum
    else:
        rec["accuracy"] = 250.0
        text = trained_cache.JsonlCache.seal(rec).decode()
    path.write_text(text)
    _retrains_to(tmp_path, arch, acc, damage)


def test_concurrent_writers_lose_no_record(tmp_path) -> None:
    import multiprocessing

    path = tmp_path / "c.jsonl"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(path, w, 40)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    cache = trained_cache.JsonlCache(path)
    for w in range(4):
        for i in range(40):
            rec = cache.get(trained_cache.cache_key({"w": w, "i": i}))
            assert rec is not None and rec["accuracy"] == (w * 40 + i) % 100
    assert cache.n_rejected == 0


def _writer(path, w: int, n: int) -> None:
    cache = trained_cache.JsonlCache(path)
    for i in range(n):
        inputs = {"w": w, "i": i}
        cache.put(
            {
                "key": trained_cache.cache_key(inputs),
                "inputs": inputs,
                "accuracy": (w * n + i) % 100,
            }
        )
        cache.get("x")  # readers and the clean-up of torn lines interleave with writers


def test_a_full_disk_is_reported_not_counted_as_written(tmp_path, monkeypatch) -> None:
    import errno
    import os

    path = tmp_path / "c.jsonl"
    cache = trained_cache.JsonlCache(path)
    good = {"key": trained_cache.cache_key({"a": 1}), "inputs": {"a": 1}, "accuracy": 50.0}
    assert cache.put(good)
    size = path.stat().st_size
    real_write = os.write

    def full(fd, data):
        real_write(fd, bytes(data[:10]))  # part of it fits, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(trained_cache.os, "write", full)
    bad = {"key": trained_cache.cache_key({"a": 2}), "inputs": {"a": 2}, "accuracy": 60.0}
    with pytest.warns(UserWarning, match="not cached .*No space left"):
        assert cache.put(bad) is False
    monkeypatch.setattr(trained_cache.os, "write", real_write)
    assert path.stat().st_size == size and cache.n_write_failures == 1
    fresh = trained_cache.JsonlCache(path)
    assert fresh.get(good["key"]) is not None and fresh.get(bad["key"]) is None


def test_interrupted_last_line_is_dropped(tmp_path) -> None:
    o, arch, acc = _fill_cache(tmp_path)
    path = o._cache.path  # noqa: SLF001
    good = path.read_text()
    path.write_text(good + '{"key": "abc", "inp')  # a write cut short
    with pytest.warns(UserWarning, match="incomplete final line"):
        assert TrainedAccuracy(**TINY, cache_dir=tmp_path)(arch) == acc
    assert path.read_text() == good


def test_missing_fashion_mnist_gives_install_hint(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(ds, "FASHION_MNIST_DIRS", [str(tmp_path / "nowhere")])
    monkeypatch.delenv("ARCHGYM_FASHION_MNIST_DIR", raising=False)
    assert not ds.fashion_mnist_available()
    with pytest.raises(OracleError, match="apt-get install dataset-fashion-mnist"):
        ds.load_fashion_mnist()
    oracle = TrainedAccuracy(dataset="fashion_mnist", cache_dir=False)
    with pytest.raises(OracleError, match="apt-get install dataset-fashion-mnist"):
        oracle(small_arch())


def test_idx_reader(tmp_path) -> None:
    import gzip

    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    header = bytes([0, 0, 0x08, 3]) + b"".join(int(n).to_bytes(4, "big") for n in arr.shape)
    p = tmp_path / "x-idx3-ubyte.gz"
    with gzip.open(p, "wb") as fh:
        fh.write(header + arr.tobytes())
    assert np.array_equal(ds.read_idx(p), arr)
    with gzip.open(p, "wb") as fh:
        fh.write(header + arr.tobytes()[:-1])
    with pytest.raises(OracleError, match="payload"):
        ds.read_idx(p)


def test_digits_splits_are_fixed_and_disjoint() -> None:
    d = ds.load_digits()
    assert (len(d.x_train), len(d.x_val), len(d.x_test)) == (1150, 287, 360)
    assert d.x_train.shape[1:] == (1, 8, 8) and d.x_train.dtype == np.float32
    assert 0.0 <= d.x_train.min() and d.x_train.max() <= 1.0
    assert len(d.y_train) + len(d.y_val) + len(d.y_test) == 1797
    assert ds.load_digits() is d


def test_nb201_space_and_parsing() -> None:
    from archgym.workloads.nb201 import arch_to_index, parse_arch

    s = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|"
    ops = parse_nb201(s)  # string order
    assert ops == (
        "nor_conv_3x3",
        "skip_connect",
        "nor_conv_1x1",
        "avg_pool_3x3",
        "none",
        "nor_conv_3x3",
    )
    o = TrainedAccuracy(space="nb201", **TINY, cache_dir=False)
    a = o(s)
    assert 0.0 <= a <= 100.0
    # The same cell as an NB201 index and as a tuple of op ids (the project's encodings).
    assert o(arch_to_index(s)) == a
    assert o(parse_arch(s)) == a
    assert o.cache_key(arch_to_index(s)) == o.cache_key(s)
    assert o([s, s]).shape == (2,)
    with pytest.raises(OracleError, match="NB201"):
        parse_nb201("|conv~0|+|")


def test_bad_arguments_and_describe() -> None:
    with pytest.raises(OracleError, match="unknown space"):
        TrainedAccuracy(space="resnet")
    with pytest.raises(OracleError, match="unknown dataset"):
        TrainedAccuracy(dataset="cifar10")
    o = TrainedAccuracy(**TINY, cache_dir=False)
    with pytest.raises(OracleError, match="s1_kernel=4"):
        o(dict(small_arch(), s1_kernel=4))
    d = o.describe()
    assert d["kind"] == "trained" and d["dataset"] == "digits"
    assert "256 training images" in d["budget"] and "widths x0.125" in d["scaled_down"]


@pytest.mark.skipif(
    not ds.fashion_mnist_available(),
    reason="Debian package dataset-fashion-mnist is not installed "
    "(apt-get install dataset-fashion-mnist)",
)
def test_fashion_mnist_tiny_training(tmp_path) -> None:
    d = ds.load_fashion_mnist()
    assert (len(d.x_train), len(d.x_val), len(d.x_test)) == (50_000, 10_000, 10_000)
    assert d.x_train.shape[1:] == (1, 28, 28)
    assert set(np.unique(d.y_test)) == set(range(10))
    o = TrainedAccuracy(
        dataset="fashion_mnist",
        epochs=1,
        max_train_samples=512,
        max_val_samples=256,
        cache_dir=tmp_path,
    )
    arch = dict(small_arch(), resolution=160)
    acc = o(arch)
    assert 0.0 <= acc <= 100.0
    assert o.record(arch)["input_side"] == 20  # 28 * 160 / 224
