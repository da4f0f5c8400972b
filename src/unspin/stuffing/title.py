"""Where the title and headings are, and whether the title is a keyphrase with a stock phrase tacked on
("lower back pain after running treatment for Dummies")."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from unspin.document import Document, Span

_MD_HEADING = re.compile(r"^[ \t]{0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_LINE = re.compile(r"^[^\n]*$", re.MULTILINE)
_TITLE_MAX_WORDS = 20
_HEADING_MAX_WORDS = 14
_END_PUNCT = ".!?;,"
_JOINERS = " \t:–—-|,()[]"


@dataclass(frozen=True)
class TitlePattern:
    name: str
    regex: re.Pattern[str]


@cache
def title_patterns() -> tuple[TitlePattern, ...]:
    text = (resources.files("unspin") / "data" / "stuffing" / "title_patterns.toml").read_text(
        encoding="utf-8"
    )
    return tuple(
        TitlePattern(p["name"], re.compile(p["regex"], re.IGNORECASE)) for p in tomllib.loads(text)["pattern"]
    )


def _lines(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _LINE.finditer(text)]


def title_span(doc: Document) -> Span | None:
    """The title's span in the source: the known title, a Markdown ``#`` heading first, or a short first
    line of plain text that ends without sentence punctuation and stands alone."""
    prose = doc.prose
    known = doc.title or doc.metadata.get("title")
    if isinstance(known, str) and known.strip():
        at = prose.find(known.strip())
        if at >= 0:
            return Span(at, at + len(known.strip()))
    lines = [(s, e) for s, e in _lines(prose)]
    nonblank = [(s, e) for s, e in lines if prose[s:e].strip()]
    if not nonblank:
        return None
    start, end = nonblank[0]
    line = prose[start:end]
    heading = _MD_HEADING.match(line)
    if heading:
        if len(heading.group(1)) == 1:
            return Span(start + heading.start(2), start + heading.end(2))
        return None
    if doc.format == "md" and line.lstrip().startswith(("-", "*", ">", "|")):
        return None
    return _title_like(prose, start, end, lines)


def _title_like(prose: str, start: int, end: int, lines: list[tuple[int, int]]) -> Span | None:
    stripped = prose[start:end].strip()
    if not stripped or len(stripped.split()) > _TITLE_MAX_WORDS or stripped[-1] in _END_PUNCT:
        return None
    index = lines.index((start, end))
    following = lines[index + 1] if index + 1 < len(lines) else None
    if following is not None and prose[following[0] : following[1]].strip():
        return None
    lead = len(prose[start:end]) - len(prose[start:end].lstrip())
    return Span(start + lead, start + lead + len(stripped))


def heading_spans(doc: Document, title: Span | None) -> list[Span]:
    """Markdown headings, and short stand-alone lines without sentence punctuation (plain-text headings)."""
    prose = doc.prose
    spans: list[Span] = []
    lines = _lines(prose)
    for index, (start, end) in enumerate(lines):
        line = prose[start:end]
        if not line.strip() or (title is not None and title.start >= start and title.end <= end):
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            spans.append(Span(start + heading.start(2), start + heading.end(2)))
            continue
        stripped = line.strip()
        alone = all(
            not prose[s:e].strip() for s, e in (lines[index - 1 : index] + lines[index + 1 : index + 2])
        )
        if alone and len(stripped.split()) <= _HEADING_MAX_WORDS and stripped[-1] not in _END_PUNCT + ":":
            lead = len(line) - len(line.lstrip())
            spans.append(Span(start + lead, start + lead + len(stripped)))
    return spans


def judge_title(title: str, keyphrase: str) -> dict[str, Any] | None:
    """If the title is the keyphrase plus a stock tacked-on phrase, the pattern and a suggested title."""
    lowered = title.lower()
    kp = keyphrase.lower()
    at = _find_words(lowered, kp)
    if at is None:
        return None
    start, end = at
    rest_before = title[:start].strip(_JOINERS)
    rest_after = title[end:].strip(_JOINERS)
    for rest, side in ((rest_after, "after"), (rest_before, "before")):
        other = rest_before if side == "after" else rest_after
        if not rest or other:
            continue
        for pattern in title_patterns():
            if pattern.regex.match(rest):
                phrase = title[start:end]
                suggestion = phrase[:1].upper() + phrase[1:]
                return {
                    "pattern": pattern.name,
                    "tacked_on": rest,
                    "side": side,
                    "keyphrase_verbatim": title[start:end] == keyphrase,
                    "suggestion": suggestion,
                }
    return None


# A separator between two titles: a bar or dash with spaces around it, or a colon ("get-graphql-schema" has
# none).
_SEPARATOR = re.compile(r"\s[|–—-]\s|:\s|\|")


def tacked_keyphrase(title: str, keyphrase: str, minor: frozenset[str]) -> dict[str, Any] | None:
    """A copy of the keyphrase tacked onto the start or the end of a real title: the span to remove (with
    its joiner) and why. The rest must be a title of its own (a content word), and the copy must show it
    does not belong there: the rest holds the keyphrase too ("How to Crate Train a Puppy Step by Step how
    to crate train a puppy"), it is in lower case after a Title Case rest ("Lisbon Travel Notes weekend in
    lisbon on a budget"),
    or it follows a separator at the end ("Our Travel Notes | weekend in Lisbon on a budget")."""
    spans = _all_words(title, keyphrase)
    if not spans:
        return None
    for start, end, side in ((*spans[-1], "end"), (*spans[0], "start")):
        if side == "end":
            cut = _joiner_start(title, start)
            rest, tail = title[:cut], title[end:].strip()
            if tail:
                continue
        else:
            cut = _joiner_end(title, end)
            rest, tail = title[cut:], title[:start].strip()
            if tail:
                continue
        rest_words = re.findall(r"[^\W\d_][\w'’]*", rest)
        if not any(w.lower() not in minor for w in rest_words):
            continue
        joined = title[cut:start] if side == "end" else title[end:cut]
        reason = None
        if _all_words(rest, keyphrase) and side == "end":
            # A title may open with its subject as a label and name it again ("Open Culture Data: The First
            # Step towards Open Culture Data in …"); a copy tacked on at the end repeats it for nothing.
            reason = "repeated"
        elif _case_differs(title[start:end], rest_words, minor):
            reason = "case"
        elif side == "end" and _SEPARATOR.search(joined):
            reason = "separator"
        if reason is None:
            continue
        remove = (cut, end) if side == "end" else (start, cut)
        return {"start": remove[0], "end": remove[1], "side": side, "reason": reason, "title": rest.strip()}
    return None


def _joiner_start(title: str, start: int) -> int:
    """Where the joiner in front of ``start`` begins (spaces and one separator)."""
    i = start
    while i > 0 and title[i - 1] in " \t":
        i -= 1
    if i > 0 and title[i - 1] in "|:–—-":
        i -= 1
        while i > 0 and title[i - 1] in " \t":
            i -= 1
    return i


def _joiner_end(title: str, end: int) -> int:
    i = end
    while i < len(title) and title[i] in " \t":
        i += 1
    if i < len(title) and title[i] in "|:–—-":
        i += 1
        while i < len(title) and title[i] in " \t":
            i += 1
    return i


def _case_differs(copy: str, rest_words: list[str], minor: frozenset[str]) -> bool:
    """A Title Case rest with a lower-case copy, or the other way round (content words only)."""
    rest = [w for w in rest_words if w.lower() not in minor]
    mine = [w for w in re.findall(r"[^\W\d_][\w'’]*", copy) if w.lower() not in minor]
    if len(rest) < 2 or not mine:
        return False
    # Only a lower-case copy beside a Title Case rest: a capitalised copy beside a lower-case rest is
    # usually a name ("Django Admin action for exporting rows").
    return all(w[0].isupper() for w in rest) and any(w[0].islower() for w in mine)


def _all_words(text: str, phrase: str) -> list[tuple[int, int]]:
    pattern = r"(?<![^\W_])" + r"[\s-]+".join(map(re.escape, phrase.split())) + r"(?![^\W_])"
    return [(m.start(), m.end()) for m in re.finditer(pattern, text, re.IGNORECASE)]


def _find_words(text: str, phrase: str) -> tuple[int, int] | None:
    match = re.search(r"(?<![^\W_])" + r"[\s-]+".join(map(re.escape, phrase.split())) + r"(?![^\W_])", text)
    return (match.start(), match.end()) if match else None
