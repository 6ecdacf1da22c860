"""The demo company's AWS Organization: its first account and three member accounts.

* **acme-management** (moto's default account, 123456789012) — where the company started; it became the
  Organization's management account and still runs the shop and analytics workloads (the world of
  :mod:`awsbp.demo.world`): itself a classic mistake.
* **acme-prod** — the new ``payments`` system done well: private app tier behind NAT, endpoints, flow logs,
  a strong password policy, root protected by MFA and not signed in to for months.
* **acme-dev** — ``payments-dev`` built without the private tier prod has (BP-VPC-06 across accounts), no flow
  logs, root never signed in to but without MFA; ``dave`` holds an IAM user here as in the other two accounts
  (BP-IAM-06 across accounts).
* **acme-sandbox** — the audit role was never deployed: AssumeRole is refused and the run shows the
  partial-failure path while the other accounts complete.

Member accounts are seeded through ``OrganizationAccountAccessRole`` (created with each account, as AWS does);
awsbp reaches prod and dev through ``awsbp-audit`` with an ExternalId, exactly as a real run.
"""

from __future__ import annotations

import json

from awsbp.demo.builder import ANYWHERE, RegionBuilder, seed_activity, tcp
from awsbp.demo.clients import Clients, demo_clients
from awsbp.demo.simulated_iam import ROOT_USER
from awsbp.demo.world_iam import SIMULATED_PASSWORD

AUDIT_ROLE = "awsbp-audit"
AUDIT_EXTERNAL_ID = "acme-awsbp-demo"
MANAGEMENT_NAME = "acme-management"
MEMBERS = ("acme-prod", "acme-dev", "acme-sandbox")
UNREACHABLE = ("acme-sandbox",)  # no audit role: the demo's intended partial failure
REGION = "ap-northeast-1"
OFFICE_CIDR = "203.0.113.0/28"


def seed_organization(clients: Clients, ids: dict[str, str]) -> dict[str, str]:
    """The Organization in the management account, with prod and dev under a ``workloads`` OU; account ids by name."""
    org = clients("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    accounts: dict[str, str] = {}
    for name in MEMBERS:
        request = org.create_account(Email=f"{name}@acme.example", AccountName=name)["CreateAccountStatus"]["Id"]
        accounts[name] = org.describe_create_account_status(CreateAccountRequestId=request)["CreateAccountStatus"][
            "AccountId"
        ]
        ids[f"global/account/{name}"] = accounts[name]
    ou = org.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
    for name in ("acme-prod", "acme-dev"):
        org.move_account(AccountId=accounts[name], SourceParentId=root, DestinationParentId=ou)
    return accounts


def seed_members(endpoint: str, accounts: dict[str, str], management_id: str, ids: dict[str, str]) -> None:
    """Seed prod and dev through OrganizationAccountAccessRole (sandbox stays empty and unreachable)."""
    for name, seeder in (("acme-prod", _prod), ("acme-dev", _dev)):
        account = accounts[name]
        clients = demo_clients(endpoint, f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole")
        _audit_role(clients, management_id)
        member_ids: dict[str, str] = {}
        seeder(clients, RegionBuilder(clients, REGION, member_ids))
        ids.update({f"{name}/{key}": value for key, value in member_ids.items()})


def _audit_role(clients: Clients, management_id: str) -> None:
    """The role awsbp assumes: trusts the management account with an ExternalId; awsbp's own read-only policy."""
    from awsbp.collect import readonly_policy

    iam = clients("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{management_id}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": AUDIT_EXTERNAL_ID}},
            }
        ],
    }
    iam.create_role(RoleName=AUDIT_ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=AUDIT_ROLE, PolicyName="awsbp-readonly", PolicyDocument=json.dumps(readonly_policy()))


def _person(clients: Clients, name: str) -> None:
    """A console user with MFA (the same person in several accounts is the cross-account finding)."""
    iam = clients("iam")
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password=SIMULATED_PASSWORD)
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(
        UserName=name, SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
    )


def _app_profile(clients: Clients, name: str) -> None:
    iam = clients("iam")
    service = {"Service": "ec2.amazonaws.com"}
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": service, "Action": "sts:AssumeRole"}],
    }
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)


def _member_iam(clients: Clients, root: dict[str, int | bool]) -> None:
    """What prod and dev share: a strong password policy, dave (with MFA, signing in regularly), and the API servers'
    role; ``root`` is the root user's history (days before now, and its MFA)."""
    clients("iam").update_account_password_policy(
        MinimumPasswordLength=16,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        PasswordReusePrevention=24,
    )
    _person(clients, "dave")
    _app_profile(clients, "payments-app")
    seed_activity(
        clients,
        {ROOT_USER: {"user_creation_time": 400, **root}, "dave": {"user_creation_time": 380, "password_last_used": 2}},
    )


def _prod(clients: Clients, r: RegionBuilder) -> None:
    """acme-prod: payments-prod with public / app tiers, NAT, endpoints and flow logs; root with MFA, unused."""
    _member_iam(clients, {"password_last_used": 200, "mfa_active": True})
    vpc = r.vpc("payments-prod", "10.40.0.0/16", {"Environment": "prod", "System": "payments"})
    public = r.subnet("payments-prod-public-a", vpc, "10.40.0.0/24", "a", public=True)
    app = r.subnet("payments-prod-app-a", vpc, "10.40.10.0/24", "a")
    igw = r.internet_gateway("payments-prod-igw", vpc)
    r.route_table("payments-prod-public", vpc, [public], igw=igw)
    nat = r.nat_gateway("payments-prod-nat", public)
    private_rtb = r.route_table("payments-prod-private", vpc, [app], nat=nat)
    app_sg = r.security_group("payments-prod-app", vpc, "payments-prod API servers")
    endpoints_sg = r.security_group("payments-prod-endpoints", vpc, "payments endpoints", [tcp(443, group=app_sg)])
    tags = {"Environment": "prod", "System": "payments", "Role": "api"}
    r.instance("payments-prod-api", app, [app_sg], tags, profile="payments-app")
    r.gateway_endpoint_s3("payments-prod-s3", vpc, [private_rtb])
    r.interface_endpoints("payments-prod", vpc, [app], endpoints_sg)
    r.flow_logs_to_s3("payments-prod-flow-logs", vpc, "acme-payments-prod-flow-logs")


def _dev(clients: Clients, r: RegionBuilder) -> None:
    """acme-dev: payments-dev with public subnets only (the API server is public where prod keeps it private); root
    never signed in to (its password was never set) and without MFA."""
    _member_iam(clients, {"mfa_active": False})
    vpc = r.vpc("payments-dev", "10.41.0.0/16", {"Environment": "dev", "System": "payments"})
    public = r.subnet("payments-dev-public-a", vpc, "10.41.0.0/24", "a", public=True)
    igw = r.internet_gateway("payments-dev-igw", vpc)
    r.route_table("payments-dev-public", vpc, [public], igw=igw)
    app_sg = r.security_group(
        "payments-dev-app",
        vpc,
        "payments-dev API servers",
        [tcp(22, cidrs=(OFFICE_CIDR,)), tcp(443, cidrs=(ANYWHERE,))],
    )
    tags = {"Environment": "dev", "System": "payments", "Role": "api"}
    r.instance("payments-dev-api", public, [app_sg], tags, profile="payments-app")
