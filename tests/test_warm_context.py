"""A warm context (``unspin server``) keeps paragraph parses, sentence searches and model passes between
checks: after any edit it must give exactly the findings a fresh context gives for the same text."""

from __future__ import annotations

import json
import random
from pathlib import Path

from unspin.api import render_outputs
from unspin.lsp.analysis import Checker
from unspin.stages.parse import ParseCache, paragraphs

INPUT = Path(__file__).resolve().parents[1] / "input"
FAST = {"fast": True, "disabled_stages": ["grammar"]}


def _findings(checker: Checker, text: str, path: Path) -> list[dict]:
    result = checker.check(text, path, "txt")
    _, json_text, _ = render_outputs(result.document, path.name)
    return json.loads(json_text)["findings"]


def _edits(text: str, seed: int, count: int) -> list[str]:
    """Successive versions of ``text``, each one word changed, dropped, or a sentence added: words whose
    counts are read by other sentences' searches ("pain", "muscle"), the keyphrase, and nonsense."""
    rng = random.Random(seed)
    words = text.split(" ")
    versions = []
    for _ in range(count):
        i = rng.randrange(1, len(words) - 1)
        kind = rng.choice(["swap", "drop", "sentence"])
        if kind == "swap":
            words[i] = rng.choice(
                ["pain", "muscle", "running", "strong", "quickly", "lower back pain", "qzx"]
            )
        elif kind == "drop":
            del words[i]
        else:
            words[i] += " Chance components can add to the event of pain."
        versions.append(" ".join(words))
    return versions


def test_a_warm_context_finds_what_a_fresh_one_finds_after_every_edit() -> None:
    path = INPUT / "lower-back-pain-after-running.txt"
    text = path.read_text(encoding="utf-8")
    warm = Checker(dict(FAST))
    try:
        _findings(warm, text, path)
        for version in _edits(text, seed=33, count=4):
            fresh = Checker(dict(FAST))
            try:
                expected = _findings(fresh, version, path)
            finally:
                fresh.close()
            assert _findings(warm, version, path) == expected
        # A sentence added at the end changes no other sentence's words, parse or candidates' counts:
        # only the new sentence (and the one it joins, if any) is searched.
        (context,) = warm.contexts.values()
        memo = context.resource("spin_search_memo", lambda: None)
        searched, reused = memo.searched, memo.reused
        _findings(warm, version + "\n\nQzx qzx wug.\n", path)
        assert memo.searched - searched <= 2
        assert memo.reused - reused >= 10
    finally:
        warm.close()


def test_the_default_engine_warm_finds_what_a_fresh_one_finds() -> None:
    """The same with the contextual model: its passes are kept by their text and context, and a pass is
    the same alone or beside others (equal-length batches), so a warm check reuses them exactly."""
    path = INPUT / "keeping-houseplants-alive-in-winter.txt"
    text = path.read_text(encoding="utf-8")
    settings = {"disabled_stages": ["grammar"]}
    warm = Checker(dict(settings))
    try:
        _findings(warm, text, path)
        (context,) = warm.contexts.values()
        model = context.resource("contextual_lm", lambda: None)
        for version in _edits(text, seed=3, count=2):
            found = _findings(warm, version, path)  # from what the last version left in the caches
            before = model.tokens_run
            model.clear_caches()  # the model is shared by the process: the fresh check starts empty
            fresh = Checker(dict(settings))
            try:
                assert _findings(fresh, version, path) == found
            finally:
                fresh.close()
            assert model.tokens_run > before  # the fresh check did run the model
    finally:
        warm.close()


def test_paragraph_parses_are_joined_into_the_whole_text() -> None:
    """The pieces give the text back, and a text parsed in paragraphs through the cache gives the same
    tokens, offsets and sentences whether its paragraphs were cached or not."""
    import spacy

    from unspin.stages.parse import SPACY_PACKAGE, parse_texts

    text = "# Title\n\nFirst paragraph here.  It has two sentences.\n \n\n\tSecond one.\nStill second.\n\n"
    assert "".join(paragraphs(text)) == text
    assert paragraphs(text)[1] == "First paragraph here.  It has two sentences.\n \n\n\t"
    nlp = spacy.load(SPACY_PACKAGE)
    cache = ParseCache()
    cold = parse_texts(nlp, [text], ParseCache(size=0))[0]
    parse_texts(nlp, [text], cache)
    warm = parse_texts(nlp, [text], cache)[0]
    assert warm.text == cold.text == text

    def signature(doc):  # type: ignore[no-untyped-def]
        return [(t.idx, t.text, t.tag_, t.dep_, t.head.i, t.is_sent_start) for t in doc]

    assert signature(warm) == signature(cold)
    # No sentence runs over a paragraph break.
    assert all("\n\n" not in s.text.strip() for s in cold.sents)


def test_empty_texts_parse_with_or_without_a_cache() -> None:
    """An empty text's Doc has no tokens (and is falsy): it is still the Doc handed back."""
    import spacy

    from unspin.stages.parse import SPACY_PACKAGE, parse_each, parse_texts

    nlp = spacy.load(SPACY_PACKAGE)
    for cache in (ParseCache(size=0), ParseCache()):
        parsed = parse_each(nlp, ["", "Some words.", ""], cache)
        assert [d.text for d in parsed] == ["", "Some words.", ""]
        assert [d.text for d in parse_texts(nlp, ["", "A.\n\nB."], cache)] == ["", "A.\n\nB."]
