"""The critical path of one account's collection: the least wall time any collector needs for the calls awsbp
made, at a given latency per call and within the request budgets awsbp allows itself per service and region
(:func:`awsbp.collect.budgets.budget`, sized from AWS's documented request-rate buckets).

Computed from the calls counted **at the server** per operation and signing region (retries included), with
``L`` the latency added to every call:

* **prefix** — what must happen before any listing: ``sts.AssumeRole`` (a member account) and
  ``sts.GetCallerIdentity``, one after another;
* **chains** — calls that must run one after another:
  - the pages of one listing in one region (each page needs the previous page's token); a retried call too;
  - the credential report: ``GenerateCredentialReport`` until it answers COMPLETE, with awsbp's polling waits
    between tries (0.5 s, doubling, at most 5 s: :func:`awsbp.collect.iam.credential_report`), then
    ``GetCredentialReport``;
  - per-resource calls after the listing that names the resources, ``ceil(n / concurrency)`` rounds at the
    service's allowed concurrency or, past the bucket's burst, its rate (``L + (n − burst) / rate``), whichever
    is longer: user data per instance after ``DescribeInstances``, SSH keys per holder of HTTPS Git credentials
    after ``ListServiceSpecificCredentials``, ``GetPipeline`` after ``ListPipelines``, ``BatchGetProjects``
    after ``ListProjects`` (the bucket counted full when the listing ends: a lower bound);
* **budget bounds** — all calls of one (service, region) share a budget: at most ``concurrency`` in flight
  (``ceil(calls / concurrency)`` rounds of ``L``) and, past the first ``burst`` calls, ``rate`` per second
  (``L + (calls − burst) / rate``).

critical path = prefix + the longest chain or budget bound. Two variants:

* **nominal** — every call takes exactly ``L``: what a collector could reach against an endpoint that answers in
  ``L`` whatever the load (AWS, roughly); moto's own work and botocore's backoff between retries come on top;
* **with moto's CPU** — every call takes ``L`` plus the CPU time moto spent answering it (measured in the
  server's thread, averaged per operation and region), and one more bound: moto answers every request of the
  run in one process under one interpreter lock, so the run cannot be shorter than the sum of that CPU time.
  This is the bound this simulated endpoint allows; on two busy cores moto also waits for a core, which no
  bound can see.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from awsbp.collect.budgets import Budget, budget

# per-resource call -> the listing that names its resources
FAN_OUT = {
    "ec2.DescribeInstanceAttribute": "ec2.DescribeInstances",
    "iam.ListSSHPublicKeys": "iam.ListServiceSpecificCredentials",
    "codepipeline.GetPipeline": "codepipeline.ListPipelines",
    "codebuild.BatchGetProjects": "codebuild.ListProjects",
}
PREFIX = ("sts.AssumeRole", "sts.GetCallerIdentity")
REPORT_GENERATE, REPORT_GET = "iam.GenerateCredentialReport", "iam.GetCredentialReport"
SERVER_CPU = "moto's CPU for every call (one interpreter lock)"


def poll_waits(tries: int) -> float:
    """Seconds awsbp waits between ``tries`` GenerateCredentialReport calls (0.5, 1, 2, 4, 5, 5, …)."""
    waits, delay = 0.0, 0.5
    for _ in range(max(0, tries - 1)):
        waits += delay
        delay = min(delay * 2, 5)
    return waits


@dataclass
class CriticalPath:
    """The bound (seconds) and what set it."""

    seconds: float
    prefix: float
    longest: str
    chains: dict[str, float] = field(default_factory=dict)


def critical_path(
    by_region: dict[str, dict[str, int]],
    latency: float,
    limit: Callable[[str], Budget] = budget,
    *,
    server_cpu: dict[str, dict[str, float]] | None = None,
) -> CriticalPath:
    """The critical path of one account's collection (see the module's docstring), from the server's counts
    ``{"ec2.DescribeVpcs": {"us-east-1": 1, …}, …}``, ``latency`` in seconds and ``limit(service)``; nominal, or
    with moto's CPU seconds per operation and region (``server_cpu``, same shape as the counts).

    >>> counts = {"sts.GetCallerIdentity": {"us-east-1": 1}, "ec2.DescribeInstances": {"eu-west-1": 1},
    ...           "ec2.DescribeInstanceAttribute": {"eu-west-1": 25}}
    >>> round(critical_path(counts, 0.1, lambda s: Budget(10, 100, 100)).seconds, 2)  # 0.1 + (1 + 3 rounds) × 0.1
    0.5
    """

    def each(name: str, region: str) -> float:
        """One call's weight: ``latency``, plus moto's mean CPU time answering this operation here."""
        n = by_region.get(name, {}).get(region, 0)
        if server_cpu is None or not n:
            return latency
        return latency + server_cpu.get(name, {}).get(region, 0.0) / n

    def total(name: str, region: str) -> float:
        return by_region.get(name, {}).get(region, 0) * each(name, region)

    prefix = sum(total(name, region) for name in PREFIX for region in by_region.get(name, {}))
    chains: dict[str, float] = {}
    per_budget: dict[tuple[str, str], tuple[int, float]] = {}
    for name, counts in by_region.items():
        if name in PREFIX:
            continue
        service = name.split(".", 1)[0]
        for region, n in counts.items():
            calls, work = per_budget.get((service, region), (0, 0.0))
            per_budget[service, region] = (calls + n, work + total(name, region))
            if name in FAN_OUT:
                share = limit(service)
                rounds = math.ceil(n / share.concurrency) * each(name, region)
                paced = latency + max(0.0, n - share.burst) / share.rate
                chains[f"{FAN_OUT[name]} → {name} ({region})"] = total(FAN_OUT[name], region) + max(rounds, paced)
            elif name == REPORT_GENERATE:
                label = f"{name} ×{n} → {REPORT_GET} (polling waits included)"
                chains[label] = total(name, region) + total(REPORT_GET, region) + poll_waits(n)
            elif name != REPORT_GET:
                chains[f"{name} ({region})"] = total(name, region)
    for (service, region), (n, work) in per_budget.items():
        share = limit(service)
        spread = max(math.ceil(n / share.concurrency) * latency, work / share.concurrency)
        paced = latency + max(0.0, n - share.burst) / share.rate
        chains[f"{service} budget in {region}: {n} calls"] = max(spread, paced)
    longest = max(chains, key=lambda k: chains[k]) if chains else "-"
    seconds = prefix + (chains[longest] if chains else 0.0)
    if server_cpu is not None:  # every call's CPU, prefix included, one after another under moto's lock
        everything = sum(sum(per_region.values()) for per_region in server_cpu.values())
        chains[SERVER_CPU] = everything
        if everything > seconds:
            seconds, longest = everything, SERVER_CPU
    return CriticalPath(seconds, prefix, longest, chains)
