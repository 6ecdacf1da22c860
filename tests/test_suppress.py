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


def test_rules_can_match_on_resource_tags():
    tags = {"sgr-1": {"Environment": "sandbox", "Owner": "lab"}, "sgr-2": {"Environment": "prod"}}
    findings = apply(
        [finding(), finding(resource="sgr-2", name="prod-ssh"), finding(resource="sgr-3", name="untagged")],
        [rule(tags={"Environment": "sand*", "Owner": "lab"})],
        TODAY,
        tags,
    )
    assert [f.suppressed for f in findings] == [True, False, False]  # untagged never matches a tag rule
    assert not apply([finding()], [rule(tags={"Owner": "someone-else"})], TODAY, tags)[0].suppressed


def test_suppressions_file_is_added_to_the_params(tmp_path):
    from awsbp.params import load

    (tmp_path / "accepted.yaml").write_text(
        "- {check: BP-VPC-02, resource: 'bastion-*', reason: office VPN only, owner: net, expires: 2027-03-31}\n"
        "- {check: BP-IAM-*, tags: {Team: data}, reason: reviewed quarterly, owner: sec, expires: 2027-01-31}\n",
        encoding="utf-8",
    )
    params = tmp_path / "acme.yaml"
    params.write_text(
        "client: acme\nsuppressions_file: accepted.yaml\nsuppressions:\n"
        "  - {check: BP-VPC-08, reason: no flow logs in lab, owner: net, expires: 2027-03-31}\n",
        encoding="utf-8",
    )
    loaded = load(params)
    assert [(s.check, s.tags) for s in loaded.suppressions] == [
        ("BP-VPC-08", {}),
        ("BP-VPC-02", {}),
        ("BP-IAM-*", {"Team": "data"}),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such suppressions file; fix `suppressions_file`"),
        ("- {check: BP-VPC-02, owner: net, expires: 2027-03-31}\n", "suppressions.0.reason: required key is missing"),
        ("check: BP-VPC-02\n", "expected a list of suppressions"),
        ("- [unclosed\n", "not valid YAML"),
    ],
)
def test_a_bad_suppressions_file_is_one_clear_line(tmp_path, content, message):
    from awsbp.params import load

    if content is not None:
        (tmp_path / "accepted.yaml").write_text(content, encoding="utf-8")
    params = tmp_path / "acme.yaml"
    params.write_text("client: acme\nsuppressions_file: accepted.yaml\n", encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        load(params)
    text = str(err.value)
    assert "\n" not in text and message in text and "accepted.yaml" in text


def test_inventory_knows_resource_tags_for_tag_rules():
    from awsbp.checks.run import run_checks
    from awsbp.inventory import Inventory
    from factory import good_world, instance, snapshot, with_

    world = with_(
        good_world(), "ec2.DescribeInstances", instance("i-lab", "vpc-prod", "subnet-pub", [], "lab-1", Team="lab")
    )
    inv = Inventory(snapshot(world))
    assert inv.resource_tags["i-lab"]["Team"] == "lab" and inv.resource_tags["vpc-prod"]["Environment"] == "prod"
    findings = [f for f in run_checks(inv, inv.settings) if f.resource_id == "i-lab" and f.status == Status.FAIL]
    assert findings  # a public instance
    marked = apply(findings, [rule(check="BP-*", tags={"Team": "lab"})], TODAY, inv.resource_tags)
    assert all(f.suppressed for f in marked)
