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


def test_a_text_scores_the_same_alone_and_in_a_batch(lm):
    """A pass is its text's own whatever else is in the call: sequences are batched only with others of
    their length. With int8 compute a padded sequence got other numbers: the short sentence below, padded
    to its neighbours' length, moved by a nat on one of its tokens."""
    short = "Stretch before every run."
    others = [
        "Running helps millions of people stay fit and lower their stress.",
        "Chance components can add to the event of lower back pain in runners.",
        "The soreness can stem from your running, and also activities beyond your workouts, like lifting.",
        "Core strength matters.",
        "Whether you are a seasoned marathon runner or a person who enjoys occasional jogs, read on.",
    ]
    lm.clear_caches()
    alone = lm.passes([("", short)])[0]
    lm.clear_caches()
    batched = lm.passes([("", t) for t in [*others[:2], short, *others[2:]]])[2]
    assert np.array_equal(alone.logprobs, batched.logprobs)
    assert np.array_equal(alone.entropy, batched.entropy)
    lm.clear_caches()
    assert lm.score([short]) == lm.score([*others, short])[-1:]


def test_a_kept_pass_is_the_pass_of_its_own_item(lm):
    """Passes are kept by context, text, proposals and asked-for words: a text asked again in another
    context or for other words gets the pass a fresh model gives, not the kept one."""
    text = "Stretch before every run."
    asks = [
        ("The race starts at noon.", text, {0: ["stretch"]}),
        ("I never stretch.", text, {0: ["stretch"]}),
        ("I never stretch.", text, {8: ["after", "during"]}),
    ]
    kept = [lm.passes([(c, t)], proposals=3, queries=[q])[0] for c, t, q in asks]
    for (c, t, q), run in zip(asks, kept, strict=True):
        lm.clear_caches()
        fresh = lm.passes([(c, t)], proposals=3, queries=[q])[0]
        assert np.array_equal(run.logprobs, fresh.logprobs)
        assert run.proposals == fresh.proposals and run.queried == fresh.queried
    assert not np.array_equal(kept[0].logprobs, kept[1].logprobs)  # the context does change the pass
    assert kept[1].queried != kept[2].queried
    before = lm.tokens_run
    assert lm.passes([asks[2][:2]], proposals=3, queries=[asks[2][2]])[0] is not None
    assert lm.tokens_run == before  # asked again: kept, the model not run


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
