"""Chunks on a Dask cluster: a LocalCluster of worker processes, or an existing cluster by address.

Back-pressure: at most ``2 ×`` the cluster's worker threads chunks are in flight; the next chunk is
submitted when a result comes back (``distributed.as_completed``), so the client never holds more than
that many chunks' bytes and outcomes, whatever the size of the batch. A worker that dies mid-chunk is
replaced by its nanny and the scheduler runs the chunk again elsewhere; the outcome is consumed once.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from unspin.config import Settings
from unspin.errors import UnspinError
from unspin.executors import Chunk, Consume, close_worker_context, run_chunk, share_cores


def _worker_plugin(per_host: dict[str, int]) -> Any:
    from distributed import WorkerPlugin

    class UnspinWorker(WorkerPlugin):
        """Share each machine's cores between the worker processes on it (``per_host``: how many there are),
        before a model loads; stop what a worker's context started (a LanguageTool server) when the worker
        shuts down."""

        name = "unspin-context"

        def setup(self, worker: Any) -> None:
            share_cores(per_host.get(_host(worker.address), 1))
            _keep_freed_memory()
            _stop_profiler(worker)

        def teardown(self, worker: Any) -> None:
            close_worker_context()

    return UnspinWorker()


class DaskExecutor:
    def __init__(self, scheduler: str | None, workers: int, announce: Callable[[str], None] | None = None):
        self.scheduler = scheduler
        self.workers = workers
        self.announce = announce

    def run(self, chunks: Iterator[Chunk], settings: Settings, consume: Consume) -> None:
        from distributed import Client, LocalCluster, as_completed

        cluster: Any = None
        if self.scheduler:
            try:
                client = Client(self.scheduler, timeout="30s")
            except (OSError, TimeoutError) as exc:
                raise UnspinError(f"cannot reach the Dask scheduler at {self.scheduler} ({exc})") from None
        else:
            cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            )
            client = Client(cluster)
        try:
            client.register_plugin(_worker_plugin(_workers_per_host(client)))
            link = _dashboard_link(client, local=cluster is not None)
            if link and self.announce:
                self.announce(f"Dask dashboard: {link}")
            threads = sum(client.nthreads().values()) or self.workers or os.cpu_count() or 1
            # Bound to this client's event loop: by default as_completed follows the process's default
            # client, which is another client (with its own loop) when the caller already holds one; a
            # future whose result is lost after it was yielded is then awaited on two loops and fails.
            in_flight = as_completed(loop=client.loop)
            for chunk in islice(chunks, 2 * threads):
                in_flight.add(client.submit(run_chunk, chunk, settings, pure=False))
            for future in in_flight:
                outcomes = future.result()
                future.release()
                consume(outcomes)
                following = next(chunks, None)
                if following is not None:
                    in_flight.add(client.submit(run_chunk, following, settings, pure=False))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def _keep_freed_memory() -> None:
    """Undo, for this worker, the nanny's MALLOC_TRIM_THRESHOLD_=65536: setting it also stops glibc from
    raising its mmap threshold, so every large buffer the model frees goes back to the system and faults
    in again on the next batch (measured: the model scored 1.6x slower in a worker than in a plain
    process). mallopt sets the thresholds back to glibc's largest dynamic values; elsewhere it is a no-op."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 32 * 2**20)
    mallopt(m_trim_threshold, 64 * 2**20)


def _stop_profiler(worker: Any) -> None:
    """Stop the worker's statistical profiler for the dashboard: every 10 ms it takes the GIL to walk the
    stack of the thread running a chunk, which slows unspin's Python-heavy stages (measured in
    bench/dask_bench.py). Nothing else needs it."""
    for name in ("profile", "profile-cycle"):
        callback = worker.periodic_callbacks.pop(name, None)
        if callback is not None:
            callback.stop()


def _host(address: str) -> str:
    """``tcp://10.0.0.5:40123`` → ``10.0.0.5``."""
    return address.split("://", 1)[-1].rsplit(":", 1)[0]


def _workers_per_host(client: Any) -> dict[str, int]:
    """How many worker processes each machine of the cluster runs."""
    counts: dict[str, int] = {}
    for address in client.nthreads():
        counts[_host(address)] = counts.get(_host(address), 0) + 1
    return counts


def _dashboard_link(client: Any, local: bool) -> str | None:
    """The dashboard's address when the scheduler serves one, else None. Without bokeh a LocalCluster's
    dashboard port only serves a page asking for it, so no link is given."""
    if local and importlib.util.find_spec("bokeh") is None:
        return None
    try:
        services = client.scheduler_info().get("services", {})
    except Exception:
        return None
    return client.dashboard_link if "dashboard" in services else None
