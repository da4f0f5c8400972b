"""Warm latency of ``unspin server``: from an edit to the diagnostics, on a 1,000-word Markdown buffer.

    python -m bench.server_latency                   # grammar off, the default spin engine
    python -m bench.server_latency --setting neural=true

A real server process is driven by pygls' own LSP client over stdio. The buffer (1,000 words from the
corpus) is opened once to warm the models; then each round makes one edit and times the
``didChange`` → ``publishDiagnostics`` round trip (debounce 0, so the analysis itself is timed). The
edits take turns: the title changed, and one word in the middle of a paragraph (a different paragraph
each time) replaced by the word after it, as when a sentence is retyped. The server keeps paragraph
parses and sentence searches that an edit leaves valid, so the second kind costs more: it changes a
paragraph's parse and one word's count in the document.
In turn with each round, the bench process parses the same text with bare spaCy ``nlp()``, the least a
check can cost, and the ratio of the two is reported: on a shared machine the ratio is the steadier
figure. Also reported: the server's peak RSS (``VmHWM``). Results: ``bench/results/server-latency.{json,md}``.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from bench.common import load_corpus, revision, write_results

TARGET_WORDS = 1000


def sample_text() -> str:
    """A 1,000-word Markdown article: corpus paragraphs in order until there are enough words."""
    paragraphs: list[str] = []
    words = 0
    for article in load_corpus():
        for paragraph in article.text.split("\n\n")[1:]:
            if words >= TARGET_WORDS:
                break
            if paragraph.strip():
                paragraphs.append(paragraph.strip())
                words += len(paragraph.split())
    return "# A long article\n\n" + "\n\n".join(paragraphs) + "\n"


def edit(text: str, kind: str, version: int) -> str:
    """The buffer after one edit: the title changed, or one word in the middle of a paragraph (the
    ``version``-th, counted round the article) replaced by the word after it."""
    if kind == "title":
        return text.replace("# A long article", f"# A long article, draft {version}")
    paragraphs = text.split("\n\n")
    k = 1 + version % (len(paragraphs) - 1)  # never the title
    words = paragraphs[k].split(" ")
    middle = len(words) // 2
    if len(words) > 2:
        words[middle] = words[middle + 1]
    paragraphs[k] = " ".join(words)
    return "\n\n".join(paragraphs)


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def measure(rounds: int, settings: dict[str, Any]) -> dict[str, Any]:
    import spacy

    from unspin.stages.parse import SPACY_PACKAGE

    nlp = spacy.load(SPACY_PACKAGE)
    text = sample_text()
    client = LanguageClient("unspin-bench", "1")
    published: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait(params)

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*sys.path[:1], os.environ.get("PYTHONPATH", "")])}
    await client.start_io(sys.executable, "-m", "unspin.cli", "server", env=env)
    with tempfile.TemporaryDirectory(prefix="unspin-lsp-bench-") as tmp:
        uri = (Path(tmp) / "long.md").as_uri()
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                initialization_options={
                    "settings": {"disabled-stages": ["grammar"], **settings},
                    "debounce": 0,
                },
            )
        )
        client.initialized(types.InitializedParams())
        started = time.perf_counter()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="markdown", version=1, text=text)
            )
        )
        first = await published.get()
        first_seconds = time.perf_counter() - started
        latencies: list[float] = []
        spacy_seconds: list[float] = []
        findings = len(first.diagnostics)
        kinds: list[str] = []
        for version in range(2, rounds + 2):
            kind = "title" if version % 2 == 0 else "word"
            edited = edit(text, kind, version)
            kinds.append(kind)
            started = time.perf_counter()
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)],
                )
            )
            params = await published.get()
            latencies.append(time.perf_counter() - started)
            assert params.version == version
            findings = len(params.diagnostics)
            started = time.perf_counter()
            nlp(edited)
            spacy_seconds.append(time.perf_counter() - started)
        assert client._server is not None
        peak = _peak_rss_mb(client._server.pid)
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()
    median = statistics.median(latencies)
    bare = statistics.median(spacy_seconds)
    by_kind = {
        kind: statistics.median(t for t, k in zip(latencies, kinds, strict=True) if k == kind)
        for kind in sorted(set(kinds))
    }
    return {
        "revision": revision(),
        "words": len(text.split()),
        "rounds": rounds,
        "settings": settings,
        "first_check_seconds": first_seconds,
        "warm_median_seconds": median,
        "warm_min_seconds": min(latencies),
        "warm_median_seconds_by_edit": by_kind,
        "latencies_seconds": latencies,
        "bare_spacy_median_seconds": bare,
        "warm_over_bare_spacy": median / bare,
        "server_peak_rss_mb": peak,
        "findings": findings,
    }


def markdown(result: dict[str, Any]) -> str:
    return (
        f"# `unspin server` warm latency ({result['words']} words, grammar off)\n\n"
        f"Revision {result['revision']}; settings {result['settings'] or 'defaults'}; "
        f"{result['rounds']} edits, shared 2-core machine.\n\n"
        "| measure | value |\n|---|---:|\n"
        f"| first check after open (models load) | {result['first_check_seconds']:.2f} s |\n"
        f"| warm edit → diagnostics, median | {result['warm_median_seconds'] * 1000:.0f} ms |\n"
        f"| warm edit → diagnostics, min | {result['warm_min_seconds'] * 1000:.0f} ms |\n"
        + "".join(
            f"| warm edit → diagnostics, median, {kind} edits | {seconds * 1000:.0f} ms |\n"
            for kind, seconds in result.get("warm_median_seconds_by_edit", {}).items()
        )
        + f"| bare spaCy `nlp()`, same text, median | {result['bare_spacy_median_seconds'] * 1000:.0f} ms |\n"
        f"| ratio warm check / bare spaCy | {result['warm_over_bare_spacy']:.2f} |\n"
        f"| server peak RSS | {result['server_peak_rss_mb']:.0f} MB |\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--setting", action="append", default=[], metavar="KEY=JSON")
    parser.add_argument("--name", default="server-latency")
    args = parser.parse_args()
    settings = {k: json.loads(v) for k, _, v in (s.partition("=") for s in args.setting)}
    result = asyncio.run(measure(args.rounds, settings))
    write_results(args.name, result, markdown(result))


if __name__ == "__main__":
    main()
