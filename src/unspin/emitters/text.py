"""Human-readable diagnostics: ``path:line:col: CODE [severity] message``, the line with the span
underlined, and the suggested fix; then one summary line."""

from __future__ import annotations

from typing import TextIO

from unspin.emitters.diagnostics import Diagnostic, EmitContext, FileResult, summary

_COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"
# Long lines (a whole Markdown paragraph is one line) are cut around the span to this many characters.
_CONTEXT_CHARS = 60


def emit(results: list[FileResult], out: TextIO, ctx: EmitContext) -> None:
    for result in results:
        lines = result.file_text.splitlines()
        for diag in result.diagnostics:
            out.write(_headline(diag, ctx.color) + "\n")
            if diag.mapped:
                out.write(_excerpt(lines, diag))
            if diag.fix is not None:
                out.write(f"  = fix ({diag.fix.applicability}): {_fix_text(diag)}\n")
    out.write(_summary_line(results, ctx) + "\n")


def _headline(diag: Diagnostic, color: bool) -> str:
    where = f"{diag.path}:{diag.start.line}:{diag.start.column}" if diag.mapped else diag.path
    severity = diag.severity.value
    message = diag.message.replace("\n", "\n    ")
    if color:
        tag = f"{_COLORS[severity]}[{severity}]{_RESET}"
        return f"{_BOLD}{where}{_RESET}: {_BOLD}{diag.code}{_RESET} {tag} {message}"
    return f"{where}: {diag.code} [{severity}] {message}"


def _excerpt(lines: list[str], diag: Diagnostic) -> str:
    """The span's first line with the span underlined; a span that starts with line breaks (a removed
    block) is shown from its first line with text."""
    stripped = diag.text.lstrip()
    lead = diag.text[: len(diag.text) - len(stripped)]
    line_no = diag.start.line + lead.count("\n")
    start = diag.start.column - 1 if "\n" not in lead else len(lead) - lead.rfind("\n") - 1
    if not 0 < line_no <= len(lines):
        return ""
    line = lines[line_no - 1]
    end = diag.end.column - 1 if diag.end.line == line_no else len(line)
    end = max(end, start + 1)
    left = max(0, start - _CONTEXT_CHARS)
    right = min(len(line), end + _CONTEXT_CHARS)
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(line) else ""
    shown = prefix + line[left:right].replace("\t", " ") + suffix
    gutter = f"{line_no:>5} | "
    underline = "^" * max(1, min(end, right) - start)
    marker = " " * (len(gutter) - 2) + "| " + " " * (len(prefix) + start - left) + underline
    return f"{gutter}{shown}\n{marker}\n"


def _fix_text(diag: Diagnostic) -> str:
    assert diag.fix is not None
    replacement = diag.fix.replacement
    if not replacement.strip():
        return "remove it"
    return f"replace with {replacement!r}"


def _summary_line(results: list[FileResult], ctx: EmitContext) -> str:
    totals = summary(results, ctx)
    count = totals["diagnostics"]
    sev = totals["by_severity"]
    if count == 0:
        text = f"All clear: no findings in {totals['files']} file{'s' if totals['files'] != 1 else ''}."
    else:
        text = (
            f"Found {count} finding{'s' if count != 1 else ''} "
            f"({sev['error']} error, {sev['warning']} warning, {sev['info']} info) "
            f"in {totals['files_with_findings']} of {totals['files']} files."
        )
        if totals["fixable"]:
            text += f" {totals['fixable']} fixable with --fix"
            text += (
                f" ({totals['unsafe_fixable']} more with --unsafe-fixes)."
                if totals["unsafe_fixable"]
                else "."
            )
        elif totals["unsafe_fixable"]:
            text += f" {totals['unsafe_fixable']} fixable with --fix --unsafe-fixes."
    extras = []
    if totals["suppressed"]:
        extras.append(f"{totals['suppressed']} suppressed by comments")
    if totals["baselined"]:
        extras.append(f"{totals['baselined']} in the baseline")
    if extras:
        text += f" ({', '.join(extras)})"
    return text
