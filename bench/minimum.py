"""The pagination minimum: the calls a perfect collector needs for what awsbp collects.

For each listing API, ``ceil(items / largest page)`` calls (at least one) in each region where it is
collected; plus the calls no bulk API can replace (one per resource: an instance's user data, a user's SSH
keys of a user holding CodeCommit HTTPS Git credentials, a pipeline's definition; BatchGetProjects takes
100 names). Counted from a
snapshot, so it is the minimum for exactly the data awsbp gathered.
"""

from __future__ import annotations

import math
from typing import Any

from awsbp.snapshot import Snapshot

# largest page of each listing (items per call); AWS's documented maxima
PAGE = {
    "ec2.DescribeRouteTables": 100,
    "lambda.ListFunctions": 50,
    "rds.DescribeDBInstances": 100,
    "rds.DescribeDBClusters": 100,
    "rds.DescribeDBSubnetGroups": 100,
    "elbv2.DescribeLoadBalancers": 400,
    "elb.DescribeLoadBalancers": 400,
    "secretsmanager.ListSecrets": 100,
    "accessanalyzer.ListAnalyzers": 1000,
    "codecommit.ListRepositories": 1000,
    "ecr.DescribeRepositories": 1000,
}
DEFAULT_PAGE = 1000  # every other EC2 Describe* and IAM listing
SINGLE = {"iam.GetCredentialReport", "iam.GetAccountSummary", "iam.GetAccountPasswordPolicy"}


def minimum_calls(snapshot: Snapshot) -> dict[str, int]:
    """``{"ec2.DescribeInstances": 2, …}``: the fewest calls per operation for the snapshot's data."""
    out: dict[str, int] = {}

    def add(name: str, n: int) -> None:
        out[name] = out.get(name, 0) + n

    holders = 0
    add("sts.GetCallerIdentity", 1)  # the account id
    failed = {f"{error['service']}.{error['api']}" for error in snapshot.errors}
    tried = {(e["service"], e["region"], e["api"]) for e in snapshot.errors}
    for service, _region, api in sorted(tried):  # a perfect collector tries once in each region, too …
        if api == "ListSSHPublicKeys" and "iam.ListServiceSpecificCredentials" in failed:
            continue  # … but not what depends on a failed listing
        add(f"{service}.{api}", 1)
    for service, regions in snapshot.data.items():
        for apis in regions.values():
            for api, items in apis.items():
                name = f"{service}.{api}"
                n = len(items or [])
                if name in SINGLE:
                    add(name, 1)
                    if api == "GetCredentialReport":
                        add("iam.GenerateCredentialReport", 1)
                elif name == "ec2.DescribeInstanceAttribute":
                    add(name, n)  # one per instance: no bulk API returns user data
                elif name == "codebuild.BatchGetProjects":
                    add("codebuild.ListProjects", max(1, math.ceil(n / 100)))
                    if n:
                        add(name, math.ceil(n / 100))
                elif name == "codepipeline.GetPipeline":
                    add("codepipeline.ListPipelines", max(1, math.ceil(n / 1000)))
                    add(name, n)
                elif name == "iam.GetAccountAuthorizationDetails":
                    detail: dict[str, Any] = (items or [{}])[0]
                    total = sum(len(v) for v in detail.values() if isinstance(v, list))
                    add(name, max(1, math.ceil(total / DEFAULT_PAGE)))
                elif name == "iam.ListSSHPublicKeys":
                    continue  # per holder of HTTPS Git credentials, below
                elif name == "iam.ListServiceSpecificCredentials":  # every user's at once (AllUsers)
                    add(name, max(1, math.ceil(n / DEFAULT_PAGE)))
                    holders = len(
                        {c["UserName"] for c in items or [] if c.get("ServiceName", "").startswith("codecommit")}
                    )
                else:
                    add(name, max(1, math.ceil(n / PAGE.get(name, DEFAULT_PAGE))))
    if holders and "iam.ListSSHPublicKeys" not in failed:
        add("iam.ListSSHPublicKeys", holders)
    return out
