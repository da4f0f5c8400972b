"""A benchmark spinner that imitates cheap thesaurus spinners, with gold edits.

It looks words up in a thesaurus (forward: word → listed synonyms) and takes any listed synonym without
asking which sense the text means, keeps the inflection of the replaced word, spins the parts of
hyphenated words ("well-being" → "perfectly-becoming"), sometimes swaps a word for a phrase or a phrase
for a word, and sometimes capitalises a replacement mid-sentence. It then wedges the article's keyphrase
in at word boundaries (about once per 100 words, sometimes inside or over a partial occurrence of the
keyphrase), turns list numbers "1." into "one." and appends a comment-form footer.

Proper names, numbers, URLs and the keyphrase itself are never spun. The same article, thesaurus, rate and
seed always give the same output. Every change is recorded as a gold edit with its span in the spun text
and in the original, so that reverting the edits gives back the original exactly.

This module deliberately shares no code with ``unspin``: the detector must not see how the spinner works.

    python -m bench.spinner ARTICLE.txt --keyphrase "lower back pain" --thesaurus moby --rate 0.12 \
        --seed 1 --out spun.txt --gold spun.gold.json
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script (python bench/spinner.py): make the bench package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import hashlib
import importlib
import itertools
import json
import random
import re
import tomllib
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lemminflect import getAllInflections, getAllLemmas, getInflection
from spacy.lang.en.stop_words import STOP_WORDS
from wordfreq import zipf_frequency

from bench import thesauri
from bench.thesauri import Thesaurus

CONFIG_PATH = Path(__file__).parent / "data" / "spinner.toml"
EDIT_TYPES = ("spin", "stuffing", "boilerplate", "number")

# A word: letters with inner apostrophes and hyphens, not glued to digits, URLs or e-mail addresses.
WORD = re.compile(r"(?<![\w@/])[A-Za-z]+(?:['’][A-Za-z]+)*(?:-[A-Za-z]+(?:['’][A-Za-z]+)*)*(?![\w@/])")
URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|\b[\w-]+\.(?:com|org|net|io|gov|edu|co\.uk)\b\S*")
# Inline code and identifiers in backticks are not prose: spinners given such text are told to skip it.
CODE = re.compile(r"`[^`\n]+`")
LIST_NUMBER = re.compile(r"(?m)^([ \t]*)(\d{1,2})(?=[.)]\s)")
SYNONYM_SHAPE = re.compile(r"^[a-z]+(?:[ '-][a-z]+)*$")
# Lemma analyses that a spinner's thesaurus lookup can use (auxiliaries and closed classes are skipped).
OPEN_CLASSES = ("NOUN", "VERB", "ADJ", "ADV")
BASE_TAGS = ("NN", "VB", "VBP", "JJ", "RB")
SENTENCE_END = ".!?:\n"
PICKS = ("uniform", "frequent")
OPENERS = " \t\"'“‘([–—-*•"


@dataclass(frozen=True)
class GoldEdit:
    """One change the spinner made: ``spun_text`` at ``[spun_start, spun_end)`` of the spun text
    replaced ``orig_text`` at ``[orig_start, orig_end)`` of the original."""

    type: str
    spun_start: int
    spun_end: int
    spun_text: str
    orig_start: int
    orig_end: int
    orig_text: str


@dataclass
class SpunArticle:
    original: str
    text: str
    edits: list[GoldEdit]
    meta: dict[str, Any] = field(default_factory=dict)

    def revert(self, types: tuple[str, ...] = EDIT_TYPES) -> str:
        """The spun text with the edits of ``types`` undone (all types: the original)."""
        text = self.text
        for edit in sorted(self.edits, key=lambda e: e.spun_start, reverse=True):
            if edit.type in types:
                text = text[: edit.spun_start] + edit.orig_text + text[edit.spun_end :]
        return text

    def without_footer(self) -> str:
        return self.revert(("boilerplate",))

    def gold_json(self) -> dict[str, Any]:
        return {**self.meta, "edits": [asdict(e) for e in self.edits]}

    @classmethod
    def from_json(cls, original: str, text: str, data: dict[str, Any]) -> SpunArticle:
        meta = {k: v for k, v in data.items() if k != "edits"}
        return cls(original, text, [GoldEdit(**e) for e in data["edits"]], meta)


@dataclass(frozen=True)
class SpinnerConfig:
    rate: float = 0.12
    stuffing_per_100_words: float = 1.0
    multiword_share: float = 0.2
    odd_capital_share: float = 0.08
    hyphen_part_share: float = 0.7
    split_overlap_share: float = 0.15
    extend_overlap_share: float = 0.1
    number_share: float = 1.0
    max_synonym_words: int = 3
    # "uniform": any listed synonym, equally likely (a thesaurus walk). "frequent": synonyms weighted by
    # word frequency to the power frequent_exponent, rare ones (Zipf below frequent_min_zipf) left out,
    # as commercial spinners whose curated lists favour everyday words ("injuries" → "accidents").
    pick: str = "uniform"
    frequent_exponent: float = 0.5
    frequent_min_zipf: float = 3.0
    hyphen_keep: tuple[str, ...] = ()
    number_words: tuple[str, ...] = ()
    footers: tuple[str, ...] = ()

    def with_rate(self, rate: float) -> SpinnerConfig:
        return SpinnerConfig(**{**asdict(self), "rate": rate})

    def with_pick(self, pick: str) -> SpinnerConfig:
        if pick not in PICKS:
            raise ValueError(f"unknown pick {pick!r}; choose from {', '.join(PICKS)}")
        return SpinnerConfig(**{**asdict(self), "pick": pick})


@cache
def load_config(path: Path = CONFIG_PATH) -> SpinnerConfig:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return SpinnerConfig(
        **data["defaults"],
        hyphen_keep=tuple(data["words"]["hyphen_keep"]),
        number_words=tuple(data["words"]["number_words"]),
        footers=tuple(f.strip() for f in data["words"]["footers"]),
    )


def derive_seed(*parts: object) -> int:
    """A stable integer seed from any parts (Python's own ``hash`` is salted per process)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass(frozen=True)
class _Planned:
    """An edit in original coordinates; ``order`` keeps insertions at one offset in a fixed order."""

    start: int
    end: int
    text: str
    type: str
    order: int = 0


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    text: str
    initial: bool  # first word of a sentence, heading or list item


class Spinner:
    """Spins articles with one thesaurus; reuse an instance for many articles."""

    def __init__(self, thesaurus: Thesaurus, config: SpinnerConfig | None = None):
        self.thesaurus = thesaurus
        self.config = config or load_config()
        self._options_cache: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}

    # ------------------------------------------------------------------------------------- public

    def spin(self, text: str, keyphrase: str, seed: int, rate: float | None = None) -> SpunArticle:
        rng = random.Random(seed)
        rate = self.config.rate if rate is None else rate
        words = _words(text)
        blocked = _protected_spans(text, keyphrase)
        names = _name_forms(words)
        plans: list[_Planned] = []
        plans += self._plan_spins(words, blocked, names, rate, rng)
        taken = blocked + [(p.start, p.end) for p in plans]
        plans += self._plan_stuffing(text, words, keyphrase, taken, rng)
        plans += self._plan_numbers(text, rng)
        footer = rng.choice(self.config.footers)
        separator = "\n" if text.endswith("\n") else "\n\n"
        ending = "\n" if text.endswith("\n") else ""
        plans.append(_Planned(len(text), len(text), separator + footer + ending, "boilerplate", 99))
        spun, edits = _apply(text, plans)
        meta = {
            "thesaurus": self.thesaurus.name,
            "pick": self.config.pick,
            "rate": rate,
            "seed": seed,
            "keyphrase": keyphrase,
            "words": len(words),
        }
        return SpunArticle(text, spun, edits, meta)

    # -------------------------------------------------------------------------------------- spin

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
        candidates: list[tuple[int, int]] = []  # (index of the first word, words covered)
        for i, w in enumerate(words):
            if not _is_content(w, names) or _hits(w.start, w.end, blocked):
                continue
            candidates.append((i, 1))
            for n in (2, 3):
                if self._phrase_at(words, i, n, names, blocked):
                    candidates.append((i, n))
        rng.shuffle(candidates)
        chosen: list[_Planned] = []
        spun_words = 0
        for i, n in candidates:
            if spun_words >= target:
                break
            start, end = words[i].start, words[i + n - 1].end
            if _hits(start, end, [(p.start, p.end) for p in chosen]):
                continue
            if n == 1:
                replacement = self._replace_word(words[i], rng)
            else:
                phrase = " ".join(w.text for w in words[i : i + n])
                replacement = self._replace_phrase(phrase, words[i].initial, rng)
            if replacement is None:
                continue
            chosen.append(_Planned(start, end, replacement, "spin"))
            spun_words += n
        return chosen

    def _phrase_at(
        self, words: list[_Word], i: int, n: int, names: set[str], blocked: list[tuple[int, int]]
    ) -> bool:
        if i + n > len(words):
            return False
        group = words[i : i + n]
        # Only single spaces between the words: a phrase never spans a line or punctuation.
        if any(b.start - a.end != 1 for a, b in itertools.pairwise(group)):
            return False
        if any(w.text in names or (w.text[0].isupper() and not w.initial) for w in group[1:]):
            return False
        if _hits(group[0].start, group[-1].end, blocked):
            return False
        phrase = " ".join(w.text.lower() for w in group)
        return phrase in self.thesaurus and bool(self._usable(self.thesaurus.synonyms(phrase)))

    def _replace_phrase(self, phrase: str, initial: bool, rng: random.Random) -> str | None:
        single, multi = self._usable(self.thesaurus.synonyms(phrase.lower()))
        choice = self._pick(single, multi, rng)
        if choice is None:
            return None
        return self._case_like(phrase, choice, initial, rng)

    def _replace_word(self, word: _Word, rng: random.Random) -> str | None:
        if "-" in word.text:
            return self._replace_hyphenated(word, rng)
        single, multi = self._options(word.text.lower())
        choice = self._pick(single, multi, rng)
        if choice is None:
            return None
        return self._case_like(word.text, choice, word.initial, rng)

    def _replace_hyphenated(self, word: _Word, rng: random.Random) -> str | None:
        parts = word.text.split("-")
        spinnable = [
            i
            for i, p in enumerate(parts)
            if p.lower() not in self.config.hyphen_keep and self._options(p.lower())[0]
        ]
        if not spinnable:
            return None
        picked = [i for i in spinnable if rng.random() < self.config.hyphen_part_share] or [
            rng.choice(spinnable)
        ]
        out = list(parts)
        for i in picked:
            single, _ = self._options(parts[i].lower())
            out[i] = _match_case(parts[i], self._choose(single, rng) or rng.choice(single))
        result = "-".join(out)
        if not word.initial and rng.random() < self.config.odd_capital_share:
            result = result[0].upper() + result[1:]
        return result

    def _pick(self, single: tuple[str, ...], multi: tuple[str, ...], rng: random.Random) -> str | None:
        if multi and (not single or rng.random() < self.config.multiword_share):
            return self._choose(multi, rng) or self._choose(single, rng)
        if single:
            return self._choose(single, rng)
        return None

    def _choose(self, options: tuple[str, ...], rng: random.Random) -> str | None:
        if not options:
            return None
        if self.config.pick == "uniform":
            return rng.choice(options)
        # The rarest word of a phrase decides how everyday the phrase is; each further word makes it
        # rarer still (a phrase is rarer than its words).
        weights = [
            10 ** (self.config.frequent_exponent * z) if z >= self.config.frequent_min_zipf else 0.0
            for z in (min(_zipf(w) for w in option.split()) - 0.5 * option.count(" ") for option in options)
        ]
        if not any(weights):
            return None
        return rng.choices(options, weights)[0]

    def _case_like(self, original: str, replacement: str, initial: bool, rng: random.Random) -> str:
        if original[0].isupper() or (not initial and rng.random() < self.config.odd_capital_share):
            return replacement[0].upper() + replacement[1:]
        return replacement

    def _options(self, word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Single-word and multi-word replacements for a lowercase word, inflected like it."""
        cached = self._options_cache.get(word)
        if cached is not None:
            return cached
        found: list[str] = []
        analyses = _analyses(word)
        for upos, lemma, tag in analyses:
            for syn in self.thesaurus.synonyms(lemma):
                found.append(_inflect(syn, tag, upos))
        if not analyses or word in self.thesaurus:
            found.extend(self.thesaurus.synonyms(word))
        own_forms = {word} | {lemma for _, lemma, _ in analyses}
        single, multi = self._usable(tuple(s for s in found if s.lower() not in own_forms))
        self._options_cache[word] = (single, multi)
        return single, multi

    def _usable(self, synonyms: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        single: list[str] = []
        multi: list[str] = []
        for syn in dict.fromkeys(synonyms):
            if not SYNONYM_SHAPE.match(syn):
                continue  # proper names, abbreviations, odd symbols
            n = syn.count(" ") + 1
            if n == 1:
                single.append(syn)
            elif n <= self.config.max_synonym_words:
                multi.append(syn)
        return tuple(single), tuple(multi)

    # ---------------------------------------------------------------------------------- stuffing

    def _plan_stuffing(
        self,
        text: str,
        words: list[_Word],
        keyphrase: str,
        taken: list[tuple[int, int]],
        rng: random.Random,
    ) -> list[_Planned]:
        count = max(1, round(len(words) * self.config.stuffing_per_100_words / 100))
        insert = keyphrase.strip() + " "
        first_line_end = text.find("\n") if "\n" in text else len(text)
        boundaries = [
            w.start
            for w in words
            if not w.initial and w.start > first_line_end and not _inside(w.start, taken)
        ]
        splits = _partial_occurrences(text, keyphrase, taken, whole=False)
        extends = _partial_occurrences(text, keyphrase, taken, whole=True)
        plans: list[_Planned] = []
        used: list[tuple[int, int]] = []
        for order in range(count):
            roll = rng.random()
            if roll < self.config.split_overlap_share and splits:
                at = rng.choice(splits)[0]
                if not _inside(at, used):
                    plans.append(_Planned(at, at, insert, "stuffing", order))
                    used.append((at - 1, at + 1))
                    continue
            elif roll < self.config.split_overlap_share + self.config.extend_overlap_share and extends:
                start, end = rng.choice(extends)
                if not _hits(start, end, used):
                    plans.append(
                        _Planned(start, end, _match_case(text[start:end], keyphrase.strip()), "stuffing")
                    )
                    used.append((start - 1, end + 1))
                    continue
            free = [b for b in boundaries if not _inside(b, used)]
            if not free:
                break
            at = rng.choice(free)
            plans.append(_Planned(at, at, insert, "stuffing", order))
            used.append((at - 1, at + 1))
        return plans

    # ----------------------------------------------------------------------------------- numbers

    def _plan_numbers(self, text: str, rng: random.Random) -> list[_Planned]:
        plans = []
        for m in LIST_NUMBER.finditer(text):
            value = int(m.group(2))
            if value < len(self.config.number_words) and rng.random() < self.config.number_share:
                plans.append(_Planned(m.start(2), m.end(2), self.config.number_words[value], "number"))
        return plans


# -------------------------------------------------------------------------------------- helpers


@cache
def _zipf(word: str) -> float:
    return zipf_frequency(word, "en")


def _words(text: str) -> list[_Word]:
    out = []
    for m in WORD.finditer(text):
        out.append(_Word(m.start(), m.end(), m.group(), _is_initial(text, m.start())))
    return out


def _is_initial(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in OPENERS:
        i -= 1
    if i > 0 and text[i] == ")" and text[i - 1].isdigit():
        return True  # after a list marker "2)"
    return i < 0 or text[i] in SENTENCE_END


def _name_forms(words: list[_Word]) -> set[str]:
    """Capitalised words seen mid-sentence: proper names (and title-case headings), never spun."""
    return {w.text for w in words if w.text[0].isupper() and not w.initial}


def _is_content(word: _Word, names: set[str]) -> bool:
    text = word.text
    if "'" in text or "’" in text or len(text) < 3:
        return False
    if text.isupper() and len(text) > 1:
        return False  # acronyms
    if text[0].isupper():
        if not word.initial or text in names:
            return False
        if "-" not in text and not getAllLemmas(text.lower()):
            return False  # unknown capitalised word at a sentence start: probably a name
    if "-" in text:
        return True
    return text.lower() not in STOP_WORDS


def _analyses(word: str) -> list[tuple[str, str, str]]:
    """(upos, lemma, tag) readings of a word form, for open classes only."""
    readings = []
    for upos, lemmas in getAllLemmas(word).items():
        if upos not in OPEN_CLASSES:
            continue
        for lemma in lemmas:
            tags = [tag for tag, forms in getAllInflections(lemma, upos).items() if word in forms]
            # "care" is listed as a plural of itself too; a base form is read as the base form.
            base = [tag for tag in tags if tag in BASE_TAGS]
            readings.extend((upos, lemma, tag) for tag in (base[:1] or tags))
    return list(dict.fromkeys(readings))


def _inflect(synonym: str, tag: str, upos: str) -> str:
    if tag in BASE_TAGS:
        return synonym
    parts = synonym.split(" ")
    head = 0 if upos == "VERB" else len(parts) - 1
    # Unknown words stay uninflected, as a spinner's word list would leave them.
    forms = getInflection(parts[head], tag=tag, inflect_oov=False)
    if forms:
        parts[head] = forms[0]
    return " ".join(parts)


def _match_case(original: str, replacement: str) -> str:
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _protected_spans(text: str, keyphrase: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in URL.finditer(text)]
    spans += [(m.start(), m.end()) for m in CODE.finditer(text)]
    spans += [(m.start(), m.end()) for m in _keyphrase_pattern(keyphrase).finditer(text)]
    return spans


def _keyphrase_pattern(keyphrase: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in keyphrase.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def _partial_occurrences(
    text: str, keyphrase: str, taken: list[tuple[int, int]], whole: bool
) -> list[tuple[int, int]]:
    """Runs of two or more consecutive keyphrase words that are not the whole keyphrase.

    With ``whole`` the run's span is returned (to grow it into the keyphrase); otherwise the offset of
    each inner word boundary (to wedge the keyphrase in between)."""
    kw = keyphrase.split()
    found: list[tuple[int, int]] = []
    for size in range(len(kw) - 1, 1, -1):
        for i in range(len(kw) - size + 1):
            pattern = _keyphrase_pattern(" ".join(kw[i : i + size]))
            for m in pattern.finditer(text):
                if _hits(m.start(), m.end(), taken):
                    continue
                if whole:
                    found.append((m.start(), m.end()))
                else:
                    inner = [w.start() for w in re.finditer(r"(?<=\s)\S", m.group())]
                    found.extend((m.start() + off, m.start() + off) for off in inner)
    return sorted(set(found))


def _hits(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def _inside(offset: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= offset < e for s, e in spans)


def _apply(text: str, plans: list[_Planned]) -> tuple[str, list[GoldEdit]]:
    ordered = sorted(plans, key=lambda p: (p.start, p.end, p.order))
    pieces: list[str] = []
    edits: list[GoldEdit] = []
    cursor = 0
    out = 0
    for plan in ordered:
        if plan.start < cursor:
            raise ValueError(f"overlapping spinner edits at {plan.start}")
        kept = text[cursor : plan.start]
        pieces.append(kept)
        out += len(kept)
        pieces.append(plan.text)
        edits.append(
            GoldEdit(
                plan.type,
                out,
                out + len(plan.text),
                plan.text,
                plan.start,
                plan.end,
                text[plan.start : plan.end],
            )
        )
        out += len(plan.text)
        cursor = plan.end
    pieces.append(text[cursor:])
    return "".join(pieces), edits


def spin_article(
    text: str,
    keyphrase: str,
    thesaurus: str = "moby",
    rate: float = 0.12,
    seed: int = 1,
    pick: str = "uniform",
) -> SpunArticle:
    """Spin one article with a named thesaurus (loaded once per process)."""
    return Spinner(thesauri.load(thesaurus), load_config().with_pick(pick)).spin(text, keyphrase, seed, rate)


# Spinner families that do not spin from a thesaurus: name prefix → module and factory (imported lazily,
# they build on this module).
FAMILIES = {
    "phrase-dict": ("bench.phrase_spinner", "phrase_spinner_named"),
    "lm-minilm": ("bench.lm_spinner", "lm_spinner_named"),
}


def spinner_named(name: str) -> Spinner:
    """The spinner a benchmark name stands for: "moby" (uniform picks), "moby-frequent", or a family
    such as "phrase-dict" (see ``FAMILIES``)."""
    for prefix, (module, factory) in FAMILIES.items():
        if name == prefix or name.startswith(prefix + "-"):
            return getattr(importlib.import_module(module), factory)(name)
    thesaurus, _, pick = name.partition("-")
    return Spinner(thesauri.load(thesaurus), load_config().with_pick(pick or "uniform"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Spin an article like a thesaurus spinner, with gold edits.")
    parser.add_argument("article", type=Path)
    parser.add_argument("--keyphrase", required=True)
    parser.add_argument("--thesaurus", default="moby", choices=sorted(thesauri.LOADERS))
    parser.add_argument("--pick", default="uniform", choices=PICKS)
    parser.add_argument("--rate", type=float, default=load_config().rate)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="spun text (default: stdout)")
    parser.add_argument("--gold", type=Path, help="gold edits JSON")
    parser.add_argument(
        "--spinner",
        help="a benchmark spinner name instead of --thesaurus/--pick: moby-frequent, phrase-dict…",
    )
    args = parser.parse_args(argv)
    article = args.article.read_text(encoding="utf-8")
    if args.spinner:
        spun = spinner_named(args.spinner).spin(article, args.keyphrase, args.seed, args.rate)
    else:
        spun = spin_article(article, args.keyphrase, args.thesaurus, args.rate, args.seed, args.pick)
    if args.out:
        args.out.write_text(spun.text, encoding="utf-8")
    else:
        print(spun.text)
    if args.gold:
        args.gold.write_text(
            json.dumps(spun.gold_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
