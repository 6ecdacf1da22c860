"""The demo account's IAM: people, service users, groups and roles — the classic mistakes, each with a
compliant counterpart. Seeded through :func:`awsbp.demo.world.demo_clients` (loopback only)."""

from __future__ import annotations

import json
from typing import Any

from awsbp.demo.builder import WORKLOAD_PROFILE
from awsbp.demo.clients import Clients

ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
PARTNER_ACCOUNT = "999988887777"
SIMULATED_PASSWORD = "Simulated-Demo-Passw0rd!"  # a moto console password that exists for the demo; not a secret
# A throwaway public key so that a user has an SSH key (the counterpart of HTTPS Git credentials).
DEMO_SSH_PUBLIC_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDe0VzH1JnXc0Q5Hk7mVmPIFXf3rMSvVgEIi7J0aTwZ8V9p0lqV6oYsQ8T1hWg5W0d3cN"
    "aQ6sJ0bA9YvR6m3ZKp7lW5Q1bqQj2a5f2eY4c1B0pT8s7xJc3fHqk9hYvL2P0nR5tWq8mXe6sZ0dVbN4yK1uJ3oF5gA7iC9lE2rD4w== demo"
)


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(*actions: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": list(actions), "Resource": "*"}


def _trust(principal: Any, condition: dict[str, Any] | None = None) -> str:
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        stmt["Condition"] = condition
    return _doc(stmt)


def seed_iam(clients: Clients, ids: dict[str, str]) -> None:
    """Create the IAM side of the demo account (global; one fixed order for deterministic ids)."""
    iam = clients("iam")

    def record(kind: str, name: str, value: str) -> None:
        ids[f"global/{kind}/{name}"] = value

    # BP-IAM-02: a weak password policy (8 characters, no symbols, no reuse prevention).
    iam.update_account_password_policy(
        MinimumPasswordLength=8,
        RequireSymbols=False,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
    )

    # Groups: developers deploy code; IAM admins manage IAM only; dev-leads can do both (BP-IAM-08).
    for group, policy in (
        ("developers", _doc(_allow("lambda:UpdateFunctionCode", "codebuild:StartBuild", "logs:Get*", "s3:List*"))),
        ("iam-admins", _doc(_allow("iam:*"))),
        (
            "dev-leads",
            _doc(_allow("lambda:UpdateFunctionCode", "ecs:UpdateService", "iam:AttachUserPolicy", "iam:PutUserPolicy")),
        ),
    ):
        record("group", group, iam.create_group(GroupName=group)["Group"]["GroupId"])
        iam.put_group_policy(GroupName=group, PolicyName=f"{group}-policy", PolicyDocument=policy)

    def person(name: str, groups: list[str], *, mfa: bool) -> None:
        record("user", name, iam.create_user(UserName=name)["User"]["UserId"])
        iam.create_login_profile(UserName=name, Password=SIMULATED_PASSWORD)
        for group in groups:
            iam.add_user_to_group(GroupName=group, UserName=name)
        if mfa:
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
            iam.enable_mfa_device(
                UserName=name, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
            )

    # People: MFA (alice) vs none (bob, BP-IAM-03); an IAM admin kept apart from development (carol).
    person("alice", ["developers"], mfa=True)
    person("bob", ["developers"], mfa=False)
    person("carol", ["iam-admins"], mfa=True)
    person("dave", ["dev-leads"], mfa=True)
    # Permissions on users: AdministratorAccess attached directly, and an inline *:* (BP-IAM-09, BP-IAM-08).
    person("eve", [], mfa=True)
    iam.attach_user_policy(UserName="eve", PolicyArn=ADMIN_POLICY)
    person("frank", [], mfa=True)
    iam.put_user_policy(UserName="frank", PolicyName="everything", PolicyDocument=_doc(_allow("*")))
    # An SSH key for CodeCommit instead of HTTPS Git credentials (BP-IAM-07's counterpart).
    iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=DEMO_SSH_PUBLIC_KEY)

    # Service users with access keys and no console (BP-IAM-04 review): one with two active keys (BP-IAM-05).
    for name, keys in (("deploy-bot", 2), ("report-exporter", 1)):
        record("user", name, iam.create_user(UserName=name)["User"]["UserId"])
        iam.add_user_to_group(GroupName="developers", UserName=name)
        for _ in range(keys):
            iam.create_access_key(UserName=name)

    # Roles: a partner without ExternalId (review) and with it (pass); a role anyone may assume (BP-IAM-06).
    partner = {"AWS": f"arn:aws:iam::{PARTNER_ACCOUNT}:root"}
    roles = {
        "partner-audit": _trust(partner),
        "partner-audit-guarded": _trust(partner, {"StringEquals": {"sts:ExternalId": "demo-external-id"}}),
        "open-role": _trust({"AWS": "*"}),
        WORKLOAD_PROFILE: _trust({"Service": "ec2.amazonaws.com"}),
    }
    for role, trust in roles.items():
        record("role", role, iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)["Role"]["RoleId"])
    iam.attach_role_policy(RoleName="partner-audit", PolicyArn="arn:aws:iam::aws:policy/SecurityAudit")
    iam.put_role_policy(
        RoleName=WORKLOAD_PROFILE,
        PolicyName="read-app-bucket",
        PolicyDocument=_doc({"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::app-bucket/*"}),
    )
    profile = iam.create_instance_profile(InstanceProfileName=WORKLOAD_PROFILE)["InstanceProfile"]
    iam.add_role_to_instance_profile(InstanceProfileName=WORKLOAD_PROFILE, RoleName=WORKLOAD_PROFILE)
    record("instance-profile", WORKLOAD_PROFILE, profile["InstanceProfileId"])
