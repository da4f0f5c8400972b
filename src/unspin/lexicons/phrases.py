"""Word sequences for lexicon matching: lower-case words with their source offsets.

Lexicon phrases and document text are reduced to the same word form (lower case, curly apostrophes
straightened, hyphens and other punctuation as separators), so "K-closest neighbours" in a list matches
"k closest neighbours" and "K-Closest Neighbours" in text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*")


@dataclass(frozen=True)
class Word:
    text: str  # lower-case form
    start: int
    end: int


def words_of(text: str, offset: int = 0) -> list[Word]:
    return [
        Word(m.group().lower().replace("’", "'"), m.start() + offset, m.end() + offset)
        for m in _WORD.finditer(text)
    ]


def phrase_key(text: str) -> tuple[str, ...]:
    return tuple(w.text for w in words_of(text))


class PhraseIndex:
    """Exact look-up of many phrases (tuples of words) in a word sequence, longest match first."""

    def __init__(self, phrases: Iterable[tuple[tuple[str, ...], int]]):
        self._by_first: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for phrase, ident in phrases:
            if phrase:
                self._by_first.setdefault(phrase[0], []).append((phrase, ident))
        for bucket in self._by_first.values():
            bucket.sort(key=lambda item: -len(item[0]))

    def __bool__(self) -> bool:
        return bool(self._by_first)

    def matches(self, words: list[str]) -> Iterator[tuple[int, int, int]]:
        """Every (start index, end index, ident) where a phrase occurs; overlapping matches included."""
        for i, word in enumerate(words):
            for phrase, ident in self._by_first.get(word, ()):
                n = len(phrase)
                if tuple(words[i : i + n]) == phrase:
                    yield i, i + n, ident
