"""The run summary: per-account counts, top risks, cross-account findings, gaps."""

from __future__ import annotations

from awsbp.summary import RunSummary, Summary
from factory import good_iam_world, report_row, snapshot


def test_summary_over_two_accounts_finds_the_same_person_in_both(tmp_path):
    first = snapshot(good_iam_world())
    second = snapshot(good_iam_world(), missing=["ec2.DescribeFlowLogs"])
    second.meta["account_id"] = "444455556666"
    second.data["iam"]["global"]["GetCredentialReport"] = [report_row("Alice@Example.com", password=True)]
    paths = [first.save(tmp_path / "a.json.gz"), second.save(tmp_path / "b.json.gz")]
    data = RunSummary.from_snapshots(paths, lang="en")
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
