"""A second benchmark keyword stuffer, with placement rules of its own, for spun articles.

The benchmark spinner (bench/spinner.py) wedges the keyphrase at random word boundaries. Stuffing tools and
hand stuffers place it differently, and a judge fitted on one hand only learns that hand. This stuffer takes
a spun article, removes the spinner's own wedges, and places the keyphrase by its own rules:

- before or after a preposition ("raises the chance KP of a draught", "of KP a draught"),
- around a verb particle ("wears KP out the pins", "wears out KP the pins"),
- after a comma or a conjunction,
- at the start of a sentence, keeping the sentence's own capital ("How to fix a door Oil the hinge"),
- inside a heading, a list item, and tacked onto the title line,
- twice in one sentence,

and it writes the phrase whole or only its first or last words ("how to fix", "squeaky door"), in the
keyphrase's own case, in lower case, in Title Case or capitalised. Every wedge is a gold ``stuffing`` edit,
recorded like the spinner's (``bench.spinner.GoldEdit``), so that the spinner's spin edits stay valid.

It shares no placement code with the spinner and none with ``unspin``.

    python -m bench.stuffer SPUN.txt --gold SPUN.gold.json --original ARTICLE.txt --keyphrase "…" --seed 1
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import hashlib
import itertools
import json
import random
import re
from dataclasses import dataclass

from bench.spinner import GoldEdit, SpunArticle

# Wedges per 100 words of the article (the spinner's rate, so the two sets are alike in density).
PER_100_WORDS = 1.0
# How often each placement rule is tried; a rule without a place in the article gives way to another.
STYLE_WEIGHTS: dict[str, float] = {
    "before_preposition": 0.14,
    "after_preposition": 0.12,
    "particle": 0.08,
    "after_comma": 0.12,
    "after_conjunction": 0.12,
    "sentence_initial": 0.1,
    "heading": 0.08,
    "list_item": 0.08,
    "doubled": 0.08,
    "title": 0.08,
}
# Share of wedges that carry only the first or the last words of a keyphrase of three words or more.
PARTIAL_SHARE = 0.12
CASINGS = {"as_is": 0.55, "lower": 0.15, "title": 0.2, "capitalised": 0.1}
TITLE_JOINERS = (" ", " - ", " | ", ": ", " ")

PREPOSITIONS = frozenset(
    [
        "of",
        "in",
        "on",
        "at",
        "for",
        "with",
        "from",
        "into",
        "onto",
        "about",
        "over",
        "under",
        "between",
        "through",
        "during",
        "without",
        "within",
        "against",
        "among",
        "toward",
        "towards",
        "across",
        "behind",
        "beside",
        "after",
        "before",
    ]
)
PARTICLES = frozenset(["out", "up", "off", "down", "away", "back"])
CONJUNCTIONS = frozenset(["and", "or", "but", "so", "yet", "because", "while", "although"])
SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "and",
        "or",
        "but",
        "by",
        "with",
        "from",
        "as",
        "is",
        "vs",
    ]
)

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*")
_PROTECTED = re.compile(r"`[^`\n]*`|\[[^\]\n]*\]\([^)\n]*\)|https?://\S+|www\.\S+|\S+@\S+")
_LIST_MARK = re.compile(r"[ \t]*(?:[-*+]|\d{1,2}[.)]|[a-z]+[.)])[ \t]+")
_HEADING_MARK = re.compile(r"[ \t]{0,3}#{1,6}[ \t]+")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*[ \t]+(?=[\"'(\[]?[A-Z])")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Line:
    kind: str  # title | heading | item | prose
    start: int  # first character after any heading or list marker
    end: int


@dataclass(frozen=True)
class Wedge:
    at: int  # offset in the text the wedges are placed into
    text: str  # what is inserted, with its joining space(s)
    style: str


def derive(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()[:8], "big")


def lines_of(text: str) -> list[Line]:
    """Lines with prose in them, by kind; fenced code and tables are left out."""
    out: list[Line] = []
    offset = 0
    fenced = False
    first = True
    for raw in text.split("\n"):
        start, end = offset, offset + len(raw)
        offset = end + 1
        stripped = raw.strip()
        if stripped.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced or not stripped or stripped.startswith(("|", ">", "<")):
            continue
        if first:
            first = False
            heading = _HEADING_MARK.match(raw)
            out.append(
                Line("title", start + (heading.end() if heading else len(raw) - len(raw.lstrip())), end)
            )
            continue
        heading = _HEADING_MARK.match(raw)
        if heading:
            out.append(Line("heading", start + heading.end(), end))
            continue
        mark = _LIST_MARK.match(raw)
        if mark:
            out.append(Line("item", start + mark.end(), end))
            continue
        out.append(Line("prose", start + len(raw) - len(raw.lstrip()), end))
    return out


def tokens_in(text: str, start: int, end: int) -> list[Token]:
    blocked = [(m.start(), m.end()) for m in _PROTECTED.finditer(text, start, end)]
    return [
        Token(m.group(), m.start(), m.end())
        for m in _TOKEN.finditer(text, start, end)
        if not any(s <= m.start() < e for s, e in blocked)
    ]


def sentences_in(text: str, line: Line) -> list[tuple[int, int]]:
    bounds = [line.start]
    bounds += [m.end() for m in _SENTENCE_END.finditer(text, line.start, line.end)]
    bounds.append(line.end)
    return [(a, b) for a, b in itertools.pairwise(bounds) if text[a:b].strip()]


class Stuffer:
    def __init__(self, keyphrase: str, rng: random.Random):
        self.words = keyphrase.split()
        self.rng = rng

    # ------------------------------------------------------------------------------ the phrase

    def phrase(self) -> str:
        words = list(self.words)
        if len(words) >= 3 and self.rng.random() < PARTIAL_SHARE:
            parts = self.parts()
            if parts:
                words = list(self.rng.choice(parts))
        casing = self.rng.choices(list(CASINGS), list(CASINGS.values()))[0]
        if casing == "lower":
            return " ".join(w.lower() for w in words)
        if casing == "title":
            return " ".join(
                w
                if (w.isupper() and len(w) > 1)
                else (w.lower() if i and w.lower() in SMALL_WORDS else w.title())
                for i, w in enumerate(words)
            )
        text = " ".join(words)
        return text[:1].upper() + text[1:] if casing == "capitalised" else text

    def parts(self) -> list[tuple[str, ...]]:
        """The keyphrase's first or last words that read as a phrase: two words or more, neither end a
        small word ("how to crate", "crate train a puppy", "snake plant"), or a "how to …" opening."""
        words = tuple(self.words)
        found = []
        for size in range(2, len(words)):
            for part in (words[:size], words[-size:]):
                lower = [w.lower() for w in part]
                opening = lower[:2] == ["how", "to"] and len(part) > 2
                if lower[-1] in SMALL_WORDS or (lower[0] in SMALL_WORDS and not opening):
                    continue
                found.append(part)
        return found

    # ------------------------------------------------------------------------------ the places

    def places(self, text: str, style: str, lines: list[Line]) -> list[list[int]]:
        """Candidate places for a style: each a list of offsets (two for a doubled wedge)."""
        prose = [ln for ln in lines if ln.kind in ("prose", "item")]
        found: list[list[int]] = []
        if style == "title":
            return [[ln.end] for ln in lines if ln.kind == "title"]
        if style == "heading":
            for ln in lines:
                if ln.kind == "heading":
                    toks = tokens_in(text, ln.start, ln.end)
                    found += [[t.start] for t in toks[1:]] + [[ln.end]]
            return found
        if style == "list_item":
            for ln in lines:
                if ln.kind == "item":
                    toks = tokens_in(text, ln.start, ln.end)
                    # The item's first word, or the word after a preposition inside it.
                    found += [[t.start] for t in toks[:1]] + [
                        [nxt.start]
                        for t, nxt in itertools.pairwise(toks)
                        if t.text.lower() in PREPOSITIONS and text[t.end : nxt.start] == " "
                    ]
            return found
        for ln in prose:
            for a, b in sentences_in(text, ln):
                toks = tokens_in(text, a, b)
                if len(toks) < 4:
                    continue
                found += self._sentence_places(text, toks, style)
        return found

    def _sentence_places(self, text: str, toks: list[Token], style: str) -> list[list[int]]:
        spaced = [i for i in range(1, len(toks)) if text[toks[i - 1].end : toks[i].start] == " "]
        lower = [t.text.lower() for t in toks]
        if style == "before_preposition":
            return [
                [toks[i].start]
                for i in spaced
                if lower[i] in PREPOSITIONS and lower[i - 1] not in SMALL_WORDS
            ]
        if style == "after_preposition":
            return [[toks[i].start] for i in spaced if lower[i - 1] in PREPOSITIONS and i > 1]
        if style == "particle":
            before = [
                [toks[i].start] for i in spaced if lower[i] in PARTICLES and lower[i - 1] not in SMALL_WORDS
            ]
            after = [[toks[i].start] for i in spaced if lower[i - 1] in PARTICLES and i > 1]
            return before + after
        if style == "after_comma":
            return [
                [toks[i].start] for i in range(1, len(toks)) if text[toks[i - 1].end : toks[i].start] == ", "
            ]
        if style == "after_conjunction":
            return [[toks[i].start] for i in spaced if lower[i - 1] in CONJUNCTIONS and i > 1]
        if style == "sentence_initial":
            return [[toks[0].start]] if toks[0].text[0].isupper() else []
        if style == "doubled":
            inner = [toks[i].start for i in spaced if i > 1]
            if len(inner) < 6:
                return []
            pairs = []
            for k in range(0, len(inner) - 4, 3):
                pairs.append([inner[k], inner[min(len(inner) - 1, k + 4 + self.rng.randint(0, 3))]])
            return pairs
        raise ValueError(f"unknown style {style!r}")

    def wedge_text(self, text: str, at: int, style: str, phrase: str) -> str:
        if style == "title":
            return self.rng.choice(TITLE_JOINERS) + phrase
        if style == "sentence_initial":
            return phrase[:1].upper() + phrase[1:] + " "
        if style in ("heading", "list_item") and (at >= len(text) or text[at] == "\n"):
            return " " + phrase
        return phrase + " "

    def plan(self, text: str, blocked: list[tuple[int, int]]) -> list[Wedge]:
        lines = lines_of(text)
        words = sum(len(tokens_in(text, ln.start, ln.end)) for ln in lines)
        count = max(2, round(words * PER_100_WORDS / 100))
        styles = list(STYLE_WEIGHTS)
        weights = list(STYLE_WEIGHTS.values())
        used: set[int] = set()
        title_done = False
        wedges: list[Wedge] = []
        cache: dict[str, list[list[int]]] = {}
        tries = 0
        while len({w.at for w in wedges}) < count and tries < count * 20:
            tries += 1
            style = self.rng.choices(styles, weights)[0]
            if style == "title" and title_done:
                continue
            if style not in cache:
                cache[style] = self.places(text, style, lines)
            free = [
                p
                for p in cache[style]
                if all(not any(s <= q < e or q == e for s, e in blocked) for q in p)
                and all(abs(q - u) > 40 for q in p for u in used)
            ]
            if not free:
                continue
            chosen = self.rng.choice(free)
            for at in chosen:
                wedges.append(Wedge(at, self.wedge_text(text, at, style, self.phrase()), style))
                used.add(at)
            title_done = title_done or style == "title"
        return wedges


def stuff(spun: SpunArticle, keyphrase: str, seed: int) -> SpunArticle:
    """The spun article with the spinner's wedges taken out and this stuffer's placed instead."""
    base, kept = _without_stuffing(spun)
    blocked = [(e.spun_start, e.spun_end) for e in kept]
    rng = random.Random(derive(seed, keyphrase, "stuffer"))
    wedges = sorted(Stuffer(keyphrase, rng).plan(base, blocked), key=lambda w: w.at)
    pieces: list[str] = []
    edits: list[GoldEdit] = []
    cursor = 0
    shift = 0
    for wedge in wedges:
        pieces.append(base[cursor : wedge.at])
        cursor = wedge.at
        out = wedge.at + shift
        orig = _orig_offset(kept, wedge.at)
        edits.append(GoldEdit("stuffing", out, out + len(wedge.text), wedge.text, orig, orig, ""))
        pieces.append(wedge.text)
        shift += len(wedge.text)
    pieces.append(base[cursor:])
    moved = [_moved(e, wedges) for e in kept]
    meta = {**spun.meta, "stuffer": {"seed": seed, "styles": [w.style for w in wedges]}}
    return SpunArticle(
        spun.original, "".join(pieces), sorted(moved + edits, key=lambda e: e.spun_start), meta
    )


def _without_stuffing(spun: SpunArticle) -> tuple[str, list[GoldEdit]]:
    """The spun text with the spinner's stuffing undone, and its other edits moved to match."""
    kept: list[GoldEdit] = []
    delta = 0
    for e in sorted(spun.edits, key=lambda e: e.spun_start):
        if e.type == "stuffing":
            delta += len(e.spun_text) - len(e.orig_text)
            continue
        kept.append(
            GoldEdit(
                e.type,
                e.spun_start - delta,
                e.spun_end - delta,
                e.spun_text,
                e.orig_start,
                e.orig_end,
                e.orig_text,
            )
        )
    return spun.revert(("stuffing",)), kept


def _orig_offset(edits: list[GoldEdit], at: int) -> int:
    delta = sum(len(e.spun_text) - len(e.orig_text) for e in edits if e.spun_end <= at)
    return at - delta


def _moved(edit: GoldEdit, wedges: list[Wedge]) -> GoldEdit:
    # A wedge at an edit's very start goes in front of it (places never fall inside an edit).
    shift = sum(len(w.text) for w in wedges if w.at <= edit.spun_start)
    return GoldEdit(
        edit.type,
        edit.spun_start + shift,
        edit.spun_end + shift,
        edit.spun_text,
        edit.orig_start,
        edit.orig_end,
        edit.orig_text,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Re-stuff a spun article with the second stuffer.")
    parser.add_argument("spun", type=Path)
    parser.add_argument("--gold", type=Path, required=True, help="the spinner's gold edits JSON")
    parser.add_argument("--original", type=Path, required=True)
    parser.add_argument("--keyphrase", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--out-gold", type=Path)
    args = parser.parse_args(argv)
    spun = SpunArticle.from_json(
        args.original.read_text(encoding="utf-8"),
        args.spun.read_text(encoding="utf-8"),
        json.loads(args.gold.read_text(encoding="utf-8")),
    )
    result = stuff(spun, args.keyphrase, args.seed)
    if args.out:
        args.out.write_text(result.text, encoding="utf-8")
    else:
        print(result.text)
    if args.out_gold:
        args.out_gold.write_text(json.dumps(result.gold_json(), indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
