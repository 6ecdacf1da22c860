"""Where per-account jobs run: a local thread pool (the default) or a Dask distributed cluster.

A job is one call of a module-level function (``runner.assess_account``: collect, check, export, render one
account); both executors take the same calls and return the same results, so a batch that outgrows one
machine changes only ``--executor dask --scheduler tcp://HOST:8786``. With Dask, every worker must reach AWS
(its own credentials or role) and the output directory (shared storage), and have awsbp installed.

What a Dask job carries, and what it never does:

* **never a credential.** A worker reaches AWS through its own credential chain (instance profile, its own
  profile) and assumes the audit role named in the params. Before a job leaves this process,
  :func:`refuse_credentials` walks its arguments and refuses any boto3/botocore object (a session carries its
  keys), the value of this process's secret key or session token, and any non-empty secret-named field
  (``SecretAccessKey``, ``aws_session_token``, …): a mistake fails here, loudly, instead of shipping keys.
  (An access key id alone is an identifier, not a credential: a suppression may name one.)
* **the simulated endpoint, for the demo only.** While the demo's simulated environment lasts
  (:func:`jobs_carry`, entered by :func:`awsbp.demo.server.simulated_environment`), each job carries that
  loopback endpoint (a URL, not a secret) with the function that enters it, and the worker enters the same
  simulated environment around the job (dummy ``testing`` keys of its own, its real profiles hidden), then
  puts its environment back. The batch never imports the demo: the demo hands its environment down.
  Environment variables are process-wide: jobs
  of one worker process share one environment at a time (:class:`_Environment`), so a worker started with
  ``--nthreads 2`` runs a simulated and a real job one after the other, never together. ``--nthreads 1`` (the
  README's advice: collection is threaded inside a job) never waits.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from awsbp.errors import AwsbpError, ParamsError

EXECUTORS = ("local", "dask")
# this process's variables whose values are secrets: a job carrying one of these values is refused
SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
# field names that hold a secret (AssumeRole's Credentials, boto3.Session's keywords, the shared files' keys)
SECRET_FIELDS = frozenset(
    {"secretaccesskey", "sessiontoken", "aws_secret_access_key", "aws_session_token", "aws_security_token"}
)
NOT_A_SECRET = frozenset({"testing"})  # the demo's dummy keys (awsbp.demo.world.DEMO_CREDENTIAL)


JobEnvironment = tuple[Callable[[str], AbstractContextManager[None]], str]
"""How a worker enters the environment a job must run in, and its endpoint (the demo's simulated AWS)."""
_CARRIED: list[JobEnvironment] = []  # innermost last


@contextmanager
def jobs_carry(enter: Callable[[str], AbstractContextManager[None]], endpoint: str) -> Iterator[None]:
    """While this lasts, every Dask job opened here carries ``endpoint`` and runs inside ``enter(endpoint)`` on
    its worker (a module-level function: it travels by name). Example::

        with jobs_carry(simulated_environment, "http://127.0.0.1:5000"):
            run(params, executor="dask")
    """
    carried = (enter, endpoint)
    _CARRIED.append(carried)
    try:
        yield
    finally:
        _CARRIED.remove(carried)


def carried_environment() -> JobEnvironment | None:
    """The environment jobs carry now (:func:`jobs_carry`), or ``None``: a real run, the worker's own chain."""
    return _CARRIED[-1] if _CARRIED else None


class CredentialLeak(AwsbpError):
    """A job's arguments hold a credential; it was not sent."""


class Submitter(Protocol):
    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any: ...


@contextmanager
def open_executor(
    kind: str = "local", *, workers: int = 2, scheduler: str | None = None, timeout: str = "20s"
) -> Iterator[Submitter]:
    """A pool whose ``submit(fn, *args, **kwargs)`` returns a future with ``result()``.

    ``local``: threads in this process (``workers`` of them). ``dask``: the cluster at ``scheduler``, or a
    ``LocalCluster`` of ``workers`` single-threaded worker processes when none is given. An unreachable
    scheduler is a :class:`ParamsError` after ``timeout``. Dask jobs carry no credential (see the module's
    docstring) and, inside the demo's simulated environment, its endpoint.
    """
    if kind == "local":
        with ThreadPoolExecutor(max_workers=workers, initializer=_leave_ctrl_c_to_the_main_thread) as pool:
            yield pool
        return
    if kind != "dask":
        raise ParamsError(f"unknown executor {kind!r}; use one of {', '.join(EXECUTORS)}")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ParamsError("the dask executor needs dask.distributed: pip install 'awsbp[dask]'") from None
    simulated = carried_environment()
    if scheduler:
        try:
            client = Client(scheduler, timeout=timeout)
        except OSError as err:
            raise ParamsError(f"cannot reach the Dask scheduler at {scheduler}: {err}; check --scheduler") from None
        with client:
            yield _DaskPool(client, simulated)
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # no dashboard; the scheduler's HTTP endpoints on any free port (its default, 8787, warns when taken)
            scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield _DaskPool(client, simulated)


def _leave_ctrl_c_to_the_main_thread() -> None:
    """Block SIGINT in a job's thread (and the threads it starts, which inherit the mask): the kernel then
    delivers Ctrl-C to the main thread, which wakes from its wait at once and stops the queued jobs, instead of
    noticing only when the running job ends."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


class _DaskPool:
    def __init__(self, client: Any, simulated: JobEnvironment | None = None):
        self.client = client
        self.simulated = simulated

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        refuse_credentials((fn, args, kwargs))
        # pure=False: every job runs, even with equal arguments
        return self.client.submit(run_job, self.simulated, fn, *args, pure=False, **kwargs)


def run_job(simulated: JobEnvironment | None, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """In the worker: ``fn(*args, **kwargs)`` inside the environment ``simulated`` names (the demo's), or in the
    worker's own environment (``None``: a real run, the worker's own credential chain)."""
    with _ENVIRONMENT.lease(simulated):
        return fn(*args, **kwargs)


class _Environment:
    """One environment at a time for the jobs of a worker process: the worker's own (``None``) or the simulated
    one at an endpoint. Jobs needing the current one run together; a job needing another waits until they are
    done; the last job out puts the worker's environment back."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._current: JobEnvironment | None = None
        self._jobs = 0
        self._exit: Any = None

    @contextmanager
    def lease(self, simulated: JobEnvironment | None) -> Iterator[None]:
        with self._changed:
            while self._jobs and self._current != simulated:
                self._changed.wait()
            if not self._jobs and simulated:
                enter, endpoint = simulated
                self._exit = enter(endpoint)
                self._exit.__enter__()
            self._current = simulated
            self._jobs += 1
        try:
            yield
        finally:
            with self._changed:
                self._jobs -= 1
                if not self._jobs and self._exit is not None:
                    exit_, self._exit = self._exit, None
                    exit_.__exit__(None, None, None)
                    self._current = None
                self._changed.notify_all()


_ENVIRONMENT = _Environment()


def refuse_credentials(payload: Any) -> None:
    """Raise :class:`CredentialLeak` if ``payload`` (a job's function and arguments) holds a credential: a
    boto3/botocore object (a session or its credentials), the value of one of this process's
    :data:`SECRET_VARIABLES` (alone or inside a longer string), or a non-empty secret-named field."""
    secrets = {os.environ[name] for name in SECRET_VARIABLES if os.environ.get(name)} - NOT_A_SECRET
    seen: set[int] = set()

    def walk(value: Any, where: str) -> None:
        if value is None or isinstance(value, bool | int | float | bytes | os.PathLike):
            return
        if id(value) in seen:
            return
        seen.add(id(value))
        module = type(value).__module__ or ""
        if module.split(".")[0] in ("boto3", "botocore") or type(value).__name__ == "AwsSession":
            raise CredentialLeak(f"a job must not carry {type(value).__name__} ({where}): workers use their own")
        if isinstance(value, str):
            if value in secrets or any(secret in value for secret in secrets if len(secret) >= 16):
                raise CredentialLeak(f"a job must not carry this process's AWS credentials ({where})")
            return
        if isinstance(value, dict):
            for key, item in value.items():
                if str(key).replace("-", "_").lower() in SECRET_FIELDS and item and item not in NOT_A_SECRET:
                    raise CredentialLeak(f"a job must not carry a secret ({where}.{key})")
                walk(key, where)
                walk(item, f"{where}.{key}")
            return
        if isinstance(value, list | tuple | set | frozenset):
            for index, item in enumerate(value):
                walk(item, f"{where}[{index}]")
            return
        if callable(value) and not hasattr(value, "__dict__"):
            return
        fields = getattr(value, "__dict__", None)
        if isinstance(fields, dict) and not isinstance(value, type) and not callable(value):
            walk(dict(fields), f"{where}:{type(value).__name__}")

    walk(payload, "job")
