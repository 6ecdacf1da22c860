"""A check's specification: the one place that says what a check is.

Like parliament's ``config.yaml`` beside its auditors, each check declares as data its id, domain, the APIs it
needs (from which NOT_ASSESSED is derived), its framework references, the article point it implements, and every
*reason* it can report with that reason's status and default severity. The catalog, the tests and the reports read
this spec; a check body only says which reason applies to which resource::

    VPC_05 = CheckSpec(
        "BP-VPC-05", domain="vpc", severity=CRITICAL, needs=["rds.DescribeDBInstances"],
        reasons={"publicly_accessible": Reason(FAIL, CRITICAL), "private_db": Reason(PASS, CRITICAL)},
    )

    @VPC_05.rule
    def rds_not_public(inv, settings):
        return [VPC_05.finding("private_db", "eu-west-1", "db_instance", "orders")]

A reason the spec does not declare raises at once: words and verdicts never go missing silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from awsbp.findings import Finding, Severity, Status

if TYPE_CHECKING:
    from awsbp.inventory import Inventory
    from awsbp.params import Settings

CheckFunc = Callable[["Inventory", "Settings"], list[Finding]]

NOT_ASSESSED_REASON = "not_assessed"
"""The reason of the NOT_ASSESSED finding the runner writes for a scope whose needed data is missing."""
CHECK_ERROR_REASON = "check_error"
"""The reason of the NOT_ASSESSED finding the runner writes when the check itself raised."""
RUNNER_REASONS = (NOT_ASSESSED_REASON, CHECK_ERROR_REASON)


@dataclass(frozen=True)
class Reason:
    """What one reason code means: its status and default severity (a check may raise or lower the severity
    for a given resource, e.g. BP-VPC-02 for admin ports)."""

    status: Status
    severity: Severity


@dataclass(eq=False)
class CheckSpec:
    """One check: metadata as data, and the rule (``(inventory, settings) -> findings``) attached with
    :meth:`rule`."""

    id: str
    domain: str
    severity: Severity
    needs: tuple[tuple[str, str], ...]
    reasons: Mapping[str, Reason]
    refs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    article: str = ""
    """Key of the article point this check implements (``catalog/<lang>/article.md``); empty = beyond the
    article."""
    func: CheckFunc | None = None

    def __init__(
        self,
        id: str,
        *,
        domain: str,
        severity: Severity,
        needs: Iterable[str],
        reasons: Mapping[str, Reason],
        refs: Mapping[str, Iterable[str]] | None = None,
        article: str = "",
    ):
        self.id = id
        self.domain = domain
        self.severity = Severity(severity)
        self.needs = tuple(_api(name) for name in needs)
        if not reasons:
            raise ValueError(f"{id}: a check declares at least one reason")
        clash = set(reasons) & set(RUNNER_REASONS)
        if clash:
            raise ValueError(f"{id}: reasons {sorted(clash)} are reserved for the runner")
        self.reasons = dict(reasons)
        self.refs = {k: tuple(v) for k, v in (refs or {}).items()}
        self.article = article
        self.func = None

    def rule(self, func: CheckFunc) -> CheckFunc:
        """Attach the function that applies this check (used as a decorator)."""
        if self.func is not None:
            raise ValueError(f"{self.id}: rule attached twice")
        self.func = func
        return func

    def finding(
        self,
        reason: str,
        region: str,
        resource_type: str,
        resource_id: str,
        *,
        severity: Severity | None = None,
        name: str = "",
        environment: str = "",
        arn: str = "",
        **evidence: Any,
    ) -> Finding:
        """A finding of this check for one resource: status (and default severity) from the declared reason;
        account and words are filled later (the runner fills the account, the catalog the words)."""
        try:
            declared = self.reasons[reason]
        except KeyError:
            raise KeyError(f"{self.id}: reason {reason!r} is not declared in its spec") from None
        return Finding(
            check_id=self.id,
            status=declared.status,
            severity=severity or declared.severity,
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

    def gap(
        self,
        account_id: str,
        region: str,
        missing: list[str],
        reason: str = NOT_ASSESSED_REASON,
        *,
        actions: Iterable[str] = (),
        cause: str = "",
    ) -> Finding:
        """The NOT_ASSESSED finding for a scope (account/region) whose data is missing: ``missing`` in one line per
        API (technical, for the exports and the gaps section), and for the client's sentence the IAM ``actions``
        that were not read and the ``cause`` (a :func:`awsbp.gaps.gap_advice` key)."""
        words = {"actions": sorted(set(actions)), "cause": cause} if actions else {}
        return Finding(
            check_id=self.id,
            status=Status.NOT_ASSESSED,
            severity=self.severity,
            account_id=account_id,
            region=region,
            resource_type="scope",
            resource_id=f"{account_id}/{region}",
            reason=reason,
            resource_name=f"{account_id}/{region}",
            evidence={"missing": "; ".join(missing), **words},
        )


def _api(name: str) -> tuple[str, str]:
    service, sep, api = name.partition(".")
    if not sep or not service or not api:
        raise ValueError(f"needs entries are 'service.Api', got {name!r}")
    return service, api
