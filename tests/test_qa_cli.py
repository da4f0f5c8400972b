"""The command line under stress: Ctrl-C during a parallel batch, an output folder that cannot be
written, stdin given to `check`, and where diagnostics point."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from unspin.cli import main

ARTICLE = (
    "# Article {n}\n\nThis is article number {n} about caring for a garden in spring. Water the seedlings "
    "every morning before the sun is high.\n\nAdd compost to the beds in autumn so that the soil is rich "
    "when planting starts again.\n"
)


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (pool workers are the fork server's children)."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    children = [int(x) for x in out.split()]
    return children + [d for c in children for d in _descendants(c)]


def _running(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except FileNotFoundError:
        return False


def test_ctrl_c_during_a_parallel_batch_stops_at_once_and_leaves_nothing_behind(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(240):
        (folder / f"a{n}.md").write_text(ARTICLE.format(n=n), encoding="utf-8")
    out = tmp_path / "out"
    # A child started in the background ignores SIGINT; restore Python's handler as a terminal would.
    code = (
        "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "from unspin.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "clean", str(folder), "--out", str(out), "--jobs", "2", "--no-grammar"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while len(_descendants(proc.pid)) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    workers = _descendants(proc.pid)  # the fork server and the two workers
    assert len(workers) >= 3, "the worker processes never started"
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert time.monotonic() - started < 3, "the queued chunks ran before the exit"
    assert "unspin: interrupted" in err and "Traceback" not in err
    # The workers are terminated, not waited for; the fork server ends when the batch's process does.
    while any(_running(pid) for pid in workers) and time.monotonic() - started < 3:
        time.sleep(0.05)
    assert not [pid for pid in workers if _running(pid)], "a worker outlived the batch"
    leftovers = [p.name for p in out.rglob("*") if p.name.startswith(".")] if out.exists() else []
    assert leftovers == []


def test_output_folder_that_cannot_be_written_is_one_clear_error(tmp_path: Path, capsys) -> None:
    article = tmp_path / "post.md"
    article.write_text(ARTICLE.format(n=1), encoding="utf-8")
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x", encoding="utf-8")
    status = main(["clean", str(article), "--out", str(blocker / "out"), "--no-grammar", "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.strip().splitlines() == [
        f"unspin: error: {blocker / 'out'}: cannot write output there (Not a directory)"
    ]


def test_check_of_stdin_is_a_clear_usage_error(capsys) -> None:
    status = main(["check", "-", "--no-grammar"])
    captured = capsys.readouterr()
    assert status == 2
    assert "All clear" not in captured.out
    assert "unspin clean -" in captured.err and len(captured.err.strip().splitlines()) == 1


def test_a_removed_block_is_reported_at_its_first_word_not_the_blank_line(tmp_path: Path, capsys) -> None:
    article = tmp_path / "post.md"
    article.write_text(
        "# Post\n\nA paragraph about repotting a plant in spring with fresh soil.\n\n"
        "Leave a Reply Cancel reply\n\n"
        "Your email address will not be published. Required fields are marked *\n",
        encoding="utf-8",
    )
    status = main(["check", str(article), "--no-grammar", "--no-cache", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 0
    (diagnostic,) = [d for d in report["files"][0]["diagnostics"] if d["code"] == "BOIL001"]
    assert diagnostic["start"]["line"] == 5 and diagnostic["start"]["column"] == 1
    assert diagnostic["text"].startswith("Leave a Reply") and diagnostic["text"].endswith("marked *")
    # The fix still takes the blank line before the form, so no empty line is left at the end.
    edit = diagnostic["fix"]["edits"][0]
    assert edit["start"]["line"] == 4


def test_whitespace_messages_spell_out_tabs_and_no_break_spaces_once(tmp_path: Path, capsys) -> None:
    article = tmp_path / "note.txt"
    article.write_text("A note\n\nIt has a\t\ttab run and a\u00a0 no-break run in it.\n", encoding="utf-8")
    main(["check", str(article), "--no-grammar", "--no-cache", "--format", "json"])
    messages = {d["message"] for d in json.loads(capsys.readouterr().out)["files"][0]["diagnostics"]}
    assert "run of '\\t\\t' spaces" in messages
    assert "run of '\\u00a0 ' spaces" in messages
    assert not any("\\\\" in m for m in messages)
