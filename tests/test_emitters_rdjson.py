"""reviewdog rdjson: UTF-8 byte columns, exclusive ends, suggestions from fixes."""

from __future__ import annotations

import io
import json

import diagnostic_cases as cases

from unspin.emitters.diagnostics import emitter


def _rdjson() -> dict:
    out = io.StringIO()
    emitter("rdjson")(cases.results(), out, cases.context())
    return json.loads(out.getvalue())


def test_columns_count_utf8_bytes() -> None:
    first = _rdjson()["diagnostics"][0]
    line = cases.MD_SOURCE.splitlines()[5]
    start = line.index("𐐀")
    # "Don’t brew " is 11 code points but 13 bytes (’ takes three), so 𐐀 starts at byte column 14.
    assert (
        first["location"]["range"]["start"]
        == {"line": 6, "column": len(line[:start].encode()) + 1}
        == {
            "line": 6,
            "column": 14,
        }
    )
    # The end is exclusive: after "𐐀 green" (4 + 1 + 5 bytes).
    assert first["location"]["range"]["end"] == {"line": 6, "column": 24}


def test_suggestions_carry_the_fix_text_and_range() -> None:
    first = _rdjson()["diagnostics"][0]
    assert first["suggestions"] == [
        {"range": {"start": {"line": 6, "column": 14}, "end": {"line": 6, "column": 24}}, "text": "green"}
    ]
    assert first["severity"] == "WARNING"
    assert first["code"] == {"value": "USP001"}
    assert first["source"] == {"name": "unspin"}


def test_every_finding_is_present_with_mapped_severities() -> None:
    diags = _rdjson()["diagnostics"]
    assert len(diags) == 6
    assert [d["severity"] for d in diags] == ["WARNING", "ERROR", "INFO", "INFO", "ERROR", "WARNING"]
    html = diags[-1]
    assert html["location"]["path"] == "site/tea.html"
    assert "suggestions" not in html
