"""The CI contract: a spun article fails a default ``unspin check``.

The do-no-harm check over real prose runs in ``python -m bench.clean_prose`` (``--subset`` for the few
files meant for CI) on the clean-prose corpus listed in ``bench/clean-prose/SOURCES.md``. The corpus texts
are public text from other repositories and are not part of this repository, so that check runs where the
corpus has been placed (``bench/clean-prose/`` or ``shared/clean-prose/`` beside the repository).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from unspin.cli import main

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "input" / "lower-back-pain-after-running.txt"


def test_the_spun_seed_fails_the_default_check(capsys: pytest.CaptureFixture[str]) -> None:
    """README: `unspin check` exits 1 on findings. Confident spin and stuffing findings are errors."""
    assert main(["check", str(SEED), "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert "error" in out and ("SPIN" in out or "STUF" in out)
