"""`unspin clean --executor dask`: speed-up, overhead and client memory, measured in turn on one machine.

    python -m bench.dask_bench speed --copies 2          # the bench corpus ×2: Dask 1 vs 2 workers, --jobs 2
    python -m bench.dask_bench speed --core-per-worker   # Dask 1 vs 2 workers, each held to a core of its own
    python -m bench.dask_bench overhead --articles 2000    # the Dask path's own cost per article
    python -m bench.dask_bench memory --sizes 1000,10000,100000 [--external]

speed: the same corpus through `clean_paths` (grammar off) with, in turn, one process (SerialExecutor),
a Dask LocalCluster of 1 worker, of 2 workers, and the local pool of 2 processes. Model loading is not
counted for one process and the clusters (each cleans one article first; the time is reported), but is for
the pool, whose workers start from a fork server inside the run. Chunks of 2 articles. Reported: seconds
and articles/s per run, Dask 2 workers / 1 worker, Dask 2 workers / `--jobs 2`, and the Dask path's
overhead per article (Dask with 1 worker minus one process, divided by the article count).

With --core-per-worker only the two Dask runs are made, each worker held to one core of its own (every
thread of its process, by affinity) and its model to one thread: the scale-out figure of a cluster, where a
worker brings its own cores. Without it, a lone worker's model uses both cores of this machine, so a second
worker adds little: that figure says how much one machine gains from two processes instead.

memory: generated small articles, cleaned on a 2-worker LocalCluster with a fast configuration (only the
normalize, structure and score stages: the workers' speed is not what is measured), while a thread samples
the client process's RSS; the peak during the run and after the report are printed per size.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the bench package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import shutil
import tempfile
import threading
import time
from typing import Any

from bench.common import CORPUS, RESULTS, revision
from unspin import api
from unspin.config import Settings
from unspin.pipeline import DEFAULT_ORDER

NO_GRAMMAR = Settings(disabled_stages=("grammar",))
FAST = Settings(
    disabled_stages=tuple(s for s in DEFAULT_ORDER if s not in ("normalize", "structure", "score"))
)


def _corpus(folder: Path, copies: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for copy in range(copies):
        for article in sorted((CORPUS / "articles").glob("*.txt")):
            shutil.copy(article, folder / f"{article.stem}-{copy}.txt")
    return sorted(folder.iterdir())


def _warm_worker(workers: int = 1) -> float:
    """A worker loads spaCy, the language model and the thesauri on its first article, not in the timing;
    its model takes its share of the cores first, as the executors arrange. Returns the seconds it took."""
    from unspin.executors import Chunk, WorkItem, run_chunk, share_cores

    started = time.perf_counter()
    share_cores(workers)
    sample = sorted((CORPUS / "articles").glob("*.txt"))[0]
    run_chunk(Chunk((WorkItem(0, str(sample), str(sample), "warm"),)), NO_GRAMMAR)
    return time.perf_counter() - started


def _hold_to_core(core: int) -> int:
    """In a Dask worker, before its models load: every thread of the process on ``core`` alone, and the
    model on one thread (threads started later inherit the affinity of the thread that starts them)."""
    import os

    os.environ["UNSPIN_MODEL_THREADS"] = "1"
    for task in os.listdir("/proc/self/task"):
        os.sched_setaffinity(int(task), {core})
    return core


def _timed_clean(inputs: Path, out: Path, settings: Settings, batch_size: int = 8) -> float:
    started = time.perf_counter()
    result = api.clean_paths([str(inputs)], out, settings, use_cache=False, batch_size=batch_size)
    assert not result.problems
    return time.perf_counter() - started


def speed(copies: int) -> dict[str, Any]:
    from distributed import Client, LocalCluster

    work = Path(tempfile.mkdtemp(prefix="unspin-dask-bench."))
    inputs = work / "in"
    count = len(_corpus(inputs, copies))
    runs: dict[str, float] = {}
    # Chunks of 2 articles, so that two workers share the corpus evenly whatever its size.
    load_seconds = _warm_worker()  # this process, for the serial run
    runs["one process"] = _timed_clean(inputs, work / "serial", NO_GRAMMAR, batch_size=2)
    # The pool's workers start from a fork server, so each loads its models inside this timing.
    runs["--jobs 2"] = _timed_clean(inputs, work / "pool", NO_GRAMMAR.with_overrides(jobs=2), batch_size=2)
    for workers in (1, 2):
        with (
            LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0") as cluster,
            Client(cluster) as client,
        ):
            client.run(_warm_worker, workers)
            settings = NO_GRAMMAR.with_overrides(executor="dask", scheduler=cluster.scheduler_address)
            runs[f"dask {workers} worker{'s' if workers > 1 else ''}"] = _timed_clean(
                inputs, work / f"dask{workers}", settings, batch_size=2
            )
    shutil.rmtree(work)
    return {
        "articles": count,
        "batch_size": 2,
        "model_load_seconds_per_process": round(load_seconds, 2),
        "seconds": {k: round(v, 2) for k, v in runs.items()},
        "articles_per_second": {k: round(count / v, 3) for k, v in runs.items()},
        "dask_2_over_1": round(runs["dask 1 worker"] / runs["dask 2 workers"], 3),
        "dask_2_over_jobs_2": round(runs["--jobs 2"] / runs["dask 2 workers"], 3),
        "dask_overhead_ms_per_article": round(
            1000 * (runs["dask 1 worker"] - runs["one process"]) / count, 1
        ),
    }


def speed_core_per_worker(copies: int) -> dict[str, Any]:
    """Dask 1 worker against 2, each worker held to a core of its own (see the module's help)."""
    from distributed import Client, LocalCluster

    work = Path(tempfile.mkdtemp(prefix="unspin-dask-bench."))
    inputs = work / "in"
    count = len(_corpus(inputs, copies))
    runs: dict[str, float] = {}
    for workers in (1, 2):
        with (
            LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=":0") as cluster,
            Client(cluster) as client,
        ):
            for core, address in enumerate(sorted(client.scheduler_info()["workers"])):
                client.run(_hold_to_core, core, workers=[address])
            client.run(_warm_worker, workers)
            settings = NO_GRAMMAR.with_overrides(executor="dask", scheduler=cluster.scheduler_address)
            runs[f"dask {workers} worker{'s' if workers > 1 else ''}, a core each"] = _timed_clean(
                inputs, work / f"dask{workers}", settings, batch_size=2
            )
    shutil.rmtree(work)
    one, two = runs["dask 1 worker, a core each"], runs["dask 2 workers, a core each"]
    return {
        "articles": count,
        "batch_size": 2,
        "seconds": {k: round(v, 2) for k, v in runs.items()},
        "articles_per_second": {k: round(count / v, 3) for k, v in runs.items()},
        "dask_2_over_1": round(one / two, 3),
    }


def overhead(count: int) -> dict[str, Any]:
    """The Dask path's cost per article on its own: small generated articles through the fast stages,
    in this process and then on a warm 1-worker LocalCluster (bytes sent and outputs returned)."""
    from distributed import Client, LocalCluster

    work = Path(tempfile.mkdtemp(prefix="unspin-dask-overhead."))
    _generated(work / "in", count)
    runs: dict[str, float] = {}
    api.clean_paths([str(work / "in")], work / "warm", FAST, use_cache=False)  # load what the stages use
    runs["one process"] = _timed_clean(work / "in", work / "serial", FAST)
    with (
        LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        client.run(_warm_fast)
        settings = FAST.with_overrides(executor="dask", scheduler=cluster.scheduler_address)
        runs["dask 1 worker"] = _timed_clean(work / "in", work / "dask", settings)
    shutil.rmtree(work)
    return {
        "articles": count,
        "configuration": "stages normalize, structure, score; batch 8",
        "seconds": {k: round(v, 2) for k, v in runs.items()},
        "dask_overhead_ms_per_article": round(
            1000 * (runs["dask 1 worker"] - runs["one process"]) / count, 2
        ),
    }


def _warm_fast() -> None:
    with tempfile.TemporaryDirectory() as folder:
        _generated(Path(folder) / "in", 8)
        api.clean_paths([str(Path(folder) / "in")], Path(folder) / "out", FAST, use_cache=False)


def _generated(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        sub = folder / f"{i // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"a{i:06d}.txt").write_text(
            f"Article {i}\n\nA short note number {i} about keeping a garden tidy in the spring.\n",
            encoding="utf-8",
        )


class _RssSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        import psutil

        self.process = psutil.Process()
        self.peak = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.05)


def memory(sizes: list[int], external: bool = False) -> dict[str, Any]:
    from distributed import Client, LocalCluster
    from distributed.deploy.subprocess import SubprocessCluster

    rows = []
    # A LocalCluster's scheduler lives in the client's process, as with `--executor dask` and no address;
    # with `external` the scheduler has a process of its own, as a cluster joined with `--scheduler` does.
    make = SubprocessCluster if external else LocalCluster
    with (
        make(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster),
    ):
        settings = FAST.with_overrides(executor="dask", scheduler=cluster.scheduler_address)
        for size in sizes:
            work = Path(tempfile.mkdtemp(prefix="unspin-dask-mem."))
            _generated(work / "in", size)
            sampler = _RssSampler()
            sampler.start()
            started = time.perf_counter()
            result = api.clean_paths(
                [str(work / "in")], work / "out", settings, batch_size=64, use_cache=False
            )
            sampler.running = False
            sampler.join()
            assert len(result.documents) == size
            rows.append(
                {
                    "articles": size,
                    "seconds": round(time.perf_counter() - started, 1),
                    "client_peak_rss_mb": round(sampler.peak / 2**20, 1),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
            shutil.rmtree(work)
    scheduler = "in its own process" if external else "in the client's process (LocalCluster)"
    return {
        "configuration": f"stages normalize, structure, score; batch 64; 2 workers; scheduler {scheduler}",
        "runs": rows,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="what", required=True)
    speed_args = sub.add_parser("speed")
    speed_args.add_argument("--copies", type=int, default=2)
    speed_args.add_argument("--core-per-worker", action="store_true")
    overhead_args = sub.add_parser("overhead")
    overhead_args.add_argument("--articles", type=int, default=2000)
    memory_args = sub.add_parser("memory")
    memory_args.add_argument("--sizes", default="1000,10000,100000")
    memory_args.add_argument("--external", action="store_true", help="scheduler in a process of its own")
    parser.add_argument("--out", type=Path, help="Write the results here (JSON).")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in getattr(args, "sizes", "0").split(",")]
    if args.what == "overhead":
        results = overhead(args.articles)
    elif args.what == "memory":
        results = memory(sizes, args.external)
    elif args.core_per_worker:
        results = speed_core_per_worker(args.copies)
    else:
        results = speed(args.copies)
    results = {"revision": revision(), **results}
    print(json.dumps(results, indent=2))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()


__all__ = ["RESULTS", "main"]
