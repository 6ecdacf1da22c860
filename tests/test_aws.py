"""awsbp.aws against a real moto server: the read-only guard, the call recorder, credential errors."""

from __future__ import annotations

import datetime

import pytest
from awsbp.aws import AwsSession, is_allowed_operation, parse_timestamp
from awsbp.errors import CredentialsError, ReadOnlyViolation


@pytest.mark.parametrize(
    ("service", "operation", "allowed"),
    [
        ("ec2", "DescribeVpcs", True),
        ("iam", "GetAccountAuthorizationDetails", True),
        ("iam", "GenerateCredentialReport", True),
        ("rds", "DescribeDBInstances", True),
        ("ec2", "CreateVpc", False),
        ("ec2", "RunInstances", False),
        ("iam", "CreateAccessKey", False),
        ("ec2", "ModifyInstanceAttribute", False),
        ("secretsmanager", "GetSecretValue", False),
        ("s3", "GetObject", False),
        ("lambda", "GetFunction", False),
        ("sts", "GetSessionToken", False),
        # reads, but not ones awsbp declares: refused whatever their verb
        ("cognito-identity", "GetId", False),
        ("cognito-identity", "GetCredentialsForIdentity", False),
        ("redshift", "GetClusterCredentials", False),
        ("ssm", "GetParameterHistory", False),
        ("kinesis", "GetRecords", False),
        ("ec2", "GetPasswordData", False),
        ("ec2", "GetConsoleOutput", False),
        ("s3", "ListObjectsV2", False),
        ("iam", "ListRoles", False),
        # what credential resolution needs
        ("sts", "GetCallerIdentity", True),
        ("sts", "AssumeRole", True),
        ("sts", "AssumeRoleWithWebIdentity", True),
        ("sso", "GetRoleCredentials", True),
    ],
)
def test_exact_allow_list(service, operation, allowed):
    assert is_allowed_operation(service, operation) is allowed


def test_mutating_call_is_refused_before_anything_is_sent(aws_env):
    session = AwsSession.open()
    ec2 = session.client("ec2", "eu-west-1")
    before = len(ec2.describe_vpcs()["Vpcs"])
    with pytest.raises(ReadOnlyViolation, match=r"refused ec2\.CreateVpc"):
        ec2.create_vpc(CidrBlock="10.9.0.0/16")
    assert len(ec2.describe_vpcs()["Vpcs"]) == before  # the server never saw it
    assert "ec2.CreateVpc" not in session.recorder.attempts
    assert "ec2.CreateVpc" not in session.recorder.calls
    assert session.recorder.attempts["ec2.DescribeVpcs"] == 2


def test_every_client_is_guarded_including_later_services(aws_env):
    session = AwsSession.open()
    with pytest.raises(ReadOnlyViolation):
        session.client("iam").create_user(UserName="intruder")
    assert session.client("iam").list_users()["Users"] == []


def test_recorder_counts_operations_per_service(aws_env):
    session = AwsSession.open()
    session.client("ec2", "eu-west-1").describe_subnets()
    session.client("ec2", "us-east-1").describe_subnets()
    session.client("elbv2", "eu-west-1").describe_load_balancers()
    assert session.recorder.snapshot() == {"ec2.DescribeSubnets": 2, "elbv2.DescribeLoadBalancers": 1}


def test_identity_and_assume_role(aws_env):
    session = AwsSession.open()
    assert session.identity()["account_id"] == "123456789012"
    other = AwsSession.open(role_arn="arn:aws:iam::210987654321:role/audit", external_id="x-123")
    assert other.identity()["account_id"] == "210987654321"
    assert other.recorder.calls["sts.AssumeRole"] == 1


def test_unknown_profile_is_one_clear_line(aws_env):
    with pytest.raises(CredentialsError, match="profile 'nope' does not exist"):
        AwsSession.open(profile="nope")


def test_no_credentials_is_one_clear_line(aws_env, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(CredentialsError, match="no AWS credentials found"):
        AwsSession.open().identity()


@pytest.mark.parametrize("code", ["ExpiredToken", "InvalidClientTokenId"])
def test_expired_or_wrong_credentials_are_one_clear_line(aws_env, code):
    from botocore.exceptions import ClientError

    session = AwsSession.open()

    def reject(**_):
        raise ClientError({"Error": {"Code": code, "Message": "The security token is invalid"}}, "GetCallerIdentity")

    session.client("sts").meta.events.register("before-call.sts.GetCallerIdentity", reject)
    with pytest.raises(CredentialsError, match=rf"AWS rejected the credentials \({code}\); refresh them"):
        session.identity()


def test_sessions_share_one_parsed_model_loader_whose_paths_do_not_grow(monkeypatch):
    """Every session reads service models through one loader (parsing them is most of a small account's CPU);
    boto3 appends its data folder to the loader once per Session, which must not pile up."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    sessions = [AwsSession.open() for _ in range(3)]
    loaders = {id(s._session._loader) for s in sessions}
    assert len(loaders) == 1
    paths = sessions[0]._session._loader.search_paths
    assert len(paths) == len(set(paths))
    model = sessions[0].client("ec2", "eu-west-1").meta.service_model
    assert sessions[2].client("ec2", "eu-west-1").meta.service_model._service_description is model._service_description


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-30T09:00:00.000Z",  # EC2, IAM: the XML protocols' form
        "2026-11-30T09:00:00+09:00",
        "2026-11-30T09:00:00.123456789Z",  # more digits than a datetime keeps
        "2026-11-30T09:00:00",  # no offset: stays naive, as botocore leaves it
        "2026-11-30",
        "1700000000",
        1700000000.5,  # JSON protocols: epoch seconds
        "Mon, 30 Nov 2026 09:00:00 GMT",
    ],
)
def test_timestamps_are_read_as_botocore_reads_them(value):
    from botocore.utils import parse_timestamp as botocore_parse

    ours, theirs = parse_timestamp(value), botocore_parse(value)
    assert ours == theirs and ours.utcoffset() == theirs.utcoffset()


@pytest.mark.parametrize("value", ["2026-02-30T09:00:00Z", "2026-11-30T25:00:00Z", "yesterday"])
def test_an_invalid_timestamp_fails_as_botocore_fails(value):
    with pytest.raises(ValueError, match="Invalid timestamp"):
        parse_timestamp(value)


def test_a_session_s_clients_read_answer_timestamps_with_the_fast_parser(aws_env):
    import boto3

    boto3.client("iam").create_user(UserName="alice")
    user = AwsSession.open().client("iam").list_users()["Users"][0]
    assert user["CreateDate"].tzinfo is datetime.UTC  # fromisoformat's; botocore's dateutil gives tzutc()
