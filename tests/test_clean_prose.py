"""Do no harm on real prose: the default ``unspin clean`` over the clean-prose CI subset, and the CI contract.

The subset (``bench/data/clean-prose-subset.toml``) is a few short files per genre of public, well-edited
text: technical docs and a book in Markdown with inline code, essays, how-to posts and whole HTML pages.
The whole corpus runs in ``python -m bench.clean_prose``. A missing corpus fails these tests (it is found
in ``bench/clean-prose/`` or beside the repository in ``shared/clean-prose/``; see its ``SOURCES.md``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.clean_prose import FileReport, corpus_dir, corpus_files, load_verdicts, near_key, run, verdict_key
from unspin.cli import main

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "input" / "lower-back-pain-after-running.txt"


@pytest.fixture(scope="module")
def reports() -> list[FileReport]:
    files = corpus_files(corpus_dir(), subset=True)
    assert {genre for genre, _ in files} >= {"tech-docs", "book-md", "essays", "blog-howto", "html-pages"}
    found, _meta = run(files)
    return found


def test_every_applied_fix_is_a_verified_correction(reports: list[FileReport]) -> None:
    verdicts = load_verdicts()
    unverified = [
        f"{r.name}:{fix['line']} {fix['rule']} {fix['before']!r} -> {fix['after']!r} ({fix['context']})"
        for r in reports
        for fix in r.applied
        if verdicts.get(verdict_key(r.name, fix), {}).get("verdict") != "right"
    ]
    assert not unverified, "fixes applied to clean prose:\n" + "\n".join(unverified)


def test_protected_text_is_untouched_and_masking_invents_no_grammar_finding(
    reports: list[FileReport],
) -> None:
    reviewed = load_verdicts(table="near")
    for r in reports:
        assert not r.protected_touched, (r.name, r.protected_touched)
        assert r.protected_changed == 0, r.name
        # A grammar finding beside code, a link or markup is what masking can invent ("an `x`"): each one
        # must have been read and found to be about the prose itself.
        unread = [
            row
            for row in r.near_protected
            if reviewed.get(near_key(r.name, row), {}).get("verdict") != "real"
        ]
        assert not unread, (r.name, unread)


def test_no_clean_file_fails_the_default_check(reports: list[FileReport]) -> None:
    failing = {r.name: r.check_errors for r in reports if r.check_status}
    assert not failing


def test_the_spun_seed_fails_the_default_check(capsys: pytest.CaptureFixture[str]) -> None:
    """README: `unspin check` exits 1 on findings. Confident spin and stuffing findings are errors."""
    assert main(["check", str(SEED), "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert "error" in out and ("SPIN" in out or "STUF" in out)
