"""The seed article: which of its spun phrases the default command (safe fixes only) repairs.

The list below is every spin a careful editor would undo in the seed, with the natural wording. The
engine has no per-phrase code or data for them: the repairs come from the thesauri, the language model,
and the general web-spin lexicon. The test pins how many are repaired today, and that no safe fix
writes something other than the listed natural wording.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from unspin.api import clean_file
from unspin.config import Settings

SEED = Path(__file__).resolve().parents[1] / "input" / "lower-back-pain-after-running.txt"

# (spun text as it appears in the seed, natural original)
EXPECTED_REPAIRS: list[tuple[str, str]] = [
    ("Restoration", "recovery"),
    ("pressure the muscles", "strain the muscles"),
    ("overuse accidents", "overuse injuries"),
    ("tiredness", "fatigue"),
    ("running kind", "running form"),
    ("back distress", "back pain"),
    ("risk aspects", "risk factors"),
    ("add to the event of", "contribute to the development of"),
    ("perfectly-becoming", "well-being"),
    ("chance components", "risk factors"),
    ("getting proactive measures", "taking proactive measures"),
    ("dealing with distress", "experiencing discomfort"),
    ("Discovering", "exploring"),
    ("treatment alternatives", "treatment options"),
    ("Specialist direction", "professional guidance"),
    ("therapeutic approach", "healing process"),
    ("restoring convenience", "restoring comfort"),
    ("mother nature", "nature"),
    ("muscle mass", "muscle"),
    ("sudden actions", "sudden movements"),
    ("working experience", "experience"),
    ("laziness on the leg", "weakness in the leg"),
    ("once you operate", "when you run"),
    ("criticism", "complaint"),
    ("this harm", "this injury"),
    ("allows retain", "helps maintain"),
    ("number of movement", "range of motion"),
    ("Considering the fact that", "Since"),
    ("do the job", "work"),
    ("assists", "helps"),
    ("an incredible number of", "millions of"),
    ("persons", "people"),
    ("retain in good shape", "stay in shape"),
    ("lessen", "reduce"),
    ("lumbar location", "lumbar region"),
    ("Should your", "If your"),
    ("Total wellbeing", "overall wellbeing"),
    ("large weighty lifting", "heavy lifting"),
    ("merged bending", "combined bending"),
    ("seize something", "grab something"),
    ("Interact your upper back", "Engage your upper back"),
    ("blades huge", "blades wide"),
    ("Search forward", "Look forward"),
    ("attract the nape", "draw the nape"),
    ("our variety", "our form"),
    ("continuously completed", "consistently done"),
    ("commences", "starts"),
    ("Doing the job", "working"),
    ("This information", "this article"),
    ("produce educated decisions", "make informed decisions"),
    ("far too hefty", "too heavy"),
    ("sleeping over a brand new mattress", "sleeping on a new mattress"),
    ("Units implanted", "Devices implanted"),
    ("supply electrical impulses", "deliver electrical impulses"),
    ("dam pain alerts", "block pain signals"),
]

# Repairs the default command makes today (measured: 8 with the contextual judge, 8 with --fast); raise it
# as the engine improves.
MINIMUM_REPAIRED = 8


@pytest.fixture(scope="module")
def seed_doc():
    settings = Settings().with_overrides(disabled_stages=("grammar",))
    return clean_file(SEED, settings)


def _applied_spin_fixes(doc):
    return [f for f in doc.findings if f.category.value == "spin" and f.applied and f.fix is not None]


def _listed(observed: str, replacement: str) -> tuple[str, str] | None:
    """The listed repair this fix performs: its span lies in the spun phrase and replacing it there
    gives exactly the natural original (or the fix covers the whole phrase)."""
    for spun, original in EXPECTED_REPAIRS:
        spun_l, original_l = spun.lower(), original.lower()
        if observed in spun_l and spun_l.replace(observed, replacement, 1) == original_l:
            return spun_l, original_l
    return None


def _repaired(doc) -> list[tuple[str, str]]:
    """Every applied spin fix (each occurrence) that performs a listed repair."""
    done = []
    for finding in _applied_spin_fixes(doc):
        observed = doc.source[finding.start : finding.end].lower()
        listed = _listed(observed, finding.fix.replacement.lower())
        if listed:
            done.append(listed)
    return done


def test_default_command_repairs_seed_spins(seed_doc):
    repaired = _repaired(seed_doc)
    assert len(repaired) >= MINIMUM_REPAIRED, repaired


def test_every_safe_spin_fix_on_the_seed_is_a_listed_repair(seed_doc):
    wrong = []
    for finding in _applied_spin_fixes(seed_doc):
        observed = seed_doc.source[finding.start : finding.end].lower()
        if _listed(observed, finding.fix.replacement.lower()) is None:
            wrong.append((observed, finding.fix.replacement))
    assert wrong == []


def test_repaired_wording_is_in_the_clean_text(seed_doc):
    clean = (seed_doc.clean_text or "").lower()
    for _, original in _repaired(seed_doc):
        assert original in clean


def test_spin_found_but_not_undone_keeps_the_score_down(seed_doc):
    """Detected spin without a confident repair stays a finding after the rewrite: the seed, whose spin is
    mostly not undone, must not score as clean (measured 76.6; the trigram path alone gave 92.2)."""
    remaining = [f for f in seed_doc.findings if f.category.value == "spin" and not f.applied]
    assert remaining
    assert seed_doc.scores["spin"] < 85.0
