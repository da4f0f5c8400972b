"""Count-based baselines: what is recorded, what is new, what is stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unspin import rules
from unspin.baseline import Baseline, BaselineError
from unspin.document import Finding


def _findings(text: str, words: list[str], code: str = "USP002") -> list[Finding]:
    found = []
    for word in words:
        start = text.index(word)
        found.append(rules.finding(code, start, start + len(word), word))
    return found


def _text_of(text: str):
    return lambda f: text[f.start : f.end]


TEXT = "alpha beta gamma delta epsilon"


def test_written_file_has_counts_and_text_hashes_but_no_line_numbers(tmp_path: Path) -> None:
    base = Baseline.from_findings([("docs/a.md", [("USP002", "alpha"), ("USP002", "beta"), ("USP001", "x")])])
    path = tmp_path / "baseline.json"
    base.write(path)
    data = json.loads(path.read_text())
    assert data["schema"] == "unspin-baseline/1"
    entry = data["files"]["docs/a.md"]["USP002"]
    assert entry["count"] == 2 and len(entry["texts"]) == 2
    assert set(entry) == {"count", "texts"}  # no line numbers: any edit above a finding would shift them
    assert Baseline.load(path).files["docs/a.md"]["USP001"].count == 1


def test_known_findings_are_hidden_even_when_lines_move(tmp_path: Path) -> None:
    base = Baseline.from_findings([("a.md", [("USP002", "alpha"), ("USP002", "gamma")])])
    moved = "new first line\n\n" + TEXT
    kept, known = base.filter("a.md", _findings(moved, ["alpha", "gamma"]), _text_of(moved))
    assert kept == [] and known == 2


def test_only_new_findings_are_reported_when_the_count_goes_up() -> None:
    base = Baseline.from_findings([("a.md", [("USP002", "alpha"), ("USP002", "gamma")])])
    kept, known = base.filter("a.md", _findings(TEXT, ["alpha", "gamma", "epsilon"]), _text_of(TEXT))
    assert [f.message for f in kept] == ["epsilon"] and known == 2


def test_new_rule_or_new_file_is_reported_in_full() -> None:
    base = Baseline.from_findings([("a.md", [("USP002", "alpha")])])
    kept, _ = base.filter("a.md", _findings(TEXT, ["beta"], code="USP001"), _text_of(TEXT))
    assert len(kept) == 1
    kept, _ = base.filter("b.md", _findings(TEXT, ["alpha"]), _text_of(TEXT))
    assert len(kept) == 1


def test_same_count_with_edited_text_is_not_a_failure() -> None:
    # Count-based: rewording a known finding does not make the file fail.
    base = Baseline.from_findings([("a.md", [("USP002", "alpha")])])
    kept, known = base.filter("a.md", _findings(TEXT, ["delta"]), _text_of(TEXT))
    assert kept == [] and known == 1


def test_stale_entries_for_fewer_findings_and_deleted_files(tmp_path: Path) -> None:
    (tmp_path / "kept.md").write_text("x")
    (tmp_path / "unchecked.md").write_text("x")
    base = Baseline.from_findings(
        [
            ("kept.md", [("USP002", "alpha"), ("USP002", "beta")]),
            ("gone.md", [("USP002", "alpha")]),
            ("unchecked.md", [("USP002", "alpha")]),
        ]
    )
    base.filter("kept.md", _findings(TEXT, ["alpha"]), _text_of(TEXT))
    stale = [(s.path, s.code, s.recorded, s.found) for s in base.stale(tmp_path)]
    assert stale == [("gone.md", "USP002", 1, 0), ("kept.md", "USP002", 2, 1)]


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"schema": "other"}),
        json.dumps({"schema": "unspin-baseline/1", "files": {"a": {"X": 3}}}),
    ],
)
def test_malformed_baselines_are_errors(tmp_path: Path, content: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(BaselineError) as err:
        Baseline.load(path)
    assert err.value.exit_code == 2 and str(path) in str(err.value)


def test_missing_baseline_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="not found"):
        Baseline.load(tmp_path / "nope.json")
