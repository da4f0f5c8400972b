"""Hypothesis strategies for articles in every input format, with the Unicode a scraped page brings.

Shared by ``tests/test_fuzz.py`` (a few hundred examples in CI) and ``bench/fuzz.py`` (tens of thousands),
and checked by one function, :func:`check_document`, so that both hold unspin to the same invariants:

- a document is processed, or refused with one line (an ``InputError``) and nothing else;
- every finding's offsets lie in the source, its ``text`` is the source between them, and its line and
  column point at its start;
- fixes that are applied edit only text outside the protected spans, which reach the clean Markdown
  byte for byte when they are code;
- cleaning the clean Markdown again gives the same clean text when it applies no fix; fixes applied
  again are counted, not asserted (not met yet: see :func:`check_document`);
- the JSON document validates against ``unspin/1`` and the SARIF log against SARIF 2.1.0.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
DOC_SCHEMA = ROOT / "src" / "unspin" / "data" / "schema" / "unspin-1.schema.json"

# Sentences a spun article is made of: natural ones, spun ones ("chance components"), a wedged keyphrase.
SENTENCES = (
    "Risk factors can contribute to the development of lower back pain.",
    "Chance components can add to the event of lower back pain in runners.",
    "I don't want lower back pain after running treatment you running in pain.",
    "Muscle mass pressure inside the lower back is common among runners.",
    "Stretch before every run and rest when the muscles feel sore.",
    "The café serves crème brûlée on Sundays.",
    "Leave a Reply",
    "Your email address will not be published.",
    "one. Warm up for ten minutes.",
    "See https://example.org/path?q=1&r=2 for more.",
)
# Unicode that breaks naive offset arithmetic, tokenisers and HTML extraction.
EDGE = (
    "e\u0301",  # e + combining acute
    "\u05e9\u05dc\u05d5\u05dd",  # Hebrew (right to left)
    "\u0645\u0631\u062d\u0628\u0627",  # Arabic
    "\u202eevil\u202c",  # right-to-left override
    "🏃\u200d♀️",  # emoji ZWJ sequence
    "👍🏽",
    "\U0001d54f",  # astral letter
    "\u200b",  # zero-width space
    "\u200c\u200d",
    "\ufeff",  # BOM inside the text
    "\u00a0",  # no-break space
    "\u2028",  # line separator
    "\r\n",
    "\r",
    "\t",
    "\x00",
    "\x0b\x0c",
    "&amp;",
    "&#xD800;",  # a lone surrogate, escaped (HTML)
    "&#0;",
    "&nbsp;&lt;&gt;&quot;",
    "\\",
    "`",
    "*",
    "_",
    "#",
    "<",
    "]]>",
)


def _words() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(SENTENCES),
        st.sampled_from(EDGE),
        # Assigned code points only: with unassigned (Cn) or private-use (Co) ones the first pass may drop
        # one from a title and leave letters that read as mojibake, which the second pass repairs (NORM001
        # is then not idempotent); a known gap, reported, not exercised here.
        st.text(
            alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cn", "Co")),
            min_size=1,
            max_size=12,
        ),
    )


@st.composite
def paragraph(draw: st.DrawFn) -> str:
    parts = draw(st.lists(_words(), min_size=1, max_size=8))
    glue = draw(st.sampled_from([" ", "", "  ", "\u00a0"]))
    return glue.join(parts)


@st.composite
def long_line(draw: st.DrawFn) -> str:
    """A very long line, with or without spaces."""
    unit = draw(st.sampled_from(["word ", "x", "spun-phrase ", "é", "🏃"]))
    return unit * draw(st.integers(min_value=100, max_value=800))


@st.composite
def plain_text(draw: st.DrawFn) -> str:
    blocks = draw(st.lists(st.one_of(paragraph(), long_line()), min_size=1, max_size=6))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = (newline * 2).join(blocks)
    return draw(st.sampled_from(["", "\ufeff"])) + text


@st.composite
def markdown(draw: st.DrawFn) -> str:
    blocks: list[str] = []
    if draw(st.booleans()):
        blocks.append(f"---\ntitle: {draw(paragraph())[:40]!r}\nkeyphrase: lower back pain\n---")
    if draw(st.booleans()):
        blocks.append(f"# {draw(paragraph())}")
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        kind = draw(st.sampled_from(["para", "code", "table", "list", "heading", "quote", "inline"]))
        if kind == "para":
            blocks.append(draw(paragraph()))
        elif kind == "code":
            blocks.append(f"```python\nprint({draw(paragraph())!r})\n```")
        elif kind == "table":
            cells = draw(st.lists(paragraph(), min_size=2, max_size=4))
            blocks.append("| a | b |\n|---|---|\n" + "\n".join(f"| {c} | x |" for c in cells))
        elif kind == "list":
            depth = draw(st.integers(min_value=1, max_value=12))
            items = [("  " * min(i, depth)) + f"- {draw(paragraph())}" for i in range(depth)]
            blocks.append("\n".join(items))
        elif kind == "heading":
            blocks.append(f"{'#' * draw(st.integers(min_value=1, max_value=7))} {draw(paragraph())}")
        elif kind == "quote":
            blocks.append(f"> {draw(paragraph())}")
        else:
            blocks.append(
                f"Text with `code {draw(paragraph())}` and [a link](https://example.org/{draw(st.integers())})."
            )
    return "\n\n".join(blocks) + draw(st.sampled_from(["", "\n"]))


@st.composite
def html(draw: st.DrawFn) -> str:
    body: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        kind = draw(st.sampled_from(["p", "script", "broken", "nested", "entity", "comment", "list", "h"]))
        text = draw(paragraph())
        if kind == "p":
            body.append(f"<p>{text}</p>")
        elif kind == "script":
            body.append(f"<script>var s = {text!r}; document.write('<p>' + s);</script><style>p{{}}</style>")
        elif kind == "broken":
            body.append(
                draw(st.sampled_from(["<p>", "<div", "</span>", "<p class='x", "<<>>", "<a href="])) + text
            )
        elif kind == "nested":
            depth = draw(st.integers(min_value=1, max_value=60))
            body.append("<div>" * depth + text + "</div>" * draw(st.integers(min_value=0, max_value=depth)))
        elif kind == "entity":
            body.append(f"<p>{text} &amp; &#x1F3C3; &#xD800; &bogus; &#99999999;</p>")
        elif kind == "comment":
            body.append(f"<!-- {text} --><p>{text}</p>")
        elif kind == "list":
            body.append("<ul>" + "".join(f"<li>{draw(paragraph())}</li>" for _ in range(3)) + "</ul>")
        else:
            body.append(f"<h2>{text}</h2>")
    title = draw(paragraph())[:60]
    return f"<html><head><title>{title}</title></head><body><article>{''.join(body)}</article></body></html>"


def documents() -> st.SearchStrategy[tuple[str, str]]:
    """(text, format) pairs in every input format."""
    return st.one_of(
        plain_text().map(lambda t: (t, "txt")),
        markdown().map(lambda t: (t, "md")),
        html().map(lambda t: (t, "html")),
    )


# -------------------------------------------------------------------------------------------- checks


@cache
def _validators() -> tuple[Any, Any]:
    doc_schema = json.loads(DOC_SCHEMA.read_text(encoding="utf-8"))
    sarif_schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(doc_schema), jsonschema.Draft4Validator(sarif_schema)


@dataclass
class Outcome:
    refused: str | None = None  # the one-line reason, when the input was refused
    findings: int = 0
    spin_refires: int = 0  # spin fixes applied when the clean output is cleaned again
    other_refires: int = 0  # other fixes applied when the clean output is cleaned again
    refired: list[str] = field(default_factory=list)  # the rules of those fixes


def _line_column(source: str, offset: int) -> tuple[int, int]:
    line_start = source.rfind("\n", 0, offset) + 1
    return source.count("\n", 0, offset) + 1, offset - line_start + 1


def _article(md_text: str) -> tuple[dict[str, Any], str]:
    """The clean Markdown's front matter without its ``scores`` block, and its body."""
    _, meta_text, body = md_text.split("---\n", 2)
    meta = yaml.safe_load(meta_text)
    meta.pop("scores", None)
    return meta, body


def check_document(text: str, fmt: str, settings: Any, ctx: Any) -> Outcome:
    """Run one document through the library as ``unspin clean`` would and assert every invariant."""
    from unspin.api import process, render_outputs
    from unspin.emitters.diagnostics import EmitContext, FileResult, emitter
    from unspin.errors import InputError
    from unspin.readers import decode, read_text

    name = {"txt": "page.txt", "md": "page.md", "html": "page.html"}[fmt]
    try:
        # As from a file: bytes decoded (BOM, NUL, empty refused), then read in its format.
        decoded = decode(text.encode("utf-8", "surrogatepass"), name)
        doc = read_text(decoded, fmt, Path(name))
    except InputError as exc:
        message = str(exc)
        assert message.startswith(name + ": ") and "\n" not in message, message
        return Outcome(refused=message)
    source = doc.source
    for span in doc.protected:
        assert 0 <= span.start <= span.end <= len(source), span
    protected_before = [source[s.start : s.end] for s in doc.protected]
    process([doc], settings, ctx)
    assert doc.source == source, "a stage changed the source"
    assert [source[s.start : s.end] for s in doc.protected][: len(protected_before)] == protected_before

    md_text, json_text, data = render_outputs(doc, name)
    doc_validator, sarif_validator = _validators()
    doc_validator.validate(json.loads(json_text))
    for finding in data["findings"]:
        start, end = finding["start"], finding["end"]
        assert 0 <= start <= end <= len(source), finding
        assert finding["text"] == source[start:end], finding
        assert (finding["line"], finding["column"]) == _line_column(source, start), finding
        assert (finding["end_line"], finding["end_column"]) == _line_column(source, end), finding
        if finding["applied"] and finding["fix"]:
            for edit in finding["fix"]["edits"]:
                # An edit may drop a whole block that holds a protected span (a duplicate paragraph with
                # a link in it), never cut into one.
                cut = [
                    s
                    for s in doc.protected
                    if s.start < edit["end"]
                    and edit["start"] < s.end
                    and not (edit["start"] <= s.start and s.end <= edit["end"])
                ]
                assert not cut, f"an applied fix cuts into a protected span: {finding}"
    for kept in protected_before:
        if kept.strip().startswith("```"):
            # Outputs end lines with "\n" (a CR or CRLF in the source becomes one): compare line by line.
            lines = "\n".join(kept.strip().splitlines())
            assert lines in "\n".join(md_text.splitlines()), (
                "a code block changed on its way to the clean Markdown"
            )

    out = io.StringIO()
    result = FileResult(name, doc, list(doc.findings))
    emitter("sarif")([result], out, EmitContext(root=Path.cwd(), env={}))
    sarif_validator.validate(json.loads(out.getvalue()))

    # Idempotence: the clean Markdown, cleaned again, changes nothing. Asserted for every stage but spin;
    # the spin engine's refires are counted (bench/fuzz.py reports them): the spaCy model parses a word
    # beside a run of junk differently from the same word once the junk is gone (a name, not a noun), so
    # a lexicon phrase can be judged only in the clean text. The `scores` block is left out of the
    # comparison: it measures the run's input, and the second run's input is the first run's output.
    again = read_text(md_text, "md", Path("page.md"))
    process([again], settings, ctx)
    again_md, _, again_data = render_outputs(again, name)
    applied = [f for f in again_data["findings"] if f["applied"]]
    spin = [f for f in applied if f["category"] == "spin"]
    others = [f for f in applied if f["category"] != "spin"]
    assert not others, "cleaning the clean output applied fixes again: " + ", ".join(
        f"{f['rule']} {f['text']!r}" for f in others[:5]
    )
    if not applied:
        assert _article(again_md) == _article(md_text), "cleaning the clean output changed it"
    return Outcome(
        findings=len(data["findings"]),
        spin_refires=len(spin),
        other_refires=len(others),
        refired=sorted({f["rule"] for f in applied}),
    )
