"""The benchmark's own parts: the server-side counter, the pagination minimum, and the generator's counts."""

from __future__ import annotations

import pytest

from bench.counting import CallCounter, operation
from bench.minimum import minimum_calls
from bench.world import Scale

SIGNED = "AWS4-HMAC-SHA256 Credential=testing/20261128/us-east-1/{}/aws4_request, SignedHeaders=host"


def env(service: str, **extra: str) -> dict:
    return {"HTTP_AUTHORIZATION": SIGNED.format(service), "REQUEST_METHOD": "POST", **extra}


def test_operations_are_named_from_the_request():
    assert operation(env("iam"), b"Action=ListUsers&Version=2010-05-08") == "iam.ListUsers"
    assert operation(env("elasticloadbalancing"), b"Action=DescribeLoadBalancers&Version=2015-12-01") == (
        "elbv2.DescribeLoadBalancers"
    )
    assert operation(env("codebuild", HTTP_X_AMZ_TARGET="CodeBuild_20161006.ListProjects"), b"{}") == (
        "codebuild.ListProjects"
    )
    rest = env("lambda", REQUEST_METHOD="GET", PATH_INFO="/2015-03-31/functions/")
    assert operation(rest, b"") == "lambda.ListFunctions"


def test_counter_counts_each_request_and_passes_the_body_on():
    import io

    seen = []

    def app(environ, start_response):
        seen.append(environ["wsgi.input"].read())
        return [b"ok"]

    counter = CallCounter(app)
    for _ in range(3):
        body = b"Action=DescribeVpcs&Version=2016-11-15"
        counter(env("ec2", CONTENT_LENGTH=str(len(body)), **{"wsgi.input": io.BytesIO(body)}), None)
    counter({"PATH_INFO": "/moto-api/reset", "wsgi.input": io.BytesIO(b"")}, None)  # not an AWS call
    assert counter.counts() == {"ec2.DescribeVpcs": 3} and seen[0] == b"Action=DescribeVpcs&Version=2016-11-15"
    counter.reset()
    assert counter.counts() == {}


def test_pagination_minimum_counts_pages_and_unavoidable_per_resource_calls():
    from factory import good_iam_world, snapshot

    world = good_iam_world()
    world["ec2.DescribeSecurityGroups"] = [{"GroupId": f"sg-{i}"} for i in range(2500)]  # 3 pages of 1,000
    world["ec2.DescribeInstanceAttribute"] = [{"InstanceId": f"i-{i}"} for i in range(7)]  # one call each
    world["lambda.ListFunctions"] = [{"FunctionName": f"f{i}"} for i in range(120)]  # pages of 50
    world["iam.ListServiceSpecificCredentials"] = [
        {"UserName": u, "ServiceName": "codecommit.amazonaws.com", "Status": "Active"} for u in ("ci", "bob")
    ]
    least = minimum_calls(snapshot(world))
    assert least["ec2.DescribeSecurityGroups"] == 3
    assert least["ec2.DescribeInstanceAttribute"] == 7
    assert least["lambda.ListFunctions"] == 3
    assert least["ec2.DescribeVpcs"] == 1  # an empty listing still costs one call
    assert least["iam.ListServiceSpecificCredentials"] == 1  # every user's at once
    assert least["iam.ListSSHPublicKeys"] == 2  # one per holder of HTTPS Git credentials
    assert "iam.ListUsers" not in least
    assert least["iam.GenerateCredentialReport"] == least["iam.GetCredentialReport"] == 1
    assert least["sts.GetCallerIdentity"] == 1
    failed = minimum_calls(snapshot(good_iam_world(), missing=["iam.ListServiceSpecificCredentials"]))
    assert failed["iam.ListServiceSpecificCredentials"] == 1 and "iam.ListSSHPublicKeys" not in failed
    two = minimum_calls(
        snapshot(good_iam_world(), regions=["us-east-1", "eu-west-1"], missing=["accessanalyzer.ListAnalyzers"])
    )
    assert two["accessanalyzer.ListAnalyzers"] == 2  # one try in each region


def test_scale_16_is_the_issue_s_size():
    big = Scale(16).as_dict()
    assert (big["users"], big["security_groups"], big["security_group_rules"], big["instances"]) == (
        2000,
        1000,
        5000,
        500,
    )
    assert Scale(4).as_dict()["users"] == 4 * Scale(1).as_dict()["users"]


@pytest.mark.slow
def test_generator_creates_what_it_says_on_a_real_server():
    from awsbp.demo.clients import demo_clients
    from awsbp.demo.server import DemoServer

    from bench import counting, world

    with DemoServer() as server:
        made = world.seed(server.endpoint, 0.2)  # the generator's arithmetic is the same at every scale
        counter = counting.install(server)
        clients = demo_clients(server.endpoint)
        users = clients("iam").get_paginator("list_users").paginate().build_full_result()["Users"]
        groups = sum(
            len(
                clients("ec2", r).describe_security_groups(Filters=[{"Name": "group-name", "Values": ["sg-*"]}])[
                    "SecurityGroups"
                ]
            )
            for r in world.REGIONS
        )
        instances = sum(
            len(i["Instances"]) for r in world.REGIONS for i in clients("ec2", r).describe_instances()["Reservations"]
        )
        assert (len(users), groups, instances) == (made["users"], made["security_groups"], made["instances"])
        assert counter.counts()["iam.ListUsers"] == 1 and counter.counts()["ec2.DescribeInstances"] == 2


def test_counter_times_the_server_per_operation():
    import io
    import time

    def app(environ, start_response):
        time.sleep(0.01)
        return [b"ok"]

    counter = CallCounter(app)
    body = b"Action=ListUsers&Version=2010-05-08"
    assert counter(env("iam", CONTENT_LENGTH=str(len(body)), **{"wsgi.input": io.BytesIO(body)}), None) == [b"ok"]
    assert counter.seconds()["iam.ListUsers"] >= 0.01


def test_prowler_errors_are_read_from_its_log_and_the_mapping_follows_checks_md():
    from bench.prowler import CHECKS, MAPPING, log_errors

    log = (
        '{"timestamp": "t", "filename": "privilege_escalation.py:513", "level": "ERROR", "module": "m", '
        '"message": "Invalid action pattern \'codestar:CreateProject\'"}\n'
        '{"timestamp": "t", "filename": "x.py:1", "level": "INFO", "module": "m", "message": "fine"}\n'
    ) * 2
    assert log_errors(log) == {"privilege_escalation.py:513: Invalid action pattern 'codestar:CreateProject'": 2}
    assert "vpc_subnet_separate_private_public" in MAPPING["BP-VPC-04"] and len(CHECKS) == len(set(CHECKS))
    assert not {"BP-VPC-01", "BP-VPC-03", "BP-VPC-06", "BP-IAM-07", "BP-DEV-04", "BP-DEV-07"} & set(MAPPING)
