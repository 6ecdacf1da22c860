"""Simulated accounts built from :mod:`formats.samples`: what each holds, and which verdicts it is there for.

* :func:`shop_account` — one account with production and three dev VPCs of system "shop", AWS services'
  interfaces, IPv6, prefix lists, another account's groups, a terminated instance, the credential
  report's every special value, URL-encoded policies with several versions, conditions and NotAction;
* :func:`plain_account` — nothing tagged, no password policy, a report without the root row, an
  endpoint that rejects ``ListServiceSpecificCredentials(AllUsers=true)``;
* :func:`payments_dev_account` / :func:`payments_prod_account` — a dev account and its prod peer;
* :func:`blind_account` — an account whose network cannot be read (AccessDenied).

Together (with the cross-account checks over all of them) they make every check say every verdict
the catalog has words for; :mod:`contracts` relies on that to exercise every branch that reads API data.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from typing import Any

from contracts.recorder import Reads, record

from formats import harness
from formats.harness import Snapshot
from formats.samples import (
    ACCOUNT,
    FAKE_KEY_ID,
    FAKE_SECRET,
    GLOBAL,
    NOW,
    OTHER_REGION,
    PARTNER,
    REGION,
    STRONG_PASSWORD_POLICY,
    Error,
    FakeAws,
    World,
    account_summary,
    add_iam,
    ago,
    analyzer,
    authorization_details,
    aws_managed,
    classic_load_balancer,
    codebuild_project,
    customer_managed,
    db_cluster,
    db_instance,
    db_subnet_group,
    document,
    ecr_repository,
    eni,
    flow_log,
    function,
    group_detail,
    instance,
    internet_gateway,
    load_balancer_v2,
    nat_gateway,
    pipeline,
    policy_detail,
    report_root,
    report_user,
    reservations,
    role_detail,
    route,
    route_table,
    secret,
    security_group,
    service_credential,
    sg_rule,
    statement,
    subnet,
    trust_document,
    user_data,
    user_detail,
    vpc,
    vpc_endpoint,
)

PAYMENTS_DEV, PAYMENTS_PROD, PLAIN, BLIND = "123456789013", "123456789014", "123456789015", "123456789016"


def serve_user_data(world: World, region: str, scripts: dict[str, str]) -> None:
    """DescribeInstanceAttribute(userData) answers: base64 user data per instance (none: no ``Value``)."""

    def answer(params: dict) -> dict:
        value = scripts.get(params["InstanceId"])
        out: dict = {"InstanceId": params["InstanceId"], "UserData": {}}
        if value is not None:
            out["UserData"] = {"Value": value}
        return out

    world.answer("ec2", region, "DescribeInstanceAttribute", answer)


GITHUB_TOKEN = "ghp_" + "F0rmatsW0rldT0k3nAbCdEfGhIjKlMnOpQrSt"  # fabricated, split so hooks do not flag it


def locked_function(name: str, role: str) -> dict:
    """A function whose variables Lambda could not decrypt for the caller: ``Environment.Error``, no values."""
    out = function(name, role)
    out["Environment"] = {
        "Error": {
            "ErrorCode": "KMSAccessDeniedException",
            "Message": "Lambda was unable to decrypt the environment variables because KMS access was denied.",
        }
    }
    return out


def serve_pipelines(world: World, region: str, pipelines: list[dict]) -> None:
    world.answer(
        "codepipeline",
        region,
        "ListPipelines",
        {
            "pipelines": [
                {"name": p["pipeline"]["name"], "version": 3, "created": p["metadata"]["created"]} for p in pipelines
            ]
        },
    )
    by_name = {p["pipeline"]["name"]: p for p in pipelines}
    world.answer("codepipeline", region, "GetPipeline", lambda params: by_name[params["name"]])


def serve_projects(world: World, region: str, projects: list[dict]) -> None:
    world.answer("codebuild", region, "ListProjects", {"projects": [p["name"] for p in projects]})
    by_name = {p["name"]: p for p in projects}
    world.answer(
        "codebuild",
        region,
        "BatchGetProjects",
        lambda params: {
            "projects": [by_name[n] for n in params["names"]],
        },
    )


# --- IAM of the shop account ---------------------------------------------------------------------------
ADMIN = aws_managed("AdministratorAccess")
POWER = customer_managed("power-user")
DEPLOY = customer_managed("deploy")
IAM_USERS_ADMIN = customer_managed("iam-user-admin")
BREAK_GLASS = customer_managed("break-glass")
AUDITOR = customer_managed("auditor")
DELETED = customer_managed("deleted-policy")  # attached, but absent from the listing
REGIONS_CONDITION = {"StringEqualsIfExists": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}
MFA_DENY = statement("Deny", "*", condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}, sid="NoMfaNoIam")


def shop_policies() -> list[dict]:
    """Managed policies in the listing's form: URL-encoded documents, several versions, one default each."""
    return [
        policy_detail(ADMIN, [(document(statement("Allow", "*")), True)], attached=3),
        policy_detail(
            POWER,
            [
                (
                    document(
                        statement("Allow", not_action=["iam:*", "organizations:*", "account:*"]),
                        statement("Allow", ["iam:ListRoles", "organizations:DescribeOrganization"]),
                    ),
                    True,
                )
            ],
        ),
        policy_detail(
            DEPLOY,
            [
                (document(statement("Allow", "*")), False),  # v1: the first draft, no longer in force
                (document(statement("Allow", "s3:*")), False),
                (
                    document(
                        statement(
                            "Allow",
                            ["lambda:UpdateFunctionCode", "codebuild:StartBuild", "codecommit:GitPush"],
                            condition=REGIONS_CONDITION,
                        ),
                        statement("Allow", ["s3:GetObject", "s3:PutObject"], resource="arn:aws:s3:::example-art/*"),
                    ),
                    True,
                ),
            ],
        ),
        policy_detail(
            IAM_USERS_ADMIN,
            [
                (
                    document(
                        statement(
                            "Allow",
                            ["iam:CreateUser", "iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:CreateAccessKey"],
                            condition={
                                "ForAnyValue:StringLike": {
                                    "iam:PolicyARN": [aws_managed("ReadOnlyAccess"), customer_managed("team-*")]
                                }
                            },
                        ),
                        MFA_DENY,
                    ),
                    True,
                )
            ],
        ),
        policy_detail(BREAK_GLASS, [(document(statement("Allow", "*")), True)], attached=0),
        policy_detail(
            AUDITOR,
            [
                (document(statement("Allow", "iam:*")), False),
                (document(statement("Allow", ["iam:Get*", "iam:List*", "iam:GenerateCredentialReport"])), True),
            ],
        ),
    ]


GITHUB_OIDC = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


def web_identity(provider: str, condition: dict) -> dict:
    """A trust policy for an OIDC provider's tokens (AssumeRoleWithWebIdentity)."""
    doc = trust_document({"Federated": provider}, condition)
    doc["Statement"][0]["Action"] = "sts:AssumeRoleWithWebIdentity"
    return doc


def shop_details(account: str = ACCOUNT) -> dict:
    everything = document(statement("Allow", "*"))
    only_s3 = document(statement("Deny", not_action="s3:*", resource="*"))  # unconditional: everything but S3
    scoped = document(statement("Allow", ["dynamodb:GetItem", "dynamodb:PutItem", "logs:PutLogEvents"]))
    return authorization_details(
        users=[
            user_detail("alice", groups=["iam-admins", "developers"]),
            user_detail("bob", groups=["iam-admins"]),
            user_detail("carol", attached=[ADMIN]),
            user_detail("dave", groups=["power"]),
            user_detail("erin", inline={"everything": everything}),
            user_detail("frank", groups=["developers"], inline={"s3-only": only_s3}),
            user_detail("gina", groups=["auditors"]),
            user_detail("henry", attached=[DELETED]),
            user_detail("ci", groups=["developers"]),
            user_detail("taro.yamada", groups=["auditors"]),
        ],
        groups=[
            group_detail("iam-admins", attached=[IAM_USERS_ADMIN]),
            group_detail("developers", attached=[DEPLOY]),
            group_detail("power", attached=[POWER]),
            group_detail("auditors", attached=[AUDITOR]),
        ],
        roles=[
            role_detail("lambda-orders", trust_document({"Service": "lambda.amazonaws.com"}), inline={"s": scoped}),
            role_detail("lambda-admin", trust_document({"Service": "lambda.amazonaws.com"}), attached=[ADMIN]),
            role_detail("build-deploy", trust_document({"Service": "codebuild.amazonaws.com"}), attached=[DEPLOY]),
            role_detail(
                "pipeline-main",
                trust_document({"Service": "codepipeline.amazonaws.com"}),
                inline={"run": document(statement("Allow", ["iam:PassRole", "codebuild:StartBuild"]))},
            ),
            role_detail(
                "partner-audit",
                trust_document({"AWS": f"arn:aws:iam::{PARTNER}:root"}, {"StringEquals": {"sts:ExternalId": "x1"}}),
                attached=[aws_managed("SecurityAudit")],
            ),
            role_detail(
                "vendor-support",
                trust_document({"AWS": [f"arn:aws:iam::{PARTNER}:role/support", PARTNER]}),
            ),
            role_detail("public-role", trust_document({"AWS": "*"})),
            role_detail(  # people of the partner: the MFA condition is written the wrong way round
                "partner-people",
                trust_document(
                    {"AWS": f"arn:aws:iam::{PARTNER}:root"}, {"Bool": {"aws:MultiFactorAuthPresent": "false"}}
                ),
            ),
            role_detail(  # CI: GitHub Actions' audience alone, which every repository on GitHub presents
                "github-deploy",
                web_identity(
                    GITHUB_OIDC, {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
                ),
            ),
            role_detail(
                "github-docs",
                web_identity(
                    GITHUB_OIDC,
                    {
                        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                        "StringLike": {
                            "token.actions.githubusercontent.com:sub": "repo:example/docs:ref:refs/heads/main"
                        },
                    },
                ),
            ),
            role_detail(
                "AWSServiceRoleForSupport",
                trust_document({"Service": "support.amazonaws.com"}),
                path="/aws-service-role/support.amazonaws.com/",
                attached=[aws_managed("aws-service-role/AWSSupportServiceRolePolicy")],
            ),
            role_detail(
                "ec2-web", trust_document({"Service": "ec2.amazonaws.com"}), inline={"all": everything}, profile=True
            ),
        ],
        policies=shop_policies(),
    )


def shop_report() -> list[dict[str, str]]:
    """Root used 10 days ago with an access key and no MFA; users covering every special value."""
    return [
        report_root(mfa=False, password_used=10, key=True),
        report_user("alice", password=100, password_used=3, mfa=True),
        report_user("bob", password=300, password_used="no_information"),
        report_user("carol", password=30, password_used=1, mfa=True, key1=(True, 20, 1, "sts")),
        # dave rotated: key 1 deactivated when key 2 replaced it
        report_user(
            "dave", password=20, password_used=5, mfa=True, key1=(False, 200, 150, "s3"), key2=(True, 10, 1, "ec2")
        ),
        report_user("erin", password=50, password_used=2, mfa=True, key1=(True, 30, 2, "s3"), key2=(True, 30, 3, "s3")),
        report_user("frank", key1=(True, 300, 1, "s3")),
        report_user("gina", key1=(True, 200, None, "N/A")),
        report_user("henry", key1=(True, 5, None, "N/A")),
        report_user("ci", created=5, password=5, mfa=True),
        report_user("taro.yamada", password=100, password_used=4, mfa=True),
    ]


# --- the shop account ------------------------------------------------------------------------------------
PROD, DEV1, DEV2, DEV3, DEFAULT, EMPTY = (
    "vpc-0prod",
    "vpc-0dev1",
    "vpc-0dev2",
    "vpc-0dev3",
    "vpc-0default",
    "vpc-0empty",
)
ELB_ENI = "ELB app/web-alb/50dc6c495c0c9188"


def shop_network(world: World) -> None:
    r = REGION
    shop = {"System": "shop"}
    world.items(
        "ec2",
        r,
        "DescribeVpcs",
        "Vpcs",
        [
            vpc(
                PROD,
                "10.20.0.0/16",
                ipv6="2001:db8:1234:1a00::/56",
                tags={"Name": "shop-prod", "Environment": "production", **shop},
            ),
            vpc(DEV1, "10.30.0.0/16", tags={"Name": "shop-dev1", "Environment": "dev", **shop}),
            vpc(DEV2, "10.40.0.0/16", tags={"Name": "shop-stg", "Environment": "stg", **shop}),
            vpc(DEV3, "10.50.0.0/16", tags={"Name": "shop-dev3", "Environment": "development", **shop}),
            vpc(DEFAULT, "172.31.0.0/16", default=True),
            vpc(EMPTY, "10.60.0.0/16", tags={"Name": "spare"}),
        ],
    )
    world.items(
        "ec2",
        r,
        "DescribeSubnets",
        "Subnets",
        [
            subnet("subnet-0pub-a", PROD, "10.20.0.0/24", public_ip=True, tags={"Name": "prod-public-a"}),
            subnet("subnet-0pub-b", PROD, "10.20.1.0/24", az="b", tags={"Name": "prod-public-b"}),
            subnet("subnet-0app-a", PROD, "10.20.10.0/24", tags={"Name": "prod-app-a"}),
            subnet("subnet-0db-a", PROD, "10.20.20.0/24", tags={"Name": "prod-db-a"}),
            subnet("subnet-0iso-a", PROD, "10.20.30.0/24", tags={"Name": "prod-isolated-a"}),
            subnet("subnet-0dev1-pub", DEV1, "10.30.0.0/24", public_ip=True),
            subnet("subnet-0dev2-app", DEV2, "10.40.10.0/24", tags={"Name": "stg-app"}),
            subnet("subnet-0dev3-pub", DEV3, "10.50.0.0/24"),
            subnet("subnet-0dev3-app", DEV3, "10.50.10.0/24"),
            subnet("subnet-0default-a", DEFAULT, "172.31.0.0/20", public_ip=True),
        ],
    )
    world.items(
        "ec2",
        r,
        "DescribeRouteTables",
        "RouteTables",
        [
            route_table("rtb-0prod-main", PROD, [], main=True),
            route_table(
                "rtb-0prod-pub",
                PROD,
                [route("0.0.0.0/0", GatewayId="igw-0prod"), route("::/0", GatewayId="igw-0prod")],
                ["subnet-0pub-a", "subnet-0pub-b"],
                tags={"Name": "prod-public"},
            ),
            route_table(
                "rtb-0prod-app",
                PROD,
                [route("0.0.0.0/0", NatGatewayId="nat-0prod"), route("::/0", EgressOnlyInternetGatewayId="eigw-0prod")],
                ["subnet-0app-a", "subnet-0db-a"],
            ),
            # isolated: the NAT it used is gone, its route a blackhole
            route_table(
                "rtb-0prod-iso",
                PROD,
                [route("0.0.0.0/0", NatGatewayId="nat-0old", State="blackhole")],
                ["subnet-0iso-a"],
            ),
            route_table("rtb-0dev1", DEV1, [route("0.0.0.0/0", GatewayId="igw-0dev1")], main=True),
            route_table("rtb-0dev2", DEV2, [], main=True),
            route_table("rtb-0dev3-main", DEV3, [route("0.0.0.0/0", NatGatewayId="nat-0dev3")], main=True),
            route_table("rtb-0dev3-pub", DEV3, [route("0.0.0.0/0", GatewayId="igw-0dev3")], ["subnet-0dev3-pub"]),
            route_table(
                "rtb-0default",
                DEFAULT,
                [route("0.0.0.0/0", GatewayId="igw-0default")],
                main=True,
                local="172.31.0.0/16",
            ),
        ],
    )
    world.items(
        "ec2",
        r,
        "DescribeInternetGateways",
        "InternetGateways",
        [
            internet_gateway("igw-0prod", PROD),
            internet_gateway("igw-0dev1", DEV1),
            internet_gateway("igw-0dev3", DEV3),
            internet_gateway("igw-0default", DEFAULT),
        ],
    )
    world.items(
        "ec2",
        r,
        "DescribeNatGateways",
        "NatGateways",
        [
            nat_gateway("nat-0prod", PROD, "subnet-0pub-a", eni="eni-0nat"),
            nat_gateway("nat-0old", PROD, "subnet-0pub-b", state="deleted"),
            nat_gateway("nat-0dev3", DEV3, "subnet-0dev3-pub"),
        ],
    )
    rules = [
        sg_rule("sg-0alb", "sgr-0alb4", cidr="0.0.0.0/0"),
        sg_rule("sg-0alb", "sgr-0alb6", cidr="::/0"),
        sg_rule("sg-0alb", "sgr-0albout", egress=True, proto="-1", cidr="0.0.0.0/0"),
        sg_rule("sg-0nlb", "sgr-0nlb6", cidr="::/0", description="TLS from anywhere, IPv6"),
        sg_rule("sg-0classic", "sgr-0classic", cidr="0.0.0.0/0", ports=(80, 80)),
        sg_rule("sg-0ssh6", "sgr-0ssh6", cidr="::/0", ports=(22, 22), description="admin over IPv6"),
        sg_rule("sg-0bastion", "sgr-0myip", cidr="203.0.113.10/32", ports=(22, 22), description="my IP"),
        sg_rule("sg-0app", "sgr-0app-alb", ref="sg-0alb", ports=(8080, 8080)),
        sg_rule("sg-0app", "sgr-0app-pl", prefix_list="pl-0corp", ports=(443, 443), description="corporate ranges"),
        sg_rule("sg-0app", "sgr-0app-ula", cidr="fd12:3456:789a::/48", ports=(8443, 8443)),
        sg_rule("sg-0app", "sgr-0app-icmp", proto="icmp", ports=(-1, -1), cidr="10.20.0.0/16"),
        sg_rule("sg-0db", "sgr-0db-app", ref="sg-0app", ports=(5432, 5432)),
        sg_rule(
            "sg-0db",
            "sgr-0db-partner",
            ref="sg-0partner",
            ref_account=PARTNER,
            peering="pcx-0partner",
            ports=(5432, 5432),
        ),
        sg_rule("sg-0vpce", "sgr-0vpce", cidr="10.20.0.0/16"),
        sg_rule("sg-0lambda", "sgr-0lambdaout", egress=True, proto="-1", cidr="::/0"),
        sg_rule("sg-0unused", "sgr-0rdp", cidr="0.0.0.0/0", ports=(3389, 3389)),
        sg_rule("sg-0dev-ssh", "sgr-0devssh", cidr="0.0.0.0/0", ports=(22, 22)),
        sg_rule("sg-0dev-web", "sgr-0devweb", cidr="0.0.0.0/0", ports=(8080, 8081)),
        sg_rule("sg-0dev-web", "sgr-0devudp", cidr="10.30.0.0/16", proto="udp", ports=(0, 65535)),
        sg_rule("sg-0default", "sgr-0default", ref="sg-0default", proto="-1"),
    ]
    names = {
        "sg-0alb": (PROD, "web-alb"),
        "sg-0nlb": (PROD, "api-nlb"),
        "sg-0classic": (PROD, "legacy-web"),
        "sg-0ssh6": (PROD, "admin-ssh"),
        "sg-0bastion": (PROD, "bastion"),
        "sg-0app": (PROD, "app"),
        "sg-0db": (PROD, "db"),
        "sg-0vpce": (PROD, "endpoints"),
        "sg-0lambda": (PROD, "lambda"),
        "sg-0unused": (PROD, "old-rdp"),
        "sg-0dev-ssh": (DEV1, "dev-ssh"),
        "sg-0dev-web": (DEV1, "dev-web"),
        "sg-0default": (DEFAULT, "default"),
        "sg-0stg": (DEV2, "stg-app"),
        "sg-0dev3": (DEV3, "dev3-app"),
    }
    world.items(
        "ec2",
        r,
        "DescribeSecurityGroups",
        "SecurityGroups",
        [
            security_group(
                gid,
                vid,
                name,
                [x for x in rules if x["GroupId"] == gid],
                tags={"Name": name} if gid != "sg-0default" else None,
            )
            for gid, (vid, name) in names.items()
        ],
    )
    world.items("ec2", r, "DescribeSecurityGroupRules", "SecurityGroupRules", rules)
    world.items(
        "ec2",
        r,
        "DescribeNetworkInterfaces",
        "NetworkInterfaces",
        [
            eni("eni-0web1", PROD, "subnet-0app-a", ["sg-0app"], "10.20.10.11", instance="i-0web1"),
            eni("eni-0web2", PROD, "subnet-0app-a", ["sg-0app"], "10.20.10.12", instance="i-0web2"),
            eni("eni-0batch", PROD, "subnet-0iso-a", ["sg-0app"], "10.20.30.5", instance="i-0batch"),
            eni(
                "eni-0bastion1",
                PROD,
                "subnet-0pub-a",
                ["sg-0ssh6"],
                "10.20.0.10",
                instance="i-0bastion1",
                public_ip="198.51.100.10",
            ),
            eni(
                "eni-0bastion2",
                PROD,
                "subnet-0pub-a",
                ["sg-0bastion"],
                "10.20.0.11",
                instance="i-0bastion2",
                public_ip="198.51.100.11",
            ),
            eni(
                "eni-0alb-a",
                PROD,
                "subnet-0pub-a",
                ["sg-0alb"],
                "10.20.0.100",
                description=ELB_ENI,
                requester="amazon-elb",
            ),
            eni(
                "eni-0alb-b",
                PROD,
                "subnet-0pub-b",
                ["sg-0alb"],
                "10.20.1.100",
                description=ELB_ENI,
                requester="amazon-elb",
            ),
            eni(
                "eni-0nlb",
                PROD,
                "subnet-0pub-a",
                ["sg-0nlb"],
                "10.20.0.101",
                kind="network_load_balancer",
                description="ELB net/api-nlb/0123456789abcdef",
                requester="amazon-elb",
            ),
            eni(
                "eni-0classic",
                PROD,
                "subnet-0pub-b",
                ["sg-0classic"],
                "10.20.1.101",
                description="ELB legacy-web",
                requester="amazon-elb",
            ),
            eni(
                "eni-0nat",
                PROD,
                "subnet-0pub-a",
                [],
                "10.20.0.77",
                kind="nat_gateway",
                description="Interface for NAT Gateway nat-0prod",
                requester="036872051663",
                public_ip="198.51.100.23",
            ),
            eni(
                "eni-0lambda",
                PROD,
                "subnet-0app-a",
                ["sg-0lambda"],
                "10.20.10.200",
                kind="lambda",
                description="AWS Lambda VPC ENI-orders-handler-3f1a5c2e-8d4b-4e0a-9c7f-2b6d8e1a0f3c",
                requester="AROAEXAMPLELAMBDAROLE1:orders-handler",
            ),
            eni(
                "eni-0rds",
                PROD,
                "subnet-0db-a",
                ["sg-0db"],
                "10.20.20.15",
                description="RDSNetworkInterface",
                requester="amazon-rds",
            ),
            eni(
                "eni-0vpce",
                PROD,
                "subnet-0app-a",
                ["sg-0vpce"],
                "10.20.10.250",
                kind="vpc_endpoint",
                description="VPC Endpoint Interface vpce-0ssm",
                requester="727180483921",
            ),
            eni(
                "eni-0dev1",
                DEV1,
                "subnet-0dev1-pub",
                ["sg-0dev-ssh", "sg-0dev-web"],
                "10.30.0.5",
                instance="i-0dev1",
                public_ip="198.51.100.30",
            ),
            eni(
                "eni-0devdb",
                DEV1,
                "subnet-0dev1-pub",
                ["sg-0dev-web"],
                "10.30.0.40",
                description="RDSNetworkInterface",
                requester="amazon-rds",
                public_ip="198.51.100.31",
            ),
            eni(
                "eni-0legacy",
                DEFAULT,
                "subnet-0default-a",
                ["sg-0default"],
                "172.31.5.5",
                instance="i-0legacy",
                public_ip="198.51.100.40",
            ),
        ],
    )
    world.items(
        "ec2",
        r,
        "DescribeInstances",
        "Reservations",
        reservations(
            instance(
                "i-0web1",
                PROD,
                "subnet-0app-a",
                ["sg-0app"],
                "10.20.10.11",
                profile="ec2-web",
                tags={"Name": "web-1", "Environment": "production", **shop},
            ),
            instance(
                "i-0web2", PROD, "subnet-0app-a", ["sg-0app"], "10.20.10.12", profile="ec2-web", http_tokens="optional"
            ),  # no tags at all
            instance(
                "i-0web3",
                PROD,
                "subnet-0app-a",
                ["sg-0app"],
                "10.20.10.13",
                profile="ec2-web",
                tags={"Name": "web-3", "Environment": "production", **shop},
            ),
            instance("i-0batch", PROD, "subnet-0iso-a", ["sg-0app"], "10.20.30.5", tags={"Name": "batch", **shop}),
            instance(
                "i-0bastion1",
                PROD,
                "subnet-0pub-a",
                ["sg-0ssh6"],
                "10.20.0.10",
                public_ip="198.51.100.10",
                profile="ec2-web",
                tags={"Name": "bastion-1", "Role": "bastion", **shop},
            ),
            instance(
                "i-0bastion2",
                PROD,
                "subnet-0pub-a",
                ["sg-0bastion"],
                "10.20.0.11",
                public_ip="198.51.100.11",
                profile="ec2-web",
                tags={"Name": "bastion-2", "Role": "Bastion", **shop},
            ),
            instance("i-0old", "", "", [], "", state="terminated", tags={"Name": "old-web", **shop}),
            instance(
                "i-0stopped",
                PROD,
                "subnet-0app-a",
                ["sg-0app"],
                "10.20.10.99",
                state="stopped",
                tags={"Name": "spare", **shop},
            ),
            instance(
                "i-0dev1",
                DEV1,
                "subnet-0dev1-pub",
                ["sg-0dev-ssh", "sg-0dev-web"],
                "10.30.0.5",
                public_ip="198.51.100.30",
                profile="ec2-web",
                tags={"Name": "dev-1", "Environment": "dev", **shop},
            ),
            instance(
                "i-0stg",
                DEV2,
                "subnet-0dev2-app",
                ["sg-0stg"],
                "10.40.10.5",
                profile="ec2-web",
                tags={"Name": "stg-1", "Environment": "stg", **shop},
            ),
            instance(
                "i-0dev3",
                DEV3,
                "subnet-0dev3-app",
                ["sg-0dev3"],
                "10.50.10.5",
                profile="ec2-web",
                tags={"Name": "dev3-1", "System": "shop"},
            ),
            instance(
                "i-0legacy",
                DEFAULT,
                "subnet-0default-a",
                ["sg-0default"],
                "172.31.5.5",
                public_ip="198.51.100.40",
                profile="ec2-web",
                tags={"Name": "legacy"},
            ),
        ),
    )
    serve_user_data(
        world,
        r,
        {
            "i-0web1": user_data("#cloud-config\npackages:\n  - nginx\n"),
            "i-0web2": user_data('#!/bin/bash\nexport DB_PASSWORD="Tr0ub4dor&3-horse-battery"\n'),
            "i-0web3": user_data(f"#!/bin/bash\nexport AWS_SECRET_ACCESS_KEY={FAKE_SECRET}\n", gzipped=True),
            "i-0batch": user_data(
                f"#!/bin/bash\nexport AWS_ACCESS_KEY_ID={FAKE_KEY_ID}\nexport AWS_SECRET_ACCESS_KEY={FAKE_SECRET}\n"
            ),
            "i-0bastion1": "not base64 at all!",
        },
    )
    world.items(
        "ec2",
        r,
        "DescribeVpcEndpoints",
        "VpcEndpoints",
        [
            vpc_endpoint("vpce-0s3", PROD, "s3", kind="Gateway"),
            vpc_endpoint("vpce-0ssm", PROD, "ssm"),
            vpc_endpoint("vpce-0logs", PROD, "logs"),
            vpc_endpoint("vpce-0kms", PROD, "kms", state="deleted"),
            vpc_endpoint("vpce-0s3dev3", DEV3, "s3", kind="Gateway"),
        ],
    )
    world.items(
        "ec2",
        r,
        "DescribeFlowLogs",
        "FlowLogs",
        [
            flow_log("fl-0prod", PROD),
            flow_log("fl-0dev3", DEV3, to_s3=True),
        ],
    )

    world.items(
        "elbv2",
        r,
        "DescribeLoadBalancers",
        "LoadBalancers",
        [
            load_balancer_v2(
                "web-alb", "application", "internet-facing", PROD, ["subnet-0pub-a", "subnet-0pub-b"], ["sg-0alb"]
            ),
            load_balancer_v2(
                "api-nlb", "network", "internet-facing", PROD, ["subnet-0pub-a"], ["sg-0nlb"], lb_id="0123456789abcdef"
            ),
        ],
    )
    world.items(
        "elb",
        r,
        "DescribeLoadBalancers",
        "LoadBalancerDescriptions",
        [
            classic_load_balancer("legacy-web", PROD, ["subnet-0pub-b"], ["sg-0classic"]),
        ],
    )
    prod_group = db_subnet_group("shop-db", PROD, ["subnet-0db-a", "subnet-0app-a"])
    dev_group = db_subnet_group("dev-db", DEV1, ["subnet-0dev1-pub"])
    world.items("rds", r, "DescribeDBSubnetGroups", "DBSubnetGroups", [prod_group, dev_group])
    world.items(
        "rds",
        r,
        "DescribeDBInstances",
        "DBInstances",
        [
            db_instance(
                "shop-db-1",
                prod_group,
                ["sg-0db"],
                engine="aurora-postgresql",
                cluster="shop-db",
                tags={"Environment": "production", **shop},
            ),
            db_instance(
                "dev-db", dev_group, ["sg-0dev-web"], public=True, engine="mysql", tags={"Environment": "dev", **shop}
            ),
        ],
    )
    world.items("rds", r, "DescribeDBClusters", "DBClusters", [db_cluster("shop-db")])


def shop_devtools(world: World) -> None:
    r = REGION
    ref = f"arn:aws:secretsmanager:{r}:{ACCOUNT}:secret:orders-db-AbCdEf"
    world.items(
        "lambda",
        r,
        "ListFunctions",
        "Functions",
        [
            function(
                "orders-handler",
                "lambda-orders",
                vpc=(PROD, ["subnet-0app-a"], ["sg-0lambda"]),
                variables={
                    "DB_SECRET_ARN": ref,
                    "TABLE_NAME": "orders",
                    "API_TOKEN": "ghp_4d2Yf8Qz1Lk9Wm3Xc7Vb5Nn0Pp6Rr8Tt2Uu4",
                },
            ),
            function(
                "nightly-admin",
                "lambda-admin",
                variables={"AWS_ACCESS_KEY_ID": FAKE_KEY_ID, "AWS_SECRET_ACCESS_KEY": FAKE_SECRET},
            ),
            function("thumbnails", "lambda-orders"),  # no environment at all
            function("orphan", "lambda-gone", variables={}),  # its role was deleted
            locked_function("billing-export", "lambda-orders"),  # Lambda could not decrypt its variables for us
        ],
    )
    serve_projects(
        world,
        r,
        [
            codebuild_project(
                "web-build",
                "build-deploy",
                [
                    ("STAGE", "prod", "PLAINTEXT"),
                    ("AWS_ACCESS_KEY_ID", FAKE_KEY_ID, "PLAINTEXT"),
                    ("AWS_SECRET_ACCESS_KEY", FAKE_SECRET, "PLAINTEXT"),
                ],
            ),
            codebuild_project(
                "api-build",
                "build-deploy",
                [
                    ("DB_PASSWORD", "hunter2-but-longer!", "PLAINTEXT"),
                    ("NPM_TOKEN", "/build/npm-token", "PARAMETER_STORE"),
                ],
            ),
            codebuild_project("image-build", "pipeline-main", [("REPO", "web", "PLAINTEXT")], privileged=True),
        ],
    )
    serve_pipelines(
        world,
        r,
        [
            pipeline("shop-release", "pipeline-main"),
            pipeline(  # a GitHub (version 1) source action holding its token in the settings
                "docs-release",
                "pipeline-main",
                configuration={"Owner": "example", "Repo": "docs", "Branch": "main", "OAuthToken": GITHUB_TOKEN},
            ),
            pipeline("deploy-legacy", "pipeline-main", variables={"AWS_ACCESS_KEY_ID": FAKE_KEY_ID, "STAGE": "prod"}),
        ],
    )
    world.items(
        "ecr",
        r,
        "DescribeRepositories",
        "repositories",
        [
            ecr_repository("web", scan=True, immutable=True),
            ecr_repository("tools", scan=False, immutable=False),
            ecr_repository("prod-api", scan=False, immutable=False),
        ],
    )
    world.answer(
        "ecr",
        r,
        "GetRegistryScanningConfiguration",
        {
            "registryId": ACCOUNT,
            "scanningConfiguration": {
                "scanType": "BASIC",
                "rules": [
                    {
                        "scanFrequency": "SCAN_ON_PUSH",
                        "repositoryFilters": [{"filter": "prod-*", "filterType": "WILDCARD"}],
                    },
                    {"scanFrequency": "MANUAL", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]},
                ],
            },
        },
    )
    world.items(
        "secretsmanager",
        r,
        "ListSecrets",
        "SecretList",
        [
            secret("orders-db", rotated=True, accessed=1),
            secret("legacy-ftp", rotated=False, accessed=200),
            secret("never-read", rotated=False, accessed=None, created=300),
        ],
    )
    world.items("accessanalyzer", r, "ListAnalyzers", "analyzers", [analyzer("account-analyzer")])
    world.items(
        "codecommit",
        r,
        "ListRepositories",
        "repositories",
        [
            {"repositoryName": "web", "repositoryId": "f7579e13-b83e-4027-aaef-650c0EXAMPLE"},
        ],
    )


def shop_other_region(world: World) -> None:
    """The second region: a VPC hosting two systems, listed without its CIDR association set; no analyzer."""
    r = OTHER_REGION
    world.items(
        "ec2",
        r,
        "DescribeVpcs",
        "Vpcs",
        [
            vpc("vpc-0mixed", "10.70.0.0/16", associations=False, tags={"Name": "shared", "Environment": "prod"}),
        ],
    )
    world.items(
        "ec2", r, "DescribeSubnets", "Subnets", [subnet("subnet-0mixed", "vpc-0mixed", "10.70.1.0/24", region=r)]
    )
    world.items(
        "ec2",
        r,
        "DescribeRouteTables",
        "RouteTables",
        [
            route_table("rtb-0mixed", "vpc-0mixed", [route("0.0.0.0/0", NatGatewayId="nat-0mixed")], main=True),
        ],
    )
    world.items(
        "ec2", r, "DescribeNatGateways", "NatGateways", [nat_gateway("nat-0mixed", "vpc-0mixed", "subnet-0mixed")]
    )
    world.items(
        "ec2",
        r,
        "DescribeSecurityGroups",
        "SecurityGroups",
        [
            security_group("sg-0mixed", "vpc-0mixed", "mixed", tags={"Name": "mixed"}),
        ],
    )
    world.items(
        "ec2",
        r,
        "DescribeInstances",
        "Reservations",
        reservations(
            instance(
                "i-0shopjp",
                "vpc-0mixed",
                "subnet-0mixed",
                ["sg-0mixed"],
                "10.70.1.5",
                region=r,
                profile="ec2-web",
                tags={"Name": "shop-jp", "System": "shop"},
            ),
            instance(
                "i-0bi",
                "vpc-0mixed",
                "subnet-0mixed",
                ["sg-0mixed"],
                "10.70.1.6",
                region=r,
                profile="ec2-web",
                tags={"Name": "bi", "Project": "analytics"},
            ),
        ),
    )
    serve_user_data(world, r, {})
    world.items("ec2", r, "DescribeFlowLogs", "FlowLogs", [])
    world.items("accessanalyzer", r, "ListAnalyzers", "analyzers", [analyzer("old", status="DISABLED", region=r)])


def shop_account() -> World:
    world = World(account=ACCOUNT, regions=[REGION, OTHER_REGION], name="shop")
    shop_network(world)
    shop_devtools(world)
    shop_other_region(world)
    add_iam(
        world,
        report=shop_report(),
        summary=account_summary(root_mfa=False, root_keys=True),
        password_policy={
            "MinimumPasswordLength": 8,
            "RequireSymbols": False,
            "RequireNumbers": True,
            "RequireUppercaseCharacters": True,
            "RequireLowercaseCharacters": True,
            "AllowUsersToChangePassword": True,
            "ExpirePasswords": True,
            "MaxPasswordAge": 400,
            "PasswordReusePrevention": 5,
        },
        details=shop_details(),
        credentials=[
            service_credential("ci"),
            service_credential("alice", status="Inactive"),
            service_credential("dave", service="cassandra.amazonaws.com"),
        ],
        ssh_keys={"ci": ["APKAEIBAERJR2EXAMPLE"]},
    )
    return world


# --- the other accounts -----------------------------------------------------------------------------------
def small_vpc(
    world: World,
    vid: str,
    cidr: str,
    *,
    tags: dict | None,
    public_only: bool = False,
    instance_tags: dict | None = None,
    iid: str = "i-0app",
) -> None:
    """A VPC with a public subnet (IGW) and, unless ``public_only``, a private one (NAT) holding an instance."""
    r = REGION
    base = cidr.rsplit(".", 2)[0]
    world.items("ec2", r, "DescribeVpcs", "Vpcs", [vpc(vid, cidr, tags=tags)])
    subnets = [subnet(f"subnet-{vid[4:]}-pub", vid, f"{base}.0.0/24", public_ip=True)]
    tables = [
        route_table(
            f"rtb-{vid[4:]}-pub",
            vid,
            [route("0.0.0.0/0", GatewayId=f"igw-{vid[4:]}")],
            [subnets[0]["SubnetId"]],
            main=public_only,
        )
    ]
    where = subnets[0]["SubnetId"]
    if not public_only:
        subnets.append(subnet(f"subnet-{vid[4:]}-app", vid, f"{base}.10.0/24"))
        tables.append(
            route_table(f"rtb-{vid[4:]}-app", vid, [route("0.0.0.0/0", NatGatewayId=f"nat-{vid[4:]}")], main=True)
        )
        world.items("ec2", r, "DescribeNatGateways", "NatGateways", [nat_gateway(f"nat-{vid[4:]}", vid, where)])
        where = subnets[1]["SubnetId"]
    world.items("ec2", r, "DescribeSubnets", "Subnets", subnets)
    world.items("ec2", r, "DescribeRouteTables", "RouteTables", tables)
    world.items("ec2", r, "DescribeInternetGateways", "InternetGateways", [internet_gateway(f"igw-{vid[4:]}", vid)])
    world.items("ec2", r, "DescribeSecurityGroups", "SecurityGroups", [security_group(f"sg-{vid[4:]}", vid, "app")])
    world.items(
        "ec2",
        r,
        "DescribeInstances",
        "Reservations",
        reservations(
            instance(iid, vid, where, [f"sg-{vid[4:]}"], f"{base}.10.5", profile="app", tags=instance_tags),
        ),
    )


def plain_account() -> World:
    """Nothing tagged; no password policy; the report without a root row (as some tools and moto write it); an
    endpoint without ``AllUsers`` for service-specific credentials; a user holding HTTPS Git credentials who was
    deleted while the collection listed SSH keys."""
    world = World(account=PLAIN, name="plain")
    small_vpc(world, "vpc-0plain", "10.80.0.0/16", tags=None)
    serve_user_data(world, REGION, {"i-0app": user_data("#!/bin/sh\necho hello\n")})
    world.items("accessanalyzer", REGION, "ListAnalyzers", "analyzers", [analyzer("a")])
    gone = service_credential("gone-user")
    add_iam(
        world,
        report=[report_user("taro_yamada", password=10, password_used=1, mfa=True)],
        summary=account_summary(root_mfa=True, root_keys=False),
        password_policy=None,
        details=authorization_details(users=[user_detail("taro_yamada", account=PLAIN)]),
        credentials=[gone],
        all_users_unknown=True,
    )
    # the per-user listing still names gone-user (ListUsers is answered from a copy taken earlier)
    world.answer(
        "iam",
        GLOBAL,
        "ListUsers",
        {
            "Users": [
                {
                    "Path": "/",
                    "UserName": "gone-user",
                    "UserId": "AIDAGONEUSEREXAMPLE1",
                    "Arn": f"arn:aws:iam::{PLAIN}:user/gone-user",
                    "CreateDate": ago(365),
                }
            ],
            "IsTruncated": False,
        },
    )
    return world


def payments_dev_account() -> World:
    """Dev of system payments, whose prod lives in another account; and a dev VPC of system billing, whose prod
    is nowhere readable; root not used lately; a strong password policy."""
    world = World(account=PAYMENTS_DEV, name="payments-dev")
    small_vpc(
        world,
        "vpc-0paydev",
        "10.90.0.0/16",
        public_only=True,
        tags={"Name": "payments-dev", "Environment": "dev", "System": "payments"},
        instance_tags={"Name": "pay-dev-1", "Environment": "dev", "System": "payments"},
    )
    world.items(
        "ec2",
        REGION,
        "DescribeVpcs",
        "Vpcs",
        [
            vpc(
                "vpc-0billdev", "10.91.0.0/16", tags={"Name": "billing-dev", "Environment": "dev", "System": "billing"}
            ),
        ],
    )
    serve_user_data(world, REGION, {})
    add_iam(
        world,
        report=[
            report_root(mfa=True, password_used=200, account=PAYMENTS_DEV),
            report_user("Taro.Yamada@example.com", password=30, password_used=2, mfa=True, account=PAYMENTS_DEV),
        ],
        summary=account_summary(root_mfa=True, root_keys=False),
        password_policy=STRONG_PASSWORD_POLICY,
        details=authorization_details(users=[user_detail("Taro.Yamada@example.com", account=PAYMENTS_DEV)]),
    )
    return world


def payments_prod_account() -> World:
    world = World(account=PAYMENTS_PROD, name="payments-prod")
    small_vpc(
        world,
        "vpc-0payprod",
        "10.100.0.0/16",
        tags={"Name": "payments-prod", "Environment": "prod", "System": "payments"},
        instance_tags={"Name": "pay-1", "Environment": "prod", "System": "payments"},
    )
    serve_user_data(world, REGION, {})
    add_iam(
        world,
        report=[],
        summary=account_summary(root_mfa=True, root_keys=False),
        password_policy=None,
        details=authorization_details(),
    )
    return world


def blind_account() -> World:
    """The network cannot be read here (the audit role lacks ec2:Describe*), nor the pipelines."""
    world = World(account=BLIND, name="blind")
    denied = Error("UnauthorizedOperation", "You are not authorized to perform this operation.", 403)
    world.fail("ec2", REGION, ["DescribeVpcs", "DescribeSubnets", "DescribeRouteTables"], denied)
    world.fail("codepipeline", REGION, ["ListPipelines"], Error("AccessDeniedException", "not authorized", 400))
    add_iam(
        world,
        report=[],
        summary=account_summary(root_mfa=True, root_keys=False),
        password_policy=None,
        details=authorization_details(),
    )
    return world


def rich_worlds() -> list[World]:
    """Every simulated account, in a fixed order."""
    return [shop_account(), plain_account(), payments_dev_account(), payments_prod_account(), blind_account()]


# --- collected once per test process --------------------------------------------------------------------
@dataclass
class Collected:
    """One simulated account collected by the real collectors: the snapshot as saved, and what the collectors
    read in the raw answers (``"ec2.DescribeInstanceAttribute": ("UserData", "Value")``, …)."""

    world: World
    raw: dict[str, Any]
    reads: Reads
    calls: dict[str, int]

    def snapshot(self) -> Snapshot:
        """A fresh copy (tests may change it)."""
        return Snapshot.from_dict(copy.deepcopy(self.raw))


@cache
def collected(name: str) -> Collected:
    """``collected("shop")``: the account of :func:`rich_worlds` with that name, collected through :class:`FakeAws`
    with every raw answer recording what the collectors read. Cached: collecting costs about a second."""
    world = next(w for w in rich_worlds() if w.name == name)
    reads = Reads()
    fake = FakeAws(world, wrap=lambda service, operation, answer: record(answer, reads, f"{service}.{operation}"))
    snapshot = harness.collect_with_clients(fake.client, world.regions, world.identity)
    reads.enabled = False
    snapshot.meta["collected_at"] = NOW.isoformat()
    snapshot.meta["account_name"] = world.name
    loaded = harness.saved_and_loaded(snapshot)
    return Collected(world, loaded.to_dict(), reads, dict(fake.calls))


WORLD_NAMES = ("shop", "plain", "payments-dev", "payments-prod", "blind")


# --- another partition ----------------------------------------------------------------------------------
def partition_account(partition: str = "aws-us-gov", region: str = "us-gov-west-1") -> World:
    """An account in GovCloud (or China): every ARN in the answers names the partition."""
    world = World(account=ACCOUNT, regions=[region], partition=partition, name=partition)
    admin = aws_managed("AdministratorAccess", partition)
    readonly = aws_managed("ReadOnlyAccess", partition)
    world.items("ec2", region, "DescribeVpcs", "Vpcs", [vpc("vpc-0gov", "10.0.0.0/16", tags={"Name": "gov"})])
    world.items(
        "ec2",
        region,
        "DescribeInstances",
        "Reservations",
        reservations(
            instance(
                "i-0gov",
                "vpc-0gov",
                "subnet-0gov",
                [],
                "10.0.1.5",
                region=region,
                profile="app",
                partition=partition,
                tags={"Name": "gov-app"},
            ),
        ),
    )
    serve_user_data(world, region, {})
    reference = f"arn:{partition}:secretsmanager:{region}:{ACCOUNT}:secret:db-AbCdEf"
    world.items(
        "lambda",
        region,
        "ListFunctions",
        "Functions",
        [function("api", "app-admin", variables={"DB_SECRET": reference}, region=region, partition=partition)],
    )
    add_iam(
        world,
        report=[
            report_root(account=ACCOUNT, partition=partition),
            report_user("ops", password=10, password_used=1, mfa=True, partition=partition),
        ],
        summary=account_summary(root_mfa=True, root_keys=False),
        password_policy=STRONG_PASSWORD_POLICY,
        details=authorization_details(
            users=[user_detail("ops", attached=[admin], partition=partition)],
            roles=[
                role_detail(
                    "app-admin",
                    trust_document({"Service": "lambda.amazonaws.com"}),
                    attached=[admin],
                    partition=partition,
                ),
                role_detail(
                    "partner", trust_document({"AWS": f"arn:{partition}:iam::{PARTNER}:root"}), partition=partition
                ),
            ],
            policies=[
                policy_detail(admin, [(document(statement("Allow", "*")), True)], attached=2),
                policy_detail(readonly, [(document(statement("Allow", "s3:Get*")), True)], attached=0),
            ],
        ),
    )
    return world
