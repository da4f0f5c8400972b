"""Throughput benchmark: unspin's pipeline against bare spaCy and bare LanguageTool, in one process.

    python -m bench.throughput                    # corpus spun with moby at rate 0.12; scales 1, 4, 16
    python -m bench.throughput --scales 1,4 --no-languagetool

On the same texts it measures words per second of
- bare spaCy: ``nlp.pipe`` of the pinned pipeline package (what the parse stage costs at least),
- bare LanguageTool: one HTTP ``/v2/check`` per article against a running server (what the grammar
  stage costs at least),
- ``unspin clean`` without the grammar stage and with it (same server),
and prints each as a ratio to bare spaCy. The scaling check repeats the corpus 1×, 4× and 16× through
the pipeline without grammar in batches (as ``unspin clean`` streams files) and reports words/s and peak
RSS at each size: flat words/s and flat memory mean the run scales linearly with bounded memory.
Model and server start-up are timed separately and not counted in words/s.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (
    None,
    "",
):  # run as a script (python bench/throughput.py): make the bench package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import CORPUS, RESULTS, load_corpus, peak_rss_mb, revision, spun_versions


def _words(texts: list[str]) -> int:
    return sum(len(t.split()) for t in texts)


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def bare_spacy(texts: list[str]) -> dict[str, Any]:
    import spacy

    from unspin.stages.parse import SPACY_PACKAGE

    load_seconds, nlp = _timed(lambda: spacy.load(SPACY_PACKAGE))
    list(nlp.pipe(texts[:2]))  # warm-up
    seconds, _ = _timed(lambda: list(nlp.pipe(texts)))
    return {"load_seconds": load_seconds, "seconds": seconds, "words_per_second": _words(texts) / seconds}


def bare_languagetool(url: str, texts: list[str], language: str) -> dict[str, Any]:
    from unspin.languagetool.client import request_fields
    from unspin.languagetool.server import http_post_form

    # The same request fields the grammar stage sends, so the server reuses one rule pipeline.
    fields = request_fields(language)
    endpoint = url.rstrip("/") + "/v2/check"
    http_post_form(endpoint, {**fields, "text": texts[0]}, 120.0)  # warm-up

    def check_all() -> int:
        return sum(len(http_post_form(endpoint, {**fields, "text": t}, 120.0)["matches"]) for t in texts)

    seconds, matches = _timed(check_all)
    return {"seconds": seconds, "words_per_second": _words(texts) / seconds, "matches": matches}


def bare_contextual(texts: list[str]) -> dict[str, Any]:
    """The contextual model scoring every sentence once (spaCy's sentences), batched as the engine batches:
    the floor of what the default spin judge can cost."""
    from unspin.neural.engine import ContextualLM
    from unspin.stages.parse import load_nlp

    nlp = load_nlp()
    sentences = [s.text.strip() for doc in nlp.pipe(texts) for s in doc.sents if s.text.strip()]
    load_seconds, lm = _timed(ContextualLM.load)
    lm.score(sentences[:8])  # warm-up
    lm.clear_caches()
    seconds, _ = _timed(lambda: lm.score(sentences))
    return {
        "load_seconds": load_seconds,
        "seconds": seconds,
        "sentences": len(sentences),
        "words_per_second": _words(texts) / seconds,
        "compute": lm.compute,
    }


def pipeline_run(texts: list[str], settings: Any, repeat: int = 1, batch_size: int = 16) -> dict[str, Any]:
    """Stream ``repeat`` copies of the texts through one Pipeline/Context, as ``unspin clean`` does."""
    from unspin.pipeline import Context, Pipeline
    from unspin.readers import read_text

    pipeline = Pipeline(settings)
    with Context(settings) as ctx:
        warm_seconds, _ = _timed(lambda: pipeline.run([read_text(t) for t in texts[:2]], ctx))
        ctx.timings.clear()

        def stream() -> int:
            docs = (read_text(t, "txt", Path(f"doc{i}.txt")) for i, t in enumerate(texts * repeat))
            return sum(1 for _ in pipeline.stream(docs, ctx, batch_size=batch_size))

        seconds, count = _timed(stream)
        stages = {k: round(v, 2) for k, v in sorted(ctx.timings.items(), key=lambda kv: -kv[1])}
    words = _words(texts) * repeat
    return {
        "documents": count,
        "words": words,
        "warmup_seconds": warm_seconds,
        "seconds": seconds,
        "words_per_second": words / seconds,
        "stage_seconds": stages,
        "rss_mb": _rss_of(os.getpid()),
        "peak_rss_mb": peak_rss_mb(),
    }


def _rss_of(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        import psutil

        return float(psutil.Process(pid).memory_info().rss) / 2**20
    except Exception:
        return None


def run(texts: list[str], scales: list[int], languagetool: bool) -> dict[str, Any]:
    from unspin.config import Settings

    results: dict[str, Any] = {"words": _words(texts), "documents": len(texts)}
    results["spacy"] = bare_spacy(texts)
    results["contextual"] = bare_contextual(texts)
    no_grammar = Settings(disabled_stages=("grammar",), require_model=True)
    results["unspin_no_grammar"] = pipeline_run(texts, no_grammar)
    results["unspin_fast_no_grammar"] = pipeline_run(texts, Settings(disabled_stages=("grammar",), fast=True))
    server = None
    if languagetool:
        from unspin.languagetool.server import start_server

        started = time.perf_counter()
        # The server's per-sentence result cache is off: otherwise whichever measurement runs second
        # would be served from the first one's results.
        server = start_server(Settings(), config_overrides={"cacheSize": "0"})
        results["languagetool_start_seconds"] = time.perf_counter() - started
    try:
        if server is not None:
            results["languagetool"] = bare_languagetool(server.url, texts, Settings().languagetool.language)
            with_grammar = Settings(require_model=True).with_overrides(
                languagetool={"url": server.url, "mode": "required"}
            )
            results["unspin_grammar"] = pipeline_run(texts, with_grammar)
            results["unspin_fast_grammar"] = pipeline_run(texts, with_grammar.with_overrides(fast=True))
            results["languagetool_rss_mb"] = _rss_of(server.pid)
    finally:
        if server is not None:
            server.stop()
    results["scaling"] = [
        {"scale": scale, **pipeline_run(texts, no_grammar, repeat=scale)} for scale in scales
    ]
    results["peak_rss_mb"] = peak_rss_mb()
    return results


def markdown(results: dict[str, Any], meta: dict[str, Any]) -> str:
    base = results["spacy"]["words_per_second"]
    model = results["contextual"]["words_per_second"]
    rows = [("bare spaCy nlp.pipe", results["spacy"])]
    rows.append(
        (
            f"bare contextual model, every sentence once ({results['contextual']['compute']})",
            results["contextual"],
        )
    )
    if "languagetool" in results:
        rows.append(("bare LanguageTool /v2/check", results["languagetool"]))
    rows.append(("unspin clean, no grammar", results["unspin_no_grammar"]))
    if "unspin_grammar" in results:
        rows.append(("unspin clean, with grammar (default)", results["unspin_grammar"]))
    rows.append(("unspin clean --fast, no grammar", results["unspin_fast_no_grammar"]))
    if "unspin_fast_grammar" in results:
        rows.append(("unspin clean --fast, with grammar", results["unspin_fast_grammar"]))
    lines = [
        f"# unspin throughput ({meta['date']}, revision {meta['revision'] or 'uncommitted'})",
        "",
        f"{results['documents']} documents, {results['words']} words ({meta['corpus']}). "
        f"Python peak RSS {results['peak_rss_mb']:.0f} MB"
        + (
            f"; LanguageTool server RSS {results['languagetool_rss_mb']:.0f} MB."
            if results.get("languagetool_rss_mb")
            else "."
        ),
        "",
        "| what | seconds | words/s | ratio to bare spaCy | ratio to the bare contextual model |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, row in rows:
        wps = row["words_per_second"]
        lines.append(f"| {name} | {row['seconds']:.2f} | {wps:,.0f} | {wps / base:.2f} | {wps / model:.2f} |")
    if "unspin_grammar" in results and "languagetool" in results:
        ratio = results["unspin_grammar"]["words_per_second"] / results["languagetool"]["words_per_second"]
        lines += ["", f"unspin with grammar runs at {ratio:.2f}× the speed of bare LanguageTool checks."]
    lines += [
        "",
        "Scaling (default engine, no grammar, streamed in batches of 16):",
        "",
        "| corpus | documents | words | seconds | words/s | RSS after, MB | peak RSS so far, MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["scaling"]:
        lines.append(
            f"| {row['scale']}× | {row['documents']} | {row['words']} | {row['seconds']:.1f} | "
            f"{row['words_per_second']:,.0f} | {row['rss_mb'] or 0:.0f} | {row['peak_rss_mb']:.0f} |"
        )
    stages = results["unspin_grammar" if "unspin_grammar" in results else "unspin_no_grammar"][
        "stage_seconds"
    ]
    lines += ["", "Stage seconds (1× corpus): " + ", ".join(f"{k} {v:.2f}" for k, v in stages.items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="unspin throughput against bare spaCy and LanguageTool.")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument(
        "--clean", action="store_true", help="use the clean articles instead of spun versions"
    )
    parser.add_argument("--thesaurus", default="moby")
    parser.add_argument("--rate", type=float, default=0.12)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--scales", default="1,4,16", help="corpus repetitions for the scaling check")
    parser.add_argument(
        "--no-languagetool", action="store_true", help="skip LanguageTool and the grammar stage"
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "throughput.json")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    articles = load_corpus(args.corpus, "all", args.limit)
    if not articles:
        print(f"no articles in {args.corpus}", file=sys.stderr)
        return 2
    if args.clean:
        texts, corpus = [a.text for a in articles], "clean articles"
    else:
        texts = [v.spun.text for v in spun_versions(articles, (args.thesaurus,), (args.rate,))]
        corpus = f"spun with {args.thesaurus} at rate {args.rate:g}"
    from datetime import UTC, datetime

    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "revision": revision(),
        "corpus": corpus,
    }
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    results = run(texts, scales, languagetool=not args.no_languagetool)
    table = markdown(results, meta)
    print(table)
    if not args.no_write:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"meta": meta, **results}, indent=1) + "\n", encoding="utf-8")
        args.out.with_suffix(".md").write_text(table, encoding="utf-8")
        print(f"wrote {args.out} and {args.out.with_suffix('.md')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
