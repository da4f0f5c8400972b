"""``unspin server`` end to end: a real LSP client (pytest-lsp) drives the real server process, which
runs the real pipeline (spaCy, indexes, models) over Markdown, text and HTML buffers."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

REPO = Path(__file__).resolve().parents[1]
ARTICLE = """# Caring for houseplants

Houseplants need light, water and a little attention when the soil stays wet for weeks.

Water the plant when the top inch of soil is dry.  Most plants like bright, indirect light.

Leave a Reply

Your email address will not be published. Required fields are marked *
"""
PAGE = """<html><head><title>Tea</title></head><body><article><h1>Brewing tea</h1>
<p>Boil fresh water and pour it over the leaves.  Let the tea steep for three minutes before you drink it.</p>
<p>Leave a Reply</p><p>Your email address will not be published. Required fields are marked *</p>
</article></body></html>
"""
PROJECT = Path(tempfile.gettempdir()) / f"unspin-lsp-test-{os.getpid()}"


def _project() -> Path:
    PROJECT.mkdir(parents=True, exist_ok=True)
    # The project's own configuration must be honoured: comment forms are errors here.
    (PROJECT / "pyproject.toml").write_text(
        '[tool.unspin]\nseverity = { BOIL001 = "error" }\n', encoding="utf-8"
    )
    return PROJECT


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}


@pytest_lsp.fixture(
    scope="module",
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "unspin.cli", "server"], server_env=_env()
    ),
)
async def client(lsp_client: LanguageClient):
    root = _project()
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            initialization_options={"settings": {"disabled-stages": ["grammar"]}, "debounce": 0.05},
        )
    )
    yield
    await lsp_client.shutdown_session()
    shutil.rmtree(PROJECT, ignore_errors=True)


async def _diagnostics_after(client: LanguageClient, uri: str, action) -> list[types.Diagnostic]:
    """Do ``action`` and wait for the diagnostics it causes for ``uri``."""
    client.diagnostics.pop(uri, None)
    action()
    while uri not in client.diagnostics:
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return list(client.diagnostics[uri])


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)

    def offset(position: types.Position) -> int:
        return offsets[position.line] + position.character  # the test texts are ASCII

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


def _open(client: LanguageClient, uri: str, language: str, text: str) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
        )
    )


@pytest.mark.asyncio(loop_scope="module")
async def test_markdown_diagnostics_fixes_hover_and_suppressions(client: LanguageClient) -> None:
    path = _project() / "article.md"
    path.write_text(ARTICLE, encoding="utf-8")
    uri = path.as_uri()
    found = await _diagnostics_after(client, uri, lambda: _open(client, uri, "markdown", ARTICLE))
    by_code = {d.code: d for d in found}
    assert {"NORM003", "BOIL001"} <= set(by_code), found
    assert by_code["BOIL001"].severity == types.DiagnosticSeverity.Error  # from [tool.unspin]
    assert by_code["NORM003"].range.start == types.Position(line=4, character=49)
    assert all(d.source == "unspin" for d in found)

    # Hover over the comment form: the rule's documentation, as `unspin rules BOIL001` prints it.
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=by_code["BOIL001"].range.start
        )
    )
    assert (
        hover is not None and "BOIL001" in hover.contents.value and "Why is this bad?" in hover.contents.value
    )

    # A quick fix for the run of spaces, preferred because it is safe.
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=by_code["NORM003"].range,
            context=types.CodeActionContext(
                diagnostics=[by_code["NORM003"]], only=[types.CodeActionKind.QuickFix]
            ),
        )
    )
    assert actions and actions[0].is_preferred and "NORM003" in actions[0].title
    fixed = _apply(ARTICLE, actions[0].edit.changes[uri])
    assert "dry. Most plants" in fixed and fixed.count("\n") == ARTICLE.count("\n")

    # "Fix all safe" as one source action: the comment form and the spaces go, the rest stays.
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(
                start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
            ),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.SourceFixAll]),
        )
    )
    assert [a.kind for a in actions] == ["source.fixAll.unspin"]
    all_fixed = _apply(ARTICLE, actions[0].edit.changes[uri])
    assert "Leave a Reply" not in all_fixed and "dry. Most plants" in all_fixed
    assert all_fixed.startswith("# Caring for houseplants\n\nHouseplants need light")

    # An inline suppression typed into the buffer silences the finding after the (debounced) change.
    suppressed = ARTICLE.replace(
        "Water the plant", "<!-- unspin-disable-next-line NORM003 -->\nWater the plant"
    )

    def change() -> None:
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=suppressed)],
            )
        )

    found = await _diagnostics_after(client, uri, change)
    assert "NORM003" not in {d.code for d in found} and "BOIL001" in {d.code for d in found}

    # Saving re-checks and publishes again.
    def save() -> None:
        client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )

    assert {d.code for d in await _diagnostics_after(client, uri, save)} == {d.code for d in found}


@pytest.mark.asyncio(loop_scope="module")
async def test_html_and_text_buffers(client: LanguageClient) -> None:
    page = _project() / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    uri = page.as_uri()
    found = await _diagnostics_after(client, uri, lambda: _open(client, uri, "html", PAGE))
    boilerplate = [d for d in found if d.code == "BOIL001"]
    assert boilerplate, found
    # The finding points into the page itself (line 3, where the comment form's paragraph is).
    assert boilerplate[0].range.start.line == 2
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=boilerplate[0].range,
            context=types.CodeActionContext(diagnostics=found),
        )
    )
    assert not actions  # a page's findings are in its extracted text: never written back as edits

    note = _project() / "note.txt"
    text = "Boil the water first.  Then pour it.\n"
    found = await _diagnostics_after(
        client, note.as_uri(), lambda: _open(client, note.as_uri(), "plaintext", text)
    )
    assert [d.code for d in found] == ["NORM003"]

    # An empty buffer (a new file) has no findings, and no error.
    empty = (_project() / "empty.md").as_uri()
    assert await _diagnostics_after(client, empty, lambda: _open(client, empty, "markdown", "")) == []

    # A language unspin does not read gets no diagnostics at all.
    client.diagnostics.pop("file:///tmp/unspin-lsp-other.py", None)
    _open(client, "file:///tmp/unspin-lsp-other.py", "python", "print('hi')\n")
    found = await _diagnostics_after(
        client, note.as_uri(), lambda: _open(client, note.as_uri(), "plaintext", text)
    )
    assert "file:///tmp/unspin-lsp-other.py" not in client.diagnostics
