"""Collection: every collector's APIs, once per account and region, scheduled within AWS's request budgets.

Only this package and :mod:`awsbp.aws` talk to AWS.

The scheduler (:func:`collect_account`): one job per (collector, region, API), slow jobs first (the long chains:
per-instance user data, the credential report, the largest listings), run by up to ``MAX_THREADS`` threads —
collection waits on the network, not the CPU — with at most ``budget(service).concurrency`` jobs in flight per
(service, region). Every HTTP request of a client (one per account, service and region; retries and the
collectors' own per-resource threads included) first takes a token from that client's bucket, refilled at
awsbp's share of AWS's documented rate (:mod:`awsbp.collect.budgets`), so a large region slows down before AWS
throttles it. If AWS throttles anyway (other tools share the account's buckets), botocore's adaptive retries slow
the client down, and a throttled call is retried past botocore's attempts, up to ``THROTTLED_ATTEMPTS``:
throttling delays an API, it does not lose it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

from awsbp import __version__
from awsbp.collect import (
    accessanalyzer,
    codebuild,
    codecommit,
    codepipeline,
    ec2,
    ecr,
    elb,
    elbv2,
    iam,
    lambda_,
    organizations,
    rds,
    secretsmanager,
)
from awsbp.collect.base import Api, ApiResult, call_api
from awsbp.collect.budgets import budget, within_budget
from awsbp.snapshot import GLOBAL, Snapshot

if TYPE_CHECKING:  # the session is handed in; the guard in awsbp.aws reads what collectors declare here
    from awsbp.aws import AwsSession

COLLECTORS: tuple[ModuleType, ...] = (
    ec2,
    elbv2,
    elb,
    rds,
    lambda_,
    iam,
    accessanalyzer,
    codebuild,
    codepipeline,
    codecommit,
    ecr,
    secretsmanager,
    organizations,
)


MAX_THREADS = 32  # collection threads per account: I/O bound, the budgets bound each (service, region)


def iam_actions(collectors: Iterable[ModuleType] = COLLECTORS) -> list[str]:
    """Every IAM action the collectors declare, sorted: the basis of the published read-only policy."""
    return sorted({action for module in collectors for action in module.ACTIONS})


def declared_operations(collectors: Iterable[ModuleType] = COLLECTORS) -> frozenset[str]:
    """``service.Operation`` of every IAM action the collectors declare: what the read-only guard allows
    (:func:`awsbp.aws.allowed_operations`). An action names its API operation; the service is the collector's
    botocore name (``elasticloadbalancing:DescribeLoadBalancers`` in ``elbv2`` → ``elbv2.DescribeLoadBalancers``)."""
    return frozenset(
        f"{module.SERVICE}.{action.split(':', 1)[1]}" for module in collectors for action in module.ACTIONS
    )


def readonly_policy(collectors: Iterable[ModuleType] = COLLECTORS) -> dict[str, object]:
    """The least-privilege IAM policy awsbp needs: exactly the actions the collectors declare."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "AwsbpReadOnly", "Effect": "Allow", "Action": iam_actions(collectors), "Resource": "*"}],
    }


Job = tuple[ModuleType, str, Api]


class _Clients:
    """The jobs' clients, created one after another by a thread of their own in the order the jobs start: a job
    waits for its own client only. (The session creates clients under one lock, a few to a few hundred ms of
    CPU each: created on demand by 32 job threads, a job whose client exists waited behind the creation of
    others.)"""

    def __init__(self, session: AwsSession, keys: list[tuple[str, str]]):
        self._ready = {key: threading.Event() for key in keys}
        self._made: dict[tuple[str, str], Any] = {}
        worker = threading.Thread(target=self._make, args=(session,), name="collect-clients", daemon=True)
        worker.start()

    def _make(self, session: AwsSession) -> None:
        for key in self._ready:
            try:
                self._made[key] = within_budget(session.client(*key), key[0])
            except Exception as err:  # noqa: BLE001 - handed to the jobs that need this client
                self._made[key] = err
            self._ready[key].set()

    def get(self, service: str, region: str) -> Any:
        """The client for ``(service, region)`` once created; its creation's exception if it failed."""
        self._ready[service, region].wait()
        made = self._made[service, region]
        if isinstance(made, Exception):
            raise made
        return made


def schedule(jobs: list[Job]) -> list[Job]:
    """The order jobs start in: slow APIs first (stable: the rest keep their order)."""
    return sorted(jobs, key=lambda job: not job[2].slow)


def run_jobs(
    jobs: list[Job], run: Callable[[Job], ApiResult], *, max_threads: int = MAX_THREADS
) -> dict[int, ApiResult]:
    """``run`` every job (``{index: result}``) on up to ``max_threads`` threads, at most
    ``budget(service).concurrency`` jobs of one (service, region) at a time, starting each job as soon as its
    (service, region) has room, in the order of ``jobs``."""
    results: dict[int, ApiResult] = {}
    pending = list(range(len(jobs)))
    in_flight: Counter[tuple[str, str]] = Counter()
    running = [0]
    changed = threading.Condition()

    def key(index: int) -> tuple[str, str]:
        module, region, _api = jobs[index]
        return module.SERVICE, region

    def work(index: int) -> None:
        try:
            results[index] = run(jobs[index])
        except Exception as err:  # noqa: BLE001 - a job that raises is recorded like a failed call
            results[index] = ApiResult(None, {"code": type(err).__name__, "message": str(err)})
        finally:
            with changed:
                in_flight[key(index)] -= 1
                running[0] -= 1
                changed.notify_all()

    threads = max(1, min(max_threads, len(jobs)))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="collect") as pool, changed:
        while pending or running[0]:
            for index in list(pending):
                if running[0] >= threads:
                    break
                service, region = key(index)
                if in_flight[service, region] < budget(service).concurrency:
                    pending.remove(index)
                    in_flight[service, region] += 1
                    running[0] += 1
                    pool.submit(work, index)
            changed.wait()
    return results


def collect_account(
    session: AwsSession,
    regions: list[str],
    identity: dict[str, str],
    *,
    collectors: Iterable[ModuleType] = COLLECTORS,
    max_threads: int = MAX_THREADS,
) -> Snapshot:
    """Collect every collector's APIs for one account (see the module's docstring for the scheduling); failures
    become ``snapshot.errors``."""
    started = datetime.now(UTC)
    jobs: list[Job] = []
    for module in collectors:
        scopes = [GLOBAL] if module.SCOPE == "global" else regions
        jobs.extend((module, region, api) for region in scopes for api in module.APIS)
    jobs = schedule(jobs)

    def client_key(job: Job) -> tuple[str, str]:
        module, region, _api = job
        return module.SERVICE, session.default_region if region == GLOBAL else region

    clients = _Clients(session, list(dict.fromkeys(client_key(job) for job in jobs)))

    def run(job: Job) -> ApiResult:
        _module, _region, api = job
        try:
            client = clients.get(*client_key(job))
        except Exception as err:  # noqa: BLE001 - an unusable client is recorded like a failed call
            return ApiResult(None, {"code": type(err).__name__, "message": str(err)})
        return call_api(client, api)

    snapshot = Snapshot(
        meta={
            "account_id": identity["account_id"],
            "partition": identity.get("partition", "aws"),
            "caller_arn": identity.get("arn", ""),
            "collected_at": started.isoformat(timespec="seconds"),
            "regions": list(regions),
            "tool_version": __version__,
            "services": sorted({m.SERVICE for m in collectors}),
        }
    )
    results = run_jobs(jobs, run, max_threads=max_threads)
    for index, (module, region, api) in enumerate(jobs):
        result = results[index]
        if result.notes:
            snapshot.meta.setdefault("notes", []).append(
                {"service": module.SERVICE, "region": region, "api": api.name, **result.notes}
            )
        if result.items is not None:
            snapshot.put(module.SERVICE, region, api.name, result.items)
        else:
            assert result.error is not None
            snapshot.record_error(module.SERVICE, region, api.name, result.error["code"], result.error["message"])
    snapshot.meta["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    snapshot.meta["calls"] = session.recorder.snapshot()
    return snapshot
