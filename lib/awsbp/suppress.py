"""Suppressions from the params file: accepted risks stay in the data, marked, until they expire."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from fnmatch import fnmatchcase

from awsbp.findings import Finding, Status
from awsbp.params import Suppression


def matches(rule: Suppression, finding: Finding) -> bool:
    """Whether a rule covers a finding (globs on check, account, region, and resource id or name)."""
    return (
        fnmatchcase(finding.check_id, rule.check)
        and fnmatchcase(finding.account_id, rule.account)
        and fnmatchcase(finding.region, rule.region)
        and (fnmatchcase(finding.resource_id, rule.resource) or fnmatchcase(finding.resource_name, rule.resource))
    )


def apply(findings: Iterable[Finding], rules: list[Suppression], today: date) -> list[Finding]:
    """Mark FAIL/REVIEW findings covered by a live rule; an expired rule no longer suppresses and says so."""
    out = list(findings)
    for finding in out:
        if finding.status not in (Status.FAIL, Status.REVIEW):
            continue
        for rule in rules:
            if not matches(rule, finding):
                continue
            if rule.expires >= today:
                finding.suppressed = True
                finding.suppress_reason = f"{rule.reason} (owner: {rule.owner}, until {rule.expires.isoformat()})"
                break
            finding.suppress_reason = f"EXPIRED {rule.expires.isoformat()}: {rule.reason} (owner: {rule.owner})"
    return out
