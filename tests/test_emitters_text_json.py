"""The text, json and jsonl formats and the shared diagnostic model behind every emitter."""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path

import diagnostic_cases as cases
import jsonschema

from unspin import rules
from unspin.document import Document
from unspin.emitters.diagnostics import FORMATS, FileResult, emitter


def _emit(fmt: str) -> str:
    out = io.StringIO()
    emitter(fmt)(cases.results(), out, cases.context())
    return out.getvalue()


def test_every_format_has_an_emitter() -> None:
    assert set(FORMATS) == {"text", "json", "jsonl", "sarif", "github", "rdjson", "junit", "gitlab"}
    for name in FORMATS:
        assert callable(emitter(name))


def test_text_shows_location_code_message_excerpt_and_fix() -> None:
    text = _emit("text")
    assert "docs/tea guide.md:6:12: USP001 [warning] 100% odd: wording\n    second line, with comma\n" in text
    assert "    6 | Don’t brew 𐐀 green tea with boiling water.\n      |            ^^^^^^^\n" in text
    assert "  = fix (safe): replace with 'green'" in text
    assert "notes/crlf.txt:3:20: USP002 [error] an error on a CRLF line" in text
    assert "broken.md" not in text  # unreadable files are reported on stderr by the command
    assert text.rstrip().endswith(
        "Found 6 findings (2 error, 2 warning, 2 info) in 3 of 4 files. 1 fixable with --fix "
        "(1 more with --unsafe-fixes). (1 suppressed by comments, 2 in the baseline)"
    )


def test_json_document_matches_its_published_schema() -> None:
    doc = json.loads(_emit("json"))
    schema_text = (resources.files("unspin") / "data" / "schema" / "unspin-check-1.schema.json").read_text()
    jsonschema.Draft202012Validator(json.loads(schema_text)).validate(doc)
    assert doc["schema"] == "unspin-check/1" and doc["tool"] == {"name": "unspin", "version": "9.9.9"}
    tea = doc["files"][0]
    assert tea["path"] == "docs/tea guide.md" and tea["scores"]["overall"] == 71.5
    first = tea["diagnostics"][0]
    assert first["start"] == {"line": 6, "column": 12, "byte_column": 14, "offset": 45}
    assert first["fix"]["edits"][0]["content"] == "green"
    assert tea["summary"] == {
        "diagnostics": 4,
        "error": 1,
        "warning": 1,
        "info": 2,
        "suppressed": 1,
        "baselined": 0,
    }
    assert doc["summary"]["by_severity"] == {"info": 2, "warning": 2, "error": 2}


def test_json_schema_rejects_a_missing_field() -> None:
    doc = json.loads(_emit("json"))
    del doc["files"][0]["diagnostics"][0]["fingerprint"]
    schema_text = (resources.files("unspin") / "data" / "schema" / "unspin-check-1.schema.json").read_text()
    validator = jsonschema.Draft202012Validator(json.loads(schema_text))
    assert not validator.is_valid(doc)


def test_jsonl_is_one_diagnostic_per_line_with_its_path() -> None:
    records = [json.loads(line) for line in _emit("jsonl").splitlines()]
    assert [r["path"] for r in records] == ["docs/tea guide.md"] * 4 + ["notes/crlf.txt", "site/tea.html"]
    assert records[4]["start"]["line"] == 3


def test_crlf_lines_and_columns() -> None:
    result = cases.results()[1]
    diag = result.diagnostics[0]
    assert (diag.start.line, diag.start.column, diag.end.column) == (3, 20, 27)
    assert diag.text == "problem"


def test_html_findings_are_located_in_the_page_or_left_unlocated() -> None:
    page = cases.results()[2]
    diag = page.diagnostics[0]
    assert diag.mapped and diag.path == "site/tea.html"
    # Located in the markup, across the page's own line break, with no fix offered for the page.
    assert cases.HTML_RAW[diag.start.offset : diag.end.offset] == "leaves\n  for three"
    assert (diag.start.line, diag.start.column) == (2, 14)
    assert diag.fix is None

    raw = "<html><body><p>Completely different words.</p></body></html>"
    doc = Document(path=Path("x.html"), source="Text the page does not contain.", format="html", raw=raw)
    finding = rules.finding("USP001", 0, 4, "not in the page")
    lost = FileResult("x.html", doc, [finding]).diagnostics[0]
    assert not lost.mapped
    assert "x.html: USP001 [warning] not in the page" in _text_of([FileResult("x.html", doc, [finding])])


def _text_of(results: list[FileResult]) -> str:
    out = io.StringIO()
    emitter("text")(results, out, cases.context())
    return out.getvalue()
