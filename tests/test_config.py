"""Configuration: new keys, validation naming the offending key, globs, and ``unspin show-config``."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from unspin import config
from unspin.cli import main
from unspin.config import ConfigError, glob_matches


def test_ci_keys_are_read_and_validated() -> None:
    settings = config.from_mapping(
        {
            "extend-exclude": ["drafts/"],
            "per-file-ignores": {"legacy/**": ["USP001"]},
            "force-exclude": True,
            "output-format": "sarif",
            "fail-under": 60,
            "cache": False,
            "baseline": ".unspin-baseline.json",
            "severity": {"USP": "error", "USP002": "info"},
            "keyphrases": {"posts/running-*.md": "lower back pain"},
            "keyphrase": "tea",
        }
    )
    assert settings.fail_under == 60.0 and settings.output_format == "sarif" and not settings.cache
    assert settings.is_excluded(Path("drafts/x.md")) and not settings.is_excluded(Path("posts/x.md"))
    assert not settings.rule_enabled("USP001", Path("legacy/old/a.md"))
    assert settings.rule_enabled("USP002", Path("legacy/old/a.md"))
    assert settings.severity_for("USP001", "warning") == "error"
    assert settings.severity_for("USP002", "error") == "info"  # the longer prefix wins
    assert settings.keyphrase_for(Path("posts/running-knees.md")) == "lower back pain"
    assert settings.keyphrase_for(Path("posts/tea.md")) == "tea"


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"output-format": "xml"}, "output-format"),
        ({"fail-under": 120}, "fail-under"),
        ({"fail-under": True}, "fail-under"),
        ({"cache": "yes"}, "cache"),
        ({"select": ["NOPE1"]}, "select"),
        ({"ignore": ["usp001"]}, "ignore"),
        ({"severity": {"USP001": "fatal"}}, "severity.USP001"),
        ({"severity": {"ZZZ9": "error"}}, "severity.ZZZ9"),
        ({"per-file-ignores": {"a/*.md": ["XYZ"]}}, "per-file-ignores"),
        ({"per-file-ignores": ["a"]}, "per-file-ignores"),
        ({"languagetool": {"mode": "sometimes"}}, "languagetool.mode"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_values_name_the_key(table: dict, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        config.from_mapping(table, "unspin.toml")
    assert key in str(err.value) and "unspin.toml" in str(err.value)
    assert err.value.exit_code == 2


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("a/drafts/x.md", "drafts/", True),
        ("posts/x.md", "posts/*.md", True),
        ("posts/sub/x.md", "posts/*.md", False),
        ("posts/sub/x.md", "posts/**/*.md", True),
        ("x.md", "**/x.md", True),
        ("a/b.md", "*.md", True),
        ("a/b.txt", "*.md", False),
        ("a/x1.md", "a/x[0-9].md", True),
    ],
)
def test_globs(path: str, pattern: str, expected: bool) -> None:
    assert glob_matches(path, (pattern,)) is expected


def test_written_toml_reads_back() -> None:
    settings = config.from_mapping(
        {"per-file-ignores": {"legacy/*.md": ["USP"]}, "stages": {"spin": {"x": 0.5}}}
    )
    table = config.effective(settings)
    back = tomllib.loads(config.to_toml(table))
    assert back["per-file-ignores"] == {"legacy/*.md": ["USP"]}
    assert back["stages"] == {"spin": {"x": 0.5}}
    assert back["languagetool"]["mode"] == "auto"


def test_show_config_prints_the_effective_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "site"\n[tool.unspin]\nfail-level = "warning"\nexclude = ["drafts"]\n',
        encoding="utf-8",
    )
    (tmp_path / "docs").mkdir()
    monkeypatch.chdir(tmp_path / "docs")
    assert main(["show-config"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"# from: {tmp_path / 'pyproject.toml'}")
    parsed = tomllib.loads(out)
    assert parsed["fail-level"] == "warning" and parsed["exclude"] == ["drafts"]
    assert main(["show-config", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["settings"]["fail-level"] == "warning"


def test_show_config_with_an_invalid_file_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "unspin.toml").write_text("[severity]\nUSP001 = 3\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["show-config"]) == 2
    assert "severity" in capsys.readouterr().err
