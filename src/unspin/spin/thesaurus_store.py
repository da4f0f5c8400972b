"""The thesaurus index on disk in a memory-mappable form, and read-only views over it.

Loading the index as Python objects (146,000 inverse listings, 3 million codes) took seconds on every
start. On disk it is one MARISA trie of every string the index knows (listed terms, headwords, lemmas
with a part of speech) and ``.npy`` arrays indexed by the trie's key id, memory-mapped: opening it costs
milliseconds and a run pages in only the entries it looks up. The views answer exactly what the
in-memory dictionaries answered, so the thesaurus reads the same either way.

Files: ``keys.marisa`` (the trie), ``offsets.npy`` + ``codes.npy`` (the inverse listings of key id *k*
are ``codes[offsets[k]:offsets[k+1]]``, in the index's order), ``head_of_key.npy`` (head id or -1),
``key_of_head.npy``, ``fanout.npy``, ``pos_of_key.npy`` (an index into ``meta.json``'s ``pos`` values;
0 is none) and ``meta.json`` (those values and the hyphenated compounds).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import marisa_trie
import numpy as np

FORMAT = "1"


def write(data: dict[str, Any], folder: Path) -> None:
    """Write the in-memory index (what ``build_index`` returns) into ``folder``."""
    heads: list[str] = data["heads"]
    inverse: dict[str, tuple[int, ...]] = data["inverse"]
    pos: dict[str, str] = data["pos"]
    trie = marisa_trie.Trie({*inverse, *heads, *pos})
    size = len(trie)
    lengths = np.zeros(size, dtype=np.int64)
    for term, codes in inverse.items():
        lengths[trie[term]] = len(codes)
    offsets = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    codes_array = np.zeros(int(offsets[-1]), dtype=np.int32)
    for term, codes in inverse.items():
        start = offsets[trie[term]]
        codes_array[start : start + len(codes)] = codes
    head_of_key = np.full(size, -1, dtype=np.int32)
    key_of_head = np.zeros(len(heads), dtype=np.int32)
    for hid, head in enumerate(heads):
        head_of_key[trie[head]] = hid
        key_of_head[hid] = trie[head]
    pos_values = ["", *sorted(set(pos.values()))]
    pos_number = {value: i for i, value in enumerate(pos_values)}
    pos_of_key = np.zeros(size, dtype=np.uint8)
    for term, letters in pos.items():
        pos_of_key[trie[term]] = pos_number[letters]
    trie.save(str(folder / "keys.marisa"))
    arrays = {
        "offsets": offsets,
        "codes": codes_array,
        "head_of_key": head_of_key,
        "key_of_head": key_of_head,
        "fanout": np.asarray(data["fanout"], dtype=np.int32),
        "pos_of_key": pos_of_key,
    }
    for name, array in arrays.items():
        np.save(folder / f"{name}.npy", array)
    meta = {"format": FORMAT, "pos": pos_values, "compounds": list(data["compounds"])}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


class MappedIndex:
    """The index files of one folder, memory-mapped."""

    def __init__(self, folder: Path):
        self.trie = marisa_trie.Trie()
        self.trie.mmap(str(folder / "keys.marisa"))

        def array(name: str) -> np.ndarray:
            return np.load(folder / f"{name}.npy", mmap_mode="r")

        self.offsets = array("offsets")
        self.codes = array("codes")
        self.head_of_key = array("head_of_key")
        self.key_of_head = array("key_of_head")
        self.pos_of_key = array("pos_of_key")
        # 150,000 small integers, read whole: a plain list keeps fan-outs Python ints.
        self.fanout: list[int] = array("fanout").tolist()
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        self.pos_values: list[str] = meta["pos"]
        self.compounds: list[str] = meta["compounds"]
        self.heads = HeadList(self)
        self.inverse = InverseListings(self)
        self.head_ids = HeadIds(self)
        self.pos = PartsOfSpeech(self)


class HeadList:
    """``heads[hid]``: a headword's text by its id (remembered once asked)."""

    def __init__(self, index: MappedIndex):
        self._index = index
        self._memo: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._index.key_of_head)

    def __getitem__(self, hid: int) -> str:
        text = self._memo.get(hid)
        if text is None:
            text = self._memo[hid] = self._index.trie.restore_key(int(self._index.key_of_head[hid]))
        return text


class InverseListings:
    """``inverse.get(term)``: the codes of the headwords that list ``term`` (remembered once asked)."""

    def __init__(self, index: MappedIndex):
        self._index = index
        self._memo: dict[str, tuple[int, ...] | None] = {}

    def get(self, term: str, default: Any = None) -> Any:
        if term in self._memo:
            found = self._memo[term]
        else:
            found = self._memo[term] = self._lookup(term)
        return default if found is None else found

    def _lookup(self, term: str) -> tuple[int, ...] | None:
        key = self._index.trie.get(term)
        if key is None:
            return None
        start, end = self._index.offsets[key : key + 2].tolist()
        return tuple(self._index.codes[start:end].tolist()) if end > start else None

    def __contains__(self, term: str) -> bool:
        return self.get(term) is not None

    def clear(self) -> None:
        self._memo.clear()


class HeadIds:
    """``head_ids.get(term)``: a headword's id, None for a term that is not a headword."""

    def __init__(self, index: MappedIndex):
        self._index = index

    def get(self, term: str, default: Any = None) -> Any:
        key = self._index.trie.get(term)
        if key is None:
            return default
        hid = int(self._index.head_of_key[key])
        return default if hid < 0 else hid

    def __contains__(self, term: str) -> bool:
        return self.get(term) is not None


class PartsOfSpeech:
    """``pos.get(term, "")``: the part-of-speech letters of a lemma."""

    def __init__(self, index: MappedIndex):
        self._index = index

    def get(self, term: str, default: str = "") -> str:
        key = self._index.trie.get(term)
        if key is None:
            return default
        number = int(self._index.pos_of_key[key])
        return self._index.pos_values[number] if number else default
