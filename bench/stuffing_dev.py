"""Development harness for the stuffing stage: per-occurrence features and labels, and a logistic fit.

    python -m bench.stuffing_dev collect --split tune --seeds 1,2,3,4     # rows → .unspin-cache/bench/
    python -m bench.stuffing_dev report --split tune                      # current verdicts: P/R, safe share
    python -m bench.stuffing_dev fit --split tune                         # grouped-CV logistic fit
    python -m bench.stuffing_dev collect --split heldout --wedgers spinner,stuffer --seeds 1,2,3,4
    python -m bench.stuffing_dev keyphrase --split all --thesauri moby,wordnet --rates 0.08,0.12,0.15
    python -m bench.stuffing_dev prose --corpus bench/clean-prose --show  # findings on clean real prose

``collect`` runs normalize → boilerplate → parse → stuffing on the clean articles and their spun versions
and writes one row per body occurrence: its raw features, the stage's verdict and safety, and the label
(wedged when it overlaps a gold ``stuffing`` edit; ``extend`` when that edit grew a partial occurrence).
``fit`` fits an L2-regularised logistic model on those features with cross-validation grouped by article
(every version of one article in the same fold), and prints the precision at each threshold of the
out-of-fold probabilities, so that the report and safe thresholds come from a measured curve.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
from typing import Any

import numpy as np

from bench import metrics
from bench.common import CACHE, load_corpus, spun_versions

ROWS = CACHE.parent / "stuffing_rows"
ORDER = ["normalize", "boilerplate", "parse", "stuffing"]


def _rows_path(split: str, thesauri: str, rates: str, seeds: str, wedgers: str = "spinner") -> Path:
    tail = "" if wedgers == "spinner" else f"-{wedgers}"
    return ROWS / f"{split}-{thesauri}-{rates}-{seeds}{tail}.json".replace(",", "_")


def _run(items: list[tuple[str, str, str]]) -> list[Any]:
    from unspin.config import Settings
    from unspin.pipeline import Context, Pipeline
    from unspin.readers import read_text

    settings = Settings(unsafe_fixes=True)
    pipeline = Pipeline(settings, order=ORDER)
    docs = []
    for name, text, phrase in items:
        doc = read_text(text, "txt", Path(f"{name}.txt"))
        doc.metadata["keyphrase"] = phrase
        docs.append(doc)
    with Context(settings) as ctx:
        for i in range(0, len(docs), 16):
            pipeline.run(docs[i : i + 16], ctx)
    return docs


def _occurrence_rows(
    doc: Any, slug: str, kind: str, gold: list[Any], wedger: str = "spinner"
) -> list[dict[str, Any]]:
    words = doc.analysis["stuffing"].get("score_inputs", {}).get("words", 0)
    findings = {(f.start, f.end): f for f in doc.findings if f.rule == "STUF001"}
    rows = []
    tacked = [(f.start, f.end) for f in doc.findings if f.rule == "STUF004"]
    for occ in doc.analysis["stuffing"].get("occurrences", []):
        if occ["location"] == "title":
            rows += _title_rows(doc, slug, kind, gold, wedger, occ, tacked)
            continue
        hit = [e for e in gold if metrics.overlaps(occ["start"], occ["end"], e.spun_start, e.spun_end)]
        finding = findings.get((occ["start"], occ["end"]))
        rows.append(
            {
                "slug": slug,
                "wedger": wedger,
                "doc": doc.name,
                "words": words,
                "kind": kind,
                "start": occ["start"],
                "end": occ["end"],
                "label": int(bool(hit)),
                "extend": int(any(e.orig_text.strip() for e in hit)),
                "features": occ.get("features", {}),
                "attach": occ.get("attach", ""),
                "p_wedged": occ["p_wedged"],
                "verdict": occ["verdict"],
                "safe": int(finding is not None and finding.fix.applicability.value == "safe"),
                "text": doc.prose[max(0, occ["start"] - 60) : occ["end"] + 60].replace("\n", " ¶ "),
                **_removal_facts(doc, finding, gold),
            }
        )
    return rows


def _removal_facts(doc: Any, finding: Any, gold: list[Any]) -> dict[str, Any]:
    """How a reported occurrence's removal reads: the sentence after it, the LM gain of removing it, and
    whether it takes out exactly a gold wedge (then the sentence is the one the article had before)."""
    if finding is None or finding.fix is None:
        return {}
    (edit,) = finding.fix.edits
    removed = doc.prose[edit.start : edit.end]
    exact = any(
        metrics.overlaps(edit.start, edit.end, e.spun_start, e.spun_end)
        and removed.strip() == e.spun_text.strip()
        and not e.orig_text.strip()
        for e in gold
    )
    lm = finding.evidence.get("lm") or {}
    return {
        "reads": finding.evidence.get("reads", ""),
        "gain_without": lm.get("gain_without"),
        "exact": exact,
    }


def _title_rows(
    doc: Any, slug: str, kind: str, gold: list[Any], wedger: str, occ: dict[str, Any], tacked: list[Any]
) -> list[dict[str, Any]]:
    """A title occurrence: wedged when STUF004 reports it (never safe, no features: not fitted)."""
    label = any(metrics.overlaps(occ["start"], occ["end"], e.spun_start, e.spun_end) for e in gold)
    found = any(metrics.overlaps(occ["start"], occ["end"], s, e) for s, e in tacked)
    return [
        {
            "slug": slug,
            "wedger": wedger,
            "doc": doc.name,
            "kind": kind,
            "location": "title",
            "start": occ["start"],
            "end": occ["end"],
            "label": int(label),
            "extend": 0,
            "features": {},
            "p_wedged": 1.0 if found else 0.0,
            "verdict": "wedged" if found else "natural",
            "safe": 0,
            "text": doc.prose[max(0, occ["start"] - 60) : occ["end"] + 60].replace("\n", " ¶ "),
        }
    ]


def alternate_phrases(article: Any, count: int) -> list[str]:
    """Other phrases the article repeats (2–4 words, at least twice), as stand-in keyphrases: their
    occurrences in the clean text are natural uses, many more than one keyphrase gives."""
    from unspin.keyphrase import _well_formed, ngram_counts, phrase_words, word_tokens

    body = article.text.split("\n", 1)[1] if "\n" in article.text else article.text
    counts = ngram_counts(body, word_tokens(body), 4)
    own = set(phrase_words(article.keyphrase))
    scored = sorted(
        (
            (c * len(g) ** 1.5, g)
            for g, c in counts.items()
            if c >= 2 and _well_formed(g) and not own & set(g)
        ),
        reverse=True,
    )
    chosen: list[tuple[str, ...]] = []
    for _, gram in scored:
        text = " ".join(gram)
        if any(text in " ".join(c) or " ".join(c) in text for c in chosen):
            continue
        chosen.append(gram)
        if len(chosen) == count:
            break
    return [" ".join(g) for g in chosen]


def collect_alternates(split: str, count: int, seeds: str) -> list[dict[str, Any]]:
    from bench import thesauri
    from bench.spinner import Spinner, derive_seed

    spinner = Spinner(thesauri.load("moby"))
    rows: list[dict[str, Any]] = []
    items: list[tuple[str, str, str]] = []
    meta: list[tuple[str, str, list[Any]]] = []
    for article in load_corpus(split=split):
        for n, phrase in enumerate(alternate_phrases(article, count)):
            items.append((f"{article.slug}.alt{n}", article.text, phrase))
            meta.append((article.slug, "alt-clean", []))
            for seed in (int(s) for s in seeds.split(",")):
                spun = spinner.spin(article.text, phrase, derive_seed(seed, article.slug, phrase, 0.12), 0.12)
                items.append((f"{article.slug}.alt{n}.s{seed}", spun.text, phrase))
                meta.append((article.slug, "alt-spun", [e for e in spun.edits if e.type == "stuffing"]))
    for (slug, kind, gold), doc in zip(meta, _run(items), strict=True):
        rows += _occurrence_rows(doc, slug, kind, gold)
    return rows


def collect(
    split: str, thesauri: str, rates: str, seeds: str, wedgers: str = "spinner"
) -> list[dict[str, Any]]:
    articles = load_corpus(split=split)
    rows: list[dict[str, Any]] = []
    clean_docs = _run([(a.slug, a.text, a.keyphrase) for a in articles])
    for article, doc in zip(articles, clean_docs, strict=True):
        rows += _occurrence_rows(doc, article.slug, "clean", [])
    for wedger in wedgers.split(","):
        for seed in (int(s) for s in seeds.split(",")):
            versions = list(
                spun_versions(
                    articles,
                    tuple(thesauri.split(",")),
                    tuple(float(r) for r in rates.split(",")),
                    seed,
                    wedger=wedger,
                )
            )
            docs = _run([(f"{v.key}.s{seed}", v.spun.text, v.article.keyphrase) for v in versions])
            for version, doc in zip(versions, docs, strict=True):
                gold = [e for e in version.spun.edits if e.type == "stuffing"]
                found = _occurrence_rows(doc, version.article.slug, "spun", gold, wedger)
                rows += found
                # Gold wedges that no occurrence covers (the matcher missed them): recall denominators.
                missed = [
                    e
                    for e in gold
                    if not any(
                        metrics.overlaps(r["start"], r["end"], e.spun_start, e.spun_end) for r in found
                    )
                ]
                rows.append(
                    {
                        "slug": version.article.slug,
                        "wedger": wedger,
                        "kind": "unmatched",
                        "count": len(missed),
                        "missed": [e.spun_text for e in missed],
                    }
                )
    return rows


def keyphrase_check(split: str, thesauri: str, rates: str, seed: int, wedgers: str) -> int:
    """How often inference alone (no front matter, no settings) finds the exact keyphrase of every clean
    article and of every spun version; prints the misses."""
    from unspin.config import Settings
    from unspin.keyphrase import phrase_words
    from unspin.pipeline import Context, Pipeline
    from unspin.readers import read_text
    from unspin.stages.parse import load_nlp, parse_prose
    from unspin.stuffing.analyse import prepare

    settings = Settings()
    pipeline = Pipeline(settings, order=["normalize", "boilerplate"])
    articles = load_corpus(split=split)
    items = [("clean", a.slug, a.text, a.keyphrase) for a in articles]
    for wedger in wedgers.split(","):
        for v in spun_versions(
            articles,
            tuple(thesauri.split(",")),
            tuple(float(r) for r in rates.split(",")),
            seed,
            wedger=wedger,
        ):
            items.append((f"spun/{wedger}", v.key, v.spun.text, v.article.keyphrase))
    tally: dict[str, list[int]] = {}
    with Context(settings) as ctx:
        for kind, name, text, expected in items:
            doc = read_text(text, "txt", Path(f"{name}.txt"))
            pipeline.run([doc], ctx)
            parse_prose([doc], ctx)
            # The stuffing stage's own choice: repeats, the title, and the parse's say on each phrase.
            choice = prepare(doc, doc.nlp_doc, settings, ctx.resource("nlp", load_nlp, shared=True)).choice
            exact = choice.phrase == " ".join(phrase_words(expected))
            tally.setdefault(kind, [0, 0])
            tally[kind][0] += exact
            tally[kind][1] += 1
            if not exact:
                print(f"  {kind:14s} {name:48s} want {expected!r:40s} got {choice.phrase!r}")
    for kind, (hit, total) in tally.items():
        print(f"{kind:14s} exact keyphrase {hit}/{total} = {hit / total:.3f}")
    return 0


PROSE_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")


def prose_check(folder: Path, show: bool) -> int:
    """Stuffing findings on clean real prose (every file under ``folder`` by genre folder): findings per
    1000 words, safe removals, and each finding's sentence. Nothing in such a corpus is stuffed."""
    from unspin.config import Settings
    from unspin.pipeline import Context, Pipeline
    from unspin.readers import read_path

    settings = Settings(unsafe_fixes=True)
    pipeline = Pipeline(settings, order=ORDER)
    files = sorted(
        p for p in folder.rglob("*") if p.suffix.lower() in PROSE_SUFFIXES and p.name != "SOURCES.md"
    )
    tally: dict[str, list[int]] = {}
    with Context(settings) as ctx:
        for path in files:
            doc = read_path(path)
            pipeline.run([doc], ctx)
            genre = path.relative_to(folder).parts[0]
            words = len(doc.prose.split())
            found = [f for f in doc.findings if f.rule.startswith("STUF")]
            safe = [f for f in found if f.fix is not None and f.fix.applicability.value == "safe"]
            row = tally.setdefault(genre, [0, 0, 0, 0])
            row[0] += 1
            row[1] += words
            row[2] += len(found)
            row[3] += len(safe)
            if show:
                for f in found:
                    kp = doc.analysis["stuffing"]["keyphrase"]
                    context = doc.prose[max(0, f.start - 70) : f.end + 70].replace("\n", " ¶ ")
                    print(
                        f"  {f.rule} {'SAFE' if f in safe else 'unsafe'} {path.name} "
                        f"[{kp['phrase']} / {kp['source']}] {context}"
                    )
    total = [sum(r[i] for r in tally.values()) for i in range(4)]
    print("| genre | files | words | stuffing findings | per 1000 words | safe removals |")
    print("|---|---:|---:|---:|---:|---:|")
    for genre, (n, words, found, safe) in [*sorted(tally.items()), ("all", total)]:
        print(f"| {genre} | {n} | {words} | {found} | {1000 * found / max(1, words):.3f} | {safe} |")
    return 0


# ------------------------------------------------------------------------------------------- fit


def design(rows: list[dict[str, Any]], names: list[str]) -> np.ndarray:
    return np.array([[float(r["features"].get(n, 0.0)) for n in names] for r in rows])


def logistic_fit(x: np.ndarray, y: np.ndarray, l2: float, iterations: int = 50) -> np.ndarray:
    """Newton–Raphson for L2-penalised logistic regression; the bias (last column) is not penalised."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    penalty = np.full(xb.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + penalty * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def predict(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(np.hstack([x, np.ones((len(x), 1))]) @ w)))


def grouped_cv(x: np.ndarray, y: np.ndarray, groups: list[str], l2: float, folds: int = 7) -> np.ndarray:
    """Out-of-fold probabilities; every occurrence of one article is in the same fold."""
    names = sorted(set(groups))
    fold_of = {g: i % folds for i, g in enumerate(names)}
    fold = np.array([fold_of[g] for g in groups])
    out = np.zeros(len(y))
    for k in range(folds):
        test = fold == k
        if not test.any():
            continue
        w = logistic_fit(x[~test], y[~test], l2)
        out[test] = predict(x[test], w)
    return out


def curve(p: np.ndarray, y: np.ndarray, clean: np.ndarray, total_wedged: int) -> None:
    print("threshold  precision  recall  flagged  clean-flagged")
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99):
        flagged = p >= t
        tp = int((flagged & (y == 1)).sum())
        prec = tp / max(1, int(flagged.sum()))
        print(
            f"{t:9.2f}  {prec:9.3f}  {tp / total_wedged:6.3f}  {int(flagged.sum()):7d}  "
            f"{int((flagged & clean).sum()):13d}"
        )


def summary(p: np.ndarray, y: np.ndarray, total_wedged: int) -> str:
    """Average precision and the precision at recall 0.85, 0.90 and 0.95 of a ranking."""
    order = np.argsort(-p, kind="stable")
    hits = np.cumsum(y[order])
    precision = hits / np.arange(1, len(y) + 1)
    recall = hits / total_wedged
    average = float((precision * y[order]).sum() / total_wedged)
    at = []
    for target in (0.85, 0.90, 0.95):
        reached = precision[recall >= target]
        at.append(f"P@R{target:.2f} {reached.max():.3f}" if len(reached) else f"P@R{target:.2f}   -  ")
    loss = float(-np.mean(y * np.log(np.clip(p, 1e-9, 1)) + (1 - y) * np.log(np.clip(1 - p, 1e-9, 1))))
    return f"AP {average:.3f}  {'  '.join(at)}  log-loss {loss:.3f}"


def load_rows(args: argparse.Namespace) -> tuple[list[dict[str, Any]], int]:
    data = json.loads(_rows_path(args.split, args.thesauri, args.rates, args.seeds, args.wedgers).read_text())
    occ = [r for r in data if r["kind"] != "unmatched"]
    unmatched = sum(r["count"] for r in data if r["kind"] == "unmatched")
    return occ, unmatched


def unmatched_per_wedger(args: argparse.Namespace) -> dict[str, int]:
    data = json.loads(_rows_path(args.split, args.thesauri, args.rates, args.seeds, args.wedgers).read_text())
    counts: dict[str, int] = {}
    for r in data:
        if r["kind"] == "unmatched":
            wedger = r.get("wedger", "spinner")
            counts[wedger] = counts.get(wedger, 0) + r["count"]
    return counts


KEYPHRASE_KINDS = ("clean", "spun")
STAND_IN_KINDS = ("alt-clean", "alt-spun")
CLEAN_KINDS = ("clean", "alt-clean")


def rescore(rows: list[dict[str, Any]]) -> None:
    """Re-judge every row from its stored features with the current thresholds.toml (no re-collect)."""
    from unspin.stuffing.occurrences import Judge, Occurrence
    from unspin.stuffing.settings import thresholds

    judge = Judge(thresholds()["classify"], None, frozenset())
    for r in rows:
        if r.get("location") == "title":
            continue
        occ = Occurrence(r["start"], r["end"], (0, 0), "body")
        occ.p_wedged, occ.signals = judge.score(r["features"])
        occ.facts["features"] = r["features"]
        r["p_wedged"] = occ.p_wedged
        partial = r["features"].get("partial")
        floor = float(judge.cfg["partial_min"]) if partial else judge.wedged_min(r["features"])
        r["verdict"] = "wedged" if occ.p_wedged >= floor else "natural"
        r["safe"] = int(r["verdict"] == "wedged" and judge.safe(occ))


def report(rows: list[dict[str, Any]], unmatched: int, unmatched_by_wedger: dict[str, int]) -> None:
    for title, kinds in (("keyphrase", KEYPHRASE_KINDS), ("stand-in phrases", STAND_IN_KINDS)):
        part = [r for r in rows if r["kind"] in kinds]
        if not part:
            continue
        print(f"-- {title} ({len(part)} occurrences)")
        _report_part(part, unmatched if kinds == KEYPHRASE_KINDS else 0)
        if kinds != KEYPHRASE_KINDS or len(unmatched_by_wedger) < 2:
            continue
        for wedger, missed in unmatched_by_wedger.items():
            # Each wedger's spun versions, with the clean articles' natural mentions beside them.
            own = [r for r in part if r["kind"] == "clean" or r.get("wedger", "spinner") == wedger]
            print(f"-- keyphrase, wedger {wedger} ({len(own)} occurrences)")
            _report_part(own, missed)


def _report_part(rows: list[dict[str, Any]], unmatched: int) -> None:
    y = np.array([r["label"] for r in rows])
    wedged = np.array([r["verdict"] == "wedged" for r in rows])
    safe = np.array([bool(r["safe"]) for r in rows])
    clean = np.array([r["kind"] in CLEAN_KINDS for r in rows])
    total = int(y.sum()) + unmatched
    for name, mask in (("reported", wedged), ("safe", safe)):
        tp = int((mask & (y == 1)).sum())
        print(
            f"{name:9s} recall {tp / total:.3f}  precision {tp / max(1, int(mask.sum())):.3f}  "
            f"flagged {int(mask.sum())}  on clean articles {int((mask & clean).sum())}"
        )
    extend = np.array([bool(r["extend"]) for r in rows])
    print(
        f"gold wedges {total} (unmatched {unmatched}); extend edits {int(extend.sum())}, "
        f"found {int((extend & wedged).sum())}"
    )


def reads(rows: list[dict[str, Any]], sample: int) -> None:
    """Every safe removal, per wedger: does it take out exactly a gold wedge (the sentence is then the one
    the article had before stuffing), does the trigram LM prefer the sentence without it, and a sample of
    the sentences as they read after it."""
    import random

    for wedger in sorted({r.get("wedger", "spinner") for r in rows if r["kind"] == "spun"}):
        safe = [r for r in rows if r["safe"] and r.get("wedger", "spinner") == wedger and r["kind"] == "spun"]
        safe += [r for r in rows if r["safe"] and r["kind"] == "clean"] if wedger == "spinner" else []
        exact = sum(1 for r in safe if r.get("exact"))
        better = sum(1 for r in safe if (r.get("gain_without") or 0) > 0)
        print(
            f"-- wedger {wedger}: {len(safe)} safe removals, {exact} take out exactly a gold wedge, "
            f"{len(safe) - exact} do not; the LM prefers the sentence without it for {better}"
        )
        for r in safe:
            if not r.get("exact"):
                print(f"   NOT EXACT label={r['label']} {r['text']}\n      reads: {r.get('reads', '')}")
        for r in random.Random(1).sample(safe, min(sample, len(safe))):
            print(f"   reads: {r.get('reads', '')}")


def with_interactions(rows: list[dict[str, Any]], spec: str) -> list[str]:
    """Add product features ("a*b") to every row; returns their names."""
    names = [term for term in spec.split(",") if term]
    for r in rows:
        for name in names:
            a, b = name.split("*")
            r["features"][name] = float(r["features"].get(a, 0.0)) * float(r["features"].get(b, 0.0))
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "command", choices=("collect", "report", "fit", "misses", "keyphrase", "prose", "reads")
    )
    parser.add_argument("--split", default="tune")
    parser.add_argument("--thesauri", default="moby")
    parser.add_argument("--rates", default="0.12")
    parser.add_argument("--seeds", default="1,2,3,4,5,6,7,8")
    parser.add_argument(
        "--wedgers", default="spinner", help="who wedges the keyphrase: spinner, stuffer or both (comma)"
    )
    parser.add_argument("--alternates", type=int, default=0, help="collect: stand-in keyphrases per article")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument(
        "--corpus", type=Path, default=Path("bench/clean-prose"), help="prose: folder of clean real text"
    )
    parser.add_argument("--show", action="store_true", help="prose: print every finding in its context")
    parser.add_argument("--sample", type=int, default=20, help="reads: sentences to print")
    parser.add_argument("--features", default="", help="comma-separated feature subset for fit")
    parser.add_argument("--drop", default="", help="fit: comma-separated features to leave out")
    parser.add_argument("--interactions", default="", help='fit: product features, "a*b,c*d"')
    parser.add_argument("--brief", action="store_true", help="fit: summary lines only")
    parser.add_argument(
        "--rescore", action="store_true", help="report/misses: re-judge stored features with thresholds.toml"
    )
    args = parser.parse_args(argv)
    if args.command == "prose":
        return prose_check(args.corpus, args.show)
    if args.command == "keyphrase":
        return keyphrase_check(
            args.split, args.thesauri, args.rates, int(args.seeds.split(",")[0]), args.wedgers
        )
    if args.command == "collect":
        rows = collect(args.split, args.thesauri, args.rates, args.seeds, args.wedgers)
        if args.alternates:
            rows += collect_alternates(args.split, args.alternates, "1,2")
        path = _rows_path(args.split, args.thesauri, args.rates, args.seeds, args.wedgers)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(rows, ensure_ascii=False))
        args.command = "report"
    rows, unmatched = load_rows(args)
    if args.rescore:
        rescore(rows)
    if args.command == "report":
        report(rows, unmatched, unmatched_per_wedger(args))
    elif args.command == "reads":
        reads(rows, args.sample)
    elif args.command == "misses":
        for r in rows:
            if r["label"] and (r["verdict"] != "wedged" or not r["safe"]):
                print(
                    f"{r['verdict'][:3]} safe={r['safe']} ext={r['extend']} p={r['p_wedged']:.2f} {r['text']}"
                )
                print("    ", {k: v for k, v in r["features"].items() if v})
        for r in rows:
            if not r["label"] and r["verdict"] == "wedged":
                print(f"FALSE {r['kind']} safe={r['safe']} p={r['p_wedged']:.2f} {r['text']}")
                print("    ", {k: v for k, v in r["features"].items() if v})
    else:
        rows = [r for r in rows if r.get("location") != "title"]
        extra = with_interactions(rows, args.interactions)
        names = (
            args.features.split(",") if args.features else sorted({k for r in rows for k in r["features"]})
        )
        names = [n for n in names if n not in args.drop.split(",")]
        names += [n for n in extra if n not in names]
        x = design(rows, names)
        y = np.array([r["label"] for r in rows], dtype=float)
        groups = [r["slug"] for r in rows]
        p = grouped_cv(x, y, groups, args.l2)
        for title, kinds in (("keyphrase", KEYPHRASE_KINDS), ("stand-in phrases", STAND_IN_KINDS)):
            mask = np.array([r["kind"] in kinds for r in rows])
            if not mask.any():
                continue
            clean = np.array([r["kind"] in CLEAN_KINDS for r in rows])[mask]
            total = int(y[mask].sum()) + (unmatched if kinds == KEYPHRASE_KINDS else 0)
            print(f"-- out of fold, {title}: {summary(p[mask], y[mask], total)}")
            if not args.brief:
                curve(p[mask], y[mask], clean, total)
        if args.brief:
            return 0
        w = logistic_fit(x, y, args.l2)
        for name, weight in sorted(zip([*names, "bias"], w, strict=True), key=lambda t: -abs(t[1])):
            print(f"  {name:26s} {weight:7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
