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
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from unspin.batch_rows import RowStore
from unspin.emitters.atomic import open_atomic, write_text_atomic
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


def write_paged_report(
    out_dir: Path, json_files: Iterable[Path], rows: Sequence[list[Any]] | None = None
) -> Path:
    """The overview, and each article's page unless the batch's workers wrote them (then ``rows``, read
    back one at a time: a row store on disk keeps a large batch's rows out of memory)."""
    if rows is not None:
        return _write_overview(out_dir, rows)
    store = RowStore()
    try:
        for position, row in enumerate(article_rows(out_dir, json_files)):
            store.add(position, row)
        return _write_overview(out_dir, store)
    finally:
        store.close()


def _write_overview(out_dir: Path, rows: Sequence[list[Any]]) -> Path:
    path = out_dir / REPORT_NAME
    with open_atomic(path) as handle:
        for piece in overview_pieces(rows):
            handle.write(piece)
    return path


def _worst_first(row: list[Any]) -> tuple[float, float, str]:
    before, after = row[5], row[6]  # the first score column is "overall"
    return (
        after if after is not None else math.inf,
        before if before is not None else math.inf,
        row[1],
    )


def build_overview(rows: Sequence[list[Any]]) -> str:
    """The overview page for rows made by :func:`article_rows`."""
    return "".join(overview_pieces(rows))


def overview_pieces(rows: Sequence[list[Any]]) -> Iterator[str]:
    """The overview page in pieces, with the rows worst first, each read from ``rows`` when it is written:
    only the sort keys and the score columns of every row are held at once."""
    scores = report_config()["scores"]
    # One read of every row for its sort key and the numbers the page's totals need; a stable sort keeps
    # rows with equal keys in plan order.
    entries = [(_worst_first(row), i, row[5], row[6], row[3], row[4]) for i, row in enumerate(rows)]
    entries.sort(key=lambda entry: entry[0])
    order = [entry[1] for entry in entries]
    # Worst first, as the sums were always taken.
    before: list[float] = [entry[2] for entry in entries if entry[2] is not None]
    after: list[float] = [entry[3] for entry in entries if entry[3] is not None]
    findings = sum(entry[4] for entry in entries)
    applied = sum(entry[5] for entry in entries)
    del entries
    mean_before = sum(before) / len(before) if before else None
    mean_after = sum(after) / len(after) if after else None
    columns = [{"label": "Article", "kind": "text"}]
    columns += [{"label": s["label"], "kind": "num", "count": "count" in s} for s in scores]
    columns.append({"label": "Findings", "kind": "num"})
    payload = {
        "columns": columns,
        "page_size": int(report_config()["pages"]["rows"]),
        "pages": PAGES_DIR,
        "rows": [],
    }
    empty = script_json(payload)
    assert empty.endswith("[]}")  # "rows" is the payload's last key: its list goes in before "]}"

    def data() -> Iterator[str]:
        # The same text as script_json(payload) with the rows in it: its escapes are per character.
        yield empty[:-2]
        for n, i in enumerate(order):
            yield ("," if n else "") + script_json(rows[i])
        yield "]}"

    values: dict[str, str | Callable[[], Iterator[str]]] = {
        **page_head("overview.js", len(rows)),
        "articles": str(len(rows)),
        "mean": _score_change(mean_before, mean_after),
        "findings": str(findings),
        "applied": str(applied),
        "chart": _histogram(before, after),
        "data": data,
    }
    template = _asset("overview.html")
    at = 0
    for match in _PLACEHOLDER.finditer(template):
        yield template[at : match.start()]
        value = values[match.group(1)]
        if isinstance(value, str):
            yield value
        else:
            yield from value()
        at = match.end()
    yield template[at:]
