"""The normalize stage: encoding damage and typographic noise, each a finding with a safe fix.

- NORM001 mojibake (text decoded with the wrong encoding, e.g. ``donâ€™t``), repaired with ftfy;
- NORM002 invisible control and format characters (NUL…, zero-width spaces, soft hyphens, BOMs);
- NORM003 runs of spaces inside a line;
- NORM004 a space before punctuation (``word , word``);
- NORM005 doubled punctuation (``,,`` ``;;`` ``..``);
- NORM006 trailing whitespace at the end of a line (plain text only: in Markdown it is a line break).

Only prose is examined (protected spans are skipped). Offsets are ``str`` indices; CRLF line endings
are left as they are: a line ending is not noise.
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import ClassVar

import ftfy

from unspin import rules
from unspin.document import (
    Applicability,
    Document,
    Edit,
    Finding,
    Fix,
    OffsetMap,
    Span,
    apply_edits,
    split_lines,
)
from unspin.invisible import invisible_runs, is_invisible
from unspin.pipeline import Context, register_stage

# Not beside a table pipe: spaces there align the columns.
_SPACE_RUN = re.compile(r"(?<=[^\s|])[ \t\u00a0]{2,}(?=[^\s|])")
# A space before , ; . ! ? that ends a clause: the mark is followed by a space, a closing quote or
# bracket, or the end of the line, so ".NET" and " ..." stay untouched. A colon counts only after a
# word and before a space, so "3 : 2" and " :)" stay too.
_SPACE_BEFORE_PUNCT = re.compile(
    r"(?<=[\w)\]\"'’”%])[ \t\u00a0]+(?=[,;.!?](?:[ \t\r\"'’”)\]]|$))"
    r"|(?<=[^\W\d_])[ \t\u00a0]+(?=:(?:[ \t\r]|$))",
    re.MULTILINE,
)
_DOUBLED = re.compile(r"(?<=\w)(?:(,)\1+|(;)\2+|(?<!\.)(\.)\3(?!\.))(?=\s|$|[\"'’”)\]])", re.MULTILINE)
_TRAILING = re.compile(r"(?<=\S)[ \t\u00a0]+(?=\r?$)", re.MULTILINE)


def _ftfy_config(fmt: str) -> ftfy.TextFixerConfig:
    # Only encoding repair and ligatures: quotes, widths, line breaks and Unicode normal forms are the
    # author's choice, not damage. HTML entities are damage only in plain text.
    return ftfy.TextFixerConfig(
        unescape_html=fmt == "txt",
        uncurl_quotes=False,
        fix_line_breaks=False,
        fix_character_width=False,
        normalization=None,
        remove_control_chars=False,
        explain=False,
    )


def _lines(text: str) -> Iterator[tuple[int, str]]:
    pos = 0
    for line in split_lines(text):
        yield pos, line.rstrip("\r\n")
        pos += len(line)


def _repairs(line: str, fixed: str) -> list[tuple[int, int, str]]:
    """What ``fixed`` changes in ``line``: (start, end, replacement) with offsets in ``line``."""
    if fixed == line:
        return []
    matcher = difflib.SequenceMatcher(None, line, fixed, autojunk=False)
    return [(a1, a2, fixed[b1:b2]) for op, a1, a2, b1, b2 in matcher.get_opcodes() if op != "equal"]


def mojibake_findings(doc: Document) -> list[Finding]:
    config = _ftfy_config(doc.format)
    prose = doc.prose
    found: list[Finding] = []
    for base, line in _lines(prose):
        if line.isascii() and "&" not in line:
            continue
        for a1, a2, repaired in _repairs(line, ftfy.fix_text(line, config)):
            start, end = base + a1, base + a2
            if start == end or doc.is_protected(start, end):
                continue
            damaged = doc.source[start:end]
            found.append(
                rules.finding(
                    "NORM001",
                    start,
                    end,
                    f"garbled characters {damaged!r} → {repaired!r}",
                    confidence=0.95,
                    fix=Fix.replace(start, end, repaired, Applicability.SAFE),
                    evidence={"damaged": damaged, "repaired": repaired, "fixer": "ftfy"},
                )
            )
    return found


def control_findings(doc: Document) -> list[Finding]:
    found: list[Finding] = []
    text = doc.source
    for i, j in invisible_runs(text):
        if not doc.is_protected(i, j):
            names = sorted({unicodedata.name(c, f"U+{ord(c):04X}") for c in text[i:j]})
            codes = [f"U+{ord(c):04X}" for c in text[i:j]]
            found.append(
                rules.finding(
                    "NORM002",
                    i,
                    j,
                    f"invisible character{'s' if j - i > 1 else ''} {', '.join(codes[:3])}",
                    confidence=1.0,
                    fix=Fix.replace(i, j, "", Applicability.SAFE),
                    evidence={"characters": codes, "names": names},
                )
            )
    return found


def _shown(seen: str) -> str:
    """The matched text quoted for a message, with tabs and no-break spaces spelled out once."""
    return "'" + seen.replace("\t", "\\t").replace("\u00a0", "\\u00a0") + "'"


def _pattern_findings(
    doc: Document, pattern: re.Pattern[str], code: str, message: str, replacement: str | None
) -> list[Finding]:
    found: list[Finding] = []
    text = doc.source
    for match in pattern.finditer(text):
        start, end = match.start(), match.end()
        if doc.is_protected(start, end) or "\n" in text[start:end]:
            continue
        new = replacement if replacement is not None else match.group(0)[0]
        seen = text[start:end]
        found.append(
            rules.finding(
                code,
                start,
                end,
                message.format(seen=_shown(seen)),
                confidence=1.0,
                fix=Fix.replace(start, end, new, Applicability.SAFE),
                evidence={"found": seen, "replacement": new},
            )
        )
    return found


_SPACES = " \t\u00a0"


def _between_spaces(doc: Document, controls: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """Invisible characters inside a run of spaces ("end.  \ufeff  Next"): removing them and collapsing
    the spaces on each side separately would leave two spaces, which a second clean would collapse again.
    The whole run becomes one space in one fix instead. Returns those findings and the control findings
    that stay as they are."""
    text = doc.source
    regions: dict[tuple[int, int], list[str]] = {}
    rest: list[Finding] = []
    last: tuple[int, int] | None = None  # the previous finding's run (controls come in source order)
    for finding in controls:
        if last is not None and finding.start < last[1]:
            # Inside the run already measured: one pass over a long run, not one per control character in it.
            if last in regions:
                regions[last].extend(finding.evidence.get("characters", []))
            else:
                rest.append(finding)
            continue
        start, end = finding.start, finding.end
        while start > 0 and (text[start - 1] in _SPACES or is_invisible(text[start - 1])):
            start -= 1
        while end < len(text) and (text[end] in _SPACES or is_invisible(text[end])):
            end += 1
        spaced = sum(1 for c in text[start:end] if c in _SPACES)
        # Not at a line's start (indentation) or end (trailing space), nor beside a table pipe.
        edges = (text[start - 1] if start else "\n") + (text[end] if end < len(text) else "\n")
        last = (start, end)
        if spaced < 2 or any(c in "\r\n|" for c in edges) or doc.is_protected(start, end):
            rest.append(finding)
            continue
        regions.setdefault((start, end), []).extend(finding.evidence.get("characters", []))
    merged = [
        rules.finding(
            "NORM002",
            start,
            end,
            f"invisible character{'s' if len(codes) > 1 else ''} {', '.join(codes[:3])} in a run of spaces",
            confidence=1.0,
            fix=Fix.replace(start, end, " ", Applicability.SAFE),
            evidence={"characters": list(dict.fromkeys(codes)), "replacement": " "},
        )
        for (start, end), codes in sorted(regions.items())
    ]
    return merged, rest


def _one_round(doc: Document) -> list[Finding]:
    """The normalize findings of one look at the text, in source order and without overlaps."""
    spaced, controls = _between_spaces(doc, control_findings(doc))
    found = mojibake_findings(doc) + spaced + controls
    starts = [f.start for f in spaced]
    for run in _pattern_findings(doc, _SPACE_RUN, "NORM003", "run of {seen} spaces", " "):
        k = bisect.bisect_right(starts, run.start) - 1
        if k < 0 or spaced[k].end <= run.start:  # not part of a run that a merged finding covers
            found.append(run)
    found += _pattern_findings(doc, _SPACE_BEFORE_PUNCT, "NORM004", "space before punctuation", "")
    found += _pattern_findings(doc, _DOUBLED, "NORM005", "doubled punctuation {seen}", None)
    if doc.format == "txt":
        found += _pattern_findings(doc, _TRAILING, "NORM006", "trailing whitespace", "")
    # A control character inside a space run, or mojibake over a doubled mark: keep the first claim.
    found.sort(key=lambda f: (f.start, f.end, f.rule))
    kept: list[Finding] = []
    for finding in found:
        if kept and finding.start < kept[-1].end:
            continue
        kept.append(finding)
    return kept


# Enough for every interaction seen: a control character hiding mojibake, then the spaces around it.
_MAX_ROUNDS = 4


def _forwarder(omap: OffsetMap) -> Callable[[int], int]:
    """Maps a source offset that lies outside every edit (or on an edit's edge) to the edited text."""
    segments = omap.segments
    starts = [segment.src_start for segment in segments]

    def forward(offset: int) -> int:
        i = bisect.bisect_right(starts, offset) - 1
        # The unedited run holding the offset; at an edit's edge the run on either side gives the same.
        for segment in segments[max(0, i - 1) : i + 2]:
            if not segment.changed and segment.src_start <= offset <= segment.src_end:
                return segment.out_start + offset - segment.src_start
        for segment in segments[max(0, i - 1) : i + 2]:  # edits side by side, no unedited run between
            if offset == segment.src_start:
                return segment.out_start
            if offset == segment.src_end:
                return segment.out_end
        raise ValueError(f"offset {offset} is inside an edit")

    return forward


def _edits(findings: list[Finding]) -> list[Edit]:
    return [edit for finding in findings if finding.fix for edit in finding.fix.edits]


def _merged(doc: Document, start: int, end: int, replacement: str, parts: list[Finding]) -> Finding:
    # Damaged encoding names the repair best; then invisible characters; then the spacing rules.
    rule = min((f.rule for f in parts), key=lambda code: (code not in ("NORM001", "NORM002"), code))
    damaged = doc.source[start:end]
    return rules.finding(
        rule,
        start,
        end,
        f"garbled, invisible or doubled characters {_shown(damaged)} → {_shown(replacement)}",
        confidence=min(f.confidence for f in parts),
        fix=Fix.replace(start, end, replacement, Applicability.SAFE),
        evidence={"found": damaged, "replacement": replacement, "rules": sorted({f.rule for f in parts})},
    )


def normalize_findings(doc: Document) -> list[Finding]:
    """Every normalize finding for one document, in source order, such that the repaired text has none.

    One look at the text can miss what its own repairs uncover: mojibake that a control character hid,
    spaces that meet once the junk between them is gone. Cleaning the clean text would then repair it,
    so the repaired text is looked at again and each new repair is merged with the ones it touches into
    one finding over the source, until nothing is left (``clean(clean(x)) == clean(x)``)."""
    found = _one_round(doc)
    try:
        return _settled(doc, found)
    except ValueError:  # an offset that cannot be carried across: keep the first look rather than fail
        return found


def _settled(doc: Document, found: list[Finding]) -> list[Finding]:
    for _ in range(_MAX_ROUNDS):
        if not found:
            return found
        text, omap = apply_edits(doc.source, _edits(found))
        forward = _forwarder(omap)
        probe = Document(
            path=None,
            source=text,
            format=doc.format,
            protected=[Span(forward(s.start), forward(s.end)) for s in doc.protected],
        )
        again = _one_round(probe)
        if not again:
            return found
        after, after_map = apply_edits(text, _edits(again))
        forward_again = _forwarder(after_map)
        # Each new repair, as a source span (widened over the edits it touches), joins the repairs there.
        # (start, end, the repairs there, whether one of them is new)
        groups: list[tuple[int, int, list[Finding], bool]] = []
        spans = [(f.start, f.end, f, False) for f in found]
        for finding in again:
            start, end, _ = omap.span_to_source(finding.start, finding.end)
            spans.append((start, end, finding, True))
        spans.sort(key=lambda item: (item[0], item[1]))
        for start, end, finding, is_new in spans:
            if groups and start <= groups[-1][1]:
                first, last, parts, changed = groups[-1]
                groups[-1] = (first, max(last, end), [*parts, finding], changed or is_new)
            else:
                groups.append((start, end, [finding], is_new))
        settled: list[Finding] = []
        for start, end, parts, changed in groups:
            if not changed:  # repairs that only touch each other stay as they were
                settled.extend(parts)
                continue
            out_start, out_end = forward_again(forward(start)), forward_again(forward(end))
            settled.append(_merged(doc, start, end, after[out_start:out_end], parts))
        found = settled
    return found


def normalized_text(text: str, fmt: str) -> str:
    """``text`` with every normalize repair applied: for short strings shown apart from the body, such as a
    title kept from front matter, so that they read as the body's text does. The format's reader marks
    what it protects (inline code in a Markdown title stays as written, as it does in the body)."""
    from unspin.readers import read_text

    doc = read_text(text, fmt)
    return apply_edits(text, _edits(normalize_findings(doc)))[0]


@register_stage
class NormalizeStage:
    name: ClassVar[str] = "normalize"

    def __call__(self, docs: list[Document], ctx: Context) -> None:
        for doc in docs:
            found = normalize_findings(doc)
            doc.findings.extend(found)
            counts: dict[str, int] = {}
            for finding in found:
                counts[finding.rule] = counts.get(finding.rule, 0) + 1
            doc.analysis["normalize"] = {"findings": len(found), "by_rule": dict(sorted(counts.items()))}
