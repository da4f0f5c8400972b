"""report.html in a real headless Chromium (Debian's package at /usr/bin/chromium, driven by Playwright).

The page is opened from ``file://`` with the network flags this project uses for Chromium; every test
checks that it made no request but the page itself and logged no console error. Screenshots go to
``output/screenshots/`` for a person to look at. Without Chromium these tests fail; they never skip.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bench.browser import CHROMIUM, CHROMIUM_FLAGS
from unspin import api
from unspin.config import Settings
from unspin.emitters.html_report import write_report

pytest_plugins = ("pytester",)

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "input" / "lower-back-pain-after-running.txt"
SCREENSHOTS = ROOT / "output" / "screenshots"
HOSTILE_TITLE = '<img src=x onerror="window.__pwned = 1"></title></textarea>'
HOSTILE_TEXT = (
    'Intro <script>window.__pwned = 2</script> and <img src=x onerror="window.__pwned = 3"> '
    "then </textarea></script><!-- <style>body{display:none}</style> end.\n\nA second paragraph."
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the HTML report tests need Debian's chromium package "
            "(`apt-get install -y chromium`, which `make system-deps` runs), "
            "or UNSPIN_CHROMIUM=/path/to/chromium"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        # Playwright gives every launch a new, empty profile directory.
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def seed_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real pipeline's output for the seed article, plus two made-up articles for the batch views."""
    out = tmp_path_factory.mktemp("report")
    settings = Settings().with_overrides(disabled_stages=("grammar",))
    result = api.clean_paths([str(SEED)], out, settings)
    assert not result.problems, result.problems
    seed_json = out / "lower-back-pain-after-running.json"
    assert seed_json.is_file(), sorted(p.name for p in out.iterdir())
    for i, overall in enumerate((92.0, 35.5)):
        text = "A short article. Nothing spun."
        doc = synthetic_doc(f"input/extra-{i}.txt", f"Extra article {i}", text, overall)
        (out / f"extra-{i}.json").write_text(json.dumps(doc), encoding="utf-8")
    return write_report(out)


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile")
    name = 'input/<img src=x onerror="window.__pwned = 4">.txt'
    doc = synthetic_doc(name, HOSTILE_TITLE, HOSTILE_TEXT, 50.0)
    start = HOSTILE_TEXT.index("<img")
    doc["findings"] = [
        {
            "rule": "SPIN001",
            "category": "spin",
            "severity": "warning",
            "start": start,
            "end": start + 12,
            "line": 1,
            "column": start + 1,
            "text": HOSTILE_TEXT[start : start + 12],
            "message": "</script><script>window.__pwned = 5</script>",
            "confidence": 0.5,
            "fix": {"replacement": '<img src=x onerror="window.__pwned = 6">', "applicability": "unsafe"},
            "applied": False,
            "evidence": {"<b onclick=alert(1)>": "</script><!--"},
            "alternatives": [{"text": "<svg onload=alert(1)>", "score": 1.0}],
        }
    ]
    doc["keyphrase"] = "</script><script>window.__pwned = 7</script>"
    (out / "hostile.json").write_text(json.dumps(doc), encoding="utf-8")
    return write_report(out)


def synthetic_doc(source: str, title: str, text: str, overall: float) -> dict[str, Any]:
    return {
        "schema": "unspin/1",
        "source": source,
        "title": title,
        "keyphrase": None,
        "clean_text": text,
        "markdown": text,
        "sections": [],
        "findings": [],
        "scores": {"overall": overall, "before": {"overall": overall - 10}},
        "counts": {"total": 0, "applied": 0},
        "source_text": text,
        "skipped": {},
    }


@dataclass
class Opened:
    page: Any
    url: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs
        assert {r.split("#", 1)[0] for r in self.requests} == {self.url}, self.requests


@pytest.fixture
def open_report(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def opener(report: Path, width: int = 1366, height: int = 900) -> Opened:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        opened = Opened(page, report.as_uri())
        page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: opened.errors.append(str(e)))
        page.on("request", lambda r: opened.requests.append(r.url))
        page.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))
        page.goto(opened.url)
        return opened

    yield opener
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 10_000
    return path


def seed_anchor(page: Any) -> str:
    link = page.locator("#articles-table a", has_text="lower back pain")
    assert link.count() == 1
    return link.get_attribute("href").lstrip("#")


def article_findings(page: Any, anchor: str) -> list[dict[str, Any]]:
    """The findings of one article as the page's script reads them."""
    return page.evaluate(f"JSON.parse(document.getElementById('unspin-data').textContent).articles.{anchor}")


# ------------------------------------------------------------------------------------------------ tests


@pytest.mark.slow
def test_seed_report_loads_offline_and_highlights_findings(seed_report: Path, open_report: Any) -> None:
    opened = open_report(seed_report)
    page = opened.page
    assert page.locator("#articles-table tbody tr").count() == 3
    assert page.locator(".chart svg rect").count() > 0
    screenshot(page, "report-overview.png", full_page=True)

    page.locator("#articles-table a", has_text="lower back pain").click()
    anchor = seed_anchor(page)
    article = page.locator(f"#{anchor}")
    assert article.is_visible() and not page.locator("#overview").is_visible()
    findings = article_findings(page, anchor)
    assert findings, "the pipeline found nothing in the seed article"
    marks = article.locator("mark.f.start")
    assert marks.count() >= len([f for f in findings if f["in_text"]]) > 0
    # Every finding in the text is highlighted, and each highlight is one of the findings.
    highlighted = article.locator("mark.f").evaluate_all(
        "ms => ms.flatMap(m => m.dataset.f.split(' ').map(Number))"
    )
    assert set(highlighted) == {i for i, f in enumerate(findings) if f["in_text"]}
    # Every highlight is labelled in text, not by colour alone.
    assert all(article.locator("mark.f.start").evaluate_all("ms => ms.map(m => m.dataset.label.length > 0)"))
    screenshot(page, "report-article.png")
    opened.assert_clean()


@pytest.mark.slow
def test_clicking_or_pressing_enter_on_a_finding_shows_detail(seed_report: Path, open_report: Any) -> None:
    opened = open_report(seed_report)
    page = opened.page
    page.locator("#articles-table a", has_text="lower back pain").click()
    anchor = seed_anchor(page)
    findings = article_findings(page, anchor)
    detail = page.locator("#detail")
    assert detail.is_hidden()

    mark = page.locator(f"#{anchor} mark.f.start").nth(1)
    first = int(mark.get_attribute("data-first").split()[0])
    mark.click()
    assert detail.is_visible()
    assert findings[first]["rule"] in detail.inner_text()
    assert findings[first]["message"] in detail.inner_text()
    if findings[first]["fix"]:
        assert "Suggested" in detail.inner_text()
    screenshot(page, "report-detail.png")
    page.keyboard.press("Escape")
    assert detail.is_hidden()

    # Keyboard only: Tab from the toolbar reaches the first highlight, Enter and Space open it.
    page.locator(f"#{anchor} input[data-labels]").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('mark.f')"):
            break
    assert page.evaluate("document.activeElement.matches('mark.f.start')")
    page.keyboard.press("Enter")
    assert detail.is_visible()
    page.keyboard.press("Escape")
    assert detail.is_hidden()
    assert page.evaluate("document.activeElement.matches('mark.f.start')")  # focus came back
    page.keyboard.press(" ")
    assert detail.is_visible()
    opened.assert_clean()


@pytest.mark.slow
def test_category_toggles_and_applied_filter_hide_highlights(seed_report: Path, open_report: Any) -> None:
    opened = open_report(seed_report)
    page = opened.page
    page.locator("#articles-table a", has_text="lower back pain").click()
    anchor = seed_anchor(page)
    article = page.locator(f"#{anchor}")
    shown_cats = "ms => ms.filter(m => !m.classList.contains('off')).map(m => m.dataset.cat)"
    cats = set(article.locator("mark.f").evaluate_all(shown_cats))
    category = sorted(cats)[0]

    article.locator(f".toolbar input[data-cat='{category}']").uncheck()
    assert category not in set(article.locator("mark.f").evaluate_all(shown_cats))
    assert article.locator(f"table.findings tr[data-cat='{category}']:not(.off)").count() == 0
    article.locator(f".toolbar input[data-cat='{category}']").check()
    assert set(article.locator("mark.f").evaluate_all(shown_cats)) == cats

    article.locator(".toolbar input[value='applied']").check()
    statuses = article.locator("table.findings tbody tr:not(.off)").evaluate_all(
        "rs => rs.map(r => r.dataset.status)"
    )
    assert set(statuses) <= {"applied"}
    visible_ids = article.locator("mark.f.start:not(.off)").evaluate_all(
        "ms => ms.flatMap(m => m.dataset.first.split(' ').map(Number))"
    )
    findings = article_findings(page, anchor)
    assert any(findings[i]["applied"] for i in visible_ids)
    article.locator(".toolbar input[value='reported']").check()
    statuses = article.locator("table.findings tbody tr:not(.off)").evaluate_all(
        "rs => rs.map(r => r.dataset.status)"
    )
    assert set(statuses) <= {"reported"}
    opened.assert_clean()


@pytest.mark.slow
def test_overview_sorts_by_any_column(seed_report: Path, open_report: Any) -> None:
    opened = open_report(seed_report)
    page = opened.page

    def column(index: int) -> list[str]:
        return page.locator("#articles-table tbody tr").evaluate_all(
            f"rs => rs.map(r => r.cells[{index}].dataset.v)"
        )

    overall = [float(v) for v in column(1)]
    assert overall == sorted(overall)  # worst first
    page.locator("#articles-table th button", has_text="Overall").click()
    assert [float(v) for v in column(1)] == sorted(overall, reverse=True)
    assert page.locator("#articles-table th", has_text="Overall").get_attribute("aria-sort") == "descending"
    page.locator("#articles-table th button", has_text="Article").click()
    titles = column(0)
    assert titles == sorted(titles)
    page.locator("#articles-table th button", has_text="Findings").press("Enter")
    counts = [int(v) for v in column(8)]
    assert counts == sorted(counts)
    opened.assert_clean()


@pytest.mark.slow
def test_phone_width_fits_without_sideways_scrolling(seed_report: Path, open_report: Any) -> None:
    opened = open_report(seed_report, width=390, height=844)
    page = opened.page
    width = "document.documentElement.scrollWidth"
    assert page.evaluate(width) <= 390
    page.locator("#articles-table a", has_text="lower back pain").click()
    assert page.evaluate(width) <= 390
    page.locator(f"#{seed_anchor(page)} mark.f.start").first.click()
    assert page.locator("#detail").is_visible()
    screenshot(page, "report-phone.png")
    opened.assert_clean()


def test_hostile_article_runs_no_code_and_shows_its_text(hostile_report: Path, open_report: Any) -> None:
    opened = open_report(hostile_report)
    page = opened.page
    page.locator("#articles-table a").first.click()
    assert page.locator(".article:target h2").inner_text() == HOSTILE_TITLE
    assert page.locator(".article:target [data-source]").inner_text() == HOSTILE_TEXT
    page.locator(".article:target mark.f.start").first.click()
    assert "window.__pwned = 5" in page.locator("#detail").inner_text()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("img, textarea, body > style, main style").count() == 0
    screenshot(page, "report-hostile.png", full_page=True)
    opened.assert_clean()


def test_missing_chromium_fails_with_a_clear_message(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The copied module imports the repository's bench package; the inner run starts elsewhere.
    root = str(Path(__file__).resolve().parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    pytester.makepyfile(
        test_inner=f"""
import os
os.environ["UNSPIN_CHROMIUM"] = "/nonexistent/chromium"
from {Path(__file__).stem} import browser  # noqa: F401

def test_needs_browser(browser):
    pass
"""
    )
    shutil.copy(__file__, pytester.path / Path(__file__).name)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "test_inner.py")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*Chromium is not installed at /nonexistent/chromium*"])


# ----------------------------------------------------------------------------- a large batch's report


def _finding(start: int, end: int) -> dict[str, Any]:
    return {
        "rule": "SPIN001",
        "category": "spin",
        "severity": "warning",
        "start": start,
        "end": end,
        "message": "Spun wording",
        "applied": True,
    }


@pytest.fixture(scope="module")
def paged_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """250 articles in two folders with the threshold at 100: an overview plus one page per article."""
    out = tmp_path_factory.mktemp("paged")
    for i in range(250):
        title = HOSTILE_TITLE if i == 7 else f"Garden note {i:03d}"
        doc = synthetic_doc(
            f"site/{i % 2}/note-{i:03d}.md", title, f"Note {i} about the garden.", 40 + i % 60
        )
        if i % 5 == 0:
            doc["findings"] = [_finding(0, 4)]
            doc["counts"] = {"total": 1, "applied": 1, "spin": 1}
        folder = out / str(i % 2)
        folder.mkdir(exist_ok=True)
        (folder / f"note-{i:03d}.json").write_text(json.dumps(doc), encoding="utf-8")
    return write_report(out, paged_from=100)


def _rows(page: Any) -> list[str]:
    return page.locator("#articles-table tbody th a").all_text_contents()


def test_large_batch_overview_sorts_filters_and_pages_offline(paged_report: Path, open_report: Any) -> None:
    assert (paged_report.parent / "report-pages" / "0" / "note-000.html").is_file()
    opened = open_report(paged_report)
    page = opened.page
    assert page.locator("#page").text_content() == "Page 1 of 3"
    assert page.locator("#shown").text_content() == "250 of 250 articles"
    rows = _rows(page)
    assert len(rows) == 100
    # Worst first: the lowest overall score after the rewrite is 40 (articles 0, 60, 120, 180, 240).
    first_score = page.locator("#articles-table tbody tr").first.locator("td .after").first.text_content()
    assert first_score == "40"

    page.click("#next")
    assert page.locator("#page").text_content() == "Page 2 of 3"
    assert not set(_rows(page)) & set(rows)

    page.fill("#filter", "note-12")  # note-120 … note-129
    assert page.locator("#shown").text_content() == "10 of 250 articles"
    assert page.locator("#page").text_content() == "Page 1 of 1"
    page.check("#with-findings")  # only 120 and 125 have a finding
    assert sorted(_rows(page)) == ["Garden note 120", "Garden note 125"]
    page.uncheck("#with-findings")
    page.fill("#filter", "")

    page.click("#articles-table thead button:text-is('Article')")
    titles = _rows(page)
    assert titles == sorted(titles, key=str.lower)
    page.click("#articles-table thead button:text-is('Article')")
    assert _rows(page)[0] == "Garden note 249"

    # The hostile title is text, not markup.
    page.fill("#filter", "note-007")
    assert _rows(page) == [HOSTILE_TITLE]
    assert page.evaluate("window.__pwned") is None
    opened.assert_clean()


def test_large_batch_article_opens_on_its_own_page_and_links_back(
    paged_report: Path, open_report: Any
) -> None:
    opened = open_report(paged_report)
    page = opened.page
    page.fill("#filter", "note-125")
    page.click("#articles-table tbody th a")
    page.wait_for_url("**/report-pages/1/note-125.html")
    assert page.locator("section.article h2", has_text="Garden note 125").count() == 1
    assert page.locator("mark.f").count() == 1
    page.click("header .back")
    page.wait_for_url(paged_report.as_uri())
    assert opened.errors == [] and opened.dialogs == []
    assert all(r.startswith(paged_report.parent.as_uri()) for r in opened.requests)
