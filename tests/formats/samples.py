"""Sample AWS answers in the formats the real APIs use, written for these tests from AWS's documented formats.

Nothing here comes from moto: moto does not write the credential report's ``<root_account>`` row, returns
policy documents already decoded, gives RDS no network interface, and ignores page sizes. These builders
write what AWS documents instead, as raw API answers (what ``boto3`` hands the collectors) or as the CSV
AWS generates:

* :func:`credential_report_csv` — the credential report with its documented columns and special values;
* :func:`url_encoded` — a policy document as IAM returns it (percent-encoded JSON, RFC 3986);
* :class:`World` — every answer of one account, served to real botocore clients by :class:`FakeAws`
  (each answer checked against botocore's service model, as botocore's Stubber does), so the real
  collectors, paginators and response handlers run on them;
* :func:`rich_worlds` — accounts that together make every check say every verdict it has words for.

All identifiers are invented; account ids are the documentation-style ``123456789012`` family.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, ClassVar
from urllib.parse import quote

import botocore.session
from botocore.awsrequest import AWSResponse
from botocore.validate import validate_parameters

ACCOUNT = "123456789012"
PARTNER = "999988887777"  # a third party's account
REGION = "eu-west-1"
OTHER_REGION = "ap-northeast-1"
NOW = datetime(2026, 11, 28, tzinfo=UTC)  # every sample snapshot's collected_at
GLOBAL = "global"


SESSION = botocore.session.get_session()  # one session: each service model is read from disk once per process


def client(service: str, region: str = REGION) -> Any:
    """A botocore client that cannot reach AWS (dummy credentials); answer it with a Stubber or :class:`FakeAws`."""
    return SESSION.create_client(
        service, region_name=region, aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x"
    )


def service_model(service: str) -> Any:
    return SESSION.get_service_model(service)


def ago(days: int, *, seconds: int = 0) -> datetime:
    return NOW - timedelta(days=days, seconds=seconds)


def report_time(days: int) -> str:
    """A credential-report timestamp as AWS writes it: ISO 8601, seconds, ``+00:00``."""
    return ago(days, seconds=3 * 3600 + 17 * 60 + 42).isoformat(timespec="seconds")


# --- IAM credential report ------------------------------------------------------------------------
# The columns of the report, in the order AWS documents them (IAM User Guide, "Getting credential reports").
CREDENTIAL_REPORT_COLUMNS = (
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
ROOT = "<root_account>"


def report_user(
    user: str,
    *,
    created: int = 400,
    password: int | None = None,
    password_used: int | str = "no_information",
    mfa: bool = False,
    key1: tuple[bool, int, int | None, str] | None = None,
    key2: tuple[bool, int, int | None, str] | None = None,
    partition: str = "aws",
    account: str = ACCOUNT,
) -> dict[str, str]:
    """One IAM user's row. ``password``: days since it was set (``None``: no console password);
    ``password_used``: days since last sign-in, or ``"no_information"`` (never signed in) ; ``keyN``:
    ``(active, days since rotated, days since last used or None for never, service)``.

    Values as AWS documents them: ``N/A`` where a credential does not exist or was never used,
    ``no_information`` for a password never used, ``true``/``false`` flags."""
    row = dict.fromkeys(CREDENTIAL_REPORT_COLUMNS, "N/A")
    row.update(
        user=user,
        arn=f"arn:{partition}:iam::{account}:user/{user}",
        user_creation_time=report_time(created),
        password_enabled="false",
        mfa_active=str(mfa).lower(),
        access_key_1_active="false",
        access_key_2_active="false",
        cert_1_active="false",
        cert_2_active="false",
    )
    if password is not None:
        row.update(
            password_enabled="true",
            password_last_changed=report_time(password),
            password_last_used=report_time(password_used) if isinstance(password_used, int) else password_used,
        )
    for n, key in ((1, key1), (2, key2)):
        if key is None:
            continue
        active, rotated, used, service = key
        row[f"access_key_{n}_active"] = str(active).lower()
        row[f"access_key_{n}_last_rotated"] = report_time(rotated)
        if used is not None:
            row[f"access_key_{n}_last_used_date"] = report_time(used)
            row[f"access_key_{n}_last_used_region"] = REGION
            row[f"access_key_{n}_last_used_service"] = service
    return row


def report_root(
    *,
    mfa: bool = True,
    password_used: int | str = "no_information",
    key: bool = False,
    account: str = ACCOUNT,
    partition: str = "aws",
) -> dict[str, str]:
    """The ``<root_account>`` row: ``not_supported`` where a column does not apply to root."""
    row = report_user(ROOT, created=2000, mfa=mfa, account=account)
    row.update(
        arn=f"arn:{partition}:iam::{account}:root",
        password_enabled="not_supported",
        password_last_changed="not_supported",
        password_next_rotation="not_supported",
        password_last_used=report_time(password_used) if isinstance(password_used, int) else password_used,
    )
    if key:
        row.update(
            access_key_1_active="true",
            access_key_1_last_rotated=report_time(1500),
            access_key_1_last_used_date=report_time(600),
            access_key_1_last_used_region="us-east-1",
            access_key_1_last_used_service="s3",
        )
    return row


def credential_report_csv(rows: Iterable[dict[str, str]]) -> bytes:
    """The report as ``GetCredentialReport`` returns its ``Content``: CSV with a header line, no quoting."""
    lines = [",".join(CREDENTIAL_REPORT_COLUMNS)]
    lines += [",".join(row[c] for c in CREDENTIAL_REPORT_COLUMNS) for row in rows]
    return ("\n".join(lines)).encode()


# --- IAM policy documents -------------------------------------------------------------------------
def url_encoded(document: dict[str, Any]) -> str:
    """A policy document as IAM's API returns it: the JSON text (as written, with its whitespace),
    percent-encoded per RFC 3986."""
    return quote(json.dumps(document, indent=4), safe="")


def statement(
    effect: str = "Allow",
    action: Any = None,
    *,
    not_action: Any = None,
    resource: Any = "*",
    condition: dict[str, Any] | None = None,
    sid: str = "",
) -> dict[str, Any]:
    out: dict[str, Any] = {"Sid": sid} if sid else {}
    out["Effect"] = effect
    if not_action is not None:
        out["NotAction"] = not_action
    else:
        out["Action"] = action
    out["Resource"] = resource
    if condition:
        out["Condition"] = condition
    return out


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def trust_document(principal: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        stmt["Condition"] = condition
    return document(stmt)


def aws_managed(name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::aws:policy/{name}"


def customer_managed(name: str, account: str = ACCOUNT, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account}:policy/{name}"


def policy_detail(arn: str, versions: list[tuple[dict[str, Any], bool]], *, attached: int = 1, encode: bool = True):
    """A ``Policies[]`` entry of GetAccountAuthorizationDetails: every version, one of them the default."""
    default = next(i for i, (_, is_default) in enumerate(versions) if is_default)
    name = arn.rsplit("/", 1)[-1]
    return {
        "PolicyName": name,
        "PolicyId": "ANPA" + (name.upper().replace("-", "") + "X" * 17)[:17],
        "Arn": arn,
        "Path": "/",
        "DefaultVersionId": f"v{default + 1}",
        "AttachmentCount": attached,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "CreateDate": ago(900),
        "UpdateDate": ago(30),
        "PolicyVersionList": [
            {
                "Document": url_encoded(doc) if encode else json.dumps(doc),
                "VersionId": f"v{i + 1}",
                "IsDefaultVersion": is_default,
                "CreateDate": ago(900 - 100 * i),
            }
            for i, (doc, is_default) in enumerate(versions)
        ],
    }


def _attached(arns: Iterable[str]) -> list[dict[str, str]]:
    return [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in arns]


def user_detail(
    name: str,
    *,
    groups: Iterable[str] = (),
    attached: Iterable[str] = (),
    inline: dict[str, dict[str, Any]] | None = None,
    account: str = ACCOUNT,
    partition: str = "aws",
) -> dict[str, Any]:
    return {
        "Path": "/",
        "UserName": name,
        "UserId": "AIDA" + (name.upper().replace("-", "") + "Q" * 17)[:17],
        "Arn": f"arn:{partition}:iam::{account}:user/{name}",
        "CreateDate": ago(400),
        "UserPolicyList": [{"PolicyName": k, "PolicyDocument": url_encoded(v)} for k, v in (inline or {}).items()],
        "GroupList": list(groups),
        "AttachedManagedPolicies": _attached(attached),
        "Tags": [],
    }


def group_detail(
    name: str, *, attached: Iterable[str] = (), inline: dict[str, dict[str, Any]] | None = None, account: str = ACCOUNT
) -> dict[str, Any]:
    return {
        "Path": "/",
        "GroupName": name,
        "GroupId": "AGPA" + (name.upper().replace("-", "") + "G" * 17)[:17],
        "Arn": f"arn:aws:iam::{account}:group/{name}",
        "CreateDate": ago(800),
        "GroupPolicyList": [{"PolicyName": k, "PolicyDocument": url_encoded(v)} for k, v in (inline or {}).items()],
        "AttachedManagedPolicies": _attached(attached),
    }


def role_detail(
    name: str,
    trust: dict[str, Any],
    *,
    attached: Iterable[str] = (),
    inline: dict[str, dict[str, Any]] | None = None,
    path: str = "/",
    account: str = ACCOUNT,
    partition: str = "aws",
    profile: bool = False,
) -> dict[str, Any]:
    arn = f"arn:{partition}:iam::{account}:role{path}{name}"
    out: dict[str, Any] = {
        "Path": path,
        "RoleName": name,
        "RoleId": "AROA" + (name.upper().replace("-", "") + "R" * 17)[:17],
        "Arn": arn,
        "CreateDate": ago(700),
        "AssumeRolePolicyDocument": url_encoded(trust),
        "InstanceProfileList": [],
        "RolePolicyList": [{"PolicyName": k, "PolicyDocument": url_encoded(v)} for k, v in (inline or {}).items()],
        "AttachedManagedPolicies": _attached(attached),
        "Tags": [],
        "RoleLastUsed": {"LastUsedDate": ago(2), "Region": REGION},
    }
    if profile:
        out["InstanceProfileList"] = [
            {
                "Path": "/",
                "InstanceProfileName": name,
                "InstanceProfileId": "AIPA" + (name.upper().replace("-", "") + "P" * 17)[:17],
                "Arn": f"arn:{partition}:iam::{account}:instance-profile/{name}",
                "CreateDate": ago(700),
                "Roles": [],
            }
        ]
    return out


# --- serving answers to real botocore clients -----------------------------------------------------
@dataclass(frozen=True)
class Error:
    """An error answer: ``Error("AccessDenied", "…", 403)``."""

    code: str
    message: str = ""
    status: int = 400


Answer = dict[str, Any] | Error | Callable[[dict[str, Any]], "dict[str, Any] | Error"]


@dataclass
class World:
    """Every answer of one simulated account: ``answers[(service, region, Operation)]``; IAM answers under
    region ``global``. An operation without an answer gets ``{}`` (an empty listing)."""

    account: str = ACCOUNT
    regions: list[str] = field(default_factory=lambda: [REGION])
    partition: str = "aws"
    answers: dict[tuple[str, str, str], Answer] = field(default_factory=dict)
    name: str = ""
    down: dict[str, Callable[[str], Error]] = field(default_factory=dict)  # region -> error for every call there

    def region_down(self, region: str, error_for: Callable[[str], Error]) -> World:
        """Every call of a regional service to ``region`` answers ``error_for(service)`` (a region not enabled)."""
        self.down[region] = error_for
        return self

    def answer(self, service: str, region: str, operation: str, answer: Answer) -> World:
        self.answers[(service, GLOBAL if service == "iam" else region, operation)] = answer
        return self

    def items(self, service: str, region: str, operation: str, key: str, items: list[Any]) -> World:
        """Append items to a listing answer (one page)."""
        current = self.answers.get((service, GLOBAL if service == "iam" else region, operation))
        base = dict(current) if isinstance(current, dict) else {}
        base[key] = [*base.get(key, []), *items]
        return self.answer(service, region, operation, base)

    def fail(self, service: str, region: str, operations: Iterable[str], error: Error) -> World:
        for operation in operations:
            self.answer(service, region, operation, error)
        return self

    @property
    def identity(self) -> dict[str, str]:
        return {
            "account_id": self.account,
            "partition": self.partition,
            "arn": f"arn:{self.partition}:sts::{self.account}:assumed-role/Audit/awsbp",
        }


def _error_response(error: Error) -> tuple[AWSResponse, dict[str, Any]]:
    parsed = {
        "Error": {"Code": error.code, "Message": error.message},
        "ResponseMetadata": {"HTTPStatusCode": error.status},
    }
    return AWSResponse(None, error.status, {}, None), parsed


_client = client


class FakeAws:
    """Real botocore clients whose calls never leave the process: each is answered from a :class:`World`.

    An answer is checked against the operation's output shape (as botocore's Stubber checks), then goes
    through botocore's own after-call handlers (IAM policy documents are URL-decoded there, as for a
    real answer). ``wrap(service, operation, answer)`` may replace an answer before it is returned
    (the contract tests record what the collectors read). ``calls`` counts operations.

    Creating a botocore client costs tens of milliseconds, so clients are made once per (service, region)
    and each :meth:`client` is a shallow copy (its own attributes, shared configuration and handlers):
    the copies answer from the :class:`FakeAws` that asked last for that service and region.
    """

    _pool: ClassVar[dict[tuple[str, str], tuple[Any, dict[str, FakeAws]]]] = {}

    def __init__(self, world: World, wrap: Callable[[str, str, dict[str, Any]], dict[str, Any]] | None = None):
        self.world, self.wrap = world, wrap
        self.calls: dict[str, int] = {}

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._pool:
            self._pool[key] = self._new_client(service, region)
        client, serving = self._pool[key]
        serving["now"] = self
        fresh = object.__new__(type(client))  # copy.copy would probe the half-made client's __getattr__
        fresh.__dict__.update(client.__dict__)
        return fresh

    @staticmethod
    def _new_client(service: str, region: str) -> tuple[Any, dict[str, FakeAws]]:
        client = _client(service, region)
        where = GLOBAL if service == "iam" else region
        serving: dict[str, FakeAws] = {}

        def remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["fake_aws_params"] = dict(params)  # the API parameters (before-call sees the HTTP request)

        def answer(model: Any, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
            fake = serving["now"]
            key = f"{service}.{model.name}"
            fake.calls[key] = fake.calls.get(key, 0) + 1
            if where in fake.world.down:
                return _error_response(fake.world.down[where](service))
            found = fake.world.answers.get((service, where, model.name)) or minimal(model.output_shape)
            result = found(context.get("fake_aws_params", {})) if callable(found) else found
            if isinstance(result, Error):
                return _error_response(result)
            result = json.loads(json.dumps(result, default=_encode), object_hook=_decode)  # a fresh copy
            if model.output_shape is not None:
                validate_parameters(result, model.output_shape)
            if fake.wrap:
                result = fake.wrap(service, model.name, result)
            return AWSResponse(None, 200, {}, None), result

        client.meta.events.register("before-parameter-build.*.*", remember)
        client.meta.events.register("before-call.*.*", answer)
        return client, serving


SCALARS = {"boolean": False, "integer": 0, "long": 0, "double": 0.0, "float": 0.0, "string": "", "blob": b""}


def minimal(shape: Any) -> dict[str, Any]:
    """The smallest answer the model accepts: required members only, lists and maps empty (an empty listing)."""
    if shape is None:
        return {}
    out: dict[str, Any] = {}
    for name in shape.required_members:
        member = shape.members[name]
        kind = member.type_name
        if kind == "structure":
            out[name] = minimal(member)
        elif kind in ("list", "map"):
            out[name] = [] if kind == "list" else {}
        elif kind == "string":
            out[name] = "x" * int(member.metadata.get("min", 0))
        else:
            out[name] = NOW if kind == "timestamp" else SCALARS[kind]
    return out


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode()}
    raise TypeError(type(value))


def _decode(obj: dict[str, Any]) -> Any:
    if "__datetime__" in obj:
        return datetime.fromisoformat(obj["__datetime__"])
    if "__bytes__" in obj:
        return base64.b64decode(obj["__bytes__"])
    return obj


def paged(items: list[Any], key: str, size: int, *, token: str = "NextToken", out_token: str | None = None):
    """An answer that pages ``items`` ``size`` at a time, following ``token`` (the request's name for it)."""
    out_token = out_token or token

    def answer(params: dict[str, Any]) -> dict[str, Any]:
        start = int(params.get(token) or 0)
        page = {key: items[start : start + size]}
        if start + size < len(items):
            page[out_token] = str(start + size)
        return page

    return answer


# --- user data ------------------------------------------------------------------------------------
def user_data(text: str, *, gzipped: bool = False) -> str:
    """User data as DescribeInstanceAttribute returns it: base64 of the bytes given at launch."""
    raw = text.encode()
    if gzipped:
        buffer = io.BytesIO()
        with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz:
            gz.write(raw)
        raw = buffer.getvalue()
    return base64.b64encode(raw).decode()


# Fabricated, matching no real credential. Not AWS's documented example keys: the detector rightly takes those
# for placeholders (awsbp.secrets), and a world must leak a key that looks real.
FAKE_KEY_ID = "AKIAZ7FORMATSFAKEQ2W"
FAKE_SECRET = "f0rMatsSimuLat3dk3YnotReAlxQ9vB2rT7wLpZ4"  # 40 characters, as AWS secret keys are


# --- EC2 and VPC, as DescribeX answers them -------------------------------------------------------
def tag_list(**kv: str) -> list[dict[str, str]]:
    return [{"Key": k.replace("__", ":"), "Value": v} for k, v in kv.items()]


def _tags(tags: dict[str, str] | None) -> dict[str, Any]:
    """EC2 leaves ``Tags`` out of an item that has none."""
    return {"Tags": tag_list(**tags)} if tags else {}


def vpc(
    vid: str,
    cidr: str,
    *,
    ipv6: str = "",
    default: bool = False,
    tags: dict[str, str] | None = None,
    account: str = ACCOUNT,
    associations: bool = True,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "VpcId": vid,
        "CidrBlock": cidr,
        "State": "available",
        "DhcpOptionsId": "dopt-0a1b2c3d4e5f60718",
        "InstanceTenancy": "default",
        "IsDefault": default,
        "OwnerId": account,
        **_tags(tags),
    }
    if associations:
        out["CidrBlockAssociationSet"] = [
            {"AssociationId": f"vpc-cidr-assoc-{vid[4:]}", "CidrBlock": cidr, "CidrBlockState": {"State": "associated"}}
        ]
    if ipv6:
        out["Ipv6CidrBlockAssociationSet"] = [
            {
                "AssociationId": f"vpc-cidr-assoc-6{vid[4:]}",
                "Ipv6CidrBlock": ipv6,
                "Ipv6CidrBlockState": {"State": "associated"},
                "NetworkBorderGroup": REGION,
                "Ipv6Pool": "Amazon",
            }
        ]
    return out


def subnet(
    sid: str,
    vid: str,
    cidr: str,
    *,
    region: str = REGION,
    az: str = "a",
    public_ip: bool = False,
    tags: dict[str, str] | None = None,
    account: str = ACCOUNT,
) -> dict[str, Any]:
    return {
        "SubnetId": sid,
        "SubnetArn": f"arn:aws:ec2:{region}:{account}:subnet/{sid}",
        "VpcId": vid,
        "CidrBlock": cidr,
        "AvailabilityZone": f"{region}{az}",
        "AvailabilityZoneId": f"euw1-az{ord(az) - 96}",
        "AvailableIpAddressCount": 250,
        "DefaultForAz": False,
        "MapPublicIpOnLaunch": public_ip,
        "State": "available",
        "OwnerId": account,
        "AssignIpv6AddressOnCreation": False,
        "Ipv6CidrBlockAssociationSet": [],
        **_tags(tags),
    }


def route(dest: str, **target: str) -> dict[str, Any]:
    """``route('0.0.0.0/0', GatewayId='igw-…')``; ``State='blackhole'`` for a route whose target is gone."""
    key = "DestinationIpv6CidrBlock" if ":" in dest else "DestinationCidrBlock"
    state = target.pop("State", "active")
    return {key: dest, **target, "Origin": "CreateRoute", "State": state}


def route_table(
    rtid: str,
    vid: str,
    routes: list[dict[str, Any]],
    subnets: Iterable[str] = (),
    *,
    main: bool = False,
    local: str = "10.0.0.0/8",
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    associations = [
        {
            "Main": False,
            "RouteTableAssociationId": f"rtbassoc-{rtid[4:]}{i}",
            "RouteTableId": rtid,
            "SubnetId": s,
            "AssociationState": {"State": "associated"},
        }
        for i, s in enumerate(subnets)
    ]
    if main:
        associations.append(
            {
                "Main": True,
                "RouteTableAssociationId": f"rtbassoc-{rtid[4:]}m",
                "RouteTableId": rtid,
                "AssociationState": {"State": "associated"},
            }
        )
    return {
        "RouteTableId": rtid,
        "VpcId": vid,
        "OwnerId": ACCOUNT,
        "Routes": [
            {"DestinationCidrBlock": local, "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"},
            *routes,
        ],
        "Associations": associations,
        "PropagatingVgws": [],
        **_tags(tags),
    }


def internet_gateway(igw: str, vid: str) -> dict[str, Any]:
    return {"InternetGatewayId": igw, "OwnerId": ACCOUNT, "Attachments": [{"State": "available", "VpcId": vid}]}


def nat_gateway(nat: str, vid: str, sid: str, *, state: str = "available", eni: str = "") -> dict[str, Any]:
    return {
        "NatGatewayId": nat,
        "VpcId": vid,
        "SubnetId": sid,
        "State": state,
        "ConnectivityType": "public",
        "CreateTime": ago(300),
        "NatGatewayAddresses": [
            {
                "AllocationId": f"eipalloc-{nat[4:]}",
                "NetworkInterfaceId": eni or f"eni-{nat[4:]}",
                "PrivateIp": "10.20.0.77",
                "PublicIp": "198.51.100.23",
                "IsPrimary": True,
                "Status": "succeeded",
            }
        ],
    }


def sg_rule(
    gid: str,
    rid: str,
    *,
    egress: bool = False,
    proto: str = "tcp",
    ports: tuple[int, int] = (443, 443),
    cidr: str = "",
    prefix_list: str = "",
    ref: str = "",
    ref_account: str = "",
    peering: str = "",
    description: str = "",
    account: str = ACCOUNT,
    region: str = REGION,
) -> dict[str, Any]:
    """One SecurityGroupRules[] item. Protocol ``-1`` (all) and ICMP "any" have ports -1."""
    out: dict[str, Any] = {
        "SecurityGroupRuleId": rid,
        "GroupId": gid,
        "GroupOwnerId": account,
        "IsEgress": egress,
        "IpProtocol": proto,
        "FromPort": -1 if proto == "-1" else ports[0],
        "ToPort": -1 if proto == "-1" else ports[1],
        "Tags": [],
        "SecurityGroupRuleArn": f"arn:aws:ec2:{region}:{account}:security-group-rule/{rid}",
    }
    if cidr:
        out["CidrIpv6" if ":" in cidr else "CidrIpv4"] = cidr
    if prefix_list:
        out["PrefixListId"] = prefix_list
    if ref:
        info = {"GroupId": ref, "UserId": ref_account or account}
        if peering:
            info.update(VpcPeeringConnectionId=peering, PeeringStatus="active")
        out["ReferencedGroupInfo"] = info
    if description:
        out["Description"] = description
    return out


def _permission(rule: dict[str, Any]) -> dict[str, Any]:
    """The DescribeSecurityGroups form of a rule (IpPermissions), for realism: awsbp reads the rules listing."""
    perm: dict[str, Any] = {
        "IpProtocol": rule["IpProtocol"],
        "IpRanges": [],
        "Ipv6Ranges": [],
        "PrefixListIds": [],
        "UserIdGroupPairs": [],
    }
    if rule["IpProtocol"] != "-1":
        perm.update(FromPort=rule["FromPort"], ToPort=rule["ToPort"])
    if "CidrIpv4" in rule:
        perm["IpRanges"].append({"CidrIp": rule["CidrIpv4"]})
    if "CidrIpv6" in rule:
        perm["Ipv6Ranges"].append({"CidrIpv6": rule["CidrIpv6"]})
    if "PrefixListId" in rule:
        perm["PrefixListIds"].append({"PrefixListId": rule["PrefixListId"]})
    if "ReferencedGroupInfo" in rule:
        perm["UserIdGroupPairs"].append(dict(rule["ReferencedGroupInfo"]))
    return perm


def security_group(
    gid: str,
    vid: str,
    name: str,
    rules: Iterable[dict[str, Any]] = (),
    *,
    tags: dict[str, str] | None = None,
    account: str = ACCOUNT,
) -> dict[str, Any]:
    rules = list(rules)
    return {
        "GroupId": gid,
        "GroupName": name,
        "Description": f"{name} security group",
        "VpcId": vid,
        "OwnerId": account,
        "SecurityGroupArn": f"arn:aws:ec2:{REGION}:{account}:security-group/{gid}",
        "IpPermissions": [_permission(r) for r in rules if not r["IsEgress"]],
        "IpPermissionsEgress": [_permission(r) for r in rules if r["IsEgress"]],
        **_tags(tags),
    }


def eni(
    eid: str,
    vid: str,
    sid: str,
    groups: Iterable[str],
    ip: str,
    *,
    kind: str = "interface",
    description: str = "",
    requester: str = "",
    instance: str = "",
    public_ip: str = "",
    region: str = REGION,
    account: str = ACCOUNT,
) -> dict[str, Any]:
    """A NetworkInterfaces[] item. AWS services' interfaces are requester-managed: ``RequesterId`` names the
    service (``amazon-elb``, ``amazon-rds``) or the service's account / role session, and no instance is
    attached; their ``Description`` is how the console (and awsbp) tells them apart."""
    out: dict[str, Any] = {
        "NetworkInterfaceId": eid,
        "VpcId": vid,
        "SubnetId": sid,
        "AvailabilityZone": f"{region}a",
        "Description": description,
        "Groups": [{"GroupId": g, "GroupName": g.removeprefix("sg-")} for g in groups],
        "InterfaceType": kind,
        "MacAddress": "02:1a:2b:3c:4d:5e",
        "OwnerId": account,
        "PrivateIpAddress": ip,
        "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}],
        "RequesterManaged": bool(requester),
        "SourceDestCheck": True,
        "Status": "in-use",
        "TagSet": [],
        "Ipv6Addresses": [],
    }
    if requester:
        out["RequesterId"] = requester
    attachment: dict[str, Any] = {"AttachmentId": f"eni-attach-{eid[4:]}", "DeviceIndex": 1, "Status": "attached"}
    if instance:
        attachment.update(InstanceId=instance, InstanceOwnerId=account, DeviceIndex=0)
    elif requester:
        attachment["InstanceOwnerId"] = requester
    out["Attachment"] = attachment
    if public_ip:
        out["Association"] = {"IpOwnerId": "amazon", "PublicIp": public_ip, "PublicDnsName": ""}
    return out


STATE_CODES = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}


def instance(
    iid: str,
    vid: str,
    sid: str,
    groups: Iterable[str],
    ip: str,
    *,
    state: str = "running",
    public_ip: str = "",
    profile: str = "",
    http_tokens: str = "required",
    tags: dict[str, str] | None = None,
    region: str = REGION,
    account: str = ACCOUNT,
    partition: str = "aws",
) -> dict[str, Any]:
    """A Reservations[].Instances[] item; a terminated instance keeps no subnet, VPC, address or groups."""
    out: dict[str, Any] = {
        "InstanceId": iid,
        "ImageId": "ami-0abcdef1234567890",
        "InstanceType": "t3.micro",
        "LaunchTime": ago(60),
        "Placement": {"AvailabilityZone": f"{region}a", "Tenancy": "default"},
        "State": {"Code": STATE_CODES[state], "Name": state},
        "SecurityGroups": [{"GroupId": g, "GroupName": g.removeprefix("sg-")} for g in groups],
        "MetadataOptions": {
            "State": "applied",
            "HttpTokens": http_tokens,
            "HttpPutResponseHopLimit": 2,
            "HttpEndpoint": "enabled",
        },
        "Architecture": "x86_64",
        **_tags(tags),
    }
    if state == "terminated":
        out["StateTransitionReason"] = "User initiated (2026-11-20 10:11:12 GMT)"
        out["SecurityGroups"] = []
        return out
    out.update(VpcId=vid, SubnetId=sid, PrivateIpAddress=ip)
    if public_ip:
        out["PublicIpAddress"] = public_ip
    if profile:
        out["IamInstanceProfile"] = {
            "Arn": f"arn:{partition}:iam::{account}:instance-profile/{profile}",
            "Id": "AIPA" + (profile.upper().replace("-", "") + "P" * 17)[:17],
        }
    return out


def reservations(*instances: dict[str, Any], account: str = ACCOUNT) -> list[dict[str, Any]]:
    return [{"ReservationId": f"r-{i['InstanceId'][2:]}", "OwnerId": account, "Instances": [i]} for i in instances]


def vpc_endpoint(
    eid: str, vid: str, service: str, *, kind: str = "Interface", region: str = REGION, state: str = "available"
) -> dict[str, Any]:
    return {
        "VpcEndpointId": eid,
        "VpcEndpointType": kind,
        "VpcId": vid,
        "ServiceName": f"com.amazonaws.{region}.{service}",
        "State": state,
        "RouteTableIds": [],
        "SubnetIds": [],
        "Groups": [],
        "PrivateDnsEnabled": kind == "Interface",
        "NetworkInterfaceIds": [],
        "CreationTimestamp": ago(200),
        "OwnerId": ACCOUNT,
    }


def flow_log(fid: str, vid: str, *, to_s3: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "FlowLogId": fid,
        "ResourceId": vid,
        "FlowLogStatus": "ACTIVE",
        "DeliverLogsStatus": "SUCCESS",
        "TrafficType": "ALL",
        "CreationTime": ago(200),
        "MaxAggregationInterval": 600,
    }
    if to_s3:
        out.update(LogDestinationType="s3", LogDestination="arn:aws:s3:::example-flow-logs/vpc/")
    else:  # the older CloudWatch Logs form names a log group, no LogDestination
        out.update(LogDestinationType="cloud-watch-logs", LogGroupName="/vpc/flow-logs")
    return out


# --- load balancers, RDS, Lambda ------------------------------------------------------------------
def load_balancer_v2(
    name: str,
    kind: str,
    scheme: str,
    vid: str,
    subnets: Iterable[str],
    groups: Iterable[str],
    *,
    lb_id: str = "50dc6c495c0c9188",
    region: str = REGION,
) -> dict[str, Any]:
    prefix = {"application": "app", "network": "net"}[kind]
    return {
        "LoadBalancerArn": f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT}:loadbalancer/{prefix}/{name}/{lb_id}",
        "DNSName": f"{name}-1234567890.{region}.elb.amazonaws.com",
        "CanonicalHostedZoneId": "Z32O12XQLNTSW2",
        "CreatedTime": ago(100),
        "LoadBalancerName": name,
        "Scheme": scheme,
        "VpcId": vid,
        "State": {"Code": "active"},
        "Type": kind,
        "AvailabilityZones": [{"ZoneName": f"{region}a", "SubnetId": s, "LoadBalancerAddresses": []} for s in subnets],
        "SecurityGroups": list(groups),
        "IpAddressType": "dualstack",
    }


def classic_load_balancer(name: str, vid: str, subnets: Iterable[str], groups: Iterable[str]) -> dict[str, Any]:
    return {
        "LoadBalancerName": name,
        "DNSName": f"{name}-1234567890.{REGION}.elb.amazonaws.com",
        "CanonicalHostedZoneNameID": "Z32O12XQLNTSW2",
        "ListenerDescriptions": [
            {
                "Listener": {
                    "Protocol": "HTTP",
                    "LoadBalancerPort": 80,
                    "InstanceProtocol": "HTTP",
                    "InstancePort": 80,
                },
                "PolicyNames": [],
            }
        ],
        "Policies": {"AppCookieStickinessPolicies": [], "LBCookieStickinessPolicies": [], "OtherPolicies": []},
        "BackendServerDescriptions": [],
        "AvailabilityZones": [f"{REGION}a"],
        "Subnets": list(subnets),
        "VPCId": vid,
        "Instances": [],
        "HealthCheck": {
            "Target": "HTTP:80/",
            "Interval": 30,
            "Timeout": 5,
            "UnhealthyThreshold": 2,
            "HealthyThreshold": 3,
        },
        "SourceSecurityGroup": {"OwnerAlias": ACCOUNT, "GroupName": "legacy-web"},
        "SecurityGroups": list(groups),
        "CreatedTime": ago(2000),
        "Scheme": "internet-facing",
    }


def db_subnet_group(name: str, vid: str, subnets: Iterable[str], region: str = REGION) -> dict[str, Any]:
    return {
        "DBSubnetGroupName": name,
        "DBSubnetGroupDescription": f"{name} subnets",
        "VpcId": vid,
        "SubnetGroupStatus": "Complete",
        "Subnets": [
            {"SubnetIdentifier": s, "SubnetAvailabilityZone": {"Name": f"{region}a"}, "SubnetStatus": "Active"}
            for s in subnets
        ],
        "DBSubnetGroupArn": f"arn:aws:rds:{region}:{ACCOUNT}:subgrp:{name}",
    }


def db_instance(
    name: str,
    group: dict[str, Any],
    groups: Iterable[str],
    *,
    public: bool = False,
    engine: str = "postgres",
    cluster: str = "",
    tags: dict[str, str] | None = None,
    region: str = REGION,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "DBInstanceIdentifier": name,
        "DBInstanceClass": "db.t4g.medium",
        "Engine": engine,
        "DBInstanceStatus": "available",
        "Endpoint": {"Address": f"{name}.abcdefghijkl.{region}.rds.amazonaws.com", "Port": 5432},
        "PubliclyAccessible": public,
        "DBSubnetGroup": {k: v for k, v in group.items() if k != "DBSubnetGroupArn"},
        "VpcSecurityGroups": [{"VpcSecurityGroupId": g, "Status": "active"} for g in groups],
        "DBInstanceArn": f"arn:aws:rds:{region}:{ACCOUNT}:db:{name}",
        "TagList": tag_list(**(tags or {})),
        "StorageEncrypted": True,
    }
    if cluster:
        out["DBClusterIdentifier"] = cluster
    return out


def db_cluster(name: str, region: str = REGION) -> dict[str, Any]:
    return {
        "DBClusterIdentifier": name,
        "DBClusterArn": f"arn:aws:rds:{region}:{ACCOUNT}:cluster:{name}",
        "Engine": "aurora-postgresql",
        "Status": "available",
        "PubliclyAccessible": False,
    }


def function(
    name: str,
    role: str,
    *,
    variables: dict[str, str] | None = None,
    vpc: tuple[str, list[str], list[str]] | None = None,
    region: str = REGION,
    account: str = ACCOUNT,
    partition: str = "aws",
) -> dict[str, Any]:
    """A ListFunctions Functions[] item; ``vpc`` = (VPC id, subnet ids, security group ids)."""
    out: dict[str, Any] = {
        "FunctionName": name,
        "FunctionArn": f"arn:{partition}:lambda:{region}:{account}:function:{name}",
        "Runtime": "python3.12",
        "Role": f"arn:{partition}:iam::{account}:role/{role}",
        "Handler": "app.handler",
        "CodeSize": 2048,
        "Timeout": 30,
        "MemorySize": 256,
        "LastModified": "2026-11-01T10:00:00.000+0000",
        "Version": "$LATEST",
        "PackageType": "Zip",
        "Architectures": ["arm64"],
    }
    if variables is not None:
        out["Environment"] = {"Variables": dict(variables)}
    if vpc:
        out["VpcConfig"] = {
            "VpcId": vpc[0],
            "SubnetIds": vpc[1],
            "SecurityGroupIds": vpc[2],
            "Ipv6AllowedForDualStack": False,
        }
    return out


def codebuild_project(
    name: str,
    role: str,
    variables: Iterable[tuple[str, str, str]] = (),
    *,
    privileged: bool = False,
    region: str = REGION,
) -> dict[str, Any]:
    """A BatchGetProjects projects[] item; ``variables`` are (name, value, type)."""
    return {
        "name": name,
        "arn": f"arn:aws:codebuild:{region}:{ACCOUNT}:project/{name}",
        "source": {"type": "CODECOMMIT", "location": f"https://git-codecommit.{region}.amazonaws.com/v1/repos/{name}"},
        "artifacts": {"type": "NO_ARTIFACTS"},
        "environment": {
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "environmentVariables": [{"name": n, "value": v, "type": t} for n, v, t in variables],
            "privilegedMode": privileged,
        },
        "serviceRole": f"arn:aws:iam::{ACCOUNT}:role/{role}",
        "timeoutInMinutes": 60,
        "created": ago(300),
        "lastModified": ago(20),
    }


def pipeline(
    name: str,
    role: str,
    region: str = REGION,
    *,
    configuration: dict[str, str] | None = None,
    variables: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A GetPipeline answer; ``configuration`` replaces the source action's settings, ``variables`` are the
    pipeline variables' default values."""
    answer = {
        "pipeline": {
            "name": name,
            "roleArn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
            "artifactStore": {"type": "S3", "location": "example-pipeline-artifacts"},
            "stages": [
                {
                    "name": "Source",
                    "actions": [
                        {
                            "name": "Source",
                            "actionTypeId": {
                                "category": "Source",
                                "owner": "AWS",
                                "provider": "CodeCommit",
                                "version": "1",
                            },
                            "configuration": {"RepositoryName": name, "BranchName": "main"},
                            "outputArtifacts": [{"name": "src"}],
                        }
                    ],
                }
            ],
            "version": 3,
            "pipelineType": "V2",
        },
        "metadata": {
            "pipelineArn": f"arn:aws:codepipeline:{region}:{ACCOUNT}:{name}",
            "created": ago(300),
            "updated": ago(10),
        },
    }
    if configuration is not None:
        answer["pipeline"]["stages"][0]["actions"][0]["configuration"] = dict(configuration)
    if variables is not None:
        answer["pipeline"]["variables"] = [{"name": k, "defaultValue": v} for k, v in variables.items()]
    return answer


def ecr_repository(name: str, *, scan: bool, immutable: bool, region: str = REGION) -> dict[str, Any]:
    return {
        "repositoryArn": f"arn:aws:ecr:{region}:{ACCOUNT}:repository/{name}",
        "registryId": ACCOUNT,
        "repositoryName": name,
        "repositoryUri": f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{name}",
        "createdAt": ago(300),
        "imageTagMutability": "IMMUTABLE" if immutable else "MUTABLE",
        "imageScanningConfiguration": {"scanOnPush": scan},
        "encryptionConfiguration": {"encryptionType": "AES256"},
    }


def secret(name: str, *, rotated: bool, accessed: int | None, created: int = 400, region: str = REGION):
    out: dict[str, Any] = {
        "ARN": f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{name}-AbCdEf",
        "Name": name,
        "RotationEnabled": rotated,
        "CreatedDate": ago(created),
        "LastChangedDate": ago(40),
        "Tags": [],
        "SecretVersionsToStages": {"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111": ["AWSCURRENT"]},
    }
    if rotated:
        out.update(
            RotationLambdaARN=f"arn:aws:lambda:{region}:{ACCOUNT}:function:rotate-{name}",
            RotationRules={"AutomaticallyAfterDays": 30},
            LastRotatedDate=ago(12),
        )
    if accessed is not None:  # Secrets Manager keeps the date only, at midnight UTC
        out["LastAccessedDate"] = ago(accessed).replace(hour=0, minute=0, second=0)
    return out


def analyzer(name: str, *, status: str = "ACTIVE", region: str = REGION) -> dict[str, Any]:
    return {
        "arn": f"arn:aws:access-analyzer:{region}:{ACCOUNT}:analyzer/{name}",
        "name": name,
        "type": "ACCOUNT",
        "createdAt": ago(500),
        "status": status,
        "tags": {},
    }


# --- IAM answers ----------------------------------------------------------------------------------
STRONG_PASSWORD_POLICY = {
    "MinimumPasswordLength": 16,
    "RequireSymbols": True,
    "RequireNumbers": True,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "AllowUsersToChangePassword": True,
    "ExpirePasswords": False,
    "PasswordReusePrevention": 24,
    "HardExpiry": False,
}


def account_summary(*, root_mfa: bool, root_keys: bool, users: int = 10) -> dict[str, int]:
    """GetAccountSummary's SummaryMap (a few of its keys)."""
    return {
        "Users": users,
        "UsersQuota": 5000,
        "Groups": 4,
        "Roles": 12,
        "Policies": 6,
        "MFADevices": 3,
        "MFADevicesInUse": 3,
        "AccountMFAEnabled": int(root_mfa),
        "AccountAccessKeysPresent": int(root_keys),
        "AccountPasswordPresent": 1,
        "AccountSigningCertificatesPresent": 0,
    }


def service_credential(user: str, service: str = "codecommit.amazonaws.com", status: str = "Active"):
    return {
        "UserName": user,
        "Status": status,
        "ServiceUserName": f"{user}-at-{ACCOUNT}",
        "CreateDate": ago(200),
        "ServiceSpecificCredentialId": "ACCA" + (user.upper().replace("-", "") + "C" * 17)[:17],
        "ServiceName": service,
    }


def add_iam(
    world: World,
    *,
    report: list[dict[str, str]],
    summary: dict[str, int],
    password_policy: dict[str, Any] | None,
    details: dict[str, Any],
    credentials: list[dict[str, Any]] = (),
    ssh_keys: dict[str, list[str]] | None = None,
    all_users_unknown: bool = False,
) -> World:
    """The IAM answers of an account. ``all_users_unknown``: the endpoint rejects
    ``ListServiceSpecificCredentials(AllUsers=true)`` (the collector then lists per user)."""
    world.answer("iam", GLOBAL, "GenerateCredentialReport", {"State": "COMPLETE"})
    world.answer(
        "iam",
        GLOBAL,
        "GetCredentialReport",
        {"Content": credential_report_csv(report), "ReportFormat": "text/csv", "GeneratedTime": NOW},
    )
    world.answer("iam", GLOBAL, "GetAccountSummary", {"SummaryMap": summary})
    world.answer(
        "iam",
        GLOBAL,
        "GetAccountPasswordPolicy",
        {"PasswordPolicy": password_policy}
        if password_policy is not None
        else Error("NoSuchEntity", f"The Password Policy with domain name {world.account} cannot be found.", 404),
    )
    world.answer("iam", GLOBAL, "GetAccountAuthorizationDetails", {**details, "IsTruncated": False})
    credentials = list(credentials)

    def list_credentials(params: dict[str, Any]) -> dict[str, Any] | Error:
        if params.get("AllUsers"):
            if all_users_unknown:
                return Error("ValidationError", "1 validation error detected: AllUsers", 400)
            return {"ServiceSpecificCredentials": credentials, "IsTruncated": False}
        mine = [c for c in credentials if c["UserName"] == params.get("UserName")]
        return {"ServiceSpecificCredentials": mine, "IsTruncated": False}

    world.answer("iam", GLOBAL, "ListServiceSpecificCredentials", list_credentials)
    users = [{k: u[k] for k in ("Path", "UserName", "UserId", "Arn", "CreateDate")} for u in details["UserDetailList"]]
    world.answer("iam", GLOBAL, "ListUsers", {"Users": users, "IsTruncated": False})
    keys = ssh_keys or {}

    def list_ssh(params: dict[str, Any]) -> dict[str, Any] | Error:
        name = params["UserName"]
        if name not in {u["UserName"] for u in users}:
            return Error("NoSuchEntity", f"The user with name {name} cannot be found.", 404)
        found = [
            {"UserName": name, "SSHPublicKeyId": key_id, "Status": "Active", "UploadDate": ago(100)}
            for key_id in keys.get(name, [])
        ]
        return {"SSHPublicKeys": found, "IsTruncated": False}

    world.answer("iam", GLOBAL, "ListSSHPublicKeys", list_ssh)
    return world


def authorization_details(users=(), groups=(), roles=(), policies=()) -> dict[str, Any]:
    return {
        "UserDetailList": list(users),
        "GroupDetailList": list(groups),
        "RoleDetailList": list(roles),
        "Policies": list(policies),
    }


# --- pages as AWS hands them out ---------------------------------------------------------------------
@cache
def _paginators(service: str) -> Any:
    return SESSION.get_paginator_model(service)


def paginator_config(service: str, operation: str) -> dict[str, Any]:
    """botocore's pagination config of an operation (tokens, limit key, result key)."""
    return _paginators(service).get_paginator(operation)


def numbered(shape: Any, index: int) -> tuple[str, dict[str, Any]]:
    """``(field, item)``: the smallest valid member of a listing, its first text field set to ``item-00042``."""
    item = minimal(shape)
    name, member = next((n, m) for n, m in shape.members.items() if m.type_name == "string")
    item[name] = f"item-{index:05d}".ljust(int(member.metadata.get("min", 0)), "x")
    return name, item


def paginated(service: str, operation: str, items: list[Any], *, default_size: int = 100, log: list | None = None):
    """An answer that pages ``items`` as AWS does: at most the page size asked (``default_size`` when none), the
    next-page token under the operation's output token (with ``IsTruncated`` where IAM uses it), and, after the
    first page, one empty page that still carries a token (EC2, Secrets Manager and others do answer so)."""
    config = paginator_config(service, operation)
    key = config["result_key"] if isinstance(config["result_key"], str) else config["result_key"][0]
    in_token, out_token = config["input_token"], config["output_token"]
    more, limit = config.get("more_results"), config.get("limit_key")
    output = service_model(service).operation_model(operation).output_shape
    never_empty = int(output.members[key].metadata.get("min", 0)) > 0  # the model forbids an empty list: leave it out

    def answer(params: dict[str, Any]) -> dict[str, Any]:
        if log is not None:
            log.append(dict(params))
        size = int(params.get(limit) or default_size) if limit else default_size
        token = params.get(in_token) or ""
        start = int(token[1:]) if token else 0
        page: dict[str, Any] = {} if never_empty else {key: []}
        if token.startswith("e"):  # the empty page: nothing, and the way on
            page[out_token] = f"p{start}"
        else:
            page[key] = items[start : start + size]
            if start + size < len(items):
                page[out_token] = f"{'e' if start == 0 else 'p'}{start + size}"
        if more:
            page[more] = out_token in page
        return page

    return answer


# --- an enterprise account ------------------------------------------------------------------------------
def enterprise_authorization_details(
    users: int = 5000,
    roles: int = 2000,
    groups: int = 100,
    policies: int = 300,
    services: list[str] | None = None,
    read_only: list[str] | None = None,
) -> dict[str, Any]:
    """One GetAccountAuthorizationDetails answer of a large account, as IAM returns it (documents URL-encoded):
    ``policies`` customer managed policies of three versions each, an AWS managed read-only policy naming every
    service, ``groups`` groups with two managed policies and an inline one, ``users`` users in two groups each
    (one in ten with a policy of their own), ``roles`` roles with a trust policy, two managed policies and an
    inline one. ``read_only``: the services the read-only policy covers (default: ``services``)."""
    services = services or ["s3", "ec2", "dynamodb", "lambda", "logs", "sqs", "sns", "kms"]
    customer = [customer_managed(f"team-{i:03d}") for i in range(policies)]

    def team_document(i: int, version: int) -> dict[str, Any]:
        svc = services[i % len(services)]
        return document(
            statement("Allow", [f"{svc}:Get*", f"{svc}:List*", f"{svc}:Describe*"], sid=f"Read{version}"),
            statement("Allow", [f"{svc}:Put*"], resource=f"arn:aws:{svc}:*:{ACCOUNT}:team-{i:03d}/*"),
            statement(
                "Allow", ["sqs:SendMessage"], condition={"StringEqualsIfExists": {"aws:RequestedRegion": [REGION]}}
            ),
            statement("Deny", "*", condition={"Bool": {"aws:SecureTransport": "false"}}),
        )

    read_only_doc = document(  # like AWS's ReadOnlyAccess: Describe/Get/List of every service given
        statement("Allow", [f"{s}:{verb}*" for s in (read_only or services) for verb in ("Describe", "Get", "List")])
    )
    listed = [
        policy_detail(arn, [(team_document(i, v), v == 2) for v in range(3)], attached=10)
        for i, arn in enumerate(customer)
    ]
    listed.append(policy_detail(aws_managed("ReadOnlyAccess"), [(read_only_doc, True)], attached=groups))
    group_list = [
        group_detail(
            f"group-{g:03d}",
            attached=[customer[g % policies], customer[(g * 7) % policies], aws_managed("ReadOnlyAccess")],
            inline={"extra": document(statement("Allow", ["codebuild:StartBuild"], resource="*"))},
        )
        for g in range(groups)
    ]
    user_list = [
        user_detail(
            f"user-{u:05d}",
            groups=[f"group-{u % groups:03d}", f"group-{(u // groups) % groups:03d}"],
            attached=[customer[u % policies]] if u % 10 == 0 else [],
        )
        for u in range(users)
    ]
    trust = trust_document({"Service": "lambda.amazonaws.com"})
    role_list = [
        role_detail(
            f"role-{r:05d}",
            trust,
            attached=[customer[r % policies], customer[(r * 3) % policies]],
            inline={"own": team_document(r, 0)},
            profile=r % 5 == 0,
        )
        for r in range(roles)
    ]
    return authorization_details(user_list, group_list, role_list, listed)
