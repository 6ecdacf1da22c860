"""Network frames of the inventory: VPCs, subnets, routes, gateways, endpoints, flow logs, security groups and
rules, interfaces, instances, load balancers, databases, Lambda functions, workloads and security-group usage.

Derived facts worth knowing:

* a subnet's ``tier`` comes from its *effective* route table: its explicit association, else the
  VPC's main table. ``public`` = a 0.0.0.0/0 or ::/0 route to an internet gateway.
* ``sg_usage`` says which resources use each security group, from network interfaces *and* from
  each resource's own list (instances, RDS, load balancers, Lambda), because some environments
  list no interface for some resources.
* ``environment`` / ``system`` / ``role`` come from tags as the settings say; a resource without
  an environment tag inherits its VPC's.
* ``world_ingress`` says which ingress rules open a port to the internet, judged by the address space the
  port is open to (:func:`world_open`): per security group, protocol and port, the public sources of every rule
  are put together; a block the size of the internet, or of a large part of it (an IPv4 /8 or larger: 16 million
  addresses; an IPv6 /32 or larger: a whole internet provider's allocation, whose many customers are strangers
  as much as anyone), is world-open, whether one rule or several together (``0.0.0.0/1`` + ``128.0.0.0/1``)
  open it. Single public addresses (the "My IP" pattern) and private ranges are not.
"""

from __future__ import annotations

import ipaddress
import itertools
from functools import cached_property
from typing import Any

import pandas as pd

from awsbp.inventory.source import Source, frame, tags_of

WORLD = {"0.0.0.0/0", "::/0"}
WORLD_SIZED = {4: 8, 6: 32}
"""The longest prefix of a public block treated as "the internet", per IP version (see the module docstring)."""
NOT_PUBLIC = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)
DEFAULT_VPC_NAME = "default VPC"  # display name of an unnamed default VPC
ALL_PORTS = "all"


def port_label(protocol: str, from_port: int | None, to_port: int | None) -> str:
    """``('tcp', 22, 22) -> '22/tcp'``; ``('-1', -1, -1) -> 'all'``; ``('tcp', 0, 65535) -> 'all/tcp'``."""
    if protocol in ("-1", "all"):
        return ALL_PORTS
    if from_port is None or from_port == -1:
        return f"all/{protocol}"
    if from_port == 0 and to_port == 65535:
        return f"all/{protocol}"
    if from_port == to_port:
        return f"{from_port}/{protocol}"
    return f"{from_port}-{to_port}/{protocol}"


def rule_ports(protocol: str, from_port: int | None, to_port: int | None) -> tuple[int, int] | None:
    """Inclusive port range a rule opens; ``None`` for ICMP-like protocols without ports."""
    if protocol in ("-1", "all"):
        return (0, 65535)
    if protocol not in ("tcp", "udp", "6", "17"):
        return None
    if from_port is None or from_port == -1:
        return (0, 65535)
    return (int(from_port), int(to_port if to_port is not None else from_port))


def is_private_cidr(cidr: str) -> bool:
    """RFC 1918, 100.64.0.0/10 (CGNAT) and IPv6 ULA ranges."""
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    if isinstance(net, ipaddress.IPv6Network):
        return net.subnet_of(ipaddress.IPv6Network("fc00::/7"))
    private = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
    return any(net.subnet_of(ipaddress.IPv4Network(p)) for p in private)


def public_network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """The network of a rule's source when it holds public addresses; ``None`` for a private, loopback or
    link-local range, or text that is no CIDR."""
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None
    inside = any(net.version == n.version and net.subnet_of(n) for n in NOT_PUBLIC)  # type: ignore[arg-type]
    return None if inside else net


def world_open(rules: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Which of one security group's ingress rules open a port to the internet, by the address space each port
    is open to. ``rules``: rows of ``sg_rules`` with ``key`` (the rule's id). Returns, per world-open rule key,
    ``{"ranges": [(from, to), …] (None for a protocol without ports), "open_to": [blocks], "together_with":
    [keys]}``.

    >>> halves = [{"key": k, "protocol": "tcp", "from_port": 22, "to_port": 22, "cidr": c}
    ...           for k, c in (("a", "0.0.0.0/1"), ("b", "128.0.0.0/1"), ("c", "198.51.100.7/32"))]
    >>> sorted(world_open(halves)), world_open(halves)["a"]["open_to"]
    (['a', 'b'], ['0.0.0.0/0'])
    """
    members = []
    for r in rules:
        net = public_network(r["cidr"]) if r["cidr"] else None
        if net is not None:
            members.append((r["key"], str(r["protocol"]), rule_ports(r["protocol"], r["from_port"], r["to_port"]), net))
    found: dict[str, dict[str, Any]] = {}

    def judge(segment: tuple[int, int] | None, covering: list[tuple[str, Any]]) -> None:
        for version in (4, 6):
            nets = [net for _, net in covering if net.version == version]
            for block in ipaddress.collapse_addresses(nets):  # type: ignore[type-var]
                if block.prefixlen > WORLD_SIZED[version]:
                    continue
                inside = [(key, net) for key, net in covering if net.version == version and net.subnet_of(block)]
                big = [key for key, net in inside if net.prefixlen <= WORLD_SIZED[version]]
                chosen = big or [key for key, net in inside if net.num_addresses > 1]
                for key in chosen:
                    entry = found.setdefault(key, {"ranges": [], "open_to": [], "together_with": []})
                    if segment not in entry["ranges"]:
                        entry["ranges"].append(segment)
                    if str(block) not in entry["open_to"]:
                        entry["open_to"].append(str(block))
                    if not big:
                        entry["together_with"] += [k for k in chosen if k != key and k not in entry["together_with"]]

    everything = [(key, ports, net) for key, proto, ports, net in members if proto in ("-1", "all")]
    by_protocol: dict[str, list[tuple[str, tuple[int, int] | None, Any]]] = {}
    for key, proto, ports, net in members:
        if proto not in ("-1", "all"):
            by_protocol.setdefault(proto, []).append((key, ports, net))
    judge((0, 65535), [(key, net) for key, _, net in everything])  # every protocol, every port
    for own in by_protocol.values():
        rows = own + everything  # a rule for every protocol opens this one too
        if all(ports is None for _, ports, _ in own):  # ICMP and other protocols without ports
            judge(None, [(key, net) for key, _, net in rows])
            continue
        ranged = [(key, ports or (0, 65535), net) for key, ports, net in rows]
        bounds = sorted({lo for _, (lo, _), _ in ranged} | {hi + 1 for _, (_, hi), _ in ranged})
        for lo, nxt in itertools.pairwise(bounds):
            covering = [(key, net) for key, (a, b), net in ranged if a <= lo and nxt - 1 <= b]
            if covering:
                judge((lo, nxt - 1), covering)
    return found


def cidr_overlaps(cidr: str, others: list[str]) -> bool:
    """Whether ``cidr`` overlaps any of ``others`` (same IP version)."""
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    for other in others:
        try:
            o = ipaddress.ip_network(other, strict=False)
        except ValueError:
            continue
        if o.version == net.version and net.overlaps(o):
            return True
    return False


class NetworkFrames:
    """VPCs, subnets with their tier, security groups and rules, interfaces, and the workloads in them."""

    def __init__(self, source: Source):
        self.source = source
        self.settings = source.settings

    def _items(self, service: str, api: str) -> list[tuple[str, dict[str, Any]]]:
        return self.source.items(service, api)

    # Where resources carry tags, and the key that names them in findings (``Finding.resource_id``).
    TAGGED = (
        ("ec2", "DescribeVpcs", "VpcId", "Tags"),
        ("ec2", "DescribeSubnets", "SubnetId", "Tags"),
        ("ec2", "DescribeSecurityGroups", "GroupId", "Tags"),
        ("ec2", "DescribeInstances", "InstanceId", "Tags"),
        ("rds", "DescribeDBInstances", "DBInstanceIdentifier", "TagList"),
    )

    @cached_property
    def resource_tags(self) -> dict[str, dict[str, str]]:
        """Tags by resource id (VPCs, subnets, security groups, instances, DB instances), for suppressions."""
        out: dict[str, dict[str, str]] = {}
        for service, api, id_key, tag_key in self.TAGGED:
            for _, item in self._items(service, api):
                if item.get(id_key):
                    out[item[id_key]] = tags_of(item, tag_key)
        return out

    # --- network layout -------------------------------------------------------------------
    @cached_property
    def vpcs(self) -> pd.DataFrame:
        rows = []
        for region, v in self._items("ec2", "DescribeVpcs"):
            tags = tags_of(v)
            cidrs = [a["CidrBlock"] for a in v.get("CidrBlockAssociationSet", []) if "CidrBlock" in a]
            cidrs = cidrs or ([v["CidrBlock"]] if v.get("CidrBlock") else [])
            cidrs += [a["Ipv6CidrBlock"] for a in v.get("Ipv6CidrBlockAssociationSet", []) if a.get("Ipv6CidrBlock")]
            rows.append(
                {
                    "region": region,
                    "vpc_id": v["VpcId"],
                    "name": tags.get("Name") or (DEFAULT_VPC_NAME if v.get("IsDefault") else ""),
                    "cidrs": cidrs,
                    "is_default": bool(v.get("IsDefault")),
                    "environment": self.settings.environment_of(tags),
                    "system": self.settings.system_of(tags),
                    "tags": tags,
                }
            )
        cols = ["region", "vpc_id", "name", "cidrs", "is_default", "environment", "system", "tags"]
        return frame(rows, cols)

    @cached_property
    def route_tables(self) -> pd.DataFrame:
        rows = []
        for region, rt in self._items("ec2", "DescribeRouteTables"):
            igw = nat = False
            for route in rt.get("Routes", []):
                dest = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")
                if dest not in WORLD or route.get("State", "active") != "active":
                    continue
                if str(route.get("GatewayId", "")).startswith("igw-"):
                    igw = True
                if route.get("NatGatewayId") or route.get("InstanceId"):
                    nat = True
            assoc = rt.get("Associations", [])
            rows.append(
                {
                    "region": region,
                    "route_table_id": rt["RouteTableId"],
                    "vpc_id": rt.get("VpcId"),
                    "name": tags_of(rt).get("Name", ""),
                    "is_main": any(a.get("Main") for a in assoc),
                    "subnet_ids": [a["SubnetId"] for a in assoc if a.get("SubnetId")],
                    "routes_to_igw": igw,
                    "routes_to_nat": nat,
                }
            )
        cols = ["region", "route_table_id", "vpc_id", "name", "is_main", "subnet_ids", "routes_to_igw", "routes_to_nat"]
        return frame(rows, cols)

    @cached_property
    def subnets(self) -> pd.DataFrame:
        tables = self.route_tables
        explicit = {sid: rt for rt in tables.to_dict("records") for sid in rt["subnet_ids"]}
        main = {(rt["region"], rt["vpc_id"]): rt for rt in tables.to_dict("records") if rt["is_main"]}
        rows = []
        for region, s in self._items("ec2", "DescribeSubnets"):
            rt = explicit.get(s["SubnetId"]) or main.get((region, s["VpcId"]))
            tier = "" if rt is None else ("public" if rt["routes_to_igw"] else "private")
            rows.append(
                {
                    "region": region,
                    "subnet_id": s["SubnetId"],
                    "vpc_id": s["VpcId"],
                    "name": tags_of(s).get("Name", ""),
                    "cidr": s.get("CidrBlock", ""),
                    "az": s.get("AvailabilityZone", ""),
                    "route_table_id": rt["route_table_id"] if rt else "",
                    "tier": tier,
                    "has_nat_route": bool(rt and rt["routes_to_nat"]),
                    "map_public_ip": bool(s.get("MapPublicIpOnLaunch")),
                }
            )
        cols = [
            "region",
            "subnet_id",
            "vpc_id",
            "name",
            "cidr",
            "az",
            "route_table_id",
            "tier",
            "has_nat_route",
            "map_public_ip",
        ]
        return frame(rows, cols)

    @cached_property
    def nat_gateways(self) -> pd.DataFrame:
        rows = [
            {
                "region": r,
                "nat_gateway_id": n["NatGatewayId"],
                "vpc_id": n.get("VpcId"),
                "subnet_id": n.get("SubnetId"),
                "state": n.get("State", ""),
            }
            for r, n in self._items("ec2", "DescribeNatGateways")
            if n.get("State") not in ("deleted", "deleting", "failed")
        ]
        return frame(rows, ["region", "nat_gateway_id", "vpc_id", "subnet_id", "state"])

    @cached_property
    def vpc_endpoints(self) -> pd.DataFrame:
        rows = []
        for region, e in self._items("ec2", "DescribeVpcEndpoints"):
            service = e.get("ServiceName", "")
            short = service.split(f".{region}.", 1)[1] if f".{region}." in service else service.rsplit(".", 1)[-1]
            rows.append(
                {
                    "region": region,
                    "endpoint_id": e["VpcEndpointId"],
                    "vpc_id": e.get("VpcId"),
                    "type": str(e.get("VpcEndpointType", "")).lower(),
                    "service_name": service,
                    "service": short,
                    "state": str(e.get("State", "")).lower(),
                }
            )
        return frame(rows, ["region", "endpoint_id", "vpc_id", "type", "service_name", "service", "state"])

    @cached_property
    def flow_logs(self) -> pd.DataFrame:
        rows = [
            {
                "region": r,
                "flow_log_id": f.get("FlowLogId", ""),
                "resource_id": f.get("ResourceId", ""),
                "status": f.get("FlowLogStatus", ""),
                "destination": f.get("LogDestination") or f.get("LogGroupName") or f.get("LogDestinationType", ""),
            }
            for r, f in self._items("ec2", "DescribeFlowLogs")
        ]
        return frame(rows, ["region", "flow_log_id", "resource_id", "status", "destination"])

    # --- security groups -------------------------------------------------------------------
    @cached_property
    def security_groups(self) -> pd.DataFrame:
        vpc_env = self._vpc_environment
        rows = []
        for region, g in self._items("ec2", "DescribeSecurityGroups"):
            tags = tags_of(g)
            rows.append(
                {
                    "region": region,
                    "group_id": g["GroupId"],
                    "group_name": g.get("GroupName", ""),
                    "name": tags.get("Name") or g.get("GroupName", ""),
                    "vpc_id": g.get("VpcId", ""),
                    "environment": self.settings.environment_of(tags) or vpc_env.get(g.get("VpcId", ""), ""),
                }
            )
        return frame(rows, ["region", "group_id", "group_name", "name", "vpc_id", "environment"])

    @cached_property
    def sg_rules(self) -> pd.DataFrame:
        rows = []
        for region, r in self._items("ec2", "DescribeSecurityGroupRules"):
            protocol = str(r.get("IpProtocol", "-1"))
            ref = r.get("ReferencedGroupInfo") or {}
            rows.append(
                {
                    "region": region,
                    "group_id": r["GroupId"],
                    "rule_id": r.get("SecurityGroupRuleId", ""),
                    "is_egress": bool(r.get("IsEgress")),
                    "protocol": protocol,
                    "from_port": r.get("FromPort"),
                    "to_port": r.get("ToPort"),
                    "ports": port_label(protocol, r.get("FromPort"), r.get("ToPort")),
                    "cidr": r.get("CidrIpv4") or r.get("CidrIpv6") or "",
                    "ref_group_id": ref.get("GroupId", ""),
                    "prefix_list_id": r.get("PrefixListId", ""),
                    "description": r.get("Description", ""),
                }
            )
        cols = [
            "region",
            "group_id",
            "rule_id",
            "is_egress",
            "protocol",
            "from_port",
            "to_port",
            "ports",
            "cidr",
            "ref_group_id",
            "prefix_list_id",
            "description",
        ]
        return frame(rows, cols)

    @cached_property
    def world_ingress(self) -> pd.DataFrame:
        """The ingress rules that open a port to the internet (:func:`world_open`), one row per rule: the rule's
        columns, ``key`` (its id), ``world_ranges`` (the port ranges open to the internet through it; ``None`` for
        a protocol without ports), ``open_to`` (the blocks it opens them to) and ``together_with`` (the rules that
        open them with it, when no rule does alone)."""
        rules = self.sg_rules
        ingress = rules[~rules["is_egress"] & (rules["cidr"] != "")].to_dict("records")
        by_group: dict[str, list[dict[str, Any]]] = {}
        for r in ingress:
            r["key"] = r["rule_id"] or f"{r['group_id']}:{r['cidr']}:{r['ports']}"
            by_group.setdefault(r["group_id"], []).append(r)
        rows = []
        for group_rules in by_group.values():
            found = world_open(group_rules)
            for r in group_rules:
                if r["key"] in found:
                    f = found[r["key"]]
                    rows.append(
                        {**r, "world_ranges": f["ranges"], "open_to": f["open_to"], "together_with": f["together_with"]}
                    )
        cols = [*rules.columns, "key", "world_ranges", "open_to", "together_with"]
        return frame(rows, cols)

    @cached_property
    def network_interfaces(self) -> pd.DataFrame:
        rows = []
        for region, n in self._items("ec2", "DescribeNetworkInterfaces"):
            rows.append(
                {
                    "region": region,
                    "eni_id": n["NetworkInterfaceId"],
                    "vpc_id": n.get("VpcId", ""),
                    "subnet_id": n.get("SubnetId", ""),
                    "group_ids": [g["GroupId"] for g in n.get("Groups", [])],
                    "interface_type": n.get("InterfaceType", ""),
                    "description": n.get("Description", ""),
                    "requester_id": n.get("RequesterId", ""),
                    "instance_id": (n.get("Attachment") or {}).get("InstanceId", ""),
                    "private_ips": [
                        p["PrivateIpAddress"] for p in n.get("PrivateIpAddresses", []) if p.get("PrivateIpAddress")
                    ]
                    or [n.get("PrivateIpAddress", "")],
                    "public_ip": (n.get("Association") or {}).get("PublicIp", ""),
                }
            )
        cols = [
            "region",
            "eni_id",
            "vpc_id",
            "subnet_id",
            "group_ids",
            "interface_type",
            "description",
            "requester_id",
            "instance_id",
            "private_ips",
            "public_ip",
        ]
        return frame(rows, cols)

    # --- workloads -------------------------------------------------------------------------
    @cached_property
    def _vpc_environment(self) -> dict[str, str]:
        return dict(zip(self.vpcs["vpc_id"], self.vpcs["environment"], strict=True))

    def _labels(self, tags: dict[str, str], vpc_id: str) -> dict[str, Any]:
        role_key = self.settings.role_tag_key
        b_key, b_value = self.settings.bastion_key_value
        return {
            "environment": self.settings.environment_of(tags) or self._vpc_environment.get(vpc_id, ""),
            "system": self.settings.system_of(tags),
            "role": tags.get(role_key, ""),
            "is_bastion": tags.get(b_key, "").lower() == b_value.lower(),
            "tags": tags,
        }

    @cached_property
    def instances(self) -> pd.DataFrame:
        rows = []
        for region, i in self._items("ec2", "DescribeInstances"):
            state = (i.get("State") or {}).get("Name", "")
            if state in ("terminated", "shutting-down"):
                continue
            tags = tags_of(i)
            vpc_id = i.get("VpcId", "")
            rows.append(
                {
                    "region": region,
                    "instance_id": i["InstanceId"],
                    "name": tags.get("Name", ""),
                    "state": state,
                    "vpc_id": vpc_id,
                    "subnet_id": i.get("SubnetId", ""),
                    "group_ids": [g["GroupId"] for g in i.get("SecurityGroups", [])],
                    "public_ip": i.get("PublicIpAddress", ""),
                    "has_public_ip": bool(i.get("PublicIpAddress")),
                    "profile_arn": (i.get("IamInstanceProfile") or {}).get("Arn", ""),
                    "http_tokens": (i.get("MetadataOptions") or {}).get("HttpTokens", ""),
                    **self._labels(tags, vpc_id),
                }
            )
        cols = [
            "region",
            "instance_id",
            "name",
            "state",
            "vpc_id",
            "subnet_id",
            "group_ids",
            "public_ip",
            "has_public_ip",
            "profile_arn",
            "http_tokens",
            "environment",
            "system",
            "role",
            "is_bastion",
            "tags",
        ]
        return frame(rows, cols)

    @cached_property
    def load_balancers(self) -> pd.DataFrame:
        rows = []
        for region, lb in self._items("elbv2", "DescribeLoadBalancers"):
            rows.append(
                {
                    "region": region,
                    "lb_id": lb["LoadBalancerArn"],
                    "name": lb.get("LoadBalancerName", ""),
                    "kind": lb.get("Type", "application"),
                    "scheme": lb.get("Scheme", ""),
                    "vpc_id": lb.get("VpcId", ""),
                    "subnet_ids": [z["SubnetId"] for z in lb.get("AvailabilityZones", []) if z.get("SubnetId")],
                    "group_ids": list(lb.get("SecurityGroups", [])),
                    "eni_key": "/".join(lb["LoadBalancerArn"].split(":loadbalancer/", 1)[-1].split("/")[:3]),
                }
            )
        for region, lb in self._items("elb", "DescribeLoadBalancers"):
            rows.append(
                {
                    "region": region,
                    "lb_id": lb["LoadBalancerName"],
                    "name": lb["LoadBalancerName"],
                    "kind": "classic",
                    "scheme": lb.get("Scheme", ""),
                    "vpc_id": lb.get("VPCId", ""),
                    "subnet_ids": list(lb.get("Subnets", [])),
                    "group_ids": list(lb.get("SecurityGroups", [])),
                    "eni_key": lb["LoadBalancerName"],
                }
            )
        cols = ["region", "lb_id", "name", "kind", "scheme", "vpc_id", "subnet_ids", "group_ids", "eni_key"]
        return frame(rows, cols)

    @cached_property
    def db_subnet_groups(self) -> pd.DataFrame:
        rows = [
            {
                "region": r,
                "name": g["DBSubnetGroupName"],
                "vpc_id": g.get("VpcId", ""),
                "subnet_ids": [s["SubnetIdentifier"] for s in g.get("Subnets", [])],
            }
            for r, g in self._items("rds", "DescribeDBSubnetGroups")
        ]
        return frame(rows, ["region", "name", "vpc_id", "subnet_ids"])

    @cached_property
    def db_instances(self) -> pd.DataFrame:
        rows = []
        for region, d in self._items("rds", "DescribeDBInstances"):
            group = d.get("DBSubnetGroup") or {}
            vpc_id = group.get("VpcId", "")
            tags = tags_of(d, "TagList")
            rows.append(
                {
                    "region": region,
                    "db_id": d["DBInstanceIdentifier"],
                    "arn": d.get("DBInstanceArn", ""),
                    "engine": d.get("Engine", ""),
                    "cluster_id": d.get("DBClusterIdentifier", ""),
                    "vpc_id": vpc_id,
                    "subnet_group": group.get("DBSubnetGroupName", ""),
                    "subnet_ids": [s["SubnetIdentifier"] for s in group.get("Subnets", [])],
                    "group_ids": [g["VpcSecurityGroupId"] for g in d.get("VpcSecurityGroups", [])],
                    "publicly_accessible": bool(d.get("PubliclyAccessible")),
                    **self._labels(tags, vpc_id),
                }
            )
        cols = [
            "region",
            "db_id",
            "arn",
            "engine",
            "cluster_id",
            "vpc_id",
            "subnet_group",
            "subnet_ids",
            "group_ids",
            "publicly_accessible",
            "environment",
            "system",
            "role",
            "is_bastion",
            "tags",
        ]
        return frame(rows, cols)

    @cached_property
    def lambda_functions(self) -> pd.DataFrame:
        rows = []
        for region, f in self._items("lambda", "ListFunctions"):
            vpc = f.get("VpcConfig") or {}
            rows.append(
                {
                    "region": region,
                    "function_name": f["FunctionName"],
                    "arn": f.get("FunctionArn", ""),
                    "vpc_id": vpc.get("VpcId", ""),
                    "subnet_ids": list(vpc.get("SubnetIds", [])),
                    "group_ids": list(vpc.get("SecurityGroupIds", [])),
                    "role_arn": f.get("Role", ""),
                    "env_names": sorted(((f.get("Environment") or {}).get("Variables") or {}).keys()),
                    "secrets": f.get("AwsbpSecrets", []),
                    "references": f.get("AwsbpReferences", []),
                    "unreadable": f.get("AwsbpUnreadable", ""),
                }
            )
        cols = [
            "region",
            "function_name",
            "arn",
            "vpc_id",
            "subnet_ids",
            "group_ids",
            "role_arn",
            "env_names",
            "secrets",
            "references",
            "unreadable",
        ]
        return frame(rows, cols)

    @cached_property
    def workloads(self) -> pd.DataFrame:
        """Every workload with the VPC and subnets it lives in: instances, RDS, load balancers, Lambda in a VPC."""
        rows: list[dict[str, Any]] = []
        for i in self.instances.to_dict("records"):
            rows.append(
                {
                    "region": i["region"],
                    "resource_type": "instance",
                    "resource_id": i["instance_id"],
                    "name": i["name"] or i["instance_id"],
                    "vpc_id": i["vpc_id"],
                    "subnet_ids": [i["subnet_id"]],
                    "group_ids": i["group_ids"],
                    "environment": i["environment"],
                    "system": i["system"],
                    "is_bastion": i["is_bastion"],
                    "is_internet_lb": False,
                }
            )
        for d in self.db_instances.to_dict("records"):
            rows.append(
                {
                    "region": d["region"],
                    "resource_type": "db_instance",
                    "resource_id": d["db_id"],
                    "name": d["db_id"],
                    "vpc_id": d["vpc_id"],
                    "subnet_ids": d["subnet_ids"],
                    "group_ids": d["group_ids"],
                    "environment": d["environment"],
                    "system": d["system"],
                    "is_bastion": False,
                    "is_internet_lb": False,
                }
            )
        for lb in self.load_balancers.to_dict("records"):
            tags: dict[str, str] = {}
            rows.append(
                {
                    "region": lb["region"],
                    "resource_type": "load_balancer",
                    "resource_id": lb["lb_id"],
                    "name": lb["name"],
                    "vpc_id": lb["vpc_id"],
                    "subnet_ids": lb["subnet_ids"],
                    "group_ids": lb["group_ids"],
                    "environment": self._vpc_environment.get(lb["vpc_id"], ""),
                    "system": self.settings.system_of(tags),
                    "is_bastion": False,
                    "is_internet_lb": lb["scheme"] == "internet-facing",
                }
            )
        for f in self.lambda_functions.to_dict("records"):
            if not f["vpc_id"]:
                continue
            rows.append(
                {
                    "region": f["region"],
                    "resource_type": "lambda_function",
                    "resource_id": f["arn"],
                    "name": f["function_name"],
                    "vpc_id": f["vpc_id"],
                    "subnet_ids": f["subnet_ids"],
                    "group_ids": f["group_ids"],
                    "environment": self._vpc_environment.get(f["vpc_id"], ""),
                    "system": "",
                    "is_bastion": False,
                    "is_internet_lb": False,
                }
            )
        cols = [
            "region",
            "resource_type",
            "resource_id",
            "name",
            "vpc_id",
            "subnet_ids",
            "group_ids",
            "environment",
            "system",
            "is_bastion",
            "is_internet_lb",
        ]
        return frame(rows, cols)

    def _eni_owner(
        self, eni: dict[str, Any], lbs_by_key: dict[tuple[str, str], dict[str, Any]]
    ) -> tuple[str, str, str, bool]:
        """(resource_type, resource_id, name, is_internet_lb) of the resource behind an interface."""
        if eni["instance_id"]:
            return ("instance", eni["instance_id"], eni["instance_id"], False)
        description = eni["description"]
        if description.startswith("ELB "):
            lb = lbs_by_key.get((eni["region"], description[4:]))
            if lb:
                return ("load_balancer", lb["lb_id"], lb["name"], lb["scheme"] == "internet-facing")
            return ("load_balancer", description[4:], description[4:], False)
        return ("network_interface", eni["eni_id"], description or eni["interface_type"] or eni["eni_id"], False)

    @cached_property
    def sg_usage(self) -> pd.DataFrame:
        """One row per (security group, resource using it)."""
        seen: set[tuple[str, str, str]] = set()
        rows: list[dict[str, Any]] = []

        def add(region: str, group_id: str, rtype: str, rid: str, name: str, internet_lb: bool) -> None:
            key = (group_id, rtype, rid)
            if key not in seen:
                seen.add(key)
                rows.append(
                    {
                        "region": region,
                        "group_id": group_id,
                        "resource_type": rtype,
                        "resource_id": rid,
                        "name": name,
                        "is_internet_lb": internet_lb,
                    }
                )

        for w in self.workloads.to_dict("records"):
            for gid in w["group_ids"]:
                add(w["region"], gid, w["resource_type"], w["resource_id"], w["name"], w["is_internet_lb"])
        lbs_by_key = {(lb["region"], lb["eni_key"]): lb for lb in self.load_balancers.to_dict("records")}
        names = {w["resource_id"]: w["name"] for w in self.workloads.to_dict("records")}
        for eni in self.network_interfaces.to_dict("records"):
            rtype, rid, name, internet_lb = self._eni_owner(eni, lbs_by_key)
            for gid in eni["group_ids"]:
                add(eni["region"], gid, rtype, rid, names.get(rid, name), internet_lb)
        return frame(rows, ["region", "group_id", "resource_type", "resource_id", "name", "is_internet_lb"])
