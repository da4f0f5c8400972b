"""``unspin languagetool install`` and ``unspin languagetool status``."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from unspin.config import Settings, load
from unspin.languagetool.install import (
    LanguageToolUnavailable,
    find_installation,
    install,
    install_dir,
    java_version,
    require_java,
)

app = typer.Typer(
    name="languagetool",
    help="Install and inspect the LanguageTool server unspin uses for grammar checks.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

URL_ENV = "UNSPIN_LANGUAGETOOL_URL"

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="Settings file (unspin.toml or pyproject.toml); default: found upwards."),
]


def _settings(config: Path | None) -> Settings:
    return load(config, Path.cwd())


def _fail(message: str) -> typer.Exit:
    typer.echo(f"unspin: error: {message}", err=True)
    return typer.Exit(2)


@app.command("install")
def install_command(
    force: Annotated[bool, typer.Option("--force", help="Reinstall even if a valid one exists.")] = False,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help="maven (resolve the jars with mvn), download (language-tool-python's release download), "
            "or auto: maven when mvn is on PATH.",
        ),
    ] = "auto",
    version: Annotated[str | None, typer.Option("--version", help="LanguageTool version.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Install an English LanguageTool server into the per-user cache (idempotent) and verify it."""
    if method not in ("auto", "maven", "download"):
        raise _fail(f"--method: expected auto, maven or download, not {method!r}")
    lt = _settings(config).languagetool
    if version:
        lt = replace(lt, version=version)
    try:
        installed = install(lt, force=force, method=method, echo=typer.echo)
    except LanguageToolUnavailable as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Location: {installed.path}")
    typer.echo(f"Size: {installed.size_bytes / 1e6:.0f} MB in {installed.jar_count} jars")


@app.command("status")
def status_command(
    url: Annotated[
        str | None,
        typer.Option("--url", help=f"Ask this server (default: languagetool.url, then ${URL_ENV})."),
    ] = None,
    start: Annotated[
        bool,
        typer.Option(
            "--start/--no-start",
            help="Without a server URL, start the managed server briefly to see that it answers.",
        ),
    ] = True,
    config: ConfigOpt = None,
) -> None:
    """Show the installation, Java, the server URL, and whether the server answers (exit 2 if it does not)."""
    from unspin.languagetool import warm
    from unspin.languagetool.server import ManagedServer, probe

    lt = _settings(config).languagetool
    typer.echo(f"Mode: {lt.mode}")
    warm_server = warm.running()
    if warm_server is not None:
        typer.echo(
            f"Warm server: {warm_server.url} (pid {warm_server.java_pid}, stops after "
            f"{warm_server.idle_timeout:g} s idle; `unspin languagetool stop`)"
        )
    else:
        typer.echo("Warm server: none (`unspin languagetool start` keeps one for later runs)")
    url = url or lt.url or os.environ.get(URL_ENV) or (warm_server.url if warm_server else None)
    if url:
        typer.echo(f"URL: {url} (existing server)")
        try:
            software = probe(url)
        except LanguageToolUnavailable as exc:
            typer.echo("Answers: no")
            raise _fail(str(exc)) from None
        typer.echo(f"Answers: yes (LanguageTool {software.get('version', '?')})")
        return

    problems: list[str] = []
    try:
        installation = find_installation(lt)
        typer.echo(f"Installed: {installation.describe()}")
    except LanguageToolUnavailable as exc:
        typer.echo(f"Installed: no ({install_dir(lt)})")
        problems.append(str(exc))
        installation = None
    try:
        java = require_java()
        typer.echo(f"Java: {java} (version {java_version(java)})")
    except LanguageToolUnavailable as exc:
        typer.echo("Java: missing")
        problems.append(str(exc))
        java = None
    if problems:
        raise _fail("; ".join(problems))
    assert installation is not None and java is not None
    if not start:
        typer.echo("URL: none configured; unspin starts a server on a free local port for each run")
        return
    began = time.monotonic()
    try:
        server = ManagedServer(installation, java=java, heap=lt.heap, start_timeout=lt.start_timeout)
        with server:
            took = time.monotonic() - began
            typer.echo(f"URL: {server.url} (managed, started in {took:.1f} s, stopped after this check)")
            software = probe(server.url, timeout=lt.start_timeout)
            typer.echo(f"Answers: yes (LanguageTool {software.get('version', '?')})")
    except LanguageToolUnavailable as exc:
        typer.echo("Answers: no")
        raise _fail(str(exc)) from None


@app.command("start")
def start_command(
    idle_timeout: Annotated[
        float,
        typer.Option("--idle-timeout", min=1, help="Stop after this many seconds without a run."),
    ] = 1800.0,
    config: ConfigOpt = None,
) -> None:
    """Start a warm server that later runs reuse (recorded in the cache); no-op if one is running."""
    from unspin.languagetool import warm

    try:
        server, new = warm.start(idle_timeout, config)
    except RuntimeError as exc:
        raise _fail(str(exc)) from None
    state = "started" if new else "already running"
    where = f"{server.url} (pid {server.java_pid}, keeper {server.keeper_pid})"
    typer.echo(f"LanguageTool {server.version} {state} at {where}")


@app.command("stop")
def stop_command() -> None:
    """Stop the warm server started by `unspin languagetool start`."""
    from unspin.languagetool import warm

    server = warm.stop()
    typer.echo(f"stopped the server at {server.url}" if server else "no warm server was running")
