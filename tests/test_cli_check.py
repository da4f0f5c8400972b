"""``unspin check`` end to end with the real pipeline: formats, exit codes, --fix/--diff, baseline,
--changed-since and the cache. LanguageTool is turned off in these projects (its own tests cover it)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from unspin.cli import main

POST = """---
title: Brewing green tea
tags: [tea, "kitchen"]
---
# Brewing green tea

Green tea tastes best when the water is not boiling. Heat it to about 80 °C and steep the leaves.

<!-- unspin-disable-next-line USP002 -->
A short paragraph with nothing to hide.

```python
def brew():  # code stays byte for byte
    return "Leave a Reply"
```

Leave a Reply

Your email address will not be published. Required fields are marked *

Comment *
"""

CLEAN = "# Houseplants in winter\n\nWater them less often and keep them away from cold windows.\n"

PAGE = """<!doctype html><html><head><title>Tea</title></head><body><article><h1>Tea at home</h1>
<p>Green tea tastes best when the water is not boiling. Heat it and steep the leaves for two minutes.</p>
<p>Black tea takes hotter water and a little longer; taste it after three minutes.</p>
<!-- unspin-disable-next-line USP002 -->
<p>A last paragraph.</p></article></body></html>
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "unspin.toml").write_text('[languagetool]\nmode = "off"\n', encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "post.md").write_text(POST, encoding="utf-8")
    (docs / "clean.md").write_text(CLEAN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_findings_and_exit_codes_by_fail_level(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "docs")
    # The unused suppression (USP001) and the comment form (BOIL001) are warnings: below the default level.
    assert code == 0
    assert "docs/post.md:9:1: USP001 [warning] unused suppression" in out
    assert "BOIL001" in out
    assert run(capsys, "docs", "--fail-level", "warning")[0] == 1
    assert run(capsys, "docs", "--fail-level", "warning", "--exit-zero")[0] == 0
    assert run(capsys, "docs", "--fail-level", "never")[0] == 0
    assert run(capsys, "docs/clean.md", "--fail-level", "info")[0] == 0


def test_per_rule_severity_and_ignore_from_config(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "unspin.toml").write_text(
        '[languagetool]\nmode = "off"\n[severity]\nUSP001 = "error"\n', encoding="utf-8"
    )
    code, out, _ = run(capsys, "docs")
    assert code == 1 and "USP001 [error]" in out
    (project / "unspin.toml").write_text(
        'ignore = ["USP", "BOIL"]\n[languagetool]\nmode = "off"\n', encoding="utf-8"
    )
    code, out, _ = run(capsys, "docs", "--fail-level", "info")
    assert code == 0 and "USP001" not in out and "BOIL001" not in out


def test_fail_under_uses_each_files_overall_score(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "docs/post.md", "--format", "json")
    score = json.loads(out)["files"][0]["scores"]["overall"]
    assert isinstance(score, int | float)
    assert run(capsys, "docs/post.md", "--fail-under", str(max(0, score - 1)))[0] == 0
    code, _, err = run(capsys, "docs/post.md", "--fail-under", str(min(100, score + 1)))
    assert code == 1 and "below --fail-under" in err


def test_sarif_output_is_valid_with_repository_relative_paths(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import jsonschema

    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    code, out, _ = run(capsys, str(project / "docs"), "--format", "sarif")
    assert code == 0
    doc = json.loads(out)
    schema = json.loads(
        (Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
    )
    jsonschema.Draft4Validator(schema).validate(doc)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]
    }
    assert uris == {"docs/post.md"}


@pytest.mark.parametrize("fmt", ["json", "jsonl", "rdjson", "junit", "gitlab", "github", "text"])
def test_every_format_runs(project: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, _ = run(capsys, "docs", "--format", fmt)
    assert code == 0 and "USP001" in out


def test_github_format_is_chosen_on_actions(project: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = project / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    _, out, _ = run(capsys, "docs")
    assert out.startswith("::group::docs/post.md\n::warning file=docs/post.md,line=")
    assert "## unspin" in summary.read_text(encoding="utf-8")
    # A chosen format wins over the environment.
    assert run(capsys, "docs", "--format", "json")[1].startswith("{")


def test_diff_writes_nothing_and_exits_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (project / "docs" / "post.md").read_bytes()
    code, out, err = run(capsys, "docs", "--diff")
    assert code == 1
    assert out.startswith("--- a/docs/post.md\n+++ b/docs/post.md\n")
    assert "-<!-- unspin-disable-next-line USP002 -->\n" in out
    assert "-Leave a Reply\n" in out
    assert "would fix 2 findings in 1 file" in err
    assert (project / "docs" / "post.md").read_bytes() == before
    assert run(capsys, "docs/clean.md", "--diff") == (0, "", "unspin: would fix 0 findings in 0 files\n")


def test_fix_keeps_front_matter_and_code_byte_for_byte(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project / "docs" / "post.md"
    path.write_bytes(POST.replace("\n", "\r\n").encode())  # CRLF files stay CRLF
    code, out, err = run(capsys, "docs/post.md", "--fix", "--fail-level", "info")
    assert "fixed 2 findings" in err
    fixed = path.read_bytes().decode()
    front_matter = POST[: POST.index("---", 4) + 4].replace("\n", "\r\n")
    code_block = POST[POST.index("```python") : POST.index("```\n", POST.index("```python") + 3) + 4]
    assert fixed.startswith(front_matter)
    assert code_block.replace("\n", "\r\n") in fixed
    assert "unspin-disable" not in fixed and "Leave a Reply\r\n\r\nYour email" not in fixed
    assert "\n" not in fixed.replace("\r\n", "")
    assert code == 0 and "All clear" in out  # what remains after fixing is reported
    # Idempotent: a second run changes nothing.
    assert run(capsys, "docs/post.md", "--fix", "--exit-non-zero-on-fix")[0] == 0
    assert path.read_bytes().decode() == fixed


def test_fix_with_exit_non_zero_on_fix(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "docs", "--fix", "--exit-non-zero-on-fix")[0] == 1


def test_html_pages_are_never_rewritten(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = project / "docs" / "tea.html"
    page.write_text(PAGE, encoding="utf-8")
    _, out, _ = run(capsys, "docs/tea.html", "--fix", "--format", "json")
    assert page.read_text(encoding="utf-8") == PAGE
    diags = json.loads(out)["files"][0]["diagnostics"]
    unused = [d for d in diags if d["code"] == "USP001"]
    assert unused and unused[0]["start"]["line"] == 4 and unused[0]["fix"] is None


def test_baseline_reports_only_new_findings(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["baseline", "docs", "--output", "base.json"]) == 0
    recorded = json.loads((project / "base.json").read_text())
    assert recorded["files"]["docs/post.md"]["USP001"]["count"] == 1
    capsys.readouterr()
    code, out, _ = run(capsys, "docs", "--baseline", "base.json", "--fail-level", "info")
    assert code == 0 and "All clear" in out and "2 in the baseline" in out
    # A new unused suppression above the old text is new; the old findings stay known though lines moved.
    post = project / "docs" / "post.md"
    post.write_text(
        POST.replace("# Brewing", "<!-- unspin-disable-next-line invalid-suppression -->\n# Brewing"),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "docs", "--baseline", "base.json", "--fail-level", "warning")
    assert code == 1
    assert out.count("USP001") == 1 and "docs/post.md:5:1: USP001" in out
    # Fixing everything leaves stale entries, which are reported.
    post.write_text(CLEAN, encoding="utf-8")
    code, _, err = run(capsys, "docs", "--baseline", "base.json")
    assert code == 0 and "baseline entries can be pruned" in err


def test_changed_since_checks_only_changed_files(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True)
    subprocess.run([*git, "add", "-A"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "start"], cwd=project, check=True)
    (project / "docs" / "new.md").write_text(POST, encoding="utf-8")
    code, out, _ = run(capsys, "docs", "--changed-since", "main", "--format", "jsonl")
    assert {json.loads(line)["path"] for line in out.splitlines()} == {"docs/new.md"}
    code, _, err = run(capsys, "docs", "--changed-since", "no-such-ref")
    assert code == 2 and "no-such-ref" in err


def test_cache_makes_reruns_identical_and_no_cache_writes_none(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = run(capsys, "docs", "--format", "json")
    assert (project / ".unspin-cache" / "CACHEDIR.TAG").is_file()
    assert run(capsys, "docs", "--format", "json") == first
    other = project / "elsewhere"
    other.mkdir()
    (other / "unspin.toml").write_text('[languagetool]\nmode = "off"\n', encoding="utf-8")
    (other / "a.md").write_text(CLEAN, encoding="utf-8")
    assert run(capsys, "elsewhere/a.md", "--no-cache")[0] == 0
    assert not (other / ".unspin-cache").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["docs", "--format", "xml"], "unknown format 'xml'"),
        (["docs", "--fail-level", "loud"], "--fail-level"),
        (["docs", "--no-such-option"], "No such option"),
        (["missing.md"], "missing.md"),
        (["docs", "--baseline", "nope.json"], "baseline file not found"),
    ],
)
def test_errors_exit_2(
    project: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(capsys, *args)
    assert code == 2 and message in err


def test_invalid_config_exits_2_naming_the_key(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "unspin.toml").write_text('fail-level = "loud"\n', encoding="utf-8")
    code, _, err = run(capsys, "docs")
    assert code == 2 and "fail-level" in err and "unspin.toml" in err
