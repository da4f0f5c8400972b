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
from unspin.stages.parse import load_nlp, parse_cache, parse_each, parse_prose
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
        parse_prose([d for d in docs if d.nlp_doc is None], ctx)
        states = [prepare(doc, doc.nlp_doc, ctx.settings, nlp) for doc in docs]
        for state in states:
            state.head = keyphrase_head(nlp, state.choice.phrase)
        pending = [p for state in states for p in state.pending]
        cache = parse_cache(ctx)
        parsed_without = iter(parse_each(nlp, [p.without_text for p in pending], cache))
        parsed_with = iter(parse_each(nlp, [p.with_text for p in pending], cache))
        gains = iter(removal_gains(contextual_lm(ctx), pending))
        for state in states:
            count = len(state.pending)
            without = [next(parsed_without) for _ in range(count)]
            written = [next(parsed_with) for _ in range(count)]
            finish(state, without, judge, cfg, written, [next(gains) for _ in range(count)])
