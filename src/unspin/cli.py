"""The ``unspin`` command line: parse arguments, call the library API, print, choose the exit status.

Exit status: 0 clean, 1 findings at or above the fail level, 2 usage/config/input/internal error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer._click import exceptions as click_exceptions  # Typer's vendored Click

from unspin import __version__
from unspin.config import ConfigError, Settings
from unspin.errors import UnspinError

app = typer.Typer(
    name="unspin",
    help=(
        "Find synonym-spun phrasing and keyword stuffing in web articles, put the original wording back, "
        "and score the result.\n\n"
        "Editors: `unspin clean input/` writes clean Markdown, JSON and an HTML report to output/.\n"
        "CI: `unspin check docs/ --format sarif` prints findings and exits "
        "0 (clean), 1 (findings), 2 (error)."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"unspin {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """unspin: de-spin, de-stuff and score web articles."""


def fail(message: str) -> typer.Exit:
    """Print one error line to stderr and return the exit to raise (status 2)."""
    typer.echo(f"unspin: error: {message}", err=True)
    return typer.Exit(2)


def load_settings(config: Path | None, start: list[str], **overrides: Any) -> Settings:
    from unspin import config as config_module

    first = next((Path(p) for p in start if p != "-" and Path(p).exists()), Path.cwd())
    settings = config_module.load(config, first)
    lt_overrides = {k: v for k, v in overrides.pop("languagetool", {}).items() if v is not None}
    if lt_overrides:
        overrides["languagetool"] = lt_overrides
    return settings.with_overrides(**overrides)


ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="Settings file (unspin.toml or pyproject.toml); default: found upwards."),
]
UnsafeOpt = Annotated[
    bool, typer.Option("--unsafe-fixes", help="Also apply fixes marked unsafe (likely but not certain).")
]
KeyphraseOpt = Annotated[
    str | None,
    typer.Option("--keyphrase", help="The article's search keyphrase (else from front matter or inferred)."),
]
LtUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--languagetool-url",
        help="Use this LanguageTool server instead of starting one.",
        envvar="UNSPIN_LANGUAGETOOL_URL",
    ),
]
RequireGrammarOpt = Annotated[
    bool,
    typer.Option("--require-grammar", help="Exit 2 if LanguageTool cannot run (default: warn and skip)."),
]
NoGrammarOpt = Annotated[bool, typer.Option("--no-grammar", help="Skip the LanguageTool grammar stage.")]
FastOpt = Annotated[
    bool,
    typer.Option("--fast", help="Judge spin with the trigram model only (faster, finds less spin)."),
]
RequireModelOpt = Annotated[
    bool,
    typer.Option(
        "--require-model",
        help="Exit 2 if the contextual model is not installed (default: warn and use the trigram path).",
    ),
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the result cache.")]
ForceExcludeOpt = Annotated[
    bool, typer.Option("--force-exclude", help="Apply exclude globs to files named on the command line.")
]


def _grammar_overrides(no_grammar: bool, require_grammar: bool, url: str | None) -> dict[str, Any]:
    overrides: dict[str, Any] = {"languagetool": {"url": url}}
    if no_grammar:
        overrides["disabled_stages"] = ("grammar",)
    elif require_grammar:
        overrides["languagetool"]["mode"] = "required"
    return overrides


@app.command()
def clean(
    paths: Annotated[list[str], typer.Argument(help="Files, folders or glob patterns; '-' reads stdin.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("output"),
    unsafe_fixes: UnsafeOpt = False,
    keyphrase: KeyphraseOpt = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = None,
    config: ConfigOpt = None,
    languagetool_url: LtUrlOpt = None,
    require_grammar: RequireGrammarOpt = False,
    no_grammar: NoGrammarOpt = False,
    fast: FastOpt = False,
    require_model: RequireModelOpt = False,
    stdin_filename: Annotated[
        str | None, typer.Option("--stdin-filename", help="Name (and format) for text read from stdin.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
    executor: Annotated[
        str | None,
        typer.Option("--executor", help="local (this machine; --jobs processes) or dask (a Dask cluster)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="With --executor dask: join the cluster of this scheduler (tcp://host:8786)."
        ),
    ] = None,
    shared_fs: Annotated[
        bool,
        typer.Option("--shared-fs", help="Dask workers read and write files themselves (shared disk)."),
    ] = False,
    no_cache: NoCacheOpt = False,
) -> None:
    """Clean articles: write NAME.md and NAME.json per article, report.json and report.html per batch."""
    from unspin import api
    from unspin.config import EXECUTORS

    if executor is not None and executor not in EXECUTORS:
        raise fail(f"--executor: expected one of {', '.join(EXECUTORS)}, not {executor!r}")
    settings = load_settings(
        config,
        paths,
        unsafe_fixes=unsafe_fixes or None,
        keyphrase=keyphrase,
        jobs=jobs,
        fast=fast or None,
        require_model=require_model or None,
        executor=executor,
        scheduler=scheduler,
        shared_fs=shared_fs or None,
        **_grammar_overrides(no_grammar, require_grammar, languagetool_url),
    )
    if settings.scheduler and settings.executor != "dask":
        raise fail("--scheduler needs --executor dask")
    if settings.executor == "dask" and jobs is None and settings.jobs == 1 and not settings.scheduler:
        # A LocalCluster uses every core unless told otherwise.
        settings = settings.with_overrides(jobs=os.cpu_count() or 1)
    if paths == ["-"]:
        _clean_stdin(settings, stdin_filename)
        return
    if "-" in paths:
        raise fail("'-' (stdin) cannot be combined with other paths")

    progress = _progress_bar(quiet)
    with progress as bar:
        task = bar.add_task("cleaning", total=None) if bar else None

        def on_progress(done: int, total: int) -> None:
            if bar is not None:
                bar.update(task, completed=done, total=total)

        result = api.clean_paths(
            paths,
            out,
            settings,
            on_progress=on_progress,
            on_message=None if quiet else lambda line: typer.echo(f"unspin: {line}", err=True),
            use_cache=not no_cache,
        )
    for problem in result.problems:
        typer.echo(f"unspin: error: {problem.path}: {_strip_path(problem.message, problem.path)}", err=True)
    if not quiet:
        for row in result.documents:
            before = row["scores_before"].get("overall")
            typer.echo(
                f"{row['source']}: overall {before} → {row['scores'].get('overall')}, "
                f"{row['counts']['total']} findings, {row['counts']['applied']} fixed",
                err=True,
            )
        if result.documents:
            typer.echo(f"wrote {result.written_count} files to {out}/", err=True)
    if result.problems:
        raise typer.Exit(2)


def _strip_path(message: str, path: str) -> str:
    prefix = f"{path}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def _clean_stdin(settings: Settings, stdin_filename: str | None) -> None:
    from unspin import api
    from unspin.readers import FORMATS, check_size, decode

    name = Path(stdin_filename) if stdin_filename else None
    fmt = FORMATS.get(name.suffix.lower(), "txt") if name else "txt"
    data = sys.stdin.buffer.read(settings.max_bytes + 1)
    check_size(len(data), settings.max_bytes, str(name or "<stdin>"), read_all=False)
    text = decode(data, str(name or "<stdin>"))
    doc = api.clean_text(text, fmt, name, settings)
    md, _, _ = api.render_outputs(doc, str(name or "<stdin>"))
    sys.stdout.write(md)


class _NoProgress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _progress_bar(quiet: bool) -> Any:
    if quiet or not sys.stderr.isatty():
        return _NoProgress()
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )


@app.command()
def report(
    out_dir: Annotated[
        Path, typer.Argument(help="An output folder written by `unspin clean`.", show_default=True)
    ] = Path("output"),
) -> None:
    """Rebuild report.html from the NAME.json files in an output folder, without re-running the pipeline."""
    from unspin.emitters.html_report import document_files, load_documents, write_report

    if not out_dir.is_dir():
        raise fail(f"{out_dir}: no such folder")
    paged_from = load_settings(None, [str(out_dir)]).report_paged_from
    if len(document_files(out_dir)) >= paged_from:
        # A large batch: an overview and one page per article, read one article at a time.
        path = write_report(out_dir, paged_from=paged_from)
        count = len(document_files(out_dir))
    else:
        docs = load_documents(out_dir)
        if not docs:
            raise fail(f"{out_dir}: no article JSON files (schema unspin/1) found; run `unspin clean` first")
        path = write_report(out_dir, docs=docs)
        count = len(docs)
    typer.echo(f"wrote {path} ({count} article{'s' if count != 1 else ''})", err=True)


@app.command()
def check(
    paths: Annotated[list[str], typer.Argument(help="Files, folders or glob patterns.")],
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "--output-format",
            help="text, json, jsonl, sarif, github, rdjson, junit or gitlab "
            "(default: text; github when GITHUB_ACTIONS=true).",
        ),
    ] = None,
    output_file: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file instead of stdout.")
    ] = None,
    fail_level: Annotated[
        str | None, typer.Option("--fail-level", help="info, warning, error or never (default error).")
    ] = None,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even with findings (errors still exit 2).")
    ] = False,
    fail_under: Annotated[
        float | None,
        typer.Option("--fail-under", min=0, max=100, help="Exit 1 if a file's overall score is below SCORE."),
    ] = None,
    fix: Annotated[
        bool, typer.Option("--fix", help="Apply safe fixes in place (text and Markdown).")
    ] = False,
    unsafe_fixes: UnsafeOpt = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="Print the fixes as a unified diff; write nothing; exit 1 if any.")
    ] = False,
    exit_non_zero_on_fix: Annotated[
        bool, typer.Option("--exit-non-zero-on-fix", help="With --fix: exit 1 when a file was changed.")
    ] = False,
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="Report only findings beyond this baseline file.")
    ] = None,
    changed_since: Annotated[
        str | None, typer.Option("--changed-since", help="Check only files changed since this git revision.")
    ] = None,
    no_cache: NoCacheOpt = False,
    force_exclude: ForceExcludeOpt = False,
    keyphrase: KeyphraseOpt = None,
    config: ConfigOpt = None,
    languagetool_url: LtUrlOpt = None,
    require_grammar: RequireGrammarOpt = False,
    no_grammar: NoGrammarOpt = False,
    fast: FastOpt = False,
    require_model: RequireModelOpt = False,
) -> None:
    """Report findings (or fix them) and exit 0 (clean), 1 (findings at the fail level) or 2 (error)."""
    from unspin.checker import CheckOptions, run_check

    if "-" in paths:
        # Fixes, suppressions and the baseline are about files in a repository; stdin has none.
        raise fail("'-' (stdin) is not a file to check; `unspin clean -` cleans text from stdin")

    settings = load_settings(
        config,
        paths,
        keyphrase=keyphrase,
        fast=fast or None,
        require_model=require_model or None,
        **_grammar_overrides(no_grammar, require_grammar, languagetool_url),
    )
    options = CheckOptions(
        paths=paths,
        output_format=output_format,
        output_file=output_file,
        fail_level=fail_level,
        exit_zero=exit_zero,
        fail_under=fail_under,
        fix=fix,
        unsafe_fixes=unsafe_fixes,
        diff=diff,
        exit_non_zero_on_fix=exit_non_zero_on_fix,
        baseline=baseline,
        changed_since=changed_since,
        use_cache=not no_cache,
        force_exclude=force_exclude,
        color=sys.stdout.isatty() and "NO_COLOR" not in os.environ,
    )
    raise typer.Exit(run_check(options, settings))


@app.command("baseline")
def baseline_command(
    paths: Annotated[list[str], typer.Argument(help="Files, folders or glob patterns.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Baseline file to write.")] = Path(
        ".unspin-baseline.json"
    ),
    no_cache: NoCacheOpt = False,
    force_exclude: ForceExcludeOpt = False,
    keyphrase: KeyphraseOpt = None,
    config: ConfigOpt = None,
    languagetool_url: LtUrlOpt = None,
    no_grammar: NoGrammarOpt = False,
) -> None:
    """Record today's findings (counts per file and rule) so that `check --baseline` reports only new ones."""
    from unspin.checker import write_baseline

    settings = load_settings(
        config, paths, keyphrase=keyphrase, **_grammar_overrides(no_grammar, False, languagetool_url)
    )
    recorded, analysis = write_baseline(paths, settings, output, force_exclude, use_cache=not no_cache)
    for problem in analysis.problems:
        typer.echo(f"unspin: error: {problem.path}: {problem.message}", err=True)
    total = sum(e.count for rules in recorded.files.values() for e in rules.values())
    typer.echo(f"unspin: recorded {total} findings in {len(recorded.files)} files to {output}", err=True)
    if analysis.problems:
        raise typer.Exit(2)


@app.command("show-config")
def show_config(
    path: Annotated[
        Path | None, typer.Argument(help="Show the settings that apply to this file or folder.")
    ] = None,
    config: ConfigOpt = None,
    output_format: Annotated[str, typer.Option("--format", help="toml or json.")] = "toml",
) -> None:
    """Print the effective configuration (defaults, then the config file found, then --config)."""
    import json

    from unspin import config as config_module

    settings = load_settings(config, [str(path)] if path else [])
    table = config_module.effective(settings)
    if output_format == "json":
        typer.echo(json.dumps({"source": settings.source, "settings": table}, indent=2, default=list))
        return
    if output_format != "toml":
        raise fail(f"--format: unknown format {output_format!r}; expected toml or json")
    typer.echo(f"# from: {settings.source or 'defaults (no unspin.toml or [tool.unspin] found)'}")
    typer.echo(config_module.to_toml(table), nl=False)


@app.command()
def rules(
    code: Annotated[str | None, typer.Argument(help="Show one rule's full documentation.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """List every rule code with its description (or explain one)."""
    import json

    from unspin.rules import registry

    table = registry()
    if code is not None:
        rule = table.get(code.upper())
        if rule is None:
            raise fail(f"unknown rule code {code!r}; `unspin rules` lists them")
        if output_format == "json":
            typer.echo(json.dumps(rule.as_dict(), indent=2))
            return
        typer.echo(f"{rule.code} ({rule.name}) — {rule.summary}")
        severity = rule.severity.value
        if rule.error_confidence is not None:
            severity += f" (error at confidence >= {rule.error_confidence:g})"
        typer.echo(f"category: {rule.category.value}, severity: {severity}, fix: {rule.fix}\n")
        for heading, text in (
            ("What it does", rule.what),
            ("Why is this bad?", rule.why),
            ("Example", rule.example),
            ("Fix safety", rule.fix_safety),
        ):
            typer.echo(f"## {heading}\n{text}\n")
        return
    if output_format == "json":
        typer.echo(json.dumps([table[c].as_dict() for c in sorted(table)], indent=2))
        return
    for rule in (table[c] for c in sorted(table)):
        typer.echo(f"{rule.code:<9} {rule.category.value:<12} {rule.name:<34} {rule.summary}")


@app.command()
def setup() -> None:
    """Build the thesaurus, word-vector and pronunciation indexes into the user cache (once)."""
    from unspin.setup import build_indexes

    for index in build_indexes():
        typer.echo(f"unspin: {index.name} ready ({index.seconds:.1f} s)", err=True)


@app.command()
def server() -> None:
    """Run the Language Server on stdin/stdout (diagnostics, fixes and rule docs in editors)."""
    from unspin.lsp.server import serve

    serve()


def _mount_subcommands() -> None:
    # Sub-applications live beside the code they drive; a missing optional one must not break the CLI.
    try:
        from unspin.languagetool.cli import app as languagetool_app
    except ImportError:
        return
    app.add_typer(languagetool_app, name="languagetool", help="Install and inspect the LanguageTool server.")
    from unspin.neural.cli import app as model_app

    app.add_typer(model_app, name="model", help="Install and inspect the contextual language model.")


_mount_subcommands()


_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
_TERMINATED = 143  # 128 + SIGTERM


class _Terminated(BaseException):
    """SIGTERM, raised where the program is so that ``finally`` blocks run: temporary files are removed
    and a LanguageTool server is stopped (the default action ends the process on the spot). A
    BaseException, so that no ``except Exception`` mistakes it for a failure to recover from."""


def _terminate(_signum: int, _frame: object) -> None:
    raise _Terminated


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app and map every failure to a one-line message and exit status 2."""
    import signal
    import threading

    # Only where nobody else (a host application) has chosen a handler; restored on the way out.
    own = threading.current_thread() is threading.main_thread()
    own = own and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    if own:
        signal.signal(signal.SIGTERM, _terminate)
    try:
        return _run(argv)
    finally:
        if own:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run(argv: list[str] | None) -> int:
    try:
        # Without standalone mode, Click returns an Exit's status instead of raising it.
        status = app(args=argv, standalone_mode=False, prog_name="unspin")
    except typer.Exit as exc:
        return exc.exit_code
    except click_exceptions.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "unspin"
        typer.echo(f"unspin: error: {exc.format_message()} (see '{command} --help')", err=True)
        return 2
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("unspin: interrupted", err=True)
        return _INTERRUPTED
    except _Terminated:
        typer.echo("unspin: terminated", err=True)
        return _TERMINATED
    except (UnspinError, ConfigError) as exc:
        typer.echo(f"unspin: error: {exc}", err=True)
        return 2
    except typer.TyperException as exc:
        typer.echo(f"unspin: error: {exc.format_message()}", err=True)
        return 2
    except Exception as exc:
        if os.environ.get("UNSPIN_DEBUG"):
            raise
        typer.echo(
            f"unspin: internal error: {exc.__class__.__name__}: {exc} (set UNSPIN_DEBUG=1 for details)",
            err=True,
        )
        return 2
    if status == _INTERRUPTED:
        # Typer turns Ctrl-C into a silent exit with this status; no command of unspin uses it otherwise.
        typer.echo("unspin: interrupted", err=True)
    return status if isinstance(status, int) else 0


if __name__ == "__main__":
    sys.exit(main())
