"""Run-to-run comparison: new, fixed, still open — and what was not assessed now is "not compared", never fixed."""

from __future__ import annotations

from datetime import date

from awsbp.assess import Assessment, PreviousAssessment
from awsbp.batch.runner import previous_assessment
from awsbp.diff import compare, compare_assessments
from awsbp.findings import Finding, Severity, Status
from awsbp.params import Settings

ACCOUNT = "111122223333"


def f(resource: str, status: Status, check: str = "BP-VPC-02", region: str = "eu-west-1", **kw) -> Finding:
    return Finding(check, status, Severity.HIGH, ACCOUNT, region, "security_group", resource, reason="r", **kw)


def gap(check: str, region: str) -> Finding:
    found = f(f"{ACCOUNT}/{region}", Status.NOT_ASSESSED, check, region, evidence={"missing": "ec2.X: AccessDenied"})
    found.resource_type = "scope"
    return found


def assessment(findings: list[Finding], regions=("eu-west-1",), cross=True) -> Assessment:
    return Assessment(
        account_id=ACCOUNT,
        account_name="prod",
        partition="aws",
        regions=list(regions),
        collected_at="",
        today=date(2026, 11, 30),
        lang="en",
        timezone="UTC",
        settings=Settings(),
        suppressions=[],
        findings=findings,
        gaps=[],
        cross_account_checked=cross,
    )


def ids(items) -> list[str]:
    return sorted(x if isinstance(x, str) else x.resource_id for x in items)


def test_new_fixed_and_still_open():
    before = assessment([f("a", Status.FAIL), f("b", Status.FAIL), f("c", Status.REVIEW), f("d", Status.PASS)])
    now = assessment([f("a", Status.FAIL), f("b", Status.PASS), f("d", Status.FAIL), f("e", Status.FAIL)])
    changes = compare(now, before, "run1")
    by_id = {x.finding_id: x.resource_id for x in now.findings}
    assert sorted(by_id[i] for i in changes.new) == ["d", "e"]
    assert ids(changes.fixed) == ["b", "c"]
    assert [by_id[i] for i in changes.still_open] == ["a"]


def test_not_assessed_now_is_not_compared_never_fixed():
    before = assessment([f("a", Status.FAIL, "BP-IAM-07"), f("b", Status.FAIL, "BP-VPC-02", "us-east-1")])
    before.regions = ["eu-west-1", "us-east-1"]
    now = assessment([gap("BP-IAM-07", "eu-west-1")])  # us-east-1 not assessed at all this time
    changes = compare(now, before, "run1")
    assert changes.counts() == {"new": 0, "fixed": 0, "still_open": 0, "not_compared": 2}
    why = {n.finding.resource_id: (n.why, n.detail) for n in changes.not_compared}
    assert why["a"] == ("check_not_assessed", "ec2.X: AccessDenied")
    assert why["b"] == ("region_not_assessed", "us-east-1")


def test_a_cross_account_finding_is_not_fixed_when_cross_account_checks_did_not_run():
    before = assessment([f("alice", Status.FAIL, "BP-IAM-06", "global", cross_account=True)])
    changes = compare(assessment([], cross=False), before)
    assert [n.why for n in changes.not_compared] == ["cross_account_not_run"] and not changes.fixed
    assert ids(compare(assessment([], cross=True), before).fixed) == ["alice"]


def test_an_unreadable_previous_run_says_why_and_compares_nothing():
    changes = compare_assessments(assessment([f("a", Status.FAIL)]), PreviousAssessment("run0", None, "truncated"))
    assert changes.problem == "truncated" and changes.counts()["new"] == 0


def test_previous_run_is_the_latest_earlier_one_with_the_account_and_a_broken_one_is_named(tmp_path):
    for run in ("20260101T000000Z", "20260201T000000Z", "20260301T000000Z"):
        (tmp_path / run / ACCOUNT).mkdir(parents=True)
    assessment([f("a", Status.FAIL)]).save(tmp_path / "20260101T000000Z" / ACCOUNT / "assessment.json")
    (tmp_path / "20260201T000000Z" / ACCOUNT / "assessment.json").write_text('{"schema": 1, "acc')  # truncated
    found = previous_assessment(tmp_path / "20260301T000000Z", ACCOUNT, None)
    assert found is not None and found.run_id == "20260101T000000Z" and found.assessment is not None
    assert previous_assessment(tmp_path / "20260301T000000Z", "999999999999", None) is None
    pinned = previous_assessment(tmp_path / "x", ACCOUNT, tmp_path / "20260201T000000Z")
    assert pinned.assessment is None and "20260201T000000Z" in pinned.problem and "assessment.json" in pinned.problem
