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


def test_a_word_no_dictionary_knows_gets_no_detection_and_no_share_of_the_rate():
    from unspin.spin.decide import dictionary_detections
    from unspin.spin.detector import Detector, DocumentDetector

    # A detector whose first step flags every word it reads, so the document's rate counts what it reads.
    detector = DocumentDetector(Detector((("odd", 10.0),), 0.0), rate_weight=1.0)
    words = [SimpleNamespace(dictionary_word=known) for known in (True, False, False, True)]
    rows = [{"odd": 1.0}] * 4
    detections = dictionary_detections(detector, words, rows)
    assert detections[1] == detections[2] == 0.0
    assert detections[0] == detections[3] == detector.probabilities(rows[:2])[0]
    assert detections[0] != detector.probabilities(rows)[0]


@pytest.mark.slow
def test_user_names_and_package_names_are_not_spin():
    """Clean prose (a blog on DuckDB and tree-sitter): 'vivym', 'richraposa' and 'grantjenks' were
    reported as spun substitutes. A spinner writes dictionary words; a token that neither wordfreq nor a
    thesaurus knows is a name, a package, a foreign word or a typo."""
    from pathlib import Path

    corpus = Path(__file__).resolve().parent.parent / "bench" / "clean-prose" / "blog-howto"
    duckdb = (corpus / "til-duckdb-remote-parquet.md").read_text(encoding="utf-8").split("\n")
    tree_sitter = (corpus / "til-python-tree-sitter.md").read_text(encoding="utf-8").split("\n")
    text = "\n".join([*duckdb[:8], duckdb[371], "", tree_sitter[101], "", tree_sitter[109]]) + "\n"
    assert all(name in text for name in ("vivym", "richraposa", "grantjenks"))
    doc = clean_text(text, settings=NO_GRAMMAR)
    spun = {text[f.start : f.end] for f in doc.findings if f.category == "spin"}
    assert not spun & {"vivym", "richraposa", "grantjenks"}, spun


def test_the_judges_thresholds_can_be_set_and_a_typo_is_an_error():
    from unspin.config import ConfigError
    from unspin.spin.judge import builtin_settings, with_overrides

    base = builtin_settings()
    stricter = with_overrides(base, {"detect_report": 0.95, "confirm": 2})
    assert (stricter.detect_report, stricter.confirm) == (0.95, 2)
    assert stricter.detector is base.detector and stricter.gate == base.gate
    for bad in ({"detect_reprot": 0.9}, {"detect_report": "high"}, {"detect_report": True}, {"repair": 1.0}):
        with pytest.raises(ConfigError):
            with_overrides(base, bad)


@pytest.mark.slow
def test_a_stricter_detect_report_in_the_settings_reports_fewer_words():
    from pathlib import Path

    seed = Path(__file__).resolve().parents[1] / "input" / "lower-back-pain-after-running.txt"
    text = seed.read_text(encoding="utf-8")[:1500]
    default = [f for f in clean_text(text, settings=NO_GRAMMAR).findings if f.category == "spin"]
    strict = NO_GRAMMAR.with_overrides(
        stages={"spin": {"contextual": {"detect_report": 0.999, "repair_report": 0.999}}}
    )
    stricter = [f for f in clean_text(text, settings=strict).findings if f.category == "spin"]
    assert len(stricter) < len(default)
