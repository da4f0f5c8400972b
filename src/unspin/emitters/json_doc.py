"""The per-article JSON document, schema ``unspin/1`` (documented in docs/json-schema.md)."""

from __future__ import annotations

import json
from typing import Any

from unspin import __version__
from unspin.document import Category, Document, Finding

SCHEMA = "unspin/1"


def finding_dict(doc: Document, finding: Finding) -> dict[str, Any]:
    line, column = doc.line_column(finding.start)
    end_line, end_column = doc.line_column(finding.end)
    fix = None
    if finding.fix is not None:
        fix = {
            "replacement": finding.fix.render(doc.source),
            "applicability": finding.fix.applicability.value,
            "edits": [
                {"start": e.start, "end": e.end, "replacement": e.replacement} for e in finding.fix.edits
            ],
        }
    return {
        "rule": finding.rule,
        "category": finding.category.value,
        "severity": finding.severity.value,
        "start": finding.start,
        "end": finding.end,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "text": doc.source[finding.start : finding.end],
        "message": finding.message,
        "confidence": round(finding.confidence, 4),
        "fix": fix,
        "applied": finding.applied,
        "evidence": finding.evidence,
        "alternatives": finding.alternatives,
    }


def sorted_findings(doc: Document) -> list[Finding]:
    return sorted(doc.findings, key=lambda f: (f.start, f.end, f.rule, f.message))


def counts(doc: Document) -> dict[str, int]:
    result = {c.value: 0 for c in Category}
    for f in doc.findings:
        result[f.category.value] += 1
    result["total"] = len(doc.findings)
    result["applied"] = sum(1 for f in doc.findings if f.applied)
    return result


def document_dict(doc: Document, source_label: str, clean_text: str, markdown: str) -> dict[str, Any]:
    structure = doc.structure or {"title": doc.title, "sections": []}
    return {
        "schema": SCHEMA,
        "tool": {"name": "unspin", "version": __version__},
        "source": source_label,
        "format": doc.format,
        "title": doc.title,
        "keyphrase": doc.keyphrase,
        "metadata": doc.metadata,
        "clean_text": clean_text,
        "markdown": markdown,
        "sections": structure.get("sections", []),
        "findings": [finding_dict(doc, f) for f in sorted_findings(doc)],
        "counts": counts(doc),
        "scores": doc.scores,
        "analysis": {k: v for k, v in doc.analysis.items() if not k.startswith("_")},
        "skipped": dict(sorted(doc.skipped.items())),
        "source_text": doc.source,
    }


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n"


def _default(value: Any) -> Any:
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    if hasattr(value, "value"):
        return value.value
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")
