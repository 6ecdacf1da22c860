"""What the demo's simulated IAM answers that moto 5.2 does not: WSGI middleware in front of moto's server app.

* ``ListServiceSpecificCredentials`` (``UserName`` / the caller, ``AllUsers``, ``ServiceName``, ``MaxItems`` and
  ``Marker`` pagination with ``IsTruncated``) and ``CreateServiceSpecificCredential`` (CodeCommit HTTPS Git and
  Keyspaces credentials: at most two per user and service; the generated password is in the answer only, kept
  nowhere). moto answers both with HTTP 500.
* ``GetCredentialReport`` as AWS writes it: the ``<root_account>`` row first (moto has none), AWS's columns in
  AWS's order, and AWS's markers (``N/A``, ``no_information``, ``not_supported``) where moto writes other ones.
  Root's MFA and access keys are those ``GetAccountSummary`` answers (``AccountMFAEnabled``,
  ``AccountAccessKeysPresent``).
* A control endpoint for seeding what no AWS API sets — ``POST /moto-api/awsbp/iam/activity`` — giving users,
  their access key slots and root the creation and last-use dates a real account's history would have. It is
  refused to any client that is not on this machine.

State lives in moto's own objects (dates on its users and keys, root's MFA flag on its account summary) or beside
them, keyed weakly by them (service-specific credentials by user, root's dates by account backend): a user's
deletion or ``/moto-api/reset`` takes it away with them, and moto's own APIs (``GetUser``, ``ListAccessKeys``,
``GetAccessKeyLastUsed``, ``GetAccountSummary``) tell the same story as the report.
"""

from __future__ import annotations

import base64
import csv
import io
import ipaddress
import json
import os
import re
import secrets
import threading
import uuid
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from awsbp.demo.wire import NAMESPACES, credential_scope, query_error

IAM_NAMESPACE = NAMESPACES["iam"]
CONTROL_PREFIX = "/moto-api/awsbp/"
ACTIVITY_PATH = CONTROL_PREFIX + "iam/activity"
ROOT_USER = "<root_account>"
# AWS's credential report, column for column (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html)
REPORT_COLUMNS = (
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
)
# CodeCommit HTTPS Git credentials and Amazon Keyspaces credentials: a generated user name and password.
# (Bedrock and CloudWatch Logs API keys, with an alias and a secret instead, are not simulated.)
PASSWORD_SERVICES = ("codecommit.amazonaws.com", "cassandra.amazonaws.com")
CREDENTIALS_PER_USER_AND_SERVICE = 2
DEFAULT_MAX_ITEMS = 100
# What the activity endpoint sets, by credential-report column; root's own set.
USER_DATES = ("user_creation_time", "password_last_used")
KEY_FIELDS = ("last_rotated", "last_used_date", "last_used_region", "last_used_service")
ROOT_FIELDS = ("user_creation_time", "password_last_used", "mfa_active")

HTTP_REASONS = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
}
_lock = threading.RLock()


@dataclass(frozen=True)
class ServiceCredential:
    """One service-specific credential as IAM lists it (never its password)."""

    credential_id: str
    user_name: str
    service_name: str
    service_user_name: str
    create_date: datetime  # aware, UTC
    status: str = "Active"

    def metadata(self) -> dict[str, Any]:
        return {
            "UserName": self.user_name,
            "Status": self.status,
            "ServiceUserName": self.service_user_name,
            "CreateDate": self.create_date,
            "ServiceSpecificCredentialId": self.credential_id,
            "ServiceName": self.service_name,
        }


@dataclass
class RootFacts:
    """What the credential report says of the root user beyond the account summary's flags."""

    first_seen: datetime  # aware, UTC: when the simulated IAM first looked at this account
    created: datetime | None = None  # seeded; else the account is as old as its oldest user
    password_last_used: datetime | None = None

    def creation(self, backend: Any) -> datetime:
        if self.created is not None:
            return self.created
        return min(
            [_utc(u.create_date).replace(microsecond=0) for u in list(backend.users.values())] + [self.first_seen]
        )


# beside moto's objects, gone with them (a deleted user, a reset backend)
_credentials: weakref.WeakKeyDictionary[Any, list[ServiceCredential]] = weakref.WeakKeyDictionary()
_roots: weakref.WeakKeyDictionary[Any, RootFacts] = weakref.WeakKeyDictionary()


class IamError(Exception):
    """An IAM error answer: ``IamError(404, "NoSuchEntity", "The user with name x cannot be found.")``."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ControlError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


# --- formats ------------------------------------------------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    """moto keeps naive UTC datetimes; AWS's answers are UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _naive(value: datetime) -> datetime:
    """A datetime as moto stores its own (naive UTC)."""
    return _utc(value).replace(tzinfo=None)


def report_time(value: datetime) -> str:
    """``2026-01-31T09:30:00+00:00``: the credential report's timestamps."""
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _xml_time(value: datetime) -> str:
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _xml(value: Any) -> str:
    if isinstance(value, dict):
        return "".join(f"<{k}>{_xml(v)}</{k}>" for k, v in value.items() if v is not None)
    if isinstance(value, list):
        return "".join(f"<member>{_xml(v)}</member>" for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _xml_time(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return escape(str(value))


def _request_id() -> str:
    return str(uuid.uuid4())  # os.urandom: never draws from moto's seeded generator


def iam_answer(action: str, result: dict[str, Any]) -> bytes:
    """The query-protocol answer of ``action`` with ``result`` as its ``<{action}Result>``."""
    return (
        f'<{action}Response xmlns="{IAM_NAMESPACE}"><{action}Result>{_xml(result)}</{action}Result>'
        f"<ResponseMetadata><RequestId>{_request_id()}</RequestId></ResponseMetadata></{action}Response>"
    ).encode()


def iam_error(code: str, message: str) -> bytes:
    return query_error("iam", code, message, _request_id())


# --- moto's state -------------------------------------------------------------------------------------------------


def _caller(environ: dict[str, Any]) -> tuple[str, str]:
    """(account id, access key id) of a request, resolved as moto resolves them."""
    from moto.iam.models import get_account_id_from

    key = credential_scope(environ)[0]
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"], key
    if environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
        return environ["HTTP_X_MOTO_ACCOUNT_ID"], key
    return get_account_id_from(key), key


def iam_backend(account_id: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account_id]["aws"]


def _user(backend: Any, name: str) -> Any:
    user = backend.users.get(name)
    if user is None:
        raise IamError(404, "NoSuchEntity", f"The user with name {name} cannot be found.")
    return user


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def root_facts(backend: Any) -> RootFacts:
    """Root's dates in this account (seeded, or defaults: see :class:`RootFacts`)."""
    with _lock:
        facts = _roots.get(backend)
        if facts is None:
            facts = _roots[backend] = RootFacts(first_seen=_now())
        return facts


# --- the operations -----------------------------------------------------------------------------------------------


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def list_service_specific_credentials(backend: Any, access_key: str, form: dict[str, str]) -> dict[str, Any]:
    all_users = _flag(form.get("AllUsers"))
    user_name = form.get("UserName", "")
    if all_users and user_name:
        raise IamError(400, "InvalidInput", "AllUsers cannot be specified together with UserName.")
    if all_users:
        users = list(backend.users.values())
    elif user_name:
        users = [_user(backend, user_name)]
    else:  # the caller: an IAM user's own credentials; root has none; a role session must name a user
        key = backend.access_keys.get(access_key)
        if key is not None and key.role_arn:
            raise IamError(400, "ValidationError", "Must specify userName when calling with non-User credentials")
        users = [_user(backend, key.user_name)] if key is not None and key.user_name else []
    service = form.get("ServiceName")
    with _lock:
        items = [c for u in users for c in _credentials.get(u, []) if not service or c.service_name == service]
    try:
        max_items = int(form.get("MaxItems") or DEFAULT_MAX_ITEMS)
    except ValueError:
        raise IamError(400, "ValidationError", "MaxItems must be an integer between 1 and 1000") from None
    if not 1 <= max_items <= 1000:
        raise IamError(400, "ValidationError", "MaxItems must be an integer between 1 and 1000")
    start = 0
    if form.get("Marker"):
        ids = [c.credential_id for c in items]
        marker = _unmark(form["Marker"])
        if marker not in ids:
            raise IamError(400, "ValidationError", "Invalid Marker.")
        start = ids.index(marker)
    page = items[start : start + max_items]
    result: dict[str, Any] = {"ServiceSpecificCredentials": [c.metadata() for c in page]}
    truncated = start + max_items < len(items)
    result["IsTruncated"] = truncated
    if truncated:
        result["Marker"] = _mark(items[start + max_items].credential_id)
    return result


def _mark(credential_id: str) -> str:
    """An opaque marker: where the next page starts."""
    return base64.urlsafe_b64encode(f"awsbp-ssc:{credential_id}".encode()).decode("ascii")


def _unmark(marker: str) -> str:
    try:
        text = base64.urlsafe_b64decode(marker.encode("ascii")).decode("ascii")
    except (ValueError, UnicodeError):
        return ""
    return text.removeprefix("awsbp-ssc:") if text.startswith("awsbp-ssc:") else ""


def create_service_specific_credential(backend: Any, account_id: str, form: dict[str, str]) -> dict[str, Any]:
    from moto.iam.utils import generate_access_key_id_from_account_id

    name, service = form.get("UserName", ""), form.get("ServiceName", "")
    if not name or not service:
        raise IamError(400, "ValidationError", "UserName and ServiceName are required.")
    user = _user(backend, name)
    if service not in PASSWORD_SERVICES:
        raise IamError(
            404, "NotSupportedService", f"No such service {service} is supported for Service-Specific Credentials"
        )
    if form.get("CredentialAgeDays"):
        raise IamError(400, "ValidationError", f"CredentialAgeDays is not supported for {service}")
    with _lock:
        mine = [c for c in _credentials.get(user, []) if c.service_name == service]
        if len(mine) >= CREDENTIALS_PER_USER_AND_SERVICE:
            quota = f"ServiceSpecificCredentialsPerUserPerService: {CREDENTIALS_PER_USER_AND_SERVICE}"
            raise IamError(409, "LimitExceeded", f"Cannot exceed quota for {quota}")
        taken = {c.service_user_name for c in mine}
        # "jane-at-123456789012" (AWS's documented form); a second set gets a suffix so the names stay unique
        service_user = next(
            n
            for n in (f"{name}-at-{account_id}", f"{name}+1-at-{account_id}", f"{name}+2-at-{account_id}")
            if n not in taken
        )
        credential = ServiceCredential(
            credential_id=generate_access_key_id_from_account_id(account_id, prefix="ACCA", total_length=20),
            user_name=name,
            service_name=service,
            service_user_name=service_user,
            create_date=_now(),
        )
        _credentials.setdefault(user, []).append(credential)
    # the password exists in this answer only: AWS shows it once, and nothing here keeps it
    password = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
    return {"ServiceSpecificCredential": {**credential.metadata(), "ServicePassword": password}}


def credential_report(backend: Any, account_id: str) -> bytes:
    """The CSV of ``GetCredentialReport``: root first, then every user, in AWS's columns and markers."""
    rows = [_root_row(backend, account_id)] + [_user_row(backend, u) for u in list(backend.users.values())]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for row in rows:
        writer.writerow([row[c] for c in REPORT_COLUMNS])
    return out.getvalue().encode()


def _no_key(n: int) -> dict[str, str]:
    return {
        f"access_key_{n}_active": "false",
        f"access_key_{n}_last_rotated": "N/A",
        f"access_key_{n}_last_used_date": "N/A",
        f"access_key_{n}_last_used_region": "N/A",
        f"access_key_{n}_last_used_service": "N/A",
    }


def _root_row(backend: Any, account_id: str) -> dict[str, str]:
    facts = root_facts(backend)
    summary = backend.account_summary
    used = facts.password_last_used
    row = {
        "user": ROOT_USER,
        "arn": f"arn:aws:iam::{account_id}:root",
        "user_creation_time": report_time(facts.creation(backend)),
        "password_enabled": "not_supported",
        "password_last_used": report_time(used) if used else "no_information",
        "password_last_changed": "not_supported",
        "password_next_rotation": "not_supported",
        "mfa_active": "true" if summary._account_mfa_enabled else "false",
        **_no_key(1),
        **_no_key(2),
        "cert_1_active": "false",
        "cert_1_last_rotated": "N/A",
        "cert_2_active": "false",
        "cert_2_last_rotated": "N/A",
    }
    if summary._account_access_keys_present:  # never in the demo: moto has no API to give root a key
        row["access_key_1_active"] = "true"
    return row


def _user_row(backend: Any, user: Any) -> dict[str, str]:
    has_password = bool(user.password)
    changed = _utc(user.create_date)  # moto's GetLoginProfile says the same (it keeps no change date)
    policy = backend.account_password_policy
    max_age = policy.max_password_age if policy is not None and policy.expire_passwords else 0
    next_rotation = "N/A"
    if has_password and max_age:
        next_rotation = report_time(changed + timedelta(days=max_age))
    row = {
        "user": user.name,
        "arn": user.arn,
        "user_creation_time": report_time(user.create_date),
        "password_enabled": "true" if has_password else "false",
        "password_last_used": (
            (report_time(user.password_last_used) if user.password_last_used else "no_information")
            if has_password
            else "N/A"
        ),
        "password_last_changed": report_time(changed) if has_password else "N/A",
        "password_next_rotation": next_rotation,
        "mfa_active": "true" if user.mfa_devices else "false",
    }
    for n in (1, 2):
        keys = user.access_keys
        if len(keys) < n:
            row.update(_no_key(n))
            continue
        key = keys[n - 1]
        used = key.last_used
        row.update(
            {
                f"access_key_{n}_active": "true" if key.status == "Active" else "false",
                f"access_key_{n}_last_rotated": report_time(key.create_date),
                f"access_key_{n}_last_used_date": report_time(_used_time(used)) if used else "N/A",
                f"access_key_{n}_last_used_region": (getattr(used, "region", "") or "N/A") if used else "N/A",
                f"access_key_{n}_last_used_service": (getattr(used, "service", "") or "N/A") if used else "N/A",
            }
        )
    certificates = list(user.signing_certificates.values())
    for n in (1, 2):
        cert = certificates[n - 1] if len(certificates) >= n else None
        row[f"cert_{n}_active"] = "true" if cert is not None and cert.status == "Active" else "false"
        row[f"cert_{n}_last_rotated"] = report_time(cert.upload_date) if cert is not None else "N/A"
    return row


def _used_time(used: Any) -> datetime:
    """moto's ``AccessKey.last_used``: an ``AccessKeyLastUsed`` (or, set by hand, a datetime)."""
    return used if isinstance(used, datetime) else used.timestamp


# --- seeding what no AWS API sets ---------------------------------------------------------------------------------


def _date(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise ControlError(400, f"{where}: expected an ISO 8601 timestamp with its offset, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ControlError(400, f"{where}: not an ISO 8601 timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        raise ControlError(400, f"{where}: a timestamp needs its offset (e.g. +00:00): {value!r}")
    if parsed > datetime.now(UTC):
        raise ControlError(400, f"{where}: {value} is in the future")
    return _utc(parsed).replace(microsecond=0)


def _not_before(later: datetime | None, earlier: datetime | None, what: str) -> None:
    if later is not None and earlier is not None and later < earlier:
        raise ControlError(400, what)


def set_activity(payload: Any) -> dict[str, Any]:
    """Apply ``{"account_id": "…", "users": {name: {column: value}}}`` (see :class:`IamExtensions`); all or nothing."""
    if not isinstance(payload, dict) or set(payload) != {"account_id", "users"}:
        raise ControlError(400, 'expected {"account_id": "<12 digits>", "users": {"<name>": {...}}}')
    account_id, users = payload["account_id"], payload["users"]
    if not isinstance(account_id, str) or not re.fullmatch(r"\d{12}", account_id) or not isinstance(users, dict):
        raise ControlError(400, 'expected {"account_id": "<12 digits>", "users": {"<name>": {...}}}')
    backend = iam_backend(account_id)
    changes: list[Callable[[], None]] = []
    for name, fields in users.items():
        if not isinstance(fields, dict) or not fields:
            raise ControlError(400, f"{name}: expected an object of credential-report columns")
        if name == ROOT_USER:
            changes += _root_changes(backend, fields)
            continue
        user = backend.users.get(name)
        if user is None:
            raise ControlError(404, f"no user {name} in account {account_id}")
        changes += _user_changes(user, fields)
    with _lock:
        for change in changes:
            change()
    return {"account_id": account_id, "users": sorted(users)}


USER_FIELDS = (*USER_DATES, *(f"access_key_{n}_{f}" for n in (1, 2) for f in KEY_FIELDS))


def _user_changes(user: Any, fields: dict[str, Any]) -> list[Callable[[], None]]:
    name = user.name
    unknown = sorted(set(fields) - set(USER_FIELDS))
    if unknown:
        raise ControlError(400, f"{name}: cannot set {', '.join(unknown)} (settable: {', '.join(USER_FIELDS)})")
    created = _utc(user.create_date)
    if "user_creation_time" in fields:
        created = _date(fields["user_creation_time"], f"{name}.user_creation_time")
    used = _utc(user.password_last_used) if user.password_last_used else None
    if "password_last_used" in fields:
        if not user.password:
            raise ControlError(400, f"{name}: has no console password (the report says N/A)")
        used = _date(fields["password_last_used"], f"{name}.password_last_used")
    _not_before(used, created, f"{name}: password_last_used before user_creation_time")
    changes = [_set_user(user, created, used)]
    for n in (1, 2):
        given = {f: fields[f"access_key_{n}_{f}"] for f in KEY_FIELDS if f"access_key_{n}_{f}" in fields}
        if given:
            if len(user.access_keys) < n:
                raise ControlError(400, f"{name}: has no access key in slot {n}")
            changes.append(_key_change(user.access_keys[n - 1], given, created, f"{name}.access_key_{n}"))
    return changes


def _key_change(key: Any, given: dict[str, Any], created: datetime, where: str) -> Callable[[], None]:
    from moto.iam.models import AccessKeyLastUsed

    rotated = _utc(key.create_date)
    if "last_rotated" in given:
        rotated = _date(given["last_rotated"], f"{where}_last_rotated")
    _not_before(rotated, created, f"{where}_last_rotated before user_creation_time")
    if "last_used_date" not in given:
        if {"last_used_service", "last_used_region"} & set(given):
            raise ControlError(400, f"{where}: last_used_service and last_used_region need last_used_date")
        return _set_key(key, rotated, None, replace_use=False)
    when = _date(given["last_used_date"], f"{where}_last_used_date")
    _not_before(when, rotated, f"{where}_last_used_date before {where}_last_rotated")
    service = given.get("last_used_service")
    if not isinstance(service, str) or not service:
        raise ControlError(400, f"{where}_last_used_service: the service the key was last used with")
    region = given.get("last_used_region") or "N/A"  # N/A: a global service such as S3 or IAM
    last_used = AccessKeyLastUsed(timestamp=_naive(when), service=service, region=region)
    return _set_key(key, rotated, last_used, replace_use=True)


def _set_user(user: Any, created: datetime, used: datetime | None) -> Callable[[], None]:
    def apply() -> None:
        user.create_date = _naive(created)
        user.password_last_used = _naive(used) if used else None

    return apply


def _set_key(key: Any, rotated: datetime, last_used: Any, replace_use: bool) -> Callable[[], None]:
    def apply() -> None:
        key.create_date = _naive(rotated)
        if replace_use:
            key.last_used = last_used

    return apply


def _root_changes(backend: Any, fields: dict[str, Any]) -> list[Callable[[], None]]:
    unknown = sorted(set(fields) - set(ROOT_FIELDS))
    if unknown:
        raise ControlError(400, f"{ROOT_USER}: cannot set {', '.join(unknown)} (settable: {', '.join(ROOT_FIELDS)})")
    facts = root_facts(backend)
    seeded = fields.get("user_creation_time")
    created = _date(seeded, "root.user_creation_time") if seeded is not None else facts.creation(backend)
    used = (
        _date(fields["password_last_used"], "root.password_last_used")
        if "password_last_used" in fields
        else facts.password_last_used
    )
    _not_before(used, created, "root: password_last_used before user_creation_time")
    mfa = fields.get("mfa_active")
    if mfa is not None and not isinstance(mfa, bool):
        raise ControlError(400, f"{ROOT_USER}.mfa_active: true or false")

    def apply() -> None:
        if seeded is not None:
            facts.created = created
        facts.password_last_used = used
        if mfa is not None:  # what GetAccountSummary answers as AccountMFAEnabled
            backend.account_summary._account_mfa_enabled = 1 if mfa else 0

    return [apply]


# --- the middleware -----------------------------------------------------------------------------------------------


def is_loopback_client(environ: dict[str, Any]) -> bool:
    """Whether the request's peer address is this machine (127.0.0.0/8, ::1, IPv4-mapped loopback)."""
    try:
        address = ipaddress.ip_address(str(environ.get("REMOTE_ADDR", "")).split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


class IamExtensions:
    """WSGI middleware in front of moto: the IAM operations above, answered in IAM's own XML, and the seeding
    endpoint ``POST /moto-api/awsbp/iam/activity`` (loopback clients only) with a JSON body such as::

        {"account_id": "123456789012",
         "users": {"<root_account>": {"password_last_used": "2026-01-30T09:00:00+00:00", "mfa_active": false},
                   "backup-agent": {"user_creation_time": "…", "access_key_1_last_rotated": "…",
                                    "access_key_1_last_used_date": "…", "access_key_1_last_used_service": "s3"}}}

    Keys are credential-report columns: ``user_creation_time``, ``password_last_used`` (users with a console
    password), ``access_key_<1|2>_last_rotated`` / ``_last_used_date`` / ``_last_used_service`` /
    ``_last_used_region`` (for existing key slots); root takes ``user_creation_time``, ``password_last_used`` and
    ``mfa_active``. Timestamps carry their offset and are never in the future; nothing is used before it exists.
    """

    OPERATIONS = ("ListServiceSpecificCredentials", "CreateServiceSpecificCredential", "GetCredentialReport")

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if str(environ.get("PATH_INFO", "")).startswith(CONTROL_PREFIX):
            return self._control(environ, start_response)
        if "/iam/" in environ.get("HTTP_AUTHORIZATION", ""):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)  # moto reads the body again
            query = environ.get("QUERY_STRING", "") + "&" + body.decode("utf-8", "replace")
            form = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
            if form.get("Action") in self.OPERATIONS:
                return self._operation(form, environ, start_response)
        return self.app(environ, start_response)

    def _operation(
        self, form: dict[str, str], environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        action = form["Action"]
        account_id, access_key = _caller(environ)
        backend = iam_backend(account_id)
        status = "200 OK"
        try:
            if action == "ListServiceSpecificCredentials":
                answer = iam_answer(action, list_service_specific_credentials(backend, access_key, form))
            elif action == "CreateServiceSpecificCredential":
                answer = iam_answer(action, create_service_specific_credential(backend, account_id, form))
            else:
                if not backend.report_generated():
                    raise IamError(410, "ReportNotPresent", "Credential report not present")
                content = credential_report(backend, account_id)
                answer = iam_answer(action, {"Content": content, "ReportFormat": "text/csv", "GeneratedTime": _now()})
        except IamError as err:
            status, answer = f"{err.status} {HTTP_REASONS.get(err.status, 'Error')}", iam_error(err.code, err.message)
        start_response(status, [("Content-Type", "text/xml"), ("Content-Length", str(len(answer)))])
        return [answer]

    def _control(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            if not is_loopback_client(environ):
                raise ControlError(403, "control requests are accepted from this machine only")
            if environ.get("PATH_INFO") != ACTIVITY_PATH:
                raise ControlError(404, f"no control endpoint {environ.get('PATH_INFO')} (there is {ACTIVITY_PATH})")
            if environ.get("REQUEST_METHOD") != "POST":
                raise ControlError(405, f"{ACTIVITY_PATH} takes POST")
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            try:
                payload = json.loads(body or b"null")
            except ValueError:
                raise ControlError(400, "the body is not JSON") from None
            result = set_activity(payload)
        except ControlError as err:
            status, answer = f"{err.status} {HTTP_REASONS.get(err.status, 'Error')}", {"error": err.message}
        else:
            status, answer = "200 OK", result
        body = json.dumps(answer).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
