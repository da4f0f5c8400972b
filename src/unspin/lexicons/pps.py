"""The Problematic Paper Screener's tortured-phrase fingerprints, parsed as the queries they are.

Each row of the list is a Dimensions-style query: quoted phrases (``"surface region"``), bare words
(``neural``, ``optimiz*``), ``AND`` / ``OR`` / ``NOT``, parentheses and ``"a b"~N`` proximity (the words
of the phrase within N words of each other, in any order). A query is evaluated against a whole document,
as the screener does, so ``"bosom" AND "breast"`` only fires in a text that also says "breast". The
*anchor* (the first positive quoted phrase) is the span reported and rewritten.

Data: ``unspin/data/lexicons/tortured-phrases.csv`` (MIT, see ``tortured-phrases.LICENSE``), exported
from the screener by Cabanac, Labbé & Magazinov (arXiv 2107.06751).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import pickle
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from unspin.lexicons import phrases as phrases_module
from unspin.lexicons.phrases import PhraseIndex, phrase_key

# --- query syntax tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]
    within: int | None = None  # ~N proximity; None = exact contiguous phrase


@dataclass(frozen=True)
class Prefix:
    stem: str  # a bare word ending in *: any word starting with the stem


@dataclass(frozen=True)
class And:
    parts: tuple[Query, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Query, ...]


@dataclass(frozen=True)
class Not:
    part: Query


Query = Phrase | Prefix | And | Or | Not


class QueryError(ValueError):
    pass


_TOKEN = re.compile(
    r'\s*(?:(?P<quoted>"[^"]*")(?:~(?P<near>\d+))?|(?P<lp>\()|(?P<rp>\))|(?P<bare>[^\s()"]+))'
)
_OPERATORS = {"AND": "AND", "ADN": "AND", "OR": "OR", "NOT": "NOT"}


def _tokens(text: str) -> list[tuple[str, object]]:
    tokens: list[tuple[str, object]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise QueryError(f"cannot read query at {text[pos:]!r}")
        pos = m.end()
        if m.group("quoted") is not None:
            words = phrase_key(m.group("quoted")[1:-1])
            near = int(m.group("near")) if m.group("near") else None
            tokens.append(("term", Phrase(words, near)))
        elif m.group("lp"):
            tokens.append(("(", None))
        elif m.group("rp"):
            tokens.append((")", None))
        else:
            bare = m.group("bare")
            if bare in _OPERATORS:
                tokens.append((_OPERATORS[bare], None))
            elif bare.endswith("*"):
                tokens.append(("term", Prefix(bare[:-1].lower())))
            else:
                tokens.append(("term", Phrase(phrase_key(bare))))
    # Adjacent bare words form one phrase ("AND business intelligence").
    merged: list[tuple[str, object]] = []
    for kind, value in tokens:
        if (
            kind == "term"
            and merged
            and merged[-1][0] == "term"
            and isinstance(value, Phrase)
            and isinstance(merged[-1][1], Phrase)
        ):
            prev = merged[-1][1]
            assert isinstance(prev, Phrase)
            merged[-1] = ("term", Phrase(prev.words + value.words))
        else:
            merged.append((kind, value))
    return merged


def parse_query(text: str) -> Query:
    """Parse a fingerprint query. Precedence: NOT and AND bind tighter than OR; ``A NOT B`` = A AND NOT B."""
    tokens = _tokens(text)
    pos = 0

    def peek() -> str | None:
        return tokens[pos][0] if pos < len(tokens) else None

    def take() -> tuple[str, object]:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def primary() -> Query:
        kind, value = take() if pos < len(tokens) else ("end", None)
        if kind == "term":
            return value  # type: ignore[return-value]
        if kind == "(":
            inner = disjunction()
            if peek() != ")":
                raise QueryError(f"unbalanced parenthesis in {text!r}")
            take()
            return inner
        raise QueryError(f"unexpected {kind!r} in {text!r}")

    def conjunction() -> Query:
        parts = [primary()]
        while peek() in ("AND", "NOT"):
            op, _ = take()
            right = primary()
            parts.append(Not(right) if op == "NOT" else right)
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def disjunction() -> Query:
        parts = [conjunction()]
        while peek() == "OR":
            take()
            parts.append(conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    query = disjunction()
    if pos != len(tokens):
        raise QueryError(f"trailing tokens in {text!r}")
    return query


def anchor_of(query: Query) -> Phrase | None:
    """The first positive phrase: the words a finding points at."""
    if isinstance(query, Phrase):
        return query if query.words else None
    if isinstance(query, And | Or):
        for part in query.parts:
            found = anchor_of(part)
            if found is not None:
                return found
    return None


# --- evaluation --------------------------------------------------------------------------------------


class DocumentWords:
    """A document's lower-case words with the look-ups queries need."""

    def __init__(self, words: list[str]):
        self.words = words
        self.positions: dict[str, list[int]] = {}
        for i, w in enumerate(words):
            self.positions.setdefault(w, []).append(i)

    def phrase_at(self, phrase: tuple[str, ...]) -> list[int]:
        if not phrase:
            return []
        n = len(phrase)
        return [i for i in self.positions.get(phrase[0], ()) if tuple(self.words[i : i + n]) == phrase]

    def near(self, phrase: tuple[str, ...], window: int) -> bool:
        """All words of the phrase inside some window of ``window + len(phrase)`` words."""
        firsts = self.positions.get(phrase[0], [])
        span = window + len(phrase)
        for i in firsts:
            lo, hi = max(0, i - span), i + span
            if all(any(lo <= j <= hi for j in self.positions.get(w, ())) for w in phrase[1:]):
                return True
        return False

    def holds(self, query: Query) -> bool:
        if isinstance(query, Phrase):
            if query.within is not None and len(query.words) > 1:
                return self.near(query.words, query.within)
            return bool(self.phrase_at(query.words))
        if isinstance(query, Prefix):
            return any(w.startswith(query.stem) for w in self.positions)
        if isinstance(query, And):
            return all(self.holds(p) for p in query.parts)
        if isinstance(query, Or):
            return any(self.holds(p) for p in query.parts)
        return not self.holds(query.part)


# --- the list ----------------------------------------------------------------------------------------

_NOTE = re.compile(r"\s*\([^)]*\)")


@dataclass(frozen=True)
class TorturedEntry:
    query_text: str
    query: Query
    anchor: Phrase
    expected: str | None  # cleaned original wording; None when the list is unsure ("?", "[...]")
    papers: int
    simple: bool  # the query is just its anchor phrase (no context clause)


def clean_expected(raw: str) -> str | None:
    """Strip notes in parentheses; refuse uncertain rows ('?', '[…]', 'A AND B' style alternatives)."""
    if "?" in raw or "[" in raw or " AND " in raw or "/" in raw:
        return None
    text = _NOTE.sub("", raw).strip().strip(",;.")
    return text or None


def _papers(raw: str) -> int:
    digits = raw.replace(",", "").strip()
    return int(digits) if digits.isdigit() else 0


def parse_rows(rows: Iterable[dict[str, str]]) -> list[TorturedEntry]:
    entries: list[TorturedEntry] = []
    for row in rows:
        text = row.get("tortured_phrase", "").strip()
        if not text:
            continue
        try:
            query = parse_query(text)
        except QueryError:
            continue
        anchor = anchor_of(query)
        if anchor is None:
            continue
        entries.append(
            TorturedEntry(
                query_text=text,
                query=query,
                anchor=anchor,
                expected=clean_expected(row.get("expected_phrase", "")),
                papers=_papers(row.get("num_papers", "")),
                simple=isinstance(query, Phrase) and query.within is None,
            )
        )
    return entries


@dataclass(frozen=True)
class TorturedMatch:
    start: int  # word index
    end: int
    entry: TorturedEntry


class TorturedPhrases:
    """The compiled list: find the anchors, then check each candidate's query against the document."""

    def __init__(self, entries: list[TorturedEntry]):
        self.entries = entries
        self._index = PhraseIndex(
            (e.anchor.words, i) for i, e in enumerate(entries) if e.anchor.within is None
        )

    @classmethod
    def load(cls) -> TorturedPhrases:
        return _builtin()

    def find(self, words: list[str]) -> list[TorturedMatch]:
        doc = DocumentWords(words)
        found: list[TorturedMatch] = []
        verdicts: dict[int, bool] = {}
        for start, end, ident in self._index.matches(words):
            if ident not in verdicts:
                verdicts[ident] = doc.holds(self.entries[ident].query)
            if verdicts[ident]:
                found.append(TorturedMatch(start, end, self.entries[ident]))
        return found


@cache
def _builtin() -> TorturedPhrases:
    return TorturedPhrases(_builtin_entries())


def _builtin_entries() -> list[TorturedEntry]:
    """The packaged list, parsed (7,600 queries take a few tenths of a second) once per version into the
    user cache; the file name carries a digest of the list and of the parsing code."""
    source = resources.files("unspin") / "data" / "lexicons" / "tortured-phrases.csv"
    data = source.read_bytes()
    digest = hashlib.sha256(data)
    for module in (__file__, phrases_module.__file__):
        digest.update(Path(module).read_bytes())
    from unspin.spin.cache import cache_dir

    path = cache_dir() / f"tortured-phrases-{digest.hexdigest()[:16]}.pickle"
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)  # unspin's own cache file, written below
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, TypeError):
        pass
    entries = parse_rows(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(entries, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    return entries
