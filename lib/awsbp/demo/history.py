"""A month in the life of the demo Organization, so that the demo shows a run-to-run diff.

:func:`rewind` turns the freshly seeded world into how it looked a month earlier; the demo assesses that
state first (findings and snapshots only), then :func:`forward` applies the month's changes and the real run
compares with the earlier one: each finding is marked new, fixed or still open.

The month's changes:

* fixed — RDP (3389) open to the internet on ``shop-prod-web`` was closed (BP-VPC-02);
* fixed — the console user ``temp-contractor`` without MFA was removed (BP-IAM-03 and friends);
* new — HTTPS open to the internet on ``payments-dev-app`` in acme-dev (BP-VPC-02).
"""

from __future__ import annotations

from typing import Any

from awsbp.demo.builder import ANYWHERE
from awsbp.demo.clients import demo_clients
from awsbp.demo.world_iam import SIMULATED_PASSWORD
from awsbp.demo.world_org import REGION as MEMBER_REGION

MANAGEMENT_REGION = "ap-northeast-1"
CONTRACTOR = "temp-contractor"
RDP = {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": ANYWHERE}]}
HTTPS = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": ANYWHERE}]}


def _targets(endpoint: str, ids: dict[str, str]) -> tuple[Any, str, Any, Any, str]:
    """What the month changes: (management EC2, shop-prod-web's group, IAM, acme-dev's EC2, its app group)."""
    clients = demo_clients(endpoint)
    dev = demo_clients(endpoint, f"arn:aws:iam::{ids['global/account/acme-dev']}:role/OrganizationAccountAccessRole")
    return (
        clients("ec2", MANAGEMENT_REGION),
        ids[f"{MANAGEMENT_REGION}/security-group/shop-prod-web"],
        clients("iam"),
        dev("ec2", MEMBER_REGION),
        ids[f"acme-dev/{MEMBER_REGION}/security-group/payments-dev-app"],
    )


def rewind(endpoint: str, ids: dict[str, str]) -> None:
    """The world a month before the seeded one (``ids`` as returned by :func:`awsbp.demo.world.seed`)."""
    ec2, web_sg, iam, dev_ec2, dev_sg = _targets(endpoint, ids)
    ec2.authorize_security_group_ingress(GroupId=web_sg, IpPermissions=[RDP])
    iam.create_user(UserName=CONTRACTOR)
    iam.create_login_profile(UserName=CONTRACTOR, Password=SIMULATED_PASSWORD)
    dev_ec2.revoke_security_group_ingress(GroupId=dev_sg, IpPermissions=[HTTPS])


def forward(endpoint: str, ids: dict[str, str]) -> None:
    """The month's changes: back to the seeded world."""
    ec2, web_sg, iam, dev_ec2, dev_sg = _targets(endpoint, ids)
    ec2.revoke_security_group_ingress(GroupId=web_sg, IpPermissions=[RDP])
    iam.delete_login_profile(UserName=CONTRACTOR)
    iam.delete_user(UserName=CONTRACTOR)
    dev_ec2.authorize_security_group_ingress(GroupId=dev_sg, IpPermissions=[HTTPS])
