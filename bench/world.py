"""A synthetic account for the benchmark, at a scale factor: 1× is a small company, 16× ≈ 2,000 IAM users,
1,000 security groups with 5,000 rules and 500 instances over two regions.

Seeded over HTTP through :func:`awsbp.demo.world.demo_clients` (loopback only, dummy keys), one call at a
time: moto's backends are not safe for concurrent writes (parallel security-group writes gave HTTP 500s).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from awsbp.demo.clients import demo_clients

REGIONS = ("ap-northeast-1", "us-east-1")
# counts at 1× (rounded after scaling); regional resources are split over REGIONS
BASE = {
    "users": 125,
    "groups": 8,
    "roles": 30,
    "policies": 20,
    "security_groups": 62.5,
    "rules_per_group": 5,
    "instances": 31.25,
    "load_balancers": 2,
    "databases": 2,
    "functions": 6,
    "projects": 6,
}


@dataclass(frozen=True)
class Scale:
    """How many of each resource a scale factor means (a fraction for a small account: 0.1 ≈ 12 users)."""

    factor: float

    def count(self, kind: str) -> int:
        return max(1, round(BASE[kind] * self.factor)) if kind != "rules_per_group" else int(BASE[kind])

    def as_dict(self) -> dict[str, int]:
        out = {kind: self.count(kind) for kind in BASE}
        out["security_group_rules"] = out["security_groups"] * out["rules_per_group"]
        return out


def _doc(statement: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _each(fn: Any, items: list[Any]) -> None:
    for item in items:
        fn(item)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 'ok'\n")
    return buffer.getvalue()


def seed(endpoint: str, factor: float) -> dict[str, int]:
    """Create the account at ``factor``; returns the counts created."""
    return seed_account(demo_clients(endpoint), factor)


def seed_account(clients: Any, factor: float, account_id: str = "123456789012") -> dict[str, int]:
    """Create the account ``clients`` act in (``demo_clients(endpoint[, role_arn])``) at ``factor``."""
    scale = Scale(factor)
    _seed_iam(clients, scale)
    for index, region in enumerate(REGIONS):
        share = {k: (n + (1 - index)) // 2 if k not in ("rules_per_group",) else n for k, n in scale.as_dict().items()}
        _seed_region(clients, region, share, index, account_id)
    return scale.as_dict()


def _seed_iam(clients: Any, scale: Scale) -> None:
    iam = clients("iam")
    groups = [f"team-{i}" for i in range(scale.count("groups"))]
    for group in groups:
        iam.create_group(GroupName=group)
        iam.put_group_policy(
            GroupName=group,
            PolicyName="work",
            PolicyDocument=_doc({"Effect": "Allow", "Action": ["s3:Get*", "logs:*"], "Resource": "*"}),
        )
    policies = []
    for i in range(scale.count("policies")):
        doc = _doc({"Effect": "Allow", "Action": ["dynamodb:GetItem", "sqs:SendMessage"], "Resource": "*"})
        policies.append(iam.create_policy(PolicyName=f"app-{i}", PolicyDocument=doc)["Policy"]["Arn"])
    for i, group in enumerate(groups):
        iam.attach_group_policy(GroupName=group, PolicyArn=policies[i % len(policies)])

    def user(i: int) -> None:
        name = f"user-{i:05d}"
        iam.create_user(UserName=name)
        iam.add_user_to_group(GroupName=groups[i % len(groups)], UserName=name)
        if i % 2 == 0:
            iam.create_login_profile(UserName=name, Password="Bench-Passw0rd-not-a-secret!")
        if i % 4 == 1:
            iam.create_access_key(UserName=name)
        if i % 10 == 3:
            iam.put_user_policy(
                UserName=name,
                PolicyName="extra",
                PolicyDocument=_doc({"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}),
            )

    _each(user, list(range(scale.count("users"))))
    trust = _doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})

    def role(i: int) -> None:
        iam.create_role(RoleName=f"role-{i:04d}", AssumeRolePolicyDocument=trust)
        iam.attach_role_policy(RoleName=f"role-{i:04d}", PolicyArn=policies[i % len(policies)])

    _each(role, list(range(scale.count("roles"))))


def _seed_region(clients: Any, region: str, n: dict[str, int], index: int, account_id: str) -> None:
    ec2 = clients("ec2", region)
    vpc = ec2.create_vpc(CidrBlock=f"10.{index}.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{index}.{k}.0/24", AvailabilityZone=f"{region}{az}")["Subnet"][
            "SubnetId"
        ]
        for k, az in enumerate("ac")
    ]

    def group(i: int) -> str:
        gid = ec2.create_security_group(GroupName=f"sg-{i:04d}", Description="bench", VpcId=vpc)["GroupId"]
        rules = [
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": f"10.{i % 250}.0.0/16"}]}
            for port in (22, 80, 443, 3306, 8080)[: n["rules_per_group"]]
        ]
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=rules)
        return gid

    groups = [group(i) for i in range(n["security_groups"])]
    image = ec2.register_image(Name="bench", Architecture="x86_64", RootDeviceName="/dev/xvda")["ImageId"]
    remaining, k = n["instances"], 0
    while remaining > 0:
        batch = min(remaining, 100)
        ec2.run_instances(
            ImageId=image,
            InstanceType="t3.micro",
            MinCount=batch,
            MaxCount=batch,
            SubnetId=subnets[k % 2],
            SecurityGroupIds=[groups[k % len(groups)]],
            UserData="#!/bin/bash\necho hello\n",
        )
        remaining, k = remaining - batch, k + 1
    elbv2 = clients("elbv2", region)
    for i in range(n["load_balancers"]):
        elbv2.create_load_balancer(Name=f"lb-{index}-{i}", Subnets=subnets, SecurityGroups=[groups[0]])
    rds = clients("rds", region)
    rds.create_db_subnet_group(DBSubnetGroupName="bench", DBSubnetGroupDescription="bench", SubnetIds=subnets)
    for i in range(n["databases"]):
        rds.create_db_instance(
            DBInstanceIdentifier=f"db-{i}",
            Engine="mysql",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            MasterUsername="admin",
            MasterUserPassword="bench-only-not-a-secret",
            DBSubnetGroupName="bench",
        )
    role = f"arn:aws:iam::{account_id}:role/role-0000"
    code = _zip()
    lam = clients("lambda", region)
    for i in range(n["functions"]):
        lam.create_function(
            FunctionName=f"fn-{i:04d}",
            Runtime="python3.12",
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": code},
            Environment={"Variables": {"LOG_LEVEL": "info", "TABLE": f"table-{i}"}},
        )
    build = clients("codebuild", region)
    for i in range(n["projects"]):
        build.create_project(
            name=f"build-{i:04d}",
            source={"type": "S3", "location": "bench-artifacts/source.zip"},
            artifacts={"type": "NO_ARTIFACTS"},
            environment={
                "type": "LINUX_CONTAINER",
                "image": "aws/codebuild/standard:7.0",
                "computeType": "BUILD_GENERAL1_SMALL",
                "environmentVariables": [{"name": "STAGE", "value": "test", "type": "PLAINTEXT"}],
            },
            serviceRole=role,
        )
