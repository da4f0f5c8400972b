"""``unspin setup``: build the heavy indexes into the user cache once, so no run pays for them.

Each index is a folder of memory-mappable files whose name carries a digest of its inputs' versions (see
:mod:`unspin.spin.cache`); building one that is already there costs nothing. A run that finds an index
missing builds it on first use with a note on stderr, so this step saves time but is never required.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class BuiltIndex:
    name: str
    seconds: float


def _thesaurus() -> None:
    from unspin.spin.thesaurus import Thesaurus

    Thesaurus.load()


def _word_vectors() -> None:
    from unspin.spin.semantics import WordVectors

    WordVectors.load()


def _pronunciations() -> None:
    from unspin.readability import syllable_table

    syllable_table()


def _tortured_phrases() -> None:
    from unspin.lexicons.pps import TorturedPhrases

    TorturedPhrases.load()


# What `unspin setup` builds, in order: the name shown and the loader that builds it when missing.
INDEXES: tuple[tuple[str, Callable[[], None]], ...] = (
    ("thesaurus index", _thesaurus),
    ("word-vector table", _word_vectors),
    ("pronunciation table", _pronunciations),
    ("tortured-phrase list", _tortured_phrases),
)


def build_indexes() -> list[BuiltIndex]:
    """Open (building when missing) every index; how long each took."""
    built = []
    for name, load in INDEXES:
        started = time.perf_counter()
        load()
        built.append(BuiltIndex(name, time.perf_counter() - started))
    return built
