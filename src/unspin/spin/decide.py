"""Turn the engine's evidence into spin decisions: what to report, what to fix, and how safely.

Two questions are answered separately:

- **detection**: is this word spun? The word-level detector (``spin/detector.py``) gives a probability
  from evidence that needs no original (context fit, rarity, thesaurus listing, capitals, candidates),
  adjusted by the document's own estimated spin rate;
- **repair**: what was the original? The repair search's best candidate, with the calibrated repair
  confidence of ``SpinParams.confidence``.

A repair-search hit is reported when either its repair confidence or the detection probability of its
words reaches the reporting threshold. A word the detector flags that no reported hit covers becomes a
finding of its own, with the best candidate as an unsafe fix when one exists. A fix is safe when the
repair confidence or the detection probability lies in a band whose measured precision is at least 0.97.

By default the contextual judge decides instead (:func:`decide_contextual`, ``spin/judge.py``): the
contextual model's evidence joins the word detector, candidates come from the thesaurus search and from the
model itself, and each is confirmed with the words on both sides. ``--fast`` keeps the trigram decisions of
:func:`decide`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from unspin.spin.detector import DocumentDetector
from unspin.spin.engine import SpinAnalysis, WordEvidence
from unspin.spin.params import SpinParams

if TYPE_CHECKING:
    from unspin.spin.judge import ContextualJudge, JudgeSettings


@dataclass
class SpinDecision:
    start: int
    end: int
    observed: str
    replacement: str | None
    kind: str  # thesaurus | compound | lexicon | detected
    confidence: float
    repair_confidence: float
    detection: float
    safe: bool
    evidence: dict[str, Any] = field(default_factory=dict)
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    sources: tuple[str, ...] = ()
    origin: str = ""


def _same_word(a: str, b: str) -> bool:
    """Equal up to a plural or third-person ending: "tides" and "tide" are the same word here."""
    short, long = sorted((a, b), key=len)
    return long == short or long in (short + "s", short + "es")


def only_drops_words(observed: str, replacement: str | None) -> bool:
    """Whether ``replacement`` is ``observed`` with some of its words left out (and nothing else, up to a
    plural ending: "tide gauges" → "tides" drops a word too)."""
    if not replacement:
        return False
    kept = replacement.lower().split()
    words = iter(observed.lower().split())
    return len(kept) < len(observed.split()) and all(any(_same_word(w, k) for w in words) for k in kept)


def _drops_words(hit: Any, replacement: str | None) -> bool:
    """A repair that only drops words. A shorter text is always more probable under a language model, so
    such a repair ("sourdough bread" -> "bread") earns its gain from length alone. Curated lexicon
    entries are exempt: dropping words is what they exist for ("muscle mass" -> "muscle")."""
    return hit.kind != "lexicon" and only_drops_words(hit.observed, replacement)


def _unknown_observed(hit: Any) -> bool:
    """A hit on words the trigram model does not know. The model clamps an unknown word's probability, so
    any known candidate "gains" against it: that gain says nothing about spinning ("penny-farthing" is no
    spun "penny-pinch"). Lexicon entries are exempt."""
    return hit.kind != "lexicon" and hit.features.get("oov_observed", 0.0) > 0


def hit_detections(hits: list[Any], words: list[Any], probabilities: list[float]) -> list[float]:
    """Per hit, the highest detection probability among the words it covers (0 when it covers none).
    Words are visited in order of their start, from the hit's start on, so that the cost grows with the
    words a hit covers, not with every word of the document."""
    ranked = sorted(zip(words, probabilities, strict=True), key=lambda wp: wp[0].start)
    starts = [w.start for w, _ in ranked]
    detections = []
    for hit in hits:
        best = 0.0
        seen = False
        for w, p in ranked[bisect_left(starts, hit.start) :]:
            if w.start > hit.end:
                break
            if w.end <= hit.end:
                best = p if not seen else max(best, p)
                seen = True
        detections.append(best)
    return detections


def dictionary_detections(
    detector: DocumentDetector, words: Sequence[WordEvidence], rows: Sequence[dict[str, float]]
) -> list[float]:
    """P(spun) per word from ``rows``, its detector input. A word no dictionary knows (a user name, a
    package, a foreign word, a typo: see ``WordEvidence.dictionary_word``) cannot be a spinner's synonym:
    it gets 0 and does not count towards the document's estimated spin rate either, so a page full of
    identifiers does not make its ordinary words look spun."""
    kept = [i for i, word in enumerate(words) if word.dictionary_word]
    probabilities = [0.0] * len(words)
    for i, p in zip(kept, detector.probabilities([rows[i] for i in kept]), strict=True):
        probabilities[i] = p
    return probabilities


def decide(analysis: SpinAnalysis, params: SpinParams, detector: DocumentDetector) -> list[SpinDecision]:
    """The trigram path's decisions (``--fast``)."""
    probabilities = dictionary_detections(detector, analysis.words, [w.features for w in analysis.words])
    detected = list(zip(analysis.words, probabilities, strict=True))
    decisions: list[SpinDecision] = []
    covered: list[tuple[int, int]] = []
    repairs = [params.confidence(hit.features) for hit in analysis.hits]
    detections = hit_detections(analysis.hits, analysis.words, probabilities)
    for index, hit in enumerate(analysis.hits):
        repair = repairs[index]
        detection = detections[index]
        dropping = _drops_words(hit, hit.replacement)
        if dropping:
            # Its repair confidence comes from length alone: report it on detection evidence only, and
            # never fix it safely.
            repair = min(repair, params.report_confidence - 1e-6)
        if repair < params.report_confidence and detection < params.detect_report:
            continue
        safe = (
            not dropping
            and not _unknown_observed(hit)
            and (
                repair >= params.safe_confidence
                or (detection >= params.detect_safe and hit.features.get("delta", 0.0) > 0.0)
            )
        )
        decisions.append(
            SpinDecision(
                hit.start,
                hit.end,
                hit.observed,
                hit.replacement,
                hit.kind,
                max(repair, detection),
                repair,
                detection,
                safe,
                evidence={"features": hit.features, "spin_log_odds": round(hit.log_odds, 3)},
                alternatives=hit.alternatives,
                sources=hit.sources,
                origin=hit.origin,
            )
        )
        covered.append((hit.start, hit.end))
    for word, probability in detected:
        if probability < params.detect_report:
            continue
        if any(s < word.end and word.start < e for s, e in covered):
            continue
        covered.append((word.start, word.end))
        decisions.append(
            SpinDecision(
                word.start,
                word.end,
                word.observed,
                word.candidate if word.candidate_span == (word.start, word.end) else None,
                "detected",
                probability,
                0.0,
                probability,
                False,
                evidence={"features": word.features},
                alternatives=word.alternatives if word.candidate_span == (word.start, word.end) else [],
            )
        )
    decisions.sort(key=lambda d: (d.start, d.end))
    return decisions


def decide_contextual(
    analysis: SpinAnalysis,
    params: SpinParams,
    detector: DocumentDetector,
    judge: ContextualJudge,
    nlp_doc: Any,
    trace: dict[str, Any] | None = None,
) -> list[SpinDecision]:
    """The default decisions: detection and repair judged with the contextual model (``spin/judge.py``).

    ``trace``, when given, receives the detector rows and the judged units (the benchmark fits on them).
    """
    settings = judge.settings
    prose = nlp_doc.text
    trigram = detector.probabilities([w.features for w in analysis.words])
    sentences, contexts, rows = judge.word_evidence(nlp_doc, analysis.words, trigram, analysis.hits)
    detection = dictionary_detections(settings.detector, analysis.words, rows)
    repairs = [params.confidence(hit.features) for hit in analysis.hits]
    units = judge.units(prose, analysis.words, contexts, detection, analysis.hits, repairs)
    judge.confirm(prose, sentences, units)
    repair_of = {id(hit): r for hit, r in zip(analysis.hits, repairs, strict=True)}
    for unit in units:
        unit.features = judge.repair_features(unit, repair_of.get(id(unit.hit), 0.0))
        unit.repair = settings.repair.probability(unit.features) if unit.features else 0.0
        best = judge.best(unit)
        own = unit.hit is not None and best is not None and best.text == unit.hit.replacement
        if unit.kind in ("lexicon", "compound") and own and best.gain > 0:
            # A curated spinner phrase or a rebuilt compound keeps the confidence it earns in the trigram
            # calibration (the contextual repair model saw too few of them to judge), provided the
            # contextual model prefers that repair too.
            unit.repair = max(unit.repair, repair_of.get(id(unit.hit), 0.0))
    decisions: list[SpinDecision] = []
    for unit in _without_losing_runs(units):
        if unit.detection < settings.detect_report and unit.repair < settings.repair_report:
            continue
        best = judge.best(unit)
        replacement = (
            best.text if best is not None and best.gain > 0 and unit.repair >= settings.fix_min else None
        )
        hit = unit.hit
        dropping = (
            replacement is not None
            and unit.kind != "lexicon"
            and only_drops_words(unit.observed, replacement)
        )
        unknown = hit is not None and _unknown_observed(hit)
        safe = (
            replacement is not None
            and safe_repair(unit.kind, unit.detection, unit.repair, settings)
            and not dropping
            and not unknown
        )
        evidence: dict[str, Any] = {
            "features": {
                **(hit.features if hit is not None else {}),
                **_rounded(rows[unit.words[0]] if unit.words else {}),
            },
            "contextual": {"model": judge.lm.name, **_rounded(unit.features)},
        }
        if hit is not None:
            evidence["spin_log_odds"] = round(hit.log_odds, 3)
        alternatives = [
            {"text": c.text, "score": round(c.gain, 3)}
            for c in sorted(unit.candidates, key=lambda c: -c.gain)
            if c.confirmed
        ]
        decisions.append(
            SpinDecision(
                unit.start,
                unit.end,
                unit.observed,
                replacement,
                unit.kind if replacement is not None or unit.kind != "detected" else "detected",
                max(unit.detection, unit.repair),
                unit.repair,
                unit.detection,
                safe,
                evidence=evidence,
                alternatives=alternatives,
                sources=hit.sources if hit is not None and best is not None and best.thesaurus else (),
                origin=hit.origin if hit is not None and best is not None and best.lexicon else "",
            )
        )
    if trace is not None:
        trace["rows"] = rows
        trace["detection"] = detection
        trace["units"] = units
    return merge_detected(decisions, prose)


def safe_repair(kind: str, detection: float, repair: float, settings: JudgeSettings) -> bool:
    """Whether a repair may be applied unread. It must be right twice: the word was spun, and this was
    its original. A confident repair of a word that is only doubtfully spun is how correct words get
    replaced in clean text, where the document's low spin rate keeps detection down; a curated lexicon
    entry is itself the evidence that the phrase is a spinner's."""
    surely_spun = kind == "lexicon" or detection >= settings.safe_detection
    return surely_spun and repair >= settings.safe


def _without_losing_runs(units: list[Any]) -> list[Any]:
    """A phrase-level unit replaces the units inside it when its repair is more confident than theirs;
    otherwise it is dropped."""
    runs = [u for u in units if u.run]
    dropped: set[int] = set()
    for run in runs:
        inside = [u for u in units if not u.run and run.start <= u.start and u.end <= run.end]
        outside = [
            u for u in units if not u.run and u.start < run.end and run.start < u.end and u not in inside
        ]
        if outside or run.repair <= max((u.repair for u in inside), default=0.0):
            dropped.add(id(run))
        else:
            dropped.update(id(u) for u in inside)
    return [u for u in units if id(u) not in dropped]


def merge_detected(decisions: list[SpinDecision], text: str) -> list[SpinDecision]:
    """Adjacent spun words without a fix become one span: the span a spinner rewrote as a unit."""
    out: list[SpinDecision] = []
    for d in sorted(decisions, key=lambda d: (d.start, d.end)):
        last = out[-1] if out else None
        if (
            last is not None
            and last.replacement is None
            and d.replacement is None
            and last.kind == d.kind == "detected"
            and text[last.end : d.start].strip(" -") == ""
            and d.start - last.end <= 2
        ):
            last.end = d.end
            last.observed = text[last.start : d.end]
            last.detection = max(last.detection, d.detection)
            last.confidence = max(last.confidence, d.confidence)
            continue
        out.append(d)
    return out


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in values.items()}
