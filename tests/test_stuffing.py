# ruff: noqa: E501  (the test articles keep one paragraph per line, as real articles do)
"""The stuffing stage end to end with the real spaCy pipeline and the real trigram LM."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from unspin.config import Settings
from unspin.document import Document
from unspin.pipeline import Context, Pipeline
from unspin.readers import read_path

SEED = Path(__file__).resolve().parents[1] / "input" / "lower-back-pain-after-running.txt"
ORDER = ["parse", "stuffing", "rewrite"]
KEYPHRASE = "container herb garden"

CLEAN = """How to Plant a Container Herb Garden

A container herb garden is the easiest way to grow fresh herbs when you have no garden bed. Basil, thyme, mint and parsley all thrive in pots, and the whole project costs less than a single restaurant meal.

## Choosing a Spot

Most herbs want at least six hours of direct sun. A south-facing balcony or a bright windowsill will keep a container herb garden productive from spring until the first frost. If the only space you have is shaded, grow mint and parsley, which tolerate less light.

## Pots and Soil

Every pot needs drainage holes. Herbs rot quickly when their roots sit in water, so raise the pots on feet or a tray of gravel. Fill them with a peat-free potting mix rather than garden soil, which compacts in containers.

## Planting and Care

Water the plants when the top centimetre of compost feels dry. In a heatwave that may mean every evening. Feed them once a month with a diluted liquid fertiliser, and pinch out flower buds on basil to keep the leaves coming.

Starting a container herb garden takes an afternoon. Looking after it takes a few minutes a day, and the reward is a supply of herbs that taste far better than the ones sold in plastic packs.

Many readers ask whether a container herb garden can survive the winter outdoors. Rosemary, sage and thyme usually can, while basil needs to come inside before nights drop below ten degrees.
"""

# The same article with the keyphrase wedged in at typical places: between a determiner and its noun, an
# auxiliary and its verb, a verb and its object, a preposition and its object, after a noun, at a sentence
# boundary, inside a heading and inside a partial copy of itself.
WEDGES = [
    ("## Pots and Soil", "## Pots and container herb garden Soil", "## Pots and Soil"),
    (
        "Every pot needs drainage holes.",
        "Every pot needs drainage holes. container herb garden",
        "Every pot needs drainage holes. Herbs rot quickly",
    ),
    ("raise the pots on feet", "raise the pots container herb garden on feet", "raise the pots on feet"),
    ("Water the plants when", "Water the container herb garden plants when", "Water the plants when"),
    ("that may mean every", "that may container herb garden mean every", "that may mean every"),
    ("Looking after it takes", "Looking after container herb garden it takes", "Looking after it takes"),
    (
        "Starting a container herb garden takes",
        "Starting a container herb container herb garden garden takes",
        "Starting a container herb garden takes",
    ),
]


def _stuffed() -> str:
    text = CLEAN
    for original, wedged, _ in WEDGES:
        assert original in text
        text = text.replace(original, wedged, 1)
    return text


@pytest.fixture(scope="module")
def ctx() -> Iterator[Context]:
    with Context(Settings()) as context:
        yield context


def _run(ctx: Context, doc: Document, settings: Settings | None = None) -> Document:
    ctx.settings = settings or Settings()
    Pipeline(ctx.settings, order=ORDER).run([doc], ctx)
    return doc


def _stuffing(doc: Document, code: str = "STUF001") -> list:
    return [f for f in doc.findings if f.rule == code]


@pytest.mark.slow
def test_seed_all_five_wedged_occurrences_removed(ctx: Context) -> None:
    doc = _run(ctx, read_path(SEED))
    assert doc.keyphrase == "lower back pain after running treatment"
    assert doc.analysis["stuffing"]["keyphrase"]["source"] == "inferred"
    wedged = _stuffing(doc)
    assert len(wedged) == 5
    assert all(f.applied and f.fix is not None and f.fix.applicability.value == "safe" for f in wedged)
    clean = doc.clean_text or ""
    for sentence in (
        "Considering the fact that I don’t want you running in pain and it may take a little",
        "stay energised, and lessen stress. But up to 20% of runners",
        "So Should your running is compromised by lower back pain, it will take its toll",
        "the insights offered in This information will empower you to produce educated decisions",
        "Units implanted under the skin can supply electrical impulses to selected nerves to dam pain alerts.",
    ):
        assert sentence in clean
    assert "lower back pain after running treatment" not in clean.split("\n", 1)[1]
    # The natural mentions of the shorter phrase stay where they were, and the one the wedge split
    # ("lower back … pain") is whole again.
    assert clean.count("lower back pain") == doc.source.count("lower back pain") - 5 + 1
    # The title is judged separately: an unsafe suggestion, never applied by default.
    (title,) = _stuffing(doc, "STUF003")
    assert title.fix is not None and title.fix.applicability.value == "unsafe" and not title.applied
    assert title.evidence["pattern"] == "for-dummies"
    assert title.fix.replacement == "Lower back pain after running treatment"
    assert clean.startswith("lower back pain after running treatment for Dummies\n")


@pytest.mark.slow
def test_seed_evidence_explains_each_verdict(ctx: Context) -> None:
    doc = _run(ctx, read_path(SEED))
    for finding in _stuffing(doc):
        evidence = finding.evidence
        assert evidence["verdict"] == "wedged" and evidence["reasons"]
        assert set(evidence["lm"]) == {"junction_without", "entry_with", "exit_with", "gain_without"}
        assert "lm_rank" in evidence["features"]
        assert evidence["keyphrase"] == "lower back pain after running treatment"
    split = next(f for f in _stuffing(doc) if "restores" in f.evidence)
    assert split.evidence["restores"] == "lower back pain"
    assert split.evidence["signals"]["self_split"] > 0


@pytest.mark.slow
def test_clean_article_keeps_every_natural_occurrence(ctx: Context) -> None:
    doc = _run(ctx, Document(path=None, source=CLEAN))
    assert doc.keyphrase == "container herb garden"
    occurrences = doc.analysis["stuffing"]["occurrences"]
    assert [o["location"] for o in occurrences] == ["title", "body", "body", "body", "body"]
    assert all(o["verdict"] == "natural" for o in occurrences)
    assert _stuffing(doc) == []
    assert doc.clean_text == CLEAN


@pytest.mark.slow
def test_wedged_occurrences_in_an_unseen_article_are_removed(ctx: Context) -> None:
    stuffed = _stuffed()
    # Inferred, the phrase has 7 wedged copies beside 4 natural ones: all are reported, none is removed
    # by default (a text that uses its own term has as many odd-looking copies).
    inferred = _run(ctx, Document(path=None, source=stuffed))
    assert inferred.keyphrase == "container herb garden"
    assert len(_stuffing(inferred)) == len(WEDGES)
    assert not [f for f in _stuffing(inferred) if f.applied]
    # Given (front matter or settings), the wedged copies are removed.
    doc = _run(ctx, Document(path=None, source=stuffed), Settings(keyphrase=KEYPHRASE))
    wedged = _stuffing(doc)
    found = {stuffed[max(0, f.start - 30) : f.end + 10] for f in wedged}
    assert len(wedged) == len(WEDGES), found
    clean = doc.clean_text or ""
    for _, _, expected in WEDGES:
        assert expected in clean
    # Natural mentions survive the cleaning.
    for natural in (
        "A container herb garden is the easiest way",
        "will keep a container herb garden productive",
        "Many readers ask whether a container herb garden can survive",
    ):
        assert natural in clean
    # A density over Yoast's band is reported for the whole document, without a fix.
    (density,) = _stuffing(doc, "STUF002")
    assert density.fix is None and density.evidence["yoast"]["band"] in ("over", "way-over")


@pytest.mark.slow
def test_a_phrase_grown_around_a_noun_phrase_loses_only_the_added_words(ctx: Context) -> None:
    """A stuffer grows the sentence's own "container herb garden" into the keyphrase; the determiner in
    front cannot take the phrase's first word, and removing the whole phrase would leave it without a noun.
    """
    grown = CLEAN.replace(
        "A container herb garden is the easiest way",
        "A how to grow a container herb garden is the easiest way",
    )
    settings = Settings(keyphrase="how to grow a container herb garden", unsafe_fixes=True)
    doc = _run(ctx, Document(path=None, source=grown), settings)
    (finding,) = _stuffing(doc)
    assert finding.evidence["features"]["det_mismatch"] == 1.0
    assert "fills_slot" not in finding.evidence["features"]
    assert grown[finding.evidence["keeps_from"] :].startswith("container herb garden is")
    assert doc.clean_text == CLEAN


@pytest.mark.slow
@pytest.mark.parametrize(
    ("original", "wedged", "fact", "relation"),
    [
        # Between an adjective and its noun: without it, "bright" modifies "windowsill" again.
        ("a bright windowsill", "a bright container herb garden windowsill", "tight_relation", "amod"),
        # Between a conjunction and the clause it joins.
        (", and pinch out", ", and container herb garden pinch out", "loose_relation", "conj"),
    ],
)
def test_a_phrase_splitting_a_construction_is_removed(
    ctx: Context, original: str, wedged: str, fact: str, relation: str
) -> None:
    """The words the phrase separates belong together without it."""
    stuffed = CLEAN.replace(original, wedged, 1)
    # The keyphrase is given: one wedged copy of an inferred phrase would be read as a topic term.
    doc = _run(ctx, Document(path=None, source=stuffed), Settings(unsafe_fixes=True, keyphrase=KEYPHRASE))
    at = stuffed.index(wedged) + wedged.index("container")
    (finding,) = [f for f in _stuffing(doc) if f.start == at]
    features = finding.evidence["features"]
    assert features[fact] == 1.0
    assert any(f"({relation})" in reason for reason in finding.evidence["reasons"])
    assert original in (doc.clean_text or "")


@pytest.mark.slow
def test_a_noun_after_the_phrase_keeps_its_adjective_and_fills_the_slot(ctx: Context) -> None:
    """ "keep a bright [KP] windowsill": the adjective and the object slot belong to "windowsill", the
    sentence's own noun, so the phrase completes nothing; a noun that only the parse without the phrase
    reads as one ("a [KP] walks") does not count."""
    stuffed = CLEAN.replace("a bright windowsill", "a bright container herb garden windowsill", 1)
    doc = _run(ctx, Document(path=None, source=stuffed), Settings(unsafe_fixes=True, keyphrase=KEYPHRASE))
    at = stuffed.index("a bright container") + len("a bright ")
    (finding,) = [f for f in _stuffing(doc) if f.start == at]
    assert "fills_slot" not in finding.evidence["features"]
    assert "needs_it" not in finding.evidence["features"]
    natural = CLEAN.replace(
        "Looking after it takes", "A guide to a container herb garden walks through it, and it takes"
    )
    doc = _run(ctx, Document(path=None, source=natural))
    occurrence = next(
        o
        for o in doc.analysis["stuffing"]["occurrences"]
        if o["start"] == natural.index("container herb garden walks")
    )
    assert occurrence["features"].get("needs_it") == 1.0


@pytest.mark.slow
def test_a_lower_case_keyphrase_in_a_title_case_heading_is_removed(ctx: Context) -> None:
    """Judged by its line, the heading is not the keyphrase alone: the case decides."""
    stuffed = CLEAN.replace("## Planting and Care", "## container herb garden Care")
    doc = _run(ctx, Document(path=None, source=stuffed), Settings(keyphrase=KEYPHRASE))
    finding = next(f for f in _stuffing(doc) if f.evidence["location"] == "heading")
    assert finding.evidence["features"]["case_mismatch"] == 1.0
    assert "whole_sentence" not in finding.evidence["features"]
    assert finding.applied and "## Care\n" in (doc.clean_text or "")


@pytest.mark.slow
def test_cleaning_is_idempotent(ctx: Context) -> None:
    given = Settings(keyphrase=KEYPHRASE)
    first = _run(ctx, Document(path=None, source=_stuffed()), given)
    second = _run(ctx, Document(path=None, source=first.clean_text or ""), given)
    assert _stuffing(first) and _stuffing(second) == []
    assert second.clean_text == first.clean_text


@pytest.mark.slow
def test_configured_keyphrase_wins_and_is_reported(ctx: Context) -> None:
    doc = _run(ctx, Document(path=None, source=CLEAN), Settings(keyphrase="fresh herbs"))
    evidence = doc.analysis["stuffing"]["keyphrase"]
    assert (doc.keyphrase, evidence["source"]) == ("fresh herbs", "settings")
    assert evidence["candidates"][0]["count"] == 1


@pytest.mark.slow
def test_analysis_reports_yoast_and_unspin_measures(ctx: Context) -> None:
    doc = _run(ctx, Document(path=None, source=CLEAN))
    analysis = doc.analysis["stuffing"]
    yoast = analysis["yoast"]
    assert yoast["scheme"] == "yoast-keyphrase-density"
    assert yoast["matches"] == 4 and yoast["keyphrase_length"] == 3
    assert yoast["density"] == pytest.approx(4 / yoast["words"] * 100, abs=1e-3)
    assert yoast["band"] == "good"
    inputs = analysis["score_inputs"]
    assert inputs["occurrences"] == 4 and inputs["wedged"] == 0
    assert inputs["occurrences_per_100_words"] == pytest.approx(4 / inputs["words"] * 100, abs=1e-3)
    assert inputs["coverage"] == pytest.approx(12 / inputs["words"], abs=1e-3)
    assert inputs["same_sentence_repeats"] == 0
    assert 1.5 < inputs["compression_ratio"] < 3.0


@pytest.mark.slow
@pytest.mark.parametrize("source", ["seed", "stuffed"])
def test_full_clean_is_idempotent_on_its_own_output(ctx: Context, source: str) -> None:
    """Cleaning the cleaned text again (every stage but grammar, safe fixes) removes no further occurrence."""
    from unspin import api

    text = SEED.read_text(encoding="utf-8") if source == "seed" else _stuffed()
    settings = Settings(disabled_stages=("grammar",))
    ctx.settings = settings
    first = api.clean_text(text, settings=settings, ctx=ctx)
    assert _stuffing(first)
    second = api.clean_text(first.clean_text or "", settings=settings, ctx=ctx)
    # The keyphrase may be inferred differently once the stuffing is gone (the seed's shorter natural
    # phrase wins); either way none of its occurrences is removed again.
    assert [f for f in _stuffing(second) if f.applied] == []
    phrase = second.keyphrase or ""
    assert (second.clean_text or "").lower().count(phrase) == (first.clean_text or "").lower().count(phrase)


def test_a_keyphrase_inferred_from_repeats_alone_never_gets_safe_removals() -> None:
    # The benchmark's clean photosynthesis article repeats "carbon dioxide" more than anything else, so
    # without a given keyphrase that phrase is inferred; its natural mentions must all survive.
    from unspin.api import clean_text
    from unspin.config import Settings

    root = Path(__file__).resolve().parents[1]
    text = (root / "bench" / "corpus" / "articles" / "how-photosynthesis-works.txt").read_text("utf-8")
    # Without its title line (the title holds the whole keyphrase, which inference then finds).
    text = text.split("\n", 1)[1].lstrip("\n")
    doc = clean_text(text, settings=Settings(disabled_stages=("grammar",)))
    assert doc.analysis["stuffing"]["keyphrase"]["source"] == "inferred"
    assert doc.keyphrase == "carbon dioxide"
    assert not [f for f in doc.findings if f.rule == "STUF001" and f.applied]
    assert doc.clean_text.count("carbon dioxide") == text.count("carbon dioxide")


@pytest.mark.slow
def test_a_keyphrase_tacked_onto_the_title_is_reported_and_removed_only_as_unsafe(ctx: Context) -> None:
    from unspin import api

    real = "How to Plant a Container Herb Garden"
    stuffed = CLEAN.replace(real, real + " | container herb garden", 1)
    for unsafe in (False, True):
        settings = Settings(disabled_stages=("grammar",), unsafe_fixes=unsafe)
        ctx.settings = settings
        doc = api.clean_text(stuffed, settings=settings, ctx=ctx)
        (finding,) = _stuffing(doc, "STUF004")
        assert finding.fix is not None and finding.fix.applicability.value == "unsafe"
        assert stuffed[finding.start : finding.end] == " | container herb garden"
        assert finding.evidence["reason"] == "repeated" and finding.evidence["title"] == real
        assert finding.applied is unsafe
        assert _stuffing(doc, "STUF003") == []
        title = (doc.structure or {}).get("title")
        assert title == (real if unsafe else real + " | container herb garden")
    # A real title that holds the keyphrase once is left alone.
    clean = api.clean_text(CLEAN, settings=Settings(disabled_stages=("grammar",)), ctx=ctx)
    assert _stuffing(clean, "STUF004") == []


@pytest.mark.slow
def test_a_wedged_part_of_the_keyphrase_is_reported_and_never_removed_safely(ctx: Context) -> None:
    stuffed = CLEAN.replace("that may mean every", "that may herb garden mean every", 1)
    doc = _run(ctx, Document(path=None, source=stuffed), Settings(keyphrase="container herb garden"))
    (finding,) = [f for f in _stuffing(doc) if f.evidence.get("partial")]
    assert stuffed[finding.start : finding.end] == "herb garden"
    assert finding.evidence["partial"] == "herb garden"
    assert finding.fix is not None and finding.fix.applicability.value == "unsafe" and not finding.applied
    # Density and the score's inputs count whole copies only.
    assert doc.analysis["stuffing"]["score_inputs"]["occurrences"] == 4


@pytest.mark.slow
def test_an_inferred_topic_term_with_one_odd_copy_is_not_reported(ctx: Context) -> None:
    """Without a title or front matter the phrase is inferred: one odd copy among natural ones is the
    text's own term; a text with copy after copy wedged is still stuffing."""
    body = CLEAN.split("\n", 1)[1].lstrip("\n")
    once = body.replace("raise the pots on feet", "raise the pots container herb garden on feet", 1)
    doc = _run(ctx, Document(path=None, source=once))
    assert doc.analysis["stuffing"]["keyphrase"]["source"] == "inferred"
    assert _stuffing(doc) == []
    odd = next(
        o for o in doc.analysis["stuffing"]["occurrences"] if "on feet" in once[o["end"] : o["end"] + 8]
    )
    assert odd["verdict"] == "natural" and "topic term" in odd["reasons"][0]
    stuffed = _stuffed().split("\n", 1)[1].lstrip("\n")
    many = _run(ctx, Document(path=None, source=stuffed))
    assert many.keyphrase == "container herb garden" and len(_stuffing(many)) >= 4


@pytest.mark.slow
def test_a_copy_in_a_sentence_with_inline_code_is_not_judged(ctx: Context) -> None:
    from unspin.readers import read_text

    text = CLEAN.replace(
        "Every pot needs drainage holes.",
        "Every pot needs `drain()` container herb garden drainage holes.",
        1,
    )
    doc = _run(ctx, read_text(text, "md"), Settings(keyphrase="container herb garden"))
    start = text.index("`drain()` container herb garden") + len("`drain()` ")
    occurrence = next(o for o in doc.analysis["stuffing"]["occurrences"] if o["start"] == start)
    assert occurrence["verdict"] == "natural" and "code, a link or markup" in occurrence["reasons"][0]
    assert not [f for f in _stuffing(doc) if f.start == start]


@pytest.mark.slow
def test_the_contextual_model_weighs_every_occurrence_and_fast_runs_without_it(ctx: Context) -> None:
    """By default each copy's sentence is read whole by the contextual model with and without it; the
    wedged copies cost the sentence more than the natural ones. ``--fast`` judges with the trigram
    weights alone."""
    stuffed = _stuffed()
    doc = _run(ctx, Document(path=None, source=stuffed), Settings(keyphrase=KEYPHRASE))
    body = [o for o in doc.analysis["stuffing"]["occurrences"] if o["location"] != "title"]
    gains = {o["start"]: o["features"]["ctx_gain"] for o in body if "ctx_gain" in o.get("features", {})}
    assert len(gains) == len(body)
    wedged = {f.start for f in _stuffing(doc)}
    natural_gains = [g for start, g in gains.items() if start not in wedged]
    wedged_gains = [g for start, g in gains.items() if start in wedged]
    assert natural_gains and wedged_gains
    assert sum(wedged_gains) / len(wedged_gains) > sum(natural_gains) / len(natural_gains) + 0.5
    fast = _run(ctx, Document(path=None, source=stuffed), Settings(keyphrase=KEYPHRASE, fast=True))
    occurrences = fast.analysis["stuffing"]["occurrences"]
    assert not [o for o in occurrences if "ctx_gain" in o.get("features", {})]
    assert len(_stuffing(fast)) == len(WEDGES)


@pytest.mark.slow
def test_an_inferred_topic_term_has_its_density_recorded_but_not_reported(ctx: Context) -> None:
    """Clean prose (httpx's page on environment variables): "environment variables" was inferred and
    reported as stuffed on density alone, though every copy reads naturally. Given as the keyphrase, the
    same density is reported: the user asked about that phrase."""
    page = Path(__file__).resolve().parents[1] / "bench" / "clean-prose" / "tech-docs"
    path = page / "httpx-environment_variables.md"
    inferred = _run(ctx, read_path(path))
    assert inferred.keyphrase == "environment variables"
    assert inferred.analysis["stuffing"]["yoast"]["band"] == "way-over"
    assert not _stuffing(inferred, "STUF002")
    given = _run(ctx, read_path(path), Settings(keyphrase="environment variables"))
    (density,) = _stuffing(given, "STUF002")
    assert density.evidence["yoast"]["band"] == "way-over"
