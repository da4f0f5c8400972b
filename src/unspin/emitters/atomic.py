"""Atomic file writes: a temp file in the target folder, then rename, so no partial output survives."""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

# The signals that end a run (Ctrl-C, kill, a closed terminal).
_ENDING = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold back Ctrl-C and SIGTERM for the duration: a signal that comes meanwhile is handled when the
    block ends. A write is then done or not started, never left as a temporary file (a signal between
    creating the file and the ``try`` that removes it) or half a pair of outputs.

    The signals' Python handlers are swapped for one that only notes them, rather than masking the signals:
    a mask holds only for this thread, and a process with other threads (a Dask client's event loop) gets
    the signal there, whose handler then still interrupts this thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    previous = {}
    for number in _ENDING:
        handler = signal.getsignal(number)
        if handler is None:  # installed outside Python: left alone
            continue
        previous[number] = handler
        signal.signal(number, lambda signum, _frame: noted.append(signum))
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if noted:
            _deliver(noted[0], previous[noted[0]])


def _deliver(number: int, handler: object) -> None:
    """Act on a held signal as its own handler would have."""
    if callable(handler):
        handler(number, None)
    elif handler == signal.SIG_DFL:
        os.kill(os.getpid(), number)


def write_text_atomic(path: Path, text: str) -> None:
    with open_atomic(path) as handle:
        handle.write(text)


@contextlib.contextmanager
def open_atomic(path: Path) -> Iterator[TextIO]:
    """A text file to write in pieces that appears at ``path`` whole, or not at all. Ending signals are
    held meanwhile (see ``signals_held``)."""
    with signals_held():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                yield handle
            # mkstemp creates the file private (0600); give it the mode an ordinary write would get.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
