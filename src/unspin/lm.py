"""The offline trigram language model (CMU US-English, shipped inside the pocketsphinx wheel).

Loaded once per process through ``Context.resource("lm", TrigramLM.load)``. Scores are natural logs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

UNKNOWN_LN = -20.0  # clamp for out-of-vocabulary words (the raw value is about -53,684 nats)
_WORD = re.compile(r"[a-z0-9']+")


class TrigramLM:
    """ln P(word | two previous words) from the bundled CMU trigram model."""

    def __init__(self) -> None:
        import pocketsphinx as ps

        self._lmath = ps.LogMath()
        self._model = ps.NGramModel(ps.Config(), self._lmath, ps.get_model_path("en-us/en-us.lm.bin"))
        self._unknown_raw = self._model.prob(["qzxqzxqzx"])
        self.ln_prob = lru_cache(maxsize=500_000)(self._ln_prob)

    @classmethod
    def load(cls) -> TrigramLM:
        return cls()

    def _ln_prob(self, word: str, prev1: str | None = None, prev2: str | None = None) -> float:
        # The binding takes [word, prev1, prev2]: the predicted word first, then history newest first.
        # Never more than three words (the 5.1.1 binding mis-sizes longer arrays).
        words = [word] if prev1 is None else ([word, prev1] if prev2 is None else [word, prev1, prev2])
        raw = self._model.prob(words)
        if raw <= self._unknown_raw:
            return UNKNOWN_LN
        return max(self._lmath.log_to_ln(raw), UNKNOWN_LN)

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
