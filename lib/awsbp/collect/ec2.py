"""EC2 and VPC: network layout, security groups, interfaces and instances."""

from typing import Any

from awsbp.collect.base import Api

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
]


def _instances(reservations: list[Any]) -> list[Any]:
    return [instance for reservation in reservations for instance in reservation.get("Instances", [])]


APIS = [
    Api("DescribeVpcs", "Vpcs"),
    Api("DescribeSubnets", "Subnets"),
    Api("DescribeRouteTables", "RouteTables"),
    Api("DescribeInternetGateways", "InternetGateways"),
    Api("DescribeNatGateways", "NatGateways"),
    Api("DescribeSecurityGroups", "SecurityGroups"),
    Api("DescribeSecurityGroupRules", "SecurityGroupRules"),
    Api("DescribeNetworkInterfaces", "NetworkInterfaces"),
    Api("DescribeInstances", "Reservations", transform=_instances),
    Api("DescribeVpcEndpoints", "VpcEndpoints"),
    Api("DescribeFlowLogs", "FlowLogs"),
]
