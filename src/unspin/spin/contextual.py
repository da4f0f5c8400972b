"""Contextual evidence for the spin stage: one pass of the contextual model over the document's text.

Consecutive sentences are read together as one segment (up to ``SEGMENT_CHARS``), with the end of the
segment before as context, so each word is read once with everything before it in its segment and no
sentence is read twice. For every eligible word this gives what
needs no candidate original (how probable the word is *here*, its rank among the model's expectations, how
sure the model was about the slot, the word's surprise against its everyday frequency, how the next word
fares after it) and, at the same time, the model's own best words for the slot and the probability there
of each thesaurus candidate. The detector and the repair judgement (``spin/judge.py``) use these.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from unspin.neural.engine import ContextualLM, TokenPass

_SPACES = re.compile(r"\s+")
_LN10 = math.log(10)
# Proposals kept per slot from the model's next-word distribution.
PROPOSALS = 40


@lru_cache(maxsize=200_000)
def unigram_logprob(word: str) -> float:
    """ln P(word) under a unigram model of English (wordfreq): the baseline of the SLOR feature, since a
    word that is rare anyway is improbable in any context."""
    from wordfreq import zipf_frequency

    total = 0.0
    for part in word.lower().split():
        total += ((zipf_frequency(part, "en") or 1.0) - 9.0) * _LN10
    return total


@dataclass
class SentenceText:
    """A sentence as the model reads it: whitespace runs (and blanked protected text) collapsed to one
    space, with each character's offset in the source."""

    text: str
    to_source: list[int]
    start: int  # source offsets of the sentence
    end: int

    def local(self, offset: int) -> int | None:
        """The text offset of a source offset, or None when it is not in this sentence."""
        k = bisect.bisect_left(self.to_source, offset)
        if k < len(self.to_source) and self.to_source[k] == offset:
            return k
        return None


# A sentence longer than this (characters) is read in pieces: the model's cost and memory grow with the
# length of what it reads at once, and a scraped page can hold a "sentence" of megabytes.
MAX_PIECE = 400
# Sentences are read together up to this many characters (about 130 tokens). Reading each sentence on its
# own, with the previous one again as context, read 1.8 tokens per token of text; one segment per few
# sentences reads about 1.1, and longer segments gain nothing, because a batch of long sequences holds a
# full-vocabulary log-probability row per token and fewer sequences fit in it.
SEGMENT_CHARS = 600


def sentence_texts(nlp_doc: Any) -> list[SentenceText]:
    """The document's sentences, read from the parsed (protected-text-blanked) prose, long ones in pieces."""
    prose = nlp_doc.text
    out: list[SentenceText] = []
    for sent in nlp_doc.sents:
        chars: list[str] = []
        offsets: list[int] = []
        previous_space = True
        for i in range(sent.start_char, sent.end_char):
            c = prose[i]
            if c.isspace():
                if not previous_space:
                    chars.append(" ")
                    offsets.append(i)
                previous_space = True
                continue
            chars.append(c)
            offsets.append(i)
            previous_space = False
        while chars and chars[-1] == " ":
            chars.pop()
            offsets.pop()
        text = "".join(chars)
        begin = 0
        while begin < len(text):
            stop = len(text)
            if stop - begin > MAX_PIECE:
                cut = text.rfind(" ", begin + 1, begin + MAX_PIECE)
                stop = cut if cut > begin else begin + MAX_PIECE
            piece = text[begin:stop].strip()
            lead = len(text[begin:stop]) - len(text[begin:stop].lstrip())
            if sum(1 for w in piece.split() if any(ch.isalpha() for ch in w)) >= 2:
                mapped = offsets[begin + lead : begin + lead + len(piece)]
                out.append(SentenceText(piece, mapped, mapped[0], mapped[-1] + 1))
            begin = stop
    return out


@dataclass
class WordContext:
    """The contextual model's evidence about one word, plus its view of the slot."""

    features: dict[str, float]
    proposals: list[tuple[str, float]] = field(default_factory=list)  # the model's words for the slot
    candidate_logprobs: dict[str, float] = field(default_factory=dict)  # candidate -> ln P(first token)
    observed_logprob: float = 0.0  # ln P(first token of the observed word)
    sentence: int = -1  # index into the document's sentence texts


def _context_features(run: TokenPass, first: int, last: int, word: str) -> dict[str, float]:
    """Features of the word made of tokens ``first`` … ``last`` (inclusive) of a pass."""
    lp = float(run.logprobs[first : last + 1].sum())
    lp_first = float(run.logprobs[first])
    entropy = float(run.entropy[first])
    proposed = run.proposals.get(first)
    top = proposed[0][1] if proposed else lp_first
    nxt = last + 1
    following = float(run.logprobs[nxt]) if nxt < len(run.logprobs) else 0.0
    tokens = last - first + 1
    return {
        "n_lp": lp,
        "n_lp_token": lp / tokens,
        "n_lp_first": lp_first,
        "n_log_rank": math.log1p(float(run.ranks[first])),
        "n_entropy": entropy,
        "n_surprise": -lp_first - entropy,
        "n_slor": lp - unigram_logprob(word),
        "n_gap_top": max(0.0, top - lp_first),
        "n_next": following,
        "n_next_rank": math.log1p(float(run.ranks[nxt])) if nxt < len(run.ranks) else 0.0,
        "n_tokens": float(tokens),
    }


def _segments(sentences: Sequence[SentenceText]) -> tuple[list[int], list[int], list[str]]:
    """Sentences joined into segments of at most ``SEGMENT_CHARS`` (a longer sentence is a segment of its
    own): each sentence's segment, the offset of its text in that segment, and the segments' texts."""
    segment_of: list[int] = []
    shift: list[int] = []
    segments: list[str] = []
    for sentence in sentences:
        if segments and len(segments[-1]) + 1 + len(sentence.text) <= SEGMENT_CHARS:
            shift.append(len(segments[-1]) + 1)
            segments[-1] += " " + sentence.text
        else:
            shift.append(0)
            segments.append(sentence.text)
        segment_of.append(len(segments) - 1)
    return segment_of, shift, segments


def _tokens_between(run: TokenPass, ends: list[int], begin: int, end: int) -> tuple[int, int] | None:
    """The first and last token of ``run`` that overlap characters ``begin`` … ``end`` of its text (a
    token's leading space does not count), or None."""
    first = bisect.bisect_right(ends, begin)
    last = None
    t = first
    while t < len(run.offsets):
        s = run.offsets[t][0]
        if s + (run.text[s : s + 1] == " ") >= end:
            break
        last = t
        t += 1
    return None if last is None else (first, last)


def word_contexts(
    lm: ContextualLM,
    sentences: Sequence[SentenceText],
    words: Sequence[Any],
    candidates: Sequence[Sequence[str]],
) -> list[WordContext | None]:
    """One pass per segment of sentences; for each word (``.start``, ``.end``, ``.observed`` in source
    offsets) its contextual evidence, or None when it lies outside the scored text. ``candidates[i]`` are
    words whose probability at word ``i``'s slot is wanted."""
    starts = [s.start for s in sentences]
    segment_of, shift, segments = _segments(sentences)
    placed: list[tuple[int, int, int] | None] = []  # (sentence, local start, local end)
    queries: list[dict[int, list[str]]] = [{} for _ in segments]
    for word, wanted in zip(words, candidates, strict=True):
        k = bisect.bisect_right(starts, word.start) - 1
        if k < 0 or word.end > sentences[k].end:
            placed.append(None)
            continue
        local_start = sentences[k].local(word.start)
        local_end = sentences[k].local(word.end - 1)
        if local_start is None or local_end is None:
            placed.append(None)
            continue
        placed.append((k, local_start, local_end + 1))
        queries[segment_of[k]].setdefault(shift[k] + local_start, []).extend(w for w in wanted if w)
    items = [(segments[j - 1] if j else "", text) for j, text in enumerate(segments)]
    runs = lm.passes(items, proposals=PROPOSALS, queries=queries)
    token_ends = [[e for _, e in run.offsets] for run in runs]
    out: list[WordContext | None] = []
    for word, where in zip(words, placed, strict=True):
        if where is None:
            out.append(None)
            continue
        k, local_start, local_end = where
        run = runs[segment_of[k]]
        begin, end = shift[k] + local_start, shift[k] + local_end
        tokens = _tokens_between(run, token_ends[segment_of[k]], begin, end)
        if tokens is None:
            out.append(None)
            continue
        first, last = tokens
        features = _context_features(run, first, last, word.observed)
        features["n_initial"] = 1.0 if local_start == 0 else 0.0  # sentence-initial: less to go on
        context = WordContext(
            features,
            run.proposals.get(first, []),
            {w: lp for (offset, w), lp in run.queried.items() if offset == begin},
            float(run.logprobs[first]),
            k,
        )
        out.append(context)
    return out
