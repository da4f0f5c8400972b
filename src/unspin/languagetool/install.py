"""Install an English LanguageTool server into a per-user cache folder, and find it again.

Layout: ``<root>/LanguageTool-<version>/`` with ``libs/*.jar`` and a manifest-only launcher
``languagetool-server.jar`` whose ``Class-Path`` lists the jars (the layout language-tool-python's own
local mode also understands). ``unspin-install.json`` in that folder records how it was installed.

The folder is chosen, first match wins:

1. ``$UNSPIN_LT_DIR`` — the installation folder itself;
2. ``$UNSPIN_CACHE_DIR/languagetool/LanguageTool-<version>``;
3. config ``languagetool.cache_dir`` — the folder that holds ``LanguageTool-<version>``;
4. ``$XDG_CACHE_HOME/unspin/languagetool/LanguageTool-<version>`` (default ``~/.cache``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from unspin.config import LanguageToolSettings
from unspin.errors import DependencyError

MARKER = "unspin-install.json"
LAUNCHER = "languagetool-server.jar"
SERVER_MAIN_CLASS = "org.languagetool.server.HTTPServer"
MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
MIN_JAVA = 17


class LanguageToolUnavailable(DependencyError):
    """LanguageTool cannot run here: no Java, no installation, or the server failed to start."""


@dataclass(frozen=True)
class Installation:
    """A verified LanguageTool folder."""

    path: Path
    version: str
    method: str  # maven | language-tool-python | external
    jar_count: int
    size_bytes: int

    @property
    def classpath(self) -> str:
        launcher = self.path / LAUNCHER
        return str(launcher) if launcher.is_file() else str(self.path / "libs" / "*")

    def describe(self) -> str:
        return (
            f"LanguageTool {self.version} ({self.method}, {self.jar_count} jars, "
            f"{self.size_bytes / 1e6:.0f} MB) in {self.path}"
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        return data


def data_text(name: str) -> str:
    return (resources.files("unspin") / "data" / "languagetool" / name).read_text(encoding="utf-8")


def _requirements() -> dict[str, Any]:
    return tomllib.loads(data_text("install.toml"))


def cache_root() -> Path:
    """unspin's per-user cache folder."""
    if os.environ.get("UNSPIN_CACHE_DIR"):
        return Path(os.environ["UNSPIN_CACHE_DIR"]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "unspin"


def install_dir(lt: LanguageToolSettings) -> Path:
    """Where LanguageTool ``lt.version`` is (or will be) installed; see the module docstring."""
    if os.environ.get("UNSPIN_LT_DIR"):
        return Path(os.environ["UNSPIN_LT_DIR"]).expanduser()
    folder = f"LanguageTool-{lt.version}"
    if os.environ.get("UNSPIN_CACHE_DIR"):
        return cache_root() / "languagetool" / folder
    if lt.cache_dir:
        return Path(lt.cache_dir).expanduser() / folder
    return cache_root() / "languagetool" / folder


# --- Java ------------------------------------------------------------------------------------------


def find_java() -> str | None:
    """The ``java`` executable: ``$JAVA_HOME/bin/java`` if set, else the first on ``PATH``."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("java")


def java_version(java: str) -> int | None:
    """The major version of a ``java`` executable (17 for "17.0.15"), or None if it cannot tell."""
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not found:
        return None
    major = int(found.group(1))
    # Java 8 and older report "1.8.0_x".
    return int(found.group(2) or 0) if major == 1 else major


def require_java() -> str:
    """A ``java`` of version 17 or newer, or :class:`LanguageToolUnavailable` saying what is wrong."""
    java = find_java()
    if java is None:
        raise LanguageToolUnavailable(
            "Java is not installed (no `java` on PATH or in JAVA_HOME); LanguageTool needs Java 17 or newer"
        )
    major = java_version(java)
    if major is None or major < MIN_JAVA:
        shown = "an unknown version" if major is None else f"version {major}"
        raise LanguageToolUnavailable(
            f"{java} is {shown}; LanguageTool {MIN_JAVA}+ needs Java {MIN_JAVA} or newer"
        )
    return java


# --- verification -----------------------------------------------------------------------------------


def _jars(folder: Path) -> list[Path]:
    return (
        sorted(p for p in (folder / "libs").rglob("*.jar") if p.is_file())
        if (folder / "libs").is_dir()
        else []
    )


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _jar_has(jar: Path, member: str) -> bool:
    try:
        with zipfile.ZipFile(jar) as archive:
            archive.getinfo(member)
        return True
    except (KeyError, OSError, zipfile.BadZipFile):
        return False


def verify(folder: Path, version: str | None = None) -> Installation:
    """Check that ``folder`` holds a runnable LanguageTool; raise LanguageToolUnavailable naming the gap."""
    if not folder.is_dir():
        raise LanguageToolUnavailable(
            f"LanguageTool is not installed in {folder}; run `unspin languagetool install`"
        )
    needs = _requirements()
    marker: dict[str, Any] = {}
    if (folder / MARKER).is_file():
        with contextlib.suppress(OSError, ValueError):
            marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    jars = _jars(folder)
    broken = f"LanguageTool in {folder} is incomplete"
    hint = "run `unspin languagetool install --force`"
    if len(jars) < needs["min_jars"]:
        raise LanguageToolUnavailable(
            f"{broken}: {len(jars)} jars, expected at least {needs['min_jars']}; {hint}"
        )
    method = marker.get("method", "external")
    if method == "maven":
        names = {p.name for p in jars}
        missing = [
            prefix
            for prefix in needs["required_jars"]
            if not any(re.fullmatch(rf"{re.escape(prefix)}-[\d.]+\.jar", n) for n in names)
        ]
        if missing:
            raise LanguageToolUnavailable(f"{broken}: missing {', '.join(missing)}; {hint}")
    candidates = [folder / LAUNCHER, *(p for p in jars if "server" in p.name), *jars]
    if not any(_jar_has(jar, needs["server_class"]) for jar in dict.fromkeys(candidates) if jar.is_file()):
        raise LanguageToolUnavailable(f"{broken}: no jar contains {needs['server_class']}; {hint}")
    found_version = marker.get("version") or _version_from_name(folder.name) or version or "unknown"
    return Installation(folder, found_version, method, len(jars), _folder_size(folder))


def _version_from_name(name: str) -> str | None:
    found = re.fullmatch(r"LanguageTool-(.+)", name)
    return found.group(1) if found else None


def find_installation(lt: LanguageToolSettings) -> Installation:
    """The verified installation the settings point at, or LanguageToolUnavailable."""
    return verify(install_dir(lt), lt.version)


# --- installing -------------------------------------------------------------------------------------


def install(
    lt: LanguageToolSettings,
    *,
    force: bool = False,
    method: str = "auto",
    echo: Callable[[str], None] = print,
) -> Installation:
    """Install LanguageTool ``lt.version`` if it is not installed yet (``force``: reinstall).

    ``method`` is ``maven`` (Maven resolves the jars), ``download`` (language-tool-python's download of
    the release archive) or ``auto`` (Maven when ``mvn`` is on PATH). Safe to run concurrently: a lock file
    serialises installers, and a new installation is assembled aside and moved into place when verified.
    """
    target = install_dir(lt)
    if not force:
        with contextlib.suppress(LanguageToolUnavailable):
            found = verify(target, lt.version)
            echo(f"Already installed: {found.describe()}")
            return found
    if method == "auto":
        method = "maven" if shutil.which("mvn") else "download"
    if method not in ("maven", "download"):
        raise ValueError(f"unknown install method {method!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target.parent / f".{target.name}.lock"):
        if not force:
            # Another installer may have finished while this one waited for the lock.
            with contextlib.suppress(LanguageToolUnavailable):
                found = verify(target, lt.version)
                echo(f"Already installed: {found.describe()}")
                return found
        started = time.monotonic()
        if method == "maven":
            installed = _install_with_maven(lt.version, target, echo)
        else:
            installed = _install_with_download(lt.version, target, echo)
    echo(f"Installed {installed.describe()} in {time.monotonic() - started:.0f} s")
    return installed


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "w", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _install_with_maven(version: str, target: Path, echo: Callable[[str], None]) -> Installation:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise LanguageToolUnavailable("Maven (`mvn`) is not on PATH; install it or use --method download")
    require_java()
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        pom = staging / "pom.xml"
        pom.write_text(data_text("pom.template.xml").replace("@LT_VERSION@", version), encoding="utf-8")
        echo(f"Resolving LanguageTool {version} (English) with Maven…")
        command = [
            mvn,
            "-B",
            "-q",
            "-f",
            str(pom),
            f"{MAVEN_DEPENDENCY_PLUGIN}:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging / 'libs'}",
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            raise LanguageToolUnavailable(
                f"Maven could not resolve LanguageTool {version} (exit {done.returncode}):\n{tail}"
            )
        pom.unlink()
        write_launcher(staging)
        return _finish(staging, target, version, "maven")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _install_with_download(version: str, target: Path, echo: Callable[[str], None]) -> Installation:
    """language-tool-python's own download: the release archive, unpacked into the cache root."""
    from language_tool_python.download_lt import LocalLanguageTool

    require_java()
    if target.name != f"LanguageTool-{version}":
        raise LanguageToolUnavailable(
            f"the release download unpacks into LanguageTool-{version}/, not {target.name}/; "
            "use --method maven or unset UNSPIN_LT_DIR"
        )
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    saved = {key: os.environ.get(key) for key in ("LTP_PATH", "LTP_JAR_DIR_PATH")}
    try:
        # LTP_PATH chooses where language-tool-python unpacks; LTP_JAR_DIR_PATH would skip the download.
        os.environ["LTP_PATH"] = str(staging)
        os.environ.pop("LTP_JAR_DIR_PATH", None)
        echo(f"Downloading LanguageTool {version} with language-tool-python…")
        try:
            LocalLanguageTool.from_version_name(version).download()
        except Exception as exc:
            raise LanguageToolUnavailable(f"download of LanguageTool {version} failed: {exc}") from exc
        unpacked = staging / target.name
        if not unpacked.is_dir():
            raise LanguageToolUnavailable(f"the LanguageTool {version} archive has no {target.name}/ folder")
        return _finish(unpacked, target, version, "language-tool-python")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(staging, ignore_errors=True)


def _finish(built: Path, target: Path, version: str, method: str) -> Installation:
    """Record, verify, then move a freshly built folder into place (replacing a broken one)."""
    jars = _jars(built)
    marker = {"version": version, "method": method, "jars": len(jars), "installed": int(time.time())}
    (built / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    verify(built, version)
    if target.exists():
        shutil.rmtree(target)
    built.rename(target)
    return verify(target, version)


def write_launcher(folder: Path) -> Path:
    """A manifest-only jar whose Class-Path lists ``libs/*.jar`` (relative to the jar itself).

    ``java -cp languagetool-server.jar org.languagetool.server.HTTPServer`` then runs from any working
    directory, and language-tool-python's local mode finds the jar name it looks for.
    """
    entries = [p.relative_to(folder).as_posix() for p in _jars(folder)]
    lines = [
        "Manifest-Version: 1.0",
        f"Main-Class: {SERVER_MAIN_CLASS}",
        "Created-By: unspin",
        *_manifest_attribute("Class-Path", " ".join(entries)),
    ]
    launcher = folder / LAUNCHER
    with zipfile.ZipFile(launcher, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("META-INF/MANIFEST.MF", "\r\n".join(lines) + "\r\n\r\n")
    return launcher


def _manifest_attribute(name: str, value: str) -> list[str]:
    """One manifest attribute wrapped as the JAR spec requires: lines of at most 72 bytes, each
    continuation line starting with one space."""
    raw = f"{name}: {value}".encode()
    lines = [raw[:72]]
    rest = raw[72:]
    while rest:
        lines.append(b" " + rest[:71])
        rest = rest[71:]
    # Jar paths are ASCII here; decoding never splits a character.
    return [line.decode("ascii") for line in lines]
