"""A phrase-dictionary spinner: commercial-spinner synonym groups, longest match first, with gold edits.

Commercial article spinners (the desktop and web tools that emit spintax ``{a|b|c}``) work from curated
synonym files whose lines are groups of interchangeable words and phrases: "in order to|so as to|to be
able to", "easy|a piece of cake|a walk in the park". The text is scanned for the longest group member that
starts at each word; a chosen match is replaced by another member of its group, picked without asking
which sense the text means. This spinner does the same with ``data/phrase-dict.txt``:

- phrase-level first: at every word the longest member that matches wins, so "as well as" is one match
  and never "as" + "well";
- a member may swap a phrase for a word and back ("often" → "time and again", "a lot of" → "numerous");
- a ``verb:`` or ``noun:`` group matches inflected forms of its head word and inflects the replacement
  the same way ("helped" → "lent a hand"); other groups match literally;
- a single stop word is matched on its own only when ``spinner.toml`` lists it (``single_stop_words``);
- picks are uniform among the group's other members (``phrase-dict``), as spintax is spun, or weighted
  by word frequency (``phrase-dict-frequent``) like the thesaurus spinners' frequent pick.

Independence from the engine: every directed pair (text phrase → replacement) that the engine's own
resources name is dropped when the dictionary loads: a pair listed in either direction by the Moby,
WordNet or MyThes thesauri (MyThes when installed, as the engine uses it), the web-spin lexicon, or the
tortured-phrases list. So no look-up in those resources can undo this spinner's edits.

Stuffing, list numbers and the footer are the base spinner's (``bench/spinner.py``).
"""

from __future__ import annotations

import csv
import itertools
import random
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lemminflect import getAllInflections
from spacy.lang.en.stop_words import STOP_WORDS

from bench import thesauri
from bench.spinner import (
    CONFIG_PATH,
    Spinner,
    SpinnerConfig,
    _hits,
    _inflect,
    _is_content,
    _Planned,
    _Word,
    load_config,
)
from bench.thesauri import Thesaurus

REPO = Path(__file__).resolve().parents[1]
DICTIONARY_PATH = Path(__file__).parent / "data" / "phrase-dict.txt"
LEXICONS = REPO / "src" / "unspin" / "data" / "lexicons"
WEB_SPIN_PATH = LEXICONS / "web-spin.tsv"
TORTURED_PATH = LEXICONS / "tortured-phrases.csv"
NAME = "phrase-dict"
MEMBER_SHAPE = re.compile(r"^[a-z]+(?:['’ -][a-z]+)*$")
HEAD_POS = {"verb": "VERB", "noun": "NOUN"}
BASE_TAG = {"VERB": "VB", "NOUN": "NN"}
_QUOTED = re.compile(r'"([^"]+)"')


@dataclass(frozen=True)
class Group:
    """One line of the dictionary: interchangeable members; ``upos`` names the head word's class."""

    members: tuple[str, ...]
    upos: str | None  # "VERB" (head: first word), "NOUN" (head: last word) or None (literal)


@dataclass(frozen=True)
class Reading:
    """A text form of a group member: which group, which member, and the inflection it carries."""

    group: int
    member: str
    tag: str | None


@dataclass(frozen=True)
class PhraseDictionary:
    groups: tuple[Group, ...]
    # Text forms (lower-case word tuples) → their readings; the replacements allowed per (member, other).
    forms: dict[tuple[str, ...], tuple[Reading, ...]]
    allowed: frozenset[tuple[str, str]]
    dropped: int  # directed pairs removed because an engine resource names them
    longest: int

    def replacements(self, reading: Reading) -> tuple[str, ...]:
        group = self.groups[reading.group]
        return tuple(m for m in group.members if (reading.member, m) in self.allowed)


def parse_groups(lines: Iterable[str]) -> list[Group]:
    groups = []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        prefix, colon, rest = line.partition(":")
        upos = HEAD_POS.get(prefix.strip()) if colon else None
        body = rest if upos else line
        # Capitalised members are names and abbreviations, which spinners leave alone.
        members = tuple(dict.fromkeys(m.strip() for m in body.split("|") if MEMBER_SHAPE.match(m.strip())))
        if len(members) > 1:
            groups.append(Group(members, upos))
    return groups


def _norm(phrase: str) -> str:
    return " ".join(phrase.lower().replace("-", " ").split())


def engine_pairs(names: Iterable[str], phrases: set[str]) -> set[tuple[str, str]]:
    """Pairs of ``phrases`` (normalised: lower case, hyphens read as spaces) that the engine's resources
    relate, in both orders."""
    pairs: set[tuple[str, str]] = set()

    def add(a: str, b: str) -> None:
        a, b = _norm(a), _norm(b)
        if a != b and a in phrases and b in phrases:
            pairs.add((a, b))
            pairs.add((b, a))

    for line in WEB_SPIN_PATH.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            columns = line.split("\t")
            if len(columns) >= 2:
                add(columns[0], columns[1])
    with TORTURED_PATH.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for tortured in _QUOTED.findall(row["tortured_phrase"]) or [row["tortured_phrase"]]:
                add(tortured, row["expected_phrase"])
    for name in names:
        for head, synonyms in thesauri.load(name).entries.items():
            if _norm(head) in phrases:
                for synonym in synonyms:
                    add(head, synonym)
    return pairs


def _forms(member: str, upos: str | None) -> list[tuple[tuple[str, ...], str | None]]:
    """The text forms of a member: itself, and for verb/noun groups each inflection of its head."""
    words = member.split(" ")
    if upos is None:
        return [(tuple(words), None)]
    forms = [(tuple(words), BASE_TAG[upos])]
    head = 0 if upos == "VERB" else len(words) - 1
    for tag, inflected in getAllInflections(words[head], upos).items():
        for form in inflected[:1]:
            if form != words[head]:
                forms.append((tuple([*words[:head], form, *words[head + 1 :]]), tag))
    return forms


@cache
def load_dictionary(
    path: Path = DICTIONARY_PATH, exclude_thesauri: tuple[str, ...] | None = None
) -> PhraseDictionary:
    """The dictionary with every pair an engine resource names removed (``exclude_thesauri``: the
    thesauri to check, by default every one installed here, as the engine merges every one installed)."""
    names = tuple(thesauri.available()) if exclude_thesauri is None else exclude_thesauri
    groups = parse_groups(path.read_text(encoding="utf-8").splitlines())
    known = engine_pairs(names, {_norm(m) for g in groups for m in g.members})
    allowed: set[tuple[str, str]] = set()
    dropped = 0
    forms: dict[tuple[str, ...], list[Reading]] = {}
    for index, group in enumerate(groups):
        for member in group.members:
            for other in group.members:
                if other == member:
                    continue
                if (_norm(member), _norm(other)) in known:
                    dropped += 1
                else:
                    allowed.add((member, other))
            for words, tag in _forms(member, group.upos):
                forms.setdefault(words, []).append(Reading(index, member, tag))
    frozen = {words: tuple(dict.fromkeys(readings)) for words, readings in forms.items()}
    return PhraseDictionary(tuple(groups), frozen, frozenset(allowed), dropped, max(len(w) for w in frozen))


@cache
def _phrase_settings(path: Path = CONFIG_PATH) -> tuple[frozenset[str], frozenset[str]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))["phrase_dict"]
    return frozenset(data["single_stop_words"]), frozenset(data["participle_after"])


class PhraseSpinner(Spinner):
    """Spins with a phrase dictionary instead of a thesaurus; stuffing, numbers and footers as the base."""

    def __init__(self, dictionary: PhraseDictionary | None = None, config: SpinnerConfig | None = None):
        self.dictionary = dictionary or load_dictionary()
        name = NAME if (config is None or config.pick == "uniform") else f"{NAME}-{config.pick}"
        super().__init__(Thesaurus(name, {}), config)
        self.single_stop_words, self.participle_after = _phrase_settings()

    def _plan_spins(
        self,
        words: list[_Word],
        blocked: list[tuple[int, int]],
        names: set[str],
        rate: float,
        rng: random.Random,
    ) -> list[_Planned]:
        eligible = [w for w in words if _is_content(w, names) and not _hits(w.start, w.end, blocked)]
        target = round(rate * len(eligible))
        matches = self._matches(words, blocked, names)
        rng.shuffle(matches)
        chosen: list[_Planned] = []
        spun_words = 0
        for i, n, readings in matches:
            if spun_words >= target:
                break
            replacement = self._replacement(words, i, n, readings, rng)
            if replacement is None:
                continue
            chosen.append(_Planned(words[i].start, words[i + n - 1].end, replacement, "spin"))
            spun_words += n
        return chosen

    def _matches(
        self, words: list[_Word], blocked: list[tuple[int, int]], names: set[str]
    ) -> list[tuple[int, int, tuple[Reading, ...]]]:
        """Non-overlapping dictionary matches, scanning left to right, longest member first."""
        found = []
        i = 0
        while i < len(words):
            hit = self._longest_at(words, i, blocked, names)
            if hit is None:
                i += 1
                continue
            n, readings = hit
            found.append((i, n, readings))
            i += n
        return found

    def _longest_at(
        self, words: list[_Word], i: int, blocked: list[tuple[int, int]], names: set[str]
    ) -> tuple[int, tuple[Reading, ...]] | None:
        for n in range(min(self.dictionary.longest, len(words) - i), 0, -1):
            group = words[i : i + n]
            if any(b.start - a.end != 1 for a, b in itertools.pairwise(group)):
                continue  # a phrase never spans punctuation or a line break
            if not all(self._spinnable(w, names) for w in group):
                continue
            if _hits(group[0].start, group[-1].end, blocked):
                continue
            key = tuple(w.text.lower() for w in group)
            if n == 1 and key[0] in STOP_WORDS and key[0] not in self.single_stop_words:
                continue
            readings = tuple(r for r in self.dictionary.forms.get(key, ()) if self.dictionary.replacements(r))
            if readings:
                return n, readings
        return None

    @staticmethod
    def _spinnable(word: _Word, names: set[str]) -> bool:
        text = word.text
        if text.isupper() and len(text) > 1:
            return False  # acronyms
        return not (text[0].isupper() and (not word.initial or text in names))

    def _replacement(
        self, words: list[_Word], i: int, n: int, readings: tuple[Reading, ...], rng: random.Random
    ) -> str | None:
        options: list[str] = []
        previous = words[i - 1].text.lower() if i > 0 else ""
        for reading in readings:
            group = self.dictionary.groups[reading.group]
            tag = reading.tag
            if tag in ("VBD", "VBN"):
                # "helped" is past tense or participle; the word before it tells which ("has helped").
                tag = "VBN" if previous in self.participle_after else "VBD"
            for other in self.dictionary.replacements(reading):
                options.append(
                    other if group.upos is None or tag is None else _inflect(other, tag, group.upos)
                )
        phrase = " ".join(w.text for w in words[i : i + n])
        options = [o for o in dict.fromkeys(options) if o.lower() != phrase.lower()]
        choice = self._choose(tuple(options), rng)
        if choice is None:
            return None
        return self._case_like(phrase, choice, words[i].initial, rng)


def phrase_spinner_named(name: str) -> PhraseSpinner:
    """``phrase-dict`` (uniform picks) or ``phrase-dict-frequent``."""
    pick = name.removeprefix(NAME).removeprefix("-") or "uniform"
    return PhraseSpinner(config=load_config().with_pick(pick))
