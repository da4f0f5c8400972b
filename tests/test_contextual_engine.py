"""The contextual model on its inference engine (CTranslate2): installed at set-up, loaded, and consistent.

These run the real converted SmolLM2-135M from the user cache (``make setup`` runs ``unspin model
install``). A missing model fails these tests rather than skipping them.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from unspin.neural.engine import ContextualLM
from unspin.neural.store import require, status

pytestmark = pytest.mark.slow

NATURAL = "Implanted devices can deliver electrical impulses to selected nerves to block pain signals."
SPUN = "Implanted units can supply electrical impulses to selected nerves to dam pain alerts."


@pytest.fixture(scope="module")
def lm() -> ContextualLM:
    return ContextualLM.load()


def test_the_model_is_installed_in_the_cache():
    current = status()
    assert current.installed, current.detail
    assert (require() / "model.bin").stat().st_size > 100_000_000


def test_natural_wording_is_more_probable_than_spun(lm):
    natural, spun = lm.score([NATURAL, SPUN])
    assert natural - spun > 10.0


def test_a_pass_agrees_with_whole_text_scores(lm):
    """The per-token log-probabilities of a pass add up to the text's score: both read the same model the
    same way (the opening token given, every text token predicted)."""
    run = lm.passes([("", NATURAL)], queries=[{}])[0]
    assert len(run.logprobs) == len(run.offsets) > 10
    assert run.logprobs.sum() == pytest.approx(lm.score([NATURAL])[0], abs=0.05)
    assert np.all(run.ranks >= 0)
    assert np.all(run.entropy > 0)


def test_a_text_scores_the_same_alone_and_in_a_padded_batch(lm):
    alone = lm.passes([("", SPUN)])[0].logprobs
    longer = (
        "Running helps millions of people stay fit, sleep better and feel calmer, but it strains the back."
    )
    batched = lm.passes([("", longer), ("", SPUN), ("", "Short one.")])[1].logprobs
    assert np.allclose(alone, batched, atol=0.05)


def test_context_changes_what_is_expected(lm):
    """The previous sentence is read as context: a topic word becomes more probable after it."""
    text = "The lumbar region is where most runners feel it."
    bare = lm.passes([("", text)])[0]
    after = lm.passes([("Lower back pain is common among runners.", text)])[0]
    assert after.logprobs.sum() > bare.logprobs.sum()


def test_the_model_proposes_the_original_at_a_spun_slot(lm):
    """At "alerts" in "... to block pain alerts" the model's own best words include "signals"."""
    text = "Implanted devices deliver electrical impulses to selected nerves to block pain alerts."
    run = lm.passes([("", text)], proposals=40, queries=[{text.index("alerts"): ["signals", "alerts"]}])[0]
    slot = next(k for k, (s, e) in enumerate(run.offsets) if text[s:e].strip() == "alerts")
    words = [w for w, _ in run.proposals[slot]]
    assert "signals" in words
    asked = run.queried
    assert asked[(text.index("alerts"), "signals")] > asked[(text.index("alerts"), "alerts")]


def _unspin(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unspin.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_a_missing_model_is_one_line_and_exit_2_with_require_model(tmp_path, monkeypatch):
    import os

    env = {**os.environ, "UNSPIN_MODEL_DIR": str(tmp_path / "nowhere")}
    article = tmp_path / "a.txt"
    article.write_text("A short article about gardens. It has two sentences.\n", encoding="utf-8")
    strict = _unspin("check", str(article), "--no-grammar", "--no-cache", "--require-model", env=env)
    assert strict.returncode == 2
    assert strict.stderr.strip().count("\n") == 0
    assert "unspin model install" in strict.stderr
    lenient = _unspin("check", str(article), "--no-grammar", "--no-cache", env=env)
    assert lenient.returncode in (0, 1)
    assert "trigram" in lenient.stderr
    status_run = _unspin("model", "status", env=env)
    assert status_run.returncode == 1
    assert "not installed" in status_run.stdout
