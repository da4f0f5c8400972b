"""Settings: defaults, then ``[tool.unspin]`` in pyproject.toml or ``unspin.toml``, then the command line.

Each key is validated when read; an unknown key or a value of the wrong kind raises
:class:`ConfigError` naming the key, which the CLI turns into exit status 2.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from unspin.document import Applicability
from unspin.errors import UnspinError


class ConfigError(UnspinError):
    """An invalid configuration value; the message names the offending key."""


FAIL_LEVELS = ("info", "warning", "error", "never")
LT_MODES = ("auto", "required", "off")
SEVERITIES = ("info", "warning", "error")
OUTPUT_FORMATS = ("text", "json", "jsonl", "sarif", "github", "rdjson", "junit", "gitlab")
EXECUTORS = ("local", "dask")


@dataclass(frozen=True)
class LanguageToolSettings:
    mode: str = "auto"  # auto: use if it can start; required: exit 2 if not; off: never
    url: str | None = None  # an existing server instead of starting one
    version: str = "6.8"
    heap: str = "1g"
    start_timeout: float = 120.0
    cache_dir: str | None = None  # default: $UNSPIN_CACHE_DIR or the XDG cache
    language: str = "en-US"
    # Set by a multi-process batch when its parent could not start a server: the reason, so that
    # workers skip grammar checks instead of each trying (and failing) to start their own.
    unavailable: str | None = None
    # Runtime only: ``url`` is the server the batch itself started for its workers (reported as "managed",
    # as a server started in-process is, so that outputs do not depend on how many processes ran).
    batch_server: bool = False


@dataclass(frozen=True)
class Settings:
    """The effective configuration of one run."""

    unsafe_fixes: bool = False
    fix: bool = True  # apply fixes when producing clean text
    fail_level: str = "error"
    keyphrase: str | None = None
    # Keyphrase per file glob, e.g. {"posts/running-*.md": "lower back pain"}.
    keyphrases: dict[str, str] = field(default_factory=dict)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    include: tuple[str, ...] = ("*.txt", "*.md", "*.markdown", "*.html", "*.htm")
    exclude: tuple[str, ...] = ()
    disabled_stages: tuple[str, ...] = ()
    lexicons: tuple[str, ...] = ()  # extra lexicon files (user additions)
    languagetool: LanguageToolSettings = field(default_factory=LanguageToolSettings)
    # Per-stage options (thresholds etc.), e.g. {"spin": {"min_confidence": 0.6}}.
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    jobs: int = 1
    source: str | None = None  # the file these settings came from, if any
    # Added to ``exclude`` (so a project can keep the defaults and add its own).
    extend_exclude: tuple[str, ...] = ()
    # Rule codes (or prefixes) ignored in files matching a glob, e.g. {"legacy/*.md": ("STUF",)}.
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Apply exclusions to files named on the command line too (pre-commit names files explicitly).
    force_exclude: bool = False
    output_format: str | None = None  # default format of `unspin check`
    fail_under: float | None = None  # `unspin check` fails when a file's overall score is below this
    cache: bool = True
    cache_dir: str | None = None  # default: .unspin-cache/ beside the config file, else the user cache
    baseline: str | None = None  # default baseline file of `unspin check`
    # The spin stage's judge: the contextual language model (default) or, with ``fast``, the trigram path.
    fast: bool = False
    # Exit 2 when the contextual model is not installed (default: warn and take the trigram path).
    require_model: bool = False
    # Larger files are refused (exit 2, one line naming this limit) before they are read. Time grows
    # linearly with size; a file at this limit is minutes of work (README, "Reliability").
    max_bytes: int = 2_000_000
    # Where `unspin clean` runs its chunks: "local" (this process, or a pool of `jobs` processes) or "dask"
    # (a LocalCluster of `jobs` workers, or the cluster whose scheduler is at `scheduler`).
    executor: str = "local"
    scheduler: str | None = None
    # Dask workers read inputs and write outputs by path themselves (they share the client's filesystem).
    shared_fs: bool = False
    # From this many articles on, report.html is an overview page with one page per article beside it.
    report_paged_from: int = 500

    @property
    def fix_applicability(self) -> Applicability:
        if not self.fix:
            # Nothing is applied: a minimum that no fix reaches.
            return _NEVER
        return Applicability.UNSAFE if self.unsafe_fixes else Applicability.SAFE

    def stage(self, name: str) -> dict[str, Any]:
        return self.stages.get(name, {})

    @property
    def root(self) -> Path:
        """The folder relative globs are matched from: the config file's folder, else the working one."""
        return Path(self.source).resolve().parent if self.source else Path.cwd().resolve()

    def _relative(self, path: Path) -> str:
        resolved = path.resolve()
        try:
            return resolved.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def is_excluded(self, path: Path) -> bool:
        """Whether ``exclude``/``extend-exclude`` match the file or one of its folders."""
        patterns = (*self.exclude, *self.extend_exclude)
        return bool(patterns) and glob_matches(self._relative(path), patterns)

    def keyphrase_for(self, path: Path | None) -> str | None:
        """The configured keyphrase of a file: the first matching ``keyphrases`` glob, else ``keyphrase``."""
        if path is not None:
            rel = self._relative(path)
            for pattern, phrase in self.keyphrases.items():
                if glob_matches(rel, (pattern,)):
                    return phrase
        return self.keyphrase

    def rule_enabled(self, code: str, path: Path | None = None) -> bool:
        """``select``/``ignore`` (ruff's prefix semantics), then ``per-file-ignores`` for this file."""
        from unspin.rules import selected

        if not selected(code, self.select, self.ignore):
            return False
        if path is not None and self.per_file_ignores:
            rel = self._relative(path)
            for pattern, codes in self.per_file_ignores.items():
                if glob_matches(rel, (pattern,)) and any(code.startswith(c) for c in codes):
                    return False
        return True

    def severity_for(self, code: str, default: str) -> str:
        """The configured severity of a rule: the longest matching code prefix in ``severity`` wins."""
        best = max((p for p in self.severity if code.startswith(p)), key=len, default=None)
        return self.severity[best] if best is not None else default

    def with_overrides(self, **overrides: Any) -> Settings:
        clean = {k: v for k, v in overrides.items() if v is not None}
        if "languagetool" in clean and isinstance(clean["languagetool"], dict):
            clean["languagetool"] = replace(self.languagetool, **clean["languagetool"])
        return replace(self, **clean)


class _Never:
    """An applicability rank no fix reaches (used when fixing is turned off)."""

    rank = 99
    value = "never"


_NEVER: Any = _Never()

_KEY_ALIASES = {k.replace("_", "-"): k for k in (f.name for f in fields(Settings))}


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a glob: ``**`` spans folders, ``*`` and ``?`` stay within one path segment."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif ch == "*":
            out.append("[^/]*")
            i += 1
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(ch))
            i += 1
    return re.compile("".join(out))


def glob_matches(rel_path: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """gitignore-like matching of a ``/``-separated relative path. A pattern without a slash matches
    the file name or any folder name at any depth (``drafts`` excludes everything below every
    ``drafts/``); a pattern with one matches the path or one of its parent folders from the root."""
    path = PurePosixPath(rel_path)
    names = [*path.parts]
    prefixes = [rel_path, *(p.as_posix() for p in path.parents if p.as_posix() != ".")]
    for pattern in patterns:
        pat = pattern.rstrip("/")
        if pat.startswith("./"):
            pat = pat[2:]
        regex = _glob_regex(pat)
        candidates = names if "/" not in pat else prefixes
        if any(regex.fullmatch(c) for c in candidates):
            return True
    return False


def _check_rule_selectors(key: str, values: tuple[str, ...]) -> None:
    """Every code or prefix must name at least one registered rule (a typo would silently do nothing)."""
    from unspin.rules import registry

    codes = registry()
    for value in values:
        if value != value.upper() or not any(code.startswith(value) for code in codes):
            raise ConfigError(f"{key}: unknown rule code or prefix {value!r} (see `unspin rules`)")


def _as_tuple(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{key}: expected a list of strings")


def from_mapping(data: dict[str, Any], source: str | None = None) -> Settings:
    """Build validated Settings from a ``[tool.unspin]``-style table."""
    where = f" in {source}" if source else ""
    kwargs: dict[str, Any] = {"source": source}
    for raw_key, value in data.items():
        key = _KEY_ALIASES.get(raw_key, raw_key.replace("-", "_"))
        if key == "languagetool":
            kwargs[key] = _languagetool(value, where)
        elif key in ("select", "ignore"):
            kwargs[key] = _as_tuple(raw_key + where, value)
            _check_rule_selectors(raw_key + where, kwargs[key])
        elif key in ("include", "exclude", "extend_exclude", "disabled_stages", "lexicons"):
            kwargs[key] = _as_tuple(raw_key + where, value)
        elif key == "per_file_ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{raw_key}{where}: expected a table of glob = [rule codes]")
            table = {}
            for pattern, codes in value.items():
                item_key = f"{raw_key}.{pattern!r}{where}"
                table[pattern] = _as_tuple(item_key, codes)
                _check_rule_selectors(item_key, table[pattern])
            kwargs[key] = table
        elif key in ("force_exclude", "cache", "fast", "require_model"):
            if not isinstance(value, bool):
                raise ConfigError(f"{raw_key}{where}: expected true or false")
            kwargs[key] = value
        elif key == "output_format":
            if value not in OUTPUT_FORMATS:
                raise ConfigError(f"{raw_key}{where}: expected one of {', '.join(OUTPUT_FORMATS)}")
            kwargs[key] = value
        elif key == "fail_under":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
                raise ConfigError(f"{raw_key}{where}: expected a score from 0 to 100")
            kwargs[key] = float(value)
        elif key in ("cache_dir", "baseline"):
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{raw_key}{where}: expected a path")
            kwargs[key] = value
        elif key in ("unsafe_fixes", "fix"):
            if not isinstance(value, bool):
                raise ConfigError(f"{raw_key}{where}: expected true or false")
            kwargs[key] = value
        elif key == "fail_level":
            if value not in FAIL_LEVELS:
                raise ConfigError(f"{raw_key}{where}: expected one of {', '.join(FAIL_LEVELS)}")
            kwargs[key] = value
        elif key == "keyphrase":
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{raw_key}{where}: expected a non-empty string")
            kwargs[key] = value.strip()
        elif key in ("keyphrases", "severity"):
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(f"{raw_key}{where}: expected a table of strings")
            if key == "severity":
                bad = [k for k, v in value.items() if v not in SEVERITIES]
                if bad:
                    raise ConfigError(f"severity.{bad[0]}{where}: expected info, warning or error")
                for code in value:
                    _check_rule_selectors(f"severity.{code}{where}", (code,))
            kwargs[key] = dict(value)
        elif key == "stages":
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                raise ConfigError(f"{raw_key}{where}: expected a table of tables")
            kwargs[key] = {k: dict(v) for k, v in value.items()}
        elif key == "executor":
            if value not in EXECUTORS:
                raise ConfigError(f"{raw_key}{where}: expected one of {', '.join(EXECUTORS)}")
            kwargs[key] = value
        elif key == "scheduler":
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{raw_key}{where}: expected a scheduler address (tcp://host:8786)")
            kwargs[key] = value.strip()
        elif key == "shared_fs":
            if not isinstance(value, bool):
                raise ConfigError(f"{raw_key}{where}: expected true or false")
            kwargs[key] = value
        elif key in ("jobs", "max_bytes", "report_paged_from"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{raw_key}{where}: expected a positive integer")
            kwargs[key] = value
        else:
            raise ConfigError(f"{raw_key}{where}: unknown configuration key")
    return Settings(**kwargs)


def _languagetool(value: Any, where: str) -> LanguageToolSettings:
    if not isinstance(value, dict):
        raise ConfigError(f"languagetool{where}: expected a table")
    known = {f.name for f in fields(LanguageToolSettings)} - {"unavailable", "batch_server"}  # runtime-only
    kwargs: dict[str, Any] = {}
    for raw_key, item in value.items():
        key = raw_key.replace("-", "_")
        if key not in known:
            raise ConfigError(f"languagetool.{raw_key}{where}: unknown configuration key")
        if key == "mode" and item not in LT_MODES:
            raise ConfigError(f"languagetool.mode{where}: expected one of {', '.join(LT_MODES)}")
        if key == "start_timeout":
            if not isinstance(item, int | float) or item <= 0:
                raise ConfigError(f"languagetool.{raw_key}{where}: expected a positive number")
            item = float(item)
        elif not isinstance(item, str):
            raise ConfigError(f"languagetool.{raw_key}{where}: expected a string")
        kwargs[key] = item
    return LanguageToolSettings(**kwargs)


def load_file(path: Path) -> Settings:
    """Settings from ``unspin.toml`` (top-level keys) or ``pyproject.toml`` (``[tool.unspin]``)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from exc
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("unspin", {})
    return from_mapping(data, str(path))


def discover(start: Path) -> Path | None:
    """The nearest ``unspin.toml``, or ``pyproject.toml`` with a ``[tool.unspin]`` table, upwards."""
    here = start.resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / "unspin.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                if "unspin" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}):
                    return pyproject
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
    return None


def load(config_path: Path | None = None, start: Path | None = None) -> Settings:
    """Settings from an explicit file, else the one discovered from ``start``, else defaults."""
    if config_path is not None:
        if not config_path.is_file():
            raise ConfigError(f"{config_path}: config file not found")
        return load_file(config_path)
    found = discover(start or Path.cwd())
    return load_file(found) if found else Settings()


def effective(settings: Settings) -> dict[str, Any]:
    """The settings as a ``[tool.unspin]``-style table (kebab-case keys), for ``unspin show-config``."""
    table: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name == "source":
            continue
        value = getattr(settings, f.name)
        if f.name == "languagetool":
            value = {k.name.replace("_", "-"): getattr(value, k.name) for k in fields(LanguageToolSettings)}
        table[f.name.replace("_", "-")] = value
    return table


def to_toml(table: dict[str, Any], prefix: str = "") -> str:
    """A small TOML writer for the value kinds settings hold (no dependency needed for one command).
    Keys whose value is None are written as comments, since TOML has no null."""
    lines: list[str] = []
    subtables: list[tuple[str, dict[str, Any]]] = []
    for key, value in table.items():
        name = _toml_key(key)
        if isinstance(value, dict):
            subtables.append((f"{prefix}{name}", value))
        elif value is None:
            lines.append(f"# {name} is not set")
        else:
            lines.append(f"{name} = {_toml_value(value)}")
    out = "\n".join(lines) + ("\n" if lines else "")
    for name, sub in subtables:
        out += f"\n[{name}]\n" + to_toml(sub, f"{name}.")
    return out


def _toml_key(key: str) -> str:
    bare = key.replace("-", "").replace("_", "").isalnum()
    return key if bare else _toml_value(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        return f'"{escaped}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
