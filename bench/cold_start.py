"""Cold-start benchmark: what one ``unspin check one.md`` costs from a fresh process, by phase.

    python -m bench.cold_start                  # fast path (today's default engine), grammar off
    python -m bench.cold_start --repeat 5 --engine-option neural=true

A pre-commit hook or an editor runs unspin on one file: the time to the first finding is mostly loading.
This script writes a 400-word Markdown article (the first paragraphs of a corpus article), then

- runs the real command line ``python -m unspin.cli check one.md --no-grammar --no-cache`` in a fresh
  process ``--repeat`` times and reports the median wall-clock time and peak RSS, beside two baselines run
  in turn: ``python -c pass`` (the interpreter alone) and ``unspin --help`` (the CLI without analysis);
- runs the same check in a fresh process that times each phase: imports, configuration, every resource
  the stages load (``Context.resource`` and the data loaders below, exclusive of nested loads), the
  analysis itself (stage time minus the loads inside it) and the output.

The engine is a setting (``--engine-option KEY=VALUE`` sets ``[tool.unspin]`` keys, e.g. ``neural=true``;
``--check-arg=--fast`` passes a flag), so the same script measures whichever spin engine is the default.
LanguageTool is excluded (grammar off).
Results: ``bench/results/cold-start.{json,md}``.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the bench package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from typing import Any

# bench.common (the corpus, the spinner) imports spaCy and more: only the parent imports it, so that the
# child's phases start from a bare interpreter.

TARGET_WORDS = 400
# Loaders that run inside stages without going through Context.resource: (module, object, attribute).
# Third-party data loaded on first use by the spin engine (wordfreq's frequency list, lemminflect's
# lemma table) are timed too: they are the engine's to load lazily or not at all.
DATA_LOADERS = (
    ("unspin.readability", None, "syllable_table"),
    ("unspin.lexicons.pps", "TorturedPhrases", "load"),
    ("unspin.lexicons.webspin", None, "load"),
    ("wordfreq", None, "get_frequency_dict"),
    ("lemminflect.core.Lemmatizer", "Lemmatizer", "_getLemmaDict"),
)


def sample_article(folder: Path) -> Path:
    """A 400-word Markdown article: the title and the first whole paragraphs of a corpus article."""
    from bench.common import load_corpus

    article = next(a for a in load_corpus() if a.slug == "how-to-start-a-vegetable-garden")
    paragraphs = [p for p in article.text.split("\n\n") if p.strip()]
    kept: list[str] = []
    words = 0
    for paragraph in paragraphs[1:]:
        if words >= TARGET_WORDS:
            break
        kept.append(paragraph.strip())
        words += len(paragraph.split())
    path = folder / "one.md"
    path.write_text(f"# {article.title}\n\n" + "\n\n".join(kept) + "\n", encoding="utf-8")
    return path


GNU_TIME = Path("/usr/bin/time")


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall-clock seconds, peak RSS (MB) and exit status of one fresh process.

    The peak RSS comes from GNU time, which forks from a small process: the rusage of a child forked
    from this (larger) process would count this process's memory too. The wall clock includes time's
    own start, a millisecond."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as report:
        measured = [str(GNU_TIME), "-f", "%M", "-o", report.name, *argv] if GNU_TIME.exists() else argv
        started = time.perf_counter()
        proc = subprocess.run(measured, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        seconds = time.perf_counter() - started
        text = report.read().strip().splitlines()
    peak = int(text[-1]) / 1024 if text and text[-1].isdigit() else float("nan")
    return seconds, peak, proc.returncode


def _config_args(folder: Path, options: list[str]) -> list[str]:
    if not options:
        return []
    config = folder / "unspin.toml"
    lines = []  # unspin.toml holds the [tool.unspin] keys at the top level
    for option in options:
        key, _, value = option.partition("=")
        lines.append(f"{key} = {value}")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["--config", str(config)]


# ----------------------------------------------------------------------------------------- the child


def child(path: str, extra: list[str]) -> None:
    """Time the phases of one check in this (fresh) process and print them as JSON."""
    clock = time.perf_counter
    started = clock()
    phases: dict[str, float] = {}
    stack: list[float] = []  # time spent in nested loads, per open load

    def timed(label: str, action: Any, *args: Any, **kwargs: Any) -> Any:
        stack.append(0.0)
        begin = clock()
        try:
            return action(*args, **kwargs)
        finally:
            spent = clock() - begin
            nested = stack.pop()
            phases[label] = phases.get(label, 0.0) + spent - nested
            if stack:
                stack[-1] += spent

    import importlib
    import inspect

    timed("imports: spacy", importlib.import_module, "spacy")
    cli = timed("imports", importlib.import_module, "unspin.cli")
    from unspin import pipeline

    original_resource = pipeline.Context.resource

    def resource(self: Any, key: str, factory: Any, shared: bool = False) -> Any:
        if self.has_resource(key) or (shared and key in pipeline._PROCESS_RESOURCES):
            return original_resource(self, key, factory, shared)
        return timed(f"load {key}", original_resource, self, key, factory, shared)

    pipeline.Context.resource = resource  # type: ignore[method-assign]
    original_stages = pipeline._load_builtin_stages
    pipeline._load_builtin_stages = lambda: timed("imports", original_stages)  # type: ignore[assignment]
    for module_name, owner, attribute in DATA_LOADERS:
        module = importlib.import_module(module_name)
        target = getattr(module, owner) if owner else module
        original = getattr(target, attribute, None)
        if original is None:
            continue

        short = module_name.split(".")[-1] if module_name.startswith("unspin") else module_name.split(".")[0]
        label = f"load {short}.{attribute}"

        def wrapped(*args: Any, _original: Any = original, _label: str = label, **kwargs: Any) -> Any:
            return timed(_label, _original, *args, **kwargs)

        # A class's classmethod is fetched bound, so it is put back as a static function; an instance
        # method is put back as a plain function, which binds again.
        bound = owner and isinstance(inspect.getattr_static(target, attribute), classmethod | staticmethod)
        setattr(target, attribute, staticmethod(wrapped) if bound else wrapped)
    original_load_settings = cli.load_settings
    cli.load_settings = lambda *a, **k: timed("config", original_load_settings, *a, **k)
    original_run = pipeline.Pipeline.run
    pipeline.Pipeline.run = lambda self, docs, ctx: timed("analysis", original_run, self, docs, ctx)  # type: ignore[method-assign]
    from unspin import checker

    original_emitter = checker.emitter

    def emitter(fmt: str) -> Any:
        emit = original_emitter(fmt)
        return lambda *a, **k: timed("output", emit, *a, **k)

    checker.emitter = emitter  # type: ignore[assignment]
    status = cli.main(["check", path, "--no-grammar", "--no-cache", "--exit-zero", *extra])
    phases["total in process"] = clock() - started
    sys.stdout.flush()
    print("\n" + json.dumps({"status": status, "phases": phases}), file=sys.__stdout__)


# ---------------------------------------------------------------------------------------- the parent


def measure(
    repeat: int, options: list[str], baseline_src: Path | None = None, check_args: tuple[str, ...] = ()
) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*sys.path[:1], os.environ.get("PYTHONPATH", "")])}
    # Another checkout's src/ (e.g. the commit before a change), run in turn with the others.
    baseline_env = {**os.environ, "PYTHONPATH": str(baseline_src)} if baseline_src else None
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="unspin-cold-") as tmp:
        folder = Path(tmp)
        article = sample_article(folder)
        extra = [*_config_args(folder, options), *check_args]
        commands = {
            "python -c pass": [python, "-c", "pass"],
            "unspin --help": [python, "-m", "unspin.cli", "--help"],
            "unspin check one.md": [
                python, "-m", "unspin.cli", "check", str(article), "--no-grammar", "--no-cache",
                "--exit-zero", *extra,
            ],
        }  # fmt: skip
        if baseline_env is not None:
            commands["unspin check one.md (baseline)"] = commands["unspin check one.md"]
        runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in commands}
        phase_runs: list[dict[str, float]] = []
        for _ in range(repeat):  # in turn, so that the machine's load falls on every command alike
            for name, argv in commands.items():
                runs[name].append(
                    _run(argv, baseline_env if name.endswith("(baseline)") and baseline_env else env)
                )
            out = subprocess.run(
                [python, "-m", "bench.cold_start", "--child", str(article), *extra],
                env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
            phase_runs.append(json.loads(out.stdout.strip().splitlines()[-1])["phases"])
        words = len(article.read_text(encoding="utf-8").split())
    failed = [name for name, rows in runs.items() if any(status not in (0,) for _, _, status in rows)]
    if failed:
        raise SystemExit(f"cold_start: {', '.join(failed)} exited with an error")
    commands_summary = {
        name: {
            "median_seconds": statistics.median(s for s, _, _ in rows),
            "min_seconds": min(s for s, _, _ in rows),
            "peak_rss_mb": max(r for _, r, _ in rows),
        }
        for name, rows in runs.items()
    }
    labels = sorted({label for run in phase_runs for label in run}, key=lambda k: _phase_order(k))
    phases = {label: statistics.median(run.get(label, 0.0) for run in phase_runs) for label in labels}
    from bench.common import revision

    python_alone = commands_summary["python -c pass"]["median_seconds"]
    check = commands_summary["unspin check one.md"]["median_seconds"]
    return {
        "revision": revision(),
        "words": words,
        "repeat": repeat,
        "options": [*options, *check_args],
        "commands": commands_summary,
        "phases": phases,
        "check_over_python_startup": check / python_alone,
        "baseline_src": str(baseline_src) if baseline_src else None,
        "check_over_baseline": (
            check / commands_summary["unspin check one.md (baseline)"]["median_seconds"]
            if baseline_src
            else None
        ),
    }


def _phase_order(label: str) -> tuple[int, str]:
    order = ("imports", "config", "load", "analysis", "output", "total")
    return next((i for i, prefix in enumerate(order) if label.startswith(prefix)), len(order)), label


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"# Cold start of `unspin check one.md` ({result['words']} words, grammar off)",
        "",
        f"Revision {result['revision']}; options {result['options'] or 'none'}; median of {result['repeat']} "
        "fresh processes, commands run in turn on a shared 2-core machine.",
        "",
        "| command | median s | min s | peak RSS MB |",
        "|---|---:|---:|---:|",
    ]
    for name, row in result["commands"].items():
        seconds = f"{row['median_seconds']:.2f} | {row['min_seconds']:.2f}"
        lines.append(f"| `{name}` | {seconds} | {row['peak_rss_mb']:.0f} |")
    if result.get("check_over_baseline"):
        lines += [
            "",
            f"Check time over the baseline ({result['baseline_src']}): {result['check_over_baseline']:.2f}",
        ]
    lines += ["", "| phase (in process) | seconds |", "|---|---:|"]
    for label, seconds in result["phases"].items():
        lines.append(f"| {label} | {seconds:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--engine-option", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument(
        "--check-arg", action="append", default=[], help="an extra `unspin check` argument, e.g. --fast"
    )
    parser.add_argument("--name", default="cold-start", help="results file stem")
    parser.add_argument("--baseline-src", type=Path, help="another checkout's src/ to time in turn")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1:])
        return
    from bench.common import write_results

    result = measure(args.repeat, args.engine_option, args.baseline_src, tuple(args.check_arg))
    write_results(args.name, result, markdown(result))


if __name__ == "__main__":
    main()
