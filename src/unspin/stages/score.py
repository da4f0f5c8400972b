"""The score stage: category scores and ``overall`` (0–100) before and after the rewrite.

``before`` counts every finding over the source text; after counts only findings whose fix was not applied,
over the clean text. Penalties and weights are data (``data/scores.toml``); the formula is in docs/scores.md.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from typing import Any, ClassVar

from unspin.document import Category, Document, Finding
from unspin.pipeline import Context, register_stage
from unspin.readability import flesch_reading_ease

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")


@cache
def score_table() -> dict[str, Any]:
    return tomllib.loads((resources.files("unspin") / "data" / "scores.toml").read_text(encoding="utf-8"))


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def _readability(text: str) -> float:
    table = score_table()["readability"]
    body = "\n".join(line for line in text.splitlines() if line.strip())
    if word_count(body) < 3:
        return table["ceiling"]
    return round(min(table["ceiling"], max(table["floor"], flesch_reading_ease(body))), 1)


def category_scores(
    findings: list[Finding], text: str, boilerplate_share: float, grammar_ran: bool
) -> dict[str, Any]:
    """Scores of one text given the findings that apply to it."""
    table = score_table()
    words = max(1, word_count(text))
    per100 = 100.0 / words
    counts = {c.value: 0 for c in Category}
    for f in findings:
        counts[f.category.value] += 1
    scores: dict[str, Any] = {}
    for category, penalty in table["penalty_per_100_words"].items():
        rate = counts.get(category, 0) * per100
        scores[category] = round(max(0.0, 100.0 - penalty * rate), 1)
    share = boilerplate_share
    scores["boilerplate"] = round(
        max(0.0, 100.0 - table["boilerplate"]["penalty_per_percent"] * share * 100.0), 1
    )
    scores["boilerplate_share"] = round(share, 4)
    scores["readability"] = _readability(text)
    weights = dict(table["weights"])
    if not grammar_ran:
        weights.pop("grammar", None)
        scores["grammar"] = None
    total = sum(weights.values())
    scores["overall"] = round(sum(scores[k] * w for k, w in weights.items()) / total, 1)
    scores["words"] = words
    return scores


@register_stage
class ScoreStage:
    name: ClassVar[str] = "score"

    def __call__(self, docs: list[Document], ctx: Context) -> None:
        for doc in docs:
            grammar_ran = "grammar" not in doc.skipped and "grammar" not in ctx.settings.disabled_stages
            boiler = [f for f in doc.findings if f.category is Category.BOILERPLATE]
            # Rates are taken over the article without its boilerplate; the share is of the whole text.
            before = category_scores(
                doc.findings, _without(doc.source, boiler), _share(boiler, len(doc.source)), grammar_ran
            )
            remaining = [f for f in doc.findings if not f.applied]
            kept_boiler = [f for f in remaining if f.category is Category.BOILERPLATE]
            clean = doc.clean_text if doc.clean_text is not None else doc.source
            # Boilerplate left in place is part of the clean text, so its share is of the clean text.
            after = category_scores(remaining, clean, _share(kept_boiler, len(clean)), grammar_ran)
            doc.scores = {**after, "before": before}


def _share(findings: list[Finding], total_chars: int) -> float:
    return min(1.0, sum(f.end - f.start for f in findings) / max(1, total_chars))


def _without(text: str, findings: list[Finding]) -> str:
    """The text with the given spans cut out (boilerplate is not article text)."""
    spans = sorted((f.start, f.end) for f in findings)
    pieces, cursor = [], 0
    for start, end in spans:
        if start > cursor:
            pieces.append(text[cursor:start])
        cursor = max(cursor, end)
    pieces.append(text[cursor:])
    return "".join(pieces)
