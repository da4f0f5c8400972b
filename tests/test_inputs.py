"""Expanding folders, files and globs into the batch's article list (``api.collect_inputs``)."""

from __future__ import annotations

from pathlib import Path

from unspin import api
from unspin.config import Settings


def _touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("A short note about a tidy garden.\n", encoding="utf-8")


def test_a_folder_is_walked_in_path_order_without_hidden_or_excluded_files(tmp_path: Path) -> None:
    # "a-b" sorts before "a/" as text ("-" < "/") but after it by path parts; the plan follows the parts.
    _touch(
        tmp_path,
        "a-b.md",
        "a/x.md",
        "a/b/y.txt",
        "a.b/z.html",
        "B.md",
        "a/.hidden/h.md",
        ".git/config.md",
        "drafts/d.md",
        "notes.pdf",
    )
    settings = Settings(exclude=("drafts/*",))
    paths, problems = api.collect_inputs([str(tmp_path)], settings)

    assert not problems
    expected = sorted(
        p
        for p in tmp_path.rglob("*")
        if p.is_file()
        and p.suffix in {".md", ".txt", ".html"}
        and not any(part.startswith(".") or part == "drafts" for part in p.relative_to(tmp_path).parts)
    )
    assert list(paths) == expected
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        "B.md",
        "a/b/y.txt",
        "a/x.md",
        "a-b.md",
        "a.b/z.html",
    ]


def test_a_file_named_twice_is_taken_once(tmp_path: Path) -> None:
    _touch(tmp_path, "one.md", "sub/two.md")
    paths, problems = api.collect_inputs(
        [str(tmp_path / "one.md"), str(tmp_path), str(tmp_path / "sub" / ".." / "one.md")], Settings()
    )
    assert not problems
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == ["one.md", "sub/two.md"]
    assert paths[0] == tmp_path / "one.md" and paths[-1:] == [tmp_path / "sub" / "two.md"]


def test_outputs_keep_sub_folders_and_shared_stems_keep_their_suffix(tmp_path: Path) -> None:
    _touch(tmp_path, "site/x.md", "site/x.txt", "site/deep/y.md", "loose.md")
    args = [str(tmp_path / "site"), str(tmp_path / "loose.md")]
    paths, _ = api.collect_inputs(args, Settings())
    stems = api._output_stems(paths, args)
    assert dict(zip((p.name for p in paths), stems, strict=True)) == {
        "y.md": "deep/y",
        "x.md": "x.md",
        "x.txt": "x.txt",
        "loose.md": "loose",
    }
