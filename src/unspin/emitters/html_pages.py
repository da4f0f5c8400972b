"""The HTML report of a large batch: an overview page and one page per article beside it.

One self-contained ``report.html`` stops being usable past a few hundred articles (about 70 kB each), so
from ``report-paged-from`` articles on the report is
- ``report.html``: totals, the score chart, and a table of every article that the page's script sorts,
  filters and shows a page of rows at a time (the rows are compact JSON inside the page);
- ``report-pages/NAME.html``: each article's own report page (the same view as a small batch's report),
  opened from its row, so a browser loads one article at a time.

Every page is a self-contained static file with the same Content Security Policy and escaping as the
single-page report: no server, no network. Articles are read, rendered and dropped one at a time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from unspin.emitters.atomic import write_text_atomic
from unspin.emitters.html_report import (
    _PLACEHOLDER,
    REPORT_NAME,
    SCHEMA,
    _article,
    _asset,
    _histogram,
    _score_change,
    build_report,
    page_head,
    report_config,
    script_json,
)

PAGES_DIR = "report-pages"


def page_path(json_output: str) -> str:
    """Where an article's page goes, from its JSON output's path relative to the output folder."""
    return (Path(PAGES_DIR) / Path(json_output).with_suffix(".html")).as_posix()


def article_page(doc: dict[str, Any], page: str) -> str:
    """An article's own page: its report view, with a link back to the overview."""
    back = "../" * (len(Path(page).parts) - 1) + REPORT_NAME
    return build_report([doc], back=back)


def overview_row(doc: dict[str, Any], page: str) -> list[Any]:
    """An article's row in the overview: [title, source, page stem, findings, applied, then before and
    after of every score column, then the count of each counted category]."""
    scores = report_config()["scores"]
    view = _article(0, doc)
    # The page as the overview links it, without the folder and suffix that every row shares.
    stem = Path(page).relative_to(PAGES_DIR).with_suffix("").as_posix()
    row: list[Any] = [view.title, view.source_label, stem, len(view.findings), view.applied_count]
    for s in scores:
        row += [view.score(s["key"], before=True), view.score(s["key"])]
    row += [view.count(s["count"]) for s in scores if "count" in s]
    return row


def article_rows(out_dir: Path, json_files: Iterable[Path]) -> Iterable[list[Any]]:
    """Write each article's page and yield its overview row, one article in memory at a time."""
    for path in json_files:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
            continue
        page = page_path(path.relative_to(out_dir).as_posix())
        write_text_atomic(out_dir / page, article_page(doc, page))
        yield overview_row(doc, page)


def _worst_first(row: list[Any]) -> tuple[float, float, str]:
    before, after = row[5], row[6]  # the first score column is "overall"
    return (
        after if after is not None else math.inf,
        before if before is not None else math.inf,
        row[1],
    )


def build_overview(rows: list[list[Any]]) -> str:
    """The overview page for rows made by :func:`article_rows`."""
    scores = report_config()["scores"]
    rows = sorted(rows, key=_worst_first)
    before = [r[5] for r in rows if r[5] is not None]
    after = [r[6] for r in rows if r[6] is not None]
    mean_before = sum(before) / len(before) if before else None
    mean_after = sum(after) / len(after) if after else None
    columns = [{"label": "Article", "kind": "text"}]
    columns += [{"label": s["label"], "kind": "num", "count": "count" in s} for s in scores]
    columns.append({"label": "Findings", "kind": "num"})
    payload = {
        "columns": columns,
        "page_size": int(report_config()["pages"]["rows"]),
        "pages": PAGES_DIR,
        "rows": rows,
    }
    values = {
        **page_head("overview.js", len(rows)),
        "articles": str(len(rows)),
        "mean": _score_change(mean_before, mean_after),
        "findings": str(sum(r[3] for r in rows)),
        "applied": str(sum(r[4] for r in rows)),
        "chart": _histogram(before, after),
        "data": script_json(payload),
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], _asset("overview.html"))


def write_paged_report(
    out_dir: Path, json_files: Iterable[Path], rows: Iterable[list[Any]] | None = None
) -> Path:
    """The overview, and each article's page unless the batch's workers wrote them (then ``rows``)."""
    rows = list(article_rows(out_dir, json_files) if rows is None else rows)
    path = out_dir / REPORT_NAME
    write_text_atomic(path, build_overview(rows))
    return path
