"""The run's saved results as frames: findings, changes since the previous run, collection gaps, suppressions.

Read from the accounts' ``assessment.json`` (the one truth the reports and exports show); nothing is recomputed.
Each function takes ``(account_id, account_name, assessment)`` triples, one per assessed account.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import pandas as pd

from awsbp.assess import Assessment, Gap
from awsbp.catalog import Catalog
from awsbp.domains import domain_of
from awsbp.findings import SEVERITY_ORDER, STATUS_ORDER, Finding
from awsbp.params import Suppression
from awsbp.report.followup.frames import Frame, to_utc
from awsbp.suppress import matches

Accounts = list[tuple[str, str, Assessment]]
TagsOf = Callable[[str], Mapping[str, Mapping[str, str]]]  # account id -> resource tags (read only when a rule needs)

FINDING_COLUMNS = [
    "account_id",
    "account_name",
    "domain",
    "finding_id",
    "check_id",
    "reason",
    "status",
    "severity",
    "region",
    "resource_type",
    "resource_id",
    "resource_name",
    "resource_arn",
    "environment",
    "title",
    "detail",
    "remediation",
    "suppressed",
    "suppress_reason",
    "suppress_owner",
    "suppress_expires",
    "suppress_days_left",
    "cross_account",
    "change",
    "collected_at",
]
CHANGE_COLUMNS = [
    "account_id",
    "account_name",
    "change",
    "previous_run",
    "why",
    "why_text",
    "domain",
    "finding_id",
    "check_id",
    "status",
    "severity",
    "region",
    "resource_type",
    "resource_id",
    "resource_name",
    "detail",
]
GAP_COLUMNS = [
    "account_id",
    "account_name",
    "service",
    "region",
    "api",
    "code",
    "message",
    "checks",
    "domains",
    "permission",
    "is_access_denied",
]
SUPPRESSION_COLUMNS = [
    "account_id",
    "account_name",
    "check",
    "account",
    "region",
    "resource",
    "tags",
    "reason",
    "owner",
    "expires",
    "days_left",
    "is_expired",
    "findings_suppressed",
]
CHANGE_ORDER = ["new", "fixed", "not_compared"]
DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess", "Forbidden"}
_PERFORM = re.compile(r"not authorized to perform:?\s*([a-z0-9-]+:[A-Za-z0-9*]+)", re.IGNORECASE)
IAM_PREFIX = {"accessanalyzer": "access-analyzer", "elbv2": "elasticloadbalancing", "elb": "elasticloadbalancing"}
"""Where the IAM action prefix differs from the snapshot's (botocore's) service name."""


def _typed(rows: list[dict[str, Any]], columns: list[str]) -> Frame:
    frame = Frame(pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns))
    if "status" in frame:
        frame["status"] = pd.Categorical(frame["status"], categories=STATUS_ORDER, ordered=True)
    if "severity" in frame:
        frame["severity"] = pd.Categorical(frame["severity"], categories=SEVERITY_ORDER, ordered=True)
    return frame


def flatten_evidence(evidence: dict[str, Any], prefix: str = "ev") -> dict[str, Any]:
    """``{"group": {"id": "sg-1"}, "ports": "22/tcp"} -> {"ev_group_id": "sg-1", "ev_ports": "22/tcp"}``."""
    out: dict[str, Any] = {}
    for key, value in evidence.items():
        if isinstance(value, dict) and value:
            out.update(flatten_evidence(value, f"{prefix}_{key}"))
        else:
            out[f"{prefix}_{key}"] = value
    return out


def rule_of(finding: Finding, rules: list[Suppression], today: date, tags: Mapping[str, str]) -> Suppression | None:
    """The rule behind a finding's suppression note, as :func:`awsbp.suppress.apply` chose it: the first live rule
    that matches, else (an expired note) the last expired one."""
    if not finding.suppress_reason:
        return None
    matching = [r for r in rules if matches(r, finding, tags)]
    live = [r for r in matching if r.expires >= today]
    if finding.suppressed and live:
        return live[0]
    expired = [r for r in matching if r.expires < today]
    return expired[-1] if expired else None


def _needs_tags(assessment: Assessment) -> bool:
    return any(rule.tags for rule in assessment.suppressions) and any(f.suppress_reason for f in assessment.findings)


def findings_frame(accounts: Accounts, tags_of: TagsOf) -> Frame:
    """Every finding of every account: its account, domain, verdict, resource, words, suppression (owner, expiry,
    days left), cross-account flag, change since the previous run, and its evidence as ``ev_*`` columns."""
    rows: list[dict[str, Any]] = []
    evidence_keys: set[str] = set()
    for account_id, account_name, a in accounts:
        comparison = a.comparison
        new = set(comparison.new) if comparison else set()
        still_open = set(comparison.still_open) if comparison else set()
        tags = tags_of(account_id) if _needs_tags(a) else {}
        for f in a.findings:
            rule = rule_of(f, a.suppressions, a.today, tags.get(f.resource_id) or {})
            fid = f.finding_id
            row = {
                **{k: v for k, v in f.to_dict().items() if k != "evidence"},
                "account_id": account_id,
                "account_name": account_name,
                "domain": domain_of(f.check_id).key,
                "suppress_owner": rule.owner if rule else "",
                "suppress_expires": rule.expires.isoformat() if rule else None,
                "suppress_days_left": (rule.expires - a.today).days if rule else None,
                "change": "new" if fid in new else "still_open" if fid in still_open else "",
                "collected_at": a.collected_at or None,
            }
            evidence = flatten_evidence(f.evidence)
            evidence_keys.update(evidence)
            rows.append({**row, **evidence})
    frame = _typed(rows, FINDING_COLUMNS + sorted(evidence_keys))
    frame["suppress_expires"] = to_utc(frame["suppress_expires"]).set_axis(frame.index)
    frame["collected_at"] = to_utc(frame["collected_at"]).set_axis(frame.index)
    frame["suppress_days_left"] = frame["suppress_days_left"].astype("Int64")
    return frame.astype({"suppressed": bool, "cross_account": bool})


def _change_row(account_id: str, account_name: str, change: str, previous: str, f: Finding) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "account_name": account_name,
        "change": change,
        "previous_run": previous,
        "why": "",
        "why_text": "",
        "domain": domain_of(f.check_id).key,
        "finding_id": f.finding_id,
        **{k: getattr(f, k) for k in CHANGE_COLUMNS[8:]},
        "status": str(f.status),
        "severity": str(f.severity),
    }


def changes_frame(accounts: Accounts) -> Frame:
    """What changed since each account's previous run: ``new`` (open now, not before), ``fixed`` (open before, assessed
    now and passed or gone) and ``not_compared`` (open before, its scope not assessed now: ``why`` says why). An
    account whose previous run could not be read is one ``not_compared`` row with the problem; an account with no
    previous run has no row."""
    rows: list[dict[str, Any]] = []
    for account_id, account_name, a in accounts:
        c = a.comparison
        if c is None:
            continue
        if c.problem:
            empty = dict.fromkeys(CHANGE_COLUMNS, "")
            rows.append(
                {
                    **empty,
                    "account_id": account_id,
                    "account_name": account_name,
                    "change": "not_compared",
                    "previous_run": c.previous_run,
                    "why": "previous_unreadable",
                    "why_text": c.problem,
                    "status": None,
                    "severity": None,
                }
            )
            continue
        ui = Catalog(a.lang).ui
        by_id = {f.finding_id: f for f in a.findings}
        rows += [_change_row(account_id, account_name, "new", c.previous_run, by_id[i]) for i in c.new if i in by_id]
        rows += [_change_row(account_id, account_name, "fixed", c.previous_run, f) for f in c.fixed]
        for n in c.not_compared:
            row = _change_row(account_id, account_name, "not_compared", c.previous_run, n.finding)
            row.update(why=n.why, why_text=ui("why_" + n.why, detail=n.detail))
            rows.append(row)
    frame = _typed(rows, CHANGE_COLUMNS)
    frame["change"] = pd.Categorical(frame["change"], categories=CHANGE_ORDER, ordered=True)
    return frame


def permission_for(gap: Gap) -> tuple[str, bool]:
    """The IAM action a gap needs, and whether a permission would close it (the API said access denied; other
    failures — throttling, an endpoint that does not implement the API — need another run, not a permission).
    ``Gap("ec2", "eu-west-1", "DescribeVpcs", "UnauthorizedOperation", "…") -> ("ec2:DescribeVpcs", True)``."""
    said = _PERFORM.search(gap.message or "")
    action = said.group(1) if said else f"{IAM_PREFIX.get(gap.service, gap.service)}:{gap.api}"
    return action, bool(said) or gap.code in DENIED_CODES


def gaps_frame(accounts: Accounts) -> Frame:
    """Every API that could not be collected, per account and region: the checks and domains it left
    NOT_ASSESSED, and the permission that would close it."""
    rows = []
    for account_id, account_name, a in accounts:
        for g in a.gaps:
            permission, denied = permission_for(g)
            rows.append(
                {
                    "account_id": account_id,
                    "account_name": account_name,
                    **{k: getattr(g, k) for k in ("service", "region", "api", "code", "message")},
                    "checks": list(g.checks),
                    "domains": g.domains,
                    "permission": permission,
                    "is_access_denied": denied,
                }
            )
    return _typed(rows, GAP_COLUMNS).astype({"is_access_denied": bool})


def suppressions_frame(accounts: Accounts, tags_of: TagsOf) -> Frame:
    """Every suppression rule each account was assessed with: what it matches, its owner and expiry, the days
    left on the assessment's date, and how many findings it suppressed."""
    rows = []
    for account_id, account_name, a in accounts:
        tags = tags_of(account_id) if _needs_tags(a) else {}
        used: dict[int, int] = {}
        for f in a.findings:
            if f.suppressed:
                rule = rule_of(f, a.suppressions, a.today, tags.get(f.resource_id) or {})
                if rule is not None:
                    used[id(rule)] = used.get(id(rule), 0) + 1
        for rule in a.suppressions:
            rows.append(
                {
                    "account_id": account_id,
                    "account_name": account_name,
                    **rule.model_dump(exclude={"expires"}),
                    "expires": rule.expires.isoformat(),
                    "days_left": (rule.expires - a.today).days,
                    "is_expired": rule.expires < a.today,
                    "findings_suppressed": used.get(id(rule), 0),
                }
            )
    frame = _typed(rows, SUPPRESSION_COLUMNS)
    frame["expires"] = to_utc(frame["expires"]).set_axis(frame.index)
    return frame.astype({"days_left": "Int64", "is_expired": bool, "findings_suppressed": "int64"})
