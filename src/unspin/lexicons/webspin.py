"""unspin's own lexicon of web-content spins (and user additions in the same format).

The format is documented at the top of ``unspin/data/lexicons/web-spin.tsv``. Each entry becomes a
candidate original for the spin engine; it still has to win the language-model comparison in its
sentence before anything is reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from unspin.errors import UnspinError
from unspin.lexicons.phrases import PhraseIndex, phrase_key


class LexiconError(UnspinError):
    """A lexicon file that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Condition:
    """One context condition: which neighbour, tags or words, negated or not."""

    side: str  # prev | next | compound
    tags: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    negated: bool = False


@dataclass(frozen=True)
class SpinEntry:
    spun: tuple[str, ...]
    original: str
    conditions: tuple[Condition, ...]
    note: str
    origin: str  # file:line, for evidence

    @property
    def compound_only(self) -> bool:
        return any(c.side == "compound" and not c.negated for c in self.conditions)


def _condition(text: str, where: str) -> Condition:
    negated = text.startswith("!")
    body = text[1:] if negated else text
    if body == "compound":
        return Condition("compound", negated=negated)
    for side in ("prev", "next"):
        if body.startswith(side + ":"):
            tags = frozenset(t for t in body[len(side) + 1 :].split("|") if t)
            if not tags or not all(t.isupper() for t in tags):
                raise LexiconError(f"{where}: POS tags must be upper case, e.g. {side}:NOUN|ADJ")
            return Condition(side, tags=tags, negated=negated)
        if body.startswith(side + "="):
            words = frozenset(w.lower() for w in body[len(side) + 1 :].split("|") if w)
            if not words:
                raise LexiconError(f"{where}: {side}= needs at least one word")
            return Condition(side, words=words, negated=negated)
    raise LexiconError(f"{where}: unknown context condition {text!r}")


def parse_lines(lines: Iterable[str], origin: str) -> list[SpinEntry]:
    entries: list[SpinEntry] = []
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{origin}:{number}"
        columns = line.split("\t")
        if len(columns) < 2 or not columns[0].strip() or not columns[1].strip():
            raise LexiconError(f"{where}: expected 'spun<TAB>original[<TAB>context[<TAB>note]]'")
        spun = phrase_key(columns[0])
        if not spun:
            raise LexiconError(f"{where}: the spun phrase has no words")
        context = columns[2].split() if len(columns) > 2 else []
        entries.append(
            SpinEntry(
                spun=spun,
                original=columns[1].strip(),
                conditions=tuple(_condition(c, where) for c in context),
                note=columns[3].strip() if len(columns) > 3 else "",
                origin=where,
            )
        )
    return entries


class SpinLexicon:
    """Entries indexed by their spun words, for the spin engine's candidate generator."""

    def __init__(self, entries: list[SpinEntry]):
        self.entries = entries
        self.index = PhraseIndex((e.spun, i) for i, e in enumerate(entries))
        self._by_spun: dict[tuple[str, ...], list[SpinEntry]] = {}
        for entry in entries:
            self._by_spun.setdefault(entry.spun, []).append(entry)

    def for_spun(self, words: tuple[str, ...]) -> list[SpinEntry]:
        return self._by_spun.get(words, [])


def load_file(path: Path) -> list[SpinEntry]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LexiconError(f"{path}: cannot read lexicon ({exc})") from exc
    return parse_lines(text.splitlines(), str(path))


@cache
def builtin_entries() -> tuple[SpinEntry, ...]:
    source = resources.files("unspin") / "data" / "lexicons" / "web-spin.tsv"
    return tuple(parse_lines(source.read_text(encoding="utf-8").splitlines(), "web-spin.tsv"))


def load(extra_files: Iterable[str] = ()) -> SpinLexicon:
    """The built-in lexicon plus the user's files (``lexicons`` in the configuration)."""
    entries = list(builtin_entries())
    for name in extra_files:
        entries.extend(load_file(Path(name)))
    return SpinLexicon(entries)
