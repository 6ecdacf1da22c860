"""Suppressions from the params file: accepted risks stay in the data, marked, until they expire."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from fnmatch import fnmatchcase

from awsbp.findings import Finding, Status
from awsbp.params import Suppression


def matches(rule: Suppression, finding: Finding, tags: Mapping[str, str] | None = None) -> bool:
    """Whether a rule covers a finding: globs on check, account, region, and resource id or name; and, when the
    rule names tags, every one of them on the resource (value globs). A resource without known tags never
    matches a rule that names tags."""
    tags = tags or {}
    return (
        fnmatchcase(finding.check_id, rule.check)
        and fnmatchcase(finding.account_id, rule.account)
        and fnmatchcase(finding.region, rule.region)
        and (fnmatchcase(finding.resource_id, rule.resource) or fnmatchcase(finding.resource_name, rule.resource))
        and all(key in tags and fnmatchcase(tags[key], value) for key, value in rule.tags.items())
    )


def apply(
    findings: Iterable[Finding],
    rules: list[Suppression],
    today: date,
    resource_tags: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Finding]:
    """Mark FAIL/REVIEW findings covered by a live rule; an expired rule no longer suppresses and says so.
    ``resource_tags`` (``Inventory.resource_tags``) lets rules match on the resource's tags."""
    out = list(findings)
    tags_by_id = resource_tags or {}
    for finding in out:
        if finding.status not in (Status.FAIL, Status.REVIEW):
            continue
        for rule in rules:
            if not matches(rule, finding, tags_by_id.get(finding.resource_id)):
                continue
            if rule.expires >= today:
                finding.suppressed = True
                finding.suppress_reason = f"{rule.reason} (owner: {rule.owner}, until {rule.expires.isoformat()})"
                break
            finding.suppress_reason = f"EXPIRED {rule.expires.isoformat()}: {rule.reason} (owner: {rule.owner})"
    return out
