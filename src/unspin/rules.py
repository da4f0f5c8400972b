"""The rule registry: one table of every rule code, read from data files in ``unspin/data/rules/``.

Each rule has a stable code (``SPIN001``), a kebab-case name, a category, a default severity, a one-line
summary and the documentation ``unspin rules CODE`` shows: what it does, why it matters, an example and
why its fix is safe or unsafe. The rule, not the caller, decides a fix's applicability (as in ruff).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from unspin.document import Category, Finding, Fix, Severity

RULE_FIELDS = ("code", "name", "category", "severity", "summary", "what", "why", "example", "fix_safety")


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    category: Category
    severity: Severity
    summary: str
    what: str
    why: str
    example: str
    fix_safety: str
    fix: str = "none"  # fix availability: always | sometimes | none
    status: str = "stable"
    # A finding whose confidence reaches this is an error, not the rule's default severity: a confident
    # spin or stuffing finding fails a default `unspin check`, a doubtful one only warns.
    error_confidence: float | None = None

    def severity_at(self, confidence: float) -> Severity:
        """The severity of a finding of this rule with ``confidence``."""
        if self.error_confidence is not None and confidence >= self.error_confidence:
            return Severity.ERROR
        return self.severity

    def explain(self) -> str:
        """The rule's documentation as Markdown (``unspin rules CODE`` and the language server's hover)."""
        lines = [
            f"{self.code} ({self.name}) — {self.summary}",
            f"category: {self.category.value}, severity: {self.severity.value}, fix: {self.fix}\n",
        ]
        for heading, text in (
            ("What it does", self.what),
            ("Why is this bad?", self.why),
            ("Example", self.example),
            ("Fix safety", self.fix_safety),
        ):
            lines.append(f"## {heading}\n{text}\n")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "category": self.category.value,
            "severity": self.severity.value,
            "summary": self.summary,
            "what": self.what,
            "why": self.why,
            "example": self.example,
            "fix_safety": self.fix_safety,
            "fix": self.fix,
            "status": self.status,
            "error_confidence": self.error_confidence,
        }


class RuleError(Exception):
    pass


@cache
def registry() -> dict[str, Rule]:
    """Every built-in rule by code, loaded once from the packaged TOML files."""
    rules: dict[str, Rule] = {}
    folder = resources.files("unspin") / "data" / "rules"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        for raw in data.get("rule", []):
            missing = [k for k in RULE_FIELDS if k not in raw]
            if missing:
                raise RuleError(f"{entry.name}: rule {raw.get('code', '?')} lacks {', '.join(missing)}")
            rule = Rule(
                code=raw["code"],
                name=raw["name"],
                category=Category(raw["category"]),
                severity=Severity(raw["severity"]),
                summary=raw["summary"],
                what=raw["what"].strip(),
                why=raw["why"].strip(),
                example=raw["example"].strip(),
                fix_safety=raw["fix_safety"].strip(),
                fix=raw.get("fix", "none"),
                status=raw.get("status", "stable"),
                error_confidence=_error_confidence(entry.name, raw),
            )
            if rule.code in rules:
                raise RuleError(f"{entry.name}: duplicate rule code {rule.code}")
            rules[rule.code] = rule
    return rules


def _error_confidence(where: str, raw: dict[str, Any]) -> float | None:
    value = raw.get("error_confidence")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 < value <= 1.0:
        raise RuleError(f"{where}: rule {raw['code']} error_confidence must be a number in (0, 1]")
    return float(value)


def get(code: str) -> Rule:
    try:
        return registry()[code]
    except KeyError:
        raise RuleError(f"unknown rule code {code}") from None


def finding(
    code: str,
    start: int,
    end: int,
    message: str,
    *,
    confidence: float = 1.0,
    fix: Fix | None = None,
    evidence: dict[str, Any] | None = None,
    alternatives: list[dict[str, Any]] | None = None,
    severity: Severity | None = None,
) -> Finding:
    """Build a Finding for a registered rule, taking category and default severity from the table."""
    rule = get(code)
    return Finding(
        rule=code,
        category=rule.category,
        severity=severity or rule.severity_at(round(float(confidence), 4)),
        start=start,
        end=end,
        message=message,
        confidence=round(float(confidence), 4),
        fix=fix,
        evidence=evidence or {},
        alternatives=alternatives or [],
    )


def selected(code: str, select: tuple[str, ...], ignore: tuple[str, ...]) -> bool:
    """ruff-style selection: a code is on if a ``select`` prefix matches (or none is given) and no
    ``ignore`` prefix matches; the longer matching prefix wins when both match."""
    sel = max((len(p) for p in select if code.startswith(p)), default=-1 if select else 0)
    ign = max((len(p) for p in ignore if code.startswith(p)), default=-1)
    return sel >= 0 and sel >= ign if ign >= 0 else sel >= 0
