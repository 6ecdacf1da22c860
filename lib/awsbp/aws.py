"""Read-only AWS sessions: credentials, retries, a call recorder and a guard against writes.

Every client awsbp uses comes from :meth:`AwsSession.client`. Its botocore session carries two
event handlers registered *before* any client exists:

* the **read-only guard** (``provide-client-params``, the first event of an API call) refuses, before
  anything is sent, every operation that is not in an exact allow-list (:func:`allowed_operations`): the
  operations the collectors declare (the same declarations the published policy is generated from) and the
  calls credential resolution makes (:data:`CREDENTIAL_OPERATIONS`);
* the **call recorder** counts operations (``before-call``) and HTTP attempts (``before-send``,
  retries included) per ``service.Operation``;
* the **debug log** (logger ``awsbp.aws``, shown by ``--debug``) writes one line per failed HTTP attempt
  and one per operation — ``ec2.DescribeVpcs status=200 attempts=1 ms=12`` — with the error code and
  whether retries were exhausted: never a request or response body, never a credential. (botocore's own
  debug logs print bodies and credentials: the CLI keeps them at WARNING.)

Credentials come from a named profile or boto3's default chain — environment, shared files, web identity
(EKS service accounts, CI OIDC), IAM Identity Center (SSO), ``credential_process``, container and instance
roles. botocore's providers create the STS / SSO clients they need from the same botocore session, so
those calls go through the guard and the recorder too (the container and instance-metadata providers
make plain HTTP requests, no AWS API call). A role given in the params file is assumed with botocore's
refreshable credentials (:class:`botocore.credentials.AssumeRoleCredentialFetcher`): they are renewed
before they expire, with the same ExternalId and session name, through the same guarded session.

Endpoints are never hard-coded: boto3 honours ``AWS_ENDPOINT_URL`` (how the demo reaches its
simulated account, and how any AWS-compatible endpoint is used).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import datetime
from functools import cache
from typing import Any

import boto3
import botocore.session
import botocore.utils
from botocore.config import Config
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    CredentialProvider,
    CredentialResolver,
    Credentials,
    RefreshableCredentials,
)
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConfigParseError,
    HTTPClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)
from botocore.loaders import Loader, create_loader

from awsbp import __version__
from awsbp.errors import CredentialsError, ReadOnlyViolation

# The calls credential resolution makes through the session: identity, a role from the params file or a
# profile (AssumeRole), web identity (EKS service accounts, CI OIDC), IAM Identity Center (SSO role credentials
# and the refresh of its token), and `aws login` sessions.
CREDENTIAL_OPERATIONS = frozenset(
    {
        "sts.GetCallerIdentity",
        "sts.AssumeRole",
        "sts.AssumeRoleWithWebIdentity",
        "sso.GetRoleCredentials",
        "sso-oidc.CreateToken",
        "signin.CreateOAuth2Token",
    }
)
# Reads that return data-plane content or mint credentials: an assessment never needs them, and no collector
# may declare one (checked when the allow-list is built).
DENIED_READS = frozenset(
    {
        "s3.GetObject",
        "s3.GetObjectTorrent",
        "secretsmanager.GetSecretValue",
        "secretsmanager.BatchGetSecretValue",
        "ssm.GetParameter",
        "ssm.GetParameters",
        "ssm.GetParametersByPath",
        "ssm.GetParameterHistory",
        "lambda.GetFunction",
        "codecommit.GetBlob",
        "codecommit.GetFile",
        "ecr.GetAuthorizationToken",
        "ecr.GetDownloadUrlForLayer",
        "ecr.BatchGetImage",
        "dynamodb.GetItem",
        "dynamodb.BatchGetItem",
        "logs.GetLogEvents",
        "sts.GetSessionToken",
        "sts.GetFederationToken",
        "ec2.GetPasswordData",
        "ec2.GetConsoleOutput",
        "redshift.GetClusterCredentials",
        "cognito-identity.GetCredentialsForIdentity",
    }
)
DEFAULT_REGION = "us-east-1"


@cache
def allowed_operations() -> frozenset[str]:
    """Every ``service.Operation`` the guard lets through: the collectors' declared operations (see
    :func:`awsbp.collect.declared_operations`) plus :data:`CREDENTIAL_OPERATIONS`."""
    from awsbp.collect import declared_operations

    declared = declared_operations()
    leaked = declared & DENIED_READS
    if leaked:
        raise RuntimeError(f"collectors declare data-plane reads: {sorted(leaked)}")
    return declared | CREDENTIAL_OPERATIONS


def is_allowed_operation(service: str, operation: str) -> bool:
    """Whether the read-only guard lets an operation through: exactly the allow-list, whatever its verb.

    ``is_allowed_operation('ec2', 'DescribeVpcs') -> True``; ``('ec2', 'RunInstances') -> False``;
    ``('ec2', 'GetPasswordData') -> False`` (a read, but not one awsbp makes);
    ``('sts', 'AssumeRoleWithWebIdentity') -> True`` (credential resolution).
    """
    return f"{service}.{operation}" in allowed_operations()


class CallRecorder:
    """Thread-safe counts of API operations and HTTP attempts, keyed ``service.Operation``."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.attempts: Counter[str] = Counter()
        self._service_names: dict[str, str] = {}
        self._lock = threading.Lock()

    def on_call(self, model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        with self._lock:
            self._service_names[model.service_model.service_id.hyphenize()] = service
            self.calls[f"{service}.{model.name}"] += 1

    def on_send(self, event_name: str, **_: Any) -> None:
        _event, service_id, operation = event_name.split(".", 2)
        with self._lock:
            service = self._service_names.get(service_id, service_id)
            self.attempts[f"{service}.{operation}"] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self.calls.items()))


def _guard(model: Any, **_: Any) -> None:
    service = model.service_model.service_name
    if not is_allowed_operation(service, model.name):
        raise ReadOnlyViolation(
            f"refused {service}.{model.name}: not one of the reads awsbp declares (awsbp policy); nothing was sent"
        )


log = logging.getLogger("awsbp.aws")


def _debug_start(model: Any, context: dict[str, Any], **_: Any) -> None:
    if log.isEnabledFor(logging.DEBUG):
        context["awsbp_operation"] = f"{model.service_model.service_name}.{model.name}"
        context["awsbp_started"] = time.monotonic()


def _elapsed_ms(context: dict[str, Any]) -> int:
    return round((time.monotonic() - context.get("awsbp_started", time.monotonic())) * 1000)


def _attempts(context: dict[str, Any]) -> Any:
    return (context.get("retries") or {}).get("attempt", 1)


def _debug_attempt(
    context: dict[str, Any], response_dict: Any = None, parsed_response: Any = None, exception: Any = None, **_: Any
) -> None:
    """One line per failed HTTP attempt (throttled, 5xx, connection error): what botocore's retry handler sees."""
    if "awsbp_operation" not in context:
        return
    status = (response_dict or {}).get("status_code")
    if exception is None and status is not None and status < 400:
        return
    code = ((parsed_response or {}).get("Error") or {}).get("Code") or (type(exception).__name__ if exception else "")
    log.debug(
        "%s attempt=%s status=%s error=%s ms=%d",
        context["awsbp_operation"],
        _attempts(context),
        status if status is not None else "-",
        code or "-",
        _elapsed_ms(context),
    )


def _debug_done(context: dict[str, Any], http_response: Any = None, parsed: Any = None, **_: Any) -> None:
    """One line per operation: HTTP status, attempts, time, and the error code or exhausted retries if any."""
    if "awsbp_operation" not in context:
        return
    metadata = (parsed or {}).get("ResponseMetadata") or {}
    code = ((parsed or {}).get("Error") or {}).get("Code")
    extra = f" error={code}" if code else ""
    extra += " retries=exhausted" if metadata.get("MaxAttemptsReached") else ""
    log.debug(
        "%s status=%s attempts=%s ms=%d%s",
        context["awsbp_operation"],
        getattr(http_response, "status_code", "-"),
        _attempts(context),
        _elapsed_ms(context),
        extra,
    )


def _debug_failed(context: dict[str, Any], exception: BaseException | None = None, **_: Any) -> None:
    """One line per operation that ended without an HTTP answer (connection error, refused by the guard)."""
    if "awsbp_operation" in context:
        log.debug(
            "%s error=%s attempts=%s ms=%d",
            context["awsbp_operation"],
            type(exception).__name__,
            _attempts(context),
            _elapsed_ms(context),
        )


def _install_handlers(session: boto3.Session, recorder: CallRecorder) -> None:
    events = session.events
    events.register_first("provide-client-params.*.*", _guard, unique_id="awsbp-read-only-guard")
    events.register("before-call.*.*", recorder.on_call, unique_id="awsbp-call-recorder")
    events.register("before-send.*.*", recorder.on_send, unique_id="awsbp-attempt-recorder")
    events.register_first("before-call.*.*", _debug_start, unique_id="awsbp-debug-start")
    events.register("response-received.*.*", _debug_attempt, unique_id="awsbp-debug-attempt")
    events.register("after-call.*.*", _debug_done, unique_id="awsbp-debug-done")
    events.register("after-call-error.*.*", _debug_failed, unique_id="awsbp-debug-failed")


class _SearchPaths(list[str]):
    """The shared loader's search paths: boto3 appends its data folder once per Session; keep one copy."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


@cache
def _shared_loader() -> Loader:
    loader = create_loader()
    loader._search_paths = _SearchPaths(loader.search_paths)
    return loader


def parse_timestamp(value: Any) -> Any:
    """A timestamp of an AWS answer as botocore reads it, the ISO 8601 text of the XML protocols
    (``2026-11-30T09:00:00.000Z``) by ``datetime.fromisoformat`` (the same instant and offset, in 1 µs where
    botocore's dateutil takes 100 µs: EC2 and IAM answers carry one per resource); epoch numbers, other forms
    and invalid dates by botocore's own parser."""
    if isinstance(value, str) and "T" in value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    return botocore.utils.parse_timestamp(value)


def botocore_session() -> botocore.session.Session:
    """A new botocore session whose service models, paginators and endpoints come from one loader shared by
    the process (a fresh loader parses those JSON files again: ~0.4 s of CPU per session for the services we
    use, once per account in a batch, once per test), and whose answers' timestamps :func:`parse_timestamp`
    reads."""
    session = botocore.session.Session()
    session.register_component("data_loader", _shared_loader())
    session.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=parse_timestamp)
    return session


# Connections each client keeps: as many as the threads that may share it (awsbp.collect.MAX_THREADS), or urllib3
# discards the extra ones with a warning on the console and opens new ones.
MAX_POOL_CONNECTIONS = 32


def botocore_config(max_attempts: int = 5, connect_timeout: int = 5, read_timeout: int = 30) -> Config:
    """Adaptive retries (client-side rate limiting on throttling), bounded attempts and timeouts."""
    return Config(
        retries={"mode": "adaptive", "total_max_attempts": max_attempts},  # attempts in all, first included
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        user_agent_extra=f"awsbp/{__version__}",
        max_pool_connections=MAX_POOL_CONNECTIONS,
    )


class _AssumedRole(CredentialProvider):
    """A credential provider holding the refreshable credentials of an assumed role."""

    METHOD = "assume-role"
    CANONICAL_NAME = "AwsbpAssumeRole"

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> Credentials:
        return self._credentials


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())[:300]


def _credentials_error(err: BotoCoreError) -> CredentialsError:
    """One actionable line for a botocore problem met while getting or using credentials."""
    if isinstance(err, ConfigParseError):
        path = err.kwargs.get("path", "the AWS config file")
        return CredentialsError(f"{path}: not a valid AWS config or credentials file; fix its syntax (INI sections)")
    if isinstance(err, NoCredentialsError | PartialCredentialsError):
        return CredentialsError(_NO_CREDENTIALS)
    if isinstance(err, BotoConnectionError | HTTPClientError):
        return CredentialsError(f"cannot reach AWS STS: {_one_line(err)}")
    return CredentialsError(f"cannot get AWS credentials: {_one_line(err)}")


class AwsSession:
    """A read-only view of one AWS account. Create with :meth:`open`."""

    def __init__(self, boto_session: boto3.Session, *, max_attempts: int = 5, recorder: CallRecorder | None = None):
        self.recorder = recorder or CallRecorder()
        self._session = boto_session
        self._config = botocore_config(max_attempts=max_attempts)
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        _install_handlers(self._session, self.recorder)

    @classmethod
    def open(
        cls,
        *,
        profile: str | None = None,
        role_arn: str | None = None,
        external_id: str | None = None,
        session_name: str = "awsbp",
        max_attempts: int = 5,
        duration_seconds: int | None = None,
    ) -> AwsSession:
        """A session from a profile or the default chain, optionally assuming a role from it (refreshable
        credentials; ``duration_seconds`` as AssumeRole takes it, AWS's default one hour when ``None``)."""
        try:
            base = boto3.Session(botocore_session=botocore_session(), profile_name=profile)
            base._session.get_scoped_config()  # a missing profile or unreadable config file fails here, not later
        except ProfileNotFound:
            raise CredentialsError(
                f"AWS profile {profile!r} does not exist; list profiles with `aws configure list-profiles`"
            ) from None
        except BotoCoreError as err:
            raise _credentials_error(err) from None
        recorder = CallRecorder()
        session = cls(base, max_attempts=max_attempts, recorder=recorder)
        if role_arn:
            assumed = session._assume(role_arn, external_id, session_name, duration_seconds)
            session = cls(assumed, max_attempts=max_attempts, recorder=recorder)
        return session

    def _assume(
        self, role_arn: str, external_id: str | None, session_name: str, duration_seconds: int | None
    ) -> boto3.Session:
        """A boto3 session on the role's refreshable credentials; the first AssumeRole is made now, so that a role
        that cannot be assumed is one clear error here. Every AssumeRole, refreshes included, goes through this
        session's guarded and recorded botocore session, with the same ExternalId and session name."""
        source = self._session._session  # the botocore session carrying the guard and the recorder
        region = self.default_region
        extra: dict[str, Any] = {"RoleSessionName": session_name}
        if external_id:
            extra["ExternalId"] = external_id
        if duration_seconds:
            extra["DurationSeconds"] = duration_seconds

        def sts_client(service_name: str, **kwargs: Any) -> Any:
            return source.create_client(service_name, region_name=region, config=self._config, **kwargs)

        try:
            credentials = source.get_credentials()
            if credentials is None:
                raise CredentialsError(_NO_CREDENTIALS)
            fetcher = AssumeRoleCredentialFetcher(sts_client, credentials, role_arn, extra_args=extra)
            refreshable = RefreshableCredentials.create_from_metadata(
                metadata=fetcher.fetch_credentials(), refresh_using=fetcher.fetch_credentials, method="assume-role"
            )
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "Error")
            raise CredentialsError(
                f"cannot assume {role_arn}: {code}; check the role's trust policy and external_id"
            ) from None
        except (NoCredentialsError, PartialCredentialsError, ConfigParseError) as err:
            raise _credentials_error(err) from None
        except BotoCoreError as err:
            raise CredentialsError(f"cannot assume {role_arn}: {_one_line(err)}") from None
        assumed = botocore_session()
        assumed.register_component("credential_provider", CredentialResolver([_AssumedRole(refreshable)]))
        return boto3.Session(botocore_session=assumed, region_name=self._session.region_name)

    @property
    def default_region(self) -> str:
        return self._session.region_name or DEFAULT_REGION

    def client(self, service: str, region: str | None = None) -> Any:
        """A guarded, recorded client; one per service and region, shared across threads."""
        region = region or self.default_region
        key = (service, region)
        with self._lock:
            if key not in self._clients:
                try:
                    self._clients[key] = self._session.client(service, region_name=region, config=self._config)
                except NoRegionError:
                    raise CredentialsError("no AWS region configured; set regions in the params file") from None
                except ConfigParseError as err:
                    raise _credentials_error(err) from None
            return self._clients[key]

    def identity(self) -> dict[str, str]:
        """Account id, caller ARN and partition, from ``sts:GetCallerIdentity`` (credentials resolved here)."""
        try:
            who = self.client("sts").get_caller_identity()
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "Error")
            raise CredentialsError(
                f"AWS rejected the credentials ({code}); refresh them (e.g. `aws sso login`) and retry"
            ) from None
        except BotoCoreError as err:
            raise _credentials_error(err) from None
        arn = who["Arn"]
        return {"account_id": who["Account"], "arn": arn, "partition": arn.split(":")[1]}

    def known_regions(self, service: str = "ec2", partition: str = "aws") -> list[str]:
        """Regions botocore knows for a service (offline; used to reject misspelled regions)."""
        return self._session.get_available_regions(service, partition_name=partition)

    def enabled_regions(self) -> list[str]:
        """Regions enabled for this account (``ec2:DescribeRegions``)."""
        resp = self.client("ec2").describe_regions(AllRegions=False)
        return sorted(r["RegionName"] for r in resp["Regions"])


_NO_CREDENTIALS = (
    "no AWS credentials found; set a profile in the params file (or AWS_PROFILE), "
    "or try `awsbp demo` for a simulated account"
)
