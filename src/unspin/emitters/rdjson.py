"""reviewdog diagnostic format (rdjson): findings with one-click suggestions for pull-request review.

reviewdog counts columns in UTF-8 bytes (1-based) and treats range ends as exclusive, so positions use
``Position.byte_column``. Each edit of a fix becomes one suggestion.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from unspin.document import Severity
from unspin.emitters.diagnostics import TOOL_NAME, Diagnostic, EmitContext, FileResult, Position

_SEVERITY = {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING", Severity.INFO: "INFO"}


def _position(pos: Position) -> dict[str, int]:
    return {"line": pos.line, "column": pos.byte_column}


def diagnostic(diag: Diagnostic) -> dict[str, Any]:
    location: dict[str, Any] = {"path": diag.path}
    if diag.mapped:
        location["range"] = {"start": _position(diag.start), "end": _position(diag.end)}
    record: dict[str, Any] = {
        "message": diag.message,
        "location": location,
        "severity": _SEVERITY[diag.severity],
        "source": {"name": TOOL_NAME},
        "code": {"value": diag.code},
    }
    if diag.fix is not None:
        record["suggestions"] = [
            {"range": {"start": _position(e.start), "end": _position(e.end)}, "text": e.content}
            for e in diag.fix.edits
        ]
    return record


def emit(results: list[FileResult], out: TextIO, ctx: EmitContext) -> None:
    document = {
        "source": {"name": TOOL_NAME},
        "diagnostics": [diagnostic(d) for r in results for d in r.diagnostics],
    }
    out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
