"""``unspin server``: a Language Server (stdio) that publishes unspin's findings as diagnostics.

Markdown, text and HTML buffers are checked on open and save, and after a pause in typing (debounced
changes). Fixes are quick-fix code actions (safe ones preferred, unsafe ones marked), "fix all safe" is a
``source.fixAll.unspin`` action, and hovering a finding shows its rule's documentation. Checks run one at a
time on a worker thread with one long-lived pipeline context, so spaCy, the indexes and the models load
once for the whole session; a check whose buffer changed meanwhile is not published.

Editor settings (``initializationOptions``): ``settings`` — ``[tool.unspin]`` keys laid over each
project's configuration (for example ``{"disabled-stages": ["grammar"]}`` or the spin-engine choice),
``debounce`` — seconds of quiet after a change before checking (default 0.3).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from unspin import __version__
from unspin.config import ConfigError
from unspin.emitters.diagnostics import FileResult
from unspin.errors import UnspinError
from unspin.lsp.analysis import (
    FIX_ALL_KIND,
    Checker,
    document_format,
    fix_actions,
    fix_all_action,
    hover,
    lsp_diagnostics,
)

DEFAULT_DEBOUNCE = 0.3


@dataclass
class _State:
    checker: Checker = field(default_factory=lambda: Checker({}))
    debounce: float = DEFAULT_DEBOUNCE
    results: dict[str, FileResult] = field(default_factory=dict)
    pending: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    # One worker: the pipeline and its models are not shared between threads.
    worker: concurrent.futures.ThreadPoolExecutor = field(
        default_factory=lambda: concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="unspin-check")
    )


class UnspinLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            name="unspin", version=__version__, text_document_sync_kind=types.TextDocumentSyncKind.Full
        )
        self.state = _State()


def _path_of(uri: str) -> Path | None:
    path = to_fs_path(uri)
    return Path(path) if path else None


async def _check(server: UnspinLanguageServer, uri: str) -> None:
    document = server.workspace.get_text_document(uri)
    path = _path_of(uri)
    fmt = document_format(path, document.language_id)
    if fmt is None:
        return
    version, text = document.version, document.source
    if not text.strip():  # nothing to check yet (a new file): no findings
        server.state.results.pop(uri, None)
        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        return
    loop = asyncio.get_running_loop()
    try:
        result = await loop.run_in_executor(server.state.worker, server.state.checker.check, text, path, fmt)
    except (UnspinError, ConfigError) as exc:
        # A buffer unspin cannot read (empty, binary) or a broken configuration: say why in the log and
        # clear the buffer's diagnostics, without a pop-up on every keystroke.
        server.window_log_message(
            types.LogMessageParams(type=types.MessageType.Warning, message=f"unspin: {exc}")
        )
        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        return

    current = server.workspace.get_text_document(uri)
    if current.version != version or current.source != text:
        return  # the buffer changed while it was checked: the next check publishes
    server.state.results[uri] = result
    server.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=lsp_diagnostics(result))
    )


def _schedule(server: UnspinLanguageServer, uri: str, delay: float) -> None:
    previous = server.state.pending.pop(uri, None)
    if previous is not None:
        previous.cancel()

    async def run() -> None:
        if delay:
            await asyncio.sleep(delay)
        await _check(server, uri)

    task = asyncio.get_running_loop().create_task(run())
    server.state.pending[uri] = task
    task.add_done_callback(
        lambda done: server.state.pending.get(uri) is done and server.state.pending.pop(uri)
    )


def build() -> UnspinLanguageServer:
    server = UnspinLanguageServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: UnspinLanguageServer, params: types.InitializeParams) -> None:
        options = params.initialization_options if isinstance(params.initialization_options, dict) else {}
        ls.state.checker = Checker(dict(options.get("settings") or {}))
        ls.state.debounce = float(options.get("debounce", DEFAULT_DEBOUNCE))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: UnspinLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        _schedule(ls, params.text_document.uri, 0.0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: UnspinLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        _schedule(ls, params.text_document.uri, ls.state.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: UnspinLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        _schedule(ls, params.text_document.uri, 0.0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: UnspinLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        task = ls.state.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        ls.state.results.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND]),
    )
    def code_action(ls: UnspinLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        result = ls.state.results.get(uri)
        if result is None:
            return []
        only = params.context.only
        actions: list[types.CodeAction] = []
        if not only or any(types.CodeActionKind.QuickFix.value.startswith(k) for k in only):
            actions += fix_actions(result, uri, params.context.diagnostics)
        if not only or any(FIX_ALL_KIND.startswith(k) for k in only):
            fix_all = fix_all_action(result, uri)
            if fix_all is not None:
                actions.append(fix_all)
        return actions

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: UnspinLanguageServer, params: types.HoverParams) -> types.Hover | None:
        result = ls.state.results.get(params.text_document.uri)
        return hover(result, params.position) if result is not None else None

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: UnspinLanguageServer, params: Any) -> None:
        for task in ls.state.pending.values():
            task.cancel()
        ls.state.worker.shutdown(wait=True)
        ls.state.checker.close()

    return server


def serve() -> None:
    """Speak the protocol on stdin/stdout until the editor exits."""
    build().start_io()
