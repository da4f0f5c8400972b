"""Errors unspin reports to the user as one line and exit status 2 (never a traceback)."""

from __future__ import annotations


class UnspinError(Exception):
    """Base of every expected error: bad input, bad config, a missing required component."""

    exit_code = 2


class InputError(UnspinError):
    """An input file that cannot be read as an article (missing, binary, invalid UTF-8, empty…)."""


class DependencyError(UnspinError):
    """A required component (spaCy pipeline, LanguageTool) is missing or failed to start."""
