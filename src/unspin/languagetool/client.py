"""Checking text through language-tool-python, connected to a running server (``remote_server``).

One :class:`LanguageToolClient` per process. Every request carries the same parameter set
(:func:`request_fields`), so the server reuses one cached rule pipeline for all of them.
"""

from __future__ import annotations

import bisect
import json
import threading
import tomllib
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from unspin.languagetool.annotate import Part
from unspin.languagetool.install import LanguageToolUnavailable, data_text


@cache
def policy() -> dict[str, Any]:
    """The grammar policy data: category codes, disabled rules, the safe-fix allow-list."""
    return tomllib.loads(data_text("policy.toml"))


def disabled_rules(extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Rule ids switched off in every request, sorted so that each request sends identical text."""
    return tuple(sorted({*policy()["disabled"], *extra}))


def request_fields(language: str, extra_disabled: tuple[str, ...] = ()) -> dict[str, str]:
    """The form fields (besides ``text``) of every check unspin sends, e.g. for the server's warm-up."""
    fields = {"language": language}
    rules = disabled_rules(extra_disabled)
    if rules:
        fields["disabledRules"] = ",".join(rules)
    return fields


@dataclass(frozen=True)
class LtMatch:
    """One LanguageTool match with code-point offsets into the checked text."""

    rule_id: str
    category: str
    issue_type: str
    message: str
    offset: int
    length: int
    replacements: tuple[str, ...]
    sentence: str = ""
    short_message: str = ""

    @property
    def end(self) -> int:
        return self.offset + self.length


class _Utf16Index:
    """Converts between Python code-point offsets and the UTF-16 offsets a Java server counts in."""

    def __init__(self, text: str):
        # Code-point positions of characters outside the BMP (two UTF-16 units each).
        self.astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        self.astral_utf16 = [i + k for k, i in enumerate(self.astral)]

    def to_utf16(self, offset: int) -> int:
        return offset + bisect.bisect_left(self.astral, offset)

    def to_codepoint(self, offset: int) -> int:
        # Astral characters starting before this UTF-16 offset each took one extra unit.
        return offset - bisect.bisect_left(self.astral_utf16, offset)


class LanguageToolClient:
    """language-tool-python's ``LanguageTool`` in remote mode, with unspin's fixed request parameters."""

    def __init__(
        self,
        url: str,
        language: str = "en-US",
        extra_disabled: tuple[str, ...] = (),
        restart: Callable[[], str] | None = None,
    ):
        self.language = language
        self.extra_disabled = extra_disabled
        # Starts the server again and returns its URL: called once if a check finds the server gone.
        self._restart = restart
        self._connect(url)
        # language-tool-python converts offsets with class-level state shared by all Match objects, so
        # two checks running at once in different threads could shift each other's offsets.
        self._lock = threading.Lock()

    def _connect(self, url: str) -> None:
        import language_tool_python

        self.url = url.rstrip("/")
        # A local server must be reached directly even when the environment names an HTTP proxy.
        host = urllib.parse.urlsplit(self.url).hostname or ""
        local = host in ("127.0.0.1", "localhost", "::1")
        proxies = {"http": None, "https": None} if local else None
        try:
            self._tool = language_tool_python.LanguageTool(
                self.language,
                remote_server=self.url,
                proxies=proxies,  # type: ignore[arg-type]  # None values switch a scheme's proxy off
            )
        except Exception as exc:
            raise LanguageToolUnavailable(f"cannot use the LanguageTool server at {self.url}: {exc}") from exc
        self._tool.disabled_rules = set(disabled_rules(self.extra_disabled))
        self._fields = request_fields(self.language, self.extra_disabled)
        self._proxies = proxies

    def check(self, text: str) -> list[LtMatch]:
        """All matches in ``text``, with offsets and lengths in Python code points."""
        with self._lock:
            try:
                raw = self._tool.check(text)
            except Exception as exc:
                if self._restart is None:
                    raise LanguageToolUnavailable(f"LanguageTool check failed at {self.url}: {exc}") from exc
                raw = self._after_restart(lambda: self._tool.check(text), exc)
        index = _Utf16Index(text)
        matches = []
        for m in raw:
            # ltp already moved ``offset`` to code points but left the length in UTF-16 units.
            start16 = index.to_utf16(m.offset)
            end = index.to_codepoint(start16 + m.error_length)
            matches.append(
                LtMatch(
                    rule_id=m.rule_id,
                    category=m.category,
                    issue_type=m.rule_issue_type,
                    message=m.message,
                    offset=m.offset,
                    length=max(0, end - m.offset),
                    replacements=tuple(m.replacements),
                    sentence=getattr(m, "sentence", "") or "",
                    short_message=getattr(m, "shortMessage", "") or "",
                )
            )
        return matches

    def _after_restart(self, attempt: Callable[[], Any], failure: Exception) -> Any:
        """The server died under a check: start it once more and repeat the check (``attempt``); a second
        failure (or a server that cannot start) raises LanguageToolUnavailable."""
        restart, self._restart = self._restart, None
        assert restart is not None
        try:
            self._tool.close()
            self._connect(restart())
            return attempt()
        except Exception as exc:
            raise LanguageToolUnavailable(
                f"LanguageTool stopped answering ({failure}) and failed again after a restart: {exc}"
            ) from exc

    def check_annotated(self, parts: list[Part]) -> tuple[list[LtMatch], list[tuple[int, int]]]:
        """Matches in annotated text (``data=``), and LanguageTool's sentence ranges ``(start, end)``.

        Offsets are code points into the whole text, markup included (the concatenation of every part's
        ``text``); a match on what a markup part was read as lies on that markup.
        """
        import requests

        text = "".join(p.text for p in parts)
        data = json.dumps({"annotation": [p.as_json() for p in parts]}, ensure_ascii=False)

        def post() -> Any:
            response = requests.post(
                f"{self.url}/v2/check",
                data={**self._fields, "data": data},
                proxies=self._proxies,
                timeout=300,
            )
            response.raise_for_status()
            return response.json()

        with self._lock:
            try:
                answer = post()
            except Exception as exc:
                if self._restart is None:
                    raise LanguageToolUnavailable(f"LanguageTool check failed at {self.url}: {exc}") from exc
                answer = self._after_restart(post, exc)
        index = _Utf16Index(text)

        def span(start16: int, length16: int) -> tuple[int, int]:
            return index.to_codepoint(start16), index.to_codepoint(start16 + length16)

        matches = []
        for m in answer.get("matches", []):
            start, end = span(m["offset"], m["length"])
            rule = m.get("rule", {})
            matches.append(
                LtMatch(
                    rule_id=rule.get("id", ""),
                    category=rule.get("category", {}).get("id", ""),
                    issue_type=rule.get("issueType", ""),
                    message=m.get("message", ""),
                    offset=start,
                    length=max(0, end - start),
                    replacements=tuple(r["value"] for r in m.get("replacements", [])),
                    sentence=m.get("sentence", ""),
                    short_message=m.get("shortMessage", ""),
                )
            )
        sentences = [span(a, n) for a, n in answer.get("sentenceRanges", [])]
        return matches, sentences

    def close(self) -> None:
        # Remote mode: closing never stops the server (that is ManagedServer's job).
        self._tool.close()
