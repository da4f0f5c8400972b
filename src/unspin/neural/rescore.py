"""Re-score the spin engine's candidate repairs with the neural language model.

For a repair-search hit the trigram model proposed a ranked list of originals. Each of the top candidates
and the observed text are put back into a window of the sentence (a few words either side) and scored
whole by the neural model; the window is the same for every variant, so the differences between their
scores compare only the span and its effect on the words after it. The evidence feeds the neural repair
calibration in ``spin-model.toml`` (``[neural]``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from unspin.spin.detect import SpinHit

_WORD = re.compile(r"\S+")
_LN10 = math.log(10)


@lru_cache(maxsize=100_000)
def unigram_logprob(text: str) -> float:
    """ln P(words) under a unigram model of English (wordfreq), the baseline of the SLOR feature: a word
    that is rare anyway is expected to be improbable in context too."""
    from wordfreq import zipf_frequency

    total = 0.0
    for word in text.lower().split():
        zipf = zipf_frequency(word, "en") or 1.0
        total += (zipf - 9.0) * _LN10
    return total


@dataclass(frozen=True)
class RescoreSettings:
    candidates: int = 5  # top trigram candidates re-scored per hit
    left_words: int = 20  # words of the sentence kept before the span
    right_words: int = 6  # … and after it
    min_confidence: float = 0.1  # hits re-scored: trigram repair confidence at least this …
    min_detection: float = 0.2  # … or word-detector probability at least this


@dataclass
class NeuralEvidence:
    replacement: str  # the candidate the neural model prefers (may equal the trigram's)
    features: dict[str, float]
    alternatives: list[dict[str, Any]] = field(default_factory=list)


def _window(
    text: str, start: int, end: int, bounds: tuple[int, int], settings: RescoreSettings
) -> tuple[str, str]:
    sent_start, sent_end = bounds
    left_words = list(_WORD.finditer(text, sent_start, start))[-settings.left_words :]
    right_words = list(_WORD.finditer(text, end, sent_end))[: settings.right_words]
    left = text[left_words[0].start() : start] if left_words else ""
    right = text[end : right_words[-1].end()] if right_words else ""
    return left, right


def rescore(
    hits: list[SpinHit],
    chosen: list[int],
    text: str,
    sentence_bounds: dict[int, tuple[int, int]],
    lm: Any,
    settings: RescoreSettings,
) -> dict[int, NeuralEvidence]:
    """Neural evidence for ``hits[i]`` for each ``i`` in ``chosen``; ``sentence_bounds[i]`` is the
    character span of hit i's sentence in ``text``."""
    groups: list[tuple[str, list[str]]] = []
    plans: list[tuple[int, list[str]]] = []  # hit index, candidates (in the order of the group's variants)
    right_of: dict[int, str] = {}
    for i in chosen:
        hit = hits[i]
        left, right = _window(text, hit.start, hit.end, sentence_bounds[i], settings)
        candidates: list[str] = []
        for alt in hit.alternatives[: settings.candidates]:
            if alt["text"] and alt["text"] != hit.observed and alt["text"] not in candidates:
                candidates.append(alt["text"])
        if not candidates:
            continue
        # The prefix ends with its last word; the spacing before the span opens every continuation.
        prefix = left.rstrip()
        gap = left[len(prefix) :]
        plans.append((i, candidates))
        groups.append((prefix, [gap + v + right for v in (hit.observed, *candidates)]))
        right_of[i] = right
    scored = lm.continuation_logprobs(groups) if groups else []
    out: dict[int, NeuralEvidence] = {}
    for (i, candidates), (_, variants), logprobs in zip(plans, groups, scored, strict=True):
        hit = hits[i]
        totals = [float(lp.sum()) for lp in logprobs]
        # Tokens of each variant's span (with its leading spacing); the rest are the right-hand context.
        span_tokens = [lm.token_count(v[: len(v) - len(right_of[i])]) for v in variants]
        span_lp = [float(lp[:n].sum()) for lp, n in zip(logprobs, span_tokens, strict=True)]
        right_lp = [float(lp[n:].sum()) for lp, n in zip(logprobs, span_tokens, strict=True)]
        observed_score = totals[0]
        order = sorted(range(1, len(variants)), key=lambda k: -totals[k])
        best = order[0]
        second = totals[order[1]] if len(order) > 1 else observed_score
        replacement = candidates[best - 1]
        features = {
            "n_delta": round(totals[best] - observed_score, 3),
            "n_margin": round(totals[best] - max(second, observed_score), 3),
            "n_agrees": 1.0 if replacement == hit.replacement else 0.0,
            "n_observed_rank": float(sum(totals[k] > observed_score for k in order)) / len(order),
            # How the span itself and the words after it change: a wrong-sense substitute often reads
            # fine by itself but makes what follows unlikely.
            "n_span_gain": round(span_lp[best] - span_lp[0], 3),
            "n_right_gain": round(right_lp[best] - right_lp[0], 3),
            "n_observed_per_token": round(span_lp[0] / max(1, span_tokens[0]), 3),
            "n_observed_slor": round(span_lp[0] - unigram_logprob(hit.observed), 3),
        }
        out[i] = NeuralEvidence(
            replacement,
            features,
            [{"text": candidates[k - 1], "score": round(totals[k] - observed_score, 3)} for k in order],
        )
    return out
