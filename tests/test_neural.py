"""The optional neural model (SmolLM2-135M in numpy): a correct forward pass, consistent batching, a
preference for natural wording, and a clean failure when the model is not installed."""

from __future__ import annotations

import math

import pytest

from unspin.cli import main
from unspin.neural import weights
from unspin.neural.lm import NeuralLM

PARAGRAPH = (
    "Photosynthesis is the process by which plants use sunlight, water and carbon dioxide to make "
    "sugar. It takes place mainly in the leaves, inside small structures called chloroplasts."
)


@pytest.fixture(scope="module")
def lm() -> NeuralLM:
    return NeuralLM.load()


def test_tokenizer_splits_words_and_single_digits(lm):
    tokens = [lm.tokenizer.id_to_token(i) for i in lm.encode("Hello world in 2024")]
    assert tokens == ["<|endoftext|>", "Hello", "Ġworld", "Ġin", "Ġ", "2", "0", "2", "4"]


def test_natural_text_has_a_low_perplexity(lm):
    logprobs = lm.token_logprobs([PARAGRAPH])[0]
    perplexity = math.exp(-float(logprobs.mean()))
    # A broken layer (wrong rotary layout, head grouping or norm) gives hundreds or thousands.
    assert perplexity < 40, perplexity
    shuffled = " ".join(reversed(PARAGRAPH.split()))
    assert lm.score([shuffled])[0] < lm.score([PARAGRAPH])[0] - 50


@pytest.mark.parametrize(
    ("natural", "spun"),
    [
        ("The committee will make a decision next week.", "The committee will produce a choice next week."),
        ("Wash your hands before you prepare food.", "Clean your palms before you put together foodstuff."),
        ("Most people sleep better in a cool room.", "Most persons slumber much better in a awesome room."),
        ("Interest rates rose sharply last year.", "Curiosity prices rose sharply final yr."),
    ],
)
def test_model_prefers_the_natural_wording(lm, natural, spun):
    natural_score, spun_score = lm.score([natural, spun])
    assert natural_score - spun_score > 5.0


def test_a_text_scores_the_same_alone_and_in_a_padded_batch(lm):
    short = "A short sentence."
    alone = lm.score([short])[0]
    batched = lm.score([short, PARAGRAPH, PARAGRAPH + " " + PARAGRAPH])[0]
    assert batched == pytest.approx(alone, abs=1e-3)


def test_continuations_equal_differences_of_whole_scores(lm):
    prefix = "The repetitive nature of running may lead to muscle"
    continuations = [" strain in the lower back.", " mass pressure in the lower back."]
    # A second group with a shorter prefix exercises the left padding of prefixes.
    groups = [(prefix, continuations), ("Running", [" is fun.", " helps."])]
    scored = lm.score_continuations(groups)
    base = lm.score([prefix, "Running"])
    whole = lm.score([prefix + c for c in continuations] + ["Running is fun.", "Running helps."])
    assert scored[0] == pytest.approx([w - base[0] for w in whole[:2]], abs=1e-2)
    assert scored[1] == pytest.approx([w - base[1] for w in whole[2:]], abs=1e-2)
    assert scored[0][0] > scored[0][1]


def test_missing_model_is_one_line_exit_2_and_no_output(tmp_path, capsys, monkeypatch):
    article = tmp_path / "article.txt"
    article.write_text("A title\n\nA plain article about tidy desks. It has two sentences.\n")
    out = tmp_path / "out"
    monkeypatch.setattr(weights, "MODEL_PACKAGE", "unspin_no_such_model_package")
    status = main(["clean", str(article), "--neural", "--no-grammar", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1 and "neural model is not installed" in err
    assert not out.exists()


HERBS = """How to Store Fresh Herbs

Fresh herbs wilt quickly once they are cut, but a few simple habits keep them green for a week or more.

Soft herbs such as parsley and coriander last longest when you treat them like flowers. Trim the stems and \
stand them in a jar of water in the fridge. Change the water every two days and remove any leaves that turn \
yellow.

Hard herbs such as rosemary and thyme prefer to stay dry. Wrap them loosely in a damp paper towel and keep \
them in the salad drawer. This simple step assists them retain their flavour for far longer, and it stops \
the leaves from drying out.

Basil is the exception. It dislikes the cold, so keep it on the kitchen counter out of direct sunlight.
"""


def test_neural_rescoring_end_to_end(tmp_path):
    """`unspin clean --neural`: the neural model picks the original among the trigram model's candidates
    (the trigram model's own first choice is another word) and explains itself in the JSON."""
    import json

    article = tmp_path / "herbs.txt"
    article.write_text(HERBS)
    out = tmp_path / "out"
    status = main(
        ["clean", str(article), "--neural", "--unsafe-fixes", "--no-grammar", "--out", str(out), "-q"]
    )
    assert status == 0
    data = json.loads((out / "herbs.json").read_text())
    spun = [f for f in data["findings"] if f["category"] == "spin"]
    assert len(spun) >= 1 and spun[0]["fix"]["replacement"] == "helps"
    evidence = spun[0]["evidence"]
    assert evidence["neural"]["model"] == "smollm2-135m"
    assert evidence["neural"]["n_delta"] > 5
    assert evidence["trigram_replacement"] != "helps"
    assert "step helps them retain" in data["clean_text"]
    assert data["analysis"]["spin"]["neural"] is True
