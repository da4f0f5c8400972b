"""The contextual model as a run's shared resource, for every stage that reads it.

A run takes the trigram path (``--fast``) when asked to, or when the model is not installed: then a warning
once per process, or exit 2 with ``--require-model``. Files that are all there but do not load (a damaged
conversion) are an error: no stage can trust them.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from unspin.errors import DependencyError
from unspin.pipeline import Context

if TYPE_CHECKING:
    from unspin.neural.engine import ContextualLM

_WARNED: set[str] = set()


def warn_once(message: str) -> None:
    if message not in _WARNED:
        _WARNED.add(message)
        print(message, file=sys.stderr)


def contextual_lm(ctx: Context) -> ContextualLM | None:
    """The run's contextual model, loaded once per process, or None on the trigram path."""
    if ctx.settings.fast:
        return None
    from unspin.neural.engine import ContextualLM
    from unspin.neural.store import ModelMissing

    try:
        return ctx.resource("contextual_lm", ContextualLM.load, shared=True)
    except ModelMissing as exc:
        if ctx.settings.require_model:
            raise
        warn_once(f"unspin: warning: {exc}; the run uses the trigram model only (--fast)")
        return None
    except (RuntimeError, ValueError, OSError) as exc:
        raise DependencyError(
            f"the contextual language model cannot be loaded ({exc}); run `unspin model install --force`"
        ) from exc
