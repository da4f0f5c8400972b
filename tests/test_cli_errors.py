"""Bad input: one clear line naming the file, exit 2, no traceback, no partial output; the rest of the batch
is still processed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from unspin.cli import main

GOOD = "A short note\n\nThis is a plain article about keeping a tidy desk. It has two sentences.\n"


def run_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unspin.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("latin1.txt", "Caf\xe9 au lait et cr\xe8me".encode("latin-1"), "not valid UTF-8"),
        ("empty.txt", b"", "empty file"),
        ("blank.md", b"   \n\n  \n", "empty file"),
    ],
)
def test_unreadable_file_is_one_line_exit_2_and_no_output(tmp_path, capsys, name, content, expected):
    bad = tmp_path / name
    bad.write_bytes(content)
    out = tmp_path / "out"
    status = main(["clean", str(bad), "--out", str(out), "--no-grammar", "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert str(bad) in lines[0] and expected in lines[0]
    assert "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())
    assert bad.read_bytes() == content  # inputs are never modified


def test_missing_path_and_empty_directory(tmp_path, capsys):
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    (empty / "notes.csv").write_text("a,b\n")
    assert main(["clean", str(tmp_path / "missing.txt"), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["clean", str(empty), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert "no articles" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_batch_goes_on_past_a_bad_file(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"\xff\xfe\x00\x01")
    out = tmp_path / "out"
    status = main(["clean", str(folder), "--out", str(out), "--no-grammar", "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    assert "bad.txt" in err and "good.txt" not in err
    assert (out / "good.md").is_file() and (out / "good.json").is_file()
    assert not (out / "bad.md").exists() and not (out / "bad.json").exists()
    assert (out / "report.json").is_file()
    # No temporary files are left behind by the atomic writes.
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_usage_errors_exit_2_without_traceback(tmp_path):
    for args in (
        ["clean", "--no-such-flag", "x"],
        ["clean"],
        ["check", "--format", "nope", "x"],
        ["frobnicate"],
    ):
        proc = run_cli(args, tmp_path)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert proc.stderr.strip().startswith("unspin: error:") or "Usage" in proc.stderr


def test_invalid_config_names_the_key(tmp_path, capsys):
    (tmp_path / "unspin.toml").write_text('fail-level = "sometimes"\n')
    article = tmp_path / "a.txt"
    article.write_text(GOOD)
    status = main(["check", str(article), "--no-grammar"])
    err = capsys.readouterr().err
    assert status == 2
    assert "fail-level" in err and "Traceback" not in err


def test_version_and_rules(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("unspin ")
    assert main(["rules"]) == 0
    listing = capsys.readouterr().out
    assert listing.count("\n") >= 5
