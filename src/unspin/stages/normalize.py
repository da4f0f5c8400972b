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
from collections.abc import Iterator
from typing import ClassVar

import ftfy

from unspin import rules
from unspin.document import Applicability, Document, Finding, Fix
from unspin.pipeline import Context, register_stage

# Format characters that carry meaning and must stay: joiners shape emoji and Indic scripts, and the
# directional marks order mixed right-to-left text.
_MEANINGFUL_FORMAT = {"\u200c", "\u200d", "\u200e", "\u200f", "\u061c"}
_KEPT_CONTROLS = {"\t", "\n", "\r"}

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


def _invisible(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category == "Cc":
        return ch not in _KEPT_CONTROLS
    return category == "Cf" and ch not in _MEANINGFUL_FORMAT


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
    for line in text.splitlines(keepends=True):
        yield pos, line.rstrip("\r\n")
        pos += len(line)


def mojibake_findings(doc: Document) -> list[Finding]:
    config = _ftfy_config(doc.format)
    prose = doc.prose
    found: list[Finding] = []
    for base, line in _lines(prose):
        if line.isascii() and "&" not in line:
            continue
        fixed = ftfy.fix_text(line, config)
        if fixed == line:
            continue
        matcher = difflib.SequenceMatcher(None, line, fixed, autojunk=False)
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op == "equal":
                continue
            start, end = base + a1, base + a2
            if start == end or doc.is_protected(start, end):
                continue
            damaged, repaired = doc.source[start:end], fixed[b1:b2]
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
    i = 0
    while i < len(text):
        if not _invisible(text[i]):
            i += 1
            continue
        j = i
        while j < len(text) and _invisible(text[j]):
            j += 1
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
        i = j
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
        while start > 0 and (text[start - 1] in _SPACES or _invisible(text[start - 1])):
            start -= 1
        while end < len(text) and (text[end] in _SPACES or _invisible(text[end])):
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


def normalize_findings(doc: Document) -> list[Finding]:
    """Every normalize finding for one document, in source order."""
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
