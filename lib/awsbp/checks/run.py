"""Running checks: each check over one inventory, with NOT_ASSESSED derived from the collection's gaps.

For a region where an API a check ``needs`` was not collected, the check's findings for that region are
dropped and replaced by one NOT_ASSESSED finding that names the failed API; a global gap drops every finding
of the check, wherever it is reported. Findings of the account as a whole (region ``global``) of a check
with a regional gap keep only what was found — a FAIL or REVIEW found in the regions that were read stands,
the gap can only hide more — and lose their PASS, which the missing region could contradict. A check can
therefore never report PASS on missing data. A check that raises becomes a NOT_ASSESSED ``check_error``
finding, never a crash of the run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from awsbp.checks.registry import REGISTRY
from awsbp.checks.spec import CHECK_ERROR_REASON, CheckSpec
from awsbp.findings import Finding, Status
from awsbp.gaps import gap_advice, iam_action
from awsbp.inventory import Inventory
from awsbp.params import Settings
from awsbp.snapshot import GLOBAL


@dataclass(frozen=True)
class Missing:
    """One API a check needs that was not read in one region."""

    service: str
    api: str
    region: str
    code: str | None  # the recorded error code; None when it was not asked
    line: str  # one technical line (``ec2.DescribeVpcs in eu-west-1: AccessDenied: …``)


def missing_inputs(spec: CheckSpec, inventory: Inventory) -> dict[str, list[Missing]]:
    """Per region (or ``global``), the needed APIs that are absent, each with why."""
    snapshot = inventory.snapshot
    regional = any(snapshot.region_of(service, "") == "" for service, _ in spec.needs)
    out: dict[str, list[Missing]] = {}
    for region in (inventory.regions if regional else []) or [GLOBAL]:
        found = []
        for service, api in spec.needs:
            where = snapshot.region_of(service, region)
            if not snapshot.has(service, where, api):
                err = snapshot.error_for(service, where, api)
                line = snapshot.missing_reason(service, where, api)
                found.append(Missing(service, api, where, err["code"] if err else None, line))
        if found:
            out[region] = sorted(set(found), key=lambda m: m.line)
    return out


def gap_finding(spec: CheckSpec, account: str, region: str, missing: list[Missing]) -> Finding:
    """The NOT_ASSESSED finding of one region's gap: the technical lines, the IAM actions and the first cause."""
    return spec.gap(
        account,
        region,
        [m.line for m in missing],
        actions=[iam_action(m.service, m.api) for m in missing],
        cause=gap_advice(missing[0].code),
    )


def run_check(spec: CheckSpec, inventory: Inventory, settings: Settings) -> list[Finding]:
    """One check over one inventory, with gaps turned into NOT_ASSESSED and account ids filled."""
    account = inventory.account_id
    gaps = missing_inputs(spec, inventory)
    gap_findings = [gap_finding(spec, account, region, missing) for region, missing in gaps.items()]
    try:
        found = spec.func(inventory, settings) if spec.func else []
    except Exception as err:  # noqa: BLE001 - a broken check must show as a gap, not crash the run
        failure = spec.gap(account, GLOBAL, [f"check failed: {type(err).__name__}: {err}"], CHECK_ERROR_REASON)
        return [failure, *gap_findings]
    snapshot = inventory.snapshot
    global_gap = any(
        not snapshot.has(service, GLOBAL, api) for service, api in spec.needs if snapshot.region_of(service, "")
    )
    kept = []
    for finding in found:
        if finding.region in gaps:
            continue
        if finding.region == GLOBAL and gaps and (global_gap or finding.status == Status.PASS):
            continue
        finding.account_id = account
        kept.append(finding)
    return kept + gap_findings


def run_checks(inventory: Inventory, settings: Settings, domains: Iterable[str] | None = None) -> list[Finding]:
    """Every registered check (optionally of some domains) over one inventory, sorted by check id."""
    wanted = set(domains) if domains else None
    findings: list[Finding] = []
    for spec in REGISTRY.values():
        if wanted is None or spec.domain in wanted:
            findings.extend(run_check(spec, inventory, settings))
    return findings
