"""The default pipeline's speed under different contextual-judge settings, measured in turn in one process.

    python -m bench.judge_speed --compare gate=0.3 --compare gate=0.6     # spun corpus, no grammar
    python -m bench.judge_speed --compare confirm=4 --compare confirm=2 --articles 8 --rounds 3

Each round runs the whole default pipeline (grammar off) once per setting over the same spun articles
(moby, rate 0.12), in turn, with the look-up caches emptied before every pass, so each pass reads text the
process has not seen; the ratio of the settings' words/s is the figure (a shared machine slows both alike).
Whether a setting costs accuracy is for ``bench.evaluate`` to say. Results:
``bench/results/judge-speed.{json,md}`` (``--results NAME`` for another name).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import statistics
import time
from dataclasses import fields, replace
from typing import Any

from bench.common import load_corpus, revision, spun_versions, write_results


def _setting(text: str) -> tuple[str, float]:
    name, _, value = text.partition("=")
    from unspin.spin.judge import JudgeSettings

    known = {f.name for f in fields(JudgeSettings) if f.name not in ("detector", "repair")}
    if name not in known or not value:
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER with NAME one of {', '.join(sorted(known))}")
    return name, float(value)


def measure(texts: list[str], settings: list[tuple[str, float]], rounds: int) -> list[dict[str, Any]]:
    from unspin.config import Settings
    from unspin.pipeline import Context, Pipeline
    from unspin.readers import read_text
    from unspin.spin.judge import INTEGER_SETTINGS
    from unspin.stages.spin import clear_caches

    run_settings = Settings(disabled_stages=("grammar",), require_model=True, cache=False)
    pipeline = Pipeline(run_settings)
    words = sum(len(t.split()) for t in texts)
    seconds: dict[tuple[str, float], list[float]] = {s: [] for s in settings}
    with Context(run_settings) as ctx:
        pipeline.run([read_text(texts[0][:2000], "txt")], ctx)  # loads every model
        judge = ctx.resource("contextual_judge", lambda: None)
        base = judge.settings
        for round_number in range(rounds):
            for name, value in settings:
                judge.settings = replace(base, **{name: int(value) if name in INTEGER_SETTINGS else value})
                clear_caches(ctx)
                started = time.perf_counter()
                pipeline.run([read_text(t, "txt") for t in texts], ctx)
                elapsed = time.perf_counter() - started
                seconds[(name, value)].append(elapsed)
                rate = words / elapsed
                print(f"round {round_number + 1}  {name}={value:g}  {elapsed:7.1f} s  {rate:6.0f} words/s")
        judge.settings = base
    return [
        {
            "setting": f"{name}={value:g}",
            "seconds": runs,
            "median_seconds": statistics.median(runs),
            "words_per_second": words / statistics.median(runs),
        }
        for (name, value), runs in seconds.items()
    ]


def markdown(result: dict[str, Any]) -> str:
    rows = result["settings"]
    base = rows[0]["words_per_second"]
    lines = [
        "# Default pipeline speed by contextual-judge setting (`python -m bench.judge_speed`)",
        "",
        f"Revision {result['revision']}; {result['articles']} spun articles (moby, rate 0.12), "
        f"{result['words']:,} words, grammar off; {result['rounds']} rounds, settings in turn, caches "
        "emptied before each pass.",
        "",
        "| setting | median seconds | words/s | ratio to the first |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| `{r['setting']}` | {r['median_seconds']:.1f} | {r['words_per_second']:.0f} "
        f"| {r['words_per_second'] / base:.2f} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--compare", type=_setting, action="append", required=True, metavar="NAME=VALUE")
    parser.add_argument("--articles", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--results", default="judge-speed")
    args = parser.parse_args(argv)
    articles = load_corpus(split="all", limit=args.articles)
    texts = [v.spun.text for v in spun_versions(articles, ("moby",), (0.12,))]
    result = {
        "revision": revision(),
        "articles": len(texts),
        "words": sum(len(t.split()) for t in texts),
        "rounds": args.rounds,
        "settings": measure(texts, args.compare, args.rounds),
    }
    write_results(args.results, result, markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
