"""How long the overview of a large batch's report takes to open in Chromium.

    python -m bench.report_bench --articles 100000

Generates the overview rows of N articles (random scores and counts, seeded), writes report.html as
`unspin clean` does for a large batch (html_pages.build_overview; the per-article pages are not needed to
open the overview), and opens it from file:// in Debian's Chromium through Playwright, with the flags the
browser tests use. Reported: the file's size and the median of 3 opens, from navigation start to the first
page of rows on screen (the page's script has parsed every row, sorted them and drawn the table). Goal:
under 2 s at 100,000 articles.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the bench package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import random
import statistics
import tempfile
import time
from typing import Any

from bench.browser import CHROMIUM, CHROMIUM_FLAGS
from unspin.emitters.html_pages import build_overview
from unspin.emitters.html_report import report_config


def generated_rows(count: int, seed: int = 1) -> list[list[Any]]:
    rng = random.Random(seed)
    scores = report_config()["scores"]
    counted = [s for s in scores if "count" in s]
    rows = []
    for i in range(count):
        findings = rng.randrange(0, 30)
        row: list[Any] = [
            f"Article number {i} about a topic",
            f"site/{i // 1000:03d}/article-{i:06d}.md",
            f"{i // 1000:03d}/article-{i:06d}",
            findings,
            rng.randrange(0, findings + 1),
        ]
        for _ in scores:
            before = round(rng.uniform(20, 95), 1)
            row += [before, round(min(100.0, before + rng.uniform(0, 20)), 1)]
        row += [rng.randrange(0, 10) for _ in counted]
        rows.append(row)
    return rows


def open_seconds(report: Path, repeat: int = 3) -> list[float]:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        for _ in range(repeat):
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            started = time.perf_counter()
            page.goto(report.as_uri(), wait_until="commit")
            page.wait_for_selector("#articles-table tbody tr", timeout=60_000)
            times.append(time.perf_counter() - started)
            assert not errors, errors
            context.close()
        browser.close()
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--out", type=Path, help="Write the results here (JSON).")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="unspin-report-bench.") as folder:
        report = Path(folder) / "report.html"
        started = time.perf_counter()
        report.write_text(build_overview(generated_rows(args.articles)), encoding="utf-8")
        build = time.perf_counter() - started
        times = open_seconds(report)
        results = {
            "articles": args.articles,
            "report_mb": round(report.stat().st_size / 2**20, 1),
            "build_seconds": round(build, 2),
            "open_seconds": [round(t, 3) for t in times],
            "open_median_seconds": round(statistics.median(times), 3),
        }
    print(json.dumps(results, indent=2))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
