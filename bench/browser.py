"""Debian's Chromium as the browser tests and the report benchmark drive it (through Playwright)."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("UNSPIN_CHROMIUM", "/usr/bin/chromium"))
# The machine's network is closed: without these flags Chromium keeps trying to reach its own services.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
