"""Spin-engine development loop on the benchmark's tune split (never the held-out split).

Runs only the spin engine (parse + spin, no other stage) over the spun versions of the tune articles and
over the clean originals.

    python -m bench.spin_dev                      # decisions at the shipped thresholds, plus a sweep
    python -m bench.spin_dev --breakdown          # where recall is lost: candidates and search gates
    python -m bench.spin_dev --dump /tmp/w.jsonl  # one JSON line per word (features + label) and hit
    python -m bench.spin_dev --fit /tmp/w.jsonl   # fit the detector, article-grouped cross-validation

Labels: a word is spun when it overlaps a gold spin edit. Recall counts gold edits overlapped by a
finding; precision counts findings that overlap a gold edit; restored counts gold edits whose finding's
fix writes back exactly the original text over exactly the edit's span.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench.common import load_corpus, spun_versions
from unspin.lexicons.webspin import load as load_lexicon
from unspin.lm import TrigramLM
from unspin.spin.decide import decide
from unspin.spin.detect import SentenceSearch
from unspin.spin.detector import RATE_FLOOR, builtin_detector, document_rate, fit_logistic, logit, sigmoid
from unspin.spin.engine import SpinEngine, keyphrase_spans
from unspin.spin.features import document_lemmas
from unspin.spin.params import builtin_params, with_overrides
from unspin.spin.scoring import SentenceScorer
from unspin.spin.slots import doubtful_names, sentence_slots
from unspin.spin.thesaurus import Thesaurus
from unspin.stages.parse import load_nlp

FOLDS = 7


@dataclass
class Item:
    key: str
    slug: str
    text: str
    keyphrase: str
    gold: list[Any]  # gold spin edits (empty for a clean article)


def _items(args: argparse.Namespace) -> Iterator[Item]:
    articles = load_corpus(split="tune", limit=args.limit)
    rates = [float(r) for r in args.rates.split(",")]
    for v in spun_versions(articles, args.thesauri.split(","), rates):
        gold = [e for e in v.spun.edits if e.type == "spin"]
        yield Item(v.key, v.article.slug, v.spun.text, v.article.keyphrase, gold)
    for a in articles:
        yield Item(f"clean.{a.slug}", a.slug, a.text, a.keyphrase, [])


def _overlapping(start: int, end: int, gold: list[Any]) -> list[int]:
    return [k for k, e in enumerate(gold) if e.spun_start < end and start < e.spun_end]


def _engine(args: argparse.Namespace) -> SpinEngine:
    overrides: dict[str, float] = {}
    for item in args.set or []:
        name, _, value = item.partition("=")
        overrides[name.strip()] = float(value)
    params = with_overrides(builtin_params(), overrides)
    return SpinEngine(Thesaurus.load(), load_lexicon(), TrigramLM.load(), params)


# ------------------------------------------------------------------------------------------ evaluate


def evaluate(args: argparse.Namespace) -> int:
    nlp = load_nlp()
    engine = _engine(args)
    detector = builtin_detector()
    params = engine.params
    analyses = []
    gold_total = spun_words = clean_words = 0
    elapsed = 0.0
    for item in _items(args):
        doc = nlp(item.text)
        started = time.perf_counter()
        analysis = engine.analyse(doc, item.text, keyphrase_spans(item.text, item.keyphrase))
        elapsed += time.perf_counter() - started
        analyses.append((item, analysis))
        if item.gold:
            gold_total += len(item.gold)
            spun_words += len(item.text.split())
        else:
            clean_words += len(item.text.split())
    print(f"spin edits {gold_total}, spun words {spun_words}, clean words {clean_words}")
    print(f"engine speed {(spun_words + clean_words) / elapsed:.0f} words/s (spin only, spaCy excluded)")
    print("detect  findings prec   recall restored(all) restored(safe) safe-prec clean/1k")
    shipped = params.detect_report
    for threshold in sorted({0.5, 0.6, 0.7, 0.8, 0.9, shipped}):
        p = replace(params, detect_report=threshold)
        findings = correct = safe = safe_correct = clean_found = 0
        recalled: set[tuple[str, int]] = set()
        restored_all: set[tuple[str, int]] = set()
        restored_safe: set[tuple[str, int]] = set()
        for item, analysis in analyses:
            for d in decide(analysis, p, detector):
                if not item.gold:
                    clean_found += 1
                    continue
                ids = _overlapping(d.start, d.end, item.gold)
                findings += 1
                correct += bool(ids)
                safe += d.safe
                safe_correct += d.safe and bool(ids)
                recalled.update((item.key, k) for k in ids)
                for k in ids:
                    e = item.gold[k]
                    exact = (d.start, d.end) == (e.spun_start, e.spun_end)
                    if exact and d.replacement and d.replacement.lower() == e.orig_text.lower():
                        restored_all.add((item.key, k))
                        if d.safe:
                            restored_safe.add((item.key, k))
        mark = " <- shipped" if threshold == shipped else ""
        print(
            f"{threshold:.2f} {findings:9d} {correct / max(1, findings):.3f} "
            f"{len(recalled) / gold_total:.3f}  {len(restored_all) / gold_total:.3f}         "
            f"{len(restored_safe) / gold_total:.3f}          {safe_correct / max(1, safe):.3f}    "
            f"{1000 * clean_found / clean_words:.2f}{mark}"
        )
    return 0


# ------------------------------------------------------------------------------------------ breakdown


def breakdown(args: argparse.Namespace) -> int:
    """Per gold spin edit: is its original among the candidates, and which search gate would drop it."""
    nlp = load_nlp()
    engine = _engine(args)
    gen, params, lm = engine.generator, engine.params, engine.lm
    counts: Counter[str] = Counter()
    for item in _items(args):
        if not item.gold:
            continue
        doc = nlp(item.text)
        lemmas = document_lemmas(doc)
        blocked = keyphrase_spans(item.text, item.keyphrase)
        doubtful = doubtful_names(doc, engine.is_common_word)
        for sent in doc.sents:
            slots = sentence_slots(sent, blocked, doubtful)
            if len(slots) < 2:
                continue
            spans = {(s.i, s.j): s for s in gen.spans(slots, item.text)}
            scorer = SentenceScorer(lm, [s.word for s in slots])
            search = SentenceSearch(slots, item.text, scorer, gen, params, lemmas)
            for e in item.gold:
                if not sent.start_char <= e.spun_start < sent.end_char:
                    continue
                idx = [k for k, s in enumerate(slots) if s.start >= e.spun_start and s.end <= e.spun_end]
                if not idx:
                    continue
                counts["edits"] += 1
                i, j = idx[0], idx[-1] + 1
                if any(slots[k].protected for k in range(i, j)):
                    counts["protected (entity, quote, keyphrase)"] += 1
                    continue
                span = spans.get((i, j))
                if span is None:
                    counts["no candidate for the span"] += 1
                    continue
                target = e.orig_text.lower()
                right = next(
                    (p for p in span.proposals if p.realise(gen.words_of)[0].lower() == target), None
                )
                if right is None:
                    scored = search._score(span)
                    ranked = [r[2] for r in scored.ranked] if scored is not None else []
                    variant = next((p for p in ranked if p.replacement.lower() == target), None)
                    if variant is None:
                        counts["original not among candidates"] += 1
                    else:
                        counts["original as an inflection variant"] += 1
                        if ranked[0] is variant:
                            counts["  variant ranked first"] += 1
                    continue
                counts["original among candidates"] += 1
                a, b = i + 1, j + 1
                if all(p.kind == "thesaurus" for p in span.proposals):
                    if j - i > 1 and scorer.fit(a, b) > params.gate_fit:
                        counts["  dropped by gate_fit"] += 1
                    if params.skip_oov and not all(gen.known(w) for w in scorer.seq[a:b]):
                        counts["  dropped by the unknown-word gate"] += 1
                scored = search._score(span)
                ranked = [r[2] for r in scored.ranked] if scored is not None else []
                if right not in ranked:
                    counts["  dropped by the cheap filter"] += 1
                elif ranked[0] is right:
                    counts["  ranked first"] += 1
                if scorer.delta(a, b, right.words) > 0:
                    counts["  model prefers the original"] += 1
    total = counts.pop("edits")
    print(f"gold spin edits reached by slots: {total}")
    for name, n in counts.items():
        print(f"{name:40s} {n:5d}  {n / total:.3f}")
    return 0


# ------------------------------------------------------------------------------------------ dump / fit


def dump(args: argparse.Namespace) -> int:
    nlp = load_nlp()
    engine = _engine(args)
    with args.dump.open("w", encoding="utf-8") as out:
        for item in _items(args):
            doc = nlp(item.text)
            analysis = engine.analyse(doc, item.text, keyphrase_spans(item.text, item.keyphrase))
            words = len(item.text.split())
            for w in analysis.words:
                ids = _overlapping(w.start, w.end, item.gold)
                row = {"key": item.key, "slug": item.slug, "clean": not item.gold, "gold": len(item.gold)}
                row |= {"words": words, "observed": w.observed, "features": w.features, "ids": ids}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            if args.hits:
                with args.hits.open("a", encoding="utf-8") as hits:
                    for h in analysis.hits:
                        ids = _overlapping(h.start, h.end, item.gold)
                        row = {"key": item.key, "slug": item.slug, "clean": not item.gold, "ids": ids}
                        row |= {"observed": h.observed, "replacement": h.replacement, "features": h.features}
                        hits.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {args.dump}")
    return 0


def two_stage(
    rows: list[dict[str, Any]],
    x: list[list[float]],
    y: list[int],
    train: list[int],
    test: list[int],
    l2: float,
) -> tuple[list[float], Any]:
    """Fit the word model and the document-rate step on ``train``; probabilities for ``test`` and the fit
    (bias, weights, document bias, document weights). Rows need "key" (one document each)."""
    rate_threshold = builtin_detector().rate_threshold
    bias, weights = fit_logistic([x[i] for i in train], [y[i] for i in train], l2=l2)

    def first(i: int) -> float:
        return sigmoid(bias + sum(w * v for w, v in zip(weights, x[i], strict=True)))

    def second_rows(ids: list[int], probs: dict[int, float]) -> list[list[float]]:
        by_doc: dict[str, list[float]] = {}
        for i in ids:
            by_doc.setdefault(rows[i]["key"], []).append(probs[i])
        rate = {k: document_rate(v, rate_threshold) for k, v in by_doc.items()}
        return [[logit(probs[i]), math.log(rate[rows[i]["key"]] + RATE_FLOOR)] for i in ids]

    train_probs = {i: first(i) for i in train}
    doc_bias, doc_w = fit_logistic(second_rows(train, train_probs), [y[i] for i in train], l2=l2)
    test_probs = {i: first(i) for i in test}
    out = [sigmoid(doc_bias + doc_w[0] * a + doc_w[1] * b) for a, b in second_rows(test, test_probs)]
    return out, (bias, weights, doc_bias, doc_w)


def fit_detector(
    rows: list[dict[str, Any]], x: list[list[float]], y: list[int], l2: float
) -> tuple[list[float], Any]:
    """Out-of-fold probabilities (article-grouped folds) and the two-stage fit on every row."""
    fold_of = article_folds(rows)
    predicted = [0.0] * len(rows)
    for k in range(FOLDS):
        test = [i for i, r in enumerate(rows) if fold_of[r["slug"]] == k]
        train = [i for i, r in enumerate(rows) if fold_of[r["slug"]] != k]
        for i, p in zip(test, two_stage(rows, x, y, train, test, l2)[0], strict=True):
            predicted[i] = p
    everything = list(range(len(rows)))
    return predicted, two_stage(rows, x, y, everything, everything[:1], l2)[1]


def print_detector(table: str, fitted: Any, names: list[str]) -> None:
    bias, weights, doc_bias, doc_w = fitted
    print_table(f"{table}.weights", bias, weights, names)
    print(f"\n[{table}.document]")
    print(f"bias = {doc_bias:.4f}\nword_logit = {doc_w[0]:.4f}\nlog_rate = {doc_w[1]:.4f}")


def fit(args: argparse.Namespace) -> int:
    rows = [json.loads(line) for line in args.fit.open(encoding="utf-8")]
    names = sorted(rows[0]["features"])
    x = [[r["features"][n] for n in names] for r in rows]
    y = [1 if r["ids"] else 0 for r in rows]
    predicted, fitted = fit_detector(rows, x, y, args.l2)
    print(f"{len(rows)} words ({sum(y)} spun)")
    print("cross-validated (article-grouped) word detector:")
    for spinner in [None, *sorted({_spinner_of(r) for r in rows if not r["clean"]})]:
        print(f"\nspun by {spinner or 'all spinners'}:")
        print_curve(rows, predicted, y, spinner)
    print_detector("detector", fitted, names)
    return 0


def _spinner_of(row: dict[str, Any]) -> str:
    """The spinner of a spun version's key ("slug.moby-frequent.0.12" → "moby-frequent")."""
    return str(row["key"]).split(".")[1]


def print_curve(
    rows: list[dict[str, Any]], predicted: list[float], y: list[int], spinner: str | None
) -> None:
    """Precision, recall (gold edits) and clean findings per 1000 words at each detection threshold, over
    the versions of one spinner (or all) and every clean article."""
    chosen = [i for i, r in enumerate(rows) if r["clean"] or spinner in (None, _spinner_of(r))]
    gold_total = sum({rows[i]["key"]: rows[i]["gold"] for i in chosen if not rows[i]["clean"]}.values())
    clean_words = sum({rows[i]["key"]: rows[i]["words"] for i in chosen if rows[i]["clean"]}.values())
    print(f"{gold_total} gold edits, {clean_words} clean words")
    print("thr   flagged prec   recall clean/1k")
    for thr in (0.5, 0.6, 0.65, 0.7, 0.72, 0.75, 0.8, 0.85, 0.9, 0.95):
        flagged = [i for i in chosen if predicted[i] >= thr and not rows[i]["clean"]]
        correct = sum(y[i] for i in flagged)
        recalled = {(rows[i]["key"], k) for i in flagged for k in rows[i]["ids"]}
        clean = sum(1 for i in chosen if predicted[i] >= thr and rows[i]["clean"])
        print(
            f"{thr:.2f} {len(flagged):7d} {correct / max(1, len(flagged)):.3f} "
            f"{len(recalled) / max(1, gold_total):.3f}  {1000 * clean / max(1, clean_words):.2f}"
        )


def print_table(table: str, bias: float, weights: list[float], names: list[str]) -> None:
    """A fitted logistic model as the TOML table ``spin-model.toml`` reads."""
    print(f"\n[{table}]")
    print(f"bias = {bias:.4f}")
    for name, w in zip(names, weights, strict=True):
        print(f"{name} = {w:.4f}")


def article_folds(rows: list[dict[str, Any]]) -> dict[str, int]:
    """Each article's cross-validation fold: every version of one article in the same fold."""
    return {slug: k % FOLDS for k, slug in enumerate(sorted({r["slug"] for r in rows}))}


def out_of_fold(rows: list[dict[str, Any]], x: list[list[float]], y: list[int], l2: float) -> list[float]:
    """Logistic-model probabilities for every row from a fit on the other folds (folds by article)."""
    fold_of = article_folds(rows)
    predicted = [0.0] * len(rows)
    for k in range(FOLDS):
        train = [i for i, r in enumerate(rows) if fold_of[r["slug"]] != k]
        bias, weights = fit_logistic([x[i] for i in train], [y[i] for i in train], l2=l2)
        for i, r in enumerate(rows):
            if fold_of[r["slug"]] == k:
                predicted[i] = sigmoid(bias + sum(w * v for w, v in zip(weights, x[i], strict=True)))
    return predicted


def fit_repair(args: argparse.Namespace) -> int:
    """Fit the repair confidence (``[model.calibration]``) from a --hits file, article-grouped CV."""
    rows = [json.loads(line) for line in args.fit_repair.open(encoding="utf-8")]
    names = sorted(n for n in rows[0]["features"] if n not in ("log_odds", "lexicon"))
    x = [[r["features"][n] for n in names] for r in rows]
    y = [1 if r["ids"] else 0 for r in rows]
    predicted = out_of_fold(rows, x, y, args.l2)
    print(f"{len(rows)} hits ({sum(y)} on gold edits); cross-validated repair confidence:")
    print("thr   hits  prec   clean hits")
    for thr in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95):
        chosen = [i for i, p in enumerate(predicted) if p >= thr]
        spun = [i for i in chosen if not rows[i]["clean"]]
        correct = sum(y[i] for i in spun)
        clean = len(chosen) - len(spun)
        print(f"{thr:.2f} {len(spun):5d} {correct / max(1, len(spun)):.3f} {clean:5d}")
    bias, weights = fit_logistic(x, y, l2=args.l2)
    print_table("model.calibration", bias, weights, names)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="0.08,0.12,0.15")
    parser.add_argument("--thesauri", default="moby,wordnet")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--dump", type=Path, help="write word rows (features + labels) to this file")
    parser.add_argument("--fit", type=Path, help="fit the detector from a --dump file")
    parser.add_argument("--hits", type=Path, help="with --dump: also write repair-search hits here")
    parser.add_argument("--fit-repair", type=Path, help="fit the repair confidence from a --hits file")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--breakdown", action="store_true")
    parser.add_argument("--set", action="append", metavar="NAME=VALUE", help="override a model number")
    args = parser.parse_args(argv)
    if args.fit:
        return fit(args)
    if args.fit_repair:
        return fit_repair(args)
    if args.dump:
        return dump(args)
    if args.breakdown:
        return breakdown(args)
    return evaluate(args)


if __name__ == "__main__":
    raise SystemExit(main())
