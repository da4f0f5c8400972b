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


def _worker_plugin(local_workers: int | None) -> Any:
    from distributed import WorkerPlugin

    class UnspinWorker(WorkerPlugin):
        """On a LocalCluster, share the machine's cores between the workers' models; stop what a worker's
        context started (a LanguageTool server) when the worker shuts down."""

        name = "unspin-context"

        def setup(self, worker: Any) -> None:
            if local_workers is not None:
                share_cores(local_workers)

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
            client.register_plugin(_worker_plugin(self.workers if cluster is not None else None))
            link = _dashboard_link(client, local=cluster is not None)
            if link and self.announce:
                self.announce(f"Dask dashboard: {link}")
            threads = sum(client.nthreads().values()) or self.workers or os.cpu_count() or 1
            in_flight = as_completed()
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
