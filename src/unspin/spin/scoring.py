"""Language-model arithmetic for one sentence: how much more probable is it with a candidate in a slot?

The trigram model only sees two words back, so replacing words ``[a, b)`` changes the probability of the
replaced words and of the two words after them. :class:`SentenceScorer` keeps the per-word log
probabilities of the current sentence and computes that local difference (``delta``, in nats) for any
replacement, and can commit a replacement so later comparisons see the repaired context.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

BOS, EOS = "<s>", "</s>"


class LanguageModel(Protocol):
    def ln_prob(self, word: str, prev1: str | None = None, prev2: str | None = None) -> float: ...

    def ln_probs(self, words: Sequence[str], prev1: str | None = None, prev2: str | None = None) -> Any: ...

    def ln_probs_of(self, queries: list[list[str]]) -> Any: ...


class SentenceScorer:
    """Per-word ln P(w | two previous words) over ``<s> words </s>``, with local re-scoring."""

    def __init__(self, lm: LanguageModel, words: Sequence[str]):
        self.lm = lm
        self.seq: list[str] = [BOS, *words, EOS]
        self.lp: list[float] = [0.0] * len(self.seq)
        for t in range(1, len(self.seq)):
            self.lp[t] = self._at(self.seq, t)

    def _at(self, seq: Sequence[str], t: int) -> float:
        prev1 = seq[t - 1]
        prev2 = seq[t - 2] if t >= 2 else None
        return self.lm.ln_prob(seq[t], prev1, prev2)

    def unigram(self, word: str) -> float:
        return self.lm.ln_prob(word)

    def delta(self, a: int, b: int, words: Sequence[str]) -> float:
        """ln P(sentence with positions [a, b) replaced by ``words``) − ln P(sentence), computed locally.

        Positions index ``seq``, where position 0 is the sentence-start marker.
        """
        return self.deltas(a, b, [tuple(words)])[0]

    def deltas(self, a: int, b: int, replacements: Sequence[tuple[str, ...]]) -> list[float]:
        """:meth:`delta` of each replacement of positions [a, b), the model asked in batches."""
        if not replacements:
            return []
        if b != a + 1:
            return self._window_deltas(a, b, replacements)
        found: list[float] = [0.0] * len(replacements)
        singles = [k for k, words in enumerate(replacements) if len(words) == 1]
        others = [k for k, words in enumerate(replacements) if len(words) != 1]
        if singles:
            values = self._single_deltas(a, [replacements[k][0] for k in singles]).tolist()
            for k, value in zip(singles, values, strict=True):
                found[k] = value
        if others:
            values = self._window_deltas(a, b, [replacements[k] for k in others])
            for k, value in zip(others, values, strict=True):
                found[k] = value
        return found

    def _window_deltas(self, a: int, b: int, replacements: Sequence[tuple[str, ...]]) -> list[float]:
        """The general case: every position from the span to two after it re-scored in the new window,
        summed left to right."""
        seq, lp = self.seq, self.lp
        old_end = min(b + 2, len(seq))
        old = sum(lp[a:old_end])
        left, right = seq[max(0, a - 2) : a], seq[b:old_end]
        offset = min(a, 2)
        queries: list[list[str]] = []
        counts: list[int] = []
        for words in replacements:
            window = [*left, *words, *right]
            for t in range(offset, len(window)):
                queries.append(
                    [window[t], window[t - 1], window[t - 2]] if t >= 2 else [window[t], window[t - 1]]
                )
            counts.append(len(window) - offset)
        values = self.lm.ln_probs_of(queries).tolist()
        deltas: list[float] = []
        k = 0
        for count in counts:
            new = 0.0
            for value in values[k : k + count]:
                new += value
            k += count
            deltas.append(new - old)
        return deltas

    def _single_deltas(self, a: int, words: list[str]) -> Any:
        """One word for one word (most candidates), all at once: the replaced word and the two after it,
        the terms added in that order."""
        seq, lp, lm = self.seq, self.lp, self.lm
        prev1 = seq[a - 1]
        new = lm.ln_probs(words, prev1, seq[a - 2] if a >= 2 else None)
        old = lp[a]
        if a + 1 < len(seq):
            next1 = seq[a + 1]
            new = new + lm.ln_probs_of([[next1, w, prev1] for w in words])
            old += lp[a + 1]
            if a + 2 < len(seq):
                new = new + lm.ln_probs_of([[seq[a + 2], next1, w] for w in words])
                old += lp[a + 2]
        return new - old

    def fit(self, a: int, b: int) -> float:
        """Context PMI of the words at positions [a, b) and the word after: Σ ln P(w | h) − ln P(w).

        Low values mark a collocation break, the typical trace of a substituted word.
        """
        end = min(b + 1, len(self.seq) - 1)
        return sum(self.lp[t] - self.lm.ln_prob(self.seq[t]) for t in range(a, end))

    def commit(self, a: int, b: int, words: Sequence[str]) -> None:
        """Replace positions [a, b) by ``words`` for all later comparisons (lengths may differ)."""
        self.seq[a:b] = list(words)
        self.lp[a:b] = [0.0] * len(words)
        for t in range(a, min(a + len(words) + 2, len(self.seq))):
            self.lp[t] = self._at(self.seq, t)
