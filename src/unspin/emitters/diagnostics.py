"""The shared model every diagnostics emitter reads, and the table that picks an emitter by format name.

Emitters only translate (as ruff's do): the positions, fingerprints and fix renderings they need are
computed here once, from the checked :class:`~unspin.document.Document` and its findings.

Positions are given in the text of the *file* a user sees: ``Document.source`` for text and Markdown
(the file exactly as decoded), and the original page (``Document.raw``) for HTML, where the finding's
text is located in the markup. A finding that cannot be located in the page keeps no line (``mapped``
is false) rather than pointing at a wrong one.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, TextIO

from unspin import __version__
from unspin.document import Document, Finding, Severity
from unspin.rules import Rule, registry

TOOL_NAME = "unspin"


@dataclass(frozen=True)
class Position:
    """A 1-based line and column, counted three ways, plus the code-point offset into the file text."""

    line: int
    column: int  # code points (what Python and SARIF ``unicodeCodePoints`` count)
    byte_column: int  # UTF-8 bytes (what reviewdog counts)
    offset: int  # 0-based code-point offset into the file text

    def as_dict(self) -> dict[str, int]:
        return {
            "line": self.line,
            "column": self.column,
            "byte_column": self.byte_column,
            "offset": self.offset,
        }


@dataclass(frozen=True)
class EditView:
    start: Position
    end: Position
    content: str


@dataclass(frozen=True)
class FixView:
    """A finding's fix in file positions; ``replacement`` is what the whole fixed span becomes."""

    applicability: str
    edits: tuple[EditView, ...]
    replacement: str
    applied: bool


@dataclass(frozen=True)
class Diagnostic:
    """One finding as every emitter sees it."""

    path: str
    code: str
    name: str
    category: str
    severity: Severity
    message: str
    start: Position
    end: Position
    text: str  # the finding's text in the file
    confidence: float
    fix: FixView | None
    fingerprint: str
    mapped: bool = True  # false when an HTML finding could not be located in the page
    evidence: dict[str, Any] = field(default_factory=dict)
    alternatives: list[dict[str, Any]] = field(default_factory=list)

    @property
    def single_line(self) -> bool:
        return self.start.line == self.end.line

    @property
    def rule(self) -> Rule | None:
        return registry().get(self.code)


class _LineIndex:
    """Line starts of one text, for code-point and UTF-8 byte columns."""

    def __init__(self, text: str):
        self.text = text
        # Document.line_column is the one definition of lines and columns; reuse it for any text.
        self._doc = Document(path=None, source=text)

    def position(self, offset: int) -> Position:
        offset = max(0, min(offset, len(self.text)))
        line, column = self._doc.line_column(offset)
        line_start = offset - (column - 1)
        byte_column = len(self.text[line_start:offset].encode("utf-8")) + 1
        return Position(line, column, byte_column, offset)


_TAG_OR_HIDDEN = re.compile(
    r"<(script|style|head|noscript|template)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.IGNORECASE | re.DOTALL
)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without the line breaks and spaces at its ends (a removed block often takes the blank
    line before it), so that its line and column point at its first word; all-blank spans stay."""
    inner = text[start:end]
    if not inner.strip():
        return start, end
    return start + len(inner) - len(inner.lstrip()), end - (len(inner) - len(inner.rstrip()))


class FileLocator:
    """Where a finding lies in the file a user sees.

    For text and Markdown the file text is ``Document.source`` and offsets are used as they are. For an
    HTML page the finding's words are looked up in the page's visible text (tags, head, scripts and
    comments masked): the n-th occurrence in the extracted text is taken to be the n-th occurrence in
    the page. Whitespace may differ between the two, so it is matched loosely.
    """

    def __init__(self, doc: Document):
        self.doc = doc
        self.is_html = doc.format == "html" and doc.raw is not None
        self.text = doc.raw if self.is_html and doc.raw is not None else doc.source
        self._visible: str | None = None

    def span(self, finding: Finding) -> tuple[int, int] | None:
        if not self.is_html:
            return _trimmed(self.text, finding.start, finding.end)
        return self._locate(finding.start, finding.end)

    def _locate(self, start: int, end: int) -> tuple[int, int] | None:
        source = self.doc.source
        words = source[start:end].split()
        if not words:
            return None
        if self._visible is None:
            chars = list(self.text)
            for match in _TAG_OR_HIDDEN.finditer(self.text):
                for i in range(match.start(), match.end()):
                    if chars[i] not in "\r\n":
                        chars[i] = "\x00"
            self._visible = "".join(chars)
        pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
        nth = len(pattern.findall(source[:start]))
        for i, match in enumerate(pattern.finditer(self._visible)):
            if i == nth:
                return match.start(), match.end()
        return None


@dataclass
class FileResult:
    """One checked file: its display path (repository-relative, ``/``-separated), the processed
    Document and the findings left after suppression and baseline filtering."""

    path: str
    document: Document
    findings: list[Finding]
    suppressed: int = 0  # findings silenced by inline comments
    baselined: int = 0  # findings already recorded in the baseline
    # Findings located directly in the file text (e.g. an unused suppression comment of an HTML page):
    # (finding, start, end) with file offsets; shown like the others.
    file_findings: list[tuple[Finding, int, int]] = field(default_factory=list)

    @property
    def file_text(self) -> str:
        doc = self.document
        return doc.raw if doc.format == "html" and doc.raw is not None else doc.source

    @property
    def fixable_in_place(self) -> bool:
        """Fixes are source edits; an HTML page's extracted text must never be written over the page."""
        return self.document.format != "html"

    @property
    def scores(self) -> dict[str, Any]:
        return self.document.scores

    @cached_property
    def diagnostics(self) -> list[Diagnostic]:
        index = _LineIndex(self.file_text)
        doc = self.document
        locator = FileLocator(doc)
        located: list[tuple[Finding, int, int, bool]] = []
        for finding in self.findings:
            span = locator.span(finding)
            if span is None:
                located.append((finding, 0, 0, False))
            else:
                located.append((finding, span[0], span[1], True))
        located.extend((f, s, e, True) for f, s, e in self.file_findings)
        located.sort(key=lambda t: (not t[3], t[1], t[2], t[0].rule, t[0].message))

        result: list[Diagnostic] = []
        seen: dict[tuple[str, str], int] = {}
        for finding, start, end, mapped in located:
            text = self.file_text[start:end] if mapped else doc.source[finding.start : finding.end]
            key = (finding.rule, _normalise(text))
            occurrence = seen.get(key, 0)
            seen[key] = occurrence + 1
            rule = registry().get(finding.rule)
            fix = None
            if finding.fix is not None and mapped and not locator.is_html:
                fix = FixView(
                    applicability=finding.fix.applicability.value,
                    edits=tuple(
                        EditView(index.position(e.start), index.position(e.end), e.replacement)
                        for e in finding.fix.edits
                    ),
                    replacement=finding.fix.render(doc.source),
                    applied=finding.applied,
                )
            result.append(
                Diagnostic(
                    path=self.path,
                    code=finding.rule,
                    name=rule.name if rule else finding.rule.lower(),
                    category=finding.category.value,
                    severity=finding.severity,
                    message=finding.message,
                    start=index.position(start),
                    end=index.position(end),
                    text=text,
                    confidence=round(finding.confidence, 4),
                    fix=fix,
                    fingerprint=fingerprint(finding.rule, self.path, text, occurrence),
                    mapped=mapped,
                    evidence=finding.evidence,
                    alternatives=finding.alternatives,
                )
            )
        return result


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


def fingerprint(code: str, path: str, text: str, occurrence: int) -> str:
    """Stable across line shifts (no line numbers), unique per finding in a file (the occurrence index
    tells identical findings apart)."""
    key = "\x1f".join((code, path, _normalise(text), str(occurrence)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class FileProblem:
    """A file that could not be checked (unreadable, not an article …), reported with exit status 2."""

    path: str
    message: str


@dataclass
class EmitContext:
    """What emitters may need beyond the results."""

    version: str = __version__
    root: Path = field(default_factory=Path.cwd)  # paths in results are relative to this folder
    problems: list[FileProblem] = field(default_factory=list)
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    fail_level: str = "error"
    unsafe_fixes: bool = False  # whether unsafe fixes count as "fixable with --fix"
    # GitHub shows about 10 annotations per level and step; more are printed as plain log lines.
    max_annotations_per_level: int = 10
    color: bool = False


class Emitter(Protocol):
    def __call__(self, results: list[FileResult], out: TextIO, ctx: EmitContext) -> None: ...


# Format name → module with an ``emit(results, out, ctx)`` function; imported on first use.
FORMATS: dict[str, str] = {
    "text": "unspin.emitters.text",
    "json": "unspin.emitters.json_check",
    "jsonl": "unspin.emitters.jsonl",
    "sarif": "unspin.emitters.sarif",
    "github": "unspin.emitters.github",
    "rdjson": "unspin.emitters.rdjson",
    "junit": "unspin.emitters.junit",
    "gitlab": "unspin.emitters.gitlab",
}


def emitter(name: str) -> Emitter:
    """The ``emit`` function of a format; ``KeyError`` for an unknown name."""
    module = importlib.import_module(FORMATS[name])
    return module.emit  # type: ignore[no-any-return]


def all_diagnostics(results: list[FileResult]) -> list[Diagnostic]:
    return [d for r in results for d in r.diagnostics]


def summary(results: list[FileResult], ctx: EmitContext) -> dict[str, Any]:
    """Totals shared by the emitters that print a summary."""
    diags = all_diagnostics(results)
    by_severity = {s.value: 0 for s in Severity}
    for d in diags:
        by_severity[d.severity.value] += 1
    fixable = sum(1 for d in diags if d.fix and d.fix.applicability == "safe")
    unsafe = sum(1 for d in diags if d.fix and d.fix.applicability == "unsafe")
    return {
        "files": len(results),
        "files_with_findings": sum(1 for r in results if r.diagnostics),
        "diagnostics": len(diags),
        "by_severity": by_severity,
        "fixable": fixable + (unsafe if ctx.unsafe_fixes else 0),
        "unsafe_fixable": 0 if ctx.unsafe_fixes else unsafe,
        "suppressed": sum(r.suppressed for r in results),
        "baselined": sum(r.baselined for r in results),
        "problems": len(ctx.problems),
    }


SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
