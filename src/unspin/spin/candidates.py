"""Candidate originals for a span of slots: what a spinner could have turned into these words.

Three generators feed one list of :class:`Proposal`s, each with a channel log-probability ``prior`` =
ln P(spinner writes the observed words | the original), the evidence the scorer adds to the language
model's verdict:

- the inverse thesaurus: a headword listing the observed word (or phrase) among its synonyms; a spinner
  picking uniformly among that headword's synonyms produces it with probability 1 / fan-out;
- the web-spin lexicon (and user lexicons): known spinner outputs, prior ln 1 when the context matches;
- hyphenated compounds split and rebuilt part by part ("perfectly-becoming" → "well-being"), kept only
  when the rebuilt compound is a known word or every changed part comes from the lexicon.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from unspin.lexicons.webspin import Condition, SpinEntry, SpinLexicon
from unspin.spin.inflect import inflect, noun_lemma
from unspin.spin.slots import Slot
from unspin.spin.thesaurus import Thesaurus, source_names

CONTENT_POS = {"NOUN": "n", "VERB": "v", "ADJ": "a", "ADV": "r", "PROPN": ""}
MAX_SPAN = 4
_LEXICON_PRIOR = 0.0


@dataclass(slots=True)
class Proposal:
    """A candidate original. ``base`` is its uninflected text; ``realise`` inflects it only when the
    candidate survives the cheap first filter (inflecting hundreds of candidates per word is slow)."""

    base: str
    prior: float  # ln P(observed | this original) under the spinner model
    sources: tuple[str, ...]
    kind: str  # thesaurus | lexicon | compound
    origin: str = ""  # lexicon file:line when it came from a lexicon
    tag: str = ""  # Penn tag to inflect for; "" = use ``base`` as it is
    probe: str = ""  # first model word of ``base``, for the cheap filter
    _realised: tuple[str, tuple[str, ...]] | None = None
    _variants: dict[str, Proposal | None] | None = None  # made on first use: most candidates never need it

    def variant(self, tag: str, log_prior: float) -> Proposal | None:
        """The same thesaurus candidate inflected for ``tag`` instead, with an extra channel cost; None
        when that form is the one already proposed or the candidate is not a single word."""
        if self._variants is None:
            self._variants = {}
        if tag not in self._variants:
            found = None
            if self.kind == "thesaurus" and " " not in self.base and tag != self.tag:
                other = Proposal(
                    self.base, self.prior + log_prior, self.sources, self.kind, tag=tag, probe=self.probe
                )
                if inflect(self.base, tag) != (inflect(self.base, self.tag) if self.tag else self.base):
                    found = other
            self._variants[tag] = found
        return self._variants[tag]

    def realise(self, words_of: Callable[[str], list[str]]) -> tuple[str, tuple[str, ...]]:
        if self._realised is None:
            text = inflect(self.base, self.tag) if self.tag else self.base
            self._realised = (text, tuple(words_of(text)))
        return self._realised

    @property
    def replacement(self) -> str:
        assert self._realised is not None, "realise() first"
        return self._realised[0]

    @property
    def words(self) -> tuple[str, ...]:
        assert self._realised is not None, "realise() first"
        return self._realised[1]


# A thesaurus row: (headword text, its POS letters, channel prior, source names, first model word).
Row = tuple[str, str, float, tuple[str, ...], str]


class ThesaurusProposals:
    """The thesaurus candidates for one look-up, with what the cheap filter needs of them prepared once
    (the same look-up recurs across sentences and documents): their distinct first words, each
    candidate's index into those, and their channel log-probabilities. A candidate's
    :class:`Proposal` is made when it is first asked for: most never pass the filter."""

    def __init__(self, rows: Sequence[Row], tags: Sequence[str] | None = None):
        self._rows = rows  # texts are unique (one per headword)
        self._tags = tags  # Penn tag per candidate; None = every candidate as it is
        # Few objects per look-up, made when first needed: a full garbage collection visits every one
        # that a cache keeps, and the caches keep thousands of look-ups.
        self._made: dict[int, Proposal] | None = None
        self._probes: tuple[str, ...] | None = None
        self._probe_array: np.ndarray | None = None
        self._base_index: dict[str, int] | None = None
        self._prior_terms: dict[float, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self._rows)

    def proposal(self, k: int) -> Proposal:
        if self._made is None:
            self._made = {}
        found = self._made.get(k)
        if found is None:
            text, _, prior, sources, probe = self._rows[k]
            tag = self._tags[k] if self._tags is not None else ""
            found = self._made[k] = Proposal(text, prior, sources, "thesaurus", tag=tag, probe=probe)
        return found

    @property
    def proposals(self) -> list[Proposal]:
        return [self.proposal(k) for k in range(len(self._rows))]

    @property
    def probes(self) -> tuple[str, ...]:
        """The candidates' distinct first words, in order of first use."""
        if self._probes is None:
            self._index_probes()
        assert self._probes is not None
        return self._probes

    @property
    def probe_array(self) -> np.ndarray:
        """Each candidate's index into :attr:`probes` (the filter gathers its first word's score)."""
        if self._probe_array is None:
            self._index_probes()
        assert self._probe_array is not None
        return self._probe_array

    def _index_probes(self) -> None:
        ids: dict[str, int] = {}
        index = [ids.setdefault(row[4], len(ids)) for row in self._rows]
        self._probes = tuple(ids)
        self._probe_array = np.array(index, dtype=np.intp)

    @property
    def base_index(self) -> dict[str, int]:
        """Candidate text -> its index."""
        if self._base_index is None:
            self._base_index = {row[0]: k for k, row in enumerate(self._rows)}
        return self._base_index

    def prior_terms(self, weight: float) -> np.ndarray:
        """Each candidate's ``prior × weight`` (kept per weight; float64 products, as Python's)."""
        if self._prior_terms is None:
            self._prior_terms = {}
        found = self._prior_terms.get(weight)
        if found is None:
            priors = np.array([row[2] for row in self._rows], dtype=float)
            found = self._prior_terms[weight] = priors * weight
        return found


NO_THESAURUS = ThesaurusProposals(())


@dataclass
class SpanCandidates:
    i: int  # first slot
    j: int  # one past the last slot
    own: list[Proposal] = field(default_factory=list)  # lexicon and compound proposals
    thesaurus: ThesaurusProposals | None = None  # the thesaurus candidates, when looked up

    @property
    def proposals(self) -> list[Proposal]:
        """Every proposal: the span's own, then the thesaurus candidates."""
        return self.own + (self.thesaurus.proposals if self.thesaurus is not None else [])

    def __bool__(self) -> bool:
        return bool(self.own) or bool(self.thesaurus)


def _contiguous(slots: list[Slot], i: int, j: int, text: str) -> bool:
    """Slots i..j-1 separated only by single runs of spaces (no punctuation, no line break)."""
    for k in range(i, j - 1):
        gap = text[slots[k].end : slots[k + 1].start]
        if not gap or gap.strip(" ") or slots[k].hyphen_after:
            return False
    return True


def _holds(cond: Condition, slots: list[Slot], i: int, j: int) -> bool:
    if cond.side == "compound":
        result = slots[i].hyphen_before or slots[j - 1].hyphen_after
    else:
        k = i - 1 if cond.side == "prev" else j
        if not 0 <= k < len(slots):
            result = False
        elif cond.tags:
            result = slots[k].token.pos_ in cond.tags
        else:
            result = slots[k].word in cond.words
    return result != cond.negated


def _entry_applies(entry: SpinEntry, slots: list[Slot], i: int, j: int) -> bool:
    return all(_holds(c, slots, i, j) for c in entry.conditions)


class CandidateGenerator:
    def __init__(
        self,
        thesaurus: Thesaurus,
        lexicon: SpinLexicon,
        known: Callable[[str], bool],
        words_of: Callable[[str], list[str]],
    ):
        self.thesaurus = thesaurus
        self.lexicon = lexicon
        self._known_uncached = known
        self._known_cache: dict[str, bool] = {}
        self.words_of = words_of
        self._by_first: dict[str, list[tuple[str, ...]]] | None = None
        self._words_cache: dict[str, tuple[str, ...] | None] = {}
        self._thesaurus_cache: dict[tuple[tuple[str, ...], str, str, str], ThesaurusProposals] = {}
        self._compound_cache: dict[tuple[str, ...], list[Proposal]] = {}
        self._rows_cache: dict[str, tuple[Row, ...]] = {}
        self._pos_rows_cache: dict[tuple[str, str], tuple[Row, ...]] = {}
        self._facts: list[tuple[str, str, float, str] | tuple[()] | None] | None = None  # per headword id

    def known(self, word: str) -> bool:
        """Whether the language model knows ``word`` (asked once per word: the search asks often)."""
        found = self._known_cache.get(word)
        if found is None:
            if len(self._known_cache) > 200_000:
                self._known_cache.clear()
            found = self._known_cache[word] = self._known_uncached(word)
        return found

    def clear_caches(self) -> None:
        self._known_cache.clear()
        self._words_cache.clear()
        self._thesaurus_cache.clear()
        self._compound_cache.clear()
        self._rows_cache.clear()
        self._pos_rows_cache.clear()
        self._facts = None

    # -- helpers ------------------------------------------------------------------------------------

    def _model_words(self, text: str) -> tuple[str, ...] | None:
        """The model words of a text, or None when the model does not know one of them (cached)."""
        cached = self._words_cache.get(text, False)
        if cached is not False:
            return cached  # type: ignore[return-value]
        words = tuple(self.words_of(text))
        result = words if words and all(self.known(w) for w in words) else None
        if len(self._words_cache) > 200_000:
            self._words_cache.clear()
        self._words_cache[text] = result
        return result

    def _head_facts(self, hid: int) -> tuple[str, str, float, str] | tuple[()]:
        """(text, POS letters, channel prior, first model word) of a headword; () when the model cannot
        score it. Kept per headword: the same headwords list many terms."""
        text, fanout = self.thesaurus.head(hid)
        words = self._model_words(text)
        if words is None:
            return ()
        return text, self.thesaurus.pos_of(text), -math.log(max(fanout, 1)), words[0]

    def _term_rows(self, term: str) -> tuple[Row, ...]:
        """The headwords listing ``term`` that the model can score, in index order (the same term recurs
        under many tags)."""
        rows = self._rows_cache.get(term)
        if rows is None:
            if self._facts is None:
                self._facts = [None] * self.thesaurus.head_count
            facts = self._facts
            found = []
            for code in self.thesaurus.codes_of(term):
                fact = facts[code >> 3]
                if fact is None:
                    fact = facts[code >> 3] = self._head_facts(code >> 3)
                if fact:
                    found.append((fact[0], fact[1], fact[2], source_names(code & 7), fact[3]))
            rows = tuple(found)  # a tuple of plain rows: nothing for the garbage collector to follow
            if len(self._rows_cache) > 50_000:
                self._rows_cache.clear()
            self._rows_cache[term] = rows
        return rows

    def _pos_rows(self, term: str, letter: str) -> tuple[Row, ...]:
        """:meth:`_term_rows` of the part of speech ``letter`` (a headword with no known POS passes)."""
        key = (term, letter)
        rows = self._pos_rows_cache.get(key)
        if rows is None:
            rows = tuple(
                row
                for row in self._term_rows(term)
                if row[0] != term and not (letter and row[1] and letter not in row[1])
            )
            if len(self._pos_rows_cache) > 50_000:
                self._pos_rows_cache.clear()
            self._pos_rows_cache[key] = rows
        return rows

    def _thesaurus(self, keys: list[str], tag: str, letter: str, observed: str) -> ThesaurusProposals:
        """Candidates listed under the observed words (``keys[0]``, kept as they are) or their lemma
        forms (inflected for ``tag``), first listing wins."""
        # With the observed words as the only key no candidate is inflected: the tag does not matter.
        cache_key = (tuple(keys), tag if len(keys) > 1 else "", letter, observed)
        cached = self._thesaurus_cache.get(cache_key)
        if cached is not None:
            return cached
        if len(keys) == 1:
            only = self._pos_rows(observed, letter)
            prepared = ThesaurusProposals(only) if only else NO_THESAURUS
        else:
            rows: list[Row] = []
            tags: list[str] = []
            # A headword the model cannot score, or of the wrong part of speech, is so under every key:
            # it never enters ``seen``, as it never could.
            seen: set[str] = {observed}
            for key in keys:
                key_tag = tag if key != observed else ""
                for row in self._pos_rows(key, letter):
                    if row[0] not in seen:
                        seen.add(row[0])
                        rows.append(row)
                        tags.append(key_tag)
            prepared = ThesaurusProposals(tuple(rows), tuple(tags)) if rows else NO_THESAURUS
        if len(self._thesaurus_cache) > 50_000:
            self._thesaurus_cache.clear()
        self._thesaurus_cache[cache_key] = prepared
        return prepared

    def _lexicon(
        self, spun: tuple[str, ...], slots: list[Slot], i: int, j: int, tag: str
    ) -> Iterator[Proposal]:
        for entry in self.lexicon.for_spun(spun):
            if not _entry_applies(entry, slots, i, j):
                continue
            text = entry.original.lower()
            words = self._model_words(text)
            if words is None:
                continue
            yield Proposal(text, _LEXICON_PRIOR, ("lexicon",), "lexicon", entry.origin, probe=words[0])

    # -- spans --------------------------------------------------------------------------------------

    def spans(self, slots: list[Slot], text: str) -> list[SpanCandidates]:
        found: list[SpanCandidates] = []
        n = len(slots)
        k = 0
        while k < n:
            # A run of hyphen-joined slots is one compound, handled as a whole.
            end = k + 1
            while end < n and slots[end - 1].hyphen_after and slots[end].hyphen_before:
                end += 1
            if end - k > 1:
                comp = self._compound(slots, k, end)
                if comp:
                    found.append(comp)
            k = end
        for i in range(n):
            for j in range(i + 1, min(i + MAX_SPAN, n) + 1):
                if any(s.protected for s in slots[i:j]) or not _contiguous(slots, i, j, text):
                    break
                span = self._plain(slots, i, j)
                if span:
                    found.append(span)
        return found

    def _head_tag(self, slots: list[Slot], i: int, j: int) -> tuple[str, str]:
        """The Penn tag and POS letter of the span's syntactic head (the token whose head lies outside)."""
        toks = [s.token for s in slots[i:j]]
        head = toks[0]
        if len(toks) > 1:
            inside = {t.i for t in toks}
            for t in toks:
                if t.head.i not in inside or t.head.i == t.i:
                    head = t
                    break
        tag = head.tag_
        if tag == "NNP":
            tag = "NN"
        elif tag == "NNPS":
            tag = "NNS"
        return tag, CONTENT_POS.get(head.pos_, "")

    def _plain(self, slots: list[Slot], i: int, j: int) -> SpanCandidates:
        span = SpanCandidates(i, j)
        words = tuple(s.word for s in slots[i:j])
        observed = " ".join(words)
        tag, letter = self._head_tag(slots, i, j)
        in_compound = slots[i].hyphen_before or slots[j - 1].hyphen_after
        span.own.extend(self._lexicon(words, slots, i, j, tag))
        if in_compound:
            return span  # compounds are rebuilt as a whole, or by a lexicon entry that says `compound`
        if j - i == 1:
            tok = slots[i].token
            if tok.pos_ not in CONTENT_POS:
                return span
            lemma = tok.lemma_.lower()
            if tok.tag_ in ("NNP", "NNPS"):
                # spaCy does not lemmatise names; a capitalised common word needs its noun lemma.
                lemma = noun_lemma(observed)
            keys = [observed] + ([lemma] if lemma != observed else [])
        else:
            keys = [observed]
            lemma_first = " ".join([slots[i].token.lemma_.lower(), *words[1:]])
            lemma_last = " ".join([*words[:-1], slots[j - 1].token.lemma_.lower()])
            keys += [k for k in (lemma_first, lemma_last) if k != observed]
        span.thesaurus = self._thesaurus(keys, tag, letter, observed)
        return span

    def _part_options(self, slot: Slot) -> list[tuple[str, float, tuple[str, ...], str]]:
        options: list[tuple[str, float, tuple[str, ...], str]] = [(slot.word, 0.0, (), "")]
        for entry in self.lexicon.for_spun((slot.word,)):
            if entry.compound_only or not entry.conditions:
                options.append((entry.original.lower(), _LEXICON_PRIOR, ("lexicon",), entry.origin))
        for cand in self.thesaurus.originals_of(slot.word):
            if " " not in cand.text:
                options.append((cand.text, -math.log(max(cand.fanout, 1)), tuple(cand.source_names), ""))
        return options

    def _compound(self, slots: list[Slot], i: int, j: int) -> SpanCandidates:
        span = SpanCandidates(i, j)
        if j - i > 3 or any(s.protected for s in slots[i:j]):
            return span
        observed = tuple(s.word for s in slots[i:j])
        # The rebuilt compounds depend on the parts' words alone (context never enters): build them once.
        cached = self._compound_cache.get(observed)
        if cached is None:
            cached = self._rebuilt_compounds(slots, i, j, observed)
            if len(self._compound_cache) > 50_000:
                self._compound_cache.clear()
            self._compound_cache[observed] = cached
        span.own.extend(cached)
        return span

    def _rebuilt_compounds(
        self, slots: list[Slot], i: int, j: int, observed: tuple[str, ...]
    ) -> list[Proposal]:
        found: list[Proposal] = []
        options = [self._part_options(s) for s in slots[i:j]]
        # Rebuilt compounds: known hyphenated words whose parts are all among the parts' options.
        rebuilt: list[tuple[str, ...]] = []
        for first, _, _, _ in options[0]:
            for parts in self._compounds_by_first().get(first, ()):
                if (
                    len(parts) == len(observed)
                    and parts != observed
                    and all(
                        any(p == o[0] for o in opts) for p, opts in zip(parts[1:], options[1:], strict=True)
                    )
                ):
                    rebuilt.append(parts)
        # Lexicon-only rebuilds (every changed part from a lexicon), known as compounds or not.
        lexical = [
            [o for o in opts if o[0] == slot.word or "lexicon" in o[2]]
            for slot, opts in zip(slots[i:j], options, strict=True)
        ]
        combos: list[tuple[str, ...]] = [()]
        for opts in lexical:
            combos = [(*c, o[0]) for c in combos for o in opts]
        rebuilt.extend(c for c in combos if c != observed)
        seen: set[tuple[str, ...]] = set()
        for parts in rebuilt:
            if parts in seen:
                continue
            seen.add(parts)
            prior = 0.0
            sources: set[str] = set()
            origins: list[str] = []
            for part, slot, opts in zip(parts, slots[i:j], options, strict=True):
                if part == slot.word:
                    continue
                best = max((o for o in opts if o[0] == part), key=lambda o: o[1])
                prior += best[1]
                sources.update(best[2])
                if best[3]:
                    origins.append(best[3])
            model_words = self._model_words(" ".join(parts))
            if model_words is None:
                continue
            found.append(
                Proposal(
                    "-".join(parts),
                    prior,
                    tuple(sorted(sources)),
                    "compound",
                    ";".join(origins),
                    probe=model_words[0],
                )
            )
        return found

    def _compounds_by_first(self) -> dict[str, list[tuple[str, ...]]]:
        if self._by_first is None:
            index: dict[str, list[tuple[str, ...]]] = {}
            for compound in self.thesaurus.compounds:
                parts = tuple(compound.split("-"))
                if all(parts):
                    index.setdefault(parts[0], []).append(parts)
            self._by_first = index
        return self._by_first
