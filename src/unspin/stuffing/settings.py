"""The stuffing stage's thresholds: packaged defaults, overridden per table by the run's stage options."""

from __future__ import annotations

import copy
import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def _defaults() -> dict[str, Any]:
    text = (resources.files("unspin") / "data" / "stuffing" / "thresholds.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def thresholds(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults merged with ``[tool.unspin.stages.stuffing]`` (tables merge key by key)."""
    merged = copy.deepcopy(_defaults())
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key].update(value)
        else:
            merged[key] = value
    return merged
