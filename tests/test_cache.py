"""The content-hash result cache: round trip, what changes the key, what is never stored."""

from __future__ import annotations

from pathlib import Path

from unspin import config, rules
from unspin.cache import ResultCache, decode_document, encode_document
from unspin.document import Applicability, Document, Fix, Span


def _doc() -> Document:
    source = "# Title\n\nDon’t brew 𐐀 tea.\n"
    doc = Document(path=Path("a.md"), source=source, format="md", metadata={"title": "T"})
    doc.protect(0, 7)
    start = source.index("𐐀")
    doc.findings = [
        rules.finding(
            "USP001", start, start + 1, "odd", fix=Fix.replace(start, start + 2, "", Applicability.UNSAFE)
        )
    ]
    doc.scores = {"overall": 50, "before": {"overall": 40}}
    doc.analysis = {"stuffing": {"density": 0.1}, "_private": object()}
    return doc


def test_round_trip_keeps_findings_fixes_scores_and_protected_spans() -> None:
    doc = _doc()
    back = decode_document(encode_document(doc), Path("elsewhere/a.md"))
    assert back.path == Path("elsewhere/a.md")
    assert back.source == doc.source and back.protected == [Span(0, 7)]
    assert back.findings == doc.findings
    assert back.scores == doc.scores and back.analysis == {"stuffing": {"density": 0.1}}


def test_key_depends_on_content_name_keyphrase_and_settings(tmp_path: Path) -> None:
    base = ResultCache(config.Settings(), tmp_path)
    key = base.key(b"text", Path("a.md"))
    assert base.key(b"text", Path("b/a.md")) == key  # the folder does not matter …
    assert base.key(b"text ", Path("a.md")) != key  # … the content does,
    assert base.key(b"text", Path("c.md")) != key  # the name does,
    other = ResultCache(config.Settings(keyphrases={"*.md": "tea"}), tmp_path)
    assert other.key(b"text", Path("a.md")) != key  # the file's keyphrase does,
    staged = ResultCache(config.Settings(stages={"spin": {"min_confidence": 0.9}}), tmp_path)
    assert staged.key(b"text", Path("a.md")) != key  # and analysis settings do;
    reporting = ResultCache(config.Settings(fail_level="info", severity={"USP": "error"}), tmp_path)
    assert reporting.key(b"text", Path("a.md")) == key  # report-only settings do not.


def test_put_get_and_incomplete_documents_are_not_stored(tmp_path: Path) -> None:
    store = ResultCache(config.Settings(), tmp_path / "cache")
    doc = _doc()
    key = store.key(b"data", Path("a.md"))
    assert store.get(key, Path("a.md")) is None
    assert store.put(key, doc)
    assert store.get(key, Path("a.md")).findings == doc.findings  # type: ignore[union-attr]
    assert (tmp_path / "cache" / "CACHEDIR.TAG").is_file()
    skipped = _doc()
    skipped.skipped = {"grammar": "Java not found"}
    assert not store.put(store.key(b"other", Path("a.md")), skipped)
    off = ResultCache(config.Settings(disabled_stages=("grammar",)), tmp_path / "cache")
    assert off.put(off.key(b"other", Path("a.md")), skipped)
