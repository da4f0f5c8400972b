"""Keyphrase density: Yoast SEO's formula and bands (so editors can match WordPress), and unspin's own
stuffing score inputs (occurrences per 100 words, share of text covered, same-sentence repeats, gzip
compression ratio after Ntoulas et al. 2006)."""

from __future__ import annotations

import gzip
from collections import Counter
from typing import Any

from unspin.keyphrase import WordToken


def content_words(keyphrase: tuple[str, ...], function_words: frozenset[str]) -> tuple[str, ...]:
    """The keyphrase's content words (all of it when it has none)."""
    content = tuple(w for w in keyphrase if w not in function_words)
    return content or keyphrase


def yoast_matches(sentences: list[list[str]], content: tuple[str, ...]) -> int:
    """Matches as Yoast counts them: in each sentence, the number of times every content word is present
    (the least frequent of them), in any order."""
    total = 0
    needed = Counter(content)
    for words in sentences:
        have = Counter(words)
        total += min(have[w] // needed[w] for w in needed)
    return total


def yoast_density(words: int, matches: int, content_word_count: int, cfg: dict[str, Any]) -> dict[str, Any]:
    """Yoast's keyphrase density assessment: raw density, length factor, assessed density and band."""
    raw = matches / words * 100 if words else 0.0
    factor = float(cfg["length_factor_base"]) + content_word_count * float(cfg["length_factor_per_word"])
    assessed = raw * factor
    good_min, good_max, over_max = float(cfg["good_min"]), float(cfg["good_max"]), float(cfg["over_max"])
    if words < int(cfg["short_text_words"]) and matches == 1:
        band = "good"
    elif assessed > over_max:
        band = "way-over"
    elif assessed > good_max:
        band = "over"
    elif assessed >= good_min:
        band = "good"
    else:
        band = "under"
    recommended_max = max(2, int(good_max * words / (100 * factor))) if words else 0
    return {
        "scheme": cfg["scheme"],
        "words": words,
        "matches": matches,
        "keyphrase_length": content_word_count,
        "length_factor": round(factor, 4),
        "density": round(raw, 4),
        "assessed_density": round(assessed, 4),
        "band": band,
        "bands": {"good": [good_min, good_max], "over": [good_max, over_max]},
        "recommended_max_matches": recommended_max,
    }


def stuffing_inputs(
    body_text: str,
    body_tokens: list[WordToken],
    occurrence_sentences: list[int],
    keyphrase_words: int,
    wedged: int,
) -> dict[str, Any]:
    """unspin's own stuffing measures over the body (title excluded)."""
    words = len(body_tokens)
    count = len(occurrence_sentences)
    per_sentence = Counter(occurrence_sentences)
    data = body_text.encode("utf-8")
    compressed = gzip.compress(data, compresslevel=9, mtime=0)
    return {
        "words": words,
        "occurrences": count,
        "occurrences_per_100_words": round(count / words * 100, 4) if words else 0.0,
        "coverage": round(count * keyphrase_words / words, 4) if words else 0.0,
        "sentences_with_repeats": sum(1 for c in per_sentence.values() if c > 1),
        "same_sentence_repeats": sum(c - 1 for c in per_sentence.values() if c > 1),
        "compression_ratio": round(len(data) / len(compressed), 4) if data else 0.0,
        "wedged": wedged,
        "wedged_per_100_words": round(wedged / words * 100, 4) if words else 0.0,
    }
