"""Remove one wedged keyphrase occurrence and repair the text around it.

The removal takes the occurrence and one side's spaces, never both (so words stay separated), drops a comma
or colon that would end up in front of other punctuation, restores the capital of a sentence that the
occurrence used to start, and drops a word the removal would leave doubled ("back back").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from unspin.document import Edit

_SPACES_BEFORE = re.compile(r"[ \t\u00a0]+$")
_SPACES_AFTER = re.compile(r"^[ \t\u00a0]+")
_SOFT_PUNCT_BEFORE = re.compile(r"[,;:][ \t\u00a0]*$")
_WORD_AFTER = re.compile(r"^[^\W_]+(?:['’][^\W_]+)*")
_WORD_BEFORE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*$")
_SENTENCE_END = re.compile(r"(^|[.!?][\"'”’)\]]*[ \t\u00a0]+|\n[ \t\u00a0]*)$")
# Doubled words that English uses on purpose ("that that", "had had").
_LEGIT_DOUBLES = frozenset({"that", "had", "is", "do", "very", "bye", "no", "so"})


@dataclass(frozen=True)
class Removal:
    """The edit that removes an occurrence, and the source range it covers."""

    edit: Edit

    @property
    def start(self) -> int:
        return self.edit.start

    @property
    def end(self) -> int:
        return self.edit.end


# How far around an occurrence its line is read: the repair and the judge look at a few words on either
# side. Reading whole lines would cost time in the line's length for every occurrence, and scraped pages
# often come as one line or one paragraph of hundreds of kilobytes.
LINE_REACH = 512


def line_around(text: str, start: int, end: int, reach: int = LINE_REACH) -> tuple[int, int]:
    """Start and end of the line holding ``text[start:end]``, cut to ``reach`` characters either side."""
    lo = max(0, start - reach)
    hi = min(len(text), end + reach)
    line_start = text.rfind("\n", lo, start) + 1 or lo
    line_end = text.find("\n", end, hi)
    return line_start, hi if line_end < 0 else line_end


def removal(text: str, start: int, end: int) -> Removal:
    """The edit that removes ``text[start:end]`` and leaves well-formed spacing and punctuation."""
    line_start, line_end = line_around(text, start, end)
    before = text[line_start:start]
    after = text[end:line_end]
    spaces_before = _SPACES_BEFORE.search(before)
    spaces_after = _SPACES_AFTER.search(after)
    cut_start, cut_end = start, end
    replacement = ""
    rest = after[spaces_after.end() :] if spaces_after else after
    if rest == "" or rest[0] in ",.;:!?)]}\"'”’…":
        # Followed by punctuation or the end of the line: take the spaces in front instead.
        if spaces_before:
            cut_start = start - len(spaces_before.group())
        soft = _SOFT_PUNCT_BEFORE.search(text[line_start:cut_start])
        if soft and rest[:1] in (",", ".", ";", ":", "!", "?", ")"):
            # "stress, KP." → "stress." and "well, KP, and" → "well, and": one punctuation mark is enough.
            cut_start = line_start + soft.start()
        if spaces_after:
            cut_end = end + len(spaces_after.group())
            if rest:
                cut_end = end  # keep spacing before the punctuation as it was
    elif spaces_after:
        cut_end = end + len(spaces_after.group())
    sentence_initial = _SENTENCE_END.search(before) is not None
    if sentence_initial and text[start:end][:1].isupper():
        nxt = _WORD_AFTER.search(rest)
        if nxt and nxt.group()[0].islower():
            # The occurrence began the sentence: the next word now does, so it takes the capital.
            cut_end = end + (len(spaces_after.group()) if spaces_after else 0) + 1
            replacement = nxt.group()[0].upper()
    kept_before = text[line_start:cut_start]
    kept_after = text[cut_end:line_end]
    last = _WORD_BEFORE.search(kept_before.rstrip())
    first = _WORD_AFTER.search(replacement + kept_after.lstrip())
    if (
        last
        and first
        and not replacement
        and last.group().lower() == first.group().lower()
        and last.group().lower() not in _LEGIT_DOUBLES
        and kept_after[: len(kept_after) - len(kept_after.lstrip())] in ("", " ")
    ):
        # "lower back back pain": the removal would leave a word doubled; drop the second copy too.
        lead = len(kept_after) - len(kept_after.lstrip())
        cut_end = cut_end + lead + len(first.group())
        if kept_before.endswith(" ") and cut_end < line_end and text[cut_end] == " ":
            cut_end += 1
    return Removal(Edit(cut_start, cut_end, replacement))


def apply_removal(text: str, rem: Removal) -> str:
    return text[: rem.start] + rem.edit.replacement + text[rem.end :]
