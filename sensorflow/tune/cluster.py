"""A Dask client for ``tune`` and ``features``: a ``distributed.LocalCluster`` (one
single-threaded worker process per core, or ``workers``) or an existing scheduler at
``tcp://HOST:PORT``. Workers of an existing cluster need sensorflow importable and the
pipeline's data readable at the same path."""

from __future__ import annotations

import contextlib
import logging
import os

from ..errors import ConfigError, ToolMissingError


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ToolMissingError("this needs dask distributed; install it with: pip install 'sensorflow[tune]'") from None
    return distributed


@contextlib.contextmanager
def client(scheduler: str | None = None, workers: int | None = None):
    """Yield ``(client, description)``; the local cluster is closed on exit (also on Ctrl-C)."""
    distributed = _distributed()
    if scheduler:
        if not scheduler.startswith(("tcp://", "tls://", "inproc://", "ws://")):
            raise ConfigError(f"--scheduler {scheduler}: give an address like tcp://HOST:PORT")
        try:
            c = distributed.Client(scheduler, timeout="20s")
        except OSError as exc:
            raise ConfigError(
                f"--scheduler {scheduler}: cannot connect ({exc}); is 'dask scheduler' running?"
            ) from None
        try:
            yield c, scheduler
        finally:
            c.close()
        return
    n = int(workers) if workers else (os.cpu_count() or 1)
    if n < 1:
        raise ConfigError("--workers must be at least 1")
    cluster = distributed.LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # any free port: several clusters may run on one machine
        silence_logs=logging.ERROR,
        env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
    )
    c = distributed.Client(cluster)
    try:
        yield c, f"LocalCluster({n} workers)"
    finally:
        c.close()
        cluster.close()


def n_workers(c) -> int:
    return len(c.scheduler_info().get("workers", {}))
