"""The web-spin lexicon's phrase tells: found and repaired in a spun article, left alone in natural prose.

The spun article uses tells of commercial spinners ("in purchase to", "true estate", "panic assault");
the natural one uses the same words where English really says them ("most cancers found early", "among
the list of finalists", "a person of interest"). Each entry still has to win the language-model
comparison in its sentence, so these texts exercise the lexicon, its context conditions and the search
together.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from unspin.api import clean_file
from unspin.config import Settings

DATA = Path(__file__).parent / "data"
SETTINGS = Settings().with_overrides(disabled_stages=("grammar",))

# (spun phrase in tests/data/web-spin-tells.txt, natural wording the safe fix restores)
TELLS = [
    ("among the list of", "one of the"),
    ("In purchase to", "In order to"),
    ("keep in brain", "keep in mind"),
    ("fascination rate", "interest rate"),
    ("in the extended run", "in the long run"),
    ("credit rating card", "credit card"),
    ("true estate", "real estate"),
    ("In the party that", "In the event that"),
    ("a person of", "one of"),
    ("choose a look", "take a look"),
    ("for the reason that", "because"),
    ("Consider care of", "Take care of"),
    ("retain in mind", "keep in mind"),
    ("back again pain", "back pain"),
    ("panic assault", "panic attack"),
    ("in circumstance", "in case"),
    ("Previous but not least", "Last but not least"),
    ("look for engine", "search engine"),
    ("content material", "content"),
    ("these types of as", "such as"),
]


@pytest.fixture(scope="module")
def spun_doc():
    return clean_file(DATA / "web-spin-tells.txt", SETTINGS)


@pytest.fixture(scope="module")
def natural_doc():
    return clean_file(DATA / "web-spin-natural.txt", SETTINGS)


def _spin_findings(doc):
    return [f for f in doc.findings if f.category.value == "spin"]


@pytest.mark.parametrize(("spun", "natural"), TELLS)
def test_tell_is_repaired_safely(spun_doc, spun, natural):
    assert re.search(rf"\b{re.escape(spun)}\b", spun_doc.source)
    clean = spun_doc.clean_text or ""
    assert not re.search(rf"\b{re.escape(spun)}\b", clean), clean
    assert natural in clean


def test_every_tell_fix_is_safe_and_from_the_lexicon(spun_doc):
    findings = _spin_findings(spun_doc)
    assert len(findings) == len(TELLS)
    assert all(f.rule == "SPIN004" and f.fix and f.applied for f in findings)


def test_natural_uses_of_the_same_words_are_left_alone(natural_doc):
    found = _spin_findings(natural_doc)
    # No tell is read into the natural uses, and nothing is rewritten. The contextual detector does flag
    # "take office in May" (the model expects "take part in"), with an unsafe suggestion only: a known
    # false alarm on an idiom whose left context predicts another idiom (docs/spin.md, "Limits").
    assert [f for f in found if f.rule == "SPIN004"] == []
    assert not any(f.applied for f in found)
    assert [natural_doc.source[f.start : f.end] for f in found] in ([], ["office"])
    assert natural_doc.clean_text is not None
    assert "Most cancers found early" in natural_doc.clean_text
    assert "among the list of finalists" in natural_doc.clean_text


def test_a_tell_behind_invisible_characters_is_found_as_in_the_repaired_text():
    # The byte order mark goes (NORM002); the phrase after it must be judged as in the repaired text, or
    # cleaning the clean article would repair it then.
    from unspin.api import clean_text

    plain = "See the guide for more. Muscle mass pressure inside the lower back is common among runners."
    hidden = plain.replace("more. ", "more. \ufeff ")
    for text in (plain, hidden):
        doc = clean_text(text, settings=SETTINGS)
        assert [f.rule for f in _spin_findings(doc)] == ["SPIN004"], text
