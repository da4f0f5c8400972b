"""Settings: defaults, then ``[tool.unspin]`` in pyproject.toml or ``unspin.toml``, then the command line.

Each key is validated when read; an unknown key or a value of the wrong kind raises
:class:`ConfigError` naming the key, which the CLI turns into exit status 2.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from unspin.document import Applicability
from unspin.errors import UnspinError


class ConfigError(UnspinError):
    """An invalid configuration value; the message names the offending key."""


FAIL_LEVELS = ("info", "warning", "error", "never")
LT_MODES = ("auto", "required", "off")


@dataclass(frozen=True)
class LanguageToolSettings:
    mode: str = "auto"  # auto: use if it can start; required: exit 2 if not; off: never
    url: str | None = None  # an existing server instead of starting one
    version: str = "6.8"
    heap: str = "1g"
    start_timeout: float = 120.0
    cache_dir: str | None = None  # default: $UNSPIN_CACHE_DIR or the XDG cache
    language: str = "en-US"


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

    @property
    def fix_applicability(self) -> Applicability:
        if not self.fix:
            # Nothing is applied: a minimum that no fix reaches.
            return _NEVER
        return Applicability.UNSAFE if self.unsafe_fixes else Applicability.SAFE

    def stage(self, name: str) -> dict[str, Any]:
        return self.stages.get(name, {})

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
        elif key in ("select", "ignore", "include", "exclude", "disabled_stages", "lexicons"):
            kwargs[key] = _as_tuple(raw_key + where, value)
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
                bad = [k for k, v in value.items() if v not in ("info", "warning", "error")]
                if bad:
                    raise ConfigError(f"severity.{bad[0]}{where}: expected info, warning or error")
            kwargs[key] = dict(value)
        elif key == "stages":
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                raise ConfigError(f"{raw_key}{where}: expected a table of tables")
            kwargs[key] = {k: dict(v) for k, v in value.items()}
        elif key == "jobs":
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{raw_key}{where}: expected a positive integer")
            kwargs[key] = value
        else:
            raise ConfigError(f"{raw_key}{where}: unknown configuration key")
    return Settings(**kwargs)


def _languagetool(value: Any, where: str) -> LanguageToolSettings:
    if not isinstance(value, dict):
        raise ConfigError(f"languagetool{where}: expected a table")
    known = {f.name for f in fields(LanguageToolSettings)}
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
