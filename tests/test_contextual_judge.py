"""The contextual judge's decisions: span merging, phrase-level units, and the default engine end to end."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from unspin.api import clean_text
from unspin.config import Settings
from unspin.spin.decide import SpinDecision, _without_losing_runs, merge_detected

NO_GRAMMAR = Settings(disabled_stages=("grammar",), require_model=True)


def _decision(
    start: int, end: int, text: str, replacement: str | None, kind: str = "detected"
) -> SpinDecision:
    return SpinDecision(start, end, text[start:end], replacement, kind, 0.9, 0.0, 0.9, False)


def test_adjacent_detected_words_without_a_fix_become_one_span():
    text = "the chance components can add"
    a = _decision(4, 10, text, None)
    b = _decision(11, 21, text, None)
    merged = merge_detected([a, b], text)
    assert [(d.start, d.end, d.observed) for d in merged] == [(4, 21, "chance components")]


def test_a_word_with_a_fix_is_not_merged_into_its_neighbour():
    text = "the chance components can add"
    a = _decision(4, 10, text, "risk", kind="thesaurus")
    b = _decision(11, 21, text, None)
    assert len(merge_detected([a, b], text)) == 2


def test_a_phrase_unit_replaces_its_words_only_when_more_confident():
    def unit(start: int, end: int, repair: float, run: bool = False) -> SimpleNamespace:
        return SimpleNamespace(start=start, end=end, repair=repair, run=run)

    words = [unit(0, 5, 0.4), unit(6, 10, 0.3)]
    stronger = unit(0, 10, 0.9, run=True)
    assert _without_losing_runs([*words, stronger]) == [stronger]
    weaker = unit(0, 10, 0.2, run=True)
    assert _without_losing_runs([*words, weaker]) == words


@pytest.mark.slow
def test_the_default_engine_is_the_contextual_model():
    doc = clean_text("Keep the plant in a bright room. Water it once a week.\n", settings=NO_GRAMMAR)
    assert doc.analysis["spin"]["engine"].startswith("contextual")
    fast = clean_text(
        "Keep the plant in a bright room. Water it once a week.\n",
        settings=NO_GRAMMAR.with_overrides(fast=True),
    )
    assert fast.analysis["spin"]["engine"] == "trigram"


def test_a_repair_is_safe_only_when_the_word_is_surely_spun_too():
    """Clean prose: 'exclude' -> 'leave' (repair 0.94, detection 0.68) was applied to an essay. A confident
    repair of a doubtfully spun word stays unsafe; a curated lexicon phrase is evidence enough."""
    from unspin.spin.decide import safe_repair
    from unspin.spin.judge import builtin_settings

    settings = builtin_settings()
    surely, doubtfully = settings.safe_detection, settings.safe_detection - 0.1
    assert safe_repair("thesaurus", surely, settings.safe, settings)
    assert not safe_repair("thesaurus", doubtfully, 0.99, settings)
    assert not safe_repair("thesaurus", 0.99, settings.safe - 0.01, settings)
    assert safe_repair("lexicon", doubtfully, settings.safe, settings)
