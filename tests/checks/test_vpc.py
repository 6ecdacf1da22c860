"""BP-VPC-01 … 08 on tiny in-memory snapshots: FAIL, PASS and NOT_ASSESSED for each."""

from __future__ import annotations

import pytest
from awsbp.checks.registry import REGISTRY
from awsbp.checks.run import run_check
from awsbp.checks.spec import CheckSpec
from awsbp.findings import Finding
from awsbp.inventory import Inventory
from awsbp.params import Settings
from factory import (
    ACCOUNT,
    REGION,
    alb,
    db,
    endpoint,
    good_world,
    instance,
    route_table,
    rule,
    sg,
    snapshot,
    subnet,
    subnet_group,
    vpc,
    with_,
)

VPC_CHECKS = sorted(c for c in REGISTRY if c.startswith("BP-VPC"))


def run(check_id: str, data: dict, **kw) -> list[Finding]:
    snap = snapshot(data, **kw)
    settings = Settings()
    return run_check(REGISTRY[check_id], Inventory(snap, settings), settings)


def by(findings: list[Finding], status: str) -> dict[str, Finding]:
    """Findings of one status keyed by '<resource name>:<reason>'."""
    return {f"{f.resource_name}:{f.reason}": f for f in findings if f.status == status}


# --- the compliant world passes everything -----------------------------------------------------
@pytest.mark.parametrize("check_id", VPC_CHECKS)
def test_good_world_has_only_pass(check_id):
    world = good_world()
    if check_id == "BP-VPC-06":  # needs a dev VPC to compare with prod
        dev_vpc(world, private=True)["ec2.DescribeNatGateways"].append({"NatGatewayId": "nat-2", "VpcId": "vpc-dev"})
    findings = run(check_id, world)
    assert findings, "a check must report PASS rows for what it covered"
    assert {f.status for f in findings} == {"PASS"}, [(f.reason, f.resource_name) for f in findings]
    assert all(f.account_id == "111122223333" and f.region == REGION for f in findings)


# --- NOT_ASSESSED: every needed API, removed in turn -------------------------------------------
@pytest.mark.parametrize(
    ("check_id", "api"),
    [(c, f"{s}.{a}") for c in VPC_CHECKS for s, a in REGISTRY[c].needs],
)
def test_missing_input_gives_not_assessed_never_pass(check_id, api):
    findings = run(check_id, good_world(), missing=[api])
    assert [f.status for f in findings] == ["NOT_ASSESSED"]
    assert api in findings[0].evidence["missing"] and "AccessDenied" in findings[0].evidence["missing"]


def test_gap_in_one_region_leaves_other_regions_assessed():
    snap = snapshot(good_world(), regions=[REGION, "us-east-1"])
    snap.data["ec2"]["us-east-1"].pop("DescribeFlowLogs")
    snap.record_error("ec2", "us-east-1", "DescribeFlowLogs", "Throttling", "Rate exceeded")
    findings = run_check(REGISTRY["BP-VPC-08"], Inventory(snap), Settings())
    assert {(f.region, f.status) for f in findings} == {(REGION, "PASS"), ("us-east-1", "NOT_ASSESSED")}


def test_broken_check_is_not_assessed_not_a_crash():
    spec = REGISTRY["BP-VPC-08"]

    def boom(inv, settings):
        raise RuntimeError("bug")

    broken = CheckSpec(spec.id, domain=spec.domain, severity=spec.severity, needs=[], reasons=spec.reasons)
    broken.rule(boom)
    findings = run_check(broken, Inventory(snapshot(good_world())), Settings())
    assert [(f.status, f.reason) for f in findings] == [("NOT_ASSESSED", "check_error")]


# --- BP-VPC-01 -----------------------------------------------------------------------------------
def test_vpc01_two_systems_fail_and_untagged_review():
    w = good_world()
    with_(
        w,
        "ec2.DescribeInstances",
        instance("i-crm", "vpc-prod", "subnet-app", ["sg-web"], "crm-1", System="crm"),
        instance("i-x", "vpc-prod", "subnet-app", ["sg-web"], "mystery"),
    )
    findings = run("BP-VPC-01", w)
    fail = by(findings, "FAIL")["prod:multiple_systems"]
    assert fail.evidence["systems"] == ["crm", "shop"] and fail.severity == "medium"
    assert by(findings, "REVIEW")["prod:untagged_workloads"].evidence["untagged"] == ["mystery"]
    assert not by(findings, "PASS")


def test_vpc01_default_vpc_with_workload_fails():
    w = with_(good_world(), "ec2.DescribeVpcs", vpc("vpc-def", "172.31.0.0/16", "", default=True))
    with_(w, "ec2.DescribeInstances", instance("i-legacy", "vpc-def", "subnet-def", [], "legacy", System="legacy"))
    fail = by(run("BP-VPC-01", w), "FAIL")["default VPC:default_vpc_workloads"]
    assert fail.evidence == {"vpc_name": "default VPC", "workloads": ["legacy"], "count": 1}


# --- BP-VPC-02 -----------------------------------------------------------------------------------
def test_vpc02_ssh_open_to_world_is_critical_and_lb_443_passes():
    w = with_(good_world(), "ec2.DescribeSecurityGroupRules", rule("sg-web", "sgr-ssh", cidr="0.0.0.0/0", port=22))
    findings = run("BP-VPC-02", w)
    fail = by(findings, "FAIL")["web:world_open"]
    assert (fail.severity, fail.resource_id, fail.evidence["ports"], fail.evidence["used_by"]) == (
        "critical",
        "sgr-ssh",
        "22/tcp",
        ["web-1"],
    )
    assert (fail.evidence["admin_ports"], fail.evidence["severity_because"]) == ([22], ["admin_port"])
    assert set(by(findings, "PASS")) == {"alb:internet_lb_public_port", "db:no_world_ingress"}


def test_vpc02_world_on_lb_non_public_port_fails_high_and_dev_raises():
    w = good_world()
    w["ec2.DescribeVpcs"] = [vpc("vpc-prod", "10.0.0.0/16", "dev", env="dev", system="shop")]
    with_(w, "ec2.DescribeSecurityGroupRules", rule("sg-alb", "sgr-8080", cidr="0.0.0.0/0", port=8080))
    fail = by(run("BP-VPC-02", w), "FAIL")["alb:world_open"]
    assert fail.severity == "critical"  # high, raised one step in dev
    assert fail.evidence["severity_because"] == ["dev_environment"]
    w["ec2.DescribeVpcs"] = [vpc("vpc-prod", "10.0.0.0/16", "prod", env="prod")]
    assert by(run("BP-VPC-02", w), "FAIL")["alb:world_open"].severity == "high"


def test_vpc02_internal_lb_and_unattached_group():
    w = good_world()
    w["elbv2.DescribeLoadBalancers"] = [alb("prod-alb", "vpc-prod", ["subnet-pub"], ["sg-alb"], scheme="internal")]
    w["ec2.DescribeNetworkInterfaces"] = w["ec2.DescribeNetworkInterfaces"][:1]
    with_(w, "ec2.DescribeSecurityGroups", sg("sg-old", "vpc-prod", "old"))
    with_(w, "ec2.DescribeSecurityGroupRules", rule("sg-old", "sgr-old", cidr="::/0", proto="-1", port=-1))
    fails = by(run("BP-VPC-02", w), "FAIL")
    assert fails["alb:world_open"].severity == "high"
    assert fails["old:world_open_unattached"].severity == "low"


def test_vpc02_my_ip_slash32_is_fine():
    w = with_(good_world(), "ec2.DescribeSecurityGroupRules", rule("sg-web", "sgr-me", cidr="203.0.113.7/32", port=22))
    assert not by(run("BP-VPC-02", w), "FAIL")


@pytest.mark.parametrize(
    "sources",
    [
        ["0.0.0.0/1", "128.0.0.0/1"],  # the internet in two halves
        ["::/1", "8000::/1"],
        ["3.0.0.0/8"],  # a public /8: sixteen million strangers
        ["2001:db8::/32"],  # a whole provider's IPv6 allocation
        ["3.0.0.0/9", "3.128.0.0/9"],  # a /8 only together
    ],
)
def test_vpc02_judges_the_address_space_a_port_is_open_to(sources):
    rules = [rule("sg-web", f"sgr-{i}", cidr=c, port=22) for i, c in enumerate(sources)]
    findings = run("BP-VPC-02", with_(good_world(), "ec2.DescribeSecurityGroupRules", *rules))
    fails = [f for f in findings if f.reason == "world_open"]
    assert {f.resource_id for f in fails} == {f"sgr-{i}" for i in range(len(sources))}
    assert {f.severity for f in fails} == {"critical"}
    assert "web:no_world_ingress" not in by(findings, "PASS")


def test_vpc02_sources_that_cover_the_internet_only_on_some_ports():
    rules = [
        rule("sg-web", "sgr-low", cidr="3.0.0.0/9", port=0, to=1000),
        rule("sg-web", "sgr-high", cidr="3.128.0.0/9", port=443, to=8080),
        rule("sg-web", "sgr-small", cidr="198.51.100.0/24", port=443),  # a partner's range: not the internet
        rule("sg-web", "sgr-priv", cidr="10.0.0.0/8", port=0, to=65535),  # private: BP-VPC-03's
    ]
    found = run("BP-VPC-02", with_(good_world(), "ec2.DescribeSecurityGroupRules", *rules))
    fails = {f.resource_id: f for f in found if f.status == "FAIL"}
    assert set(fails) == {"sgr-low", "sgr-high"}
    assert fails["sgr-low"].evidence["open_to"] == ["3.0.0.0/8"]
    assert fails["sgr-low"].evidence["together_with"] == ["sgr-high"]
    assert fails["sgr-low"].severity == "high"  # 443-1000: no admin port open to the internet


# --- BP-VPC-03 -----------------------------------------------------------------------------------
def test_vpc03_private_range_fails_and_suggests_source_group():
    w = with_(good_world(), "ec2.DescribeSecurityGroupRules", rule("sg-db", "sgr-cidr", cidr="10.0.10.0/24", port=3306))
    findings = run("BP-VPC-03", w)
    fail = by(findings, "FAIL")["db:private_cidr_source"]
    assert (
        fail.evidence["suggestion"] == [{"group_id": "sg-web", "group_name": "web"}] and fail.resource_id == "sgr-cidr"
    )
    assert "db:groups_only" not in by(findings, "PASS")
    assert "web:groups_only" in by(findings, "PASS")


def test_vpc03_public_cidr_overlapping_vpc_is_flagged():
    w = good_world()
    w["ec2.DescribeVpcs"] = [vpc("vpc-prod", "54.10.0.0/16", "prod", env="prod", system="shop")]
    with_(w, "ec2.DescribeSecurityGroupRules", rule("sg-web", "sgr-own", cidr="54.10.1.0/24", port=80))
    assert "web:private_cidr_source" in by(run("BP-VPC-03", w), "FAIL")


# --- BP-VPC-04 -----------------------------------------------------------------------------------
def test_vpc04_public_instance_fails_bastion_reviewed_or_failed():
    w = good_world()
    with_(w, "ec2.DescribeSecurityGroups", sg("sg-bas", "vpc-prod", "bastion"))
    with_(
        w,
        "ec2.DescribeInstances",
        instance("i-pub", "vpc-prod", "subnet-pub", ["sg-web"], "oops", public_ip="54.1.2.3"),
        instance("i-bas", "vpc-prod", "subnet-pub", ["sg-bas"], "bastion-1", public_ip="54.1.2.4", Role="bastion"),
    )
    findings = run("BP-VPC-04", w)
    assert by(findings, "FAIL")["oops:public_instance"].severity == "high"
    assert "bastion-1:bastion" in by(findings, "REVIEW")
    assert "web-1:private_instance" in by(findings, "PASS")
    with_(w, "ec2.DescribeSecurityGroupRules", rule("sg-bas", "sgr-bas", cidr="0.0.0.0/0", port=22))
    assert by(run("BP-VPC-04", w), "FAIL")["bastion-1:bastion_world_admin"].evidence["open_ports"] == [22]


def test_vpc04_bastion_open_to_the_internet_in_halves_fails():
    w = good_world()
    with_(w, "ec2.DescribeSecurityGroups", sg("sg-bas", "vpc-prod", "bastion"))
    bastion = instance("i-bas", "vpc-prod", "subnet-pub", ["sg-bas"], "bastion-1", Role="bastion")
    with_(w, "ec2.DescribeInstances", bastion)
    with_(
        w,
        "ec2.DescribeSecurityGroupRules",
        rule("sg-bas", "sgr-a", cidr="0.0.0.0/1", port=3389),
        rule("sg-bas", "sgr-b", cidr="128.0.0.0/1", port=3389),
    )
    assert by(run("BP-VPC-04", w), "FAIL")["bastion-1:bastion_world_admin"].evidence["open_ports"] == [3389]


def test_vpc04_public_ip_in_private_subnet_fails_and_no_nat_reviewed():
    w = good_world()
    w["ec2.DescribeInstances"] = [
        instance("i-web", "vpc-prod", "subnet-app", ["sg-web"], "web-1", public_ip="54.9.9.9")
    ]
    w["ec2.DescribeRouteTables"][2] = route_table("rtb-app", "vpc-prod", ["subnet-app"])
    findings = run("BP-VPC-04", w)
    assert "web-1:public_instance" in by(findings, "FAIL")
    assert by(findings, "REVIEW")["prod-app:private_subnet_no_nat"].evidence["instances"] == ["web-1"]


def test_vpc04_main_route_table_decides_unassociated_subnet():
    w = good_world()
    with_(w, "ec2.DescribeSubnets", subnet("subnet-x", "vpc-prod", "10.0.50.0/24", "unassociated"))
    w["ec2.DescribeRouteTables"][0] = route_table("rtb-main", "vpc-prod", main=True, igw="igw-1")
    with_(w, "ec2.DescribeInstances", instance("i-x", "vpc-prod", "subnet-x", ["sg-web"], "via-main"))
    assert "via-main:public_instance" in by(run("BP-VPC-04", w), "FAIL")


def test_vpc04_two_bastions_reviewed():
    w = good_world()
    with_(
        w,
        "ec2.DescribeInstances",
        instance("i-b1", "vpc-prod", "subnet-pub", [], "b1", Role="bastion"),
        instance("i-b2", "vpc-prod", "subnet-pub", [], "b2", Role="bastion"),
    )
    assert by(run("BP-VPC-04", w), "REVIEW")["prod:multiple_bastions"].evidence["count"] == 2


# --- BP-VPC-05 -----------------------------------------------------------------------------------
def test_vpc05_public_db_and_public_subnet_group():
    w = good_world()
    w["rds.DescribeDBInstances"] = [db("open-db", "vpc-prod", "pubgrp", ["subnet-pub"], ["sg-db"], public=True)]
    w["rds.DescribeDBSubnetGroups"] = [subnet_group("pubgrp", "vpc-prod", ["subnet-pub", "subnet-app"])]
    fails = by(run("BP-VPC-05", w), "FAIL")
    assert fails["open-db:publicly_accessible"].severity == "critical"
    assert fails["open-db:publicly_accessible"].evidence == {"db": "open-db", "engine": "mysql"}  # which, and what
    assert fails["pubgrp:public_subnet_in_group"].evidence["public_subnets"] == ["prod-public"]
    assert fails["pubgrp:public_subnet_in_group"].severity == "medium"


# --- BP-VPC-06 -----------------------------------------------------------------------------------
def dev_vpc(world: dict, private: bool) -> dict:
    v = "vpc-dev"
    with_(world, "ec2.DescribeVpcs", vpc(v, "10.1.0.0/16", "dev", env="dev", system="shop"))
    with_(world, "ec2.DescribeSubnets", subnet("subnet-dpub", v, "10.1.0.0/24", "dev-public"))
    with_(
        world,
        "ec2.DescribeRouteTables",
        route_table("rtb-dmain", v, main=True),
        route_table("rtb-dpub", v, ["subnet-dpub"], igw="igw-2"),
    )
    if private:
        with_(world, "ec2.DescribeSubnets", subnet("subnet-dapp", v, "10.1.10.0/24", "dev-app"))
        with_(world, "ec2.DescribeInstances", instance("i-dapp", v, "subnet-dapp", [], "dev-app-1", System="shop"))
    else:
        with_(world, "ec2.DescribeInstances", instance("i-dapp", v, "subnet-dpub", [], "dev-app-1", System="shop"))
    return world


def test_vpc06_dev_without_private_tier_fails_twice():
    fails = by(run("BP-VPC-06", dev_vpc(good_world(), private=False)), "FAIL")
    assert set(fails) == {"dev:missing_private_tier", "dev:public_workloads"}
    assert fails["dev:public_workloads"].evidence["workloads"] == ["dev-app-1"]


def test_vpc06_dev_with_private_tier_but_no_nat_is_review_then_pass():
    w = dev_vpc(good_world(), private=True)
    assert set(by(run("BP-VPC-06", w), "REVIEW")) == {"dev:nat_differs"}
    w["ec2.DescribeNatGateways"].append({"NatGatewayId": "nat-2", "VpcId": "vpc-dev", "State": "available"})
    assert set(by(run("BP-VPC-06", w), "PASS")) == {"dev:same_structure"}


def test_vpc06_no_environment_tags_and_no_prod_to_compare():
    w = good_world()
    w["ec2.DescribeVpcs"] = [vpc("vpc-prod", "10.0.0.0/16", "prod")]
    assert [f.reason for f in run("BP-VPC-06", w)] == ["no_environment_tags"]
    w["ec2.DescribeVpcs"] = [vpc("vpc-prod", "10.0.0.0/16", "lonely-dev", env="Development")]
    assert [(f.status, f.reason) for f in run("BP-VPC-06", w)] == [("REVIEW", "no_prod_to_compare")]


# --- BP-VPC-07 -----------------------------------------------------------------------------------
def test_vpc07_no_s3_gateway_fails_and_missing_interfaces_reviewed():
    w = good_world()
    w["ec2.DescribeVpcEndpoints"] = [endpoint("vpce-ssm", "vpc-prod", "ssm"), endpoint("vpce-x", "vpc-prod", "s3")]
    findings = run("BP-VPC-07", w)
    assert by(findings, "FAIL")["prod:no_s3_gateway"].severity == "low"  # an S3 *interface* endpoint is not the gateway
    review = by(findings, "REVIEW")["prod:missing_interface_endpoints"]
    assert review.evidence["count"] == 8 and "ssm," not in review.evidence["missing"]


def test_vpc07_vpc_without_private_workloads_is_not_judged():
    w = good_world()
    w["ec2.DescribeInstances"], w["rds.DescribeDBInstances"], w["ec2.DescribeVpcEndpoints"] = [], [], []
    assert run("BP-VPC-07", w) == []


# --- BP-VPC-08 -----------------------------------------------------------------------------------
def test_vpc08_no_flow_logs_fails_medium_and_empty_vpc_low():
    w = good_world()
    w["ec2.DescribeFlowLogs"] = [{"FlowLogId": "fl-1", "ResourceId": "vpc-prod", "FlowLogStatus": "ACTIVE"}]
    with_(w, "ec2.DescribeVpcs", vpc("vpc-empty", "10.9.0.0/16", "empty"))
    fails = by(run("BP-VPC-08", w), "FAIL")
    assert fails["empty:no_flow_logs"].severity == "low"
    w["ec2.DescribeFlowLogs"] = []
    assert by(run("BP-VPC-08", w), "FAIL")["prod:no_flow_logs"].severity == "medium"


def test_eni_of_load_balancer_counts_as_internet_lb_even_without_lb_group_list():
    w = good_world()
    w["elbv2.DescribeLoadBalancers"] = [alb("prod-alb", "vpc-prod", ["subnet-pub"], [])]
    assert "alb:internet_lb_public_port" in by(run("BP-VPC-02", w), "PASS")


# --- BP-VPC-06 across accounts (batch) ------------------------------------------------------------
def two_accounts(dev_private: bool, prod_missing: list[str] = ()) -> list[Inventory]:
    """A dev account holding only a dev VPC of system shop, and a prod account holding good_world's prod VPC."""
    prod = snapshot(good_world(), missing=list(prod_missing))
    prod.meta.update(account_id="444455556666", account_name="acme-prod")
    world = dev_vpc({}, private=dev_private)
    if dev_private:  # a NAT like prod's, so the structures match
        with_(world, "ec2.DescribeNatGateways", {"NatGatewayId": "nat-2", "VpcId": "vpc-dev"})
    dev = snapshot(world)
    dev.meta["account_name"] = "acme-dev"
    return [Inventory(dev), Inventory(prod)]


def test_vpc06_across_accounts_fails_where_dev_account_lacks_prod_structure():
    from awsbp.checks.vpc import dev_matches_prod_across_accounts

    dev, prod = two_accounts(dev_private=False)
    assert {f.reason: f.status for f in run_check(REGISTRY["BP-VPC-06"], dev, Settings())} == {
        "no_prod_to_compare": "REVIEW"  # inside its own account there is nothing to compare with
    }
    findings = dev_matches_prod_across_accounts([dev, prod])
    assert sorted((f.account_id, f.status, f.reason) for f in findings) == [
        (ACCOUNT, "FAIL", "missing_private_tier"),
        (ACCOUNT, "FAIL", "public_workloads"),
    ]
    assert findings[0].evidence["prod_vpcs"] == ["acme-prod: prod"]


def test_vpc06_across_accounts_passes_when_structures_match():
    from awsbp.checks.vpc import dev_matches_prod_across_accounts

    findings = dev_matches_prod_across_accounts(two_accounts(dev_private=True))
    assert [(f.account_id, f.status, f.reason) for f in findings] == [(ACCOUNT, "PASS", "same_structure")]


def test_vpc06_across_accounts_not_assessed_when_prod_layout_is_unreadable():
    from awsbp.checks.vpc import dev_matches_prod_across_accounts

    findings = dev_matches_prod_across_accounts(two_accounts(False, prod_missing=["ec2.DescribeVpcs"]))
    assert [(f.status, f.reason, f.evidence["accounts"]) for f in findings] == [
        ("NOT_ASSESSED", "prod_unreadable", ["acme-prod"])
    ]
    # a system that exists nowhere else: nothing to say across accounts
    dev, prod = two_accounts(dev_private=False)
    prod.network.vpcs["system"] = "billing"
    assert dev_matches_prod_across_accounts([dev, prod]) == []
