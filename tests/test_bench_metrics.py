"""The benchmark's metrics: alignment, WER, AUC, and the per-version record on known outputs."""

from __future__ import annotations

from bench import metrics, thesauri
from bench.common import Article, SpunVersion
from bench.evaluate import clean_record, spun_record, summarise_spun
from bench.spinner import Spinner
from unspin.document import Category, Document, Finding, Severity

ARTICLE = """Keeping Sourdough Starter Alive

A sourdough starter is a living culture of wild yeast and bacteria. Feed it flour and water every day
when it lives on the counter, or once a week when it rests in the fridge. A healthy starter doubles in
size within eight hours of a feeding and smells pleasantly sour.

1. Discard half of the starter before each feeding.
2. Add equal weights of flour and water and stir well.
3. Leave the jar loosely covered at room temperature.

If a grey liquid collects on top, the starter is hungry: pour it off and feed the culture more often.
"""
KEYPHRASE = "sourdough starter"


def _version(seed: int = 2) -> SpunVersion:
    article = Article("sourdough", "Sourdough", KEYPHRASE, "blog", "baking", "tune", ARTICLE)
    spun = Spinner(thesauri.load("wordnet")).spin(ARTICLE, KEYPHRASE, seed=seed, rate=0.15)
    return SpunVersion(article, "wordnet", 0.15, spun)


def _doc(source: str, output: str, findings: list[Finding] | None = None) -> Document:
    doc = Document(path=None, source=source)
    doc.clean_text = output
    doc.findings = findings or []
    doc.scores = {"overall": 50.0, "before": {"overall": 40.0}}
    return doc


def _finding(category: Category, start: int, end: int) -> Finding:
    return Finding("TEST001", category, Severity.WARNING, start, end, "test")


def test_alignment_counts_substitutions_insertions_and_deletions() -> None:
    ref = ["the", "cat", "sat", "on", "the", "mat"]
    assert metrics.edit_distance(ref, ref) == 0
    assert metrics.edit_distance(ref, ["the", "dog", "sat", "on", "the", "mat"]) == 1
    assert metrics.edit_distance(ref, ["the", "cat", "sat", "on", "mat"]) == 1
    assert metrics.edit_distance(ref, ["a", "the", "cat", "sat", "sat", "on", "the", "mat", "now"]) == 3
    assert metrics.wer(ref, []) == 1.0
    pairs = metrics.align(ref, ["the", "dog", "sat", "on", "the", "mat"])
    assert metrics.kept_ref_words(ref, ["the", "dog", "sat", "on", "the", "mat"], pairs) == {0, 2, 3, 4, 5}


def test_words_ignore_case_and_punctuation_and_split_hyphens() -> None:
    assert metrics.words("Well-being, it’s FINE.") == ["well", "being", "it's", "fine"]


def test_auc_and_overlap() -> None:
    assert metrics.auc([90, 80], [10, 20]) == 1.0
    assert metrics.auc([10], [10]) == 0.5
    assert metrics.auc([10, 30], [20]) == 0.5
    assert metrics.auc([], [1]) is None
    assert metrics.overlaps(0, 5, 4, 9) and not metrics.overlaps(0, 5, 5, 9)
    assert metrics.overlaps(3, 3, 0, 5)  # an empty span inside another


def test_output_equal_to_original_is_a_full_repair() -> None:
    version = _version()
    record = spun_record(version, _doc(version.spun.text, ARTICLE))
    assert record["errors_spun"] > 0 and record["errors_out"] == 0
    assert record["replaced"] > 0 and record["restored"] == record["replaced"]
    assert record["damaged"] == 0
    summary = summarise_spun([record], [clean_record(version.article, _doc(ARTICLE, ARTICLE))])
    assert summary["repair"] == 1.0 and summary["restored"] == 1.0 and summary["damage"] == 0.0


def test_output_equal_to_input_repairs_nothing_and_damage_is_counted() -> None:
    version = _version()
    unchanged = spun_record(version, _doc(version.spun.text, version.spun.without_footer()))
    assert unchanged["errors_out"] == unchanged["errors_spun"]
    assert unchanged["restored"] == 0 and unchanged["damaged"] == 0
    # Drop two words the spinner left alone (the last two words of the first body line).
    edited = [(e.orig_start, e.orig_end) for e in version.spun.edits if e.orig_end > e.orig_start]
    intact = [t for t in metrics.tokens(ARTICLE) if not any(s <= t.start < e for s, e in edited)]
    first, second = intact[5], intact[9]
    broken = ARTICLE[: first.start] + ARTICLE[first.end : second.start] + "oddword" + ARTICLE[second.end :]
    damaged = spun_record(version, _doc(version.spun.text, broken))
    assert damaged["damaged"] == 2
    assert damaged["restored"] == damaged["replaced"]


def test_recall_and_precision_follow_gold_spans() -> None:
    version = _version()
    edits = version.spun.edits
    first_spin = next(e for e in edits if e.type == "spin")
    footer = next(e for e in edits if e.type == "boilerplate")
    far_from_gold = next(
        t for t in metrics.tokens(version.spun.text)
        if not any(metrics.overlaps(t.start, t.end, e.spun_start, e.spun_end) for e in edits)
    )  # fmt: skip
    findings = [
        _finding(Category.SPIN, first_spin.spun_start, first_spin.spun_end),
        _finding(Category.SPIN, far_from_gold.start, far_from_gold.end),
        _finding(Category.BOILERPLATE, footer.spun_start, footer.spun_end),
        # A stuffing finding on a spin edit recalls nothing of its own type and is not precise.
        _finding(Category.STUFFING, first_spin.spun_start, first_spin.spun_end),
    ]
    record = spun_record(version, _doc(version.spun.text, version.spun.text, findings))
    assert record["recalled_spin"] == 1 and record["gold_spin"] > 1
    assert record["recalled_boilerplate"] == 1 == record["gold_boilerplate"]
    assert record["recalled_stuffing"] == 0
    assert record["recalled_number"] == 0 and record["gold_number"] == 3
    assert (record["findings_spin"], record["correct_spin"]) == (2, 1)
    assert (record["findings_stuffing"], record["correct_stuffing"]) == (1, 0)
