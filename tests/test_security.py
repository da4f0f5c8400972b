"""unspin never reaches outside its inputs and outputs.

- outputs stay inside ``--out``: inputs named with ``..`` or by absolute path, symlinks to files outside
  the input folder, and a symlinked folder inside ``--out`` that points elsewhere;
- the HTML report of a hostile article adds no element, handler or script, and keeps its CSP;
- no network connection except to the local LanguageTool server (an audit hook in a subprocess);
- inputs are never modified, except by ``check --fix``, which replaces a file atomically.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_report_html import parse

from unspin.cli import main

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = (
    "A note on tea\n\nRisk factors can contribute to the development of lower back pain in runners. "
    "Stretch before every run and rest when the muscles feel sore.\n"
)
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its bytes, and its inode (to see a replacement)."""
    return {
        p.relative_to(folder).as_posix(): f"{hashlib.sha256(p.read_bytes()).hexdigest()}:{p.stat().st_ino}"
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


# ------------------------------------------------------------------------------------ output paths


@pytest.mark.slow
def test_outputs_never_leave_the_output_folder(tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(ARTICLE.replace("tea", "salt"), encoding="utf-8")
    inputs = tmp_path / "in"
    (inputs / "sub").mkdir(parents=True)
    (inputs / "sub" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (inputs / "link.txt").symlink_to(outside / "secret.txt")  # a symlink out of the input folder
    (inputs / "linked-dir").symlink_to(outside, target_is_directory=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "work" / "out"
    out.mkdir(parents=True)
    before = _tree(tmp_path)

    dotted = f"{inputs}/sub/../sub/a.txt"  # a name with ".."
    status = main(["clean", str(inputs), dotted, "--out", str(out), "--no-grammar", "--quiet"])
    assert status == 0, capsys.readouterr().err
    written = set(_tree(tmp_path)) - set(before)
    assert written and all(w.startswith("work/out/") for w in written), written
    assert _tree(tmp_path).items() >= before.items()  # no file outside --out changed

    # Absolute paths of files anywhere: outputs named after the file, inside --out.
    status = main(["clean", str(outside / "secret.txt"), "--out", str(out), "--no-grammar", "--quiet"])
    assert status == 0 and (out / "secret.md").is_file()

    # A folder inside --out that is a symlink to somewhere else is not written through.
    (out / "sub").rename(tmp_path / "old-sub")
    (out / "sub").symlink_to(elsewhere, target_is_directory=True)
    status = main(["clean", str(inputs), "--out", str(out), "--no-grammar", "--quiet"])
    err = capsys.readouterr().err
    assert status == 2 and "would leave" in err, err
    assert list(elsewhere.iterdir()) == []
    # Nor by Dask workers that write outputs themselves on a shared filesystem.
    shared = ["--executor", "dask", "--jobs", "1", "--shared-fs", "--no-cache", "--fast"]
    status = main(["clean", str(inputs), "--out", str(out), "--no-grammar", "--quiet", *shared])
    err = capsys.readouterr().err
    assert status == 2 and "would leave" in err, err
    assert list(elsewhere.iterdir()) == []


# ------------------------------------------------------------------------------------- HTML report

HOSTILE_PAGE = """<html><head><title>x</title></head><body><article>
<h1>A guide to tea &lt;script&gt;window.__pwned=1&lt;/script&gt;</h1>
<p>Risk factors <img src=x onerror="window.__pwned=2"> can contribute to lower back pain. &lt;img src=x
onerror=alert(1)&gt; and &lt;/textarea&gt;&lt;svg onload=alert(2)&gt; are words here, not markup.</p>
<p>Stretch before every run &lt;!-- and rest --&gt; when the muscles feel sore &amp;&amp; tired.</p>
<script>window.__pwned = 3</script><iframe src="https://example.invalid/"></iframe>
</article></body></html>
"""


@pytest.mark.slow
def test_the_report_of_a_hostile_article_escapes_it_and_keeps_its_csp(tmp_path, capsys):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "hostile.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    (inputs / '<img src=x onerror="alert(4)">.txt').write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out"
    status = main(["clean", str(inputs), "--out", str(out), "--no-grammar", "--quiet"])
    assert status == 0, capsys.readouterr().err
    page = (out / "report.html").read_text(encoding="utf-8")
    parsed = parse(page)
    assert [(t, a) for t, attrs in parsed.tags for a in attrs if a.startswith("on")] == []
    assert not [t for t, _ in parsed.tags if t in ("img", "iframe", "textarea", "object", "embed")]
    assert len(parsed.scripts) == 2  # the data block and the page's own script
    assert "window.__pwned" not in "".join(parsed.scripts[1:])
    assert 'http-equiv="Content-Security-Policy"' in page and "default-src &#x27;none&#x27;" in page


# ------------------------------------------------------------------------------------------ network

# An audit hook that ends the process on any connection that is not to this machine (and on a name
# look-up of another host): run before unspin in a subprocess.
NO_NETWORK = textwrap.dedent(
    """
    import os, socket, sys

    LOCAL = ("127.0.0.1", "::1", "localhost")

    def hook(event, args):
        if event == "socket.connect":
            sock, address = args
            if sock.family != socket.AF_UNIX and address[0] not in LOCAL:
                sys.stderr.write(f"NETWORK: connect to {address}\\n")
                os._exit(97)
        elif event == "socket.getaddrinfo" and args[0] not in LOCAL + (None,):
            sys.stderr.write(f"NETWORK: look-up of {args[0]}\\n")
            os._exit(97)

    sys.addaudithook(hook)
    """
)


def _with_hook(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", NO_NETWORK + textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env=ENV,
    )


def test_the_network_guard_catches_a_connection() -> None:
    done = _with_hook(
        """
        import socket
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(1)
        sock.connect(("192.0.2.1", 80))
        """
    )
    assert done.returncode == 97 and "NETWORK: connect" in done.stderr, done.stderr


@pytest.mark.slow
def test_a_run_with_grammar_connects_only_to_the_local_languagetool(tmp_path) -> None:
    # One article runs every stage; its link to another host is never followed.
    page = ROOT / "input" / "backing-up-family-photos.md"
    assert "https://" in page.read_text(encoding="utf-8")
    out = tmp_path / "out"
    done = _with_hook(
        f"""
        import sys
        from unspin.cli import main
        status = main(["clean", {str(page)!r}, "--out", {str(out)!r}, "--quiet", "--require-grammar"])
        sys.exit(status)
        """
    )
    assert done.returncode == 0, done.stderr
    assert "NETWORK" not in done.stderr
    assert any(out.glob("*.json"))


# ------------------------------------------------------------------------------------------- inputs


@pytest.mark.slow
def test_inputs_are_never_modified_and_fix_replaces_atomically(tmp_path, capsys):
    folder = tmp_path / "docs"
    folder.mkdir()
    post = folder / "post.md"
    post.write_text("# Tea\n\nSome  tea is  good.\n\nLeave a Reply\n\nThe end of the post.\n", "utf-8")
    (folder / "page.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    before = _tree(folder)
    assert main(["clean", str(folder), "--out", str(tmp_path / "out"), "--no-grammar", "--quiet"]) == 0
    for args in (["--format", "json"], ["--diff"], ["--format", "sarif"]):
        main(["check", str(folder), "--no-grammar", "--no-cache", *args])
    capsys.readouterr()
    assert _tree(folder) == before

    inode = post.stat().st_ino
    main(["check", str(post), "--no-grammar", "--no-cache", "--fix", "--fail-level", "never"])
    after = _tree(folder)
    assert after["page.html"] == before["page.html"]
    assert post.read_text("utf-8") != "" and after["post.md"] != before["post.md"]
    assert post.stat().st_ino != inode  # a new file renamed over the old one, never written in place
    assert sorted(p.name for p in folder.iterdir()) == ["page.html", "post.md"]  # no temporary file left
