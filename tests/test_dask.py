"""`unspin clean --executor dask` on a real Dask LocalCluster of worker processes.

The outputs of a Dask run (NAME.md, NAME.json, report.json, report.html) must be byte-identical to a
single-process run; a worker killed mid-run costs a retry, not a lost or duplicated output; an interrupted
run leaves only complete files and the next run finishes the rest without redoing what is up to date.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from unspin import api, executors
from unspin.config import ConfigError, Settings, from_mapping
from unspin.emitters.html_report import write_report

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
TOPICS = [
    ("tea", "Brewing tea well takes fresh water, the right heat and a little patience."),
    ("bikes", "A bicycle chain lasts longer when it is cleaned and oiled every few weeks."),
    ("bread", "Sourdough bread needs a lively starter, a long rise and a very hot oven."),
    ("plants", "Houseplants in winter want less water, more light and no cold draughts."),
]


def make_corpus(folder: Path, count: int) -> Path:
    """Small articles with a little spun wording, so that fixes are applied and reported."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        name, sentence = TOPICS[i % len(TOPICS)]
        text = (
            f"# Notes on {name} number {i}\n\n{sentence} "
            "Many people find that a little care goes a long way. "
            f"This is article {i}, and it has a big amount of useful tips.\n\n"
            "In conclusion, the best results come from regular habits and a bit of curiosity.\n"
        )
        (folder / f"{name}-{i:03d}.md").write_text(text, encoding="utf-8")
    (folder / "broken.txt").write_bytes(b"\xff\xfe not utf-8 \x00")
    return folder


def settings(tmp_path: Path, **overrides: object) -> Settings:
    base = Settings(disabled_stages=("grammar",), cache_dir=str(tmp_path / "cache"))
    return base.with_overrides(**overrides)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("dask") / "articles", 8)


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The single-process outputs every other executor must reproduce byte for byte."""
    work = tmp_path_factory.mktemp("reference")
    result = api.clean_paths([str(corpus)], work / "out", settings(work), use_cache=False)
    assert len(result.documents) == 8 and len(result.problems) == 1
    files = tree(work / "out")
    assert {"report.json", "report.html"} <= set(files) and len(files) == 2 * 8 + 2
    return files


def test_dask_and_pool_outputs_are_byte_identical_to_one_process(
    corpus: Path, reference: dict[str, bytes], tmp_path: Path
) -> None:
    dask_run = api.clean_paths(
        [str(corpus)], tmp_path / "dask", settings(tmp_path, executor="dask", jobs=2), batch_size=2
    )
    assert tree(tmp_path / "dask") == reference
    assert [p.path for p in dask_run.problems] == [str(corpus / "broken.txt")]
    assert "binary file" in dask_run.problems[0].message

    api.clean_paths(
        [str(corpus)], tmp_path / "pool", settings(tmp_path, jobs=2), batch_size=2, use_cache=False
    )
    assert tree(tmp_path / "pool") == reference


def test_worker_killed_mid_run_costs_a_retry_not_an_output(
    corpus: Path, reference: dict[str, bytes], tmp_path: Path
) -> None:
    """Join an existing cluster by address, with workers that read and write files themselves."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as observer,
    ):
        pids = observer.run(os.getpid)
        killed: list[int] = []

        def kill_a_busy_worker() -> None:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline and not killed:
                busy = [w for w, tasks in observer.processing().items() if tasks and w in pids]
                # Kill only once work is under way on that worker (its first chunk has loaded the models).
                if busy and any((tmp_path / "out").rglob("*.md")):
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    killed.append(pids[busy[0]])
                time.sleep(0.05)

        killer = threading.Thread(target=kill_a_busy_worker)
        killer.start()
        result = api.clean_paths(
            [str(corpus)],
            tmp_path / "out",
            # A paged report: the workers also write each article's page themselves.
            settings(
                tmp_path,
                executor="dask",
                scheduler=cluster.scheduler_address,
                shared_fs=True,
                report_paged_from=2,
            ),
            batch_size=1,
            use_cache=False,
        )
        killer.join()
        # Every worker, the nanny's replacement included, runs without the statistical profiler.
        profiling = observer.run(lambda dask_worker: "profile" in dask_worker.periodic_callbacks)
    assert profiling and not any(profiling.values()), profiling
    assert killed, "no worker was busy to be killed"
    written = tree(tmp_path / "out")
    pages = {name: data for name, data in written.items() if name.startswith("report-pages/")}
    assert {n: d for n, d in written.items() if n not in pages and n != "report.html"} == {
        n: d for n, d in reference.items() if n != "report.html"
    }
    # The pages the workers wrote are the ones `unspin report` makes from the JSON files.
    shutil.rmtree(tmp_path / "out" / "report-pages")
    write_report(tmp_path / "out", paged_from=2)
    assert tree(tmp_path / "out") == written and len(pages) == 8
    sources = [row["source"] for row in result.documents]
    assert len(sources) == len(set(sources)) == 8


def test_interrupted_run_leaves_complete_files_and_the_rerun_finishes_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Enough articles for several chunks of 8, so that work is still under way when Ctrl-C comes.
    corpus = make_corpus(tmp_path / "articles", 40)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "unspin.cli", "clean", str(corpus), "--out", str(out), "-q"]
    command += ["--executor", "dask", "--jobs", "2", "--no-grammar"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    proc = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and len(list(out.rglob("*.json"))) < 2 and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "unspin: interrupted" in stderr
    written = tree(out)
    finished_before = {n for n in written if n.endswith(".md") and n[:-3] + ".json" in written}
    assert 1 <= len(finished_before) < 40 and "report.json" not in written

    processed: list[str] = []
    real_run_chunk = executors.run_chunk

    def counting(chunk: executors.Chunk, run_settings: Settings) -> list[executors.Outcome]:
        processed.extend(item.path for item in chunk.items)
        return real_run_chunk(chunk, run_settings)

    monkeypatch.setattr(executors, "run_chunk", counting)
    monkeypatch.chdir(tmp_path)  # where the interrupted run kept its result cache
    result = api.clean_paths([str(corpus)], out, Settings(disabled_stages=("grammar",)))
    final = tree(out)
    assert len(result.documents) == 40 and len(final) == 2 * 40 + 2
    # Only complete files were left: each one is what the finished batch has.
    assert all(final[name] == data for name, data in written.items())
    # The rerun processed what was missing (and the unreadable file, which has no output), and of the
    # finished articles at most the one whose result was being recorded when Ctrl-C came.
    redone = [p for p in processed if Path(p).stem + ".md" in finished_before]
    assert len(processed) - len(redone) == 41 - len(finished_before)
    assert len(redone) <= 1


def test_executor_and_scheduler_are_config_keys() -> None:
    loaded = from_mapping({"executor": "dask", "scheduler": "tcp://10.0.0.5:8786", "shared-fs": True})
    assert (loaded.executor, loaded.scheduler, loaded.shared_fs) == ("dask", "tcp://10.0.0.5:8786", True)
    with pytest.raises(ConfigError, match="executor: expected one of local, dask"):
        from_mapping({"executor": "spark"})
    with pytest.raises(ConfigError, match="report-paged-from: expected a positive integer"):
        from_mapping({"report-paged-from": 0})
