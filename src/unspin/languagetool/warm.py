"""A warm LanguageTool server shared by consecutive unspin runs (``unspin languagetool start``/``stop``).

A pre-commit hook runs unspin on a few files many times a day; starting the JVM each time costs seconds.
``start`` launches a small keeper process in its own session, which starts one server
(:func:`unspin.languagetool.server.start_server`) and records it in a **port file** in the cache; runs
that find a live server there use it instead of starting their own. The keeper stops the server and
removes the file after ``--idle-timeout`` seconds without a run (each run touches the **last-used** file),
on ``stop``, or when the JVM dies.

Concurrency: ``start`` and the removal of a stale port file happen under an exclusive ``flock`` on the
**lock** file, so two starts make one server; readers only read the port file (written atomically) and
check it: a port file whose keeper is gone or whose port does not answer is stale and is removed (under
the lock), and the run starts its own server as if there were none.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from unspin.languagetool.install import cache_root

DEFAULT_IDLE_TIMEOUT = 1800.0  # seconds without a run before the warm server stops
POLL_SECONDS = 2.0
START_WAIT_SECONDS = 180.0


@dataclass(frozen=True)
class WarmServer:
    """What the port file records."""

    keeper_pid: int
    java_pid: int
    port: int
    version: str
    idle_timeout: float
    started: float

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


FOLDER_ENV = "UNSPIN_LANGUAGETOOL_WARM_DIR"  # another place for the port, lock and log files


def folder() -> Path:
    explicit = os.environ.get(FOLDER_ENV)
    return Path(explicit) if explicit else cache_root() / "languagetool" / "warm"


def port_file() -> Path:
    return folder() / "server.json"


def _lock_file() -> Path:
    return folder() / "server.lock"


def _last_used_file() -> Path:
    return folder() / "last-used"


def log_file() -> Path:
    return folder() / "keeper.log"


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    folder().mkdir(parents=True, exist_ok=True)
    with open(_lock_file(), "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read() -> WarmServer | None:
    try:
        return WarmServer(**json.loads(port_file().read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _write(server: WarmServer) -> None:
    tmp = port_file().with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(server)), encoding="utf-8")
    os.replace(tmp, port_file())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2.0):
            return True
    except OSError:
        return False


def _is_live(server: WarmServer) -> bool:
    return _alive(server.keeper_pid) and _alive(server.java_pid) and _answers(server.port)


def touch() -> None:
    """Record a use, so the idle timeout counts from now."""
    with contextlib.suppress(OSError):
        _last_used_file().touch()


def running() -> WarmServer | None:
    """The live warm server, if any; a stale port file (keeper or JVM gone, port closed) is removed."""
    server = _read()
    if server is None:
        return None
    if _is_live(server):
        return server
    with _locked():
        again = _read()
        if again is not None and not _is_live(again):
            with contextlib.suppress(OSError):
                port_file().unlink()
        return again if again is not None and _is_live(again) else None


def running_url() -> str | None:
    """The URL of the live warm server (and a use recorded), or None: what a run asks first."""
    server = running()
    if server is None:
        return None
    touch()
    return server.url


def start(idle_timeout: float = DEFAULT_IDLE_TIMEOUT, config: Path | None = None) -> tuple[WarmServer, bool]:
    """Start the keeper unless a live server is recorded; returns the server and whether it is new."""
    existing = running()
    if existing is not None:
        touch()
        return existing, False
    folder().mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "unspin.languagetool.warm", "--keep", str(idle_timeout)]
    if config is not None:
        command += ["--config", str(config)]
    with open(log_file(), "ab") as log:
        keeper = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, close_fds=True
        )
    deadline = time.monotonic() + START_WAIT_SECONDS
    while time.monotonic() < deadline:
        server = _read()
        if server is not None and _is_live(server):
            return server, server.keeper_pid == keeper.pid
        if keeper.poll() is not None:
            # It found another keeper's server (exit 0) or could not start one (the log says why).
            server = running()
            if server is not None:
                return server, False
            raise RuntimeError(f"the LanguageTool server did not start; see {log_file()}")
        time.sleep(0.2)
    raise RuntimeError(
        f"the LanguageTool server did not start in {START_WAIT_SECONDS:.0f} s; see {log_file()}"
    )


def stop() -> WarmServer | None:
    """Stop the recorded warm server (its keeper stops the JVM); None when none was running."""
    server = running()
    if server is None:
        return None
    with contextlib.suppress(ProcessLookupError):
        os.kill(server.keeper_pid, signal.SIGTERM)
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline and (_alive(server.keeper_pid) or _alive(server.java_pid)):
        time.sleep(0.1)
    with _locked():
        current = _read()
        if current is not None and current.keeper_pid == server.keeper_pid:
            with contextlib.suppress(OSError):
                port_file().unlink()
    return server


def _keep(idle_timeout: float, config: Path | None) -> int:
    """The keeper: start the server under the lock, record it, watch it until idle or told to stop."""
    from unspin import config as config_module
    from unspin.languagetool.server import start_server

    with _locked():
        existing = _read()
        if existing is not None and _is_live(existing):
            return 0
        settings = config_module.load(config, None)
        server = start_server(settings)
        assert server.pid is not None and server.port is not None
        record = WarmServer(
            keeper_pid=os.getpid(),
            java_pid=server.pid,
            port=server.port,
            version=server.installation.version,
            idle_timeout=idle_timeout,
            started=time.time(),
        )
        touch()
        _write(record)
    try:
        while server.alive():
            try:
                idle = time.time() - _last_used_file().stat().st_mtime
            except OSError:
                idle = 0.0
            if idle > idle_timeout:
                break
            time.sleep(min(POLL_SECONDS, max(idle_timeout / 4, 0.1)))
    finally:
        server.stop()
        with _locked():
            current = _read()
            if current is not None and current.keeper_pid == os.getpid():
                with contextlib.suppress(OSError):
                    port_file().unlink()
    return 0


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Keep a warm LanguageTool server (started by unspin).")
    parser.add_argument("--keep", type=float, required=True, metavar="IDLE_TIMEOUT")
    parser.add_argument("--config", type=Path)
    arguments = parser.parse_args()
    sys.exit(_keep(arguments.keep, arguments.config))
