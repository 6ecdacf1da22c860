"""Exports: JSON/CSV round trip, stable ids, and ASFF with every field Security Hub requires."""

from __future__ import annotations

import csv
import json
import re

from awsbp.findings import Finding, Severity, Status
from awsbp.report.exports import read_json, to_asff, write_asff, write_csv, write_json

# Required top-level attributes of BatchImportFindings (AWS Security Finding Format).
ASFF_REQUIRED = {
    "SchemaVersion",
    "Id",
    "ProductArn",
    "GeneratorId",
    "AwsAccountId",
    "Types",
    "CreatedAt",
    "UpdatedAt",
    "Severity",
    "Title",
    "Description",
    "Resources",
}


def sample(**kw) -> Finding:
    base = {
        "check_id": "BP-VPC-02",
        "status": Status.FAIL,
        "severity": Severity.CRITICAL,
        "account_id": "111122223333",
        "region": "eu-west-1",
        "resource_type": "security_group_rule",
        "resource_id": "sgr-1",
        "reason": "world_open",
        "title": "No world ingress",
        "detail": "open <to> all",
        "evidence": {"ports": "22/tcp", "名前": "日本語"},
    }
    return Finding(**{**base, **kw})


def test_json_and_csv_exports(tmp_path):
    findings = [sample(), sample(status=Status.PASS, resource_id="sgr-2")]
    write_json(findings, tmp_path / "f.json")
    assert read_json(tmp_path / "f.json") == findings
    write_csv(findings, tmp_path / "f.csv")
    raw = (tmp_path / "f.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Japanese Excel opens it as UTF-8
    rows = list(csv.DictReader((tmp_path / "f.csv").open(encoding="utf-8-sig")))
    assert [r["status"] for r in rows] == ["FAIL", "PASS"] and json.loads(rows[0]["evidence"])["名前"] == "日本語"


def test_finding_id_is_stable_and_depends_on_identity_only():
    assert sample().finding_id == sample(detail="other words", severity=Severity.LOW).finding_id
    assert sample().finding_id != sample(region="us-east-1").finding_id != sample(resource_id="sgr-9").finding_id


def test_asff_has_required_fields_and_valid_shapes(tmp_path):
    findings = [
        sample(),
        sample(
            region="global", resource_type="iam_user", resource_id="bob", status=Status.REVIEW, severity=Severity.MEDIUM
        ),
        sample(status=Status.NOT_ASSESSED, resource_id="scope"),
    ]
    write_asff(findings, tmp_path / "a.json", created_at="2026-11-28T00:00:00+00:00")
    data = json.loads((tmp_path / "a.json").read_text())
    for item in data:
        assert set(item) >= ASFF_REQUIRED
        assert re.fullmatch(r"arn:aws:securityhub:[a-z0-9-]+:\d{12}:product/\d{12}/default", item["ProductArn"])
        assert item["Severity"]["Label"] in {"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"}
        assert item["Resources"] and {"Type", "Id"} <= set(item["Resources"][0])
        assert len(item["Title"]) <= 256 and len(item["Description"]) <= 1024
    assert [d["Compliance"]["Status"] for d in data] == ["FAILED", "WARNING", "NOT_AVAILABLE"]
    assert data[1]["Resources"][0]["Type"] == "AwsIamUser" and data[1]["Resources"][0]["Region"] == "us-east-1"
    assert len({d["Id"] for d in data}) == 3
    assert to_asff(sample(suppressed=True), created_at="x")["Workflow"]["Status"] == "SUPPRESSED"


def test_csv_neutralises_cells_a_spreadsheet_would_run(tmp_path):
    """Tag values and names come from the account: a name like =HYPERLINK(...) must stay text in Excel."""
    hostile = sample(resource_name='=HYPERLINK("http://evil","x")', detail="+cmd|' /C calc'!A0", environment="@SUM(1)")
    write_csv([hostile, sample(resource_name="-2+3")], tmp_path / "f.csv")
    rows = list(csv.DictReader((tmp_path / "f.csv").open(encoding="utf-8-sig")))
    assert rows[0]["resource_name"] == '\'=HYPERLINK("http://evil","x")'
    assert rows[0]["detail"].startswith("'+") and rows[0]["environment"] == "'@SUM(1)"
    assert rows[1]["resource_name"] == "'-2+3" and rows[1]["check_id"] == "BP-VPC-02"


def test_exports_are_private_to_the_user(tmp_path):
    write_json([sample()], tmp_path / "out" / "f.json")
    assert (tmp_path / "out" / "f.json").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o700


def test_excel_workbook_in_the_report_language(tmp_path):
    from datetime import date

    from awsbp.assess import assess
    from awsbp.params import Settings
    from awsbp.report.exports import write_xlsx
    from factory import hostile_world, snapshot
    from openpyxl import load_workbook

    assessment = assess(snapshot(hostile_world()), Settings(), [], today=date(2026, 11, 30), lang="ja")
    assessment.findings[0].resource_name = '=HYPERLINK("http://evil","x")'  # an attacker names a resource
    path = write_xlsx(assessment, tmp_path / "findings.xlsx")
    assert path.stat().st_mode & 0o777 == 0o600
    book = load_workbook(path)
    assert book.sheetnames[0] == "検出結果" and book.sheetnames[-1] == "取得できなかったデータ"
    assert len(book.sheetnames) == 5  # every finding, one sheet per domain, the gaps
    sheet = book["検出結果"]
    header = [c.value for c in sheet[1]]
    assert "判定" in header and "重要度" in header and sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    status_col = header.index("判定") + 1
    statuses = {sheet.cell(row=r, column=status_col).value for r in range(2, sheet.max_row + 1)}
    assert statuses <= {"不適合", "要確認", "未評価", "適合"} and "不適合" in statuses
    assert sheet.max_row - 1 == len(assessment.findings)
    resource_col = header.index("リソース") + 1
    cell = sheet.cell(row=2, column=resource_col)
    assert cell.data_type == "s" and cell.value.startswith("'=")  # text, never a formula
    per_domain = sum(book[name].max_row - 1 for name in book.sheetnames[1:4])
    assert per_domain == len(assessment.findings)
