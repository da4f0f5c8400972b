"""GitLab Code Quality report: a JSON array of Code Climate issues.

GitLab collapses issues that share a fingerprint, so each one carries the finding's fingerprint (rule,
path, normalised text and occurrence index: unique in a file, stable when lines move).
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from unspin.document import Severity
from unspin.emitters.diagnostics import Diagnostic, EmitContext, FileResult

_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def issue(diag: Diagnostic) -> dict[str, Any]:
    return {
        "type": "issue",
        "description": f"{diag.code} {diag.message}",
        "check_name": f"{diag.code} {diag.name}",
        "categories": ["Style"],
        "fingerprint": diag.fingerprint,
        "severity": _SEVERITY[diag.severity],
        "location": {"path": diag.path, "lines": {"begin": diag.start.line, "end": diag.end.line}},
    }


def emit(results: list[FileResult], out: TextIO, ctx: EmitContext) -> None:
    issues = [issue(d) for r in results for d in r.diagnostics]
    out.write(json.dumps(issues, ensure_ascii=False, indent=2) + "\n")
