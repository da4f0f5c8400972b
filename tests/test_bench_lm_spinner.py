"""The language-model spinner (MiniLM lexical substitution): real model, reproducible, honest gold edits,
and frozen corpus versions that match what the spinner makes."""

from __future__ import annotations

import itertools
import re

import pytest
from test_bench_spinner import ARTICLE, KEYPHRASE, _segments_between_edits

from bench.common import RATES, derive_seed, load_corpus
from bench.lm_spinner import NAME, LMSpinner, Substituter, _forms_of, _readings, load_frozen
from bench.spinner import EDIT_TYPES, SpunArticle, load_config, spinner_named


@pytest.fixture(scope="module")
def spinner() -> LMSpinner:
    built = spinner_named(NAME)
    assert isinstance(built, LMSpinner)
    return built


def _spins(spun: SpunArticle) -> list[tuple[str, str]]:
    return [(e.orig_text, e.spun_text) for e in spun.edits if e.type == "spin"]


def test_same_seed_same_output_and_gold_edits_invert_exactly(spinner: LMSpinner) -> None:
    first = spinner.spin(ARTICLE, KEYPHRASE, seed=5, rate=0.12)
    again = spinner.spin(ARTICLE, KEYPHRASE, seed=5, rate=0.12)
    other = spinner.spin(ARTICLE, KEYPHRASE, seed=6, rate=0.12)
    assert first.text == again.text and first.edits == again.edits
    assert first.text != other.text
    assert first.meta["thesaurus"] == NAME
    for spun in (first, other):
        words = len(re.findall(r"[A-Za-z]+", ARTICLE))
        assert 0.03 * words < len(_spins(spun)) < 0.12 * words
        for edit in spun.edits:
            assert edit.type in EDIT_TYPES
            assert spun.text[edit.spun_start : edit.spun_end] == edit.spun_text
            assert ARTICLE[edit.orig_start : edit.orig_end] == edit.orig_text
        for spun_part, orig_part in _segments_between_edits(spun):
            assert spun_part == orig_part
        assert spun.revert() == ARTICLE


def test_substitutes_are_other_words_of_the_same_part_of_speech(spinner: LMSpinner) -> None:
    pairs = _spins(spinner.spin(ARTICLE, KEYPHRASE, seed=5, rate=0.12))
    assert pairs
    for orig, spun in pairs:
        assert " " not in spun and spun.lower() != orig.lower()
        assert spun[0].isupper() == orig[0].isupper()  # no odd capitals: a paraphraser keeps the case
        assert spun.lower() not in _forms_of(orig.lower())  # not an inflection of the original
        assert _readings(orig.lower()) & _readings(spun.lower()), (orig, spun)


def test_names_numbers_urls_and_keyphrase_are_never_spun(spinner: LMSpinner) -> None:
    protected = ["Margaret Holloway", "Cedar Hill", "Ohio", "5 cm", "https://example.org/tool-care"]
    protected += ["January", "Winter Garden Care Tips", "winter garden care tips"]
    spun = spinner.spin(ARTICLE, KEYPHRASE, seed=5, rate=0.15)
    spin_spans = [(e.orig_start, e.orig_end) for e in spun.edits if e.type == "spin"]
    for text in protected:
        start = ARTICLE.index(text)
        assert not any(s < start + len(text) and start < e for s, e in spin_spans), text


def test_the_model_ranks_in_context_substitutes(spinner: LMSpinner) -> None:
    substituter: Substituter = spinner.substituter
    sentence = "Paying off credit card debt quickly saves money on interest."
    start = sentence.index("quickly")
    ranked = substituter.substitutes(sentence, start, start + len("quickly"))
    assert {s.word for s in ranked[:3]} & {"rapidly", "swiftly", "fast", "promptly"}, ranked
    assert all(a.score >= b.score for a, b in itertools.pairwise(ranked))
    # A word of several WordPiece tokens has no substitutes.
    assert substituter.substitutes("Zxqvw debt.", 0, 5) == ()


def test_frozen_versions_cover_the_corpus_and_match_the_spinner(spinner: LMSpinner) -> None:
    articles = load_corpus()
    for article in articles:
        for rate in RATES:
            seed = derive_seed(1, article.slug, NAME, rate)
            frozen = load_frozen(article.slug, article.text, article.keyphrase, rate, seed)
            assert frozen is not None, (
                f"{article.slug} {rate}: no frozen version (python -m bench.lm_spinner --freeze)"
            )
            assert frozen.revert() == article.text
            assert _spins(frozen)
    # Re-spinning reproduces the committed text (the shortest article, its first rate).
    shortest = min(articles, key=lambda a: len(a.text))
    rate = RATES[0]
    seed = derive_seed(1, shortest.slug, NAME, rate)
    fresh = LMSpinner(load_config()).spin(shortest.text, shortest.keyphrase, seed, rate)
    frozen = load_frozen(shortest.slug, shortest.text, shortest.keyphrase, rate, seed)
    assert frozen is not None and fresh.text == frozen.text
