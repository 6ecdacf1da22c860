"""The simulated IAM in front of moto (awsbp.demo.simulated_iam): what it answers must be what AWS's model says.

Every answer is read twice: by a real boto3 client (botocore's parser for the operation) and, raw, against the
operation's output shape in botocore's model — no element the shape lacks, every required member, enums,
patterns, lengths and timestamps as the model has them. Each test works in an account of its own
(``x-moto-account-id``), so tests share one server without sharing state.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import botocore.exceptions
import botocore.session
import pytest
from awsbp.demo.clients import demo_clients
from awsbp.demo.server import DemoServer
from awsbp.demo.simulated_iam import (
    ACTIVITY_PATH,
    IAM_NAMESPACE,
    REPORT_COLUMNS,
    ROOT_USER,
    IamExtensions,
    is_loopback_client,
)

pytestmark = pytest.mark.slow
NS = f"{{{IAM_NAMESPACE}}}"
IAM_MODEL = botocore.session.get_session().get_service_model("iam")
REPORT_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")
MARKERS = {"N/A", "no_information", "not_supported"}


@pytest.fixture(scope="module")
def server():
    with DemoServer() as running:
        yield running


@pytest.fixture
def account(server):
    """A fresh simulated account: its id, clients (as its root), raw requests and seeding."""
    account_id = str(uuid.uuid4().int)[:12].rjust(12, "1")
    clients = demo_clients(server.endpoint)
    iam = clients.session.client("iam", endpoint_url=server.endpoint, config=clients._config)
    captured: dict[str, bytes] = {}

    def in_account(request, **_):
        if "x-moto-account-id" not in request.headers:
            request.headers["x-moto-account-id"] = account_id

    def keep_raw(http_response, model, **_):
        captured[model.name] = http_response.content

    iam.meta.events.register("before-sign.iam.*", in_account)
    iam.meta.events.register("after-call.iam.*", keep_raw)

    def seed(users: dict) -> dict:
        return clients.control(ACTIVITY_PATH, {"account_id": account_id, "users": users})

    return SimpleNamespace(id=account_id, iam=iam, raw=captured, seed=seed, endpoint=server.endpoint)


def ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).replace(microsecond=0).isoformat()


# --- the raw answer against botocore's model ---------------------------------------------------------------------


def check_shape(element: ET.Element, shape, where: str) -> None:
    """``element`` holds exactly what ``shape`` allows, with required members, enums, patterns and lengths."""
    if shape.type_name == "structure":
        children = {c.tag.removeprefix(NS): c for c in element}
        assert len(children) == len(element), f"{where}: repeated members"
        unknown = set(children) - set(shape.members)
        assert not unknown, f"{where}: not in {shape.name}: {unknown}"
        missing = set(shape.required_members) - set(children)
        assert not missing, f"{where}: required by {shape.name}: {missing}"
        for name, child in children.items():
            check_shape(child, shape.members[name], f"{where}.{name}")
    elif shape.type_name == "list":
        assert all(c.tag == f"{NS}member" for c in element), f"{where}: list items are <member>"
        for i, child in enumerate(element):
            check_shape(child, shape.member, f"{where}[{i}]")
    else:
        text = element.text or ""
        assert len(element) == 0, f"{where}: a scalar has no children"
        if shape.type_name == "string":
            if "enum" in shape.metadata:
                assert text in shape.metadata["enum"], f"{where}: {text!r} not in {shape.metadata['enum']}"
            if "pattern" in shape.metadata:
                assert re.fullmatch(shape.metadata["pattern"], text), (
                    f"{where}: {text!r} !~ {shape.metadata['pattern']}"
                )
            assert shape.metadata.get("min", 0) <= len(text) <= shape.metadata.get("max", 10**9), where
        elif shape.type_name == "boolean":
            assert text in ("true", "false"), where
        elif shape.type_name == "timestamp":
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", text), f"{where}: {text!r}"
        elif shape.type_name == "blob":
            assert re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", text), where
        else:
            raise AssertionError(f"{where}: unchecked type {shape.type_name}")


def check_answer(raw: bytes, operation: str) -> None:
    model = IAM_MODEL.operation_model(operation)
    root = ET.fromstring(raw)
    assert root.tag == f"{NS}{operation}Response"
    result, metadata = list(root)
    assert result.tag == f"{NS}{model.output_shape.serialization['resultWrapper']}"
    check_shape(result, model.output_shape, operation)
    assert metadata.tag == f"{NS}ResponseMetadata" and re.fullmatch(r"[0-9a-f-]{36}", metadata[0].text or "")


def client_error(call) -> tuple[str, int, str]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    err = caught.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Message"]


# --- service-specific credentials ----------------------------------------------------------------------------------


def test_create_answers_as_the_model_says_and_shows_the_password_once(account):
    iam = account.iam
    iam.create_user(UserName="bob")
    made = iam.create_service_specific_credential(UserName="bob", ServiceName="codecommit.amazonaws.com")
    check_answer(account.raw["CreateServiceSpecificCredential"], "CreateServiceSpecificCredential")
    credential = made["ServiceSpecificCredential"]
    assert credential["UserName"] == "bob" and credential["Status"] == "Active"
    assert credential["ServiceName"] == "codecommit.amazonaws.com"
    assert credential["ServiceUserName"] == f"bob-at-{account.id}"
    assert re.fullmatch(r"ACCA[A-Z0-9]{16}", credential["ServiceSpecificCredentialId"])
    assert abs(credential["CreateDate"] - datetime.now(UTC)) < timedelta(minutes=1)
    password = credential["ServicePassword"]
    assert len(password) == 44  # 32 random bytes, base64
    listed = iam.list_service_specific_credentials(UserName="bob")
    check_answer(account.raw["ListServiceSpecificCredentials"], "ListServiceSpecificCredentials")
    (item,) = listed["ServiceSpecificCredentials"]
    assert item == {k: v for k, v in credential.items() if k != "ServicePassword"}
    assert listed["IsTruncated"] is False and "Marker" not in listed
    assert password.encode() not in account.raw["ListServiceSpecificCredentials"]  # shown once, kept nowhere
    from awsbp.demo import simulated_iam

    assert password not in repr(dict(simulated_iam._credentials))


def test_listing_by_user_service_all_users_and_the_caller(account):
    iam = account.iam
    for name in ("alice", "bob", "carol"):
        iam.create_user(UserName=name)
    iam.create_service_specific_credential(UserName="bob", ServiceName="codecommit.amazonaws.com")
    iam.create_service_specific_credential(UserName="bob", ServiceName="cassandra.amazonaws.com")
    iam.create_service_specific_credential(UserName="carol", ServiceName="codecommit.amazonaws.com")

    def listed(**kwargs) -> list[tuple[str, str]]:
        items = iam.list_service_specific_credentials(**kwargs)["ServiceSpecificCredentials"]
        check_answer(account.raw["ListServiceSpecificCredentials"], "ListServiceSpecificCredentials")
        return [(c["UserName"], c["ServiceName"]) for c in items]

    assert listed(UserName="alice") == []  # none: an empty list, not an error
    assert listed(UserName="bob") == [("bob", "codecommit.amazonaws.com"), ("bob", "cassandra.amazonaws.com")]
    assert listed(UserName="bob", ServiceName="cassandra.amazonaws.com") == [("bob", "cassandra.amazonaws.com")]
    assert listed(AllUsers=True) == [
        ("bob", "codecommit.amazonaws.com"),
        ("bob", "cassandra.amazonaws.com"),
        ("carol", "codecommit.amazonaws.com"),
    ]
    assert listed(AllUsers=True, ServiceName="codecommit.amazonaws.com") == [
        ("bob", "codecommit.amazonaws.com"),
        ("carol", "codecommit.amazonaws.com"),
    ]
    assert listed() == []  # the caller is the account's root: no credentials of its own
    # an IAM user listing its own
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    own = demo_clients(account.endpoint).session.client(
        "iam",
        endpoint_url=account.endpoint,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    assert [c["ServiceName"] for c in own.list_service_specific_credentials()["ServiceSpecificCredentials"]] == [
        "codecommit.amazonaws.com",
        "cassandra.amazonaws.com",
    ]


def test_all_users_listing_pages_with_max_items_and_marker(account):
    iam = account.iam
    made = []
    for n in range(7):
        iam.create_user(UserName=f"dev{n}")
        for service in ("codecommit.amazonaws.com", "cassandra.amazonaws.com")[: 1 + n % 2]:
            credential = iam.create_service_specific_credential(UserName=f"dev{n}", ServiceName=service)
            made.append(credential["ServiceSpecificCredential"]["ServiceSpecificCredentialId"])
    seen, pages, marker = [], [], {}
    while True:
        page = iam.list_service_specific_credentials(AllUsers=True, MaxItems=3, **marker)
        check_answer(account.raw["ListServiceSpecificCredentials"], "ListServiceSpecificCredentials")
        seen += [c["ServiceSpecificCredentialId"] for c in page["ServiceSpecificCredentials"]]
        pages.append((len(page["ServiceSpecificCredentials"]), page["IsTruncated"]))
        if not page["IsTruncated"]:
            assert "Marker" not in page
            break
        marker = {"Marker": page["Marker"]}
    assert len(made) == 10 and seen == made  # every credential once, in order
    assert pages == [(3, True), (3, True), (3, True), (1, False)]
    exact = iam.list_service_specific_credentials(AllUsers=True, MaxItems=10)
    assert exact["IsTruncated"] is False and len(exact["ServiceSpecificCredentials"]) == 10
    # the collector's own listing, unchanged, reads them all in one call
    from awsbp.collect import iam as collect_iam

    assert sorted(c["ServiceSpecificCredentialId"] for c in collect_iam._all_service_credentials(iam)) == sorted(made)
    code, status, _ = client_error(
        lambda: iam.list_service_specific_credentials(AllUsers=True, Marker="bm90LWEtbWFya2Vy")
    )
    assert (code, status) == ("ValidationError", 400)


def test_errors_are_iam_errors(account):
    iam = account.iam
    iam.create_user(UserName="bob")
    assert client_error(lambda: iam.list_service_specific_credentials(UserName="nobody")) == (
        "NoSuchEntity",
        404,
        "The user with name nobody cannot be found.",
    )
    code, status, _ = client_error(
        lambda: iam.create_service_specific_credential(UserName="nobody", ServiceName="codecommit.amazonaws.com")
    )
    assert (code, status) == ("NoSuchEntity", 404)
    code, status, _ = client_error(
        lambda: iam.create_service_specific_credential(UserName="bob", ServiceName="ec2.amazonaws.com")
    )
    assert (code, status) == ("NotSupportedService", 404)
    for _ in range(2):
        iam.create_service_specific_credential(UserName="bob", ServiceName="codecommit.amazonaws.com")
    code, status, _ = client_error(
        lambda: iam.create_service_specific_credential(UserName="bob", ServiceName="codecommit.amazonaws.com")
    )
    assert (code, status) == ("LimitExceeded", 409)  # two per user and service
    names = [
        c["ServiceUserName"]
        for c in iam.list_service_specific_credentials(UserName="bob")["ServiceSpecificCredentials"]
    ]
    assert len(set(names)) == 2
    code, status, _ = client_error(lambda: iam.list_service_specific_credentials(UserName="bob", AllUsers=True))
    assert (code, status) == ("InvalidInput", 400)


def test_a_role_session_must_name_the_user(server):
    """A caller that is no IAM user (a role session) must say whose credentials it lists, as in AWS."""
    clients = demo_clients(server.endpoint)
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
    role = f"simulated-iam-{uuid.uuid4().hex[:8]}"
    arn = clients("iam").create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    session = demo_clients(server.endpoint, arn)
    code, status, message = client_error(lambda: session("iam").list_service_specific_credentials())
    assert (code, status) == ("ValidationError", 400) and "userName" in message
    assert session("iam").list_service_specific_credentials(AllUsers=True)["IsTruncated"] is False


# --- the credential report -----------------------------------------------------------------------------------------


def report(account) -> list[dict[str, str]]:
    iam = account.iam
    while iam.generate_credential_report()["State"] != "COMPLETE":
        pass
    content = iam.get_credential_report()["Content"].decode()
    check_answer(account.raw["GetCredentialReport"], "GetCredentialReport")
    rows = list(csv.reader(io.StringIO(content)))
    assert tuple(rows[0]) == REPORT_COLUMNS  # AWS's columns, in AWS's order
    assert content.endswith("\n") and all(len(r) == len(REPORT_COLUMNS) for r in rows)
    for row in rows[1:]:
        for column, value in zip(REPORT_COLUMNS[2:], row[2:], strict=True):
            assert (
                value in MARKERS
                or value in ("true", "false")
                or REPORT_TIME.fullmatch(value)
                or column.endswith(("_region", "_service"))
            ), (column, value)
    return [dict(zip(REPORT_COLUMNS, r, strict=True)) for r in rows[1:]]


def test_report_needs_generating_first(account):
    code, status, _ = client_error(lambda: account.iam.get_credential_report())
    assert (code, status) == ("ReportNotPresent", 410)


def test_report_has_a_root_row_consistent_with_the_account_summary(account):
    iam = account.iam
    iam.create_user(UserName="svc")
    iam.create_access_key(UserName="svc")
    root, svc = report(account)
    summary = iam.get_account_summary()["SummaryMap"]
    assert root["user"] == ROOT_USER and root["arn"] == f"arn:aws:iam::{account.id}:root"
    assert (root["mfa_active"] == "true") is (summary["AccountMFAEnabled"] == 1) is False
    assert (root["access_key_1_active"] == "true") is (summary["AccountAccessKeysPresent"] == 1) is False
    assert [root[c] for c in ("password_enabled", "password_last_changed", "password_next_rotation")] == [
        "not_supported"
    ] * 3
    assert root["password_last_used"] == "no_information"  # root never signed in
    assert root["user_creation_time"] <= svc["user_creation_time"]
    # a user without a password and with a key that was never used: AWS's markers, not moto's
    assert [svc[c] for c in ("password_enabled", "password_last_used", "password_last_changed")] == [
        "false",
        "N/A",
        "N/A",
    ]
    assert svc["access_key_1_active"] == "true" and REPORT_TIME.fullmatch(svc["access_key_1_last_rotated"])
    assert [svc[f"access_key_1_last_used_{c}"] for c in ("date", "region", "service")] == ["N/A"] * 3
    assert svc["access_key_2_active"] == "false" and svc["cert_1_active"] == "false"

    used, created = ago(5), ago(900)
    account.seed({ROOT_USER: {"mfa_active": True, "password_last_used": used, "user_creation_time": created}})
    root, _ = report(account)
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 1 and root["mfa_active"] == "true"
    assert (root["password_last_used"], root["user_creation_time"]) == (used, created)


def test_seeded_history_is_what_the_report_and_moto_say(account):
    iam = account.iam
    iam.create_user(UserName="grace")
    iam.create_login_profile(UserName="grace", Password="Simulated-Demo-Passw0rd!")
    iam.create_user(UserName="bot")
    first = iam.create_access_key(UserName="bot")["AccessKey"]["AccessKeyId"]
    iam.create_access_key(UserName="bot")
    seeded = {
        "grace": {"user_creation_time": ago(1000), "password_last_used": ago(120)},
        "bot": {
            "user_creation_time": ago(400),
            "access_key_1_last_rotated": ago(150),
            "access_key_2_last_rotated": ago(20),
            "access_key_2_last_used_date": ago(1),
            "access_key_2_last_used_service": "lambda",
            "access_key_2_last_used_region": "ap-northeast-1",
        },
    }
    assert account.seed(seeded) == {"account_id": account.id, "users": ["bot", "grace"]}
    _, grace, bot = report(account)
    as_report = seeded  # ISO 8601 with +00:00: the report's own format
    assert grace["user_creation_time"] == as_report["grace"]["user_creation_time"]
    assert grace["password_last_used"] == as_report["grace"]["password_last_used"]
    assert grace["password_enabled"] == "true" and grace["password_last_changed"] == grace["user_creation_time"]
    assert grace["password_next_rotation"] == "N/A"  # no password policy that expires passwords
    assert bot["access_key_1_last_rotated"] == as_report["bot"]["access_key_1_last_rotated"]
    assert [bot[f"access_key_1_last_used_{c}"] for c in ("date", "region", "service")] == ["N/A"] * 3  # never used
    assert [bot[f"access_key_2_last_used_{c}"] for c in ("date", "region", "service")] == [
        as_report["bot"]["access_key_2_last_used_date"],
        "ap-northeast-1",
        "lambda",
    ]
    # moto's own APIs tell the same story
    user = iam.get_user(UserName="grace")["User"]
    assert user["PasswordLastUsed"] == datetime.fromisoformat(seeded["grace"]["password_last_used"])
    assert user["CreateDate"] == datetime.fromisoformat(seeded["grace"]["user_creation_time"])
    keys = iam.list_access_keys(UserName="bot")["AccessKeyMetadata"]
    assert [k["CreateDate"] for k in keys] == [
        datetime.fromisoformat(seeded["bot"][f"access_key_{n}_last_rotated"]) for n in (1, 2)
    ]
    assert iam.get_access_key_last_used(AccessKeyId=first)["AccessKeyLastUsed"]["ServiceName"] == "N/A"
    last = iam.get_access_key_last_used(AccessKeyId=keys[1]["AccessKeyId"])["AccessKeyLastUsed"]
    assert (last["ServiceName"], last["Region"]) == ("lambda", "ap-northeast-1")
    # seeding again leaves what it does not name
    account.seed({"grace": {"password_last_used": ago(2)}})
    _, grace, _ = report(account)
    assert grace["user_creation_time"] == as_report["grace"]["user_creation_time"]


@pytest.mark.parametrize(
    ("users", "status", "reason"),
    [
        ({"nobody": {"password_last_used": "2026-01-01T00:00:00+00:00"}}, 404, "no user nobody"),
        ({"bot": {"mfa_active": True}}, 400, "cannot set mfa_active"),
        ({"bot": {"password_last_used": "2026-01-01T00:00:00+00:00"}}, 400, "has no console password"),
        ({"bot": {"access_key_2_last_rotated": "2026-01-01T00:00:00+00:00"}}, 400, "no access key in slot 2"),
        ({"bot": {"user_creation_time": "2026-01-01T00:00:00"}}, 400, "offset"),
        ({"bot": {"user_creation_time": "3026-01-01T00:00:00+00:00"}}, 400, "in the future"),
        ({"bot": {"user_creation_time": 30}}, 400, "ISO 8601"),
        ({"bot": {"access_key_1_last_used_date": "2020-01-01T00:00:00+00:00"}}, 400, "before"),
        ({"bot": {"access_key_1_last_used_service": "s3"}}, 400, "need last_used_date"),
        (
            {
                "bot": {
                    "user_creation_time": "2024-01-01T00:00:00+00:00",
                    "access_key_1_last_rotated": "2025-01-01T00:00:00+00:00",
                    "access_key_1_last_used_date": "2026-01-01T00:00:00+00:00",
                }
            },
            400,
            "last_used_service",
        ),
        ({ROOT_USER: {"access_key_1_active": "true"}}, 400, "cannot set access_key_1_active"),
        ({ROOT_USER: {"mfa_active": "yes"}}, 400, "true or false"),
    ],
)
def test_seeding_refuses_what_aws_could_not_show(account, users, status, reason):
    account.iam.create_user(UserName="bot")
    account.iam.create_access_key(UserName="bot")
    before = report(account)
    with pytest.raises(RuntimeError, match=f"HTTP {status}.*{re.escape(reason)}"):
        account.seed(users)
    assert report(account) == before


def test_seeding_is_all_or_nothing(account):
    account.iam.create_user(UserName="bot")
    before = report(account)
    with pytest.raises(RuntimeError, match="no user nobody"):
        account.seed({"bot": {"user_creation_time": ago(30)}, "nobody": {"user_creation_time": ago(30)}})
    assert report(account) == before


# --- control requests: this machine only -------------------------------------------------------------------------


def call(app, method: str, path: str, body: bytes, remote: str) -> tuple[str, dict]:
    answer: dict = {}
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "REMOTE_ADDR": remote,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    chunks = app(environ, lambda status, headers: answer.update(status=status))
    return answer["status"], json.loads(b"".join(chunks))


@pytest.mark.parametrize("remote", ["10.0.0.5", "192.168.1.20", "203.0.113.7", "::ffff:10.0.0.5", "2001:db8::1", ""])
def test_control_requests_from_elsewhere_are_refused_and_change_nothing(account, remote):
    account.iam.create_user(UserName="bot")
    before = report(account)
    reached = []
    app = IamExtensions(lambda environ, start_response: reached.append(environ) or [b"{}"])
    body = json.dumps({"account_id": account.id, "users": {"bot": {"user_creation_time": ago(30)}}}).encode()
    status, answer = call(app, "POST", ACTIVITY_PATH, body, remote)
    assert status.startswith("403") and "this machine only" in answer["error"]
    status, _ = call(app, "POST", "/moto-api/awsbp/anything-else", b"", remote)
    assert status.startswith("403")
    assert not reached and report(account) == before  # never handed to moto either
    assert not is_loopback_client({"REMOTE_ADDR": remote})


@pytest.mark.parametrize("remote", ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"])
def test_control_requests_from_this_machine_are_served(account, remote):
    account.iam.create_user(UserName="bot")
    app = IamExtensions(lambda environ, start_response: [b"{}"])
    body = json.dumps({"account_id": account.id, "users": {"bot": {"user_creation_time": ago(30)}}}).encode()
    status, answer = call(app, "POST", ACTIVITY_PATH, body, remote)
    assert status == "200 OK" and answer == {"account_id": account.id, "users": ["bot"]}
    assert call(app, "GET", ACTIVITY_PATH, b"", remote)[0].startswith("405")
    assert call(app, "POST", "/moto-api/awsbp/nothing", b"", remote)[0].startswith("404")
    assert call(app, "POST", ACTIVITY_PATH, b"not json", remote)[0].startswith("400")


def test_the_control_endpoint_is_served_by_the_demo_server_on_loopback(server):
    assert server.endpoint.startswith("http://127.0.0.1:")
    request = urllib.request.Request(server.endpoint + "/moto-api/awsbp/", data=b"", method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(request, timeout=30)
    assert refused.value.code == 404  # the middleware answers (moto would not know the path): only one endpoint
