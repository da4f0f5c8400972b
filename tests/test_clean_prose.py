"""Do no harm on real prose, and the CI contract: a spun article fails a default ``unspin check``, the
clean-prose CI subset passes it.

The whole clean-prose corpus (``bench/clean-prose/``, sources in its ``SOURCES.md``) runs in
``python -m bench.clean_prose``; CI runs the subset named in ``bench/data/clean-prose-subset.toml``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from unspin.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def one_server_for_the_module(languagetool_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both checks use the module's LanguageTool server (one JVM start, not one per check)."""
    from unspin.stages.grammar import URL_ENV

    monkeypatch.setenv(URL_ENV, languagetool_url)


ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "input" / "lower-back-pain-after-running.txt"


def test_the_spun_seed_fails_the_default_check(capsys: pytest.CaptureFixture[str]) -> None:
    """README: `unspin check` exits 1 on findings. Confident spin and stuffing findings are errors."""
    assert main(["check", str(SEED), "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert "error" in out and ("SPIN" in out or "STUF" in out)


def test_the_clean_prose_subset_takes_no_wrong_fix_and_fails_no_check() -> None:
    """The CI subset of the clean-prose corpus (bench/data/clean-prose-subset.toml), through the default
    clean with a real LanguageTool server: every fix applied by default has been read and found right,
    protected text (code, links, markup, front matter) is untouched and byte-identical, and no file fails a
    default ``unspin check``."""
    from bench.clean_prose import corpus_dir, corpus_files, load_verdicts, near_key, run, summarise

    files = corpus_files(corpus_dir(), subset=True)
    assert len({genre for genre, _ in files}) == 5
    reports, _ = run(files)
    summary = summarise(reports, load_verdicts())
    everything = summary["genres"]["all"]
    assert everything["words"] > 5000
    not_right = [f"{f['file']}: {f['before']!r} -> {f['after']!r} ({f['verdict']})" for f in summary["fixes"]
                 if f["verdict"] != "right"]  # fmt: skip
    assert not_right == []
    assert everything["protected_touched"] == 0
    assert everything["protected_changed"] == 0
    assert everything["failing_check"] == []
    # A grammar finding right beside protected text was read and found to be about the prose, not one that
    # unspin's masking of the code or markup invented.
    read = load_verdicts(table="near")
    unread = [near_key(r.name, row) for r in reports for row in r.near_protected
              if read.get(near_key(r.name, row), {}).get("verdict") != "real"]  # fmt: skip
    assert unread == []
