"""The boilerplate stage: comment forms, share lines, cookie notices, related posts, author boxes."""

from __future__ import annotations

from pathlib import Path

import pytest

from unspin.config import ConfigError, Settings
from unspin.document import Applicability, apply_edits
from unspin.pipeline import Context
from unspin.readers import read_path, read_text
from unspin.stages.boilerplate import BoilerplateStage, boilerplate_findings, load_patterns

INPUT = Path(__file__).resolve().parents[1] / "input"
ARTICLE = "Stretch your hamstrings after every run.\n\nHold each stretch for thirty seconds.\n"


def _clean(text: str, fmt: str = "txt") -> tuple[str, list]:
    doc = read_text(text, fmt)
    found = boilerplate_findings(doc, load_patterns())
    fixed, _ = apply_edits(text, [e for f in found for e in f.fix.edits])  # type: ignore[union-attr]
    return fixed, found


def test_seed_comment_form_is_one_block_removed_with_its_line_breaks() -> None:
    doc = read_path(INPUT / "lower-back-pain-after-running.txt")
    found = boilerplate_findings(doc, load_patterns())
    assert [f.rule for f in found] == ["BOIL001"]
    finding = found[0]
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE
    assert finding.evidence["patterns"] == ["leave-a-reply", "email-not-published"]
    fixed, _ = apply_edits(doc.source, list(finding.fix.edits))
    assert fixed.endswith("to dam pain alerts.\n")
    assert "Leave a Reply" not in fixed and "email address" not in fixed


def test_full_comment_form_with_fields() -> None:
    form = (
        "Leave a Reply\n\nYour email address will not be published. Required fields are marked *\n\n"
        "Comment *\n\nName *\n\nEmail *\n\nWebsite\n\n"
        "Save my name, email, and website in this browser for the next time I comment.\n\nPost Comment\n"
    )
    fixed, found = _clean(ARTICLE + "\n" + form)
    assert fixed == ARTICLE
    assert len(found) == 1 and "comment-form-field" in found[0].evidence["patterns"]


def test_each_kind_in_crlf_text() -> None:
    text = (
        "How to Stretch\r\n\r\nBy Jane Doe | March 3, 2024\r\n\r\n"
        "Stretch daily. Share the load with a partner.\r\n\r\n"
        "Share this:\r\nFacebook\r\n\r\n"
        "Related posts\r\nTen Stretches for Runners\r\nWhy Your Back Hurts\r\n\r\n"
        "We use cookies to give you the best experience on our website.\r\nAccept all\r\n\r\n"
        "About the author\r\nJane writes about running and recovery.\r\n\r\n"
        "3 Comments\r\nBob says: great!\r\n\r\nLeave a Reply\r\n"
    )
    fixed, found = _clean(text)
    assert [f.rule for f in found] == ["BOIL005", "BOIL002", "BOIL004", "BOIL003", "BOIL005", "BOIL006"]
    assert fixed == "How to Stretch\r\n\r\nStretch daily. Share the load with a partner.\r\n"
    for finding in found:
        assert finding.evidence["patterns"], finding
        assert finding.message


def test_read_more_line_names_a_post_title() -> None:
    fixed, found = _clean(ARTICLE + "\nRead more: Why Does My Back Hurt?\n")
    assert [f.rule for f in found] == ["BOIL004"] and fixed == ARTICLE


def test_boilerplate_in_the_middle_leaves_one_blank_line() -> None:
    text = "First paragraph here.\n\nSubscribe to our newsletter for weekly tips!\n\nSecond paragraph here.\n"
    fixed, found = _clean(text)
    assert [f.rule for f in found] == ["BOIL002"]
    assert fixed == "First paragraph here.\n\nSecond paragraph here.\n"


@pytest.mark.parametrize(
    "prose",
    [
        "Leave a reply in the comments if this routine helped your back.",
        "Share the load with a training partner when you carry heavy bags.",
        "Website owners should check their pages on a phone.",
        "By the end of the week, the soreness usually fades.",
        "Email your coach before changing the plan.",
        "One of the best stretches is the cat-cow.",
        "Related: The study found that runners recover faster.",
        "This routine takes two comments from my coach to heart.",
    ],
)
def test_prose_that_mentions_the_same_words_is_kept(prose: str) -> None:
    text = ARTICLE + "\n" + prose + "\n"
    fixed, found = _clean(text)
    assert found == [] and fixed == text


@pytest.mark.parametrize(
    "name",
    [
        "keeping-houseplants-alive-in-winter.txt",
        "backing-up-family-photos.md",
        "brewing-a-better-cup-of-tea.html",
    ],
)
def test_clean_sample_articles_have_no_boilerplate(name: str) -> None:
    assert boilerplate_findings(read_path(INPUT / name), load_patterns()) == []


def test_markdown_heading_and_code_block() -> None:
    text = "# Title\n\nBody text here.\n\n```\nLeave a Reply\n```\n\n## Leave a Reply\n"
    fixed, found = _clean(text, "md")
    assert [f.rule for f in found] == ["BOIL001"]
    assert fixed == "# Title\n\nBody text here.\n\n```\nLeave a Reply\n```\n"


def test_user_patterns_extend_the_built_in_ones(tmp_path: Path) -> None:
    extra = tmp_path / "house.toml"
    extra.write_text(
        '[[pattern]]\nname = "house-ad"\nrule = "BOIL002"\nmatch = [\'get 10% off at our shop.*\']\n',
        encoding="utf-8",
    )
    settings = Settings(stages={"boilerplate": {"patterns": [str(extra)]}})
    doc = read_text(ARTICLE + "\nGet 10% off at our shop today\n")
    with Context(settings) as ctx:
        BoilerplateStage()([doc], ctx)
    assert [f.evidence["patterns"] for f in doc.findings] == [["house-ad"]]
    assert doc.analysis["boilerplate"]["blocks"] == 1
    assert 0 < doc.analysis["boilerplate"]["share"] < 0.5


def test_bad_user_pattern_file_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[pattern]]\nname = "x"\nrule = "NOPE001"\nmatch = ["a"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown rule code"):
        load_patterns([str(bad)])
    bad.write_text('[[pattern]]\nname = "x"\nrule = "BOIL002"\nmatch = ["(unclosed"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="bad regular expression"):
        load_patterns([str(bad)])


def test_comment_form_with_cancel_reply_heading_is_removed_whole() -> None:
    from unspin.api import clean_text
    from unspin.config import Settings

    text = (
        "A Title\n\nSome body text about gardening that is long enough to be an article paragraph.\n\n"
        "Leave a Reply Cancel reply\n\nYour email address will not be published. Required fields are marked *"
        "\n\nComment\n\nName *\n\nEmail *\n\nPost Comment\n"
    )
    doc = clean_text(text, settings=Settings(disabled_stages=("grammar",)))
    assert "reply" not in doc.clean_text.lower() and "Comment" not in doc.clean_text
    assert "gardening" in doc.clean_text


def test_a_heading_that_repeats_the_front_matter_title_is_the_title_and_not_judged() -> None:
    """unspin's clean Markdown writes the title in the front matter and as the first heading; a title that
    reads like boilerplate was kept by the first clean (front matter is not judged) and must not be
    deleted by a second one (found by the fuzzer)."""
    body = "Stretch before every run.\n\nYour email address will not be published.\n"
    title = "Your email address will not be published"
    titled = f"---\ntitle: {title}\n---\n\n# {title}\n\n"
    cleaned, found = _clean(titled + body, "md")
    assert cleaned.startswith(titled) and "Stretch" in cleaned
    assert len(found) == 1 and found[0].start >= len(titled) + body.index("Your") - 1
    # Without that title in the front matter, the same heading is boilerplate like any other line.
    _, found = _clean("# Your email address will not be published\n\n" + body, "md")
    assert found and found[0].start == 0


def test_a_comment_form_line_behind_invisible_characters_is_found() -> None:
    """ "> \\ufeff Leave a Reply": the clean article drops the byte order mark, so the line must be judged
    without it; a second clean found the comment-form line the first had kept (found by the fuzzer)."""
    from unspin.readers import read_text
    from unspin.stages.boilerplate import boilerplate_findings, builtin_patterns

    for line in ("> \ufeff Leave a Reply", "\u200bLeave a Reply", "Leave a \u200bReply"):
        doc = read_text(f"An opening paragraph of the article.\n\n{line}\n", "md")
        found = boilerplate_findings(doc, builtin_patterns())
        assert [f.rule for f in found] == ["BOIL001"], line
