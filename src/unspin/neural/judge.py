"""The neural judgement of repair-search hits: which to re-score, and how confident the result is.

P(spun | evidence) = sigmoid(bias + Σ weight × feature) over the trigram repair confidence and the word
detector's probability (as log-odds) and the neural model's evidence (``rescore.py``). The weights and
thresholds live in the ``[neural]`` table of ``data/lexicons/spin-model.toml``, fitted on the benchmark's
tune split with ``bench/neural_dev.py``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from typing import Any

from unspin.neural.rescore import NeuralEvidence, RescoreSettings, rescore
from unspin.spin.detect import SpinHit
from unspin.spin.detector import logit, sigmoid


def model_features(
    repair: float, detection: float, neural: dict[str, float], hit: dict[str, float]
) -> dict[str, float]:
    """The calibration's inputs for one hit (shared with the benchmark's fitting loop): the search's own
    features, the trigram repair confidence and detection probability as log-odds, the neural evidence."""
    return {
        **hit,
        "t_logit": logit(repair),
        "d_logit": logit(detection),
        **neural,
        "n_delta_capped": min(neural.get("n_delta", 0.0), 15.0),
    }


@dataclass(frozen=True)
class NeuralCalibration:
    weights: tuple[tuple[str, float], ...]
    bias: float
    report_confidence: float
    safe_confidence: float
    rescore: RescoreSettings

    def probability(
        self, repair: float, detection: float, neural: dict[str, float], hit: dict[str, float]
    ) -> float:
        values = model_features(repair, detection, neural, hit)
        return sigmoid(self.bias + sum(w * values.get(name, 0.0) for name, w in self.weights))


def load_calibration(table: dict[str, Any]) -> NeuralCalibration:
    weights = dict(table.get("calibration", {}))
    known = {f.name for f in fields(RescoreSettings)}
    rescore_settings = RescoreSettings(**{k: v for k, v in table.get("rescore", {}).items() if k in known})
    return NeuralCalibration(
        tuple((k, float(v)) for k, v in weights.items() if k != "bias"),
        float(weights.get("bias", -10.0)),
        float(table.get("report_confidence", 0.9)),
        float(table.get("safe_confidence", 0.99)),
        rescore_settings,
    )


@cache
def builtin_calibration() -> NeuralCalibration:
    source = resources.files("unspin") / "data" / "lexicons" / "spin-model.toml"
    return load_calibration(tomllib.loads(source.read_text(encoding="utf-8")).get("neural", {}))


class NeuralJudge:
    """Re-scores one document's promising hits and turns the evidence into a probability."""

    def __init__(self, lm: Any, calibration: NeuralCalibration, text: str, nlp_doc: Any):
        self.lm = lm
        self.calibration = calibration
        self.text = text
        self.nlp_doc = nlp_doc

    def _sentence(self, hit: SpinHit) -> tuple[int, int]:
        span = self.nlp_doc.char_span(hit.start, hit.end, alignment_mode="expand")
        if span is None or not len(span):
            return hit.start, hit.end
        return span.sent.start_char, span.sent.end_char

    def evidence(
        self, hits: list[SpinHit], repairs: list[float], detections: list[float]
    ) -> dict[int, NeuralEvidence]:
        settings = self.calibration.rescore
        # Curated lexicon entries keep their own calibration: the neural one was fitted on thesaurus spins.
        chosen = [
            i
            for i in range(len(hits))
            if hits[i].kind != "lexicon"
            and (repairs[i] >= settings.min_confidence or detections[i] >= settings.min_detection)
        ]
        bounds = {i: self._sentence(hits[i]) for i in chosen}
        return rescore(hits, chosen, self.text, bounds, self.lm, settings)
