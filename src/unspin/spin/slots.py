"""A sentence as the language model sees it: lower-case words ("slots") tied to spaCy tokens and offsets.

spaCy splits "don't" into "do" + "n't" and "well-being" into "well", "-", "being"; the trigram model's
vocabulary has "don't" and no hyphenated words. A slot is one model word with its source span, the
spaCy token it starts at, and the facts the spin engine needs (protected? capitalised? part of a
hyphenated compound?).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Entity labels whose text is never rewritten (names, places, figures, dates…).
PROTECTED_ENTITIES = frozenset(
    {
        "PERSON",
        "NORP",
        "FAC",
        "ORG",
        "GPE",
        "LOC",
        "PRODUCT",
        "EVENT",
        "WORK_OF_ART",
        "LAW",
        "LANGUAGE",
        "DATE",
        "TIME",
        "PERCENT",
        "MONEY",
        "QUANTITY",
        "ORDINAL",
        "CARDINAL",
    }
)
_QUOTES_OPEN = {'"', "“", "«"}
_QUOTES_CLOSE = {'"', "”", "»"}
_CLITIC_STARTS = ("'", "’", "n't", "n’t")
_HYPHENS = {"-", "‐", "‑"}


@dataclass
class Slot:
    word: str  # lower-case model word
    start: int  # source offsets of the whole slot
    end: int
    token: Any  # the spaCy token the slot starts with
    protected: bool = False
    hyphen_after: bool = False  # "well" in "well-being"
    hyphen_before: bool = False  # "being" in "well-being"
    sentence_initial: bool = False

    @property
    def text_is_capitalised(self) -> bool:
        return self.token.text[:1].isupper()

    @property
    def in_compound(self) -> bool:
        return self.hyphen_after or self.hyphen_before


# Entity labels that a lone capitalised common word may wrongly receive (numeric and date labels never).
NAME_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
)


def doubtful_names(doc: Any, is_common: Callable[[str], bool]) -> set[int]:
    """Token indices of one-word "names" that are probably a spinner's capitalised common word.

    spaCy takes a capitalised word in mid-sentence for a name ("for Restoration can"). Such a token is
    treated as an ordinary word when its entity is that single token, its lower-case form is a common
    word, and the document never writes it capitalised in mid-sentence anywhere else: a real name
    recurs, a spinner's capital is a one-off.
    """
    capitalised: dict[str, int] = {}
    for tok in doc:
        if tok.text[:1].isupper() and not tok.is_sent_start:
            capitalised[tok.text] = capitalised.get(tok.text, 0) + 1
    found: set[int] = set()
    for ent in doc.ents:
        if len(ent) != 1 or ent.label_ not in NAME_LABELS:
            continue
        tok = ent[0]
        text = tok.text
        if (
            text[:1].isupper()
            and not tok.is_sent_start
            and text[1:].islower()
            and capitalised.get(text, 0) == 1
            and is_common(text.lower())
        ):
            found.add(tok.i)
    return found


def sentence_slots(
    sent: Any, blocked: list[tuple[int, int]], doubtful: set[int] | frozenset[int] = frozenset()
) -> list[Slot]:
    """The slots of a spaCy sentence span; ``blocked`` lists source spans never to rewrite; entity tokens
    in ``doubtful`` (see :func:`doubtful_names`) are treated as ordinary words."""
    slots: list[Slot] = []
    in_quote = False
    pending_hyphen = False
    initial = True
    for tok in sent:
        text = tok.text
        if tok.is_space:
            if "\n" in text:
                initial = True
            continue
        if text in _HYPHENS:
            glued = slots and slots[-1].end == tok.idx and not tok.whitespace_
            pending_hyphen = bool(glued)
            if glued:
                slots[-1].hyphen_after = True
            continue
        if not any(c.isalnum() for c in text):
            if text in _QUOTES_OPEN and not in_quote:
                in_quote = True
            elif text in _QUOTES_CLOSE and in_quote:
                in_quote = False
            if text in (":", ";", "(", ")", "–", "—") or text in _QUOTES_OPEN:
                initial = text != ";"
            pending_hyphen = False
            continue
        lower = text.lower().replace("’", "'")
        if slots and slots[-1].end == tok.idx and lower.startswith(_CLITIC_STARTS) and not pending_hyphen:
            slots[-1].word += lower
            slots[-1].end = tok.idx + len(text)
            continue
        end = tok.idx + len(text)
        protected = (
            in_quote
            or (tok.ent_type_ in PROTECTED_ENTITIES and tok.i not in doubtful)
            or tok.like_num
            or tok.like_url
            or tok.like_email
            or any(c.isdigit() for c in text)
            or any(s < end and tok.idx < e for s, e in blocked)
        )
        slot = Slot(lower, tok.idx, end, tok, protected, sentence_initial=initial)
        if pending_hyphen:
            slot.hyphen_before = True
            pending_hyphen = False
        slots.append(slot)
        initial = False
    return slots
