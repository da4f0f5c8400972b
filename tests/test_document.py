"""The core model: one-pass edits, fix selection and offset mapping."""

from __future__ import annotations

import pytest

from unspin.document import (
    Applicability,
    Category,
    Document,
    Edit,
    Finding,
    Fix,
    Severity,
    apply_edits,
    select_fixes,
)


def finding(start: int, end: int, text: str, confidence: float, applicability=Applicability.SAFE) -> Finding:
    return Finding(
        rule="TEST001",
        category=Category.SPIN,
        severity=Severity.WARNING,
        start=start,
        end=end,
        message="test",
        confidence=confidence,
        fix=Fix.replace(start, end, text, applicability),
    )


def test_apply_edits_replaces_inserts_and_deletes_in_one_pass():
    source = "the quick brown fox"
    text, mapping = apply_edits(source, [Edit(4, 9, "slow"), Edit(0, 0, ">> "), Edit(15, 19, "")])
    assert text == ">> the slow brown"
    # Unedited text maps back one to one; edited runs map to their source range.
    assert mapping.to_source(text.index("brown")) == source.index("brown")
    assert mapping.span_to_source(text.index("slow"), text.index("slow") + 4) == (4, 9, False)
    assert mapping.span_to_source(text.index("brown"), text.index("brown") + 5) == (10, 15, True)


def test_apply_edits_refuses_overlap():
    with pytest.raises(ValueError):
        apply_edits("abcdef", [Edit(0, 3, "x"), Edit(2, 4, "y")])


def test_select_fixes_keeps_highest_confidence_of_overlapping_fixes():
    findings = [finding(0, 5, "A", 0.6), finding(3, 8, "B", 0.9), finding(9, 10, "C", 0.5)]
    chosen = select_fixes(findings, Applicability.SAFE)
    assert [f.fix.replacement for f in chosen] == ["B", "C"]


def test_select_fixes_respects_applicability():
    findings = [finding(0, 1, "x", 0.9, Applicability.UNSAFE), finding(2, 3, "y", 0.5)]
    assert [f.fix.replacement for f in select_fixes(findings, Applicability.SAFE)] == ["y"]
    assert len(select_fixes(findings, Applicability.UNSAFE)) == 2


def test_a_removal_wins_over_the_fixes_it_takes_out_whole():
    """A boilerplate line with a stray character inside: the character's repair is more confident, but
    the line goes, and the repair is done by the removal. A removal that only overlaps a fix still loses."""
    inside, removal = finding(10, 11, "", 1.0), finding(0, 20, "", 0.8)
    assert select_fixes([inside, removal], Applicability.SAFE) == [removal]
    overlapping = finding(18, 24, "x", 1.0)
    assert select_fixes([overlapping, removal], Applicability.SAFE) == [overlapping]


def test_a_fix_inside_an_applied_removal_counts_as_applied():
    from unspin.config import Settings
    from unspin.pipeline import rewrite

    source = "Keep this.\nLeave\u0007 a Reply\nKeep that.\n"
    doc = Document(path=None, source=source)
    start = source.index("Leave")
    junk = finding(source.index("\u0007"), source.index("\u0007") + 1, "", 1.0)
    line = finding(start, source.index("Keep that."), "", 0.8)
    doc.findings.extend([junk, line])
    rewrite(doc, Settings())
    assert doc.clean_text == "Keep this.\nKeep that.\n"
    assert junk.applied and line.applied


def test_select_fixes_is_deterministic_on_ties():
    a, b = finding(0, 4, "first", 0.7), finding(2, 6, "second", 0.7)
    assert select_fixes([a, b], Applicability.SAFE) == select_fixes([b, a], Applicability.SAFE) == [a]


def test_offsets_around_multibyte_characters():
    source = "Café — naïve 😀 résumé well-being"
    start = source.index("well-being")
    text, mapping = apply_edits(source, [Edit(start, start + len("well-being"), "wellness")])
    assert text == "Café — naïve 😀 résumé wellness"
    assert mapping.to_source(text.index("résumé")) == source.index("résumé")
    doc = Document(path=None, source=source)
    assert doc.line_column(source.index("😀")) == (1, source.index("😀") + 1)


def test_crlf_input_keeps_offsets_and_lines():
    source = "Title\r\n\r\nFirst line here.\r\nSecond line."
    doc = Document(path=None, source=source)
    offset = source.index("Second")
    assert doc.line_column(offset) == (4, 1)
    text, mapping = apply_edits(source, [Edit(offset, offset + 6, "Next")])
    assert text == "Title\r\n\r\nFirst line here.\r\nNext line."
    assert mapping.to_source(text.index("line.")) == source.index("line.")


def test_prose_blanks_protected_spans_but_keeps_offsets():
    doc = Document(path=None, source="Run `rm -rf /` now.\nNext")
    doc.protect(4, 14)
    assert doc.prose == "Run            now.\nNext"
    assert len(doc.prose) == len(doc.source)
    assert doc.is_protected(5, 6) and not doc.is_protected(0, 3)


def test_multi_edit_fix_renders_its_span():
    source = "lower back lower back pain after running treatment pain"
    fix = Fix((Edit(0, 11, ""), Edit(26, 55, "")), Applicability.SAFE)
    assert fix.render(source) == "lower back pain"
