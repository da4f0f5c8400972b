"""Fixtures shared by several test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from unspin.config import Settings


@pytest.fixture(scope="module")
def languagetool_url() -> Iterator[str]:
    """A real LanguageTool server for a module that only sends it text; a server that cannot start fails the
    tests. Per module, not per session: the fault tests count and kill the servers a batch starts."""
    from unspin.languagetool.server import start_server

    server = start_server(Settings())
    try:
        yield server.url
    finally:
        server.stop()
