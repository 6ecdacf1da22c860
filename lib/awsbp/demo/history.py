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

from awsbp.demo.world import ANYWHERE, demo_clients
from awsbp.demo.world_iam import SIMULATED_PASSWORD
from awsbp.demo.world_org import REGION as MEMBER_REGION

MANAGEMENT_REGION = "ap-northeast-1"
CONTRACTOR = "temp-contractor"
RDP = {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "IpRanges": [{"CidrIp": ANYWHERE}]}
HTTPS = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": ANYWHERE}]}


def _dev_ec2(endpoint: str, ids: dict[str, str]) -> Any:
    account = ids["global/account/acme-dev"]
    clients = demo_clients(endpoint, f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole")
    return clients("ec2", MEMBER_REGION)


def rewind(endpoint: str, ids: dict[str, str]) -> None:
    """The world a month before the seeded one (``ids`` as returned by :func:`awsbp.demo.world.seed`)."""
    clients = demo_clients(endpoint)
    web_sg = ids[f"{MANAGEMENT_REGION}/security-group/shop-prod-web"]
    clients("ec2", MANAGEMENT_REGION).authorize_security_group_ingress(GroupId=web_sg, IpPermissions=[RDP])
    iam = clients("iam")
    iam.create_user(UserName=CONTRACTOR)
    iam.create_login_profile(UserName=CONTRACTOR, Password=SIMULATED_PASSWORD)
    dev_sg = ids[f"acme-dev/{MEMBER_REGION}/security-group/payments-dev-app"]
    _dev_ec2(endpoint, ids).revoke_security_group_ingress(GroupId=dev_sg, IpPermissions=[HTTPS])


def forward(endpoint: str, ids: dict[str, str]) -> None:
    """The month's changes: back to the seeded world."""
    clients = demo_clients(endpoint)
    web_sg = ids[f"{MANAGEMENT_REGION}/security-group/shop-prod-web"]
    clients("ec2", MANAGEMENT_REGION).revoke_security_group_ingress(GroupId=web_sg, IpPermissions=[RDP])
    iam = clients("iam")
    iam.delete_login_profile(UserName=CONTRACTOR)
    iam.delete_user(UserName=CONTRACTOR)
    dev_sg = ids[f"acme-dev/{MEMBER_REGION}/security-group/payments-dev-app"]
    _dev_ec2(endpoint, ids).authorize_security_group_ingress(GroupId=dev_sg, IpPermissions=[HTTPS])
