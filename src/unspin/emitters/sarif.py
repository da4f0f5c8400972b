"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Stable ``ruleId``s (the rule codes) with their documentation from the registry, repository-relative
URIs under ``%SRCROOT%``, columns counted in Unicode code points (declared with ``columnKind``),
``partialFingerprints`` that survive line shifts (so re-uploads do not duplicate alerts), and fixes
as ``artifactChanges``.
"""

from __future__ import annotations

import json
from typing import Any, TextIO
from urllib.parse import quote

from unspin.document import Severity
from unspin.emitters.diagnostics import TOOL_NAME, Diagnostic, EmitContext, FileResult, Position
from unspin.rules import Rule, registry

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "unspinFindingHash/v1"
ROOT_ID = "%SRCROOT%"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(path: str) -> str:
    return quote(path, safe="/")


def _artifact(path: str) -> dict[str, str]:
    return {"uri": _uri(path), "uriBaseId": ROOT_ID}


def _region(start: Position, end: Position) -> dict[str, int]:
    return {
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    }


def rule_descriptor(code: str, rule: Rule | None) -> dict[str, Any]:
    if rule is None:
        return {"id": code, "shortDescription": {"text": code}}
    help_markdown = (
        f"## What it does\n{rule.what}\n\n## Why is this bad?\n{rule.why}\n\n"
        f"## Example\n```text\n{rule.example}\n```\n\n## Fix safety\n{rule.fix_safety}\n"
    )
    help_text = f"{rule.what}\n\n{rule.why}\n\nFix safety: {rule.fix_safety}"
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.what},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {"tags": [TOOL_NAME, rule.category.value], "fix": rule.fix, "status": rule.status},
    }


def _result(diag: Diagnostic, rule_index: int) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": _artifact(diag.path)}
    if diag.mapped:
        location["region"] = _region(diag.start, diag.end) | {"snippet": {"text": diag.text}}
    result: dict[str, Any] = {
        "ruleId": diag.code,
        "ruleIndex": rule_index,
        "level": _LEVELS[diag.severity],
        "message": {"text": diag.message},
        "locations": [{"physicalLocation": location}],
        "partialFingerprints": {FINGERPRINT_KEY: diag.fingerprint},
        "properties": {"category": diag.category, "confidence": diag.confidence},
    }
    if diag.fix is not None:
        result["fixes"] = [
            {
                "description": {
                    "text": f"{diag.fix.applicability} fix: replace with {diag.fix.replacement!r}"
                },
                "artifactChanges": [
                    {
                        "artifactLocation": _artifact(diag.path),
                        "replacements": [
                            {"deletedRegion": _region(e.start, e.end), "insertedContent": {"text": e.content}}
                            for e in diag.fix.edits
                        ],
                    }
                ],
                "properties": {"applicability": diag.fix.applicability},
            }
        ]
    return result


def document(results: list[FileResult], ctx: EmitContext) -> dict[str, Any]:
    diags = [d for r in results for d in r.diagnostics]
    codes = sorted({d.code for d in diags})
    table = registry()
    rules = [rule_descriptor(code, table.get(code)) for code in codes]
    index = {code: i for i, code in enumerate(codes)}
    root_uri = ctx.root.resolve().as_uri().rstrip("/") + "/"
    notifications = [
        {
            "level": "error",
            "message": {"text": p.message},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(p.path)}}],
        }
        for p in ctx.problems
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": ctx.version,
                        "semanticVersion": ctx.version,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {ROOT_ID: {"uri": root_uri}},
                "artifacts": [{"location": _artifact(r.path)} for r in results],
                "invocations": [
                    {"executionSuccessful": not ctx.problems, "toolExecutionNotifications": notifications}
                ],
                "columnKind": "unicodeCodePoints",
                "results": [_result(d, index[d.code]) for d in diags],
            }
        ],
    }


def emit(results: list[FileResult], out: TextIO, ctx: EmitContext) -> None:
    out.write(json.dumps(document(results, ctx), ensure_ascii=False, indent=2) + "\n")
