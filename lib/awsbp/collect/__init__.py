"""Collection: every collector's APIs, once per account and region, in a thread pool.

Only this package and :mod:`awsbp.aws` talk to AWS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING

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


def collect_account(
    session: AwsSession,
    regions: list[str],
    identity: dict[str, str],
    *,
    collectors: Iterable[ModuleType] = COLLECTORS,
    max_threads: int = 8,
    progress: Callable[[int], None] | None = None,
) -> Snapshot:
    """Collect every collector's APIs for one account; failures become ``snapshot.errors``."""
    started = datetime.now(UTC)
    jobs: list[tuple[ModuleType, str, Api]] = []
    for module in collectors:
        scopes = [GLOBAL] if module.SCOPE == "global" else regions
        jobs.extend((module, region, api) for region in scopes for api in module.APIS)
    jobs.sort(key=lambda job: not job[2].slow)  # slow APIs first (stable: the rest keep their order)

    def run(job: tuple[ModuleType, str, Api]) -> ApiResult:
        module, region, api = job
        client_region = session.default_region if region == GLOBAL else region
        try:
            client = session.client(module.SERVICE, client_region)
        except Exception as err:  # noqa: BLE001 - an unusable client is recorded like a failed call
            return ApiResult(None, {"code": type(err).__name__, "message": str(err)})
        result = call_api(client, api)
        if progress:
            progress(1)
        return result

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
    with ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="collect") as pool:
        results = list(pool.map(run, jobs))
    for (module, region, api), result in zip(jobs, results, strict=True):
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


def job_count(regions: list[str], collectors: Iterable[ModuleType] = COLLECTORS) -> int:
    """How many API listings :func:`collect_account` will run (for progress bars)."""
    return sum(len(m.APIS) * (1 if m.SCOPE == "global" else len(regions)) for m in collectors)
