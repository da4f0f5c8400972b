"""The phrase-dict spinner: reproducible, honest gold edits, phrase-level swaps, and independence from
the engine's resources."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from test_bench_spinner import ARTICLE, KEYPHRASE, _segments_between_edits

from bench import thesauri
from bench.phrase_spinner import (
    PhraseSpinner,
    _norm,
    engine_pairs,
    load_dictionary,
    parse_groups,
)
from bench.spinner import EDIT_TYPES, SpunArticle, main, spinner_named


@pytest.fixture(scope="module")
def spinner() -> PhraseSpinner:
    built = spinner_named("phrase-dict")
    assert isinstance(built, PhraseSpinner)
    return built


def _spins(spun: SpunArticle) -> list[tuple[str, str]]:
    return [(e.orig_text, e.spun_text) for e in spun.edits if e.type == "spin"]


def test_same_seed_same_output_and_other_seed_differs(spinner: PhraseSpinner) -> None:
    first = spinner.spin(ARTICLE, KEYPHRASE, seed=7, rate=0.12)
    again = PhraseSpinner().spin(ARTICLE, KEYPHRASE, seed=7, rate=0.12)
    other = spinner.spin(ARTICLE, KEYPHRASE, seed=8, rate=0.12)
    assert first.text == again.text and first.edits == again.edits
    assert first.text != other.text
    assert first.meta["thesaurus"] == "phrase-dict"


@pytest.mark.parametrize("rate", [0.08, 0.15])
def test_gold_edits_cover_every_change_and_invert_exactly(spinner: PhraseSpinner, rate: float) -> None:
    for seed in range(6):
        spun = spinner.spin(ARTICLE, KEYPHRASE, seed=seed, rate=rate)
        assert _spins(spun), "nothing was spun"
        for edit in spun.edits:
            assert edit.type in EDIT_TYPES
            assert spun.text[edit.spun_start : edit.spun_end] == edit.spun_text
            assert ARTICLE[edit.orig_start : edit.orig_end] == edit.orig_text
            assert edit.spun_text.lower() != edit.orig_text.lower()
        for spun_part, orig_part in _segments_between_edits(spun):
            assert spun_part == orig_part
        assert spun.revert() == ARTICLE


def test_rate_is_the_share_of_content_words(spinner: PhraseSpinner) -> None:
    words = len(re.findall(r"[A-Za-z]+", ARTICLE))
    counts = []
    for rate in (0.08, 0.15):
        spun = spinner.spin(ARTICLE, KEYPHRASE, seed=2, rate=rate)
        counts.append(sum(len(o.split()) for o, _ in _spins(spun)))
    assert 0.02 * words < counts[0] < counts[1] < 0.15 * words, counts


def test_phrases_are_matched_whole_and_longest_first() -> None:
    text = "We left early in order to avoid the traffic, and a lot of people did as well as we did."
    spinner = PhraseSpinner()
    seen: set[str] = set()
    for seed in range(30):
        spun = spinner.spin(text, "traffic jam", seed=seed, rate=1.0)
        for orig, _ in _spins(spun):
            seen.add(orig.lower())
        assert spun.revert() == text
    # The phrase is one edit; its words are never spun on their own ("order", "lot").
    assert {"in order to", "a lot of", "as well as"} <= seen, seen
    assert not seen & {"order", "lot", "well", "in", "of"}


def test_multi_word_and_single_word_swaps_both_ways(spinner: PhraseSpinner) -> None:
    phrases = "In the end a lot of neighbours lend a hand, and at the moment the beds look neat as well."
    pairs = []
    for seed in range(20):
        pairs += _spins(spinner.spin(ARTICLE, KEYPHRASE, seed=seed, rate=0.15))
        pairs += _spins(spinner.spin(phrases, KEYPHRASE, seed=seed, rate=0.5))
    assert any(" " not in o and " " in s for o, s in pairs), "no word became a phrase"
    assert any(" " in o and " " not in s for o, s in pairs), "no phrase became a word"


def test_verb_groups_keep_the_inflection() -> None:
    spinner = PhraseSpinner()
    replaced = set()
    for seed in range(40):
        spun = spinner.spin("She helped her neighbours every week.", "garden tips", seed=seed, rate=1.0)
        replaced |= {s.lower() for o, s in _spins(spun) if o == "helped"}
    assert replaced, "helped was never spun"
    helper_forms = {"lent a hand", "gave a hand", "was of help", "aided", "supported", "assisted"}
    assert replaced <= helper_forms | {"lent a hand to"}, replaced
    assert all(not s.startswith(("lend ", "give ", "be ")) for s in replaced), replaced


def test_names_numbers_urls_and_keyphrase_are_never_spun(spinner: PhraseSpinner) -> None:
    protected = ["Margaret Holloway", "Cedar Hill", "Ohio", "5 cm", "https://example.org/tool-care"]
    protected += ["January", "Winter Garden Care Tips", "winter garden care tips"]
    for seed in range(8):
        spun = spinner.spin(ARTICLE, KEYPHRASE, seed=seed, rate=0.15)
        spin_spans = [(e.orig_start, e.orig_end) for e in spun.edits if e.type == "spin"]
        for text in protected:
            start = ARTICLE.index(text)
            assert not any(s < start + len(text) and start < e for s, e in spin_spans), text
        for edit in spun.edits:
            if edit.type == "spin":
                assert not re.search(r"\d", edit.orig_text)


def test_no_pair_is_one_the_engine_resources_name(spinner: PhraseSpinner) -> None:
    """What the engine can look up (thesauri, web-spin lexicon, tortured phrases) never undoes a swap."""
    dictionary = spinner.dictionary
    members = {_norm(m) for g in dictionary.groups for m in g.members}
    known = engine_pairs(thesauri.available(), members)
    assert dictionary.dropped > 1000 and len(dictionary.allowed) > 3000
    assert not {(_norm(a), _norm(b)) for a, b in dictionary.allowed} & known
    # A pair every thesaurus lists is gone; a phrase swap none lists stays.
    assert ("big", "large") not in dictionary.allowed
    assert ("in order to", "so as to") in dictionary.allowed
    used = set()
    for seed in range(10):
        used |= {
            (_norm(o), _norm(s)) for o, s in _spins(spinner.spin(ARTICLE, KEYPHRASE, seed=seed, rate=0.15))
        }
    assert used and not used & known


def test_the_web_spin_lexicon_and_tortured_phrases_are_left_out(tmp_path: Path) -> None:
    dictionary_file = tmp_path / "dict.txt"
    # "take pleasure in" → "enjoy" is a web-spin entry; "surface region" → "surface area" a tortured one.
    dictionary_file.write_text(
        "# test\nenjoy|take pleasure in|relish the moment\nsurface area|surface region|outer skin\n",
        encoding="utf-8",
    )
    dictionary = load_dictionary(dictionary_file, ())
    assert ("enjoy", "take pleasure in") not in dictionary.allowed
    assert ("take pleasure in", "enjoy") not in dictionary.allowed
    assert ("surface region", "surface area") not in dictionary.allowed
    assert ("enjoy", "relish the moment") in dictionary.allowed
    assert dictionary.dropped == 4


def test_group_format() -> None:
    groups = parse_groups(["# comment", "", "verb: help|lend a hand", "a lot of|lots of|Odd Name|x2", "solo"])
    assert [(g.members, g.upos) for g in groups] == [
        (("help", "lend a hand"), "VERB"),
        (("a lot of", "lots of"), None),
    ]


def test_cli_spins_with_a_named_spinner(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out, gold = tmp_path / "spun.txt", tmp_path / "spun.gold.json"
    code = main([str(article), "--keyphrase", KEYPHRASE, "--spinner", "phrase-dict", "--seed", "4",
                 "--out", str(out), "--gold", str(gold)])  # fmt: skip
    assert code == 0
    data = json.loads(gold.read_text(encoding="utf-8"))
    assert data["thesaurus"] == "phrase-dict"
    assert SpunArticle.from_json(ARTICLE, out.read_text(encoding="utf-8"), data).revert() == ARTICLE
