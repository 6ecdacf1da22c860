"""Bounded collection: any exception of one API is a recorded gap, loops that would never end stop, and the
credential report's wait is bounded and reported."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import boto3
import pytest
from awsbp.aws import AwsSession
from awsbp.collect import base as collect_base
from awsbp.collect import collect_account, iam
from awsbp.collect.base import Api, call_api
from awsbp.snapshot import GLOBAL
from botocore.hooks import HierarchicalEmitter
from botocore.stub import Stubber


def _module(service: str, *apis: Api, scope: str = "regional") -> SimpleNamespace:
    return SimpleNamespace(SERVICE=service, SCOPE=scope, APIS=list(apis), ACTIONS=[])


def _broken(client):
    raise KeyError("Reservations")


def test_any_exception_of_one_fetch_is_a_gap_and_the_account_goes_on(aws_env):
    session = AwsSession.open()
    module = _module("ec2", Api("DescribeVpcs", "Vpcs"), Api("DescribeInstances", fetch=_broken))
    snap = collect_account(session, ["eu-west-1"], session.identity(), collectors=[module])
    assert snap.errors == [
        {
            "service": "ec2",
            "region": "eu-west-1",
            "api": "DescribeInstances",
            "code": "KeyError",
            "message": "'Reservations'",
        }
    ]
    assert snap.items("ec2", "eu-west-1", "DescribeVpcs")  # the other API of the account is there


class FakeClock:
    """time.monotonic and time.sleep for the report wait: sleeping advances the clock, nothing waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class ReportClient:
    """An IAM client whose credential report is never ready (STARTED forever), or ready after ``ready_after``."""

    def __init__(self, ready_after: int | None = None) -> None:
        self.polls = 0
        self.ready_after = ready_after
        self.meta = SimpleNamespace(events=HierarchicalEmitter())  # where collect hooks its request budget

    def generate_credential_report(self):
        self.polls += 1
        ready = self.ready_after is not None and self.polls > self.ready_after
        return {"State": "COMPLETE" if ready else "STARTED"}

    def get_credential_report(self):
        return {"Content": b"user,arn\nalice,arn:aws:iam::123456789012:user/alice\n"}


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(iam, "_clock", fake.monotonic)
    monkeypatch.setattr(iam, "_sleep", fake.sleep)
    return fake


def test_credential_report_never_ready_is_a_timed_gap_with_its_wait_noted(aws_env, monkeypatch, clock, caplog):
    session = AwsSession.open()
    client = ReportClient()
    real = session.client
    monkeypatch.setattr(
        session, "client", lambda service, region=None: client if service == "iam" else real(service, region)
    )
    module = _module("iam", Api("GetCredentialReport", fetch=iam.credential_report), scope="global")
    with caplog.at_level(logging.DEBUG, logger="awsbp"):
        snap = collect_account(session, ["eu-west-1"], session.identity(), collectors=[module])
    (error,) = snap.errors
    assert (error["api"], error["code"]) == ("GetCredentialReport", "TimeoutError")
    assert "still STARTED after 60 s" in error["message"]
    assert snap.items("iam", GLOBAL, "GetCredentialReport") is None
    assert sum(clock.slept) <= iam.REPORT_WAIT_SECONDS and client.polls > 3
    (noted,) = snap.meta["notes"]
    assert noted["api"] == "GetCredentialReport" and noted["report_state"] == "STARTED"
    assert noted["report_wait_seconds"] >= iam.REPORT_WAIT_SECONDS and noted["report_polls"] == client.polls
    assert "credential report still STARTED" in caplog.text


def test_credential_report_wait_is_noted_when_it_completes(clock):
    client = ReportClient(ready_after=2)
    result = call_api(client, Api("GetCredentialReport", fetch=iam.credential_report))
    assert result.items == [{"user": "alice", "arn": "arn:aws:iam::123456789012:user/alice"}]
    assert result.notes == {"report_wait_seconds": 1.5, "report_polls": 3, "report_state": "COMPLETE"}


def _stubbed(service: str):
    return boto3.client(service, region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_paginator_token_cycle_is_stopped():
    client = _stubbed("ec2")
    with Stubber(client) as stub:
        page = {"MaxResults": 1000}
        stub.add_response("describe_vpcs", {"Vpcs": [{"VpcId": "vpc-1"}], "NextToken": "a"}, page)
        stub.add_response("describe_vpcs", {"Vpcs": [{"VpcId": "vpc-2"}], "NextToken": "b"}, {**page, "NextToken": "a"})
        stub.add_response("describe_vpcs", {"Vpcs": [{"VpcId": "vpc-3"}], "NextToken": "a"}, {**page, "NextToken": "b"})
        result = call_api(client, Api("DescribeVpcs", "Vpcs"))
    assert result.items is None
    assert result.error["code"] == "PaginationLoop" and "page token came back" in result.error["message"]


def test_paginator_same_token_twice_is_a_gap():
    client = _stubbed("ec2")
    with Stubber(client) as stub:
        page = {"MaxResults": 1000}
        stub.add_response("describe_vpcs", {"Vpcs": [], "NextToken": "a"}, page)
        stub.add_response("describe_vpcs", {"Vpcs": [], "NextToken": "a"}, {**page, "NextToken": "a"})
        result = call_api(client, Api("DescribeVpcs", "Vpcs"))
    assert result.items is None and result.error["code"] in ("PaginationError", "PaginationLoop")


def test_listing_is_bounded_in_pages(monkeypatch):
    monkeypatch.setattr(collect_base, "MAX_PAGES", 3)
    client = _stubbed("ec2")
    with Stubber(client) as stub:
        page = {"MaxResults": 1000}
        previous: dict[str, str] = {}
        for token in ("t1", "t2", "t3"):
            stub.add_response("describe_vpcs", {"Vpcs": [], "NextToken": token}, {**page, **previous})
            previous = {"NextToken": token}
        result = call_api(client, Api("DescribeVpcs", "Vpcs"))
    assert result.error["code"] == "PaginationLoop" and "more than 3 pages" in result.error["message"]


def test_manual_marker_loop_of_service_credentials_is_bounded():
    client = _stubbed("iam")
    with Stubber(client) as stub:
        first = {"AllUsers": True, "MaxItems": 1000}
        stub.add_response(
            "list_service_specific_credentials",
            {"ServiceSpecificCredentials": [], "IsTruncated": True, "Marker": "m1"},
            first,
        )
        stub.add_response(
            "list_service_specific_credentials",
            {"ServiceSpecificCredentials": [], "IsTruncated": True, "Marker": "m1"},
            {**first, "Marker": "m1"},
        )
        result = call_api(client, Api("ListServiceSpecificCredentials", fetch=iam.service_credentials))
    assert result.error["code"] == "PaginationLoop"


def test_organization_units_that_loop_are_listed_once():
    from awsbp.collect.organizations import discover_accounts

    client = _stubbed("organizations")
    with Stubber(client) as stub:
        stub.add_response(
            "list_accounts_for_parent", {"Accounts": [{"Id": "111111111111", "Name": "a"}]}, {"ParentId": "r-1"}
        )
        stub.add_response(
            "list_organizational_units_for_parent", {"OrganizationalUnits": [{"Id": "ou-1"}]}, {"ParentId": "r-1"}
        )
        stub.add_response(
            "list_accounts_for_parent", {"Accounts": [{"Id": "222222222222", "Name": "b"}]}, {"ParentId": "ou-1"}
        )
        stub.add_response(
            "list_organizational_units_for_parent", {"OrganizationalUnits": [{"Id": "r-1"}]}, {"ParentId": "ou-1"}
        )
        found = discover_accounts(client, include=[], exclude=[], ous=["r-1"])
    assert [a["id"] for a in found] == ["111111111111", "222222222222"]
