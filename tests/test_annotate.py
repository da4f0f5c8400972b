"""Protected text as LanguageTool's annotated text: what the checker reads in place of code and markup."""

from __future__ import annotations

from unspin.document import Span
from unspin.languagetool.annotate import (
    CONSONANT_WORD,
    VOWEL_WORD,
    Part,
    annotate,
    interpretation,
    starts_with_vowel_sound,
)


def _spans(text: str, *pieces: str) -> list[Span]:
    spans = []
    for piece in pieces:
        at = text.index(piece)
        spans.append(Span(at, at + len(piece)))
    return spans


def test_first_sound_comes_from_the_pronouncing_dictionary() -> None:
    assert starts_with_vowel_sound("index") is True
    assert starts_with_vowel_sound("User") is False  # "you-", a consonant sound
    assert starts_with_vowel_sound("hour_of_day") is True  # silent h
    assert starts_with_vowel_sound("one_shot") is False  # "won"
    assert starts_with_vowel_sound("__init__") is None  # not a dictionary word
    assert starts_with_vowel_sound("x.len()") is True  # the letter "ex"


def test_unknown_or_ambiguous_sounds_are_left_to_the_author() -> None:
    assert starts_with_vowel_sound("usize") is None
    assert starts_with_vowel_sound("url") is None  # "you-are-ell" or "earl"
    assert starts_with_vowel_sound("SQL") is None  # capitals: letters or a word
    assert starts_with_vowel_sound("8bit") is None


def test_code_is_read_as_a_word_with_its_sound_or_the_written_article() -> None:
    assert interpretation("`index`", "make an ") == VOWEL_WORD
    assert interpretation("`index`", "make a ") == VOWEL_WORD  # a real error stays visible
    assert interpretation("`User`", "make an ") == CONSONANT_WORD
    assert interpretation("`usize`", "holding a ") == CONSONANT_WORD
    assert interpretation("`fn`", "or an ") == VOWEL_WORD
    assert interpretation("`-m`", "add a ") == CONSONANT_WORD  # "dash m": a symbol's name comes first
    assert interpretation("`--encoding`", "add a ") == CONSONANT_WORD
    assert interpretation("https://example.com/a", "see ") == CONSONANT_WORD


def test_markup_is_read_as_nothing_and_blocks_as_their_line_breaks() -> None:
    assert interpretation("**", "an ") == ""
    assert interpretation("](https://example.com)", "docs") == ""
    assert interpretation("```\nthe the\n```\n", "") == "\n\n\n"
    assert interpretation("<br/>", "one") == "\n"


def test_annotate_keeps_every_character_and_reads_code_after_emphasis() -> None:
    text = "Call **`put`** on an `i32`. See [the docs](https://x.org/d)."
    closing = text.rindex("**")
    spans = [*_spans(text, "**", "`put`", "](https://x.org/d)", "`i32`", "["), Span(closing, closing + 2)]
    parts = annotate(text, spans)
    assert "".join(p.text for p in parts) == text
    read = "".join(p.text if p.interpret_as is None else p.interpret_as for p in parts)
    assert read == f"Call {CONSONANT_WORD} on an {VOWEL_WORD}. See the docs."
    assert Part("`x`", "item").as_json() == {"markup": "`x`", "interpretAs": "item"}
    assert Part("plain").as_json() == {"text": "plain"}


def test_annotate_a_window_merges_overlaps() -> None:
    text = "ab `cd` ef `gh` ij"
    spans = [Span(3, 7), Span(4, 6), Span(11, 15)]
    parts = annotate(text, spans, 2, 12)
    assert "".join(p.text for p in parts) == text[2:12]
    assert [p.interpret_as is not None for p in parts] == [False, True, False, True]
