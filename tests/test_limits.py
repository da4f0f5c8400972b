"""Limits: inputs over ``max-bytes`` are refused with one line and exit 2 before any work; a page of
100,000 nested elements and a line of megabytes are read without a RecursionError. (Time and memory on
long inputs are measured by ``bench/limits.py``, not by timed tests.)"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from unspin.cli import main
from unspin.config import ConfigError, from_mapping
from unspin.errors import InputError
from unspin.readers import read_text
from unspin.stuffing.repair import line_around, removal


def test_max_bytes_is_validated() -> None:
    assert from_mapping({"max-bytes": 5_000_000}).max_bytes == 5_000_000
    for bad in (0, -1, True, "10MB", 1.5):
        with pytest.raises(ConfigError, match="max-bytes"):
            from_mapping({"max-bytes": bad})


def test_an_input_over_max_bytes_is_refused_with_one_line(tmp_path, capsys, monkeypatch) -> None:
    (tmp_path / "unspin.toml").write_text("max-bytes = 1000\n", encoding="utf-8")
    big = tmp_path / "big.txt"
    big.write_text("A sentence that is long enough. " * 40, encoding="utf-8")
    small = tmp_path / "small.md"
    small.write_text("# Small\n\nA short article.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"

    assert main(["check", str(big), "--no-grammar", "--no-cache"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "1,280 bytes, over the limit of 1,000 bytes (max-bytes" in err[0], err

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(big.read_bytes())))
    assert main(["clean", "-", "--no-grammar"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["unspin: error: <stdin>: over the limit of 1,000 bytes (max-bytes in the configuration)"]

    assert main(["clean", str(big), "--out", str(out), "--no-grammar", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "max-bytes" in err[0] and str(big) in err[0]
    assert not out.exists() or not list(out.glob("big.*"))


def test_a_page_of_100000_nested_elements_is_read_or_refused_in_one_line() -> None:
    page = "<html><body>" + "<div>" * 100_000 + "<p>Deep inside, a short article.</p>" + "</div>" * 100_000
    try:
        doc = read_text(page + "</body></html>", "html", Path("deep.html"))
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("deep.html: ")
    else:
        assert "Deep inside" in doc.source


def test_the_repair_reads_a_bounded_window_of_a_long_line() -> None:
    line = "word " * 1_000_000  # 5 MB, one line
    start = len(line) // 2
    lo, hi = line_around(line, start, start + 4)
    assert hi - lo <= 2 * 512 + 4
    text = "Short line.\nA wedged keyphrase here.\nNext."
    at = text.index("keyphrase")
    assert line_around(text, at, at + 9) == (12, text.index("\nNext"))
    # The repair of an occurrence in the middle of the long line is that of the same words in a short one.
    short = "word " * 40
    assert removal(line, start, start + 4).edit.replacement == removal(short, 100, 104).edit.replacement


def test_the_stuffing_judge_reads_a_bounded_window_of_a_sentence_without_end() -> None:
    """A page that is one line of a repeated phrase is one "sentence" holding the keyphrase hundreds of
    times; each occurrence is judged in a window around it, so the work per occurrence does not grow with
    the page (it grew with the line's length, which made the stage quadratic). Ordinary sentences stay
    whole."""
    from unspin.config import Settings
    from unspin.stages.parse import load_nlp
    from unspin.stuffing.analyse import prepare

    nlp = load_nlp()
    settings = Settings(keyphrase="lower back pain")
    line = read_text("Notes\n\n" + "lower back pain after running " * 300 + "\n", "txt", Path("line.txt"))
    state = prepare(line, nlp(line.prose), settings, nlp)
    assert len(state.pending) == 300
    longest = max(len(p.sentence) for p in state.pending)
    assert longest <= 2 * 50 + 3, longest
    assert all(p.sentence.start_char <= p.occurrence.start < p.sentence.end_char for p in state.pending)

    sentence = "After a long run, lower back pain can come from tight hips and a weak core, so stretch them."
    plain = read_text("Notes\n\n" + sentence + "\n", "txt", Path("plain.txt"))
    (pending,) = prepare(plain, nlp(plain.prose), settings, nlp).pending
    assert pending.sentence.text.strip() == sentence
