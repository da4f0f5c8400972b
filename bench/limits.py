"""Limits: time and peak memory on long inputs, and what is refused.

    python -m bench.limits                        # scaling 500/1000/2000/4000 sentences + the limit cases
    python -m bench.limits --sentences 500,1000   # only the scaling runs, fewer sizes
    python -m bench.limits --cases                # only the limit cases
    python -m bench.limits --no-cases --sentences "" --lines 200,400,800,1600   # one line, no full stop

*Scaling*: a plain-text article that is one paragraph of repeated sentences (scraped pages often come as
one block), cleaned without grammar checks. Each size runs in its own process: the models load and one
warm-up article runs first, then the article is timed, so the figure is the pipeline's time on it and
the peak RSS is the process's. Linear growth shows as a steady time per sentence.

*Lines* (``--lines``): one line of a repeated five-word phrase with no full stop at all, so the whole
page is one "sentence" and the phrase is the inferred keyphrase, found at every repetition; sizes count
the repetitions. The stuffing stage judged each occurrence by reading its whole sentence, which made
this shape's time grow faster than the square of its length.

*Cases*: the command line on a 10 MB and a 50 MB article, a 5 MB single line and a page of 100,000 nested
``<div>`` elements, with the default settings: each is processed, or refused with exit status 2 and one
line naming the limit (``max-bytes``). Wall time and peak RSS of the whole command.

Results go to ``bench/results/limits.{md,json}`` (``--results NAME`` for another name; run with
``PYTHONPATH`` pointing at another checkout's ``src`` to measure it the same way). The machine may be
shared: compare the time per sentence across sizes of one run, not absolute seconds across runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import os
import subprocess
import tempfile
import time
from typing import Any

from bench.common import REPO, revision

RESULTS = REPO / "bench" / "results"
SENTENCE = "Risk factors can contribute to the development of lower back pain after a long run. "
WARM_UP = "Warm up.\n\nChance components can add to the event of lower back pain in runners.\n"


LINE_PHRASE = "lower back pain after running "


def one_paragraph(sentences: int) -> str:
    return SENTENCE * sentences


def one_line(repetitions: int) -> str:
    return "Running notes\n\n" + LINE_PHRASE * repetitions + "\n"


def _measure_in_process(sentences: int, shape: str = "sentences") -> dict[str, Any]:
    """In a fresh process: load, warm up, time one article (run by ``--one``)."""
    from unspin.api import clean_text
    from unspin.config import Settings
    from unspin.pipeline import Context

    settings = Settings(disabled_stages=("grammar",), cache=False)
    text = one_line(sentences) if shape == "line" else one_paragraph(sentences)
    with Context(settings) as ctx:
        clean_text(WARM_UP, settings=settings, ctx=ctx)
        started = time.perf_counter()
        doc = clean_text(text, settings=settings, ctx=ctx)
        seconds = time.perf_counter() - started
    return {
        "shape": shape,
        "sentences": sentences,
        "chars": len(text),
        "seconds": seconds,
        "findings": len(doc.findings),
    }


def _run_child(args: list[str], stdin: Any = None) -> tuple[int, float, float, str, str]:
    """Run a command; returns (status, wall seconds, peak RSS MB, stdout, stderr)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(args, stdout=out, stderr=err, stdin=stdin or subprocess.DEVNULL, cwd=REPO)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return (
            child.returncode,
            seconds,
            usage.ru_maxrss / 1024,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def scaling(sizes: list[int], shape: str = "sentences") -> list[dict[str, Any]]:
    rows = []
    unit = "repetitions" if shape == "line" else "sentences"
    for n in sizes:
        command = [sys.executable, "-m", "bench.limits", "--one", str(n), "--shape", shape]
        status, _, rss, out, err = _run_child(command)
        if status != 0:
            raise SystemExit(f"bench.limits: {n} {unit} failed ({status}): {err.strip()[-500:]}")
        row = json.loads(out.strip().splitlines()[-1])
        row["peak_rss_mb"] = round(rss, 1)
        row["ms_per_sentence"] = round(1000 * row["seconds"] / n, 2)
        rows.append(row)
        print(
            f"{n:>6} {unit}  {row['chars']:>9,} chars  {row['seconds']:8.1f} s  "
            f"{row['ms_per_sentence']:6.2f} ms/sentence  peak RSS {rss:7.1f} MB",
            flush=True,
        )
    return rows


def _case_files(folder: Path) -> dict[str, Path]:
    paragraph = (SENTENCE * 12).strip() + "\n\n"
    files = {
        "10 MB article": ("article-10mb.txt", paragraph * (10_000_000 // len(paragraph) + 1)),
        "50 MB article": ("article-50mb.txt", paragraph * (50_000_000 // len(paragraph) + 1)),
        "5 MB single line": ("single-line-5mb.txt", SENTENCE * (5_000_000 // len(SENTENCE) + 1)),
        "100,000 nested <div>": (
            "nested-100k.html",
            "<html><body>"
            + "<div>" * 100_000
            + "<p>Deep inside the page, an article about lower back pain after running.</p>"
            + "</div>" * 100_000
            + "</body></html>",
        ),
    }
    paths = {}
    for label, (name, text) in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths[label] = path
    return paths


def cases() -> list[dict[str, Any]]:
    unspin = [sys.executable, "-m", "unspin.cli"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="unspin-limits-") as tmp:
        folder = Path(tmp)
        for label, path in _case_files(folder).items():
            out = folder / f"out-{path.stem}"
            args = [*unspin, "clean", str(path), "--out", str(out), "--no-grammar", "--quiet"]
            status, seconds, rss, _, err = _run_child(args)
            lines = [line for line in err.splitlines() if line.strip()]
            row = {
                "case": label,
                "bytes": path.stat().st_size,
                "status": status,
                "seconds": round(seconds, 1),
                "peak_rss_mb": round(rss, 1),
                "message": lines[-1] if lines else "",
                "outputs": sorted(p.name for p in out.rglob("*") if p.is_file()) if out.exists() else [],
            }
            rows.append(row)
            print(
                f"{label:<22} {row['bytes']:>11,} B  exit {status}  {seconds:6.1f} s  "
                f"peak RSS {rss:7.1f} MB  {row['message'][:110]}",
                flush=True,
            )
    return rows


def write_results(scaling_rows: list[dict[str, Any]], case_rows: list[dict[str, Any]], name: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = {"revision": revision(), "scaling": scaling_rows, "cases": case_rows}
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Limits (`python -m bench.limits`)",
        "",
        f"Revision {data['revision']}; `--no-grammar`, timed after the models loaded and one warm-up",
        "article; each size in its own process. *sentences*: one paragraph of repeated sentences; *line*:",
        f'one line of the phrase "{LINE_PHRASE.strip()}" repeated, no full stop (sizes are repetitions).',
        "",
        "| shape | size | characters | seconds | ms per sentence or repetition | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.get('shape', 'sentences')} | {r['sentences']:,} | {r['chars']:,} | {r['seconds']:.1f} "
        f"| {r['ms_per_sentence']:.2f} | {r['peak_rss_mb']:.0f} |"
        for r in scaling_rows
    ]
    if case_rows:
        lines += [
            "",
            "| input | bytes | exit | seconds | peak RSS MB | last line on stderr |",
            "|---|---:|---:|---:|---:|---|",
        ]
        lines += [
            f"| {r['case']} | {r['bytes']:,} | {r['status']} | {r['seconds']:.1f} | {r['peak_rss_mb']:.0f} "
            f"| {r['message'].replace('|', '/')} |"
            for r in case_rows
        ]
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sentences", default="500,1000,2000,4000", help="scaling sizes, comma-separated")
    parser.add_argument("--lines", default="", help="one-line shape sizes (repetitions)")
    parser.add_argument("--cases", action="store_true", help="only the limit cases")
    parser.add_argument("--no-cases", action="store_true", help="only the scaling runs")
    parser.add_argument("--results", default="limits", help="name of the results files in bench/results/")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--shape", default="sentences", choices=("sentences", "line"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(_measure_in_process(args.one, args.shape)))
        return 0
    sizes = [] if args.cases else [int(s) for s in args.sentences.split(",") if s]
    lines = [] if args.cases else [int(s) for s in args.lines.split(",") if s]
    scaling_rows = scaling(sizes) + scaling(lines, "line")
    case_rows = [] if args.no_cases else cases()
    write_results(scaling_rows, case_rows, args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
