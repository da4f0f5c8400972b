"""The structure stage: the repaired text as a title, sections and typed blocks.

It reads ``doc.clean_text`` (the text after every chosen fix) as light Markdown, which covers plain text
too: ``#`` headings, fenced code, ``1.`` / ``1)`` and ``-`` / ``*`` / ``•`` / ``–`` list items, quotes and
tables; in plain text a short line standing alone is a section heading. Label-led paragraphs
("Muscle Strain: The repetitive…") become ``lead_in`` blocks, and exact duplicate paragraphs are dropped
with a finding (STRU002) that explains it.

:func:`plain_text` and :func:`to_markdown` render a structure; structuring the Markdown again gives the
same structure, so cleaning the output changes nothing.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, ClassVar

from unspin import invisible, rules
from unspin.document import Applicability, Document, Finding, Fix, split_lines
from unspin.pipeline import Context, register_stage
from unspin.readers.markdown import split_front_matter
from unspin.stages.normalize import normalized_text

# ------------------------------------------------------------------------------------------- options


@dataclass(frozen=True)
class StructureOptions:
    heading_max_words: int = 12
    title_max_words: int = 25
    lead_in_max_words: int = 5
    duplicate_min_words: int = 4


@cache
def default_options() -> StructureOptions:
    path = resources.files("unspin") / "data" / "structure" / "structure.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))["structure"]
    return StructureOptions(**{k: int(v) for k, v in data.items()})


def options_from(settings_table: dict[str, Any]) -> StructureOptions:
    base = default_options()
    known = {k: int(v) for k, v in settings_table.items() if hasattr(base, k)}
    return StructureOptions(**{**base.__dict__, **known})


# ------------------------------------------------------------------------------------- line patterns

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[^`\s]*)[^`]*$")
_ATX = re.compile(r"^ {0,3}(?P<hashes>#{1,6})(?:[ \t]+(?P<text>.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(?P<under>=+|-+)[ \t]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
# An item's text starts at its first character that is not a space or a tab, as in Markdown: a no-break
# space or another Unicode space is text there (``\S`` would refuse it and join the item to the one before).
# Unicode spaces may stand before the number too: the list-number repair turns "\u00a0one. Warm up" into
# "\u00a01. Warm up", which reads as an item and is written back as one.
_ORDERED = re.compile(
    rf"^(?P<indent>(?:[ \t]|{invisible.UNICODE_SPACE_CLASS})*)(?P<number>\d{{1,3}})[.)][ \t]+"
    r"(?P<text>[^ \t].*)$"
)
_BULLET = re.compile(r"^(?P<indent>[ \t]*)[-*+•–][ \t]+(?P<text>[^ \t].*)$")
_QUOTE = re.compile(r"^ {0,3}>[ \t]?(?P<text>.*)$")
_TABLE_ROW = re.compile(r"^ {0,3}\|.*\|[ \t]*$")
_TABLE_DELIMITER = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_HTML_BLOCK = re.compile(r"^ {0,3}<(?:!--|/?[A-Za-z][\w-]*(?:\s|/?>|$))")
_INDENTED = re.compile(r"^(?: {4}|\t)")

# "**Label:** text", "**Label**: text", "__Label:__ text"
_BOLD_LEAD_IN = re.compile(r"^(\*\*|__)(?P<label>[^*_\n:]{1,80}?)(?::\1|\1:)[ \t]+(?P<text>\S.*)$", re.DOTALL)
# "Label: Text" — the text after the colon starts a new sentence.
_PLAIN_LEAD_IN = re.compile(
    r"^(?P<label>[A-Z][^:.!?;,\"“”()\[\]*_\n]{0,60}?):[ \t]+(?P<text>[A-Z0-9\"“‘'(].*)$", re.DOTALL
)
_MINOR_WORDS = {
    "a",
    "an",
    "and",
    "as",
    "at",
    "by",
    "for",
    "from",
    "in",
    "of",
    "on",
    "or",
    "the",
    "to",
    "vs",
    "with",
}
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_SENTENCE_END = re.compile(r"[.!?,;:]['\"’”)]*$")


def _words(text: str) -> int:
    return len(_WORD.findall(text))


# ---------------------------------------------------------------------------------------- raw blocks


@dataclass
class RawBlock:
    """A block as scanned, with its offsets in the scanned text (for findings)."""

    kind: str  # heading | paragraph | ordered_list | bullet_list | code | quote | table
    start: int
    end: int
    text: str = ""
    level: int = 0
    lang: str | None = None
    items: list[str] = field(default_factory=list)
    first_number: int = 1
    lines: int = 1
    explicit: bool = False  # a heading marked with # or an underline (not guessed)


@dataclass
class _Line:
    start: int
    end: int  # without the line break
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def _split(text: str, offset: int) -> list[_Line]:
    lines: list[_Line] = []
    pos = offset
    for raw in split_lines(text[offset:]):
        content = raw.rstrip("\r\n")
        lines.append(_Line(pos, pos + len(content), content))
        pos += len(raw)
    return lines


# An inline code span: a run of backticks, then anything up to a run of the same length.
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
# Markdown's own whitespace: a no-break space, a separator character or a control character is text.
_SPACE = re.compile(r"[ \t\r\n]+")


def _join(parts: list[str]) -> str:
    """The lines of a block as one line, each stripped: runs of spaces and line ends become one space,
    except inside inline code, which keeps its spaces (a line end there becomes a space, as Markdown
    reads it)."""
    text = "\n".join(part.strip() for part in parts if part.strip())
    pieces: list[str] = []
    pos = 0
    for match in _CODE_SPAN.finditer(text):
        pieces.append(_SPACE.sub(" ", text[pos : match.start()]))
        pieces.append(match.group(0).replace("\n", " "))  # the parts hold no other line end
        pos = match.end()
    pieces.append(_SPACE.sub(" ", text[pos:]))
    return "".join(pieces).strip()


def _holds_code(quoted: list[str]) -> bool:
    """Whether a quote's lines (markers removed) hold a code block: a fence, or an indented line that does
    not continue a paragraph."""
    return any(
        _FENCE.match(text) or (_INDENTED.match(text) and (k == 0 or not quoted[k - 1].strip()))
        for k, text in enumerate(quoted)
    )


def _starts_block(line: _Line, markdown: bool) -> bool:
    text = line.text
    return bool(
        _FENCE.match(text)
        or _ATX.match(text)
        or _ORDERED.match(text)
        or _BULLET.match(text)
        or _QUOTE.match(text)
        or _RULE.match(text)
        or (markdown and _HTML_BLOCK.match(text))
    )


def scan_blocks(text: str, markdown: bool, offset: int = 0) -> list[RawBlock]:
    """Blocks of ``text[offset:]``. ``markdown`` turns on indented code, setext headings and HTML blocks."""
    lines = _split(text, offset)
    blocks: list[RawBlock] = []
    i = 0
    previous_blank = True
    while i < len(lines):
        line = lines[i]
        if line.blank:
            i += 1
            previous_blank = True
            continue
        i = _scan_one(lines, i, blocks, markdown, previous_blank)
        # Indented code may not interrupt a paragraph, but it may follow a heading, a rule or a fence
        # at once (CommonMark): read as an item or text there, it was code to the Markdown reader.
        previous_blank = _ends_without_paragraph(lines[i - 1].text)
    return blocks


def _ends_without_paragraph(text: str) -> bool:
    """Whether a block's last line leaves no paragraph open: an ATX heading, a rule, a setext underline
    or a closing fence."""
    return bool(_ATX.match(text) or _RULE.match(text) or _SETEXT.match(text) or _FENCE.match(text))


def _scan_one(lines: list[_Line], i: int, blocks: list[RawBlock], markdown: bool, after_blank: bool) -> int:
    """Scan the block starting at line ``i``; append it (if it is content) and return the next index."""
    line = lines[i]
    text = line.text
    fence = _FENCE.match(text)
    if fence:
        marker = fence.group("fence")
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not re.match(
            rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$", lines[j].text
        ):
            body.append(_dedent(lines[j].text, len(fence.group("indent"))))
            j += 1
        end = lines[min(j, len(lines) - 1)].end
        blocks.append(RawBlock("code", line.start, end, "\n".join(body), lang=fence.group("lang") or None))
        return j + 1
    if markdown and after_blank and _INDENTED.match(text):
        body, j = [], i
        while j < len(lines) and (lines[j].blank or _INDENTED.match(lines[j].text)):
            body.append(lines[j].text[4:] if lines[j].text.startswith("    ") else lines[j].text[1:])
            j += 1
        while body and not body[-1].strip():
            body.pop()
        blocks.append(RawBlock("code", line.start, lines[i + len(body) - 1].end, "\n".join(body)))
        return i + len(body)
    if markdown and _HTML_BLOCK.match(text):
        # Raw HTML and comments are markup, not article content: skipped to the next blank line
        # (a comment to its end).
        j = i
        if text.lstrip().startswith("<!--"):
            while j < len(lines) and "-->" not in lines[j].text:
                j += 1
            return j + 1
        while j < len(lines) and not lines[j].blank:
            j += 1
        return j
    if _RULE.match(text):
        return i + 1
    heading = _ATX.match(text)
    if heading:
        blocks.append(
            RawBlock(
                "heading",
                line.start,
                line.end,
                (heading.group("text") or "").strip(),
                level=len(heading.group("hashes")),
                explicit=True,
            )
        )
        return i + 1
    if _QUOTE.match(text):
        parts, j = [], i
        while j < len(lines) and not lines[j].blank and (_QUOTE.match(lines[j].text) or j > i):
            quoted = _QUOTE.match(lines[j].text)
            if not quoted and _starts_block(lines[j], markdown):
                break
            parts.append(quoted.group("text") if quoted else lines[j].text)
            j += 1
        if markdown and _holds_code(parts):
            # Code inside a quote is verbatim: the quote's lines are kept as they are, not joined into prose.
            j = i
            parts = []
            while j < len(lines) and (quoted := _QUOTE.match(lines[j].text)):
                parts.append(quoted.group("text"))
                j += 1
            blocks.append(RawBlock("quote", line.start, lines[j - 1].end, "\n".join(parts)))
            return j
        blocks.append(RawBlock("quote", line.start, lines[j - 1].end, _join(parts)))
        return j
    if _TABLE_ROW.match(text):
        j = i
        while j < len(lines) and _TABLE_ROW.match(lines[j].text):
            j += 1
        if j - i >= 2:
            if markdown and _TABLE_DELIMITER.match(lines[i + 1].text):
                # A Markdown table's rows go on to the first blank line or the start of another block,
                # with or without pipes at their ends, as the Markdown reader (and GitHub) read them.
                while (
                    j < len(lines)
                    and not lines[j].blank
                    and not _starts_block(lines[j], markdown)
                    and not _INDENTED.match(lines[j].text)
                ):
                    j += 1
            rows = [lines[k].text.strip() for k in range(i, j)]
            blocks.append(RawBlock("table", line.start, lines[j - 1].end, "\n".join(rows), lines=j - i))
            return j
    listed = _ORDERED.match(text) or _BULLET.match(text)
    if listed:
        return _scan_list(lines, i, blocks, markdown)
    return _scan_paragraph(lines, i, blocks, markdown)


def _dedent(text: str, width: int) -> str:
    k = 0
    while k < width and k < len(text) and text[k] == " ":
        k += 1
    return text[k:]


def _marker_width(match: re.Match[str], text: str) -> int:
    """The column where a list item's text starts (tabs count as four columns)."""
    return len(text[: match.start("text")].expandtabs(4))


def _indent_width(text: str) -> int:
    return len(text.expandtabs(4)) - len(text.expandtabs(4).lstrip(" "))


# Only these are list markers in CommonMark; "•" and "–" are ours, for plain text.
_COMMONMARK_MARKER = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])")
# The item text of an item that opens with indented code, as the clean Markdown writes it back: four spaces
# after the marker's one ("-     code"), which CommonMark reads as code again.
CODE_ITEM_INDENT = "    "


def _code_item_text(match: re.Match[str], text: str, markdown: bool) -> str | None:
    """The item's text as indented code when, in Markdown, five or more columns of white space follow its
    marker: CommonMark then opens the item with an indented code block (the content column is one past the
    marker and the code is indented four beyond it). The code keeps its bytes past those columns."""
    if not markdown or not _COMMONMARK_MARKER.match(text):
        return None
    prefix = text[: match.start("text")]
    marker_end = len(prefix.rstrip(" \t"))
    marker_column = len(prefix[:marker_end].expandtabs(4))
    gap = len(prefix.expandtabs(4)) - marker_column
    if gap < 5:
        return None
    return CODE_ITEM_INDENT + " " * (gap - 5) + match.group("text")


def _scan_list(lines: list[_Line], i: int, blocks: list[RawBlock], markdown: bool) -> int:
    first = _ORDERED.match(lines[i].text)
    kind = "ordered_list" if first else "bullet_list"
    pattern = _ORDERED if first else _BULLET
    # Each item: its own text lines, then the lines of the lists nested in it, kept as Markdown
    # relative to the item's text column so that nesting survives into the clean article.
    items: list[list[str]] = []
    nested: list[list[str]] = []
    code_items: list[bool] = []  # items that open with indented code: their text is taken as it stands
    start = lines[i].start
    end = lines[i].end
    j = i
    first_number = int(first.group("number")) if first else 1
    base_indent = _indent_width(lines[i].text)
    content_column = base_indent + 2
    nested_indent = content_column
    while j < len(lines):
        line = lines[j]
        if items and _indent_width(line.text) >= content_column and not line.blank:
            sub = _ORDERED.match(line.text) or _BULLET.match(line.text)
            if sub or nested[-1]:
                # A nested list item, or a line of one (more indented than this list's items), kept
                # relative to the first nested line's indent.
                if not nested[-1]:
                    nested_indent = _indent_width(line.text)
                # Tabs count as four columns in the indent only: one inside the text is the author's.
                lead = len(line.text) - len(line.text.lstrip(" \t"))
                expanded = line.text[:lead].expandtabs(4) + line.text[lead:]
                nested[-1].append(expanded[min(nested_indent, _indent_width(line.text)) :].rstrip(" \t"))
                end = line.end
                j += 1
                continue
        item = pattern.match(line.text)
        if item and _indent_width(line.text) < content_column:
            code = _code_item_text(item, line.text, markdown)
            items.append([code if code is not None else item.group("text")])
            nested.append([])
            code_items.append(code is not None)
            content_column = _marker_width(item, line.text)
            if code is not None:
                content_column = len(line.text[: item.start("text")].rstrip(" \t").expandtabs(4)) + 1
            end = line.end
            j += 1
            continue
        if line.blank:
            k = j
            while k < len(lines) and lines[k].blank:
                k += 1
            if k < len(lines) and pattern.match(lines[k].text):
                j = k
                continue
            # An indented paragraph after a blank line continues the item.
            if (
                k < len(lines)
                and items
                and re.match(r"^(?: {2,}|\t)\S", lines[k].text)
                and not (markdown and _FENCE.match(lines[k].text.strip()))
            ):
                if nested[-1] or _ORDERED.match(lines[k].text) or _BULLET.match(lines[k].text):
                    j = k
                    continue
                if code_items[-1]:
                    break
                items[-1].append(lines[k].text)
                end = lines[k].end
                j = k + 1
                continue
            break
        if _starts_block(line, markdown) or not items or code_items[-1]:
            # Code has no lazy continuation lines: a line less indented than the code ends the list.
            break
        if nested[-1]:
            # A lazy line continues the innermost open paragraph, a nested item's (as in CommonMark): kept
            # with it, an inline code span that runs over the line end stays one span.
            nested[-1].append(line.text.rstrip(" \t"))
            end = line.end
            j += 1
            continue
        # A lazy continuation line of the current item.
        items[-1].append(line.text)
        end = line.end
        j += 1
    texts = [
        (parts[0] if code else _join(parts)) + "".join(f"\n{sub}" for sub in subs)
        for parts, subs, code in zip(items, nested, code_items, strict=True)
    ]
    blocks.append(RawBlock(kind, start, end, items=texts, first_number=first_number, lines=j - i))
    return j


def _scan_paragraph(lines: list[_Line], i: int, blocks: list[RawBlock], markdown: bool) -> int:
    parts = [lines[i].text]
    j = i + 1
    while j < len(lines) and not lines[j].blank:
        setext = _SETEXT.match(lines[j].text)
        if markdown and setext:
            level = 1 if setext.group("under").startswith("=") else 2
            blocks.append(
                RawBlock("heading", lines[i].start, lines[j].end, _join(parts), level=level, explicit=True)
            )
            return j + 1
        if _starts_block(lines[j], markdown):
            break
        parts.append(lines[j].text)
        j += 1
    blocks.append(RawBlock("paragraph", lines[i].start, lines[j - 1].end, _join(parts), lines=j - i))
    return j


# ----------------------------------------------------------------------------------------- structure


def _lead_in(text: str, options: StructureOptions) -> tuple[str, str] | None:
    bold = _BOLD_LEAD_IN.match(text)
    if bold and _words(bold.group("label")) <= options.lead_in_max_words + 3:
        return bold.group("label").strip(), bold.group("text").strip()
    plain = _PLAIN_LEAD_IN.match(text)
    if not plain:
        return None
    label = plain.group("label").strip()
    words = label.split()
    if not words or len(words) > options.lead_in_max_words or not _WORD.search(label):
        return None
    title_case = all(w[0].isupper() or w[0].isdigit() or w.lower() in _MINOR_WORDS for w in words)
    if not title_case and len(words) > 2:
        return None
    return label, plain.group("text").strip()


def _is_title_line(block: RawBlock, options: StructureOptions) -> bool:
    text = block.text
    return (
        block.kind == "paragraph"
        and block.lines == 1
        and 0 < _words(text) <= options.title_max_words
        and not re.search(r"[.,;:]['\"’”)]*$", text)
    )


def _is_plain_heading(block: RawBlock, options: StructureOptions) -> bool:
    text = block.text
    return (
        block.kind == "paragraph"
        and block.lines == 1
        and 0 < _words(text) <= options.heading_max_words
        and not _SENTENCE_END.search(text)
        and not text[0].islower()
        and _lead_in(text, options) is None
    )


def _same_title(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return " ".join(s.replace("*", "").replace("_", " ").split()).casefold()

    return norm(a) == norm(b)


def _opens_with_title(source: str, fmt: str, title: str) -> bool:
    """Whether the text's first block is a level-1 heading that reads as ``title``."""
    body_start = split_front_matter(source)[0] if fmt == "md" else 0
    # A heading is a line or two: the first few thousand characters hold it.
    blocks = scan_blocks(source[: body_start + 4096], fmt in ("md", "html"), body_start)
    if not blocks or blocks[0].kind != "heading" or blocks[0].level != 1:
        return False
    return _same_title(blocks[0].text, title)


@dataclass
class Duplicate:
    """A paragraph dropped because an identical one came earlier (offsets in the structured text)."""

    start: int
    end: int
    text: str
    first_start: int


_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")


def _as_heading_text(text: str) -> str:
    """A line of text as it reads back once written as a ``#`` heading: without a closing run of ``#``,
    which Markdown takes for the heading's optional closing sequence."""
    return _CLOSING_HASHES.sub("", text.strip()).strip()


def build_structure(
    text: str,
    fmt: str = "txt",
    title: str | None = None,
    options: StructureOptions | None = None,
) -> tuple[dict[str, Any], list[Duplicate]]:
    """The structure of ``text`` and the duplicate paragraphs left out of it.

    ``title`` is a known title (front matter, HTML metadata); without it the leading ``#`` heading or,
    failing that, a short first line is the title. An empty ``title`` declares that there is none: a
    leading ``#`` heading is still the title, a first line is not.
    """
    options = options or default_options()
    body_start = split_front_matter(text)[0] if fmt == "md" else 0
    markdown = fmt in ("md", "html")
    blocks = scan_blocks(text, markdown, body_start)

    known_title = (title or "").strip()
    if blocks and blocks[0].kind == "heading" and blocks[0].level == 1:
        first = blocks[0]
        if not known_title or _same_title(first.text, known_title):
            known_title = known_title or first.text
            blocks = blocks[1:]
        else:
            first.level = 2
    elif title is None and blocks and _is_title_line(blocks[0], options):
        # Only when no title is known: front matter that declares an empty one (as the clean article's
        # does when its source had none) says the first line is not one.
        known_title = _as_heading_text(blocks[0].text)
        blocks = blocks[1:]

    sections: list[dict[str, Any]] = [{"heading": None, "level": 2, "blocks": []}]
    seen: dict[str, int] = {}
    duplicates: list[Duplicate] = []
    for index, block in enumerate(blocks):
        is_last = index == len(blocks) - 1
        if block.kind == "heading" or (
            fmt == "txt"
            and not is_last
            and _is_plain_heading(block, options)
            and blocks[index + 1].kind != "heading"
        ):
            heading = block.text if block.kind == "heading" else _as_heading_text(block.text)
            sections.append({"heading": heading, "level": max(2, block.level or 2), "blocks": []})
            continue
        rendered = _render_block(block, options)
        if rendered["type"] in ("paragraph", "lead_in"):
            key = " ".join(block.text.split())
            # Authored Markdown repeats a paragraph on purpose (a lead-in before each example, the same
            # directive in two sections); copies that pad an article come from scraped text and pages.
            if fmt != "md" and _words(key) >= options.duplicate_min_words:
                if key in seen:
                    duplicates.append(Duplicate(block.start, block.end, key, seen[key]))
                    continue
                seen[key] = block.start
        sections[-1]["blocks"].append(rendered)
    if not sections[0]["blocks"]:
        sections = sections[1:]
    return {"title": known_title, "sections": sections}, duplicates


def _render_block(block: RawBlock, options: StructureOptions) -> dict[str, Any]:
    if block.kind == "paragraph":
        lead = _lead_in(block.text, options)
        if lead:
            return {"type": "lead_in", "label": lead[0], "text": lead[1]}
        return {"type": "paragraph", "text": block.text}
    if block.kind == "ordered_list":
        return {"type": "ordered_list", "start": block.first_number, "items": block.items}
    if block.kind == "bullet_list":
        return {"type": "bullet_list", "items": block.items}
    if block.kind == "code":
        return {"type": "code", "text": block.text, "lang": block.lang}
    return {"type": block.kind, "text": block.text}


# ----------------------------------------------------------------------------------------- rendering

_INLINE_CODE = re.compile(r"(`+)(.+?)\1")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\[[^\]]*\])")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_EMPHASIS = re.compile(r"(?<![\w\\])(\*{1,3}|_{1,3}|~~)(?=\S)(.+?)(?<=\S)\1(?![\w])")


def strip_inline_markup(text: str) -> str:
    """Markdown inline markup removed: link and image text kept, code without backticks, no emphasis."""
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    previous = None
    while previous != text:
        previous = text
        text = _EMPHASIS.sub(r"\2", text)
    text = _INLINE_CODE.sub(r"\2", text)
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


def _items(block: dict[str, Any]) -> list[str]:
    return [str(item) for item in block.get("items", [])]


def _list_item(marker: str, item: str) -> str:
    """One Markdown list item; the lines of its nested lists are indented to its text column."""
    head, *nested = item.split("\n")
    pad = " " * len(marker)
    return marker + head + "".join(f"\n{pad}{line}" if line else "\n" for line in nested)


def _plain_nested(lines: list[str]) -> list[str]:
    """Nested list lines as plain text: bullets dropped, ordered numbers kept, one item per part."""
    out: list[str] = []
    for line in lines:
        ordered = _ORDERED.match(line)
        bullet = _BULLET.match(line)
        if ordered:
            out.append(f"{ordered.group('number')}. {strip_inline_markup(ordered.group('text'))}")
        elif bullet:
            out.append(strip_inline_markup(bullet.group("text")))
        elif line.strip() and out:
            out[-1] += " " + strip_inline_markup(line.strip())
        elif line.strip():
            out.append(strip_inline_markup(line.strip()))
    return out


def plain_text(structure: dict[str, Any]) -> str:
    """The article as plain text: title, then every heading, paragraph and list item, separated by
    blank lines; ordered items keep their numbers. Code (an item that opens with it too) and tables are
    not prose and are left out."""
    parts: list[str] = []
    if structure.get("title"):
        parts.append(strip_inline_markup(structure["title"]))
    for section in structure.get("sections", []):
        if section.get("heading"):
            parts.append(strip_inline_markup(section["heading"]))
        for block in section.get("blocks", []):
            kind = block.get("type")
            if kind in ("paragraph", "quote"):
                parts.append(strip_inline_markup(block["text"]))
            elif kind == "lead_in":
                parts.append(strip_inline_markup(f"{block['label']}: {block['text']}"))
            elif kind == "ordered_list":
                first = int(block.get("start", 1))
                for k, item in enumerate(_items(block)):
                    head, *nested = item.split("\n")
                    if not head.startswith(CODE_ITEM_INDENT):
                        parts.append(f"{first + k}. {strip_inline_markup(head)}")
                    parts.extend(_plain_nested(nested))
            elif kind == "bullet_list":
                for item in _items(block):
                    head, *nested = item.split("\n")
                    if not head.startswith(CODE_ITEM_INDENT):
                        parts.append(strip_inline_markup(head))
                    parts.extend(_plain_nested(nested))
    return "\n\n".join(p for p in parts if p.strip()) + "\n" if parts else ""


# A line that Markdown would read as the start of another block: a list item, a heading, a quote.
_BLOCK_MARKER = re.compile(
    r"^( {0,3})(?:([-*+]|#{1,6})(?=[ \t]|$)|(\d{1,9})(?=[.)](?:[ \t]|$))|(>))", re.MULTILINE
)


def _escape_marker(match: re.Match[str]) -> str:
    indent, bullet, number, quote = match.groups()
    return indent + (number + "\\" if number else "\\" + (bullet or quote))


def _as_paragraph(text: str) -> str:
    """Paragraph text with any line-leading block marker escaped ("- 5 km" from an HTML paragraph), so the
    clean Markdown reads back as the same paragraph rather than as a list, heading or quote."""
    return _BLOCK_MARKER.sub(_escape_marker, text)


# Hashes at the end of a heading's text after a space: Markdown would read them as the closing sequence.
_CLOSING_HASHES = re.compile(r"(?<=[ \t])(#+)[ \t]*$")


def _heading_line(level: int, text: str) -> str:
    """An ATX heading whose text reads back as written: "Tips #" keeps its "#" ("Tips \\#")."""
    return "#" * level + " " + _CLOSING_HASHES.sub(lambda m: "\\" + m.group(1), text)


def to_markdown(structure: dict[str, Any]) -> str:
    """The article body as Markdown (no front matter): ``# Title``, ``##`` sections, blocks."""
    parts: list[str] = []
    if structure.get("title"):
        parts.append(_heading_line(1, structure["title"]))
    for section in structure.get("sections", []):
        if section.get("heading"):
            parts.append(_heading_line(int(section.get("level", 2)), section["heading"]))
        for block in section.get("blocks", []):
            kind = block.get("type")
            if kind == "paragraph":
                parts.append(_as_paragraph(block["text"]))
            elif kind == "lead_in":
                parts.append(f"**{block['label']}:** {block['text']}")
            elif kind == "ordered_list":
                first = int(block.get("start", 1))
                parts.append(
                    "\n".join(_list_item(f"{first + k}. ", item) for k, item in enumerate(_items(block)))
                )
            elif kind == "bullet_list":
                parts.append("\n".join(_list_item("- ", item) for item in _items(block)))
            elif kind == "code":
                text = block.get("text", "")
                fence = "```" if "```" not in text else "~~~~"
                parts.append(f"{fence}{block.get('lang') or ''}\n{text}\n{fence}")
            elif kind == "quote":
                parts.append("\n".join(f"> {line}" if line else ">" for line in block["text"].split("\n")))
            elif kind == "table":
                parts.append(block["text"])
    return "\n\n".join(parts) + "\n" if parts else ""


# --------------------------------------------------------------------------------------------- stage


def duplicate_findings(doc: Document, duplicates: list[Duplicate]) -> list[Finding]:
    """STRU002 per dropped paragraph, placed in source offsets through the rewrite's offset map."""
    found: list[Finding] = []
    for dup in duplicates:
        start, end = dup.start, dup.end
        if doc.offset_map is not None:
            start, end, _ = doc.offset_map.span_to_source(dup.start, dup.end)
        first = doc.offset_map.to_source(dup.first_start) if doc.offset_map is not None else dup.first_start
        line, _ = doc.line_column(first)
        finding = rules.finding(
            "STRU002",
            start,
            end,
            f"duplicate paragraph (same text as line {line}) removed",
            confidence=1.0,
            fix=Fix.replace(start, end, "", Applicability.SAFE),
            evidence={"first_occurrence_line": line, "words": _words(dup.text)},
        )
        # The structure leaves the copy out, so the clean article no longer has it.
        finding.applied = True
        found.append(finding)
    return found


_LINE_BREAK = re.compile(r"[ \t]*(?:\r\n?|\n)[ \t]*")


def _one_line(title: str) -> str:
    """A front-matter title as its ``#`` heading in the clean article reads back: one line (the title may
    hold an escaped line end, which would cut the heading in two)."""
    return _as_heading_text(_LINE_BREAK.sub(" ", title))


# The clean article's first heading line opens with this; the title is repaired as that line is read.
_TITLE_MARKER = "# "


def _normalized_as_heading(title: str) -> str:
    """``title`` repaired as the clean article's first heading ("# …") will be read by a second clean. The
    repair weighs a line whole, and the marker can change its verdict: "Ã ¦ …" alone reads as mojibake
    and becomes "à ¦ …", while the heading "# Ã ¦ …" does not, so a title repaired alone no longer matched
    its own heading when the clean article was cleaned again (found by the fuzzer)."""
    repaired = normalized_text(_TITLE_MARKER + title, "md")
    return repaired[len(_TITLE_MARKER) :] if repaired.startswith(_TITLE_MARKER) else repaired.lstrip("# ")


@register_stage
class StructureStage:
    name: ClassVar[str] = "structure"

    def __call__(self, docs: list[Document], ctx: Context) -> None:
        options = options_from(ctx.settings.stage("structure"))
        for doc in docs:
            text = doc.clean_text if doc.clean_text is not None else doc.source
            known = doc.metadata.get("title")
            # The known title becomes the clean article's heading, where it is read as body text is: it is
            # repaired as the body is, or cleaning the clean article would repair it then.
            # An empty title declared in front matter stays declared ("" is not None).
            title = _one_line(_normalized_as_heading(known)) if isinstance(known, str) else None
            if title and doc.clean_text is not None and _opens_with_title(doc.source, doc.format, title):
                # The source's first heading is the title: the clean article takes it with its fixes, or a
                # repaired heading would no longer match the title and stand in the body beside it.
                title = None
            structure, duplicates = build_structure(text, doc.format, title, options)
            doc.structure = structure
            doc.title = structure["title"] or None
            doc.findings.extend(duplicate_findings(doc, duplicates))
            doc.analysis["structure"] = {
                "sections": len(structure["sections"]),
                "blocks": sum(len(s["blocks"]) for s in structure["sections"]),
                "duplicates_removed": len(duplicates),
            }
