"""The demo account's IAM: people, service users, groups and roles — the classic mistakes, each with a
compliant counterpart — and the history a real account has (when each user was created and last signed in, how
old each access key is and when it was last used, root's last sign-in). Seeded through
:func:`awsbp.demo.world.demo_clients` (loopback only)."""

from __future__ import annotations

import json
from typing import Any

from awsbp.demo.builder import WORKLOAD_PROFILE, seed_activity
from awsbp.demo.clients import Clients
from awsbp.demo.simulated_iam import ROOT_USER

ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
PARTNER_ACCOUNT = "999988887777"
SIMULATED_PASSWORD = "Simulated-Demo-Passw0rd!"  # a moto console password that exists for the demo; not a secret
# A throwaway public key so that a user has an SSH key (the counterpart of HTTPS Git credentials).
DEMO_SSH_PUBLIC_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDe0VzH1JnXc0Q5Hk7mVmPIFXf3rMSvVgEIi7J0aTwZ8V9p0lqV6oYsQ8T1hWg5W0d3cN"
    "aQ6sJ0bA9YvR6m3ZKp7lW5Q1bqQj2a5f2eY4c1B0pT8s7xJc3fHqk9hYvL2P0nR5tWq8mXe6sZ0dVbN4yK1uJ3oF5gA7iC9lE2rD4w== demo"
)
# Another throwaway public key: bob has one too, yet still holds HTTPS Git credentials (BP-IAM-07 shows the count).
DEMO_SSH_PUBLIC_KEY_2 = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7mXq2TzP4vKd9sLw0RfN3hJ8cY1eUa6oBi5GtW2pZ0xQlM4nVr7SjD3kHy9FbE1wC"
    "uT6gL8oN2aRz5PdX0mKs3YvJq7Ie4Hb9Wc1Ff6tLp2Gn8Ox5Ru0Dz3Sk7Mh4Va6Ey1Qj9Nw2Bt5Xc8Zd0Ug3Li6Ko4Pm7Rs1Ty9An== demo-2"
)
HTTPS_GIT = "codecommit.amazonaws.com"  # CodeCommit HTTPS Git credentials are service-specific credentials
# What the credential report would say of this account a few years into the company's life, in days before now:
# root signed in three days ago (BP-IAM-01 review); grace left four months ago and her user stayed (BP-IAM-10);
# deploy-bot's first key, five months old, was never used (BP-IAM-05), its second is fresh and in use;
# backup-agent's key is more than a year old, used every day (BP-IAM-05); report-exporter's is fresh and in use.
HISTORY: dict[str, dict[str, int | str | bool]] = {
    ROOT_USER: {"user_creation_time": 2200, "password_last_used": 3, "mfa_active": False},
    "alice": {"user_creation_time": 700, "password_last_used": 1},
    "bob": {"user_creation_time": 650, "password_last_used": 2},
    "carol": {"user_creation_time": 1500, "password_last_used": 6},
    "dave": {"user_creation_time": 1200, "password_last_used": 1},
    "eve": {"user_creation_time": 2000, "password_last_used": 9},
    "frank": {"user_creation_time": 900, "password_last_used": 20},
    "grace": {"user_creation_time": 1000, "password_last_used": 120},
    "deploy-bot": {
        "user_creation_time": 400,
        "access_key_1_last_rotated": 150,
        "access_key_2_last_rotated": 20,
        "access_key_2_last_used_date": 1,
        "access_key_2_last_used_service": "lambda",
        "access_key_2_last_used_region": "ap-northeast-1",
    },
    "report-exporter": {
        "user_creation_time": 400,
        "access_key_1_last_rotated": 30,
        "access_key_1_last_used_date": 1,
        "access_key_1_last_used_service": "dynamodb",
        "access_key_1_last_used_region": "ap-northeast-1",
    },
    "backup-agent": {
        "user_creation_time": 700,
        "access_key_1_last_rotated": 400,
        "access_key_1_last_used_date": 1,
        "access_key_1_last_used_service": "ec2",
        "access_key_1_last_used_region": "ap-northeast-1",
    },
}


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
    # grace left four months ago; her user is still there (BP-IAM-10, dates below)
    person("grace", ["developers"], mfa=True)
    person("carol", ["iam-admins"], mfa=True)
    person("dave", ["dev-leads"], mfa=True)
    # Permissions on users: AdministratorAccess attached directly, and an inline *:* (BP-IAM-09, BP-IAM-08).
    person("eve", [], mfa=True)
    iam.attach_user_policy(UserName="eve", PolicyArn=ADMIN_POLICY)
    person("frank", [], mfa=True)
    iam.put_user_policy(UserName="frank", PolicyName="everything", PolicyDocument=_doc(_allow("*")))
    # An SSH key for CodeCommit instead of HTTPS Git credentials (BP-IAM-07's counterpart)...
    iam.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=DEMO_SSH_PUBLIC_KEY)
    # ... and HTTPS Git credentials next to an SSH key (BP-IAM-07). The generated password is not kept.
    iam.upload_ssh_public_key(UserName="bob", SSHPublicKeyBody=DEMO_SSH_PUBLIC_KEY_2)
    iam.create_service_specific_credential(UserName="bob", ServiceName=HTTPS_GIT)

    # Service users with access keys and no console (BP-IAM-04 review): one with two active keys, one of them
    # never used (BP-IAM-05), one with a key older than 90 days (BP-IAM-05), one done well.
    for name, keys in (("deploy-bot", 2), ("report-exporter", 1), ("backup-agent", 1)):
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

    seed_activity(clients, HISTORY)
