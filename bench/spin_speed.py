"""Throughput of the spin engine or of the whole spin stage (words per second on one core), spaCy excluded.

Engine mode (default): parses the clean corpus articles (or, with ``--spun``, their spun versions at one
rate) once, then times only the spin engine over them (after a warm-up pass that loads the thesaurus
index, the lexicons and the language model).

Stage mode (``--stage``): everything ``SpinStage`` does per document (tortured-phrase list, repair search,
word detector, decisions, findings) over documents prepared as the pipeline prepares them (normalize,
boilerplate and parse stages run beforehand; keyphrase from the corpus), for the spun versions at each
rate and for the clean articles. Each repeat first empties the per-process caches (language-model
look-ups, thesaurus candidates…), so it measures a pass over text the process has not seen; ``--warm``
keeps them (a second pass over the same texts). The baseline is bare spaCy parsing of the same texts in
the same process, repeated as often; the ratio is stage words/s over spaCy words/s. ``--dump`` writes
every finding of the last repeat as JSON lines, to check that a change leaves the output identical.

    python -m bench.spin_speed [--repeat 3] [--spun 0.12]
    python -m bench.spin_speed --stage [--rates 0.08,0.12,0.15] [--warm] [--dump /tmp/findings.jsonl]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import load_corpus, spun_versions
from unspin.lexicons.webspin import load as load_lexicon
from unspin.lm import TrigramLM
from unspin.spin.engine import SpinEngine, keyphrase_spans
from unspin.spin.params import builtin_params, with_overrides
from unspin.spin.thesaurus import Thesaurus
from unspin.stages.parse import load_nlp


def engine_speed(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    overrides = {name.strip(): float(value) for name, _, value in (i.partition("=") for i in args.set or [])}
    params = with_overrides(builtin_params(), overrides)
    engine = SpinEngine(Thesaurus.load(), load_lexicon(), TrigramLM.load(), params)
    load_seconds = time.perf_counter() - started
    nlp = load_nlp()
    articles = load_corpus(split=args.split)
    texts = [(a.text, a.keyphrase) for a in articles]
    if args.spun is not None:
        texts = [(v.spun.text, v.article.keyphrase) for v in spun_versions(articles, rates=(args.spun,))]
    parsed = [(nlp(text), text, keyphrase_spans(text, keyphrase)) for text, keyphrase in texts]
    words = sum(len(text.split()) for _, text, _ in parsed)
    for doc, text, blocked in parsed:  # warm-up: first look-ups fill the per-process caches
        engine.detect(doc, text, blocked)
    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        for doc, text, blocked in parsed:
            engine.detect(doc, text, blocked)
        timings.append(time.perf_counter() - started)
    print(
        f"engine load {load_seconds:.2f} s; {len(parsed)} texts, {words} words; "
        f"best of {args.repeat}: {words / min(timings):.0f} words/s, "
        f"median {words / statistics.median(timings):.0f} words/s"
    )
    return 0


# ------------------------------------------------------------------------------------------ stage


def _prepared(texts: list[tuple[str, str]]) -> list[Any]:
    """Documents as the pipeline hands them to the spin stage (parse done), keyphrase from the corpus."""
    from unspin.config import Settings
    from unspin.pipeline import Context, Pipeline
    from unspin.readers import read_text

    docs = [read_text(text) for text, _ in texts]
    with Context(Settings()) as ctx:
        Pipeline(Settings(), order=("normalize", "boilerplate", "parse")).run(docs, ctx)
    for doc, (_, keyphrase) in zip(docs, texts, strict=True):
        doc.keyphrase = keyphrase
    return docs


def _finding_row(name: str, finding: Any) -> dict[str, Any]:
    fix = finding.fix
    return {
        "doc": name,
        "rule": finding.rule,
        "start": finding.start,
        "end": finding.end,
        "message": finding.message,
        "confidence": finding.confidence,
        "fix": None
        if fix is None
        else [fix.applicability.value, [(e.start, e.end, e.replacement) for e in fix.edits]],
        "evidence": finding.evidence,
        "alternatives": finding.alternatives,
    }


def _timed_passes(
    repeat: int, run: Callable[[], None], before: Callable[[], None]
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each repeat (CPU time is what a busy shared machine does not blur)."""
    wall, cpu = [], []
    for _ in range(repeat):
        before()
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu


def _print_row(label: str, documents: int | None, words: float, seconds: list[float]) -> None:
    stage_wall, spacy_wall, stage_cpu, spacy_cpu = (words / s for s in seconds)
    print(
        f"| {label} | {documents or ''} | {words:,.0f} | {stage_wall:,.0f} | {spacy_wall:,.0f} "
        f"| {stage_wall / spacy_wall:.2f} | {stage_cpu:,.0f} | {spacy_cpu:,.0f} |"
    )


def stage_speed(args: argparse.Namespace) -> int:
    from unspin.config import Settings
    from unspin.pipeline import Context
    from unspin.stages.spin import SpinStage, clear_caches

    articles = load_corpus(split=args.split)
    sets: list[tuple[str, list[tuple[str, str]], list[str]]] = []
    for rate in [float(r) for r in args.rates.split(",") if r]:
        versions = list(spun_versions(articles, args.thesauri.split(","), (rate,)))
        texts = [(v.spun.text, v.article.keyphrase) for v in versions]
        sets.append((f"spun {rate:.2f}", texts, [v.key for v in versions]))
    sets.append(("clean", [(a.text, a.keyphrase) for a in articles], [f"clean.{a.slug}" for a in articles]))
    nlp = load_nlp()
    stage = SpinStage()
    ctx = Context(Settings())
    started = time.perf_counter()
    warm_docs = _prepared(sets[-1][1][:2])
    stage(warm_docs, ctx)  # loads the engine, the lexicons, the language model and the detector
    print(f"spin stage load and warm-up: {time.perf_counter() - started:.2f} s")
    mode = "warm caches" if args.warm else "caches emptied before each repeat"
    print(f"split {args.split}, thesauri {args.thesauri}; median of {args.repeat}, {mode}")
    print(
        "| texts | documents | words | spin stage words/s | bare spaCy words/s | ratio "
        "| stage words/CPU-s | spaCy words/CPU-s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    rows: list[dict[str, Any]] = []
    totals = [0.0] * 5  # words, stage wall, spaCy wall, stage CPU, spaCy CPU (median seconds)
    for label, texts, keys in sets:
        docs = _prepared(texts)
        words = sum(len(text.split()) for text, _ in texts)
        saved = [(list(d.findings), dict(d.analysis)) for d in docs]

        def restore(docs: list[Any] = docs, saved: list[Any] = saved) -> None:
            for doc, (findings, analysis) in zip(docs, saved, strict=True):
                doc.findings, doc.analysis = list(findings), dict(analysis)
            if not args.warm:
                clear_caches(ctx)

        def run(docs: list[Any] = docs) -> None:
            stage(docs, ctx)

        def parse(texts: list[tuple[str, str]] = texts) -> None:
            for text, _ in texts:
                nlp(text)

        stage_wall, stage_cpu = _timed_passes(args.repeat, run, restore)
        spacy_wall, spacy_cpu = _timed_passes(args.repeat, parse, lambda: None)
        medians = [statistics.median(t) for t in (stage_wall, spacy_wall, stage_cpu, spacy_cpu)]
        _print_row(label, len(docs), words, medians)
        totals = [t + v for t, v in zip(totals, [words, *medians], strict=True)]
        for key, doc in zip(keys, docs, strict=True):
            rows.extend(_finding_row(key, f) for f in doc.findings if f.rule.startswith("SPIN"))
            rows.append({"doc": key, "analysis": doc.analysis.get("spin")})
    _print_row("all", None, totals[0], totals[1:])
    if args.dump:
        with Path(args.dump).open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, sort_keys=True) + "\n")
        print(f"{len(rows)} rows written to {args.dump}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--split", default="tune", choices=("tune", "heldout", "all"))
    parser.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a model number")
    parser.add_argument(
        "--spun", type=float, metavar="RATE", help="time the spun versions at this rate (0.08, 0.12, 0.15)"
    )
    parser.add_argument("--stage", action="store_true", help="time the whole spin stage, not the engine")
    parser.add_argument("--rates", default="0.08,0.12,0.15", help="stage mode: spin rates, comma-separated")
    parser.add_argument("--thesauri", default="moby", help="stage mode: benchmark spinners, comma-separated")
    parser.add_argument("--warm", action="store_true", help="stage mode: keep the caches between repeats")
    parser.add_argument("--dump", metavar="PATH", help="stage mode: write the findings as JSON lines")
    args = parser.parse_args(argv)
    return stage_speed(args) if args.stage else engine_speed(args)


if __name__ == "__main__":
    raise SystemExit(main())
