"""List-number repair and the structure stage: title, sections, lead-ins, lists, duplicates, rendering."""

from __future__ import annotations

from pathlib import Path

import pytest

from unspin.config import Settings
from unspin.document import Applicability, Document
from unspin.pipeline import Context, Pipeline
from unspin.readers import read_path, read_text
from unspin.readers.markdown import read_markdown
from unspin.stages.lists import list_number_findings
from unspin.stages.structure import build_structure, plain_text, to_markdown

INPUT = Path(__file__).resolve().parents[1] / "input"
SAMPLES = sorted(p.name for p in INPUT.iterdir() if p.suffix in (".txt", ".md", ".html"))
# The stages this module owns, with the one-pass rewrite between them (no spaCy needed).
LAYOUT_ORDER = ["normalize", "boilerplate", "lists", "rewrite", "structure"]


def _run(doc: Document, order: list[str] = LAYOUT_ORDER) -> Document:
    settings = Settings()
    with Context(settings) as ctx:
        Pipeline(settings, order).run([doc], ctx)
    return doc


def _blocks(structure: dict) -> list[dict]:
    return [block for section in structure["sections"] for block in section["blocks"]]


# --------------------------------------------------------------------------------------- list numbers


def test_counting_run_becomes_numbers() -> None:
    text = "Steps\n\nOne. Warm up.\n\nTwo) Jog slowly.\n\nthree. Stretch.\n"
    found = list_number_findings(read_text(text))
    assert [(text[f.start : f.end], f.fix.replacement) for f in found] == [  # type: ignore[union-attr]
        ("One.", "1."),
        ("Two)", "2."),
        ("three.", "3."),
    ]
    assert all(f.fix.applicability is Applicability.SAFE for f in found)  # type: ignore[union-attr]
    assert found[0].evidence["run_length"] == 3


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_list_numbers_are_found_whatever_the_line_end(end: str) -> None:
    """A line may end at CR alone: the number word after it starts a line too (a second clean, reading the
    first one's LF output, found what the first missed)."""
    text = end.join(["Steps", "", "One. Warm up.", "", "Two) Jog slowly.", "", "three. Stretch.", ""])
    found = list_number_findings(read_text(text))
    assert [text[f.start : f.end] for f in found] == ["One.", "Two)", "three."]


@pytest.mark.parametrize(
    "prose",
    [
        "One of the best stretches is the cat-cow.",
        "One. Two. Three. The crowd counted down together.",
        "Three. That was the number of tries it took.",
        "Someone said one. thing",
    ],
)
def test_prose_starting_with_a_number_word_is_left_alone(prose: str) -> None:
    assert list_number_findings(read_text("Intro paragraph here.\n\n" + prose + "\n")) == []


def test_single_item_after_a_colon_line() -> None:
    text = "Try this stretch:\nOne. Lie flat.\n"
    found = list_number_findings(read_text(text))
    assert [f.evidence["reason"] for f in found] == ["follows a line that introduces a list"]


def test_capitalised_single_item_counts_before_an_instruction_with_real_spacy() -> None:
    text = (
        "Do this after every run.\n\nOne. Lie on your back and pull both knees to your chest.\n\n"
        "Three. That was the number of times I tried before it worked.\n"
    )
    doc = _run(read_text(text), ["parse", "lists"])
    found = [f for f in doc.findings if f.rule == "STRU001"]
    assert [(text[f.start : f.end], f.evidence["reason"]) for f in found] == [
        ("One.", "followed by an instruction")
    ]


def test_number_words_in_code_are_protected() -> None:
    doc = read_markdown("Intro text.\n\n```\none. not a list\n```\n")
    assert list_number_findings(doc) == []


# ----------------------------------------------------------------------------------------- the seed


@pytest.fixture(scope="module")
def seed() -> Document:
    return _run(read_path(INPUT / "lower-back-pain-after-running.txt"))


def test_seed_title_and_lead_ins(seed: Document) -> None:
    assert seed.title == "lower back pain after running treatment for Dummies"
    assert seed.structure is not None
    lead_ins = [b for b in _blocks(seed.structure) if b["type"] == "lead_in"]
    assert [b["label"] for b in lead_ins] == ["Overtraining", "Muscle Strain"]
    assert lead_ins[1]["text"].startswith("The repetitive mother nature of running")


def test_seed_step_becomes_an_ordered_list_and_the_form_is_gone(seed: Document) -> None:
    assert seed.structure is not None
    blocks = _blocks(seed.structure)
    ordered = [b for b in blocks if b["type"] == "ordered_list"]
    assert len(ordered) == 1
    assert ordered[0]["items"][0].startswith("Position your arms flat on the ground")
    assert any(b["type"] == "bullet_list" and b["items"][0].startswith("You might") for b in blocks)
    text = plain_text(seed.structure)
    assert text.startswith("lower back pain after running treatment for Dummies\n\n")
    assert "\n\n1. Position your arms flat" in text
    assert "Leave a Reply" not in text
    assert text.endswith("to dam pain alerts.\n")
    rules = sorted(f.rule for f in seed.findings if f.applied)
    assert rules == ["BOIL001", "STRU001"]


# -------------------------------------------------------------------------------- blocks and sections


def test_plain_text_headings_lists_and_lead_ins() -> None:
    text = (
        "Winter Running Guide\n\nCold air makes the first mile hard for everyone.\n\n"
        "What to Wear\n\n- a thin base layer\n* gloves\n• a hat\n\n"
        "Warm Up First\n\n1) Walk for five minutes.\n2) Jog gently,\nkeeping the pace easy.\n\n"
        "Tip: Breathe through your nose.\n\nNote: this one starts lower case, so it stays a paragraph.\n"
    )
    structure, duplicates = build_structure(text, "txt")
    assert duplicates == []
    assert structure["title"] == "Winter Running Guide"
    assert [s["heading"] for s in structure["sections"]] == [None, "What to Wear", "Warm Up First"]
    assert structure["sections"][1]["blocks"] == [
        {"type": "bullet_list", "items": ["a thin base layer", "gloves", "a hat"]}
    ]
    blocks = structure["sections"][2]["blocks"]
    assert blocks[0] == {
        "type": "ordered_list",
        "start": 1,
        "items": ["Walk for five minutes.", "Jog gently, keeping the pace easy."],
    }
    assert blocks[1] == {"type": "lead_in", "label": "Tip", "text": "Breathe through your nose."}
    assert blocks[2]["type"] == "paragraph"


def test_ordered_items_separated_by_blank_lines_form_one_list() -> None:
    structure, _ = build_structure("Title\n\n1. First step.\n\n2. Second step.\n\n3. Third step.\n", "txt")
    assert _blocks(structure) == [
        {"type": "ordered_list", "start": 1, "items": ["First step.", "Second step.", "Third step."]}
    ]


def test_markdown_front_matter_title_code_and_setext() -> None:
    text = (
        "---\ntitle: Front Title\n---\n\n# Front Title\n\nIntro with `code`.\n\nDetails\n-------\n\n"
        "```python\nprint('one. two')\n```\n\n**Bold Label:** Its text.\n\n<!-- note -->\n"
    )
    structure, _ = build_structure(text, "md", "Front Title")
    assert structure["title"] == "Front Title"
    assert [s["heading"] for s in structure["sections"]] == [None, "Details"]
    assert structure["sections"][1]["blocks"] == [
        {"type": "code", "text": "print('one. two')", "lang": "python"},
        {"type": "lead_in", "label": "Bold Label", "text": "Its text."},
    ]


def test_duplicate_paragraphs_are_removed_and_explained() -> None:
    para = "Stretch your hamstrings gently after every single run."
    text = f"Recovery Basics\n\n{para}\n\nDrink water too, it helps.\n\n{para}\n\nYes.\n\nYes.\n"
    doc = _run(read_text(text))
    assert doc.structure is not None
    texts = [b["text"] for b in _blocks(doc.structure)]
    assert texts == [para, "Drink water too, it helps.", "Yes.", "Yes."]
    duplicates = [f for f in doc.findings if f.rule == "STRU002"]
    assert len(duplicates) == 1
    second = text.rindex(para)
    assert (duplicates[0].start, duplicates[0].end) == (second, second + len(para))
    assert duplicates[0].evidence["first_occurrence_line"] == 3
    assert duplicates[0].applied


def test_plain_text_strips_markdown_inline_markup() -> None:
    structure = {
        "title": "T",
        "sections": [
            {
                "heading": "H",
                "level": 2,
                "blocks": [
                    {"type": "paragraph", "text": "Use **bold**, `code` and [a link](https://x.y)."},
                    {"type": "ordered_list", "start": 3, "items": ["c", "d"]},
                    {"type": "code", "text": "x = 1", "lang": None},
                ],
            }
        ],
    }
    assert plain_text(structure) == "T\n\nH\n\nUse bold, code and a link.\n\n3. c\n\n4. d\n"
    assert to_markdown(structure) == (
        "# T\n\n## H\n\nUse **bold**, `code` and [a link](https://x.y).\n\n3. c\n4. d\n\n```\nx = 1\n```\n"
    )


# ------------------------------------------------------------------------------------------ idempotence


@pytest.mark.parametrize("name", SAMPLES)
def test_markdown_output_structures_to_the_same_structure(name: str) -> None:
    doc = _run(read_path(INPUT / name))
    assert doc.structure is not None and doc.structure["title"]
    markdown = to_markdown(doc.structure)
    again = _run(read_markdown(markdown))
    assert again.structure == doc.structure
    assert to_markdown(again.structure) == markdown
    assert plain_text(again.structure) == plain_text(doc.structure)
    assert not [f for f in again.findings if f.rule.startswith(("BOIL", "STRU", "NORM"))]


def test_structure_is_deterministic() -> None:
    first = _run(read_path(INPUT / "brewing-a-better-cup-of-tea.html"))
    second = _run(read_path(INPUT / "brewing-a-better-cup-of-tea.html"))
    assert first.structure == second.structure
    assert first.structure is not None
    headings = [s["heading"] for s in first.structure["sections"]]
    assert headings == [
        None,
        "Start with Good Water",
        "What You Need",
        "Get the Temperature Right",
        "Step by Step",
    ]
    ordered = [b for b in _blocks(first.structure) if b["type"] == "ordered_list"]
    assert len(ordered[0]["items"]) == 5


def test_crlf_text_gives_the_same_structure_as_lf() -> None:
    text = "Winter Running\n\nWhat to Wear\n\n- gloves\n- a hat\n\nTip: Start slowly.\n\none. Walk first.\n"
    lf = _run(read_text(text))
    crlf = _run(read_text(text.replace("\n", "\r\n")))
    assert crlf.structure == lf.structure
    assert lf.structure is not None
    assert _blocks(lf.structure)[-1] == {"type": "ordered_list", "start": 1, "items": ["Walk first."]}


def test_a_paragraph_that_begins_like_a_list_item_stays_a_paragraph_in_the_clean_markdown() -> None:
    """An HTML paragraph whose text begins with "- " or "1. " was written to the clean Markdown as is, so
    reading that file back made it a list and changed the clean text (found by the fuzzer)."""
    from pathlib import Path

    from unspin.api import process, render_outputs
    from unspin.config import Settings
    from unspin.readers import read_text

    settings = Settings(disabled_stages=("grammar",), fast=True, cache=False)
    page = (
        "<html><body><article><h1>Easy runs</h1><p>Run slowly on most days and keep the pace easy.</p>"
        "<p>- 5 km at an easy pace, twice a week.</p><p>1. Warm up first, then stretch.</p>"
        "<p># of runs: three.</p></article></body></html>"
    )
    first = read_text(page, "html", Path("runs.html"))
    process([first], settings)
    md, _, data = render_outputs(first, "runs.html")
    assert "\\- 5 km at an easy pace" in md and "1\\. Warm up first" in md and "\\# of runs" in md
    again = read_text(md, "md", Path("runs.md"))
    process([again], settings)
    assert render_outputs(again, "runs.md")[2]["clean_text"] == data["clean_text"]
    assert "- 5 km at an easy pace" in data["clean_text"]


def test_a_front_matter_title_is_repaired_as_the_body_is() -> None:
    text = '---\ntitle: "Lower  back\\u200b pain"\n---\n\nRunners get it.\n'
    doc = read_text(text, "md")
    assert doc.metadata["title"] == "Lower  back\u200b pain"
    settings = Settings(disabled_stages=("grammar", "spin"), cache=False)
    with Context(settings) as ctx:
        Pipeline(settings, ["structure"]).run([doc], ctx)
    assert doc.title == "Lower back pain"


def test_a_tab_inside_a_nested_list_item_stays_a_tab() -> None:
    structure, _ = build_structure("Intro.\n\n- first\n    - a\tb\n", "md")
    items = structure["sections"][0]["blocks"][1]["items"]
    assert "a\tb" in items[0]


def test_an_empty_title_in_front_matter_declares_there_is_none() -> None:
    text = "Short first line\n\nA paragraph follows here.\n"
    assert build_structure(text, "md", None)[0]["title"] == "Short first line"
    assert build_structure(text, "md", "")[0]["title"] == ""
    assert build_structure("# Heading\n\nBody text.\n", "md", "")[0]["title"] == "Heading"


def test_code_inside_a_quote_stays_code_in_the_clean_markdown() -> None:
    """A quote holding an indented code block was joined into one prose line, so the clean Markdown lost the
    code's spacing and cleaning it again changed it once more (found by the fuzzer)."""
    text = "Intro text.\n\n>     total  = 1\n>     print(total)\n\nAfter the quote.\n"
    structure, _ = build_structure(text, "md")
    assert _blocks(structure)[1]["text"] == "    total  = 1\n    print(total)"
    markdown = to_markdown(structure)
    assert ">     total  = 1\n>     print(total)" in markdown
    assert to_markdown(build_structure(markdown, "md")[0]) == markdown
    # A quote of prose is still one joined paragraph.
    prose = build_structure("Intro text.\n\n> one line\n> and the next\n", "md")[0]
    assert _blocks(prose)[1]["text"] == "one line and the next"


@pytest.mark.parametrize(
    ("source", "fmt"),
    [
        ('---\ntitle: "Easy runs\\rfor beginners"\n---\n\nRun slowly on most days.\n', "md"),
        ("Easy runs for beginners #\n\nRun slowly on most days and keep the pace easy.\n", "txt"),
    ],
)
def test_a_title_reads_back_as_written_from_its_heading(source: str, fmt: str) -> None:
    """A title holding a line end, or ending in " #" (a heading's closing sequence in Markdown), was written
    as a "#" heading that read back as another title, so a second clean changed the article."""
    from unspin.api import process, render_outputs

    settings = Settings(disabled_stages=("grammar",), fast=True, cache=False)
    first = read_text(source, fmt, Path(f"runs.{fmt}"))
    process([first], settings)
    md, _, data = render_outputs(first, f"runs.{fmt}")
    assert data["title"] == "Easy runs for beginners"
    again = read_text(md, "md", Path("runs.md"))
    process([again], settings)
    assert render_outputs(again, "runs.md")[0].split("\n---\n", 1)[1] == md.split("\n---\n", 1)[1]


def test_a_list_item_whose_text_starts_with_a_no_break_space_stays_an_item() -> None:
    """Markdown starts an item's text at its first character that is not a space or a tab; a no-break
    space there was refused, and the item was joined to the one before it as " - \xa0…"."""
    structure, _ = build_structure("Intro.\n\n- first\n  - \t\xa0second\n", "md")
    assert _blocks(structure)[1]["items"] == ["first\n- \t\xa0second"]
    assert to_markdown(structure).endswith("- first\n  - \t\xa0second\n")


@pytest.mark.parametrize("line_end", ["\n", "\r"])
def test_a_markdown_table_goes_on_to_the_first_blank_line(line_end: str) -> None:
    """After a Markdown table's delimiter row every line up to a blank line or another block is a row,
    pipes at its ends or not (a CR had cut a row in two): the table was cut there and its last rows were
    joined into a paragraph, which a second clean read differently (found by the fuzzer)."""
    rows = ["| a | b |", "|---|---|", "| one", "two | x |", "| three | y |"]
    text = "Intro text.\n\n" + line_end.join(rows) + "\n\nAfter the table.\n"
    structure, _ = build_structure(text, "md")
    blocks = _blocks(structure)
    assert [b["type"] for b in blocks] == ["paragraph", "table", "paragraph"]
    assert blocks[1]["text"] == "\n".join(rows)
    markdown = to_markdown(structure)
    assert to_markdown(build_structure(markdown, "md")[0]) == markdown
    # Another block ends the table; outside Markdown, only pipe rows are a table.
    listed = _blocks(build_structure("| a | b |\n|---|---|\n| 1 | 2 |\n- item\n", "md")[0])
    assert [b["type"] for b in listed] == ["table", "bullet_list"]
    plain = _blocks(build_structure("| a | b |\n|---|---|\nwords | x |\n", "txt")[0])
    assert [b["type"] for b in plain] == ["table", "paragraph"]


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("-     Warm up \x17 here.", "Warm up \x17 here."),  # five spaces after the marker
        ("- \t  Warm up \x17 here.", "Warm up \x17 here."),  # a tab to column four, then two spaces
        ("  - \t  Warm up \x17 here.", "  Warm up \x17 here."),  # the tab reaches column eight
        ("1.      Warm up \x17 here.", " Warm up \x17 here."),
    ],
)
def test_a_list_item_that_opens_with_indented_code_stays_code(line: str, code: str) -> None:
    """Five or more columns of white space after a list marker open the item with indented code in
    CommonMark, so the reader protects it; the structure stage wrote it back as an item of prose, which a
    second clean then repaired (found by the fuzzer, as a nested item whose parent was boilerplate)."""
    structure, _ = build_structure(f"Intro text.\n\n{line}\n\nAfter the list.\n", "md")
    blocks = _blocks(structure)
    assert [b["type"] for b in blocks][1].endswith("_list")
    assert blocks[1]["items"] == ["    " + code]
    markdown = to_markdown(structure)
    assert to_markdown(build_structure(markdown, "md")[0]) == markdown
    assert "Warm up" not in plain_text(structure)  # code, not prose
    # Outside Markdown, or after a marker CommonMark does not know, it is an item of text.
    variants = [(line, "txt")] + ([(line.replace("-", "•"), "md")] if "-" in line else [])
    for text, fmt in variants:
        assert _blocks(build_structure(text + "\n", fmt)[0])[0]["items"] == ["Warm up \x17 here."]


def test_an_item_of_code_left_alone_when_its_parent_is_boilerplate() -> None:
    """The fuzzer's case: the parent item is a comment-form line that boilerplate removes, and its nested
    item "- \\t  x" (code in CommonMark) becomes a list of its own: the control character in the code is
    not repaired, the clean Markdown keeps it as code, and cleaning that again changes nothing."""
    source = (
        "# Title here\n\n- Your email address will not be published.\n"
        "  - \t  Warm up \x17 for ten minutes.\n    - Stretch before every run.\n\nSome text follows.\n"
    )
    first = _run(read_text(source, "md", Path("a.md")))
    assert not [f for f in first.findings if f.applied and f.rule.startswith("NORM")]
    clean = to_markdown(first.structure)
    assert "\n-       Warm up \x17 for ten minutes.\n" in clean
    second = _run(read_text(clean, "md", Path("a.md")))
    assert not [f for f in second.findings if f.applied]
    assert to_markdown(second.structure) == clean


def test_a_nested_item_keeps_text_that_is_not_markdown_white_space() -> None:
    """A nested item whose only text is a line separator (U+2028, which Python strips and Markdown does
    not) was written back as a bare marker, which Markdown reads as more text of the item above: a
    second clean then joined it to that item (found by the fuzzer)."""
    text = "- item text\n  - \u2028\n    - nested one\n\nAfter.\n"
    markdown = to_markdown(build_structure(text, "md")[0])
    assert "\n  - \u2028\n" in markdown
    assert to_markdown(build_structure(markdown, "md")[0]) == markdown


@pytest.mark.parametrize("lead", ["\u00a0\u00a0", "\x8f\x0f", " \u200b", "\u2028\u00a0", "\u2029"])
def test_a_list_number_after_unicode_space_or_junk_is_repaired_on_the_first_clean(lead: str) -> None:
    """A number word after no-break spaces or invisible characters starts its line in the clean article
    (those are not kept at a line's start), so it is repaired on the first clean and written as an item:
    a second clean found "one." at the start of a line and repaired it then (found by the fuzzer)."""
    source = f"Intro paragraph here is fine.\n\n{lead}one. Warm up for ten minutes.\n"
    found = list_number_findings(read_text(source))
    assert [(f.rule, source[f.start : f.end]) for f in found] == [("STRU001", "one.")]
    first = _run(read_text(source, "md", Path("a.md")))
    clean = to_markdown(first.structure)
    assert clean.endswith("\n\n1. Warm up for ten minutes.\n")
    second = _run(read_text(clean, "md", Path("a.md")))
    assert not [f for f in second.findings if f.applied]
    assert to_markdown(second.structure) == clean


def test_a_lazy_line_continues_the_nested_item_it_follows() -> None:
    """A line less indented than a nested item, with no blank line before it, continues that item's
    paragraph (CommonMark's laziness), so an inline code span that runs over the line end stays whole;
    joined to the outer item instead, the span was cut and its text read as prose by a second clean."""
    text = "- outer item\n  - inner item with `code that\nruns on` here\n\nAfter.\n"
    structure, _ = build_structure(text, "md")
    items = _blocks(structure)[0]["items"]
    assert items == ["outer item\n- inner item with `code that\nruns on` here"]
    markdown = to_markdown(structure)
    assert to_markdown(build_structure(markdown, "md")[0]) == markdown


def test_indented_code_may_follow_a_heading_at_once() -> None:
    """Indented code cannot interrupt a paragraph, but it may follow a heading with no blank line between
    (CommonMark): the Markdown reader protects it as code, so the structure stage must not read it as a
    list item (it did, and a second clean repaired the text the first had left; found by the fuzzer)."""
    text = "Intro text.\n\n#\n                - Risk \x06 factors here.\n\nAfter.\n"
    blocks = _blocks(build_structure(text, "md")[0])
    assert [b["type"] for b in blocks] == ["paragraph", "code", "paragraph"]
    assert blocks[1]["text"] == "            - Risk \x06 factors here."
    # After a paragraph line it is still a lazy continuation.
    lazy = _blocks(build_structure("Intro text\n        more text.\n", "md")[0])
    assert [b["type"] for b in lazy] == ["paragraph"]


def test_a_heading_that_ends_in_hashes_keeps_them() -> None:
    """A heading whose text ends in " #" (kept because junk followed it in the source) was written as
    "## Tips #", which Markdown reads as "Tips" with a closing sequence: the hashes are escaped."""
    structure = {"title": "C# tips #", "sections": [{"heading": "Tips ##", "level": 2, "blocks": []}]}
    markdown = to_markdown(structure)
    assert markdown == "# C# tips \\#\n\n## Tips \\##\n"
    assert to_markdown(build_structure(markdown, "md")[0]) == markdown
