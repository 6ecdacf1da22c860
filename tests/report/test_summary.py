"""The run summary reads the run's saved assessments: per-account counts, top risks, cross-account findings, gaps."""

from __future__ import annotations

from awsbp.report.summary import RunSummary, Summary
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
    assert "111122223333" in heat and "444455556666" in heat and "data:image/png;base64," in heat
    gaps = str(summary.not_assessed())
    assert "444455556666" in gaps and "BP-VPC-08" in gaps and "111122223333" not in gaps.split("<tbody>")[1]
    assert "alice" in str(summary.cross_account()).lower()
    assert "BP-IAM-06" in str(summary.top_risks())  # the only FAIL of these two clean accounts


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
    row = heat.split("999999999999")[1].split("</tr>")[0]
    assert "Not assessed" in row and ">0<" not in row  # never zeros for an account that could not be read
