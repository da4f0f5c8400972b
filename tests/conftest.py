"""Fixtures shared by several test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from unspin.config import Settings


@pytest.fixture(scope="session")
def languagetool_url() -> Iterator[str]:
    """One real LanguageTool server for the modules that only send it text; a server that cannot start
    fails the tests (tests that stop or kill a server start their own)."""
    from unspin.languagetool.server import start_server

    server = start_server(Settings())
    try:
        yield server.url
    finally:
        server.stop()
