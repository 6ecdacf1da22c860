"""Fault matrix: every API the collectors call fails in turn — denied, throttled beyond retries, HTTP 500,
timed out, not implemented — and the run goes on, the checks that needed it say NOT_ASSESSED naming it,
none of them says PASS or FAIL for that region, and retries stay bounded."""

from __future__ import annotations

import json

import pytest
from awsbp.aws import AwsSession
from awsbp.checks.registry import REGISTRY
from awsbp.checks.run import run_checks
from awsbp.collect import COLLECTORS, collect_account
from awsbp.collect import budgets as collect_budgets
from awsbp.inventory import Inventory
from awsbp.params import Settings
from awsbp.snapshot import GLOBAL
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, ReadTimeoutError

REGION = "eu-west-1"
ATTEMPTS = 3
FAULTS = ("access_denied", "throttled", "http_500", "timeout", "not_implemented")
APIS = [(m, api) for m in COLLECTORS for api in m.APIS]


class _Raw:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_):
        yield self.body


def _throttle_response(protocol: str, url: str) -> AWSResponse:
    if protocol == "ec2":
        body = b"<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Rate exceeded</Message></Error></Errors></Response>"  # noqa: E501
        return AWSResponse(url, 503, {}, _Raw(body))
    if protocol == "query":
        body = b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"  # noqa: E501
        return AWSResponse(url, 400, {}, _Raw(body))
    body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
    return AWSResponse(url, 400, {"x-amzn-errortype": "ThrottlingException"}, _Raw(body))


def inject(session: AwsSession, service: str, operations: set[str], fault: str) -> None:
    """Make every call of ``operations`` (the API and the listings its fetch makes) fail with ``fault``."""
    client = session.client(service, REGION)  # the cached client collect_account will use (REGION is the default)
    events = client.meta.events  # clients copy the session's handlers when created: register on the client
    protocol = client.meta.service_model.protocol
    service_id = client.meta.service_model.service_id.hyphenize()

    def before_call(model, **_):
        if model.name not in operations:
            return None
        if fault == "access_denied":
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, model.name)
        if fault == "not_implemented":
            raise NotImplementedError(f"{model.name} is not implemented")
        return None

    def before_send(request, event_name, **_):
        if event_name.rsplit(".", 1)[-1] not in operations:
            return None
        if fault == "throttled":
            return _throttle_response(protocol, request.url)
        if fault == "http_500":
            return AWSResponse(request.url, 500, {}, _Raw(b"<html>internal error</html>"))
        if fault == "timeout":
            raise ReadTimeoutError(endpoint_url=request.url)
        return None

    events.register(f"before-call.{service_id}", before_call)
    events.register(f"before-send.{service_id}", before_send)


@pytest.mark.parametrize(("module", "api"), APIS, ids=[f"{m.SERVICE}.{a.name}" for m, a in APIS])
def test_a_failing_api_is_a_named_gap_never_a_pass(aws_env, module, api, monkeypatch):
    fault = FAULTS[APIS.index((module, api)) % len(FAULTS)]
    # the bound is what is tested, not the wait (botocore's adaptive mode slows a throttled client down)
    monkeypatch.setattr(collect_budgets, "THROTTLED_ATTEMPTS", ATTEMPTS + 1)
    monkeypatch.setattr(collect_budgets, "THROTTLED_BACKOFF_CAP", 0.01)
    session = AwsSession.open(max_attempts=ATTEMPTS)
    # a fetch may list something first (e.g. instances before their user data): fail those calls too
    listing = {
        "BatchGetProjects": {"ListProjects"},
        "GetPipeline": {"ListPipelines"},
        "DescribeInstanceAttribute": {"DescribeInstances"},
        "ListSSHPublicKeys": {"ListServiceSpecificCredentials"},
        "GetCredentialReport": {"GenerateCredentialReport"},
    }
    operations = {api.name} | listing.get(api.name, set())
    inject(session, module.SERVICE, operations, fault)
    snap = collect_account(session, [REGION], session.identity())
    scope = GLOBAL if module.SCOPE == "global" else REGION
    errors = {(e["service"], e["region"], e["api"]) for e in snap.errors}
    assert (module.SERVICE, scope, api.name) in errors, (fault, snap.errors)
    assert snap.items(module.SERVICE, scope, api.name) is None
    # bounded retries: throttling and 5xx are retried, at most ATTEMPTS times per call
    attempts = session.recorder.attempts
    # (a throttled call is late, not missing: collect retries it past botocore's attempts, to its own bound)
    bound = collect_budgets.THROTTLED_ATTEMPTS if fault == "throttled" else ATTEMPTS
    assert all(n <= bound * max(session.recorder.calls.get(k, 1), 1) for k, n in attempts.items())
    if fault in ("throttled", "http_500"):
        failed = [f"{module.SERVICE}.{op}" for op in operations if f"{module.SERVICE}.{op}" in attempts]
        assert failed and all(attempts[k] == bound * session.recorder.calls[k] for k in failed), (
            "throttling and 5xx are retried, exactly up to the bound"
        )
    # every check that needs this API: NOT_ASSESSED naming it, and nothing else in that scope
    findings = run_checks(Inventory(snap), Settings())
    needing = {c.id for c in REGISTRY.values() if (module.SERVICE, api.name) in c.needs}
    for check_id in needing:
        mine = [f for f in findings if f.check_id == check_id and f.region in (REGION, GLOBAL)]
        assert mine, check_id
        gaps = [f for f in mine if f.status == "NOT_ASSESSED" and f"{module.SERVICE}.{api.name}" in str(f.evidence)]
        assert gaps, (check_id, fault)
        regions_with_gap = {f.region for f in gaps}
        assert not [f for f in mine if f.status in ("PASS", "FAIL", "REVIEW") and f.region in regions_with_gap]
