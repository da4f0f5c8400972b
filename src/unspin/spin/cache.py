"""The on-disk cache for heavy spin data (the inverse thesaurus index, the word-vector table).

Built once (by ``unspin setup``, or on first use with a note on stderr), stored under the user cache
directory (``$UNSPIN_CACHE_DIR``, else ``$XDG_CACHE_HOME/unspin``, else ``~/.cache/unspin``) in a file or
folder whose name carries a digest of every input version, so an upgraded thesaurus or a new index format
simply builds a new one instead of reading a stale one.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
# The file written last into a cache folder: a folder without it is incomplete and is rebuilt.
COMPLETE_MARK = "COMPLETE"


def cache_dir() -> Path:
    explicit = os.environ.get("UNSPIN_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "unspin"


def _digest(versions: dict[str, str]) -> str:
    return hashlib.sha256(repr(sorted(versions.items())).encode("utf-8")).hexdigest()[:16]


def versioned_name(stem: str, versions: dict[str, str]) -> str:
    return f"{stem}-{_digest(versions)}.marshal"


def versioned_folder(stem: str, versions: dict[str, str]) -> Path:
    return cache_dir() / f"{stem}-{_digest(versions)}"


def is_built(stem: str, versions: dict[str, str]) -> bool:
    return (versioned_folder(stem, versions) / COMPLETE_MARK).is_file()


def open_or_build_folder(
    stem: str,
    versions: dict[str, str],
    write: Callable[[Path], None],
    open_folder: Callable[[Path], T],
    what: str,
) -> T:
    """Open the cache folder for these versions, writing it first with ``write(folder)`` when absent.

    The folder holds memory-mappable files (tries, ``.npy`` arrays), so opening it costs almost
    nothing and a run pages in only what it looks up. Building takes seconds, so it belongs to
    ``unspin setup``; a run that finds no folder builds it once and says so on stderr. The folder is
    written under a temporary name and renamed, so parallel workers never open a half-written one. A
    cache that cannot be written (read-only home) is not an error: the folder is built in a temporary
    directory for this process.
    """
    folder = versioned_folder(stem, versions)
    if (folder / COMPLETE_MARK).is_file():
        return open_folder(folder)
    print(
        f"unspin: building the {what} in {folder.parent} (once; `unspin setup` does it ahead)",
        file=sys.stderr,
    )
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-"))
    except OSError:
        staging = Path(tempfile.mkdtemp(prefix=f"unspin-{stem}-"))
        write(staging)
        return open_folder(staging)
    try:
        write(staging)
        (staging / COMPLETE_MARK).write_text("", encoding="utf-8")
        try:
            os.replace(staging, folder)
        except OSError:
            # Another process finished the same folder first: use its copy.
            if not (folder / COMPLETE_MARK).is_file():
                raise
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return open_folder(folder)


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
