"""Suppressions: matching, expiry, and that suppressed findings stay in the data."""

from __future__ import annotations

from datetime import date

import pytest
from awsbp.errors import ParamsError
from awsbp.findings import Finding, Severity, Status
from awsbp.params import Suppression, parse
from awsbp.suppress import apply

TODAY = date(2026, 11, 28)


def finding(check="BP-VPC-02", resource="sgr-1", name="bastion-ssh", status=Status.FAIL) -> Finding:
    return Finding(
        check,
        status,
        Severity.HIGH,
        "111122223333",
        "eu-west-1",
        "security_group_rule",
        resource,
        reason="world_open",
        resource_name=name,
    )


def rule(**kw) -> Suppression:
    return Suppression.model_validate(
        {"check": "BP-VPC-*", "reason": "office VPN only", "owner": "net-team", "expires": "2027-03-31", **kw}
    )


def test_live_rule_suppresses_matching_fail_and_review_only():
    findings = apply(
        [finding(), finding(name="other", resource="sgr-2"), finding(status=Status.PASS)],
        [rule(resource="bastion-*")],
        TODAY,
    )
    assert [f.suppressed for f in findings] == [True, False, False]
    assert findings[0].suppress_reason == "office VPN only (owner: net-team, until 2027-03-31)"
    assert findings[0].status == "FAIL"  # still in the data, still a FAIL


def test_expired_rule_no_longer_suppresses_and_says_so():
    [f] = apply([finding()], [rule(expires="2026-11-01")], TODAY)
    assert not f.suppressed and f.suppress_reason.startswith("EXPIRED 2026-11-01")


def test_account_and_region_must_match():
    assert not apply([finding()], [rule(account="999999999999")], TODAY)[0].suppressed
    assert not apply([finding()], [rule(region="us-*")], TODAY)[0].suppressed


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"check": "BP-VPC-02", "owner": "x", "expires": "2027-01-01"}, "suppressions.0.reason"),
        ({"check": "BP-VPC-02", "reason": "ok ok", "owner": "x"}, "suppressions.0.expires"),
        ({"check": "VPC-02", "reason": "ok ok", "owner": "x", "expires": "2027-01-01"}, "suppressions.0.check"),
    ],
)
def test_reason_owner_and_expiry_are_required(entry, message):
    with pytest.raises(ParamsError, match=message):
        parse({"client": "acme", "suppressions": [entry]})
