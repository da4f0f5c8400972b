"""Readers turn a file (or stdin text) into a Document; one module per format."""

from __future__ import annotations

from pathlib import Path

from unspin.document import Document
from unspin.errors import InputError

FORMATS = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}


def decode(data: bytes, where: str) -> str:
    """Decode UTF-8 (with or without BOM); refuse binary data and invalid UTF-8 with one clear line."""
    if not data.strip():
        raise InputError(f"{where}: empty file")
    if b"\x00" in data[:8192]:
        raise InputError(f"{where}: binary file (contains NUL bytes), not an article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{where}: not valid UTF-8 (byte {exc.start}: {data[exc.start : exc.start + 1]!r})"
        ) from None
    if not text.strip():
        raise InputError(f"{where}: empty file")
    return text


def read_text(text: str, fmt: str = "txt", path: Path | None = None) -> Document:
    if fmt == "md":
        from unspin.readers.markdown import read_markdown

        return read_markdown(text, path)
    if fmt == "html":
        from unspin.readers.html import read_html

        return read_html(text, path)
    return read_plain(text, path)


def read_plain(text: str, path: Path | None = None) -> Document:
    """A plain-text Document; URLs and e-mail addresses in it are protected."""
    from unspin.readers.markup import url_spans

    doc = Document(path=path, source=text, format="txt")
    for start, end in url_spans(text):
        doc.protect(start, end)
    doc.protected.sort()
    return doc


def check_size(size: int, max_bytes: int | None, where: str, read_all: bool = True) -> None:
    """Refuse an input over the ``max_bytes`` limit before any work is spent on it (``read_all`` False:
    ``size`` is only as much as was read, one byte over the limit)."""
    if max_bytes is not None and size > max_bytes:
        amount = f"{size:,} bytes, " if read_all else ""
        raise InputError(
            f"{where}: {amount}over the limit of {max_bytes:,} bytes (max-bytes in the configuration)"
        )


def load_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """The bytes of an article file, or an InputError saying in one line why there are none."""
    if FORMATS.get(path.suffix.lower()) is None:
        raise InputError(
            f"{path}: unsupported file type {path.suffix or '(none)'}; expected .txt, .md or .html"
        )
    try:
        check_size(path.stat().st_size, max_bytes, str(path))
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    check_size(len(data), max_bytes, str(path))  # it may have grown since
    return data


def read_bytes(data: bytes, path: Path, max_bytes: int | None = None) -> Document:
    """An article from bytes read elsewhere (e.g. sent with a chunk); the name gives the format."""
    check_size(len(data), max_bytes, str(path))
    return read_text(decode(data, str(path)), FORMATS[path.suffix.lower()], path)


def read_path(path: Path, max_bytes: int | None = None) -> Document:
    return read_bytes(load_bytes(path, max_bytes), path)
