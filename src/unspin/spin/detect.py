"""Find spun spans in a sentence and choose their most probable originals (the noisy-channel search).

For a span with observed words *s* and a candidate original *c*:

    log-odds(spun from c) = Δ_LM(c) / T + λ ln P(s | c) + β ln(1 + n_doc(c)) + ln(ρ / (1 − ρ))

where Δ_LM is how much more probable the trigram model finds the sentence with *c* in place of *s*,
T tempers the model's over-confidence, P(s | c) is the spinner's channel probability (1 / fan-out of c's
thesaurus entry, 1 for a lexicon entry), n_doc(c) counts the other places the document uses *c* (a
spinner rewrites one occurrence of a topic word and leaves the rest) and ρ the share of words a spinner
replaces. The span's spin log-odds sum over its best ``top_k`` candidates (log-sum-exp).

Scoring every thesaurus candidate exactly is too slow (a common word has ~100 of them), so a first filter
ranks them by ln P(c | two left words) plus the channel and document terms and keeps ``prefilter_k``
for the exact, two-sided comparison. Edits are committed greedily, best first, and the spans
around each edit are re-scored in the repaired context, so two adjacent spun words ("chance components")
are undone one after the other.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from unspin.spin.candidates import NO_THESAURUS, CandidateGenerator, Proposal, SpanCandidates
from unspin.spin.inflect import match_case, noun_lemma
from unspin.spin.params import SpinParams
from unspin.spin.scoring import SentenceScorer
from unspin.spin.slots import Slot


@dataclass
class SpinHit:
    start: int
    end: int
    observed: str
    replacement: str
    kind: str
    log_odds: float
    features: dict[str, float]
    alternatives: list[dict[str, Any]]
    sources: tuple[str, ...]
    origin: str = ""
    slots: tuple[int, int] = (0, 0)
    context_words: list[str] = field(default_factory=list)


@dataclass
class Scored:
    span: SpanCandidates
    log_odds: float
    best: Proposal
    ranked: list[tuple[float, float, Proposal]]  # (score, delta, proposal), best first
    fit: float


_UNINFLECTED_TAGS = frozenset({"NN", "NNP", "VB", "VBP"})


@dataclass(frozen=True)
class CandidateEvidence:
    """A first-pass span's best candidate, as detector evidence."""

    i: int
    j: int
    log_odds: float
    delta: float  # LM gain of the best candidate, nats
    prior: float  # its channel log-probability
    sources: float  # how many thesauri list it
    margin: float  # its score lead over the runner-up
    base: str  # its uninflected text


def _logsumexp(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(map(math.exp, [v - top for v in values])))  # summed in the same order


class _FilterPool:
    """One span's proposals prepared once for the cheap filter.

    The filter score of a thesaurus candidate is ln P(first word | two left words), which changes with
    the left context, plus channel and document terms, which do not: those are computed once per span,
    the language model is asked once per distinct first word, and the shortlist is kept per left
    context (a re-score after a repair to the right sees the same two left words)."""

    def __init__(self, span: SpanCandidates, doc: Counter[str], params: SpinParams):
        # Only a thesaurus look-up makes thesaurus candidates: a span without one has none.
        prepared = span.thesaurus if span.thesaurus is not None else NO_THESAURUS
        self.others = span.own
        self.prepared = prepared
        self.limit = max(params.prefilter_k, 0)
        self.prior_terms = prepared.prior_terms(params.prefilter_prior_weight)
        w_doc = params.prefilter_doc_weight
        self.in_doc: dict[str, int] = {}
        doc_index: list[int] = []  # pool indices whose document term is non-zero, and that term
        doc_terms: list[float] = []
        # Each index is touched once, so the order of this loop does not change any sum.
        for base in doc.keys() & prepared.base_index.keys():
            uses = doc[base]
            if uses:
                self.in_doc[base] = uses
                doc_index.append(prepared.base_index[base])
                doc_terms.append(math.log1p(uses) * w_doc)
        self.doc_index = np.array(doc_index, dtype=np.intp) if doc_index else None
        self.doc_terms = np.array(doc_terms, dtype=float)
        self._shortlists: dict[tuple[str, str | None], list[Proposal]] = {}

    def shortlist(self, lm: Any, prev1: str, prev2: str | None) -> list[Proposal]:
        kept = self._shortlists.get((prev1, prev2))
        if kept is None:
            prepared = self.prepared
            left = lm.ln_probs(prepared.probes, prev1, prev2)
            # Added in the same order as a candidate-by-candidate sum: left, then channel, then document
            # (float64 sums, the same numbers as Python's).
            scores = left[prepared.probe_array] + self.prior_terms
            if self.doc_index is not None:
                scores[self.doc_index] += self.doc_terms
            # A stable sort, best first: ties keep the proposals' order, as heapq.nlargest does.
            order = np.argsort(-scores, kind="stable")[: self.limit]
            proposal = prepared.proposal
            kept = self.others + [proposal(i) for i in order.tolist()]
            self._shortlists[(prev1, prev2)] = kept
        return kept


class SentenceSearch:
    """One sentence's greedy spin search."""

    def __init__(
        self,
        slots: list[Slot],
        text: str,
        scorer: SentenceScorer,
        generator: CandidateGenerator,
        params: SpinParams,
        doc_lemmas: Counter[str] | None = None,
    ):
        self.doc_lemmas: Counter[str] = doc_lemmas if doc_lemmas is not None else Counter()
        self.slots = slots
        self.text = text
        self.scorer = scorer
        self.generator = generator
        self.params = params
        self.pos = list(range(1, len(slots) + 1))  # slot -> position in the scorer's sequence
        self.consumed = [False] * len(slots)
        # Every span scored before anything was committed: the detector's candidate evidence.
        self.first_pass: list[Scored] = []
        self._pools: dict[int, _FilterPool] = {}  # id(span) -> its proposals prepared for the filter
        # A span's score depends only on the words from two before it to two after it (the trigram
        # window), so a re-score after a commit that left that window alone returns the same result.
        self._scored: dict[tuple[int, int, int, tuple[str, ...]], Scored | None] = {}
        self._memoised: dict[int, SpanCandidates] = {}  # keeps every span keyed by id alive (ids unique)

    def _positions(self, span: SpanCandidates) -> tuple[int, int] | None:
        if any(self.consumed[span.i : span.j]):
            return None
        return self.pos[span.i], self.pos[span.j - 1] + 1

    def _prefilter(self, span: SpanCandidates, a: int) -> tuple[list[Proposal], dict[str, int]]:
        """Every lexicon and compound proposal, plus the ``prefilter_k`` thesaurus candidates that rank
        best by ln P(first word | two left words) + channel and document terms; and the document uses of
        each thesaurus candidate's base form."""
        pool = self._pools.get(id(span))
        if pool is None:
            self._memoised[id(span)] = span
            pool = self._pools[id(span)] = _FilterPool(span, self.doc_lemmas, self.params)
        seq = self.scorer.seq
        return pool.shortlist(self.scorer.lm, seq[a - 1], seq[a - 2] if a >= 2 else None), pool.in_doc

    def _variant_tag(self, span: SpanCandidates) -> str:
        """For one uninflected noun or verb, the "-s" form its original may have had: a spinner that
        swaps "needs" for a noun sense ("insufficiency") cannot carry the verb's ending over."""
        if span.j - span.i != 1:
            return ""
        slot = self.slots[span.i]
        tag = slot.token.tag_
        if tag not in _UNINFLECTED_TAGS or slot.word != noun_lemma(slot.word):
            return ""
        return "VBZ" if tag.startswith("VB") else "NNS"

    def _score(self, span: SpanCandidates) -> Scored | None:
        where = self._positions(span)
        if where is None:
            return None
        a, b = where
        seq = self.scorer.seq
        lo, hi = max(0, a - 2), min(b + 2, len(seq))
        self._memoised[id(span)] = span
        key = (id(span), a - lo, b - lo, tuple(seq[lo:hi]))
        if key in self._scored:
            return self._scored[key]
        found = self._score_at(span, a, b)
        self._scored[key] = found
        return found

    def _score_at(self, span: SpanCandidates, a: int, b: int) -> Scored | None:
        params = self.params
        fit = self.scorer.fit(a, b)
        cheap_kinds = not span.own  # thesaurus candidates only (a span's own are lexicon or compound)
        # Single words are always searched (their candidates are detector evidence); thesaurus
        # phrases only where the observed words fit their context poorly.
        if cheap_kinds and span.j - span.i > 1 and fit > params.gate_fit:
            return None
        if cheap_kinds and params.skip_oov and not all(self.generator.known(w) for w in self.scorer.seq[a:b]):
            # The model cannot judge a word it does not know: any known candidate would look better.
            return None
        kept, in_doc = self._prefilter(span, a)
        ranked = self._ranked(kept, a, b, in_doc)
        if not ranked:
            return None
        ranked.sort(key=lambda r: (-r[0], r[2].replacement))
        variant_tag = self._variant_tag(span)
        if variant_tag:
            variants = (
                p.variant(variant_tag, params.variant_log_prior) for _, _, p in ranked[: params.variant_k]
            )
            ranked.extend(self._ranked([v for v in variants if v is not None], a, b, in_doc))
            ranked.sort(key=lambda r: (-r[0], r[2].replacement))
        ranked = ranked[: params.top_k]
        log_odds = _logsumexp([r[0] for r in ranked]) + params.spin_log_prior
        return Scored(span, log_odds, ranked[0][2], ranked, fit)

    def _ranked(
        self, proposals: list[Proposal], a: int, b: int, in_doc: dict[str, int]
    ) -> list[tuple[float, float, Proposal]]:
        """(score, LM delta, proposal) for each proposal that changes positions [a, b) into words the
        model knows: the delta over the temperature, plus the channel and document terms."""
        params = self.params
        observed = tuple(self.scorer.seq[a:b])
        words_of, known = self.generator.words_of, self.generator.known
        chosen: list[Proposal] = []
        replacements: list[tuple[str, ...]] = []
        for proposal in proposals:
            _, words = proposal.realise(words_of)
            if words == observed or not all(known(w) for w in words):
                continue
            chosen.append(proposal)
            replacements.append(words)
        doc = self.doc_lemmas
        temperature, prior_weight, doc_weight = params.temperature, params.prior_weight, params.doc_weight
        ranked: list[tuple[float, float, Proposal]] = []
        for proposal, delta in zip(chosen, self.scorer.deltas(a, b, replacements), strict=True):
            score = delta / temperature + proposal.prior * prior_weight
            uses = in_doc.get(proposal.base, 0) if proposal.kind == "thesaurus" else doc.get(proposal.base, 0)
            if uses:
                score += math.log1p(uses) * doc_weight
            ranked.append((score, delta, proposal))
        return ranked

    def run(self, spans: list[SpanCandidates]) -> list[SpinHit]:
        hits: list[SpinHit] = []
        scored = {id(s): self._score(s) for s in spans}
        self.first_pass = [v for v in scored.values() if v is not None]
        while True:
            floor = self.params.detect_log_odds
            live = [v for v in scored.values() if v is not None and v.log_odds >= floor]
            if not live:
                break
            top = max(live, key=lambda v: (self._priority(v), -v.span.i))
            hits.append(self._hit(top))
            self._commit(top)
            lo, hi = top.span.i - 3, top.span.j + 3
            for s in spans:
                key = id(s)
                if scored.get(key) is None:
                    continue
                if s.i < top.span.j and top.span.i < s.j:
                    scored[key] = None
                elif s.j > lo and s.i < hi:
                    scored[key] = self._score(s)
        return hits

    def _priority(self, scored: Scored) -> float:
        """Spans are repaired best first; a lexicon entry (a known spinner output) goes before thesaurus
        guesses on the same words by ``lexicon_bonus``, without changing its own log-odds."""
        bonus = self.params.lexicon_bonus if scored.best.kind == "lexicon" else 0.0
        return scored.log_odds + bonus

    def _commit(self, top: Scored) -> None:
        span = top.span
        a, b = self.pos[span.i], self.pos[span.j - 1] + 1
        words = top.best.words
        self.scorer.commit(a, b, words)
        shift = len(words) - (b - a)
        for k in range(span.i, span.j):
            self.consumed[k] = True
        for k in range(span.j, len(self.pos)):
            self.pos[k] += shift

    def first_pass_evidence(self) -> list[CandidateEvidence]:
        """What the first pass found for each span, before anything was committed."""
        rows = []
        for scored in self.first_pass:
            score, delta, best = scored.ranked[0]
            second = scored.ranked[1][0] if len(scored.ranked) > 1 else score - 10.0
            sources = float(len([s for s in best.sources if s != "lexicon"]))
            rows.append(
                CandidateEvidence(
                    scored.span.i,
                    scored.span.j,
                    scored.log_odds,
                    delta,
                    best.prior,
                    sources,
                    score - second,
                    best.base,
                )
            )
        return rows

    def _hit(self, top: Scored) -> SpinHit:
        span = top.span
        first, last = self.slots[span.i], self.slots[span.j - 1]
        observed = self.text[first.start : last.end]
        score, delta, best = top.ranked[0]
        second = top.ranked[1][0] if len(top.ranked) > 1 else score - 10.0
        odd_caps = any(
            s.text_is_capitalised and not s.sentence_initial and s.token.ent_type_ == ""
            for s in self.slots[span.i : span.j]
        )
        replacement = match_case(best.replacement, observed, first.sentence_initial)
        unigram = self.scorer.unigram
        observed_words = [s.word for s in self.slots[span.i : span.j]]
        features = {
            "rare_observed": round(min(unigram(w) for w in observed_words), 3),
            "oov_observed": float(sum(not self.generator.known(w) for w in observed_words)),
            "rare_best": round(min(unigram(w) for w in best.words), 3),
            "log_odds": round(top.log_odds, 3),
            "delta": round(delta, 3),
            "delta_capped": round(min(delta, 15.0), 3),
            "prior": round(best.prior, 3),
            "fit": round(top.fit, 3),
            "margin": round(score - second, 3),
            "n_candidates": float(len(top.ranked)),
            "span_words": float(span.j - span.i),
            "odd_capital": 1.0 if odd_caps else 0.0,
            "lexicon": 1.0 if "lexicon" in best.sources else 0.0,
            "n_sources": float(len([s for s in best.sources if s != "lexicon"])),
        }
        alternatives = [
            {"text": match_case(p.replacement, observed, first.sentence_initial), "score": round(d, 3)}
            for _, d, p in top.ranked[: self.params.alternatives]
        ]
        return SpinHit(
            start=first.start,
            end=last.end,
            observed=observed,
            replacement=replacement,
            kind=best.kind,
            log_odds=top.log_odds,
            features=features,
            alternatives=alternatives,
            sources=best.sources,
            origin=best.origin,
            slots=(span.i, span.j),
        )
