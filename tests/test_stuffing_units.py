"""Stuffing helpers without the parser: Yoast density, removal repair, title patterns, rule docs."""

from __future__ import annotations

import pytest

from unspin import rules
from unspin.document import Document
from unspin.keyphrase import function_words, word_tokens
from unspin.stuffing.analyse import block_bounds
from unspin.stuffing.density import content_words, stuffing_inputs, yoast_density, yoast_matches
from unspin.stuffing.occurrences import Judge, Occurrence
from unspin.stuffing.repair import apply_removal, removal
from unspin.stuffing.settings import thresholds
from unspin.stuffing.title import heading_spans, judge_title, title_span

DENSITY = thresholds()["density"]


def test_yoast_density_formula_and_bands() -> None:
    # 200 words, 4 matches of a two-content-word keyphrase: 2 % raw, factor 0.7 + 2/3.
    result = yoast_density(200, 4, 2, DENSITY)
    assert result["density"] == pytest.approx(2.0)
    assert result["length_factor"] == pytest.approx(1.3667, abs=1e-4)
    assert result["assessed_density"] == pytest.approx(2.7333, abs=1e-4)
    assert result["band"] == "good"
    assert yoast_density(200, 5, 2, DENSITY)["band"] == "over"  # 2.5 % × 1.37 = 3.42
    assert yoast_density(200, 8, 2, DENSITY)["band"] == "way-over"  # 4 % × 1.37 = 5.47
    assert yoast_density(1000, 4, 2, DENSITY)["band"] == "good"  # 0.4 % × 1.37 = 0.547
    assert yoast_density(80, 1, 2, DENSITY)["band"] == "good"  # short text: one match is enough


def test_yoast_band_edges() -> None:
    # 0.3 % × 1.37 = 0.41 < 0.5: under.
    assert yoast_density(1000, 3, 2, DENSITY)["band"] == "under"
    assert yoast_density(1000, 4, 2, DENSITY)["assessed_density"] == pytest.approx(0.5467, abs=1e-4)


def test_yoast_matches_need_every_content_word_in_one_sentence() -> None:
    content = content_words(("lower", "back", "pain", "after", "running"), function_words())
    assert content == ("lower", "back", "pain", "running")
    sentences = [
        ["running", "can", "cause", "pain", "in", "the", "lower", "back"],  # any order: 1
        ["lower", "back", "pain", "is", "common"],  # "running" missing: 0
        [
            "lower",
            "back",
            "pain",
            "after",
            "running",
            "and",
            "lower",
            "back",
            "pain",
            "after",
            "running",
        ],  # 2
    ]
    assert yoast_matches(sentences, content) == 3


def test_unspin_inputs() -> None:
    text = "one two three four five six seven eight nine ten"
    tokens = word_tokens(text)
    inputs = stuffing_inputs(text, tokens, [0, 0, 1], keyphrase_words=2, wedged=1)
    assert inputs["occurrences_per_100_words"] == pytest.approx(30.0)
    assert inputs["coverage"] == pytest.approx(0.6)
    assert inputs["sentences_with_repeats"] == 1 and inputs["same_sentence_repeats"] == 1
    assert inputs["wedged_per_100_words"] == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        ("and lessen KP stress.", "KP", "and lessen stress."),
        ("reduce stress KP.", "KP", "reduce stress."),
        ("stay fit, KP, and rest.", "KP", "stay fit, and rest."),
        ("the last sentence. KP", "KP", "the last sentence."),
        ("KP Overtraining hurts.", "KP", "Overtraining hurts."),
        ("Tired. KP Rest now.", "KP", "Tired. Rest now."),
        ("Lower back pain often starts slowly.", "Lower back pain", "Often starts slowly."),
        ("by lower back lower back pain pain, it", "lower back pain", "by lower back pain, it"),
        ("the back back pain", "back", "the back pain"),
    ],
)
def test_removal_repairs_spacing_punctuation_capitals_and_doubles(
    text: str, phrase: str, expected: str
) -> None:
    start = text.index(phrase) if phrase != "lower back pain" else text.index(phrase, 5)
    assert apply_removal(text, removal(text, start, start + len(phrase))) == expected


def test_title_and_heading_spans() -> None:
    doc = Document(
        path=None, source="Short Title Here\n\nBody sentence one. Body two.\n\n## A Heading\n\nMore text.\n"
    )
    title = title_span(doc)
    assert title is not None and doc.source[title.start : title.end] == "Short Title Here"
    assert [doc.source[h.start : h.end] for h in heading_spans(doc, title)] == ["A Heading"]
    prose = Document(path=None, source="This first line is a sentence.\nIt goes on.\n")
    assert title_span(prose) is None


@pytest.mark.parametrize(
    ("title", "pattern"),
    [
        ("lower back pain after running treatment for Dummies", "for-dummies"),
        ("Sourdough Starter: The Ultimate Guide", "ultimate-guide"),
        ("sourdough starter explained", "explained"),
        ("Sourdough starter in 2024", "year"),
    ],
)
def test_title_tack_on_patterns(title: str, pattern: str) -> None:
    keyphrase = "lower back pain after running treatment" if "pain" in title else "sourdough starter"
    verdict = judge_title(title, keyphrase)
    assert verdict is not None and verdict["pattern"] == pattern
    assert verdict["suggestion"][0].isupper()


def test_natural_titles_are_left_alone() -> None:
    assert judge_title("How to Keep a Sourdough Starter Alive on Holiday", "sourdough starter") is None
    assert (
        judge_title("Budget Meal Prep for Families: A Practical Weekly Plan", "budget meal prep for families")
        is None
    )


def test_rules_are_registered_and_documented() -> None:
    for code in ("STUF001", "STUF002", "STUF003"):
        rule = rules.get(code)
        assert rule.category.value == "stuffing"
        assert rule.what and rule.why and rule.example and rule.fix_safety
    assert rules.get("STUF002").fix == "none"


def test_one_weight_can_be_overridden_without_losing_the_others() -> None:
    defaults = thresholds()["classify"]
    merged = thresholds({"classify": {"weights": {"lm_rank": 1.25}, "safe_min": 0.9}})["classify"]
    assert merged["weights"]["lm_rank"] == 1.25
    assert merged["safe_min"] == 0.9
    others = {k: v for k, v in merged["weights"].items() if k != "lm_rank"}
    assert others == {k: v for k, v in defaults["weights"].items() if k != "lm_rank"}
    assert merged["relations"] == defaults["relations"]
    assert thresholds()["classify"]["weights"]["lm_rank"] == defaults["weights"]["lm_rank"]


@pytest.mark.parametrize(
    ("word", "block"),
    [
        ("Caffeine", "Caffeine has a half-life. It is\nwrapped here."),  # a heading above is cut off
        ("wrapped", "Caffeine has a half-life. It is\nwrapped here."),  # a hard-wrapped paragraph stays whole
        ("one", "- item one\n  more"),  # a list item with its continuation line
        ("two", "- item two"),
        ("Eat", "## Eat and Drink"),
    ],
)
def test_an_occurrence_is_judged_within_its_block(word: str, block: str) -> None:
    text = (
        "# Title\n\n## Eat and Drink\nCaffeine has a half-life. It is\nwrapped here.\n"
        "- item one\n  more\n- item two\n\nLast."
    )
    at = text.index(word)
    lo, hi = block_bounds(text, at, at + len(word))
    assert text[lo:hi] == block


def _judged(p_wedged: float, signals: dict[str, float], lm_rank: float = 0.0) -> Occurrence:
    occ = Occurrence(0, 1, (0, 1), "body", "wedged", p_wedged, signals=signals)
    occ.facts["features"] = {"lm_rank": lm_rank}
    return occ


def test_a_safe_removal_needs_a_second_independent_fact() -> None:
    judge = Judge(thresholds()["classify"], None, frozenset())
    cfg = judge.cfg
    confident = (float(cfg["safe_min"]) + float(cfg["safe_alone"])) / 2
    # One broken construction alone is not enough, even though it also counts as corroboration.
    assert not judge.safe(_judged(confident, {"subject_split": 1.5}))
    # A second structural fact, or the LM ranking the place among the worst, confirms it.
    assert judge.safe(_judged(confident, {"subject_split": 1.5, "np_follows": 1.7}))
    assert judge.safe(_judged(confident, {"tight_relation": 1.5, "compound_split": 0.7}))
    assert judge.safe(_judged(confident, {"tight_relation": 1.5}, lm_rank=float(cfg["safe_rank"])))
    # A copy or a sentence boundary is enough; below safe_min nothing is safe; above safe_alone everything is.
    assert judge.safe(_judged(confident, {"self_split": 4.0}))
    assert not judge.safe(_judged(float(cfg["safe_min"]) - 0.01, {"self_split": 4.0}))
    assert judge.safe(_judged(float(cfg["safe_alone"]), {}))
