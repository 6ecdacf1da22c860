"""The check registry: metadata per check, and running checks with NOT_ASSESSED derived from gaps.

A check is ``(inventory, settings) -> list[Finding]`` registered with :func:`check`. The runner
compares each check's ``needs`` with the snapshot: for a region where a needed API was not
collected, the check's findings for that region are dropped and replaced by one NOT_ASSESSED
finding that names the failed API. A check can therefore never report PASS on missing data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from awsbp.findings import Finding, Severity, Status
from awsbp.inventory import Inventory
from awsbp.params import Settings
from awsbp.snapshot import GLOBAL

CheckFunc = Callable[[Inventory, Settings], list[Finding]]
NOT_ASSESSED_REASON = "not_assessed"
CHECK_ERROR_REASON = "check_error"


@dataclass(frozen=True)
class CheckSpec:
    """Metadata of one check; words (title, commentary, messages) live in the catalog."""

    id: str
    domain: str
    severity: Severity
    needs: tuple[tuple[str, str], ...]
    refs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    func: CheckFunc | None = None


REGISTRY: dict[str, CheckSpec] = {}


def check(
    id: str,
    *,
    domain: str,
    severity: Severity | str,
    needs: Iterable[str],
    refs: dict[str, Iterable[str]] | None = None,
) -> Callable[[CheckFunc], CheckFunc]:
    """Register a check. ``needs`` are ``service.Api`` names, e.g. ``"ec2.DescribeVpcs"``."""

    def register(func: CheckFunc) -> CheckFunc:
        if id in REGISTRY:
            raise ValueError(f"check {id} registered twice")
        pairs = tuple(tuple(n.split(".", 1)) for n in needs)
        REGISTRY[id] = CheckSpec(
            id=id,
            domain=domain,
            severity=Severity(severity),
            needs=pairs,  # type: ignore[arg-type]
            refs={k: tuple(v) for k, v in (refs or {}).items()},
            func=func,
        )
        return func

    return register


def emit(
    check_id: str,
    status: Status,
    severity: Severity,
    region: str,
    resource_type: str,
    resource_id: str,
    reason: str,
    *,
    name: str = "",
    environment: str = "",
    arn: str = "",
    **evidence: Any,
) -> Finding:
    """A finding without account or words; :func:`run_checks` fills the account, the catalog the words."""
    return Finding(
        check_id=check_id,
        status=status,
        severity=severity,
        account_id="",
        region=region,
        resource_type=resource_type,
        resource_id=resource_id,
        reason=reason,
        resource_name=name or resource_id,
        resource_arn=arn,
        environment=environment,
        evidence=evidence,
    )


def missing_inputs(spec: CheckSpec, inventory: Inventory) -> dict[str, list[str]]:
    """Per region (or ``global``), the one-line reasons of the needed APIs that are absent."""
    snapshot = inventory.snapshot
    scopes = list(inventory.regions) if any(snapshot.region_of(s, "") == "" for s, _ in spec.needs) else []
    out: dict[str, list[str]] = {}
    for region in scopes or [GLOBAL]:
        reasons = [
            snapshot.missing_reason(service, snapshot.region_of(service, region), api)
            for service, api in spec.needs
            if not snapshot.has(service, snapshot.region_of(service, region), api)
        ]
        if reasons:
            out[region] = sorted(set(reasons))
    return out


def _gap(spec: CheckSpec, account_id: str, region: str, reasons: list[str], reason: str) -> Finding:
    finding = emit(
        spec.id,
        Status.NOT_ASSESSED,
        spec.severity,
        region,
        "scope",
        f"{account_id}/{region}",
        reason,
        missing="; ".join(reasons),
    )
    finding.account_id = account_id
    return finding


def run_check(spec: CheckSpec, inventory: Inventory, settings: Settings) -> list[Finding]:
    """One check over one inventory, with gaps turned into NOT_ASSESSED and account ids filled."""
    account = inventory.account_id
    gaps = missing_inputs(spec, inventory)
    try:
        found = spec.func(inventory, settings) if spec.func else []
    except Exception as err:  # noqa: BLE001 - a broken check must show as a gap, not crash the run
        found = [_gap(spec, account, GLOBAL, [f"check failed: {type(err).__name__}: {err}"], CHECK_ERROR_REASON)]
        return found + [_gap(spec, account, r, reasons, NOT_ASSESSED_REASON) for r, reasons in gaps.items()]
    kept = []
    for finding in found:
        if finding.region in gaps or (gaps and finding.region == GLOBAL):
            continue
        finding.account_id = account
        kept.append(finding)
    kept.extend(_gap(spec, account, region, reasons, NOT_ASSESSED_REASON) for region, reasons in gaps.items())
    return kept


def run_checks(
    inventory: Inventory, settings: Settings | None = None, domains: Iterable[str] | None = None
) -> list[Finding]:
    """Every registered check (optionally of some domains) over one inventory."""
    from awsbp.checks import load_all

    load_all()
    settings = settings or inventory.settings
    wanted = set(domains) if domains else None
    findings: list[Finding] = []
    for spec in sorted(REGISTRY.values(), key=lambda s: s.id):
        if wanted is None or spec.domain in wanted:
            findings.extend(run_check(spec, inventory, settings))
    return findings
