"""Tests of the importers: ``from_torch`` (torch.fx and the hook fallback) and ``from_file``."""

from __future__ import annotations

import json
import math

import pytest
import yaml

from archgym import workloads
from archgym.workloads import (
    Activation,
    Concat,
    Conv2d,
    Elementwise,
    Gemm,
    LayerNorm,
    MatMul,
    Pool,
    Softmax,
    WorkloadError,
    from_file,
    from_torch,
)

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional


def structure(wl: workloads.Workload) -> list[dict]:
    """Layers as plain data with names replaced by positions (to compare two imports)."""
    pos = {layer.name: i for i, layer in enumerate(wl)}
    out = []
    for layer in wl:
        d = layer.to_dict()
        d.pop("name")
        d["inputs"] = [pos[n] for n in layer.inputs]
        out.append(d)
    return out


# --------------------------------------------------------------------------------------
# A small CNN with a residual connection
# --------------------------------------------------------------------------------------


class SmallResNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1)  # with bias
        self.stem_bn = nn.BatchNorm2d(8)
        self.stem_act = nn.ReLU(inplace=True)
        self.a = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.a_bn = nn.BatchNorm2d(8)
        self.b = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)  # depthwise
        self.b_bn = nn.BatchNorm2d(8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(8, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem_act(self.stem_bn(self.stem(x)))
        y = F.relu(self.a_bn(self.a(x)))
        y = self.b_bn(self.b(y))
        y = F.relu(y + x)
        return self.fc(self.drop(torch.flatten(self.pool(y), 1)))


def test_small_cnn_with_residual() -> None:
    model = SmallResNet()
    model.train()
    wl = from_torch(model, (1, 3, 16, 16))
    assert model.training  # the training flag is restored
    assert wl.name == "SmallResNet" and wl.meta["tracer"] == "fx" and wl.meta["bn_folded"] == 3
    assert [layer.name for layer in wl] == ["stem", "a", "b", "add", "relu_1", "pool", "fc"]
    assert [layer.kind for layer in wl] == [
        "conv",
        "conv",
        "depthwise",
        "eltwise",
        "activation",
        "pool",
        "gemm",
    ]
    stem, a, b, add, relu, pool, fc = wl
    # 8x8 outputs: stem 64 px x 8 filters x 27, a 64 x 8 x 72, b (depthwise) 64 x 8 x 9, fc 8 x 10
    assert [layer.macs for layer in wl] == [13_824, 36_864, 4_608, 0, 0, 0, 80]
    assert wl.macs == 55_376
    assert [layer.params for layer in wl] == [224, 576, 72, 0, 0, 0, 90]  # BN not counted
    assert wl.params == 962
    assert stem.activation == "relu" and a.activation == "relu" and b.activation is None
    assert (
        isinstance(stem, Conv2d)
        and stem.bias
        and stem.stride == (2, 2)
        and stem.output_size == (8, 8)
    )
    assert isinstance(b, Conv2d) and b.groups == 8 and not b.bias
    assert (
        isinstance(add, Elementwise) and add.elems == 512 and add.n_inputs == 2 and add.op == "add"
    )
    assert add.inputs == ("b", "stem")
    assert isinstance(relu, Activation) and relu.fn == "relu" and relu.elems == 512
    assert isinstance(pool, Pool) and pool.input_size == (8, 8) and pool.output_size == (1, 1)
    assert isinstance(fc, Gemm) and (fc.m, fc.n, fc.k) == (1, 10, 8) and fc.bias
    assert wl.edges() == [
        ("input", "stem"),
        ("stem", "a"),
        ("a", "b"),
        ("b", "add"),
        ("stem", "add"),
        ("add", "relu_1"),
        ("relu_1", "pool"),
        ("pool", "fc"),
    ]


def test_fusion_rules_and_unfoldable_batchnorm() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c1 = nn.Conv2d(4, 4, 1)
            self.c2 = nn.Conv2d(4, 4, 1)
            self.bn = nn.BatchNorm2d(4)
            self.act = nn.Hardswish()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.c1(x)
            z = torch.sigmoid(y) + y  # y has two users: the sigmoid is not fused
            z = self.bn(z)  # BatchNorm after an add cannot be folded
            return self.act(self.c2(z))  # fused

    wl = from_torch(Net(), (1, 4, 5, 5))
    assert [layer.kind for layer in wl] == [
        "pointwise",
        "activation",
        "eltwise",
        "eltwise",
        "pointwise",
    ]
    c1, sig, add, bn, c2 = wl
    assert c1.activation is None and sig.fn == "sigmoid" and sig.inputs == ()
    assert add.inputs == ("sigmoid", "c1")
    assert bn.op == "mul" and bn.n_inputs == 1 and bn.name == "bn"
    assert c2.activation == "hswish"
    assert wl.meta["bn_folded"] == 0


def test_linear_tokens_matmul_softmax_layernorm_cat() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.proj = nn.Linear(16, 32, bias=False)
            self.w = nn.Parameter(torch.zeros(32, 8))
            self.ln = nn.LayerNorm(8)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = F.gelu(self.proj(x))  # fused into the Linear
            a = torch.matmul(h, h.transpose(-1, -2)) * 0.5  # activation x activation
            p = F.softmax(a, dim=-1)
            v = h @ self.w  # activation x parameter: a Gemm with weights
            c = torch.cat([p @ v, v], dim=-1)
            return self.ln(c[..., :8])

    wl = from_torch(Net(), (2, 5, 16))  # the first dimension is the batch
    assert wl.batch == 2
    proj, mm, scale, sm, gemm, mm2, ln = wl  # layers describe one sample
    assert (
        isinstance(proj, Gemm)
        and (proj.m, proj.n, proj.k) == (5, 32, 16)
        and proj.activation == "gelu"
    )
    assert isinstance(mm, MatMul) and (mm.batch, mm.m, mm.n, mm.k) == (1, 5, 5, 32)
    assert mm.inputs == ()  # both operands come from proj, the previous layer
    assert isinstance(scale, Elementwise) and scale.op == "mul" and scale.n_inputs == 1
    assert isinstance(sm, Softmax) and (sm.rows, sm.cols) == (5, 5)
    assert isinstance(gemm, Gemm) and gemm.weights and (gemm.m, gemm.n, gemm.k) == (5, 8, 32)
    assert gemm.params == 256 and gemm.inputs == ("proj",)
    assert isinstance(mm2, MatMul) and mm2.inputs == ("softmax", "matmul_1")
    # the concatenation is zero-cost: its consumer names all its producers
    assert (
        isinstance(ln, LayerNorm)
        and (ln.rows, ln.cols) == (5, 8)
        and ln.inputs == ("matmul_2", "matmul_1")
    )
    # lowered for the batch: GEMM rows of weight layers double, activation x activation
    # products repeat per sample (groups double), weights once
    low = wl.lowered
    assert (low.groups[0], low.px[0], low.weight_elems[0]) == (1, 10, 16 * 32)
    assert (low.groups[1], low.px[1]) == (2, 5)
    assert low.output_elems[3] == 2 * 5 * 5
    assert wl.macs == 10 * 32 * 16 + 2 * 5 * 5 * 32 + 10 * 8 * 32 + 2 * 5 * 8 * 5


@pytest.mark.parametrize(
    "conv",
    [
        {
            "in_channels": 4,
            "out_channels": 8,
            "kernel_size": (3, 5),
            "stride": (2, 1),
            "padding": (1, 2),
            "groups": 2,
        },
        {"in_channels": 4, "out_channels": 4, "kernel_size": 3, "dilation": 2, "padding": "same"},
        {
            "in_channels": 4,
            "out_channels": 6,
            "kernel_size": 3,
            "stride": 3,
            "padding": "valid",
            "bias": False,
        },
        {
            "in_channels": 4,
            "out_channels": 8,
            "kernel_size": 5,
            "stride": 2,
            "padding": 2,
            "groups": 4,
        },
    ],
)
def test_conv_variants(conv: dict) -> None:
    module = nn.Conv2d(**conv)
    out = module(torch.zeros(1, 4, 13, 11))
    wl = from_torch(nn.Sequential(module), (1, 4, 13, 11))
    (layer,) = wl
    assert isinstance(layer, Conv2d) and layer.output_size == tuple(out.shape[-2:])
    k = module.kernel_size[0] * module.kernel_size[1]
    assert layer.macs == out.numel() * (module.in_channels // module.groups) * k
    assert layer.params == sum(p.numel() for p in module.parameters())


def test_pools() -> None:
    net = nn.Sequential(
        nn.Conv2d(3, 4, 3),
        nn.MaxPool2d(2),
        nn.AvgPool2d(3, stride=1, padding=1),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
        nn.Linear(16, 3),
    )
    wl = from_torch(net, (1, 3, 10, 10))
    conv, mp, ap, adp, fc = wl
    assert conv.output_size == (8, 8)
    assert (mp.mode, mp.kernel_size, mp.stride, mp.output_size) == ("max", (2, 2), (2, 2), (4, 4))
    assert (ap.mode, ap.stride, ap.padding, ap.output_size) == ("avg", (1, 1), (1, 1), (4, 4))
    assert (adp.kernel_size, adp.stride, adp.output_size) == ((2, 2), (2, 2), (2, 2))
    assert (fc.m, fc.k) == (1, 16)


def test_unrepresentable_arguments_are_all_reported() -> None:
    # adaptive pooling with windows of different sizes and dilated pooling have no Pool
    # equivalent: both are listed
    net = nn.Sequential(nn.Conv2d(3, 4, 1), nn.MaxPool2d(3, 2, dilation=2), nn.AdaptiveAvgPool2d(3))
    with pytest.raises(workloads.UnsupportedOpError) as info:
        from_torch(net, (1, 3, 8, 8))
    assert [name for name, _ in info.value.ops] == ["1", "2"]
    assert "dilation" in str(info.value) and "non-uniform" in str(info.value)


def test_ceil_mode_pooling() -> None:
    # ceil mode's last, overhanging window: the same windows as one more row and column of
    # padding (8 -> 4 where floor mode gives 3)
    net = nn.Sequential(nn.Conv2d(3, 4, 1), nn.MaxPool2d(3, 2, ceil_mode=True))
    _, pool = from_torch(net, (1, 3, 8, 8))
    assert pool.output_size == (4, 4) and pool.padding == (1, 1)
    assert pool.vector_ops == 4 * 4 * 4 * 9
    # where ceil and floor agree nothing changes
    _, pool = from_torch(net, (1, 3, 9, 9))
    assert pool.output_size == (4, 4) and pool.padding == (0, 0)


def test_functional_pools_equal_their_modules() -> None:
    # F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode) and
    # F.avg_pool2d(x, kernel, stride, padding, ceil_mode): the positional ceil_mode sits at a
    # different place in each, and both give the layers of the equivalent modules
    class Functional(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = F.max_pool2d(self.conv(x), 3, 2, 0, 1, True)
            return F.avg_pool2d(y, 3, 2, 0, True)

    modules = nn.Sequential(
        nn.Conv2d(3, 4, 1),
        nn.MaxPool2d(3, 2, 0, 1, ceil_mode=True),
        nn.AvgPool2d(3, 2, 0, ceil_mode=True),
    )
    functional = from_torch(Functional(), (1, 3, 8, 8))
    assert structure(functional) == structure(from_torch(modules, (1, 3, 8, 8)))
    _, mp, ap = functional
    assert (mp.mode, mp.padding, mp.output_size) == ("max", (1, 1), (4, 4))
    assert (ap.mode, ap.padding, ap.output_size) == ("avg", (1, 1), (2, 2))  # floor: 1x1


def test_channel_cat_is_a_concat_layer() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Conv2d(3, 4, 1)
            self.b = nn.Conv2d(3, 6, 3, padding=1)
            self.c = nn.Conv2d(10, 2, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = torch.cat([F.relu(self.a(x)), F.relu(self.b(x))], dim=1)  # -> Concat
            z = self.c(y)
            rows = torch.cat([z, z], dim=2)  # along H: shape-only, as before
            return torch.stack([rows, rows]).sum(0)

    a, b, cat, c, total = from_torch(Net(), (1, 3, 8, 8))
    assert a.activation == "relu" and b.activation == "relu"  # fused before the concat
    assert isinstance(cat, Concat) and cat.kind == "concat" and cat.inputs == ("a", "b")
    assert cat.channels == (4, 6) and cat.input_size == (8, 8)
    assert cat.input_elems == cat.output_elems == cat.vector_ops == 10 * 64
    assert isinstance(c, Conv2d) and c.in_channels == 10 and c.inputs == ()
    assert isinstance(total, Pool) and total.inputs == ()  # reads the stacked copies of c


def test_concat_from_yaml(tmp_path) -> None:
    path = tmp_path / "cat.yaml"
    path.write_text(
        "layers:\n"
        "  - {type: Conv2d, name: a, in_channels: 3, out_channels: 4, input_size: 8}\n"
        "  - {type: Conv2d, name: b, in_channels: 3, out_channels: 6, kernel_size: 3,\n"
        "     padding: 1, input_size: 8, inputs: [input]}\n"
        "  - {type: Concat, name: cat, channels: [4, 6], input_size: 8, inputs: [a, b]}\n"
    )
    wl = from_file(path)
    cat = wl["cat"]
    assert isinstance(cat, Concat) and cat.channels == (4, 6) and cat.input_size == (8, 8)
    assert ("a", "cat") in wl.edges() and ("b", "cat") in wl.edges()
    assert wl.lowered.kind[-1] == workloads.KIND_CODES["concat"]
    assert workloads.Workload.from_dict(wl.to_dict())["cat"] == cat
    with pytest.raises(WorkloadError, match="at least 2"):
        Concat([4], 8, name="one")
    with pytest.raises(WorkloadError, match="channels must be a positive integer"):
        Concat([4, 0], 8, name="zero")
    with pytest.raises(WorkloadError, match="names 3 producers"):
        Concat([4, 6], 8, name="c", inputs=("a", "b", "a"))


def test_means_are_pools() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 1)
            self.fc = nn.Linear(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.conv(x).mean((2, 3))  # global average pool
            return self.fc(y.unsqueeze(1).expand(1, 6, 4)).mean(dim=1)  # mean over tokens

    conv, gap, fc, tokens = from_torch(Net(), (1, 3, 5, 5))
    assert gap.kind == "pool" and (gap.channels, gap.input_size, gap.output_size) == (
        4,
        (5, 5),
        (1, 1),
    )
    assert fc.m == 6
    assert isinstance(tokens, Pool) and tokens.output_elems == 4 and tokens.vector_ops == 24


# --------------------------------------------------------------------------------------
# Unsupported operations
# --------------------------------------------------------------------------------------


class WithLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(8, 16)
        self.rnn = nn.LSTM(16, 16)
        self.head = nn.Linear(16, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y, _ = self.rnn(self.embed(x))
        return self.head(torch.special.erf(y))


def test_lstm_raises_listing_every_unsupported_op() -> None:
    with pytest.raises(workloads.UnsupportedOpError) as info:
        from_torch(WithLSTM(), (5, 1, 8))
    msg = str(info.value)
    assert "rnn" in msg and "LSTM" in msg and "special_erf" in msg
    assert [name for name, _ in info.value.ops] == ["rnn", "special_erf"]
    assert isinstance(info.value, WorkloadError)


def test_unsupported_in_hook_fallback() -> None:
    class Dyn(WithLSTM):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if x.sum() >= 0:  # data-dependent: symbolic tracing fails
                x = x * 2
            y, _ = self.rnn(self.embed(x))
            return self.head(y)

    with pytest.raises(
        workloads.UnsupportedOpError, match=r"rnn \(call_module torch\.nn\.modules\.rnn\.LSTM\)"
    ):
        from_torch(Dyn(), (5, 1, 8))


# --------------------------------------------------------------------------------------
# The hook fallback
# --------------------------------------------------------------------------------------


class Scale(nn.Module):
    """A user-defined leaf module: transparent to the hook tracer (its ops are recorded)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.s = nn.Parameter(torch.ones(1, channels, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.s


class Gated(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 1)
        self.scale = Scale(8)
        self.fc = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.conv1(x))
        if y.mean() >= 0:  # always true after a ReLU; the predicate is not part of the workload
            y = y + self.conv2(y)
        else:
            y = self.conv2(y)
        y = self.scale(y)
        return self.fc(F.adaptive_avg_pool2d(y, 1).flatten(1))


def test_hook_fallback_on_data_dependent_control_flow() -> None:
    wl = from_torch(Gated(), (1, 3, 6, 6))
    assert wl.meta["tracer"] == "hooks" and "TraceError" in wl.meta["fallback_reason"]
    assert [layer.name for layer in wl] == [
        "conv1",
        "conv2",
        "add",
        "mul",
        "adaptive_avg_pool2d",
        "fc",
    ]
    conv1, conv2, add, mul, pool, fc = wl
    assert conv1.activation == "relu" and conv2.activation is None
    assert conv2.inputs == () and add.inputs == ("conv1", "conv2")
    assert mul.op == "mul" and mul.n_inputs == 2 and mul.elems == 8 * 36
    assert pool.kind == "pool" and pool.input_size == (6, 6)
    assert wl.macs == 36 * 8 * 27 + 36 * 8 * 8 + 16
    assert wl.params == (8 * 27 + 8) + (64 + 8) + 18  # Scale's parameter is an operand, not a layer


def test_hook_fallback_equals_fx_on_mobilenet_v2(torch_nets) -> None:
    class Dyn(nn.Module):
        def __init__(self, net: nn.Module) -> None:
            super().__init__()
            self.net = net

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if x.shape[-1] % 32:  # control flow on a (symbolic) shape
                raise ValueError("input size must be a multiple of 32")
            return self.net(x)

    model = torch_nets.on_meta(torch_nets.MobileNetV2)
    fx = from_torch(model, (1, 3, 224, 224))
    hooks = from_torch(Dyn(model), (1, 3, 224, 224))
    assert fx.meta["tracer"] == "fx" and hooks.meta["tracer"] == "hooks"
    assert structure(hooks) == structure(fx)


def test_mobilenet_v2_from_torch_equals_zoo(torch_nets) -> None:
    model = torch_nets.on_meta(torch_nets.MobileNetV2)
    wl = from_torch(model, (1, 3, 224, 224), name="mnv2")
    zoo = workloads.load("mobilenet_v2")
    assert wl.name == "mnv2"
    assert wl.macs == zoo.macs == 300_774_272
    assert wl.params == zoo.params
    adds = [layer for layer in wl if isinstance(layer, Elementwise)]
    assert len(adds) == 10 and all(len(a.inputs) == 2 for a in adds)


def test_transformer_layer_equals_zoo_bert() -> None:
    class EncoderLayer(nn.Module):
        def __init__(self, h: int = 768, heads: int = 12, f: int = 3072) -> None:
            super().__init__()
            self.heads, self.dh = heads, h // heads
            self.q, self.k, self.v, self.o = (nn.Linear(h, h) for _ in range(4))
            self.ln1, self.ln2 = nn.LayerNorm(h), nn.LayerNorm(h)
            self.f1, self.f2 = nn.Linear(h, f), nn.Linear(f, h)

        def split(self, x: torch.Tensor) -> torch.Tensor:
            b, t, _ = x.shape
            return x.view(b, t, self.heads, self.dh).transpose(1, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            q, k, v = self.split(self.q(x)), self.split(self.k(x)), self.split(self.v(x))
            a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.dh), dim=-1)
            c = (a @ v).transpose(1, 2).reshape(x.shape)
            h = self.ln1(x + self.o(c))
            return self.ln2(h + self.f2(F.gelu(self.f1(h))))

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed_ln = nn.LayerNorm(768)
            self.layer = EncoderLayer()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.layer(self.embed_ln(x))

    with torch.device("meta"):
        model = Encoder()
    wl = from_torch(model, (1, 32, 768))
    zoo = workloads.load("bert_base", seq_len=32, num_layers=1)
    assert (wl.macs, wl.params) == (zoo.macs, zoo.params)
    kinds = [layer.kind for layer in wl]
    assert (
        kinds.count("matmul") == 2 and kinds.count("softmax") == 1 and kinds.count("layernorm") == 3
    )
    qk = next(layer for layer in wl if isinstance(layer, MatMul))
    assert (qk.batch, qk.m, qk.n, qk.k) == (12, 32, 32, 64)


def test_workload_input_edges_are_reported() -> None:
    class TwoBranch(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Conv2d(3, 3, 1)
            self.b = nn.Conv2d(3, 3, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.a(x) + self.b(x) + x

    wl = from_torch(TwoBranch(), (1, 3, 4, 4))
    assert wl.meta["reads_workload_input"] == ["b", "add_1"]
    assert wl["add_1"].n_inputs == 2 and wl["add_1"].inputs == ()


def test_only_reshapes_raises() -> None:
    with pytest.raises(WorkloadError, match="no layer"):
        from_torch(nn.Flatten(), (1, 3, 4, 4))


# --------------------------------------------------------------------------------------
# from_file
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
def test_file_round_trip(tmp_path, suffix: str) -> None:
    wl = workloads.load("mobilenet_v2")
    path = tmp_path / f"net{suffix}"
    doc = wl.to_dict()
    path.write_text(json.dumps(doc) if suffix == ".json" else yaml.safe_dump(doc, sort_keys=False))
    again = from_file(path)
    assert again.to_dict() == doc
    assert (again.name, again.macs, again.params, again.edges()) == (
        wl.name,
        wl.macs,
        wl.params,
        wl.edges(),
    )


def test_file_hand_written_yaml(tmp_path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(
        "layers:\n"
        "  - {type: Conv2d, name: c1, in_channels: 3, out_channels: 8, kernel_size: 3,\n"
        "     padding: 1, input_size: 32, activation: relu}\n"
        "  - {type: Conv2d, name: c2, in_channels: 8, out_channels: 8, kernel_size: [3, 3],\n"
        "     padding: [1, 1], groups: 8, input_size: [32, 32]}\n"
        "  - {type: Elementwise, name: add, elems: 8192, inputs: [c2, c1]}\n"
    )
    wl = from_file(str(path))
    assert wl.name == "tiny" and len(wl) == 3
    assert wl["c2"].kind == "depthwise" and wl["add"].inputs == ("c2", "c1")
    assert wl.macs == 1024 * 8 * 27 + 1024 * 8 * 9


def test_file_errors(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="missing.yaml"):
        from_file(tmp_path / "missing.yaml")
    bad_ext = tmp_path / "net.txt"
    bad_ext.write_text("layers: []")
    with pytest.raises(WorkloadError, match="extension"):
        from_file(bad_ext)
    garbage = tmp_path / "net.json"
    garbage.write_text("{not json")
    with pytest.raises(WorkloadError, match="cannot parse"):
        from_file(garbage)
    scalar = tmp_path / "net.yaml"
    scalar.write_text("42\n")
    with pytest.raises(WorkloadError, match="mapping"):
        from_file(scalar)
    unknown = tmp_path / "u.yaml"
    unknown.write_text("layers:\n  - {type: LSTM, hidden: 3}\n")
    with pytest.raises(WorkloadError, match="unknown type 'LSTM'"):
        from_file(unknown)
