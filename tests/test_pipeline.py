"""The pipeline runner: ordered stages over batches, streaming with bounded batches."""

from __future__ import annotations

from typing import ClassVar

import pytest

from unspin.config import Settings
from unspin.document import Document
from unspin.pipeline import STAGES, Context, Pipeline, register_stage


@register_stage
class _BatchRecorder:
    name: ClassVar[str] = "test-batch-recorder"
    batches: ClassVar[list[int]] = []

    def __call__(self, docs: list[Document], ctx: Context) -> None:
        self.batches.append(len(docs))
        for doc in docs:
            doc.analysis["seen"] = True


def test_stream_runs_every_document_once_in_order_and_in_bounded_batches():
    _BatchRecorder.batches.clear()
    settings = Settings()
    pipeline = Pipeline(settings, order=("test-batch-recorder", "rewrite"))
    docs = (Document(path=None, source=f"text {i}") for i in range(7))
    with Context(settings) as ctx:
        out = list(pipeline.stream(docs, ctx, batch_size=3))
    assert [d.source for d in out] == [f"text {i}" for i in range(7)]
    assert _BatchRecorder.batches == [3, 3, 1]
    assert all(d.analysis["seen"] and d.clean_text == d.source for d in out)
    assert ctx.timings["test-batch-recorder"] >= 0.0


def test_unknown_stage_is_refused():
    with pytest.raises(KeyError):
        Pipeline(Settings(), order=("no-such-stage",))


def test_disabled_stages_are_left_out():
    pipeline = Pipeline(Settings(disabled_stages=("grammar",)))
    assert "grammar" not in [s.name for s in pipeline.stages]
    assert "grammar" in STAGES


def test_rewrite_never_changes_part_of_protected_text() -> None:
    from unspin.config import Settings
    from unspin.document import Applicability, Category, Finding, Fix, Severity
    from unspin.pipeline import rewrite
    from unspin.readers import read_text

    source = "See [the plot](https://example.com/plot) and call `run()` here.\n"
    doc = read_text(source, "md")

    def safe(piece: str, start_in: int, end_in: int, new: str) -> Finding:
        at = source.index(piece)
        fix = Fix.replace(at + start_in, at + end_in, new, Applicability.SAFE)
        return Finding("TEST", Category.STUFFING, Severity.WARNING, at, at + end_in, "test", 0.9, fix)

    across_link = safe("plot](https", 0, 11, "")  # the link text and half of its target
    inside_code = safe("run()", 0, 3, "walk")
    prose = safe("here", 0, 4, "there")
    doc.findings += [across_link, inside_code, prose]
    rewrite(doc, Settings())
    assert not across_link.applied and not inside_code.applied and prose.applied
    assert doc.clean_text == source.replace("here", "there")
