"""Stages, the context they share, and the pipeline that runs them over a batch of documents.

A stage is a small callable, registered by name (as spaCy registers its components): it takes a batch
of documents and the run's :class:`Context`, adds findings or analysis to the documents, and returns
nothing. Heavy resources (spaCy, the language model, thesauri, the LanguageTool client) live in the
context, load lazily once per worker process and are reused for every batch.
"""

from __future__ import annotations

import bisect
import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

from unspin.config import Settings
from unspin.document import Document, Edit, Span, apply_edits, deletes, select_fixes
from unspin.errors import DependencyError, UnspinError


@runtime_checkable
class Stage(Protocol):
    """The stage interface. ``name`` is the registry key and the key of its config section."""

    name: ClassVar[str]

    def __call__(self, docs: list[Document], ctx: Context) -> None: ...


# Read-only resources shared by every context of this process (see Context.resource).
_PROCESS_RESOURCES: dict[str, Any] = {}


def _load(key: str, factory: Callable[[], Any]) -> Any:
    """Build a resource; a model file that is missing or corrupt becomes one clear DependencyError (exit
    status 2) instead of whatever the loading library raises."""
    try:
        return factory()
    except (UnspinError, MemoryError):
        raise
    except Exception as exc:
        raise DependencyError(f"cannot load the {key!r} resource: {exc.__class__.__name__}: {exc}") from exc


@dataclass
class Context:
    """Per-run state shared by stages: settings, lazily loaded resources, timings."""

    settings: Settings
    # A long-lived context that checks the same texts again and again (``unspin server``): stages keep
    # what they computed for a paragraph or a sentence and reuse it when it comes back unchanged.
    warm: bool = False
    _resources: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    # Callbacks that release resources (e.g. stop a LanguageTool server) when the run ends.
    _closers: list[Callable[[], None]] = field(default_factory=list)

    def resource(self, key: str, factory: Callable[[], Any], shared: bool = False) -> Any:
        """Return the resource named ``key``, building it with ``factory`` on first use.

        ``shared`` resources (read-only models and indexes: spaCy, the LM, thesauri) are kept for the
        whole process and reused by every later context; others (a LanguageTool server) live and die
        with this context."""
        if key not in self._resources:
            if shared:
                if key not in _PROCESS_RESOURCES:
                    _PROCESS_RESOURCES[key] = _load(key, factory)
                self._resources[key] = _PROCESS_RESOURCES[key]
            else:
                self._resources[key] = _load(key, factory)
        return self._resources[key]

    def forget_resource(self, key: str) -> None:
        """Drop a (non-shared) resource, e.g. a dead server's client, so that the next use builds it anew."""
        self._resources.pop(key, None)

    def has_resource(self, key: str) -> bool:
        return key in self._resources

    def on_close(self, closer: Callable[[], None]) -> None:
        self._closers.append(closer)

    def close(self) -> None:
        while self._closers:
            closer = self._closers.pop()
            with contextlib.suppress(Exception):
                closer()

    def __enter__(self) -> Context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


STAGES: dict[str, type] = {}


def register_stage(cls: type) -> type:
    """Class decorator: add a stage class to the registry under its ``name``."""
    STAGES[cls.name] = cls
    return cls


# The default order. "rewrite" is the one-pass application of fixes chosen so far; grammar checks the
# repaired text and adds its own fixes; "finalize" applies the whole chosen set once more from source.
DEFAULT_ORDER: tuple[str, ...] = (
    "normalize",
    "boilerplate",
    "parse",
    "stuffing",
    "spin",
    "lists",
    "rewrite",
    "grammar",
    "finalize",
    "structure",
    "score",
)


def rewrite(doc: Document, settings: Settings) -> None:
    """Apply the chosen fixes to the source in one pass; record clean text, offset map, applied flags."""
    minimum = settings.fix_applicability
    # Protected text (code, link targets, markup, front matter) stays byte-identical: a fix that would
    # change part of it is never applied; one that removes it whole (a boilerplate line) may be.
    candidates = [f for f in doc.findings if f.fix is None or not _cuts_protected(doc, f.fix.edits)]
    chosen = select_fixes(candidates, minimum)
    edits = [edit for f in chosen for edit in f.fix.edits]  # type: ignore[union-attr]
    done = {id(f) for f in chosen}
    removed = sorted(e.span for f in chosen for e in f.fix.edits if not e.replacement)  # type: ignore[union-attr]
    starts = [span.start for span in removed]
    for f in doc.findings:
        # A fix inside a chosen removal is done by it: the text it would repair is gone.
        f.applied = id(f) in done or (f.fix is not None and _inside_removals(f.fix.edits, removed, starts))
    doc.clean_text, doc.offset_map = apply_edits(doc.source, edits)


def _inside_removals(edits: tuple[Edit, ...], removed: list[Span], starts: list[int]) -> bool:
    """Whether every edit lies strictly inside one of the (sorted, non-overlapping) removed spans."""
    for edit in edits:
        k = bisect.bisect_right(starts, edit.start) - 1
        if k < 0 or not deletes(removed[k], edit.span):
            return False
    return True


def _cuts_protected(doc: Document, edits: tuple[Edit, ...]) -> bool:
    """Whether an edit changes part of a protected span (inside it, or across one of its ends)."""
    for edit in edits:
        for span in doc.protected:
            if edit.start == edit.end:
                inside = span.start < edit.start < span.end
            else:
                overlaps = edit.start < span.end and span.start < edit.end
                inside = overlaps and not (edit.start <= span.start and span.end <= edit.end)
            if inside:
                return True
    return False


@register_stage
class RewriteStage:
    name: ClassVar[str] = "rewrite"

    def __call__(self, docs: list[Document], ctx: Context) -> None:
        for doc in docs:
            rewrite(doc, ctx.settings)


@register_stage
class FinalizeStage:
    """Re-apply the complete set of chosen fixes (spin, stuffing, grammar…) from the source once."""

    name: ClassVar[str] = "finalize"

    def __call__(self, docs: list[Document], ctx: Context) -> None:
        for doc in docs:
            rewrite(doc, ctx.settings)


def _load_builtin_stages() -> None:
    # Importing the modules registers their stages; done lazily so that importing unspin stays cheap.
    import unspin.stages  # noqa: F401


class Pipeline:
    """Ordered stages over batches of documents."""

    def __init__(self, settings: Settings, order: Iterable[str] | None = None):
        _load_builtin_stages()
        self.settings = settings
        names = [n for n in (order or DEFAULT_ORDER) if n not in settings.disabled_stages]
        missing = [n for n in names if n not in STAGES]
        if missing:
            raise KeyError(f"unknown stage(s): {', '.join(missing)}")
        self.stages: list[Stage] = [STAGES[n]() for n in names]

    def run(self, docs: list[Document], ctx: Context) -> list[Document]:
        for stage in self.stages:
            started = time.perf_counter()
            stage(docs, ctx)
            ctx.timings[stage.name] = ctx.timings.get(stage.name, 0.0) + time.perf_counter() - started
        return docs

    def stream(self, docs: Iterable[Document], ctx: Context, batch_size: int = 16) -> Iterator[Document]:
        """Run over an iterable in batches, yielding documents as each batch finishes (bounded memory)."""
        batch: list[Document] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self.run(batch, ctx)
                batch = []
        if batch:
            yield from self.run(batch, ctx)
