"""awsbp's request budgets per account, service and region, sized from AWS's documented request-rate buckets:
how many API jobs may be in flight, and a token bucket every HTTP request of a client takes from (retries and a
collector's own per-resource threads included); a throttled call is retried past botocore's attempts.

Read by the scheduler (:mod:`awsbp.collect`), by collectors that fan out per resource (user data per instance)
and by the benchmark's critical path.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Bucket:
    """AWS's token bucket for one service's read calls, per account and region: ``capacity`` calls at once,
    then ``refill`` per second."""

    capacity: float
    refill: float


@dataclass(frozen=True)
class Budget:
    """What awsbp allows itself per account, service and region: ``concurrency`` API jobs in flight, and HTTP
    requests (retries included) at ``rate`` per second after a first ``burst``."""

    concurrency: int
    rate: float
    burst: float


# AWS's documented request-rate buckets for the calls awsbp makes (per account and region):
AWS_BUCKETS: dict[str, Bucket] = {
    "ec2": Bucket(100, 20),  # EC2 API reference, "Request throttling": non-mutating actions (Describe*)
    "elbv2": Bucket(40, 10),  # ELB user guide, "Request throttling for the ELB API": non-mutating actions;
    "elb": Bucket(40, 10),  # each ELB API version has its own buckets
    "lambda": Bucket(15, 15),  # Lambda quotas: control-plane API requests, 15 per second
}
# IAM, STS, RDS, CodeBuild, CodePipeline, CodeCommit, ECR, Secrets Manager, Access Analyzer: AWS publishes no
# figure (IAM: "a maximum rate quota for your account"); assumed, on the low side.
UNPUBLISHED_BUCKET = Bucket(10, 10)
# awsbp takes 80 % of a bucket: the console, other tools and awsbp's own retries share the account's buckets.
HEADROOM = 0.8
# API jobs in flight per (service, region): enough to overlap the latency of EC2's dozen listings and its
# per-instance calls; the rate above, not this, is what keeps a busy region within its bucket.
CONCURRENCY: dict[str, int] = {"ec2": 10}
DEFAULT_CONCURRENCY = 4
# Attempts in all for a throttled call (botocore's adaptive retries give up after AwsSession's max_attempts):
# a throttled API is late, not missing. The wait before each extra attempt is botocore's throttling backoff
# (random, up to 2^(attempt − 1) s), capped at 10 s.
THROTTLED_ATTEMPTS = 10
THROTTLED_BACKOFF_CAP = 10.0  # seconds, the longest wait before one more attempt
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "EC2ThrottledException",
    }
)


def budget(service: str) -> Budget:
    """``budget("ec2") -> Budget(concurrency=10, rate=16.0, burst=80.0)``: awsbp's share of AWS's bucket."""
    bucket = AWS_BUCKETS.get(service, UNPUBLISHED_BUCKET)
    concurrency = CONCURRENCY.get(service, DEFAULT_CONCURRENCY)
    return Budget(concurrency, bucket.refill * HEADROOM, bucket.capacity * HEADROOM)


class TokenBucket:
    """``acquire()`` waits until a request may go: ``burst`` at once, then ``rate`` per second, first come first
    served (each caller reserves its token, then sleeps outside the lock)."""

    def __init__(self, rate: float, burst: float, *, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst = rate, max(1.0, burst)
        self._clock = clock
        self._tokens, self._stamp = self.burst, clock()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take a token; the seconds to wait before using it (0 when one was there)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= 1
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self) -> None:
        wait = self.reserve()
        if wait:
            time.sleep(wait)


def is_throttled(response: Any) -> bool:
    """``needs-retry``'s ``response`` (``(http_response, parsed)`` or ``None``) is a throttling answer."""
    if not response:
        return False
    http, parsed = response
    code = (parsed or {}).get("Error", {}).get("Code", "") if isinstance(parsed, dict) else ""
    return code in THROTTLING_CODES or getattr(http, "status_code", 0) == 429


def retry_throttled(response: Any = None, attempts: int = 1, **_: Any) -> float | None:
    """``needs-retry`` handler registered after botocore's: when botocore gives up on a throttled call, the
    seconds to wait before one more attempt (its throttling backoff: random up to 2^(attempt − 1) s, at most
    10 s), until ``THROTTLED_ATTEMPTS``; ``None`` otherwise (botocore's decision stands)."""
    if attempts >= THROTTLED_ATTEMPTS or not is_throttled(response):
        return None
    return random.uniform(0, min(THROTTLED_BACKOFF_CAP, 2.0 ** (attempts - 1)))


_prepare_lock = threading.Lock()


def within_budget(client: Any, service: str) -> Any:
    """``client`` with awsbp's request budget for ``service`` (once per client: one account, service and
    region): a token per HTTP request, and throttled calls retried past botocore's attempts."""
    with _prepare_lock:
        if "_awsbp_budget" not in client.__dict__:
            share = budget(service)
            bucket = TokenBucket(share.rate, share.burst)
            events = client.meta.events

            def take_token(**_: Any) -> None:  # before-send: a return value would replace the HTTP response
                bucket.acquire()

            events.register("before-send", take_token, unique_id="awsbp-request-budget")
            events.register("needs-retry", retry_throttled, unique_id="awsbp-retry-throttled")
            client.__dict__["_awsbp_budget"] = bucket
    return client
