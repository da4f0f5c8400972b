"""Measure unspin's LanguageTool setup: install size, cold start, JVM memory, and check throughput.

Throughput compares two ways of sending the same sentences to the same server, one request per
sentence and one per article: through unspin's client (language-tool-python in remote mode) and as
direct HTTP form posts. The server runs with the result cache off, so every pass does the full check
work (pipeline caching stays on, as in a normal run).

    python -m bench.languagetool_bench [--rounds 3] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from unspin.config import Settings
from unspin.languagetool.client import LanguageToolClient, request_fields
from unspin.languagetool.install import install, require_java
from unspin.languagetool.server import ManagedServer
from unspin.readers import read_path

REPO = Path(__file__).resolve().parents[1]
# Sentence ends followed by space and a capital or digit: good enough to count sentences in articles.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“])")
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def corpus(folder: Path) -> tuple[list[str], list[str]]:
    """The articles' prose paragraphs (one string per article) and their sentences."""
    articles: list[str] = []
    sentences: list[str] = []
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".txt", ".md", ".html"):
            continue
        prose = read_path(path).prose
        paragraphs = [" ".join(p.split()) for p in prose.split("\n\n") if p.strip()]
        articles.append("\n\n".join(paragraphs))
        for paragraph in paragraphs:
            sentences.extend(s for s in SENTENCE_END.split(paragraph) if len(s.split()) >= 3)
    return articles, sentences


def rss_kib(pid: int) -> dict[str, int]:
    """Current and peak resident memory of a process, from /proc (KiB)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


def timed(texts: list[str], check: Callable[[str], Any]) -> float:
    started = time.perf_counter()
    for text in texts:
        check(text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--input", type=Path, default=REPO / "input", help="folder of articles")
    parser.add_argument("--rounds", type=int, default=3, help="passes per method (median reported)")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args()

    lt = Settings().languagetool
    started = time.perf_counter()
    installation = install(lt, echo=lambda _line: None)
    install_check_s = time.perf_counter() - started
    articles, sentences = corpus(args.input)
    fields = request_fields(lt.language)

    server = ManagedServer(
        installation,
        java=require_java(),
        heap=lt.heap,
        start_timeout=lt.start_timeout,
        config_overrides={"cacheSize": "0"},  # every pass checks for real
    )
    results: dict[str, Any] = {
        "languagetool": installation.version,
        "install": {
            "method": installation.method,
            "jars": installation.jar_count,
            "size_mb": round(installation.size_bytes / 1e6, 1),
            "verify_existing_s": round(install_check_s, 2),
        },
        "corpus": {"articles": len(articles), "sentences": len(sentences), "folder": str(args.input)},
    }
    with server.start():
        assert server.pid is not None
        first = time.perf_counter()
        client = LanguageToolClient(server.url, lt.language)
        client.check(sentences[0])
        results["start"] = {
            "cold_start_to_healthcheck_s": round(server.started_seconds or 0.0, 2),
            "first_check_s": round(time.perf_counter() - first, 2),
            "rss_after_first_check_mb": round(rss_kib(server.pid)["VmRSS"] / 1024),
        }
        url = f"{server.url}/v2/check"

        def direct(text: str) -> Any:
            body = urllib.parse.urlencode({**fields, "text": text}).encode()
            with _DIRECT.open(urllib.request.Request(url, data=body), timeout=300) as response:
                return json.loads(response.read())

        # One untimed pass each so that both methods meet a warm JVM (JIT-compiled rule code).
        timed(sentences, client.check)
        timed(sentences, direct)
        throughput: dict[str, dict[str, float]] = {}
        for unit, texts in (("per_sentence", sentences), ("per_article", articles)):
            runs: dict[str, list[float]] = {"unspin_client": [], "direct_http": []}
            for _ in range(args.rounds):
                runs["unspin_client"].append(timed(texts, client.check))
                runs["direct_http"].append(timed(texts, direct))
            throughput[unit] = {
                name: round(len(sentences) / statistics.median(seconds), 1) for name, seconds in runs.items()
            }
        results["sentences_per_s"] = throughput
        memory = rss_kib(server.pid)
        results["memory"] = {
            "heap_limit": server.heap,
            "rss_mb": round(memory["VmRSS"] / 1024),
            "peak_rss_mb": round(memory["VmHWM"] / 1024),
        }
        client.close()
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
