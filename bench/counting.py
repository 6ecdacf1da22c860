"""Count API calls at the server: a WSGI middleware in front of the moto server, independent of the client.

Operations are named like awsbp's recorder (``iam.ListUsers``): the service comes from the SigV4 credential
scope, the operation from the query ``Action``, the JSON ``X-Amz-Target``, or ``METHOD /path`` for REST APIs.
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from awsbp.demo.wire import credential_scope

# SigV4 signing names that differ from the boto3 client names
SIGNING_TO_CLIENT = {"elasticloadbalancing": "elb", "access-analyzer": "accessanalyzer"}
# REST APIs the benchmark meets: (service, method, path pattern) -> operation
REST = {
    ("lambda", "GET", r"/[\d-]+/functions/?"): "ListFunctions",
    ("accessanalyzer", "GET", r"/analyzer/?"): "ListAnalyzers",
    ("lambda", "GET", r"/[\d-]+/functions/[^/]+/policy/?"): "GetPolicy",
    ("lambda", "GET", r"/[\d-]+/functions/[^/]+/?"): "GetFunction",
}


def region(environ: dict[str, Any]) -> str:
    """The region a request was signed for (``""`` when unsigned)."""
    return credential_scope(environ)[1]


def operation(environ: dict[str, Any], body: bytes) -> str:
    """``iam.ListUsers`` for one request (``service.?`` when the operation cannot be told)."""
    service = credential_scope(environ)[2] or "unsigned"
    service = SIGNING_TO_CLIENT.get(service, service)
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return f"{service}.{target.rsplit('.', 1)[-1]}"
    action = parse_qs(body.decode("utf-8", "replace")).get("Action") or parse_qs(environ.get("QUERY_STRING", "")).get(
        "Action"
    )
    if action:
        if service == "elb" and "Version=2015-12-01" in body.decode("utf-8", "replace"):
            service = "elbv2"
        return f"{service}.{action[0]}"
    method, path = environ.get("REQUEST_METHOD", "?"), environ.get("PATH_INFO", "")
    for (svc, verb, pattern), name in REST.items():
        if svc == service and verb == method and re.fullmatch(pattern, path):
            return f"{service}.{name}"
    return f"{service}.{method} {path}"


class CallCounter:
    """WSGI middleware counting requests per operation (and region), and the server's time answering them;
    ``counts()``, ``by_region()`` and ``seconds()`` snapshot, ``reset()`` starts again."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app
        self._counts: Counter[str] = Counter()
        self._regional: Counter[tuple[str, str]] = Counter()
        self._regional_seconds: defaultdict[tuple[str, str], float] = defaultdict(float)
        self._regional_cpu: defaultdict[tuple[str, str], float] = defaultdict(float)
        self._seconds: defaultdict[str, float] = defaultdict(float)
        self._lock = threading.Lock()
        self.enabled = True

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not self.enabled or environ.get("PATH_INFO", "").startswith("/moto-api"):
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        name = operation(environ, body)
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return list(self.app(environ, start_response))  # the answer is computed here: time all of it
        finally:
            elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
            key = (name, region(environ))
            with self._lock:
                self._counts[name] += 1
                self._regional[key] += 1
                self._seconds[name] += elapsed
                self._regional_seconds[key] += elapsed
                self._regional_cpu[key] += cpu

    def counts(self) -> dict[str, int]:
        """Requests per operation since the last reset (``{"iam.ListUsers": 1, …}``)."""
        with self._lock:
            return dict(sorted(self._counts.items()))

    def by_region(self) -> dict[str, dict[str, int]]:
        """Requests per operation and signing region (``{"ec2.DescribeVpcs": {"us-east-1": 1, …}, …}``)."""
        with self._lock:
            out: dict[str, dict[str, int]] = {}
            for (name, where), n in sorted(self._regional.items()):
                out.setdefault(name, {})[where] = n
            return out

    def seconds_by_region(self) -> dict[str, dict[str, float]]:
        """The server's time answering each operation in each signing region (latency middleware included when
        it is installed inside this counter)."""
        return self._by_region(self._regional_seconds)

    def cpu_by_region(self) -> dict[str, dict[str, float]]:
        """The CPU time of the server's threads answering each operation in each region: moto's own work, which
        it does under one interpreter lock (a sleeping latency middleware costs none)."""
        return self._by_region(self._regional_cpu)

    def _by_region(self, values: dict[tuple[str, str], float]) -> dict[str, dict[str, float]]:
        with self._lock:
            out: dict[str, dict[str, float]] = {}
            for (name, where), seconds in sorted(values.items()):
                out.setdefault(name, {})[where] = round(seconds, 4)
            return out

    def seconds(self) -> dict[str, float]:
        """The server's time answering each operation since the last reset."""
        with self._lock:
            return {name: round(s, 4) for name, s in sorted(self._seconds.items())}

    def reset(self) -> None:
        """Start counting again from zero."""
        with self._lock:
            self._counts.clear()
            self._regional.clear()
            self._regional_seconds.clear()
            self._regional_cpu.clear()
            self._seconds.clear()


def install(demo_server: Any) -> CallCounter:
    """Put a counter in front of a running :class:`awsbp.demo.server.DemoServer` (outermost middleware)."""
    wsgi = demo_server._server._server  # ThreadedMotoServer → werkzeug server, which reads .app per request
    counter = CallCounter(wsgi.app)
    wsgi.app = counter
    return counter
