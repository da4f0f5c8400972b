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

With the optional neural judge (``--neural``), hits that pass its pre-filter are decided by the neural
calibration instead (``neural/judge.py``): its best candidate is the fix, its probability the confidence,
and the words of such a hit are no longer reported by the word detector on their own.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from unspin.spin.detector import DocumentDetector
from unspin.spin.engine import SpinAnalysis
from unspin.spin.params import SpinParams

if TYPE_CHECKING:
    from unspin.neural.judge import NeuralJudge


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


def decide(
    analysis: SpinAnalysis,
    params: SpinParams,
    detector: DocumentDetector,
    neural: NeuralJudge | None = None,
) -> list[SpinDecision]:
    probabilities = detector.probabilities([w.features for w in analysis.words])
    detected = list(zip(analysis.words, probabilities, strict=True))
    decisions: list[SpinDecision] = []
    covered: list[tuple[int, int]] = []
    repairs = [params.confidence(hit.features) for hit in analysis.hits]
    detections = hit_detections(analysis.hits, analysis.words, probabilities)
    rescored = neural.evidence(analysis.hits, repairs, detections) if neural else {}
    # Words the neural model has judged: its verdict replaces the word detector's for them.
    judged = [(analysis.hits[i].start, analysis.hits[i].end) for i in rescored]
    for index, hit in enumerate(analysis.hits):
        if index in rescored and neural is not None:
            decision = _neural_decision(hit, repairs[index], detections[index], rescored[index], neural)
            if decision is not None:
                decisions.append(decision)
                covered.append((hit.start, hit.end))
            continue
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
        if any(s < word.end and word.start < e for s, e in covered + judged):
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


def _neural_decision(
    hit: Any, repair: float, detection: float, evidence: Any, neural: NeuralJudge
) -> SpinDecision | None:
    """A re-scored hit: the neural model's best candidate, with the neural calibration's confidence."""
    calibration = neural.calibration
    probability = calibration.probability(repair, detection, evidence.features, hit.features)
    if probability < calibration.report_confidence:
        return None
    replacement = evidence.replacement
    # The same precision guards as for the trigram model's repairs: neither is ever fixed safely.
    safe = (
        probability >= calibration.safe_confidence
        and not _drops_words(hit, replacement)
        and not _unknown_observed(hit)
    )
    return SpinDecision(
        hit.start,
        hit.end,
        hit.observed,
        replacement,
        hit.kind,
        probability,
        probability,
        detection,
        safe,
        evidence={
            "features": hit.features,
            "spin_log_odds": round(hit.log_odds, 3),
            "neural": {"model": neural.lm.name, **evidence.features},
            "trigram_replacement": hit.replacement,
            "trigram_confidence": round(repair, 4),
        },
        alternatives=evidence.alternatives,
        sources=hit.sources if replacement == hit.replacement else (),
        origin=hit.origin if replacement == hit.replacement else "",
    )
