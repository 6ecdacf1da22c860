"""Read-only AWS sessions: credentials, retries, a call recorder and a guard against writes.

Every client awsbp uses comes from :meth:`AwsSession.client`. Its botocore session carries two
event handlers registered *before* any client exists:

* the **read-only guard** (``provide-client-params``, the first event of an API call) refuses any
  operation that is not a read, so nothing is sent;
* the **call recorder** counts operations (``before-call``) and HTTP attempts (``before-send``,
  retries included) per ``service.Operation``.

Endpoints are never hard-coded: boto3 honours ``AWS_ENDPOINT_URL`` (how the demo reaches its
simulated account, and how any AWS-compatible endpoint is used).
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

from awsbp import __version__
from awsbp.errors import CredentialsError, ReadOnlyViolation

READ_PREFIXES = ("Describe", "List", "Get", "BatchGet", "Lookup")
# Reads of metadata that do not start with a read verb, and the one call that turns a role into credentials.
EXTRA_ALLOWED = frozenset({"iam.GenerateCredentialReport", "sts.AssumeRole"})
# Reads that return data-plane content or mint credentials: an assessment never needs them.
DENIED_READS = frozenset(
    {
        "s3.GetObject",
        "s3.GetObjectTorrent",
        "secretsmanager.GetSecretValue",
        "secretsmanager.BatchGetSecretValue",
        "ssm.GetParameter",
        "ssm.GetParameters",
        "ssm.GetParametersByPath",
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
    }
)
DEFAULT_REGION = "us-east-1"


def is_read_operation(service: str, operation: str) -> bool:
    """``is_read_operation('ec2', 'DescribeVpcs') -> True``; ``('ec2', 'RunInstances') -> False``."""
    name = f"{service}.{operation}"
    if name in EXTRA_ALLOWED:
        return True
    if name in DENIED_READS:
        return False
    return operation.startswith(READ_PREFIXES)


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
    if not is_read_operation(service, model.name):
        raise ReadOnlyViolation(
            f"refused {service}.{model.name}: awsbp only reads (Describe/List/Get…); nothing was sent"
        )


def _install_handlers(session: boto3.Session, recorder: CallRecorder) -> None:
    events = session.events
    events.register_first("provide-client-params.*.*", _guard, unique_id="awsbp-read-only-guard")
    events.register("before-call.*.*", recorder.on_call, unique_id="awsbp-call-recorder")
    events.register("before-send.*.*", recorder.on_send, unique_id="awsbp-attempt-recorder")


def botocore_config(max_attempts: int = 5, connect_timeout: int = 5, read_timeout: int = 30) -> Config:
    """Adaptive retries (client-side rate limiting on throttling), bounded attempts and timeouts."""
    return Config(
        retries={"mode": "adaptive", "total_max_attempts": max_attempts},  # attempts in all, first included
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        user_agent_extra=f"awsbp/{__version__}",
    )


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
    ) -> AwsSession:
        """A session from a profile or the default chain, optionally assuming a role from it."""
        try:
            base = boto3.Session(profile_name=profile)
        except ProfileNotFound:
            raise CredentialsError(
                f"AWS profile {profile!r} does not exist; list profiles with `aws configure list-profiles`"
            ) from None
        recorder = CallRecorder()
        session = cls(base, max_attempts=max_attempts, recorder=recorder)
        if role_arn:
            session = cls(
                session._assume(role_arn, external_id, session_name), max_attempts=max_attempts, recorder=recorder
            )
        return session

    def _assume(self, role_arn: str, external_id: str | None, session_name: str) -> boto3.Session:
        kwargs: dict[str, str] = {"RoleArn": role_arn, "RoleSessionName": session_name}
        if external_id:
            kwargs["ExternalId"] = external_id
        try:
            creds = self.client("sts", self.default_region).assume_role(**kwargs)["Credentials"]
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "Error")
            raise CredentialsError(
                f"cannot assume {role_arn}: {code}; check the role's trust policy and external_id"
            ) from None
        except (NoCredentialsError, PartialCredentialsError):
            raise CredentialsError(_NO_CREDENTIALS) from None
        except BotoCoreError as err:
            raise CredentialsError(f"cannot assume {role_arn}: {err}") from None
        return boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=self._session.region_name,
        )

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
            return self._clients[key]

    def identity(self) -> dict[str, str]:
        """Account id, caller ARN and partition, from ``sts:GetCallerIdentity``."""
        try:
            who = self.client("sts").get_caller_identity()
        except (NoCredentialsError, PartialCredentialsError):
            raise CredentialsError(_NO_CREDENTIALS) from None
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "Error")
            raise CredentialsError(
                f"AWS rejected the credentials ({code}); refresh them (e.g. `aws sso login`) and retry"
            ) from None
        except BotoCoreError as err:
            raise CredentialsError(f"cannot reach AWS STS: {err}") from None
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
