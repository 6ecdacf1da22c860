"""The credential report generated for the first time: ``GenerateCredentialReport`` answers ``STARTED`` (and
``INPROGRESS``) until the report is ``COMPLETE``. The collector waits, bounded in time; a report that never
completes must become a recorded gap, not an exception that stops the collection. Time is simulated."""

from __future__ import annotations

import time

import pytest
from botocore.stub import Stubber

from formats import harness, samples
from formats.samples import NOW, credential_report_csv, report_root, report_user

REPORT = next(a for s, _, a in harness.collected_apis() if s == "iam" and a.name == "GetCredentialReport")
STARTED = {"State": "STARTED", "Description": "No report exists. Starting a new report generation task"}


class Clock:
    """``time.monotonic`` and ``time.sleep`` that only move when slept."""

    def __init__(self) -> None:
        self.now, self.sleeps = 1000.0, []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(time, "monotonic", fake.monotonic)
    monkeypatch.setattr(time, "sleep", fake.sleep)
    return fake


def iam():
    return samples.client("iam", "us-east-1")


def test_a_report_generated_for_the_first_time_is_waited_for(clock):
    rows = [report_root(password_used=3), report_user("alice", password=10, password_used=1, mfa=True)]
    client = iam()
    with Stubber(client) as stub:
        stub.add_response("generate_credential_report", STARTED, {})
        stub.add_response("generate_credential_report", STARTED, {})
        stub.add_response("generate_credential_report", {"State": "COMPLETE"}, {})
        stub.add_response(
            "get_credential_report",
            {"Content": credential_report_csv(rows), "ReportFormat": "text/csv", "GeneratedTime": NOW},
            {},
        )
        result = harness.collect_api(client, REPORT)
        stub.assert_no_pending_responses()
    assert result.error is None
    assert [row["user"] for row in result.items] == ["<root_account>", "alice"]
    assert len(clock.sleeps) == 2 and 0 < sum(clock.sleeps) < 10  # waited twice, briefly


def test_waiting_for_a_report_that_never_completes_is_bounded(clock):
    client = iam()
    with Stubber(client) as stub:
        for _ in range(200):
            stub.add_response("generate_credential_report", {"State": "INPROGRESS"}, {})
        harness.collect_api(client, REPORT)
    assert 0 < sum(clock.sleeps) <= 180, f"waited {sum(clock.sleeps)} s"
    assert len(clock.sleeps) < 100


def test_a_report_that_never_completes_is_a_recorded_gap(clock):
    client = iam()
    with Stubber(client) as stub:
        for _ in range(200):
            stub.add_response("generate_credential_report", {"State": "INPROGRESS"}, {})
        result = harness.collect_api(client, REPORT)
    assert result.items is None and result.error["code"]
