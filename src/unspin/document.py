"""The core model: a Document, the Findings stages attach to it, and one-pass edit application.

Every offset in this module is a Python ``str`` index (code point) into ``Document.source``, the text
exactly as read after decoding. Stages never rewrite that text; they attach findings whose fixes are
applied once, by :func:`apply_edits`, which also returns an :class:`OffsetMap` back to the source.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from unspin.invisible import invisible_runs


class Applicability(StrEnum):
    """How far a fix can be trusted; the rule that reports a finding decides (as in ruff)."""

    SAFE = "safe"  # keeps the meaning; applied by default
    UNSAFE = "unsafe"  # probably right, may change meaning; needs --unsafe-fixes
    DISPLAY_ONLY = "display-only"  # shown as a suggestion, never applied

    @property
    def rank(self) -> int:
        return {"display-only": 0, "unsafe": 1, "safe": 2}[self.value]


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


class Category(StrEnum):
    SPIN = "spin"
    STUFFING = "stuffing"
    BOILERPLATE = "boilerplate"
    GRAMMAR = "grammar"
    STYLE = "style"
    STRUCTURE = "structure"


@dataclass(frozen=True, order=True)
class Span:
    """A half-open range ``[start, end)`` of source offsets."""

    start: int
    end: int

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True, order=True)
class Edit:
    """Replace ``source[start:end]`` with ``replacement`` (an insertion when start == end)."""

    start: int
    end: int
    replacement: str

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


@dataclass(frozen=True)
class Fix:
    """One or more edits applied together or not at all, with the applicability its rule chose."""

    edits: tuple[Edit, ...]
    applicability: Applicability

    @classmethod
    def replace(cls, start: int, end: int, replacement: str, applicability: Applicability) -> Fix:
        return cls((Edit(start, end, replacement),), applicability)

    @property
    def span(self) -> Span:
        return Span(min(e.start for e in self.edits), max(e.end for e in self.edits))

    @property
    def replacement(self) -> str:
        """The text the fixed span becomes (the single edit's text, or the edits stitched together)."""
        if len(self.edits) == 1:
            return self.edits[0].replacement
        raise ValueError("multi-edit fix has no single replacement; use render(source)")

    def render(self, source: str) -> str:
        """The text that ``source[span]`` becomes when this fix alone is applied."""
        span = self.span
        text, _ = apply_edits(source[span.start : span.end], [_shift(e, -span.start) for e in self.edits])
        return text


def _shift(edit: Edit, delta: int) -> Edit:
    return Edit(edit.start + delta, edit.end + delta, edit.replacement)


@dataclass
class Finding:
    """One diagnostic: what was found, where, why, and what it could become."""

    rule: str
    category: Category
    severity: Severity
    start: int
    end: int
    message: str
    confidence: float = 1.0
    fix: Fix | None = None
    # Free-form, JSON-serialisable evidence an editor can read (LM scores, density, parse facts…).
    evidence: dict[str, Any] = field(default_factory=dict)
    # Ranked alternatives for the span: [{"text": ..., "score": ...}, ...].
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    # Set by the rewrite step: whether this finding's fix made it into the clean text.
    applied: bool = False

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


@dataclass
class Document:
    """One article: where it came from, its source text, and everything the stages learned about it."""

    path: Path | None
    source: str
    format: str = "txt"  # txt | md | html
    # The original file text when ``source`` was extracted from it (HTML); otherwise None.
    raw: str | None = None
    # Front matter and other reader metadata (title, keyphrase, …).
    metadata: dict[str, Any] = field(default_factory=dict)
    # Spans never analysed or rewritten: front matter, code, HTML comments, link URLs, markup.
    protected: list[Span] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # Results computed by stages, keyed by stage name (JSON-serialisable): stuffing density, spin stats…
    analysis: dict[str, Any] = field(default_factory=dict)
    keyphrase: str | None = None
    title: str | None = None
    # Set by the parse stage: a spaCy Doc over ``prose`` (same offsets as ``source``).
    nlp_doc: Any = None
    # Set by the rewrite step and later stages.
    clean_text: str | None = None
    offset_map: OffsetMap | None = None
    structure: dict[str, Any] | None = None
    scores: dict[str, Any] = field(default_factory=dict)
    # Stages that were skipped, with the reason (e.g. grammar without Java).
    skipped: dict[str, str] = field(default_factory=dict)
    _prose: str | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.path.name if self.path else "<stdin>"

    @property
    def prose(self) -> str:
        """``source`` with protected spans blanked to spaces, so offsets stay identical.

        Invisible characters beside a space or a line end are blanked too: the normalize stage removes
        them, and every engine should read this text as it reads the repaired one, or cleaning the clean
        article would find what the first clean did not (a lexicon phrase behind a byte order mark).
        Inside a word they stay: blanking would split the word that their removal joins."""
        if self._prose is None:
            chars = list(self.source)
            for span in self.protected:
                for i in range(span.start, min(span.end, len(chars))):
                    if chars[i] not in "\r\n":
                        chars[i] = " "
            for start, end in invisible_runs(self.source):
                before = self.source[start - 1] if start else " "
                after = self.source[end] if end < len(self.source) else " "
                if before.isspace() or after.isspace():
                    chars[start:end] = " " * (end - start)
            self._prose = "".join(chars)
        return self._prose

    def protect(self, start: int, end: int) -> None:
        if end > start:
            self.protected.append(Span(start, end))
            self._prose = None

    def is_protected(self, start: int, end: int) -> bool:
        probe = Span(start, end)
        return any(span.overlaps(probe) for span in self.protected)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def line_column(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in code points) of a source offset."""
        starts = self._line_starts()
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    def _line_starts(self) -> list[int]:
        cached = self.analysis.get("_line_starts")
        if cached is None:
            cached = [0] + [i + 1 for i, ch in enumerate(self.source) if ch == "\n"]
            self.analysis["_line_starts"] = cached
        return cached


@dataclass(frozen=True)
class Segment:
    """A run of output text and the source range it came from; ``changed`` marks edited runs."""

    out_start: int
    out_end: int
    src_start: int
    src_end: int
    changed: bool


class OffsetMap:
    """Maps offsets in edited text back to the source it was made from."""

    def __init__(self, segments: list[Segment]):
        self.segments = segments
        self._out_starts = [s.out_start for s in segments]

    def _segment(self, out_offset: int) -> Segment:
        """The segment containing ``out_offset`` (the last one, for the end of the text)."""
        i = max(0, bisect.bisect_right(self._out_starts, out_offset) - 1)
        # Zero-length segments (deletions) contain nothing: step back to the run holding the offset.
        while i > 0 and self.segments[i].out_end <= out_offset and self.segments[i].out_start == out_offset:
            i -= 1
        return self.segments[i]

    def to_source(self, out_offset: int) -> int:
        """Source offset of an output offset; inside an edited run, the run's source start."""
        if not self.segments:
            return out_offset
        seg = self._segment(out_offset)
        if seg.changed:
            return seg.src_start if out_offset < seg.out_end else seg.src_end
        return seg.src_start + min(out_offset - seg.out_start, seg.src_end - seg.src_start)

    def span_to_source(self, out_start: int, out_end: int) -> tuple[int, int, bool]:
        """Source span of an output span, and whether it lies wholly in unedited text.

        A span touching an edited run widens to cover that run's whole source range."""
        if out_end <= out_start or not self.segments:
            point = self.to_source(out_start)
            return (
                point,
                point,
                not any(s.changed and s.out_start < out_start < s.out_end for s in self.segments),
            )
        first = self._segment(out_start)
        last = self._segment(out_end - 1)
        src_start = first.src_start if first.changed else first.src_start + (out_start - first.out_start)
        src_end = last.src_end if last.changed else last.src_start + (out_end - last.out_start)
        untouched = not any(
            s.changed
            and (
                (s.out_start < out_end and out_start < s.out_end)
                or (s.out_start == s.out_end and out_start < s.out_start < out_end)
            )
            for s in self.segments
        )
        return src_start, max(src_start, src_end), untouched


_LINE_END = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` with their line ends, as Markdown counts them: a line ends at CRLF, CR or LF
    only. (``str.splitlines`` also ends one at VT, FF, the separators U+001C-U+001E, NEL, U+2028 and
    U+2029, which in Markdown are characters inside a line, of a code span, say.)"""
    lines: list[str] = []
    pos = 0
    for match in _LINE_END.finditer(text):
        lines.append(text[pos : match.end()])
        pos = match.end()
    if pos < len(text):
        lines.append(text[pos:])
    return lines


def apply_edits(source: str, edits: list[Edit]) -> tuple[str, OffsetMap]:
    """Apply non-overlapping edits in one pass and return the new text with its offset map.

    Edits must not overlap (choose them with :func:`select_fixes`); two insertions at one offset
    keep their given order. Raises ``ValueError`` on overlap so that a bad selection cannot silently
    corrupt text.
    """
    ordered = sorted(enumerate(edits), key=lambda pair: (pair[1].start, pair[1].end, pair[0]))
    pieces: list[str] = []
    segments: list[Segment] = []
    cursor = 0
    out = 0
    for _, edit in ordered:
        if edit.start < cursor or edit.end < edit.start or edit.end > len(source):
            raise ValueError(f"overlapping or invalid edit {edit!r}")
        if edit.start > cursor:
            kept = source[cursor : edit.start]
            pieces.append(kept)
            segments.append(Segment(out, out + len(kept), cursor, edit.start, False))
            out += len(kept)
        pieces.append(edit.replacement)
        segments.append(Segment(out, out + len(edit.replacement), edit.start, edit.end, True))
        out += len(edit.replacement)
        cursor = edit.end
    if cursor < len(source) or not segments:
        kept = source[cursor:]
        pieces.append(kept)
        segments.append(Segment(out, out + len(kept), cursor, len(source), False))
    return "".join(pieces), OffsetMap(segments)


def select_fixes(findings: list[Finding], minimum: Applicability) -> list[Finding]:
    """Pick the findings whose fixes will be applied: at or above ``minimum``, non-overlapping,
    highest confidence first (ties: earlier span, then rule code, so the choice is deterministic).

    A removal wins over the fixes it would take out whole: a boilerplate line with a stray control
    character or a no-break space inside is removed, instead of losing to the repair of that character
    (which a second clean would then follow with the removal)."""
    candidates = [
        f
        for f in findings
        if f.fix is not None
        and f.fix.applicability != Applicability.DISPLAY_ONLY
        and f.fix.applicability.rank >= minimum.rank
    ]
    candidates.sort(key=lambda f: (-f.confidence, f.fix.span.start, f.rule, f.fix.span.end))  # type: ignore[union-attr]
    chosen: list[Finding] = []
    for finding in candidates:
        assert finding.fix is not None
        spans = [e.span for e in finding.fix.edits]
        clashing = [c for c in chosen if any(_conflicts(s, e.span) for s in spans for e in c.fix.edits)]  # type: ignore[union-attr]
        if not clashing:
            chosen.append(finding)
        elif all(subsumes(finding, c) for c in clashing):
            gone = {id(c) for c in clashing}
            chosen = [c for c in chosen if id(c) not in gone]
            chosen.append(finding)
    return chosen


def subsumes(removal: Finding, other: Finding) -> bool:
    """Whether ``removal``'s fix deletes text that holds every edit of ``other``'s fix."""
    if removal.fix is None or other.fix is None:
        return False
    deletions = [e.span for e in removal.fix.edits if not e.replacement]
    return all(any(deletes(d, e.span) for d in deletions) for e in other.fix.edits)


def deletes(deletion: Span, span: Span) -> bool:
    """Whether deleting ``deletion`` takes out ``span`` with other text around it (the same span is a
    rival edit, not one the deletion makes moot)."""
    return deletion.contains(span) and deletion != span


def _conflicts(a: Span, b: Span) -> bool:
    # Two insertions at the same point, or an insertion strictly inside a replaced range, conflict too.
    if a.start == a.end or b.start == b.end:
        return b.start < a.start < b.end or a.start < b.start < a.end or a == b
    return a.overlaps(b)
