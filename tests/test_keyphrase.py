"""Keyphrase discovery and matching: settings, front matter, inference from title and repeats."""

from __future__ import annotations

from pathlib import Path

from unspin.config import Settings
from unspin.keyphrase import find_phrase, infer, ngram_counts, phrase_words, resolve, word_tokens

ARTICLE = """Container Herb Garden Basics for Small Balconies

A container herb garden fits on the smallest balcony. Basil, thyme and parsley all grow well in pots,
and a container herb garden needs little more than sun, drainage and regular water.

Choose pots with holes in the base. Herbs hate wet roots, and a container herb garden drains faster
than a bed in the ground. Group thirsty herbs together so that watering is quick.

Pick the leaves often. Regular picking keeps plants bushy, and fresh herbs taste better than dried ones.
"""


def _body(text: str) -> tuple[str, list, str]:
    title_end = text.index("\n")
    tokens = [t for t in word_tokens(text) if t.start > title_end]
    return text, tokens, text[:title_end]


def test_inferred_from_title_and_repeats() -> None:
    text, tokens, title = _body(ARTICLE)
    choice = infer(text, tokens, title)
    assert choice.phrase == "container herb garden"
    assert choice.source == "inferred"
    top = choice.candidates[0]
    assert top == {"phrase": "container herb garden", "count": 3, "in_title": True, "score": top["score"]}
    # Partial variants ("herb garden") are reported with their counts.
    assert {"phrase": "herb garden", "count": 3, "kind": "part"} in choice.variants


def test_inferred_without_title_takes_longest_frequent_repeat() -> None:
    text = (
        "Slow cooker beef stew is easy. Brown the meat first, then slow cooker beef stew needs six hours. "
        "Serve slow cooker beef stew with bread. The stew keeps for three days."
    )
    choice = infer(text, word_tokens(text), None)
    assert choice.phrase == "slow cooker beef stew"
    assert choice.candidates[0]["count"] == 3


def test_no_candidate_when_nothing_repeats() -> None:
    text = "Every sentence here says something different. Nothing comes back twice in this text."
    choice = infer(text, word_tokens(text), None)
    assert choice.phrase is None and choice.source == "none"


def test_priority_settings_then_glob_then_front_matter() -> None:
    text, tokens, title = _body(ARTICLE)
    meta = {"keyphrase": "balcony herbs"}
    assert resolve(Settings(keyphrase="Herb Pots"), None, meta, text, tokens, title).source == "settings"
    by_glob = Settings(keyphrases={"posts/herb-*.md": "thyme and parsley"})
    chosen = resolve(by_glob, Path("posts/herb-garden.md"), meta, text, tokens, title)
    assert (chosen.phrase, chosen.source) == ("thyme and parsley", "settings-glob")
    assert chosen.candidates[0]["count"] == 1
    chosen = resolve(Settings(), Path("other.md"), meta, text, tokens, title)
    assert (chosen.phrase, chosen.source) == ("balcony herbs", "front-matter")
    assert resolve(Settings(), None, {}, text, tokens, title).source == "inferred"


def test_matching_is_case_insensitive_allows_hyphens_and_stops_at_punctuation() -> None:
    text = "Cursor-based pagination works. Cursor based pagination, too. Cursor, based pagination does not."
    tokens = word_tokens(text)
    spans = [
        (tokens[i].start, tokens[j - 1].end)
        for i, j in find_phrase(text, tokens, phrase_words("cursor based pagination"))
    ]
    assert [text[a:b] for a, b in spans] == ["Cursor-based pagination", "Cursor based pagination"]


def test_ngram_counts_do_not_cross_punctuation() -> None:
    text = "red apples, green pears. red apples green pears"
    counts = ngram_counts(text, word_tokens(text), 4)
    assert counts[("apples", "green")] == 1
    assert counts[("red", "apples")] == 2


def test_inferred_keyphrase_keeps_a_question_lead_and_the_whole_phrase() -> None:
    text = (
        "How to Repot a Snake Plant Without Fuss\n\n"
        "Knowing how to repot a snake plant saves it. Snake plant roots fill a pot fast, and a snake plant "
        "needs room. Learn how to repot a snake plant in spring. Water the snake plant after repotting. "
        "The plant settles in a week.\n"
    )
    title_end = text.index("\n")
    tokens = [t for t in word_tokens(text) if t.start > title_end]
    # "repot a snake plant" and "snake plant" repeat more often; the search phrase is the whole question.
    assert infer(text, tokens, text[:title_end]).phrase == "how to repot a snake plant"
    causes = (
        "What causes ocean tides? The Moon. What causes ocean tides to change? The Sun. Ocean tides vary. "
        "What causes ocean tides in lakes? Nothing much."
    )
    assert infer(causes, word_tokens(causes), None).phrase == "what causes ocean tides"


def test_an_inferred_keyphrase_keeps_its_provenance_through_the_clean_markdown() -> None:
    """The clean Markdown marks a keyphrase unspin inferred, and reading it back keeps the phrase with an
    inferred phrase's trust: as plain front matter it counted as the author's, so cleaning the clean file
    again removed (safely) what the first clean had only reported (found by the fuzzer)."""
    from unspin.api import process, render_outputs
    from unspin.readers import read_text

    settings = Settings(disabled_stages=("grammar",), fast=True, cache=False)
    text = "Herb pots\n\n" + "Herb pots need light. Water herb pots weekly. Small herb pots dry fast.\n" * 3
    first = read_text(text, "txt", Path("pots.txt"))
    process([first], settings)
    source = first.analysis["stuffing"]["keyphrase"]["source"]
    assert source == "inferred" and first.keyphrase
    md, _, _ = render_outputs(first, "pots.txt")
    assert f"keyphrase: {first.keyphrase}\nkeyphrase_source: inferred\n" in md

    again = read_text(md, "md", Path("pots.md"))
    process([again], settings)
    choice = again.analysis["stuffing"]["keyphrase"]
    assert (choice["phrase"], choice["source"]) == (first.keyphrase, "inferred")
    assert "keyphrase_source: inferred" in render_outputs(again, "pots.md")[0]

    given = read_text("---\nkeyphrase: herb pots\n---\n\n" + text, "md", Path("given.md"))
    process([given], settings)
    assert given.analysis["stuffing"]["keyphrase"]["source"] == "front-matter"
    assert "keyphrase_source" not in render_outputs(given, "given.md")[0]


def test_a_repeated_turn_of_words_is_passed_over_for_a_phrase_that_can_be_a_keyphrase() -> None:
    """Without a parse every repeat may be the keyphrase; with one, a phrase must be a question or "how to"
    phrase, or a noun phrase standing whole somewhere in the text."""
    text, tokens, title = _body(ARTICLE)
    assert infer(text, tokens, title).phrase == "container herb garden"
    assert infer(text, tokens, title, lambda gram: gram != ("container", "herb", "garden")).phrase != (
        "container herb garden"
    )
    assert infer(text, tokens, title, lambda gram: False).phrase is None


def test_a_clause_repeated_in_clean_docs_is_not_taken_for_a_stuffed_keyphrase() -> None:
    """Clean prose (Starlette's test-client page): "sent by the application and return" repeats three
    times; it was inferred as the keyphrase and every copy was reported as wedged."""
    from unspin.api import clean_text

    page = (
        Path(__file__).resolve().parent.parent
        / "bench"
        / "clean-prose"
        / "tech-docs"
        / "starlette-testclient.md"
    )
    text = page.read_text(encoding="utf-8")
    assert text.count("sent by the application and return") >= 3
    doc = clean_text(text, "md", settings=Settings(disabled_stages=("grammar",), fast=True))
    assert doc.keyphrase != "sent by the application and return"
    assert not [f for f in doc.findings if f.rule == "STUF001"]


def test_an_inferred_keyphrase_never_runs_across_inline_code() -> None:
    """Masked code reads as spaces, so "Text with `code` and a link" gave the phrase "text with and a link";
    the clean article, whose code held a line break no more, then inferred what the first clean did not
    (found by the fuzzer). Markup around prose ("[the docs](…)") still joins the words on either side."""
    from unspin.api import clean_text

    text = "".join(
        f"Text with `code {i}` and a link to [the docs](https://example.org/{i}).\n\n" for i in range(3)
    )
    doc = clean_text(text, "md", settings=Settings(disabled_stages=("grammar",), fast=True))
    assert doc.keyphrase == "link to the docs"


def test_a_keyphrase_reads_as_a_question_or_a_noun_phrase_in_a_fixed_frame() -> None:
    """Parsed in the same frame wherever it stands, so that cleaning the text around a phrase cannot change
    the answer (parsed in its own sentences, "0zþ jç" amid junk was no keyphrase and became one once the
    junk was cleaned: found by the fuzzer)."""
    from unspin.stages.parse import load_nlp
    from unspin.stuffing.analyse import _reads_as_keyphrase

    reads = _reads_as_keyphrase(load_nlp())
    for phrase in (
        "lower back pain after running treatment",
        "weekend in lisbon on a budget",
        "release notes",
        "history of the erie canal",
        "how to repot a snake plant",
        "what causes ocean tides",
    ):
        assert reads(tuple(phrase.split())), phrase
    for phrase in (
        "whatever may be the meaning",
        "sent by the application and return",
        "bad taste to be an avowed",
        "0zþ jç",
    ):
        assert not reads(tuple(phrase.split())), phrase


def test_a_text_of_many_repeated_phrases_costs_a_bounded_number_of_checks() -> None:
    """Each check is a parse: a text repeating hundreds of different turns of words, none of them a
    keyphrase, asks about the best scored few only."""
    from unspin.keyphrase import CHECKED_AT_MOST

    words = [f"w{i}" for i in range(600)]
    body = "\n".join(" ".join(words[i : i + 3]) + "." for i in range(0, 600, 3)) + "\n"
    text = body * 3
    asked: list[tuple[str, ...]] = []

    def never(gram: tuple[str, ...]) -> bool:
        asked.append(gram)
        return False

    assert infer(text, word_tokens(text), None, never).phrase is None
    assert 0 < len(asked) <= CHECKED_AT_MOST
