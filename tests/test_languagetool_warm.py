"""The warm LanguageTool server: started once, shared by concurrent runs, stale port files recovered.

Real processes throughout: the keeper, the JVM, and `unspin check` runs with grammar on."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from unspin.languagetool import warm

REPO = Path(__file__).resolve().parents[1]
TEXT = "This are a sentence with a error in it. She go to school every days.\n"


def _env(warm_dir: Path, tmp: Path) -> dict[str, str]:
    tmp.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]),
        warm.FOLDER_ENV: str(warm_dir),
        "TMPDIR": str(tmp),  # where a run would put its own server's folder: none must appear
    }


def _unspin(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unspin.cli", *args], env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def warm_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "warm"
    monkeypatch.setenv(warm.FOLDER_ENV, str(folder))
    yield folder
    warm.stop()


def test_concurrent_starts_and_runs_share_one_server(warm_dir: Path, tmp_path: Path) -> None:
    env = _env(warm_dir, tmp_path / "tmp")
    # Two starts at once make one server.
    with ThreadPoolExecutor(2) as pool:
        starts = list(
            pool.map(lambda _: _unspin(env, "languagetool", "start", "--idle-timeout", "300"), range(2))
        )
    assert all(s.returncode == 0 for s in starts), [s.stderr for s in starts]
    assert sorted("started" in s.stdout for s in starts) == [False, True], [s.stdout for s in starts]
    recorded = warm.running()
    assert recorded is not None
    status = _unspin(env, "languagetool", "status", "--no-start")
    assert f"Warm server: {recorded.url}" in status.stdout and "Answers: yes" in status.stdout

    article = tmp_path / "article.txt"
    article.write_text(TEXT, encoding="utf-8")
    with ThreadPoolExecutor(2) as pool:
        runs = list(
            pool.map(
                lambda _: _unspin(
                    env, "check", str(article), "--format", "json", "--no-cache", "--require-grammar"
                ),
                range(2),
            )
        )
    for run in runs:
        assert run.returncode in (0, 1), run.stderr
        rules = {f["code"] for f in json.loads(run.stdout)["files"][0]["diagnostics"]}
        assert any(rule.startswith("GRAM") for rule in rules), rules
    assert json.loads(runs[0].stdout)["files"] == json.loads(runs[1].stdout)["files"]
    # Both used the warm server: no run started a JVM of its own (its folder would be in TMPDIR).
    assert not list((tmp_path / "tmp").glob("unspin-lt-*"))
    assert warm.running() == recorded

    stopped = _unspin(env, "languagetool", "stop")
    assert "stopped" in stopped.stdout
    assert warm.running() is None and not warm.port_file().exists()
    assert not warm._alive(recorded.java_pid)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_stale_port_file_is_recovered(warm_dir: Path, tmp_path: Path) -> None:
    warm_dir.mkdir(parents=True)
    stale = warm.WarmServer(
        keeper_pid=_dead_pid(),
        java_pid=_dead_pid(),
        port=_closed_port(),
        version="6.8",
        idle_timeout=60,
        started=0,
    )
    warm._write(stale)
    assert warm.running() is None
    assert not warm.port_file().exists()  # removed, so later runs do not ask again
    # A live process but a closed port is stale too.
    warm._write(warm.WarmServer(os.getpid(), os.getpid(), _closed_port(), "6.8", 60, 0))
    assert warm.running_url() is None and not warm.port_file().exists()

    env = _env(warm_dir, tmp_path / "tmp")
    warm._write(stale)
    started = _unspin(env, "languagetool", "start", "--idle-timeout", "2")
    assert started.returncode == 0 and "started" in started.stdout, started.stderr
    server = warm.running()
    assert server is not None and server.port != stale.port
    # The idle timeout ends it: nothing uses it for longer than 2 s.
    process_gone = _wait(lambda: not warm._alive(server.keeper_pid) and not warm._alive(server.java_pid), 60)
    assert process_gone and not warm.port_file().exists()


def _wait(condition, seconds: float) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()
