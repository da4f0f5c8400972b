"""The word-level spin detector: a logistic model over the evidence of ``spin/features.py``.

P(spun | features) = sigmoid(bias + Σ weight × feature), with the weights stored in
``data/lexicons/spin-model.toml`` (``[detector.weights]``). :func:`fit_logistic` is the small
Newton-method fitter the benchmark's development loop uses to produce them (``bench/spin_dev.py --fit``).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


def sigmoid(z: float) -> float:
    """The logistic function, its argument clamped to ±40 (beyond that the result no longer changes)."""
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


def logit(p: float) -> float:
    """Log-odds of a probability, kept off 0 and 1."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class Detector:
    weights: tuple[tuple[str, float], ...] = ()
    bias: float = -10.0

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias
        for name, weight in self.weights:
            z += weight * features.get(name, 0.0)
        return sigmoid(z)


def fit_logistic(
    rows: Sequence[Sequence[float]], labels: Sequence[int], l2: float = 1.0, iterations: int = 30
) -> tuple[float, list[float]]:
    """Fit bias and weights by Newton's method with an L2 penalty (bias unpenalised).

    Features are standardised for the fit and the weights mapped back, so the stored model applies to
    raw feature values.
    """
    import numpy as np

    x = np.asarray(rows, dtype=float)
    y = np.asarray(labels, dtype=float)
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std == 0] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / std])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -40, 40)))
        gradient = z.T @ (p - y) + penalty * w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    weights = w[1:] / std
    bias = float(w[0] - np.sum(w[1:] * mean / std))
    return bias, [float(v) for v in weights]


@dataclass(frozen=True)
class DocumentDetector:
    """The word detector, then a second logistic step that weighs each word's log-odds against the
    document's estimated spin rate (the share of its words the first step flags): a document with almost
    no anomalous words is probably not spun, so a lone odd word in it needs stronger evidence."""

    word: Detector
    rate_threshold: float = 0.5
    bias: float = 0.0
    word_weight: float = 1.0
    rate_weight: float = 0.0

    def probabilities(self, rows: Sequence[dict[str, float]]) -> list[float]:
        first = [self.word.probability(r) for r in rows]
        if not first:
            return []
        log_rate = math.log(document_rate(first, self.rate_threshold) + RATE_FLOOR)
        return [sigmoid(self.bias + self.word_weight * logit(p) + self.rate_weight * log_rate) for p in first]


# Added to the document's spin rate before taking its log, so a document with no flagged word is finite.
RATE_FLOOR = 0.01
# The rate of a short text is shrunk towards a typical rate, as if this many words at that rate had been
# seen too: two odd words in a one-line text say little about the text as a whole.
RATE_PRIOR_WORDS = 40
RATE_PRIOR = 0.02


def document_rate(probabilities: Sequence[float], threshold: float) -> float:
    flagged = sum(p >= threshold for p in probabilities)
    return (flagged + RATE_PRIOR * RATE_PRIOR_WORDS) / (len(probabilities) + RATE_PRIOR_WORDS)


def load_detector(table: dict[str, Any]) -> DocumentDetector:
    """The detector from the ``[detector]`` table of ``spin-model.toml``."""
    weights = dict(table.get("weights", {}))
    word = Detector(
        tuple((k, float(v)) for k, v in weights.items() if k != "bias"), float(weights.get("bias", -10.0))
    )
    document = table.get("document", {})
    return DocumentDetector(
        word,
        float(table.get("rate_threshold", 0.5)),
        float(document.get("bias", 0.0)),
        float(document.get("word_logit", 1.0)),
        float(document.get("log_rate", 0.0)),
    )


@cache
def builtin_detector() -> DocumentDetector:
    source = resources.files("unspin") / "data" / "lexicons" / "spin-model.toml"
    return load_detector(tomllib.loads(source.read_text(encoding="utf-8")).get("detector", {}))
