"""The grammar stage: LanguageTool over the repaired text, findings mapped back to source offsets.

It runs after the rewrite step, so it checks ``doc.clean_text`` (spin and stuffing fixes applied), sent as
LanguageTool's annotated text: protected spans (front matter, code, markup) are markup, code is read as a
placeholder word whose article agreement is right (``languagetool/annotate.py``). Every match is mapped
through ``doc.offset_map``; a match on protected text is dropped.
A match wholly inside text unspin did not edit gets a fix on its source span; a match touching edited
text is reported without one. Which LanguageTool categories become which GRAM code, which rules are
switched off, and which rules may fix safely is data: ``data/languagetool/policy.toml``.

Server lifecycle: the first batch starts one server (or connects to ``languagetool.url`` /
``$UNSPIN_LANGUAGETOOL_URL``) through ``ctx.resource("languagetool", …)``; ``ctx.close()`` stops it.
Without Java or an installation, mode ``auto`` warns once and marks each document ``skipped``; mode
``required`` raises DependencyError.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from unspin import rules
from unspin.config import ConfigError
from unspin.document import Applicability, Document, Finding, Fix, OffsetMap, Span, apply_edits
from unspin.errors import DependencyError
from unspin.languagetool.annotate import annotate
from unspin.languagetool.client import LanguageToolClient, LtMatch, policy, request_fields
from unspin.languagetool.install import LanguageToolUnavailable
from unspin.pipeline import Context, register_stage

URL_ENV = "UNSPIN_LANGUAGETOOL_URL"
# Requests are split at paragraph breaks into chunks of about this many characters: small enough for
# any server's limits and quick responses, large enough to keep the request count low.
CHUNK_CHARS = 20_000
CONFIDENCE_SAFE = 0.9
CONFIDENCE_UNSAFE = 0.6
CONFIDENCE_SPELLING = 0.5
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)


@dataclass
class GrammarService:
    """The run's LanguageTool connection, or why there is none."""

    client: LanguageToolClient | None = None
    url: str | None = None
    version: str | None = None
    server: Any = None  # the ManagedServer this run started, if it started one
    batch_server: bool = False  # the server at ``url`` was started by this batch for its workers
    reason: str | None = None
    # Why checking stopped mid-run (the server died and did not come back): later documents skip too.
    lost: str | None = None

    @property
    def managed(self) -> bool:
        return self.server is not None

    @property
    def available(self) -> bool:
        return self.client is not None


def open_service(ctx: Context) -> GrammarService:
    """Connect to (or start) the run's LanguageTool server; never raises for a missing component."""
    from unspin.languagetool.server import ManagedServer, probe, start_server

    lt = ctx.settings.languagetool
    extra_disabled = GrammarOptions.from_settings(ctx.settings.stage("grammar")).disabled_rules
    fields = request_fields(lt.language, extra_disabled)
    url = lt.url or os.environ.get(URL_ENV) or None
    if url is None:
        from unspin.languagetool import warm

        url = warm.running_url()  # a server kept warm by `unspin languagetool start`, if one is live
    server: ManagedServer | None = None
    try:
        if url is None:
            server = start_server(ctx.settings, warmup=fields)
            ctx.on_close(server.stop)
            url = server.url
            version = server.installation.version
        else:
            version = str(probe(url, fields=fields).get("version", "unknown"))
        # A server this run started is started again once if it dies mid-batch.
        restart = server.restart if server is not None else None
        client = LanguageToolClient(url, lt.language, extra_disabled, restart=restart)
        ctx.on_close(client.close)
    except DependencyError as exc:
        if server is not None:
            server.stop()
        return GrammarService(reason=str(exc))
    return GrammarService(
        client=client, url=url, version=version, server=server, batch_server=lt.batch_server and url == lt.url
    )


@register_stage
class GrammarStage:
    name: ClassVar[str] = "grammar"

    def __call__(self, docs: list[Document], ctx: Context) -> None:
        lt = ctx.settings.languagetool
        if lt.mode == "off":
            for doc in docs:
                doc.skipped[self.name] = "LanguageTool is off (languagetool.mode = off)"
            return
        if lt.unavailable:
            # The batch parent already tried to start the server, failed and warned; workers only record it.
            for doc in docs:
                doc.skipped[self.name] = lt.unavailable
            return
        service: GrammarService = ctx.resource("languagetool", lambda: self._open(ctx))
        if not service.available:
            if lt.mode == "required":
                raise DependencyError(f"grammar checks required but unavailable: {service.reason}")
            for doc in docs:
                doc.skipped[self.name] = service.reason or "LanguageTool unavailable"
            return
        options = GrammarOptions.from_settings(ctx.settings.stage(self.name))
        for doc in docs:
            if service.lost is None:
                try:
                    check_document(doc, service, options)
                    continue
                except LanguageToolUnavailable as exc:
                    if lt.mode == "required":
                        raise
                    service.lost = str(exc)
                    print(f"unspin: warning: grammar checks skipped from here on: {exc}", file=sys.stderr)
            doc.skipped[self.name] = service.lost

    def _open(self, ctx: Context) -> GrammarService:
        service = open_service(ctx)
        if not service.available and ctx.settings.languagetool.mode != "required":
            # Once per run: the resource is cached in the context, so later batches do not warn again.
            print(f"unspin: warning: grammar checks skipped: {service.reason}", file=sys.stderr)
        return service


@dataclass(frozen=True)
class GrammarOptions:
    """``[tool.unspin.stages.grammar]``: project additions to the policy data."""

    safe_rules: frozenset[str] = frozenset()
    disabled_rules: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, table: dict[str, Any]) -> GrammarOptions:
        unknown = sorted(set(table) - {"safe_rules", "disabled_rules"})
        if unknown:
            raise ConfigError(f"stages.grammar.{unknown[0]}: unknown configuration key")
        return cls(
            safe_rules=frozenset(_rule_ids(table, "safe_rules")),
            disabled_rules=_rule_ids(table, "disabled_rules"),
        )


def _rule_ids(table: dict[str, Any], key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"stages.grammar.{key}: expected a list of LanguageTool rule ids")
    return tuple(value)


# --- one document -----------------------------------------------------------------------------------


def check_document(doc: Document, service: GrammarService, options: GrammarOptions) -> None:
    assert service.client is not None
    clean, offset_map = doc.clean_text, doc.offset_map
    if clean is None or offset_map is None:
        # A pipeline without the rewrite step: check the source itself.
        clean, offset_map = apply_edits(doc.source, [])
    text, blanked = checkable_text(clean, offset_map, doc.protected)
    matches: list[LtMatch] = []
    sentences: list[Span] = []
    for start, chunk in paragraph_chunks(text, CHUNK_CHARS):
        if chunk.strip():
            # Protected text goes as markup (code read as a word), so its neighbours are checked as written.
            parts = annotate(clean, blanked, start, start + len(chunk))
            found, ranges = service.client.check_annotated(parts)
            matches.extend(_shifted(m, start) for m in found)
            sentences.extend(Span(a + start, b + start) for a, b in ranges)
    findings, kept = matches_to_findings(doc, text, offset_map, matches, blanked, options, sentences)
    doc.findings.extend(findings)
    doc.analysis["grammar"] = {
        "languagetool_version": service.version,
        "server": "managed" if service.managed or service.batch_server else service.url,
        "matches": len(matches),
        "findings": len(findings),
        "safe_fixes": sum(1 for f in findings if f.fix and f.fix.applicability == Applicability.SAFE),
        "spelling_kept": kept,
    }


def _shifted(m: LtMatch, delta: int) -> LtMatch:
    if delta == 0:
        return m
    return LtMatch(
        m.rule_id,
        m.category,
        m.issue_type,
        m.message,
        m.offset + delta,
        m.length,
        m.replacements,
        m.sentence,
        m.short_message,
    )


def checkable_text(clean: str, offset_map: OffsetMap, protected: list[Span]) -> tuple[str, list[Span]]:
    """The clean text with protected source spans blanked to spaces (newlines kept, offsets unchanged),
    and the blanked spans in clean-text offsets."""
    blanked: list[Span] = []
    for span in protected:
        for seg in offset_map.segments:
            if seg.changed:
                continue
            lo, hi = max(span.start, seg.src_start), min(span.end, seg.src_end)
            if lo < hi:
                blanked.append(Span(seg.out_start + lo - seg.src_start, seg.out_start + hi - seg.src_start))
    if not blanked:
        return clean, []
    chars = list(clean)
    for span in blanked:
        for i in range(span.start, span.end):
            if chars[i] not in "\r\n":
                chars[i] = " "
    return "".join(chars), sorted(blanked)


def paragraph_chunks(text: str, limit: int) -> Iterable[tuple[int, str]]:
    """Split at blank lines into chunks of at most about ``limit`` characters (a longer paragraph stays
    whole), yielding each chunk's start offset and text."""
    start = 0
    while len(text) - start > limit:
        cut = text.rfind("\n\n", start, start + limit)
        if cut <= start:
            cut = text.find("\n\n", start + limit)
            if cut == -1:
                break
        yield start, text[start : cut + 2]
        start = cut + 2
    yield start, text[start:]


def matches_to_findings(
    doc: Document,
    text: str,
    offset_map: OffsetMap,
    matches: list[LtMatch],
    blanked: list[Span],
    options: GrammarOptions,
    sentence_ranges: list[Span] | None = None,
) -> tuple[list[Finding], list[str]]:
    """Findings for the matches that concern prose, and the spelling matches kept as deliberate words.

    ``sentence_ranges`` are LanguageTool's sentences (checked-text offsets); without them a match's
    sentence is found from the sentence text it carries."""
    data = policy()
    safe_rules = {**data["safe"], **{rule: {"kind": "project"} for rule in options.safe_rules}}
    spelling_categories = set(data["spelling"]["categories"])
    relevant = [m for m in matches if m.length > 0 and not _touches(m, blanked)]
    sentences = _sentence_spans(text, relevant, sentence_ranges or [])
    deliberate = _deliberate_words(doc)
    findings: list[Finding] = []
    kept: list[str] = []
    for m in relevant:
        start, end, untouched = offset_map.span_to_source(m.offset, m.end)
        spelling = m.category in spelling_categories
        if spelling and _is_deliberate(doc, text[m.offset : m.end], start, end, deliberate):
            kept.append(text[m.offset : m.end])
            continue
        code = data["categories"].get(m.category, data["default_code"])
        applicability, why = _applicability(m, relevant, sentences, safe_rules, spelling)
        fix = None
        replacement = m.replacements[0] if m.replacements else None
        if untouched and replacement is not None and replacement != text[m.offset : m.end]:
            fix = Fix.replace(start, end, replacement, applicability)
        elif not untouched:
            why = "the match touches text unspin rewrote; review it there"
        confidence = CONFIDENCE_SPELLING if spelling else CONFIDENCE_UNSAFE
        if fix is not None and fix.applicability == Applicability.SAFE:
            confidence = CONFIDENCE_SAFE
        findings.append(
            rules.finding(
                code,
                start,
                end,
                m.message,
                confidence=confidence,
                fix=fix,
                evidence={
                    "lt_rule": m.rule_id,
                    "lt_category": m.category,
                    "lt_issue_type": m.issue_type,
                    "checked_text": text[m.offset : m.end],
                    "in_rewritten_text": not untouched,
                    "fix_applicability": why,
                },
                alternatives=[{"text": r, "score": None} for r in m.replacements[:5]],
            )
        )
    return findings, kept


def _touches(m: LtMatch, blanked: list[Span]) -> bool:
    # A match on blanked markup is about the blanks (e.g. "repeated spaces"), not about the prose.
    probe = Span(m.offset, m.end)
    return any(span.overlaps(probe) for span in blanked)


def _sentence_spans(text: str, matches: list[LtMatch], ranges: list[Span]) -> dict[int, Span]:
    """Each match's sentence span: the sentence range that holds it, else found from the sentence text
    LanguageTool returns with it."""
    spans: dict[int, Span] = {}
    for m in matches:
        holder = next((r for r in ranges if r.start <= m.offset and m.end <= r.end), None)
        if holder is not None:
            spans[id(m)] = holder
            continue
        sentence = m.sentence.strip()
        # The last occurrence that starts at or before the match (rfind's end bounds the whole needle).
        at = text.rfind(sentence, 0, m.offset + len(sentence)) if sentence else -1
        if at == -1 or at + len(sentence) < m.end:
            spans[id(m)] = Span(m.offset, m.end)
        else:
            spans[id(m)] = Span(at, at + len(sentence))
    return spans


def _applicability(
    m: LtMatch,
    matches: list[LtMatch],
    sentences: dict[int, Span],
    safe_rules: dict[str, dict[str, Any]],
    spelling: bool,
) -> tuple[Applicability, str]:
    if spelling:
        return Applicability.UNSAFE, "spelling suggestions may be a different word than meant"
    entry = safe_rules.get(m.rule_id)
    if entry is None:
        return Applicability.UNSAFE, f"{m.rule_id} is not on the safe-fix allow-list"
    if len(m.replacements) != 1:
        return Applicability.UNSAFE, f"{len(m.replacements)} suggestions: choosing one may change the meaning"
    allowed = entry.get("replacements")
    if allowed is not None and m.replacements[0] not in allowed:
        return Applicability.UNSAFE, f"{m.rule_id} is safe only towards {', '.join(map(repr, allowed))}"
    if entry.get("kind") == "agreement":
        sentence = sentences[id(m)]
        rivals = [
            other
            for other in matches
            if other is not m and other.category == "GRAMMAR" and sentences[id(other)] == sentence
        ]
        if rivals:
            return Applicability.UNSAFE, (
                "agreement fix with another grammar match in the same sentence "
                f"({', '.join(sorted({r.rule_id for r in rivals}))}); the two fixes could contradict"
            )
    return Applicability.SAFE, f"{m.rule_id} is on the safe-fix allow-list"


def _deliberate_words(doc: Document) -> set[str]:
    """Lower-cased words from the front matter and the keyphrase: never spelling errors."""
    words: set[str] = set()
    for value in _strings(doc.metadata):
        words.update(w.lower() for w in _WORD.findall(value))
    if doc.keyphrase:
        words.update(w.lower() for w in _WORD.findall(doc.keyphrase))
    return words


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple | set):
        for item in value:
            yield from _strings(item)


def _is_deliberate(doc: Document, matched: str, start: int, end: int, deliberate: set[str]) -> bool:
    words = [w.lower() for w in _WORD.findall(matched)]
    if words and all(w in deliberate for w in words):
        return True
    return _is_proper_name(doc, start, end)


def _is_proper_name(doc: Document, start: int, end: int) -> bool:
    """Whether spaCy (over the same source offsets) tags the span as a proper noun or a named entity."""
    parsed = doc.nlp_doc
    if parsed is None:
        return False
    span = parsed.char_span(start, end, alignment_mode="expand")
    if span is None:
        return False
    return any(tok.pos_ == "PROPN" or tok.ent_type_ for tok in span)
