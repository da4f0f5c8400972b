"""One JSON object per diagnostic and line (the ``json`` diagnostic shape plus its ``path``), for
streaming consumers and ``jq``."""

from __future__ import annotations

import json
from typing import TextIO

from unspin.emitters.diagnostics import EmitContext, FileResult
from unspin.emitters.json_check import diagnostic_dict, json_default


def emit(results: list[FileResult], out: TextIO, ctx: EmitContext) -> None:
    for result in results:
        for diag in result.diagnostics:
            record = {"path": result.path, **diagnostic_dict(diag)}
            out.write(json.dumps(record, ensure_ascii=False, default=json_default) + "\n")
