"""The benchmark's simulated network: latency, and throttling answered in each service's own error format."""

from __future__ import annotations

import io

import botocore.session
import pytest
from botocore.awsrequest import HeadersDict
from botocore.parsers import create_parser

from bench.counting import CallCounter
from bench.network import Latency, Throttle, throttling_error

SIGNED = "AWS4-HMAC-SHA256 Credential={}/20261128/{}/{}/aws4_request, SignedHeaders=host"
QUERY = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8"}


def request(service: str, region: str = "us-east-1", key: str = "AKIDEXAMPLE", body: bytes = b"", **extra) -> dict:
    return {
        "HTTP_AUTHORIZATION": SIGNED.format(key, region, service),
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        **QUERY,
        **extra,
    }


@pytest.mark.parametrize(
    ("service", "operation", "environ", "code"),
    [
        ("ec2", "DescribeVpcs", QUERY, "RequestLimitExceeded"),
        ("iam", "ListUsers", QUERY, "Throttling"),
        ("rds", "DescribeDBInstances", QUERY, "Throttling"),
        ("codebuild", "ListProjects", {"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": "CodeBuild.ListProjects"}, None),
        ("secretsmanager", "ListSecrets", {"REQUEST_METHOD": "POST", "HTTP_X_AMZ_TARGET": "x.ListSecrets"}, None),
        ("lambda", "ListFunctions", {"REQUEST_METHOD": "GET"}, "TooManyRequestsException"),
        ("accessanalyzer", "ListAnalyzers", {"REQUEST_METHOD": "GET"}, "ThrottlingException"),
    ],
)
def test_each_service_s_throttling_error_is_one_botocore_retries_as_throttling(service, operation, environ, code):
    from botocore.retries.standard import ThrottledRetryableChecker

    model = botocore.session.get_session().get_service_model(service)
    status, headers, body = throttling_error(environ, service)
    answer = {"status_code": int(status.split()[0]), "headers": HeadersDict(headers), "body": body}
    parsed = create_parser(model.resolved_protocol).parse(answer, model.operation_model(operation).output_shape)
    assert parsed["Error"]["Code"] == (code or "ThrottlingException")
    assert parsed["Error"]["Code"] in ThrottledRetryableChecker._THROTTLED_ERROR_CODES
    assert status.startswith({"ec2": "503", "lambda": "429", "accessanalyzer": "429"}.get(service, "400"))


def test_throttle_answers_past_the_burst_per_caller_service_and_region_and_counts():
    seen = []

    def moto(environ, start_response):
        seen.append(environ["wsgi.input"].read())
        start_response("200 OK", [])
        return [b"ok"]

    statuses = []
    throttle = Throttle(moto, rate=0.001, burst=2)  # no refill within the test
    body = b"Action=DescribeVpcs&Version=2016-11-15"
    for _ in range(3):
        throttle(request("ec2", body=body), lambda status, headers: statuses.append(status))
    throttle(request("ec2", region="eu-west-1"), lambda status, headers: statuses.append(status))  # own bucket
    throttle(request("ec2", key="AKIDOTHER"), lambda status, headers: statuses.append(status))  # another account
    throttle({"PATH_INFO": "/moto-api/reset", "wsgi.input": io.BytesIO(b"")}, lambda *a: statuses.append("moto-api"))
    assert [s.split()[0] for s in statuses] == ["200", "200", "503", "200", "200", "moto-api"]
    assert throttle.throttled() == {"ec2.DescribeVpcs": 1} and seen[0] == body
    throttle.reset()
    assert throttle.throttled() == {}


def test_throttle_per_service_rates_and_elb_s_signing_name():
    throttle = Throttle(lambda e, s: [b""], rate=100, per_service={"elb": (0.001, 1)})
    statuses = []
    for _ in range(2):
        throttle(request("elasticloadbalancing"), lambda status, headers: statuses.append(status))
    assert [s.split()[0] for s in statuses] == ["400"]  # the first passed through (the app answered nothing)


def test_latency_is_spread_around_its_value():
    latency = Latency(lambda e, s: [b""], ms=100, jitter=0.2)
    assert all(0.08 <= latency.delay() <= 0.12 for _ in range(200))


def test_counter_counts_per_region():
    counter = CallCounter(lambda environ, start_response: [b"ok"])
    for region in ("us-east-1", "us-east-1", "eu-west-1"):
        counter(request("ec2", region=region, body=b"Action=DescribeVpcs"), None)
    assert counter.by_region() == {"ec2.DescribeVpcs": {"eu-west-1": 1, "us-east-1": 2}}
    assert set(counter.seconds_by_region()["ec2.DescribeVpcs"]) == {"eu-west-1", "us-east-1"}
