"""The simulated world: loopback-only clients, the seeded resources as plain boto3 describes see them, determinism.

One demo server per module, seeded once (≈ 3 s); tests that use it are marked slow.
Resource ids are looked up as ``ids["<region>/<type>/<name>"]``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from types import SimpleNamespace

import boto3
import botocore.exceptions
import botocore.session
import pytest
from awsbp.demo.builder import INTERFACE_ENDPOINT_SERVICES
from awsbp.demo.clients import demo_clients, is_loopback
from awsbp.demo.server import MOTO_ACCOUNT_ID, DemoServer, simulated_environment
from awsbp.demo.world import seed

TOKYO, VIRGINIA = "ap-northeast-1", "us-east-1"
EC2_TYPES = {
    "vpc",
    "subnet",
    "internet-gateway",
    "route-table",
    "natgateway",
    "elastic-ip",
    "security-group",
    "instance",
    "vpc-endpoint",
    "vpc-flow-log",
    "image",
}
# name -> (region, subnet name or None for the first default subnet, security group, tags besides Name, public IP?)
INSTANCES = {
    "shop-prod-bastion": (
        TOKYO,
        "shop-prod-public-a",
        "shop-prod-bastion",
        {"Role": "bastion", "Environment": "prod", "System": "shop"},
        True,
    ),
    "shop-prod-web-1": (
        TOKYO,
        "shop-prod-app-a",
        "shop-prod-web",
        {"Role": "web", "Environment": "prod", "System": "shop"},
        False,
    ),
    "shop-prod-web-2": (
        TOKYO,
        "shop-prod-app-c",
        "shop-prod-web",
        {"Role": "web", "Environment": "prod", "System": "shop"},
        False,
    ),
    "shop-dev-app-1": (
        TOKYO,
        "shop-dev-public-a",
        "shop-dev-app",
        {"Role": "app", "Environment": "dev", "System": "shop"},
        True,
    ),
    "legacy-batch": (VIRGINIA, None, "legacy-batch", {"System": "legacy-batch"}, True),
    "analytics-prod-worker": (
        VIRGINIA,
        "analytics-prod-private-a",
        "analytics-prod-worker",
        {"Role": "worker", "Environment": "prod", "System": "analytics"},
        False,
    ),
    "analytics-dev-worker": (
        VIRGINIA,
        "analytics-dev-private-a",
        "analytics-dev-worker",
        {"Role": "worker", "Environment": "dev", "System": "analytics"},
        False,
    ),
    "reporting-dev-worker": (
        VIRGINIA,
        "analytics-dev-private-a",
        "analytics-dev-worker",
        {"Role": "worker", "Environment": "dev", "System": "reporting"},
        False,
    ),
}


# one worker seeds the world once for the whole module (seeding the Organization is the slow part)
pytestmark = pytest.mark.xdist_group("demo_world")


def network_interfaces(aws) -> list[str]:
    return sorted(e["NetworkInterfaceId"] for e in aws("ec2", TOKYO).describe_network_interfaces()["NetworkInterfaces"])


@pytest.fixture(scope="module")
def world():
    with DemoServer() as server:
        ids = seed(server.endpoint)
        aws = demo_clients(server.endpoint)
        yield SimpleNamespace(server=server, endpoint=server.endpoint, ids=ids, aws=aws, enis=network_interfaces(aws))


def tags_of(item: dict) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in item.get("Tags", [])}


def instances(world, region: str) -> dict[str, dict]:
    reservations = world.aws("ec2", region).describe_instances()["Reservations"]
    return {tags_of(i)["Name"]: i for r in reservations for i in r["Instances"]}


def route_table_of(world, region: str, subnet_id: str) -> dict:
    return world.aws("ec2", region).describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
    )["RouteTables"][0]


def default_route(route_table: dict) -> dict | None:
    return next((r for r in route_table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"), None)


# --- refusing anything but this machine --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://ec2.amazonaws.com",
        "https://ec2.ap-northeast-1.amazonaws.com",
        "http://10.0.0.5:5000",
        "http://127.0.0.1.example.com:5000",
        "http://localhost@example.com:5000",
        "http://example.com/#@127.0.0.1",
        "127.0.0.1:5000",
        "",
    ],
)
def test_demo_clients_refuse_non_loopback_endpoints_before_sending(endpoint, monkeypatch):
    def no_client(*args, **kwargs):
        raise AssertionError("a client was created")

    monkeypatch.setattr(botocore.session.Session, "create_client", no_client)
    with pytest.raises(ValueError, match="refusing endpoint") as refused:
        demo_clients(endpoint)
    assert repr(endpoint) in str(refused.value)
    with pytest.raises(ValueError, match="refusing endpoint"):
        seed(endpoint)


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:5000", "http://localhost:5000", "http://[::1]:5000"])
def test_loopback_endpoints_are_accepted(endpoint):
    assert is_loopback(endpoint)
    assert demo_clients(endpoint).endpoint == endpoint


def test_every_request_is_checked_before_it_is_sent():
    """The clients' own event system refuses, at ``before-send``, a request whose URL is not on this machine."""
    events = demo_clients("http://127.0.0.1:5000")("ec2", TOKYO).meta.events
    events.emit("before-send.ec2.DescribeVpcs", request=SimpleNamespace(url="http://127.0.0.1:5000/"))
    with pytest.raises(ValueError, match=r"ec2\.amazonaws\.com"):
        events.emit("before-send.ec2.DescribeVpcs", request=SimpleNamespace(url="https://ec2.amazonaws.com/"))


@pytest.mark.slow
def test_demo_clients_ignore_profiles_and_endpoint_overrides(world, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_PROFILE", "doesnotexist")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    (tmp_path / "config").write_text("[default]\nendpoint_url = http://127.0.0.1:9\n")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
    clients = demo_clients(world.endpoint)
    assert clients("sts").get_caller_identity()["Account"] == MOTO_ACCOUNT_ID
    assert clients("ec2", TOKYO).meta.endpoint_url == world.endpoint


def test_simulated_environment_refuses_non_loopback_and_leaves_environ_alone():
    before = dict(os.environ)
    with pytest.raises(ValueError, match="refusing endpoint"), simulated_environment("https://sts.amazonaws.com"):
        pass
    assert dict(os.environ) == before


@pytest.mark.slow
def test_simulated_environment_points_the_default_chain_at_moto_and_restores_environ(world, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "doesnotexist")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "not-a-token")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "https://sts.amazonaws.com")
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    before = dict(os.environ)
    default_session = boto3.DEFAULT_SESSION
    with simulated_environment(world.endpoint):
        assert "AWS_PROFILE" not in os.environ and "AWS_ENDPOINT_URL_STS" not in os.environ
        assert os.environ["AWS_ENDPOINT_URL"] == world.endpoint
        assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
        assert not Path(os.environ["AWS_CONFIG_FILE"]).exists()
        assert not Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).exists()
        assert boto3.client("sts").get_caller_identity()["Account"] == MOTO_ACCOUNT_ID
        assert boto3.Session().client("ec2", region_name=TOKYO).describe_vpcs()["Vpcs"]
    assert dict(os.environ) == before
    assert boto3.DEFAULT_SESSION is default_session


# --- the world, as plain describes see it --------------------------------------------------------------------------


@pytest.mark.slow
def test_every_seeded_name_exists(world):
    devtools = {"function", "codebuild", "ecr", "secret"}  # seeded by world_devtools
    management = {k: v for k, v in world.ids.items() if not k.startswith("acme-")}  # members are prefixed
    assert len([k for k in management if not k.startswith("global/") and k.split("/")[1] not in devtools]) == 88
    assert {k.split("/")[1] for k in management if k.split("/")[1] in devtools} == devtools
    iam_kinds = {k.split("/", 2)[1] for k in management if k.startswith("global/")}
    assert iam_kinds == {"group", "user", "role", "instance-profile", "account"}
    for key, resource_id in management.items():
        region, kind, name = key.split("/", 2)
        if kind in EC2_TYPES:
            tags = world.aws("ec2", region).describe_tags(
                Filters=[{"Name": "resource-id", "Values": [resource_id]}, {"Name": "key", "Values": ["Name"]}]
            )["Tags"]
            assert [t["Value"] for t in tags] == [name], key
    for region in (TOKYO, VIRGINIA):
        lbs = world.aws("elbv2", region).describe_load_balancers()["LoadBalancers"]
        dbs = world.aws("rds", region).describe_db_instances()["DBInstances"]
        groups = world.aws("rds", region).describe_db_subnet_groups()["DBSubnetGroups"]
        for lb in lbs:
            assert world.ids[f"{region}/loadbalancer/{lb['LoadBalancerName']}"] == lb["LoadBalancerArn"]
        for db in dbs:
            assert world.ids[f"{region}/db-instance/{db['DBInstanceIdentifier']}"] == db["DbiResourceId"]
        for group in groups:
            assert world.ids[f"{region}/db-subnet-group/{group['DBSubnetGroupName']}"] == group["DBSubnetGroupArn"]
        assert len(lbs) == len(dbs) == len(groups) == (2 if region == TOKYO else 0)
    buckets = {b["Name"] for b in world.aws("s3").list_buckets()["Buckets"]}
    assert buckets == {"shop-flow-logs-demo", "analytics-flow-logs-demo"}


@pytest.mark.parametrize("region", [TOKYO, VIRGINIA])
@pytest.mark.slow
def test_default_vpc_gets_an_internet_gateway_like_aws(world, region):
    ec2 = world.aws("ec2", region)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    igws = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}])
    assert [tags_of(i)["Name"] for i in igws["InternetGateways"]] == ["default-igw"]
    igw_id = world.ids[f"{region}/internet-gateway/default-igw"]
    main = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]
    assert default_route(main)["GatewayId"] == igw_id


@pytest.mark.slow
def test_subnet_routes_match_their_tier(world):
    for key, subnet_id in world.ids.items():
        region, kind, name = key.split("/", 2)
        if kind != "subnet":
            continue
        route = default_route(route_table_of(world, region, subnet_id)) or {}
        target = route.get("GatewayId") or route.get("NatGatewayId")
        if "-public-" in name:
            assert target and target.startswith("igw-"), name
        elif "-db-" in name:
            assert target is None, name
        else:
            assert target and target.startswith("nat-"), name
    public = world.aws("ec2", TOKYO).describe_subnets(
        SubnetIds=[world.ids[f"{TOKYO}/subnet/{n}"] for n in ("shop-prod-public-a", "shop-dev-public-c")]
    )["Subnets"]
    assert all(s["MapPublicIpOnLaunch"] for s in public)
    main = world.aws("ec2", TOKYO).describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [world.ids[f"{TOKYO}/vpc/shop-prod"]]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"][0]
    assert [r["GatewayId"] for r in main["Routes"]] == ["local"]


@pytest.mark.slow
def test_instances_have_their_subnet_groups_tags_and_public_addresses(world):
    for region in (TOKYO, VIRGINIA):
        found = instances(world, region)
        expected = {n: spec for n, spec in INSTANCES.items() if spec[0] == region}
        assert set(found) == set(expected)
        for name, (_, subnet, group, tags, public) in expected.items():
            instance = found[name]
            if subnet is None:
                subnets = world.aws("ec2", region).describe_subnets(
                    Filters=[{"Name": "default-for-az", "Values": ["true"]}]
                )["Subnets"]
                subnet_id = min(subnets, key=lambda s: s["AvailabilityZone"])["SubnetId"]
            else:
                subnet_id = world.ids[f"{region}/subnet/{subnet}"]
            assert instance["SubnetId"] == subnet_id, name
            assert instance["SecurityGroups"] == [
                {"GroupId": world.ids[f"{region}/security-group/{group}"], "GroupName": group}
            ], name
            assert tags_of(instance) == {"Name": name, **tags}, name
            # legacy-batch is the seeded IMDSv1 mistake (BP-IAM-04); every other instance requires tokens
            expected_tokens = "optional" if name == "legacy-batch" else "required"
            assert instance["MetadataOptions"]["HttpTokens"] == expected_tokens, name
            has_profile = "IamInstanceProfile" in instance
            assert has_profile is (name != "shop-dev-app-1"), name  # the seeded instance without a role
            assert instance["InstanceType"] == "t3.micro"
            assert instance["ImageId"] == world.ids[f"{region}/image/awsbp-demo-al2023"]
            assert ("PublicIpAddress" in instance) is public, name


@pytest.mark.slow
def test_databases_and_load_balancers(world):
    rds = world.aws("rds", TOKYO)
    dbs = {d["DBInstanceIdentifier"]: d for d in rds.describe_db_instances()["DBInstances"]}
    for env, public, subnets in (("prod", False, ("db-a", "db-c")), ("dev", True, ("public-a", "public-c"))):
        db = dbs[f"shop-{env}-db"]
        assert db["Engine"] == "mysql" and db["PubliclyAccessible"] is public
        assert db["VpcSecurityGroups"] == [
            {"VpcSecurityGroupId": world.ids[f"{TOKYO}/security-group/shop-{env}-db"], "Status": "active"}
        ]
        assert db["DBSubnetGroup"]["DBSubnetGroupName"] == f"shop-{env}-db"
        assert {s["SubnetIdentifier"] for s in db["DBSubnetGroup"]["Subnets"]} == {
            world.ids[f"{TOKYO}/subnet/shop-{env}-{s}"] for s in subnets
        }
        tags = rds.list_tags_for_resource(ResourceName=db["DBInstanceArn"])["TagList"]
        assert tags_of({"Tags": tags}) == {"Environment": env, "System": "shop"}
    lbs = world.aws("elbv2", TOKYO).describe_load_balancers()["LoadBalancers"]
    for lb in lbs:
        env = lb["LoadBalancerName"].split("-")[1]
        assert lb["Scheme"] == "internet-facing" and lb["Type"] == "application"
        assert lb["SecurityGroups"] == [world.ids[f"{TOKYO}/security-group/shop-{env}-alb"]]
        assert {z["SubnetId"] for z in lb["AvailabilityZones"]} == {
            world.ids[f"{TOKYO}/subnet/shop-{env}-public-{az}"] for az in "ac"
        }


@pytest.mark.slow
def test_security_group_rules(world):
    def ingress(region: str, group: str) -> set[tuple]:
        rules = world.aws("ec2", region).describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [world.ids[f"{region}/security-group/{group}"]]}]
        )["SecurityGroupRules"]
        names = {v: k.split("/", 2)[2] for k, v in world.ids.items() if "/security-group/" in k}
        return {
            (
                r["IpProtocol"],
                r["FromPort"],
                r.get("CidrIpv4") or r.get("CidrIpv6") or names[r["ReferencedGroupInfo"]["GroupId"]],
            )
            for r in rules
            if not r["IsEgress"]
        }

    assert ingress(TOKYO, "shop-prod-alb") == {
        ("tcp", 443, "0.0.0.0/0"),
        ("tcp", 443, "::/0"),
        ("tcp", 80, "0.0.0.0/0"),
    }
    assert ingress(TOKYO, "shop-prod-web") == {("tcp", 8080, "shop-prod-alb")}
    assert ingress(TOKYO, "shop-prod-db") == {("tcp", 3306, "shop-prod-web")}
    assert ingress(TOKYO, "shop-prod-bastion") == {("tcp", 22, "203.0.113.10/32")}
    assert ingress(TOKYO, "shop-prod-endpoints") == {("tcp", 443, "shop-prod-web")}
    assert ingress(TOKYO, "shop-dev-app") == {("tcp", 22, "0.0.0.0/0"), ("tcp", 8080, "shop-dev-alb")}
    assert ingress(TOKYO, "shop-dev-db") == {("tcp", 3306, "10.1.0.0/16")}
    assert ingress(VIRGINIA, "legacy-batch") == set()
    assert ingress(VIRGINIA, "analytics-prod-endpoints") == {("tcp", 443, "analytics-prod-worker")}
    # every group (default ones included) has its allow-all egress rule; moto's default groups have no self-rule
    assert len(world.aws("ec2", TOKYO).describe_security_group_rules()["SecurityGroupRules"]) == 22
    assert len(world.aws("ec2", VIRGINIA).describe_security_group_rules()["SecurityGroupRules"]) == 8


@pytest.mark.slow
def test_endpoints_and_flow_logs(world):
    for region, vpc, private_rtbs, subnets in (
        (TOKYO, "shop-prod", ("shop-prod-private", "shop-prod-db"), ("shop-prod-app-a", "shop-prod-app-c")),
        (VIRGINIA, "analytics-prod", ("analytics-prod-private",), ("analytics-prod-private-a",)),
    ):
        ec2 = world.aws("ec2", region)
        endpoints = ec2.describe_vpc_endpoints()["VpcEndpoints"]
        assert {e["VpcId"] for e in endpoints} == {world.ids[f"{region}/vpc/{vpc}"]}
        gateway = [e for e in endpoints if e["VpcEndpointType"] == "Gateway"]
        assert [e["ServiceName"] for e in gateway] == [f"com.amazonaws.{region}.s3"]
        assert set(gateway[0]["RouteTableIds"]) == {world.ids[f"{region}/route-table/{n}"] for n in private_rtbs}
        interface = {e["ServiceName"]: e for e in endpoints if e["VpcEndpointType"] == "Interface"}
        assert set(interface) == {f"com.amazonaws.{region}.{s}" for s in INTERFACE_ENDPOINT_SERVICES}
        for e in interface.values():
            assert set(e["SubnetIds"]) == {world.ids[f"{region}/subnet/{n}"] for n in subnets}
            assert [g["GroupName"] for g in e["Groups"]] == [f"{vpc}-endpoints"]
            assert e["PrivateDnsEnabled"] is True
        flow_logs = ec2.describe_flow_logs()["FlowLogs"]
        assert [(f["ResourceId"], f["TrafficType"], f["LogDestinationType"]) for f in flow_logs] == [
            (world.ids[f"{region}/vpc/{vpc}"], "ALL", "s3")
        ]
    buckets = {"shop-prod": "shop-flow-logs-demo", "analytics-prod": "analytics-flow-logs-demo"}
    for region, vpc in ((TOKYO, "shop-prod"), (VIRGINIA, "analytics-prod")):
        (flow_log,) = world.aws("ec2", region).describe_flow_logs()["FlowLogs"]
        assert flow_log["LogDestination"] == f"arn:aws:s3:::{buckets[vpc]}"


@pytest.mark.slow
def test_moto_network_interfaces_as_observed(world):
    """What moto 5.2 creates, which differs from AWS (see the report in DESIGN.md's ground truths)."""
    ec2 = world.aws("ec2", TOKYO)
    enis = ec2.describe_network_interfaces()["NetworkInterfaces"]
    by_instance = [e for e in enis if e.get("Attachment", {}).get("InstanceId")]
    others = [e for e in enis if not e.get("Attachment", {}).get("InstanceId")]
    assert len(by_instance) == 4  # one primary ENI per instance, with the instance's groups
    assert all(e["Description"] == "Primary network interface" for e in by_instance)
    # NAT: 1 ENI; 9 interface endpoints x 2 subnets: 18 ENIs; ALBs and RDS: none (AWS would create them).
    assert len(others) == 1 + 18
    assert all(e["InterfaceType"] == "interface" for e in others)  # AWS: nat_gateway / vpc_endpoint
    assert all([g["GroupName"] for g in e["Groups"]] == ["default"] for e in others)  # AWS: none / endpoint SG
    (nat,) = ec2.describe_nat_gateways()["NatGateways"]
    assert nat["NatGatewayAddresses"][0]["PublicIp"].startswith("127.")


@pytest.mark.slow
def test_seeding_is_deterministic(world):
    world.server.reset()  # a second seeding from scratch gives the first's ids
    assert seed(world.endpoint) == world.ids
    assert network_interfaces(world.aws) == world.enis


# --- the Organization ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_organization_members_and_their_audit_role(world):
    from awsbp.demo.world_org import AUDIT_EXTERNAL_ID, AUDIT_ROLE, MEMBERS, UNREACHABLE

    accounts = world.aws("organizations").list_accounts()["Accounts"]
    names = {a["Name"]: a["Id"] for a in accounts}
    assert set(names) == {"master", *MEMBERS} and names["master"] == "123456789012"
    assert all(world.ids[f"global/account/{m}"] == names[m] for m in MEMBERS)
    for member in MEMBERS:
        role = f"arn:aws:iam::{names[member]}:role/{AUDIT_ROLE}"
        sts = world.aws("sts")
        if member in UNREACHABLE:
            with pytest.raises(botocore.exceptions.ClientError, match="AccessDenied"):
                sts.assume_role(RoleArn=role, RoleSessionName="awsbp-test", ExternalId=AUDIT_EXTERNAL_ID)
            continue
        with pytest.raises(botocore.exceptions.ClientError, match="AccessDenied"):  # the ExternalId is required
            sts.assume_role(RoleArn=role, RoleSessionName="awsbp-test")
        creds = sts.assume_role(RoleArn=role, RoleSessionName="awsbp-test", ExternalId=AUDIT_EXTERNAL_ID)["Credentials"]
        assert creds["AccessKeyId"]
    member = demo_clients(world.endpoint, f"arn:aws:iam::{names['acme-prod']}:role/OrganizationAccountAccessRole")
    assert member("sts").get_caller_identity()["Account"] == names["acme-prod"]
    vpcs = member("ec2", TOKYO).describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["payments-prod"]}])["Vpcs"]
    assert [v["VpcId"] for v in vpcs] == [world.ids[f"acme-prod/{TOKYO}/vpc/payments-prod"]]


def test_simulated_sts_refuses_roles_that_do_not_exist():
    from awsbp.demo.server import AssumeRoleRules

    assert "not authorized" in AssumeRoleRules.refusal({"RoleArn": "arn:aws:iam::000011112222:role/nobody"})
    assert "not authorized" in AssumeRoleRules.refusal({"RoleArn": "not-an-arn"})


# --- IAM history and credentials (through the simulated IAM: awsbp.demo.simulated_iam) ---------------------------


def credential_report(iam) -> dict[str, dict[str, str]]:
    import csv
    import io

    while iam.generate_credential_report()["State"] != "COMPLETE":
        pass
    rows = list(csv.DictReader(io.StringIO(iam.get_credential_report()["Content"].decode())))
    assert rows[0]["user"] == "<root_account>"  # root first, as AWS writes it
    return {r["user"]: r for r in rows}


def days_ago(value: str) -> int | None:
    from datetime import UTC, datetime

    return None if value in ("N/A", "no_information") else (datetime.now(UTC) - datetime.fromisoformat(value)).days


@pytest.mark.slow
def test_management_iam_history_and_https_git_credentials(world):
    iam = world.aws("iam")
    listed = iam.list_service_specific_credentials(AllUsers=True, MaxItems=1000)
    assert [(c["UserName"], c["ServiceName"], c["Status"]) for c in listed["ServiceSpecificCredentials"]] == [
        ("bob", "codecommit.amazonaws.com", "Active")
    ]
    assert listed["IsTruncated"] is False
    assert [len(iam.list_ssh_public_keys(UserName=u)["SSHPublicKeys"]) for u in ("alice", "bob", "carol")] == [1, 1, 0]
    report = credential_report(iam)
    root = report["<root_account>"]
    assert root["arn"] == f"arn:aws:iam::{MOTO_ACCOUNT_ID}:root"
    assert (days_ago(root["password_last_used"]), days_ago(root["user_creation_time"])) == (3, 2200)
    summary = iam.get_account_summary()["SummaryMap"]
    assert (summary["AccountMFAEnabled"], summary["AccountAccessKeysPresent"]) == (0, 0)
    assert (root["mfa_active"], root["access_key_1_active"], root["access_key_2_active"]) == ("false",) * 3

    def keys(user: str) -> list[tuple]:
        row = report[user]
        return [
            (
                row[f"access_key_{n}_active"],
                days_ago(row[f"access_key_{n}_last_rotated"]),
                days_ago(row[f"access_key_{n}_last_used_date"]),
                row[f"access_key_{n}_last_used_service"],
            )
            for n in (1, 2)
        ]

    never = ("false", None, None, "N/A")
    assert keys("deploy-bot") == [("true", 150, None, "N/A"), ("true", 20, 1, "lambda")]  # the first never used
    assert keys("backup-agent") == [("true", 400, 1, "ec2"), never]  # old, used every day
    assert keys("report-exporter") == [("true", 30, 1, "dynamodb"), never]  # fresh and in use
    assert (days_ago(report["grace"]["password_last_used"]), report["grace"]["mfa_active"]) == (120, "true")
    people = ("alice", "bob", "carol", "dave", "eve", "frank")
    assert all(days_ago(report[p]["password_last_used"]) <= 20 for p in people)
    assert all(report[p]["password_enabled"] == "false" for p in ("deploy-bot", "backup-agent", "report-exporter"))
    assert days_ago(report["backup-agent"]["password_last_used"]) is None  # N/A: no console password
    # moto's own APIs say the same
    (old, _fresh) = iam.list_access_keys(UserName="deploy-bot")["AccessKeyMetadata"]
    assert iam.get_access_key_last_used(AccessKeyId=old["AccessKeyId"])["AccessKeyLastUsed"]["ServiceName"] == "N/A"
    assert days_ago(iam.get_user(UserName="grace")["User"]["PasswordLastUsed"].isoformat()) == 120


@pytest.mark.slow
def test_member_roots_differ_as_seeded(world):
    """acme-prod's root has MFA and was last used 200 days ago; acme-dev's has none and was never used."""
    for member, mfa, used in (("acme-prod", 1, 200), ("acme-dev", 0, None)):
        account = world.ids[f"global/account/{member}"]
        iam = demo_clients(world.endpoint, f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole")("iam")
        report = credential_report(iam)
        root = report["<root_account>"]
        assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == mfa
        assert root["mfa_active"] == ("true" if mfa else "false"), member
        assert days_ago(root["password_last_used"]) == used, member
        if used is None:
            assert root["password_last_used"] == "no_information"  # AWS's marker for a root never signed in to
        assert days_ago(report["dave"]["password_last_used"]) == 2
        listed = iam.list_service_specific_credentials(AllUsers=True)
        assert listed["ServiceSpecificCredentials"] == [] and listed["IsTruncated"] is False


@pytest.mark.slow
def test_the_server_routes_every_request_from_moto_s_own_module_list_read_once(world, monkeypatch):
    """moto's dispatcher asked its package folder for every request (under the lock all requests share); the
    simulated AWS reads the list once: the same list, and a request no longer lists the folder."""
    import moto
    from moto import backends

    package = Path(moto.__file__).parent
    expected = sorted(p.name for p in package.iterdir() if p.is_dir() and not p.name.startswith("__"))
    assert list(backends.list_of_moto_modules()) == expected
    folder = str(package)
    listed = []
    real_listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path=".": (listed.append(str(path)), real_listdir(path))[1])
    assert world.aws("ec2", TOKYO).describe_vpcs()["Vpcs"]  # the server answers, through moto's dispatcher
    assert folder not in listed


@pytest.mark.slow
@pytest.mark.parametrize(
    ("service", "operation"),
    [("accessanalyzer", "list_analyzers"), ("codecommit", "list_repositories"), ("ec2", "describe_capacity_blocks")],
)
def test_an_api_moto_lacks_is_answered_not_implemented_once_not_a_retried_500(world, service, operation):
    """moto answers an API it lacks with an HTML page and HTTP 500, which botocore retries as a passing fault and a
    report could only call unexpected; the simulated AWS says 501 NotImplemented in the service's protocol
    (no backend: Access Analyzer; JSON: CodeCommit; EC2's own XML), which no client retries."""
    with pytest.raises(botocore.exceptions.ClientError) as failed:
        getattr(world.aws(service, TOKYO), operation)()
    answer = failed.value.response
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert answer["ResponseMetadata"]["RetryAttempts"] == 0
    assert answer["Error"]["Code"] == "NotImplemented"
    assert answer["Error"]["Message"].startswith("simulated AWS (moto), ")
    assert "<" not in answer["Error"]["Message"]  # not an HTML page


def test_only_a_missing_api_becomes_not_implemented_any_other_failure_propagates():
    from awsbp.demo.server import UnsupportedOperations

    class Dispatcher:
        def __init__(self, error: Exception, patterns: list):
            self.error, self.backend_url_patterns = error, patterns

        def __call__(self, environ, start_response):
            raise self.error

        def infer_service_region_host(self, environ, path):
            return "iam.amazonaws.com"

    environ = {
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "PATH_INFO": "/",
        "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=AKID/20261201/us-east-1/iam/aws4_request, X",
    }
    answered = []
    body = UnsupportedOperations(Dispatcher(KeyError("bug"), []))(environ, lambda *a: answered.append(a))
    assert answered[0][0] == "501 Not Implemented"
    assert b"<Code>NotImplemented</Code>" in b"".join(body) and b"iam: this service" in b"".join(body)
    routed = [("iam", re.compile(r"https?://iam\.amazonaws\.com"))]
    with pytest.raises(KeyError):  # a service moto has, failing otherwise: moto's own 500, as before
        UnsupportedOperations(Dispatcher(KeyError("bug"), routed))(environ, lambda *a: None)
