"""The editor's HTML report: one self-contained page built from the per-article JSON documents.

``report.html`` inlines its CSS, script and data, makes no network request and works from ``file://``.
Everything taken from the input is escaped here, at build time: text with ``html.escape`` and the data the
script reads as JSON inside ``<script type="application/json">`` with ``<``, ``>`` and ``&`` written as
``\\u003c`` etc., so that neither ``</script>`` nor ``<!--`` in an article can end the block. A Content
Security Policy that admits only this page's own script and style (by hash) blocks anything else.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import html
import json
import math
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from unspin.emitters.atomic import write_text_atomic

SCHEMA = "unspin/1"
REPORT_NAME = "report.html"
BATCH_JSON_NAME = "report.json"

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_WORD_WITH_SPACE = re.compile(r"\S+\s*")


# ------------------------------------------------------------------------------------------- assets


@cache
def _asset(name: str) -> str:
    return (resources.files("unspin") / "data" / "report" / name).read_text(encoding="utf-8")


@cache
def report_config() -> dict[str, Any]:
    return tomllib.loads(_asset("report.toml"))


def _categories() -> list[dict[str, str]]:
    return list(report_config()["categories"])


def _category_label(key: str) -> str:
    for cat in _categories():
        if cat["key"] == key:
            return cat["label"]
    return key.capitalize() or "Other"


@cache
def _rule_names() -> dict[str, dict[str, str]]:
    """Rule code → name and summary from the registry (the report still builds if it cannot load)."""
    try:
        from unspin.rules import registry

        return {code: {"name": r.name, "summary": r.summary} for code, r in registry().items()}
    except Exception:  # a broken rule table must not cost the editor the report
        return {}


# ---------------------------------------------------------------------------------------- escaping


def esc(value: Any) -> str:
    """Text for HTML content or a double-quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def script_json(data: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` at all,
    so ``</script>``, ``<!--`` and ``]]>`` cannot appear, and JSON.parse still reads the same data."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def page_head(script_asset: str, articles: int) -> dict[str, str]:
    """A report page's inline style and script, the Content-Security-Policy that allows exactly those two,
    and its title: the template values every report page shares."""
    script = _asset(script_asset)
    style = _asset("report.css")
    csp = (
        "default-src 'none'; img-src data:; "
        f"style-src {_csp_hash(style)}; script-src {_csp_hash(script)}; "
        "base-uri 'none'; form-action 'none'"
    )
    title = f"unspin report — {articles} article{'s' if articles != 1 else ''}"
    return {"csp": esc(csp), "title": esc(title), "style": style, "script": script, "heading": esc(title)}


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


# ------------------------------------------------------------------------------------ input model


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass
class FindingView:
    index: int
    data: dict[str, Any]
    start: int
    end: int
    in_text: bool  # whether start/end is a valid span of the source text
    text: str  # the finding's own text, else the source text it covers

    @property
    def category(self) -> str:
        return _text(self.data.get("category")) or "other"

    @property
    def applied(self) -> bool:
        return self.data.get("applied") is True


@dataclass
class ArticleView:
    anchor: str
    doc: dict[str, Any]
    source_text: str
    clean_text: str
    findings: list[FindingView] = field(default_factory=list)

    @property
    def title(self) -> str:
        return _text(self.doc.get("title")).strip() or self.source_label

    @property
    def source_label(self) -> str:
        return _text(self.doc.get("source")) or "(unnamed article)"

    def score(self, key: str, before: bool = False) -> float | None:
        scores = self.doc.get("scores")
        if not isinstance(scores, dict):
            return None
        if before:
            scores = scores.get("before")
            if not isinstance(scores, dict):
                return None
        return _number(scores.get(key))

    def count(self, category: str) -> int:
        counts = self.doc.get("counts")
        if isinstance(counts, dict) and isinstance(counts.get(category), int):
            return int(counts[category])
        return sum(1 for f in self.findings if f.category == category)

    @property
    def applied_count(self) -> int:
        return sum(1 for f in self.findings if f.applied)


def _article(position: int, doc: dict[str, Any]) -> ArticleView:
    source_text = _text(doc.get("source_text"))
    view = ArticleView(f"a{position + 1}", doc, source_text, _text(doc.get("clean_text")))
    raw = doc.get("findings")
    # A finding's index is its position among the valid findings: the page's data list uses the same.
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        i = len(view.findings)
        start, end = item.get("start"), item.get("end")
        valid = (
            isinstance(start, int)
            and isinstance(end, int)
            and not isinstance(start, bool)
            and 0 <= start <= end <= len(source_text)
        )
        s, e = (start, end) if valid else (0, 0)
        text = _text(item.get("text")) or source_text[s:e]
        view.findings.append(FindingView(i, item, s, e, valid, text))
    return view


def _worst_first(articles: list[ArticleView]) -> list[ArticleView]:
    def key(a: ArticleView) -> tuple[float, float, str]:
        after = a.score("overall")
        before = a.score("overall", before=True)
        return (
            after if after is not None else math.inf,
            before if before is not None else math.inf,
            a.source_label,
        )

    return sorted(articles, key=key)


# ---------------------------------------------------------------------------------- public entry


def load_documents(out_dir: Path) -> list[dict[str, Any]]:
    """Every per-article JSON document (schema unspin/1) under ``out_dir``, by path."""
    docs: list[dict[str, Any]] = []
    for path in document_files(out_dir):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and data.get("schema") == SCHEMA:
            docs.append(data)
    return docs


def document_files(out_dir: Path) -> list[Path]:
    """The per-article JSON files under ``out_dir`` (not report.json, nothing in hidden folders)."""
    return [
        path
        for path in sorted(out_dir.rglob("*.json"))
        if path != out_dir / BATCH_JSON_NAME
        and not any(p.startswith(".") for p in path.relative_to(out_dir).parts)
    ]


def write_report(
    out_dir: Path,
    *,
    docs: list[dict[str, Any]] | None = None,
    paged_from: int | None = None,
    overview_rows: Sequence[list[Any]] | None = None,
) -> Path:
    """Rebuild ``out_dir/report.html`` (atomically) from the JSON documents in ``out_dir``, or from
    ``docs`` when the caller has already loaded them. From ``paged_from`` article files on, the report
    is an overview with one page per article (see html_pages), read one article at a time, or with
    the pages already written and their ``overview_rows`` given."""
    if overview_rows is not None or (docs is None and paged_from is not None):
        from unspin.emitters.html_pages import write_paged_report

        if overview_rows is not None:  # the pages are written: no need to list (and hold) every file
            return write_paged_report(out_dir, (), overview_rows)
        files = document_files(out_dir)
        if paged_from is None or len(files) >= paged_from:
            return write_paged_report(out_dir, files)
    path = out_dir / REPORT_NAME
    write_text_atomic(path, build_report(load_documents(out_dir) if docs is None else docs))
    return path


def build_report(json_docs: list[dict[str, Any]], back: str | None = None) -> str:
    """The whole report page for a batch of per-article JSON documents (``back``: the overview page that
    links to this one, for an article's page of a large batch)."""
    docs = sorted(
        (d for d in json_docs if isinstance(d, dict)),
        key=lambda d: (_text(d.get("source")), _text(d.get("title"))),
    )
    articles = [_article(i, d) for i, d in enumerate(docs)]
    ordered = _worst_first(articles)
    payload = {
        "categories": _categories(),
        "articles": {a.anchor: [_finding_payload(f) for f in a.findings] for a in articles},
    }
    values = {
        **page_head("report.js", len(articles)),
        "nav": f' <a class="back" href="{esc(back)}">All articles</a>' if back else "",
        "overview": _overview(ordered),
        "articles": "\n".join(_article_section(a) for a in ordered),
        "data": script_json(payload),
    }
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], _asset("template.html"))


# ------------------------------------------------------------------------------------- overview


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def _score_change(before: float | None, after: float | None) -> str:
    if before is None and after is None:
        return '<span class="na">—</span>'
    cls = ""
    if before is not None and after is not None:
        cls = " up" if after > before else " down" if after < before else ""
    return (
        f'<span class="before">{esc(_fmt(before))}</span>'
        f'<span class="arrow" aria-label="to"> → </span>'
        f'<span class="after{cls}">{esc(_fmt(after))}</span>'
    )


def _sort_value(value: float | None) -> str:
    return "" if value is None else repr(value)


def _overview(articles: list[ArticleView]) -> str:
    scores = report_config()["scores"]
    total_findings = sum(len(a.findings) for a in articles)
    applied = sum(a.applied_count for a in articles)
    before = [v for a in articles if (v := a.score("overall", before=True)) is not None]
    after = [v for a in articles if (v := a.score("overall")) is not None]
    mean_before = sum(before) / len(before) if before else None
    mean_after = sum(after) / len(after) if after else None

    head = ['<th scope="col" aria-sort="none"><button type="button" data-sort="text">Article</button></th>']
    for s in scores:
        head.append(
            f'<th scope="col" aria-sort="{"ascending" if s["key"] == "overall" else "none"}">'
            f'<button type="button" data-sort="num">{esc(s["label"])}</button></th>'
        )
    head.append(
        '<th scope="col" aria-sort="none"><button type="button" data-sort="num">Findings</button></th>'
    )

    rows = []
    for a in articles:
        cells = [
            f'<th scope="row" data-v="{esc(a.title.lower())}"><a href="#{a.anchor}">{esc(a.title)}</a>'
            f'<span class="path">{esc(a.source_label)}</span></th>'
        ]
        for s in scores:
            after_v, before_v = a.score(s["key"]), a.score(s["key"], before=True)
            count = ""
            if "count" in s:
                n = a.count(s["count"])
                count = f'<span class="count">{n} found</span>'
            cells.append(
                f'<td data-v="{esc(_sort_value(after_v))}">{_score_change(before_v, after_v)}{count}</td>'
            )
        cells.append(
            f'<td data-v="{len(a.findings)}"><span class="total">{len(a.findings)}</span>'
            f'<span class="count">{a.applied_count} applied</span></td>'
        )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    if not rows:
        rows.append(f'<tr><td colspan="{len(scores) + 2}">No articles in this folder.</td></tr>')

    return f"""
<section id="overview" aria-labelledby="overview-title">
  <h2 id="overview-title">Batch overview</h2>
  <div class="summary">
    <dl class="stats">
      <div><dt>Articles</dt><dd>{len(articles)}</dd></div>
      <div><dt>Mean overall score</dt><dd>{_score_change(mean_before, mean_after)}</dd></div>
      <div><dt>Findings</dt><dd>{total_findings}</dd></div>
      <div><dt>Fixes applied</dt><dd>{applied}</dd></div>
    </dl>
    {_histogram(before, after)}
  </div>
  <p class="hint">Scores run from 0 to 100 (higher is better), shown as before → after the rewrite.
  Worst articles first; choose a column heading to sort.</p>
  <div class="table-wrap" tabindex="0" role="region" aria-label="Articles table (scrolls sideways)">
    <table id="articles-table">
      <caption class="visually-hidden">Articles with scores before and after the rewrite</caption>
      <thead><tr>{"".join(head)}</tr></thead>
      <tbody>{"".join(rows)}</tbody>
    </table>
  </div>
</section>"""


def _histogram(before: Sequence[float], after: Sequence[float]) -> str:
    """An inline SVG bar chart of the overall scores before (hatched) and after (solid), in bins."""
    width = int(report_config()["chart"]["bin_width"])
    bins = list(range(0, 100, width))

    def counts(values: Sequence[float]) -> list[int]:
        out = [0] * len(bins)
        for v in values:
            out[min(len(bins) - 1, max(0, int(v // width)))] += 1
        return out

    cb, ca = counts(before), counts(after)
    top = max([1, *cb, *ca])
    chart_w, chart_h, left, bottom, pad = 330, 120, 26, 22, 12
    slot = (chart_w - left - pad) / len(bins)
    bar = (slot - 4) / 2
    parts = []
    for i, lo in enumerate(bins):
        x = left + i * slot + 2
        for j, (n, cls, name) in enumerate(((cb[i], "bar-before", "before"), (ca[i], "bar-after", "after"))):
            h = (chart_h - bottom - pad) * n / top
            y = chart_h - bottom - h
            parts.append(
                f'<rect class="{cls}" x="{x + j * bar:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}">'
                f"<title>{n} article{'s' if n != 1 else ''} scored {lo}–{lo + width} {name}</title></rect>"
            )
        parts.append(f'<text class="tick" x="{x - 2:.1f}" y="{chart_h - 8}" text-anchor="middle">{lo}</text>')
    parts.append(
        f'<text class="tick" x="{chart_w - pad:.1f}" y="{chart_h - 8}" text-anchor="middle">100</text>'
    )
    parts.append(f'<text class="tick" x="{left - 4}" y="{pad + 8}" text-anchor="end">{top}</text>')
    parts.append(f'<text class="tick" x="{left - 4}" y="{chart_h - bottom}" text-anchor="end">0</text>')
    parts.append(
        f'<line class="axis" x1="{left}" y1="{chart_h - bottom}" '
        f'x2="{chart_w - pad}" y2="{chart_h - bottom}"/>'
    )
    desc = (
        "Overall scores in bins of "
        + str(width)
        + ": before "
        + ", ".join(f"{lo}–{lo + width}: {n}" for lo, n in zip(bins, cb, strict=True) if n)
        + "; after "
        + ", ".join(f"{lo}–{lo + width}: {n}" for lo, n in zip(bins, ca, strict=True) if n)
    )
    return f"""<figure class="chart">
  <svg viewBox="0 0 {chart_w} {chart_h}" role="img" aria-labelledby="chart-title chart-desc">
    <title id="chart-title">Distribution of overall scores</title>
    <desc id="chart-desc">{esc(desc)}</desc>
    <defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse"
      patternTransform="rotate(45)">
      <rect width="4" height="4" class="hatch-bg"/><line x1="0" y1="0" x2="0" y2="4" class="hatch-line"/>
    </pattern></defs>
    {"".join(parts)}
  </svg>
  <figcaption>Overall score distribution:
    <span class="key key-before" aria-hidden="true"></span> before,
    <span class="key key-after" aria-hidden="true"></span> after the rewrite</figcaption>
</figure>"""


# -------------------------------------------------------------------------------------- articles


def _finding_payload(f: FindingView) -> dict[str, Any]:
    """What the script shows in a finding's detail panel (the script only ever sets it as text)."""
    d = f.data
    fix = d.get("fix") if isinstance(d.get("fix"), dict) else None
    rule = _text(d.get("rule"))
    info = _rule_names().get(rule, {})
    return {
        "rule": rule,
        "name": info.get("name", ""),
        "summary": info.get("summary", ""),
        "category": f.category,
        "severity": _text(d.get("severity")),
        "message": _text(d.get("message")),
        "text": f.text,
        "line": d.get("line"),
        "column": d.get("column"),
        "confidence": _number(d.get("confidence")),
        "applied": f.applied,
        "fix": None
        if fix is None
        else {"replacement": _text(fix.get("replacement")), "applicability": _text(fix.get("applicability"))},
        "evidence": d.get("evidence") if isinstance(d.get("evidence"), dict) else {},
        "alternatives": [a for a in d.get("alternatives") or [] if isinstance(a, dict)]
        if isinstance(d.get("alternatives"), list)
        else [],
        "in_text": f.in_text,
        "length": f.end - f.start,
    }


def _article_section(a: ArticleView) -> str:
    cats = _categories()
    known = {c["key"] for c in cats}
    present = sorted({f.category for f in a.findings} - known)
    all_cats = [*cats, *({"key": k, "label": k.capitalize(), "description": ""} for k in present)]
    toggles = "".join(
        f'<label class="toggle"><input type="checkbox" data-cat="{esc(c["key"])}" checked>'
        f'<span class="swatch f" data-cat="{esc(c["key"])}">{esc(c["label"])}</span>'
        f'<span class="n">{a.count(c["key"])}</span></label>'
        for c in all_cats
    )
    name = a.anchor
    filters = "".join(
        f'<label><input type="radio" name="{name}-status" value="{v}"{" checked" if v == "all" else ""}>'
        f"{label}</label>"
        for v, label in (("all", "All"), ("applied", "Applied"), ("reported", "Reported only"))
    )
    skipped = a.doc.get("skipped")
    skipped_html = ""
    if isinstance(skipped, dict) and skipped:
        items = "".join(f"<li><strong>{esc(k)}</strong>: {esc(v)}</li>" for k, v in skipped.items())
        skipped_html = (
            f'<div class="notice" role="note"><p>Stages that did not run:</p><ul>{items}</ul></div>'
        )
    keyphrase = a.doc.get("keyphrase")
    meta = f"<dd>{esc(a.source_label)}</dd>"
    kp = f"<dt>Keyphrase</dt><dd>{esc(keyphrase)}</dd>" if keyphrase else ""
    cards = "".join(
        f'<div class="card"><dt>{esc(s["label"])}</dt>'
        f"<dd>{_score_change(a.score(s['key'], before=True), a.score(s['key']))}</dd></div>"
        for s in report_config()["scores"]
    )
    source_html = (
        _highlight(a.source_text, a.findings)
        if a.source_text
        else '<span class="na">The JSON document carries no source text.</span>'
    )
    outside = [f for f in a.findings if not f.in_text]
    outside_note = (
        f'<p class="notice">{len(outside)} finding(s) point outside the source text '
        "and are only listed below.</p>"
        if outside
        else ""
    )
    diff_html, changed = _word_diff(a.source_text, a.clean_text)
    return f"""
<section class="article" id="{name}" aria-labelledby="{name}-title" data-article="{name}">
  <p class="back"><a href="#overview">← All articles</a></p>
  <h2 id="{name}-title">{esc(a.title)}</h2>
  <dl class="meta"><dt>Source</dt>{meta}{kp}</dl>
  {skipped_html}
  <dl class="cards">{cards}</dl>
  <div class="toolbar" role="group" aria-label="Show findings">
    <fieldset class="cats"><legend>Categories</legend>{toggles}</fieldset>
    <fieldset class="status"><legend>Fixes</legend>{filters}</fieldset>
    <label class="labels-toggle"><input type="checkbox" data-labels checked>Label highlights</label>
  </div>
  {outside_note}
  <div class="panes">
    <div class="pane">
      <h3>Source with findings</h3>
      <p class="hint">Select a highlight (click, or Tab to it and press Enter) to see the rule, evidence and
      suggested replacement.</p>
      <div class="text source" data-source>{source_html}</div>
    </div>
    <div class="pane">
      <h3>Clean article</h3>
      <div class="text clean">{_clean_article(a)}</div>
    </div>
  </div>
  <details class="diff" open>
    <summary><h3>Before / after, word by word <span class="n">({changed} changed)</span></h3></summary>
    <p class="hint"><del>Removed words</del> are struck through; <ins>added words</ins> are underlined.</p>
    <div class="text">{diff_html}</div>
  </details>
  <details class="list">
    <summary><h3>All findings <span class="n">({len(a.findings)})</span></h3></summary>
    {_finding_table(a)}
  </details>
</section>"""


def _highlight(text: str, findings: list[FindingView]) -> str:
    """The source text with each run of characters covered by findings wrapped in one ``<mark>``.

    Findings may overlap, so the text is cut at every finding boundary; a run lists every finding that
    covers it (``data-f``) and the ones that start there (``data-first``, which makes it a tab stop)."""
    spans = [f for f in findings if f.in_text and f.end > f.start]
    points = [f for f in findings if f.in_text and f.end == f.start]
    cuts = sorted(
        {0, len(text), *(f.start for f in spans), *(f.end for f in spans), *(f.start for f in points)}
    )
    out: list[str] = []
    for a, b in zip(cuts, [*cuts[1:], None], strict=True):
        for p in (f for f in points if f.start == a):
            out.append(_mark([p], [p], "\u2038", point=True))
        if b is None:
            break
        covering = [f for f in spans if f.start <= a and f.end >= b]
        chunk = text[a:b]
        if not covering:
            out.append(esc(chunk))
            continue
        out.append(_mark(covering, [f for f in covering if f.start == a], chunk))
    return "".join(out)


def _primary(findings: Iterable[FindingView]) -> FindingView:
    """The finding a run is styled by: the most specific (shortest) one, then category order."""
    order = {c["key"]: i for i, c in enumerate(_categories())}
    return min(findings, key=lambda f: (f.end - f.start, order.get(f.category, 99), f.index))


def _mark(covering: list[FindingView], starting: list[FindingView], chunk: str, point: bool = False) -> str:
    primary = _primary(covering)
    labels = [
        f"{_category_label(f.category)} {_text(f.data.get('rule'))}: {_text(f.data.get('message'))}"
        for f in covering
    ]
    attrs = [
        f'class="f{" point" if point else ""}{" start" if starting else ""}"',
        f'data-cat="{esc(primary.category)}"',
        f'data-label="{esc(_category_label(primary.category))}"',
        f'data-f="{" ".join(str(f.index) for f in covering)}"',
        f'title="{esc(chr(10).join(labels))}"',
    ]
    if starting:
        attrs.append(f'data-first="{" ".join(str(f.index) for f in starting)}"')
        attrs.append('tabindex="0" role="button"')
        # A screen reader hears the highlighted words first, then what was found there.
        spoken = " ".join(starting[0].text.split()) or "insertion point"
        attrs.append(f'aria-label="{esc(spoken + " — " + "; ".join(labels))}"')
    return f"<mark {' '.join(attrs)}>{esc(chunk)}</mark>"


def _clean_article(a: ArticleView) -> str:
    """The clean article from its Markdown (raw HTML shown as text, images as their alt text), else
    from the plain clean text."""
    markdown = _text(a.doc.get("markdown"))
    if markdown.strip():
        return _markdown().render(markdown)
    if not a.clean_text.strip():
        return '<p class="na">No clean text.</p>'
    blocks = [b for b in re.split(r"\n\s*\n", a.clean_text) if b.strip()]
    return "\n".join(f"<p>{esc(b.strip())}</p>" for b in blocks)


@cache
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    # An image would be a network request from the page: show its alt text instead.
    md.add_render_rule("image", lambda _self, tokens, idx, _options, _env: esc(tokens[idx].content))
    return md


def _word_diff(before: str, after: str) -> tuple[str, int]:
    """A word-level diff of the source and clean text as HTML, and the number of words changed.

    Words are compared without their trailing whitespace; equal runs are shown with the clean text's
    spacing. Very long texts are compared paragraph by paragraph first (see ``[diff]`` in report.toml)."""
    old = _WORD_WITH_SPACE.findall(before)
    new = _WORD_WITH_SPACE.findall(after)
    limit = int(report_config()["diff"]["max_words_word_level"])
    if len(old) > limit or len(new) > limit:
        return _paragraph_diff(before, after)
    return _diff_tokens(old, new)


def _paragraph_diff(before: str, after: str) -> tuple[str, int]:
    old = [p + "\n\n" for p in re.split(r"\n\s*\n", before) if p.strip()]
    new = [p + "\n\n" for p in re.split(r"\n\s*\n", after) if p.strip()]
    return _diff_tokens(old, new)


def _diff_tokens(old: list[str], new: list[str]) -> tuple[str, int]:
    matcher = difflib.SequenceMatcher(
        None, [t.rstrip() for t in old], [t.rstrip() for t in new], autojunk=False
    )
    out: list[str] = []
    changed = 0

    def wrap(tag: str, tokens: list[str]) -> str:
        body = "".join(tokens)
        stripped = body.rstrip()
        return f"<{tag}>{esc(stripped)}</{tag}>{esc(body[len(stripped) :]) or ' '}"

    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(esc("".join(new[j1:j2])))
            continue
        if i2 > i1:
            out.append(wrap("del", old[i1:i2]))
        if j2 > j1:
            out.append(wrap("ins", new[j1:j2]))
        changed += max(i2 - i1, j2 - j1)
    return "".join(out), changed


def _finding_table(a: ArticleView) -> str:
    if not a.findings:
        return '<p class="na">No findings.</p>'
    rows = []
    for f in a.findings:
        d = f.data
        fix = d.get("fix") if isinstance(d.get("fix"), dict) else None
        if fix is None:
            replacement = '<span class="na">—</span>'
        else:
            replacement = esc(fix.get("replacement")) or '<span class="na">(remove)</span>'
        where = f"{esc(d.get('line'))}:{esc(d.get('column'))}" if d.get("line") is not None else "—"
        status = "applied" if f.applied else "reported"
        rows.append(
            f'<tr data-f="{f.index}" data-cat="{esc(f.category)}" data-status="{status}">'
            f"<td>{where}</td>"
            f'<td><span class="swatch f" data-cat="{esc(f.category)}">'
            f"{esc(_category_label(f.category))}</span></td>"
            f"<td><code>{esc(d.get('rule'))}</code></td>"
            f'<td><button type="button" class="goto" data-f="{f.index}"{"" if f.in_text else " disabled"}>'
            f"{esc(f.text) or '(insertion point)'}</button></td>"
            f"<td>{replacement}</td>"
            f"<td>{esc(d.get('message'))}</td>"
            f"<td>{'Applied' if f.applied else 'Reported only'}</td></tr>"
        )
    return (
        '<div class="table-wrap" tabindex="0" role="region" aria-label="Findings (scrolls sideways)">'
        "<table class='findings'><thead><tr><th scope='col'>Line:col</th><th scope='col'>Category</th>"
        "<th scope='col'>Rule</th><th scope='col'>Text</th><th scope='col'>Suggested</th>"
        "<th scope='col'>Message</th><th scope='col'>Status</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
