"""Built-in stages, one module each. Importing this package registers them (see pipeline.STAGES)."""

from __future__ import annotations

from unspin.stages import (  # noqa: F401  (imported for registration)
    boilerplate,
    grammar,
    lists,
    normalize,
    parse,
    score,
    spin,
    structure,
    stuffing,
)
