"""Throughput of the spin stage alone (words per second on one core), spaCy parsing excluded.

Parses the clean corpus articles once, then times only the spin engine over them (after a warm-up
pass that loads the thesaurus index, the lexicons and the language model).

    python -m bench.spin_speed [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

from bench.common import load_corpus
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
    args = parser.parse_args(argv)
    started = time.perf_counter()
    overrides = {name.strip(): float(value) for name, _, value in (i.partition("=") for i in args.set or [])}
    params = with_overrides(builtin_params(), overrides)
    engine = SpinEngine(Thesaurus.load(), load_lexicon(), TrigramLM.load(), params)
    load_seconds = time.perf_counter() - started
    nlp = load_nlp()
    articles = load_corpus(split=args.split)
    parsed = [(nlp(a.text), a.text, keyphrase_spans(a.text, a.keyphrase)) for a in articles]
    words = sum(len(text.split()) for _, text, _ in parsed)
    for doc, text, blocked in parsed:  # warm-up: first look-ups fill the per-process caches
        engine.detect(doc, text, blocked)
    best = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        for doc, text, blocked in parsed:
            engine.detect(doc, text, blocked)
        best = min(best, time.perf_counter() - started)
    print(
        f"engine load {load_seconds:.2f} s; {words} words; best of {args.repeat}: {words / best:.0f} words/s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
