"""The Finding model, its statuses and severities."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
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
        names = _FIELD_NAMES
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["status"] = Status(kwargs["status"])
        kwargs["severity"] = Severity(kwargs["severity"])
        return cls(**kwargs)


_FIELD_NAMES = frozenset(f.name for f in fields(Finding))
"""Finding's field names, once (a saved assessment holds tens of thousands of findings)."""
