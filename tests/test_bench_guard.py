"""Regression guard: a fast subset of the accuracy benchmark must keep its measured quality.

The subset (a few tune articles, one thesaurus and rate, no grammar stage) and its thresholds live in
``bench/data/guard.toml``; the thresholds sit just below the values measured on it, so a change that
makes unspin repair less, damage more or flag clean text fails here. The full benchmark is
``python -m bench.evaluate``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from bench.common import load_corpus
from bench.evaluate import evaluate

GUARD = Path(__file__).resolve().parents[1] / "bench" / "data" / "guard.toml"


@pytest.fixture(scope="module")
def guard() -> dict[str, Any]:
    return tomllib.loads(GUARD.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def measured(guard: dict[str, Any]) -> dict[str, Any]:
    subset = guard["subset"]
    articles = load_corpus(split=subset["split"], limit=subset["articles"])
    assert len(articles) == subset["articles"], "the benchmark corpus is missing articles"
    results = evaluate(
        articles,
        [subset["thesaurus"]],
        [subset["rate"]],
        seed=subset["seed"],
        grammar=False,
        use_cache=False,
    )
    safe = results["modes"]["safe"]
    return {"spun": safe["spun"]["all"], "clean": safe["clean"]["all"]}


def _check(section: str, limits: dict[str, float], values: dict[str, Any]) -> list[str]:
    failures = []
    for name, limit in limits.items():
        bound, metric = name.split("_", 1)
        value = values[metric]
        print(f"{section}.{metric} = {value} ({bound} {limit})")
        if value is None:
            failures.append(f"{section}.{metric} was not measured")
        elif bound == "min" and value < limit:
            failures.append(f"{section}.{metric} = {value:.3f} < {limit}")
        elif bound == "max" and value > limit:
            failures.append(f"{section}.{metric} = {value:.3f} > {limit}")
    return failures


@pytest.mark.slow
def test_spun_subset_meets_thresholds(guard: dict[str, Any], measured: dict[str, Any]) -> None:
    failures = _check("spun", guard["spun"], measured["spun"])
    assert not failures, "; ".join(failures)


@pytest.mark.slow
def test_clean_subset_meets_thresholds(guard: dict[str, Any], measured: dict[str, Any]) -> None:
    failures = _check("clean", guard["clean"], measured["clean"])
    assert not failures, "; ".join(failures)
