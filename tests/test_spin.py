"""The spin engine with its real components: thesauri, trigram model, spaCy pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from unspin import rules
from unspin.api import clean_text
from unspin.config import Settings
from unspin.document import Applicability
from unspin.pipeline import Context
from unspin.spin import cache as spin_cache
from unspin.spin.inflect import inflect, match_case
from unspin.spin.thesaurus import Thesaurus

NO_GRAMMAR = Settings().with_overrides(disabled_stages=("grammar",))
# One context for the module, so spaCy, the model and the thesaurus index load once.
CONTEXT = Context(NO_GRAMMAR)


def spin_findings(text: str, keyphrase: str | None = None):
    settings = NO_GRAMMAR.with_overrides(keyphrase=keyphrase)
    doc = clean_text(text, settings=settings, ctx=CONTEXT)
    return doc, [f for f in doc.findings if f.category.value == "spin"]


@pytest.fixture(scope="module")
def thesaurus() -> Thesaurus:
    return Thesaurus.load()


def test_inverse_index_lists_originals_of_a_spun_word(thesaurus):
    assert "risk" in {c.text for c in thesaurus.originals_of("hazard")}
    assert "block" in {c.text for c in thesaurus.originals_of("dam")}
    assert "well-being" in thesaurus.compounds
    assert "n" in thesaurus.pos_of("risk")


def test_index_cache_is_keyed_and_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("UNSPIN_CACHE_DIR", str(tmp_path))
    calls = []

    def build():
        calls.append(1)
        return {"value": 1}

    assert spin_cache.load_or_build("probe", {"v": "1"}, build) == {"value": 1}
    assert spin_cache.load_or_build("probe", {"v": "1"}, build) == {"value": 1}
    assert len(calls) == 1
    spin_cache.load_or_build("probe", {"v": "2"}, build)
    assert len(calls) == 2
    assert len(list(Path(tmp_path).glob("probe-*.marshal"))) == 2


def test_inflection_and_case():
    assert inflect("risk factor", "NNS") == "risk factors"
    assert inflect("deal with", "VBG") == "dealing with"
    assert inflect("work", "VB") == "work"
    assert match_case("since", "Considering the fact that", sentence_initial=True) == "Since"
    assert match_case("recovery", "Restoration", sentence_initial=False) == "recovery"
    assert match_case("nato", "NATO", sentence_initial=False) == "NATO"


def test_spun_compound_is_rebuilt_safely():
    doc, found = spin_findings("It can damage the overall perfectly-becoming of runners over the years.\n")
    compound = [f for f in found if f.rule == "SPIN003"]
    assert compound, found
    finding = compound[0]
    assert doc.source[finding.start : finding.end] == "perfectly-becoming"
    assert finding.fix is not None and finding.fix.replacement == "well-being"
    assert finding.alternatives and finding.alternatives[0]["text"] == "well-being"
    assert "well-being" in (doc.clean_text or "")


def test_lexicon_phrase_needs_its_context():
    _, spun = spin_findings("The repetitive mother nature of running can strain the back.\n")
    assert [(f.rule, f.fix.replacement) for f in spun if f.fix] == [("SPIN004", "nature")]
    _, clean = spin_findings("Mother Nature gave us a sunny weekend, so we went hiking.\n")
    assert clean == []


def test_findings_carry_rule_evidence_and_applicability():
    _, found = spin_findings(
        "Running assists an incredible number of persons stay in shape and reduce their stress.\n"
    )
    assert found
    for finding in found:
        assert finding.rule in rules.registry()
        assert 0.0 < finding.confidence <= 1.0
        assert finding.fix is not None
        assert finding.fix.applicability in (Applicability.SAFE, Applicability.UNSAFE)
        assert finding.evidence
        assert "original was probably" in finding.message or "tortured phrase" in finding.message


def test_keyphrase_and_entities_are_never_rewritten():
    text = "Apple announced that the muscle mass pressure of runners in Boston was studied in 2021.\n"
    doc, found = spin_findings(text, keyphrase="muscle mass pressure")
    for finding in found:
        span = doc.source[finding.start : finding.end]
        assert "muscle mass pressure" not in span and "Apple" not in span and "Boston" not in span


def test_clean_prose_is_left_alone():
    text = (
        "Strength training twice a week helps runners avoid injuries. Start with light weights and focus on "
        "good form before adding load. Rest days matter as much as training days, because muscles repair "
        "themselves while you recover. If your back hurts after a run, ask a physiotherapist for advice.\n"
    )
    doc, found = spin_findings(text)
    assert found == []
    assert doc.clean_text == text


def test_output_is_deterministic():
    text = (
        "Overtraining can bring about tiredness and compromised running kind in the overall "
        "perfectly-becoming.\n"
    )
    first = [
        (f.rule, f.start, f.end, f.confidence, f.fix.replacement if f.fix else None)
        for f in spin_findings(text)[1]
    ]
    second = [
        (f.rule, f.start, f.end, f.confidence, f.fix.replacement if f.fix else None)
        for f in spin_findings(text)[1]
    ]
    assert first == second


def test_tortured_phrase_from_the_list_is_reported():
    _, found = spin_findings("Our team built a profound neural organization for picture recognition.\n")
    listed = [f for f in found if f.rule == "SPIN001"]
    assert {f.fix.replacement for f in listed if f.fix} >= {"image recognition"}
    assert all(f.evidence["list"].startswith("Problematic Paper Screener") for f in listed)


def test_a_repair_that_only_drops_words_is_never_safe() -> None:
    from unspin.api import clean_text
    from unspin.config import Settings
    from unspin.document import Applicability
    from unspin.spin.decide import only_drops_words

    assert only_drops_words("sourdough bread", "bread") and only_drops_words("Double spaces", "Spaces")
    # Up to a plural ending: the repair still only leaves a word out.
    assert only_drops_words("tide gauges", "tides")
    assert not only_drops_words("chance components", "risk factors")
    assert not only_drops_words("leap year", "year day")
    text = (
        "Sourdough Basics\n\nI love baking sourdough bread on weekends. The crust gets crisp and the crumb "
        "stays open.\n\nDouble spaces after a full stop were common on typewriters.\n"
    )
    doc = clean_text(text, settings=Settings(disabled_stages=("grammar",)))
    for finding in doc.findings:
        if finding.fix is not None and finding.category.value == "spin":
            replacement = finding.fix.render(doc.source)
            if only_drops_words(doc.source[finding.start : finding.end], replacement):
                assert finding.fix.applicability is not Applicability.SAFE
    assert "sourdough bread" in doc.clean_text and "Double spaces" in doc.clean_text


def test_a_gain_against_an_unknown_word_is_never_a_safe_fix() -> None:
    from unspin.api import clean_text
    from unspin.config import Settings

    text = (
        "The Early Bicycle\n\nThe penny-farthing had a huge front wheel. Riders of the penny-farthing sat "
        "high above the road, and a well-known photograph shows one rider mid-fall.\n"
    )
    doc = clean_text(text, settings=Settings(disabled_stages=("grammar",)))
    assert doc.clean_text.count("penny-farthing") == 2
