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
import hashlib
import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from unspin import __version__
from unspin.batch_rows import RowStore
from unspin.config import Settings
from unspin.document import Document
from unspin.emitters import json_doc, markdown
from unspin.emitters.atomic import open_atomic, signals_held, write_text_atomic
from unspin.emitters.html_pages import page_path
from unspin.errors import InputError, UnspinError
from unspin.executors import Chunk, WorkItem
from unspin.pipeline import Context, Pipeline
from unspin.readers import FORMATS, load_bytes, read_path, read_text


@dataclass
class InputProblem:
    """A file (or argument) that could not be processed, with a one-line reason."""

    path: str
    message: str


@dataclass
class BatchResult:
    # Per-file summary rows, in input order (on disk for a batch: see RowStore).
    documents: Sequence[dict[str, Any]] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)  # the first files written (not all of a large batch)
    written_count: int = 0


# The files a batch result lists by name; past that it only counts them (bounded memory).
_LISTED_OUTPUTS = 1_000


# --------------------------------------------------------------------------------------------- inputs


def _matches(path: Path, patterns: Iterable[str]) -> bool:
    text = path.as_posix()
    return any(fnmatch.fnmatch(path.name, p) or fnmatch.fnmatch(text, p) for p in patterns)


class InputPaths(Sequence[Path]):
    """Article paths in plan order, kept as strings: a 100,000-file batch would otherwise hold as many
    ``Path`` objects (about a kilobyte each with their cached parts) for the whole run."""

    def __init__(self, paths: list[str]) -> None:
        self._paths = paths

    def __len__(self) -> int:
        return len(self._paths)

    @overload
    def __getitem__(self, index: int) -> Path: ...
    @overload
    def __getitem__(self, index: slice) -> list[Path]: ...
    def __getitem__(self, index: int | slice) -> Path | list[Path]:
        if isinstance(index, slice):
            return [Path(p) for p in self._paths[index]]
        return Path(self._paths[index])


def _walk(folder: Path, settings: Settings) -> list[str]:
    """The articles under ``folder`` in the order of ``sorted(folder.rglob("*"))`` (by path parts; a NUL
    for the separator sorts the same way), as strings, one ``Path`` alive at a time."""
    found: list[str] = []
    for p in folder.rglob("*"):
        rel = p.relative_to(folder)
        if (
            p.is_file()
            and _matches(p, settings.include)
            and not _matches(rel, settings.exclude)
            and not any(part.startswith(".") for part in rel.parts)
        ):
            found.append(str(p))
    found.sort(key=lambda text: text.replace(os.sep, "\0"))
    return found


def collect_inputs(args: Iterable[str], settings: Settings) -> tuple[InputPaths, list[InputProblem]]:
    """Files named directly are taken as they are (an unsupported type is an error); folders are walked
    for files matching ``include`` and not ``exclude``; glob patterns are expanded."""
    paths: list[str] = []
    problems: list[InputProblem] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        key = os.path.realpath(path)  # a file named twice (or through a link) is taken once
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
                add(str(p))
            continue
        path = Path(arg)
        if not path.exists():
            problems.append(InputProblem(arg, "no such file or directory"))
        elif path.is_dir():
            found = _walk(path, settings)
            if not found:
                problems.append(InputProblem(arg, "directory contains no articles (.txt, .md, .html)"))
            for text in found:
                add(text)
        else:
            add(str(path))
    return InputPaths(paths), problems


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
    inferred = doc.analysis.get("stuffing", {}).get("keyphrase", {}).get("source") == "inferred"
    md = markdown.render(doc.title, doc.keyphrase, source_label, doc.scores, doc.metadata, body, inferred)
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


def output_stem(path: Path, root: Path | None) -> Path:
    """Where a file's outputs go, relative to the output folder: folder inputs keep their sub-folders."""
    rel = path.relative_to(root) if root else Path(path.name)
    return rel.with_suffix("")


def _label(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


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
    on_message: Callable[[str], None] | None = None,
    use_cache: bool = True,
) -> BatchResult:
    """Process every article named by ``args`` and write its outputs under ``out_dir``.

    Files that cannot be read are reported in ``problems`` and produce no output; the others are
    processed regardless. The plan is made here; the executor that ``settings`` choose (this process,
    a pool of ``settings.jobs`` processes, or a Dask cluster) only runs its chunks. Outputs are written
    atomically as chunks come back; an input whose outputs are still what the result cache recorded is
    not processed again.
    """
    from unspin.cache import ResultCache
    from unspin.executors import Outcome, executor_for

    paths, problems = collect_inputs(args, settings)
    result = BatchResult(problems=list(problems))
    if paths:
        # Find out now, not after the first chunk has been processed, that nothing can run or be written.
        require_components(settings)
        _check_writable(out_dir)
    stems = _output_stems(paths, args)
    store = ResultCache(settings) if use_cache and settings.cache else None
    cache_keys: dict[int, str] = {}
    total = len(paths)
    done = 0
    rows = RowStore()
    # A large batch's report is an overview plus a page per article, rendered by the workers.
    paged = total >= settings.report_paged_from
    overview_rows = RowStore() if paged else None

    def targets(index: int) -> tuple[Path, ...]:
        # Made when needed, not held: three paths per input are most of what a 100,000-article plan keeps.
        return _targets(out_dir, Path(stems[index]), paged)

    read_problems: dict[int, InputProblem] = {}

    def consume(outcomes: list[Outcome]) -> None:
        nonlocal done
        for outcome in outcomes:
            done += 1
            path = paths[outcome.index]
            files = targets(outcome.index)
            if outcome.problem is not None:
                read_problems[outcome.index] = InputProblem(str(path), outcome.problem)
            elif not outcome.written and not all(_inside(out_dir, file) for file in files):
                read_problems[outcome.index] = InputProblem(
                    str(path), f"its output would leave {out_dir}; not written"
                )
            else:
                assert outcome.row is not None
                _write_outputs(files, (outcome.markdown, outcome.json, outcome.page_html))
                if overview_rows is not None:
                    assert outcome.overview is not None
                    overview_rows.add(outcome.index, outcome.overview)
                digests = _digests(*files)
                if outcome.index in cache_keys and store is not None and digests is not None:
                    entry_key = cache_keys.pop(outcome.index)
                    store.put_outputs(entry_key, outcome.row, digests, outcome.overview)
                md_path, json_path = files[:2]
                if len(result.written) < _LISTED_OUTPUTS:
                    result.written.extend(files)
                result.written_count += len(files)
                outputs = {
                    "markdown": md_path.relative_to(out_dir).as_posix(),
                    "json": json_path.relative_to(out_dir).as_posix(),
                }
                rows.add(outcome.index, {**outcome.row, "outputs": outputs})
            if on_progress:
                on_progress(done, total)

    remote = settings.executor == "dask"
    send_bytes = remote and not settings.shared_fs
    worker_writes = remote and settings.shared_fs

    def plan() -> Iterator[Chunk]:
        """The chunks still to run, read lazily: an up-to-date input is consumed here, not sent."""
        batch: list[WorkItem] = []
        for index, path in enumerate(paths):
            label = _label(path)
            data: bytes | None = None
            if store is not None or send_bytes:
                try:
                    data = load_bytes(path, settings.max_bytes)
                except InputError as exc:
                    consume([Outcome(index, problem=str(exc))])
                    continue
            if store is not None and data is not None:
                key = store.output_key(data, path, label)
                entry = store.get_outputs(key)
                if entry is not None and entry["digests"] == _digests(*targets(index)):
                    consume([Outcome(index, row=entry["row"], overview=entry.get("overview"))])
                    continue
                cache_keys[index] = key
            files = targets(index)
            if worker_writes and not all(_inside(out_dir, file) for file in files):
                # Workers on a shared filesystem write where they are told: check before telling them.
                consume([Outcome(index, problem=f"its output would leave {out_dir}; not written")])
                continue
            batch.append(
                WorkItem(
                    index,
                    str(path),
                    str(path.resolve()),
                    label,
                    data if send_bytes else None,
                    tuple(str(f.resolve()) for f in files) if worker_writes else None,
                    files[2].relative_to(out_dir).as_posix() if paged else None,
                )
            )
            if len(batch) >= batch_size:
                yield Chunk(tuple(batch))
                batch = []
        if batch:
            yield Chunk(tuple(batch))

    chunk_count = -(-total // batch_size)
    with _languagetool_for_batch(settings) as run_settings:
        executor = executor_for(run_settings, chunk_count, on_message)
        executor.run(plan(), run_settings, consume)

    # Plan order, whatever order the chunks finished in.
    result.documents = rows
    result.problems.extend(read_problems[i] for i in sorted(read_problems))
    if result.documents:
        write_batch_report(out_dir, result, settings.report_paged_from, overview_rows)
    return result


def _targets(out_dir: Path, stem: Path, paged: bool) -> tuple[Path, ...]:
    """NAME.md, NAME.json and, when the report is paged, the article's report page."""
    md, data = out_dir / stem.with_name(stem.name + ".md"), out_dir / stem.with_name(stem.name + ".json")
    if not paged:
        return md, data
    return md, data, out_dir / page_path(data.relative_to(out_dir).as_posix())


def _digests(*files: Path) -> dict[str, str] | None:
    """The SHA-256 of each output file, or None when one is missing (then the input runs again)."""
    digests: dict[str, str] = {}
    for file in files:
        try:
            digests[file.name] = hashlib.sha256(file.read_bytes()).hexdigest()
        except OSError:
            return None
    return digests


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


def _write_outputs(files: tuple[Path, ...], texts: tuple[str | None, ...]) -> None:
    """An article's outputs, all of them or none (a worker on a shared filesystem wrote those that are
    None)."""
    written: list[Path] = []
    with signals_held():
        try:
            for file, text in zip(files, texts, strict=False):
                if text is not None:
                    _write_output(file, text)
                    written.append(file)
        except BaseException:
            for file in written:
                file.unlink(missing_ok=True)
            raise


class _languagetool_for_batch:
    """Start one LanguageTool server for a multi-process batch and hand its URL to the workers.

    In a single process the grammar stage starts (and the context stops) the server itself."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.server: Any = None

    def __enter__(self) -> Settings:
        lt = self.settings.languagetool
        wants = "grammar" not in self.settings.disabled_stages and lt.mode != "off" and not lt.url
        # Several processes on this machine share one server: a pool, or a LocalCluster. The workers of a
        # remote cluster start their own, one per worker process.
        many = self.settings.jobs > 1 or (self.settings.executor == "dask" and not self.settings.scheduler)
        if many and wants and not os.environ.get("UNSPIN_LANGUAGETOOL_URL"):
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
            return self.settings.with_overrides(languagetool={"url": self.server.url, "batch_server": True})
        return self.settings

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.stop()


def _output_stems(paths: InputPaths, args: Iterable[str]) -> list[str]:
    """Each input's output stem (see :func:`output_stem`; a file inside a folder argument is placed by the
    first such folder); two inputs that would share one (x.txt and x.md) keep their suffix."""
    folders = [(Path(arg), Path(arg).resolve()) for arg in args if Path(arg).is_dir()]
    stems: list[str] = []
    for index in range(len(paths)):
        path = paths[index]
        root = None
        if folders:
            resolved = path.resolve()
            root = next((folder for folder, real in folders if resolved.is_relative_to(real)), None)
        stems.append(output_stem(path, root).as_posix())
    shared = Counter(stems)
    for index, stem in enumerate(stems):
        if shared[stem] > 1:
            stems[index] = Path(stem).with_name(paths[index].name).as_posix()
    return stems


def write_batch_report(
    out_dir: Path,
    result: BatchResult,
    paged_from: int | None = None,
    overview_rows: Sequence[list[Any]] | None = None,
) -> None:
    """``report.json`` (every file's scores and counts) and ``report.html`` (the editor's page).

    Rows are read one at a time (twice: totals, then the file), in source order."""
    docs = result.documents
    sources = [row["source"] for row in docs]
    order = sorted(range(len(sources)), key=sources.__getitem__)
    del sources
    overall: list[float] = []
    findings = applied = 0
    for i in order:
        row = docs[i]
        if row["scores"].get("overall") is not None:
            overall.append(row["scores"]["overall"])
        findings += row["counts"]["total"]
        applied += row["counts"]["applied"]
    marker = "\u0000files\u0000"
    report = {
        "schema": "unspin-report/1",
        "tool": {"name": "unspin", "version": __version__},
        "files": [marker],
        "problems": [{"path": p.path, "message": p.message} for p in result.problems],
        "summary": {
            "files": len(order),
            "problems": len(result.problems),
            "mean_overall": round(sum(overall) / len(overall), 1) if overall else None,
            "findings": findings,
            "applied": applied,
        },
    }
    # The same bytes as json_doc.dumps(report) with the rows in place of the marker, one row at a time.
    head, tail = json_doc.dumps(report).split(f"    {json.dumps(marker)}\n")
    path = out_dir / "report.json"
    try:
        with open_atomic(path) as handle:
            handle.write(head)
            for n, i in enumerate(order):
                text = json_doc.dumps(docs[i]).rstrip("\n").replace("\n", "\n    ")
                handle.write(f"    {text}{',' if n < len(order) - 1 else ''}\n")
            handle.write(tail)
    except OSError as exc:
        raise UnspinError(f"{path}: cannot write output ({exc.strerror or exc})") from None
    result.written.append(path)
    result.written_count += 1
    try:
        from unspin.emitters.html_report import write_report
    except ImportError:
        return
    try:
        result.written.append(write_report(out_dir, paged_from=paged_from, overview_rows=overview_rows))
    except OSError as exc:
        raise UnspinError(f"{out_dir / 'report.html'}: cannot write output ({exc.strerror or exc})") from None
    result.written_count += 1


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
