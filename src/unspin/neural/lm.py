"""Sentence scoring with the neural model: tokenise, batch by length, sum token log-probabilities."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from unspin.neural.llama import LlamaModel
from unspin.neural.weights import INSTALL_HINT, ModelUnavailable, Weights, load_weights

# The end-of-text token opens every scored text, so its first word is predicted too.
BOS_ID = 0
# Tokens per forward batch: large enough for efficient matrix products, small enough for the attention
# buffers (batch × heads × length²) to stay a few megabytes.
BATCH_TOKENS = 1536
_MEMO_SIZE = 200_000


def build_tokenizer(weights: Weights) -> Any:
    """A byte-level BPE tokenizer from the GGUF vocabulary and merges, with the model's pre-tokenisation
    (each digit on its own, then the byte-level word split)."""
    try:
        from tokenizers import Tokenizer, models, pre_tokenizers
    except ImportError as exc:
        raise ModelUnavailable(f"the neural extra is not installed: {INSTALL_HINT}") from exc
    vocab = {token: i for i, token in enumerate(weights.tokens)}
    merges = [tuple(m.split(" ", 1)) for m in weights.merges]
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        ]
    )
    return tokenizer


class NeuralLM:
    """log P(text) under SmolLM2-135M, computed in numpy. Thread-safe; load once per process."""

    name = "smollm2-135m"

    def __init__(self, weights: Weights):
        self.model = LlamaModel(weights)
        self.tokenizer = build_tokenizer(weights)
        self._lock = threading.Lock()
        self.tokens_scored = 0
        # Results by (prefix, continuation): a second pass over the same text (another fix mode, --fix after
        # a check) costs nothing. Bounded, and cleared whole when full.
        self._memo: dict[tuple[str, str], np.ndarray] = {}

    @classmethod
    def load(cls) -> NeuralLM:
        return cls(load_weights())

    def _ids(self, text: str) -> list[int]:
        """The tokens of ``text`` on its own, without the opening token."""
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def encode(self, text: str) -> list[int]:
        return [BOS_ID, *self._ids(text)]

    def token_logprobs(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Per text, log P(token | earlier tokens) of each of its tokens."""
        encoded = [self.encode(t) for t in texts]
        out: list[np.ndarray | None] = [None] * len(encoded)
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        batch: list[int] = []
        with self._lock:
            for index in order:
                if batch and (len(batch) + 1) * len(encoded[index]) > BATCH_TOKENS:
                    self._run(batch, encoded, out)
                    batch = []
                batch.append(index)
            if batch:
                self._run(batch, encoded, out)
        return [o if o is not None else np.zeros(0, dtype=np.float32) for o in out]

    def _run(self, batch: list[int], encoded: list[list[int]], out: list[np.ndarray | None]) -> None:
        sequences = [encoded[i] for i in batch]
        for index, logprobs in zip(batch, self.model.sequence_logprobs(sequences, BOS_ID), strict=True):
            out[index] = logprobs
        self.tokens_scored += sum(len(s) for s in sequences)

    def score_continuations(self, groups: Sequence[tuple[str, Sequence[str]]]) -> list[list[float]]:
        """For each (prefix, continuations) group: log P(continuation | prefix) of each continuation, in nats.

        The prefix should end where a word ends and each continuation start with its own spacing, so that
        tokenising them apart gives the tokens of the joined text. Each prefix is computed once.
        """
        return [[float(lp.sum()) for lp in row] for row in self.continuation_logprobs(groups)]

    def continuation_logprobs(self, groups: Sequence[tuple[str, Sequence[str]]]) -> list[list[np.ndarray]]:
        """Like :meth:`score_continuations`, with the log-probability of each continuation token."""
        todo = [(p, [c for c in cs if (p, c) not in self._memo]) for p, cs in groups]
        todo = [(p, cs) for p, cs in todo if cs]
        fresh: dict[tuple[str, str], np.ndarray] = {}
        if todo:
            for (prefix, continuations), scores in zip(todo, self._score_groups(todo), strict=True):
                fresh.update(((prefix, c), s) for c, s in zip(continuations, scores, strict=True))
        known = {(p, c): self._memo[(p, c)] for p, cs in groups for c in cs if (p, c) in self._memo}
        if len(self._memo) + len(fresh) > _MEMO_SIZE:
            self._memo.clear()
        self._memo.update(fresh)
        known.update(fresh)
        return [[known[(p, c)] for c in cs] for p, cs in groups]

    def token_count(self, text: str) -> int:
        """Tokens of ``text`` on its own (a continuation's leading part, say)."""
        return len(self._ids(text))

    def _score_groups(self, groups: Sequence[tuple[str, Sequence[str]]]) -> list[list[np.ndarray]]:
        prefixes = [self.encode(prefix) for prefix, _ in groups]
        tails = [[self._ids(c) or [BOS_ID] for c in cs] for _, cs in groups]
        out: list[list[np.ndarray]] = [[] for _ in groups]
        with self._lock:
            start = 0
            while start < len(groups):
                end, tokens = start, 0
                while end < len(groups) and (end == start or tokens < BATCH_TOKENS):
                    tokens += len(prefixes[end]) + sum(len(t) for t in tails[end])
                    end += 1
                pairs = [(g - start, t) for g in range(start, end) for t in tails[g]]
                logprobs = self.model.continuation_logprobs(prefixes[start:end], pairs, BOS_ID)
                k = 0
                for g in range(start, end):
                    out[g] = [logprobs[k + j].copy() for j in range(len(tails[g]))]
                    k += len(tails[g])
                self.tokens_scored += tokens
                start = end
        return out

    def score(self, texts: Sequence[str]) -> list[float]:
        """Total log-probability (nats) of each text."""
        return [float(lp.sum()) for lp in self.token_logprobs(texts)]
