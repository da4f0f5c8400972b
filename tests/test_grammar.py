"""The grammar stage without a server: degraded modes, and the policy that turns matches into findings.

The real-server tests are in test_languagetool.py. Here the "no Java" cases run the real start-up path
with a PATH that has no ``java`` on it; the policy tests feed hand-made LanguageTool matches (the glue
between LanguageTool's answer and unspin's findings).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unspin import rules
from unspin.config import Settings
from unspin.document import Applicability, Document, Edit, Span, apply_edits
from unspin.errors import DependencyError
from unspin.languagetool.cli import app as languagetool_app
from unspin.languagetool.client import LtMatch, _Utf16Index, policy, request_fields
from unspin.languagetool.install import LanguageToolUnavailable, verify, write_launcher
from unspin.pipeline import Context, Pipeline
from unspin.readers import read_text
from unspin.stages.grammar import GrammarOptions, checkable_text, matches_to_findings, paragraph_chunks


@pytest.fixture
def no_java(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("UNSPIN_LANGUAGETOOL_URL", raising=False)


def _run(docs: list[Document], settings: Settings) -> Context:
    with Context(settings) as ctx:
        Pipeline(settings, order=("rewrite", "grammar")).run(docs, ctx)
        Pipeline(settings, order=("rewrite", "grammar")).run(docs, ctx)  # a second batch, same run
    return ctx


def test_auto_mode_without_java_warns_once_and_skips(
    no_java: None, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = [read_text("This are a error."), read_text("An other text.")]
    _run(docs, Settings())
    warnings = [line for line in capsys.readouterr().err.splitlines() if "grammar checks skipped" in line]
    assert len(warnings) == 1 and "Java" in warnings[0]
    for doc in docs:
        assert "Java" in doc.skipped["grammar"]
        assert not [f for f in doc.findings if f.rule.startswith("GRAM")]


def test_required_mode_without_java_raises(no_java: None) -> None:
    settings = Settings().with_overrides(languagetool={"mode": "required"})
    with pytest.raises(DependencyError, match="Java"):
        _run([read_text("This are a error.")], settings)


def test_off_mode_marks_skipped_without_looking_for_java(no_java: None) -> None:
    doc = read_text("This are a error.")
    _run([doc], Settings().with_overrides(languagetool={"mode": "off"}))
    assert "off" in doc.skipped["grammar"]


def test_status_without_java_exits_2(no_java: None) -> None:
    result = CliRunner().invoke(languagetool_app, ["status"])
    assert result.exit_code == 2
    assert "Java: missing" in result.output


# --- policy: matches to findings --------------------------------------------------------------------


def _match(
    text: str, piece: str, rule: str, category: str, replacements: tuple[str, ...], nth: int = 0
) -> LtMatch:
    start = -1
    for _ in range(nth + 1):
        start = text.index(piece, start + 1)
    sentence_start = max(text.rfind(".", 0, start) + 1, 0)
    sentence_end = text.find(".", start) + 1 or len(text)
    return LtMatch(
        rule_id=rule,
        category=category,
        issue_type="grammar",
        message=f"{rule} message",
        offset=start,
        length=len(piece),
        replacements=replacements,
        sentence=text[sentence_start:sentence_end].strip(),
    )


def _findings(doc: Document, matches: list[LtMatch], options: GrammarOptions | None = None):
    clean, offset_map = apply_edits(doc.source, [])
    text, blanked = checkable_text(clean, offset_map, doc.protected)
    return matches_to_findings(doc, text, offset_map, matches, blanked, options or GrammarOptions())


def test_single_suggestion_from_allow_list_is_safe() -> None:
    doc = read_text("It was a error. It was in the box,, then.")
    found, _ = _findings(
        doc,
        [
            _match(doc.source, "a", "EN_A_VS_AN", "MISC", ("an",), nth=0),
            _match(doc.source, ",,", "DOUBLE_PUNCTUATION", "MISC", (",",)),
        ],
    )
    assert [f.fix.applicability for f in found if f.fix] == [Applicability.SAFE, Applicability.SAFE]
    assert {f.rule for f in found} == {"GRAM001"}
    assert found[0].evidence["lt_rule"] == "EN_A_VS_AN" and found[0].evidence["lt_category"] == "MISC"


def test_article_fix_is_safe_only_towards_an() -> None:
    # "an" before a consonant sound is often meant ("an hereditary"); "a" before a vowel is a slip.
    doc = read_text("It is an hereditary right. It was a error.")
    slip = doc.source.index(" a error") + 1
    found, _ = _findings(
        doc,
        [
            _match(doc.source, "an", "EN_A_VS_AN", "MISC", ("a",)),
            _match(doc.source, "a", "EN_A_VS_AN", "MISC", ("an",), nth=doc.source[:slip].count("a")),
        ],
    )
    assert [f.fix.applicability for f in found if f.fix] == [Applicability.UNSAFE, Applicability.SAFE]


def test_several_suggestions_or_unlisted_rule_is_unsafe() -> None:
    doc = read_text("This are fine. We has a plan.")
    found, _ = _findings(
        doc,
        [
            _match(doc.source, "This are", "PLURAL_VERB_AFTER_THIS", "GRAMMAR", ("These are", "This is")),
            _match(doc.source, "has", "SOME_OTHER_RULE", "GRAMMAR", ("have",)),
        ],
    )
    assert [f.fix.applicability for f in found if f.fix] == [Applicability.UNSAFE, Applicability.UNSAFE]


def test_agreement_fix_with_a_rival_in_its_sentence_is_unsafe() -> None:
    # LanguageTool flags both sides of "This are"; fixing both would give "These is".
    doc = read_text("This are errors. He have time.")
    found, _ = _findings(
        doc,
        [
            _match(doc.source, "This", "THIS_NNS", "GRAMMAR", ("These",)),
            _match(doc.source, "are", "PLURAL_VERB_AFTER_THIS", "GRAMMAR", ("is",)),
            _match(doc.source, "have", "HE_VERB_AGR", "GRAMMAR", ("has",)),
        ],
    )
    applicability = {f.evidence["lt_rule"]: f.fix.applicability for f in found if f.fix}
    assert applicability == {
        "THIS_NNS": Applicability.UNSAFE,
        "PLURAL_VERB_AFTER_THIS": Applicability.UNSAFE,
        "HE_VERB_AGR": Applicability.SAFE,
    }


def test_project_can_extend_the_allow_list() -> None:
    doc = read_text("We need brand new shoes.")
    match = _match(doc.source, "brand new", "CA_BRAND_NEW", "GRAMMAR", ("brand-new",))
    plain, _ = _findings(doc, [match])
    extended, _ = _findings(doc, [match], GrammarOptions(safe_rules=frozenset({"CA_BRAND_NEW"})))
    assert plain[0].fix.applicability == Applicability.UNSAFE
    assert extended[0].fix.applicability == Applicability.SAFE


def test_spelling_keeps_front_matter_and_keyphrase_words() -> None:
    doc = read_text("---\ntags: [zentrofix]\n---\n\nThe zentrofix and the qworp method. Teh end.\n", "md")
    doc.keyphrase = "qworp method"
    found, kept = _findings(
        doc,
        [
            _match(doc.source, "zentrofix", "MORFOLOGIK_RULE_EN_US", "TYPOS", ("retrofit",), nth=1),
            _match(doc.source, "qworp", "MORFOLOGIK_RULE_EN_US", "TYPOS", ("quorum",)),
            _match(doc.source, "Teh", "MORFOLOGIK_RULE_EN_US", "TYPOS", ("The",)),
        ],
    )
    assert sorted(kept) == ["qworp", "zentrofix"]
    assert [(f.rule, doc.source[f.start : f.end]) for f in found] == [("GRAM002", "Teh")]
    assert found[0].fix.applicability == Applicability.UNSAFE


def test_matches_on_blanked_markup_are_dropped() -> None:
    doc = read_text("Some **bold** text here.\n", "md")
    assert doc.protected, "the Markdown reader protects the emphasis markers"
    clean, offset_map = apply_edits(doc.source, [])
    text, blanked = checkable_text(clean, offset_map, doc.protected)
    assert len(text) == len(doc.source) and "**" not in text
    spaces = text.index("   ")
    match = LtMatch("WHITESPACE_RULE", "TYPOGRAPHY", "whitespace", "m", spaces, 3, (" ",))
    found, _ = matches_to_findings(doc, text, offset_map, [match], blanked, GrammarOptions())
    assert found == []


def test_match_in_edited_text_has_no_fix_and_maps_to_the_edit() -> None:
    source = "Café — he is tired and a apple fell."
    doc = read_text(source)
    verb = source.index("is")
    clean, offset_map = apply_edits(source, [Edit(verb, verb + 2, "are")])
    text, blanked = checkable_text(clean, offset_map, doc.protected)
    agreement = LtMatch("PERS_PRONOUN_AGREEMENT", "GRAMMAR", "grammar", "m", clean.index("are"), 3, ("is",))
    article = LtMatch("EN_A_VS_AN", "MISC", "misspelling", "m", clean.index(" a ") + 1, 1, ("an",))
    found, _ = matches_to_findings(doc, text, offset_map, [agreement, article], blanked, GrammarOptions())
    edited, untouched = found
    assert (edited.start, edited.end) == (verb, verb + 2) and edited.fix is None
    assert edited.evidence["in_rewritten_text"] is True
    assert source[untouched.start : untouched.end] == "a" and untouched.fix is not None


def test_every_policy_code_is_a_registered_rule() -> None:
    data = policy()
    for code in {data["default_code"], *data["categories"].values()}:
        assert rules.get(code).code == code
    for rule_id, entry in data["safe"].items():
        assert entry["reason"] and entry["kind"], rule_id
    assert all(reason for reason in data["disabled"].values())


def test_request_fields_are_identical_on_every_call() -> None:
    first = request_fields("en-US", ("B_RULE", "A_RULE"))
    assert first == request_fields("en-US", ("A_RULE", "B_RULE"))
    assert first["disabledRules"].split(",") == sorted(first["disabledRules"].split(","))


# --- helpers ----------------------------------------------------------------------------------------


def test_utf16_index_round_trips() -> None:
    text = "a😀b🏃‍♂️c東d"
    index = _Utf16Index(text)
    utf16 = text.encode("utf-16-le")
    for offset in range(len(text) + 1):
        unit = index.to_utf16(offset)
        assert utf16[: unit * 2].decode("utf-16-le") == text[:offset]
        assert index.to_codepoint(unit) == offset


def test_paragraph_chunks_cover_the_text_exactly() -> None:
    text = "\n\n".join(f"Paragraph {i} " + "word " * (i * 7 % 40) for i in range(60))
    chunks = list(paragraph_chunks(text, 300))
    assert len(chunks) > 3
    assert "".join(chunk for _, chunk in chunks) == text
    for start, chunk in chunks:
        assert text[start : start + len(chunk)] == chunk


def test_checkable_text_skips_protected_spans_inside_edits() -> None:
    source = "keep ```code``` here"
    code = Span(source.index("```"), source.rindex("```") + 3)
    clean, offset_map = apply_edits(source, [Edit(0, 4, "hold")])
    text, blanked = checkable_text(clean, offset_map, [code])
    assert text == "hold " + " " * (code.end - code.start) + " here"
    assert blanked == [code]


def test_launcher_manifest_is_wrapped_and_lists_every_jar(tmp_path: Path) -> None:
    libs = tmp_path / "libs"
    libs.mkdir()
    names = [f"some-rather-long-library-name-number-{i}-1.2.3.jar" for i in range(30)]
    for name in names:
        with zipfile.ZipFile(libs / name, "w") as jar:
            jar.writestr("x.txt", "x")
    launcher = write_launcher(tmp_path)
    manifest = zipfile.ZipFile(launcher).read("META-INF/MANIFEST.MF").decode()
    lines = manifest.split("\r\n")
    assert all(len(line.encode()) <= 72 for line in lines)
    joined = manifest.replace("\r\n ", "")
    class_path = next(line for line in joined.split("\r\n") if line.startswith("Class-Path: "))
    assert class_path.removeprefix("Class-Path: ").split(" ") == [f"libs/{n}" for n in sorted(names)]


def test_verify_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(LanguageToolUnavailable, match="not installed"):
        verify(tmp_path / "LanguageTool-6.8")
    (tmp_path / "libs").mkdir()
    with pytest.raises(LanguageToolUnavailable, match="0 jars"):
        verify(tmp_path)
