"""Find spun spans in a sentence and choose their most probable originals (the noisy-channel search).

For a span with observed words *s* and a candidate original *c*:

    log-odds(spun from c) = Δ_LM(c) / T + ln P(s | c) + ln(ρ / (1 − ρ))

where Δ_LM is how much more probable the trigram model finds the sentence with *c* in place of *s*,
T tempers the model's over-confidence, P(s | c) is the spinner's channel probability (1 / fan-out of c's
thesaurus entry, 1 for a lexicon entry) and ρ the share of words a spinner replaces. The span's spin
log-odds sum over candidates (log-sum-exp). Edits are committed greedily, best first, and the spans
around each edit are re-scored in the repaired context, so two adjacent spun words ("chance components")
are undone one after the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from unspin.spin.candidates import CandidateGenerator, Proposal, SpanCandidates
from unspin.spin.inflect import match_case
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


def _logsumexp(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


class SentenceSearch:
    """One sentence's greedy spin search."""

    def __init__(
        self,
        slots: list[Slot],
        text: str,
        scorer: SentenceScorer,
        generator: CandidateGenerator,
        params: SpinParams,
    ):
        self.slots = slots
        self.text = text
        self.scorer = scorer
        self.generator = generator
        self.params = params
        self.pos = list(range(1, len(slots) + 1))  # slot -> position in the scorer's sequence
        self.consumed = [False] * len(slots)
        # Every span scored before anything was committed: the detector's candidate evidence.
        self.first_pass: list[Scored] = []

    def _positions(self, span: SpanCandidates) -> tuple[int, int] | None:
        if any(self.consumed[span.i : span.j]):
            return None
        return self.pos[span.i], self.pos[span.j - 1] + 1

    def _score(self, span: SpanCandidates) -> Scored | None:
        where = self._positions(span)
        if where is None:
            return None
        a, b = where
        params = self.params
        fit = self.scorer.fit(a, b)
        cheap_kinds = all(p.kind == "thesaurus" for p in span.proposals)
        # Single words are always searched (their candidates are detector evidence); thesaurus
        # phrases only where the observed words fit their context poorly.
        if cheap_kinds and span.j - span.i > 1 and fit > params.gate_fit:
            return None
        if cheap_kinds and params.skip_oov and not all(self.generator.known(w) for w in self.scorer.seq[a:b]):
            # The model cannot judge a word it does not know: any known candidate would look better.
            return None
        # Many proposals share a first word: score each first word once.
        left: dict[str, float] = {}
        for p in span.proposals:
            if p.probe not in left:
                left[p.probe] = self.scorer.left_score(a, p.probe)
        pre = sorted(span.proposals, key=lambda p: -(left[p.probe] + p.prior * params.prior_weight))
        kept = [p for p in pre if p.kind != "thesaurus"] + [p for p in pre if p.kind == "thesaurus"][
            : params.top_k
        ]
        ranked: list[tuple[float, float, Proposal]] = []
        observed = self.scorer.seq[a:b]
        for proposal in kept:
            _, words = proposal.realise(self.generator.words_of)
            if list(words) == observed or not all(self.generator.known(w) for w in words):
                continue
            delta = self.scorer.delta(a, b, proposal.words)
            score = delta / params.temperature + proposal.prior * params.prior_weight
            ranked.append((score, delta, proposal))
        if not ranked:
            return None
        ranked.sort(key=lambda r: (-r[0], r[2].replacement))
        log_odds = _logsumexp([r[0] for r in ranked]) + params.spin_log_prior
        return Scored(span, log_odds, ranked[0][2], ranked, fit)

    def run(self, spans: list[SpanCandidates]) -> list[SpinHit]:
        hits: list[SpinHit] = []
        scored = {id(s): self._score(s) for s in spans}
        self.first_pass = [v for v in scored.values() if v is not None]
        while True:
            live = [v for v in scored.values() if v is not None]
            if not live:
                break
            top = max(live, key=lambda v: (v.log_odds, -v.span.i))
            if top.log_odds < self.params.detect_log_odds:
                break
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

    def first_pass_evidence(self) -> list[tuple[int, int, float, float, float, float, float]]:
        """(i, j, log-odds, LM gain, prior, sources, margin) of every first-pass span."""
        rows = []
        for scored in self.first_pass:
            score, delta, best = scored.ranked[0]
            second = scored.ranked[1][0] if len(scored.ranked) > 1 else score - 10.0
            sources = float(len([s for s in best.sources if s != "lexicon"]))
            rows.append(
                (scored.span.i, scored.span.j, scored.log_odds, delta, best.prior, sources, score - second)
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
            for _, d, p in top.ranked[:5]
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
