"""SARIF 2.1.0 output, validated against the official OASIS schema shipped in tests/data."""

from __future__ import annotations

import io
import json
from pathlib import Path

import diagnostic_cases as cases
import jsonschema
import pytest

from unspin.emitters import sarif
from unspin.emitters.diagnostics import FileResult, emitter
from unspin.rules import registry

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def _sarif(results: list[FileResult], tmp_path: Path) -> dict:
    out = io.StringIO()
    emitter("sarif")(results, out, cases.context(tmp_path))
    return json.loads(out.getvalue())


def test_valid_against_the_official_schema(tmp_path: Path) -> None:
    doc = _sarif(cases.results(), tmp_path)
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    assert doc["version"] == "2.1.0"


def test_the_schema_validator_rejects_a_broken_document(tmp_path: Path) -> None:
    doc = _sarif(cases.results(), tmp_path)
    doc["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate(doc)


def test_rules_come_from_the_registry_and_results_point_at_them(tmp_path: Path) -> None:
    run = _sarif(cases.results(), tmp_path)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["USP001", "USP002"]
    for rule in rules:
        registered = registry()[rule["id"]]
        assert rule["name"] == registered.name
        assert rule["shortDescription"]["text"] == registered.summary
        assert "## Why is this bad?" in rule["help"]["markdown"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_paths_are_repository_relative_uris_under_srcroot(tmp_path: Path) -> None:
    run = _sarif(cases.results(), tmp_path)["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"docs/tea%20guide.md", "notes/crlf.txt", "site/tea.html"}
    assert run["columnKind"] == "unicodeCodePoints"


def test_regions_count_code_points_and_end_after_the_span(tmp_path: Path) -> None:
    run = _sarif(cases.results(), tmp_path)["runs"][0]
    first = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    # "Don’t brew 𐐀 green": 𐐀 is one code point (two UTF-16 units, four UTF-8 bytes).
    assert (first["startLine"], first["startColumn"], first["endColumn"]) == (6, 12, 19)
    assert first["snippet"]["text"] == "𐐀 green"


def test_fingerprints_are_unique_and_survive_a_line_shift(tmp_path: Path) -> None:
    results = cases.results()
    fingerprints = [
        r["partialFingerprints"][sarif.FINGERPRINT_KEY]
        for r in _sarif(results, tmp_path)["runs"][0]["results"]
    ]
    assert len(set(fingerprints)) == len(fingerprints)

    md, findings = cases.md_document()
    shift = len("Inserted line.\n\n")
    md.source = md.source.replace("# Tea", "Inserted line.\n\n# Tea", 1)
    for f in findings:
        f.start += shift
        f.end += shift
        if f.fix is not None:
            f.fix = type(f.fix)(
                tuple(type(e)(e.start + shift, e.end + shift, e.replacement) for e in f.fix.edits),
                f.fix.applicability,
            )
    shifted = _sarif([FileResult("docs/tea guide.md", md, findings)], tmp_path)["runs"][0]["results"]
    assert shifted[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    assert [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in shifted] == fingerprints[:4]


def test_fixes_are_artifact_changes(tmp_path: Path) -> None:
    results = _sarif(cases.results(), tmp_path)["runs"][0]["results"]
    fix = results[0]["fixes"][0]
    change = fix["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "docs/tea%20guide.md"
    replacement = change["replacements"][0]
    assert replacement["insertedContent"]["text"] == "green"
    assert replacement["deletedRegion"] == {"startLine": 6, "startColumn": 12, "endLine": 6, "endColumn": 19}
    # An HTML page's fix edits extracted text, not the page: no artifact change is offered.
    html = next(
        r
        for r in results
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(".html")
    )
    assert "fixes" not in html


def test_unreadable_files_are_tool_notifications(tmp_path: Path) -> None:
    invocation = _sarif(cases.results(), tmp_path)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    note = invocation["toolExecutionNotifications"][0]
    assert note["message"]["text"].startswith("not valid UTF-8")
