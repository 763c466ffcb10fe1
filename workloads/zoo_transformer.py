"""The transformers of the zoo: the BERT-base encoder and ViT-B/16, built from one
encoder-layer builder (post-norm for BERT, pre-norm for ViT).
"""

from __future__ import annotations

from .layers import Conv2d, Elementwise, Layer, LayerNorm, Linear, MatMul, Softmax, WorkloadError
from .workload import Workload
from .zoo_graph import _check_positive, _image_meta


def _encoder_layer(
    layers: list[Layer],
    prefix: str,
    x: str,
    tokens: int,
    hidden: int,
    heads: int,
    ffn: int,
    pre_norm: bool,
) -> str:
    """Append one transformer encoder layer reading ``x``; returns its output's name.

    Post-norm (BERT): ``ln1(x + attn(x))``, ``ln2(h + ffn(h))``.
    Pre-norm (ViT): ``h = x + attn(ln1(x))``, ``h + ffn(ln2(h))``.
    """
    if hidden % heads:
        raise WorkloadError(f"zoo: hidden={hidden} must be divisible by heads={heads}")
    dh = hidden // heads
    elems = tokens * hidden

    def add(layer: Layer) -> str:
        layers.append(layer)
        return layer.name

    a = x
    if pre_norm:
        a = add(LayerNorm(tokens, hidden, name=f"{prefix}ln1", inputs=(x,)))
    q = add(Linear(hidden, hidden, tokens, name=f"{prefix}q", inputs=(a,)))
    k = add(Linear(hidden, hidden, tokens, name=f"{prefix}k", inputs=(a,)))
    v = add(Linear(hidden, hidden, tokens, name=f"{prefix}v", inputs=(a,)))
    add(MatMul(heads, tokens, tokens, dh, name=f"{prefix}qk", inputs=(q, k)))
    sm = add(Softmax(heads * tokens, tokens, name=f"{prefix}softmax"))
    add(MatMul(heads, tokens, dh, tokens, name=f"{prefix}av", inputs=(sm, v)))
    o = add(Linear(hidden, hidden, tokens, name=f"{prefix}out"))
    h = add(Elementwise(elems, "add", name=f"{prefix}add1", inputs=(o, x)))
    if pre_norm:
        add(LayerNorm(tokens, hidden, name=f"{prefix}ln2"))
    else:
        h = add(LayerNorm(tokens, hidden, name=f"{prefix}ln1"))
    add(Linear(hidden, ffn, tokens, activation="gelu", name=f"{prefix}ffn1"))
    f2 = add(Linear(ffn, hidden, tokens, name=f"{prefix}ffn2"))
    out = add(Elementwise(elems, "add", name=f"{prefix}add2", inputs=(f2, h)))
    if not pre_norm:
        out = add(LayerNorm(tokens, hidden, name=f"{prefix}ln2"))
    return out


def bert_base(seq_len: int = 128, num_layers: int = 12) -> Workload:
    """BERT-base encoder (Devlin et al., 2019): 12 post-norm layers, hidden 768, 12 heads, FFN 3072.

    The embedding lookups are not compute and are left out; the embedding LayerNorm is the
    first layer. Per encoder layer: Q/K/V projections (``Linear(768, 768, tokens=seq)``),
    ``QK^T`` and attention-times-V as ``MatMul(batch=12, ...)``, softmax, output
    projection, residual add, LayerNorm, FFN (GELU fused into the first Linear), residual
    add, LayerNorm. The pooler / task heads are not included.

    Args:
        seq_len: tokens in the sequence.
        num_layers: encoder layers.

    Returns:
        The encoder workload.
    """
    _check_positive(seq_len=seq_len, num_layers=num_layers)
    if not isinstance(seq_len, int) or not isinstance(num_layers, int):
        raise WorkloadError("zoo: seq_len and num_layers must be integers")
    hidden, heads, ffn, vocab, max_pos = 768, 12, 3072, 30522, 512
    if seq_len > max_pos:
        raise WorkloadError(f"zoo: bert_base supports seq_len <= {max_pos}, got {seq_len}")
    layers: list[Layer] = [LayerNorm(seq_len, hidden, name="embed_ln")]
    x = "embed_ln"
    for i in range(num_layers):
        x = _encoder_layer(layers, f"l{i}_", x, seq_len, hidden, heads, ffn, pre_norm=False)
    tables = (vocab + max_pos + 2) * hidden
    pooler = hidden * hidden + hidden
    per_layer_macs = 4 * seq_len * hidden**2 + 2 * seq_len * hidden * ffn + 2 * seq_len**2 * hidden
    meta = {
        "input_shape": [1, seq_len, hidden],
        "seq_len": seq_len,
        "batch": 1,
        "source": "Devlin et al. 2019, 'BERT' (arXiv:1810.04805): BERT-base L=12, H=768, A=12",
        # The BERT paper publishes no MAC count; this is the analytic count of the layers
        # above: num_layers x (4 T H^2 + 2 T H F + 2 T^2 H), 11.17 G at T=128.
        "published_macs": num_layers * per_layer_macs,
        "published_params": 110e6,
        "published_note": (
            "paper: BERT-base 110 M parameters in total (HF bert-base-uncased: 109,482,240), "
            "including token/position/segment embedding tables and the pooler; MACs are the "
            "analytic count (the paper gives none)"
        ),
        "params_convention": (
            "encoder layers + embedding LayerNorm; embedding tables (vocab 30522, 512 positions, "
            "2 segments) and pooler excluded, see params_excluded"
        ),
        "params_excluded": tables + pooler,
        "num_layers": num_layers,
    }
    return Workload(layers, name="bert_base", meta=meta)


def vit_b16(input_size: int = 224, num_classes: int = 1000, patch_size: int = 16) -> Workload:
    """ViT-B/16 (Dosovitskiy et al., 2021): patch embedding conv + 12 pre-norm encoder layers.

    The patch embedding is ``Conv2d(3, 768, 16, stride=16)``; the class token is
    prepended (no compute) and the position embedding added (an ``Elementwise`` add over
    the tokens). After the final LayerNorm the head is a ``Linear(768, classes)`` on the
    class token.

    Args:
        input_size: input resolution (square, divisible by ``patch_size``).
        num_classes: classifier outputs.
        patch_size: patch side.

    Returns:
        The inference graph (GELU fused into the first FFN Linear).
    """
    _check_positive(input_size=input_size, num_classes=num_classes, patch_size=patch_size)
    if input_size % patch_size:
        raise WorkloadError(
            f"zoo: input_size={input_size} must be divisible by patch_size={patch_size}"
        )
    hidden, heads, ffn, depth = 768, 12, 3072, 12
    grid = input_size // patch_size
    tokens = grid * grid + 1
    layers: list[Layer] = [
        Conv2d(
            3,
            hidden,
            patch_size,
            patch_size,
            0,
            input_size=input_size,
            bias=True,
            name="patch_embed",
        ),
        # class token concatenated (no compute), position embedding added
        Elementwise(tokens * hidden, "add", name="pos_embed"),
    ]
    x = "pos_embed"
    for i in range(depth):
        x = _encoder_layer(layers, f"l{i}_", x, tokens, hidden, heads, ffn, pre_norm=True)
    layers.append(LayerNorm(tokens, hidden, name="norm"))
    layers.append(Linear(hidden, num_classes, tokens=1, name="head"))
    meta = _image_meta(input_size, num_classes) | {
        "tokens": tokens,
        "source": "Dosovitskiy et al. 2021, 'An Image is Worth 16x16 Words' (arXiv:2010.11929), ViT-Base",
        "published_macs": 17.56e9,
        "published_params": 86.6e6,
        "published_note": (
            "torchvision vit_b_16 IMAGENET1K_V1: 86.6 M params, 17.56 'GFLOPS' (multiply-"
            "accumulates, attention matmuls included; timm's 16.9 GMACs leaves them out)"
        ),
        "params_convention": "all weights; class token and position embedding excluded, see params_excluded",
        "params_excluded": hidden + tokens * hidden,
    }
    return Workload(layers, name="vit_b16", meta=meta)
