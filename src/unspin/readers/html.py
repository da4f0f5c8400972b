"""The HTML reader: the page's main text, extracted by trafilatura as Markdown-style text.

Navigation, headers, footers and comment sections are left out by the extractor; headings come through
as ``#`` lines and lists as ``-`` / ``1.`` lines, so the structure stage treats the result as Markdown.
``Document.source`` is that extracted text; the original page is kept in ``Document.raw``.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from unspin.document import Document
from unspin.errors import InputError
from unspin.readers.markdown import protect_markdown

_TAG = re.compile(r"<\s*(?:html|head|body|div|p|article|main|section|h[1-6]|span|table|ul|ol|br)\b", re.I)
_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1\s*>", re.I | re.S)
_ANY_TAG = re.compile(r"<[^>]+>")
_BLANK_RUN = re.compile(r"\n{3,}")
# Elements that hold article text when they sit straight in <body>.
_CONTENT_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "pre", "blockquote"}
)
# With no article element the extractor falls back to whatever text the page has (a menu, a footer);
# fewer words than this is not an article.
MIN_ARTICLE_WORDS = 5


def _first_h1(raw: str) -> str | None:
    match = _H1.search(raw)
    if not match:
        return None
    title = " ".join(html.unescape(_ANY_TAG.sub(" ", match.group(1))).split())
    return title or None


def _with_main_container(raw: str) -> Any:
    """The page, with its body's content wrapped in ``<main>`` when the text sits straight in ``<body>``.

    The extractor looks for an article container (``<article>``, ``<main>``, a content ``<div>``); on a
    page without one, its fallback keeps only some paragraphs and drops short lists and headings.
    Navigation, asides, footers and comment sections inside the wrapper are still left out.
    """
    import lxml.html
    from lxml import etree

    try:
        tree = lxml.html.document_fromstring(raw)
    except (ValueError, etree.ParserError):
        return raw
    body = tree.find("body")
    if body is None or tree.xpath("//article|//main|//*[@role='main']"):
        return raw
    if not any(isinstance(child.tag, str) and child.tag.lower() in _CONTENT_TAGS for child in body):
        return raw
    main = lxml.html.Element("main")
    main.text, body.text = body.text, None
    for child in list(body):
        main.append(child)
    body.append(main)
    return tree


def extract_main_text(raw: str, where: str) -> tuple[str, dict[str, str]]:
    """The main text as Markdown-style lines, and the page metadata worth keeping (title, author, date)."""
    import trafilatura

    if not _TAG.search(raw):
        raise InputError(f"{where}: not an HTML page (no HTML elements found)")
    try:
        text = trafilatura.extract(
            _with_main_container(raw),
            output_format="markdown",
            include_comments=False,
            include_formatting=True,
            include_links=False,
            include_images=False,
            include_tables=True,
            deduplicate=False,
        )
        meta = trafilatura.extract_metadata(raw)
    except Exception as exc:  # the extractor raises many kinds of errors on broken pages
        raise InputError(f"{where}: cannot extract text from HTML ({exc.__class__.__name__})") from None
    words = len(text.split()) if text else 0
    if words < MIN_ARTICLE_WORDS:
        raise InputError(f"{where}: no article text found in the HTML page ({words} words extracted)")
    metadata: dict[str, str] = {}
    title = _first_h1(raw) or (meta.title if meta is not None else None)
    if title:
        metadata["title"] = title.strip()
    if meta is not None:
        for key in ("author", "date", "description", "sitename"):
            value = getattr(meta, key, None)
            if isinstance(value, str) and value.strip():
                metadata[key] = value.strip()
    return _tidy(text, metadata.get("title")), metadata


def _tidy(text: str, title: str | None) -> str:
    """Trailing spaces off, at most one blank line between blocks, the title as a ``#`` line first."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    body = _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip("\n")
    first = body.split("\n", 1)[0]
    if title and not first.startswith("# "):
        # The extractor drops an <h1> that sits outside the article element; put the title back on top.
        body = f"# {title}\n\n{body}"
    return body + "\n"


def read_html(raw: str, path: Path | None = None) -> Document:
    where = str(path) if path else "<stdin>"
    text, metadata = extract_main_text(raw, where)
    doc = Document(path=path, source=text, format="html", raw=raw, metadata=metadata)
    if metadata.get("title"):
        doc.title = metadata["title"]
    protect_markdown(doc)
    doc.protected.sort()
    return doc
