"""Put a candidate original into the grammatical form and letter case of the words it replaces."""

from __future__ import annotations

from functools import lru_cache

# Penn tags whose form the candidate must copy (base forms need no inflection).
_INFLECTED = {"NNS", "NNPS", "VBD", "VBG", "VBN", "VBZ", "JJR", "JJS", "RBR", "RBS"}
_VERB_TAGS = {"VB", "VBD", "VBG", "VBN", "VBP", "VBZ", "MD"}


@lru_cache(maxsize=100_000)
def _inflect_word(lemma: str, tag: str) -> str:
    from lemminflect import getInflection

    if tag == "NNPS":
        tag = "NNS"
    forms = getInflection(lemma, tag=tag)
    return forms[0] if forms else lemma


@lru_cache(maxsize=50_000)
def noun_lemma(word: str) -> str:
    """The singular of a lower-case noun ("sessions" → "session"); the word itself when unknown."""
    from lemminflect import getLemma

    lemmas = getLemma(word, upos="NOUN")
    return lemmas[0] if lemmas else word


def clear_caches() -> None:
    _inflect_word.cache_clear()
    noun_lemma.cache_clear()


def inflect(candidate: str, tag: str) -> str:
    """Inflect a (possibly multi-word) lemma for a Penn tag.

    Verb phrases inflect their first word ("deal with" → "dealing with"), everything else its last word
    ("risk factor" → "risk factors").
    """
    if tag not in _INFLECTED:
        return candidate
    words = candidate.split(" ")
    index = 0 if tag in _VERB_TAGS else len(words) - 1
    words[index] = _inflect_word(words[index], tag)
    return " ".join(words)


def match_case(replacement: str, original: str, sentence_initial: bool) -> str:
    """Copy the letter case of the replaced text: ALL CAPS stays caps; a capital is kept only at the
    start of a sentence (a capital in mid-sentence is a spinner's tell, not something to preserve)."""
    if original.islower():  # the common case: some letter is lower-case and none is upper-case
        return replacement
    letters = [c for c in original if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return replacement.upper()
    if sentence_initial and original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement
