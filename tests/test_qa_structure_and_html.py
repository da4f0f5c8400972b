"""Nested Markdown lists keep their nesting; HTML pages without an article container keep every block."""

from __future__ import annotations

from unspin.readers.html import read_html
from unspin.stages.structure import build_structure, plain_text, to_markdown

NESTED = """# Gear

- Outsole
  - Lug depth

  - Rubber compound
    1. Soft rubber grips wet rock.
    2. Hard rubber lasts longer.
- Upper
\t- Mesh

1. First step
   - a detail of it
2. Second step
"""


def test_nested_list_items_stay_inside_their_parent_item() -> None:
    structure, _ = build_structure(NESTED, "md")
    blocks = structure["sections"][0]["blocks"]
    assert [b["type"] for b in blocks] == ["bullet_list", "ordered_list"]
    assert blocks[0]["items"] == [
        "Outsole\n- Lug depth\n- Rubber compound\n"
        "  1. Soft rubber grips wet rock.\n  2. Hard rubber lasts longer.",
        "Upper\n- Mesh",
    ]
    assert blocks[1]["items"] == ["First step\n- a detail of it", "Second step"]


def test_nested_lists_render_indented_and_structure_again_to_the_same() -> None:
    structure, _ = build_structure(NESTED, "md")
    markdown = to_markdown(structure)
    assert "- Outsole\n  - Lug depth\n  - Rubber compound\n    1. Soft rubber grips wet rock.\n" in markdown
    assert "1. First step\n   - a detail of it\n2. Second step" in markdown
    again, _ = build_structure(markdown, "md")
    assert again == structure
    assert to_markdown(again) == markdown
    text = plain_text(structure)
    assert "Outsole\n\nLug depth\n\nRubber compound\n\n1. Soft rubber grips wet rock.\n\n" in text
    assert "- " not in text


def test_indented_continuation_of_a_flat_list_item_is_still_joined() -> None:
    structure, _ = build_structure("- one item\n  continues here\n- two\n", "md")
    assert structure["sections"][0]["blocks"][0]["items"] == ["one item continues here", "two"]


BODY_ONLY_PAGE = """<html><head><title>Learning guitar</title></head><body>
<nav><a href="/">Home</a> <a href="/blog">Blog</a></nav>
<h1>Learning guitar</h1>
<p>Learning the guitar as an adult is entirely possible with a little practice every day.</p>
<h2>Daily routine</h2>
<p>Start with these three steps every day before anything else:</p>
<ul><li>Tune first</li><li>Play scales</li><li>Learn three chords</li></ul>
<p>Practice for twenty minutes every day and you will improve within a month.</p>
<aside><h3>Popular posts</h3>
<ul><li><a href="/a">Ten chords</a></li><li><a href="/b">Strings</a></li></ul></aside>
<footer>Copyright 2024 Guitar Blog. All rights reserved.</footer>
</body></html>"""


def test_page_with_text_straight_in_body_keeps_headings_and_short_lists() -> None:
    doc = read_html(BODY_ONLY_PAGE)
    assert "## Daily routine" in doc.source
    assert "- Tune first\n- Play scales\n- Learn three chords" in doc.source
    assert "Practice for twenty minutes" in doc.source
    assert "Popular posts" not in doc.source and "Ten chords" not in doc.source
    assert "Copyright" not in doc.source and "Home" not in doc.source


def test_unclosed_list_items_in_malformed_html_are_kept() -> None:
    page = (
        "<html><body><h1>Broken page</h1><p>First paragraph about learning the guitar as an adult.\n"
        "<ul><li>Tune first<li>Play scales<li>Learn three chords\n</ul>"
        "<p>Practice for twenty minutes every day.\n"
    )
    assert "- Tune first\n- Play scales\n- Learn three chords" in read_html(page).source
