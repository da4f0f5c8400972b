"""Do no harm: the default ``unspin clean`` over real, well-edited public prose.

The clean-prose corpus (``bench/clean-prose/GENRE/*``, sources and licences in its ``SOURCES.md``) holds
whole chapters, essays, posts and pages that nobody tuned unspin on. Every finding on it is a false alarm
unless a person confirms it, and every fix applied by default must be a real correction. This script runs
the default pipeline (the library API the CLI uses, grammar on) over the corpus and writes, per genre: words,
findings per 1000 words by category, safe fixes applied, files that would fail a default ``unspin check``;
and every applied fix (file, line, before -> after, rule) with the verdict a person recorded for it in
``bench/data/clean-prose-verdicts.toml`` ("unjudged" for a fix nobody has read yet).

It also checks what unspin's own masking could get wrong: a fix that touches protected text (code, links,
URLs, markup, front matter), protected text that is not byte-identical in the clean text, and grammar
findings right next to protected text (listed for reading).

    python -m bench.clean_prose                 # whole corpus -> bench/results/clean-prose.{md,json}
    python -m bench.clean_prose --subset        # the CI subset (tests/test_clean_prose.py) -> …-subset.*
    python -m bench.clean_prose --genre essays --no-write
    python -m bench.clean_prose --jobs 2        # two processes (the peak memory is per process)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO, peak_rss_mb, revision

RESULTS = REPO / "bench" / "results"
VERDICTS = REPO / "bench" / "data" / "clean-prose-verdicts.toml"
SUBSET_FILE = REPO / "bench" / "data" / "clean-prose-subset.toml"
# The corpus is part of the repository; UNSPIN_CLEAN_PROSE or --corpus names another folder of the same shape.
CORPUS_PLACES = (REPO / "bench" / "clean-prose",)
# Every folder of the corpus is a genre, except the one holding the sources' licence files.
LICENCE_FOLDER = "LICENSES"
CATEGORIES = ("spin", "stuffing", "grammar", "style", "boilerplate", "structure")
# Two characters either side of protected text: "an `x`" puts the article one space before the code.
NEIGHBOURHOOD = 2


def corpus_dir(explicit: str | None = None) -> Path:
    """The corpus folder: ``explicit``, ``$UNSPIN_CLEAN_PROSE``, or the first of CORPUS_PLACES that has
    genre folders. Raises FileNotFoundError naming the places looked at."""
    import os

    named = explicit or os.environ.get("UNSPIN_CLEAN_PROSE")
    places = (Path(named),) if named else CORPUS_PLACES
    for place in places:
        if place.is_dir() and any(p.is_dir() for p in place.iterdir()):
            return place
    raise FileNotFoundError(
        "clean-prose corpus not found (looked in " + ", ".join(str(p) for p in places) + "); see "
        "bench/clean-prose/SOURCES.md for what it holds and where it comes from"
    )


def corpus_files(root: Path, subset: bool = False, genres: tuple[str, ...] = ()) -> list[tuple[str, Path]]:
    """``(genre, path)`` for every corpus file, or for the fixed CI subset."""
    if subset:
        table = tomllib.loads(SUBSET_FILE.read_text(encoding="utf-8"))["files"]
        chosen = [(genre, root / genre / name) for genre, names in table.items() for name in names]
        missing = [str(p) for _, p in chosen if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"clean-prose subset files missing: {', '.join(missing)}")
    else:
        chosen = [
            (folder.name, path)
            for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name != LICENCE_FOLDER)
            for path in sorted(folder.iterdir())
            if path.is_file()
        ]
    return [(g, p) for g, p in chosen if not genres or g in genres]


# ------------------------------------------------------------------------------------------ one file


@dataclass
class FileReport:
    genre: str
    name: str
    words: int
    findings: Counter[str] = field(default_factory=Counter)  # category -> count
    applied: list[dict[str, Any]] = field(default_factory=list)
    near_protected: list[dict[str, Any]] = field(default_factory=list)  # grammar findings by protected text
    protected_touched: list[dict[str, Any]] = field(default_factory=list)
    protected_changed: int = 0
    protected_removed: int = 0  # deleted whole, with the boilerplate or duplicate block that held them
    check_status: int = 0
    check_errors: list[str] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)  # every spin and stuffing finding


def _line_text(source: str, offset: int) -> str:
    start = source.rfind("\n", 0, offset) + 1
    end = source.find("\n", offset)
    return source[start : end if end != -1 else len(source)].strip()


def _fix_row(doc: Any, finding: Any) -> dict[str, Any]:
    span = finding.fix.span
    line, column = doc.line_column(span.start)
    return {
        "line": line,
        "column": column,
        "rule": finding.rule,
        "lt_rule": finding.evidence.get("lt_rule"),
        "category": finding.category.value,
        "applicability": finding.fix.applicability.value,
        "confidence": finding.confidence,
        "before": doc.source[span.start : span.end],
        "after": finding.fix.render(doc.source),
        "context": _line_text(doc.source, span.start)[:240],
    }


def _near(span: Any, protected: list[Any]) -> Any:
    for p in protected:
        if p.start - NEIGHBOURHOOD <= span.end and span.start <= p.end + NEIGHBOURHOOD:
            return p
    return None


def examine(genre: str, path: Path, doc: Any, settings: Any) -> FileReport:
    """Everything the benchmark records about one processed document."""
    from unspin.checker import exit_status, report_view
    from unspin.stages.score import word_count

    report = FileReport(genre, path.name, word_count(doc.prose))
    for f in doc.findings:
        report.findings[f.category.value] += 1
        if f.category.value in ("spin", "stuffing"):
            line, _ = doc.line_column(f.start)
            report.flagged.append(
                {
                    "line": line,
                    "rule": f.rule,
                    "severity": f.severity.value,
                    "confidence": f.confidence,
                    "text": doc.source[f.start : f.end][:80],
                    "fix": f.fix.applicability.value if f.fix else None,
                    "suggestion": f.fix.render(doc.source)[:80] if f.fix else None,
                }
            )
    protected = [p for p in doc.protected if p.end > p.start]
    removed: set[tuple[int, int]] = set()  # protected spans deleted whole with the block that held them
    for f in doc.findings:
        if f.applied and f.fix is not None:
            row = _fix_row(doc, f)
            report.applied.append(row)
            for p in protected:
                edits = [e for e in f.fix.edits if e.span.overlaps(p)]
                if not edits:
                    continue
                if all(e.replacement == "" and e.span.contains(p) for e in edits):
                    removed.add((p.start, p.end))
                else:
                    report.protected_touched.append({**row, "protected": doc.source[p.start : p.end]})
        if f.category.value == "grammar":
            near = _near(f.span, protected)
            if near is not None:
                line, _ = doc.line_column(f.start)
                report.near_protected.append(
                    {
                        "line": line,
                        "lt_rule": f.evidence.get("lt_rule"),
                        "text": doc.source[f.start : f.end],
                        "protected": doc.source[near.start : near.end][:80],
                        "message": f.message,
                        "context": _line_text(doc.source, f.start)[:240],
                    }
                )
    report.protected_removed = len(removed)
    report.protected_changed = _protected_changed(
        doc, [p for p in protected if (p.start, p.end) not in removed]
    )
    result = report_view(doc, path.name, settings, None)
    report.check_status, _ = exit_status([result], [], settings.fail_level, None)
    report.check_errors = sorted(
        {f"{d.rule} ({d.severity.value})" for d in result.diagnostics if d.severity.value == "error"}
    )
    return report


def _protected_changed(doc: Any, protected: list[Any]) -> int:
    """Protected spans whose text is not byte-identical at their place in the clean text."""
    clean, offset_map = doc.clean_text, doc.offset_map
    if clean is None or offset_map is None:
        return 0
    changed = 0
    for p in protected:
        for seg in offset_map.segments:
            lo, hi = max(p.start, seg.src_start), min(p.end, seg.src_end)
            if lo >= hi:
                continue
            if seg.changed:
                changed += 1
                break
            out = seg.out_start + lo - seg.src_start
            if clean[out : out + hi - lo] != doc.source[lo:hi]:
                changed += 1
                break
    return changed


# --------------------------------------------------------------------------------------------- verdicts


def verdict_key(name: str, row: dict[str, Any]) -> str:
    return f"{name}:{row['line']}:{row['rule']}:{row['before']}->{row['after']}"


def near_key(name: str, row: dict[str, Any]) -> str:
    return f"{name}:{row['line']}:{row['lt_rule']}:{row['text']}"


def load_verdicts(path: Path = VERDICTS, table: str = "fix") -> dict[str, dict[str, str]]:
    """A person's verdicts: ``table`` "fix" for applied fixes, "near" for grammar findings beside protected
    text (verdict "real": not caused by masking)."""
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {entry["key"]: entry for entry in data.get(table, [])}


# ------------------------------------------------------------------------------------------------- run


def run(files: list[tuple[str, Path]], batch: int = 8) -> tuple[list[FileReport], dict[str, Any]]:
    """The default clean (``Settings()``, as ``unspin clean`` without options) over ``files``."""
    from unspin import api
    from unspin.config import Settings
    from unspin.pipeline import Context
    from unspin.readers import read_path

    settings = Settings()
    reports: list[FileReport] = []
    started = time.perf_counter()
    with Context(settings) as ctx:
        for i in range(0, len(files), batch):
            chunk = files[i : i + batch]
            docs = api.process([read_path(path) for _, path in chunk], settings, ctx)
            for (genre, path), doc in zip(chunk, docs, strict=True):
                if "grammar" in doc.skipped:
                    raise RuntimeError(f"{path}: grammar stage skipped ({doc.skipped['grammar']})")
                reports.append(examine(genre, path, doc, settings))
    meta = {
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "fail_level": settings.fail_level,
    }
    return reports, meta


def run_parallel(files: list[tuple[str, Path]], jobs: int) -> tuple[list[FileReport], dict[str, Any]]:
    """:func:`run` in ``jobs`` processes (each with its own models and LanguageTool server), files dealt
    out in turn; the reports come back in corpus order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if jobs <= 1:
        return run(files)
    started = time.perf_counter()
    groups = [files[i::jobs] for i in range(jobs)]
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(run, groups))
    order = {(genre, path.name): i for i, (genre, path) in enumerate(files)}
    reports = sorted((r for found, _ in results for r in found), key=lambda r: order[(r.genre, r.name)])
    meta = {
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_mb": max(m["peak_rss_mb"] for _, m in results),
        "fail_level": results[0][1]["fail_level"],
        "jobs": jobs,
    }
    return reports, meta


def _empty_counts() -> dict[str, Any]:
    """One genre's (or the whole corpus's) counts before any file is added."""
    return {"files": 0, "words": 0, "findings": Counter(), "safe_fixes": 0, "wrong": 0, "unjudged": 0,
            "failing_check": [], "near_protected": 0, "protected_touched": 0, "protected_changed": 0,
            "protected_removed": 0}  # fmt: skip


def summarise(reports: list[FileReport], verdicts: dict[str, dict[str, str]]) -> dict[str, Any]:
    genres: dict[str, dict[str, Any]] = {}
    fixes: list[dict[str, Any]] = []
    for r in reports:
        g = genres.setdefault(
            r.genre,
            _empty_counts(),
        )
        g["files"] += 1
        g["words"] += r.words
        g["findings"].update(r.findings)
        g["near_protected"] += len(r.near_protected)
        g["protected_touched"] += len(r.protected_touched)
        g["protected_changed"] += r.protected_changed
        g["protected_removed"] += r.protected_removed
        if r.check_status:
            g["failing_check"].append(f"{r.name}: {', '.join(r.check_errors)}")
        for row in r.applied:
            key = verdict_key(r.name, row)
            entry = verdicts.get(key, {})
            verdict = entry.get("verdict", "unjudged")
            fixes.append({"genre": r.genre, "file": r.name, "key": key, **row, "verdict": verdict,
                          "note": entry.get("note", "")})  # fmt: skip
            g["safe_fixes"] += row["applicability"] == "safe"
            g["wrong"] += verdict == "wrong"
            g["unjudged"] += verdict == "unjudged"
    total = _empty_counts()
    for g in genres.values():
        for key, value in g.items():
            total[key] = total[key] + value
    rows = {**genres, "all": total}
    for g in rows.values():
        per = 1000.0 / max(1, g["words"])
        g["per_1000"] = {c: round(g["findings"][c] * per, 2) for c in CATEGORIES}
        g["per_1000"]["spin+stuffing"] = round((g["findings"]["spin"] + g["findings"]["stuffing"]) * per, 2)
        g["findings"] = {c: g["findings"][c] for c in CATEGORIES}
    return {"genres": rows, "fixes": fixes}


def from_results(datas: list[dict[str, Any]], verdicts: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Results JSON files (of disjoint genres, e.g. runs split by ``--genre``) as one summary, with today's
    verdicts and with the files failing a default check recomputed from every spin and stuffing finding's
    confidence under today's rule data (``error_confidence``)."""
    from unspin import rules

    genres: dict[str, dict[str, Any]] = {}
    fixes: list[dict[str, Any]] = []
    flagged: list[dict[str, Any]] = []
    near: list[dict[str, Any]] = []
    for data in datas:
        genres.update({name: dict(g) for name, g in data["genres"].items() if name != "all"})
        fixes += data["fixes"]
        flagged += data["spin_and_stuffing"]
        near += data["near_protected"]
    for g in genres.values():
        g.update(wrong=0, unjudged=0, failing_check=[])
    for fx in fixes:
        entry = verdicts.get(fx["key"], {})
        fx.update(verdict=entry.get("verdict", "unjudged"), note=entry.get("note", ""))
        genres[fx["genre"]]["wrong"] += fx["verdict"] == "wrong"
        genres[fx["genre"]]["unjudged"] += fx["verdict"] == "unjudged"
    errors: dict[tuple[str, str], set[str]] = {}
    for row in flagged:
        severity = rules.get(row["rule"]).severity_at(row["confidence"])
        row["severity"] = severity.value
        if severity.value == "error":
            errors.setdefault((row["genre"], row["file"]), set()).add(f"{row['rule']} (error)")
    for (genre, name), codes in sorted(errors.items()):
        genres[genre]["failing_check"].append(f"{name}: {', '.join(sorted(codes))}")
    total = _empty_counts()
    for g in genres.values():
        for key in total:
            total[key] = total[key] + (Counter(g[key]) if key == "findings" else g.get(key, 0))
    if not all("protected_removed" in g for g in genres.values()):
        # Results from before removals were counted apart: their "touching" count includes them.
        del total["protected_removed"]
    total["findings"] = {c: total["findings"][c] for c in CATEGORIES}
    per = 1000.0 / max(1, total["words"])
    total["per_1000"] = {c: round(total["findings"][c] * per, 2) for c in CATEGORIES}
    total["per_1000"]["spin+stuffing"] = round(
        (total["findings"]["spin"] + total["findings"]["stuffing"]) * per, 2
    )
    return {"genres": {**dict(sorted(genres.items())), "all": total}, "fixes": fixes, "near_protected": near,
            "spin_and_stuffing": flagged}  # fmt: skip


def near_protected_rows(reports: list[FileReport]) -> list[dict[str, Any]]:
    return [{"genre": r.genre, "file": r.name, **row} for r in reports for row in r.near_protected]


def flagged_rows(reports: list[FileReport]) -> list[dict[str, Any]]:
    return [{"genre": r.genre, "file": r.name, **row} for r in reports for row in r.flagged]


def render_markdown(summary: dict[str, Any], meta: dict[str, Any], near: list[dict[str, Any]]) -> str:
    rows = summary["genres"]
    near_verdicts = load_verdicts(table="near")
    lines = [
        f"# Clean prose (do no harm){' — CI subset' if meta['subset'] else ''}",
        "",
        f"`python -m bench.clean_prose{' --subset' if meta['subset'] else ''}` at revision "
        f"`{meta['revision']}`: the default `unspin clean` (safe fixes only, grammar on, LanguageTool "
        f"{meta.get('languagetool') or 'server'}) over {rows['all']['files']} files of real, well-edited "
        f"public text (`bench/clean-prose/SOURCES.md`). {meta['seconds']} s, peak RSS "
        f"{meta['peak_rss_mb']} MB (a shared 2-core machine: timings are noisy).",
        "",
        "Every finding here is a false alarm unless a person confirms it. Findings are counted per 1000 "
        "words of prose (code, markup and front matter excluded). A file fails the default check when a "
        f"finding reaches the default fail level (`{meta['fail_level']}`).",
        "",
        "| genre | files | words | spin | stuffing | spin+stuffing | grammar | style | boilerplate "
        "| structure | safe fixes applied | wrong | unjudged | files failing `unspin check` |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, g in rows.items():
        p = g["per_1000"]
        label = "**all**" if name == "all" else name
        lines.append(
            f"| {label} | {g['files']} | {g['words']:,} | {p['spin']:.2f} | {p['stuffing']:.2f} | "
            f"{p['spin+stuffing']:.2f} | {p['grammar']:.2f} | {p['style']:.2f} | {p['boilerplate']:.2f} | "
            f"{p['structure']:.2f} | {g['safe_fixes']} | {g['wrong']} | {g['unjudged']} | "
            f"{len(g['failing_check'])} |"
        )
    total = rows["all"]
    lines += [
        "",
        f"Raw counts (all genres): {', '.join(f'{c} {n}' for c, n in total['findings'].items())}.",
        _protected_line(total),
        "",
    ]
    failing = [
        f"- {name}: {item}" for name, g in rows.items() if name != "all" for item in g["failing_check"]
    ]
    lines += ["## Files failing the default check", ""] + (failing or ["None."]) + [""]
    lines += [
        "## Every applied fix, with its verdict",
        "",
        "Verdicts are recorded by a person in `bench/data/clean-prose-verdicts.toml` (keyed by file, line, "
        "rule and edit); a fix nobody has read yet is `unjudged`.",
        "",
    ]
    if summary["fixes"]:
        lines += [
            "| genre | file:line | rule | before → after | context | verdict |",
            "|---|---|---|---|---|---|",
        ]
        for fx in summary["fixes"]:
            rule = fx["rule"] + (f" ({fx['lt_rule']})" if fx["lt_rule"] else "")
            note = f" — {fx['note']}" if fx["note"] else ""
            lines.append(
                f"| {fx['genre']} | {fx['file']}:{fx['line']} | {rule} | {_cell(fx['before'])} → "
                f"{_cell(fx['after'])} | {_cell(fx['context'])} | **{fx['verdict']}**{note} |"
            )
    else:
        lines.append("No fix was applied.")
    lines += ["", "## Grammar findings next to protected text", ""]
    if near:
        lines += [
            "Verdicts (`[[near]]` in the verdicts file): `real` is a finding about the prose itself, not one "
            "that masking invented.",
            "",
            "| genre | file:line | LT rule | text | protected | context | verdict |",
            "|---|---|---|---|---|---|---|",
        ]
        for n in near:
            entry = near_verdicts.get(near_key(n["file"], n), {})
            verdict = entry.get("verdict", "unjudged")
            note = f" — {entry['note']}" if entry.get("note") else ""
            lines.append(
                f"| {n['genre']} | {n['file']}:{n['line']} | {n['lt_rule']} | {_cell(n['text'])} | "
                f"{_cell(n['protected'])} | {_cell(n['context'])} | **{verdict}**{note} |"
            )
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def _protected_line(total: dict[str, Any]) -> str:
    near = f"grammar findings within {NEIGHBOURHOOD} characters of it {total['near_protected']}"
    near += " (listed below)."
    if "protected_removed" not in total:  # results from before removals were counted apart
        return (
            f"Protected text: fixes touching it {total['protected_touched']} (a removal of the whole block "
            f"that holds it included), spans not byte-identical in the clean text "
            f"{total['protected_changed']}; {near}"
        )
    return (
        f"Protected text: fixes cutting into it {total['protected_touched']}, spans not byte-identical in "
        f"the clean text {total['protected_changed']}, spans deleted whole with the block that held them "
        f"{total['protected_removed']}; {near}"
    )


def _cell(text: str) -> str:
    shown = text.replace("\n", "⏎").replace("|", "\\|")
    return f"`{shown}`" if "`" not in shown else f"<code>{shown.replace('`', '&#96;')}</code>"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="corpus folder (default: bench/clean-prose)")
    parser.add_argument(
        "--subset", action="store_true", help="only the CI subset (bench/data/clean-prose-subset.toml)"
    )
    parser.add_argument("--genre", action="append", default=[], help="only this genre (repeatable)")
    parser.add_argument(
        "--out", help="results path without extension (default bench/results/clean-prose[-subset])"
    )
    parser.add_argument("--no-write", action="store_true", help="print the Markdown table, write nothing")
    parser.add_argument("--jobs", type=int, default=1, help="processes (each runs its own LanguageTool)")
    parser.add_argument(
        "--from-results",
        nargs="+",
        metavar="JSON",
        help="write the results again from these results files (runs of disjoint genres) with today's "
        "verdicts and rule data, without running unspin",
    )
    args = parser.parse_args(argv)

    if args.from_results:
        datas = [json.loads(Path(p).read_text(encoding="utf-8")) for p in args.from_results]
        data = from_results(datas, load_verdicts())
        meta = {**datas[0]["meta"], "seconds": sum(d["meta"]["seconds"] for d in datas)}
        meta["peak_rss_mb"] = max(d["meta"]["peak_rss_mb"] for d in datas)
        meta["runs"] = [d["meta"] for d in datas]
        summary = {"genres": data["genres"], "fixes": data["fixes"]}
        near, flagged = data["near_protected"], data["spin_and_stuffing"]
    else:
        files = corpus_files(corpus_dir(args.corpus), args.subset, tuple(args.genre))
        at = revision()  # before the run: the code that runs is the code checked out now
        reports, meta = run_parallel(files, args.jobs)
        meta.update(subset=args.subset, revision=at, genres=args.genre or "all")
        summary = summarise(reports, load_verdicts())
        near, flagged = near_protected_rows(reports), flagged_rows(reports)
    text = render_markdown(summary, meta, near)
    if args.no_write:
        print(text)
        return 0
    out = Path(args.out) if args.out else RESULTS / ("clean-prose-subset" if args.subset else "clean-prose")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text(text, encoding="utf-8")
    data = {"meta": meta, **summary, "near_protected": near, "spin_and_stuffing": flagged}
    out.with_suffix(".json").write_text(
        json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(text)
    print(f"wrote {out.with_suffix('.md')} and {out.with_suffix('.json')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
