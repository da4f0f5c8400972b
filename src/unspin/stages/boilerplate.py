"""The boilerplate stage: comment forms, share lines, cookie notices, related posts, author boxes.

Patterns are data (``unspin/data/boilerplate/*.toml``, extendable with user files). Each line of prose is
matched whole; matching lines of one rule, and what their pattern absorbs, form a block. A block becomes
one finding with a safe fix that deletes its whole lines, line breaks included, so no gap is left.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import ClassVar

from unspin import invisible, rules
from unspin.config import ConfigError
from unspin.document import Applicability, Document, Finding, Fix, split_lines
from unspin.pipeline import Context, register_stage

ABSORB_KINDS = ("none", "paragraph", "short-lines", "rest")
_DEFAULT_ABSORB_WORDS = {"paragraph": 80, "short-lines": 14}

_MARKDOWN_PREFIX = re.compile(r"^[ \t]*(?:>[ \t]?)*[ \t]*(?:#{1,6}[ \t]+|[-*+][ \t]+|\d{1,3}[.)][ \t]+)?")
_WRAPPING_EMPHASIS = re.compile(r"^(\*{1,3}|_{1,3})(.+?)\1$")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@dataclass(frozen=True)
class Pattern:
    name: str
    rule: str
    regexes: tuple[re.Pattern[str], ...]
    max_words: int | None = None
    anchor: bool = True
    absorb: str = "none"
    absorb_words: int = 0
    origin: str = "built-in"

    def matches(self, line: str, words: int) -> bool:
        if self.max_words is not None and words > self.max_words:
            return False
        return any(regex.fullmatch(line) for regex in self.regexes)


def _parse_patterns(text: str, origin: str) -> list[Pattern]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: invalid TOML ({exc})") from None
    patterns: list[Pattern] = []
    for raw in data.get("pattern", []):
        name = raw.get("name", "?")
        where = f"{origin}: pattern {name}"
        if not isinstance(raw.get("match"), list) or not raw["match"]:
            raise ConfigError(f"{where}: 'match' must be a non-empty list of regular expressions")
        try:
            rules.get(raw.get("rule", ""))
        except rules.RuleError:
            raise ConfigError(f"{where}: unknown rule code {raw.get('rule')!r}") from None
        absorb = raw.get("absorb", "none")
        if absorb not in ABSORB_KINDS:
            raise ConfigError(f"{where}: absorb must be one of {', '.join(ABSORB_KINDS)}")
        flags = re.IGNORECASE if raw.get("ignore_case", True) else 0
        try:
            regexes = tuple(re.compile(expr, flags) for expr in raw["match"])
        except re.error as exc:
            raise ConfigError(f"{where}: bad regular expression ({exc})") from None
        patterns.append(
            Pattern(
                name=name,
                rule=raw["rule"],
                regexes=regexes,
                max_words=raw.get("max_words"),
                anchor=bool(raw.get("anchor", True)),
                absorb=absorb,
                absorb_words=int(raw.get("absorb_words", _DEFAULT_ABSORB_WORDS.get(absorb, 0))),
                origin=origin,
            )
        )
    return patterns


@cache
def builtin_patterns() -> tuple[Pattern, ...]:
    folder = resources.files("unspin") / "data" / "boilerplate"
    found: list[Pattern] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            found.extend(_parse_patterns(entry.read_text(encoding="utf-8"), f"built-in {entry.name}"))
    return tuple(found)


def load_patterns(extra_files: list[str] | tuple[str, ...] = ()) -> tuple[Pattern, ...]:
    """The built-in patterns followed by those of the user's files."""
    found = list(builtin_patterns())
    for name in extra_files:
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"stages.boilerplate.patterns: cannot read {path} ({exc.strerror})") from None
        found.extend(_parse_patterns(text, str(path)))
    return tuple(found)


@dataclass
class _Line:
    start: int
    end: int  # end of the line including its line break
    text: str  # trimmed, without Markdown markers
    words: int
    blank: bool
    protected: bool


def _split_lines(doc: Document) -> list[_Line]:
    lines: list[_Line] = []
    pos = 0
    prose = doc.prose
    for raw in split_lines(doc.source):
        content = raw.rstrip("\r\n")
        # A line whose every visible character is protected (code, front matter) is not prose.
        machine = bool(content.strip()) and not prose[pos : pos + len(content)].strip()
        # Matched as the clean article will read it: invisible characters ("\ufeff Leave a Reply") are
        # repaired away there, and a second clean would find the line.
        bare = _MARKDOWN_PREFIX.sub("", _without_invisible(content), count=1).strip()
        wrapped = _WRAPPING_EMPHASIS.match(bare)
        if wrapped:
            bare = wrapped.group(2).strip()
        lines.append(
            _Line(
                start=pos,
                end=pos + len(raw),
                text=bare,
                words=len(_WORD.findall(bare)),
                blank=not content.strip(),
                protected=machine,
            )
        )
        pos += len(raw)
    _keep_title_heading(doc, lines)
    return lines


def _keep_title_heading(doc: Document, lines: list[_Line]) -> None:
    """The first heading, when it repeats the front matter's title, is the title and not judged: the
    front matter is never judged either, and unspin's own clean Markdown writes its title both ways, so
    cleaning it again would otherwise delete a title the first clean kept."""
    if not doc.title:
        return
    first = next((line for line in lines if not line.blank and not line.protected), None)
    if first is None or not doc.source.startswith("# ", first.start):
        return
    if " ".join(first.text.split()).casefold() == " ".join(doc.title.split()).casefold():
        first.protected = True


@dataclass
class _Block:
    rule: str
    first: int  # line indexes, inclusive
    last: int
    patterns: list[str]
    absorbed: int = 0  # lines taken in by an "absorb" clause


def _match(line: _Line, patterns: tuple[Pattern, ...], *, rule: str | None) -> Pattern | None:
    if line.blank or line.protected or not line.text:
        return None
    for pattern in patterns:
        if rule is None and not pattern.anchor:
            continue
        if rule is not None and pattern.rule != rule:
            continue
        if pattern.matches(line.text, line.words):
            return pattern
    return None


def _next_content(lines: list[_Line], i: int) -> int:
    while i < len(lines) and lines[i].blank:
        i += 1
    return i


_END_PUNCT = re.compile(r"[.!?:;]['\"’”)]*$")


def _absorb(lines: list[_Line], last: int, pattern: Pattern) -> int:
    """The last line index of the block once ``pattern`` has taken in what follows line ``last``."""
    if pattern.absorb == "rest":
        end = last
        for i in range(last + 1, len(lines)):
            if lines[i].protected:
                break
            end = i
        return end
    if pattern.absorb == "paragraph":
        i = _next_content(lines, last + 1)
        j, words = i, 0
        while j < len(lines) and not lines[j].blank and not lines[j].protected:
            words += lines[j].words
            j += 1
        return j - 1 if j > i and words <= pattern.absorb_words else last
    if pattern.absorb == "short-lines":
        end = last
        i = _next_content(lines, last + 1)
        while i < len(lines):
            line = lines[i]
            if line.protected or line.words == 0 or line.words > pattern.absorb_words:
                break
            if _END_PUNCT.search(line.text):
                break
            end = i
            i = _next_content(lines, i + 1)
        return end
    return last


def find_blocks(lines: list[_Line], patterns: tuple[Pattern, ...]) -> list[_Block]:
    blocks: list[_Block] = []
    i = 0
    while i < len(lines):
        pattern = _match(lines[i], patterns, rule=None)
        if pattern is None:
            i += 1
            continue
        block = _Block(pattern.rule, i, i, [pattern.name])
        block.last = _absorb(lines, i, pattern)
        block.absorbed = block.last - i
        # Lines of the same rule that follow (blank lines between allowed) join the block.
        while True:
            j = _next_content(lines, block.last + 1)
            follower = _match(lines[j], patterns, rule=block.rule) if j < len(lines) else None
            if follower is None:
                break
            if follower.name not in block.patterns:
                block.patterns.append(follower.name)
            block.last = _absorb(lines, j, follower)
            block.absorbed += block.last - j
        blocks.append(block)
        i = block.last + 1
    return blocks


def _spans(lines: list[_Line], blocks: list[_Block], text_length: int) -> list[tuple[int, int]]:
    """Source spans that delete each block: its lines and the blank lines after it. A block run that
    reaches the end of the text also takes the blank lines before it, so the text ends cleanly."""
    spans: list[tuple[int, int]] = []
    for block in blocks:
        after = _next_content(lines, block.last + 1)
        end = lines[after].start if after < len(lines) else text_length
        spans.append((lines[block.first].start, end))
    if spans and spans[-1][1] == text_length:
        # The first block of the run of adjacent blocks that ends the text.
        k = len(spans) - 1
        while k > 0 and spans[k - 1][1] == spans[k][0]:
            k -= 1
        first_line = blocks[k].first
        before = first_line - 1
        while before >= 0 and lines[before].blank:
            before -= 1
        spans[k] = (lines[before].end if before >= 0 else 0, spans[k][1])
    return spans


def boilerplate_findings(doc: Document, patterns: tuple[Pattern, ...]) -> list[Finding]:
    lines = _split_lines(doc)
    blocks = find_blocks(lines, patterns)
    found: list[Finding] = []
    for block, (start, end) in zip(blocks, _spans(lines, blocks, len(doc.source)), strict=True):
        first = lines[block.first]
        shown = first.text if len(first.text) <= 60 else first.text[:57] + "…"
        count = block.last - block.first + 1
        found.append(
            rules.finding(
                block.rule,
                start,
                end,
                f"{rules.get(block.rule).summary.lower()}: {shown!r}"
                + (f" (+{count - 1} more line{'s' if count > 2 else ''})" if count > 1 else ""),
                confidence=0.9 if block.absorbed else 0.97,
                fix=Fix.replace(start, end, "", Applicability.SAFE),
                evidence={
                    "patterns": block.patterns,
                    "lines": [block.first + 1, block.last + 1],
                    "absorbed_lines": block.absorbed,
                    "words": sum(line.words for line in lines[block.first : block.last + 1]),
                },
            )
        )
    return found


def _without_invisible(text: str) -> str:
    """``text`` without its runs of invisible characters."""
    pieces, at = [], 0
    for start, end in invisible.invisible_runs(text):
        pieces.append(text[at:start])
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def _visible_chars(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


@register_stage
class BoilerplateStage:
    name: ClassVar[str] = "boilerplate"

    def __call__(self, docs: list[Document], ctx: Context) -> None:
        options = ctx.settings.stage("boilerplate")
        extra = options.get("patterns", [])
        if isinstance(extra, str):
            extra = [extra]
        patterns = ctx.resource(f"boilerplate-patterns:{'|'.join(extra)}", lambda: load_patterns(extra))
        for doc in docs:
            found = boilerplate_findings(doc, patterns)
            doc.findings.extend(found)
            removed = sum(_visible_chars(doc.source[f.start : f.end]) for f in found)
            total = _visible_chars(doc.source) or 1
            doc.analysis["boilerplate"] = {
                "blocks": len(found),
                "chars": removed,
                "share": round(removed / total, 4),
                "by_rule": _count(found),
            }


def _count(found: list[Finding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in found:
        counts[finding.rule] = counts.get(finding.rule, 0) + 1
    return dict(sorted(counts.items()))
