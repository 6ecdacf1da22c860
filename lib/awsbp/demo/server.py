"""A local moto server for the demo, and an environment that points every boto3 client at it.

``DemoServer`` runs moto's ``ThreadedMotoServer`` on 127.0.0.1 at a free port, behind WSGI middlewares that
make the simulated AWS behave as AWS where moto does not (``AssumeRoleRules`` below; ``IamExtensions`` in
:mod:`awsbp.demo.simulated_iam`: service-specific credentials, the credential report's root row, seeded
dates) and say plainly which APIs it lacks (``UnsupportedOperations``: HTTP 501 ``NotImplemented``).
``start()`` wipes all simulated state (``POST /moto-api/reset``) and seeds moto's id generator
(``POST /moto-api/seed?a=42``), so seeding the same world gives the same resource ids every run::

    with DemoServer() as server, simulated_environment(server.endpoint):
        seed(server.endpoint)                               # awsbp.demo.world
        boto3.client("sts").get_caller_identity()["Account"]   # -> "123456789012"
"""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import tempfile
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import boto3

from awsbp.batch.executors import carried_environment, jobs_carry
from awsbp.demo.clients import DEMO_CREDENTIAL, DEMO_REGION, LOOPBACK_HOSTS, demo_clients, require_loopback
from awsbp.demo.simulated_iam import IamExtensions
from awsbp.demo.wire import credential_scope, query_error

MOTO_SEED = 42
# Control requests (reset, seed) only guard against a hung server: on a loaded machine a reset of a large world
# takes long, so the wait is generous rather than tight.
CONTROL_TIMEOUT = 600
# moto's default account. Never set MOTO_ACCOUNT_ID: it would break AssumeRole into other simulated accounts.
MOTO_ACCOUNT_ID = "123456789012"

# Read by moto when it creates a backend, so they must be in os.environ before the first request.
MOTO_ENVIRONMENT = {
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",  # ~1,300 stock AMIs per region otherwise
    # AWS managed policies (AdministratorAccess, …) must exist to be attached; the collector keeps only attached ones
    "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
}

# The first request a moto process serves for some services draws from the id generator once (EC2 creates its
# backends and default VPCs): a read of each before the reset keeps that out of the seeded sequence.
WARM_UP_READS = (
    ("ec2", "describe_vpcs"),
    ("elbv2", "describe_load_balancers"),
    ("rds", "describe_db_instances"),
    ("s3", "list_buckets"),
    ("secretsmanager", "list_secrets"),
    ("kms", "list_keys"),
    ("iam", "list_users"),
    ("sts", "get_caller_identity"),
)

# Variables that could make a client reach a real account, or a profile that does not exist.
_REMOVED_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",  # "true" would make boto3 ignore AWS_ENDPOINT_URL
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
)
# AWS_ENDPOINT_URL_<SERVICE> overrides AWS_ENDPOINT_URL for that service.
_REMOVED_PREFIXES = ("AWS_CONTAINER_CREDENTIALS_", "AWS_ENDPOINT_URL_")


class AssumeRoleRules:
    """WSGI middleware in front of moto: the simulated STS refuses ``AssumeRole`` as AWS does when the role does
    not exist in the target account, or when its trust policy requires an ``sts:ExternalId`` the caller did not
    give. moto alone hands out credentials for any role ARN, so the demo's unreachable member could not fail.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST" and "/sts/" in environ.get("HTTP_AUTHORIZATION", ""):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)  # moto reads the body again
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
            refusal = self.refusal(form) if form.get("Action") == "AssumeRole" else ""
            if refusal:
                start_response("403 Forbidden", [("Content-Type", "text/xml")])
                return [query_error("sts", "AccessDenied", refusal)]
        return self.app(environ, start_response)

    @staticmethod
    def refusal(form: dict[str, str]) -> str:
        """Why AWS would refuse this AssumeRole request (``''`` when it would not)."""
        from moto.iam.models import iam_backends

        arn = form.get("RoleArn", "")
        parts = arn.split(":")
        denied = f"not authorized to perform: sts:AssumeRole on resource: {arn}"
        if len(parts) < 6:
            return denied
        role = next((r for r in iam_backends[parts[4]][parts[1]].roles.values() if r.arn == arn), None)
        if role is None:
            return denied
        statements = json.loads(role.assume_role_policy_document or "{}").get("Statement", [])
        expected = {
            value
            for statement in (statements if isinstance(statements, list) else [statements])
            for values in statement.get("Condition", {}).get("StringEquals", {}).items()
            if values[0].lower() == "sts:externalid"
            for value in ([values[1]] if isinstance(values[1], str) else values[1])
        }
        if expected and form.get("ExternalId") not in expected:
            return denied
        return ""


class UnsupportedOperations:
    """WSGI middleware around moto's dispatcher: an API moto lacks (a service it has no backend for, or an
    operation whose handler raises ``NotImplementedError``) is answered HTTP 501 ``NotImplemented`` in the
    protocol's error shape, not moto's HTML page with HTTP 500 — which clients retry with back-off as a passing
    fault of AWS, and which a report could only call an unexpected failure. Any other failure still propagates.
    """

    def __init__(self, dispatcher: Any):
        self.dispatcher = dispatcher

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            return self.dispatcher(environ, start_response)
        except NotImplementedError as err:
            message = str(err) or "this action has not been implemented"
        except Exception:
            if self._routes(environ):
                raise
            message = "this service has not been implemented"
        service = credential_scope(environ)[2] or "AWS"
        message = f"simulated AWS (moto), {service}: {message}"
        if str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded"):  # query protocol
            start_response("501 Not Implemented", [("Content-Type", "text/xml")])
            return [query_error(service, "NotImplemented", message)]
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", "NotImplemented")]
        start_response("501 Not Implemented", headers)
        return [json.dumps({"__type": "NotImplemented", "message": message}).encode()]

    def _routes(self, environ: dict[str, Any]) -> bool:
        """Whether moto has a backend for this request: its dispatcher's own rule (``get_backend_for_host``,
        which also prints each host it cannot route — from a server thread, where swapping ``sys.stdout`` would
        swallow the console's lines)."""
        from moto import backends

        host = self.dispatcher.infer_service_region_host(environ, environ.get("PATH_INFO", ""))
        if not host:
            return False
        return host in backends.list_of_moto_modules() or any(
            pattern.match(f"http://{host}") for _backend, pattern in self.dispatcher.backend_url_patterns
        )


# The AWS managed policies the simulated accounts can attach (the worlds attach these; attaching another fails
# loudly while seeding). moto would build all ~1,600, parsed from a 4.7 MB JSON text, for each account in each of
# six partitions, at first use and at each reset: seconds of CPU per demo, and a GetAccountAuthorizationDetails
# answer of megabytes serialized and parsed per account, for policies AWS itself lists only where attached.
MANAGED_POLICIES = ("AdministratorAccess", "SecurityAudit")


@cache
def _module_list_once() -> None:
    """moto's dispatcher lists its own package folder on every request (to see whether the request's host names a
    service), under the one lock every request takes; the list does not change while the server runs."""
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]


@cache
def _managed_policies_once() -> None:
    """Build only :data:`MANAGED_POLICIES`, in the commercial partition (the simulated Organization's)."""
    from moto.iam import models

    every = json.loads(models.aws_managed_policies_data)
    documents = {name: every[name] for name in MANAGED_POLICIES}

    def init_aws_policies(backend: Any) -> list[Any]:
        if backend.region_name != "aws" or not models.load_iam_aws_managed_policies():
            return []  # for IAM, moto's "region" is the partition
        return [
            models.AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
            for name, data in documents.items()
        ]

    models.IAMBackend._init_aws_policies = init_aws_policies  # type: ignore[method-assign,assignment]


class DemoServer:
    """moto's ThreadedMotoServer on 127.0.0.1 at a free port; reset on start; deterministic ids."""

    def __init__(self, port: int | None = None):
        self._requested_port = 0 if port is None else port  # 0: the OS picks a free port when the server binds
        self._server: Any = None
        self.port: int | None = None
        self.endpoint: str = ""

    def start(self) -> DemoServer:
        """Start the server, wipe its state, seed its id generator; returns ``self``."""
        if self._server is not None:
            raise RuntimeError(f"demo server already running at {self.endpoint}")
        for name, value in MOTO_ENVIRONMENT.items():
            os.environ.setdefault(name, value)
        # werkzeug logs every request, and a traceback for each API moto lacks (the snapshot records those gaps),
        # and moto logs its own limits (e.g. no docker for Lambda): neither is the user's business
        for name in ("werkzeug", "moto"):
            if logging.getLogger(name).level == logging.NOTSET:
                logging.getLogger(name).setLevel(logging.CRITICAL)
        try:
            from moto.server import ThreadedMotoServer  # imported late: moto is an optional dependency
        except ImportError as err:
            raise RuntimeError(f"the demo needs moto: pip install 'awsbp[demo]' ({err})") from None
        _managed_policies_once()
        _module_list_once()

        if self._requested_port:
            with socket.socket() as probe:  # ThreadedMotoServer.start() would wait forever on a busy port
                probe.bind(("127.0.0.1", self._requested_port))
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=self._requested_port, verbose=False)
        server.start()
        # the request handler reads `server.app` per request: wrap moto's app with the STS rules AWS applies, the
        # IAM answers moto lacks (awsbp.demo.simulated_iam) and a plain "not implemented" for the rest it lacks
        wsgi = server._server
        assert wsgi is not None
        wsgi.app = AssumeRoleRules(IamExtensions(UnsupportedOperations(wsgi.app)))
        self._server = server
        self.port = server.get_host_and_port()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        try:
            self._warm_up()
            self.reset()
        except BaseException:
            self.stop()
            raise
        return self

    def _warm_up(self) -> None:
        clients = demo_clients(self.endpoint)
        for service, operation in WARM_UP_READS:
            getattr(clients(service), operation)()

    def reset(self) -> None:
        """Wipe all simulated state and re-seed ids (``ThreadedMotoServer`` keeps state across stop/start)."""
        self._post("/moto-api/reset")
        self._post(f"/moto-api/seed?a={MOTO_SEED}")

    def _post(self, path: str) -> None:
        if not self.endpoint:
            raise RuntimeError("demo server is not running; call start() first")
        request = urllib.request.Request(self.endpoint + path, data=b"", method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an HTTP proxy
        with opener.open(request, timeout=CONTROL_TIMEOUT) as response:
            response.read()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def simulated_environment(endpoint: str) -> Iterator[None]:
    """Point the default AWS credential chain and every boto3 client at the simulated endpoint for the duration,
    restoring ``os.environ`` afterwards.

    Sets ``AWS_ENDPOINT_URL``, dummy ``testing`` keys, ``AWS_DEFAULT_REGION=us-east-1``, and config and
    credentials files that do not exist (so the user's real profiles are ignored); removes profile, session,
    role, web-identity and container-credential variables, and anything that would override the endpoint
    (``AWS_ENDPOINT_URL_<SERVICE>``, ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS``, FIPS/dual-stack); disables the
    instance metadata service; adds the loopback hosts to ``NO_PROXY``; gives ``boto3.client`` a fresh default
    session (it caches credentials and config once resolved; the previous one is put back on exit).
    Refuses (``ValueError``) a non-loopback endpoint. While it lasts, :func:`active_endpoint` names ``endpoint``.
    """
    require_loopback(endpoint)
    saved = dict(os.environ)
    saved_default_session = boto3.DEFAULT_SESSION
    with tempfile.TemporaryDirectory(prefix="awsbp-demo-") as empty:
        try:
            boto3.DEFAULT_SESSION = None
            for name in list(os.environ):
                if name in _REMOVED_VARIABLES or name.startswith(_REMOVED_PREFIXES):
                    del os.environ[name]
            os.environ.update(
                {
                    "AWS_ENDPOINT_URL": endpoint,
                    "AWS_ACCESS_KEY_ID": DEMO_CREDENTIAL,
                    "AWS_SECRET_ACCESS_KEY": DEMO_CREDENTIAL,
                    "AWS_DEFAULT_REGION": DEMO_REGION,
                    "AWS_CONFIG_FILE": str(Path(empty) / "config-does-not-exist"),
                    "AWS_SHARED_CREDENTIALS_FILE": str(Path(empty) / "credentials-does-not-exist"),
                    "AWS_EC2_METADATA_DISABLED": "true",  # never ask an instance metadata service
                }
            )
            for name in ("NO_PROXY", "no_proxy"):
                hosts = [h for h in os.environ.get(name, "").split(",") if h]
                os.environ[name] = ",".join(hosts + [h for h in sorted(LOOPBACK_HOSTS) if h not in hosts])
            with jobs_carry(simulated_environment, endpoint):  # a Dask job enters it again on its worker
                yield
        finally:
            _restore_environ(saved)
            boto3.DEFAULT_SESSION = saved_default_session


def active_endpoint() -> str | None:
    """The simulated endpoint this process is pointed at by :func:`simulated_environment`, or ``None`` (a real
    run). Jobs sent to another machine's workers carry it, never a credential (:mod:`awsbp.batch.executors`)."""
    carried = carried_environment()
    return carried[1] if carried else None


def _restore_environ(saved: dict[str, str]) -> None:
    """Put ``os.environ`` back to ``saved``, touching only what changed (moto's threads read it meanwhile)."""
    for name in [n for n in os.environ if n not in saved]:
        del os.environ[name]
    for name, value in saved.items():
        if os.environ.get(name) != value:
            os.environ[name] = value
