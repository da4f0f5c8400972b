"""The spin engine's fast paths give the numbers of the plain computations they replace.

Real components throughout (thesauri, trigram model, spaCy); each fast path is compared with the
straightforward computation it stands for.
"""

from __future__ import annotations

import math

import pytest

from unspin.config import Settings
from unspin.lexicons.webspin import load as load_lexicon
from unspin.lm import UNKNOWN_LN, TrigramLM
from unspin.pipeline import Context
from unspin.readers import read_text
from unspin.spin.candidates import CandidateGenerator
from unspin.spin.detect import SentenceSearch
from unspin.spin.engine import SpinEngine
from unspin.spin.features import document_lemmas
from unspin.spin.params import builtin_params
from unspin.spin.scoring import SentenceScorer
from unspin.spin.slots import sentence_slots
from unspin.spin.thesaurus import Thesaurus
from unspin.stages.parse import load_nlp
from unspin.stages.spin import SpinStage, clear_caches

SPUN = (
    "Quite a few chance components can add to the event of lower back pain. Runners who increment "
    "their mileage too rapidly frequently experience muscle mass pressure and firmness in the lower back. "
    "A decent warm-up and delicate extending can help forestall a great deal of these issues."
)


@pytest.fixture(scope="module")
def engine() -> SpinEngine:
    return SpinEngine(Thesaurus.load(), load_lexicon(), TrigramLM.load(), builtin_params())


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def test_language_model_scores_are_the_bindings_log_scores(engine):
    lm = engine.lm
    for words in (["pain"], ["pain", "back"], ["pain", "back", "lower"], ["qzxqzxqzx", "the"]):
        raw = lm._model.prob(words)
        expected = UNKNOWN_LN if raw <= lm._unknown_raw else max(lm._lmath.log_to_ln(raw), UNKNOWN_LN)
        assert lm._ln_prob(*words) == expected
    assert lm.ln_prob("pain", "back", "lower") < 0.0


def test_raw_codes_follow_the_inverse_index(engine):
    thesaurus = engine.thesaurus
    for term in ("hazard", "event", "increment", "no-such-word"):
        rows = [(*thesaurus.head(code >> 3), code & 7) for code in thesaurus.codes_of(term)]
        assert rows == [(c.text, c.fanout, c.sources) for c in thesaurus.originals_of(term)]


def _reference_candidates(gen: CandidateGenerator, keys: list[str], tag: str, letter: str, observed: str):
    """Headwords listing each key in index order, first listing wins, POS-filtered, known to the model."""
    found = []
    seen = {observed}
    for key in keys:
        for cand in gen.thesaurus.originals_of(key):
            pos = gen.thesaurus.pos_of(cand.text)
            if cand.text in seen or (letter and pos and letter not in pos):
                continue
            seen.add(cand.text)
            words = gen.words_of(cand.text)
            if not words or not all(gen.known(w) for w in words):
                continue
            prior = -math.log(max(cand.fanout, 1))
            key_tag = tag if key != observed else ""
            found.append((cand.text, prior, tuple(cand.source_names), key_tag, words[0]))
    return found


@pytest.mark.parametrize(
    ("keys", "tag", "letter"),
    [(["event"], "NN", "n"), (["increment", "incremented"], "VBD", "v"), (["rapidly"], "RB", "r")],
)
def test_thesaurus_candidates_are_made_on_demand_in_index_order(engine, keys, tag, letter):
    gen = engine.generator
    observed = keys[-1] if len(keys) > 1 else keys[0]
    keys = [observed] + [k for k in keys if k != observed]
    prepared = gen._thesaurus(keys, tag, letter, observed)
    made = [(p.base, p.prior, p.sources, p.tag, p.probe) for p in prepared.proposals]
    assert made == _reference_candidates(gen, keys, tag, letter, observed)
    assert made, "the look-up should find candidates"
    assert prepared.proposal(0) is prepared.proposals[0]  # one object per candidate


def test_filter_shortlist_is_the_stable_top_k_of_the_plain_sum(engine, nlp):
    doc = nlp(SPUN)
    lemmas = document_lemmas(doc)
    params = engine.params
    checked = 0
    for sent in doc.sents:
        slots = sentence_slots(sent, [])
        scorer = SentenceScorer(engine.lm, [s.word for s in slots])
        search = SentenceSearch(slots, SPUN, scorer, engine.generator, params, lemmas)
        for span in engine.generator.spans(slots, SPUN):
            if span.thesaurus is None or not len(span.thesaurus):
                continue
            a = search.pos[span.i]
            kept, in_doc = search._prefilter(span, a)
            prev1, prev2 = scorer.seq[a - 1], scorer.seq[a - 2] if a >= 2 else None
            pool = span.thesaurus.proposals
            scores = []
            for p in pool:
                score = engine.lm.ln_prob(p.probe, prev1, prev2) + p.prior * params.prefilter_prior_weight
                if lemmas.get(p.base):
                    score += math.log1p(lemmas[p.base]) * params.prefilter_doc_weight
                scores.append(score)
            order = sorted(range(len(pool)), key=scores.__getitem__, reverse=True)[: params.prefilter_k]
            assert kept == span.own + [pool[i] for i in order]
            assert in_doc == {p.base: lemmas[p.base] for p in pool if lemmas.get(p.base)}
            checked += 1
    assert checked > 10


def test_emptied_caches_give_the_same_findings(nlp):
    def findings(ctx: Context) -> list[tuple]:
        doc = read_text(SPUN)
        doc.nlp_doc = nlp(doc.prose)
        SpinStage()([doc], ctx)
        return [(f.rule, f.start, f.end, f.message, f.confidence, f.fix, f.evidence) for f in doc.findings]

    ctx = Context(Settings())
    first = findings(ctx)
    again = findings(ctx)  # every cache filled by the first pass
    clear_caches(ctx)
    assert first
    assert findings(ctx) == first == again


def _plain_delta(lm: TrigramLM, seq: list[str], a: int, b: int, words: tuple[str, ...]) -> float:
    """ln P(sentence with [a, b) replaced) − ln P(sentence), summed position by position over the whole
    sentence with the cached scalar look-up."""

    def total(sequence: list[str]) -> float:
        found = 0.0
        for t in range(1, len(sequence)):
            found += lm.ln_prob(sequence[t], sequence[t - 1], sequence[t - 2] if t >= 2 else None)
        return found

    return total([*seq[:a], *words, *seq[b:]]) - total(seq)


def test_batched_deltas_are_the_plain_sentence_differences(engine):
    scorer = SentenceScorer(
        engine.lm, ["runners", "who", "increment", "their", "mileage", "too", "rapidly", "get", "hurt"]
    )
    cases = [
        (3, 4, [("raise",), ("increase",), ("boost", "up"), ("qzxqzx",)]),
        (1, 2, [("athletes",), ("people", "who", "run")]),
        (5, 7, [("too", "fast"), ("quickly",)]),
        (8, 9, [("injured",), ("hurt", "badly")]),
    ]
    for a, b, replacements in cases:
        got = scorer.deltas(a, b, replacements)
        want = [_plain_delta(engine.lm, scorer.seq, a, b, words) for words in replacements]
        assert got == pytest.approx(want, abs=1e-9)
        assert scorer.delta(a, b, replacements[0]) == got[0]


def test_a_dictionary_word_is_one_wordfreq_or_a_thesaurus_knows(engine):
    assert engine.is_dictionary_word("garrulity", "garrulity")
    assert engine.is_dictionary_word("repasts", "repast")  # known by its base form only
    assert not engine.is_dictionary_word("vivym", "vivym")
    assert not engine.is_dictionary_word("richraposa", "richraposa")
