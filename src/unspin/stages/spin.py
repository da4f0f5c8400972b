"""The spin stage: find synonym-spun phrasing and propose the original wording (SPIN rules).

Runs after ``parse`` (``doc.nlp_doc``) and ``stuffing`` (``doc.keyphrase``). Never touches protected spans,
named entities, numbers, quotations or keyphrase occurrences. The engine (thesaurus index, lexicons,
language model) is loaded once per process through ``ctx.resource``; see docs/spin.md.
"""

from __future__ import annotations

from typing import Any, ClassVar

from unspin import rules
from unspin.document import Applicability, Document, Finding, Fix
from unspin.lexicons import webspin
from unspin.lexicons.phrases import words_of
from unspin.lexicons.pps import TorturedPhrases
from unspin.lm import TrigramLM
from unspin.neural.resource import contextual_lm
from unspin.pipeline import Context, register_stage
from unspin.spin.decide import SpinDecision, decide, decide_contextual
from unspin.spin.detector import builtin_detector
from unspin.spin.engine import SpinEngine, keyphrase_spans
from unspin.spin.inflect import match_case
from unspin.spin.memo import SearchMemo
from unspin.spin.params import builtin_params, with_overrides
from unspin.spin.semantics import WordVectors
from unspin.spin.thesaurus import Thesaurus
from unspin.stages.parse import parse_prose

_RULE_OF_KIND = {"thesaurus": "SPIN002", "compound": "SPIN003", "lexicon": "SPIN004", "detected": "SPIN005"}
# A tortured-phrase entry confirmed in this many papers, with no context clause, may be fixed safely.
_PPS_SAFE_PAPERS = 10


def _engine(ctx: Context) -> SpinEngine:
    params = with_overrides(builtin_params(), ctx.settings.stage("spin"))
    lexicon = webspin.load(ctx.settings.lexicons)
    thesaurus = ctx.resource("thesaurus", Thesaurus.load, shared=True)
    vectors = ctx.resource("word_vectors", WordVectors.load, shared=True)
    return SpinEngine(thesaurus, lexicon, ctx.resource("lm", TrigramLM.load, shared=True), params, vectors)


def _blocked(doc: Document) -> list[tuple[int, int]]:
    spans = [(s.start, s.end) for s in doc.protected]
    return spans + keyphrase_spans(doc.prose, doc.keyphrase)


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _decision_finding(decision: SpinDecision) -> Finding:
    code = _RULE_OF_KIND[decision.kind]
    features = decision.evidence.get("features", {})
    evidence: dict[str, Any] = {
        "detection_probability": round(decision.detection, 4),
        "repair_confidence": round(decision.repair_confidence, 4),
        "context_pmi": features.get("pmi", features.get("fit")),
        "lm_gain_nats": features.get("delta", features.get("cand_delta")),
        "sources": list(decision.sources),
        "features": features,
    }
    if "spin_log_odds" in decision.evidence:
        evidence["spin_log_odds"] = decision.evidence["spin_log_odds"]
    if decision.origin:
        evidence["lexicon_entry"] = decision.origin
    for key in ("contextual",):
        if key in decision.evidence:
            evidence[key] = decision.evidence[key]
    fix = None
    if decision.replacement:
        applicability = Applicability.SAFE if decision.safe else Applicability.UNSAFE
        fix = Fix.replace(decision.start, decision.end, decision.replacement, applicability)
        message = (
            f"'{decision.observed}' reads like a spun substitute; "
            f"the original was probably '{decision.replacement}'"
        )
    else:
        message = f"'{decision.observed}' reads like a spun substitute; no confident original was found"
    return rules.finding(
        code,
        decision.start,
        decision.end,
        message,
        confidence=decision.confidence,
        fix=fix,
        evidence=evidence,
        alternatives=decision.alternatives,
    )


def _tortured_findings(doc: Document, lm: TrigramLM, blocked: list[tuple[int, int]]) -> list[Finding]:
    words = words_of(doc.prose)
    found: list[Finding] = []
    for match in TorturedPhrases.load().find([w.text for w in words]):
        start, end = words[match.start].start, words[match.end - 1].end
        if _overlaps(start, end, blocked):
            continue
        entry = match.entry
        observed = doc.source[start:end]
        fix = None
        gain = None
        if entry.expected:
            before = [w.text for w in words[max(0, match.start - 2) : match.start]]
            after = [w.text for w in words[match.end : match.end + 2]]
            gain = lm.score_words(
                before + lm.words(entry.expected) + after, bos=False, eos=False
            ) - lm.score_words(
                before + [w.text for w in words[match.start : match.end]] + after, bos=False, eos=False
            )
            initial = match.start == 0 or doc.prose[:start].rstrip()[-1:] in (".", "!", "?", "")
            replacement = match_case(entry.expected, observed, initial)
            safe = entry.papers >= _PPS_SAFE_PAPERS and entry.simple and gain > 0
            fix = Fix.replace(start, end, replacement, Applicability.SAFE if safe else Applicability.UNSAFE)
        message = (
            f"'{observed}' is a listed tortured phrase for '{entry.expected}'"
            if entry.expected
            else f"'{observed}' is a listed tortured phrase"
        )
        found.append(
            rules.finding(
                "SPIN001",
                start,
                end,
                message,
                confidence=0.95 if entry.papers >= _PPS_SAFE_PAPERS else 0.8,
                fix=fix,
                evidence={
                    "query": entry.query_text,
                    "papers": entry.papers,
                    "lm_gain_nats": round(gain, 3) if gain is not None else None,
                    "list": "Problematic Paper Screener (Cabanac, Labbé & Magazinov)",
                },
                alternatives=[{"text": entry.expected, "score": round(gain or 0.0, 3)}]
                if entry.expected
                else [],
            )
        )
    return found


def contextual_judge(ctx: Context, engine: SpinEngine) -> Any:
    """The contextual judge, or None when the run takes the trigram path (``--fast``, or the model is not
    installed: then a warning once per process, or exit 2 with ``--require-model``)."""
    lm = contextual_lm(ctx)
    if lm is None:
        return None

    def load() -> Any:
        from unspin.spin.judge import ContextualJudge, builtin_settings, with_overrides

        settings = with_overrides(builtin_settings(), ctx.settings.stage("spin").get("contextual", {}))
        return ContextualJudge(lm, engine.thesaurus, engine.vectors, settings)

    return ctx.resource("contextual_judge", load)


def clear_caches(ctx: Context) -> None:
    """Empty the look-up caches the stage's engine fills (benchmarks time a pass over unseen text)."""
    if ctx.has_resource("spin_engine"):
        ctx.resource("spin_engine", lambda: None).clear_caches()
    if ctx.has_resource("contextual_lm"):
        ctx.resource("contextual_lm", lambda: None).clear_caches()


@register_stage
class SpinStage:
    name: ClassVar[str] = "spin"

    def __call__(self, docs: list[Document], ctx: Context) -> None:
        engine: SpinEngine = ctx.resource("spin_engine", lambda: _engine(ctx))
        parse_prose([d for d in docs if d.nlp_doc is None], ctx)
        for doc in docs:
            blocked = _blocked(doc)
            tortured = _tortured_findings(doc, engine.lm, blocked)
            taken = [(f.start, f.end) for f in tortured]
            memo = ctx.resource("spin_search_memo", SearchMemo) if ctx.warm else None
            analysis = engine.analyse(doc.nlp_doc, doc.source, blocked + taken, memo)
            detector = ctx.resource("spin_detector", builtin_detector, shared=True)
            judge = contextual_judge(ctx, engine)
            if judge is None:
                decisions = decide(analysis, engine.params, detector)
            else:
                decisions = decide_contextual(analysis, engine.params, detector, judge, doc.nlp_doc)
            findings = [_decision_finding(d) for d in decisions]
            findings.sort(key=lambda f: (f.start, f.end, f.rule))
            for finding in tortured + findings:
                doc.add(finding)
            words = len(words_of(doc.prose))
            reported = len(tortured) + len(findings)
            doc.analysis["spin"] = {
                "findings": reported,
                "per_1000_words": round(1000 * reported / words, 2) if words else 0.0,
                "safe_fixes": sum(
                    1 for f in tortured + findings if f.fix and f.fix.applicability == Applicability.SAFE
                ),
                "search_hits": len(analysis.hits),
                "words_examined": len(analysis.words),
                "thesauri": engine.thesaurus.sources_present,
                "engine": "trigram" if judge is None else f"contextual ({judge.lm.name})",
            }
