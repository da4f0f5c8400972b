"""``unspin check`` as a library call: collect files, analyse them (through the cache), apply rule
selection, severities, inline suppressions and the baseline, then fix, diff or report, and decide the
exit status (0 clean, 1 findings at or above the fail level, 2 errors).

The CLI only parses options into :class:`CheckOptions` and calls :func:`run_check`.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from unspin import suppressions
from unspin.baseline import Baseline, StaleEntry
from unspin.cache import ResultCache
from unspin.config import FAIL_LEVELS, OUTPUT_FORMATS, ConfigError, Settings
from unspin.document import Applicability, Document, Finding, Severity, apply_edits, select_fixes
from unspin.emitters.atomic import signals_held
from unspin.emitters.diagnostics import EmitContext, FileLocator, FileProblem, FileResult, emitter
from unspin.errors import UnspinError
from unspin.gitfiles import GitError, changed_since, find_repository_root
from unspin.readers import decode, read_path

_FAIL_RANK = {"info": 0, "warning": 1, "error": 2, "never": 99}
_BOM = "\ufeff".encode()


@dataclass
class CheckOptions:
    paths: list[str]
    output_format: str | None = None  # None: settings.output_format, else github on Actions, else text
    output_file: Path | None = None
    fail_level: str | None = None
    exit_zero: bool = False
    fail_under: float | None = None
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    exit_non_zero_on_fix: bool = False
    baseline: Path | None = None
    changed_since: str | None = None
    use_cache: bool = True
    force_exclude: bool = False
    color: bool = False


@dataclass
class Analysis:
    """Every checked file before reporting: results plus what could not be read."""

    results: list[FileResult] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    raw_bytes: dict[str, bytes] = field(default_factory=dict)  # display path → file bytes as read
    cache_hits: int = 0
    cache_misses: int = 0


def display_root(settings: Settings, paths: list[Path] | None = None) -> Path:
    """Paths are reported relative to the git repository of the checked files (what code scanning
    expects), else to the config file's folder (the working folder without one)."""
    start = paths[0].resolve().parent if paths else Path.cwd()
    return find_repository_root(start) or settings.root


def display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def collect(
    args: list[str], settings: Settings, force_exclude: bool, since: str | None
) -> tuple[list[Path], list[FileProblem]]:
    from unspin import api

    paths, input_problems = api.collect_inputs(args, settings)
    problems = [FileProblem(p.path, p.message) for p in input_problems]
    explicit = {Path(a).resolve() for a in args if Path(a).is_file()}
    kept: list[Path] = []
    for path in paths:
        named = path.resolve() in explicit
        if settings.is_excluded(path) and (force_exclude or settings.force_exclude or not named):
            continue
        kept.append(path)
    if since is not None:
        # Ask the repository that holds the files, which need not be the working folder's.
        changed: dict[Path, set[Path]] = {}
        selected: list[Path] = []
        for path in kept:
            repo = find_repository_root(path.resolve().parent)
            if repo is None:
                raise GitError(f"--changed-since: {path} is not in a git repository")
            if repo not in changed:
                changed[repo] = changed_since(since, repo)
            if path.resolve() in changed[repo]:
                selected.append(path)
        kept = selected
    return kept, problems


def analyse(
    paths: list[Path],
    settings: Settings,
    *,
    use_cache: bool = True,
    baseline: Baseline | None = None,
    root: Path | None = None,
) -> Analysis:
    """Read and analyse files (cached by content), then filter findings for reporting."""
    from unspin import api

    root = root or display_root(settings, paths)
    out = Analysis()
    store = ResultCache(settings) if use_cache and settings.cache else None
    docs: dict[Path, Document] = {}
    pending: list[tuple[Path, str | None, Document]] = []
    for path in paths:
        label = display_path(path, root)
        try:
            data = path.read_bytes()
        except OSError as exc:
            out.problems.append(FileProblem(label, f"cannot read ({exc.strerror or exc})"))
            continue
        out.raw_bytes[label] = data
        key = store.key(data, path) if store else None
        cached = store.get(key, path) if store and key else None
        if cached is not None:
            docs[path] = cached
            continue
        try:
            doc = read_path(path, settings.max_bytes)
        except UnspinError as exc:
            out.problems.append(FileProblem(label, _strip(str(exc), str(path))))
            continue
        pending.append((path, key, doc))
    if pending:
        api.process([doc for _, _, doc in pending], settings)
        for path, key, doc in pending:
            docs[path] = doc
            if store and key:
                store.put(key, doc)
    if store:
        out.cache_hits, out.cache_misses = store.hits, store.misses
    for path in paths:
        if path in docs:
            out.results.append(report_view(docs[path], display_path(path, root), settings, baseline))
    return out


def _strip(message: str, path: str) -> str:
    return message[len(path) + 2 :] if message.startswith(f"{path}: ") else message


def report_view(doc: Document, label: str, settings: Settings, baseline: Baseline | None) -> FileResult:
    """Selection, severities, suppression comments and the baseline, in that order."""
    path = doc.path
    findings = [
        dataclasses.replace(f, severity=Severity(settings.severity_for(f.rule, f.severity.value)))
        for f in doc.findings
        if settings.rule_enabled(f.rule, path)
    ]
    locator = FileLocator(doc)
    outcome = suppressions.apply(doc, findings, locator.span, locator.text)

    def enabled(f: Finding) -> bool:
        return settings.rule_enabled(f.rule, path)

    def with_severity(f: Finding) -> Finding:
        return dataclasses.replace(f, severity=Severity(settings.severity_for(f.rule, f.severity.value)))

    kept = outcome.kept + [with_severity(f) for f in outcome.reports if enabled(f)]
    file_findings = [(with_severity(f), s, e) for f, s, e in outcome.file_reports if enabled(f)]
    known = 0
    if baseline is not None:
        page_spans = {id(f): (s, e) for f, s, e in file_findings}

        def text_of(f: Finding) -> str:
            span = page_spans.get(id(f)) or locator.span(f)
            return baseline_text(locator.text, *span) if span else baseline_text(doc.source, f.start, f.end)

        page_findings = [f for f, _, _ in file_findings]
        new, known = baseline.filter(label, kept + page_findings, text_of)
        new_ids = {id(f) for f in new}
        kept = [f for f in kept if id(f) in new_ids]
        file_findings = [t for t in file_findings if id(t[0]) in new_ids]
    kept.sort(key=lambda f: (f.start, f.end, f.rule, f.message))
    return FileResult(
        path=label,
        document=doc,
        findings=kept,
        suppressed=outcome.suppressed,
        baselined=known,
        file_findings=file_findings,
    )


# ------------------------------------------------------------------------------------------ fixing


@dataclass
class FixPlan:
    label: str
    path: Path
    before: str
    after: str
    fixed: int


def plan_fixes(analysis: Analysis, unsafe: bool) -> tuple[list[FixPlan], list[str]]:
    """The new text of every file whose reported findings have fixes at the chosen applicability.

    Fixes are edits of ``Document.source``, which for text and Markdown is the file exactly as
    decoded, so front matter, code blocks and every byte outside the fixed spans are kept. HTML pages
    are never rewritten (their source is extracted text), and a file whose source is not its decoded
    content is refused rather than risked."""
    minimum = Applicability.UNSAFE if unsafe else Applicability.SAFE
    plans: list[FixPlan] = []
    notes: list[str] = []
    for result in analysis.results:
        doc = result.document
        chosen = select_fixes(result.findings, minimum)
        if not chosen or doc.path is None:
            continue
        if not result.fixable_in_place:
            notes.append(
                f"{result.path}: HTML pages are not fixed in place; `unspin clean` writes the clean text"
            )
            continue
        data = analysis.raw_bytes.get(result.path)
        if data is None or decode(data, result.path) != doc.source:
            notes.append(f"{result.path}: not fixed: the analysed text differs from the file's content")
            continue
        edits = [e for f in chosen for e in f.fix.edits]  # type: ignore[union-attr]
        after, _ = apply_edits(doc.source, edits)
        if after != doc.source:
            plans.append(FixPlan(result.path, doc.path, doc.source, after, len(chosen)))
    return plans, notes


def unified_diff(plan: FixPlan) -> str:
    lines = difflib.unified_diff(
        plan.before.splitlines(keepends=True),
        plan.after.splitlines(keepends=True),
        fromfile=f"a/{plan.label}",
        tofile=f"b/{plan.label}",
    )
    text = ""
    for line in lines:
        text += line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
    return text


def write_fix(plan: FixPlan, original: bytes) -> None:
    """Write the fixed text atomically, keeping a byte-order mark and the file's permissions."""
    data = plan.after.encode("utf-8")
    if original.startswith(_BOM):
        data = _BOM + data
    target = plan.path
    with signals_held():
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, target.stat().st_mode & 0o7777)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


# ----------------------------------------------------------------------------------------- running


def resolve_format(requested: str | None, settings: Settings, env: dict[str, str] | os._Environ[str]) -> str:
    fmt = requested or settings.output_format
    if fmt is None:
        fmt = "github" if env.get("GITHUB_ACTIONS") == "true" else "text"
    if fmt not in OUTPUT_FORMATS:
        raise ConfigError(f"--format: unknown format {fmt!r}; expected one of {', '.join(OUTPUT_FORMATS)}")
    return fmt


def exit_status(
    results: Iterable[FileResult], problems: list[FileProblem], fail_level: str, fail_under: float | None
) -> tuple[int, list[str]]:
    """0 / 1 / 2 and the reasons for a 1 (scores under ``fail_under``)."""
    if problems:
        return 2, []
    reasons: list[str] = []
    threshold = _FAIL_RANK[fail_level]
    failing = False
    for result in results:
        if any(d.severity.rank >= threshold for d in result.diagnostics):
            failing = True
        overall = result.scores.get("overall")
        if fail_under is not None and isinstance(overall, int | float) and overall < fail_under:
            reasons.append(f"{result.path}: overall score {overall} is below --fail-under {fail_under:g}")
            failing = True
    return (1 if failing else 0), reasons


def run_check(
    options: CheckOptions, settings: Settings, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run ``unspin check``; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    fail_level = options.fail_level or settings.fail_level
    if fail_level not in FAIL_LEVELS:
        raise ConfigError(f"--fail-level: expected one of {', '.join(FAIL_LEVELS)}")
    fmt = resolve_format(options.output_format, settings, os.environ)
    fail_under = options.fail_under if options.fail_under is not None else settings.fail_under
    unsafe = options.unsafe_fixes or settings.unsafe_fixes
    baseline_path = options.baseline or (Path(settings.baseline) if settings.baseline else None)
    if baseline_path is not None and not baseline_path.is_absolute() and options.baseline is None:
        baseline_path = settings.root / baseline_path
    baseline = Baseline.load(baseline_path) if baseline_path else None
    paths, problems = collect(options.paths, settings, options.force_exclude, options.changed_since)
    root = display_root(settings, paths)
    analysis = analyse(paths, settings, use_cache=options.use_cache, baseline=baseline, root=root)
    analysis.problems[:0] = problems

    fixed_any = False
    if options.diff or options.fix:
        plans, notes = plan_fixes(analysis, unsafe)
        for note in notes:
            err.write(f"unspin: {note}\n")
        if options.diff:
            for plan in plans:
                out.write(unified_diff(plan))
            fixes = sum(p.fixed for p in plans)
            err.write(
                f"unspin: would fix {fixes} finding{'s' if fixes != 1 else ''} in {len(plans)} "
                f"file{'s' if len(plans) != 1 else ''}\n"
            )
            if analysis.problems:
                for problem in analysis.problems:
                    err.write(f"unspin: error: {problem.path}: {problem.message}\n")
                return 2
            return 1 if plans else 0
        for plan in plans:
            write_fix(plan, analysis.raw_bytes[plan.label])
        if plans:
            fixed_any = True
            fixed = sum(p.fixed for p in plans)
            err.write(f"unspin: fixed {fixed} finding{'s' if fixed != 1 else ''} in {len(plans)} file(s)\n")
            # Re-check the fixed files so that what is reported is what remains.
            refreshed = analyse([p.path for p in plans], settings, use_cache=options.use_cache, root=root)
            by_label = {r.path: r for r in refreshed.results}
            if baseline is not None:
                by_label = {
                    label: report_view(r.document, label, settings, baseline) for label, r in by_label.items()
                }
            analysis.results = [by_label.get(r.path, r) for r in analysis.results]
            analysis.problems.extend(refreshed.problems)

    ctx = EmitContext(
        root=root,
        problems=analysis.problems,
        fail_level=fail_level,
        unsafe_fixes=unsafe,
        color=options.color and fmt == "text",
    )
    if options.output_file is not None:
        with options.output_file.open("w", encoding="utf-8", newline="\n") as handle:
            emitter(fmt)(analysis.results, handle, ctx)
    else:
        emitter(fmt)(analysis.results, out, ctx)
    if fmt != "github":  # the github format annotates them itself
        for problem in analysis.problems:
            err.write(f"unspin: error: {problem.path}: {problem.message}\n")
    if baseline is not None:
        _report_stale(baseline.stale(root), err)

    status, reasons = exit_status(analysis.results, analysis.problems, fail_level, fail_under)
    for reason in reasons:
        err.write(f"unspin: {reason}\n")
    if status == 2:
        return 2
    if fixed_any and options.exit_non_zero_on_fix:
        return 1
    if options.exit_zero:
        return 0
    return status


def _report_stale(entries: list[StaleEntry], err: TextIO) -> None:
    if not entries:
        return
    err.write(
        f"unspin: {len(entries)} baseline entr{'ies' if len(entries) != 1 else 'y'} can be pruned "
        "(fewer findings than recorded); run `unspin baseline` to rewrite it:\n"
    )
    for entry in entries[:20]:
        err.write(f"  {entry.path}: {entry.code} recorded {entry.recorded}, found {entry.found}\n")
    if len(entries) > 20:
        err.write(f"  … and {len(entries) - 20} more\n")


def baseline_text(text: str, start: int, end: int) -> str:
    """What a baseline remembers a finding by: its text, or for a finding with no words (a run of
    spaces, a stray mark) the line around it, so that a new one elsewhere is not taken for a known one."""
    found = text[start:end]
    if any(ch.isalnum() for ch in found):
        return found
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return text[line_start : len(text) if line_end == -1 else line_end]


def write_baseline(
    args: list[str], settings: Settings, output: Path, force_exclude: bool = False, use_cache: bool = True
) -> tuple[Baseline, Analysis]:
    """Analyse files and record every reported finding (after selection and suppression comments)."""
    paths, problems = collect(args, settings, force_exclude, None)
    root = display_root(settings, paths)
    analysis = analyse(paths, settings, use_cache=use_cache, root=root)
    analysis.problems[:0] = problems
    per_file = [
        (
            r.path,
            [
                (d.code, baseline_text(r.file_text, d.start.offset, d.end.offset) if d.mapped else d.text)
                for d in r.diagnostics
            ],
        )
        for r in analysis.results
    ]
    baseline = Baseline.from_findings(per_file)
    baseline.write(output)
    return baseline, analysis
