"""What the contextual model says about each occurrence: is the sentence more probable without it?

A copy wedged into a sentence costs the model twice: the keyphrase is improbable where it stands, and the
words after it no longer follow. A copy the sentence needs is probable where it stands, and taking it out
leaves the words after it stranded. The trigram features see two words on each side of the joins; the
contextual model reads the whole sentence. Measured on the tune split (article-grouped cross-validation,
both wedgers): precision at recall 0.95 was 0.901 with the trigram weights' features, 0.923 with this one
added, and 0.957 for every feature the judge computes with it (the shipped ``[classify.contextual]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from unspin.neural.engine import ContextualLM
    from unspin.stuffing.analyse import Pending


def _plain(text: str) -> str:
    # Blanked protected text and line breaks read as single spaces, as in running text.
    return " ".join(text.split())


def removal_gains(lm: ContextualLM | None, pending: Sequence[Pending]) -> list[float | None]:
    """Per pending occurrence, ln P(its sentence without it) − ln P(the sentence as written), in nats;
    None for every occurrence when there is no contextual model (the trigram path)."""
    if lm is None:
        return [None] * len(pending)
    texts = sorted({t for p in pending for t in (_plain(p.with_text), _plain(p.without_text)) if t})
    scores = dict(zip(texts, lm.score(texts), strict=True)) if texts else {}
    return [scores.get(_plain(p.without_text), 0.0) - scores.get(_plain(p.with_text), 0.0) for p in pending]
