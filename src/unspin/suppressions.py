"""Inline suppression comments in Markdown, HTML and text files.

- ``<!-- unspin-disable RULE[, RULE…] -->`` … ``<!-- unspin-enable [RULE…] -->``: a region (to the end
  of the file when no enable follows). ``<!-- unspin off -->`` / ``<!-- unspin on -->`` do the same for
  every rule.
- ``<!-- unspin-disable-next-line RULE -->``: the next line that has text (Markdown often keeps a blank
  line between an HTML comment and its paragraph).
- ``<!-- unspin-disable-file [RULE…] -->``: the whole file.

A RULE is a code (``SPIN001``), a code prefix (``SPIN``) or a rule name (``tortured-phrase``); no RULE
means every rule. Comments inside Markdown code are examples, not directives, and are ignored.
Positions are file offsets (for HTML pages: offsets into the page), so a finding is matched against
the comments the author sees. Suppressions that silence nothing are reported as ``USP001`` (with a safe
fix that deletes the comment where the file can be edited) and unknown rules as ``USP002``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from unspin import rules
from unspin.document import Applicability, Document, Finding, Fix

UNUSED = "USP001"
INVALID = "USP002"

_DIRECTIVE = re.compile(
    r"<!--\s*unspin(?:-(?P<kind>disable-next-line|disable-file|disable|enable)|\s+(?P<switch>off|on))\b"
    r"(?P<rules>(?:(?!-->).)*?)\s*-->",
    re.IGNORECASE | re.DOTALL,
)
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1")


@dataclass
class Directive:
    kind: str  # disable | enable | next-line | file
    selectors: tuple[str, ...]  # empty: every rule
    start: int  # file offsets of the whole comment
    end: int
    used: set[str] = field(default_factory=set)  # selectors that silenced something ("*" for all)


@dataclass
class _Region:
    directive: Directive
    start: int
    end: int  # exclusive; file offsets
    selectors: tuple[str, ...]


@dataclass
class Outcome:
    kept: list[Finding]
    suppressed: int
    # Reports about the comments themselves, in source offsets (text and Markdown)…
    reports: list[Finding]
    # …or, for an HTML page whose comments are not in the extracted text, in page offsets.
    file_reports: list[tuple[Finding, int, int]]


def matches(selector: str, code: str) -> bool:
    """A selector names a rule by code, code prefix or kebab-case name."""
    upper = selector.upper()
    if code.startswith(upper):
        return True
    rule = rules.registry().get(code)
    return rule is not None and rule.name == selector.lower()


def is_known(selector: str) -> bool:
    return any(matches(selector, code) for code in rules.registry())


def _mask_markdown_code(text: str) -> str:
    """Blank fenced and inline code so that comments shown as examples are not taken as directives."""
    chars = list(text)
    offset = 0
    fence: str | None = None
    for line in text.splitlines(keepends=True):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
            inside = True
        elif fence is not None:
            inside = True
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
        else:
            inside = False
        if inside:
            for i in range(offset, offset + len(line)):
                chars[i] = " " if text[i] not in "\r\n" else text[i]
        offset += len(line)
    masked = "".join(chars)
    for match in _INLINE_CODE.finditer(masked):
        for i in range(match.start(), match.end()):
            if chars[i] not in "\r\n":
                chars[i] = " "
    return "".join(chars)


def parse(text: str, markdown: bool = False) -> list[Directive]:
    scan = _mask_markdown_code(text) if markdown else text
    directives: list[Directive] = []
    for match in _DIRECTIVE.finditer(scan):
        switch = (match.group("switch") or "").lower()
        kind = (match.group("kind") or "").lower()
        if switch:
            kind = "disable" if switch == "off" else "enable"
        kind = {"disable-next-line": "next-line", "disable-file": "file"}.get(kind, kind)
        selectors = tuple(s for s in re.split(r"[\s,]+", match.group("rules").strip()) if s)
        directives.append(Directive(kind, () if switch else selectors, match.start(), match.end()))
    return directives


def _regions(text: str, directives: list[Directive]) -> list[_Region]:
    regions: list[_Region] = []
    open_blocks: list[Directive] = []
    for directive in directives:
        if directive.kind == "file":
            regions.append(_Region(directive, 0, len(text), directive.selectors))
        elif directive.kind == "next-line":
            start, end = _next_text_line(text, directive.end)
            regions.append(_Region(directive, start, end, directive.selectors))
        elif directive.kind == "disable":
            open_blocks.append(directive)
        elif directive.kind == "enable":
            closing = directive.selectors
            still_open: list[Directive] = []
            for block in open_blocks:
                if not closing or (block.selectors and _upper(block.selectors) <= _upper(closing)):
                    regions.append(_Region(block, block.end, directive.start, block.selectors))
                else:
                    still_open.append(block)
            open_blocks = still_open
    regions.extend(_Region(block, block.end, len(text), block.selectors) for block in open_blocks)
    return regions


def _upper(selectors: tuple[str, ...]) -> set[str]:
    return {s.upper() for s in selectors}


def _next_text_line(text: str, after: int) -> tuple[int, int]:
    """The span of the first line after ``after`` (the comment's end) that contains non-blank text."""
    newline = text.find("\n", after)
    while newline != -1:
        start = newline + 1
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        if text[start:end].strip():
            return start, end
        newline = end if end < len(text) else -1
    return len(text), len(text)


def apply(
    doc: Document,
    findings: list[Finding],
    locate: Callable[[Finding], tuple[int, int] | None],
    file_text: str,
) -> Outcome:
    """Drop the findings silenced by comments in ``file_text`` and report unused or invalid comments.

    ``locate`` gives a finding's span in ``file_text`` (None when it cannot be found there; such a
    finding is only silenced by a whole-file suppression).
    """
    directives = parse(file_text, markdown=doc.format == "md")
    if not directives:
        return Outcome(list(findings), 0, [], [])
    regions = _regions(file_text, directives)
    kept: list[Finding] = []
    suppressed = 0
    for finding in findings:
        span = locate(finding)
        silenced = False
        for region in regions:
            whole_file = region.directive.kind == "file"
            if span is None and not whole_file:
                continue
            if span is not None and not (region.start <= span[0] < region.end or whole_file):
                continue
            hit = _matching_selector(region.selectors, finding.rule)
            if hit is not None:
                region.directive.used.add(hit)
                silenced = True
        if silenced:
            suppressed += 1
        else:
            kept.append(finding)
    reports, file_reports = _report(doc, directives, file_text)
    return Outcome(kept, suppressed, reports, file_reports)


def _matching_selector(selectors: tuple[str, ...], code: str) -> str | None:
    if not selectors:
        return "*"
    return next((s for s in selectors if matches(s, code)), None)


def _report(
    doc: Document, directives: list[Directive], file_text: str
) -> tuple[list[Finding], list[tuple[Finding, int, int]]]:
    editable = doc.format != "html"
    reports: list[Finding] = []
    file_reports: list[tuple[Finding, int, int]] = []

    def add(finding: Finding) -> None:
        if editable:
            reports.append(finding)
        else:
            file_reports.append((finding, finding.start, finding.end))

    for directive in directives:
        if directive.kind == "enable":
            continue
        comment = file_text[directive.start : directive.end]
        invalid = [s for s in directive.selectors if not is_known(s)]
        for selector in invalid:
            add(
                rules.finding(
                    INVALID,
                    directive.start,
                    directive.end,
                    f"`{selector}` in `{comment}` is not a rule code, code prefix or rule name",
                    evidence={"selector": selector},
                )
            )
        valid = [s for s in directive.selectors if s not in invalid]
        if not directive.used and (valid or not directive.selectors):
            fix = None
            if editable:
                start, end = _comment_removal(file_text, directive.start, directive.end)
                fix = Fix.replace(start, end, "", Applicability.SAFE)
            add(
                rules.finding(
                    UNUSED,
                    directive.start,
                    directive.end,
                    f"unused suppression `{comment}`: it silences no finding",
                    fix=fix,
                    evidence={"selectors": list(directive.selectors)},
                )
            )
        elif directive.used and "*" not in directive.used:
            for selector in valid:
                if selector not in directive.used:
                    add(
                        rules.finding(
                            UNUSED,
                            directive.start,
                            directive.end,
                            f"`{selector}` in `{comment}` silences no finding",
                            evidence={"selectors": [selector]},
                        )
                    )
    return reports, file_reports


def _comment_removal(text: str, start: int, end: int) -> tuple[int, int]:
    """The comment, or its whole line (with the line break) when nothing else stands on that line."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    if text[line_start:start].strip() or text[end:line_end].strip():
        return start, end
    return line_start, min(len(text), line_end + 1)
