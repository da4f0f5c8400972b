"""Validate the clean-article corpus and print its word-count table.

Usage: python bench/corpus/check_corpus.py            (exit status 1 if any article breaks a rule)

Rules checked for every [[article]] in corpus.toml: the file exists, its first line equals the title,
it is UTF-8 with LF endings and no trailing spaces, it has 300-600 words once markup is removed, and its
keyphrase occurs at least twice (case-insensitive). The manifest must also hold both genres in both splits.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent
MIN_WORDS = 300
MAX_WORDS = 600
MIN_KEYPHRASE_HITS = 2

# Markup prefixes of the corpus format: "## " headings, "1. " numbered items, "- " bullets.
MARKUP_PREFIX = re.compile(r"^(?:## |\d+\. |- )", re.MULTILINE)


@dataclass(frozen=True)
class ArticleStats:
    slug: str
    genre: str
    split: str
    words: int
    keyphrase_hits: int
    problems: tuple[str, ...]


def prose_words(text: str) -> int:
    """Count whitespace-separated words after stripping line-leading markup (as `wc -w` would)."""
    return len(MARKUP_PREFIX.sub("", text).split())


def check_article(entry: dict[str, str]) -> ArticleStats:
    path = CORPUS_DIR / "articles" / f"{entry['slug']}.txt"
    problems: list[str] = []
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    if b"\r" in raw:
        problems.append("CR line ending")
    if not text.endswith("\n") or text.endswith("\n\n"):
        problems.append("file must end with exactly one newline")
    if any(line != line.rstrip() for line in text.split("\n")):
        problems.append("trailing whitespace")
    lines = text.split("\n")
    if lines[0] != entry["title"]:
        problems.append("first line differs from manifest title")
    if len(lines) < 3 or lines[1] != "":
        problems.append("title must be followed by a blank line")
    words = prose_words(text)
    if not MIN_WORDS <= words <= MAX_WORDS:
        problems.append(f"{words} words, outside {MIN_WORDS}-{MAX_WORDS}")
    hits = text.lower().count(entry["keyphrase"].lower())
    if hits < MIN_KEYPHRASE_HITS:
        problems.append(f"keyphrase occurs {hits}x")
    return ArticleStats(entry["slug"], entry["genre"], entry["split"], words, hits, tuple(problems))


def main() -> int:
    manifest = tomllib.loads((CORPUS_DIR / "corpus.toml").read_text(encoding="utf-8"))
    stats = [check_article(entry) for entry in manifest["article"]]
    print("| slug | genre | split | words | keyphrase hits |")
    print("|---|---|---|---:|---:|")
    for item in stats:
        print(f"| {item.slug} | {item.genre} | {item.split} | {item.words} | {item.keyphrase_hits} |")
    print(f"\n{len(stats)} articles, {sum(item.words for item in stats)} words in total")
    failed = False
    for item in stats:
        for problem in item.problems:
            print(f"{item.slug}: {problem}", file=sys.stderr)
            failed = True
    for split in ("tune", "heldout"):
        genres = {item.genre for item in stats if item.split == split}
        if genres != {"blog", "formal"}:
            print(f"split {split!r} lacks a genre: has {sorted(genres)}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
