"""Find the spans of a text that are markup or machine text rather than prose.

Readers mark these spans protected (``Document.protect``) so that no stage analyses or rewrites them:
URLs and e-mail addresses in every format, and in Markdown the syntax itself (heading and list markers,
emphasis markers, link brackets and targets, inline code, inline HTML and comments, footnote markers).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# Bare URLs and e-mail addresses: a spinner or a fixer must never touch them. A URL ends before
# trailing sentence punctuation, which belongs to the prose around it.
URL = re.compile(r"(?:\bhttps?://|\bwww\.)[^\s<>()\[\]\"'`]+(?<![.,;:!?])", re.IGNORECASE)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")

# Block-level markers at the start of a line: blockquote ">" runs, then a heading, list or task marker.
_QUOTE_PREFIX = re.compile(r"^[ \t]{0,3}(?:>[ \t]?)+")
_HEADING_MARK = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]+|$)")
_HEADING_CLOSE = re.compile(r"[ \t]+#+[ \t]*$")
_LIST_MARK = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+\[[ xX]\])?(?:[ \t]+|$)")
_SETEXT_OR_RULE = re.compile(r"^[ \t]{0,3}(?:=+|-+|(?:[-*_][ \t]*){3,})[ \t]*$")
_TABLE_DELIMITER = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")

# Inline constructs, searched over a whole block so that a link may wrap across lines.
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_AUTOLINK = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)>")
_HTML_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s+[^<>]*?)?/?>")
# Footnote markers "[^1]" and the label of a footnote definition "[^note]:".
_FOOTNOTE = re.compile(r"\[\^[^\]\s]+\]:?")
# [text](target "title") and ![alt](src): the brackets and the whole target are markup.
_INLINE_LINK = re.compile(
    r"(!?\[)((?:[^\[\]]|\[[^\[\]]*\])*)(\]\((?:<[^>]*>|[^()\s]*(?:\([^()\s]*\))?)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\))"
)
# [text][ref] and [text][]: brackets and the label.
_REF_LINK = re.compile(r"(!?\[)((?:[^\[\]]|\[[^\[\]]*\])*)(\]\[[^\[\]]*\])")
_EMPHASIS_OPEN = re.compile(r"(?<![\w\\*_~])(?:\*{1,3}|_{1,3}|~~)(?=[^\s*_~])")
_EMPHASIS_CLOSE = re.compile(r"(?<=[^\s\\*_~])(?:\*{1,3}|_{1,3}|~~)(?![\w*_~])")
_ESCAPE = re.compile(r"\\(?=[!-/:-@\[-`{-~])")
_TABLE_PIPE = re.compile(r"(?<!\\)\|")


def url_spans(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Spans of bare URLs and e-mail addresses in ``text[start:end]``."""
    stop = len(text) if end is None else end
    for pattern in (URL, EMAIL):
        for match in pattern.finditer(text, start, stop):
            yield match.start(), match.end()


def line_prefix_spans(line: str, base: int, *, table: bool = False) -> Iterator[tuple[int, int]]:
    """Markdown block markers of one line (without its line break) at offset ``base``."""
    if _SETEXT_OR_RULE.match(line) or (table and _TABLE_DELIMITER.match(line)):
        yield base, base + len(line)
        return
    pos = 0
    quote = _QUOTE_PREFIX.match(line)
    if quote:
        yield base, base + quote.end()
        pos = quote.end()
    heading = _HEADING_MARK.match(line[pos:])
    if heading:
        yield base + pos, base + pos + heading.end()
        closing = _HEADING_CLOSE.search(line, pos + heading.end())
        if closing:
            yield base + closing.start(), base + len(line)
        return
    listed = _LIST_MARK.match(line[pos:])
    if listed:
        yield base + pos, base + pos + listed.end()


def inline_spans(text: str, start: int, end: int, *, table: bool = False) -> list[tuple[int, int]]:
    """Inline Markdown markup in ``text[start:end]``: code spans, HTML, link syntax, emphasis markers.

    Code spans and comments are found first; nothing inside them is searched again, so a ``*`` in
    inline code is not mistaken for emphasis.
    """
    spans: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return not any(a < y and x < b for x, y in spans)

    for pattern in (_CODE_SPAN, _HTML_COMMENT, _AUTOLINK, _HTML_TAG, _FOOTNOTE):
        for match in pattern.finditer(text, start, end):
            if free(match.start(), match.end()):
                spans.append((match.start(), match.end()))
    for pattern in (_INLINE_LINK, _REF_LINK):
        for match in pattern.finditer(text, start, end):
            # Link text may hold code ("[`Vec`](url)"): only the brackets and the target must be free.
            if free(match.start(1), match.end(1)) and free(match.start(3), match.end(3)):
                spans.append((match.start(1), match.end(1)))
                spans.append((match.start(3), match.end(3)))
    for a, b in url_spans(text, start, end):
        if free(a, b):
            spans.append((a, b))
    marks = [_EMPHASIS_OPEN, _EMPHASIS_CLOSE, _ESCAPE] + ([_TABLE_PIPE] if table else [])
    for pattern in marks:
        for match in pattern.finditer(text, start, end):
            if free(match.start(), match.end()):
                spans.append((match.start(), match.end()))
    return sorted(spans)
