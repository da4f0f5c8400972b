"""Fixtures shared by several test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from unspin.config import Settings


@pytest.fixture(scope="session")
def languagetool_url() -> Iterator[str]:
    """A real LanguageTool server for the modules that only send it text, started once for the session; a
    server that cannot start fails the tests. It is not counted among the servers a batch starts (the
    fault tests count and kill those), and it is stopped when the session ends."""
    from unspin.languagetool import server as lt_server

    server = lt_server.start_server(Settings())
    lt_server._LIVE.discard(server)
    try:
        yield server.url
    finally:
        server.stop()
