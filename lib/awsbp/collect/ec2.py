"""EC2 and VPC: network layout, security groups, interfaces and instances.

User data (``DescribeInstanceAttribute``) is never stored: it is decoded as cloud-init decodes it and scanned
in memory (:mod:`awsbp.collect.userdata`). Each item is ``{"InstanceId", "Size" (bytes of user data),
"AwsbpDecodedSize" (bytes of text scanned), "AwsbpSecrets": [{"line", "where", "type", "fingerprint"}]}``
and, when part of it could not be read (binary, corrupt gzip, over the size bounds),
``"AwsbpUnreadable": "<reasons, no content>"``.
"""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from awsbp.collect.base import Api, all_items, once_per_client
from awsbp.collect.budgets import budget
from awsbp.collect.userdata import scan_user_data

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


def _list_instances(client: Any) -> list[Any]:
    reservations = all_items(client, "describe_instances", "Reservations")
    return [instance for reservation in reservations for instance in reservation.get("Instances", [])]


def instances(client: Any) -> list[Any]:
    """Every instance of the client's region, listed once per client: the user-data fetch reuses the list."""
    return list(once_per_client(client, "instances", _list_instances))


def _user_data(client: Any, instance_id: str) -> dict[str, Any]:
    attr = client.describe_instance_attribute(InstanceId=instance_id, Attribute="userData")
    encoded = (attr.get("UserData") or {}).get("Value") or ""
    return {"InstanceId": instance_id, **scan_user_data(encoded)}


def user_data(client: Any) -> list[Any]:
    """Each instance's user data, decoded and scanned in memory: only size and secret findings are kept.
    One DescribeInstanceAttribute per instance (no API returns user data in bulk), as many in flight as EC2's
    budget allows API jobs in a region; the client's token bucket paces them within EC2's request rate."""
    ids = [i["InstanceId"] for i in instances(client) if (i.get("State") or {}).get("Name") != "terminated"]
    if len(ids) <= 1:
        return [_user_data(client, instance_id) for instance_id in ids]
    with ThreadPoolExecutor(max_workers=budget(SERVICE).concurrency, thread_name_prefix="collect-userdata") as pool:
        return list(pool.map(lambda instance_id: _user_data(client, instance_id), ids))


APIS = [
    Api("DescribeVpcs", "Vpcs"),
    Api("DescribeSubnets", "Subnets"),
    Api("DescribeRouteTables", "RouteTables"),
    Api("DescribeInternetGateways", "InternetGateways"),
    Api("DescribeNatGateways", "NatGateways"),
    Api("DescribeSecurityGroups", "SecurityGroups"),
    Api("DescribeSecurityGroupRules", "SecurityGroupRules", slow=True),
    Api("DescribeNetworkInterfaces", "NetworkInterfaces"),
    Api("DescribeInstances", fetch=instances, slow=True),
    Api("DescribeVpcEndpoints", "VpcEndpoints"),
    Api("DescribeFlowLogs", "FlowLogs"),
    Api("DescribeInstanceAttribute", fetch=user_data, slow=True),
]
