"""The model's byte-level BPE tokenizer, rebuilt from the GGUF vocabulary and merges."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def build_tokenizer(tokens: Sequence[str], merges: Sequence[str]) -> Any:
    """A ``tokenizers`` BPE with the model's pre-tokenisation: each digit on its own, then the byte-level
    word split. Saved beside the converted model as ``tokenizer.json``, so a run only reads that file."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    vocab = {token: i for i, token in enumerate(tokens)}
    pairs = [tuple(m.split(" ", 1)) for m in merges]
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=pairs))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    return tokenizer
