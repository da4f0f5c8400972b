"""The benchmark spinner: reproducible, honest gold edits, and the spinner habits it promises."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from bench import thesauri
from bench.spinner import EDIT_TYPES, Spinner, SpunArticle, _inflect, load_config, main
from bench.stuffer import Stuffer, stuff

KEYPHRASE = "winter garden care tips"
ARTICLE = """Winter Garden Care Tips for Small Yards

A small garden still needs attention when the weather turns cold. Frost damages tender roots, wet soil
compacts under heavy boots, and hungry birds look for seeds. A few simple habits protect your plants and
make the spring start much easier. These winter garden care tips come from twenty years of gardening in
northern Ohio, where Margaret Holloway runs the Cedar Hill allotments.

Prepare the beds

Clear fallen leaves from the lawn, but keep a thin layer on the beds: it shelters beneficial insects and
slowly feeds the soil. Spread about 5 cm of compost over empty beds and let the worms carry it down. Avoid
digging wet clay, because it destroys the structure that roots depend on.

1. Cut back perennials that have collapsed, and leave the sturdy stems standing for insects.
2. Wrap young trees with hessian to stop the bark from splitting in hard frosts.
3. Move pots close to a sheltered wall and raise them on small feet so that water drains freely.

Look after the tools

Clean and oil the blades of your shears before you store them. A well-kept tool lasts for decades and makes
cleaner cuts that heal quickly. Read the guide at https://example.org/tool-care for sharpening angles.

Feed the wildlife

Birds struggle to find food in January. Hang fat balls and fresh seed near a hedge, and break the ice on a
shallow dish of water every morning. Their well-being repays you later, when they hunt aphids and
caterpillars through the summer.
"""


@pytest.fixture(scope="module")
def moby() -> Spinner:
    return Spinner(thesauri.load("moby"))


@pytest.fixture(scope="module")
def wordnet() -> Spinner:
    return Spinner(thesauri.load("wordnet"))


def _segments_between_edits(spun: SpunArticle) -> list[tuple[str, str]]:
    """Pairs (spun text, original text) of the stretches no edit touched, in order."""
    pairs = []
    spun_at, orig_at = 0, 0
    for edit in sorted(spun.edits, key=lambda e: (e.spun_start, e.spun_end)):
        pairs.append((spun.text[spun_at : edit.spun_start], spun.original[orig_at : edit.orig_start]))
        spun_at, orig_at = edit.spun_end, edit.orig_end
    pairs.append((spun.text[spun_at:], spun.original[orig_at:]))
    return pairs


def test_same_seed_same_output_and_other_seed_differs(moby: Spinner) -> None:
    first = moby.spin(ARTICLE, KEYPHRASE, seed=7, rate=0.12)
    again = Spinner(thesauri.load("moby")).spin(ARTICLE, KEYPHRASE, seed=7, rate=0.12)
    other = moby.spin(ARTICLE, KEYPHRASE, seed=8, rate=0.12)
    assert first.text == again.text
    assert first.edits == again.edits
    assert first.text != other.text


@pytest.mark.parametrize("name", ["moby", "wordnet"])
@pytest.mark.parametrize("rate", [0.08, 0.15])
def test_gold_edits_cover_every_change_and_invert_exactly(name: str, rate: float) -> None:
    spinner = Spinner(thesauri.load(name))
    for seed in range(5):
        spun = spinner.spin(ARTICLE, KEYPHRASE, seed=seed, rate=rate)
        assert spun.text != ARTICLE
        for edit in spun.edits:
            assert edit.type in EDIT_TYPES
            assert spun.text[edit.spun_start : edit.spun_end] == edit.spun_text
            assert ARTICLE[edit.orig_start : edit.orig_end] == edit.orig_text
            assert edit.spun_text != edit.orig_text
        # Outside the edits the two texts are identical, so the edits account for every change.
        for spun_part, orig_part in _segments_between_edits(spun):
            assert spun_part == orig_part
        assert spun.revert() == ARTICLE


def test_every_kind_of_edit_is_made(moby: Spinner) -> None:
    spun = moby.spin(ARTICLE, KEYPHRASE, seed=3, rate=0.12)
    kinds = {e.type for e in spun.edits}
    assert kinds == set(EDIT_TYPES)
    numbers = [e for e in spun.edits if e.type == "number"]
    assert [(e.orig_text, e.spun_text) for e in numbers] == [("1", "one"), ("2", "two"), ("3", "three")]
    footer = [e for e in spun.edits if e.type == "boilerplate"]
    assert len(footer) == 1 and spun.text.endswith(footer[0].spun_text)
    assert footer[0].spun_text.strip() in load_config().footers
    assert spun.without_footer() == spun.revert(("boilerplate",))
    assert "Required fields" not in spun.without_footer() and "logged in" not in spun.without_footer()


def test_spin_rate_and_stuffing_density(moby: Spinner) -> None:
    words = len(re.findall(r"[A-Za-z]+", ARTICLE))
    low = moby.spin(ARTICLE, KEYPHRASE, seed=1, rate=0.08)
    high = moby.spin(ARTICLE, KEYPHRASE, seed=1, rate=0.15)
    spun_words = [sum(e.orig_text.count(" ") + 1 for e in s.edits if e.type == "spin") for s in (low, high)]
    assert 0.02 * words < spun_words[0] < spun_words[1] < 0.15 * words
    stuffed = [e for e in high.edits if e.type == "stuffing"]
    assert abs(len(stuffed) - round(words / 100)) <= 1
    for edit in stuffed:
        assert KEYPHRASE in edit.spun_text.lower()


def test_names_numbers_urls_and_keyphrase_are_never_spun(moby: Spinner, wordnet: Spinner) -> None:
    protected = ["Margaret Holloway", "Cedar Hill", "Ohio", "5 cm", "https://example.org/tool-care"]
    protected += ["January", "Winter Garden Care Tips", "winter garden care tips"]
    for spinner in (moby, wordnet):
        for seed in range(8):
            spun = spinner.spin(ARTICLE, KEYPHRASE, seed=seed, rate=0.15)
            spin_spans = [(e.orig_start, e.orig_end) for e in spun.edits if e.type == "spin"]
            for text in protected:
                start = ARTICLE.index(text)
                assert not any(s < start + len(text) and start < e for s, e in spin_spans), text
            for edit in spun.edits:
                if edit.type == "spin":
                    assert not re.search(r"\d", edit.orig_text)


def test_hyphenated_words_are_spun_part_by_part(moby: Spinner) -> None:
    hyphenated = []
    for seed in range(40):
        spun = moby.spin(ARTICLE, KEYPHRASE, seed=seed, rate=0.15)
        hyphenated += [e for e in spun.edits if e.type == "spin" and "-" in e.orig_text]
    assert hyphenated, "no hyphenated word was spun in 40 seeds"
    for edit in hyphenated:
        assert edit.spun_text.count("-") >= 1
        assert edit.spun_text.lower() != edit.orig_text


def test_inflection_is_kept_on_the_replacement() -> None:
    assert _inflect("pressure", "VBD", "VERB") == "pressured"
    assert _inflect("do the job", "VBG", "VERB") == "doing the job"
    assert _inflect("muscle mass", "NNS", "NOUN") == "muscle masses"
    assert _inflect("chance", "NN", "NOUN") == "chance"


def test_thesauri_load_forward_entries() -> None:
    moby, wordnet = thesauri.load("moby"), thesauri.load("wordnet")
    assert len(moby.entries) > 25_000 and len(wordnet.entries) > 100_000
    assert "danger" in moby.synonyms("risk")
    assert "hazard" in wordnet.synonyms("risk")
    # Multi-word entries exist, so phrase substitutions are possible.
    assert any(" " in s for s in wordnet.synonyms("strain"))


def test_cli_writes_text_and_gold(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out, gold = tmp_path / "spun.txt", tmp_path / "spun.gold.json"
    code = main([str(article), "--keyphrase", KEYPHRASE, "--thesaurus", "wordnet", "--seed", "4",
                 "--out", str(out), "--gold", str(gold)])  # fmt: skip
    assert code == 0
    data = json.loads(gold.read_text(encoding="utf-8"))
    assert data["thesaurus"] == "wordnet" and data["keyphrase"] == KEYPHRASE
    spun = SpunArticle.from_json(ARTICLE, out.read_text(encoding="utf-8"), data)
    assert spun.revert() == ARTICLE


def test_frequent_pick_prefers_everyday_synonyms():
    """The "frequent" spinner (like commercial spinners) picks common words; "uniform" any listed one."""
    from wordfreq import zipf_frequency

    from bench.spinner import spinner_named

    def single_word_picks(name: str) -> list[str]:
        spun = spinner_named(name).spin(ARTICLE, KEYPHRASE, seed=3, rate=0.3)
        return [
            e.spun_text.lower()
            for e in spun.edits
            if e.type == "spin" and " " not in e.spun_text and "-" not in e.spun_text
        ]

    uniform, frequent = single_word_picks("moby"), single_word_picks("moby-frequent")
    assert len(uniform) >= 10 and len(frequent) >= 10
    mean = [sum(zipf_frequency(w, "en") for w in words) / len(words) for words in (uniform, frequent)]
    assert mean[1] > mean[0] + 0.5, mean
    assert all(zipf_frequency(w, "en") >= load_config().frequent_min_zipf for w in frequent)


def test_unknown_pick_is_refused():
    with pytest.raises(ValueError, match="unknown pick"):
        load_config().with_pick("random")


def test_stuffer_replaces_the_spinner_wedges_and_its_gold_edits_revert_exactly() -> None:
    spun = Spinner(thesauri.load("moby")).spin(ARTICLE, KEYPHRASE, seed=3, rate=0.12)
    for seed in range(1, 9):
        stuffed = stuff(spun, KEYPHRASE, seed)
        assert stuffed.revert() == ARTICLE
        for edit in stuffed.edits:
            assert stuffed.text[edit.spun_start : edit.spun_end] == edit.spun_text
        # The spinner's spin edits survive unchanged; only the stuffing is the stuffer's.
        assert [e.spun_text for e in stuffed.edits if e.type == "spin"] == [
            e.spun_text for e in spun.edits if e.type == "spin"
        ]
        wedges = [e for e in stuffed.edits if e.type == "stuffing"]
        assert len(wedges) == len(stuffed.meta["stuffer"]["styles"]) >= 2
        assert all(not e.orig_text and e.spun_text.strip() for e in wedges)


def test_stuffer_partial_phrases_are_first_or_last_words_without_small_ends() -> None:
    stuffer = Stuffer("how to crate train a puppy", random.Random(1))
    assert stuffer.parts() == [
        ("how", "to", "crate"),
        ("train", "a", "puppy"),
        ("how", "to", "crate", "train"),
        ("crate", "train", "a", "puppy"),
    ]
    assert Stuffer("history of the bicycle", random.Random(1)).parts() == []
