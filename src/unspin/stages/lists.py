"""The list-numbering stage: list numbers that were spelled out ("one.", "two)") become "1.", "2.".

Spinners and careless conversions turn "1." into "one." at the start of a line. A spelled-out number
followed by "." or ")" and a space at the start of a line is a candidate; it is reported (STRU001, safe
fix) when the candidates count up in a run (one., two., …) that starts at one or has three or more
items, or when an item stands in a step-like context: written in lower case (no sentence starts so),
followed by an instruction (an imperative verb, when spaCy is loaded), or right after a line ending
in a colon.
Prose that merely starts with a number word ("One of the best…", "One. Two. Three. Go!") is left alone.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, ClassVar

from unspin import invisible, rules
from unspin.document import Applicability, Document, Finding, Fix
from unspin.pipeline import Context, register_stage
from unspin.stages.parse import load_nlp


@dataclass(frozen=True)
class ListNumberData:
    numbers: dict[str, int]
    pattern: re.Pattern[str]
    run_confidence: float
    single_confidence: float


@cache
def list_number_data() -> ListNumberData:
    path = resources.files("unspin") / "data" / "structure" / "structure.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))["list_numbers"]
    numbers = {word: i for i, word in enumerate(data["words"], start=1)}
    words = "|".join(sorted(numbers, key=len, reverse=True))
    marks = "".join(re.escape(m) for m in data["marks"])
    pattern = re.compile(
        # A line starts after LF or after a CR alone (a line end in Markdown as in old Mac files). Before
        # the word: spaces and tabs, Unicode spaces and invisible characters, which the clean article
        # does not keep at a line's start (a second clean would find the number there).
        rf"(?:^|(?<=\r))(?P<indent>(?:[ \t]|{invisible.UNICODE_SPACE_CLASS}|{invisible.CANDIDATE_CLASS})*)"
        rf"(?P<word>{words})(?P<mark>[{marks}])(?=[ \t]+\S)",
        re.IGNORECASE | re.MULTILINE,
    )
    return ListNumberData(numbers, pattern, float(data["run_confidence"]), float(data["single_confidence"]))


@dataclass
class _Candidate:
    start: int  # of the number word
    end: int  # after the mark
    value: int
    word: str
    line_start: int
    rest_start: int  # first character of the item text


def _candidates(doc: Document, data: ListNumberData) -> list[_Candidate]:
    found: list[_Candidate] = []
    text = doc.source
    for match in data.pattern.finditer(text):
        start, end = match.start("word"), match.end("mark")
        if doc.is_protected(start, end):
            continue
        rest = end
        while rest < len(text) and text[rest] in " \t":
            rest += 1
        found.append(
            _Candidate(
                start,
                end,
                data.numbers[match.group("word").lower()],
                match.group("word"),
                match.start(),
                rest,
            )
        )
    return found


def _runs(candidates: list[_Candidate]) -> list[list[_Candidate]]:
    """Group candidates that count up by one, in document order (prose may sit between items)."""
    runs: list[list[_Candidate]] = []
    for candidate in candidates:
        if runs and candidate.value == runs[-1][-1].value + 1:
            runs[-1].append(candidate)
        else:
            runs.append([candidate])
    return runs


_LINE_END = re.compile(r"\r\n?|\n")


def _previous_line(text: str, line_start: int) -> str:
    """The nearest non-blank line before ``line_start``."""
    before = text[:line_start].rstrip()
    return before[max(before.rfind("\n"), before.rfind("\r")) + 1 :] if before else ""


def _instruction_follows(doc: Document, offset: int, nlp: Any) -> bool:
    """Whether the item text at ``offset`` opens with an imperative ("Lie on your back…").

    A sentence-initial imperative is often tagged as a noun ("Lie", "Position"), so the clause is parsed
    again with an explicit subject: in "you lie on your back…" a verb reads as a present-tense verb.
    """
    if nlp is None:
        return False
    line_end = _LINE_END.search(doc.source, offset)
    clause = doc.prose[offset : line_end.start() if line_end else len(doc.source)]
    clause = re.split(r"(?<=[.!?])\s", clause, maxsplit=1)[0].strip()
    if not clause or not clause[0].isalpha():
        return False
    parsed = nlp("You " + clause[0].lower() + clause[1:])
    return len(parsed) > 1 and parsed[1].tag_ in ("VBP", "VB") and parsed[1].dep_ == "ROOT"


def _single_reason(doc: Document, candidate: _Candidate, nlp: Any) -> str | None:
    if candidate.word[0].islower():
        return "lower-case number word at the start of a line"
    if _previous_line(doc.source, candidate.line_start).endswith(":"):
        return "follows a line that introduces a list"
    if _instruction_follows(doc, candidate.rest_start, nlp):
        return "followed by an instruction"
    return None


def list_number_findings(doc: Document, nlp: Any = None) -> list[Finding]:
    """STRU001 findings. With ``nlp`` (a spaCy pipeline) a lone capitalised number word also counts when
    an instruction follows it."""
    data = list_number_data()
    found: list[Finding] = []
    for run in _runs(_candidates(doc, data)):
        # A counting run is evidence on its own when it starts at one or is long; a short run from the
        # middle ("Nine. … Ten. …") is judged item by item.
        counting = len(run) >= 3 or (len(run) == 2 and run[0].value == 1)
        for candidate in run:
            if counting:
                reason, confidence = f"part of a counting run of {len(run)} items", data.run_confidence
            else:
                single = _single_reason(doc, candidate, nlp)
                if single is None:
                    continue
                reason, confidence = single, data.single_confidence
            seen = doc.source[candidate.start : candidate.end]
            number = f"{candidate.value}."
            found.append(
                rules.finding(
                    "STRU001",
                    candidate.start,
                    candidate.end,
                    f"spelled-out list number {seen!r} → {number!r}",
                    confidence=confidence,
                    fix=Fix.replace(candidate.start, candidate.end, number, Applicability.SAFE),
                    evidence={"number": candidate.value, "reason": reason, "run_length": len(run)},
                )
            )
    return found


@register_stage
class ListNumberStage:
    name: ClassVar[str] = "lists"

    def __call__(self, docs: list[Document], ctx: Context) -> None:
        # The parse stage has loaded spaCy when it ran; without it, lone capitalised numbers are skipped.
        nlp = ctx.resource("nlp", load_nlp) if ctx.has_resource("nlp") else None
        for doc in docs:
            found = list_number_findings(doc, nlp)
            doc.findings.extend(found)
            doc.analysis["lists"] = {"renumbered": len(found)}
