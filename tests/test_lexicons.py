"""The tortured-phrase list is parsed as queries, and the web-spin lexicon format is enforced."""

from __future__ import annotations

import pytest

from unspin.lexicons import webspin
from unspin.lexicons.phrases import phrase_key
from unspin.lexicons.pps import And, Not, Or, Phrase, Prefix, TorturedPhrases, clean_expected, parse_query


def test_query_precedence_and_not():
    query = parse_query('"fit record" OR "fit file" AND "fit index"')
    assert query == Or((Phrase(("fit", "record")), And((Phrase(("fit", "file")), Phrase(("fit", "index"))))))
    assert parse_query('"surface highlights" NOT specular') == And(
        (Phrase(("surface", "highlights")), Not(Phrase(("specular",))))
    )


def test_query_proximity_prefix_and_bare_phrase():
    assert parse_query('"gatherings clustering"~10') == Phrase(("gatherings", "clustering"), 10)
    assert parse_query('"enhancement calculation" AND optimiz*') == And(
        (Phrase(("enhancement", "calculation")), Prefix("optimiz"))
    )
    assert parse_query('"business knowledge" AND business intelligence') == And(
        (Phrase(("business", "knowledge")), Phrase(("business", "intelligence")))
    )


def test_expected_phrase_cleaning():
    assert clean_expected("back propagation (BP)") == "back propagation"
    assert clean_expected("rythm pattern (?)") is None
    assert clean_expected("extracting [...] features") is None


def test_every_row_of_the_shipped_list_parses():
    listed = TorturedPhrases.load()
    assert len(listed.entries) > 7500


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the bosom tissue and the breast were examined", ["breast"]),  # AND clause satisfied
        ("a bosom friend from school", []),  # AND clause not satisfied
        ("we trained a profound neural organization", ["neural network", "deep neural network"]),
    ],
)
def test_context_clauses_are_honoured(text, expected):
    found = TorturedPhrases.load().find(list(phrase_key(text)))
    assert sorted(m.entry.expected for m in found) == sorted(expected)


def test_not_clause_blocks_a_match():
    words = list(phrase_key("surface highlights of specular reflection"))
    assert [
        m for m in TorturedPhrases.load().find(words) if m.entry.anchor.words == ("surface", "highlights")
    ] == []


def test_web_spin_lexicon_loads_and_rejects_bad_lines(tmp_path):
    lexicon = webspin.load()
    assert lexicon.for_spun(("an", "incredible", "number", "of"))[0].original == "millions of"
    bad = tmp_path / "mine.tsv"
    bad.write_text("only one column\n", encoding="utf-8")
    with pytest.raises(webspin.LexiconError, match=r"mine\.tsv:1"):
        webspin.load([str(bad)])
    unknown = tmp_path / "cond.tsv"
    unknown.write_text("foo bar\tbaz\tsideways:NOUN\n", encoding="utf-8")
    with pytest.raises(webspin.LexiconError, match="unknown context condition"):
        webspin.load([str(unknown)])


def test_user_lexicon_entries_are_added(tmp_path):
    mine = tmp_path / "mine.tsv"
    mine.write_text(
        "# my spins\nfiscal organization\tfinancial institution\t\tseen on our site\n", encoding="utf-8"
    )
    lexicon = webspin.load([str(mine)])
    entry = lexicon.for_spun(("fiscal", "organization"))[0]
    assert entry.original == "financial institution"
    assert entry.note == "seen on our site"
