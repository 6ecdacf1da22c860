"""The collection's scheduler: jobs bounded per (service, region), a token bucket per client, throttled calls
retried until they succeed — and, against a moto server that throttles like AWS, every API still collected."""

from __future__ import annotations

import logging
import os
import socket
import threading
import urllib.request
from collections import Counter
from types import SimpleNamespace

import boto3
import pytest
from awsbp.aws import AwsSession
from awsbp.collect import (
    codebuild,
    collect_account,
    ec2,
    elbv2,
    iam,
    lambda_,
    rds,
    run_jobs,
    schedule,
    secretsmanager,
)
from awsbp.collect.base import Api, ApiResult
from awsbp.collect.budgets import THROTTLED_ATTEMPTS, TokenBucket, budget, retry_throttled, within_budget

from bench.counting import CallCounter
from bench.network import Throttle

# the APIs moto 5.2 does not implement (DESIGN.md): recorded as gaps whatever the scheduling
MOTO_GAPS = {("iam", "ListServiceSpecificCredentials"), ("iam", "ListSSHPublicKeys")}


def _module(service: str) -> SimpleNamespace:
    return SimpleNamespace(SERVICE=service)


def test_jobs_of_one_service_and_region_never_exceed_its_concurrency():
    jobs = [(_module(s), r, Api(f"Api{i}")) for s in ("ec2", "iam") for r in ("a", "b") for i in range(12)]
    in_flight: Counter[tuple[str, str]] = Counter()
    highest: Counter[tuple[str, str]] = Counter()
    lock = threading.Lock()
    release = threading.Event()

    def run(job):
        key = (job[0].SERVICE, job[1])
        with lock:
            in_flight[key] += 1
            highest[key] = max(highest[key], in_flight[key])
        release.wait(0.01)  # overlap with the jobs started alongside, if the scheduler allowed any
        with lock:
            in_flight[key] -= 1
        return ApiResult([job[2].name])

    results = run_jobs(jobs, run, max_threads=32)
    assert [results[i].items for i in range(len(jobs))] == [[job[2].name] for job in jobs]
    assert all(highest[key] <= budget(key[0]).concurrency for key in highest)


def test_a_job_that_raises_is_recorded_and_the_others_finish():
    jobs = [(_module("ec2"), "a", Api("Boom")), (_module("ec2"), "a", Api("Fine"))]

    def run(job):
        if job[2].name == "Boom":
            raise RuntimeError("collector bug")
        return ApiResult([1])

    results = run_jobs(jobs, run)
    assert results[0].error == {"code": "RuntimeError", "message": "collector bug"} and results[1].items == [1]


def test_slow_apis_start_first_and_the_rest_keep_their_order():
    quick, slow = Api("Quick"), Api("Slow", slow=True)
    jobs = [(_module("ec2"), "a", quick), (_module("ec2"), "a", slow), (_module("iam"), "global", quick)]
    assert [(j[0].SERVICE, j[2].name) for j in schedule(jobs)] == [("ec2", "Slow"), ("ec2", "Quick"), ("iam", "Quick")]


def test_clients_are_made_in_job_order_by_one_thread_and_a_failure_is_handed_to_its_jobs():
    from awsbp.collect import _Clients

    made = []

    class Session:
        def client(self, service, region):
            made.append((service, region, threading.current_thread().name))
            if service == "broken":
                raise ValueError("no such service")
            return boto3.client("ec2", region_name=region, aws_access_key_id="x", aws_secret_access_key="x")

    clients = _Clients(Session(), [("ec2", "eu-west-1"), ("broken", "eu-west-1"), ("iam", "us-east-1")])
    assert "_awsbp_budget" in clients.get("iam", "us-east-1").__dict__  # with its request budget
    with pytest.raises(ValueError, match="no such service"):
        clients.get("broken", "eu-west-1")
    assert [(s, r) for s, r, _ in made] == [("ec2", "eu-west-1"), ("broken", "eu-west-1"), ("iam", "us-east-1")]
    assert {thread for _, _, thread in made} == {"collect-clients"}


def test_token_bucket_lets_a_burst_through_then_paces_at_its_rate():
    now = [0.0]
    bucket = TokenBucket(rate=2, burst=3, clock=lambda: now[0])
    assert [bucket.reserve() for _ in range(3)] == [0, 0, 0]  # the burst
    assert [bucket.reserve() for _ in range(2)] == [0.5, 1.0]  # then one every 1/rate s, each reserving its turn
    now[0] = 10.0  # a long pause refills the bucket, never above its burst
    assert [bucket.reserve() for _ in range(4)] == [0, 0, 0, 0.5]


def test_budgets_follow_aws_s_documented_buckets_with_headroom():
    assert budget("ec2").rate == pytest.approx(16) and budget("ec2").burst == pytest.approx(80)  # 20/s, 100
    assert budget("lambda").rate == pytest.approx(12)  # 15/s
    assert budget("iam").rate < budget("ec2").rate  # unpublished: assumed low


def _answer(code: str, status: int = 400) -> tuple[object, dict[str, object]]:
    return SimpleNamespace(status_code=status), {"Error": {"Code": code}}


def test_a_throttled_call_is_retried_after_botocore_gives_up_and_nothing_else_is():
    assert retry_throttled(_answer("RequestLimitExceeded", 503), attempts=5) is not None
    assert retry_throttled(_answer("", 429), attempts=5) is not None  # a bare 429
    assert 0 <= retry_throttled(_answer("Throttling"), attempts=1) <= 1  # botocore's backoff: up to 2^(n-1) s
    assert retry_throttled(_answer("Throttling"), attempts=THROTTLED_ATTEMPTS) is None  # bounded
    assert retry_throttled(_answer("AccessDenied", 403), attempts=1) is None
    assert retry_throttled(None, attempts=1) is None  # a connection error: botocore's decision stands


def test_each_client_gets_its_budget_once():
    client = boto3.client("ec2", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    assert within_budget(client, "ec2") is client
    first = client.__dict__["_awsbp_budget"]
    within_budget(client, "ec2")
    assert client.__dict__["_awsbp_budget"] is first and first.rate == budget("ec2").rate


@pytest.fixture
def throttled_endpoint(monkeypatch, tmp_path):
    """A moto server answering the services' own throttling errors past 2 requests per second (2 at once) per
    caller, service and region, with a counter of every attempt in front; the default chain pointed at it."""
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).read()
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    ec2_client = boto3.client("ec2", region_name="eu-west-1")  # seeded before the throttle is in place
    ec2_client.run_instances(ImageId="ami-12345678", MinCount=4, MaxCount=4, InstanceType="t3.micro", UserData="hi")
    boto3.client("iam").create_user(UserName="alice")
    wsgi = server._server
    throttle = Throttle(wsgi.app, rate=2, burst=2)
    counter = CallCounter(throttle)
    wsgi.app = counter
    yield SimpleNamespace(throttle=throttle, counter=counter)
    server.stop()


def test_under_throttling_every_api_is_collected_and_the_retries_are_counted(throttled_endpoint):
    collectors = [ec2, elbv2, rds, lambda_, codebuild, secretsmanager, iam]
    session = AwsSession.open()
    snap = collect_account(session, ["eu-west-1"], session.identity(), collectors=collectors)
    throttled = throttled_endpoint.throttle.throttled()
    assert sum(throttled.values()) > 0, "the server never throttled: the test proves nothing"
    assert {(e["service"], e["api"]) for e in snap.errors} <= MOTO_GAPS, snap.errors  # no throttling error left
    for module in collectors:
        for api in module.APIS:
            if (module.SERVICE, api.name) not in MOTO_GAPS:
                region = "global" if module.SCOPE == "global" else "eu-west-1"
                assert snap.items(module.SERVICE, region, api.name) is not None, (module.SERVICE, api.name)
    assert len(snap.items("ec2", "eu-west-1", "DescribeInstanceAttribute")) == 4  # every instance's user data
    attempts, operations = sum(session.recorder.attempts.values()), sum(session.recorder.calls.values())
    assert attempts - operations >= sum(throttled.values())  # each throttled answer was retried by the client
    server_attempts = sum(throttled_endpoint.counter.counts().values())
    assert server_attempts >= operations + sum(throttled.values())


def test_user_data_is_fetched_as_many_at_a_time_as_ec2_s_budget_allows_and_never_more(monkeypatch):
    """The per-instance calls are the chain after DescribeInstances: they overlap up to EC2's job concurrency
    (what the benchmark's critical path assumes), the token bucket pacing them, and never beyond it."""
    width = budget("ec2").concurrency
    ids = [f"i-{n:04d}" for n in range(2 * width)]
    monkeypatch.setattr(ec2, "instances", lambda client: [{"InstanceId": i, "State": {"Name": "running"}} for i in ids])
    together = threading.Barrier(width, timeout=60)  # only guards against a hang: each round fills at once
    lock, in_flight, highest = threading.Lock(), [0], [0]

    class Client:
        def describe_instance_attribute(self, InstanceId, Attribute):
            with lock:
                in_flight[0] += 1
                highest[0] = max(highest[0], in_flight[0])
            together.wait()  # BrokenBarrierError if fewer than `width` calls can be in flight
            with lock:
                in_flight[0] -= 1
            return {"InstanceId": InstanceId, "UserData": {}}

    items = ec2.user_data(Client())
    assert [item["InstanceId"] for item in items] == ids
    assert highest[0] == width
