"""The on-disk cache for heavy spin data (the inverse thesaurus index).

Built once, stored under the user cache directory (``$UNSPIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/unspin``,
else ``~/.cache/unspin``) in a file whose name carries a digest of every input version, so an upgraded
thesaurus or a new index format simply builds a new file instead of reading a stale one.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cache_dir() -> Path:
    explicit = os.environ.get("UNSPIN_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "unspin"


def versioned_name(stem: str, versions: dict[str, str]) -> str:
    digest = hashlib.sha256(repr(sorted(versions.items())).encode("utf-8")).hexdigest()[:16]
    return f"{stem}-{digest}.marshal"


def load_or_build(stem: str, versions: dict[str, str], build: Callable[[], Any]) -> Any:
    """Return the cached value for these versions, building and storing it when absent or unreadable.

    marshal is used because it loads plain dicts/tuples/strings several times faster than pickle and
    the cache holds nothing else. A cache that cannot be written (read-only home) is not an error.
    """
    path = cache_dir() / versioned_name(stem, versions)
    try:
        with path.open("rb") as handle:
            return marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        pass
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file and rename, so parallel workers never read a half-written cache.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            marshal.dump(value, handle)
        os.replace(tmp, path)
    except OSError:
        pass
    return value
