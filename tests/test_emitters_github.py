"""GitHub workflow commands: escaping, grouping, the annotation cap and the step summary."""

from __future__ import annotations

import io
from pathlib import Path

import diagnostic_cases as cases

from unspin.emitters import github
from unspin.emitters.diagnostics import emitter


def _run(tmp_path: Path, **env: str) -> str:
    out = io.StringIO()
    ctx = cases.context(tmp_path, **env)
    emitter("github")(cases.results(), out, ctx)
    return out.getvalue()


def test_escaping_of_data_and_properties() -> None:
    assert github.escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert github.escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_annotations_are_grouped_per_file_with_positions(tmp_path: Path) -> None:
    lines = _run(tmp_path).splitlines()
    assert lines[0] == "::group::docs/tea guide.md"
    first = lines[1]
    assert first.startswith("::warning file=docs/tea guide.md,line=6,endLine=6,col=12,endColumn=19,")
    assert "title=USP001 (unused-suppression)::" in first
    # The message's % and newline are escaped; the fix is appended on its own (escaped) line.
    assert first.endswith(
        "::100%25 odd: wording%0Asecond line, with comma%0ASuggested fix (safe): replace with “green”"
    )
    assert lines.count("::endgroup::") == 3
    multi = next(line for line in lines if "spans two lines" in line)
    assert multi.startswith(
        "::error file=docs/tea guide.md,line=7,endLine=8,title="
    )  # no columns across lines
    assert "::notice file=docs/tea guide.md,line=9" in "\n".join(lines)
    assert "::error file=docs/broken.md::not valid UTF-8 (byte 3)" in lines


def test_property_values_with_colons_and_commas_are_escaped() -> None:
    md, findings = cases.md_document()
    from unspin.emitters.diagnostics import FileResult

    diag = FileResult("docs/a:b,c.md", md, findings).diagnostics[0]
    assert github.annotation(diag).startswith("::warning file=docs/a%3Ab%2Cc.md,")


def test_findings_beyond_the_cap_are_logged_and_counted(tmp_path: Path) -> None:
    out = io.StringIO()
    ctx = cases.context(tmp_path)
    ctx.max_annotations_per_level = 1
    emitter("github")(cases.results(), out, ctx)
    text = out.getvalue()
    annotations = [
        line
        for line in text.splitlines()
        if line.startswith(("::warning", "::error file=docs/tea", "::notice"))
    ]
    assert len(annotations) == 3  # one per level
    assert "docs/tea guide.md:9:12: USP001 [info] repeated" in text
    assert "3 more findings not annotated" in text


def test_step_summary_is_appended_when_the_variable_is_set(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    _run(tmp_path, GITHUB_STEP_SUMMARY=str(summary))
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## unspin 9.9.9")
    assert "| 4 | 6 | 2 | 2 | 2 | 1 | 1 | 2 |" in text
    assert "| `docs/tea guide.md` | 71.5 | 1 | 1 | 2 |" in text
    assert "| `USP001` | unused-suppression | 4 |" in text
    assert "`docs/broken.md`: not valid UTF-8 (byte 3)" in text


def test_no_step_summary_without_the_variable(tmp_path: Path) -> None:
    _run(tmp_path)
    assert list(tmp_path.iterdir()) == []
