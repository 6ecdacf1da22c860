"""Run-to-run comparison: new, fixed, still open — and unknown (NOT_ASSESSED) is never 'fixed'."""

from __future__ import annotations

from awsbp.diff import compare, previous_findings
from awsbp.findings import Finding, Severity, Status, write_json


def f(resource: str, status: Status, check: str = "BP-VPC-02") -> Finding:
    return Finding(check, status, Severity.HIGH, "111122223333", "eu-west-1", "security_group", resource, reason="r")


def test_new_fixed_and_still_open():
    before = [f("a", Status.FAIL), f("b", Status.FAIL), f("c", Status.REVIEW), f("d", Status.PASS)]
    now = [f("a", Status.FAIL), f("b", Status.PASS), f("d", Status.FAIL), f("e", Status.FAIL)]
    changes = compare(now, before, "run1")
    assert sorted(x.resource_id for x in changes.new) == ["d", "e"]
    assert sorted(x.resource_id for x in changes.fixed) == ["b", "c"]
    assert [x.resource_id for x in changes.still_open] == ["a"]


def test_not_assessed_now_is_not_fixed():
    before = [f("a", Status.FAIL, "BP-IAM-07")]
    now = [f("scope", Status.NOT_ASSESSED, "BP-IAM-07")]
    assert compare(now, before).counts() == {"new": 0, "fixed": 0, "still_open": 0}


def test_previous_run_is_the_latest_earlier_one_with_the_account(tmp_path):
    for run in ("20260101T000000Z", "20260201T000000Z", "20260301T000000Z"):
        (tmp_path / run / "111122223333").mkdir(parents=True)
    write_json([f("a", Status.FAIL)], tmp_path / "20260101T000000Z" / "111122223333" / "findings.json")
    write_json([f("a", Status.FAIL)], tmp_path / "20260201T000000Z" / "111122223333" / "findings.json")
    path, run = previous_findings(tmp_path / "20260301T000000Z", "111122223333", None)
    assert run == "20260201T000000Z" and path.is_file()
    assert previous_findings(tmp_path / "20260301T000000Z", "999999999999", None) == (None, "")
    path, run = previous_findings(tmp_path / "x", "111122223333", tmp_path / "20260101T000000Z")
    assert run == "20260101T000000Z"
