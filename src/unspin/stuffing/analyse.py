"""Keyword stuffing analysis of a batch of documents: keyphrase, density, every occurrence judged, findings.

The work is split in two passes so that spaCy sees the whole batch at once: :func:`prepare` finds the
keyphrase and its occurrences and writes the sentence each body occurrence would leave behind; the caller
parses those sentences with ``nlp.pipe``; :func:`finish` judges the occurrences and adds the findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from unspin import rules
from unspin.document import Applicability, Document, Edit, Fix, Span
from unspin.keyphrase import (
    KeyphraseChoice,
    PhraseCheck,
    WordToken,
    discovery_settings,
    find_phrase,
    function_words,
    phrase_words,
    resolve,
    word_tokens,
)
from unspin.stuffing.density import content_words, stuffing_inputs, yoast_density, yoast_matches
from unspin.stuffing.occurrences import Context, Judge, Occurrence
from unspin.stuffing.repair import Removal, removal
from unspin.stuffing.title import heading_spans, judge_title, tacked_keyphrase, title_span

_BAND_RANK = {"under": 0, "good": 1, "over": 2, "way-over": 3}
# A line that begins a block of its own: blank, a heading, a list item, a quote or a table row.
_BLOCK_START = re.compile(r"[ \t]*(?:$|#{1,6}[ \t]|[-*+>|][ \t]|\d{1,3}[.)][ \t])", re.MULTILINE)
_BLANK_OR_HEADING = re.compile(r"[ \t]*(?:$|#{1,6}[ \t])", re.MULTILINE)
# A "sentence" longer than this many tokens (a scraped page without full stops, a line of repeated words)
# is judged in a window of ``_WINDOW_TOKENS`` on each side of the occurrence. The parses, the language
# model and the position features read every word of the sentence once per occurrence, so on an unbounded
# sentence the stage's time grew with the square of its length; real sentences stay whole.
_LONG_SENTENCE_TOKENS = 120
_WINDOW_TOKENS = 50


@dataclass
class Pending:
    """An occurrence outside the title waiting for the parse of its sentence without it."""

    occurrence: Occurrence
    removal: Removal
    sentence: Any  # spaCy Span (as written)
    without_text: str
    without_gap: int
    previous_end: int | None
    without_shift: int = 0  # characters the removal takes out of the text after the gap
    words: tuple[str, ...] | None = None  # a partial occurrence's own words (None: the whole keyphrase)

    @property
    def with_text(self) -> str:
        """The sentence as written, to parse on its own like the without-sentence. Its offsets start at
        ``sentence.start_char`` of the document (the judge's ``with_base``): padding it to the document's
        offsets would cost time and memory in the length of the text before it, for every occurrence."""
        return self.sentence.text


@dataclass
class DocState:
    doc: Document
    parsed: Any
    choice: KeyphraseChoice
    tokens: list[WordToken] = field(default_factory=list)
    body_tokens: list[WordToken] = field(default_factory=list)
    title: Span | None = None
    head: str | None = None  # the keyphrase's head noun, set by the stage from a parse of the phrase
    occurrences: list[Occurrence] = field(default_factory=list)
    pending: list[Pending] = field(default_factory=list)
    phrase_text: str = ""  # the prose in which keyphrases are counted and matched (see ``phrase_text``)


# Stands in the prose for protected content when phrases are matched: neither a word nor a joiner.
_CONTENT_BREAK = "|"


def phrase_text(doc: Document) -> str:
    """The prose with protected content (code, a URL: a protected span holding a letter or a digit) as a
    break: a phrase never runs across it ("text with `x` and a link" is no phrase), while markup around
    prose ("[a link](…)", "**big**") leaves the words on either side joined. Offsets are the prose's."""
    prose = doc.prose
    chars = list(prose)
    for span in doc.protected:
        if any(ch.isalnum() for ch in doc.source[span.start : span.end]):
            for i in range(span.start, min(span.end, len(chars))):
                if chars[i] not in "\r\n":
                    chars[i] = _CONTENT_BREAK
    return "".join(chars)


def prepare(doc: Document, parsed: Any, settings: Any, nlp: Any) -> DocState:
    """Resolve the keyphrase, find its occurrences and build the without-sentences to parse. ``parsed`` is
    the document's parse; ``nlp`` parses a candidate keyphrase on its own."""
    prose = phrase_text(doc)
    title = title_span(doc)
    tokens = word_tokens(prose)
    body_tokens = [t for t in tokens if title is None or not (title.start <= t.start < title.end)]
    title_text = prose[title.start : title.end] if title else None
    choice = resolve(
        settings,
        doc.path,
        doc.metadata,
        prose,
        body_tokens,
        title_text,
        _reads_as_keyphrase(nlp),
    )
    state = DocState(doc, parsed, choice, tokens, body_tokens, title, phrase_text=prose)
    doc.keyphrase = choice.phrase
    if not choice.phrase:
        return state
    kp = tuple(choice.phrase.split())
    headings = heading_spans(doc, title)
    previous_end: int | None = None
    for i, j in find_phrase(prose, tokens, kp):
        start, end = tokens[i].start, tokens[j - 1].end
        where = Span(start, end)
        if title is not None and title.contains(where):
            location = "title"
        elif any(h.contains(where) for h in headings):
            location = "heading"
        else:
            location = "body"
        occ = Occurrence(start, end, (i, j), location)
        state.occurrences.append(occ)
        if location != "title":
            state.pending.append(_pending(doc.prose, parsed, occ, previous_end))
        previous_end = j
    if _trusted(state):
        _partial_occurrences(state, kp, headings)
    return state


# Parts of speech that head a keyphrase's noun phrase and end it ("meal prep for families", "Erie Canal").
_NOUN_HEADS = frozenset({"NOUN", "PROPN"})
# A candidate keyphrase is parsed in this frame, as the object of a preposition, where a noun phrase reads
# as one: alone, spaCy's small model takes "release notes" for a clause ("notes" a verb).
_FRAME = ("Read about ", ".")


def _reads_as_keyphrase(nlp: Any) -> PhraseCheck:
    """Whether a repeated phrase can be a search keyphrase: a question or "how to" phrase, or a noun phrase:
    parsed in a fixed frame ("Read about … ."), its words hang on one noun, and it ends in a noun. A
    prepositional phrase may attach to the frame's verb ("weekend in Lisbon | on a budget"). A repeated turn
    of words ("bad taste to be an avowed", "sent by the application and return", "Whatever may be the
    meaning") is not one: taken as the keyphrase, every copy of it seemed wedged. The frame is the same
    wherever the phrase stands, so the answer does not change when the text around it is cleaned."""
    leads = frozenset(discovery_settings()["lead_words"])
    opening, closing = _FRAME

    def reads_as_keyphrase(words: tuple[str, ...]) -> bool:
        if words[0] in leads:
            return True
        parsed = nlp(opening + " ".join(words) + closing)
        span = parsed.char_span(len(opening), len(opening) + len(" ".join(words)), alignment_mode="expand")
        if span is None or not len(span):
            return False
        outward = [
            t for t in span if (t.head.i == t.i or not span.start <= t.head.i < span.end) and t.pos_ != "ADP"
        ]
        return len(outward) == 1 and outward[0].pos_ in _NOUN_HEADS and span[-1].pos_ in _NOUN_HEADS

    return reads_as_keyphrase


def keyphrase_parts(kp: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The keyphrase's first or last words that stuffers wedge on their own ("how to crate", "snake
    plant"), longest first: two words or more, neither end a function word, or a question lead's opening."""
    stop = function_words()
    parts = []
    for size in range(len(kp) - 1, 1, -1):
        for part in (kp[:size], kp[-size:]):
            opening = part[:2] == ("how", "to") and len(part) > 2
            if part[-1] in stop or (part[0] in stop and not opening and part[0] not in _LEADS):
                continue
            if part not in parts:
                parts.append(part)
    return parts


_LEADS = frozenset({"what", "why", "when", "where", "which", "who"})


def _partial_occurrences(state: DocState, kp: tuple[str, ...], headings: list[Span]) -> None:
    """Occurrences of the keyphrase's parts outside its whole occurrences and the title, judged like them
    but marked ``partial``: a part is also the article's own topic words, so its removal is never safe."""
    prose = state.phrase_text
    tokens = state.tokens
    taken = [o.token_range for o in state.occurrences]
    found: list[Occurrence] = []
    for part in keyphrase_parts(kp):
        for i, j in find_phrase(prose, tokens, part):
            if any(i < b and a < j for a, b in taken):
                continue
            start, end = tokens[i].start, tokens[j - 1].end
            where = Span(start, end)
            if state.title is not None and state.title.contains(where):
                continue
            location = "heading" if any(h.contains(where) for h in headings) else "body"
            occ = Occurrence(start, end, (i, j), location)
            occ.facts["partial"] = " ".join(part)
            taken.append((i, j))
            found.append(occ)
    for occ in sorted(found, key=lambda o: o.start):
        state.occurrences.append(occ)
        pending = _pending(state.doc.prose, state.parsed, occ, None)
        pending.words = tuple(str(occ.facts["partial"]).split())
        state.pending.append(pending)


def keyphrase_head(nlp: Any, phrase: str | None) -> str | None:
    """The head noun of the keyphrase when it is a noun phrase ("recipe" in "classic banana bread recipe").
    A clause ("how to pay off credit card debt") has none: no single noun can stand in for it."""
    if not phrase:
        return None
    root = next((t for t in nlp(phrase) if t.dep_ == "ROOT"), None)
    return root.lower_ if root is not None and root.pos_ in ("NOUN", "PROPN") else None


def _pending(prose: str, parsed: Any, occ: Occurrence, previous_end: int | None) -> Pending:
    span = parsed.char_span(occ.start, occ.end, alignment_mode="expand")
    sentence = span.sent if span is not None and len(span) else parsed[:0]
    sentence = _around(parsed, _within_block(prose, parsed, sentence, occ), span)
    sent_start, sent_end = sentence.start_char, sentence.end_char
    rem = removal(prose, occ.start, occ.end)
    cut_start, cut_end = max(rem.start, sent_start), min(rem.end, max(sent_end, occ.end))
    without = prose[sent_start:cut_start] + rem.edit.replacement + prose[cut_end:sent_end]
    shift = (cut_end - cut_start) - len(rem.edit.replacement)
    return Pending(occ, rem, sentence, without, cut_start - sent_start, previous_end, shift)


def _within_block(prose: str, parsed: Any, sentence: Any, occ: Occurrence) -> Any:
    """The sentence cut to the text block of the occurrence. The parser often runs a heading into the
    paragraph under it ("## Eat and Drink ¶ Caffeine has …"), which gives the judge a wrong subject, wrong
    neighbours and a wrong LM context."""
    lo, hi = block_bounds(prose, occ.start, occ.end)
    start, end = max(sentence.start_char, lo), min(sentence.end_char, hi)
    if (start, end) == (sentence.start_char, sentence.end_char):
        return sentence
    clipped = parsed.char_span(start, end, alignment_mode="contract")
    if clipped is None or not len(clipped) or not (clipped.start_char <= occ.start < clipped.end_char):
        return sentence
    return clipped


def _around(parsed: Any, sentence: Any, occurrence: Any) -> Any:
    """The sentence, or a window of it around the occurrence when the sentence is very long."""
    if len(sentence) <= _LONG_SENTENCE_TOKENS or occurrence is None or not len(occurrence):
        return sentence
    start = max(sentence.start, occurrence.start - _WINDOW_TOKENS)
    end = min(sentence.end, occurrence.end + _WINDOW_TOKENS)
    return parsed[start:end] if start < end else sentence


def block_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Start and end of the block (paragraph, heading, list item) holding ``text[start:end]``: lines join
    a hard-wrapped paragraph, but a blank line, a heading or a list marker begins a new block."""
    lo = text.rfind("\n", 0, start) + 1
    while lo > 0 and not _BLOCK_START.match(text, lo):
        previous = text.rfind("\n", 0, lo - 1) + 1
        if _BLANK_OR_HEADING.match(text, previous):
            break
        lo = previous
    hi = text.find("\n", end)
    while hi >= 0:
        line = text.rfind("\n", 0, hi) + 1
        if _BLANK_OR_HEADING.match(text, line) or _BLOCK_START.match(text, hi + 1):
            break
        hi = text.find("\n", hi + 1)
    return lo, len(text) if hi < 0 else hi


def finish(
    state: DocState,
    without_docs: list[Any],
    judge: Judge,
    cfg: dict[str, Any],
    with_docs: list[Any] | None = None,
    removal_gains: list[float | None] | None = None,
) -> None:
    """Judge the occurrences, write ``analysis["stuffing"]`` and add the findings. ``with_docs`` are the
    parses of the pending ``with_text``s; without them the judge reads the document's own parse.
    ``removal_gains`` are the contextual model's verdicts on taking each one out (None: trigram only)."""
    doc = state.doc
    choice = state.choice
    analysis: dict[str, Any] = {"keyphrase": choice.as_evidence()}
    doc.analysis["stuffing"] = analysis
    if not choice.phrase:
        return
    kp = tuple(choice.phrase.split())
    capitalised = _capitalised_share(state.parsed, state.occurrences)
    written = with_docs if with_docs is not None else [None] * len(state.pending)
    gains = removal_gains if removal_gains is not None else [None] * len(state.pending)
    for item, without_doc, with_doc, gain in zip(state.pending, without_docs, written, gains, strict=True):
        sentence = item.sentence
        with_base = 0
        if with_doc is not None:
            length = sentence.end_char - sentence.start_char
            alone = with_doc.char_span(0, length, alignment_mode="contract")
            if alone is not None and len(alone):
                sentence, with_base = alone, item.sentence.start_char
        ctx = Context(
            text=doc.prose,
            tokens=state.tokens,
            keyphrase=item.words or kp,
            occurrence=item.occurrence,
            previous_occurrence_end=item.previous_end,
            with_sentence=sentence,
            with_base=with_base,
            without_doc=without_doc,
            without_gap=item.without_gap,
            without_shift=item.without_shift,
            without_text=item.without_text,
            capitalised_share=capitalised,
            head=state.head,
            removal_gain=gain,
        )
        occ = item.occurrence
        # The document's own sentence (``sentence`` may be the parse of that sentence alone, offsets from 0).
        if doc.is_protected(item.sentence.start_char, item.sentence.end_char):
            # Code, a link or markup is blanked inside the sentence: the parse and the LM read holes, and
            # a copy next to one looks wedged when it is not. Such a copy is not judged.
            occ.verdict = "natural"
            occ.reasons = [PROTECTED_REASON]
            continue
        judge.judge(ctx)
        if item.words is not None and occ.p_wedged < float(cfg["classify"]["partial_min"]):
            # A part of the keyphrase is mostly the article's own words: it takes more to call it wedged.
            occ.verdict = "natural"
    wedged = [item for item in state.pending if item.occurrence.verdict == "wedged"]
    topic_term = _topic_term(state, cfg["classify"])
    if wedged and topic_term:
        for item in wedged:
            item.occurrence.verdict = "natural"
            item.occurrence.reasons = [TOPIC_TERM_REASON]
        wedged = []
    trusted = _trusted(state) and _mostly_wedged(state, cfg["classify"])
    introduced = _introduced(state)
    for item in wedged:
        doc.add(_wedged_finding(doc, item.occurrence, item, judge, choice.phrase, trusted, introduced))
    for occ in state.occurrences:
        if occ.location == "title":
            occ.reasons = ["in the title: judged by STUF003 and STUF004, removed only as an unsafe fix"]
    _density(state, kp, cfg, analysis, report=not topic_term)
    analysis["occurrences"] = [o.as_dict() for o in state.occurrences]
    _title(state, choice.phrase, analysis)


PROTECTED_REASON = "not judged: its sentence holds code, a link or markup that the parse cannot read"
TOPIC_TERM_REASON = (
    "the keyphrase is inferred and few of its copies look wedged: a topic term the text uses, not stuffing"
)


def _topic_term(state: DocState, cfg: dict[str, Any]) -> bool:
    """Whether an inferred keyphrase is the text's own topic term rather than a stuffed phrase: stuffing
    wedges copy after copy, while a topic term's copies are natural and a misjudged one stands alone. A
    given keyphrase (settings, front matter) is never treated so: its copies are judged one by one."""
    if state.choice.source != "inferred":
        return False
    whole = [p for p in state.pending if p.words is None]
    wedged = [p for p in whole if p.occurrence.verdict == "wedged"]
    return len(wedged) < int(cfg["inferred_min_wedged"]) or len(wedged) < float(
        cfg["inferred_min_share"]
    ) * len(whole)


def _mostly_wedged(state: DocState, cfg: dict[str, Any]) -> bool:
    """Whether an inferred keyphrase's copies are mostly wedged, as in a stuffed text (a given keyphrase
    always passes). A text that uses its own term, often as a name ("Open Culture Data"), has some copies
    that read oddly beside many natural ones; removing them is left to the editor."""
    if state.choice.source != "inferred":
        return True
    whole = [p for p in state.pending if p.words is None]
    wedged = [p for p in whole if p.occurrence.verdict == "wedged"]
    return bool(whole) and len(wedged) >= float(cfg["inferred_safe_share"]) * len(whole)


def _introduced(state: DocState) -> bool:
    """Whether the title, a heading or the first paragraph names the keyphrase: then it is the article's
    subject, and a copy is removed safely only where its sentence is broken with it."""
    if not state.choice.phrase:
        return False
    kp = tuple(state.choice.phrase.split())
    prose = state.doc.prose
    body_start = state.title.end if state.title is not None else 0
    first = re.search(r"\S[\s\S]*?(?=\n[ \t]*\n|\Z)", prose[body_start:])
    spans = [] if first is None else [(body_start + first.start(), body_start + first.end())]
    spans += [(h.start, h.end) for h in heading_spans(state.doc, state.title)]
    if state.title is not None:
        spans.append((state.title.start, state.title.end))
    # Matched as every copy is (``phrase_text``): never across code or a URL.
    text = state.phrase_text
    return any(find_phrase(text, word_tokens(text, a, b), kp) for a, b in spans)


def _trusted(state: DocState) -> bool:
    """Whether the keyphrase is certain enough for safe removals: given by the user or the front matter,
    or inferred and also standing in the title. A phrase inferred from repeats alone may simply be the
    article's subject ("carbon dioxide" in an article on photosynthesis), so its removals stay unsafe."""
    if state.choice.source != "inferred":
        return True
    if state.title is None:
        return False
    title = " ".join(t.text for t in word_tokens(state.doc.prose, state.title.start, state.title.end))
    phrase = " ".join(phrase_words(state.choice.phrase))
    return f" {phrase} " in f" {title} "


def _wedged_finding(
    doc: Document, occ: Occurrence, item: Pending, judge: Judge, phrase: str, trusted: bool, introduced: bool
) -> Any:
    partial = item.words is not None
    # The article's own subject is removed safely only where the sentence is broken with it.
    safe = trusted and not partial and judge.safe(occ, broken_only=introduced)
    applicability = Applicability.SAFE if safe else Applicability.UNSAFE
    edit = item.removal.edit
    sentence = item.sentence
    reads = item.without_text.strip()
    keeps_from = occ.facts.get("keeps_from")
    if isinstance(keeps_from, int) and occ.start < keeps_from < occ.end:
        # The keyphrase grew around a noun phrase of the sentence: remove only the words added in front.
        edit = Edit(occ.start, keeps_from, "")
        prose = doc.prose
        reads = (prose[sentence.start_char : occ.start] + prose[keeps_from : sentence.end_char]).strip()
    fix = Fix((edit,), applicability)
    evidence = {
        **occ.as_dict(),
        "keyphrase": phrase,
        "sentence": doc.prose[sentence.start_char : sentence.end_char],
    }
    evidence["reads"] = reads
    reason = occ.reasons[0] if occ.reasons else "does not fit its sentence"
    message = f'Keyphrase "{phrase}" is wedged into the sentence: it {reason}'
    if partial:
        message = (
            f'Part "{occ.facts["partial"]}" of keyphrase "{phrase}" is wedged into the sentence: it {reason}'
        )
    return rules.finding(
        "STUF001", occ.start, occ.end, message, confidence=occ.p_wedged, fix=fix, evidence=evidence
    )


def _capitalised_share(parsed: Any, occurrences: list[Occurrence]) -> float:
    """Share of sentences whose first word is capitalised (sentences that an occurrence starts excluded)."""
    starts = {o.start for o in occurrences}  # partial occurrences included: they may start sentences too
    total = capital = 0
    for sent in parsed.sents:
        first = next((t for t in sent if t.is_alpha), None)
        if first is None or first.idx in starts:
            continue
        total += 1
        capital += first.text[0].isupper()
    return capital / total if total else 1.0


def _density(
    state: DocState, kp: tuple[str, ...], cfg: dict[str, Any], analysis: dict[str, Any], report: bool
) -> None:
    """The keyphrase density (Yoast's formula) and unspin's own measures, always recorded in ``analysis``;
    reported as STUF002 over the band when ``report``. It is not for an inferred topic term: its repeats are
    why it was inferred, and its copies read naturally."""
    doc = state.doc
    stop = function_words()
    content = content_words(kp, stop)
    sentences = _sentence_words(state)
    matches = yoast_matches(sentences, content)
    yoast = yoast_density(len(state.body_tokens), matches, len(content), cfg["density"])
    body = [o for o in state.occurrences if o.location != "title" and "partial" not in o.facts]
    occurrence_sentences = [_sentence_index(state.parsed, o.start) for o in body]
    body_start = state.title.end if state.title else 0
    inputs = stuffing_inputs(
        doc.prose[body_start:],
        state.body_tokens,
        occurrence_sentences,
        len(kp),
        sum(1 for o in body if o.verdict == "wedged"),
    )
    analysis["yoast"] = yoast
    analysis["score_inputs"] = inputs
    if report and _BAND_RANK[yoast["band"]] >= _BAND_RANK[str(cfg["density"]["finding_from"])]:
        message = (
            f"Keyphrase density {yoast['density']:.2f} % (assessed {yoast['assessed_density']:.2f} % "
            f"with length factor {yoast['length_factor']:.2f}) is {yoast['band']} the "
            f"{cfg['density']['good_min']}–{cfg['density']['good_max']} % band ({yoast['scheme']})"
        )
        doc.add(rules.finding("STUF002", 0, 0, message, evidence={"yoast": yoast, "unspin": inputs}))


def _sentence_words(state: DocState) -> list[list[str]]:
    """Lower-case words of each body sentence."""
    title = state.title
    result: list[list[str]] = []
    body_start = title.end if title is not None else 0
    for sent in state.parsed.sents:
        if sent.end_char <= body_start:
            continue
        start = max(sent.start_char, body_start)
        result.append([t.text for t in word_tokens(state.doc.prose, start, sent.end_char)])
    return result


def _sentence_index(parsed: Any, offset: int) -> int:
    span = parsed.char_span(offset, offset + 1, alignment_mode="expand")
    if span is None or not len(span):
        return -1
    return span[0].sent.start


def _title(state: DocState, phrase: str, analysis: dict[str, Any]) -> None:
    doc = state.doc
    title = state.title
    if title is None:
        analysis["title"] = None
        return
    text = doc.prose[title.start : title.end]
    tacked = tacked_keyphrase(text, phrase, function_words())
    verdict = judge_title(text, phrase) if tacked is None else None
    analysis["title"] = {
        "text": text,
        "start": title.start,
        "end": title.end,
        "tacked_on": verdict,
        "keyphrase_tacked": tacked,
    }
    if tacked is not None:
        start, end = title.start + tacked["start"], title.start + tacked["end"]
        why = {
            "repeated": "the title holds it already",
            "case": "its case differs from the title's",
            "separator": "it follows a separator at the end",
        }[tacked["reason"]]
        message = (
            f'Keyphrase "{phrase}" is tacked onto the title ({why}); the title reads: "{tacked["title"]}"'
        )
        fix = Fix((Edit(start, end, ""),), Applicability.UNSAFE)
        doc.add(rules.finding("STUF004", start, end, message, confidence=0.8, fix=fix, evidence=tacked))
    if verdict is None:
        return
    fix = Fix.replace(title.start, title.end, verdict["suggestion"], Applicability.UNSAFE)
    message = (
        f'Title is the keyphrase with "{verdict["tacked_on"]}" tacked on ({verdict["pattern"]}); '
        f'suggested: "{verdict["suggestion"]}"'
    )
    doc.add(
        rules.finding("STUF003", title.start, title.end, message, confidence=0.7, fix=fix, evidence=verdict)
    )
