"""Exports of an account's assessment, beside its reports: ``findings.json`` (every finding, every status),
``findings.csv`` (UTF-8 with BOM, so Japanese Excel opens it; cells that a spreadsheet would run as a formula are
neutralised) and ``findings.asff.json`` (AWS Security Finding Format, for ``securityhub batch-import-findings``).
All are written atomically and private to the user; they say exactly what the assessment says."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

from awsbp.assess import Assessment
from awsbp.catalog import Catalog
from awsbp.domains import DOMAINS, domain_of
from awsbp.files import write_private, write_text
from awsbp.findings import Finding

EXPORT_COLUMNS = ["finding_id"] + [f.name for f in fields(Finding)]
EXPORT_FILES = ("findings.json", "findings.csv", "findings.xlsx", "findings.asff.json")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_exports(assessment: Assessment, account_dir: Path) -> list[Path]:
    """Every export of one account; returns the files written."""
    account_dir = Path(account_dir)
    findings = assessment.findings
    return [
        write_json(findings, account_dir / "findings.json"),
        write_csv(findings, account_dir / "findings.csv"),
        write_xlsx(assessment, account_dir / "findings.xlsx"),
        write_asff(
            findings,
            account_dir / "findings.asff.json",
            created_at=assessment.collected_at or assessment.made_at,
            partition=assessment.partition,
        ),
    ]


def write_json(findings: Iterable[Finding], path: Path) -> Path:
    """Every finding, all statuses, as a JSON list."""
    return write_text(path, json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=1))


def read_json(path: Path) -> list[Finding]:
    """Findings written by :func:`write_json`."""
    return [Finding.from_dict(d) for d in json.loads(Path(path).read_text(encoding="utf-8"))]


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet would evaluate (``=HYPERLINK(…)``, ``+1``, ``@SUM``) gets a leading ``'``;
    tag values and names come from the account, so an attacker controls them."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(findings: Iterable[Finding], path: Path) -> Path:
    """Every finding as CSV (UTF-8 with BOM); ``evidence`` is a JSON string column."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    for finding in findings:
        row = finding.to_dict()
        row["evidence"] = json.dumps(row["evidence"], ensure_ascii=False, sort_keys=True)
        writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
    return write_text(path, "\ufeff" + buffer.getvalue())


def write_xlsx(assessment: Assessment, path: Path) -> Path:
    """The findings as an Excel workbook in the assessment's language: one sheet of every finding (frozen header,
    filters, column widths), one per domain, and one of the data that could not be collected."""
    import pandas as pd

    catalog = Catalog(assessment.lang)
    ui = catalog.ui
    columns = {
        "finding_id": ui("col_finding_id"),
        "domain": ui("col_domain"),
        "check_id": ui("col_check"),
        "title": ui("col_title"),
        "status": ui("col_status"),
        "severity": ui("col_severity"),
        "region": ui("col_region"),
        "resource_name": ui("col_resource"),
        "resource_id": ui("col_resource_id"),
        "resource_arn": ui("col_arn"),
        "environment": ui("col_environment"),
        "detail": ui("col_detail"),
        "suppress_reason": ui("suppressed_note"),
        "cross_account": ui("col_cross_account"),
        "evidence": ui("col_evidence"),
    }
    yes, no = ui("value_yes"), ui("value_no")
    rows = []
    for f in assessment.findings:
        rows.append(
            {
                "finding_id": f.finding_id,
                "domain": catalog.domain(domain_of(f.check_id).key).title,
                "check_id": f.check_id,
                "title": f.title,
                "status": catalog.status(f.status),
                "severity": catalog.severity(f.severity),
                "region": f.region,
                "resource_name": f.resource_name,
                "resource_id": f.resource_id,
                "resource_arn": f.resource_arn,
                "environment": f.environment,
                "detail": f.detail,
                "suppress_reason": f.suppress_reason,
                "cross_account": yes if f.cross_account else no,
                "evidence": json.dumps(f.evidence, ensure_ascii=False, sort_keys=True),
                "_domain": domain_of(f.check_id).key,
            }
        )
    frame = pd.DataFrame(rows, columns=[*columns, "_domain"])
    gaps = pd.DataFrame(
        [
            {
                ui("col_service"): g.service,
                ui("col_region"): g.region,
                ui("col_api"): g.api,
                ui("col_check"): ", ".join(g.checks),
                ui("col_code"): g.code,
                ui("col_message"): g.message,
            }
            for g in assessment.gaps
        ],
        columns=[ui(c) for c in ("col_service", "col_region", "col_api", "col_check", "col_code", "col_message")],
    )
    sheets = {ui("xlsx_findings"): frame}
    sheets.update({catalog.domain(d.key).title[:31]: frame[frame["_domain"] == d.key] for d in DOMAINS})
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, sheet in sheets.items():
            shown = sheet.drop(columns="_domain").rename(columns=columns).map(spreadsheet_safe)
            _sheet(writer, _sheet_name(name), shown)
        _sheet(writer, _sheet_name(ui("xlsx_gaps")), gaps.map(spreadsheet_safe))
    return write_private(path, buffer.getvalue())


def _sheet_name(name: str) -> str:
    """Excel's rules for sheet names: at most 31 characters, none of ``[]:*?/\\``."""
    return "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31]


def _sheet(writer: Any, name: str, frame: Any) -> None:
    """One sheet: frozen header row, filters on every column, widths from the content (capped)."""
    from openpyxl.utils import get_column_letter

    frame.to_excel(writer, sheet_name=name, index=False)
    sheet = writer.sheets[name]
    sheet.freeze_panes = "A2"
    if len(frame.columns):
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{max(len(frame) + 1, 1)}"
    for index, column in enumerate(frame.columns, start=1):
        values = [str(column), *(str(v) for v in frame[column].head(200))]
        width = max(len(v) * (2 if any(ord(ch) > 0x2E7F for ch in v) else 1) for v in values)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)


ASFF_SEVERITY = {
    "critical": "CRITICAL",
    "high": "HIGH",
    "medium": "MEDIUM",
    "low": "LOW",
    "informational": "INFORMATIONAL",
}
ASFF_RESOURCE_TYPES = {
    "instance": "AwsEc2Instance",
    "security_group": "AwsEc2SecurityGroup",
    "vpc": "AwsEc2Vpc",
    "subnet": "AwsEc2Subnet",
    "db_instance": "AwsRdsDbInstance",
    "iam_user": "AwsIamUser",
    "iam_role": "AwsIamRole",
    "iam_group": "AwsIamGroup",
    "iam_policy": "AwsIamPolicy",
    "lambda_function": "AwsLambdaFunction",
    "codebuild_project": "AwsCodeBuildProject",
    "ecr_repository": "AwsEcrRepository",
    "secret": "AwsSecretsManagerSecret",
    "access_key": "AwsIamAccessKey",
    "account": "AwsAccount",
}


def to_asff(
    finding: Finding, *, partition: str = "aws", created_at: str, product_region: str = "us-east-1"
) -> dict[str, Any]:
    """A finding in the AWS Security Finding Format, importable with ``securityhub:BatchImportFindings``.

    FAIL and REVIEW are ``FAILED`` / ``WARNING`` compliance; NOT_ASSESSED is ``NOT_AVAILABLE``; PASS ``PASSED``.
    """
    account = finding.account_id
    region = finding.region if finding.region != "global" else product_region
    compliance = {"FAIL": "FAILED", "REVIEW": "WARNING", "NOT_ASSESSED": "NOT_AVAILABLE", "PASS": "PASSED"}
    resource_id = finding.resource_arn or finding.resource_id
    return {
        "SchemaVersion": "2018-10-08",
        "Id": f"awsbp/{account}/{finding.finding_id}",
        "ProductArn": f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default",
        "GeneratorId": f"awsbp/{finding.check_id}",
        "AwsAccountId": account,
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": created_at,
        "UpdatedAt": created_at,
        "Severity": {"Label": ASFF_SEVERITY[str(finding.severity)]},
        "Title": f"{finding.check_id} {finding.title}"[:256],
        "Description": (finding.detail or finding.title or finding.check_id)[:1024],
        "Remediation": {"Recommendation": {"Text": finding.remediation[:512]}} if finding.remediation else {},
        "Resources": [
            {
                "Type": ASFF_RESOURCE_TYPES.get(finding.resource_type, "Other"),
                "Id": resource_id,
                "Partition": partition,
                "Region": region,
            }
        ],
        "Compliance": {"Status": compliance[str(finding.status)]},
        "RecordState": "ARCHIVED" if finding.suppressed else "ACTIVE",
        "Workflow": {"Status": "SUPPRESSED" if finding.suppressed else "NEW"},
        "ProductFields": {
            "awsbp/CheckId": finding.check_id,
            "awsbp/Reason": finding.reason,
            "awsbp/Status": str(finding.status),
            "awsbp/CrossAccount": str(finding.cross_account).lower(),
        },
    }


def write_asff(findings: Iterable[Finding], path: Path, *, created_at: str, partition: str = "aws") -> Path:
    """All findings as ASFF (a JSON list, the shape BatchImportFindings takes in batches of 100).

    Findings of the account as a whole (IAM's, region ``global``) are placed in the region where the partition's
    global services live (``us-east-1``, ``us-gov-west-1``, ``cn-north-1``, …) — a region of the partition, as
    BatchImportFindings requires; for a partition not listed, in the first region assessed."""
    findings = list(findings)
    home = {
        "aws": "us-east-1",
        "aws-us-gov": "us-gov-west-1",
        "aws-cn": "cn-north-1",
        "aws-iso": "us-iso-east-1",
        "aws-iso-b": "us-isob-east-1",
    }
    assessed = sorted({f.region for f in findings if f.region != "global"})
    product_region = home.get(partition) or (assessed[0] if assessed else "us-east-1")
    data = [to_asff(f, partition=partition, created_at=created_at, product_region=product_region) for f in findings]
    return write_text(path, json.dumps(data, ensure_ascii=False, indent=1))
