"""End to end on input/: the real spaCy pipeline, the real LanguageTool server, the output contract,
idempotence and determinism."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from unspin.cli import main

ROOT = Path(__file__).resolve().parent.parent
INPUT = ROOT / "input"


@pytest.fixture(scope="module")
def schema() -> dict:
    text = (resources.files("unspin") / "data" / "schema" / "unspin-1.schema.json").read_text("utf-8")
    return json.loads(text)


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory, languagetool_url) -> Path:
    out = tmp_path_factory.mktemp("out")
    status = main(["clean", str(INPUT), "--out", str(out), "--quiet", "--languagetool-url", languagetool_url])
    assert status == 0
    return out


def inputs() -> list[Path]:
    return sorted(p for p in INPUT.iterdir() if p.suffix in (".txt", ".md", ".html"))


def test_every_input_has_markdown_and_valid_json(cleaned, schema):
    validator = jsonschema.Draft202012Validator(schema)
    for source in inputs():
        md = cleaned / f"{source.stem}.md"
        data = json.loads((cleaned / f"{source.stem}.json").read_text("utf-8"))
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
        assert not errors, f"{source.name}: {errors[0].message} at {list(errors[0].path)}"
        assert md.read_text("utf-8").startswith("---\ntitle: ")
        # Offsets, lines and columns agree with the source text.
        text = data["source_text"]
        for f in data["findings"]:
            assert text[f["start"] : f["end"]] == f["text"]
            assert f["line"] == text.count("\n", 0, f["start"]) + 1
        assert data["skipped"] == {}, data["skipped"]  # grammar really ran
    report = json.loads((cleaned / "report.json").read_text("utf-8"))
    assert report["summary"]["files"] == len(inputs())
    assert (cleaned / "report.html").is_file()


def test_seed_article_is_cleaned(cleaned):
    data = json.loads((cleaned / "lower-back-pain-after-running.json").read_text("utf-8"))
    clean = data["clean_text"]
    assert data["keyphrase"] == "lower back pain after running treatment"
    assert "Leave a Reply" not in clean and "Required fields" not in clean
    assert "\n1. Position your arms" in clean
    # The stuffed keyphrase no longer sits inside body sentences.
    body = clean.split("\n", 1)[1]
    assert body.lower().count("lower back pain after running treatment") == 0
    assert data["scores"]["overall"] > data["scores"]["before"]["overall"]
    categories = {f["category"] for f in data["findings"]}
    assert {"spin", "stuffing", "boilerplate", "grammar"} <= categories


def test_clean_article_is_left_alone(cleaned):
    data = json.loads((cleaned / "keeping-houseplants-alive-in-winter.json").read_text("utf-8"))
    assert [f for f in data["findings"] if f["category"] in ("spin", "stuffing") and f["applied"]] == []
    source = (INPUT / "keeping-houseplants-alive-in-winter.txt").read_text("utf-8")
    assert " ".join(data["clean_text"].split()) == " ".join(source.split())


def test_deterministic_bytes(cleaned, tmp_path, languagetool_url):
    again = tmp_path / "again"
    status = main(
        ["clean", str(INPUT), "--out", str(again), "--quiet", "--languagetool-url", languagetool_url]
    )
    assert status == 0
    for path in sorted(cleaned.glob("*.*")):
        if path.suffix in (".md", ".json", ".html"):
            assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def test_idempotent_on_its_own_output(cleaned, tmp_path, languagetool_url):
    first = tmp_path / "first"
    first.mkdir()
    for source in inputs():
        shutil.copy(cleaned / f"{source.stem}.md", first / f"{source.stem}.md")
    second = tmp_path / "second"
    status = main(
        ["clean", str(first), "--out", str(second), "--quiet", "--languagetool-url", languagetool_url]
    )
    assert status == 0
    for source in inputs():
        once = json.loads((cleaned / f"{source.stem}.json").read_text("utf-8"))
        twice = json.loads((second / f"{source.stem}.json").read_text("utf-8"))
        assert twice["clean_text"] == once["clean_text"], source.name
        assert [f for f in twice["findings"] if f["applied"]] == [], source.name


def test_stdin_to_stdout(capsys, monkeypatch, languagetool_url):
    import io
    import sys

    text = (INPUT / "lower-back-pain-after-running.txt").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    assert main(["clean", "-", "--languagetool-url", languagetool_url]) == 0
    out = capsys.readouterr().out
    assert out.startswith("---\n") and "Leave a Reply" not in out
