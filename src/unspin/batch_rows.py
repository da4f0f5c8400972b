"""The report rows of a batch, kept in an anonymous temporary file instead of memory.

A 100,000-article run would otherwise hold a few hundred megabytes of small dicts until the end; here
the client keeps two integers per article (its plan position and where its row starts in the file).
"""

from __future__ import annotations

import json
import tempfile
from array import array
from collections.abc import Iterator, Sequence
from typing import Any, overload


class RowStore(Sequence[Any]):
    """Rows (JSON values) added in any order with their plan position; read back in plan order."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (open as long as the store; closed with it)
        self._positions = array("q")
        self._offsets = array("q")
        self._order: list[int] | None = None

    def add(self, position: int, row: Any) -> None:
        self._file.seek(0, 2)
        self._offsets.append(self._file.tell())
        self._positions.append(position)
        self._file.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
        self._order = None

    def __len__(self) -> int:
        return len(self._offsets)

    def _ordered(self) -> list[int]:
        if self._order is None:
            self._order = sorted(range(len(self._offsets)), key=self._positions.__getitem__)
        return self._order

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        self._file.seek(self._offsets[self._ordered()[index]])
        return json.loads(self._file.readline())

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]

    def close(self) -> None:
        self._file.close()
