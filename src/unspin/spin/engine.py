"""The spin engine: everything needed to find and reverse spin in a parsed document, loaded once."""

from __future__ import annotations

from typing import Any

from unspin.lexicons.webspin import SpinLexicon
from unspin.spin.candidates import CandidateGenerator
from unspin.spin.detect import SentenceSearch, SpinHit
from unspin.spin.params import SpinParams
from unspin.spin.scoring import SentenceScorer
from unspin.spin.slots import sentence_slots
from unspin.spin.thesaurus import Thesaurus


class SpinEngine:
    def __init__(self, thesaurus: Thesaurus, lexicon: SpinLexicon, lm: Any, params: SpinParams):
        self.thesaurus = thesaurus
        self.lexicon = lexicon
        self.lm = lm
        self.params = params
        self.generator = CandidateGenerator(thesaurus, lexicon, lm.known, lm.words)

    def detect(self, nlp_doc: Any, text: str, blocked: list[tuple[int, int]]) -> list[SpinHit]:
        """Spin hits over a spaCy Doc whose offsets index ``text``; ``blocked`` spans are never touched."""
        hits: list[SpinHit] = []
        for sent in nlp_doc.sents:
            slots = sentence_slots(sent, blocked)
            if len(slots) < 2:
                continue
            spans = self.generator.spans(slots, text)
            if not spans:
                continue
            scorer = SentenceScorer(self.lm, [s.word for s in slots])
            hits.extend(SentenceSearch(slots, text, scorer, self.generator, self.params).run(spans))
        return hits


def keyphrase_spans(text: str, keyphrase: str | None) -> list[tuple[int, int]]:
    """Source spans of every case-insensitive occurrence of the keyphrase (never rewritten)."""
    if not keyphrase or not keyphrase.strip():
        return []
    import re

    words = [re.escape(w) for w in keyphrase.split()]
    pattern = re.compile(r"(?<!\w)" + r"[\s\-]+".join(words) + r"(?!\w)", re.IGNORECASE)
    return [(m.start(), m.end()) for m in pattern.finditer(text)]
