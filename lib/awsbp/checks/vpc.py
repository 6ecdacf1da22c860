"""VPC layout and access control: BP-VPC-01 … BP-VPC-08 (rules in CHECKS.md, words in the catalog)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from awsbp.checks.spec import CheckSpec, Reason
from awsbp.findings import Finding, Severity, Status
from awsbp.inventory import ALL_PORTS, WORLD, Inventory, cidr_overlaps, is_private_cidr
from awsbp.params import Settings

FAIL, PASS, REVIEW, NOT_ASSESSED = Status.FAIL, Status.PASS, Status.REVIEW, Status.NOT_ASSESSED
CRIT, HIGH, MED, LOW, INFO = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFORMATIONAL)

WORKLOAD_APIS = [
    "ec2.DescribeInstances",
    "rds.DescribeDBInstances",
    "elbv2.DescribeLoadBalancers",
    "elb.DescribeLoadBalancers",
    "lambda.ListFunctions",
]
LAYOUT_APIS = ["ec2.DescribeVpcs", "ec2.DescribeSubnets", "ec2.DescribeRouteTables"]
SG_APIS = ["ec2.DescribeSecurityGroups", "ec2.DescribeSecurityGroupRules", "ec2.DescribeNetworkInterfaces"]
DEV_PROD_APIS = [*LAYOUT_APIS, "ec2.DescribeNatGateways", "ec2.DescribeInstances", "rds.DescribeDBInstances"]

VPC_01 = CheckSpec(
    "BP-VPC-01",
    domain="vpc",
    severity=MED,
    needs=["ec2.DescribeVpcs", *WORKLOAD_APIS],
    article="vpc.one_system",
    reasons={
        "default_vpc_workloads": Reason(FAIL, MED),
        "multiple_systems": Reason(FAIL, MED),
        "untagged_workloads": Reason(REVIEW, LOW),
        "single_system": Reason(PASS, MED),
        "no_workloads": Reason(PASS, MED),
    },
)
VPC_02 = CheckSpec(
    "BP-VPC-02",
    domain="vpc",
    severity=HIGH,
    needs=[*SG_APIS, "ec2.DescribeVpcs", *WORKLOAD_APIS],
    article="vpc.no_world_ingress",
    reasons={
        "world_open": Reason(FAIL, HIGH),  # critical for admin/database ports; one step higher in dev
        "world_open_unattached": Reason(FAIL, LOW),
        "internet_lb_public_port": Reason(PASS, HIGH),
        "no_world_ingress": Reason(PASS, HIGH),
    },
    refs={
        "CIS": ["5.2", "5.3"],
        "FSBP": ["EC2.18", "EC2.19", "EC2.13", "EC2.14"],
        "Prowler": [
            "ec2_securitygroup_allow_ingress_from_internet_to_all_ports",
            "ec2_securitygroup_allow_ingress_from_internet_to_any_port",
            "ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports",
            "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
        ],
    },
)
VPC_03 = CheckSpec(
    "BP-VPC-03",
    domain="vpc",
    severity=MED,
    needs=[*SG_APIS, "ec2.DescribeVpcs"],
    article="vpc.allow_by_group",
    reasons={"private_cidr_source": Reason(FAIL, MED), "groups_only": Reason(PASS, MED)},
)
VPC_04 = CheckSpec(
    "BP-VPC-04",
    domain="vpc",
    severity=HIGH,
    needs=[*LAYOUT_APIS, "ec2.DescribeInstances", "ec2.DescribeSecurityGroupRules"],
    article="vpc.private_subnets",
    reasons={
        "public_instance": Reason(FAIL, HIGH),
        "bastion_world_admin": Reason(FAIL, HIGH),
        "bastion": Reason(REVIEW, LOW),
        "private_subnet_no_nat": Reason(REVIEW, LOW),
        "multiple_bastions": Reason(REVIEW, LOW),
        "private_instance": Reason(PASS, HIGH),
    },
    refs={"FSBP": ["EC2.9", "EC2.15"], "Prowler": ["ec2_instance_public_ip", "vpc_subnet_separate_private_public"]},
)
VPC_05 = CheckSpec(
    "BP-VPC-05",
    domain="vpc",
    severity=CRIT,
    needs=["rds.DescribeDBInstances", "rds.DescribeDBSubnetGroups", *LAYOUT_APIS],
    article="vpc.rds_private",
    reasons={
        "publicly_accessible": Reason(FAIL, CRIT),
        "public_subnet_in_group": Reason(FAIL, MED),
        "private_db": Reason(PASS, CRIT),
        "private_subnet_group": Reason(PASS, MED),
    },
    refs={"CIS": ["2.3.3"], "FSBP": ["RDS.2"], "Prowler": ["rds_instance_no_public_access"]},
)
VPC_06 = CheckSpec(
    "BP-VPC-06",
    domain="vpc",
    severity=MED,
    needs=DEV_PROD_APIS,
    article="vpc.dev_like_prod",
    reasons={
        "missing_private_tier": Reason(FAIL, MED),
        "public_workloads": Reason(FAIL, MED),
        "nat_differs": Reason(REVIEW, LOW),
        "no_environment_tags": Reason(REVIEW, LOW),
        "no_prod_to_compare": Reason(REVIEW, LOW),
        "prod_unreadable": Reason(NOT_ASSESSED, MED),
        "same_structure": Reason(PASS, MED),
    },
)
VPC_07 = CheckSpec(
    "BP-VPC-07",
    domain="vpc",
    severity=LOW,
    needs=[*LAYOUT_APIS, "ec2.DescribeVpcEndpoints", *WORKLOAD_APIS],
    article="vpc.endpoints",
    reasons={
        "no_s3_gateway": Reason(FAIL, LOW),
        "missing_interface_endpoints": Reason(REVIEW, INFO),
        "s3_gateway_present": Reason(PASS, LOW),
    },
    refs={"FSBP": ["EC2.10"], "Prowler": ["vpc_endpoint_for_ec2_enabled"]},
)
VPC_08 = CheckSpec(
    "BP-VPC-08",
    domain="vpc",
    severity=MED,
    needs=["ec2.DescribeVpcs", "ec2.DescribeFlowLogs", "ec2.DescribeNetworkInterfaces"],
    reasons={"no_flow_logs": Reason(FAIL, MED), "flow_logs_enabled": Reason(PASS, MED)},
    refs={"CIS": ["3.7"], "FSBP": ["EC2.6"], "Prowler": ["vpc_flow_logs_enabled"]},
)
CHECKS = (VPC_01, VPC_02, VPC_03, VPC_04, VPC_05, VPC_06, VPC_07, VPC_08)


def _vpc_names(inv: Inventory) -> dict[str, str]:
    return {v["vpc_id"]: v["name"] or v["vpc_id"] for v in inv.network.vpcs.to_dict("records")}


def _names(values: Any) -> list[str]:
    """Evidence lists are lists: the catalog writes them per language (and shows the first few)."""
    return [str(v) for v in values]


def _by_group(frame: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Rows by ``group_id``, as dicts: one pass instead of a filter per security group."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in frame.to_dict("records"):
        out.setdefault(row["group_id"], []).append(row)
    return out


def _subnet_tiers(inv: Inventory) -> dict[str, str]:
    return dict(zip(inv.network.subnets["subnet_id"], inv.network.subnets["tier"], strict=True))


def _opens_any(ports: tuple[int, int] | None, wanted: list[int]) -> bool:
    return ports is not None and any(ports[0] <= p <= ports[1] for p in wanted)


def _opened(ranges: list[tuple[int, int] | None], wanted: list[int]) -> list[int]:
    """Which of ``wanted`` ports the ranges open: ``_opened([(20, 25)], [22, 3389]) -> [22]``."""
    return [p for p in wanted if any(_opens_any(r, [p]) for r in ranges)]


def _within(ports: tuple[int, int] | None, allowed: list[int]) -> bool:
    if ports is None or ports[1] - ports[0] > len(allowed):
        return False
    return all(p in allowed for p in range(ports[0], ports[1] + 1))


def _world_ingress(inv: Inventory) -> pd.DataFrame:
    """Ingress rules that open a port to the internet, judged by address space (``inventory.network.world_ingress``):
    BP-VPC-02 and BP-VPC-04's bastion test read the same rows."""
    return inv.network.world_ingress


@VPC_01.rule
def one_system_per_vpc(inv: Inventory, settings: Settings) -> list[Finding]:
    """Systems per VPC from tags (instances and RDS carry tags); the default VPC should hold nothing."""
    out = []
    workloads = inv.network.workloads
    for vpc in inv.network.vpcs.to_dict("records"):
        name, region, vid = vpc["name"] or vpc["vpc_id"], vpc["region"], vpc["vpc_id"]
        inside = workloads[workloads["vpc_id"] == vid]
        base = {"name": name, "environment": vpc["environment"], "vpc_name": name}
        if vpc["is_default"] and len(inside):
            workloads_here = _names(inside["name"])
            out.append(
                VPC_01.finding(
                    "default_vpc_workloads", region, "vpc", vid, **base, workloads=workloads_here, count=len(inside)
                )
            )
            continue
        tagged = inside[inside["resource_type"].isin(["instance", "db_instance"])]
        systems = sorted(set(tagged["system"]) - {""})
        untagged = tagged[tagged["system"] == ""]
        if len(systems) > 1:
            out.append(
                VPC_01.finding(
                    "multiple_systems", region, "vpc", vid, **base, systems=_names(systems), count=len(systems)
                )
            )
        if len(untagged):
            names = _names(untagged["name"])
            out.append(
                VPC_01.finding("untagged_workloads", region, "vpc", vid, **base, untagged=names, count=len(untagged))
            )
        if len(systems) == 1 and not len(untagged):
            out.append(VPC_01.finding("single_system", region, "vpc", vid, **base, system=systems[0]))
        elif not len(inside):
            out.append(VPC_01.finding("no_workloads", region, "vpc", vid, **base))
    return out


@VPC_02.rule
def no_world_ingress(inv: Inventory, settings: Settings) -> list[Finding]:
    """World-open ingress is only for internet-facing load balancers on public ports. A rule is world-open when the
    address space its port is open to is the internet or a large part of it (one rule or several together)."""
    out = []
    world = _by_group(_world_ingress(inv))
    usage = _by_group(inv.network.sg_usage)
    for sg in inv.network.security_groups.to_dict("records"):
        gid, region, env = sg["group_id"], sg["region"], sg["environment"]
        base = {"name": sg["name"], "environment": env, "group_id": gid, "group_name": sg["name"]}
        rules, users = world.get(gid, []), usage.get(gid, [])
        used_by = [u["name"] for u in users]
        if not rules:
            out.append(VPC_02.finding("no_world_ingress", region, "security_group", gid, **base))
            continue
        for rule in rules:
            ranges = list(rule["world_ranges"])
            common = {
                **base,
                "source": rule["cidr"],
                "ports": rule["ports"],
                "open_to": list(rule["open_to"]),
                "together_with": list(rule["together_with"]),
            }
            where = (region, "security_group_rule", rule["key"])
            if not users:
                out.append(VPC_02.finding("world_open_unattached", *where, **common))
            elif all(u["is_internet_lb"] for u in users) and all(_within(r, settings.public_ports) for r in ranges):
                out.append(VPC_02.finding("internet_lb_public_port", *where, **common, used_by=used_by))
            else:
                every_port = rule["ports"] == ALL_PORTS or any(r == (0, 65535) for r in ranges)
                admin = _opened(ranges, settings.admin_ports)
                severity = CRIT if admin or every_port else HIGH
                because = ["every_port" if every_port else "admin_port"] if severity == CRIT else []
                if env == "dev":
                    severity = severity.raised()
                    because.append("dev_environment")
                out.append(
                    VPC_02.finding(
                        "world_open",
                        *where,
                        severity=severity,
                        **common,
                        used_by=used_by,
                        admin_ports=admin,
                        severity_because=because,
                    )
                )
    return out


class _GroupSuggester:
    """Security groups of the interfaces whose private addresses fall in a CIDR (most used first), for the
    rules BP-VPC-03 flags. Interfaces are parsed once and each (VPC, CIDR) counted once: thousands of rules
    name the same few ranges."""

    def __init__(self, inv: Inventory):
        import ipaddress

        self.enis: dict[str, list[tuple[list[Any], list[str]]]] = {}
        for eni in inv.network.network_interfaces.to_dict("records"):
            ips = []
            for ip in eni["private_ips"]:
                try:
                    ips.append(ipaddress.ip_address(ip))
                except ValueError:
                    continue
            self.enis.setdefault(eni["vpc_id"], []).append((ips, list(eni["group_ids"])))
        groups = inv.network.security_groups
        self.names = dict(zip(groups["group_id"], groups["name"], strict=True))
        self._counts: dict[tuple[str, str], Counter[str]] = {}

    def __call__(self, vpc_id: str, cidr: str, exclude: str) -> list[dict[str, str]]:
        import ipaddress

        key = (vpc_id, cidr)
        if key not in self._counts:
            counts: Counter[str] = Counter()
            try:
                net = ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                self._counts[key] = counts
                return []
            for ips, groups in self.enis.get(vpc_id, []):
                if any(ip in net for ip in ips):
                    counts.update(groups)
            self._counts[key] = counts
        ranked = [gid for gid, _ in self._counts[key].most_common() if gid != exclude][:3]
        return [{"group_id": gid, "group_name": self.names.get(gid, "") or gid} for gid in ranked]


@VPC_03.rule
def allow_by_security_group(inv: Inventory, settings: Settings) -> list[Finding]:
    """Internal ingress names source security groups rather than private address ranges."""
    out = []
    rules = inv.network.sg_rules
    by_group = _by_group(rules[~rules["is_egress"]])
    suggest = _GroupSuggester(inv)
    vpc_cidrs = dict(zip(inv.network.vpcs["vpc_id"], inv.network.vpcs["cidrs"], strict=True))
    for sg in inv.network.security_groups.to_dict("records"):
        gid, region = sg["group_id"], sg["region"]
        own = by_group.get(gid, [])
        base = {"name": sg["name"], "environment": sg["environment"], "group_id": gid, "group_name": sg["name"]}
        flagged = 0
        for rule in own:
            cidr = rule["cidr"]
            if not cidr or cidr in WORLD:
                continue
            if is_private_cidr(cidr) or cidr_overlaps(cidr, vpc_cidrs.get(sg["vpc_id"], [])):
                flagged += 1
                rid = rule["rule_id"] or f"{gid}:{cidr}:{rule['ports']}"
                suggestion = suggest(sg["vpc_id"], cidr, gid)
                out.append(
                    VPC_03.finding(
                        "private_cidr_source",
                        region,
                        "security_group_rule",
                        rid,
                        **base,
                        source=cidr,
                        ports=rule["ports"],
                        suggestion=suggestion,
                    )
                )
        if not flagged and any(rule["ref_group_id"] for rule in own):
            out.append(VPC_03.finding("groups_only", region, "security_group", gid, **base))
    return out


@VPC_04.rule
def private_subnets_and_bastion(inv: Inventory, settings: Settings) -> list[Finding]:
    """Servers in private subnets, bastions reviewed, private subnets with egress through NAT."""
    out = []
    net = inv.network
    tiers = _subnet_tiers(inv)
    subnet_names = dict(zip(net.subnets["subnet_id"], net.subnets["name"], strict=True))
    world = _world_ingress(inv)
    remote_ports = [22, 3389]
    for i in net.instances.to_dict("records"):
        iid, region, subnet = i["instance_id"], i["region"], i["subnet_id"]
        base = {
            "name": i["name"] or iid,
            "environment": i["environment"],
            "subnet_name": subnet_names.get(subnet) or subnet,
            "public_ip": i["public_ip"],
        }
        public = tiers.get(subnet) == "public" or i["has_public_ip"]
        if i["is_bastion"]:
            open_rules = world[world["group_id"].isin(i["group_ids"])]
            exposed = sorted(
                {p for r in open_rules.to_dict("records") for p in _opened(list(r["world_ranges"]), remote_ports)}
            )
            if exposed:
                out.append(VPC_04.finding("bastion_world_admin", region, "instance", iid, **base, open_ports=exposed))
            else:
                out.append(VPC_04.finding("bastion", region, "instance", iid, **base))
        elif public:
            out.append(VPC_04.finding("public_instance", region, "instance", iid, **base))
        else:
            out.append(VPC_04.finding("private_instance", region, "instance", iid, **base))
    instances = net.instances
    for s in net.subnets.to_dict("records"):
        inside = instances[instances["subnet_id"] == s["subnet_id"]]
        if s["tier"] == "private" and len(inside) and not s["has_nat_route"]:
            name = s["name"] or s["subnet_id"]
            names = _names(inside["name"].where(inside["name"] != "", inside["instance_id"]))
            out.append(
                VPC_04.finding(
                    "private_subnet_no_nat",
                    s["region"],
                    "subnet",
                    s["subnet_id"],
                    name=name,
                    subnet_name=name,
                    instances=names,
                )
            )
    vpc_names = _vpc_names(inv)
    bastions = instances[instances["is_bastion"]]
    for (region, vpc_id), group in bastions.groupby(["region", "vpc_id"]):
        if len(group) > 1:
            name = vpc_names.get(vpc_id, vpc_id)
            out.append(
                VPC_04.finding(
                    "multiple_bastions",
                    str(region),
                    "vpc",
                    str(vpc_id),
                    name=name,
                    vpc_name=name,
                    bastions=_names(group["name"]),
                    count=len(group),
                )
            )
    return out


@VPC_05.rule
def rds_not_public(inv: Inventory, settings: Settings) -> list[Finding]:
    """No publicly accessible DB instance; DB subnet groups hold private subnets only."""
    out = []
    net = inv.network
    for d in net.db_instances.to_dict("records"):
        common = {"name": d["db_id"], "environment": d["environment"], "arn": d["arn"], "db": d["db_id"]}
        common["engine"] = d["engine"]
        reason = "publicly_accessible" if d["publicly_accessible"] else "private_db"
        out.append(VPC_05.finding(reason, d["region"], "db_instance", d["db_id"], **common))
    tiers = _subnet_tiers(inv)
    names = dict(zip(net.subnets["subnet_id"], net.subnets["name"], strict=True))
    for g in net.db_subnet_groups.to_dict("records"):
        public = [names.get(s) or s for s in g["subnet_ids"] if tiers.get(s) == "public"]
        where = (g["region"], "db_subnet_group", g["name"])
        if public:
            out.append(
                VPC_05.finding("public_subnet_in_group", *where, subnet_group=g["name"], public_subnets=_names(public))
            )
        else:
            out.append(VPC_05.finding("private_subnet_group", *where, subnet_group=g["name"]))
    return out


def _structure(inv: Inventory, vpc_id: str) -> dict[str, Any]:
    net = inv.network
    subnets = net.subnets[net.subnets["vpc_id"] == vpc_id]
    tiers = dict(zip(subnets["subnet_id"], subnets["tier"], strict=True))
    instances = net.instances[(net.instances["vpc_id"] == vpc_id) & ~net.instances["is_bastion"]]
    dbs = net.db_instances[net.db_instances["vpc_id"] == vpc_id]
    public_workloads = [
        i["name"] or i["instance_id"]
        for i in instances.to_dict("records")
        if tiers.get(i["subnet_id"]) == "public" or i["has_public_ip"]
    ]
    public_workloads += [
        d["db_id"]
        for d in dbs.to_dict("records")
        if d["publicly_accessible"] or any(tiers.get(s) == "public" for s in d["subnet_ids"])
    ]
    nats = net.nat_gateways[net.nat_gateways["vpc_id"] == vpc_id]
    return {
        "private": (subnets["tier"] == "private").any(),
        "nat": bool(len(nats)) or bool(subnets["has_nat_route"].any()),
        "public_workloads": public_workloads,
    }


@VPC_06.rule
def dev_matches_prod(inv: Inventory, settings: Settings) -> list[Finding]:
    """Non-production VPCs keep production's subnet structure (compared with prod of the same system)."""
    vpcs = inv.network.vpcs[~inv.network.vpcs["is_default"]]
    if len(vpcs) and (vpcs["environment"] == "").all():
        return [VPC_06.finding("no_environment_tags", "global", "account", inv.account_id)]
    prod = vpcs[vpcs["environment"] == "prod"].to_dict("records")
    out = []
    for dev in vpcs[vpcs["environment"] == "dev"].to_dict("records"):
        peers = [p for p in prod if dev["system"] and p["system"] == dev["system"]] or prod
        if not peers:
            name = dev["name"] or dev["vpc_id"]
            base = {"name": name, "environment": "dev", "vpc_name": name}
            out.append(VPC_06.finding("no_prod_to_compare", dev["region"], "vpc", dev["vpc_id"], **base))
            continue
        out += _compare_with_prod(inv, dev, [(inv, p, p["name"] or p["vpc_id"]) for p in peers])
    return out


def _compare_with_prod(
    inv: Inventory, dev: dict[str, Any], peers: list[tuple[Inventory, dict[str, Any], str]]
) -> list[Finding]:
    """BP-VPC-06 verdicts for one dev VPC against its prod peers ``(inventory, vpc row, label)``."""
    name, region, vid = dev["name"] or dev["vpc_id"], dev["region"], dev["vpc_id"]
    base = {"name": name, "environment": "dev", "vpc_name": name, "prod_vpcs": _names(label for _, _, label in peers)}
    mine = _structure(inv, vid)
    theirs = [_structure(peer_inv, p["vpc_id"]) for peer_inv, p, _ in peers]
    out = []
    if any(t["private"] for t in theirs) and not mine["private"]:
        out.append(VPC_06.finding("missing_private_tier", region, "vpc", vid, **base))
    if mine["public_workloads"] and not any(t["public_workloads"] for t in theirs):
        workloads = _names(mine["public_workloads"])
        out.append(VPC_06.finding("public_workloads", region, "vpc", vid, **base, workloads=workloads))
    if mine["private"] and any(t["nat"] for t in theirs) and not mine["nat"]:
        out.append(VPC_06.finding("nat_differs", region, "vpc", vid, **base))
    if not out:
        out.append(VPC_06.finding("same_structure", region, "vpc", vid, **base))
    return out


def dev_matches_prod_across_accounts(inventories: list[Inventory]) -> list[Finding]:
    """BP-VPC-06, batch part: a dev VPC with no prod VPC of its system in its own account is compared with the
    prod VPCs of the same system in the other accounts (the usual layout of an Organization: a dev account
    beside a prod account). When no peer is found but another account's layout could not be read, the dev
    VPC is NOT_ASSESSED naming those accounts: the peer may be there."""
    layout = [api.split(".") for api in DEV_PROD_APIS]

    def unreadable(inv: Inventory) -> bool:
        return any(not inv.snapshot.has(service, r, api) for r in inv.regions for service, api in layout)

    def tagged(inv: Inventory, env: str) -> list[dict[str, Any]]:
        vpcs = inv.network.vpcs
        chosen = vpcs[~vpcs["is_default"] & (vpcs["environment"] == env) & (vpcs["system"] != "")]
        return chosen.to_dict("records")

    def label(inv: Inventory) -> str:
        return str(inv.snapshot.meta.get("account_name") or inv.account_id)

    out = []
    for inv in inventories:
        own_prod = {p["system"] for p in tagged(inv, "prod")}
        others = [other for other in inventories if other.account_id != inv.account_id]
        for dev in tagged(inv, "dev"):
            if dev["system"] in own_prod:
                continue  # compared inside the account already
            peers = [
                (other, p, f"{label(other)}: {p['name'] or p['vpc_id']}")
                for other in others
                for p in tagged(other, "prod")
                if p["system"] == dev["system"]
            ]
            if peers:
                found = _compare_with_prod(inv, dev, peers)
            elif blind := [label(o) for o in others if unreadable(o)]:
                name = dev["name"] or dev["vpc_id"]
                base = {"name": name, "environment": "dev", "vpc_name": name}
                found = [
                    VPC_06.finding(
                        "prod_unreadable", dev["region"], "vpc", dev["vpc_id"], **base, accounts=_names(blind)
                    )
                ]
            else:
                found = []
            for finding in found:
                finding.account_id = inv.account_id
            out += found
    return out


@VPC_07.rule
def vpc_endpoints(inv: Inventory, settings: Settings) -> list[Finding]:
    """VPCs with private workloads reach S3 (and expected services) through endpoints."""
    out = []
    net = inv.network
    tiers = _subnet_tiers(inv)
    endpoints = net.vpc_endpoints[~net.vpc_endpoints["state"].isin(["deleted", "deleting", "failed", "rejected"])]
    names = _vpc_names(inv)
    envs = dict(zip(net.vpcs["vpc_id"], net.vpcs["environment"], strict=True))
    private_vpcs = {
        (w["region"], w["vpc_id"])
        for w in net.workloads.to_dict("records")
        if w["vpc_id"] and any(tiers.get(s) == "private" for s in w["subnet_ids"])
    }
    for region, vid in sorted(private_vpcs):
        mine = endpoints[endpoints["vpc_id"] == vid]
        base = {"name": names.get(vid, vid), "environment": envs.get(vid, ""), "vpc_name": names.get(vid, vid)}
        s3 = mine[(mine["service"] == "s3") & (mine["type"] == "gateway")]
        reason = "s3_gateway_present" if len(s3) else "no_s3_gateway"
        out.append(VPC_07.finding(reason, region, "vpc", vid, **base))
        have = set(mine[mine["type"] == "interface"]["service"])
        missing = [s for s in settings.expected_endpoints if s not in have]
        if missing:
            out.append(
                VPC_07.finding(
                    "missing_interface_endpoints",
                    region,
                    "vpc",
                    vid,
                    **base,
                    missing=_names(missing),
                    count=len(missing),
                )
            )
    return out


@VPC_08.rule
def flow_logs(inv: Inventory, settings: Settings) -> list[Finding]:
    """Every VPC records its traffic with flow logs; an empty VPC without them is a low finding."""
    out = []
    net = inv.network
    logs = net.flow_logs[net.flow_logs["status"].str.upper() == "ACTIVE"]
    used = set(net.network_interfaces["vpc_id"]) | set(net.workloads["vpc_id"])
    for vpc in net.vpcs.to_dict("records"):
        vid, name = vpc["vpc_id"], vpc["name"] or vpc["vpc_id"]
        base = {"name": name, "environment": vpc["environment"], "vpc_name": name}
        mine = logs[logs["resource_id"] == vid]
        if len(mine):
            destinations = _names(sorted(set(mine["destination"])))
            out.append(
                VPC_08.finding("flow_logs_enabled", vpc["region"], "vpc", vid, **base, destinations=destinations)
            )
        else:
            severity = MED if vid in used else LOW
            out.append(VPC_08.finding("no_flow_logs", vpc["region"], "vpc", vid, severity=severity, **base))
    return out
