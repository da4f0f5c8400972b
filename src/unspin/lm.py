"""The offline trigram language model (CMU US-English, shipped inside the pocketsphinx wheel).

Loaded once per process through ``Context.resource("lm", TrigramLM.load)``. Scores are natural logs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

CACHE_SIZE = 500_000  # cached look-ups; the cache starts afresh when it is full
UNKNOWN_LN = -20.0  # clamp for out-of-vocabulary words (the raw value is about -53,684 nats)
_WORD = re.compile(r"[a-z0-9']+")


class TrigramLM:
    """ln P(word | two previous words) from the bundled CMU trigram model."""

    def __init__(self) -> None:
        import pocketsphinx as ps

        self._lmath = ps.LogMath()
        self._model = ps.NGramModel(ps.Config(), self._lmath, ps.get_model_path("en-us/en-us.lm.bin"))
        self._prob = self._model.prob
        self._unknown_raw = self._prob(["qzxqzxqzx"])
        # log_to_ln(x) is x times ln(base) (the binding's LogMath has no shift): one float product is the
        # same number without a call into the binding for every look-up.
        self._ln_base = self._lmath.log_to_ln(1)
        if any(self._lmath.log_to_ln(x) != x * self._ln_base for x in (-1, -12345, -31995, -987654)):
            raise RuntimeError("unexpected LogMath scaling in the pocketsphinx binding")
        # A plain dict, emptied when full: an LRU cache keeps a linked record per entry, and hundreds of
        # thousands of such long-lived records make every full garbage collection slow.
        self._memo: dict[tuple[str, str | None, str | None], float] = {}

    @classmethod
    def load(cls) -> TrigramLM:
        return cls()

    def ln_prob(self, word: str, prev1: str | None = None, prev2: str | None = None) -> float:
        """ln P(word | prev1 prev2), newest history first (cached)."""
        key = (word, prev1, prev2)
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= CACHE_SIZE:
                self._memo.clear()
            found = self._memo[key] = self._ln_prob(word, prev1, prev2)
        return found

    def clear_cache(self) -> None:
        self._memo.clear()

    def _ln_prob(self, word: str, prev1: str | None = None, prev2: str | None = None) -> float:
        # The binding takes [word, prev1, prev2]: the predicted word first, then history newest first.
        # Never more than three words (the 5.1.1 binding mis-sizes longer arrays).
        words = [word] if prev1 is None else ([word, prev1] if prev2 is None else [word, prev1, prev2])
        raw = self._prob(words)
        if raw <= self._unknown_raw:
            return UNKNOWN_LN
        ln = raw * self._ln_base
        return ln if ln > UNKNOWN_LN else UNKNOWN_LN

    def ln_probs(
        self, words: Sequence[str], prev1: str | None = None, prev2: str | None = None
    ) -> np.ndarray:
        """:meth:`ln_prob` of many words after the same history, as an array (the same numbers, computed
        without the cache: a filter asks each of these once)."""
        if prev1 is None:
            queries = [[w] for w in words]
        elif prev2 is None:
            queries = [[w, prev1] for w in words]
        else:
            queries = [[w, prev1, prev2] for w in words]
        return self.ln_probs_of(queries)

    def ln_probs_of(self, queries: list[list[str]]) -> np.ndarray:
        """:meth:`ln_prob` of many queries in the binding's order ([word, prev1, prev2], newest history
        first), as an array, without the cache."""
        return self._ln_of_raw(np.fromiter(map(self._prob, queries), float, len(queries)))

    def _ln_of_raw(self, raw: np.ndarray) -> np.ndarray:
        # The scalar path's arithmetic element by element: float64 products and the same clamps.
        ln = np.maximum(raw * self._ln_base, UNKNOWN_LN)
        ln[raw <= self._unknown_raw] = UNKNOWN_LN
        return ln

    def known(self, word: str) -> bool:
        return self._model.prob([word]) > self._unknown_raw

    @staticmethod
    def words(text: str) -> list[str]:
        """Lower-case LM tokens of a text; hyphens split (the vocabulary has no hyphenated entries)."""
        return _WORD.findall(text.lower().replace("-", " ").replace("’", "'"))

    def score_words(self, words: Sequence[str], bos: bool = True, eos: bool = True) -> float:
        """Total ln probability of a word sequence, with sentence boundary markers."""
        seq = (["<s>"] if bos else []) + list(words) + (["</s>"] if eos else [])
        total = 0.0
        start = 1 if bos else 0
        for i in range(start, len(seq)):
            prev1 = seq[i - 1] if i >= 1 else None
            prev2 = seq[i - 2] if i >= 2 else None
            total += self.ln_prob(seq[i], prev1, prev2)
        return total

    def score(self, text: str) -> float:
        return self.score_words(self.words(text))
