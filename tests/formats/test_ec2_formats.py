"""EC2 answers moto does not produce: IPv6 rules (``::/0``, ULA), prefix-list sources, groups of another account
across a peering, interfaces AWS services own (load balancers, NAT gateway, Lambda, RDS, VPC endpoints) with
their ``RequesterId`` / ``InterfaceType`` / ``Description``, instances without any tag, a terminated
instance still listed, an egress-only IPv6 route and a blackhole route (:func:`formats.worlds.shop_network`)."""

from __future__ import annotations

import pytest

from formats import harness
from formats.samples import REGION, sg_rule
from formats.verdicts import of, only, verdicts
from formats.worlds import collected

PASS, FAIL, REVIEW = "PASS", "FAIL", "REVIEW"


@pytest.fixture(scope="module")
def inventory():
    return harness.inventory_of(collected("shop").snapshot())


def test_world_open_ingress_ipv4_and_ipv6(shop_findings):
    found = verdicts(shop_findings, "BP-VPC-02")
    rules = {rid: (reason, status) for (rid, reason), status in found.items() if rid.startswith("sgr-")}
    assert rules == {
        "sgr-0alb4": ("internet_lb_public_port", PASS),
        "sgr-0alb6": ("internet_lb_public_port", PASS),  # ::/0 on the ALB
        "sgr-0nlb6": ("internet_lb_public_port", PASS),  # NLB interface: InterfaceType network_load_balancer
        "sgr-0classic": ("internet_lb_public_port", PASS),  # classic ELB: "ELB <name>"
        "sgr-0ssh6": ("world_open", FAIL),  # SSH from ::/0
        "sgr-0rdp": ("world_open_unattached", FAIL),
        "sgr-0devssh": ("world_open", FAIL),
        "sgr-0devweb": ("world_open", FAIL),  # used by an instance and by an RDS interface
    }
    severity = {f.resource_id: str(f.severity) for f in shop_findings if f.check_id == "BP-VPC-02"}
    assert severity["sgr-0ssh6"] == "critical" and severity["sgr-0rdp"] == "low"
    assert severity["sgr-0devweb"] == "critical"  # high, raised one step in a dev VPC
    no_world = {gid for (gid, reason) in found if reason == "no_world_ingress"}
    assert {"sg-0bastion", "sg-0app", "sg-0db", "sg-0lambda", "sg-0vpce", "sg-0default"} <= no_world


def test_address_sources_inside_the_vpc(shop_findings):
    found = verdicts(shop_findings, "BP-VPC-03")
    flagged = {rid for (rid, reason), status in found.items() if reason == "private_cidr_source" and status == FAIL}
    assert flagged == {"sgr-0app-ula", "sgr-0app-icmp", "sgr-0vpce", "sgr-0devudp"}  # IPv6 ULA, ICMP, own CIDR, UDP
    assert found[("sg-0db", "groups_only")] == PASS  # its own app group and a partner account's group over peering
    assert found[("sg-0default", "groups_only")] == PASS  # self-reference
    assert "sgr-0app-pl" not in {rid for rid, _ in found}  # prefix lists are not addresses inside the VPC
    suggestion = only(shop_findings, "BP-VPC-03", "sgr-0vpce", "private_cidr_source").evidence["suggestion"]
    assert suggestion[0] == {"group_id": "sg-0app", "group_name": "app"}  # most interfaces in 10.20.0.0/16 use it


def test_private_subnets_bastions_and_nat(shop_findings):
    found = verdicts(shop_findings, "BP-VPC-04")
    assert found[("i-0web1", "private_instance")] == PASS  # ::/0 to an egress-only gateway stays private
    assert found[("i-0web2", "private_instance")] == PASS  # no tags at all
    assert found[("i-0stopped", "private_instance")] == PASS
    assert found[("i-0bastion1", "bastion_world_admin")] == FAIL  # SSH from ::/0
    assert found[("i-0bastion2", "bastion")] == REVIEW  # Role=Bastion: tag values compare without case
    assert found[("vpc-0prod", "multiple_bastions")] == REVIEW
    assert found[("i-0dev1", "public_instance")] == FAIL
    assert found[("i-0legacy", "public_instance")] == FAIL
    assert found[("subnet-0iso-a", "private_subnet_no_nat")] == REVIEW  # its NAT route is a blackhole
    assert only(shop_findings, "BP-VPC-04", "i-0web2", "private_instance").resource_name == "i-0web2"


def test_a_terminated_instance_still_listed_is_nowhere(shop_findings, inventory):
    assert "i-0old" not in set(inventory.network.instances["instance_id"])
    assert not [f for f in shop_findings if f.resource_id == "i-0old"]
    stored = collected("shop").snapshot().items("ec2", REGION, "DescribeInstances")
    assert any(i["InstanceId"] == "i-0old" for i in stored)  # collected, as AWS lists it for about an hour


def test_interfaces_of_aws_services(inventory):
    enis = inventory.network.network_interfaces.set_index("eni_id")
    assert enis.loc["eni-0alb-a", "requester_id"] == "amazon-elb"
    assert enis.loc["eni-0lambda", "interface_type"] == "lambda"
    assert enis.loc["eni-0nat", "group_ids"] == []  # NAT gateway interfaces have no security group
    usage = inventory.network.sg_usage
    users = {gid: sorted(zip(g["resource_type"], g["name"], strict=True)) for gid, g in usage.groupby("group_id")}
    assert users["sg-0alb"] == [("load_balancer", "web-alb")]  # two interfaces, one load balancer
    assert users["sg-0nlb"] == [("load_balancer", "api-nlb")]
    assert users["sg-0classic"] == [("load_balancer", "legacy-web")]
    assert ("lambda_function", "orders-handler") in users["sg-0lambda"]
    assert ("db_instance", "shop-db-1") in users["sg-0db"]
    assert ("network_interface", "RDSNetworkInterface") in users["sg-0db"]
    assert users["sg-0vpce"] == [("network_interface", "VPC Endpoint Interface vpce-0ssm")]
    internet = usage[usage["is_internet_lb"]]
    assert set(internet["group_id"]) == {"sg-0alb", "sg-0nlb", "sg-0classic"}


def test_rules_of_every_source_kind(inventory):
    rules = inventory.network.sg_rules.set_index("rule_id")
    assert rules.loc["sgr-0app-pl", "prefix_list_id"] == "pl-0corp" and rules.loc["sgr-0app-pl", "cidr"] == ""
    assert rules.loc["sgr-0db-partner", "ref_group_id"] == "sg-0partner"
    assert rules.loc["sgr-0alb6", "cidr"] == "::/0"
    assert rules.loc["sgr-0app-icmp", "ports"] == "all/icmp"
    assert rules.loc["sgr-0default", "ports"] == "all"


def test_instances_without_a_role_or_with_imdsv1(shop_findings):
    found = verdicts(shop_findings, "BP-IAM-04")
    assert found[("i-0web2", "imdsv1_with_role")] == FAIL
    assert found[("i-0batch", "instance_without_role")] == FAIL
    assert found[("i-0web1", "instance_with_role")] == PASS
    assert not of(shop_findings, "BP-IAM-04", "i-0stopped")  # only running instances hold credentials


def _with_rules(shop, *rules):
    shop.data["ec2"][REGION]["DescribeSecurityGroupRules"] += list(rules)
    return harness.findings_of(shop, ["BP-VPC-02", "BP-VPC-04"])


def test_a_public_single_address_is_fine(shop):
    found = _with_rules(shop, sg_rule("sg-0app", "sgr-x-myip", cidr="198.51.100.7/32", ports=(22, 22)))
    assert not [f for f in found if f.resource_id == "sgr-x-myip"]


@pytest.mark.parametrize(
    "cidrs",
    [("0.0.0.0/1", "128.0.0.0/1"), ("::/1", "8000::/1"), ("3.0.0.0/8",)],
    ids=["ipv4-halves", "ipv6-halves", "public-slash-8"],
)
def test_rules_that_together_open_a_port_to_the_internet(shop, cidrs):
    rules = [sg_rule("sg-0app", f"sgr-x{i}", cidr=c, ports=(22, 22)) for i, c in enumerate(cidrs)]
    found = _with_rules(shop, *rules)
    assert ("sg-0app", "no_world_ingress") not in verdicts(found, "BP-VPC-02")
    assert {f.status for f in found if f.check_id == "BP-VPC-02" and f.resource_id.startswith("sgr-x")} == {"FAIL"}
