"""One LanguageTool HTTP server per run, started and stopped by unspin.

unspin runs the JVM itself rather than through language-tool-python's local mode, to choose the heap
limit and garbage collector, pass a config file with pipeline caching, keep a log file, and wait for
readiness with its own timeout (language-tool-python waits a fixed 15 s and then starts a second JVM).

The server is stopped by :meth:`ManagedServer.stop`, by leaving its ``with`` block, at interpreter exit,
on SIGTERM/SIGHUP (turned into a normal exit so that clean-up runs), and — on Linux — by the kernel when
the process that started it dies without cleaning up.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from pathlib import Path
from typing import Any

from unspin.config import LanguageToolSettings, Settings
from unspin.languagetool.install import (
    SERVER_MAIN_CLASS,
    Installation,
    LanguageToolUnavailable,
    data_text,
    find_installation,
    require_java,
)

# A sentence every English pipeline has rules for; the warm-up check loads them before the first document.
WARMUP_TEXT = "This are a error in the the text."
PORT_RETRIES = 3
RUN_DIR_PREFIX = "unspin-languagetool-"
OWNER_FILE = "owner.pid"
STOP_GRACE_SECONDS = 10.0

# Requests to the local server must not go through an HTTP proxy from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))

_LIVE: weakref.WeakSet[ManagedServer] = weakref.WeakSet()
_HOOKS_INSTALLED = False
_HOOKS_LOCK = threading.Lock()


def http_get_json(url: str, timeout: float) -> Any:
    with _DIRECT.open(url, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def http_post_form(url: str, fields: dict[str, str], timeout: float) -> Any:
    body = urllib.parse.urlencode(fields).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST")
    with _DIRECT.open(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def probe(url: str, timeout: float = 60.0, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """Ask a server for its version with a tiny check (with the run's request ``fields``, so that the
    pipeline it loads is the one the run reuses); raise LanguageToolUnavailable if it does not answer."""
    base = url.rstrip("/")
    form = {"language": "en-US", **(fields or {}), "text": "Hello."}
    try:
        answer = http_post_form(f"{base}/v2/check", form, timeout)
    except (OSError, ValueError) as exc:
        raise LanguageToolUnavailable(f"no LanguageTool server answers at {url} ({exc})") from exc
    software = answer.get("software", {}) if isinstance(answer, dict) else {}
    if "version" not in software:
        raise LanguageToolUnavailable(f"{url} answered, but not like a LanguageTool server")
    return software


def free_port() -> int:
    """A TCP port nobody listens on right now (the JVM binds it a moment later; a race is retried)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def parse_heap(heap: str) -> str:
    """Validate a JVM heap size such as ``1g`` or ``768m``."""
    value = heap.strip().lower()
    if not value[:-1].isdigit() or value[-1] not in "kmg" or int(value[:-1]) <= 0:
        raise LanguageToolUnavailable(f"languagetool.heap: {heap!r} is not a heap size like 1g or 768m")
    return value


class ManagedServer:
    """A LanguageTool server process owned by this Python process.

    ``start()`` blocks until the server answers a real check (or raises LanguageToolUnavailable with
    the end of its log); ``stop()`` ends it and waits until the JVM is gone.
    """

    def __init__(
        self,
        installation: Installation,
        *,
        java: str,
        heap: str = "1g",
        start_timeout: float = 120.0,
        warmup: dict[str, str] | None = None,
        config_overrides: dict[str, str] | None = None,
    ):
        self.installation = installation
        self.java = java
        self.heap = parse_heap(heap)
        self.start_timeout = start_timeout
        # Form fields of the warm-up check (language, disabledRules…); None skips the warm-up.
        self.warmup = warmup
        self.config_overrides = dict(config_overrides or {})
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.run_dir: Path | None = None
        self.started_seconds: float | None = None  # process start → healthcheck answered
        self.warmup_seconds: float | None = None
        self._owner_pid = os.getpid()
        self._stop_lock = threading.Lock()

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("the server has not been started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def log_path(self) -> Path | None:
        return self.run_dir / "server.log" if self.run_dir else None

    def command(self, port: int, config_path: Path) -> list[str]:
        return [
            self.java,
            f"-Xmx{self.heap}",
            # A small server on a shared machine: the serial collector has the smallest footprint and
            # needs no GC threads.
            "-XX:+UseSerialGC",
            "-cp",
            self.installation.classpath,
            SERVER_MAIN_CLASS,
            "--port",
            str(port),
            "--config",
            str(config_path),
        ]

    def config_text(self) -> str:
        lines = [data_text("server.properties").rstrip("\n")]
        overrides = {"maxCheckThreads": str(os.cpu_count() or 2), **self.config_overrides}
        lines += [f"{key}={value}" for key, value in overrides.items()]
        return "\n".join(lines) + "\n"

    def start(self) -> ManagedServer:
        if self.process is not None:
            raise RuntimeError("the server is already running")
        _install_exit_hooks()
        _sweep_stale_run_dirs()
        self.run_dir = Path(tempfile.mkdtemp(prefix=RUN_DIR_PREFIX))
        (self.run_dir / OWNER_FILE).write_text(str(os.getpid()), encoding="utf-8")
        config_path = self.run_dir / "server.properties"
        config_path.write_text(self.config_text(), encoding="utf-8")
        deadline = time.monotonic() + self.start_timeout
        for attempt in range(1, PORT_RETRIES + 1):
            self.port = free_port()
            try:
                self._spawn(config_path)
                self._wait_ready(deadline)
                break
            except LanguageToolUnavailable:
                port_taken = self._port_was_taken()
                self.stop(keep_log=True)
                if not port_taken or attempt == PORT_RETRIES:
                    raise
        if self.warmup is not None:
            try:
                self._warm_up(deadline)
            except LanguageToolUnavailable:
                self.stop(keep_log=True)
                raise
        return self

    def _spawn(self, config_path: Path) -> None:
        assert self.log_path is not None
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps writing after this returns
        try:
            started = time.monotonic()
            self.process = subprocess.Popen(
                self.command(self.port or 0, config_path),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.run_dir,
                # Its own process group: a Ctrl-C in the terminal reaches Python, which stops the JVM in
                # order, instead of both dying at once mid-request.
                start_new_session=True,
                preexec_fn=_die_with_parent if _can_die_with_parent() else None,
            )
        finally:
            log.close()
        self._started_at = started
        _LIVE.add(self)

    def _wait_ready(self, deadline: float) -> None:
        health = f"{self.url}/v2/healthcheck"
        while True:
            assert self.process is not None
            status = self.process.poll()
            if status is not None:
                raise LanguageToolUnavailable(
                    f"the LanguageTool server exited with status {status} while starting{self._log_excerpt()}"
                )
            with contextlib.suppress(OSError, ValueError), _DIRECT.open(health, timeout=2) as response:
                if response.status == 200:
                    self.started_seconds = time.monotonic() - self._started_at
                    return
            if time.monotonic() > deadline:
                raise LanguageToolUnavailable(
                    f"the LanguageTool server did not answer {health} within {self.start_timeout:.0f} s "
                    f"(languagetool.start_timeout){self._log_excerpt()}"
                )
            time.sleep(0.1)

    def _warm_up(self, deadline: float) -> None:
        """One real check with the caller's parameters: loads the English rules before the first document
        and proves that checking works (not only the HTTP listener)."""
        fields = {"language": "en-US", "text": WARMUP_TEXT, **(self.warmup or {})}
        started = time.monotonic()
        # The first check loads every rule; allow it the rest of the start budget, but at least a minute.
        timeout = max(60.0, deadline - started)
        try:
            answer = http_post_form(f"{self.url}/v2/check", fields, timeout)
        except (OSError, ValueError) as exc:
            raise LanguageToolUnavailable(
                f"the LanguageTool server started but its first check failed ({exc}){self._log_excerpt()}"
            ) from exc
        if not isinstance(answer, dict) or "matches" not in answer:
            raise LanguageToolUnavailable(f"unexpected answer to the warm-up check{self._log_excerpt()}")
        self.warmup_seconds = time.monotonic() - started

    def _port_was_taken(self) -> bool:
        text = self._log_tail(4000)
        return "BindException" in text or "Address already in use" in text

    def _log_tail(self, limit: int) -> str:
        if self.log_path is None or not self.log_path.is_file():
            return ""
        data = self.log_path.read_bytes()[-limit:]
        return data.decode("utf-8", errors="replace")

    def _log_excerpt(self) -> str:
        lines = [
            line
            for line in self._log_tail(6000).splitlines()
            # Stack frames say little to a user; the exception lines say what went wrong.
            if line.strip() and not line.lstrip().startswith("at ")
        ]
        if not lines:
            return f" (log: {self.log_path})"
        shown = "\n  ".join(lines[-8:])
        return f"; log {self.log_path} ends with:\n  {shown}"

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def restart(self) -> str:
        """Stop the server (if anything is left of it) and start it again; returns its new URL. The
        client calls this once when the JVM dies under it (killed, out of memory)."""
        self.stop()
        self.start()
        return self.url

    def stop(self, keep_log: bool = False) -> None:
        """Terminate the JVM (then kill it after a grace period) and wait until it is gone."""
        with self._stop_lock:
            process, self.process = self.process, None
            # A forked worker inherits this object; only the process that started the JVM stops it.
            if process is not None and os.getpid() == self._owner_pid:
                if process.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        process.terminate()
                    try:
                        process.wait(timeout=STOP_GRACE_SECONDS)
                    except subprocess.TimeoutExpired:
                        with contextlib.suppress(ProcessLookupError):
                            process.kill()
                        process.wait()
                else:
                    process.wait()
            _LIVE.discard(self)
            if self.run_dir is not None and not keep_log and os.getpid() == self._owner_pid:
                shutil.rmtree(self.run_dir, ignore_errors=True)
                self.run_dir = None

    def __enter__(self) -> ManagedServer:
        if self.process is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"pid {self.pid} at {self.url}" if self.alive() else "stopped"
        return f"<ManagedServer LanguageTool {self.installation.version} {state}>"


def start_server(
    settings: Settings | LanguageToolSettings,
    *,
    warmup: dict[str, str] | None = None,
    config_overrides: dict[str, str] | None = None,
) -> ManagedServer:
    """Start a verified, warmed-up server for these settings (the parent of a ``--jobs N`` run uses this
    and hands ``.url`` to the workers). Raises LanguageToolUnavailable (a DependencyError) if it cannot."""
    lt = settings.languagetool if isinstance(settings, Settings) else settings
    java = require_java()
    installation = find_installation(lt)
    if warmup is None:
        from unspin.languagetool.client import request_fields

        warmup = request_fields(lt.language)
    server = ManagedServer(
        installation,
        java=java,
        heap=lt.heap,
        start_timeout=lt.start_timeout,
        warmup=warmup,
        config_overrides=config_overrides,
    )
    return server.start()


def _sweep_stale_run_dirs() -> None:
    """Remove run folders (log, config) left by unspin processes that were killed before cleaning up."""
    for folder in Path(tempfile.gettempdir()).glob(f"{RUN_DIR_PREFIX}*"):
        try:
            owner = int((folder / OWNER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not ours, or still being created
        if owner != os.getpid() and not _process_exists(owner):
            shutil.rmtree(folder, ignore_errors=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by another user
    return True


# --- clean-up when the interpreter ends -------------------------------------------------------------


def stop_all() -> None:
    """Stop every server this process started (run at interpreter exit)."""
    for server in list(_LIVE):
        server.stop()


def _exit_on_signal(signum: int, _frame: Any) -> None:
    # SIGTERM/SIGHUP would end Python without running finally blocks or atexit; a SystemExit runs both.
    raise SystemExit(128 + signum)


def _install_exit_hooks() -> None:
    global _HOOKS_INSTALLED
    with _HOOKS_LOCK:
        if _HOOKS_INSTALLED:
            return
        _HOOKS_INSTALLED = True
        atexit.register(stop_all)
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGHUP):
                # Only where nobody else (the host application) has chosen a handler.
                if signal.getsignal(signum) == signal.SIG_DFL:
                    signal.signal(signum, _exit_on_signal)


_PR_SET_PDEATHSIG = 1


def _can_die_with_parent() -> bool:
    # The kernel sends the signal when the *thread* that forked exits, so only from the main thread.
    return sys.platform.startswith("linux") and threading.current_thread() is threading.main_thread()


def _die_with_parent() -> None:
    """In the child before exec: ask the kernel for SIGTERM when the parent dies (even by SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
