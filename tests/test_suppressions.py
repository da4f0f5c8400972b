"""Inline suppression comments: regions, next line, whole file, unused and invalid comments."""

from __future__ import annotations

from pathlib import Path

from unspin import rules, suppressions
from unspin.document import Document, Finding, apply_edits
from unspin.emitters.diagnostics import FileLocator

# Findings in these tests use USP002 as "some rule" (any registered code would do).
CODE = "USP002"


def _doc(text: str, fmt: str = "md", raw: str | None = None) -> Document:
    return Document(path=Path(f"a.{fmt}"), source=text, format=fmt, raw=raw)


def _at(doc: Document, needle: str, code: str = CODE) -> Finding:
    start = doc.source.index(needle)
    return rules.finding(code, start, start + len(needle), f"found {needle}")


def _apply(doc: Document, findings: list[Finding]) -> suppressions.Outcome:
    locator = FileLocator(doc)
    return suppressions.apply(doc, findings, locator.span, locator.text)


def test_region_between_disable_and_enable() -> None:
    doc = _doc("alpha one\n<!-- unspin-disable USP002 -->\nbeta two\n<!-- unspin-enable -->\ngamma three\n")
    outcome = _apply(doc, [_at(doc, "alpha"), _at(doc, "beta"), _at(doc, "gamma")])
    assert [f.message for f in outcome.kept] == ["found alpha", "found gamma"]
    assert outcome.suppressed == 1
    assert outcome.reports == []


def test_disable_without_enable_runs_to_the_end_and_off_on_switches() -> None:
    doc = _doc("one\n<!-- unspin off -->\ntwo\n<!-- unspin on -->\nthree\n<!-- unspin-disable -->\nfour\n")
    outcome = _apply(doc, [_at(doc, w) for w in ("one", "two", "three", "four")])
    assert [f.message for f in outcome.kept] == ["found one", "found three"]


def test_next_line_skips_blank_lines_and_only_covers_one_line() -> None:
    doc = _doc("<!-- unspin-disable-next-line USP002 -->\n\nfirst line\nsecond line\n")
    outcome = _apply(doc, [_at(doc, "first"), _at(doc, "second")])
    assert [f.message for f in outcome.kept] == ["found second"]


def test_selectors_by_prefix_and_by_name_and_other_rules_untouched() -> None:
    doc = _doc(
        "<!-- unspin-disable-next-line USP -->\nprefix here\n"
        "<!-- unspin-disable-next-line invalid-suppression -->\nname here\n"
        "<!-- unspin-disable-next-line USP002 -->\nother rule here\n"
    )
    findings = [_at(doc, "prefix"), _at(doc, "name"), _at(doc, "other rule", code="USP001")]
    outcome = _apply(doc, findings)
    assert [f.rule for f in outcome.kept] == ["USP001"]
    # The third comment silenced nothing (USP001 is not USP002) and is reported.
    assert [r.rule for r in outcome.reports] == ["USP001"]
    assert "unused suppression" in outcome.reports[0].message


def test_disable_file() -> None:
    doc = _doc("text\n<!-- unspin-disable-file -->\nmore text\n")
    outcome = _apply(doc, [_at(doc, "text"), _at(doc, "more")])
    assert outcome.kept == [] and outcome.suppressed == 2


def test_unused_comment_has_a_safe_fix_that_deletes_its_line() -> None:
    text = "---\ntitle: T\n---\nIntro.\n<!-- unspin-disable-next-line USP002 -->\nClean sentence.\n"
    doc = _doc(text)
    outcome = _apply(doc, [])
    (report,) = outcome.reports
    assert report.rule == suppressions.UNUSED
    assert report.fix is not None and report.fix.applicability.value == "safe"
    fixed, _ = apply_edits(text, list(report.fix.edits))
    assert fixed == "---\ntitle: T\n---\nIntro.\nClean sentence.\n"


def test_partly_used_comment_reports_the_unused_code_without_a_fix() -> None:
    doc = _doc("<!-- unspin-disable-next-line USP002, USP001 -->\nhit here\n")
    outcome = _apply(doc, [_at(doc, "hit")])
    assert outcome.kept == []
    (report,) = outcome.reports
    assert "`USP001`" in report.message and report.fix is None


def test_unknown_rule_is_reported_as_invalid() -> None:
    doc = _doc("<!-- unspin-disable-next-line SPNI001 -->\nline\n")
    outcome = _apply(doc, [_at(doc, "line")])
    assert [r.rule for r in outcome.reports] == [suppressions.INVALID]
    assert "SPNI001" in outcome.reports[0].message
    assert len(outcome.kept) == 1


def test_comments_in_markdown_code_are_examples_not_directives() -> None:
    doc = _doc(
        "```html\n<!-- unspin-disable -->\n```\n\n"
        "Use `<!-- unspin-disable-file -->` to skip a file.\n\nreal finding\n"
    )
    outcome = _apply(doc, [_at(doc, "real finding")])
    assert len(outcome.kept) == 1 and outcome.reports == []


def test_html_page_comments_apply_to_findings_located_in_the_page() -> None:
    raw = (
        "<html><body><article><p>Keep this sentence.</p>\n"
        "<!-- unspin-disable-next-line USP002 -->\n<p>Skip this sentence.</p>\n"
        "<!-- unspin-disable-next-line USP001 -->\n<p>Nothing here.</p></article></body></html>"
    )
    source = "Keep this sentence.\n\nSkip this sentence.\n\nNothing here.\n"
    doc = _doc(source, fmt="html", raw=raw)
    outcome = _apply(doc, [_at(doc, "Keep this"), _at(doc, "Skip this")])
    assert [f.message for f in outcome.kept] == ["found Keep this"]
    # The unused comment lives in the page, not in the extracted text: it is reported with page offsets.
    assert outcome.reports == []
    ((report, start, end),) = outcome.file_reports
    assert raw[start:end] == "<!-- unspin-disable-next-line USP001 -->"
    assert report.fix is None
