"""Collectors against a real moto server, pagination with botocore's Stubber, failures as data."""

from __future__ import annotations

import boto3
from awsbp.aws import AwsSession
from awsbp.collect import COLLECTORS, collect_account, elb, elbv2, iam_actions, lambda_, rds
from awsbp.collect import ec2 as ec2_collector
from awsbp.collect.base import Api, call_api
from awsbp.snapshot import Snapshot
from botocore.exceptions import ClientError
from botocore.stub import Stubber

REGIONS = ["eu-west-1", "us-east-1"]
NETWORK = (ec2_collector, elbv2, elb, rds, lambda_)


def test_collects_every_api_once_per_region(aws_env, tmp_path):
    ec2 = boto3.client("ec2", region_name="eu-west-1")
    vpc = ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.5.1.0/24")
    session = AwsSession.open()
    snap = collect_account(session, REGIONS, session.identity(), collectors=NETWORK)
    assert snap.errors == []
    expected = {f"{m.SERVICE}.{a.name}" for m in NETWORK for a in m.APIS if a.fetch is None}  # plain listings
    calls = snap.meta["calls"]
    assert {k for k in calls if not k.startswith("sts.")} == expected | {"ec2.DescribeInstances"}
    # once per region: the user-data scan reuses the instance list
    assert all(calls[name] == len(REGIONS) for name in expected | {"ec2.DescribeInstances"})
    assert snap.items("ec2", "eu-west-1", "DescribeInstanceAttribute") == []  # no instance, no user data
    vpcs = {v["VpcId"] for v in snap.items("ec2", "eu-west-1", "DescribeVpcs")}
    assert vpc in vpcs and vpc not in {v["VpcId"] for v in snap.items("ec2", "us-east-1", "DescribeVpcs")}
    saved = Snapshot.load(snap.save(tmp_path / "s.json.gz"))
    assert saved.to_dict() == Snapshot.from_dict(snap.to_dict()).to_dict()
    assert saved.account_id == "123456789012" and saved.meta["regions"] == REGIONS


def test_instances_are_flattened_from_reservations(aws_env):
    ec2 = boto3.client("ec2", region_name="eu-west-1")
    ec2.run_instances(ImageId="ami-12345678", MinCount=2, MaxCount=2, InstanceType="t3.micro")
    session = AwsSession.open()
    snap = collect_account(session, ["eu-west-1"], session.identity(), collectors=[ec2_collector])
    items = snap.items("ec2", "eu-west-1", "DescribeInstances")
    assert len(items) == 2 and all("InstanceId" in i for i in items)


def test_denied_and_unreachable_apis_are_recorded_and_collection_goes_on(aws_env, monkeypatch):
    monkeypatch.setenv(
        "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", "http://127.0.0.1:9"
    )  # nothing listens on the discard port
    session = AwsSession.open(max_attempts=1)

    def deny(**_):
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, "DescribeFlowLogs")

    session._session.events.register("before-call.ec2.DescribeFlowLogs", deny)
    snap = collect_account(session, ["eu-west-1"], session.identity(), collectors=NETWORK)
    errors = {(e["service"], e["api"]): e["code"] for e in snap.errors}
    assert errors == {
        ("ec2", "DescribeFlowLogs"): "AccessDenied",
        ("elbv2", "DescribeLoadBalancers"): "EndpointConnectionError",
    }
    assert snap.items("ec2", "eu-west-1", "DescribeFlowLogs") is None
    assert snap.items("ec2", "eu-west-1", "DescribeVpcs") is not None
    assert "AccessDenied" in snap.missing_reason("ec2", "eu-west-1", "DescribeFlowLogs")


def test_pagination_follows_next_token_across_pages():
    client = boto3.client("ec2", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        page = {"MaxResults": 1000}  # the largest page EC2 takes
        stub.add_response(
            "describe_security_groups", {"SecurityGroups": [{"GroupId": "sg-1"}], "NextToken": "t1"}, page
        )
        stub.add_response(
            "describe_security_groups",
            {"SecurityGroups": [{"GroupId": "sg-2"}], "NextToken": "t2"},
            {"NextToken": "t1", **page},
        )
        stub.add_response(
            "describe_security_groups", {"SecurityGroups": [{"GroupId": "sg-3"}]}, {"NextToken": "t2", **page}
        )
        result = call_api(client, Api("DescribeSecurityGroups", "SecurityGroups"))
        stub.assert_no_pending_responses()
    assert [g["GroupId"] for g in result.items] == ["sg-1", "sg-2", "sg-3"]


def test_lambda_environment_values_are_redacted_at_collection():
    from awsbp.collect import lambda_

    client = boto3.client("lambda", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    with Stubber(client) as stub:
        stub.add_response(
            "list_functions",
            {"Functions": [{"FunctionName": "f", "Environment": {"Variables": {"AWS_SECRET_ACCESS_KEY": secret}}}]},
            {"MaxItems": 50},
        )
        result = call_api(client, lambda_.APIS[0])
    assert result.items[0]["Environment"]["Variables"] == {"AWS_SECRET_ACCESS_KEY": "<redacted>"}
    assert secret not in repr(result.items)


def test_declared_actions_cover_every_api():
    actions = set(iam_actions())
    prefix = {
        "ec2": "ec2",
        "elbv2": "elasticloadbalancing",
        "elb": "elasticloadbalancing",
        "rds": "rds",
        "lambda": "lambda",
        "iam": "iam",
        "accessanalyzer": "access-analyzer",
        "codebuild": "codebuild",
        "codepipeline": "codepipeline",
        "codecommit": "codecommit",
        "ecr": "ecr",
        "secretsmanager": "secretsmanager",
    }
    for module in COLLECTORS:
        for api in module.APIS:
            assert f"{prefix[module.SERVICE]}:{api.name}" in actions


def test_listings_ask_for_the_largest_page_each_api_takes():
    from awsbp.collect.base import page_size

    def client(service):
        return boto3.client(service, region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")

    assert page_size(client("iam"), "list_users") == 1000  # IAM's default is 100
    assert page_size(client("ec2"), "describe_instances") == 1000
    assert page_size(client("ec2"), "describe_route_tables") == 100
    assert page_size(client("lambda"), "list_functions") == 50
    assert page_size(client("accessanalyzer"), "list_analyzers") is None  # the default is kept
