"""CI details found in use: a baseline tells whitespace findings apart, and --changed-since asks the
repository that holds the checked files, whatever the working folder."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from unspin.checker import baseline_text
from unspin.cli import main

GIT = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
NOTE = "A note\n\nThe first line has a  double space in it.\n\nThe second line is clean.\n"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    project = tmp_path / "content"
    (project / "docs").mkdir(parents=True)
    (project / "unspin.toml").write_text('disabled-stages = ["grammar"]\n', encoding="utf-8")
    (project / "docs" / "note.txt").write_text(NOTE, encoding="utf-8")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=project, check=True)
    subprocess.run([*GIT, "commit", "-qm", "start"], cwd=project, check=True)
    return project


def test_a_new_run_of_spaces_is_not_hidden_by_a_baselined_one(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    code, _, _ = _run(capsys, "baseline", "docs", "--no-cache")
    assert code == 0
    code, _, _ = _run(capsys, "check", "docs", "--baseline", ".unspin-baseline.json", "--fail-level", "info")
    assert code == 0
    note = repo / "docs" / "note.txt"
    note.write_text(NOTE.replace("is clean.", "has  one too."), encoding="utf-8")
    code, out, _ = _run(
        capsys,
        "check",
        "docs",
        "--baseline",
        ".unspin-baseline.json",
        "--fail-level",
        "info",
        "--format",
        "json",
    )
    found = json.loads(out)["files"][0]["diagnostics"]
    assert code == 1
    assert [(d["code"], d["start"]["line"]) for d in found] == [("NORM003", 5)]


def test_baseline_text_uses_the_line_for_findings_without_words() -> None:
    text = "one  two\nthree  four\n"
    assert baseline_text(text, 3, 5) == "one  two"
    assert baseline_text(text, 14, 16) == "three  four"
    assert baseline_text(text, 0, 3) == "one"


def test_changed_since_uses_the_repository_of_the_checked_files(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "docs" / "new.txt").write_text(NOTE, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # not a git repository
    code, out, err = _run(capsys, "check", str(repo / "docs"), "--changed-since", "main", "--format", "jsonl")
    assert code == 0, err
    assert {json.loads(line)["path"] for line in out.splitlines()} == {"docs/new.txt"}
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.txt").write_text(NOTE, encoding="utf-8")
    code, _, err = _run(capsys, "check", str(outside), "--changed-since", "main")
    assert code == 2 and "not in a git repository" in err
