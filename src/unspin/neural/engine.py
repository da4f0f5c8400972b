"""The contextual language model on a CPU inference engine (CTranslate2): the one place that runs it.

Stages never run a forward pass themselves; they ask this layer for

- :meth:`ContextualLM.passes`: one pass over each text (with optional context before it, which is read but
  not scored) giving, for every token of the text, log P(token | everything before it), the token's rank in
  that distribution, the distribution's entropy, and the model's own best next words at each token;
- :meth:`ContextualLM.score`: the total log-probability of whole texts (to confirm a candidate repair with
  its left and right context).

Texts are batched by length so that padding stays small. The model is SmolLM2-135M, converted at set-up
(``neural/store.py``).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from unspin.neural.store import DEFAULT_COMPUTE, MODEL_NAME, require

BOS = "<|endoftext|>"
# The byte-level BPE marks a token that begins with a space with this character.
SPACE_MARK = "Ġ"
# Tokens per forward batch (sequences x longest length): bounds the batch's full-vocabulary log-probability
# buffer (about 200 KB per token) while keeping matrix products large enough to be efficient.
BATCH_TOKENS = 1024
# Context tokens kept before a scored text (the end of the previous sentence).
CONTEXT_TOKENS = 32
_MEMO_SIZE = 100_000
# Passes kept (a few dozen open articles' segments and their confirmations; each holds a few kilobytes).
PASS_MEMO_SIZE = 4_000


def _frozen(query: dict[int, Sequence[str]]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    return tuple(sorted((offset, tuple(words)) for offset, words in query.items()))


@dataclass
class TokenPass:
    """One text's pass: per token of the text (the context excluded)."""

    text: str
    offsets: list[tuple[int, int]]  # character span of each token in ``text`` (leading space excluded)
    logprobs: np.ndarray  # log P(token | context and earlier tokens), nats
    ranks: np.ndarray  # how many tokens the model found more probable at that position
    entropy: np.ndarray  # entropy of the model's distribution at that position, nats
    # The model's best whole words at each asked-for position: (word, log-probability).
    proposals: dict[int, list[tuple[str, float]]] = field(default_factory=dict)  # by token position
    # Asked-for words at asked-for positions: (character offset in ``text``, word) -> log P(the word's first
    # token there); the word is taken with a leading space, as it would stand in running text.
    queried: dict[tuple[int, str], float] = field(default_factory=dict)


def equal_length_batches(lengths: Sequence[int], budget: int = BATCH_TOKENS) -> list[list[int]]:
    """Indices of ``lengths`` in batches of equal length, each within ``budget`` tokens.

    With int8 compute, a sequence padded to a longer neighbour's length gets other numbers than alone or
    beside sequences of its own length: measured on 120 corpus sentences in length-sorted batches, 27 moved
    by more than 0.05 nats on some token (up to 1.09), and none in batches of equal length. Equal lengths
    make a text's pass its own, whatever else the batch holds (a document's other sentences, an editor's
    earlier version of them)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    for index in order:
        current = batches[-1] if batches else None
        if (
            current is not None
            and lengths[current[0]] == lengths[index]
            and (len(current) + 1) * lengths[index] <= budget
        ):
            current.append(index)
        else:
            batches.append([index])
    return batches


def _threads() -> int:
    """Intra-op threads: every core of the process's share (a worker of a pool gets its own count)."""
    configured = os.environ.get("UNSPIN_MODEL_THREADS")
    if configured:
        return max(1, int(configured))
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


class ContextualLM:
    """SmolLM2-135M on CTranslate2. Thread-safe; load once per process (``ctx.resource``)."""

    name = MODEL_NAME

    def __init__(self, path: Path, compute: str = DEFAULT_COMPUTE, threads: int | None = None):
        import ctranslate2
        from tokenizers import Tokenizer

        self.path = path
        self.compute = compute
        self.generator = ctranslate2.Generator(
            str(path), device="cpu", compute_type=compute, intra_threads=threads or _threads()
        )
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        if self.tokenizer.decoder is None:
            from tokenizers import decoders

            self.tokenizer.decoder = decoders.ByteLevel()
        self.vocabulary: list[str] = [
            self.tokenizer.id_to_token(i) for i in range(self.tokenizer.get_vocab_size())
        ]
        # Whole-word proposals: tokens that start a word (a leading space) and are all letters after it.
        self._word_start = np.array(
            [
                t.startswith(SPACE_MARK) and t[1:].isascii() and t[1:].isalpha() and len(t) > 2
                for t in self.vocabulary
            ],
            dtype=bool,
        )
        self._lock = threading.Lock()
        self._memo: dict[str, float] = {}
        # Passes by their item: with equal-length batches a pass depends on nothing else, so an editor's
        # next version of a document is scored only where its sentences (or their context) changed.
        self._passes: dict[tuple[Any, ...], TokenPass | None] = {}
        self.tokens_run = 0

    @classmethod
    def load(cls, compute: str = DEFAULT_COMPUTE) -> ContextualLM:
        return cls(require(compute), compute)

    # -------------------------------------------------------------------------------------- tokens

    def _encode(self, text: str) -> tuple[list[str], list[tuple[int, int]]]:
        encoding = self.tokenizer.encode(text, add_special_tokens=False)
        return list(encoding.tokens), [tuple(o) for o in encoding.offsets]

    # -------------------------------------------------------------------------------------- passes

    def passes(
        self,
        items: Sequence[tuple[str, str]],
        proposals: int = 0,
        queries: Sequence[dict[int, Sequence[str]]] | None = None,
    ) -> list[TokenPass]:
        """One pass per ``(context, text)``. ``queries[i]`` maps character offsets of text ``i`` where a word
        starts to words whose log-probability there is wanted (candidate originals of the word, or none);
        at those positions the ``proposals`` best whole words are kept too."""
        keys = [
            (context, text, proposals, _frozen(queries[index]) if queries else None)
            for index, (context, text) in enumerate(items)
        ]
        out: list[TokenPass | None] = [self._passes.get(key) for key in keys]
        todo = [index for index, found in enumerate(out) if found is None]
        prepared = []
        for index in todo:
            context, text = items[index]
            context_tokens: list[str] = []
            if context.strip():
                context_tokens = self._encode(context.strip())[0][-CONTEXT_TOKENS:]
            # After context the text continues the line, so its first word takes a leading space as in
            # running text; the offsets are shifted back onto ``text``.
            lead = " " if context_tokens else ""
            tokens, offsets = self._encode(lead + text)
            offsets = [(max(0, s - len(lead)), max(0, e - len(lead))) for s, e in offsets]
            asked = queries[index] if queries else None
            prepared.append(([BOS, *context_tokens], tokens, offsets, text, asked))
        for batch in equal_length_batches([len(head) + len(tokens) for head, tokens, *_ in prepared]):
            for k, result in zip(
                batch, self._run_passes([prepared[i] for i in batch], proposals), strict=True
            ):
                out[todo[k]] = result
        if len(self._passes) + len(todo) > PASS_MEMO_SIZE:
            self._passes.clear()
        for index in todo:
            self._passes[keys[index]] = out[index]
        return [o for o in out if o is not None]

    def _run_passes(self, prepared: list, proposals: int) -> list[TokenPass]:
        sequences = [head + tokens for head, tokens, _, _, _ in prepared]
        with self._lock:
            logits = self.generator.forward_batch(sequences, return_log_probs=True)
            table = np.asarray(logits)
        self.tokens_run += sum(len(s) for s in sequences)
        results = []
        for row, (head, tokens, offsets, text, asked) in enumerate(prepared):
            if not tokens:
                results.append(TokenPass(text, [], np.zeros(0), np.zeros(0), np.zeros(0)))
                continue
            # Position p predicts token p + 1: the text's tokens are predicted by rows len(head) - 1 ….
            first = len(head) - 1
            dist = table[row, first : first + len(tokens)]
            ids = np.array([self.tokenizer.token_to_id(t) for t in tokens])
            observed = dist[np.arange(len(tokens)), ids]
            ranks = (dist > observed[:, None]).sum(axis=1)
            probs = np.exp(dist)
            entropy = -(probs * dist).sum(axis=1)
            starts = {start + (text[start : start + 1] == " "): k for k, (start, _) in enumerate(offsets)}
            # Proposals and asked-for words only where asked: the full-vocabulary work is per position.
            positions = {starts[o]: o for o in asked if o in starts} if asked is not None else {}
            best: dict[int, list[tuple[str, float]]] = {}
            if proposals and positions:
                rows = sorted(positions)
                masked = np.where(self._word_start[None, :], dist[rows], -np.inf)
                top = np.argpartition(-masked, proposals, axis=1)[:, :proposals]
                for k, position in enumerate(rows):
                    chosen = sorted(top[k], key=lambda i: -masked[k, i])
                    best[position] = [(self.vocabulary[i][1:], float(masked[k, i])) for i in chosen]
            queried = {}
            for position, offset in positions.items():
                lead = " " if position or head[1:] else ""
                for word in asked[offset]:
                    first_id = self.tokenizer.encode(lead + word, add_special_tokens=False).ids[:1]
                    if first_id:
                        queried[(offset, word)] = float(dist[position, first_id[0]])
            results.append(
                TokenPass(
                    text,
                    offsets,
                    observed.astype(np.float64),
                    ranks,
                    entropy.astype(np.float64),
                    best,
                    queried,
                )
            )
        return results

    # -------------------------------------------------------------------------------------- scores

    def score(self, texts: Sequence[str]) -> list[float]:
        """Total log P(text), nats, of each text (the opening token is given, not scored)."""
        known = {t: self._memo[t] for t in texts if t in self._memo}
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        encoded = {t: [BOS, *self._encode(t)[0]] for t in todo}
        fresh: dict[str, float] = {}
        for indices in equal_length_batches([len(encoded[t]) for t in todo]):
            batch = [todo[i] for i in indices]
            with self._lock:
                results = self.generator.score_batch([encoded[t] for t in batch])
            self.tokens_run += sum(len(encoded[t]) for t in batch)
            fresh.update((t, float(sum(r.log_probs))) for t, r in zip(batch, results, strict=True))
        if len(self._memo) + len(fresh) > _MEMO_SIZE:
            self._memo.clear()
        self._memo.update(fresh)
        known.update(fresh)
        return [known[t] for t in texts]

    def continuations(
        self, prefixes: Sequence[str], beams: int = 6, tokens: int = 6
    ) -> list[list[tuple[str, float]]]:
        """The model's likeliest short continuations of each prefix, as whole phrases of one to three words
        with their log-probabilities: what a writer would have put where a spinner's phrase now stands."""
        start = [[BOS, *self._encode(p)[0][-CONTEXT_TOKENS:]] for p in prefixes]
        if not start:
            return []
        results: list[Any] = [None] * len(start)
        for batch in equal_length_batches([len(s) for s in start]):  # prompts of one length: no padding
            with self._lock:
                found = self.generator.generate_batch(
                    [start[i] for i in batch],
                    max_length=tokens,
                    beam_size=beams,
                    num_hypotheses=beams,
                    include_prompt_in_result=False,
                    return_scores=True,
                )
            for index, result in zip(batch, found, strict=True):
                results[index] = result
        self.tokens_run += sum(len(s) for s in start) + beams * tokens * len(start)
        out: list[list[tuple[str, float]]] = []
        for result in results:
            phrases: dict[str, float] = {}
            for sequence, score in zip(result.sequences, result.scores, strict=True):
                text = self.tokenizer.decode([self.tokenizer.token_to_id(t) for t in sequence])
                # Only words the generation finished (the last one may be cut off mid-word), up to the
                # first that is not a plain word.
                words: list[str] = []
                for word in re.findall(r"\S+|\s+", text)[:-1]:
                    if word.isspace():
                        continue
                    if not (word.isascii() and word.replace("'", "").isalpha()):
                        break
                    words.append(word)
                for n in range(1, min(3, len(words)) + 1):
                    phrase = " ".join(words[:n])
                    phrases.setdefault(phrase, float(score))
            out.append(sorted(phrases.items(), key=lambda kv: -kv[1]))
        return out

    def clear_caches(self) -> None:
        self._memo.clear()
        self._passes.clear()
