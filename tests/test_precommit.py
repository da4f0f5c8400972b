"""The pre-commit hooks in .pre-commit-hooks.yaml, run by pre-commit itself against a temporary git
repository, with a snapshot of this project as the hook repository (installed the way users get it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
GIT = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false"]
# What installing unspin needs; tests, benchmarks and outputs are left out of the snapshot.
SNAPSHOT = ["pyproject.toml", "README.md", "src", ".pre-commit-hooks.yaml", "constraints.txt"]


def test_manifest_is_valid() -> None:
    done = subprocess.run(
        [str(PRE_COMMIT), "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _snapshot(target: Path) -> str:
    target.mkdir()
    for name in SNAPSHOT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif source.exists():
            shutil.copy2(source, target / name)
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=target, check=True)
    subprocess.run([*GIT, "commit", "-qm", "snapshot"], cwd=target, check=True)
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=target, capture_output=True, text=True
    ).stdout.strip()


@pytest.mark.slow
def test_check_and_fix_hooks_in_a_repository(tmp_path: Path) -> None:
    rev = _snapshot(tmp_path / "unspin")
    repo = tmp_path / "content"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "unspin.toml").write_text('[languagetool]\nmode = "off"\n', encoding="utf-8")
    (repo / "clean.md").write_text(
        "# Tea\n\nSteep green tea in water that is not boiling.\n", encoding="utf-8"
    )
    stale = "# Coffee\n\n<!-- unspin-disable-next-line USP002 -->\nGrind the beans just before brewing.\n"
    (repo / "stale.md").write_text(stale, encoding="utf-8")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {tmp_path / 'unspin'}\n  rev: {rev}\n  hooks:\n"
        "  - id: unspin-check\n    args: [--fail-level, warning]\n  - id: unspin-fix\n",
        encoding="utf-8",
    )
    subprocess.run([*GIT, "add", "-A"], cwd=repo, check=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    env.pop("GITHUB_ACTIONS", None)

    first = subprocess.run(
        [str(PRE_COMMIT), "run", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    log = first.stdout + first.stderr
    assert first.returncode == 1, log
    # The check hook fails on the unused suppression (a warning, at --fail-level warning) …
    assert "unspin (check)" in log and "stale.md:3:1: USP001" in log
    # … and the fix hook removes it and fails because it changed a file, as pre-commit fixers do.
    assert "files were modified by this hook" in log
    assert (repo / "stale.md").read_text(encoding="utf-8") == stale.replace(
        "<!-- unspin-disable-next-line USP002 -->\n", ""
    )

    subprocess.run([*GIT, "add", "-A"], cwd=repo, check=True)
    second = subprocess.run(
        [str(PRE_COMMIT), "run", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.count("Passed") == 2
