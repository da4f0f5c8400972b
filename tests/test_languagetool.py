"""LanguageTool against a real server: install, lifecycle, client offsets, and the grammar stage.

Nothing here is skipped: without Java, Maven (or an installation) or a server that starts, these tests
fail, because unspin's grammar checks would not work either.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unspin.config import Settings
from unspin.document import Applicability, Category, Finding, Fix, Severity
from unspin.languagetool.cli import app as languagetool_app
from unspin.languagetool.client import LanguageToolClient
from unspin.languagetool.install import find_installation, install, require_java
from unspin.languagetool.server import ManagedServer, start_server
from unspin.pipeline import Context, Pipeline
from unspin.readers import read_path, read_text
from unspin.stages.grammar import GrammarService

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
KNOWN_BAD = "This are a error in the the text."
GRAMMAR_ORDER = ("normalize", "boilerplate", "parse", "stuffing", "spin", "rewrite", "grammar", "finalize")


def jvm_gone(pid: int, timeout: float = 15.0) -> bool:
    """Whether process ``pid`` has exited (a zombie awaiting its reaper counts as exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return True
        if stat.rsplit(")", 1)[1].split()[0] in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def lt_server() -> ManagedServer:
    settings = Settings()
    install(settings.languagetool, echo=lambda _line: None)  # idempotent: a no-op once installed
    with start_server(settings) as server:
        yield server


@pytest.fixture(scope="module")
def client(lt_server: ManagedServer) -> LanguageToolClient:
    return LanguageToolClient(lt_server.url)


def test_installation_is_verified_english_only() -> None:
    installation = find_installation(Settings().languagetool)
    names = {p.name for p in (installation.path / "libs").glob("*.jar")}
    assert installation.jar_count >= 100
    assert any(n.startswith("language-en-") for n in names)
    # English only: no German or French module (those come only with language-all).
    assert not any(n.startswith(("language-de-", "language-fr-", "language-all")) for n in names)


def test_known_bad_sentence_yields_expected_rules(client: LanguageToolClient) -> None:
    matches = client.check(KNOWN_BAD)
    by_rule = {m.rule_id: m for m in matches}
    assert {"EN_A_VS_AN", "ENGLISH_WORD_REPEAT_RULE"} <= set(by_rule)
    assert {"PLURAL_VERB_AFTER_THIS", "THIS_NNS"} & set(by_rule)
    assert KNOWN_BAD[by_rule["EN_A_VS_AN"].offset : by_rule["EN_A_VS_AN"].end] == "a"
    assert by_rule["EN_A_VS_AN"].replacements[0] == "an"
    repeat = by_rule["ENGLISH_WORD_REPEAT_RULE"]
    assert KNOWN_BAD[repeat.offset : repeat.end] == "the the"
    assert by_rule["EN_A_VS_AN"].category == "MISC"


def test_offsets_are_code_points_with_multibyte_text(client: LanguageToolClient) -> None:
    # Accents (2 UTF-8 bytes), CJK (3 bytes) and emoji (4 bytes, two UTF-16 units) before the errors.
    prefix = "Café 😀 naïve 東京 😀😀 — "
    text = prefix + KNOWN_BAD + " 🏃 I saw a owl 🦉 in the the garden."
    matches = client.check(text)
    spans = {(m.rule_id, text[m.offset : m.end]) for m in matches}
    assert ("EN_A_VS_AN", "a") in spans
    repeats = [m for m in matches if m.rule_id == "ENGLISH_WORD_REPEAT_RULE"]
    assert [text[m.offset : m.end] for m in repeats] == ["the the", "the the"]
    assert repeats[0].offset == len(prefix) + KNOWN_BAD.index("the the")
    assert repeats[1].offset == text.rindex("the the")


def _grammar_settings(url: str) -> Settings:
    return Settings().with_overrides(languagetool={"url": url, "mode": "required"})


def test_grammar_stage_maps_matches_to_source(lt_server: ManagedServer) -> None:
    source = (
        "Intro — «quoted» text.\n\nWe walked to a old house 🏠 and the the door was open.\n\nHe is tired.\n"
    )
    doc = read_text(source)
    # An earlier stage's edit turns "is" into "are": the agreement error LanguageTool then finds lies in
    # rewritten text, so it is reported on the edited source span, without a fix.
    verb = source.index("is tired")
    edit = Fix.replace(verb, verb + 2, "are", Applicability.SAFE)
    doc.add(Finding("TEST", Category.SPIN, Severity.WARNING, verb, verb + 2, "test edit", 0.8, edit))
    settings = _grammar_settings(lt_server.url)
    with Context(settings) as ctx:
        Pipeline(settings, order=("rewrite", "grammar", "finalize")).run([doc], ctx)
    grammar = [f for f in doc.findings if f.rule.startswith("GRAM")]
    by_lt = {f.evidence["lt_rule"]: f for f in grammar}
    article = by_lt["EN_A_VS_AN"]
    assert source[article.start : article.end] == "a"
    assert article.fix is not None and article.fix.applicability == Applicability.SAFE
    repeat = by_lt["ENGLISH_WORD_REPEAT_RULE"]
    assert source[repeat.start : repeat.end] == "the the"
    assert repeat.evidence["lt_category"] == "MISC" and repeat.alternatives[0]["text"] == "the"
    assert doc.clean_text is not None
    assert "We walked to an old house 🏠 and the door was open." in doc.clean_text
    in_edit = [f for f in grammar if f.start <= verb < f.end]
    assert in_edit, "LanguageTool flags the agreement error the edit introduced"
    for f in in_edit:
        assert f.fix is None and f.evidence["in_rewritten_text"]
        assert source[f.start : f.end].startswith("is")


def test_protected_markup_is_not_checked(lt_server: ManagedServer) -> None:
    source = "---\ntitle: Teh fronte mattre\n---\n\nRunners need a easy plan.\n\n```\nthe the code\n```\n"
    doc = read_text(source, "md")
    settings = _grammar_settings(lt_server.url)
    with Context(settings) as ctx:
        Pipeline(settings, order=("rewrite", "grammar")).run([doc], ctx)
    grammar = [f for f in doc.findings if f.rule.startswith("GRAM")]
    assert [source[f.start : f.end] for f in grammar if f.evidence["lt_rule"] == "EN_A_VS_AN"] == ["a"]
    for f in grammar:
        assert not doc.is_protected(f.start, f.end), (f.evidence["lt_rule"], source[f.start : f.end])


def test_spelling_never_touches_names_or_keyphrase(lt_server: ManagedServer) -> None:
    source = "Zorblatt Quenvik opened a clinic.\n\nThe zentrofix method helps runners. Teh method works.\n"
    doc = read_text(source)
    doc.keyphrase = "zentrofix method"
    settings = _grammar_settings(lt_server.url)
    with Context(settings) as ctx:
        Pipeline(settings, order=("parse", "rewrite", "grammar")).run([doc], ctx)
    spelled = [source[f.start : f.end] for f in doc.findings if f.rule == "GRAM002"]
    assert "Teh" in spelled
    assert "zentrofix" not in spelled
    assert not {"Zorblatt", "Quenvik"} & set(spelled)
    assert "zentrofix" in doc.analysis["grammar"]["spelling_kept"]


def test_batch_runs_through_one_managed_server() -> None:
    """The input/ batch: the stage starts one server for all documents and ctx.close() stops it."""
    paths = sorted(p for p in (REPO / "input").iterdir() if p.suffix in (".txt", ".md", ".html"))
    assert paths, "input/ holds the sample articles"
    docs = [read_path(p) for p in paths]
    settings = Settings().with_overrides(languagetool={"mode": "required"})
    os.environ.pop("UNSPIN_LANGUAGETOOL_URL", None)
    with Context(settings) as ctx:
        Pipeline(settings, order=GRAMMAR_ORDER).run(docs, ctx)
        service: GrammarService = ctx.resource("languagetool", lambda: pytest.fail("started a second time"))
        assert service.managed and service.server.alive()
        pid = service.server.pid
    assert jvm_gone(pid), "ctx.close() left the JVM running"
    for doc in docs:
        assert "grammar" not in doc.skipped
        assert doc.analysis["grammar"]["server"] == "managed"
    assert any(f.rule.startswith("GRAM") for doc in docs for f in doc.findings)


def _bare_server() -> ManagedServer:
    """A server without the warm-up check: lifecycle tests need the process, not loaded rules."""
    return ManagedServer(find_installation(Settings().languagetool), java=require_java())


def test_stop_leaves_no_jvm() -> None:
    server = _bare_server().start()
    pid = server.pid
    run_dir = server.run_dir
    assert pid is not None and server.alive()
    server.stop()
    assert jvm_gone(pid)
    assert run_dir is not None and not run_dir.exists()
    server.stop()  # a second stop is harmless


_CHILD = textwrap.dedent(
    """
    import sys, time
    from unspin.config import Settings
    from unspin.languagetool.install import find_installation, require_java
    from unspin.languagetool.server import ManagedServer
    server = ManagedServer(find_installation(Settings().languagetool), java=require_java()).start()
    print(server.pid, flush=True)
    time.sleep(300)
    """
)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_jvm_dies_with_interrupted_parent(signum: signal.Signals) -> None:
    """Ctrl-C, a polite kill and even SIGKILL of the Python process leave no JVM behind."""
    child = subprocess.Popen([sys.executable, "-c", _CHILD], stdout=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline() if child.stdout else ""
        assert line.strip().isdigit(), "the child could not start a server"
        pid = int(line)
        child.send_signal(signum)
        child.wait(timeout=30)
        assert jvm_gone(pid), f"JVM {pid} survived {signum.name}"
        # The next server start sweeps the folders of owners that died without cleaning up.
        with _bare_server():
            pass
        owners = [p.read_text() for p in Path(tempfile.gettempdir()).glob("unspin-languagetool-*/owner.pid")]
        assert str(child.pid) not in owners
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_cli_install_is_idempotent_and_status_answers(lt_server: ManagedServer) -> None:
    runner = CliRunner()
    installed = runner.invoke(languagetool_app, ["install"])
    assert installed.exit_code == 0, installed.output
    assert "Already installed" in installed.output and "MB" in installed.output
    status = runner.invoke(languagetool_app, ["status", "--url", lt_server.url])
    assert status.exit_code == 0, status.output
    assert "Answers: yes (LanguageTool 6.8)" in status.output


def test_required_mode_with_a_dead_url_raises() -> None:
    from unspin.errors import DependencyError

    doc = read_text("This are a error.")
    settings = Settings().with_overrides(languagetool={"url": "http://127.0.0.1:9", "mode": "required"})
    with pytest.raises(DependencyError), Context(settings) as ctx:
        Pipeline(settings, order=("rewrite", "grammar")).run([doc], ctx)


def test_server_fails_fast_with_the_log_when_the_jvm_dies() -> None:
    from unspin.languagetool.install import LanguageToolUnavailable

    installation = find_installation(Settings().languagetool)
    # A malformed config number makes LanguageTool exit at once; start() must report that, not wait.
    server = ManagedServer(installation, java=require_java(), config_overrides={"maxCheckThreads": "x"})
    started = time.monotonic()
    with pytest.raises(LanguageToolUnavailable, match="exited with status") as failure:
        server.start()
    assert time.monotonic() - started < 60
    assert "NumberFormatException" in str(failure.value)  # the log excerpt explains why
    assert server.process is None
    server.stop()  # removes the log folder kept for the error message


def test_a_dead_managed_server_is_restarted_and_the_batch_goes_on(capsys: pytest.CaptureFixture[str]) -> None:
    """A worker's server killed between chunks: the next chunk starts another one and is checked."""
    settings = Settings().with_overrides(languagetool={"mode": "required"})
    os.environ.pop("UNSPIN_LANGUAGETOOL_URL", None)
    pipeline = Pipeline(settings, order=GRAMMAR_ORDER)
    with Context(settings) as ctx:
        first = [read_text(KNOWN_BAD, "txt")]
        pipeline.run(first, ctx)
        dead: GrammarService = ctx.resource("languagetool", lambda: pytest.fail("not started"))
        os.kill(dead.server.pid, signal.SIGKILL)
        assert jvm_gone(dead.server.pid)
        second = [read_text(KNOWN_BAD, "txt")]
        pipeline.run(second, ctx)
        again: GrammarService = ctx.resource("languagetool", lambda: pytest.fail("not restarted"))
        assert again.server is not dead.server and again.server.alive()
        pid = again.server.pid
    assert jvm_gone(pid), "ctx.close() left the restarted JVM running"
    assert "stopped; starting another" in capsys.readouterr().err
    rules = [sorted(f.rule for f in doc.findings if f.rule.startswith("GRAM")) for doc in (*first, *second)]
    assert rules[0] and rules[0] == rules[1]
