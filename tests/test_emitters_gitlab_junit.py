"""GitLab Code Quality (unique fingerprints) and JUnit XML."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

import diagnostic_cases as cases

from unspin.emitters.diagnostics import emitter


def _emit(fmt: str) -> str:
    out = io.StringIO()
    emitter(fmt)(cases.results(), out, cases.context())
    return out.getvalue()


def test_gitlab_issues_have_unique_fingerprints_and_known_severities() -> None:
    issues = json.loads(_emit("gitlab"))
    assert len(issues) == 6
    fingerprints = [i["fingerprint"] for i in issues]
    # Two identical findings ("Repeat me." twice on one line) still get different fingerprints.
    assert len(set(fingerprints)) == len(fingerprints)
    assert {i["severity"] for i in issues} <= {"info", "minor", "major", "critical", "blocker"}
    first = issues[0]
    assert first["location"] == {"path": "docs/tea guide.md", "lines": {"begin": 6, "end": 6}}
    assert first["check_name"] == "USP001 unused-suppression"
    assert [i["severity"] for i in issues][:3] == ["minor", "major", "info"]


def test_junit_has_a_suite_per_file_and_a_failure_per_finding() -> None:
    root = ET.fromstring(_emit("junit").split("\n", 1)[1])
    assert root.tag == "testsuites"
    assert (root.get("failures"), root.get("errors")) == ("6", "1")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    tea = suites["docs/tea guide.md"]
    assert tea.get("tests") == "4"
    failures = tea.findall("testcase/failure")
    assert failures[0].get("type") == "USP001"
    assert failures[0].text.startswith("docs/tea guide.md:6:12: USP001 [warning] 100% odd")
    clean = suites["docs/clean.md"]
    assert clean.findall("testcase/failure") == [] and len(clean.findall("testcase")) == 1
    assert suites["unreadable files"].find("testcase/error").get("message") == "not valid UTF-8 (byte 3)"
