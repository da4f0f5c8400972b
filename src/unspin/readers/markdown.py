"""The Markdown reader: YAML front matter becomes metadata; code, HTML, link targets and markup are protected.

The document's source is the file text exactly as decoded. markdown-it-py finds the blocks (with line
maps); the syntax characters inside prose blocks are found by the scanner in :mod:`unspin.readers.markup`.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

from unspin.document import Document
from unspin.errors import InputError
from unspin.readers import markup

_FRONT_OPEN = re.compile(r"\A---[ \t]*\r?\n")
_FRONT_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.MULTILINE)

# Blocks whose whole text is machine text, never prose.
_VERBATIM_BLOCKS = {"fence", "code_block", "html_block", "hr"}


def split_front_matter(text: str, where: str = "<text>") -> tuple[int, dict[str, Any]]:
    """The end offset of a leading YAML front matter block (0 if none) and its mapping."""
    opening = _FRONT_OPEN.match(text)
    if not opening:
        return 0, {}
    closing = _FRONT_CLOSE.search(text, opening.end())
    if not closing:
        return 0, {}
    block = text[opening.end() : closing.start()]
    try:
        data = yaml.safe_load(block) if block.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 2}" if mark is not None else ""
        raise InputError(f"{where}: invalid YAML front matter{line}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(f"{where}: front matter is not a mapping of keys to values")
    return closing.end(), {str(k): _plain(v) for k, v in data.items()}


def _plain(value: Any) -> Any:
    """YAML dates and times as ISO strings, so metadata stays JSON-serialisable."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _line_starts(text: str) -> list[int]:
    # Line ends as markdown-it counts them (it normalises CRLF and a lone CR to LF before parsing), so
    # that its line numbers map to the right offsets.
    return [0] + [m.end() for m in re.finditer(r"\r\n?|\n", text)]


def protect_markdown(doc: Document, start: int = 0) -> None:
    """Protect every Markdown construct in ``doc.source[start:]`` that is not prose."""
    text = doc.source
    body = text[start:]
    starts = [start + s for s in _line_starts(body)]
    starts.append(len(text))

    def line_span(first: int, last: int) -> tuple[int, int]:
        return starts[first], starts[min(last, len(starts) - 1)]

    parser = MarkdownIt("commonmark").enable("table")
    covered = [False] * (len(starts) - 1)
    in_table = False
    for token in parser.parse(body):
        if token.type == "table_close":
            in_table = False
        if token.map is None:
            continue
        first, last = token.map
        for i in range(first, min(last, len(covered))):
            covered[i] = True
        if token.type in _VERBATIM_BLOCKS:
            doc.protect(*line_span(first, last))
        elif token.type == "table_open":
            # The whole table at once: its delimiter row and pipes are markup, cells are prose.
            in_table = True
            _protect_prose_lines(doc, starts, first, last, table=True)
        elif token.type == "inline" and not in_table:
            _protect_prose_lines(doc, starts, first, last, table=False)
    # Lines no block claims but that carry text are link reference definitions ("[id]: url").
    for i, is_covered in enumerate(covered):
        a, b = starts[i], starts[i + 1]
        if not is_covered and text[a:b].strip():
            doc.protect(a, b)


def _protect_prose_lines(doc: Document, starts: list[int], first: int, last: int, *, table: bool) -> None:
    text = doc.source
    last = min(last, len(starts) - 1)
    for i in range(first, last):
        line = text[starts[i] : starts[i + 1]].rstrip("\r\n")
        for a, b in markup.line_prefix_spans(line, starts[i], table=table):
            doc.protect(a, b)
    for a, b in markup.inline_spans(text, starts[first], starts[last], table=table):
        doc.protect(a, b)


def read_markdown(text: str, path: Path | None = None) -> Document:
    """A Markdown Document: front matter as metadata (protected), non-prose constructs protected."""
    where = str(path) if path else "<stdin>"
    end, metadata = split_front_matter(text, where)
    doc = Document(path=path, source=text, format="md", metadata=metadata)
    doc.protect(0, end)
    protect_markdown(doc, end)
    if isinstance(metadata.get("title"), str) and metadata["title"].strip():
        doc.title = metadata["title"].strip()
    keyphrase = metadata.get("keyphrase")
    if isinstance(keyphrase, str) and keyphrase.strip():
        doc.metadata["keyphrase"] = keyphrase.strip()
    doc.protected.sort()
    return doc
