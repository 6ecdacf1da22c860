"""Where per-account jobs run: a local thread pool (the default) or a Dask distributed cluster.

A job is one call of a module-level function (``runner.assess_account``: collect, check, export, render one
account); both executors take the same calls and return the same results, so a batch that outgrows one
machine changes only ``--executor dask --scheduler tcp://HOST:8786``. With Dask, every worker must reach AWS
(its own credentials or role) and the output directory (shared storage), and have awsbp installed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Protocol

from awsbp.errors import ParamsError

EXECUTORS = ("local", "dask")


class Submitter(Protocol):
    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any: ...


@contextmanager
def open_executor(
    kind: str = "local", *, workers: int = 2, scheduler: str | None = None, timeout: str = "20s"
) -> Iterator[Submitter]:
    """A pool whose ``submit(fn, *args, **kwargs)`` returns a future with ``result()``.

    ``local``: threads in this process (``workers`` of them). ``dask``: the cluster at ``scheduler``, or a
    ``LocalCluster`` of ``workers`` single-threaded worker processes when none is given. An unreachable
    scheduler is a :class:`ParamsError` after ``timeout``.
    """
    if kind == "local":
        with ThreadPoolExecutor(max_workers=workers) as pool:
            yield pool
        return
    if kind != "dask":
        raise ParamsError(f"unknown executor {kind!r}; use one of {', '.join(EXECUTORS)}")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ParamsError("the dask executor needs dask.distributed: pip install 'awsbp[dask]'") from None
    if scheduler:
        try:
            client = Client(scheduler, timeout=timeout)
        except OSError as err:
            raise ParamsError(f"cannot reach the Dask scheduler at {scheduler}: {err}; check --scheduler") from None
        with client:
            yield _DaskPool(client)
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield _DaskPool(client)


class _DaskPool:
    def __init__(self, client: Any):
        self.client = client

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return self.client.submit(fn, *args, pure=False, **kwargs)  # every job runs, even with equal arguments
