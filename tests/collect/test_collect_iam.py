"""The IAM collector against moto: bulk APIs, bounded per-user calls, moto's gaps recorded."""

from __future__ import annotations

import boto3
import pytest
from awsbp.aws import AwsSession
from awsbp.collect import accessanalyzer, collect_account, iam
from awsbp.snapshot import GLOBAL

PER_USER = {"iam.ListSSHPublicKeys"}  # only for users holding CodeCommit HTTPS Git credentials


def seed_users(count: int) -> None:
    client = boto3.client("iam", region_name="us-east-1")
    for i in range(count):
        client.create_user(UserName=f"user-{i:03d}")
    client.create_login_profile(UserName="user-000", Password="Secr3t-Passw0rd!")
    client.create_access_key(UserName="user-001")
    client.create_group(GroupName="devs")
    client.add_user_to_group(GroupName="devs", UserName="user-001")


def collect(count: int) -> tuple[dict[str, int], object]:
    seed_users(count)
    session = AwsSession.open()
    snap = collect_account(session, ["eu-west-1"], session.identity(), collectors=[iam])
    return snap.meta["calls"], snap


def test_bulk_apis_and_parsed_credential_report(aws_env):
    _, snap = collect(3)
    report = {row["user"]: row for row in snap.items("iam", GLOBAL, "GetCredentialReport")}
    assert report["user-000"]["password_enabled"] == "true"
    assert report["user-002"]["password_last_used"] in ("N/A", "no_information", "not_supported")  # a value, not NaN
    assert report["user-002"]["mfa_active"] == "false"
    assert report["user-001"]["access_key_1_active"] == "true"
    details = snap.items("iam", GLOBAL, "GetAccountAuthorizationDetails")[0]
    assert {u["UserName"] for u in details["UserDetailList"]} == {"user-000", "user-001", "user-002"}
    assert details["GroupDetailList"][0]["GroupName"] == "devs"
    assert snap.items("iam", GLOBAL, "GetAccountPasswordPolicy") == []  # NoSuchEntity means "no policy"
    assert "AccountMFAEnabled" in snap.items("iam", GLOBAL, "GetAccountSummary")[0]


def test_moto_gap_is_recorded_once_not_per_user(aws_env):
    calls, snap = collect(5)
    errors = sorted((e["api"], e["code"]) for e in snap.errors)
    # moto lacks ListServiceSpecificCredentials; the SSH key listing depends on it and reports the same failure
    assert [api for api, _ in errors] == ["ListSSHPublicKeys", "ListServiceSpecificCredentials"]
    assert errors[0][1] == errors[1][1]
    assert calls["iam.ListServiceSpecificCredentials"] == 1  # once, shared, not per user
    assert "iam.ListSSHPublicKeys" not in calls and "iam.ListUsers" not in calls


def test_calls_do_not_grow_with_users_except_per_user_apis(aws_env):
    small, _ = collect(10)
    aws_env_reset(aws_env)
    large, _ = collect(200)
    bulk_small = {k: v for k, v in small.items() if k not in PER_USER}
    bulk_large = {k: v for k, v in large.items() if k not in PER_USER}
    assert bulk_small == bulk_large  # 10 or 200 users: the same calls
    assert large["iam.ListServiceSpecificCredentials"] == 1


def aws_env_reset(endpoint: str) -> None:
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).read()


def test_access_analyzer_gap_is_recorded_per_region(aws_env):
    session = AwsSession.open(max_attempts=1)
    snap = collect_account(session, ["eu-west-1", "us-east-1"], session.identity(), collectors=[accessanalyzer])
    assert sorted((e["region"], e["api"]) for e in snap.errors) == [
        ("eu-west-1", "ListAnalyzers"),
        ("us-east-1", "ListAnalyzers"),
    ]


@pytest.mark.parametrize("module", [iam, accessanalyzer])
def test_declares_scope_and_actions(module):
    assert module.SCOPE in ("global", "regional") and module.ACTIONS


def _stubbed_iam():
    from botocore.stub import Stubber

    client = boto3.client("iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def test_service_credentials_of_all_users_in_one_paginated_listing():
    client, stub = _stubbed_iam()
    cred = {"CreateDate": "2026-01-01T00:00:00Z", "ServiceUserName": "u-at-1", "Status": "Active"}
    first = {
        "ServiceName": "codecommit.amazonaws.com",
        "ServiceSpecificCredentialId": "ACCAEXAMPLECRED00001",
        "UserName": "ci",
        **cred,
    }
    second = {
        **first,
        "ServiceSpecificCredentialId": "ACCAEXAMPLECRED00002",
        "UserName": "bob",
        "ServiceName": "bedrock.amazonaws.com",
    }
    with stub:
        stub.add_response(
            "list_service_specific_credentials",
            {"ServiceSpecificCredentials": [first], "IsTruncated": True, "Marker": "m1"},
            {"AllUsers": True, "MaxItems": 1000},
        )
        stub.add_response(
            "list_service_specific_credentials",
            {"ServiceSpecificCredentials": [second], "IsTruncated": False},
            {"AllUsers": True, "MaxItems": 1000, "Marker": "m1"},
        )
        stub.add_response(  # SSH keys: only ci holds CodeCommit HTTPS credentials
            "list_ssh_public_keys",
            {
                "SSHPublicKeys": [
                    {
                        "UserName": "ci",
                        "SSHPublicKeyId": "APKAEXAMPLESSHKEY001",
                        "Status": "Active",
                        "UploadDate": "2026-01-01T00:00:00Z",
                    }
                ]
            },
            {"UserName": "ci", "MaxItems": 1000},
        )
        assert [c["UserName"] for c in iam.service_credentials(client)] == ["ci", "bob"]
        assert [k["SSHPublicKeyId"] for k in iam.ssh_keys(client)] == ["APKAEXAMPLESSHKEY001"]  # the listing is shared
        stub.assert_no_pending_responses()


def test_service_credentials_fall_back_to_per_user_where_all_users_is_unknown():
    client, stub = _stubbed_iam()
    with stub:
        stub.add_client_error("list_service_specific_credentials", "ValidationError", "unknown parameter AllUsers")
        stub.add_response(
            "list_users",
            {
                "Users": [
                    {
                        "UserName": "ann",
                        "UserId": "AIDAEXAMPLEUSER0001",
                        "Arn": "arn:aws:iam::1:user/ann",
                        "Path": "/",
                        "CreateDate": "2026-01-01T00:00:00Z",
                    }
                ]
            },
            {"MaxItems": 1000},
        )
        stub.add_response("list_service_specific_credentials", {"ServiceSpecificCredentials": []}, {"UserName": "ann"})
        assert iam.service_credentials(client) == []
        stub.assert_no_pending_responses()
