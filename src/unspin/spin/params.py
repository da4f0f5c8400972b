"""The spin engine's tunable numbers, read from ``unspin/data/lexicons/spin-model.toml``.

Each can be overridden per run in ``[tool.unspin.stages.spin]`` (same key names).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from functools import cache
from importlib import resources
from typing import Any

from unspin.config import ConfigError


@dataclass(frozen=True)
class SpinParams:
    temperature: float = 2.0  # divides LM deltas: the trigram model is over-confident
    prior_weight: float = 1.0  # weight of the channel log-probability ln P(observed | original)
    spin_log_prior: float = -2.2  # ln(ρ / (1 − ρ)) for a spin rate ρ ≈ 0.1
    detect_log_odds: float = 0.0  # a span is reported when its spin log-odds reach this
    gate_fit: float = 2.0  # multi-word thesaurus spans whose context PMI is above this are not searched
    top_k: int = 12  # best candidates per span whose scores add up to the span's spin log-odds
    alternatives: int = 5  # best candidates a hit lists (the contextual judge confirms the best of them)
    prefilter_k: int = 24  # thesaurus candidates per span kept by the cheap left-context filter
    prefilter_prior_weight: float = 0.25  # channel term's weight in the cheap filter
    prefilter_doc_weight: float = 2.0  # weight of ln(1 + uses of the candidate elsewhere) in the cheap filter
    common_zipf: float = 3.5  # a lone capitalised "name" this frequent in lower case is treated as a word
    doc_weight: float = 1.5
    variant_k: int = 6  # best candidates of an uninflected noun or verb also tried in their "-s" form
    variant_log_prior: float = (
        -2.0
    )  # ln P(the spinner dropped the ending) added to such a variant's prior  # the same in the exact score
    lexicon_bonus: float = 0.0  # log-odds head start of a lexicon hit in the best-first repair order
    skip_oov: int = 1  # 1: thesaurus-only spans with a word the model does not know are not searched
    # Calibration: confidence = sigmoid(bias + Σ weight × feature).
    calibration: tuple[tuple[str, float], ...] = (("bias", -1.0), ("log_odds", 0.8))
    safe_confidence: float = 0.9  # fixes at or above this confidence are safe
    report_confidence: float = 0.5  # findings below this are not reported
    detect_report: float = 0.7  # word-detector probability from which a word is reported as spun
    detect_safe: float = 0.95  # word-detector probability from which a repair is safe

    def confidence(self, features: dict[str, float]) -> float:
        from unspin.spin.detector import sigmoid

        z = 0.0
        for name, weight in self.calibration:
            z += weight if name == "bias" else weight * features.get(name, 0.0)
        return sigmoid(z)


def number_setting(key: str, value: Any, integer: bool) -> int | float:
    """A number set under ``stages.spin`` (``key`` is the path below it). A value that is no number, a
    boolean included, is a ConfigError naming the key."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"stages.spin.{key}: expected a number")
    return int(value) if integer else float(value)


def _coerce(name: str, value: Any, default: Any) -> Any:
    if name == "calibration":
        if not isinstance(value, dict) or not all(isinstance(v, int | float) for v in value.values()):
            raise ConfigError(f"stages.spin.{name}: expected a table of numbers")
        return tuple((k, float(v)) for k, v in value.items())
    if isinstance(default, bool):
        raise ConfigError(f"stages.spin.{name}: expected a number")
    return number_setting(name, value, isinstance(default, int))


def with_overrides(base: SpinParams, table: dict[str, Any]) -> SpinParams:
    known = {f.name: getattr(base, f.name) for f in fields(SpinParams)}
    changes = {k: _coerce(k, v, known[k]) for k, v in table.items() if k in known}
    return replace(base, **changes)


@cache
def builtin_params() -> SpinParams:
    source = resources.files("unspin") / "data" / "lexicons" / "spin-model.toml"
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    return with_overrides(SpinParams(), data.get("model", {}))
