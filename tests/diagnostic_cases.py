"""One shared set of checked files for the emitter tests (ruff tests every emitter on one set).

The findings use unspin's own USP rules so the set does not depend on any other rule family; spans
cover multi-byte characters, a multi-line span, CRLF line ends, an HTML page whose finding must be
located in the markup, and two identical findings in one file.
"""

from __future__ import annotations

from pathlib import Path

from unspin import rules
from unspin.document import Applicability, Document, Finding, Fix, Severity
from unspin.emitters.diagnostics import EmitContext, FileProblem, FileResult

MD_SOURCE = (
    "---\ntitle: Tea\n---\n"
    "# Tea 🍵 guide\n"
    "\n"
    "Don’t brew 𐐀 green tea with boiling water.\n"
    "A second line, with 100% more tea: and commas\n"
    "continued here.\n"
    "Repeat me. Repeat me.\n"
)
TXT_SOURCE = "Plain title\r\nFirst line here.\r\nSecond line with a problem.\r\n"
HTML_RAW = (
    "<html><head><title>Brewing tea</title></head><body><article>"
    "<h1>Brewing tea</h1>\n<p>Steep the leaves\n  for three minutes.</p>"
    "</article></body></html>\n"
)
HTML_SOURCE = "# Brewing tea\n\nSteep the leaves for three minutes.\n"


def _finding(source: str, needle: str, code: str, message: str, *, nth: int = 0, **kwargs) -> Finding:
    start = -1
    for _ in range(nth + 1):
        start = source.index(needle, start + 1)
    return rules.finding(code, start, start + len(needle), message, **kwargs)


def md_document() -> tuple[Document, list[Finding]]:
    doc = Document(path=Path("docs/tea guide.md"), source=MD_SOURCE, format="md")
    needle = "𐐀 green"
    green = _finding(
        MD_SOURCE,
        needle,
        "USP001",
        "100% odd: wording\nsecond line, with comma",
        fix=Fix.replace(
            MD_SOURCE.index(needle), MD_SOURCE.index(needle) + len(needle), "green", Applicability.SAFE
        ),
    )
    multi_start = MD_SOURCE.index("more tea")
    multi_end = MD_SOURCE.index("continued") + len("continued")
    multiline = rules.finding(
        "USP002",
        multi_start,
        multi_end,
        "spans two lines",
        fix=Fix.replace(multi_start, multi_end, "more tea, continued", Applicability.UNSAFE),
    )
    first = _finding(MD_SOURCE, "Repeat me.", "USP001", "repeated", severity=Severity.INFO)
    second = _finding(MD_SOURCE, "Repeat me.", "USP001", "repeated", nth=1, severity=Severity.INFO)
    findings = [green, multiline, first, second]
    doc.findings = list(findings)
    doc.scores = {"overall": 71.5, "spin": 80}
    return doc, findings


def txt_document() -> tuple[Document, list[Finding]]:
    doc = Document(path=Path("notes/crlf.txt"), source=TXT_SOURCE, format="txt")
    problem = _finding(TXT_SOURCE, "problem", "USP002", "an error on a CRLF line")
    doc.findings = [problem]
    doc.scores = {"overall": 40}
    return doc, [problem]


def html_document() -> tuple[Document, list[Finding]]:
    doc = Document(path=Path("site/tea.html"), source=HTML_SOURCE, format="html", raw=HTML_RAW)
    start = HTML_SOURCE.index("leaves for three")
    end = start + len("leaves for three")
    located = rules.finding(
        "USP001", start, end, "in the page", fix=Fix.replace(start, end, "leaves", Applicability.SAFE)
    )
    doc.findings = [located]
    doc.scores = {"overall": 90}
    return doc, [located]


def results() -> list[FileResult]:
    md, md_findings = md_document()
    txt, txt_findings = txt_document()
    page, page_findings = html_document()
    clean = Document(path=Path("docs/clean.md"), source="# Clean\n\nNothing to see.\n", format="md")
    clean.scores = {"overall": 100}
    return [
        FileResult("docs/tea guide.md", md, md_findings, suppressed=1),
        FileResult("notes/crlf.txt", txt, txt_findings),
        FileResult("site/tea.html", page, page_findings, baselined=2),
        FileResult("docs/clean.md", clean, []),
    ]


def context(tmp_path: Path | None = None, **env: str) -> EmitContext:
    return EmitContext(
        version="9.9.9",
        root=tmp_path or Path.cwd(),
        problems=[FileProblem("docs/broken.md", "not valid UTF-8 (byte 3)")],
        env=env,
    )
