"""Sentence searches kept between the checks of a long-lived context (``unspin server``).

An editor sends the whole buffer after every keystroke, and all but one sentence read as before. A
sentence's repair search (its spans, the greedy repairs and the first pass's evidence) depends on the
sentence's words and parse, its slots (which words are blocked, which names are doubtful) and, through
the document term, on how often the document uses each candidate's base form: nothing else. An entry is
reused only when the sentence's text, parse and slots are the same and no base form that any of its
candidates has changed its count in the document since, so a reused search is the search that would
have run. Hits are stored with offsets from the sentence's start and given back as fresh copies placed
where the sentence now is (later stages add features to them).
"""

from __future__ import annotations

import dataclasses
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from unspin.spin.candidates import SpanCandidates
from unspin.spin.detect import CandidateEvidence, Scored, SpinHit
from unspin.spin.slots import Slot

# Sentences kept: a few dozen open articles' worth.
SEARCH_MEMO_SIZE = 3_000


@dataclass(frozen=True)
class SearchResult:
    hits: list[SpinHit]  # offsets from the sentence's first character
    first_pass: list[Scored]
    evidence: list[CandidateEvidence]


@dataclass(frozen=True)
class _Entry:
    result: SearchResult
    counts: Counter[str]  # the document's lemma counts when the search ran
    bases: frozenset[str]  # every base form the search could look up in them


# What a search reads of each token and each slot, besides their positions (kept relative to the sentence).
_TOKEN_FIELDS = attrgetter(
    "text", "whitespace_", "tag_", "pos_", "lemma_", "dep_", "ent_type_", "ent_iob_", "like_num", "like_url"
)
_SLOT_FIELDS = attrgetter("word", "protected", "hyphen_after", "hyphen_before", "sentence_initial")


def sentence_key(sent: Any, slots: list[Slot]) -> tuple[Any, ...]:
    """Everything of the sentence that its search reads, with offsets from its first character."""
    base, first = sent.start_char, sent.start
    tokens = tuple((t.idx - base, t.head.i - first, _TOKEN_FIELDS(t)) for t in sent)
    placed = tuple((s.start - base, s.end - base, s.token.i - first, _SLOT_FIELDS(s)) for s in slots)
    return (sent.text, tokens, placed)


def candidate_bases(spans: Iterable[SpanCandidates]) -> frozenset[str]:
    """The base forms whose document counts a search over ``spans`` may read (its variants share them)."""
    bases: set[str] = set()
    for span in spans:
        bases.update(p.base for p in span.own)
        if span.thesaurus is not None:
            bases.update(span.thesaurus.base_index)
    return frozenset(bases)


def _moved(hit: SpinHit, shift: int) -> SpinHit:
    return dataclasses.replace(
        hit,
        start=hit.start + shift,
        end=hit.end + shift,
        features=dict(hit.features),
        alternatives=[dict(a) for a in hit.alternatives],
        context_words=list(hit.context_words),
    )


class SearchMemo:
    """Sentence searches by sentence, the least recently used dropped first."""

    def __init__(self, size: int = SEARCH_MEMO_SIZE):
        self.size = size
        self._entries: OrderedDict[tuple[Any, ...], _Entry] = OrderedDict()
        self._counts: Counter[str] = Counter()
        self._changed: dict[int, frozenset[str]] = {}  # id of an earlier count table -> bases changed
        self.reused = 0  # sentences answered from the memo, and searched afresh (for tests and benches)
        self.searched = 0

    def begin(self, counts: Counter[str]) -> None:
        """Start a document whose lemma counts are ``counts``."""
        self._counts = counts
        self._changed = {}

    def _changed_since(self, earlier: Counter[str]) -> frozenset[str]:
        if earlier is self._counts:
            return frozenset()
        found = self._changed.get(id(earlier))  # the entry keeps ``earlier`` alive, so its id is its own
        if found is None:
            now = self._counts
            found = frozenset(k for k in earlier.keys() | now.keys() if earlier.get(k, 0) != now.get(k, 0))
            self._changed[id(earlier)] = found
        return found

    def get(self, key: tuple[Any, ...], sentence_start: int) -> SearchResult | None:
        entry = self._entries.get(key)
        if entry is None or not self._changed_since(entry.counts).isdisjoint(entry.bases):
            self.searched += 1
            return None
        self.reused += 1
        self._entries.move_to_end(key)
        kept = entry.result
        return SearchResult([_moved(h, sentence_start) for h in kept.hits], kept.first_pass, kept.evidence)

    def put(
        self,
        key: tuple[Any, ...],
        sentence_start: int,
        spans: list[SpanCandidates],
        result: SearchResult,
    ) -> None:
        hits = [_moved(h, -sentence_start) for h in result.hits]
        kept = SearchResult(hits, result.first_pass, result.evidence)
        self._entries[key] = _Entry(kept, self._counts, candidate_bases(spans))
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
