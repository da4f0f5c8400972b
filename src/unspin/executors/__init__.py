"""How `unspin clean` runs its chunks: the units of work, the worker function, and the executors.

The batch plan (which files, which output names, which chunks, what is already up to date) is made once,
in :func:`unspin.api.clean_paths`. An executor only runs chunks and hands every chunk's outcomes back as
they finish: :class:`SerialExecutor` in this process, :class:`PoolExecutor` in a local process pool
(``--jobs N``), :class:`~unspin.executors.dask_cluster.DaskExecutor` on a Dask cluster. Each outcome
carries its position in the plan, so the order in which chunks finish never changes a result.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from unspin.config import Settings
from unspin.document import Document
from unspin.emitters.atomic import write_text_atomic
from unspin.errors import UnspinError
from unspin.pipeline import Context, Pipeline
from unspin.readers import read_bytes, read_path


@dataclass(frozen=True)
class WorkItem:
    """One article of a chunk."""

    index: int  # position in the batch plan
    path: str  # as named by the user: error messages and the document's name
    absolute: str  # the file's absolute path: keyphrase globs are matched on it, shared-fs workers read it
    label: str  # the "source" written in the outputs
    data: bytes | None = None  # the file's bytes, sent with the chunk; None: the worker reads ``absolute``
    # Where a worker on a shared filesystem writes NAME.md, NAME.json (and the article's report page)
    # itself; None: the client writes.
    targets: tuple[str, ...] | None = None
    # The article's report page (relative to the output folder) when the batch's report is paged.
    page: str | None = None


@dataclass(frozen=True)
class Chunk:
    items: tuple[WorkItem, ...]


@dataclass
class Outcome:
    """What one article of a chunk came to: a problem, or its summary row and (unless written) outputs."""

    index: int
    problem: str | None = None
    row: dict[str, Any] | None = None  # the report row, without its "outputs"
    markdown: str | None = None
    json: str | None = None
    page_html: str | None = None  # the article's report page, for a paged report
    overview: list[Any] | None = None  # the article's row in a paged report's overview
    written: bool = False  # the worker wrote the outputs to ``targets``


Consume = Callable[[list[Outcome]], None]


class Executor(Protocol):
    def run(self, chunks: Iterator[Chunk], settings: Settings, consume: Consume) -> None: ...


# ------------------------------------------------------------------------------------------ the worker


def run_chunk(chunk: Chunk, settings: Settings) -> list[Outcome]:
    """Read, process and render one chunk in this process's worker context (resources load once)."""
    from unspin.api import render_outputs, summary_row
    from unspin.emitters.html_pages import article_page, overview_row

    ctx = worker_context(settings)
    outcomes: list[Outcome] = []
    docs: list[tuple[WorkItem, Document]] = []
    for item in chunk.items:
        try:
            path = Path(item.path)
            doc = (
                read_bytes(item.data, path, settings.max_bytes)
                if item.data is not None
                else read_path(path, settings.max_bytes)
            )
        except UnspinError as exc:
            outcomes.append(Outcome(item.index, problem=str(exc)))
            continue
        # Keyphrase globs and per-file settings are matched on the path the client resolved.
        doc.path = Path(item.absolute)
        docs.append((item, doc))
    if docs:
        Pipeline(settings).run([doc for _, doc in docs], ctx)
        for item, doc in docs:
            md_text, json_text, data = render_outputs(doc, item.label)
            row = summary_row(data, {})
            del row["outputs"]
            outcome = Outcome(item.index, row=row, markdown=md_text, json=json_text)
            if item.page is not None:
                # Pages are rendered from the JSON as written, exactly as `unspin report` reads it back.
                written = json.loads(json_text)
                outcome.page_html = article_page(written, item.page)
                outcome.overview = overview_row(written, item.page)
            if item.targets is not None:
                texts = (outcome.markdown, outcome.json, outcome.page_html)
                for target, text in zip(item.targets, texts, strict=False):
                    assert text is not None
                    write_text_atomic(Path(target), text)
                outcome.markdown = outcome.json = outcome.page_html = None
                outcome.written = True
            outcomes.append(outcome)
    return outcomes


@dataclass
class _WorkerState:
    context: Context | None = None


_WORKER = _WorkerState()


def worker_context(settings: Settings) -> Context:
    """One context per process, reused for every chunk: spaCy, the models, thesauri and the LanguageTool
    client load on a worker's first chunk and serve all the others."""
    if _WORKER.context is None or _WORKER.context.settings != settings:
        close_worker_context()
        _WORKER.context = Context(settings)
    return _WORKER.context


def close_worker_context() -> None:
    if _WORKER.context is not None:
        _WORKER.context.close()
        _WORKER.context = None


# ------------------------------------------------------------------------------------------ executors


class SerialExecutor:
    """Every chunk in this process, in plan order."""

    def run(self, chunks: Iterator[Chunk], settings: Settings, consume: Consume) -> None:
        try:
            for chunk in chunks:
                consume(run_chunk(chunk, settings))
        finally:
            close_worker_context()


MODEL_THREADS_ENV = "UNSPIN_MODEL_THREADS"


def share_cores(workers: int) -> None:
    """In a worker process, before its models load: the contextual model takes this process's share of the
    machine's cores, so that N workers do not each start a thread per core and crowd one another. A count
    the user set in UNSPIN_MODEL_THREADS is kept."""
    threads = os.environ.get(MODEL_THREADS_ENV) or str(max(1, (os.cpu_count() or 1) // max(1, workers)))
    os.environ[MODEL_THREADS_ENV] = threads
    # Dask's nanny starts workers with OMP_NUM_THREADS=1 and MKL_NUM_THREADS=1, which CTranslate2's OpenMP
    # and MKL runtimes read when they load: a lone worker then scored 1.45x slower at 2 intra-op threads.
    os.environ["OMP_NUM_THREADS"] = threads
    os.environ["MKL_NUM_THREADS"] = threads


def _pool_worker_init(workers: int) -> None:
    share_cores(workers)
    # Ctrl-C reaches the whole process group; only the parent handles it and stops the workers, so that
    # a batch ends at once with one message instead of a traceback per worker. The parent's SIGTERM
    # handler is not theirs: the default ends a worker right away.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class PoolExecutor:
    """Chunks in ``jobs`` forked worker processes, at most ``2 × jobs`` in flight.

    On an interruption (Ctrl-C, SIGTERM turned into SystemExit) or an error the workers are terminated,
    not waited for: the chunks still queued would otherwise all run before the exit."""

    def __init__(self, jobs: int):
        self.jobs = jobs

    def run(self, chunks: Iterator[Chunk], settings: Settings, consume: Consume) -> None:
        # Not "fork": a process that has run the contextual model holds CTranslate2's worker threads,
        # and a child forked from it can wait forever on their locks. A fork server starts clean.
        pool = multiprocessing.get_context("forkserver").Pool(
            self.jobs, initializer=_pool_worker_init, initargs=(self.jobs,)
        )
        finished: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()
        in_flight = 0

        def submit() -> bool:
            chunk = next(chunks, None)
            if chunk is None:
                return False
            pool.apply_async(
                run_chunk,
                (chunk, settings),
                callback=lambda outcomes: finished.put((True, outcomes)),
                error_callback=lambda exc: finished.put((False, exc)),
            )
            return True

        try:
            while in_flight < 2 * self.jobs and submit():
                in_flight += 1
            while in_flight:
                ok, value = finished.get()
                in_flight -= 1
                if not ok:
                    raise value
                consume(value)
                if submit():
                    in_flight += 1
        except BaseException:
            pool.terminate()
            raise
        else:
            pool.close()
        finally:
            pool.join()


def executor_for(
    settings: Settings, chunk_count: int, announce: Callable[[str], None] | None = None
) -> Executor:
    """The executor the settings ask for (a pool only when there is more than one chunk to share)."""
    if settings.executor == "dask":
        from unspin.executors.dask_cluster import DaskExecutor

        return DaskExecutor(settings.scheduler, settings.jobs, announce)
    if settings.jobs > 1 and chunk_count > 1:
        return PoolExecutor(settings.jobs)
    return SerialExecutor()
