"""Fit the contextual judge (``[contextual]`` in spin-model.toml) on the benchmark's tune split only.

    python -m bench.contextual_dev collect --out /tmp/c.jsonl       # words and judged units, with labels
    python -m bench.contextual_dev fit /tmp/c.jsonl                 # detector + repair, article-grouped CV
    python -m bench.contextual_dev curve /tmp/c.jsonl               # decisions at the shipped settings

A word is spun when it overlaps a gold spin edit. A unit's repair is right when its best confirmed candidate
writes back exactly the original over exactly the edit's span (case-insensitive); the candidate ceiling is
the share of gold edits whose original is among a unit's candidates at all.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.common import load_corpus, spun_versions
from bench.spin_dev import article_folds, fit_detector, out_of_fold, print_detector, print_table
from unspin.lexicons.webspin import load as load_lexicon
from unspin.lm import TrigramLM
from unspin.neural.engine import ContextualLM
from unspin.spin.decide import decide_contextual
from unspin.spin.detector import builtin_detector, fit_logistic
from unspin.spin.engine import SpinEngine, keyphrase_spans
from unspin.spin.judge import ContextualJudge, builtin_settings
from unspin.spin.params import builtin_params
from unspin.spin.thesaurus import Thesaurus
from unspin.stages.parse import load_nlp

THESAURI = "moby,wordnet,moby-frequent,wordnet-frequent,phrase-dict"


def _items(args: argparse.Namespace) -> Iterator[tuple[str, str, str, str, list[Any]]]:
    articles = load_corpus(split="tune", limit=args.limit)
    rates = [float(r) for r in args.rates.split(",")]
    for a in articles:
        # Each article's clean original beside its spun versions, so a partial run has both.
        yield f"clean.{a.slug}", a.slug, a.text, a.keyphrase, []
        for v in spun_versions([a], args.thesauri.split(","), rates):
            gold = [e for e in v.spun.edits if e.type == "spin"]
            yield v.key, v.article.slug, v.spun.text, v.article.keyphrase, gold


def _overlapping(start: int, end: int, gold: list[Any]) -> list[int]:
    return [k for k, e in enumerate(gold) if e.spun_start < end and start < e.spun_end]


def collect(args: argparse.Namespace) -> int:
    nlp = load_nlp()
    params = builtin_params()
    engine = SpinEngine(Thesaurus.load(), load_lexicon(), TrigramLM.load(), params)
    settings = builtin_settings()
    if args.gate is not None:
        from dataclasses import replace

        settings = replace(settings, gate=args.gate)
    judge = ContextualJudge(ContextualLM.load(), engine.thesaurus, engine.vectors, settings)
    detector = builtin_detector()
    with args.out.open("w", encoding="utf-8") as out:
        for n, (key, slug, text, keyphrase, gold) in enumerate(_items(args)):
            doc = nlp(text)
            analysis = engine.analyse(doc, text, keyphrase_spans(text, keyphrase))
            trace: dict[str, Any] = {}
            decide_contextual(analysis, params, detector, judge, doc, trace)
            words = len(text.split())
            base = {"key": key, "slug": slug, "clean": not gold, "gold": len(gold), "words": words}
            for w, row in zip(analysis.words, trace["rows"], strict=True):
                ids = _overlapping(w.start, w.end, gold)
                out.write(
                    json.dumps({**base, "kind": "word", "observed": w.observed, "f": row, "ids": ids}) + "\n"
                )
            for unit in trace["units"]:
                ids = _overlapping(unit.start, unit.end, gold)
                exact = [
                    gold[k] for k in ids if (gold[k].spun_start, gold[k].spun_end) == (unit.start, unit.end)
                ]
                original = exact[0].orig_text.lower() if exact else None
                best = judge.best(unit)
                row = {
                    **base,
                    "kind": "unit",
                    "observed": unit.observed,
                    "unit_kind": unit.kind,
                    "f": unit.features,
                    "ids": ids,
                    "detection": unit.detection,
                    "best": best.text if best else None,
                    "right": bool(best and original and best.text.lower() == original),
                    "ceiling": bool(original and any(c.text.lower() == original for c in unit.candidates)),
                    "original": original,
                }
                out.write(json.dumps(row) + "\n")
            print(f"{n + 1} {key}: {len(trace['units'])} units", file=sys.stderr, flush=True)
    return 0


def _rows(path: Path, kind: str) -> list[dict[str, Any]]:
    return [r for r in map(json.loads, path.open(encoding="utf-8")) if r["kind"] == kind]


def _spinner(row: dict[str, Any]) -> str:
    return "clean" if row["clean"] else str(row["key"]).split(".")[1]


def _curve(rows: list[dict[str, Any]], predicted: list[float], label: str) -> None:
    spinners = sorted({_spinner(r) for r in rows} - {"clean"})
    clean_words = sum({r["key"]: r["words"] for r in rows if r["clean"]}.values())
    print(f"\n{label}: precision / recall (gold edits) per spinner; clean findings per 1000 words")
    print("thr   " + "  ".join(f"{s[:16]:>16}" for s in spinners) + "   all P / R      clean/1k")
    for thr in (0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97):
        cells = []
        tot_f = tot_c = 0
        rec_all: set[tuple[str, int]] = set()
        gold_all = 0
        for s in spinners:
            chosen = [i for i, r in enumerate(rows) if _spinner(r) == s]
            flagged = [i for i in chosen if predicted[i] >= thr]
            correct = sum(1 for i in flagged if rows[i]["ids"])
            recalled = {(rows[i]["key"], k) for i in flagged for k in rows[i]["ids"]}
            gold = sum({rows[i]["key"]: rows[i]["gold"] for i in chosen}.values())
            cells.append(f"{correct / max(1, len(flagged)):.3f}/{len(recalled) / max(1, gold):.3f}")
            tot_f += len(flagged)
            tot_c += correct
            rec_all |= recalled
            gold_all += gold
        clean = sum(1 for i, r in enumerate(rows) if r["clean"] and predicted[i] >= thr)
        print(
            f"{thr:.2f}  "
            + "  ".join(f"{c:>16}" for c in cells)
            + f"   {tot_c / max(1, tot_f):.3f} / {len(rec_all) / max(1, gold_all):.3f}"
            + f"   {1000 * clean / max(1, clean_words):.2f}"
        )


def fit(args: argparse.Namespace) -> int:
    words = _rows(args.file, "word")
    names = sorted({n for r in words for n in r["f"]})
    x = [[r["f"].get(n, 0.0) for n in names] for r in words]
    y = [1 if r["ids"] else 0 for r in words]
    predicted, fitted = fit_detector(words, x, y, args.l2)
    print(f"{len(words)} words ({sum(y)} spun), {len(article_folds(words))} articles")
    _curve(words, predicted, "word detector (with the document's rate), cross-validated")
    print_detector("contextual.detector", fitted, names)

    units = [u for u in _rows(args.file, "unit") if u["f"]]
    if not units:
        return 0
    unames = sorted({n for r in units for n in r["f"]})
    ux = [[r["f"].get(n, 0.0) for n in unames] for r in units]
    uy = [1 if r["right"] else 0 for r in units]
    upred = out_of_fold(units, ux, uy, args.l2)
    spun_units = [u for u in units if not u["clean"]]
    ceiling = sum(u["ceiling"] for u in spun_units)
    print(
        f"\n{len(units)} units with candidates ({sum(uy)} right repairs; original among candidates {ceiling})"
    )
    print("repair ≥  fixes  right  precision  restored(of gold)  clean fixes")
    gold_total = sum({u["key"]: u["gold"] for u in _rows(args.file, "word")}.values())
    for thr in (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97):
        chosen = [i for i, u in enumerate(units) if upred[i] >= thr]
        right = sum(uy[i] for i in chosen)
        clean = sum(1 for i in chosen if units[i]["clean"])
        print(
            f"{thr:.2f}  {len(chosen):6d} {right:6d}  {right / max(1, len(chosen)):.3f}      "
            f"{right / max(1, gold_total):.3f}            {clean}"
        )
    ubias, uweights = fit_logistic(ux, uy, l2=args.l2)
    print_table("contextual.repair", ubias, uweights, unames)
    return 0


def curve(args: argparse.Namespace) -> int:
    settings = builtin_settings()
    words = _rows(args.file, "word")
    predicted: list[float] = []
    for key in dict.fromkeys(r["key"] for r in words):
        predicted.extend(settings.detector.probabilities([r["f"] for r in words if r["key"] == key]))
    _curve(words, predicted, "word detector, shipped weights")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--thesauri", default=THESAURI)
    c.add_argument("--rates", default="0.12")
    c.add_argument("--limit", type=int)
    c.add_argument("--gate", type=float, help="confirm candidates from this detection probability")
    f = sub.add_parser("fit")
    f.add_argument("file", type=Path)
    f.add_argument("--l2", type=float, default=1.0)
    k = sub.add_parser("curve")
    k.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    return {"collect": collect, "fit": fit, "curve": curve}[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
