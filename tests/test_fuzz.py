"""Property-based fuzzing of the whole pipeline (real spaCy model, real trigram model, real LanguageTool).

Generated articles in every input format go through the library as ``unspin clean`` runs them, and
:func:`fuzz_documents.check_document` asserts the invariants. Most examples run without grammar checks
(the stages that rewrite text); a smaller set runs with a real LanguageTool server. ``bench/fuzz.py`` runs
the same check on ten thousand examples and more.
"""

from __future__ import annotations

from collections.abc import Iterator

import fuzz_documents
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from unspin.config import Settings
from unspin.pipeline import Context

pytestmark = pytest.mark.slow

# The many examples take the trigram spin path (their point is robustness of every stage, and the contextual
# model would make them minutes slower); the examples with grammar run the default contextual judge.
NO_GRAMMAR = Settings(disabled_stages=("grammar",), cache=False, fast=True)
# Deterministic in CI (a failure reproduces), no example database written into the repository.
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    # Shrinking would re-run the whole pipeline hundreds of times; the failing example is reported as found.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


@pytest.fixture(scope="module")
def no_grammar_ctx() -> Iterator[Context]:
    with Context(NO_GRAMMAR) as ctx:
        yield ctx


@pytest.fixture(scope="module")
def grammar_settings(languagetool_url: str) -> Settings:
    return Settings().with_overrides(cache=False, languagetool={"url": languagetool_url, "mode": "required"})


@FUZZ
@given(document=fuzz_documents.documents())
def test_every_format_keeps_the_invariants(no_grammar_ctx: Context, document: tuple[str, str]) -> None:
    text, fmt = document
    fuzz_documents.check_document(text, fmt, NO_GRAMMAR, no_grammar_ctx)


@settings(FUZZ, max_examples=12)
@given(document=fuzz_documents.documents())
def test_with_grammar_checks(
    no_grammar_ctx: Context, grammar_settings: Settings, document: tuple[str, str]
) -> None:
    text, fmt = document
    fuzz_documents.check_document(text, fmt, grammar_settings, no_grammar_ctx)  # asserts every invariant


def test_the_checks_can_fail(no_grammar_ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """A finding whose text is not the source between its offsets is caught."""
    from unspin.emitters import json_doc

    real = json_doc.finding_dict

    def shifted(doc, finding):  # type: ignore[no-untyped-def]
        data = real(doc, finding)
        data["start"] += 1
        return data

    monkeypatch.setattr(json_doc, "finding_dict", shifted)
    text = "Chance components can add to the event of lower back pain in runners. " * 3
    with pytest.raises(AssertionError):
        fuzz_documents.check_document(text, "txt", NO_GRAMMAR, no_grammar_ctx)


def test_the_idempotence_check_can_fail(no_grammar_ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clean Markdown that a second clean would repair again is caught."""
    from unspin import api

    real = api.render_outputs

    def with_junk(doc, label):  # type: ignore[no-untyped-def]
        md_text, json_text, data = real(doc, label)
        return md_text.replace("runners.", "runners.\u200b", 1), json_text, data

    monkeypatch.setattr(api, "render_outputs", with_junk)
    text = "Muscle pressure inside the lower back is common among runners. Rest when it hurts."
    with pytest.raises(AssertionError, match="applied fixes again"):
        fuzz_documents.check_document(text, "txt", NO_GRAMMAR, no_grammar_ctx)


@pytest.mark.parametrize(
    "text",
    [
        # The title's mojibake is repaired alone ("Ã ¦" → "à ¦") but not as the heading "# Ã ¦": the
        # clean article's title no longer matched its own first heading, which became a second heading.
        "# \u2028  \x85Ã  ¦  uø\x01\x07\x1dòû§  Leave a Reply  \t\n\nRunners get it. Rest helps.\n",
        # Inline code in the title: protected in the heading, repaired in the title taken alone.
        "# ` \t Ñ\x81 Stretch before every run. Y$ü\x9d` The café serves crème brûlée.\n\nRunners get it.\n",
    ],
)
def test_a_title_is_repaired_as_its_heading_will_be_read_again(no_grammar_ctx: Context, text: str) -> None:
    """Found by the 10,000-example run: the clean article's title is read the second time as its first
    heading line, inline code protected, so the first clean repairs it that way too."""
    fuzz_documents.check_document(text, "md", NO_GRAMMAR, no_grammar_ctx)
