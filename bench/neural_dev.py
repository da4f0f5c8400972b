"""Development loop for the optional neural re-scoring of spin repairs (tune split only).

    python -m bench.neural_dev collect --out /tmp/neural.jsonl     # engine + neural evidence per hit
    python -m bench.neural_dev fit /tmp/neural.jsonl               # article-grouped CV of the calibration

``collect`` runs parse + the spin engine over the tune articles' spun versions and their clean originals,
re-scores the hits that pass the pre-filter with the neural model and writes one JSON line per hit: the
trigram features, the trigram confidence and detector probability, the neural features, and the labels
(``spun``: the hit overlaps a gold spin edit; ``restored_neural`` / ``restored_trigram``: that model's best
candidate writes back exactly the gold original over exactly the edit's span).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from bench.common import load_corpus, spun_versions
from bench.spin_dev import _overlapping, out_of_fold, print_table
from unspin.lexicons.webspin import load as load_lexicon
from unspin.lm import TrigramLM
from unspin.neural.judge import NeuralJudge, builtin_calibration, model_features
from unspin.neural.lm import NeuralLM
from unspin.spin.decide import hit_detections
from unspin.spin.detector import builtin_detector, fit_logistic
from unspin.spin.engine import SpinEngine, keyphrase_spans
from unspin.spin.params import builtin_params
from unspin.spin.thesaurus import Thesaurus
from unspin.stages.parse import load_nlp

# The shipped calibration's inputs (spin-model.toml, [neural.calibration]).
NEURAL_FEATURES = (
    "n_delta",
    "n_margin",
    "n_agrees",
    "n_observed_rank",
    "n_span_gain",
    "n_right_gain",
    "n_observed_per_token",
    "n_observed_slor",
)


def collect(args: argparse.Namespace) -> int:
    nlp = load_nlp()
    params = builtin_params()
    engine = SpinEngine(Thesaurus.load(), load_lexicon(), TrigramLM.load(), params)
    detector = builtin_detector()
    lm = NeuralLM.load()
    calibration = builtin_calibration()
    articles = load_corpus(split=args.split, limit=args.limit)
    items: list[tuple[str, str, str, str, list[Any]]] = []
    for v in spun_versions(articles, args.thesauri.split(","), [float(r) for r in args.rates.split(",")]):
        items.append(
            (
                v.key,
                v.article.slug,
                v.spun.text,
                v.article.keyphrase,
                [e for e in v.spun.edits if e.type == "spin"],
            )
        )
    items += [(f"clean.{a.slug}", a.slug, a.text, a.keyphrase, []) for a in articles]
    neural_seconds = 0.0
    words_total = 0
    with args.out.open("w", encoding="utf-8") as out:
        for key, slug, text, keyphrase, gold in items:
            doc = nlp(text)
            analysis = engine.analyse(doc, text, keyphrase_spans(text, keyphrase))
            probabilities = detector.probabilities([w.features for w in analysis.words])
            hits = analysis.hits
            confidence = [params.confidence(h.features) for h in hits]
            detection = hit_detections(hits, analysis.words, probabilities)
            # The stage's own selection and windows (lexicon hits keep their own calibration).
            judge = NeuralJudge(lm, calibration, text, doc)
            started = time.perf_counter()
            evidence = judge.evidence(hits, confidence, detection)
            neural_seconds += time.perf_counter() - started
            words_total += len(text.split())
            for i, h in enumerate(hits):
                ids = _overlapping(h.start, h.end, gold)
                exact = [gold[k] for k in ids if (gold[k].spun_start, gold[k].spun_end) == (h.start, h.end)]
                ev = evidence.get(i)
                row = {
                    "key": key,
                    "slug": slug,
                    "clean": not gold,
                    "spun": bool(ids),
                    "observed": h.observed,
                    "trigram": h.replacement,
                    "neural": ev.replacement if ev else None,
                    "gold": exact[0].orig_text if exact else None,
                    "confidence": round(confidence[i], 4),
                    "detection": round(detection[i], 4),
                    "features": {**h.features, **(ev.features if ev else {})},
                    "rescored": ev is not None,
                    "gold_total": len(gold),
                    "words": len(text.split()),
                }
                row["restored_trigram"] = bool(exact) and h.replacement.lower() == exact[0].orig_text.lower()
                row["restored_neural"] = (
                    bool(exact and ev) and ev.replacement.lower() == exact[0].orig_text.lower()
                )
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            print(
                f"{key}: {len(hits)} hits, {len(evidence)} re-scored, {neural_seconds:.0f} s neural so far",
                flush=True,
            )
    print(
        f"neural re-scoring: {words_total / neural_seconds:.1f} words/s, "
        f"{lm.tokens_scored / neural_seconds:.0f} tokens/s"
    )
    return 0


def _design(row: dict[str, Any], names: list[str]) -> list[float]:
    neural = {k: v for k, v in row["features"].items() if k.startswith("n_")}
    hit = {k: v for k, v in row["features"].items() if not k.startswith("n_")}
    values = model_features(row["confidence"], row["detection"], neural, hit)
    return [float(values.get(n, 0.0)) for n in names]


def fit(args: argparse.Namespace) -> int:
    rows = [json.loads(line) for line in args.rows.open(encoding="utf-8")]
    rows = [r for r in rows if r["rescored"]]
    names = args.features.split(",")
    x = [_design(r, names) for r in rows]
    y = [1 if r["spun"] else 0 for r in rows]
    predicted = out_of_fold(rows, x, y, args.l2)
    gold_total = sum(g for _, g in {(r["key"], r["gold_total"]) for r in rows if not r["clean"]})
    clean_words = sum(w for _, w in {(r["key"], r["words"]) for r in rows if r["clean"]})
    print(f"{len(rows)} re-scored hits ({sum(y)} spun); gold edits {gold_total}; clean words {clean_words}")
    print("thr   spun-hits  prec   restored(neural) restored(trigram)  clean/1k")
    for thr in (0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97):
        chosen = [i for i, p in enumerate(predicted) if p >= thr]
        spun = [i for i in chosen if not rows[i]["clean"]]
        correct = sum(y[i] for i in spun)
        clean = len(chosen) - len(spun)
        restored_n = sum(rows[i]["restored_neural"] for i in spun)
        restored_t = sum(rows[i]["restored_trigram"] for i in spun)
        print(
            f"{thr:.2f} {len(spun):9d} {correct / max(1, len(spun)):.3f} {restored_n / gold_total:14.3f} "
            f"{restored_t / gold_total:16.3f}  {1000 * clean / max(1, clean_words):8.2f}"
        )
    bias, weights = fit_logistic(x, y, l2=args.l2)
    print_table("neural.calibration", bias, weights, names)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--split", default="tune")
    c.add_argument("--rates", default="0.12")
    c.add_argument("--thesauri", default="moby,wordnet,moby-frequent,wordnet-frequent")
    c.add_argument("--limit", type=int)
    f = sub.add_parser("fit")
    f.add_argument("rows", type=Path)
    f.add_argument("--features", default=",".join(("t_logit", "d_logit", *NEURAL_FEATURES)))
    f.add_argument("--l2", type=float, default=1.0)
    args = parser.parse_args(argv)
    return collect(args) if args.command == "collect" else fit(args)


if __name__ == "__main__":
    raise SystemExit(main())
