"""The spin engine: everything needed to find and reverse spin in a parsed document, loaded once."""

from __future__ import annotations

import gc
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from unspin.lexicons.webspin import SpinLexicon
from unspin.spin.candidates import CandidateGenerator
from unspin.spin.detect import SentenceSearch, SpinHit
from unspin.spin.features import CoherenceMemo, add_candidate_features, document_lemmas, slot_features
from unspin.spin.inflect import match_case
from unspin.spin.memo import SearchMemo, SearchResult, sentence_key
from unspin.spin.params import SpinParams
from unspin.spin.scoring import SentenceScorer
from unspin.spin.semantics import DocumentTopic, WordVectors, add_hit_topic_features, add_topic_features
from unspin.spin.slots import Slot, doubtful_names, sentence_slots
from unspin.spin.thesaurus import Thesaurus


class _DisjointSpans:
    """Spans merged into sorted disjoint ones, so that each sentence gets only those that reach into it
    (a token overlaps a merged span exactly when it overlaps one of the spans merged into it). Passing
    every span of the document to every sentence cost time in sentences x spans."""

    def __init__(self, spans: list[tuple[int, int]]):
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.spans = [(s, e) for s, e in merged]
        self.starts = [s for s, _ in merged]
        self.ends = [e for _, e in merged]

    def within(self, start: int, end: int) -> list[tuple[int, int]]:
        return self.spans[bisect_right(self.ends, start) : bisect_left(self.starts, end)]


@lru_cache(maxsize=200_000)
def _zipf(word: str) -> float:
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one document's analysis.

    The analysis allocates a great many short-lived objects (candidates, scores) that reference counting
    frees as they go; with the collector on, they trigger full collections that walk every object the
    process keeps (the thesaurus index, lexicons, caches), about a tenth of the stage's time. The
    collector's previous state is restored afterwards, and it runs as usual from then on.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass
class WordEvidence:
    """One eligible word with the detector's features and the best repair the first pass found for it."""

    start: int
    end: int
    observed: str
    features: dict[str, float]
    candidate: str | None = None  # best first-pass replacement of a span covering this word
    candidate_span: tuple[int, int] | None = None  # source span that replacement covers
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    # Whether a spinner could have written this word: wordfreq knows it, or a thesaurus lists it (or its
    # base form) as a synonym. A user name, a package, a foreign word or a typo is never a spinner's output.
    dictionary_word: bool = True


@dataclass
class SpinAnalysis:
    hits: list[SpinHit]
    words: list[WordEvidence]


class SpinEngine:
    def __init__(
        self,
        thesaurus: Thesaurus,
        lexicon: SpinLexicon,
        lm: Any,
        params: SpinParams,
        vectors: WordVectors | None = None,
    ):
        self.vectors = vectors or WordVectors.load()
        self.thesaurus = thesaurus
        self.lexicon = lexicon
        self.lm = lm
        self.params = params
        self.generator = CandidateGenerator(thesaurus, lexicon, lm.known, lm.words)

    def clear_caches(self) -> None:
        """Empty every look-up cache the engine fills as it reads (benchmarks time unseen text)."""
        from unspin.spin.inflect import clear_caches as clear_inflection_caches

        clear_cache = getattr(self.lm, "clear_cache", None)
        if clear_cache is not None:
            clear_cache()
        _zipf.cache_clear()
        clear_inflection_caches()
        self.generator.clear_caches()
        self.thesaurus.clear_caches()
        self.vectors.clear_cache()

    def is_common_word(self, word: str) -> bool:
        """A frequent English word that some thesaurus lists (a capitalised one is hardly a name)."""
        return _zipf(word) >= self.params.common_zipf and self.thesaurus.lists(word)

    def is_dictionary_word(self, word: str, lemma: str) -> bool:
        """A word a spinner can write: one wordfreq knows, or one a thesaurus lists, as it stands or by
        its base form ("repasts", "afforests" are known only by their base forms)."""
        return _zipf(word) > 0 or self.thesaurus.lists(word) or self.thesaurus.lists(lemma)

    def detect(self, nlp_doc: Any, text: str, blocked: list[tuple[int, int]]) -> list[SpinHit]:
        """Repair-search hits over a spaCy Doc whose offsets index ``text``; ``blocked`` is never touched."""
        return self.analyse(nlp_doc, text, blocked).hits

    def analyse(
        self, nlp_doc: Any, text: str, blocked: list[tuple[int, int]], memo: SearchMemo | None = None
    ) -> SpinAnalysis:
        """Repair-search hits plus per-word detector evidence for every eligible word. With a ``memo``
        (a long-lived context's), sentences searched before are not searched again."""
        with _collector_paused():
            return self._analyse(nlp_doc, text, blocked, memo)

    def _search(
        self,
        sent: Any,
        slots: list[Slot],
        text: str,
        scorer: SentenceScorer,
        lemmas: Counter[str],
        memo: SearchMemo | None,
    ) -> SearchResult:
        key = sentence_key(sent, slots) if memo is not None else ()
        if memo is not None:
            kept = memo.get(key, sent.start_char)
            if kept is not None:
                return kept
        spans = self.generator.spans(slots, text)
        search = SentenceSearch(slots, text, scorer, self.generator, self.params, lemmas)
        found = search.run(spans) if spans else []
        result = SearchResult(found, search.first_pass, search.first_pass_evidence())
        if memo is not None:
            memo.put(key, sent.start_char, spans, result)
        return result

    def _analyse(
        self, nlp_doc: Any, text: str, blocked: list[tuple[int, int]], memo: SearchMemo | None
    ) -> SpinAnalysis:
        hits: list[SpinHit] = []
        words: list[WordEvidence] = []
        lemmas = document_lemmas(nlp_doc)
        if memo is not None:
            memo.begin(lemmas)
        doubtful = doubtful_names(nlp_doc, self.is_common_word)
        coherence_memo = CoherenceMemo(lemmas)
        topic = DocumentTopic(self.vectors, nlp_doc)
        never = _DisjointSpans(blocked)
        for sent in nlp_doc.sents:
            slots = sentence_slots(sent, never.within(sent.start_char, sent.end_char), doubtful)
            if len(slots) < 2:
                continue
            scorer = SentenceScorer(self.lm, [s.word for s in slots])
            features = slot_features(
                slots, scorer, self.thesaurus, self.generator.known, _zipf, lemmas, coherence_memo
            )
            searched = self._search(sent, slots, text, scorer, lemmas, memo)
            for hit in searched.hits:
                add_hit_topic_features(hit, topic)
            hits.extend(searched.hits)
            add_candidate_features(features, searched.evidence, self.thesaurus, lemmas, coherence_memo)
            best: dict[int, Any] = {}
            for scored in searched.first_pass:
                for k in range(scored.span.i, scored.span.j):
                    if k not in best or scored.log_odds > best[k].log_odds:
                        best[k] = scored
            add_topic_features(
                features, slots, {k: scored.best.replacement for k, scored in best.items()}, topic
            )
            for k, values in features.items():
                slot = slots[k]
                evidence = WordEvidence(slot.start, slot.end, text[slot.start : slot.end], values)
                evidence.dictionary_word = self.is_dictionary_word(slot.word, slot.token.lemma_.lower())
                scored = best.get(k)
                if scored is not None:
                    first, last = slots[scored.span.i], slots[scored.span.j - 1]
                    observed = text[first.start : last.end]
                    evidence.candidate = match_case(scored.best.replacement, observed, first.sentence_initial)
                    evidence.candidate_span = (first.start, last.end)
                    evidence.alternatives = [
                        {
                            "text": match_case(p.replacement, observed, first.sentence_initial),
                            "score": round(d, 3),
                        }
                        for _, d, p in scored.ranked[:5]
                    ]
                words.append(evidence)
        return SpinAnalysis(hits, words)


def keyphrase_spans(text: str, keyphrase: str | None) -> list[tuple[int, int]]:
    """Source spans of every case-insensitive occurrence of the keyphrase (never rewritten)."""
    if not keyphrase or not keyphrase.strip():
        return []
    words = [re.escape(w) for w in keyphrase.split()]
    pattern = re.compile(r"(?<!\w)" + r"[\s\-]+".join(words) + r"(?!\w)", re.IGNORECASE)
    return [(m.start(), m.end()) for m in pattern.finditer(text)]
