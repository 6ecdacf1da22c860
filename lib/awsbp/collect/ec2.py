"""EC2 and VPC: network layout, security groups, interfaces and instances."""

import base64
import binascii
import threading
from typing import Any

from awsbp.collect.base import Api, all_items
from awsbp.secrets import scan_text

SERVICE = "ec2"
SCOPE = "regional"
ACTIONS = [
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeRouteTables",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeNatGateways",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeInstances",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeFlowLogs",
    "ec2:DescribeInstanceAttribute",
    "ec2:DescribeRegions",  # regions: all-enabled (awsbp.aws.AwsSession.enabled_regions)
]


_instances_lock = threading.Lock()


def instances(client: Any) -> list[Any]:
    """Every instance of the client's region, listed once per client: the user-data fetch reuses the list."""
    with _instances_lock:
        found = getattr(client, "_awsbp_instances", None)
        if found is None:
            reservations = all_items(client, "describe_instances", "Reservations")
            found = [instance for reservation in reservations for instance in reservation.get("Instances", [])]
            client._awsbp_instances = found
    return found


def user_data(client: Any) -> list[Any]:
    """Each instance's user data, decoded and scanned in memory: only size and secret findings are kept.
    One DescribeInstanceAttribute per instance: no API returns user data in bulk."""
    out = []
    for instance in instances(client):
        if (instance.get("State") or {}).get("Name") != "terminated":
            attr = client.describe_instance_attribute(InstanceId=instance["InstanceId"], Attribute="userData")
            encoded = (attr.get("UserData") or {}).get("Value") or ""
            try:
                text = base64.b64decode(encoded).decode("utf-8", errors="replace")
            except (binascii.Error, ValueError):
                text = ""
            out.append({"InstanceId": instance["InstanceId"], "Size": len(text), "AwsbpSecrets": scan_text(text)})
    return out


APIS = [
    Api("DescribeVpcs", "Vpcs"),
    Api("DescribeSubnets", "Subnets"),
    Api("DescribeRouteTables", "RouteTables"),
    Api("DescribeInternetGateways", "InternetGateways"),
    Api("DescribeNatGateways", "NatGateways"),
    Api("DescribeSecurityGroups", "SecurityGroups"),
    Api("DescribeSecurityGroupRules", "SecurityGroupRules"),
    Api("DescribeNetworkInterfaces", "NetworkInterfaces"),
    Api("DescribeInstances", fetch=instances),
    Api("DescribeVpcEndpoints", "VpcEndpoints"),
    Api("DescribeFlowLogs", "FlowLogs"),
    Api("DescribeInstanceAttribute", fetch=user_data),
]
