"""Shared benchmark plumbing: the corpus, cached spun versions, and one in-process unspin runner."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import lm_spinner, thesauri
from bench.spinner import Spinner, SpunArticle, derive_seed, spinner_named
from bench.stuffer import stuff

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "bench" / "corpus"
RESULTS = REPO / "bench" / "results"
CACHE = REPO / ".unspin-cache" / "bench" / "spun"
# The real spun article the project started from: its before/after scores are reported with every run.
SEED_ARTICLE = REPO / "input" / "lower-back-pain-after-running.txt"
RATES = (0.08, 0.12, 0.15)
THESAURI = ("moby", "wordnet")
# Who wedges the keyphrase: the spinner itself, or bench/stuffer.py with placement rules of its own.
WEDGERS = ("spinner", "stuffer")
# Spinner code and data: a change to any of them invalidates cached spun versions.
SPINNER_FILES = (
    "spinner.py",
    "thesauri.py",
    "data/spinner.toml",
    "phrase_spinner.py",
    "data/phrase-dict.txt",
    "lm_spinner.py",
    "minilm.py",
)
# The engine's lists that the phrase-dict spinner leaves out of its dictionary.
SPINNER_INPUTS = ("src/unspin/data/lexicons/web-spin.tsv", "src/unspin/data/lexicons/tortured-phrases.csv")


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    keyphrase: str
    genre: str
    topic: str
    split: str  # tune | heldout
    text: str


def load_corpus(folder: Path = CORPUS, split: str = "all", limit: int | None = None) -> list[Article]:
    """Articles listed in ``corpus.toml`` (``[[article]]`` tables), texts in ``articles/SLUG.txt``."""
    manifest = tomllib.loads((folder / "corpus.toml").read_text(encoding="utf-8"))
    rows = _manifest_rows(manifest)
    articles = []
    for row in rows:
        if split != "all" and row.get("split", "tune") != split:
            continue
        text = (folder / "articles" / f"{row['slug']}.txt").read_text(encoding="utf-8")
        articles.append(
            Article(
                slug=row["slug"],
                title=row.get("title", ""),
                keyphrase=row["keyphrase"],
                genre=row.get("genre", ""),
                topic=row.get("topic", ""),
                split=row.get("split", "tune"),
                text=text,
            )
        )
    articles.sort(key=lambda a: a.slug)
    return articles[:limit] if limit else articles


def _manifest_rows(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    for key in ("article", "articles"):
        if isinstance(manifest.get(key), list):
            return list(manifest[key])
    # Tables keyed by slug: [lower-back-pain] keyphrase = "…"
    return [{"slug": slug, **row} for slug, row in manifest.items() if isinstance(row, dict)]


def _spinner_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in SPINNER_FILES:
        digest.update((REPO / "bench" / name).read_bytes())
    for path in SPINNER_INPUTS:
        digest.update((REPO / path).read_bytes())
    # The phrase-dict spinner drops the pairs of every thesaurus installed here (MyThes is optional).
    digest.update(",".join(thesauri.available()).encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class SpunVersion:
    article: Article
    thesaurus: str
    rate: float
    spun: SpunArticle
    wedger: str = "spinner"

    @property
    def key(self) -> str:
        tail = "" if self.wedger == "spinner" else f".{self.wedger}"
        return f"{self.article.slug}.{self.thesaurus}.{self.rate:g}{tail}"


def spun_versions(
    articles: Iterable[Article],
    thesaurus_names: Iterable[str] = THESAURI,
    rates: Iterable[float] = RATES,
    seed: int = 1,
    cache: Path | None = CACHE,
    wedger: str = "spinner",
) -> Iterator[SpunVersion]:
    """Every article × thesaurus × rate, spun with a seed derived from all four; cached on disk. With
    ``wedger="stuffer"`` the spinner's keyphrase wedges are replaced by bench/stuffer.py's."""
    if wedger not in WEDGERS:
        raise ValueError(f"unknown wedger {wedger!r}; choose from {', '.join(WEDGERS)}")
    fingerprint = _spinner_fingerprint()
    spinners: dict[str, Spinner] = {}
    for article in articles:
        for name in thesaurus_names:
            for rate in rates:
                version_seed = derive_seed(seed, article.slug, name, rate)
                key = hashlib.sha256(
                    f"{fingerprint}|{name}|{rate}|{version_seed}|{article.keyphrase}|{article.text}".encode()
                ).hexdigest()[:24]
                spun = _frozen(name, article, rate, version_seed) or _cached(cache, key, article.text)
                if spun is None:
                    if name not in spinners:
                        spinners[name] = spinner_named(name)
                    spun = spinners[name].spin(article.text, article.keyphrase, version_seed, rate)
                    spun.meta["slug"] = article.slug
                    _store(cache, key, spun)
                if wedger == "stuffer":
                    spun = stuff(spun, article.keyphrase, version_seed)
                yield SpunVersion(article, name, rate, spun, wedger)


def _frozen(name: str, article: Article, rate: float, seed: int) -> SpunArticle | None:
    """The committed version of a spinner too slow to re-run for every benchmark (the language-model
    spinner), if it was made from this article, keyphrase, rate and seed."""
    if name != lm_spinner.NAME:
        return None
    return lm_spinner.load_frozen(article.slug, article.text, article.keyphrase, rate, seed)


def _cached(cache: Path | None, key: str, original: str) -> SpunArticle | None:
    if cache is None:
        return None
    text_path, gold_path = cache / f"{key}.txt", cache / f"{key}.gold.json"
    if not (text_path.is_file() and gold_path.is_file()):
        return None
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    return SpunArticle.from_json(original, text_path.read_text(encoding="utf-8"), gold)


def _store(cache: Path | None, key: str, spun: SpunArticle) -> None:
    if cache is None:
        return
    cache.mkdir(parents=True, exist_ok=True)
    (cache / f"{key}.txt").write_text(spun.text, encoding="utf-8")
    (cache / f"{key}.gold.json").write_text(
        json.dumps(spun.gold_json(), ensure_ascii=False), encoding="utf-8"
    )


class Runner:
    """unspin's pipeline in this process: one Pipeline and one Context (resources load once)."""

    def __init__(
        self,
        grammar: bool = True,
        unsafe_fixes: bool = False,
        share_with: Runner | None = None,
        fast: bool = False,
        skip_stages: tuple[str, ...] = (),
    ):
        from unspin.config import Settings
        from unspin.pipeline import Context, Pipeline

        disabled = (() if grammar else ("grammar",)) + tuple(skip_stages)
        self.settings = Settings(
            disabled_stages=disabled, unsafe_fixes=unsafe_fixes, fast=fast, require_model=not fast
        )
        self.pipeline = Pipeline(self.settings)
        # A second runner (e.g. with unsafe fixes) reuses the loaded spaCy model, LM and thesauri.
        shared = share_with.context._resources if share_with else {}
        self.context = Context(self.settings, _resources=shared)
        self.owns_resources = share_with is None

    def run(self, items: list[tuple[str, str, str | None]], batch_size: int = 16) -> list[Any]:
        """Process ``(name, text, keyphrase)`` items; returns the processed Documents in order."""
        from unspin.readers import read_text

        docs = []
        for name, text, keyphrase in items:
            doc = read_text(text, "txt", Path(f"{name}.txt"))
            if keyphrase:
                # What an editor's front matter would say; unspin takes it over inferring one.
                doc.metadata["keyphrase"] = keyphrase
            docs.append(doc)
        for i in range(0, len(docs), batch_size):
            self.pipeline.run(docs[i : i + batch_size], self.context)
        return docs

    def close(self) -> None:
        if self.owns_resources:
            self.context.close()


def output_text(doc: Any) -> str:
    """The clean article as ``unspin clean`` writes it to JSON ``clean_text`` (plain text, no markup)."""
    if doc.structure:
        try:
            from unspin.stages.structure import plain_text

            return str(plain_text(doc.structure))
        except ImportError:
            pass
    return doc.clean_text if doc.clean_text is not None else doc.source


def revision() -> str | None:
    """The checked-out commit, for the results file (None outside a repository or before a commit); with
    "+changes" when tracked source files differ from it, so a result is never credited to a commit that
    did not produce it."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
        )
        if done.returncode != 0 or not done.stdout.strip():
            return None
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "src", "bench", "pyproject.toml"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except OSError:
        return None
    dirty = any(
        not line.endswith(".json") and not line.endswith(".md") for line in changed.stdout.splitlines()
    )
    return done.stdout.strip() + ("+changes" if dirty else "")


def peak_rss_mb() -> float:
    import resource

    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_results(name: str, result: dict[str, Any], text: str) -> None:
    """``bench/results/NAME.json`` (the figures) and ``NAME.md`` (the table), and the table on stdout."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (RESULTS / f"{name}.md").write_text(text, encoding="utf-8")
    print(text)
