"""One editor buffer through unspin's check: text in, a checked file result and LSP objects out.

Nothing here knows about the protocol's transport. The same steps as ``unspin check`` are taken: the
settings found upwards from the file (``unspin.toml`` or ``[tool.unspin]``), the reader for its format,
the pipeline in a long-lived context (models stay loaded between buffers), then rule selection, inline
suppressions and severities (:func:`unspin.checker.report_view`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types

from unspin import api
from unspin import config as config_module
from unspin.checker import report_view
from unspin.config import Settings
from unspin.document import Applicability, apply_edits, select_fixes
from unspin.emitters.diagnostics import Diagnostic, FileResult
from unspin.pipeline import Context
from unspin.readers import FORMATS, read_text
from unspin.rules import registry

SOURCE = "unspin"
FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"
_LANGUAGE_FORMATS = {"markdown": "md", "plaintext": "txt", "text": "txt", "html": "html"}
_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}


def document_format(path: Path | None, language_id: str | None) -> str | None:
    """``md``, ``txt`` or ``html`` from the file name, else the editor's language id; None: not ours."""
    if path is not None and path.suffix.lower() in FORMATS:
        return FORMATS[path.suffix.lower()]
    return _LANGUAGE_FORMATS.get((language_id or "").lower())


@dataclass
class Checker:
    """Checks buffers with one context whose loaded resources live as long as the server.

    ``overrides`` are ``[tool.unspin]`` keys from the editor (``initializationOptions.settings``), laid
    over each project's configuration: this is how an editor picks the spin engine or turns grammar off.
    """

    overrides: dict[str, Any]
    # One context per project configuration: shared models (spaCy, indexes, language models) are loaded
    # once per process whatever the project; what a context builds from its settings (the spin engine
    # with the project's stage options, a LanguageTool connection) is kept per project, and rebuilt
    # when the project's configuration changes.
    contexts: dict[str | None, Context] = field(default_factory=dict)

    def settings_for(self, path: Path | None) -> Settings:
        settings = config_module.load(None, path.parent if path is not None else None)
        if not self.overrides:
            return settings
        given = config_module.from_mapping(self.overrides, "the editor's settings")
        names = {key.replace("-", "_") for key in self.overrides}
        return settings.with_overrides(**{name: getattr(given, name) for name in names})

    def check(self, text: str, path: Path | None, fmt: str) -> FileResult:
        settings = self.settings_for(path)
        context = self.contexts.get(settings.source)
        if context is None or context.settings != settings:
            if context is not None:
                context.close()
            context = self.contexts[settings.source] = Context(settings, warm=True)
        doc = read_text(text, fmt, path)
        api.process([doc], settings, context)
        label = path.name if path is not None else "untitled"
        return report_view(doc, label, settings, None)

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()
        self.contexts.clear()


def _position(lines: list[str], line: int, column: int) -> types.Position:
    """An LSP position (UTF-16 code units) from unspin's 1-based line and code-point column."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    prefix = text[: column - 1]
    return types.Position(line=line - 1, character=len(prefix.encode("utf-16-le")) // 2)


def _range(lines: list[str], start: Any, end: Any) -> types.Range:
    return types.Range(
        start=_position(lines, start.line, start.column), end=_position(lines, end.line, end.column)
    )


def lsp_diagnostics(result: FileResult) -> list[types.Diagnostic]:
    lines = result.file_text.split("\n")
    found = []
    for diagnostic in result.diagnostics:
        rule = registry().get(diagnostic.code)
        message = diagnostic.message
        if diagnostic.fix is not None:
            message += f" (fix, {diagnostic.fix.applicability}: {diagnostic.fix.replacement!r})"
        found.append(
            types.Diagnostic(
                range=_range(lines, diagnostic.start, diagnostic.end),
                message=message,
                severity=_SEVERITY.get(diagnostic.severity.value, types.DiagnosticSeverity.Information),
                code=diagnostic.code,
                code_description=None,
                source=SOURCE,
                data={"fingerprint": diagnostic.fingerprint, "name": rule.name if rule else diagnostic.name},
            )
        )
    return found


def _text_edits(lines: list[str], diagnostic: Diagnostic) -> list[types.TextEdit]:
    assert diagnostic.fix is not None
    return [
        types.TextEdit(range=_range(lines, edit.start, edit.end), new_text=edit.content)
        for edit in diagnostic.fix.edits
    ]


def fix_actions(
    result: FileResult, uri: str, wanted: Iterable[types.Diagnostic], unsafe: bool = True
) -> list[types.CodeAction]:
    """A quick fix per wanted diagnostic that has one: safe fixes preferred, unsafe ones marked."""
    lines = result.file_text.split("\n")
    by_fingerprint = {d.fingerprint: d for d in result.diagnostics if d.fix is not None}
    actions = []
    for lsp_diagnostic in wanted:
        data = lsp_diagnostic.data if isinstance(lsp_diagnostic.data, dict) else {}
        diagnostic = by_fingerprint.get(data.get("fingerprint", ""))
        if diagnostic is None or diagnostic.fix is None:
            continue
        safe = diagnostic.fix.applicability == Applicability.SAFE.value
        if not safe and not unsafe:
            continue
        title = f"unspin: {diagnostic.code} → {diagnostic.fix.replacement!r}" + ("" if safe else " (unsafe)")
        actions.append(
            types.CodeAction(
                title=title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[lsp_diagnostic],
                is_preferred=safe,
                edit=types.WorkspaceEdit(changes={uri: _text_edits(lines, diagnostic)}),
            )
        )
    return actions


def fix_all_action(result: FileResult, uri: str) -> types.CodeAction | None:
    """Every safe fix of the buffer at once (what ``unspin check --fix`` writes), as one edit."""
    if not result.fixable_in_place:
        return None  # an HTML page's findings are in its extracted text, which is never written back
    doc = result.document
    chosen = select_fixes(result.findings, Applicability.SAFE)
    if not chosen:
        return None
    after, _ = apply_edits(doc.source, [e for f in chosen for e in f.fix.edits])  # type: ignore[union-attr]
    lines = doc.source.split("\n")
    whole = types.Range(
        start=types.Position(line=0, character=0),
        end=_position(lines, len(lines), len(lines[-1]) + 1),
    )
    count = len(chosen)
    return types.CodeAction(
        title=f"unspin: fix all safe ({count} fix{'es' if count != 1 else ''})",
        kind=FIX_ALL_KIND,
        edit=types.WorkspaceEdit(changes={uri: [types.TextEdit(range=whole, new_text=after)]}),
    )


def hover(result: FileResult, position: types.Position) -> types.Hover | None:
    """The documentation of the rules whose findings cover the position."""
    lines = result.file_text.split("\n")
    codes: list[str] = []
    for diagnostic in result.diagnostics:
        span = _range(lines, diagnostic.start, diagnostic.end)
        if _covers(span, position) and diagnostic.code not in codes:
            codes.append(diagnostic.code)
    rules = [registry()[code] for code in codes if code in registry()]
    if not rules:
        return None
    text = "\n\n---\n\n".join(rule.explain() for rule in rules)
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))


def _covers(span: types.Range, position: types.Position) -> bool:
    after_start = (position.line, position.character) >= (span.start.line, span.start.character)
    before_end = (position.line, position.character) <= (span.end.line, span.end.character)
    return after_start and before_end
