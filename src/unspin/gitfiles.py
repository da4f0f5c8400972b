"""Files changed in git, for ``unspin check --changed-since REF``.

"Changed" means added, copied, modified or renamed between the merge base of REF and HEAD and the
working tree (committed, staged or not), plus untracked files that are not ignored: what a pull request
or a local branch would add to REF.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from unspin.errors import UnspinError


class GitError(UnspinError):
    """git is missing, the folder is not a repository, or the revision is unknown (exit status 2)."""


def _git(args: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8", check=False
        )
    except FileNotFoundError:
        raise GitError("--changed-since needs git, which is not installed") from None
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
        raise GitError(f"git {' '.join(args[:2])}: {detail}")
    return done.stdout


def repository_root(cwd: Path) -> Path:
    return Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())


def changed_since(ref: str, cwd: Path | None = None) -> set[Path]:
    """Absolute, resolved paths of the files changed since the merge base of ``ref`` and HEAD."""
    cwd = cwd or Path.cwd()
    top = repository_root(cwd)
    try:
        base = _git(["merge-base", ref, "HEAD"], top).strip()
    except GitError as exc:
        raise GitError(f"--changed-since {ref}: no merge base with HEAD ({exc})") from None
    changed = _git(["diff", "--name-only", "-z", "--diff-filter=ACMRT", base], top).split("\0")
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], top).split("\0")
    return {(top / name).resolve() for name in (*changed, *untracked) if name}


def find_repository_root(start: Path) -> Path | None:
    """The nearest folder upwards that holds ``.git`` (no subprocess: used to make paths
    repository-relative for every run)."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return None
