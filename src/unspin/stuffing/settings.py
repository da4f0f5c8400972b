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
    """Defaults merged with ``[tool.unspin.stages.stuffing]``: tables merge key by key at every depth, so
    ``[…stuffing.classify.weights] lm_rank = 4.0`` changes that one weight and keeps the others."""
    merged = copy.deepcopy(_defaults())
    _merge(merged, overrides or {})
    return merged


def _merge(into: dict[str, Any], overrides: dict[str, Any]) -> None:
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)
