"""Spin-engine development loop on the benchmark's tune split (never the held-out split).

Runs only the spin engine (parse + spin, no other stage) over the spun versions of the tune articles and
over the clean originals, and prints span precision/recall, restoration and clean-text findings per 1000
words at each confidence threshold. ``--dump FILE`` writes one JSON line per hit (features + label) for
fitting the calibration in ``unspin/data/lexicons/spin-model.toml``.

    python -m bench.spin_dev --rates 0.08,0.12,0.15 --thesauri moby,wordnet --dump /tmp/spin-hits.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.common import load_corpus, spun_versions
from unspin.lexicons.webspin import load as load_lexicon
from unspin.lm import TrigramLM
from unspin.spin.engine import SpinEngine, keyphrase_spans
from unspin.spin.params import builtin_params
from unspin.spin.thesaurus import Thesaurus
from unspin.stages.parse import load_nlp


def _label(hit: Any, gold: list[Any]) -> tuple[bool, bool]:
    """(overlaps a gold spin edit, restores that edit's original text)."""
    for edit in gold:
        if edit.spun_start < hit.end and hit.start < edit.spun_end:
            restored = hit.replacement.lower() == edit.orig_text.lower() and (
                hit.start == edit.spun_start and hit.end == edit.spun_end
            )
            return True, restored
    return False, False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="0.08,0.12,0.15")
    parser.add_argument("--thesauri", default="moby,wordnet")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--detect", type=float, help="override detect_log_odds (e.g. -4 to dump negatives)")
    args = parser.parse_args(argv)

    articles = load_corpus(split="tune", limit=args.limit)
    nlp = load_nlp()
    params = builtin_params()
    if args.detect is not None:
        params = replace(params, detect_log_odds=args.detect)
    engine = SpinEngine(Thesaurus.load(), load_lexicon(), TrigramLM.load(), params)
    rates = [float(r) for r in args.rates.split(",")]
    rows: list[dict[str, Any]] = []
    spin_gold = 0
    spun_words = 0
    elapsed = 0.0
    for version in spun_versions(articles, args.thesauri.split(","), rates):
        spun = version.spun
        gold = [e for e in spun.edits if e.type == "spin"]
        spin_gold += len(gold)
        spun_words += len(spun.text.split())
        doc = nlp(spun.text)
        started = time.perf_counter()
        hits = engine.detect(doc, spun.text, keyphrase_spans(spun.text, version.article.keyphrase))
        elapsed += time.perf_counter() - started
        found_edits = set()
        for hit in hits:
            ok, restored = _label(hit, gold)
            for k, edit in enumerate(gold):
                if edit.spun_start < hit.end and hit.start < edit.spun_end:
                    found_edits.add(k)
            rows.append(
                {
                    "set": "spun",
                    "key": version.key,
                    "observed": hit.observed,
                    "replacement": hit.replacement,
                    "kind": hit.kind,
                    "features": hit.features,
                    "true": ok,
                    "restored": restored,
                    "edit_ids": sorted(
                        k for k, e in enumerate(gold) if e.spun_start < hit.end and hit.start < e.spun_end
                    ),
                }
            )
    clean_words = 0
    for article in articles:
        doc = nlp(article.text)
        clean_words += len(article.text.split())
        hits = engine.detect(doc, article.text, keyphrase_spans(article.text, article.keyphrase))
        for hit in hits:
            rows.append(
                {
                    "set": "clean",
                    "key": article.slug,
                    "observed": hit.observed,
                    "replacement": hit.replacement,
                    "kind": hit.kind,
                    "features": hit.features,
                    "true": False,
                    "restored": False,
                }
            )
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"spin edits {spin_gold}, spun words {spun_words}, clean words {clean_words}")
    print(f"engine speed {spun_words / elapsed:.0f} words/s (spin only, spaCy excluded)")
    print("thr   hits  prec   recall restored clean/1k")
    for thr in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
        spun_rows = [r for r in rows if r["set"] == "spun" and params.confidence(r["features"]) >= thr]
        clean_rows = [r for r in rows if r["set"] == "clean" and params.confidence(r["features"]) >= thr]
        tp = sum(r["true"] for r in spun_rows)
        edits = {(r["key"], k) for r in spun_rows for k in r["edit_ids"]}
        restored = sum(r["restored"] for r in spun_rows)
        prec = tp / len(spun_rows) if spun_rows else 0.0
        print(
            f"{thr:.2f} {len(spun_rows):6d} {prec:.3f} {len(edits) / spin_gold:.3f} "
            f"{restored / spin_gold:.3f}   {1000 * len(clean_rows) / clean_words:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
