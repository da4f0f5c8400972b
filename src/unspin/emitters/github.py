"""GitHub Actions workflow commands: one annotation per finding, grouped per file, plus a Markdown
summary of the run appended to ``$GITHUB_STEP_SUMMARY`` when that variable is set.

GitHub displays only about ten annotations per level and step, so findings beyond
``EmitContext.max_annotations_per_level`` are printed as plain log lines and counted in a closing
"N more findings not annotated" line; the step summary and SARIF upload carry the full picture.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TextIO

from unspin.document import Severity
from unspin.emitters.diagnostics import Diagnostic, EmitContext, FileResult, summary

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
# The step summary may hold 1 MiB per step; long tables are cut well before that.
_MAX_SUMMARY_ROWS = 100


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(diag: Diagnostic) -> str:
    props = [f"file={escape_property(diag.path)}"]
    if diag.mapped:
        props += [f"line={diag.start.line}", f"endLine={diag.end.line}"]
        # Columns are only meaningful to GitHub for a span on one line.
        if diag.single_line:
            props += [f"col={diag.start.column}", f"endColumn={diag.end.column}"]
    props.append(f"title={escape_property(f'{diag.code} ({diag.name})')}")
    message = diag.message
    if diag.fix is not None:
        replacement = diag.fix.replacement
        suggestion = "remove it" if not replacement.strip() else f"replace with “{replacement}”"
        message += f"\nSuggested fix ({diag.fix.applicability}): {suggestion}"
    return f"::{_COMMANDS[diag.severity]} {','.join(props)}::{escape_data(message)}"


def plain_line(diag: Diagnostic) -> str:
    where = f"{diag.path}:{diag.start.line}:{diag.start.column}" if diag.mapped else diag.path
    return f"{where}: {diag.code} [{diag.severity.value}] {diag.message}"


def emit(results: list[FileResult], out: TextIO, ctx: EmitContext) -> None:
    shown: Counter[Severity] = Counter()
    not_annotated = 0
    for result in results:
        if not result.diagnostics:
            continue
        out.write(f"::group::{escape_data(result.path)}\n")
        for diag in result.diagnostics:
            if shown[diag.severity] < ctx.max_annotations_per_level:
                shown[diag.severity] += 1
                out.write(annotation(diag) + "\n")
            else:
                not_annotated += 1
                out.write(plain_line(diag).replace("::", ": :") + "\n")
        out.write("::endgroup::\n")
    for problem in ctx.problems:
        out.write(f"::error file={escape_property(problem.path)}::{escape_data(problem.message)}\n")
    if not_annotated:
        out.write(
            f"{not_annotated} more finding{'s' if not_annotated != 1 else ''} not annotated "
            "(GitHub shows about 10 annotations per level and step); see the job summary, "
            "or upload `unspin check --format sarif` to code scanning.\n"
        )
    summary_path = ctx.env.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        with Path(summary_path).open("a", encoding="utf-8") as handle:
            handle.write(step_summary(results, ctx))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def step_summary(results: list[FileResult], ctx: EmitContext) -> str:
    totals = summary(results, ctx)
    sev = totals["by_severity"]
    lines = [
        f"## unspin {ctx.version}",
        "",
        "| files | findings | error | warning | info | fixable | suppressed | baselined |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {totals['files']} | {totals['diagnostics']} | {sev['error']} | {sev['warning']} | {sev['info']} "
        f"| {totals['fixable']} | {totals['suppressed']} | {totals['baselined']} |",
        "",
    ]
    with_findings = [r for r in results if r.diagnostics]
    if with_findings:
        lines += ["| file | overall score | error | warning | info |", "|---|---:|---:|---:|---:|"]
        ordered = sorted(with_findings, key=lambda r: (-len(r.diagnostics), r.path))
        for result in ordered[:_MAX_SUMMARY_ROWS]:
            counts = Counter(d.severity for d in result.diagnostics)
            score = result.scores.get("overall")
            lines.append(
                f"| `{_cell(result.path)}` | {'' if score is None else score} | {counts[Severity.ERROR]} "
                f"| {counts[Severity.WARNING]} | {counts[Severity.INFO]} |"
            )
        if len(ordered) > _MAX_SUMMARY_ROWS:
            lines.append(f"| … and {len(ordered) - _MAX_SUMMARY_ROWS} more files | | | | |")
        lines.append("")
        by_rule = Counter((d.code, d.name) for r in results for d in r.diagnostics)
        lines += ["| rule | name | findings |", "|---|---|---:|"]
        for (code, name), count in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))[
            :_MAX_SUMMARY_ROWS
        ]:
            lines.append(f"| `{code}` | {_cell(name)} | {count} |")
        lines.append("")
    if ctx.problems:
        lines += ["**Files that could not be checked:**", ""]
        lines += [f"- `{_cell(p.path)}`: {_cell(p.message)}" for p in ctx.problems[:_MAX_SUMMARY_ROWS]]
        lines.append("")
    return "\n".join(lines) + "\n"
