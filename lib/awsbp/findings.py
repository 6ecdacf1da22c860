"""The Finding model, its statuses and severities, and the exports (JSON, CSV)."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any


class Status(StrEnum):
    FAIL = "FAIL"
    REVIEW = "REVIEW"
    NOT_ASSESSED = "NOT_ASSESSED"
    PASS = "PASS"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFORMATIONAL = "informational"

    def raised(self) -> Severity:
        """One step more severe: ``Severity.HIGH.raised() -> Severity.CRITICAL``."""
        order = list(Severity)
        return order[max(order.index(self) - 1, 0)]


STATUS_ORDER = [s.value for s in Status]
SEVERITY_ORDER = [s.value for s in Severity]


@dataclass
class Finding:
    """One result of one check for one resource (or one scope, for NOT_ASSESSED)."""

    check_id: str
    status: Status
    severity: Severity
    account_id: str
    region: str
    resource_type: str
    resource_id: str
    reason: str = ""
    resource_name: str = ""
    resource_arn: str = ""
    environment: str = ""
    title: str = ""
    detail: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    remediation: str = ""
    suppressed: bool = False
    suppress_reason: str = ""
    cross_account: bool = False  # made by a check over several accounts (attributed to this one)

    @property
    def finding_id(self) -> str:
        """Stable across runs: check id + account + region + resource (+ reason)."""
        key = "|".join([self.check_id, self.account_id, self.region, self.resource_id, self.reason])
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = str(self.status)
        data["severity"] = str(self.severity)
        data["finding_id"] = self.finding_id
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        names = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["status"] = Status(kwargs["status"])
        kwargs["severity"] = Severity(kwargs["severity"])
        return cls(**kwargs)


EXPORT_COLUMNS = ["finding_id"] + [f.name for f in fields(Finding)]


def write_json(findings: Iterable[Finding], path: Path) -> None:
    """Write every finding, all statuses, as a JSON list."""
    path.write_text(json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=1), encoding="utf-8")


def write_csv(findings: Iterable[Finding], path: Path) -> None:
    """Write every finding as CSV; ``evidence`` is a JSON string column."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        for finding in findings:
            row = finding.to_dict()
            row["evidence"] = json.dumps(row["evidence"], ensure_ascii=False, sort_keys=True)
            writer.writerow(row)


def read_json(path: Path) -> list[Finding]:
    """Read findings written by :func:`write_json`."""
    return [Finding.from_dict(d) for d in json.loads(path.read_text(encoding="utf-8"))]


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
        },
    }


def write_asff(findings: Iterable[Finding], path: Path, *, created_at: str, partition: str = "aws") -> None:
    """All findings as ASFF (a JSON list, the shape BatchImportFindings takes in batches of 100)."""
    data = [to_asff(f, partition=partition, created_at=created_at) for f in findings]
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
