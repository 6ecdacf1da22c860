"""Tiny in-memory snapshots in the shapes AWS returns, for testing checks without AWS."""

from __future__ import annotations

import copy
from typing import Any

from awsbp.snapshot import Snapshot

REGION = "eu-west-1"
NOW_DEFAULT = "2026-11-28T00:00:00+00:00"
ACCOUNT = "111122223333"
EXPECTED_ENDPOINTS = ["ssm", "ssmmessages", "ec2messages", "logs", "ecr.api", "ecr.dkr", "sts", "secretsmanager", "kms"]

# Every API the VPC domain reads, per service; a snapshot built here has all of them unless told otherwise.
APIS = {
    "ec2": [
        "DescribeInstanceAttribute",
        "DescribeVpcs",
        "DescribeSubnets",
        "DescribeRouteTables",
        "DescribeInternetGateways",
        "DescribeNatGateways",
        "DescribeSecurityGroups",
        "DescribeSecurityGroupRules",
        "DescribeNetworkInterfaces",
        "DescribeInstances",
        "DescribeVpcEndpoints",
        "DescribeFlowLogs",
    ],
    "elbv2": ["DescribeLoadBalancers"],
    "elb": ["DescribeLoadBalancers"],
    "rds": ["DescribeDBInstances", "DescribeDBClusters", "DescribeDBSubnetGroups"],
    "lambda": ["ListFunctions"],
    "accessanalyzer": ["ListAnalyzers"],
    "codebuild": ["BatchGetProjects"],
    "codepipeline": ["GetPipeline"],
    "codecommit": ["ListRepositories"],
    "ecr": ["DescribeRepositories", "GetRegistryScanningConfiguration"],
    "secretsmanager": ["ListSecrets"],
}
GLOBAL_APIS = {
    "iam": [
        "GetCredentialReport",
        "GetAccountSummary",
        "GetAccountPasswordPolicy",
        "GetAccountAuthorizationDetails",
        "ListSSHPublicKeys",
        "ListServiceSpecificCredentials",
    ],
}


def tags(**kv: str | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in kv.items() if v is not None]


def vpc(vid: str, cidr: str, name: str, env: str | None = None, system: str | None = None, default: bool = False):
    return {
        "VpcId": vid,
        "CidrBlock": cidr,
        "IsDefault": default,
        "CidrBlockAssociationSet": [{"CidrBlock": cidr}],
        "Tags": tags(Name=name, Environment=env, System=system),
    }


def subnet(sid: str, vid: str, cidr: str, name: str) -> dict[str, Any]:
    return {"SubnetId": sid, "VpcId": vid, "CidrBlock": cidr, "AvailabilityZone": f"{REGION}a", "Tags": tags(Name=name)}


def route_table(rtid: str, vid: str, subnets: list[str] = (), main: bool = False, igw: str = "", nat: str = ""):
    routes = [{"DestinationCidrBlock": "10.0.0.0/8", "GatewayId": "local", "State": "active"}]
    if igw:
        routes.append({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw, "State": "active"})
    if nat:
        routes.append({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat, "State": "active"})
    assoc = [{"Main": False, "SubnetId": s} for s in subnets] + ([{"Main": True}] if main else [])
    return {"RouteTableId": rtid, "VpcId": vid, "Routes": routes, "Associations": assoc, "Tags": []}


def sg(gid: str, vid: str, name: str, **tag: str) -> dict[str, Any]:
    return {"GroupId": gid, "GroupName": name, "VpcId": vid, "Tags": tags(**tag)}


def rule(
    gid: str,
    rid: str,
    *,
    cidr: str = "",
    ref: str = "",
    proto: str = "tcp",
    port: int = 443,
    to: int | None = None,
    egress: bool = False,
) -> dict[str, Any]:
    out = {
        "SecurityGroupRuleId": rid,
        "GroupId": gid,
        "IsEgress": egress,
        "IpProtocol": proto,
        "FromPort": port,
        "ToPort": port if to is None else to,
    }
    if cidr:
        out["CidrIpv6" if ":" in cidr else "CidrIpv4"] = cidr
    if ref:
        out["ReferencedGroupInfo"] = {"GroupId": ref}
    return out


def instance(
    iid: str,
    vid: str,
    sid: str,
    sgs: list[str],
    name: str,
    public_ip: str = "",
    profile: str = "web",
    http_tokens: str = "required",
    **tag: str,
):
    out = {
        "InstanceId": iid,
        "VpcId": vid,
        "SubnetId": sid,
        "State": {"Name": "running"},
        "SecurityGroups": [{"GroupId": g} for g in sgs],
        "MetadataOptions": {"HttpTokens": http_tokens},
        "Tags": tags(Name=name, **tag),
    }
    if profile:
        out["IamInstanceProfile"] = {"Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/{profile}"}
    if public_ip:
        out["PublicIpAddress"] = public_ip
    return out


def eni(eid: str, vid: str, sid: str, sgs: list[str], ip: str, instance_id: str = "", description: str = ""):
    out = {
        "NetworkInterfaceId": eid,
        "VpcId": vid,
        "SubnetId": sid,
        "Groups": [{"GroupId": g} for g in sgs],
        "PrivateIpAddress": ip,
        "PrivateIpAddresses": [{"PrivateIpAddress": ip}],
        "Description": description,
        "InterfaceType": "interface",
    }
    if instance_id:
        out["Attachment"] = {"InstanceId": instance_id}
    return out


def alb(name: str, vid: str, subnets: list[str], sgs: list[str], scheme: str = "internet-facing"):
    arn = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/{name}/abc123"
    return {
        "LoadBalancerArn": arn,
        "LoadBalancerName": name,
        "Type": "application",
        "Scheme": scheme,
        "VpcId": vid,
        "AvailabilityZones": [{"SubnetId": s} for s in subnets],
        "SecurityGroups": sgs,
    }


def db(dbid: str, vid: str, group: str, subnets: list[str], sgs: list[str], public: bool = False, **tag: str):
    return {
        "DBInstanceIdentifier": dbid,
        "DBInstanceArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{dbid}",
        "Engine": "mysql",
        "PubliclyAccessible": public,
        "DBSubnetGroup": {
            "DBSubnetGroupName": group,
            "VpcId": vid,
            "Subnets": [{"SubnetIdentifier": s} for s in subnets],
        },
        "VpcSecurityGroups": [{"VpcSecurityGroupId": g} for g in sgs],
        "TagList": tags(**tag),
    }


def subnet_group(name: str, vid: str, subnets: list[str]) -> dict[str, Any]:
    return {"DBSubnetGroupName": name, "VpcId": vid, "Subnets": [{"SubnetIdentifier": s} for s in subnets]}


def endpoint(eid: str, vid: str, service: str, kind: str = "Interface") -> dict[str, Any]:
    return {
        "VpcEndpointId": eid,
        "VpcId": vid,
        "ServiceName": f"com.amazonaws.{REGION}.{service}",
        "VpcEndpointType": kind,
        "State": "available",
    }


def flow_log(vid: str) -> dict[str, Any]:
    return {
        "FlowLogId": f"fl-{vid}",
        "ResourceId": vid,
        "FlowLogStatus": "ACTIVE",
        "LogDestination": "arn:aws:s3:::logs",
    }


def snapshot(
    data: dict[str, dict[str, list[Any]]] | None = None,
    *,
    region: str = REGION,
    regions: list[str] | None = None,
    missing: list[str] = (),
) -> Snapshot:
    """A snapshot with every VPC-domain API present (empty unless given); ``missing`` ("ec2.DescribeVpcs")
    are recorded as AccessDenied instead."""
    snap = Snapshot(
        meta={
            "account_id": ACCOUNT,
            "partition": "aws",
            "regions": regions or [region],
            "collected_at": NOW_DEFAULT,
        }
    )
    given = copy.deepcopy(data or {})
    for r in regions or [region]:
        for service, apis in APIS.items():
            for api in apis:
                name = f"{service}.{api}"
                if name in missing:
                    snap.record_error(service, r, api, "AccessDenied", f"not authorized to perform {name}")
                else:
                    snap.put(service, r, api, given.get(name, []) if r == region else [])
    for service, apis in GLOBAL_APIS.items():
        for api in apis:
            name = f"{service}.{api}"
            if name in missing:
                snap.record_error(service, "global", api, "AccessDenied", f"not authorized to perform {name}")
            else:
                snap.put(service, "global", api, given.get(name, []))
    return snap


def region_gap(snap: Snapshot, region: str, *names: str, code: str = "AccessDenied") -> Snapshot:
    """``snap`` with APIs (``"lambda.ListFunctions"``) of one region failed instead of collected."""
    for name in names:
        service, api = name.split(".", 1)
        snap.data.get(service, {}).get(region, {}).pop(api, None)
        snap.record_error(service, region, api, code, f"not authorized to perform {name}")
    return snap


def good_world() -> dict[str, list[Any]]:
    """A compliant production VPC: every VPC check passes on it."""
    v = "vpc-prod"
    return {
        "ec2.DescribeVpcs": [vpc(v, "10.0.0.0/16", "prod", env="prod", system="shop")],
        "ec2.DescribeSubnets": [
            subnet("subnet-pub", v, "10.0.0.0/24", "prod-public"),
            subnet("subnet-app", v, "10.0.10.0/24", "prod-app"),
        ],
        "ec2.DescribeRouteTables": [
            route_table("rtb-main", v, main=True),
            route_table("rtb-pub", v, ["subnet-pub"], igw="igw-1"),
            route_table("rtb-app", v, ["subnet-app"], nat="nat-1"),
        ],
        "ec2.DescribeNatGateways": [
            {"NatGatewayId": "nat-1", "VpcId": v, "SubnetId": "subnet-pub", "State": "available"}
        ],
        "ec2.DescribeSecurityGroups": [sg("sg-alb", v, "alb"), sg("sg-web", v, "web"), sg("sg-db", v, "db")],
        "ec2.DescribeSecurityGroupRules": [
            rule("sg-alb", "sgr-alb443", cidr="0.0.0.0/0", port=443),
            rule("sg-alb", "sgr-alb443v6", cidr="::/0", port=443),
            rule("sg-web", "sgr-web", ref="sg-alb", port=8080),
            rule("sg-db", "sgr-db", ref="sg-web", port=3306),
            rule("sg-web", "sgr-egress", cidr="0.0.0.0/0", proto="-1", port=-1, egress=True),
        ],
        "ec2.DescribeNetworkInterfaces": [
            eni("eni-web", v, "subnet-app", ["sg-web"], "10.0.10.5", instance_id="i-web"),
            eni("eni-alb", v, "subnet-pub", ["sg-alb"], "10.0.0.9", description="ELB app/prod-alb/abc123"),
        ],
        "ec2.DescribeInstances": [
            instance("i-web", v, "subnet-app", ["sg-web"], "web-1", Environment="prod", System="shop")
        ],
        "ec2.DescribeVpcEndpoints": [endpoint("vpce-s3", v, "s3", "Gateway")]
        + [endpoint(f"vpce-{s}", v, s) for s in EXPECTED_ENDPOINTS],
        "ec2.DescribeFlowLogs": [flow_log(v)],
        "elbv2.DescribeLoadBalancers": [alb("prod-alb", v, ["subnet-pub"], ["sg-alb"])],
        "rds.DescribeDBInstances": [db("prod-db", v, "prod-db", ["subnet-app"], ["sg-db"], System="shop")],
        "rds.DescribeDBSubnetGroups": [subnet_group("prod-db", v, ["subnet-app"])],
    }


def with_(world: dict[str, list[Any]], key: str, *items: Any) -> dict[str, list[Any]]:
    """Append items to one API of a world dict; returns the world for chaining."""
    world[key] = world.get(key, []) + list(items)
    return world


# --- IAM ------------------------------------------------------------------------------------------
NOW = "2026-11-28T00:00:00+00:00"  # the snapshots' collected_at
RECENT, OLD = "2026-11-20T00:00:00+00:00", "2026-01-10T00:00:00+00:00"


def report_row(
    user: str,
    *,
    password: bool = False,
    mfa: bool = False,
    password_used: str = "N/A",
    key1: bool = False,
    key1_rotated: str = "N/A",
    key1_used: str = "N/A",
    key1_service: str = "N/A",
    key2: bool = False,
    key2_rotated: str = "N/A",
    key2_used: str = "N/A",
    created: str = OLD,
) -> dict[str, str]:
    """A credential-report row, all strings as AWS writes them."""
    return {
        "user": user,
        "arn": f"arn:aws:iam::{ACCOUNT}:user/{user}" if user != "<root_account>" else f"arn:aws:iam::{ACCOUNT}:root",
        "user_creation_time": created,
        "password_enabled": str(password).lower() if user != "<root_account>" else "not_supported",
        "password_last_used": password_used,
        "mfa_active": str(mfa).lower(),
        "access_key_1_active": str(key1).lower(),
        "access_key_1_last_rotated": key1_rotated,
        "access_key_1_last_used_date": key1_used,
        "access_key_1_last_used_service": key1_service,
        "access_key_2_active": str(key2).lower(),
        "access_key_2_last_rotated": key2_rotated,
        "access_key_2_last_used_date": key2_used,
        "access_key_2_last_used_service": "N/A",
    }


def allow(*actions: str, resource: str = "*") -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": resource}]}


def trust(principal: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        stmt["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [stmt]}


def iam_user(name: str, groups: list[str] = (), attached: list[str] = (), inline: dict[str, Any] | None = None):
    return {
        "UserName": name,
        "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
        "GroupList": list(groups),
        "AttachedManagedPolicies": [{"PolicyArn": a} for a in attached],
        "UserPolicyList": [{"PolicyName": k, "PolicyDocument": v} for k, v in (inline or {}).items()],
    }


def iam_group(name: str, attached: list[str] = (), inline: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "GroupName": name,
        "Arn": f"arn:aws:iam::{ACCOUNT}:group/{name}",
        "AttachedManagedPolicies": [{"PolicyArn": a} for a in attached],
        "GroupPolicyList": [{"PolicyName": k, "PolicyDocument": v} for k, v in (inline or {}).items()],
    }


def iam_role(name: str, trust_doc: dict[str, Any], attached: list[str] = (), path: str = "/") -> dict[str, Any]:
    return {
        "RoleName": name,
        "Arn": f"arn:aws:iam::{ACCOUNT}:role{path}{name}",
        "Path": path,
        "AssumeRolePolicyDocument": trust_doc,
        "AttachedManagedPolicies": [{"PolicyArn": a} for a in attached],
        "RolePolicyList": [],
        "InstanceProfileList": [],
    }


def managed(arn: str, doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "Arn": arn,
        "PolicyName": arn.rsplit("/", 1)[-1],
        "PolicyVersionList": [{"IsDefaultVersion": True, "Document": doc}],
    }


def details(users=(), groups=(), roles=(), policies=()) -> list[dict[str, Any]]:
    return [
        {
            "UserDetailList": list(users),
            "GroupDetailList": list(groups),
            "RoleDetailList": list(roles),
            "Policies": list(policies),
        }
    ]


STRONG_PASSWORD_POLICY = {
    "MinimumPasswordLength": 16,
    "RequireSymbols": True,
    "RequireNumbers": True,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
    "PasswordReusePrevention": 24,
}


def good_iam_world() -> dict[str, list[Any]]:
    """A compliant account: every IAM check passes on it (with good_world's instance)."""
    world = good_world()
    world.update(
        {
            "iam.GetCredentialReport": [
                report_row("<root_account>", mfa=True, password_used=OLD),
                report_row("alice", password=True, mfa=True, password_used=RECENT),
                report_row(
                    "ci",
                    key1=True,
                    key1_rotated=RECENT,
                    key1_used=RECENT,
                    key1_service="s3",
                    password=True,
                    mfa=True,
                    password_used=RECENT,
                ),
            ],
            "iam.GetAccountSummary": [{"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0}],
            "iam.GetAccountPasswordPolicy": [dict(STRONG_PASSWORD_POLICY)],
            "iam.GetAccountAuthorizationDetails": details(
                users=[iam_user("alice", groups=["devs"]), iam_user("ci", groups=["devs"])],
                groups=[iam_group("devs", inline={"deploy": allow("lambda:UpdateFunctionCode", "s3:GetObject")})],
                roles=[
                    iam_role(
                        "partner",
                        trust({"AWS": "arn:aws:iam::999988887777:root"}, {"StringEquals": {"sts:ExternalId": "x"}}),
                    ),
                    iam_role("web", trust({"Service": "ec2.amazonaws.com"})),
                ],
            ),
            "iam.ListSSHPublicKeys": [{"UserName": "alice", "SSHPublicKeyId": "APKA1", "Status": "Active"}],
            "iam.ListServiceSpecificCredentials": [],
            "accessanalyzer.ListAnalyzers": [{"name": "account", "type": "ACCOUNT", "status": "ACTIVE"}],
        }
    )
    return world


# --- developer tooling ------------------------------------------------------------------------------
def role_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def function(name: str, role: str, names: list[str], secrets: list[dict] = (), references: list[str] = ()):
    return {
        "FunctionName": name,
        "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        "Role": role_arn(role),
        "Environment": {"Variables": dict.fromkeys(names, "<redacted>")},
        "AwsbpSecrets": list(secrets),
        "AwsbpReferences": list(references),
    }


def project(name: str, role: str, plaintext: list[str] = (), secrets: list[dict] = (), privileged: bool = False):
    return {
        "name": name,
        "arn": f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/{name}",
        "serviceRole": role_arn(role),
        "environment": {
            "privilegedMode": privileged,
            "environmentVariables": [{"name": n, "value": "<redacted>", "type": "PLAINTEXT"} for n in plaintext],
        },
        "AwsbpSecrets": list(secrets),
        "AwsbpReferences": [],
    }


def hit(where: str | int, kind: str = "Secret Keyword", fp: str = "0a1b2c3d", *, at: str = "") -> dict[str, Any]:
    """A detection as the collectors keep it: ``hit(3)`` in a script (line 3), ``hit("DB_PASSWORD")`` a variable,
    ``hit("DB_PASSWORD", at="environmentVariables.DB_PASSWORD")`` a variable whose place is named apart."""
    if isinstance(where, int):
        return {"line": where, "where": at or f"line {where}", "type": kind, "fingerprint": fp}
    return {"name": where, "where": at or where, "type": kind, "fingerprint": fp}


def pipeline(name: str, role: str, secrets: list[dict] = ()) -> dict[str, Any]:
    return {"name": name, "roleArn": role_arn(role), "version": 1, "AwsbpSecrets": list(secrets)}


def good_devtools_world() -> dict[str, list[Any]]:
    """A compliant account for developer tooling: every BP-DEV check passes on it."""
    world = good_iam_world()
    scoped = allow("dynamodb:GetItem", "logs:PutLogEvents", "ecr:PutImage", "codebuild:StartBuild")
    details_ = world["iam.GetAccountAuthorizationDetails"][0]
    details_["RoleDetailList"] += [
        iam_role(n, trust({"Service": "lambda.amazonaws.com"})) for n in ("app-lambda", "build-scoped", "pipeline-role")
    ]
    for role in details_["RoleDetailList"][-3:]:
        role["RolePolicyList"] = [{"PolicyName": "scoped", "PolicyDocument": scoped}]
    world.update(
        {
            "lambda.ListFunctions": [
                function("api", "app-lambda", ["DB_SECRET_ARN", "TABLE_NAME"], references=["DB_SECRET_ARN"])
            ],
            "codebuild.BatchGetProjects": [project("build", "build-scoped", plaintext=["STAGE"])],
            "codepipeline.GetPipeline": [pipeline("pipeline", "pipeline-role")],
            "ec2.DescribeInstanceAttribute": [{"InstanceId": "i-web", "Size": 40, "AwsbpSecrets": []}],
            "ecr.DescribeRepositories": [
                {
                    "repositoryName": "web",
                    "repositoryArn": "arn:ecr:web",
                    "imageScanningConfiguration": {"scanOnPush": True},
                    "imageTagMutability": "IMMUTABLE",
                }
            ],
            "ecr.GetRegistryScanningConfiguration": [{"scanningConfiguration": {"scanType": "BASIC", "rules": []}}],
            "secretsmanager.ListSecrets": [
                {
                    "Name": "db",
                    "ARN": "arn:secret:db",
                    "RotationEnabled": True,
                    "LastAccessedDate": RECENT,
                    "CreatedDate": OLD,
                }
            ],
        }
    )
    return world


HOSTILE = '<script>alert("x")</script>"><img src=x onerror=alert(1)>$\\frac{a}{b}$ **bold** 本番' + "長" * 3000


def hostile_world() -> dict[str, list[Any]]:
    """The compliant world plus resources whose names are markup, LaTeX, Markdown, very long and Japanese."""
    world = good_devtools_world()
    world["lambda.ListFunctions"].append(function(HOSTILE, "app-lambda", [HOSTILE + "_PASSWORD"]))
    world["iam.GetAccountAuthorizationDetails"][0]["UserDetailList"].append(iam_user(HOSTILE))
    with_(world, "ec2.DescribeSecurityGroups", sg("sg-evil", "vpc-prod", "evil", Name=HOSTILE))
    with_(world, "ec2.DescribeSecurityGroupRules", rule("sg-evil", "sgr-evil", cidr="0.0.0.0/0", port=22))
    return world


def offline_run(tmp_path, snapshots: list[Snapshot], lang: str = "en", **params: Any):
    """A run of the real batch over saved snapshots (``--from-snapshots``: no AWS), without notebooks."""
    from awsbp.batch.runner import run
    from awsbp.params import parse

    source = tmp_path / "source-run"
    for snap in snapshots:
        snap.save(source / snap.account_id / "snapshot.json.gz")
    return run(
        parse({"client": "acme", "lang": lang, **params}),
        output=tmp_path / "out",
        quiet=True,
        from_snapshots=source,
        render=False,
    )


def account_folder(folder, snap: Snapshot, lang: str = "en", **params: Any):
    """A run's account folder as the batch leaves it: the snapshot and its saved assessment."""
    from datetime import date

    from awsbp.assess import assess
    from awsbp.params import Settings, Suppression
    from awsbp.runfiles import ASSESSMENT_FILE

    settings = Settings.model_validate(params.get("settings") or {})
    rules = [Suppression.model_validate(r) for r in params.get("suppressions") or []]
    snap.save(folder / "snapshot.json.gz")
    assess(snap, settings, rules, today=date(2026, 11, 28), lang=lang).save(folder / ASSESSMENT_FILE)
    return folder
