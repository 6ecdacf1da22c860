"""What a real AWS endpoint adds to moto's answers: network latency, and throttling past a request rate.

Two WSGI middlewares put in front of the moto server (like :mod:`bench.counting`):

* :class:`Latency` answers every request ``ms`` milliseconds after it arrives (± ``jitter``, uniform), on top of
  moto's own time: moto on loopback answers in milliseconds where AWS takes tens to hundreds;
* :class:`Throttle` keeps a token bucket per caller key, service and region (AWS throttles per account and
  region; in the benchmark one account has one key) and, past ``rate`` requests per second after a first
  ``burst``, answers the **service's own** throttling error, so that botocore's retry logic treats it as AWS's:
  EC2 ``RequestLimitExceeded`` (HTTP 503, EC2's XML), query services (IAM, STS, RDS, ELB) ``Throttling``
  (HTTP 400, query XML), JSON services ``ThrottlingException`` (HTTP 400), REST services HTTP 429
  (Lambda ``TooManyRequestsException``, the others ``ThrottlingException``).

    server = DemoServer().start()
    throttle = network.install(server, latency_ms=100, throttle="aws")   # then counting.install(server)
"""

from __future__ import annotations

import io
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from awsbp.demo.wire import credential_scope

from bench.counting import SIGNING_TO_CLIENT, operation

# REST services' throttling error codes (HTTP 429); every other REST service answers ThrottlingException
REST_THROTTLING = {"lambda": "TooManyRequestsException"}
MESSAGE = "Rate exceeded"


def _skip(environ: dict[str, Any]) -> bool:
    """The server's control API (``/moto-api``) is not AWS: never delayed, never throttled."""
    return str(environ.get("PATH_INFO", "")).startswith("/moto-api")


class Latency:
    """WSGI middleware: each AWS request is answered ``ms`` milliseconds later than moto would (``jitter`` is the
    relative spread, uniform: 0.2 → 80–120 ms at 100 ms), whatever the answer (a throttling error too)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], ms: float, jitter: float = 0.2, seed: int = 7):
        self.app = app
        self.seconds = ms / 1000
        self.jitter = jitter
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def delay(self) -> float:
        """One request's added latency, in seconds."""
        with self._lock:
            spread = self._random.uniform(-self.jitter, self.jitter)
        return max(0.0, self.seconds * (1 + spread))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.seconds and not _skip(environ):
            time.sleep(self.delay())
        return self.app(environ, start_response)


class _Bucket:
    """AWS's token bucket: ``burst`` tokens at most, refilled at ``rate`` per second; a request takes one."""

    def __init__(self, rate: float, burst: float, now: float):
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = burst, now

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def throttling_error(environ: dict[str, Any], service: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """The answer ``service`` gives when it throttles this request: (status line, headers, body)."""
    request_id = "00000000-0000-0000-0000-000000000000"
    if service == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code>'
            f"<Message>Request limit exceeded.</Message></Error></Errors><RequestID>{request_id}</RequestID>"
            "</Response>"
        )
        return "503 Service Unavailable", [("Content-Type", "text/xml")], body.encode()
    if environ.get("HTTP_X_AMZ_TARGET"):  # JSON protocol (CodeBuild, ECR, Secrets Manager, …)
        body = json.dumps({"__type": "ThrottlingException", "message": MESSAGE})
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", request_id)]
        return "400 Bad Request", headers, body.encode()
    if environ.get("REQUEST_METHOD") == "POST" and "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):
        body = (  # query protocol (IAM, STS, RDS, ELB)
            "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
            f"<Message>{MESSAGE}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return "400 Bad Request", [("Content-Type", "text/xml")], body.encode()
    code = REST_THROTTLING.get(service, "ThrottlingException")  # REST JSON (Lambda, Access Analyzer)
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", code), ("x-amzn-RequestId", request_id)]
    return "429 Too Many Requests", headers, json.dumps({"message": MESSAGE, "Type": "User"}).encode()


class Throttle:
    """WSGI middleware: a token bucket per (caller key, service, region); a request finding it empty gets the
    service's throttling error instead of moto's answer. ``throttled()`` counts those answers per operation.

    ``Throttle(app, rate=5)``: every service at 5 requests per second (and 5 at once); ``per_service`` gives
    some services their own ``(rate, burst)``, by client name (``{"ec2": (20, 100)}``; ELB's two API versions
    share one signing name, hence one bucket here where AWS has one each).
    """

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        rate: float,
        burst: float | None = None,
        *,
        per_service: dict[str, tuple[float, float]] | None = None,
    ):
        self.app = app
        self.default = (rate, burst if burst is not None else rate)
        self.per_service = per_service or {}
        self._buckets: dict[tuple[str, str, str], _Bucket] = {}
        self._throttled: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        access_key, region, signed_for = credential_scope(environ)
        if _skip(environ) or not signed_for:
            return self.app(environ, start_response)
        service = SIGNING_TO_CLIENT.get(signed_for, signed_for)
        key = (access_key, service, region)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                rate, burst = self.per_service.get(service, self.default)
                bucket = self._buckets[key] = _Bucket(rate, burst, time.monotonic())
            allowed = bucket.take(time.monotonic())
        if allowed:
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        name = operation(environ, body)
        with self._lock:
            self._throttled[name] += 1
        status, headers, answer = throttling_error(environ, service)
        start_response(status, [*headers, ("Content-Length", str(len(answer)))])
        return [answer]

    def throttled(self) -> dict[str, int]:
        """Throttling answers per operation since the last reset (``{"ec2.DescribeInstanceAttribute": 12}``)."""
        with self._lock:
            return dict(sorted(self._throttled.items()))

    def reset(self) -> None:
        """Full buckets and no throttled answer counted."""
        with self._lock:
            self._buckets.clear()
            self._throttled.clear()


def aws_rates() -> dict[str, tuple[float, float]]:
    """AWS's documented buckets as ``{service: (refill per second, capacity)}`` (``awsbp.collect.budgets``), for
    a throttle that answers like AWS would; every other service at awsbp's assumed unpublished bucket."""
    from awsbp.collect import COLLECTORS
    from awsbp.collect.budgets import AWS_BUCKETS, UNPUBLISHED_BUCKET

    services = {module.SERVICE for module in COLLECTORS} | {"sts"}
    buckets = {service: AWS_BUCKETS.get(service, UNPUBLISHED_BUCKET) for service in services}
    return {service: (bucket.refill, bucket.capacity) for service, bucket in buckets.items()}


def install(
    demo_server: Any,
    *,
    latency_ms: float = 0,
    jitter: float = 0.2,
    throttle: str | float | None = None,
) -> Throttle | None:
    """Put a throttle and a latency (when ``latency_ms``) in front of a running
    :class:`awsbp.demo.server.DemoServer`'s app; install the counter after, so that it counts every attempt.
    ``throttle``: ``"aws"`` (AWS's documented buckets, :func:`aws_rates`), a rate per second for every service,
    or ``None``. Returns the throttle (``None`` without one)."""
    wsgi = demo_server._server._server  # ThreadedMotoServer → werkzeug server, which reads .app per request
    found = None
    if throttle == "aws":
        found = wsgi.app = Throttle(wsgi.app, 10, per_service=aws_rates())
    elif throttle:
        found = wsgi.app = Throttle(wsgi.app, float(throttle))
    if latency_ms:
        wsgi.app = Latency(wsgi.app, latency_ms, jitter)
    return found
