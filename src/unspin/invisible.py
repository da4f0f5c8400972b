"""Characters nobody sees: control and format characters that carry no meaning in prose.

Joiners (which shape emoji and Indic scripts) and directional marks (which order mixed right-to-left text)
carry meaning and are not counted; tabs and line ends are layout.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

_MEANINGFUL_FORMAT = frozenset({"\u200c", "\u200d", "\u200e", "\u200f", "\u061c"})
_KEPT_CONTROLS = frozenset({"\t", "\n", "\r"})

# Every code point of the categories Cc and Cf (Unicode 15), as a class for a fast first look; each
# match is then checked against the category. tests/test_normalize.py checks the class covers them all.
CANDIDATE_CLASS = (
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)
CANDIDATES = re.compile(CANDIDATE_CLASS + "+")
# Unicode space separators (category Zs) other than the space itself, and the line and paragraph
# separators (Zl, Zp): visible as space or a break, but not Markdown's whitespace. The clean article does
# not keep them at a line's start.
UNICODE_SPACE_CLASS = "[\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


def is_invisible(ch: str) -> bool:
    category = unicodedata.category(ch)
    if category == "Cc":
        return ch not in _KEPT_CONTROLS
    return category == "Cf" and ch not in _MEANINGFUL_FORMAT


def invisible_runs(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of each run of invisible characters in ``text``."""
    for match in CANDIDATES.finditer(text):
        i, end = match.start(), match.end()
        while i < end:
            if not is_invisible(text[i]):
                i += 1
                continue
            j = i
            while j < end and is_invisible(text[j]):
                j += 1
            yield i, j
            i = j
