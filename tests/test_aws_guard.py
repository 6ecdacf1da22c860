"""The read-only guard's exact allow-list: the collectors' declared operations and credential resolution,
nothing else — not even a read — and nothing refused is ever sent."""

from __future__ import annotations

import boto3
import botocore.session
import pytest
from awsbp.aws import CREDENTIAL_OPERATIONS, DENIED_READS, AwsSession, allowed_operations
from awsbp.collect import COLLECTORS, collect_account, declared_operations
from awsbp.errors import ReadOnlyViolation

REFUSED_READS = [
    ("cognito-identity", "get_id", {"IdentityPoolId": "eu-west-1:00000000-0000-0000-0000-000000000000"}),
    ("cognito-identity", "get_credentials_for_identity", {"IdentityId": "eu-west-1:x"}),
    ("redshift", "get_cluster_credentials", {"DbUser": "admin", "ClusterIdentifier": "c"}),
    ("ssm", "get_parameter_history", {"Name": "/db/password"}),
    ("kinesis", "get_records", {"ShardIterator": "x" * 10}),
    ("ec2", "get_password_data", {"InstanceId": "i-0123456789abcdef0"}),
    ("ec2", "get_console_output", {"InstanceId": "i-0123456789abcdef0"}),
    ("s3", "list_objects_v2", {"Bucket": "client-data"}),
    ("iam", "list_roles", {}),
    ("sts", "get_session_token", {}),
]


@pytest.mark.parametrize(("service", "method", "params"), REFUSED_READS, ids=[f"{s}.{m}" for s, m, _ in REFUSED_READS])
def test_reads_outside_the_list_are_refused_before_sending(aws_env, service, method, params):
    session = AwsSession.open()
    client = session.client(service, "eu-west-1")
    with pytest.raises(ReadOnlyViolation, match="nothing was sent"):
        getattr(client, method)(**params)
    assert session.recorder.attempts == {} and session.recorder.calls == {}


def test_every_declared_operation_exists_in_botocore():
    models = botocore.session.get_session()
    for name in declared_operations():
        service, operation = name.split(".")
        assert operation in models.get_service_model(service).operation_names, name


def test_allow_list_is_declared_plus_credentials_and_holds_no_data_plane_read():
    assert allowed_operations() == declared_operations() | CREDENTIAL_OPERATIONS
    assert not allowed_operations() & DENIED_READS
    assert {
        "ec2.DescribeRegions",
        "organizations.ListAccounts",
        "sts.AssumeRoleWithWebIdentity",
    } <= allowed_operations()


def test_every_call_of_a_full_collection_is_allowed(aws_env):
    boto3.client("iam").create_user(UserName="alice")
    session = AwsSession.open()
    session.enabled_regions()
    snap = collect_account(session, ["eu-west-1"], session.identity(), collectors=COLLECTORS)
    assert not [e for e in snap.errors if e["code"] == "ReadOnlyViolation"], snap.errors
    made = set(session.recorder.calls)
    assert len(made) > 25
    assert made <= allowed_operations(), made - allowed_operations()
