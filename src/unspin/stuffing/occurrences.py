"""Judge each keyphrase occurrence: part of its sentence (natural) or wedged in.

Every signal compares the sentence as written with the sentence without the occurrence:

- copies: the occurrence sits inside another (partial) copy of the keyphrase, or repeats the one before it;
- sentence boundaries and case: it starts a sentence in lower case, runs into the next sentence, trails one,
  or stands in lower case inside a capitalised heading;
- parse: without it, the words on either side are bound by a dependency (a determiner and its noun, a verb
  and its object, a subject and its verb, the parts of a compound or name); as written, it hangs from its
  sentence as a modifier or a bare clause, or another noun phrase follows it directly; or, the other way
  round, it completes its neighbours (a determiner or preposition before it that would be left dangling, a
  subject or object slot that would be left empty);
- the trigram LM: how the place compares with the sentence's other places for the phrase (inside a clause).

Each signal is a named feature; the verdict is a logistic function of their weighted sum, with the
weights in ``thresholds.toml`` ``[classify.weights]``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from unspin.keyphrase import WordToken, joined
from unspin.stuffing.repair import line_around

_SENTENCE_BEFORE = re.compile(r"(?:^|[.!?][\"'”’)\]]*)[ \t\u00a0]*$")
_SENTENCE_END_CHARS = ".!?"
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"})
_FINITE_VERB_TAGS = frozenset({"VBZ", "VBP", "VBD", "MD"})
_NP_START_TAGS = frozenset({"DT", "PDT", "CD", "JJ", "JJR", "JJS", "PRP$"})
_NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS"})
_NOMINATIVE = frozenset({"i", "we", "they", "he", "she"})
# Pronouns that start a new clause when they follow a noun phrase directly.
_CLAUSE_PRONOUNS = _NOMINATIVE | {"you", "it"}
_COMPLEMENTS = frozenset({"dobj", "ccomp", "xcomp", "pobj", "pcomp", "attr", "acomp", "dative", "oprd"})
_ARTICLES_POSSESSIVES = frozenset(
    {"a", "an", "the", "my", "your", "his", "her", "its", "our", "their", "every", "each", "no"}
)
_DEMONSTRATIVES = frozenset({"this", "that", "these", "those"})
# A subject noun phrase that ends on one of these is complete: nothing can follow it before its verb.
_NOMINAL_END_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS", "PRP", "CD"})
# Words that may stand between a subject and its verb: auxiliaries, negation, adverbs.
_VERB_PREFIX_DEPS = frozenset({"aux", "auxpass", "neg", "advmod"})
# A verb-headed phrase hanging from a noun before it as one of these is a bare clause on a noun.
_CLAUSE_ON_NOUN_DEPS = frozenset({"acl", "relcl", "xcomp", "ccomp", "appos", "advcl"})
_ARGUMENT_DEPS = frozenset({"nsubj", "nsubjpass", "dobj", "pobj", "attr"})
# A phrase that begins right after the gap in one of these relations to a word before it is that word's
# argument: the keyphrase stands between them.
_PHRASE_ARGUMENTS = frozenset({"dobj", "pobj", "attr", "acomp", "oprd", "dative"})
# … and one that ends right before it in one of these relations to a word after it modifies that noun.
_NOUN_MODIFIERS = frozenset({"amod", "compound", "det", "poss", "nummod", "predet", "quantmod", "nmod"})
# Trigram LM features that compare places in the sentence: not trusted at a sentence or clause start.
_POSITION_LM_FEATURES = ("lm_rank", "lm_margin", "head_rank", "pronoun_rank")
# First words of a phrase that no determiner can take: a wh-word, "to", a preposition, a finite or bare
# verb, another determiner or a pronoun ("the how to pay off …", "An how to build …").
_NO_DETERMINER_TAGS = frozenset(
    {"WRB", "WP", "WDT", "TO", "IN", "MD", "VB", "VBP", "VBZ", "VBD", "DT", "PRP", "CC"}
)
# Words a determiner can take: the start of the noun phrase it belongs to.
_DETERMINED_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS", "JJ", "JJR", "JJS", "CD"})
# Argument slots of a head word: a phrase fills one when the head has no other filler of its group.
_SLOTS = (
    frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"}),
    frozenset({"dobj", "attr", "oprd", "dative", "ccomp", "xcomp"}),
    frozenset({"pobj", "pcomp"}),
)
# What a phrase leaves behind in its slot: its determiner or adjective ("This [recipe] produces").
_STRANDED_TAGS = frozenset({"DT", "PDT", "PRP$", "JJ", "JJS", "JJR", "CD", "VBG", "WDT"})
# Relations no noun phrase or clause takes as a whole in its sentence: modifiers and function words.
_ODD_ROOT_DEPS = frozenset(
    {
        "appos",
        "relcl",
        "acl",
        "amod",
        "nmod",
        "dep",
        "punct",
        "prep",
        "intj",
        "parataxis",
        "meta",
        "nummod",
        "quantmod",
        "det",
        "poss",
        "case",
        "mark",
        "cc",
        "prt",
        "predet",
        "aux",
        "auxpass",
    }
)
# Signals strong enough on their own to make a removal safe: copies and sentence or heading boundaries.
STRONG_SIGNALS = frozenset(
    {
        "self_split",
        "repeat",
        "sentence_start_lowercase",
        "runs_into_sentence",
        "trailing_fragment",
        "case_mismatch",
    }
)
# A broken dependency makes a removal safe only when a second, independent fact agrees: the LM ranks the
# place among the worst in the sentence, or the parse shows an impossible neighbour as well.
PARSE_SIGNALS = frozenset(
    {"tight_relation", "object_after", "subject_split", "compound_split", "clause_on_noun"}
)
CORROBORATING_SIGNALS = frozenset(
    {
        "np_follows",
        "noun_follows",
        "after_auxiliary",
        "subject_split",
        "compound_split",
        "clause_on_noun",
        "odd_attachment",
    }
)


@dataclass
class Occurrence:
    """One match of the keyphrase, where it is, and the verdict on it."""

    start: int
    end: int
    token_range: tuple[int, int]
    location: str  # title | heading | body
    verdict: str = "natural"  # natural | wedged
    p_wedged: float = 0.0
    reasons: list[str] = field(default_factory=list)
    signals: dict[str, float] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def confidence(self) -> float:
        return self.p_wedged if self.verdict == "wedged" else 1.0 - self.p_wedged

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "location": self.location,
            "verdict": self.verdict,
            "confidence": round(self.confidence, 4),
            "p_wedged": round(self.p_wedged, 4),
            "reasons": self.reasons,
            "signals": {k: round(v, 3) for k, v in self.signals.items()},
            **self.facts,
        }


@dataclass
class Context:
    """What the judge needs about one occurrence outside the title."""

    text: str  # the document's prose
    tokens: list[WordToken]
    keyphrase: tuple[str, ...]
    occurrence: Occurrence
    previous_occurrence_end: int | None  # token index where the previous occurrence ended
    with_sentence: Any  # spaCy Span of the sentence (or heading) as written
    without_doc: Any  # spaCy Doc of the sentence without the occurrence
    without_gap: int  # char offset of the removal point in without_doc
    without_text: str
    capitalised_share: float  # share of the document's sentences that start with a capital
    head: str | None = None  # the keyphrase's head noun ("recipe" in "classic banana bread recipe")
    without_shift: int = 0  # characters the removal takes out of the text after the gap
    # Document offset of the first character of ``with_sentence.doc`` (a parse of the sentence alone):
    # a token's document offset is ``token.idx + with_base``.
    with_base: int = 0
    # ln P(sentence without it) − ln P(sentence as written) under the contextual model; None on the
    # trigram path, where the judge uses the weights fitted without it.
    removal_gain: float | None = None

    @property
    def sentence_start(self) -> int:
        """Document offset where the sentence as written starts."""
        return self.with_sentence.start_char + self.with_base

    @property
    def sentence_end(self) -> int:
        return self.with_sentence.end_char + self.with_base

    def without_token(self, token: Any) -> Any:
        """The token of the without-parse at the place of ``token`` of the sentence as written (None for
        the occurrence's own words)."""
        occ = self.occurrence
        where = token.idx + self.with_base
        if where < occ.start:
            at = token.idx - self.with_sentence.start_char
        elif where >= occ.end:
            at = token.idx - self.with_sentence.start_char - self.without_shift
        else:
            return None
        span = self.without_doc.char_span(at, at + len(token.text), alignment_mode="expand")
        return span[0] if span is not None and len(span) else None

    def with_token(self, token: Any) -> Any:
        """The token of the sentence as written at the place of ``token`` of the without-parse."""
        at = token.idx + self.with_sentence.start_char
        if token.idx >= self.without_gap:
            at += self.without_shift
        doc = self.with_sentence.doc
        span = doc.char_span(at, at + len(token.text), alignment_mode="expand")
        return span[0] if span is not None and len(span) else None


# The contextual model's removal gain (``stuffing/contextual.py``): its presence selects the contextual
# weights.
CONTEXTUAL_FEATURE = "ctx_gain"


class Judge:
    """Scores occurrences with the weights from ``[classify]``."""

    def __init__(self, cfg: dict[str, Any], lm: Any, function_words: frozenset[str]):
        self.cfg = cfg
        self.weights: dict[str, float] = {k: float(v) for k, v in cfg["weights"].items()}
        # With the contextual model's removal gain the other features weigh differently: a second set,
        # fitted with it (``[classify.contextual]``); the trigram path keeps the first.
        contextual = cfg.get("contextual", {})
        self.contextual_bias = float(contextual.get("bias", cfg["bias"]))
        self.contextual_wedged_min = float(contextual.get("wedged_min", cfg["wedged_min"]))
        self.contextual_weights: dict[str, float] = {
            k: float(v) for k, v in contextual.get("weights", cfg["weights"]).items()
        }
        self.lm = lm
        self.function_words = function_words
        rel = cfg["relations"]
        self.tight = frozenset(rel["tight"])
        self.loose = frozenset(rel["loose"])

    # -- the verdict -------------------------------------------------------------------------------------
    def judge(self, ctx: Context) -> None:
        occ = ctx.occurrence
        features: dict[str, float] = {}
        reasons: dict[str, str] = {}
        self._copies(ctx, features, reasons)
        self._boundaries(ctx, features, reasons)
        self._parse(ctx, features, reasons)
        self._fluency(ctx, features, reasons)
        self._gate_position_lm(ctx, features, reasons)
        if ctx.removal_gain is not None:
            self._contextual(ctx.removal_gain, features, reasons)
        if "partial" in occ.facts:
            features["partial"] = 1.0
        occ.p_wedged, signals = self.score(features)
        occ.signals = signals
        occ.facts["features"] = {k: round(v, 3) for k, v in features.items()}
        occ.verdict = "wedged" if occ.p_wedged >= self.wedged_min(features) else "natural"
        # Reasons in the order of their weight, in the direction of the verdict first.
        sign = 1.0 if occ.verdict == "wedged" else -1.0
        ordered = sorted(signals, key=lambda k: -sign * signals[k])
        occ.reasons = [reasons[k] for k in ordered if k in reasons and sign * signals[k] > 0]

    def score(self, features: dict[str, float]) -> tuple[float, dict[str, float]]:
        """p(wedged) and the non-zero signals (weight × feature) of a feature set."""
        contextual = CONTEXTUAL_FEATURE in features
        weights = self.contextual_weights if contextual else self.weights
        signals = {k: v * weights.get(k, 0.0) for k, v in features.items() if v}
        signals = {k: v for k, v in signals.items() if v}
        total = (self.contextual_bias if contextual else float(self.cfg["bias"])) + sum(signals.values())
        return 1.0 / (1.0 + math.exp(-total)), signals

    def wedged_min(self, features: dict[str, float]) -> float:
        """The p(wedged) from which an occurrence is wedged, for the weight set that scored it."""
        if CONTEXTUAL_FEATURE in features:
            return self.contextual_wedged_min
        return float(self.cfg["wedged_min"])

    @staticmethod
    def _contextual(gain: float, features: dict[str, float], reasons: dict[str, str]) -> None:
        """The contextual model's verdict on taking the occurrence out: the whole sentence's log-probability
        without it minus as written, in tens of nats (clipped), so it weighs like the other features."""
        features[CONTEXTUAL_FEATURE] = max(-3.0, min(3.0, gain / 10.0))
        reasons[CONTEXTUAL_FEATURE] = (
            f"taking it out changes the sentence's log-probability by {gain:+.1f} nats (contextual model)"
        )

    def safe(self, occ: Occurrence, broken_only: bool = False) -> bool:
        """A removal is safe when the verdict is very confident (``safe_alone``), or confident and backed by
        strong evidence: a copy or a boundary, or a broken dependency that the LM rank or a second parse
        fact confirms. With ``broken_only`` (the article's own subject term) the confidence alone is not
        enough: the sentence must be broken with it."""
        if occ.p_wedged >= float(self.cfg["safe_alone"]) and not broken_only:
            return True
        if occ.p_wedged < float(self.cfg["safe_min"]):
            return False
        present = {name for name, value in occ.signals.items() if value > 0}
        if present & STRONG_SIGNALS:
            return True
        broken = present & PARSE_SIGNALS
        # The confirmation must be a different fact: one parse fact cannot confirm itself.
        second = bool((present & CORROBORATING_SIGNALS) - broken) or len(broken) >= 2
        lm_agrees = occ.facts.get("features", {}).get("lm_rank", 0.0) >= float(self.cfg["safe_rank"])
        return bool(broken) and (second or lm_agrees)

    # -- copies of the keyphrase -------------------------------------------------------------------------
    def _copies(self, ctx: Context, features: dict[str, float], reasons: dict[str, str]) -> None:
        kp = ctx.keyphrase
        i, j = ctx.occurrence.token_range
        left = _joined_run(ctx.text, ctx.tokens, i, -1, len(kp))
        right = _joined_run(ctx.text, ctx.tokens, j - 1, +1, len(kp))
        if ctx.previous_occurrence_end == i and tuple(left) == kp:
            features["repeat"] = 1.0
            reasons["repeat"] = "repeats the keyphrase right after another copy of it"
            return
        if tuple(right) == kp:
            # Two copies side by side: the second one is the repeat and is removed; removing both would take
            # the sentence's own mention with it.
            features["followed_by_copy"] = 1.0
            reasons["followed_by_copy"] = "another copy follows it directly and is the one to remove"
            return
        best: tuple[int, int, int] | None = None
        for split in range(1, len(kp)):
            lhs = _common_suffix(left, kp[:split])
            rhs = _common_prefix(right, kp[split:])
            if lhs and rhs and (best is None or lhs + rhs > best[1] + best[2]):
                best = (split, lhs, rhs)
        if best is not None:
            split, lhs, rhs = best
            piece = " ".join(kp[split - lhs : split + rhs])
            features["self_split"] = 1.0
            reasons["self_split"] = f'duplicates the adjacent words: it is wedged inside "{piece}"'
            ctx.occurrence.facts["restores"] = piece

    # -- sentence boundaries and case --------------------------------------------------------------------
    def _boundaries(self, ctx: Context, features: dict[str, float], reasons: dict[str, str]) -> None:
        text = ctx.text
        occ = ctx.occurrence
        line_start, line_end = line_around(text, occ.start, occ.end)
        before = text[line_start : occ.start]
        after = text[occ.end : line_end]
        capitalising = ctx.capitalised_share >= 0.8
        if occ.location == "heading":
            self._heading_case(ctx, line_start, line_end, features, reasons)
            return
        if _SENTENCE_BEFORE.search(before) and text[occ.start].islower() and capitalising:
            features["sentence_start_lowercase"] = 1.0
            reasons["sentence_start_lowercase"] = (
                "starts a sentence in lower case in a text that capitalises its sentences"
            )
        stripped_before = before.rstrip()
        if stripped_before and stripped_before[-1] in _SENTENCE_END_CHARS and after.strip() == "":
            features["trailing_fragment"] = 1.0
            reasons["trailing_fragment"] = "stands after the sentence's final punctuation"
        _, j = occ.token_range
        if j < len(ctx.tokens) and joined(text, ctx.tokens[j - 1], ctx.tokens[j]):
            nxt = text[ctx.tokens[j].start : ctx.tokens[j].end]
            if nxt[:1].isupper() and nxt != "I" and capitalising and self._starts_clause(ctx, ctx.tokens[j]):
                features["runs_into_sentence"] = 1.0
                reasons["runs_into_sentence"] = (
                    f'runs into the next sentence ("{nxt}" starts it, with no punctuation between)'
                )

    def _heading_case(
        self,
        ctx: Context,
        line_start: int,
        line_end: int,
        features: dict[str, float],
        reasons: dict[str, str],
    ) -> None:
        """A lower-case keyphrase inside a heading whose other words are capitalised."""
        occ = ctx.occurrence
        # Its own content words in lower case ("library card" in "library card FAQ"): an acronym or name
        # in the keyphrase keeps its capitals and says nothing about the heading's style.
        own = [
            ctx.text[t.start : t.end]
            for t in ctx.tokens[occ.token_range[0] : occ.token_range[1]]
            if t.text.lower() not in self.function_words
        ]
        if not any(w[:1].islower() for w in own):
            return
        line = [t for t in ctx.tokens if line_start <= t.start < line_end]
        # The heading's first word is capitalised in sentence case too ("Almost facet counts"): it says
        # nothing about Title Case.
        others = [ctx.text[t.start : t.end] for t in line[1:] if not (occ.start <= t.start < occ.end)]
        content = [w for w in others if w.lower() not in self.function_words]
        if content and sum(w[0].isupper() for w in content) >= 0.6 * len(content) and len(content) >= 1:
            features["case_mismatch"] = 1.0
            reasons["case_mismatch"] = (
                "stands in lower case inside a heading whose other words are capitalised"
            )

    @staticmethod
    def _starts_clause(ctx: Context, token: WordToken) -> bool:
        """A capitalised word that is not a proper noun in the parse: the start of a sentence."""
        doc = ctx.with_sentence.doc
        base = ctx.with_base
        span = doc.char_span(token.start - base, token.end - base, alignment_mode="expand")
        if span is None or len(span) == 0:
            return True
        return span[0].tag_ not in ("NNP", "NNPS")

    # -- parse -------------------------------------------------------------------------------------------
    def _parse(self, ctx: Context, features: dict[str, float], reasons: dict[str, str]) -> None:
        occ = ctx.occurrence
        occ.facts["without"] = ctx.without_text
        span = ctx.with_sentence
        if self._whole_sentence(ctx, span):
            features["whole_sentence"] = 1.0
            reasons["whole_sentence"] = "is the whole sentence or line"
            return
        doc = span.doc
        inside = [t for t in doc if occ.start <= t.idx + ctx.with_base < occ.end]
        if not inside:
            return
        before = [t for t in doc[span.start : inside[0].i] if not t.is_space]
        after = [t for t in doc[inside[-1].i + 1 : span.end] if not t.is_space]
        p = before[-1] if before else None
        n = after[0] if after else None
        first, last = inside[0], inside[-1]
        self._bond(ctx, features, reasons)
        p_wo, n_wo = _gap_neighbours(ctx.without_doc, ctx.without_gap)
        has_function_word = any(w in self.function_words for w in ctx.keyphrase[1:-1])
        noun_final = last.tag_ in _NOUN_TAGS or last.pos_ in ("NOUN", "PROPN")
        if n is not None and not n.is_punct:
            np_start = n.tag_ in _NP_START_TAGS or n.lower_ in _CLAUSE_PRONOUNS
            if np_start or (n_wo is not None and n_wo.tag_ in _NP_START_TAGS):
                features["np_follows"] = 1.0
                reasons["np_follows"] = f'is followed directly by another noun phrase ("{n.text}")'
            elif (n.tag_ in _NOUN_TAGS or (n_wo is not None and n_wo.tag_ in _NOUN_TAGS)) and (
                has_function_word or not noun_final
            ):
                features["noun_follows"] = 1.0
                reasons["noun_follows"] = (
                    f'a phrase like this cannot modify the noun "{n.text}" that follows it'
                )
            if n.tag_ in _FINITE_VERB_TAGS and (n_wo is None or n_wo.tag_ in _FINITE_VERB_TAGS):
                features["verb_follows"] = 1.0
                reasons["verb_follows"] = f'is followed by the verb "{n.text}", as its subject'
        if p is not None and not p.is_punct:
            p_nounish = (p.tag_ in _NOUN_TAGS) or (p_wo is not None and p_wo.tag_ in _NOUN_TAGS)
            if p_nounish or p.lower_ in _NOMINATIVE:
                features["after_noun"] = 1.0
                reasons["after_noun"] = f'follows "{p.text}" directly, as a second noun phrase'
            if (p.tag_ == "MD" or p.tag_ == "TO") and not first.tag_.startswith("VB"):
                features["after_auxiliary"] = 1.0
                reasons["after_auxiliary"] = f'separates "{p.text}" from the verb it belongs to'
            if (
                p.pos_ in ("VERB", "AUX")
                and p.tag_ != "MD"
                and (p_wo is None or p_wo.pos_ in ("VERB", "AUX"))
            ):
                features["after_verb"] = 1.0
                reasons["after_verb"] = f'is what "{p.text}" takes as its object or complement'
        else:
            features["clause_start"] = 1.0
            reasons["clause_start"] = "starts its sentence or clause"
        self._completes(ctx, p, n, first, features, reasons)
        self._constituent(ctx, inside, features, reasons)
        self._subject_split(ctx, p, inside, features, reasons)
        self._attachment(ctx, inside, features, reasons)
        self._slot(ctx, inside, features, reasons)

    def _whole_sentence(self, ctx: Context, span: Any) -> bool:
        """A sentence that is the keyphrase with at most one word more; a heading whose other words are
        all function words. A heading is judged by its line: the parse may cut a heading anywhere, and
        "## classic banana bread recipe Ingredients" is no mention of the phrase on its own."""
        occ = ctx.occurrence
        if occ.location == "heading":
            line_start = ctx.text.rfind("\n", 0, occ.start) + 1
            line_end = ctx.text.find("\n", occ.end)
            line_end = len(ctx.text) if line_end < 0 else line_end
            others = [
                t.text
                for t in ctx.tokens
                if line_start <= t.start < line_end and not (occ.start <= t.start < occ.end)
            ]
            return all(w in self.function_words for w in others)
        words_alone = [t for t in span if not t.is_punct and not t.is_space]
        return len(words_alone) <= len(ctx.keyphrase) + 1

    def _constituent(
        self, ctx: Context, inside: list[Any], features: dict[str, float], reasons: dict[str, str]
    ) -> None:
        """In the parse as written, is the occurrence one phrase that hangs from one head?"""
        lo, hi = inside[0].i, inside[-1].i
        heads = [t for t in inside if not (lo <= t.head.i <= hi) or t.head.i == t.i]
        outside_into = [
            t
            for t in inside[0].doc[ctx.with_sentence.start : ctx.with_sentence.end]
            if not (lo <= t.i <= hi) and lo <= t.head.i <= hi and not t.is_punct
        ]
        foreign = [t for t in outside_into if heads and t.head.i != heads[0].i]
        if len(heads) == 1 and not foreign:
            features["one_phrase"] = 1.0
            reasons["one_phrase"] = f'parses as one phrase ({heads[0].dep_} of "{heads[0].head.text}")'
        else:
            features["not_one_phrase"] = 1.0
            reasons["not_one_phrase"] = "does not parse as one phrase: words around it attach inside it"
        occ = ctx.occurrence
        text = ctx.text
        before = text[line_around(text, occ.start, occ.end)[0] : occ.start]
        if _SENTENCE_BEFORE.search(before) and text[occ.start].isupper() and ctx.keyphrase[0][:1].islower():
            features["capitalised_start"] = 1.0
            reasons["capitalised_start"] = "begins its sentence with a capital, as a writer would"

    def _subject_split(
        self,
        ctx: Context,
        before: Any,
        inside: list[Any],
        features: dict[str, float],
        reasons: dict[str, str],
    ) -> None:
        """Without it, a noun phrase that ends just before the gap is the subject of a verb that starts
        just after it: "Caffeine [KP] has a half-life". A phrase between a subject and its verb, with no
        punctuation, has no role left to play — unless the word before it is a verb or an -ing form, which
        may take it as its object or modify it ("Learning [how to pay off debt] is", "The following
        [tips] are")."""
        if before is None or before.tag_.startswith("VB") or before.lower_.endswith("ing"):
            return
        p, n = _gap_neighbours(ctx.without_doc, ctx.without_gap)
        if p is None or n is None or p.tag_ not in _NOMINAL_END_TAGS:
            return
        for subject in ctx.without_doc:
            if subject.dep_ not in ("nsubj", "nsubjpass") or subject.right_edge.i != p.i:
                continue
            verb = subject.head
            if verb.i < n.i or subject.tag_ not in _NOMINAL_END_TAGS:
                continue
            between = ctx.without_doc[n.i : verb.i]
            if all(t.head.i == verb.i and t.dep_ in _VERB_PREFIX_DEPS for t in between):
                features["subject_split"] = 1.0
                reasons["subject_split"] = (
                    f'separates the subject "{subject.text}" from its verb "{verb.text}"'
                )
                return

    def _attachment(
        self, ctx: Context, inside: list[Any], features: dict[str, float], reasons: dict[str, str]
    ) -> None:
        """How the phrase hangs in the parse as written: the relation of its root to the word outside."""
        root = _phrase_root(inside)
        if root is None:
            return
        lo = inside[0].i
        side = "self" if root.head.i == root.i else ("left" if root.head.i < lo else "right")
        ctx.occurrence.facts["attach"] = f"{root.dep_}|{root.pos_}|{root.head.pos_}|{side}"
        verb_root = root.pos_ in ("VERB", "AUX") and root.dep_ in _CLAUSE_ON_NOUN_DEPS
        if verb_root and side == "left" and root.head.pos_ in ("NOUN", "PROPN"):
            features["clause_on_noun"] = 1.0
            reasons["clause_on_noun"] = f'hangs as a bare clause from the noun "{root.head.text}" before it'
        if root.dep_ in _ODD_ROOT_DEPS:
            features["odd_attachment"] = 1.0
            reasons["odd_attachment"] = f'attaches to "{root.head.text}" only loosely ({root.dep_})'

    def _slot(
        self, ctx: Context, inside: list[Any], features: dict[str, float], reasons: dict[str, str]
    ) -> None:
        """Natural evidence: as written, the phrase is the subject or object of a word outside it, and
        without it that word has no subject or object of its own — at most a determiner or adjective the
        phrase leaves behind ("This [recipe] produces" → "This produces"). A wedged phrase takes no slot:
        the sentence already has its filler ("Caffeine [KP] has")."""
        root = _phrase_root(inside)
        if root is None or root.head.i == root.i:
            return
        group = next((g for g in _SLOTS if root.dep_ in g), None)
        if group is None:
            return
        head = ctx.without_token(root.head)
        if head is None or head.lower_ != root.head.lower_:
            return
        before = root.i < root.head.i
        fillers = [c for c in head.children if c.dep_ in group and (c.i < head.i) == before]
        if group is _SLOTS[0] and not fillers and _shares_subject(head):
            return  # a coordinated verb takes the subject of the first: "they spend less and [KP] face"
        if all(_leftover(ctx, c) for c in fillers):
            features["fills_slot"] = 1.0
            reasons["fills_slot"] = (
                f'is the {root.dep_} of "{root.head.text}", which would have none without it'
            )

    def _completes(
        self, ctx: Context, p: Any, n: Any, first: Any, features: dict[str, float], reasons: dict[str, str]
    ) -> None:
        """Natural evidence: the words before it need it (a determiner, a preposition), or the join
        without it would be impossible English."""
        if p is None or p.is_punct:
            return
        if _determiner(p) and first.tag_ in _NO_DETERMINER_TAGS:
            features["det_mismatch"] = 1.0
            reasons["det_mismatch"] = (
                f'follows "{p.text}", which cannot take "{first.text}": '
                "the determiner belongs to the words after it"
            )
            if n is None or n.is_punct or n.tag_ not in _DETERMINED_TAGS:
                # Without the whole phrase the determiner would have no noun ("An [...] is"): the phrase
                # grew around the sentence's own noun phrase.
                _keep_determined_tail(ctx, first)
            return
        n_finite_or_end = n is None or n.is_punct or n.tag_ in _FINITE_VERB_TAGS or n.pos_ in ("ADP", "CCONJ")
        p_wo, _ = _gap_neighbours(ctx.without_doc, ctx.without_gap)
        if p_wo is not None and _holds_noun_after(ctx, p_wo):
            return  # without it, the word before keeps a noun of its own after the gap
        if p.lower_ in _ARTICLES_POSSESSIVES or p.tag_ == "PRP$":
            headless = p_wo is not None and p_wo.head.pos_ not in ("NOUN", "PROPN", "NUM", "PRON")
            if n is None or n.tag_ not in _NOUN_TAGS | {"JJ", "CD"} or headless:
                features["needs_it"] = 1.0
                reasons["needs_it"] = f'completes "{p.text}", which would be left without its noun'
        elif p.lower_ in _DEMONSTRATIVES and p.tag_ == "DT" and n_finite_or_end:
            features["needs_it"] = 0.6
            reasons["needs_it"] = f'completes "{p.text} …" as the noun phrase of the sentence'
        elif p.pos_ == "ADP" and p.dep_ == "prep" and n_finite_or_end and first.head.i == p.i:
            features["needs_it"] = 1.0
            reasons["needs_it"] = f'is the object of "{p.text}", which would be left dangling'
        elif p.tag_ in ("JJ", "JJS", "JJR", "VBN") and p.head.i >= first.i and p.dep_ in ("amod", "compound"):
            features["needs_it"] = 0.6
            reasons["needs_it"] = f'"{p.text}" modifies it'

    def _bond(self, ctx: Context, features: dict[str, float], reasons: dict[str, str]) -> None:
        p, n = _gap_neighbours(ctx.without_doc, ctx.without_gap)
        if p is None or n is None:
            return
        bond = _bond(p, n)
        if bond is None:
            return
        rel, governor, dependent = bond
        if rel == "compound" and {governor.i, dependent.i} == {p.i, n.i}:
            features["compound_split"] = 1.0
            reasons["compound_split"] = f'splits the compound or name "{p.text} {n.text}"'
        if rel in ("det", "poss") and governor.pos_ not in ("NOUN", "PROPN", "NUM", "PRON"):
            return  # a determiner without a noun: the parse without it is broken, not bound
        if dependent.i == p.i and p.tag_ in ("DT", "PDT") and rel in _ARGUMENT_DEPS:
            return  # its own determiner, read as a pronoun once it is gone ("This [recipe] produces")
        if governor.i == p.i and dependent.i >= n.i and rel in _COMPLEMENTS:
            features["object_after"] = 1.0
            reasons["object_after"] = (
                f'separates "{governor.text}" from its {rel} "{dependent.text}": '
                "the sentence reads correctly only without it"
            )
        elif rel in self.tight:
            features["tight_relation"] = 1.0
            reasons["tight_relation"] = (
                f'separates "{governor.text}" from "{dependent.text}" ({rel}): '
                "the sentence reads correctly only without it"
            )
        elif rel in self.loose:
            features["loose_relation"] = 1.0
            reasons["loose_relation"] = f'comes between "{governor.text}" and "{dependent.text}" ({rel})'

    @staticmethod
    def _gate_position_lm(ctx: Context, features: dict[str, float], reasons: dict[str, str]) -> None:
        """At the start of a sentence or clause the trigram LM cannot tell a subject from a wedge (the
        joins "<s> also makes" and "<s> cursor-based pagination also makes" both read well; measured on the
        tuning split its rank separates nothing there), so its position features count only inside a clause,
        and not for a phrase grown around the sentence's own words. The raw values stay in the evidence
        (``lm``)."""
        grown = "keeps_from" in ctx.occurrence.facts
        if not features.get("clause_start") and not grown:
            return
        if grown:
            # The phrase grew around the sentence's own noun phrase ("An [how to build an] emergency fund
            # is"): its tail fits the place and fills the slot by construction, so neither says anything
            # about the words in front.
            features.pop("fills_slot", None)
            reasons.pop("fills_slot", None)
        lm = ctx.occurrence.facts.setdefault("lm", {})
        for name in _POSITION_LM_FEATURES:
            if name in features:
                lm[name] = round(features[name], 3)
                features[name] = 0.0
                reasons.pop(name, None)

    # -- language model ----------------------------------------------------------------------------------
    def _fluency(self, ctx: Context, features: dict[str, float], reasons: dict[str, str]) -> None:
        lm = self.lm
        occ = ctx.occurrence
        text = ctx.text
        # The joins are read around the words the fix takes out: for a phrase grown around the sentence's
        # own noun phrase ("A [how to grow a] container herb garden is"), only the words in front of it.
        # Taking out the whole phrase would leave the determiner without its noun, which says nothing
        # about whether the added words belong.
        kept = occ.facts.get("keeps_from")
        end = kept if isinstance(kept, int) and occ.start < kept < occ.end else occ.end
        before = lm.words(text[ctx.sentence_start : occ.start])
        middle = lm.words(text[occ.start : end])
        after = lm.words(text[end : max(end, ctx.sentence_end)])
        with_words = ["<s>", "<s>", *before, *middle, *after, "</s>"]
        without_words = ["<s>", "<s>", *before, *after, "</s>"]
        at = 2 + len(before)
        k = len(middle)

        def pmi(seq: list[str], idx: int) -> float:
            if idx >= len(seq):
                return 0.0
            word = seq[idx]
            cond = lm.ln_prob(word, seq[idx - 1], seq[idx - 2])
            return cond - lm.ln_prob(word) if word != "</s>" else cond

        entry = pmi(with_words, at) + pmi(with_words, at + 1)
        exit_ = pmi(with_words, at + k) + pmi(with_words, at + k + 1)
        junction = pmi(without_words, at) + pmi(without_words, at + 1)
        gain = junction - (entry + exit_)
        clip = float(self.cfg["lm_clip"])
        features["lm_gain"] = max(-clip, min(clip, gain))
        features["lm_exit"] = max(-clip, min(clip, exit_))
        features["lm_entry"] = max(-clip, min(clip, entry))
        features["lm_junction"] = max(-clip, min(clip, junction))
        rank = _position_rank(lm, without_words, middle, at)
        features["lm_rank"] = rank
        features["lm_margin"] = max(-clip, min(clip, _position_margin(lm, without_words, middle, at))) / clip
        self._substitution(ctx, without_words, at, features, reasons)
        reasons["lm_rank"] = (
            f"of the places in this sentence where the keyphrase could stand, the LM ranks this one "
            f"{'among the worst' if rank > 0.5 else 'among the best'} ({rank:.2f} of them fit better)"
        )
        occ.facts["lm"] = {
            "junction_without": round(junction, 3),
            "entry_with": round(entry, 3),
            "exit_with": round(exit_, 3),
            "gain_without": round(gain, 3),
        }
        if gain > 0:
            reasons["lm_gain"] = (
                f"the sentence is more fluent without it (trigram LM: +{gain:.1f} nats at the joins)"
            )
        else:
            reasons["lm_gain"] = (
                f"the sentence is more fluent with it (trigram LM: {gain:.1f} nats at the joins)"
            )
        reasons["lm_exit"] = f"the words after it {'fit' if exit_ > 0 else 'do not fit'} it (trigram LM)"

    def _substitution(
        self,
        ctx: Context,
        without_words: list[str],
        at: int,
        features: dict[str, float],
        reasons: dict[str, str],
    ) -> None:
        """Would a one-word stand-in for the phrase fit where it stands? A natural occurrence fills a slot
        that its head noun (or the pronoun "it") fills too; a wedged one adds words to a sentence that is
        complete without them. One word gives the trigram LM short, well-estimated contexts on both sides,
        which the whole (rare) keyphrase does not."""
        clip = float(self.cfg["lm_clip"])
        for name, word in (("head_fit", ctx.head), ("pronoun_fit", "it")):
            if not word:
                continue
            score = _insertion_score(self.lm, without_words, [word], at)
            features[name] = max(-clip, min(clip, score)) / clip
            features[name.replace("_fit", "_rank")] = _position_rank(self.lm, without_words, [word], at)
        head_fit = features.get("head_fit")
        if head_fit is not None:
            reasons["head_fit"] = (
                f'its head noun "{ctx.head}" alone would {"fit" if head_fit > 0 else "not fit"} in its place '
                "(trigram LM)"
            )


def _phrase_root(inside: list[Any]) -> Any:
    """The phrase's first token whose head lies outside it (or that heads the sentence); None if none."""
    lo, hi = inside[0].i, inside[-1].i
    return next((t for t in inside if not (lo <= t.head.i <= hi) or t.head.i == t.i), None)


def _determiner(token: Any) -> bool:
    """An article, a possessive or a demonstrative used as a determiner ("the", "my", "this")."""
    if token.lower_ in ("a", "an", "the"):
        return True
    demonstrative = token.lower_ in _DEMONSTRATIVES | {"each", "every"} and token.tag_ == "DT"
    return token.tag_ == "PRP$" or demonstrative


def _keep_determined_tail(ctx: Context, first: Any) -> None:
    """For a keyphrase grown around the noun phrase a determiner had ("An [how to build an] emergency
    fund"): the start of its longest tail that the determiner can take, recorded as ``keeps_from`` so that
    the fix removes only the words before it."""
    occ = ctx.occurrence
    for token in ctx.with_sentence.doc[first.i + 1 :]:
        at = token.idx + ctx.with_base
        if at >= occ.end:
            return
        if token.tag_ in _DETERMINED_TAGS and at > occ.start and ctx.text[at - 1] == " ":
            occ.facts["keeps_from"] = at
            return


def _shares_subject(verb: Any) -> bool:
    """A verb coordinated with an earlier verb that has a subject: it shares that subject."""
    if verb.dep_ != "conj" or verb.head.i >= verb.i:
        return False
    return any(c.dep_ in _SLOTS[0] for c in verb.head.children)


def _holds_noun_after(ctx: Context, token: Any) -> bool:
    """Whether ``token`` (a determiner or modifier before the gap, in the without-parse) belongs to a noun
    after the gap: it keeps its noun without the phrase."""
    head = token.head
    return (
        token.dep_ in ("det", "poss", "amod", "compound", "nummod", "predet")
        and head.i > token.i
        and _noun_in_both(ctx, head)
    )


def _noun_in_both(ctx: Context, token: Any) -> bool:
    """A token of the without-parse after the gap that both parses read as a noun. A verb that the
    without-parse turns into a noun ("This guide to a [KP] walks" → "a walks") is no noun of the sentence."""
    if token.idx < ctx.without_gap or token.pos_ not in ("NOUN", "PROPN"):
        return False
    written = ctx.with_token(token)
    return written is not None and written.tag_ in _NOUN_TAGS


def _leftover(ctx: Context, filler: Any) -> bool:
    """Whether a slot filler of the without-parse is only what the phrase left behind: its words begin
    before the gap and those are all determiners or modifiers ("This" in "This [recipe] produces", "a
    productive" in "keep a [herb garden] productive"). A filler of the sentence's own ("Caffeine [KP] has",
    "want [KP] you running", a noun after the gap that the words before it modify) is not."""
    gap = ctx.without_gap
    if _noun_in_both(ctx, filler):
        # Its noun stands after the gap: the sentence's own noun phrase, split by the phrase ("the only
        # natural [KP] break", "a [KP] lost or stolen card").
        return False
    before = [t for t in filler.subtree if t.idx < gap]
    return bool(before) and all(t.tag_ in _STRANDED_TAGS for t in before)


def _insertion_score(lm: Any, words: list[str], phrase: list[str], at: int) -> float:
    """ln P of the joins when ``phrase`` is inserted before ``words[at]`` minus ln P of the plain join."""
    seq = [*words[:at], *phrase, *words[at:]]
    k = len(phrase)
    with_terms = 0.0
    for idx in sorted({at, at + 1, at + k, at + k + 1}):
        if 2 <= idx < len(seq) and (idx < at + 2 or idx >= at + k):
            with_terms += lm.ln_prob(seq[idx], seq[idx - 1], seq[idx - 2])
    plain = 0.0
    for idx in (at, at + 1):
        if 2 <= idx < len(words):
            plain += lm.ln_prob(words[idx], words[idx - 1], words[idx - 2])
    return with_terms - plain


def _position_margin(lm: Any, words: list[str], phrase: list[str], at: int) -> float:
    """How much better (ln P of the joins) the phrase fits at the sentence's typical other place than here:
    the keyphrase's own rarity cancels out, so rare words ("FAQ") do not make every place look bad."""
    if not phrase:
        return 0.0
    others = sorted(_insertion_score(lm, words, phrase, i) for i in range(2, len(words)) if i != at)
    if not others:
        return 0.0
    return others[len(others) // 2] - _insertion_score(lm, words, phrase, at)


def _position_rank(lm: Any, words: list[str], phrase: list[str], at: int) -> float:
    """Share of the other insertion points of the sentence where the LM likes the phrase better."""
    if not phrase:
        return 0.0
    actual = _insertion_score(lm, words, phrase, at)
    others = [_insertion_score(lm, words, phrase, i) for i in range(2, len(words)) if i != at]
    if not others:
        return 0.0
    return sum(1 for s in others if s > actual) / len(others)


def _joined_run(text: str, tokens: list[WordToken], index: int, step: int, limit: int) -> list[str]:
    """Up to ``limit`` words next to ``tokens[index]`` (step -1: to the left, +1: right), unbroken."""
    words: list[str] = []
    cur = index
    while len(words) < limit:
        nxt = cur + step
        if nxt < 0 or nxt >= len(tokens):
            break
        a, b = (tokens[nxt], tokens[cur]) if step < 0 else (tokens[cur], tokens[nxt])
        if not joined(text, a, b):
            break
        words.append(tokens[nxt].text)
        cur = nxt
    return words[::-1] if step < 0 else words


def _common_suffix(left: list[str], piece: tuple[str, ...]) -> int:
    """Length of the longest suffix of ``left`` equal to a suffix of ``piece``."""
    best = 0
    for m in range(1, min(len(left), len(piece)) + 1):
        if tuple(left[-m:]) == piece[-m:]:
            best = m
    return best


def _common_prefix(right: list[str], piece: tuple[str, ...]) -> int:
    best = 0
    for m in range(1, min(len(right), len(piece)) + 1):
        if tuple(right[:m]) == piece[:m]:
            best = m
    return best


def _gap_neighbours(doc: Any, gap: int) -> tuple[Any, Any]:
    """The tokens just before and just after the removal point of the without-parse."""
    left = [t for t in doc if t.idx + len(t.text) <= gap and not t.is_space]
    right = [t for t in doc if t.idx >= gap and not t.is_space]
    return (left[-1] if left else None), (right[0] if right else None)


def _bond(p: Any, n: Any) -> tuple[str, Any, Any] | None:
    """The dependency that ties the words around the gap: an arc with ``p`` or ``n`` at one end that
    crosses the gap (tightest first: a direct p–n arc)."""
    if n.head.i == p.i and n.i != p.i:
        return n.dep_, p, n
    if p.head.i == n.i and p.i != n.i:
        return p.dep_, n, p
    if p.head.i > p.i and p.head.i >= n.i and not p.is_punct:
        return p.dep_, p.head, p
    if n.head.i < n.i and n.head.i <= p.i and not n.is_punct:
        return n.dep_, n.head, n
    for child in p.children:
        if child.i >= n.i and not child.is_punct:
            return child.dep_, p, child
    for child in n.children:
        if child.i <= p.i and not child.is_punct:
            return child.dep_, n, child
    # A phrase that begins right after the gap as the argument of a word before it ("take only [KP] a few
    # minutes"), a clause after a conjunction ("and [KP] no longer face"), or a noun modifier that ends
    # right before the gap ("the North American [KP] and Eurasian plates"). Not an adjunct (a clause, an
    # adverb, a prepositional phrase): one follows a natural object just as well ("update this [FAQ]
    # whenever").
    after = [t for t in n.doc[n.i :] if t.left_edge.i == n.i and t.head.i <= p.i and not t.is_punct]
    if after:
        top = after[-1]
        if top.dep_ in _PHRASE_ARGUMENTS or (top.dep_ == "conj" and p.pos_ == "CCONJ"):
            return top.dep_, top.head, top
    before = [t for t in n.doc[: p.i + 1] if t.right_edge.i == p.i and t.head.i >= n.i and not t.is_punct]
    if before and before[0].dep_ in _NOUN_MODIFIERS:
        return before[0].dep_, before[0].head, before[0]
    return None
