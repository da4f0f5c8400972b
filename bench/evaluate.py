"""Accuracy benchmark: spin every corpus article, clean the spun and the clean versions with unspin, score.

    python -m bench.evaluate                      # all articles, thesauri moby+wordnet, rates .08/.12/.15
    python -m bench.evaluate --split tune --no-grammar --unsafe-fixes
    python -m bench.evaluate --limit 4 --thesauri moby --rates 0.12 --no-write

Everything runs in this one process through unspin's library pipeline (one Pipeline and one Context, so
spaCy, the LM and the thesauri load once). Spun versions are cached under ``.unspin-cache/bench/spun``
keyed by the spinner's code, so a rerun only pays for unspin. The summary goes to stdout as Markdown
tables; the full results (per group and per document) to ``bench/results/*.json`` and ``*.md``.
See bench/README.md for what each metric means.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script (python bench/evaluate.py): make the bench package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import metrics
from bench.common import (
    CACHE,
    CORPUS,
    RATES,
    REPO,
    RESULTS,
    SEED_ARTICLE,
    THESAURI,
    WEDGERS,
    Article,
    Runner,
    SpunVersion,
    load_corpus,
    output_text,
    peak_rss_mb,
    revision,
    spun_versions,
)
from bench.spinner import EDIT_TYPES, GoldEdit

# Which finding categories recall a gold edit of each type ("number" edits: any finding).
RECALL_CATEGORIES: dict[str, tuple[str, ...] | None] = {
    "spin": ("spin",),
    "stuffing": ("stuffing",),
    "boilerplate": ("boilerplate",),
    "number": None,
}
PRECISION_CATEGORIES = ("spin", "stuffing")


@dataclass(frozen=True)
class FindingSpan:
    category: str
    start: int
    end: int
    applied: bool


def _findings(doc: Any) -> list[FindingSpan]:
    return [FindingSpan(f.category.value, f.start, f.end, bool(f.applied)) for f in doc.findings]


def _overall(doc: Any) -> tuple[float | None, float | None]:
    scores = doc.scores or {}
    before = scores.get("before") or {}
    return scores.get("overall"), before.get("overall")


def spun_record(version: SpunVersion, doc: Any) -> dict[str, Any]:
    """Everything measured on one spun version: counts, so that groups can be summed (micro averages)."""
    spun = version.spun
    orig_tokens = metrics.tokens(spun.original)
    ref = [t.text for t in orig_tokens]
    out = metrics.words(output_text(doc))
    pairs = metrics.align(ref, out)
    kept = metrics.kept_ref_words(ref, out, pairs)
    spin_spans = [(e.orig_start, e.orig_end) for e in spun.edits if e.type == "spin"]
    edited_spans = [(e.orig_start, e.orig_end) for e in spun.edits if e.orig_end > e.orig_start]
    spun_words = metrics.words(spun.without_footer())
    spun_pairs = metrics.align(ref, spun_words)
    # Words the spinner really changed: inside a spin edit and not left as they were ("well-being" →
    # "perfectly-being" changes one word of two).
    unchanged_by_spinner = metrics.kept_ref_words(ref, spun_words, spun_pairs)
    replaced = {i for i, t in enumerate(orig_tokens) if _within(t, spin_spans)} - unchanged_by_spinner
    intact = {i for i, t in enumerate(orig_tokens) if not _within(t, edited_spans)}
    found = _findings(doc)
    record: dict[str, Any] = {
        "kind": "spun",
        "slug": version.article.slug,
        "split": version.article.split,
        "genre": version.article.genre,
        "thesaurus": version.thesaurus,
        "rate": version.rate,
        "words": len(ref),
        "errors_out": metrics.edit_distance(ref, out, pairs),
        "errors_spun": metrics.edit_distance(ref, spun_words, spun_pairs),
        "replaced": len(replaced),
        "restored": len(replaced & kept),
        "intact": len(intact),
        "damaged": len(intact - kept),
    }
    for kind in EDIT_TYPES:
        gold = [e for e in spun.edits if e.type == kind]
        record[f"gold_{kind}"] = len(gold)
        record[f"recalled_{kind}"] = sum(1 for e in gold if _recalled(e, found, RECALL_CATEGORIES[kind]))
    for category in PRECISION_CATEGORIES:
        mine = [f for f in found if f.category == category]
        record[f"findings_{category}"] = len(mine)
        record[f"correct_{category}"] = sum(
            1
            for f in mine
            if any(
                e.type == category and metrics.overlaps(f.start, f.end, e.spun_start, e.spun_end)
                for e in spun.edits
            )
        )
    record["applied"] = sum(1 for f in found if f.applied)
    record["overall"], record["overall_before"] = _overall(doc)
    return record


def clean_record(article: Article, doc: Any) -> dict[str, Any]:
    ref = metrics.words(article.text)
    out = metrics.words(output_text(doc))
    found = _findings(doc)
    overall, before = _overall(doc)
    return {
        "kind": "clean",
        "slug": article.slug,
        "split": article.split,
        "genre": article.genre,
        "words": len(ref),
        "errors_out": metrics.edit_distance(ref, out),
        "findings_spin_stuffing": sum(1 for f in found if f.category in PRECISION_CATEGORIES),
        "findings_all": len(found),
        "applied": sum(1 for f in found if f.applied),
        "overall": overall,
        "overall_before": before,
    }


def seed_record(path: Path, doc: Any) -> dict[str, Any]:
    """The real spun article shipped as the first sample input: its scores before and after cleaning."""
    scores = dict(doc.scores or {})
    before = scores.pop("before", {}) or {}
    by_category: dict[str, int] = {}
    for f in doc.findings:
        by_category[f.category.value] = by_category.get(f.category.value, 0) + 1
    try:
        label = path.resolve().relative_to(REPO).as_posix()
    except ValueError:
        label = path.as_posix()
    return {
        "path": label,
        "keyphrase": doc.keyphrase,
        "scores_before": before,
        "scores_after": scores,
        "findings": dict(sorted(by_category.items())),
        "applied": sum(1 for f in doc.findings if f.applied),
    }


def _within(token: metrics.Token, spans: list[tuple[int, int]]) -> bool:
    return any(s <= token.start and token.end <= e for s, e in spans)


def _recalled(edit: GoldEdit, found: list[FindingSpan], categories: tuple[str, ...] | None) -> bool:
    return any(
        (categories is None or f.category in categories)
        and metrics.overlaps(f.start, f.end, edit.spun_start, edit.spun_end)
        for f in found
    )


# ----------------------------------------------------------------------------------------- summary


def _sum(records: list[dict[str, Any]], key: str) -> float:
    return sum(r[key] for r in records)


def summarise_spun(records: list[dict[str, Any]], clean: list[dict[str, Any]]) -> dict[str, Any]:
    """Micro averages over a group of spun versions (and the clean versions of the same articles)."""
    errors_spun = _sum(records, "errors_spun")
    summary: dict[str, Any] = {
        "versions": len(records),
        "words": int(_sum(records, "words")),
        "wer_spun": metrics.ratio(errors_spun, _sum(records, "words")),
        "wer_out": metrics.ratio(_sum(records, "errors_out"), _sum(records, "words")),
        "repair": None if not errors_spun else 1 - _sum(records, "errors_out") / errors_spun,
        "restored": metrics.ratio(_sum(records, "restored"), _sum(records, "replaced")),
        "damage": metrics.ratio(_sum(records, "damaged"), _sum(records, "intact")),
    }
    for kind in EDIT_TYPES:
        summary[f"recall_{kind}"] = metrics.ratio(
            _sum(records, f"recalled_{kind}"), _sum(records, f"gold_{kind}")
        )
    for category in PRECISION_CATEGORIES:
        summary[f"precision_{category}"] = metrics.ratio(
            _sum(records, f"correct_{category}"), _sum(records, f"findings_{category}")
        )
    slugs = {r["slug"] for r in records}
    clean_here = [c for c in clean if c["slug"] in slugs]
    for field in ("overall", "overall_before"):
        positives = [c[field] for c in clean_here if c[field] is not None]
        negatives = [r[field] for r in records if r[field] is not None]
        summary[f"auc_{field}"] = metrics.auc(positives, negatives)
    return summary


def summarise_clean(records: list[dict[str, Any]]) -> dict[str, Any]:
    words = _sum(records, "words")
    return {
        "articles": len(records),
        "words": int(words),
        "wer_out_vs_input": metrics.ratio(_sum(records, "errors_out"), words),
        "spin_stuffing_per_1000_words": metrics.ratio(1000 * _sum(records, "findings_spin_stuffing"), words),
        "findings_per_1000_words": metrics.ratio(1000 * _sum(records, "findings_all"), words),
        "mean_overall": _mean(r["overall"] for r in records),
    }


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def groups(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Named subsets: all, each split, each thesaurus, each rate, each genre."""
    keys: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
        ("split", lambda r: r["split"]),
        ("thesaurus", lambda r: r.get("thesaurus")),
        ("rate", lambda r: r.get("rate")),
        ("genre", lambda r: r.get("genre")),
    ]
    out: dict[str, list[dict[str, Any]]] = {"all": records}
    for name, key in keys:
        for value in sorted({key(r) for r in records if key(r) not in (None, "")}, key=str):
            out[f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"] = [
                r for r in records if key(r) == value
            ]
    return out


# ------------------------------------------------------------------------------------------- run


def evaluate(
    articles: list[Article],
    thesaurus_names: Iterable[str] = THESAURI,
    rates: Iterable[float] = RATES,
    seed: int = 1,
    grammar: bool = True,
    unsafe_fixes: bool = False,
    use_cache: bool = True,
    progress: Callable[[str], None] | None = None,
    infer_keyphrase: bool = False,
    seed_article: Path | None = SEED_ARTICLE,
    fast: bool = False,
    wedger: str = "spinner",
    skip_stages: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Run the benchmark and return its results (summaries per fix mode, and per-document records)."""
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    cache = CACHE if use_cache else None
    versions = list(
        spun_versions(articles, tuple(thesaurus_names), tuple(rates), seed, cache=cache, wedger=wedger)
    )
    spin_seconds = time.perf_counter() - started
    say(f"{len(versions)} spun versions of {len(articles)} articles ready in {spin_seconds:.1f} s")
    modes = ["safe", "unsafe"] if unsafe_fixes else ["safe"]
    results: dict[str, Any] = {"modes": {}, "records": {}}
    first: Runner | None = None
    runners: list[Runner] = []
    try:
        for mode in modes:
            runner = Runner(
                grammar=grammar,
                unsafe_fixes=mode == "unsafe",
                share_with=first,
                fast=fast,
                skip_stages=skip_stages,
            )
            runners.append(runner)
            first = first or runner
            t0 = time.perf_counter()
            # The keyphrase is given as an editor's front matter would give it, unless unspin must infer it.
            given = (lambda phrase: None) if infer_keyphrase else (lambda phrase: phrase)
            clean_docs = runner.run([(a.slug, a.text, given(a.keyphrase)) for a in articles])
            spun_docs = runner.run([(v.key, v.spun.text, given(v.article.keyphrase)) for v in versions])
            seconds = time.perf_counter() - t0
            clean = [clean_record(a, d) for a, d in zip(articles, clean_docs, strict=True)]
            spun = [spun_record(v, d) for v, d in zip(versions, spun_docs, strict=True)]
            words = sum(r["words"] for r in clean) + sum(len(v.spun.text.split()) for v in versions)
            count = len(clean) + len(spun)
            say(f"{mode} fixes: {count} documents in {seconds:.1f} s ({words / seconds:.0f} words/s)")
            results["modes"][mode] = {
                "spun": {name: summarise_spun(rs, clean) for name, rs in groups(spun).items()},
                "clean": {name: summarise_clean(rs) for name, rs in groups(clean).items()},
                "seconds": round(seconds, 2),
                "stage_seconds": {k: round(v, 2) for k, v in runner.context.timings.items()},
            }
            results["records"][mode] = clean + spun
            if seed_article is not None and seed_article.is_file():
                seed_text = seed_article.read_text(encoding="utf-8")
                seed_doc = runner.run([(seed_article.stem, seed_text, None)])[0]
                results["modes"][mode]["seed_article"] = seed_record(seed_article, seed_doc)
            runner.context.timings.clear()
    finally:
        for runner in reversed(runners):
            runner.close()
    results["meta"] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "revision": revision(),
        "articles": len(articles),
        "splits": sorted({a.split for a in articles}),
        "thesauri": list(thesaurus_names),
        "rates": list(rates),
        "seed": seed,
        "grammar": grammar,
        "engine": "trigram (--fast)" if fast else "contextual",
        "keyphrase": "inferred" if infer_keyphrase else "given",
        "wedger": wedger,
        "skipped_stages": list(skip_stages),
        "spin_seconds": round(spin_seconds, 2),
        "total_seconds": round(time.perf_counter() - started, 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    return results


# -------------------------------------------------------------------------------------- markdown

SPUN_COLUMNS = (
    ("repair", "repair"),
    ("restored", "restored"),
    ("damage", "damage"),
    ("wer_spun", "WER spun"),
    ("wer_out", "WER out"),
    ("recall_spin", "R spin"),
    ("recall_stuffing", "R stuff"),
    ("recall_boilerplate", "R boil"),
    ("recall_number", "R num"),
    ("precision_spin", "P spin"),
    ("precision_stuffing", "P stuff"),
    ("auc_overall", "AUC"),
    ("auc_overall_before", "AUC before"),
)
CLEAN_COLUMNS = (
    ("wer_out_vs_input", "WER(out, in)"),
    ("spin_stuffing_per_1000_words", "spin+stuff /1k words"),
    ("findings_per_1000_words", "all findings /1k words"),
    ("mean_overall", "mean overall"),
)


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    lines = [
        f"# unspin accuracy benchmark ({meta['date']}, revision {meta['revision'] or 'uncommitted'})",
        "",
        f"{meta['articles']} articles ({', '.join(meta['splits'])}), thesauri {', '.join(meta['thesauri'])}, "
        f"rates {', '.join(f'{r:g}' for r in meta['rates'])}, seed {meta['seed']}, "
        f"grammar {'on' if meta['grammar'] else 'off'}, spin engine {meta.get('engine', 'trigram')}, "
        f"keyphrase wedged by the {meta.get('wedger', 'spinner')}"
        + (f", stages skipped: {', '.join(meta['skipped_stages'])}" if meta.get("skipped_stages") else "")
        + "; "
        f"{meta['total_seconds']:.0f} s, "
        f"peak RSS {meta['peak_rss_mb']:.0f} MB.",
    ]
    for mode, data in results["modes"].items():
        lines += ["", f"## Spun articles, {mode} fixes", ""]
        lines.append("| group | n | " + " | ".join(title for _, title in SPUN_COLUMNS) + " |")
        lines.append("|---|---:|" + "---:|" * len(SPUN_COLUMNS))
        for name, summary in data["spun"].items():
            cells = " | ".join(_cell(summary[key]) for key, _ in SPUN_COLUMNS)
            lines.append(f"| {name} | {summary['versions']} | {cells} |")
        seed = data.get("seed_article")
        if seed:
            found = ", ".join(f"{k} {v}" for k, v in seed["findings"].items()) or "none"
            lines += [
                "",
                f"Seed article `{seed['path']}` (keyphrase {seed['keyphrase']!r}): overall "
                f"{_cell(seed['scores_before'].get('overall'))} before → "
                f"{_cell(seed['scores_after'].get('overall'))} after; findings: {found}; "
                f"{seed['applied']} fixes applied.",
            ]
        lines += ["", f"## Clean articles, {mode} fixes", ""]
        lines.append("| group | n | " + " | ".join(title for _, title in CLEAN_COLUMNS) + " |")
        lines.append("|---|---:|" + "---:|" * len(CLEAN_COLUMNS))
        for name, summary in data["clean"].items():
            if name.startswith(("thesaurus=", "rate=")):
                continue
            cells = " | ".join(_cell(summary[key]) for key, _ in CLEAN_COLUMNS)
            lines.append(f"| {name} | {summary['articles']} | {cells} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="unspin accuracy benchmark on the spun corpus.")
    parser.add_argument("--split", choices=("tune", "heldout", "all"), default="all")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="folder with corpus.toml and articles/")
    parser.add_argument(
        "--thesauri",
        default=",".join(THESAURI),
        help="comma-separated spinners: moby, wordnet, mythes, phrase-dict, each optionally -frequent",
    )
    parser.add_argument(
        "--rates", default=",".join(f"{r:g}" for r in RATES), help="comma-separated spin rates"
    )
    parser.add_argument("--limit", type=int, help="only the first N articles (by slug)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-grammar", action="store_true", help="disable the grammar stage (quick runs)")
    parser.add_argument("--unsafe-fixes", action="store_true", help="also evaluate with unsafe fixes applied")
    parser.add_argument(
        "--infer-keyphrase", action="store_true", help="do not give unspin the keyphrase; let it infer it"
    )
    parser.add_argument("--no-cache", action="store_true", help="re-spin instead of reusing cached versions")
    parser.add_argument("--fast", action="store_true", help="the trigram spin path (unspin --fast)")
    parser.add_argument(
        "--out", type=Path, help="results JSON (default bench/results/evaluate-SPLIT[-nogrammar].json)"
    )
    parser.add_argument("--no-write", action="store_true", help="print the tables only")
    parser.add_argument(
        "--wedger", choices=WEDGERS, default="spinner", help="who wedges the keyphrase (bench/stuffer.py)"
    )
    parser.add_argument(
        "--skip-stages",
        default="",
        help="comma-separated stages to leave out (e.g. spin for stuffing-only runs; recorded)",
    )
    args = parser.parse_args(argv)

    articles = load_corpus(args.corpus, args.split, args.limit)
    if not articles:
        print(f"no articles for split {args.split} in {args.corpus}", file=sys.stderr)
        return 2
    results = evaluate(
        articles,
        [t.strip() for t in args.thesauri.split(",") if t.strip()],
        [float(r) for r in args.rates.split(",") if r.strip()],
        seed=args.seed,
        grammar=not args.no_grammar,
        unsafe_fixes=args.unsafe_fixes,
        use_cache=not args.no_cache,
        infer_keyphrase=args.infer_keyphrase,
        progress=lambda msg: print(msg, file=sys.stderr),
        fast=args.fast,
        wedger=args.wedger,
        skip_stages=tuple(s.strip() for s in args.skip_stages.split(",") if s.strip()),
    )
    table = markdown(results)
    print(table)
    if not args.no_write:
        suffix = (
            ("-nogrammar" if args.no_grammar else "")
            + ("-fast" if args.fast else "")
            + ("" if args.wedger == "spinner" else f"-{args.wedger}")
            + "".join(f"-no{s.strip()}" for s in args.skip_stages.split(",") if s.strip())
        )
        out = args.out or RESULTS / f"evaluate-{args.split}{suffix}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        out.with_suffix(".md").write_text(table, encoding="utf-8")
        print(f"wrote {out} and {out.with_suffix('.md')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
