"""Readers: Markdown front matter and protected spans, HTML main-text extraction, plain-text URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from unspin.errors import InputError
from unspin.readers import read_path, read_text
from unspin.readers.markdown import read_markdown

INPUT = Path(__file__).resolve().parents[1] / "input"

MARKDOWN = """---
title: Stretching After a Run
keyphrase: stretching after running
published: 2024-05-12
---

# Stretching After a Run

Hold each stretch for **thirty seconds** and use `--gentle` mode.
See [the guide](https://example.com/guide "Guide") and ![a photo](images/stretch.png).

<!-- hidden editor note about improvement -->

```python
def improve(): return "utilise"
```

    indented_code = "commence"

- first *item* here
1. numbered item

[ref]: https://example.com/ref
"""


def _protected_text(doc) -> str:
    return "".join(doc.source[s.start : s.end] for s in doc.protected)


def test_front_matter_becomes_metadata_and_is_protected() -> None:
    doc = read_markdown(MARKDOWN)
    assert doc.metadata["title"] == "Stretching After a Run"
    assert doc.metadata["keyphrase"] == "stretching after running"
    # YAML dates are kept as JSON-serialisable ISO strings.
    assert doc.metadata["published"] == "2024-05-12"
    assert doc.title == "Stretching After a Run"
    end = doc.source.index("---\n", 4) + 4
    assert doc.is_protected(0, end)
    assert doc.prose[:end].strip() == ""


@pytest.mark.parametrize(
    "machine_text",
    [
        "`--gentle`",
        '](https://example.com/guide "Guide")',
        "](images/stretch.png)",
        "<!-- hidden editor note about improvement -->",
        'def improve(): return "utilise"',
        'indented_code = "commence"',
        "[ref]: https://example.com/ref",
    ],
)
def test_code_comments_and_link_targets_are_never_prose(machine_text: str) -> None:
    doc = read_markdown(MARKDOWN)
    start = doc.source.index(machine_text)
    end = start + len(machine_text)
    assert doc.prose[start:end].strip() == "", machine_text
    assert doc.source[start:end] == machine_text


def test_markup_characters_are_protected_but_prose_words_are_not() -> None:
    doc = read_markdown(MARKDOWN)
    prose = doc.prose
    heading = doc.source.index("# Stretching After a Run")
    assert prose[heading : heading + 2] == "  "
    bold = doc.source.index("**thirty seconds**")
    assert prose[bold : bold + len("**thirty seconds**")] == "  thirty seconds  "
    bullet = doc.source.index("- first *item* here")
    assert prose[bullet : bullet + len("- first *item* here")] == "  first  item  here"
    link = doc.source.index("[the guide]")
    assert prose[link : link + len("[the guide]")] == " the guide "
    numbered = doc.source.index("1. numbered item")
    assert prose[numbered : numbered + len("1. numbered item")] == "   numbered item"
    # Prose words stay analysable and offsets stay identical.
    assert len(prose) == len(doc.source)
    assert "Hold each stretch for" in prose


def test_crlf_markdown_keeps_offsets() -> None:
    text = MARKDOWN.replace("\n", "\r\n")
    doc = read_markdown(text)
    assert doc.metadata["title"] == "Stretching After a Run"
    start = text.index("`--gentle`")
    assert doc.prose[start : start + len("`--gentle`")].strip() == ""
    assert doc.prose.count("\r\n") == text.count("\r\n")


def test_a_lone_carriage_return_ends_a_line_as_markdown_it_reads_it() -> None:
    # markdown-it counts a lone CR as a line end; a code block after one must still be protected whole.
    source = "Intro line\rstill the intro.\n\n```python\nprint('x')\n```\n\n## After\n\nProse here.\n"
    doc = read_markdown(source)
    fence = source.index("```")
    block = next(s for s in doc.protected if s.start <= fence < s.end)
    assert source[block.start : block.end].strip() == "```python\nprint('x')\n```"


def test_invalid_front_matter_is_one_clear_error() -> None:
    with pytest.raises(InputError, match="invalid YAML front matter"):
        read_markdown("---\ntitle: [unclosed\n---\n\nBody text.\n", Path("post.md"))
    with pytest.raises(InputError, match="not a mapping"):
        read_markdown("---\n- a\n- b\n---\n\nBody text.\n", Path("post.md"))


def test_plain_text_protects_urls_and_emails() -> None:
    doc = read_text("Read https://example.com/a-b?c=1, or write to editor@example.org today.\n")
    assert _protected_text(doc) == "https://example.com/a-b?c=1editor@example.org"


def test_html_extracts_main_text_with_headings_and_lists() -> None:
    doc = read_path(INPUT / "brewing-a-better-cup-of-tea.html")
    assert doc.format == "html"
    assert doc.raw is not None and "<nav>" in doc.raw
    assert doc.title == "How to Brew a Better Cup of Tea"
    lines = doc.source.splitlines()
    assert lines[0] == "# How to Brew a Better Cup of Tea"
    assert "## Get the Temperature Right" in lines
    assert "- Loose-leaf tea or a good-quality tea bag" in lines
    assert "3. Pour the water over the tea and start the timer." in lines
    # Navigation, comments and the reply form are not article text.
    for chrome in ("Guides", "Leave a Reply", "Great tips", "Post Comment", "All rights reserved"):
        assert chrome not in doc.source
    # The extracted Markdown markers are protected like Markdown input.
    marker = doc.source.index("## Get")
    assert doc.prose[marker : marker + 3] == "   "


def test_html_title_put_back_when_the_extractor_drops_it() -> None:
    page = (
        "<html><head><title>Site | Page</title></head><body><div id='top'><h1>Winter Cycling Tips</h1></div>"
        "<article><p>" + "Cycling through winter needs good lights and patience on icy roads. " * 6 + "</p>"
        "<p>" + "Mudguards keep you and the riders behind you much drier on wet days. " * 5 + "</p></article>"
        "</body></html>"
    )
    doc = read_text(page, "html")
    assert doc.source.splitlines()[0] == "# Winter Cycling Tips"
    assert doc.metadata["title"] == "Winter Cycling Tips"


@pytest.mark.parametrize(
    ("page", "problem"),
    [
        ("Just some words, no markup at all.", "not an HTML page"),
        ("<html><body><nav><a href='/'>Home</a></nav></body></html>", "no article text"),
    ],
)
def test_bad_html_is_one_clear_error(page: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem) as info:
        read_text(page, "html", Path("page.html"))
    assert str(info.value).startswith("page.html: ")
    assert "\n" not in str(info.value)


def test_markdown_sample_has_what_the_readers_must_handle() -> None:
    doc = read_path(INPUT / "backing-up-family-photos.md")
    assert doc.metadata["keyphrase"] == "back up family photos"
    fence = doc.source.index("rsync -av")
    assert doc.is_protected(fence, fence + 5)
    url = doc.source.index("https://rsync.samba.org")
    assert doc.prose[url : url + 20].strip() == ""


def test_link_with_code_in_its_text_keeps_brackets_and_target_protected() -> None:
    from unspin.readers.markup import inline_spans

    text = "the [`println!` macro][println] and [`Vec`](https://doc.rust-lang.org/std/vec/) types"
    protected = [text[a:b] for a, b in inline_spans(text, 0, len(text))]
    assert protected == [
        "[",
        "`println!`",
        "][println]",
        "[",
        "`Vec`",
        "](https://doc.rust-lang.org/std/vec/)",
    ]


def test_footnote_markers_are_protected() -> None:
    from unspin.readers.markup import inline_spans

    text = "Spin is old.[^1] See the note.\n[^1]: First seen in 2009."
    protected = [text[a:b] for a, b in inline_spans(text, 0, len(text))]
    assert protected == ["[^1]", "[^1]:"]
