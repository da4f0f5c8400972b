"""LanguageTool for unspin: installation (install), one managed server per run (server), and the
client the grammar stage checks text through (client)."""

from __future__ import annotations

from unspin.languagetool.install import Installation, LanguageToolUnavailable, find_installation, install
from unspin.languagetool.server import ManagedServer, start_server

__all__ = [
    "Installation",
    "LanguageToolUnavailable",
    "ManagedServer",
    "find_installation",
    "install",
    "start_server",
]
