"""Throughput of the spin stage alone (words per second on one core), spaCy parsing excluded.

Parses the clean corpus articles (or, with ``--spun``, their spun versions at one rate) once, then times
only the spin engine over them (after a warm-up pass that loads the thesaurus index, the lexicons and the
language model).

    python -m bench.spin_speed [--repeat 3] [--spun]
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.common import load_corpus, spun_versions
from unspin.lexicons.webspin import load as load_lexicon
from unspin.lm import TrigramLM
from unspin.spin.engine import SpinEngine, keyphrase_spans
from unspin.spin.params import builtin_params, with_overrides
from unspin.spin.thesaurus import Thesaurus
from unspin.stages.parse import load_nlp


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--split", default="tune", choices=("tune", "heldout", "all"))
    parser.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a model number")
    parser.add_argument(
        "--spun", type=float, metavar="RATE", help="time the spun versions at this rate (0.08, 0.12, 0.15)"
    )
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    raise SystemExit(main())
