"""Convert the packaged GGUF model into a CTranslate2 model directory, once, at set-up.

The GGUF file stores llama.cpp's layout: query and key rows of each head are permuted so that rotary pairs
sit next to each other. CTranslate2's llama decoder expects the original half-split layout
(``rotary_interleave=False``), so the permutation is undone here. The output projection is tied to the
token embedding (the file has no ``output.weight``). No deep-learning framework is needed: the weights are
dequantised with ``gguf`` into numpy and handed to CTranslate2's model specification.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from unspin.neural.weights import Weights, load_weights

# The model's special tokens, by their strings in the GGUF vocabulary.
_BOS = "<|endoftext|>"
_EOS = "<|endoftext|>"
_UNK = "<|endoftext|>"


def _unpermute(weight: np.ndarray, heads: int) -> np.ndarray:
    """Undo llama.cpp's row order for a query or key projection of ``heads`` heads."""
    out, width = weight.shape
    pairs = weight.reshape(heads, out // heads // 2, 2, width)
    return np.ascontiguousarray(pairs.swapaxes(1, 2).reshape(out, width))


def _spec(weights: Weights):  # -> ctranslate2 spec (untyped library)
    import ctranslate2

    hyper = weights.hyper
    spec = ctranslate2.specs.TransformerDecoderModelSpec.from_config(
        hyper.layers,
        hyper.heads,
        activation=ctranslate2.specs.Activation.SWISH,
        pre_norm=True,
        ffn_glu=True,
        rms_norm=True,
        rotary_dim=0,
        rotary_interleave=False,
        rotary_base=hyper.rope_base,
        num_heads_kv=hyper.kv_heads,
    )
    decoder = spec.decoder
    decoder.scale_embeddings = False
    decoder.embeddings.weight = weights.embedding
    decoder.projection.weight = weights.embedding
    decoder.layer_norm.gamma = weights.output_norm
    for target, layer in zip(decoder.layer, weights.layers, strict=True):
        attention = target.self_attention
        attention.layer_norm.gamma = layer.attn_norm
        attention.linear[0].weight = np.concatenate(
            [_unpermute(layer.q, hyper.heads), _unpermute(layer.k, hyper.kv_heads), layer.v]
        )
        attention.linear[1].weight = layer.o
        target.ffn.layer_norm.gamma = layer.ffn_norm
        target.ffn.linear_0.weight = layer.gate
        target.ffn.linear_0_noact.weight = layer.up
        target.ffn.linear_1.weight = layer.down
    spec.register_vocabulary(list(weights.tokens))
    spec.config.bos_token = _BOS
    spec.config.eos_token = _EOS
    spec.config.unk_token = _UNK
    spec.config.layer_norm_epsilon = hyper.norm_eps
    return spec


def convert(target: Path, compute: str, source: Path | None = None) -> None:
    """Write the CTranslate2 model (weights quantised to ``compute``) and its tokenizer into ``target``.

    The directory appears whole or not at all: it is built beside the target and renamed into place.
    """
    from unspin.neural.tokenizer import build_tokenizer

    weights = load_weights(source)
    spec = _spec(weights)
    spec.validate()
    spec.optimize(quantization=compute)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        spec.save(str(staging))
        build_tokenizer(weights.tokens, weights.merges).save(str(staging / "tokenizer.json"))
        (staging / "unspin-model.json").write_text(
            json.dumps({"compute": compute, "layers": weights.hyper.layers, "vocab": len(weights.tokens)}),
            encoding="utf-8",
        )
        staging.chmod(0o755)  # a temporary directory is private; the model is not
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
