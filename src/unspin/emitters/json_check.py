"""The ``unspin check --format json`` document, schema ``unspin-check/1``.

The shape is documented in docs/ci.md and in ``unspin/data/schema/unspin-check-1.schema.json``; rule codes
and field names are stable within a schema version, and a breaking change bumps ``schema_version``.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from unspin.emitters.diagnostics import TOOL_NAME, Diagnostic, EmitContext, FileResult, summary

SCHEMA = "unspin-check/1"
SCHEMA_VERSION = 1


def diagnostic_dict(diag: Diagnostic) -> dict[str, Any]:
    fix = None
    if diag.fix is not None:
        fix = {
            "applicability": diag.fix.applicability,
            "replacement": diag.fix.replacement,
            "applied": diag.fix.applied,
            "edits": [
                {"start": e.start.as_dict(), "end": e.end.as_dict(), "content": e.content}
                for e in diag.fix.edits
            ],
        }
    return {
        "code": diag.code,
        "name": diag.name,
        "category": diag.category,
        "severity": diag.severity.value,
        "message": diag.message,
        "located": diag.mapped,
        "start": diag.start.as_dict(),
        "end": diag.end.as_dict(),
        "text": diag.text,
        "confidence": diag.confidence,
        "fix": fix,
        "fingerprint": diag.fingerprint,
        "evidence": diag.evidence,
        "alternatives": diag.alternatives,
    }


def file_dict(result: FileResult) -> dict[str, Any]:
    diags = result.diagnostics
    return {
        "path": result.path,
        "format": result.document.format,
        "scores": {k: v for k, v in result.scores.items() if not k.startswith("_")},
        "diagnostics": [diagnostic_dict(d) for d in diags],
        "summary": {
            "diagnostics": len(diags),
            "error": sum(1 for d in diags if d.severity.value == "error"),
            "warning": sum(1 for d in diags if d.severity.value == "warning"),
            "info": sum(1 for d in diags if d.severity.value == "info"),
            "suppressed": result.suppressed,
            "baselined": result.baselined,
        },
        "skipped": dict(sorted(result.document.skipped.items())),
    }


def document(results: list[FileResult], ctx: EmitContext) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": ctx.version},
        "files": [file_dict(r) for r in results],
        "problems": [{"path": p.path, "message": p.message} for p in ctx.problems],
        "summary": summary(results, ctx),
    }


def emit(results: list[FileResult], out: TextIO, ctx: EmitContext) -> None:
    out.write(json.dumps(document(results, ctx), ensure_ascii=False, indent=2, default=json_default) + "\n")


def json_default(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    if hasattr(value, "value"):
        return value.value
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")
