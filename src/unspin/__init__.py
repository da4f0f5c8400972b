"""unspin: find synonym-spun phrasing and keyword stuffing in web articles, and put the original back."""

from __future__ import annotations

__version__ = "0.1.0"
