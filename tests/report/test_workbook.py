"""The domain view reads the saved assessment: a notebook opened on a run's account folder shows exactly what the
run's exports say (same settings, suppressions and date), and recomputes only when asked to (and says so)."""

from __future__ import annotations

from datetime import date

from awsbp.assess import Assessment, assess
from awsbp.params import Settings, Suppression
from awsbp.report.exports import read_json
from awsbp.report.workbook import Workbook, open_workbook
from charts import shapes
from factory import good_world, instance, offline_run, snapshot, with_


def world_with_a_public_instance():
    return with_(good_world(), "ec2.DescribeInstances", instance("i-lab", "vpc-prod", "subnet-pub", [], "lab-1"))


def test_a_notebook_on_the_account_folder_shows_exactly_the_runs_findings(tmp_path):
    settings = {"public_ports": [443], "unused_days": 30}  # not the defaults: the notebook must not fall back
    rule = {
        "check": "BP-VPC-04",
        "resource": "lab-*",
        "reason": "lab, closes in December",
        "owner": "ops",
        "expires": "2099-01-01",
    }
    result = offline_run(tmp_path, [snapshot(world_with_a_public_instance())], settings=settings, suppressions=[rule])
    folder = result.run_dir / result.accounts[0].directory
    exported = {f.finding_id: (f.status, f.suppressed, f.detail) for f in read_json(folder / "findings.json")}
    for domain in ("vpc", "iam", "devtools"):
        wb = open_workbook(folder, domain=domain)  # nothing typed but the folder
        assert wb.settings.public_ports == [443] and not wb.recomputed
        mine = {f.finding_id: (f.status, f.suppressed, f.detail) for f in wb.findings}
        assert mine and mine == {k: v for k, v in exported.items() if k in mine}
    vpc = open_workbook(folder, domain="vpc")
    assert any(f.suppressed and f.resource_name == "lab-1" for f in vpc.findings)
    assert open_workbook(folder / "snapshot.json.gz", domain="vpc").findings == vpc.findings  # any file of it


def test_what_if_recomputes_on_purpose_and_says_so(tmp_path):
    result = offline_run(tmp_path, [snapshot(world_with_a_public_instance())])
    folder = result.run_dir / result.accounts[0].directory
    wb = open_workbook(folder, domain="vpc")
    strict = wb.what_if(settings={"admin_ports": [22, 443]})
    assert strict.recomputed == "what_if" and "recomputed" in str(strict.intro())
    assert Assessment.load(folder).settings == Settings()  # the run's saved assessment is untouched
    assert [f.finding_id for f in wb.findings] == [f.finding_id for f in open_workbook(folder, domain="vpc").findings]


def test_the_view_on_an_in_memory_assessment(tmp_path):
    """No file needed: counts, sections and gaps come from the assessment alone, in its language."""
    snap = snapshot(world_with_a_public_instance(), missing=["ec2.DescribeFlowLogs"])
    rule = {"check": "BP-VPC-04", "resource": "lab-*", "reason": "accepted", "owner": "ops", "expires": "2026-12-01"}
    rules = [Suppression.model_validate(rule)]
    assessment = assess(snap, Settings(), rules, today=date(2026, 12, 1), lang="ja", timezone="Asia/Tokyo")
    wb = Workbook(assessment, "vpc")
    counts = wb.counts()
    assert counts.loc["BP-VPC-04", "suppressed"] == 1  # live on its expiry day: one "today" everywhere
    assert counts.loc["BP-VPC-08", "NOT_ASSESSED"] == 1 and counts.loc["BP-VPC-08", "PASS"] == 0
    html = str(wb.section("BP-VPC-04")) + str(wb.gaps())
    assert "lab-1" in html and "なぜ重要か" in html and "DescribeFlowLogs" in html and "ec2:DescribeFlowLogs" in html
    expired = assess(snap, Settings(), rules, today=date(2026, 12, 2), lang="ja", timezone="Asia/Tokyo")
    assert Workbook(expired, "vpc").counts().loc["BP-VPC-04", "suppressed"] == 0


def test_the_overview_chart_draws_the_counts_table(tmp_path):
    """One bar per check, a segment per status as wide as the table's count, in the status colour."""
    from awsbp.findings import STATUS_ORDER
    from awsbp.report import palette

    snap = snapshot(world_with_a_public_instance(), missing=["ec2.DescribeFlowLogs"])
    wb = Workbook(assess(snap, Settings(), [], today=date(2026, 12, 1), lang="en"), "vpc")
    counts = wb.counts()
    drawn = {row["label"]: row for row in shapes(wb.chart())}
    assert list(drawn) == list(counts.index)
    for check_id, row in counts.iterrows():
        widths = {fill: width for _, width, fill in drawn[check_id]["rects"]}
        expected = {palette.STATUS[s][0]: int(row[s]) for s in STATUS_ORDER if row[s]}
        assert widths == expected and int(drawn[check_id]["total"]) == sum(expected.values())
    assert counts.loc["BP-VPC-08", "NOT_ASSESSED"] == 1 and counts["FAIL"].sum() > 0  # the world shows both


def test_an_account_s_notebooks_read_its_saved_assessment_once_and_again_when_it_changes(tmp_path):
    """The account's reports run one after another in one kernel: the saved assessment (~20 MB at 16×) is read
    for the first and shared by the next; a file written since is read anew."""
    import json

    from awsbp.runfiles import ASSESSMENT_FILE

    result = offline_run(tmp_path, [snapshot(world_with_a_public_instance())])
    folder = result.run_dir / result.accounts[0].directory
    vpc, iam = open_workbook(folder, domain="vpc"), open_workbook(folder, domain="iam")
    assert iam.assessment is vpc.assessment and vpc.findings and iam.findings
    path = folder / ASSESSMENT_FILE
    saved = json.loads(path.read_text(encoding="utf-8"))
    saved["findings"] = [f for f in saved["findings"] if f["check_id"] != "BP-VPC-04"]
    path.write_text(json.dumps(saved), encoding="utf-8")
    again = open_workbook(folder, domain="vpc")
    assert again.assessment is not vpc.assessment
    assert not [f for f in again.findings if f.check_id == "BP-VPC-04"]
    assert [f for f in vpc.findings if f.check_id == "BP-VPC-04"]  # the earlier workbook keeps what it read


def test_a_chapter_without_gaps_does_not_claim_every_api_call_succeeded():
    """A gap another chapter's checks (or no check) depend on stays out of this chapter, and so does the claim
    that every call of the run succeeded: the words say only what holds for this chapter."""
    snap = snapshot(world_with_a_public_instance(), missing=["ec2.DescribeFlowLogs"])
    for lang, chapter_words, run_words in (
        ("en", "checks need succeeded", "Every API call succeeded"),
        ("ja", "本章のチェックに必要な", "すべての API 呼び出しが成功し"),
    ):
        assessment = assess(snap, Settings(), [], today=date(2026, 12, 1), lang=lang)
        iam = str(Workbook(assessment, "iam").gaps())
        assert chapter_words in iam and run_words not in iam and "DescribeFlowLogs" not in iam
        assert "DescribeFlowLogs" in str(Workbook(assessment, "vpc").gaps())
