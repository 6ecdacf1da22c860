"""Credential sources of boto3's default chain work through the guarded session (web identity,
credential_process), and an assumed role's credentials refresh before they expire."""

from __future__ import annotations

import sys

import awsbp.aws as aws
import pytest
from awsbp.aws import AwsSession
from awsbp.errors import CredentialsError

ROLE = "arn:aws:iam::210987654321:role/ci-deploy"


@pytest.fixture
def no_static_keys(aws_env, monkeypatch):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return aws_env


def test_web_identity(no_static_keys, monkeypatch, tmp_path):
    token = tmp_path / "token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6YXVkaXQifQ.c2lnbmF0dXJl")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token))
    monkeypatch.setenv("AWS_ROLE_ARN", ROLE)
    monkeypatch.setenv("AWS_ROLE_SESSION_NAME", "eks-audit")
    session = AwsSession.open()
    assert session.identity()["account_id"] == "210987654321"
    assert session.recorder.calls["sts.AssumeRoleWithWebIdentity"] == 1  # through the guard and the recorder
    # and on from there to an audited account's role
    audited = AwsSession.open(role_arn="arn:aws:iam::333333333333:role/audit", external_id="x-1")
    assert audited.identity()["account_id"] == "333333333333"


def test_credential_process(no_static_keys, monkeypatch, tmp_path):
    script = tmp_path / "creds.py"
    script.write_text(
        "import json\nprint(json.dumps({'Version': 1, 'AccessKeyId': 'AKIAPROCESSEXAMPLE01',"
        " 'SecretAccessKey': 'process-secret', 'SessionToken': 'process-token'}))\n"
    )
    config = tmp_path / "config"
    config.write_text(f"[profile audit]\ncredential_process = {sys.executable} {script}\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    assert AwsSession.open(profile="audit").identity()["account_id"] == "123456789012"


def test_credential_process_failure_is_one_line(no_static_keys, monkeypatch, tmp_path):
    config = tmp_path / "config"
    config.write_text(f"[profile audit]\ncredential_process = {sys.executable} -c 'raise SystemExit(3)'\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    with pytest.raises(CredentialsError, match="cannot get AWS credentials"):
        AwsSession.open(profile="audit").identity()


def test_assumed_role_credentials_refresh_with_the_same_external_id(aws_env, monkeypatch):
    seen: list[tuple[str, dict]] = []
    guard = aws._guard

    def spy(model, params, **kwargs):  # the guard still runs: refreshes are guarded like any call
        seen.append((model.name, dict(params)))
        return guard(model=model, params=params, **kwargs)

    monkeypatch.setattr(aws, "_guard", spy)
    # 900 s credentials are inside botocore's 15-minute refresh window from the start: every use renews them
    session = AwsSession.open(
        role_arn="arn:aws:iam::210987654321:role/audit",
        external_id="x-123",
        session_name="awsbp-run",
        duration_seconds=900,
    )
    assert session.recorder.calls["sts.AssumeRole"] == 1
    assert session.identity()["account_id"] == "210987654321"
    session.client("ec2", "eu-west-1").describe_vpcs()
    assume = [params for name, params in seen if name == "AssumeRole"]
    assert len(assume) >= 2 and session.recorder.calls["sts.AssumeRole"] == len(assume)
    assert {(p["RoleArn"], p["ExternalId"], p["RoleSessionName"], p["DurationSeconds"]) for p in assume} == {
        ("arn:aws:iam::210987654321:role/audit", "x-123", "awsbp-run", 900)
    }


def test_long_lived_assumed_credentials_are_not_renewed_each_call(aws_env):
    session = AwsSession.open(role_arn="arn:aws:iam::210987654321:role/audit", external_id="x-123")
    for _ in range(3):
        session.identity()
    assert session.recorder.calls["sts.AssumeRole"] == 1


def test_role_that_cannot_be_assumed_is_one_line(aws_env, monkeypatch):
    from botocore.exceptions import ClientError

    guard = aws._guard

    def deny(model, params, **kwargs):
        if model.name == "AssumeRole":
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "AssumeRole")
        return guard(model=model, params=params, **kwargs)

    monkeypatch.setattr(aws, "_guard", deny)
    with pytest.raises(CredentialsError, match=r"cannot assume .*: AccessDenied; check the role's trust policy"):
        AwsSession.open(role_arn="arn:aws:iam::210987654321:role/audit")
