"""The word-level spin detector: its fitter, its document-rate step, and its verdicts on real text."""

from __future__ import annotations

import random

from test_spin import spin_findings

from unspin.spin.detector import Detector, DocumentDetector, builtin_detector, document_rate, fit_logistic
from unspin.spin.params import builtin_params


def test_fit_logistic_recovers_the_direction_of_the_evidence():
    rng = random.Random(3)
    rows, labels = [], []
    for _ in range(400):
        a, b = rng.gauss(0, 1), rng.gauss(0, 1)
        rows.append([a, b])
        labels.append(1 if 2.0 * a - 1.0 * b + rng.gauss(0, 0.5) > 0 else 0)
    bias, (wa, wb) = fit_logistic(rows, labels, l2=0.1)
    assert wa > 1.0 and wb < -0.5 and wa > -wb
    assert abs(bias) < 1.0


def test_document_rate_is_shrunk_for_short_texts():
    # Two flagged words out of five say less than two hundred out of five hundred.
    short = document_rate([0.9, 0.9, 0.1, 0.1, 0.1], 0.5)
    long = document_rate([0.9] * 200 + [0.1] * 300, 0.5)
    assert short < 0.1 < long


def test_document_rate_lowers_a_lone_odd_word():
    word = Detector((("x", 1.0),), 0.0)
    detector = DocumentDetector(word, 0.5, 0.0, 1.0, 1.0)
    lone = detector.probabilities([{"x": 1.0}] + [{"x": -5.0}] * 199)[0]
    crowded = detector.probabilities([{"x": 1.0}] * 100 + [{"x": -5.0}] * 100)[0]
    assert lone < crowded


def test_shipped_thresholds_are_ordered():
    params = builtin_params()
    assert 0.5 <= params.detect_report < params.detect_safe <= 1.0
    assert builtin_detector().word.weights


def test_bizarre_substitute_is_detected_and_natural_words_are_not():
    doc, found = spin_findings(
        "Water the plants once a week and keep them in a bright spot away from cold quinquennium. "
        "Feed them in spring and summer, and repot them when the roots fill the pot.\n"
    )
    flagged = {doc.source[f.start : f.end].lower() for f in found}
    assert "quinquennium" in flagged
    assert not flagged & {"water", "plants", "week", "bright", "spring", "summer", "roots", "pot"}
    for finding in found:
        assert 0.0 < finding.evidence["detection_probability"] <= 1.0


def test_detector_findings_without_a_clear_original_are_never_safe():
    _, found = spin_findings("Keep the seedlings in a sunny toft and water them gently every morning.\n")
    for finding in found:
        if finding.rule == "SPIN005" and finding.fix is not None:
            assert finding.fix.applicability.value == "unsafe"


def test_a_word_with_a_capital_inside_is_a_name_not_a_spinners_word():
    """Spinners write dictionary words; "BáiZé" or "JavaScript" in mid-sentence is a name or an identifier.
    A spinner's stray leading capital ("for Restoration") and a heading in capitals stay eligible."""
    from types import SimpleNamespace

    from unspin.spin.features import eligible
    from unspin.spin.slots import Slot

    def slot(text: str) -> Slot:
        return Slot(text.lower(), 0, len(text), SimpleNamespace(text=text))

    assert not eligible(slot("BáiZé"))
    assert not eligible(slot("JavaScript"))
    assert not eligible(slot("iPhone"))
    assert eligible(slot("Restoration"))
    assert eligible(slot("RESTORATION"))
    assert eligible(slot("restoration"))
