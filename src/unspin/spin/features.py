"""Per-word evidence that a word was put there by a spinner, whether or not a good repair exists.

Detection and repair are separate questions. The repair search (``spin/detect.py``) needs a candidate
original that the language model prefers; a spun word whose original is missing from every thesaurus, or
whose context the trigram model cannot judge, still leaves traces of its own:

- it breaks collocations: the trigram model finds it unlikely after its left context (``pmi``) and the
  words after it unlikely after it (``pmi_next``);
- it is often a rare word (``zipf`` from wordfreq, ``uni`` from the model; ``oov`` when the model does not
  know it at all);
- it is listed as a synonym of something in a thesaurus (``listed``, ``log_heads``, source bits): a word
  no thesaurus lists cannot be a thesaurus spinner's output (DSpin's "immutables");
- it may carry a capital in mid-sentence (``odd_capital``);
- a candidate original may make the sentence much more probable (``cand_*``, from the repair search).

:func:`slot_features` computes the model-free and language-model features of every eligible slot before
the repair search changes the sentence; :func:`add_candidate_features` adds what the search's first pass
found. The detector (``spin/detector.py``) weighs them with a logistic model fitted on the benchmark.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS

from unspin.spin.detect import CandidateEvidence
from unspin.spin.scoring import SentenceScorer
from unspin.spin.slots import Slot
from unspin.spin.thesaurus import MOBY, MYTHES, WORDNET, Thesaurus

_POS_FEATURES = ("NOUN", "VERB", "ADJ", "ADV", "PROPN")
# Bounds that keep single extreme values (an out-of-vocabulary word's −20) from dominating the model.
_DELTA_RANGE = (-10.0, 20.0)
_LOG_ODDS_RANGE = (-12.0, 12.0)
NO_CANDIDATE_DELTA = -10.0


def _clip(value: float, bounds: tuple[float, float]) -> float:
    return max(bounds[0], min(bounds[1], value))


def eligible(slot: Slot) -> bool:
    """Words a spinner may have produced: letters, not protected, not a function word (unless oddly
    capitalised, a capital being a spinner's tell), not written with a capital inside the word."""
    if slot.protected or not slot.word.isalpha() or len(slot.word) < 2:
        return False
    if _inner_capital(slot.token.text):
        return False
    odd_capital = slot.text_is_capitalised and not slot.sentence_initial
    return slot.word not in STOP_WORDS or odd_capital


def _inner_capital(text: str) -> bool:
    """A name or an identifier ("BáiZé", "iPhone", "JavaScript"): a spinner writes dictionary words, at
    most with a leading capital (or all in capitals, as a heading may be), never with one inside a word."""
    return any(c.isupper() for c in text[1:]) and not text.isupper()


def document_lemmas(nlp_doc: Any) -> Counter[str]:
    """How often each content lemma occurs in the document (a document's own vocabulary is evidence:
    its topic words repeat, while a spinner replaces each occurrence with a different synonym)."""
    counts: Counter[str] = Counter()
    for tok in nlp_doc:
        text = tok.text.lower()
        if text.isalpha() and text not in STOP_WORDS:
            counts[tok.lemma_.lower()] += 1
    return counts


def slot_features(
    slots: list[Slot],
    scorer: SentenceScorer,
    thesaurus: Thesaurus,
    known: Callable[[str], bool],
    zipf: Callable[[str], float],
    doc_lemmas: Counter[str],
    memo: CoherenceMemo | None = None,
) -> dict[int, dict[str, float]]:
    """Features of every eligible slot, from the sentence as written (call before any repair);
    ``memo`` as for :func:`coherence`."""
    lm = scorer.lm
    seq, lp = scorer.seq, scorer.lp
    pmi = [0.0] * len(seq)
    for t in range(1, len(seq)):
        pmi[t] = lp[t] - lm.ln_prob(seq[t])
    found: dict[int, dict[str, float]] = {}
    for k, slot in enumerate(slots):
        if not eligible(slot):
            continue
        t = k + 1  # position in the scorer's sequence (0 is the sentence start)
        word = slot.word
        lemma = slot.token.lemma_.lower()
        heads, mask = thesaurus.listing(word)
        if lemma != word and lemma.isalpha():
            lemma_heads, lemma_mask = thesaurus.listing(lemma)
            heads, mask = max(heads, lemma_heads), mask | lemma_mask
        word_zipf = zipf(word)
        # Thesaurus neighbours this document uses elsewhere: candidate originals the spinner left alone
        # in other places, and a measure of how well the word belongs to the document's topic.
        in_doc, neighbours = coherence(thesaurus, {word, lemma}, doc_lemmas, memo)
        odd_capital = slot.text_is_capitalised and not slot.sentence_initial
        features = {
            "lp": lp[t],
            "uni": lm.ln_prob(word),
            "pmi": pmi[t],
            "pmi_next": sum(pmi[t + 1 : t + 3]),
            "pmi_prev": pmi[t - 1] if t > 1 else 0.0,
            "oov": 0.0 if known(word) else 1.0,
            "zipf": word_zipf,
            "zipf_low": max(0.0, 3.5 - word_zipf),
            "listed": 1.0 if heads else 0.0,
            "log_heads": math.log1p(heads),
            "moby": 1.0 if mask & MOBY else 0.0,
            "wordnet": 1.0 if mask & WORDNET else 0.0,
            "mythes": 1.0 if mask & MYTHES else 0.0,
            "is_head": 1.0 if thesaurus.is_head(word) or thesaurus.is_head(lemma) else 0.0,
            "odd_capital": 1.0 if odd_capital else 0.0,
            "odd_capital_common": 1.0 if odd_capital and heads and word_zipf >= 3.0 else 0.0,
            "entity": 1.0 if slot.token.ent_type_ else 0.0,
            "compound_part": 1.0 if slot.in_compound else 0.0,
            "stop_word": 1.0 if word in STOP_WORDS else 0.0,
            "doc_repeat": math.log1p(max(0, doc_lemmas.get(lemma, 0) - 1)),
            "coherence": math.log1p(in_doc),
            "coherence_share": in_doc / neighbours if neighbours else 0.0,
        }
        for pos in _POS_FEATURES:
            features[f"pos_{pos.lower()}"] = 1.0 if slot.token.pos_ == pos else 0.0
        found[k] = features
    return found


class CoherenceMemo:
    """Coherence answers for one document, whose words recur, and the lemmas it uses."""

    def __init__(self, doc_lemmas: Counter[str]):
        self.doc_lemmas = doc_lemmas
        self.vocabulary = frozenset(lemma for lemma, uses in doc_lemmas.items() if uses)
        self.found: dict[frozenset[str], tuple[int, int]] = {}


def coherence(
    thesaurus: Thesaurus, terms: set[str], doc_lemmas: Counter[str], memo: CoherenceMemo | None = None
) -> tuple[int, int]:
    """(thesaurus neighbours of ``terms`` that the document uses, all their thesaurus neighbours).

    A word in its intended sense has relatives throughout the document ("card" among "library",
    "borrow", "ticket"); a spinner's wrong-sense synonym ("bower" for *card*) has few. ``memo``, made
    for the same ``doc_lemmas``, keeps the answers for the document.
    """
    if memo is None:
        neighbours: set[str] = set()
        for term in terms:
            neighbours.update(thesaurus.heads_of(term))
        neighbours -= terms
        return sum(1 for h in neighbours if doc_lemmas.get(h)), len(neighbours)
    key = frozenset(terms)
    found = memo.found.get(key)
    if found is None:
        related = frozenset().union(*(thesaurus.neighbours(term) for term in key)) - key
        found = memo.found[key] = (len(related & memo.vocabulary), len(related))
    return found


def add_candidate_features(
    features: dict[int, dict[str, float]],
    first_pass: list[CandidateEvidence],
    thesaurus: Thesaurus,
    doc_lemmas: Counter[str],
    memo: CoherenceMemo | None = None,
) -> None:
    """Add the repair search's first-pass evidence to each slot (``memo`` as for :func:`coherence`).

    A slot takes the best-scoring span that covers it: its log-odds, LM gain, channel prior, sources,
    margin and length, how often the document uses the candidate elsewhere and how well the candidate
    fits the document's vocabulary compared with the observed word (``cand_coherence_gain``).
    """
    best: dict[int, CandidateEvidence] = {}
    for row in first_pass:
        for k in range(row.i, row.j):
            current = best.get(k)
            if current is None or row.log_odds > current.log_odds:
                best[k] = row
    for k, values in features.items():
        found = best.get(k)
        if found is None:
            values.update(
                cand=0.0,
                cand_log_odds=_LOG_ODDS_RANGE[0],
                cand_delta=NO_CANDIDATE_DELTA,
                cand_prior=0.0,
                cand_sources=0.0,
                cand_margin=0.0,
                cand_span=0.0,
                cand_in_doc=0.0,
                cand_coherence=0.0,
                cand_coherence_gain=0.0,
            )
            continue
        in_doc, _ = coherence(thesaurus, {found.base}, doc_lemmas, memo)
        values.update(
            cand=1.0,
            cand_log_odds=_clip(found.log_odds, _LOG_ODDS_RANGE),
            cand_delta=_clip(found.delta, _DELTA_RANGE),
            cand_prior=found.prior,
            cand_sources=found.sources,
            cand_margin=min(found.margin, 10.0),
            cand_span=float(found.j - found.i),
            cand_in_doc=math.log1p(doc_lemmas.get(found.base, 0)),
            cand_coherence=math.log1p(in_doc),
            cand_coherence_gain=math.log1p(in_doc) - values["coherence"],
        )
