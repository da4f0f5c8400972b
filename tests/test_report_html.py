"""The HTML report builder: escaping, highlights, diff, ordering and the files it reads and writes.

Documents are made with the real JSON emitter (``emitters.json_doc``) from real ``Document``/``Finding``
objects, so the report is tested against the JSON contract the pipeline writes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from unspin.document import Applicability, Category, Document, Finding, Fix, Severity, apply_edits
from unspin.emitters import json_doc
from unspin.emitters.html_report import build_report, load_documents, script_json, write_report

HOSTILE = (
    'Intro <script>window.__pwned = 1</script> and <img src=x onerror="window.__pwned = 2"> '
    "then </textarea></script><!-- <style>body{display:none}</style> ]]> &amp; end.\n\n"
    "Second paragraph with \u2028 a line separator."
)


def make_doc(
    source: str,
    spans: list[tuple[str, Category, bool, str | None]],
    *,
    path: str = "input/article.txt",
    title: str | None = "An article",
    overall: tuple[float, float] = (40.0, 80.0),
    message: str = "a message",
    evidence: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A JSON document as the pipeline writes it: each span is (phrase, category, applied, replacement)
    and marks the first occurrence of the phrase after the previous span."""
    doc = Document(path=Path(path), source=source, title=title)
    cursor = 0
    for phrase, category, applied, replacement in spans:
        start = source.index(phrase, cursor)
        end = start + len(phrase)
        cursor = start + 1
        fix = None if replacement is None else Fix.replace(start, end, replacement, Applicability.SAFE)
        doc.add(
            Finding(
                rule=f"{category.value[:4].upper()}001",
                category=category,
                severity=Severity.WARNING,
                start=start,
                end=end,
                message=message,
                confidence=0.75,
                fix=fix,
                evidence=evidence if evidence is not None else {"density": 0.5},
                alternatives=[{"text": replacement or "", "score": 1.0}],
                applied=applied,
            )
        )
    edits = [e for f in doc.findings if f.applied and f.fix for e in f.fix.edits]
    clean, _ = apply_edits(source, edits)
    doc.clean_text = clean
    doc.scores = {
        "overall": overall[1],
        "spin": 90.0,
        "grammar": None,
        "before": {"overall": overall[0], "spin": 20.0, "grammar": None},
    }
    doc.skipped = {"grammar": "LanguageTool is not available"}
    return json.loads(json_doc.dumps(json_doc.document_dict(doc, path, clean, clean)))


class PageParser(HTMLParser):
    """Collects what the browser would build from the page: elements, attributes and script bodies."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def source_pane(page: str, anchor: str) -> str:
    """The inner HTML of one article's highlighted source text."""
    section = page.split(f'id="{anchor}"', 1)[1]
    return section.split("data-source>", 1)[1].split("</div>", 1)[0]


def embedded_data(page: str) -> dict[str, Any]:
    body = page.split('<script type="application/json" id="unspin-data">', 1)[1].split("</script>", 1)[0]
    return json.loads(body)


# ------------------------------------------------------------------------------------------ escaping


def test_hostile_article_cannot_add_elements_attributes_or_scripts() -> None:
    evidence = {"<b onclick=alert(1)>key</b>": "</script><!--", "nested": {"x": "</script>"}}
    doc = make_doc(
        HOSTILE,
        [("<img src=x", Category.SPIN, False, '<img src=x onerror="window.__pwned = 3">')],
        path='input/<img src=x onerror="window.__pwned = 4">.txt',
        title="<script>window.__pwned = 5</script></title></textarea>",
        message="</script><script>window.__pwned = 6</script>",
        evidence=evidence,
    )
    doc["keyphrase"] = "</script><script>window.__pwned = 7</script>"
    doc["markdown"] = "# <svg onload=x>\n\n<b>x</b> ![<img src=x onerror=y>](http://example.invalid/a.png)"
    page = build_report([doc])
    parsed = parse(page)

    handlers = [(tag, name) for tag, attrs in parsed.tags for name in attrs if name.startswith("on")]
    assert handlers == []
    # Only the page's own style sheet and chart.
    assert [t for t, _ in parsed.tags if t in ("img", "svg", "b", "textarea", "style")] == ["style", "svg"]
    assert len(parsed.scripts) == 2  # the data block and the page's own script
    assert re.search(r"<title>(.*?)</title>", page)[1] == "unspin report — 1 article"
    # The data block is valid JSON that gives back exactly what was put in.
    data = embedded_data(page)
    (finding,) = next(iter(data["articles"].values()))
    assert finding["message"] == doc["findings"][0]["message"]
    assert finding["evidence"] == evidence
    assert finding["fix"]["replacement"] == doc["findings"][0]["fix"]["replacement"]
    # The visible text still shows the article's markup, as text.
    assert html.escape(doc["title"]) in page
    assert html.escape(doc["keyphrase"]) in page
    assert "example.invalid" not in page  # an image in the Markdown is shown as its alt text, never loaded


def test_script_json_has_no_markup_characters_and_round_trips() -> None:
    value = {"a": "</script><!-- -->]]> & \u2028\u2029", "</script>": ["<", ">", "&"]}
    text = script_json(value)
    assert not set(text) & set("<>&\u2028\u2029")
    assert json.loads(text) == value


def test_content_security_policy_admits_exactly_the_inline_script_and_style() -> None:
    page = build_report([make_doc("Some text here.", [("text", Category.SPIN, True, "words")])])
    policy = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)[1])
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    script = parse(page).scripts[1]

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert f"style-src {digest(style)};" in policy
    assert f"script-src {digest(script)};" in policy
    assert "default-src 'none'" in policy


# ---------------------------------------------------------------------------------------- highlights


def test_highlighting_keeps_the_source_text_and_marks_overlapping_findings() -> None:
    source = "The chance components of muscle mass pressure are known.\n\nLeave a Reply"
    doc = make_doc(
        source,
        [
            ("chance components of muscle", Category.SPIN, False, "risk factors of muscle"),
            ("muscle mass pressure", Category.STUFFING, False, "muscle strain"),
            ("Leave a Reply", Category.BOILERPLATE, True, ""),
        ],
    )
    pane = source_pane(build_report([doc]), "a1")
    assert html.unescape(re.sub(r"<[^>]+>", "", pane)) == source
    marks = re.findall(r"<mark ([^>]*)>([^<]*)</mark>", pane)
    by_text = {html.unescape(text): attrs for attrs, text in marks}
    # The overlap "muscle" is covered by both findings and is its own run.
    assert set(by_text) == {"chance components of ", "muscle", " mass pressure", "Leave a Reply"}
    assert 'data-f="0 1"' in by_text["muscle"]
    # Each finding's first run is a keyboard stop with its category as a text label.
    assert (
        'data-first="0"' in by_text["chance components of "]
        and 'tabindex="0"' in by_text["chance components of "]
    )
    assert 'data-first="1"' in by_text["muscle"]
    assert "tabindex" not in by_text[" mass pressure"]
    assert 'data-label="Boilerplate"' in by_text["Leave a Reply"]
    # The shorter (more specific) finding styles the shared run.
    assert 'data-cat="stuffing"' in by_text["muscle"]


def test_insertion_points_and_out_of_range_findings_are_shown_without_breaking_the_text() -> None:
    source = "one. Position your arms."
    doc = make_doc(source, [("Position", Category.STRUCTURE, False, "Place")])
    doc["findings"].append({**doc["findings"][0], "start": 5, "end": 5, "text": ""})
    doc["findings"].append({**doc["findings"][0], "start": 10, "end": 999})
    doc["findings"].insert(0, "not a finding")
    page = build_report([doc])
    pane = source_pane(page, "a1")
    assert 'class="f point' in pane
    assert html.unescape(re.sub(r"<mark [^>]*point[^>]*>[^<]*</mark>|<[^>]+>", "", pane)) == source
    assert "point outside the source text" in page
    data = embedded_data(page)["articles"]["a1"]
    assert [(f["text"], f["in_text"]) for f in data] == [
        ("Position", True),
        ("", True),
        ("Position", False),
    ]
    # Each highlight's finding numbers point into that list.
    for ids in re.findall(r'data-f="([\d ]+)"', pane):
        assert all(data[int(i)]["in_text"] for i in ids.split())


# ---------------------------------------------------------------------------------------------- diff


def _diff_html(page: str) -> str:
    return page.split('<details class="diff"', 1)[1].split('<div class="text">', 1)[1].split("</div>", 1)[0]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Knowing these chance components is vital.", "Knowing these risk factors is vital."),
        ("one. Place your arms.\n\nLeave a Reply", "1. Place your arms."),
        ("same words here", "same words here"),
        ("", "all new"),
    ],
)
def test_word_diff_reconstructs_both_texts(before: str, after: str) -> None:
    doc = make_doc(before or "x", [])
    doc["source_text"], doc["clean_text"] = before, after
    diff = _diff_html(build_report([doc]))

    def words(fragment: str, drop: str) -> list[str]:
        kept = re.sub(rf"<{drop}>.*?</{drop}>", " ", fragment, flags=re.S)
        return html.unescape(re.sub(r"<[^>]+>", " ", kept)).split()

    assert words(diff, "ins") == before.split()
    assert words(diff, "del") == after.split()
    changed = "<del>" in diff or "<ins>" in diff
    assert changed == (before.split() != after.split())


# ------------------------------------------------------------------------------------------ overview


def test_overview_lists_worst_article_first_and_links_every_article() -> None:
    docs = [
        make_doc("Text a.", [], path="input/a.txt", title="Alpha", overall=(30.0, 90.0)),
        make_doc("Text b.", [], path="input/b.txt", title="Beta", overall=(50.0, 55.0)),
        make_doc("Text c.", [], path="input/c.txt", title="Gamma", overall=(10.0, 70.0)),
    ]
    docs[0]["scores"]["overall"] = None  # a missing score sorts last
    page = build_report(docs)
    table = page.split('<table id="articles-table">', 1)[1].split("</table>", 1)[0]
    titles = re.findall(r'<a href="#(a\d+)">([^<]+)</a>', table)
    assert [t for _, t in titles] == ["Beta", "Gamma", "Alpha"]
    for anchor, _ in titles:
        assert f'id="{anchor}"' in page
    assert "50 → </span>" not in page  # scores are separate elements, not one string
    assert re.search(r'class="before">10</span>.*?class="after up">70</span>', table, re.S)


def test_empty_batch_builds_a_page() -> None:
    page = build_report([])
    assert "No articles in this folder." in page
    assert parse(page).scripts


# ---------------------------------------------------------------------------------------------- files


def test_write_report_reads_only_article_documents_and_writes_atomically(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    good = make_doc("Some spun text.", [("spun", Category.SPIN, True, "plain")], title="Kept")
    (tmp_path / "sub" / "kept.json").write_text(json.dumps(good), encoding="utf-8")
    (tmp_path / "report.json").write_text(json.dumps({**good, "title": "Batch file"}), encoding="utf-8")
    (tmp_path / "other.json").write_text(
        json.dumps({**good, "schema": "x/1", "title": "Other"}), encoding="utf-8"
    )
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")

    assert [d["title"] for d in load_documents(tmp_path)] == ["Kept"]
    path = write_report(tmp_path)
    assert path == tmp_path / "report.html"
    page = path.read_text(encoding="utf-8")
    assert "Kept" in page and "Batch file" not in page and ">Other<" not in page
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "broken.json",
        "other.json",
        "report.html",
        "report.json",
        "sub",
    ]
    assert write_report(tmp_path).read_text(encoding="utf-8") == page  # deterministic


def test_report_command_rebuilds_the_page_from_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from unspin.cli import main

    doc = make_doc("Some spun text.", [("spun", Category.SPIN, True, "plain")], title="Rebuilt")
    (tmp_path / "article.json").write_text(json.dumps(doc), encoding="utf-8")
    assert main(["report", str(tmp_path)]) == 0
    assert "Rebuilt" in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert main(["report", str(tmp_path / "missing")]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty")]) == 2
    assert "no article JSON files" in capsys.readouterr().err
