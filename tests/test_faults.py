"""Fault injection: unspin survives what goes wrong around it, loses no article and leaves no half file.

- the LanguageTool JVM killed mid-batch: started again once; killed again with no way back, grammar checks
  are skipped with the reason recorded in each JSON, and every article is still written;
- SIGINT and SIGTERM mid-batch: exit 130 / 143, only complete outputs, no temporary files, and a re-run
  finishes the batch;
- the output disk full or read-only: one clear line, exit 2, no truncated file;
- an input file removed or changed while the batch runs;
- a language model file missing or corrupt: one clear line, exit 2, nothing written.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from unspin import api
from unspin.cli import main
from unspin.config import Settings
from unspin.neural.store import require

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = (
    "A note on {topic}\n\n"
    "Risk factors can contribute to the development of lower back pain in runners. "
    "Stretch before every run about {topic} and rest when the muscles feel sore.\n\n"
    "Leave a Reply\n\nYour email address will not be published.\n"
)
TOPICS = ("tea", "bread", "bicycles", "canals", "ferns", "maps", "owls", "kites", "tides", "salt")


def _articles(folder: Path, count: int = len(TOPICS)) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for topic in TOPICS[:count]:
        path = folder / f"{topic}.txt"
        path.write_text(ARTICLE.format(topic=topic), encoding="utf-8")
        paths.append(path)
    return paths


def _leftovers(folder: Path) -> list[str]:
    """Temporary files of atomic writes (``.NAME.xxxx.tmp``) or the writability probe."""
    return sorted(p.name for p in folder.rglob(".*") if p.is_file())


def _complete_pairs(out: Path) -> set[str]:
    """Stems whose .md and .json are both there and whole (the JSON parses, the Markdown ends its line)."""
    stems = set()
    for md in out.glob("*.md"):
        js = md.with_suffix(".json")
        assert js.exists(), f"{md.name} without its JSON"
        json.loads(js.read_text(encoding="utf-8"))
        assert md.read_text(encoding="utf-8").endswith("\n")
        stems.add(md.stem)
    for js in out.glob("*.json"):
        if js.name != "report.json":
            assert js.with_suffix(".md").exists(), f"{js.name} without its Markdown"
    return stems


# ------------------------------------------------------------------------------------- LanguageTool


@pytest.mark.slow
def test_languagetool_killed_mid_batch_is_restarted_once_then_skipped(tmp_path, monkeypatch, capsys):
    from unspin.languagetool import server as lt_server

    inputs = _articles(tmp_path / "in", 3)
    out = tmp_path / "out"
    killed: list[int] = []

    def kill_server() -> None:
        (live,) = list(lt_server._LIVE)
        assert live.pid is not None
        os.kill(live.pid, signal.SIGKILL)
        killed.append(live.pid)

    def on_progress(done: int, _total: int) -> None:
        if done == 1:
            kill_server()  # the next article's check finds the JVM gone: restarted once
        elif done == 2:
            kill_server()

            def cannot_start(self: object) -> None:
                raise lt_server.LanguageToolUnavailable("the LanguageTool server exited while starting")

            monkeypatch.setattr(lt_server.ManagedServer, "start", cannot_start)

    settings = Settings(cache=False)
    result = api.clean_paths([str(tmp_path / "in")], out, settings, on_progress=on_progress, batch_size=1)
    assert len(killed) == 2
    assert result.problems == []
    assert _complete_pairs(out) == {p.stem for p in inputs}
    docs = {p.stem: json.loads((out / f"{p.stem}.json").read_text("utf-8")) for p in inputs}
    # Processed in sorted order: the first was checked, the second by the restarted server; the third
    # found it dead again (one restart only) and says why.
    first, second, third = sorted(docs)
    for name in (first, second):
        assert "grammar" not in docs[name]["skipped"] and "grammar" in docs[name]["analysis"], name
    assert "LanguageTool" in docs[third]["skipped"]["grammar"]
    assert "grammar checks skipped" in capsys.readouterr().err
    assert not lt_server._LIVE, "a server was left running"


# ------------------------------------------------------------------------------------ signals


def _run_until_first_output(args: list[str], out: Path, sig: int) -> subprocess.CompletedProcess[str]:
    child = subprocess.Popen(
        [sys.executable, "-m", "unspin.cli", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])},
    )
    deadline = time.monotonic() + 600
    while not list(out.glob("*.json")) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert child.poll() is None, f"the batch ended before it could be interrupted: {child.communicate()}"
    child.send_signal(sig)
    stdout, stderr = child.communicate(timeout=120)
    return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_mid_batch_leaves_whole_outputs_and_a_rerun_finishes(tmp_path, sig, status):
    inputs = _articles(tmp_path / "in")
    out = tmp_path / "out"
    args = ["clean", str(tmp_path / "in"), "--out", str(out), "--no-grammar", "--quiet"]
    # Ten articles: the first chunk of eight is written, then the signal comes during the second.
    config = tmp_path / "in" / "unspin.toml"
    config.write_text("cache = false\n", encoding="utf-8")
    done = _run_until_first_output([*args, "--config", str(config)], out, sig)
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] in ("unspin: interrupted", "unspin: terminated")
    finished = _complete_pairs(out)
    assert 1 <= len(finished) < len(inputs)
    assert _leftovers(out) == []
    again = subprocess.run(
        [sys.executable, "-m", "unspin.cli", *args, "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])},
    )
    assert again.returncode == 0, again.stderr
    assert _complete_pairs(out) == {p.stem for p in inputs}
    assert _leftovers(out) == []


# ----------------------------------------------------------------------------------- the output disk


def _failing_writes(monkeypatch: pytest.MonkeyPatch, code: int, after: int) -> None:
    """A fault hook in the atomic writer: the ``after``-th write and every later one fail with ``code``
    part-way (ENOSPC: some bytes reach the temporary file first) or at once (EROFS)."""
    from unspin.emitters import atomic

    real_fdopen = os.fdopen
    calls = {"n": 0}

    class Failing:
        def __init__(self, handle):  # type: ignore[no-untyped-def]
            self.handle = handle

        def __enter__(self):  # type: ignore[no-untyped-def]
            return self

        def __exit__(self, *exc):  # type: ignore[no-untyped-def]
            self.handle.close()

        def write(self, text: str) -> int:
            self.handle.write(text[: len(text) // 2])
            self.handle.flush()
            raise OSError(code, os.strerror(code))

    def fdopen(fd, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        handle = real_fdopen(fd, *args, **kwargs)
        return Failing(handle) if calls["n"] >= after else handle

    def mkstemp(*args, **kwargs):  # type: ignore[no-untyped-def]
        if code == errno.EROFS and calls["n"] + 1 >= after:
            raise OSError(code, os.strerror(code))
        return real_mkstemp(*args, **kwargs)

    real_mkstemp = atomic.tempfile.mkstemp
    monkeypatch.setattr(atomic.os, "fdopen", fdopen)
    monkeypatch.setattr(atomic.tempfile, "mkstemp", mkstemp)


@pytest.mark.slow
@pytest.mark.parametrize(("code", "words"), [(errno.ENOSPC, "No space left"), (errno.EROFS, "Read-only")])
def test_full_or_read_only_output_disk_is_one_line_exit_2_and_no_truncated_file(
    tmp_path, monkeypatch, capsys, code, words
):
    _articles(tmp_path / "in", 3)
    out = tmp_path / "out"
    # The first article's pair is written, then the disk fails on the second's JSON.
    _failing_writes(monkeypatch, code, after=4)
    status = main(["clean", str(tmp_path / "in"), "--out", str(out), "--no-grammar", "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("unspin: error: ") and words in lines[0], err
    assert "cannot write output" in lines[0]
    # Sorted, the articles are bicycles, bread, tea: whole pairs only, bread's Markdown was removed.
    assert _complete_pairs(out) == {"bicycles"}
    assert _leftovers(out) == []


def test_unwritable_output_folder_fails_before_any_work(tmp_path, capsys):
    _articles(tmp_path / "in", 1)
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x", encoding="utf-8")
    status = main(["clean", str(tmp_path / "in"), "--out", str(blocker / "out"), "--no-grammar", "--quiet"])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1 and "cannot write output there" in err


# ---------------------------------------------------------------------------- inputs that change


@pytest.mark.slow
def test_input_removed_or_changed_while_the_batch_runs(tmp_path, capsys):
    inputs = sorted(_articles(tmp_path / "in", 4))  # processed in this order, one a chunk
    out = tmp_path / "out"
    removed, changed = inputs[2], inputs[3]  # read after the first article has been written

    def on_progress(done: int, _total: int) -> None:
        if done == 1:
            removed.unlink()
            changed.write_text("Changed while running\n\nA new body about canals and locks.\n", "utf-8")

    result = api.clean_paths(
        [str(tmp_path / "in")], out, Settings(disabled_stages=("grammar",)), on_progress, 1
    )
    assert [(p.path, p.message) for p in result.problems] == [(str(removed), f"{removed}: no such file")]
    pairs = _complete_pairs(out)
    assert removed.stem not in pairs and {inputs[0].stem, inputs[1].stem, changed.stem} <= pairs
    data = json.loads((out / f"{changed.stem}.json").read_text("utf-8"))
    assert "canals and locks" in data["clean_text"]  # the content as read, whole
    status = main(["clean", str(tmp_path / "in"), "--out", str(tmp_path / "o2"), "--no-grammar", "--quiet"])
    assert status == 0, capsys.readouterr().err


# ------------------------------------------------------------------------------- language models

# Each model unspin loads from a file, and how to point a run at another file (a prelude run before the
# command line). A new model (e.g. a contextual model in the user cache) adds a row here.
MODEL_FILES = {
    "trigram": textwrap.dedent(
        """
        import pocketsphinx
        pocketsphinx.get_model_path = lambda name="": {path!r}
        """
    ),
    "contextual": textwrap.dedent(
        """
        import os
        os.environ["UNSPIN_MODEL_DIR"] = {path!r}
        """
    ),
}
MODEL_ARGS = {"trigram": ["--fast"], "contextual": ["--require-model"]}


@pytest.mark.slow
@pytest.mark.parametrize("model", sorted(MODEL_FILES))
@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_a_missing_or_corrupt_model_file_is_one_clear_line_and_exit_2(tmp_path, model, damage):
    _articles(tmp_path / "in", 1)
    out = tmp_path / "out"
    bad = tmp_path / f"model-{damage}.bin"
    if damage == "corrupt" and model == "contextual":
        # A converted model folder whose files are all there, the weights being random bytes.
        bad.mkdir()
        for name in ("config.json", "vocabulary.json", "tokenizer.json", "unspin-model.json"):
            shutil.copy(require() / name, bad / name)
        (bad / "model.bin").write_bytes(os.urandom(100_000))
    elif damage == "corrupt":
        bad.write_bytes(os.urandom(100_000))
    prelude = MODEL_FILES[model].format(path=str(bad))
    code = prelude + textwrap.dedent(
        f"""
        import sys
        from unspin.cli import main
        sys.exit(main(["clean", {str(tmp_path / "in")!r}, "--out", {str(out)!r}, "--no-grammar", "--quiet",
                       *{MODEL_ARGS[model]!r}]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])},
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    ours = [line for line in done.stderr.splitlines() if line.startswith("unspin:")]
    assert len(ours) == 1 and ours[0].startswith("unspin: error: "), done.stderr
    assert not out.exists() or not any(p.suffix in (".md", ".json") for p in out.rglob("*"))
