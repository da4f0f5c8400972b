"""The library entry points that the CLI, the benchmark and the tests use.

- :func:`clean_text` / :func:`clean_file`: one article through the pipeline → a processed Document.
- :func:`collect_inputs`: expand files, folders and globs into article paths (with clear errors).
- :func:`clean_paths`: the batch job behind ``unspin clean``: stream files through the pipeline and write
  ``NAME.md`` + ``NAME.json`` per article and ``report.json`` / ``report.html`` per batch, atomically.
- :func:`check_paths`: the same analysis without writing, for ``unspin check``.
"""

from __future__ import annotations

import fnmatch
import glob
import multiprocessing
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unspin import __version__
from unspin.config import Settings
from unspin.document import Document
from unspin.emitters import json_doc, markdown
from unspin.emitters.atomic import signals_held, write_text_atomic
from unspin.errors import InputError, UnspinError
from unspin.pipeline import Context, Pipeline
from unspin.readers import FORMATS, read_path, read_text


@dataclass
class InputProblem:
    """A file (or argument) that could not be processed, with a one-line reason."""

    path: str
    message: str


@dataclass
class BatchResult:
    documents: list[dict[str, Any]] = field(default_factory=list)  # per-file summary rows
    problems: list[InputProblem] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


# --------------------------------------------------------------------------------------------- inputs


def _matches(path: Path, patterns: Iterable[str]) -> bool:
    text = path.as_posix()
    return any(fnmatch.fnmatch(path.name, p) or fnmatch.fnmatch(text, p) for p in patterns)


def collect_inputs(args: Iterable[str], settings: Settings) -> tuple[list[Path], list[InputProblem]]:
    """Files named directly are taken as they are (an unsupported type is an error); folders are walked
    for files matching ``include`` and not ``exclude``; glob patterns are expanded."""
    paths: list[Path] = []
    problems: list[InputProblem] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            paths.append(path)

    for arg in args:
        if any(ch in arg for ch in "*?[") and not Path(arg).exists():
            matched = sorted(Path(p) for p in glob.glob(arg, recursive=True))
            files = [p for p in matched if p.is_file() and p.suffix.lower() in FORMATS]
            if not files:
                problems.append(InputProblem(arg, "no articles match this pattern"))
            for p in files:
                add(p)
            continue
        path = Path(arg)
        if not path.exists():
            problems.append(InputProblem(arg, "no such file or directory"))
        elif path.is_dir():
            found = [
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and _matches(p, settings.include)
                and not _matches(p.relative_to(path), settings.exclude)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            ]
            if not found:
                problems.append(InputProblem(arg, "directory contains no articles (.txt, .md, .html)"))
            for p in found:
                add(p)
        else:
            add(path)
    return paths, problems


# ------------------------------------------------------------------------------------------ processing


def process(docs: list[Document], settings: Settings, ctx: Context | None = None) -> list[Document]:
    """Run the pipeline over a batch (a context is made, and closed, if none is given)."""
    require_components(settings)
    if ctx is not None:
        if ctx.settings != settings:
            # Stages read the context's settings: run these documents in a context with the given
            # settings that shares the loaded resources (models, a running server) of the one passed in.
            ctx = Context(settings, _resources=ctx._resources, timings=ctx.timings)
        return Pipeline(settings).run(docs, ctx)
    with Context(settings) as own:
        return Pipeline(settings).run(docs, own)


def clean_text(
    text: str,
    fmt: str = "txt",
    path: Path | None = None,
    settings: Settings | None = None,
    ctx: Context | None = None,
) -> Document:
    settings = settings or Settings()
    doc = read_text(text, fmt, path)
    return process([doc], settings, ctx)[0]


def clean_file(path: Path, settings: Settings | None = None, ctx: Context | None = None) -> Document:
    settings = settings or Settings()
    return process([read_path(path, settings.max_bytes)], settings, ctx)[0]


# ------------------------------------------------------------------------------------------- rendering


def render_outputs(doc: Document, source_label: str) -> tuple[str, str, dict[str, Any]]:
    """The Markdown file, the JSON file and the JSON dict of one processed document."""
    from unspin.stages import structure

    struct = doc.structure or {"title": doc.title, "sections": []}
    plain = structure.plain_text(struct)
    body = structure.to_markdown(struct)
    md = markdown.render(doc.title, doc.keyphrase, source_label, doc.scores, doc.metadata, body)
    data = json_doc.document_dict(doc, source_label, plain, body)
    return md, json_doc.dumps(data), data


def summary_row(data: dict[str, Any], outputs: dict[str, str]) -> dict[str, Any]:
    return {
        "source": data["source"],
        "title": data["title"],
        "keyphrase": data["keyphrase"],
        "scores": {k: v for k, v in data["scores"].items() if k != "before"},
        "scores_before": data["scores"].get("before", {}),
        "counts": data["counts"],
        "skipped": data["skipped"],
        "outputs": outputs,
    }


def output_stem(path: Path, roots: dict[Path, Path]) -> Path:
    """Where a file's outputs go, relative to the output folder: folder inputs keep their sub-folders."""
    root = roots.get(path)
    rel = path.relative_to(root) if root else Path(path.name)
    return rel.with_suffix("")


def _label(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _process_chunk(paths: list[str], settings: Settings) -> list[tuple[str, Any]]:
    """Worker: read and process a chunk of files; returns (path, rendered outputs | problem) pairs."""
    ctx = _worker_context(settings)
    results: list[tuple[str, Any]] = []
    docs: list[Document] = []
    for p in paths:
        try:
            docs.append(read_path(Path(p), settings.max_bytes))
        except UnspinError as exc:
            results.append((p, InputProblem(p, str(exc))))
    if docs:
        Pipeline(settings).run(docs, ctx)
        for doc in docs:
            assert doc.path is not None
            results.append((str(doc.path), render_outputs(doc, _label(doc.path))))
    return results


_WORKER_CONTEXT: Context | None = None


def _worker_context(settings: Settings) -> Context:
    # One context per process, reused for every chunk: resources load once per worker.
    global _WORKER_CONTEXT
    if _WORKER_CONTEXT is None or _WORKER_CONTEXT.settings != settings:
        _WORKER_CONTEXT = Context(settings)
    return _WORKER_CONTEXT


def _chunks(items: list[Path], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield [str(p) for p in items[i : i + size]]


def require_components(settings: Settings) -> None:
    """Raise a one-line error now for a component the settings require but cannot have."""
    if settings.require_model and not settings.fast and "spin" not in settings.disabled_stages:
        from unspin.neural.store import require

        require()


def clean_paths(
    args: Iterable[str],
    out_dir: Path,
    settings: Settings,
    on_progress: Callable[[int, int], None] | None = None,
    batch_size: int = 8,
) -> BatchResult:
    """Process every article named by ``args`` and write its outputs under ``out_dir``.

    Files that cannot be read are reported in ``problems`` and produce no output; the others are
    processed regardless. With ``settings.jobs > 1`` chunks run in a local process pool.
    """
    paths, problems = collect_inputs(args, settings)
    result = BatchResult(problems=list(problems))
    if paths:
        # Find out now, not after the first chunk has been processed, that nothing can run or be written.
        require_components(settings)
        _check_writable(out_dir)
    roots: dict[Path, Path] = {}
    for arg in args:
        if Path(arg).is_dir():
            for p in paths:
                if p.resolve().is_relative_to(Path(arg).resolve()):
                    roots.setdefault(p, Path(arg))
    stems = _unique_stems(paths, roots)
    total = len(paths)
    done = 0
    chunks = list(_chunks(paths, batch_size))

    def consume(chunk_results: list[tuple[str, Any]]) -> None:
        nonlocal done
        for p, outcome in chunk_results:
            done += 1
            if isinstance(outcome, InputProblem):
                result.problems.append(outcome)
            elif not _inside(out_dir, out_dir / stems[Path(p)]):
                result.problems.append(InputProblem(p, f"its output would leave {out_dir}; not written"))
            else:
                md_text, json_text, data = outcome
                stem = stems[Path(p)]
                md_path = out_dir / stem.with_name(stem.name + ".md")
                json_path = out_dir / stem.with_name(stem.name + ".json")
                with signals_held():  # an article's outputs come as a pair or not at all
                    _write_output(md_path, md_text)
                    try:
                        _write_output(json_path, json_text)
                    except BaseException:
                        md_path.unlink(missing_ok=True)
                        raise
                result.written.extend([md_path, json_path])
                outputs = {
                    "markdown": md_path.relative_to(out_dir).as_posix(),
                    "json": json_path.relative_to(out_dir).as_posix(),
                }
                result.documents.append(summary_row(data, outputs))
            if on_progress:
                on_progress(done, total)

    with _languagetool_for_batch(settings) as run_settings:
        if run_settings.jobs > 1 and len(chunks) > 1:
            _run_pool(chunks, run_settings, consume)
        else:
            try:
                for chunk in chunks:
                    consume(_process_chunk(chunk, run_settings))
            finally:
                _close_worker_context()

    if result.documents:
        write_batch_report(out_dir, result)
    return result


def _worker_init() -> None:
    # Ctrl-C reaches the whole process group; only the parent handles it and stops the workers, so that
    # a batch ends at once with one message instead of a traceback per worker. The parent's SIGTERM
    # handler (inherited through fork) is not theirs: the default ends a worker right away.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run_pool(
    chunks: list[list[str]], settings: Settings, consume: Callable[[list[tuple[str, Any]]], None]
) -> None:
    """Run the chunks in ``settings.jobs`` worker processes, consuming results in input order.

    On an interruption (Ctrl-C, SIGTERM turned into SystemExit) or an error the workers are
    terminated, not waited for: the chunks still queued would otherwise all run before the exit.
    """
    pool = multiprocessing.get_context("fork").Pool(settings.jobs, initializer=_worker_init)
    try:
        for chunk_results in pool.imap(_process_chunk_with, [(chunk, settings) for chunk in chunks]):
            consume(chunk_results)
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()


def _process_chunk_with(job: tuple[list[str], Settings]) -> list[tuple[str, Any]]:
    return _process_chunk(*job)


def _check_writable(out_dir: Path) -> None:
    """Create the output folder and make sure a file can be written there (else an UnspinError)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".unspin-probe."):
            pass
    except OSError as exc:
        raise UnspinError(f"{out_dir}: cannot write output there ({exc.strerror or exc})") from None


def _inside(out_dir: Path, path: Path) -> bool:
    """Whether ``path`` lands inside the output folder once symlinks in its folders are followed."""
    return path.parent.resolve().is_relative_to(out_dir.resolve())


def _write_output(path: Path, text: str) -> None:
    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise UnspinError(f"{path}: cannot write output ({exc.strerror or exc})") from None


def _close_worker_context() -> None:
    global _WORKER_CONTEXT
    if _WORKER_CONTEXT is not None:
        _WORKER_CONTEXT.close()
        _WORKER_CONTEXT = None


class _languagetool_for_batch:
    """Start one LanguageTool server for a multi-process batch and hand its URL to the workers.

    In a single process the grammar stage starts (and the context stops) the server itself."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.server: Any = None

    def __enter__(self) -> Settings:
        lt = self.settings.languagetool
        wants = "grammar" not in self.settings.disabled_stages and lt.mode != "off" and not lt.url
        if self.settings.jobs > 1 and wants and not os.environ.get("UNSPIN_LANGUAGETOOL_URL"):
            try:
                from unspin.languagetool.server import start_server
            except ImportError:
                return self.settings
            try:
                self.server = start_server(self.settings)
            except UnspinError as exc:
                if lt.mode == "required":
                    raise
                print(f"unspin: warning: grammar checks skipped: {exc}", file=sys.stderr)
                return self.settings.with_overrides(languagetool={"unavailable": str(exc)})
            return self.settings.with_overrides(languagetool={"url": self.server.url})
        return self.settings

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.stop()


def _unique_stems(paths: list[Path], roots: dict[Path, Path]) -> dict[Path, Path]:
    """Output stems per input; two inputs that would share one (x.txt and x.md) keep their suffix."""
    stems = {p: output_stem(p, roots) for p in paths}
    seen: dict[Path, int] = {}
    for stem in stems.values():
        seen[stem] = seen.get(stem, 0) + 1
    for p, stem in stems.items():
        if seen[stem] > 1:
            stems[p] = stem.with_name(p.name)
    return stems


def write_batch_report(out_dir: Path, result: BatchResult) -> None:
    """``report.json`` (every file's scores and counts) and ``report.html`` (the editor's page)."""
    docs = sorted(result.documents, key=lambda d: d["source"])
    overall = [d["scores"].get("overall") for d in docs if d["scores"].get("overall") is not None]
    report = {
        "schema": "unspin-report/1",
        "tool": {"name": "unspin", "version": __version__},
        "files": docs,
        "problems": [{"path": p.path, "message": p.message} for p in result.problems],
        "summary": {
            "files": len(docs),
            "problems": len(result.problems),
            "mean_overall": round(sum(overall) / len(overall), 1) if overall else None,
            "findings": sum(d["counts"]["total"] for d in docs),
            "applied": sum(d["counts"]["applied"] for d in docs),
        },
    }
    path = out_dir / "report.json"
    _write_output(path, json_doc.dumps(report))
    result.written.append(path)
    try:
        from unspin.emitters.html_report import write_report
    except ImportError:
        return
    try:
        result.written.append(write_report(out_dir))
    except OSError as exc:
        raise UnspinError(f"{out_dir / 'report.html'}: cannot write output ({exc.strerror or exc})") from None


def check_paths(
    args: Iterable[str], settings: Settings, ctx: Context | None = None
) -> tuple[list[Document], list[InputProblem]]:
    """Analyse articles without writing anything; returns processed documents and input problems."""
    paths, problems = collect_inputs(args, settings)
    docs: list[Document] = []
    for p in paths:
        try:
            doc = read_path(p, settings.max_bytes)
        except InputError as exc:
            problems.append(InputProblem(str(p), str(exc)))
            continue
        docs.append(doc)
    if docs:
        process(docs, settings, ctx)
    return docs, problems
