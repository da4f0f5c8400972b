"""Count-based baselines for adopting unspin on existing content.

``unspin baseline`` records, per file and rule, how many findings there are and a short hash of each
finding's normalised text, never a line number (any edit above a finding would shift it). With
``--baseline FILE``, ``unspin check`` reports a file's findings for a rule only when that file now has
more of them than recorded; of those, the ones whose text the baseline already knows are left out, so
what is reported is what is new. Entries that now have fewer findings than recorded are *stale*: the
baseline can be pruned by writing it again.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unspin import __version__
from unspin.document import Finding
from unspin.emitters.atomic import write_text_atomic
from unspin.errors import UnspinError

SCHEMA = "unspin-baseline/1"
DEFAULT_FILE = ".unspin-baseline.json"


class BaselineError(UnspinError):
    """An unreadable or malformed baseline file (exit status 2)."""


def text_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.lower().split()).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class StaleEntry:
    path: str
    code: str
    recorded: int
    found: int  # 0 when the file no longer exists


@dataclass
class _Entry:
    count: int
    texts: Counter[str]


@dataclass
class Baseline:
    files: dict[str, dict[str, _Entry]] = field(default_factory=dict)
    # (path, code) → findings seen in this run, for the stale report.
    _seen: dict[tuple[str, str], int] = field(default_factory=dict)
    _checked: set[str] = field(default_factory=set)

    @classmethod
    def from_findings(cls, per_file: Iterable[tuple[str, list[tuple[str, str]]]]) -> Baseline:
        """``per_file``: (display path, [(rule code, finding text), …]) for every checked file."""
        files: dict[str, dict[str, _Entry]] = {}
        for path, findings in per_file:
            rules: dict[str, _Entry] = {}
            for code, text in findings:
                entry = rules.setdefault(code, _Entry(0, Counter()))
                entry.count += 1
                entry.texts[text_hash(text)] += 1
            if rules:
                files[path] = rules
        return cls(files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "tool": {"name": "unspin", "version": __version__},
            "files": {
                path: {
                    code: {"count": entry.count, "texts": sorted(entry.texts.elements())}
                    for code, entry in sorted(rules.items())
                }
                for path, rules in sorted(self.files.items())
            },
        }

    def write(self, path: Path) -> None:
        write_text_atomic(path, json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            hint = "create it with `unspin baseline`"
            raise BaselineError(f"{path}: baseline file not found ({hint})") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BaselineError(f"{path}: cannot read baseline ({exc})") from None
        valid = isinstance(data, dict) and data.get("schema") == SCHEMA
        valid = valid and isinstance(data.get("files"), dict)
        if not valid:
            raise BaselineError(f"{path}: not an unspin baseline (expected schema {SCHEMA!r})")
        files: dict[str, dict[str, _Entry]] = {}
        for file_path, rules in data["files"].items():
            if not isinstance(rules, dict):
                raise BaselineError(f"{path}: files.{file_path}: expected a table of rule codes")
            files[file_path] = {}
            for code, entry in rules.items():
                count = entry.get("count") if isinstance(entry, dict) else None
                texts = entry.get("texts", []) if isinstance(entry, dict) else None
                if not isinstance(count, int) or count < 0 or not isinstance(texts, list):
                    raise BaselineError(f"{path}: files.{file_path}.{code}: expected {{count, texts}}")
                files[file_path][code] = _Entry(count, Counter(str(t) for t in texts))
        return cls(files)

    def filter(
        self, path: str, findings: list[Finding], text_of: Callable[[Finding], str]
    ) -> tuple[list[Finding], int]:
        """The findings of one file that are new with respect to the baseline, and how many were known."""
        self._checked.add(path)
        recorded = self.files.get(path, {})
        by_code: dict[str, list[Finding]] = {}
        for finding in findings:
            by_code.setdefault(finding.rule, []).append(finding)
        kept: list[Finding] = []
        known = 0
        for code, group in by_code.items():
            self._seen[(path, code)] = len(group)
            entry = recorded.get(code)
            if entry is None:
                kept.extend(group)
                continue
            if len(group) <= entry.count:
                known += len(group)
                continue
            remaining = Counter(entry.texts)
            new: list[Finding] = []
            for finding in group:
                digest = text_hash(text_of(finding))
                if remaining[digest] > 0:
                    remaining[digest] -= 1
                else:
                    new.append(finding)
            # More findings than recorded: at least (found - recorded) are new; the ones whose text
            # the baseline does not know are reported.
            kept.extend(new)
            known += len(group) - len(new)
        kept.sort(key=lambda f: (f.start, f.end, f.rule))
        return kept, known

    def stale(self, root: Path) -> list[StaleEntry]:
        """Entries recording more findings than this run found, for files checked in this run or
        files that no longer exist."""
        entries: list[StaleEntry] = []
        for path, rules in sorted(self.files.items()):
            checked = path in self._checked
            if not checked and (root / path).exists():
                continue
            for code, entry in sorted(rules.items()):
                found = self._seen.get((path, code), 0)
                if found < entry.count:
                    entries.append(StaleEntry(path, code, entry.count, found))
        return entries
