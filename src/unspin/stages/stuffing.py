"""The stuffing stage: find the keyphrase, judge each occurrence, flag and remove wedged ones.

Runs after ``parse`` (it reads ``doc.nlp_doc``) and before ``spin``, which must leave ``doc.keyphrase``
occurrences alone. Results go to ``doc.analysis["stuffing"]``; findings use the STUF codes.
"""

from __future__ import annotations

from typing import ClassVar

from unspin.document import Document
from unspin.keyphrase import function_words
from unspin.lm import TrigramLM
from unspin.neural.resource import contextual_lm
from unspin.pipeline import Context, register_stage
from unspin.stages.parse import load_nlp
from unspin.stuffing.analyse import finish, keyphrase_head, prepare
from unspin.stuffing.contextual import removal_gains
from unspin.stuffing.occurrences import Judge
from unspin.stuffing.settings import thresholds


@register_stage
class StuffingStage:
    name: ClassVar[str] = "stuffing"

    def __call__(self, docs: list[Document], ctx: Context) -> None:
        cfg = thresholds(ctx.settings.stage(self.name))
        nlp = ctx.resource("nlp", load_nlp, shared=True)
        lm = ctx.resource("lm", TrigramLM.load, shared=True)
        judge = Judge(cfg["classify"], lm, function_words())
        unparsed = [d for d in docs if d.nlp_doc is None]
        for doc, parsed in zip(unparsed, nlp.pipe(d.prose for d in unparsed), strict=True):
            doc.nlp_doc = parsed
        states = [prepare(doc, doc.nlp_doc, ctx.settings) for doc in docs]
        for state in states:
            state.head = keyphrase_head(nlp, state.choice.phrase)
        pending = [p for state in states for p in state.pending]
        parsed_without = iter(list(nlp.pipe(p.without_text for p in pending)))
        parsed_with = iter(list(nlp.pipe(p.with_text for p in pending)))
        gains = iter(removal_gains(contextual_lm(ctx), pending))
        for state in states:
            count = len(state.pending)
            without = [next(parsed_without) for _ in range(count)]
            written = [next(parsed_with) for _ in range(count)]
            finish(state, without, judge, cfg, written, [next(gains) for _ in range(count)])
