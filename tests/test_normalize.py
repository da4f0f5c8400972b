"""The normalize stage on synthetic damage, CRLF text, protected code and clean articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from unspin.document import Applicability, apply_edits
from unspin.readers import read_path, read_text
from unspin.stages.normalize import normalize_findings

INPUT = Path(__file__).resolve().parents[1] / "input"


def _fixed(text: str, fmt: str = "txt") -> tuple[str, list[str]]:
    doc = read_text(text, fmt)
    found = normalize_findings(doc)
    assert all(f.fix is not None and f.fix.applicability is Applicability.SAFE for f in found)
    fixed, _ = apply_edits(text, [e for f in found for e in f.fix.edits])  # type: ignore[union-attr]
    return fixed, [f.rule for f in found]


@pytest.mark.parametrize(
    ("damaged", "repaired", "rule"),
    [
        ("Runners donâ€™t stretch.", "Runners don’t stretch.", "NORM001"),
        ("A cafÃ© near the track.", "A café near the track.", "NORM001"),
        ("Salt &amp; pepper.", "Salt & pepper.", "NORM001"),
        ("lower\u200bback pain", "lowerback pain", "NORM002"),
        ("bad\x07 bell", "bad bell", "NORM002"),
        ("running  treatment\tand\t\tmore", "running treatment\tand more", "NORM003"),
        ("after running , the back hurts .", "after running, the back hurts.", "NORM004"),
        ("Why ? Because !", "Why? Because!", "NORM004"),
        ("the back,, which hurts;; badly..", "the back, which hurts; badly.", "NORM005"),
        ("stretch gently.   ", "stretch gently.", "NORM006"),
    ],
)
def test_each_kind_of_noise_is_found_and_fixed(damaged: str, repaired: str, rule: str) -> None:
    fixed, rules = _fixed(damaged)
    assert fixed == repaired
    assert rule in rules


@pytest.mark.parametrize(
    "clean",
    [
        "Wait for it... then go.",
        "Use .NET or Node.js; both work :) fine",
        "The ratio is 3 : 2 in this recipe?",
        "Joined emoji 👩\u200d👩\u200d👧 stay intact.",
        "Quotes stay “curly” and ‘single’ too.",
        "Indented lines\n    keep their indentation.",
    ],
)
def test_clean_text_is_left_alone(clean: str) -> None:
    fixed, rules = _fixed(clean)
    assert fixed == clean, rules


def test_crlf_line_endings_are_not_findings_and_offsets_hold() -> None:
    text = "First  line ,\r\nSecond line..\r\n\r\nThird donâ€™t line.\r\n"
    doc = read_text(text)
    found = normalize_findings(doc)
    assert [f.rule for f in found] == ["NORM003", "NORM004", "NORM005", "NORM001"]
    assert [text[f.start : f.end] for f in found] == ["  ", " ", "..", "â€™"]
    fixed, _ = apply_edits(text, [e for f in found for e in f.fix.edits])  # type: ignore[union-attr]
    assert fixed == "First line,\r\nSecond line.\r\n\r\nThird don’t line.\r\n"


def test_markdown_code_and_hard_breaks_are_untouched() -> None:
    text = "Run  `a  ,  b` now.  \nNext line.\n\n```\nx  ,,  y\n```\n"
    fixed, rules = _fixed(text, "md")
    assert fixed == "Run `a  ,  b` now.  \nNext line.\n\n```\nx  ,,  y\n```\n"
    assert rules == ["NORM003"]


@pytest.mark.parametrize(
    "name",
    [
        "keeping-houseplants-alive-in-winter.txt",
        "backing-up-family-photos.md",
        "brewing-a-better-cup-of-tea.html",
    ],
)
def test_clean_sample_articles_have_no_normalize_findings(name: str) -> None:
    assert normalize_findings(read_path(INPUT / name)) == []


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [
        ("end.  \ufeff  Next", "end. Next"),
        ("end. \x02 Next", "end. Next"),
        ("end.\u00a0\x02öé\u00a0 _", "end.\u00a0öé _"),  # a space on one side only: removed alone
        ("a \x01  \x02 b", "a b"),
        ("| a \x01 | b |", "| a \x01 | b |"),  # beside a table pipe: control removed, spaces kept
    ],
)
def test_invisible_characters_in_a_space_run_leave_one_space(damaged: str, repaired: str) -> None:
    """Removing the invisible characters and collapsing the spaces on each side separately left two
    spaces, which a second clean collapsed again (found by the fuzzer): the run becomes one space, and
    normalizing the result finds nothing."""
    fixed, _ = _fixed(damaged)
    expected = repaired.replace("\x01", "").replace("\x02", "")
    assert fixed == expected
    assert _fixed(fixed) == (fixed, [])


def test_the_fast_class_of_invisible_characters_covers_every_control_and_format_character() -> None:
    import sys
    import unicodedata

    from unspin.invisible import CANDIDATES, is_invisible

    missed = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in ("Cc", "Cf")
        and is_invisible(chr(code))
        and not CANDIDATES.fullmatch(chr(code))
    ]
    assert missed == []


@pytest.mark.parametrize(
    "damaged",
    [
        # A control character hides mojibake from the first look; its removal uncovers it.
        "in pain.\u00a0â¿µ\x06룿\u00a0Leave a reply.",
        # Junk between two runs of spaces: the runs meet once it is gone.
        "Stretch first. \x05 \u200b \x0b Then run.",
    ],
)
def test_the_repaired_text_has_nothing_left_to_repair(damaged: str) -> None:
    fixed, rules = _fixed(damaged)
    assert rules and fixed != damaged
    again, more = _fixed(fixed)
    assert (again, more) == (fixed, [])


def test_invisible_characters_beside_a_space_are_blanked_in_the_prose_engines_read() -> None:
    doc = read_text("More. \ufeff Muscle mass.\u200bNext lower\u00adback", "txt")
    assert doc.prose == "More.   Muscle mass.\u200bNext lower\u00adback"
