"""The schema of workload files and the checks of ``from_torch``'s input: every bad input
is a ``WorkloadError`` naming the file, the layer and the field; nothing is coerced."""

from __future__ import annotations

from pathlib import Path

import pytest

from archgym.workloads import WorkloadError, from_file

NET = (
    "name: small\n"
    "layers:\n"
    "- {type: Conv2d, name: c1, in_channels: 3, out_channels: 8, kernel_size: 3, padding: 1, input_size: 32}\n"
    "- {type: Conv2d, name: c2, in_channels: 8, out_channels: 16, kernel_size: 3, stride: 2, padding: 1}\n"
    "- {type: Pool, name: p, channels: 16, kernel_size: 16}\n"
    "- {type: Linear, name: fc, in_features: 16, out_features: 10}\n"
)


def _load(tmp_path: Path, text: str, name: str = "net.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return from_file(path)


def test_shapes_chain_and_input_size_is_inferred(tmp_path: Path) -> None:
    wl = _load(tmp_path, NET)
    assert wl["c2"].input_size == (32, 32) and wl["p"].input_size == (16, 16)
    assert wl["fc"].k == 16 and wl["fc"].n == 10  # the Linear alias


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        (
            "in_channels: 8,",
            "in_channels: 4,",
            r"layer 1 \(c2\): in_channels=4 but its input \(c1\) has 8",
        ),
        ("input_size: 32}", "}", r"layer 0 \(c1\): input_size is required"),
        ("in_features: 16", "in_features: 12", r"layer 3 \(fc\): reads rows of in_features=12"),
        (
            "kernel_size: 3, padding: 1, input",
            "kernel_size: 3.0, padding: 1, input",
            r"c1\): kernel_size must be an integer",
        ),
        ("out_channels: 8,", "out_channels: 8.5,", r"c1\): out_channels must be an integer"),
        ("out_channels: 8,", "out_channels: '8',", r"c1\): out_channels must be an integer"),
        ("out_channels: 8,", "out_channels: true,", r"c1\): out_channels must be an integer"),
        (
            "out_channels: 8,",
            "out_channels: 99999999999,",
            r"c1\): out_channels must be an integer in 1..16777216",
        ),
        ("padding: 1, input", "padding: -1, input", r"c1\): padding must be an integer in 0"),
        ("name: c1,", "name: c1, bias: 'yes',", r"c1\): bias must be true or false"),
        ("name: c1,", "name: c1, activation: foo,", r"c1\): activation must be one of"),
        ("name: c1,", "name: c1, colour: red,", r"c1\): unknown field\(s\) \['colour'\]"),
        (
            "type: Pool, name: p, channels: 16,",
            "type: Pool, name: p,",
            r"layer 2 \(p\): missing required field\(s\) \['channels'\]",
        ),
        ("type: Pool", "type: Blob", r"layer 2 \(p\): unknown type 'Blob'"),
        ("name: small", "name: [1]", r"name must be a non-empty string"),
    ],
)
def test_bad_fields_are_named(tmp_path: Path, old: str, new: str, match: str) -> None:
    assert old in NET
    with pytest.raises(WorkloadError, match=match) as info:
        _load(tmp_path, NET.replace(old, new, 1))
    assert "net.yaml" in str(info.value)


def test_a_file_cut_mid_layer_is_an_error(tmp_path: Path) -> None:
    full = _load(tmp_path, NET)
    boundaries = {i + 1 for i, ch in enumerate(NET) if ch == "\n"}
    for cut in range(NET.index("- {"), len(NET)):
        text = NET[:cut]
        if cut in boundaries:  # whole layers: a shorter but well-formed file
            continue
        try:
            wl = _load(tmp_path, text)
        except WorkloadError:
            continue
        raise AssertionError(f"cut at {cut} loaded as {len(wl)} layers (full: {len(full)})")


def test_undecodable_and_deep_files_are_workload_errors(tmp_path: Path) -> None:
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"layers:\n- {type: Conv2d, name: \xff\xfe}\n")
    with pytest.raises(WorkloadError, match="bin.yaml: not UTF-8"):
        from_file(path)
    with pytest.raises(WorkloadError, match="cannot parse"):
        _load(tmp_path, "[" * 100_000 + "\n", "deep.yaml")
    with pytest.raises(WorkloadError, match="cannot parse"):
        _load(tmp_path, "[" * 100_000, "deep.json")


def test_from_torch_checks_the_input_shape_first() -> None:
    torch = pytest.importorskip("torch")
    from archgym.workloads import from_torch

    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.Flatten(), torch.nn.Linear(8, 2))
    with pytest.raises(WorkloadError, match="more than the 67,108,864"):
        from_torch(net, (1, 3, 10**6, 10**6))  # would allocate 12 TB
    with pytest.raises(
        WorkloadError, match=r"input_shape\[2\] must be a positive integer, got 16.5"
    ):
        from_torch(net, (1, 3, 16.5, 16))
    with pytest.raises(WorkloadError, match=r"input_shape\[1\] must be >= 1"):
        from_torch(net, (1, 0, 8, 8))
    with pytest.raises(WorkloadError, match=r"failed in 0 > conv2d: RuntimeError: .*channels"):
        from_torch(net, (1, 4, 8, 8))
    with pytest.raises(WorkloadError, match=r"failed in 2 > linear: RuntimeError"):
        from_torch(net, (1, 3, 8, 8))
