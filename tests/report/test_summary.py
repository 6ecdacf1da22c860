"""The run summary reads the run's saved assessments: per-account counts, top risks, cross-account findings, gaps."""

from __future__ import annotations

from awsbp.report.summary import RunSummary, Summary
from charts import shapes
from factory import good_iam_world, offline_run, report_row, snapshot


def two_accounts():
    first = snapshot(good_iam_world())
    second = snapshot(good_iam_world(), missing=["ec2.DescribeFlowLogs"])
    second.meta["account_id"] = "444455556666"
    second.data["iam"]["global"]["GetCredentialReport"] = [report_row("Alice@Example.com", password=True)]
    return first, second


def test_summary_over_two_accounts_finds_the_same_person_in_both(tmp_path):
    result = offline_run(tmp_path, list(two_accounts()))
    data = RunSummary.load(result.run_dir)
    assert sorted((f.account_id, f.reason) for f in data.cross_account) == [
        ("111122223333", "same_person_multiple_accounts"),
        ("444455556666", "same_person_multiple_accounts"),
    ]
    summary = Summary(data, "en")
    heat = str(summary.heatmap())
    assert "111122223333" in heat and "444455556666" in heat
    fails = summary.frame[(summary.frame.status == "FAIL") & ~summary.frame.suppressed.astype(bool)]
    drawn = {row["label"]: int(row["total"]) for row in shapes(heat)}  # the chart: FAIL per account
    assert drawn == {name: int((fails.account_id == a).sum()) for a, name in summary._names().items()}
    assert sum(drawn.values()) > 0
    gaps = str(summary.not_assessed())
    assert "444455556666" in gaps and "BP-VPC-08" in gaps and "111122223333" not in gaps.split("<tbody>")[1]
    assert "alice" in str(summary.cross_account()).lower()
    assert [a["checks"] for a in summary.actions()] == [["BP-IAM-03"]]  # alice: console without MFA (high)
    assert "BP-IAM-06" not in str(summary.executive())  # the same person in both: medium, not an urgent action


def test_summary_counts_are_the_assessments_counts_and_a_failed_account_is_not_zero(tmp_path):
    result = offline_run(tmp_path, list(two_accounts()))
    data = RunSummary.load(result.run_dir)
    frame = Summary(data, "en").frame
    for account_id, assessment in data.assessments.items():
        mine = frame[frame["account_id"] == account_id]
        unsuppressed = mine[~mine["suppressed"].astype(bool)]
        assert unsuppressed["status"].value_counts().to_dict() == {
            k: v for k, v in assessment.counts().items() if k != "suppressed" and v
        }
    data.accounts.append({"account_id": "999999999999", "name": "sandbox", "status": "failed", "error": "denied"})
    heat = str(Summary(data, "en").heatmap())
    row = heat.split('data-account="999999999999"')[1].split("</tr>")[0]
    assert "Not assessed" in row and ">0<" not in row  # never zeros for an account that could not be read


def test_every_urgent_finding_is_an_action_and_one_cause_is_one_action(tmp_path):
    """The index's action list: every critical and high FAIL, none dropped however many; an AWS key found in code
    is one action whichever checks saw it (BP-IAM-04 and BP-DEV-0x)."""
    from awsbp.report.workbook import sample_snapshot_path
    from awsbp.snapshot import Snapshot

    result = offline_run(tmp_path, [Snapshot.load(sample_snapshot_path())], lang="ja")
    summary = Summary(RunSummary.load(result.run_dir), "ja")
    urgent = summary.frame[
        (summary.frame["status"] == "FAIL")
        & summary.frame["severity"].isin(["critical", "high"])
        & ~summary.frame["suppressed"].astype(bool)
    ]
    actions = summary.actions()
    assert sum(len(a["rows"]) for a in actions) == len(urgent)  # all of them, grouped
    keys = [a["key"] for a in actions]
    assert len(keys) == len(set(keys)) and "aws_keys_in_code" in keys
    leaked = next(a for a in actions if a["key"] == "aws_keys_in_code")
    assert "BP-IAM-04" in leaked["checks"] and any(c.startswith("BP-DEV-") for c in leaked["checks"])
    html = str(summary.executive())
    assert html.count('data-action="') == len(actions) and "コードや設定に含まれる AWS アクセスキー" in html
    assert all(a["href"].split("#")[1] in a["checks"] for a in actions)  # each links to its section


def test_an_action_links_to_the_account_with_most_of_its_findings_whatever_order_they_finished_in(tmp_path):
    first, second = two_accounts()
    first.data["iam"]["global"]["GetCredentialReport"] = [report_row("carol", password=True)]
    second.data["iam"]["global"]["GetCredentialReport"] = [
        report_row("dave", password=True),
        report_row("erin", password=True),
    ]
    result = offline_run(tmp_path, [first, second])
    summary = Summary(RunSummary.load(result.run_dir), "en")
    links = set()
    for frame in (summary.frame, summary.frame.iloc[::-1]):  # the rows of whichever account finished first come first
        summary.frame = frame
        action = next(a for a in summary.actions() if a["checks"] == ["BP-IAM-03"])
        assert {r.account_id for r in action["rows"]} == {"111122223333", "444455556666"}
        links.add(action["href"])
    assert links == {"444455556666/20_iam.html#BP-IAM-03"}  # two console users without MFA there, one in the other
