"""Keyphrase discovery and matching.

The keyphrase is the search phrase an article was written (or stuffed) for. It comes, in order of priority,
from the run's settings (``keyphrase``, or ``keyphrases`` matched by file glob), from front matter, or is
inferred: the longest phrase that the body repeats often, favouring phrases that also appear in the title.
Matching works on word tokens (case-insensitive, hyphens count as spaces) so that offsets stay source
offsets and a phrase never matches across punctuation or a line break.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

# Whether a phrase may be a keyphrase beyond its repeats (the stuffing stage asks the parse; see ``infer``).
PhraseCheck = Callable[[tuple[str, ...]], bool]
# Candidates a PhraseCheck is asked about, at most, best scored first: each answer costs a parse, and a
# text of many repeated turns of words must not cost one per turn.
CHECKED_AT_MOST = 25

if TYPE_CHECKING:
    from unspin.config import Settings

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# What may stand between two words of one phrase occurrence: spaces (no line break) or a hyphen.
_JOINER = re.compile(r"[ \t\u00a0]*-?[ \t\u00a0]*")


@dataclass(frozen=True)
class WordToken:
    text: str  # lower-cased, apostrophes normalised
    start: int
    end: int


@dataclass
class KeyphraseChoice:
    """The keyphrase of a document and why: where it came from and the candidates that were weighed."""

    phrase: str | None
    source: str  # settings | settings-glob | front-matter | inferred | none
    candidates: list[dict[str, Any]] = field(default_factory=list)
    variants: list[dict[str, Any]] = field(default_factory=list)

    def as_evidence(self) -> dict[str, Any]:
        return {
            "phrase": self.phrase,
            "source": self.source,
            "candidates": self.candidates,
            "variants": self.variants,
        }


@cache
def discovery_settings() -> dict[str, Any]:
    text = (resources.files("unspin") / "data" / "stuffing" / "thresholds.toml").read_text(encoding="utf-8")
    return dict(tomllib.loads(text)["discovery"])


@cache
def function_words() -> frozenset[str]:
    text = (resources.files("unspin") / "data" / "stuffing" / "function_words.txt").read_text(
        encoding="utf-8"
    )
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def word_tokens(text: str, start: int = 0, end: int | None = None) -> list[WordToken]:
    """Word tokens of ``text[start:end]`` with offsets into ``text``; hyphenated words split."""
    stop = len(text) if end is None else end
    return [
        WordToken(m.group().lower().replace("’", "'"), m.start(), m.end())
        for m in _WORD.finditer(text, start, stop)
    ]


def phrase_words(phrase: str) -> tuple[str, ...]:
    return tuple(t.text for t in word_tokens(phrase))


def joined(text: str, left: WordToken, right: WordToken) -> bool:
    """Whether two tokens are adjacent words of one phrase (only spaces or a hyphen between them)."""
    gap = text[left.end : right.start]
    return _JOINER.fullmatch(gap) is not None


def find_phrase(text: str, tokens: list[WordToken], words: tuple[str, ...]) -> list[tuple[int, int]]:
    """Token ranges ``[i, j)`` where ``words`` occur as adjacent words, left to right, non-overlapping."""
    found: list[tuple[int, int]] = []
    n = len(words)
    if n == 0:
        return found
    i = 0
    while i + n <= len(tokens):
        if tokens[i].text == words[0] and all(
            tokens[i + k].text == words[k] and joined(text, tokens[i + k - 1], tokens[i + k])
            for k in range(1, n)
        ):
            found.append((i, i + n))
            i += n
        else:
            i += 1
    return found


def segments(text: str, tokens: list[WordToken]) -> list[list[WordToken]]:
    """Runs of tokens not separated by punctuation or line breaks (phrases never cross them)."""
    runs: list[list[WordToken]] = []
    for token in tokens:
        if runs and joined(text, runs[-1][-1], token):
            runs[-1].append(token)
        else:
            runs.append([token])
    return runs


def configured_keyphrase(settings: Settings, path: PurePath | None) -> tuple[str, str] | None:
    """The keyphrase the run's settings give for this file, and which setting gave it (a matching
    ``keyphrases`` glob is more specific than the global ``keyphrase`` and wins)."""
    phrase = settings.keyphrase_for(Path(path) if path is not None else None)
    if not phrase:
        return None
    return phrase, ("settings" if phrase == settings.keyphrase else "settings-glob")


def ngram_counts(text: str, tokens: list[WordToken], longest: int) -> Counter[tuple[str, ...]]:
    """Counts of every n-gram (2 ≤ n ≤ longest) inside punctuation-free runs, without overlaps of itself."""
    counts: Counter[tuple[str, ...]] = Counter()
    for run in segments(text, tokens):
        words = [t.text for t in run]
        last_end: dict[tuple[str, ...], int] = {}
        for n in range(2, longest + 1):
            for i in range(len(words) - n + 1):
                gram = tuple(words[i : i + n])
                if last_end.get(gram, -1) > i:
                    continue
                counts[gram] += 1
                last_end[gram] = i + n
    return counts


def _well_formed(gram: tuple[str, ...]) -> bool:
    stop = function_words()
    return (
        gram[0] not in stop
        and gram[-1] not in stop
        and not any(w.isdigit() for w in gram)
        and len(set(gram)) > 1
    )


def _keyphrase_shaped(gram: tuple[str, ...]) -> bool:
    """Well formed, or a well-formed phrase after a question lead ("how to", "what", "why", …)."""
    if _well_formed(gram):
        return True
    leads = frozenset(discovery_settings()["lead_words"])
    if gram[0] not in leads:
        return False
    rest = gram[2:] if gram[:2] == ("how", "to") else gram[1:]
    return (len(rest) >= 2 and _well_formed(rest)) or (len(rest) == 1 and rest[0] not in function_words())


def _widest(
    best: tuple[str, ...],
    scored: list[tuple[float, tuple[str, ...], int, bool]],
    acceptable: PhraseCheck,
) -> tuple[str, ...]:
    """The longest acceptable candidate that holds the best one and is nearly as frequent (see
    ``extension_share``)."""
    share = float(discovery_settings()["extension_share"])
    top = next(item for item in scored if item[1] == best)
    text = " " + " ".join(best) + " "
    wider = [
        gram
        for _, gram, count, in_title in scored
        if len(gram) > len(best)
        and text in " " + " ".join(gram) + " "
        and count >= share * top[2]
        and (in_title or not top[3])
    ]
    # Longest first, so that ``acceptable`` (a parse) is asked as few times as it takes.
    wider.sort(key=lambda g: (len(g), g), reverse=True)
    return next((gram for gram in wider[:CHECKED_AT_MOST] if acceptable(gram)), best)


def infer(
    body: str, body_tokens: list[WordToken], title: str | None, acceptable: PhraseCheck | None = None
) -> KeyphraseChoice:
    """Infer the keyphrase from the title and the longest frequently repeated n-grams of the body: the best
    scored one that ``acceptable`` allows (every one when it is not given)."""
    cfg = discovery_settings()
    longest = int(cfg["max_words"])
    counts = ngram_counts(body, body_tokens, longest)
    title_words = " " + " ".join(phrase_words(title)) + " " if title else ""
    scored: list[tuple[float, tuple[str, ...], int, bool]] = []
    for gram, count in counts.items():
        if not _keyphrase_shaped(gram):
            continue
        in_title = bool(title_words) and (" " + " ".join(gram) + " ") in title_words
        needed = int(cfg["min_repeats_in_title"] if in_title else cfg["min_repeats"])
        if count < needed:
            continue
        score = count * len(gram) ** float(cfg["length_weight"])
        if in_title:
            score *= float(cfg["title_bonus"])
        scored.append((score, gram, count, in_title))
    scored.sort(key=lambda item: (-item[0], -len(item[1]), item[1]))
    top = scored[: int(cfg["candidates_reported"])]
    candidates = [
        {"phrase": " ".join(g), "count": c, "in_title": t, "score": round(s, 2)} for s, g, c, t in top
    ]
    # Asked once per phrase: a wider phrase scored above the first allowed one was asked already.
    allowed = cache(acceptable) if acceptable is not None else (lambda gram: True)
    first = next((gram for _, gram, _, _ in scored[:CHECKED_AT_MOST] if allowed(gram)), None)
    if first is None:
        return KeyphraseChoice(None, "none", candidates)
    best = _widest(first, scored, allowed)
    return KeyphraseChoice(" ".join(best), "inferred", candidates, variants(counts, best))


def variants(counts: Counter[tuple[str, ...]], phrase: tuple[str, ...]) -> list[dict[str, Any]]:
    """Repeated n-grams that contain, are contained in, or overlap the keyphrase (partial variants)."""
    text = " ".join(phrase)
    found = []
    for gram, count in counts.items():
        if count < 2 or gram == phrase or not _well_formed(gram):
            continue
        joined_gram = " ".join(gram)
        if joined_gram in text:
            kind = "part"
        elif text in joined_gram:
            kind = "extension"
        elif _overlaps(gram, phrase):
            kind = "overlap"
        else:
            continue
        found.append({"phrase": joined_gram, "count": count, "kind": kind})
    found.sort(key=lambda v: (-v["count"], -len(v["phrase"]), v["phrase"]))
    return found[: int(discovery_settings()["candidates_reported"])]


def _overlaps(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """A suffix of one is a prefix of the other (at least one word)."""
    for x, y in ((a, b), (b, a)):
        for k in range(1, min(len(x), len(y))):
            if x[-k:] == y[:k]:
                return True
    return False


def resolve(
    settings: Any,
    path: PurePath | None,
    metadata: dict[str, Any],
    body: str,
    body_tokens: list[WordToken],
    title: str | None,
    acceptable: PhraseCheck | None = None,
) -> KeyphraseChoice:
    """The document's keyphrase: settings first, then front matter, else inferred (see ``infer``)."""
    given = configured_keyphrase(settings, path)
    if given is None:
        front = metadata.get("keyphrase") or metadata.get("focus_keyphrase") or metadata.get("keyword")
        if isinstance(front, str) and front.strip():
            # unspin's own output marks a phrase it inferred: it keeps the phrase and an inferred one's trust.
            inferred = metadata.get("keyphrase_source") == "inferred"
            given = (front.strip(), "inferred" if inferred else "front-matter")
    if given is None:
        return infer(body, body_tokens, title, acceptable)
    phrase, source = given
    words = phrase_words(phrase)
    counts = ngram_counts(body, body_tokens, max(2, len(words) + 2))
    occurrences = len(find_phrase(body, body_tokens, words))
    return KeyphraseChoice(
        " ".join(words),
        source,
        [{"phrase": " ".join(words), "count": occurrences, "in_title": _in_title(words, title)}],
        variants(counts, words),
    )


def _in_title(words: tuple[str, ...], title: str | None) -> bool:
    if not title:
        return False
    return (" " + " ".join(words) + " ") in (" " + " ".join(phrase_words(title)) + " ")
