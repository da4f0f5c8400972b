"""The contextual judge: which words are spun, and what they were, decided with the contextual model.

1. **Detection** (needs no original). Every eligible word gets P(spun) from a logistic model over the
   trigram detector's log-odds (``spin/detector.py``) and the contextual evidence of ``spin/contextual.py``
   (the word's log-probability here, its rank, the slot's entropy, its SLOR, how the next word fares, the
   best related word the model would have put there). Adjacent spun words form one span.
2. **Candidates.** For a suspected span: the thesaurus search's candidates (``spin/detect.py``) and the
   model's own best words for the slot that are related to the observed word (a thesaurus lists one for
   the other, or their word vectors are close). The best few, by their probability at the slot, are
   confirmed with the whole window: the sentence's words before and after the span are scored with each
   candidate in place, so the words after a wrong-sense substitute count too.
3. **Repair confidence**: P(the best candidate is the original), a logistic model over the confirmation
   gain and margin, where the candidate came from, how related it is, and the detection evidence.

Weights and thresholds live in ``[contextual]`` of ``data/lexicons/spin-model.toml``, fitted on the
benchmark's tune split with ``bench/spin_dev.py --contextual``.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cache
from importlib import resources
from typing import Any

from unspin.neural.engine import ContextualLM
from unspin.spin.contextual import SentenceText, WordContext, sentence_texts, word_contexts
from unspin.spin.detector import DocumentDetector, load_detector, logit, sigmoid
from unspin.spin.inflect import match_case
from unspin.spin.semantics import STOP_WORDS, WordVectors
from unspin.spin.thesaurus import Thesaurus

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Logistic:
    bias: float
    weights: tuple[tuple[str, float], ...]

    def probability(self, values: dict[str, float]) -> float:
        return sigmoid(self.bias + sum(w * values.get(name, 0.0) for name, w in self.weights))


@dataclass(frozen=True)
class JudgeSettings:
    detector: DocumentDetector
    repair: Logistic
    detect_report: float = 0.8  # a word at or above this is reported as spun
    gate: float = 0.3  # candidates are sought and confirmed for words (and hits) at or above this
    run_gate: float = 0.3  # words from this detection probability join a run judged as one phrase
    repair_report: float = 0.9  # a repair this confident is reported even below detect_report
    fix_min: float = 0.5  # below this repair confidence a finding carries no fix
    safe: float = 0.95  # a fix at or above this repair confidence is safe …
    safe_detection: float = 0.8  # … when the word is also this surely spun (a curated spinner phrase aside)
    confirm: int = 3  # candidates per span confirmed with the whole window
    related_cosine: float = 0.35  # word vectors this close make a proposal related to the observed word
    left_words: int = 12  # words of the sentence kept before the span in a confirmation window …
    right_words: int = 6  # … and after it


# Settings that count words or candidates (the rest are probabilities and cosines).
INTEGER_SETTINGS = frozenset(f.name for f in fields(JudgeSettings) if f.type == "int")


def _logistic(table: dict[str, Any]) -> Logistic:
    return Logistic(
        float(table.get("bias", -10.0)), tuple((k, float(v)) for k, v in table.items() if k != "bias")
    )


def load_settings(table: dict[str, Any]) -> JudgeSettings:
    numbers = {k: v for k, v in table.items() if not isinstance(v, dict)}
    return JudgeSettings(
        load_detector(table.get("detector", {})),
        _logistic(table.get("repair", {})),
        **{k: (int(v) if k in INTEGER_SETTINGS else float(v)) for k, v in numbers.items()},
    )


@cache
def builtin_settings() -> JudgeSettings:
    source = resources.files("unspin") / "data" / "lexicons" / "spin-model.toml"
    return load_settings(tomllib.loads(source.read_text(encoding="utf-8")).get("contextual", {}))


# The judge's numbers a user may set (``[tool.unspin.stages.spin.contextual]``): thresholds and counts.
# The fitted weights (the detector and the repair model) are not settings.
OVERRIDABLE_SETTINGS = tuple(f.name for f in fields(JudgeSettings) if f.type in ("int", "float"))


def with_overrides(base: JudgeSettings, table: dict[str, Any]) -> JudgeSettings:
    """``base`` with the numbers of ``table`` (``detect_report = 0.9`` reports fewer words on detection
    alone). An unknown key or a value that is not a number is a ConfigError naming it."""
    from unspin.config import ConfigError
    from unspin.spin.params import number_setting

    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key not in OVERRIDABLE_SETTINGS:
            raise ConfigError(
                f"stages.spin.contextual.{key}: unknown setting (one of {', '.join(OVERRIDABLE_SETTINGS)})"
            )
        changes[key] = number_setting(f"contextual.{key}", value, key in INTEGER_SETTINGS)
    return replace(base, **changes)


@dataclass
class Candidate:
    text: str  # as it would stand in the text (case matched)
    thesaurus: bool = False  # from the thesaurus search
    proposed: bool = False  # from the model's own distribution at the slot
    lexicon: bool = False
    left: float = -30.0  # ln P(its first token | left context) at the slot
    gain: float = 0.0  # confirmation: ln P(window with it) - ln P(window as written)
    confirmed: bool = False  # scored in the window (only the best few of a unit are)


@dataclass
class Unit:
    """A span judged as one: a thesaurus or lexicon hit, or a run of detected words."""

    start: int
    end: int
    observed: str
    kind: str
    detection: float
    hit: Any = None
    words: list[int] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)
    repair: float = 0.0
    run: bool = False  # a run of adjacent suspected words judged as one phrase


class ContextualJudge:
    def __init__(
        self,
        lm: ContextualLM,
        thesaurus: Thesaurus,
        vectors: WordVectors,
        settings: JudgeSettings | None = None,
    ):
        self.lm = lm
        self.thesaurus = thesaurus
        self.vectors = vectors
        self.settings = settings or builtin_settings()

    # ------------------------------------------------------------------------------- detection

    def word_evidence(
        self, nlp_doc: Any, words: Sequence[Any], trigram: Sequence[float], hits: Sequence[Any]
    ) -> tuple[list[SentenceText], list[WordContext | None], list[dict[str, float]]]:
        """The contextual pass over the document and the detector's input row for every word."""
        sentences = sentence_texts(nlp_doc)
        hits_at: dict[int, list[Any]] = {}
        for hit in hits:
            hits_at.setdefault(hit.start, []).append(hit)
        wanted = [_wanted(w, hits_at) for w in words]
        contexts = word_contexts(self.lm, sentences, words, wanted)
        rows = []
        for word, p, context in zip(words, trigram, contexts, strict=True):
            row = {"t_logit": logit(p)}
            if context is None:
                row["n_missing"] = 1.0
            else:
                row |= context.features
                related = self._related_proposals(word.observed, context)
                best = max((lp for _, lp in related), default=None)
                row["n_related"] = 1.0 if related else 0.0
                row["n_related_gain"] = max(0.0, best - context.observed_logprob) if best is not None else 0.0
                known = [lp for lp in context.candidate_logprobs.values()]
                row["n_cand_gain"] = max(0.0, max(known) - context.observed_logprob) if known else 0.0
            rows.append(row)
        return sentences, contexts, rows

    def _related_proposals(self, observed: str, context: WordContext) -> list[tuple[str, float]]:
        lower = observed.lower()
        out = []
        for word, lp in context.proposals:
            if word.lower() == lower or word.lower() in STOP_WORDS or _same_lemma(word.lower(), lower):
                continue
            if self.related(lower, word.lower()):
                out.append((word, lp))
        return out

    def related(self, observed: str, candidate: str) -> bool:
        """A candidate original is related to the observed word when a thesaurus lists one for the other,
        or their word vectors are close."""
        if observed in self.thesaurus.neighbours(candidate) or candidate in self.thesaurus.neighbours(
            observed
        ):
            return True
        a, b = self.vectors.unit(observed), self.vectors.unit(candidate)
        return a is not None and b is not None and float(a @ b) >= self.settings.related_cosine

    # ------------------------------------------------------------------------------- units

    def units(
        self,
        text: str,
        words: Sequence[Any],
        contexts: Sequence[WordContext | None],
        detection: Sequence[float],
        hits: Sequence[Any],
        hit_repairs: Sequence[float],
    ) -> list[Unit]:
        """The spans to judge: hits whose words are suspected (or whose trigram repair is confident), then
        runs of suspected words that no such hit covers."""
        gate = self.settings.gate
        units: list[Unit] = []
        covered = _Spans()
        # Words are in text order: the words a span covers are found by bisection, not by a scan.
        starts = [w.start for w in words]
        for hit, repair in zip(hits, hit_repairs, strict=True):
            first_word = bisect.bisect_left(starts, hit.start)
            inside = []
            for i in range(first_word, len(words)):
                if words[i].start >= hit.end:
                    break
                if words[i].end <= hit.end:
                    inside.append(i)
            det = max((detection[i] for i in inside), default=0.0)
            if det < gate and repair < gate and hit.kind != "lexicon":
                continue
            if covered.overlaps(hit.start, hit.end):
                continue
            unit = Unit(hit.start, hit.end, hit.observed, hit.kind, det, hit, inside)
            first = contexts[inside[0]] if inside else None
            for alt in hit.alternatives:
                candidate = Candidate(
                    alt["text"], thesaurus=hit.kind != "lexicon", lexicon=hit.kind == "lexicon"
                )
                if first is not None:
                    candidate.left = first.candidate_logprobs.get(alt["text"].split(" ")[0], -30.0)
                unit.candidates.append(candidate)
            # A lexicon entry or a rebuilt compound is its own candidate set: the model's words for the
            # slot would compete with a curated or structural repair.
            if len(inside) == 1 and first is not None and hit.kind not in ("lexicon", "compound"):
                self._add_proposals(unit, words[inside[0]].observed, first, text)
            units.append(unit)
            covered.add(hit.start, hit.end)
        for i, word in enumerate(words):
            if detection[i] < gate or covered.overlaps(word.start, word.end):
                continue
            context = contexts[i]
            unit = Unit(word.start, word.end, word.observed, "detected", detection[i], None, [i])
            seen: set[str] = set()
            if context is not None:
                self._add_proposals(unit, word.observed, context, text)
                seen = {c.text.lower() for c in unit.candidates}
                if word.candidate_span == (word.start, word.end):
                    for alt in word.alternatives:
                        if alt["text"].lower() in seen:
                            for c in unit.candidates:
                                if c.text.lower() == alt["text"].lower():
                                    c.thesaurus = True
                            continue
                        left = context.candidate_logprobs.get(alt["text"].split(" ")[0], -30.0)
                        unit.candidates.append(Candidate(alt["text"], thesaurus=True, left=left))
            units.append(unit)
            covered.add(word.start, word.end)
        units.extend(self._runs(text, words, detection))
        units.sort(key=lambda u: (u.start, -u.end))
        return units

    def _runs(self, text: str, words: Sequence[Any], detection: Sequence[float]) -> list[Unit]:
        """Runs of two to four adjacent suspected words, with the model's own short phrases for the place
        as candidates: a spinner swaps phrases and idioms as units ("a walk in the park" for *easy*)."""
        gate = self.settings.run_gate
        runs: list[list[int]] = []
        for i, word in enumerate(words):
            if detection[i] < gate:
                continue
            if runs and runs[-1][-1] == i - 1 and text[words[i - 1].end : word.start].strip(" -") == "":
                runs[-1].append(i)
            else:
                runs.append([i])
        chosen = [r for r in runs if 2 <= len(r) <= 4]
        if not chosen:
            return []
        prefixes = [_prefix(text, words[r[0]].start) for r in chosen]
        proposals = self.lm.continuations(prefixes)
        out = []
        for run, phrases in zip(chosen, proposals, strict=True):
            start, end = words[run[0]].start, words[run[-1]].end
            observed = text[start:end]
            unit = Unit(start, end, observed, "detected", max(detection[i] for i in run), None, run, run=True)
            seen = {observed.lower()}
            target = self.vectors.phrase(observed)
            initial = _sentence_initial(text, start)
            for phrase, _ in phrases:
                if phrase.lower() in seen or phrase.lower() in STOP_WORDS:
                    continue
                seen.add(phrase.lower())
                vector = self.vectors.phrase(phrase)
                if target is None or vector is None or float(target @ vector) < self.settings.related_cosine:
                    continue
                unit.candidates.append(
                    Candidate(match_case(phrase, observed, initial), proposed=True, left=0.0)
                )
            if unit.candidates:
                out.append(unit)
        return out

    def _add_proposals(self, unit: Unit, observed: str, context: WordContext, text: str) -> None:
        """The model's related words for the slot as candidates (a thesaurus candidate already there is
        marked as proposed too)."""
        initial = _sentence_initial(text, unit.start)
        known = {c.text.lower(): c for c in unit.candidates}
        for proposal, lp in self._related_proposals(observed, context)[: self.settings.confirm + 2]:
            shaped = match_case(proposal, observed, initial)
            if shaped.lower() in known:
                known[shaped.lower()].proposed = True
                continue
            candidate = Candidate(shaped, proposed=True, left=lp)
            unit.candidates.append(candidate)
            known[shaped.lower()] = candidate

    # ------------------------------------------------------------------------------- confirmation

    def confirm(self, text: str, sentences: Sequence[SentenceText], units: Sequence[Unit]) -> None:
        """Score each unit's best candidates in a window of its sentence and record their gains."""
        windows: list[str] = []
        plan: list[tuple[Unit, list[Candidate], int]] = []
        for unit in units:
            if not unit.candidates:
                continue
            unit.candidates.sort(key=lambda c: -(c.left + 2.0 * c.lexicon))
            chosen = unit.candidates[: self.settings.confirm]
            bounds = _sentence_bounds(sentences, unit.start, unit.end)
            if bounds is None:
                continue
            left, right = _window(text, unit.start, unit.end, bounds, self.settings)
            base = len(windows)
            windows.append(left + unit.observed + right)
            windows.extend(left + c.text + right for c in chosen)
            plan.append((unit, chosen, base))
        if not windows:
            return
        scores = self.lm.score(windows)
        for _unit, chosen, base in plan:
            for k, candidate in enumerate(chosen):
                candidate.gain = scores[base + 1 + k] - scores[base]
                candidate.confirmed = True

    def repair_features(self, unit: Unit, hit_repair: float) -> dict[str, float]:
        confirmed = sorted((c for c in unit.candidates if c.confirmed), key=lambda c: -c.gain)
        best = confirmed[0] if confirmed else None
        if best is None:
            return {}
        second = confirmed[1].gain if len(confirmed) > 1 else min(0.0, best.gain)
        a, b = self.vectors.phrase(unit.observed), self.vectors.phrase(best.text)
        cosine = float(a @ b) if a is not None and b is not None else 0.0
        return {
            "r_gain": best.gain,
            "r_gain_capped": min(best.gain, 15.0),
            "r_margin": best.gain - second,
            "r_left": best.left,
            "r_thesaurus": float(best.thesaurus),
            "r_proposed": float(best.proposed),
            "r_lexicon": float(best.lexicon),
            "r_both": float(best.thesaurus and best.proposed),
            "r_cosine": cosine,
            "r_detection": logit(unit.detection),
            "r_trigram": logit(hit_repair) if unit.hit is not None else 0.0,
            "r_span_words": float(len(unit.observed.split())),
            "r_drops": float(len(best.text.split()) < len(unit.observed.split())),
            "r_run": float(unit.run),
        }

    def best(self, unit: Unit) -> Candidate | None:
        confirmed = [c for c in unit.candidates if c.confirmed]
        return max(confirmed, key=lambda c: c.gain) if confirmed else None


class _Spans:
    """Disjoint source spans, kept sorted, asked whether a new span overlaps any of them."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        k = bisect.bisect_left(self._ends, start + 1)
        return k < len(self._starts) and self._starts[k] < end

    def add(self, start: int, end: int) -> None:
        k = bisect.bisect_left(self._starts, start)
        self._starts.insert(k, start)
        self._ends.insert(k, end)


def _wanted(word: Any, hits_at: dict[int, list[Any]]) -> list[str]:
    """Candidates whose probability at the word's slot the pass should record (first words only)."""
    out = [a["text"].split(" ")[0] for a in getattr(word, "alternatives", [])]
    for hit in hits_at.get(word.start, ()):
        out.extend(a["text"].split(" ")[0] for a in hit.alternatives)
    return list(dict.fromkeys(out))


def _same_lemma(a: str, b: str) -> bool:
    short, long = sorted((a, b), key=len)
    return long.startswith(short) and len(long) - len(short) <= 3


def _prefix(text: str, start: int, chars: int = 300) -> str:
    """The text before ``start`` (a few sentences at most), whitespace collapsed, for the model to go on."""
    return " ".join(text[max(0, start - chars) : start].split())


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:\n#*-"


def _sentence_bounds(sentences: Sequence[SentenceText], start: int, end: int) -> tuple[int, int] | None:
    k = bisect.bisect_right([s.start for s in sentences], start) - 1
    if k >= 0 and end <= sentences[k].end:
        return sentences[k].start, sentences[k].end
    return None


def _window(
    text: str, start: int, end: int, bounds: tuple[int, int], settings: JudgeSettings
) -> tuple[str, str]:
    """The text before and after a span within its sentence, a few words each way, whitespace collapsed."""
    sent_start, sent_end = bounds
    before = list(_WORD.finditer(text, sent_start, start))[-settings.left_words :]
    after = list(_WORD.finditer(text, end, sent_end))[: settings.right_words]
    left = text[before[0].start() : start] if before else ""
    right = text[end : after[-1].end()] if after else ""
    return " ".join(left.split()) + (" " if left and left[-1].isspace() else ""), (
        (" " if right and right[0].isspace() else "") + " ".join(right.split())
    )
