"""The simulated company's AWS world, seeded into a local moto server. The ONLY code in awsbp that writes to AWS.

Every write goes through :func:`demo_clients`, whose clients cannot reach a real account: the endpoint must be
on this machine (127.0.0.1, localhost, ::1), credentials are dummy keys, no profile or config file is read, and
a last check before every HTTP request refuses any other host.

The world, two regions of a small company (see ``DESIGN.md`` for what moto does differently from AWS):

* ap-northeast-1 — the default VPC (given an internet gateway, as in AWS); ``shop-prod`` done well (public /
  app / db tiers, NAT, ALB, bastion open to one address, private RDS, S3 gateway and nine interface endpoints,
  flow logs); ``shop-dev`` with the classic mistakes (SSH from anywhere, instances and a publicly accessible
  RDS in public subnets, database port open to the whole VPC, no endpoints, no flow logs).
* us-east-1 — the default VPC (internet gateway added) hosting an untagged-environment ``legacy-batch``
  instance; ``analytics-prod`` (private worker, endpoints, flow logs); ``analytics-dev`` (no endpoints, no
  flow logs, two systems in one VPC).

:func:`seed` returns ``{"<region>/<resource type>/<name>": id}``, e.g.
``ids["ap-northeast-1/instance/shop-dev-app-1"] -> "i-…"``. The key is qualified because the same name is
used by several resources (security group, route table, DB subnet group and DB instance ``shop-prod-db``;
``default-igw`` in both regions). Resource types follow EC2's ``TagSpecifications`` vocabulary
(``vpc``, ``subnet``, ``security-group``, …) plus ``loadbalancer``, ``db-subnet-group``, ``db-instance`` and
``bucket``. The id is the AWS id (``vpc-…``, ``eipalloc-…``, ``fl-…``), the ARN for a load balancer or DB
subnet group, the ``DbiResourceId`` for a DB instance and the name for a bucket.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.session
from botocore.config import Config

from awsbp.params import Settings

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DEMO_CREDENTIAL = "testing"  # moto accepts any key; this one is not a secret
DEMO_REGION = "us-east-1"
# the compliant VPCs have every interface endpoint BP-VPC-07 expects by default
INTERFACE_ENDPOINT_SERVICES = tuple(Settings().expected_endpoints)
ANYWHERE = "0.0.0.0/0"
ANYWHERE_V6 = "::/0"
INSTANCE_TYPE = "t3.micro"
IMAGE_NAME = "awsbp-demo-al2023"
WORKLOAD_PROFILE = "app-server"  # instance profile seeded by awsbp.demo.world_iam
SIMULATED_DB_PASSWORD = "simulated-database-only"  # a moto database that exists for the demo run; not a secret


def is_loopback(endpoint: str) -> bool:
    """``is_loopback('http://127.0.0.1:5000') -> True``; ``is_loopback('https://ec2.amazonaws.com') -> False``."""
    try:
        host = urlsplit(endpoint).hostname
    except ValueError:
        return False
    return host in LOOPBACK_HOSTS


def require_loopback(endpoint: str) -> None:
    """Raise ``ValueError`` naming ``endpoint`` unless its host is 127.0.0.1, localhost or ::1."""
    if not is_loopback(endpoint):
        raise ValueError(
            f"refusing endpoint {endpoint!r}: the demo only writes to a simulated account on this machine "
            f"(host must be one of {', '.join(sorted(LOOPBACK_HOSTS))})"
        )


def _refuse_non_loopback(request: Any, **_: Any) -> None:
    """``before-send`` handler: the last word before any byte leaves, whatever endpoint resolution did."""
    require_loopback(request.url)


def _session(key_id: str, secret: str, token: str | None = None) -> boto3.Session:
    """A boto3 session with these keys that reads no profile or config file and refuses non-loopback hosts."""
    core = botocore.session.Session()
    # Ignore AWS_PROFILE (even one naming a missing profile) and the user's config and credentials files.
    # Overrides in the config store win over everything; Session.set_config_variable(name, None) would not
    # (a None instance variable falls through to the environment).
    config_store = core.get_component("config_store")
    config_store.set_config_variable("profile", None)
    config_store.set_config_variable("config_file", os.devnull)
    config_store.set_config_variable("credentials_file", os.devnull)
    core.register("before-send", _refuse_non_loopback, unique_id="awsbp-demo-loopback-only")
    return boto3.Session(
        botocore_session=core,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        region_name=DEMO_REGION,
    )


class Clients:
    """boto3 clients that can only reach a simulated account at ``endpoint``. Create with :func:`demo_clients`.

    ``clients("ec2", "ap-northeast-1")`` returns one cached client per service and region. With ``role_arn``,
    the clients act in that role's account with credentials from the simulated STS (how a member account of
    the demo Organization is reached: ``…:role/OrganizationAccountAccessRole``).
    """

    def __init__(self, endpoint: str, role_arn: str | None = None):
        require_loopback(endpoint)
        self.endpoint = endpoint
        self._config = Config(
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=60,  # loopback: generous, it only guards against a hung server on a busy machine
            read_timeout=600,
            s3={"addressing_style": "path"},  # bucket names stay in the path, never in the host name
        )
        self.session = _session(DEMO_CREDENTIAL, DEMO_CREDENTIAL)
        if role_arn:
            sts = self.session.client("sts", endpoint_url=endpoint, config=self._config)
            creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="awsbp-demo-seed")["Credentials"]
            self.session = _session(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def __call__(self, service: str, region: str = DEMO_REGION) -> Any:
        with self._lock:
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self.session.client(
                    service, region_name=region, endpoint_url=self.endpoint, config=self._config
                )
            return self._clients[key]


def demo_clients(endpoint: str, role_arn: str | None = None) -> Clients:
    """Clients for the simulated account (or the account of ``role_arn``, assumed through the simulated STS);
    ``ValueError`` naming ``endpoint`` unless its host is loopback."""
    return Clients(endpoint, role_arn)


def _tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def _tcp(
    port: int, *, cidrs: tuple[str, ...] = (), cidrs_v6: tuple[str, ...] = (), group: str | None = None
) -> dict[str, Any]:
    """One TCP ingress permission: ``_tcp(22, cidrs=("0.0.0.0/0",))``, ``_tcp(8080, group="sg-…")``."""
    rule: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
    if cidrs:
        rule["IpRanges"] = [{"CidrIp": c} for c in cidrs]
    if cidrs_v6:
        rule["Ipv6Ranges"] = [{"CidrIpv6": c} for c in cidrs_v6]
    if group:
        rule["UserIdGroupPairs"] = [{"GroupId": group}]
    return rule


class _Region:
    """Writes one region's resources, recording ``ids["<region>/<type>/<name>"]``."""

    def __init__(self, clients: Clients, region: str, ids: dict[str, str]):
        self.region = region
        self.ids = ids
        self.ec2 = clients("ec2", region)
        self.elbv2 = clients("elbv2", region)
        self.rds = clients("rds", region)
        self.s3 = clients("s3", region)
        self._image_id: str | None = None

    def _record(self, kind: str, name: str, resource_id: str) -> str:
        key = f"{self.region}/{kind}/{name}"
        if key in self.ids:
            raise ValueError(f"world defines {key} twice")
        self.ids[key] = resource_id
        return resource_id

    def _spec(self, kind: str, name: str, tags: dict[str, str] | None = None) -> list[dict[str, Any]]:
        return [{"ResourceType": kind, "Tags": _tags({"Name": name, **(tags or {})})}]

    # --- network -----------------------------------------------------------------------------------------------
    def default_vpc(self) -> tuple[str, list[dict[str, Any]]]:
        """The default VPC's id and its default subnets (sorted by AZ)."""
        vpc = self.ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
        subnets = self.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
        return vpc["VpcId"], sorted(subnets, key=lambda s: s["AvailabilityZone"])

    def give_default_vpc_an_internet_gateway(self) -> str:
        """moto's default VPC has no internet gateway; AWS's has one, routed from the main route table."""
        vpc_id, _ = self.default_vpc()
        igw_id = self.internet_gateway("default-igw", vpc_id)
        main = self.ec2.describe_route_tables(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
        )["RouteTables"][0]
        self.ec2.create_route(RouteTableId=main["RouteTableId"], DestinationCidrBlock=ANYWHERE, GatewayId=igw_id)
        return igw_id

    def vpc(self, name: str, cidr: str, tags: dict[str, str]) -> str:
        vpc_id = self.ec2.create_vpc(CidrBlock=cidr, TagSpecifications=self._spec("vpc", name, tags))["Vpc"]["VpcId"]
        self.ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})  # needed by private DNS
        return self._record("vpc", name, vpc_id)

    def subnet(self, name: str, vpc_id: str, cidr: str, az_letter: str, *, public: bool = False) -> str:
        subnet_id = self.ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock=cidr,
            AvailabilityZone=f"{self.region}{az_letter}",
            TagSpecifications=self._spec("subnet", name),
        )["Subnet"]["SubnetId"]
        if public:
            self.ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
        return self._record("subnet", name, subnet_id)

    def internet_gateway(self, name: str, vpc_id: str) -> str:
        igw_id = self.ec2.create_internet_gateway(TagSpecifications=self._spec("internet-gateway", name))[
            "InternetGateway"
        ]["InternetGatewayId"]
        self.ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
        return self._record("internet-gateway", name, igw_id)

    def route_table(
        self, name: str, vpc_id: str, subnet_ids: list[str], *, igw: str | None = None, nat: str | None = None
    ) -> str:
        rtb_id = self.ec2.create_route_table(VpcId=vpc_id, TagSpecifications=self._spec("route-table", name))[
            "RouteTable"
        ]["RouteTableId"]
        if igw:
            self.ec2.create_route(RouteTableId=rtb_id, DestinationCidrBlock=ANYWHERE, GatewayId=igw)
        if nat:
            self.ec2.create_route(RouteTableId=rtb_id, DestinationCidrBlock=ANYWHERE, NatGatewayId=nat)
        for subnet_id in subnet_ids:
            self.ec2.associate_route_table(RouteTableId=rtb_id, SubnetId=subnet_id)
        return self._record("route-table", name, rtb_id)

    def nat_gateway(self, name: str, subnet_id: str) -> str:
        eip_name = f"{name}-eip"
        allocation_id = self.ec2.allocate_address(Domain="vpc", TagSpecifications=self._spec("elastic-ip", eip_name))[
            "AllocationId"
        ]
        self._record("elastic-ip", eip_name, allocation_id)
        nat_id = self.ec2.create_nat_gateway(
            SubnetId=subnet_id,
            AllocationId=allocation_id,
            ConnectivityType="public",
            TagSpecifications=self._spec("natgateway", name),
        )["NatGateway"]["NatGatewayId"]
        return self._record("natgateway", name, nat_id)

    def security_group(self, name: str, vpc_id: str, description: str, ingress: Sequence[dict[str, Any]] = ()) -> str:
        sg_id = self.ec2.create_security_group(
            GroupName=name,
            Description=description,
            VpcId=vpc_id,
            TagSpecifications=self._spec("security-group", name),
        )["GroupId"]
        if ingress:
            self.ec2.authorize_security_group_ingress(GroupId=sg_id, IpPermissions=list(ingress))
        return self._record("security-group", name, sg_id)

    def gateway_endpoint_s3(self, name: str, vpc_id: str, route_table_ids: list[str]) -> str:
        endpoint_id = self.ec2.create_vpc_endpoint(
            VpcEndpointType="Gateway",
            VpcId=vpc_id,
            ServiceName=f"com.amazonaws.{self.region}.s3",
            RouteTableIds=route_table_ids,
            TagSpecifications=self._spec("vpc-endpoint", name),
        )["VpcEndpoint"]["VpcEndpointId"]
        return self._record("vpc-endpoint", name, endpoint_id)

    def interface_endpoints(self, prefix: str, vpc_id: str, subnet_ids: list[str], sg_id: str) -> None:
        for service in INTERFACE_ENDPOINT_SERVICES:
            name = f"{prefix}-{service.replace('.', '-')}"
            endpoint_id = self.ec2.create_vpc_endpoint(
                VpcEndpointType="Interface",
                VpcId=vpc_id,
                ServiceName=f"com.amazonaws.{self.region}.{service}",
                SubnetIds=subnet_ids,
                SecurityGroupIds=[sg_id],
                PrivateDnsEnabled=True,
                TagSpecifications=self._spec("vpc-endpoint", name),
            )["VpcEndpoint"]["VpcEndpointId"]
            self._record("vpc-endpoint", name, endpoint_id)

    def flow_logs_to_s3(self, name: str, vpc_id: str, bucket: str) -> str:
        self.bucket(bucket)
        flow_log_ids = self.ec2.create_flow_logs(
            ResourceIds=[vpc_id],
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="s3",
            LogDestination=f"arn:aws:s3:::{bucket}",
            TagSpecifications=self._spec("vpc-flow-log", name),
        )["FlowLogIds"]
        return self._record("vpc-flow-log", name, flow_log_ids[0])

    # --- storage, compute, load balancing, databases -----------------------------------------------------------
    def bucket(self, name: str) -> str:
        if self.region == "us-east-1":
            self.s3.create_bucket(Bucket=name)
        else:
            self.s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.region})
        return self._record("bucket", name, name)

    def image(self) -> str:
        """The region's one AMI (stock AMIs are not loaded: ``MOTO_EC2_LOAD_DEFAULT_AMIS=false``)."""
        if self._image_id is None:
            image_id = self.ec2.register_image(
                Name=IMAGE_NAME,
                Description="awsbp demo image",
                Architecture="x86_64",
                RootDeviceName="/dev/xvda",
                VirtualizationType="hvm",
                BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, "VolumeType": "gp3"}}],
            )["ImageId"]
            self.ec2.create_tags(Resources=[image_id], Tags=_tags({"Name": IMAGE_NAME}))
            self._image_id = self._record("image", IMAGE_NAME, image_id)
        return self._image_id

    def instance(
        self,
        name: str,
        subnet_id: str,
        sg_ids: list[str],
        tags: dict[str, str],
        *,
        profile: str | None = WORKLOAD_PROFILE,
        http_tokens: str = "required",
        user_data: str = "",
    ) -> str:
        # SubnetId + SecurityGroupIds, not NetworkInterfaces: moto only shows instance-level groups this way.
        extra: dict[str, Any] = {"IamInstanceProfile": {"Name": profile}} if profile else {}
        if user_data:
            extra["UserData"] = user_data
        instance_id = self.ec2.run_instances(
            ImageId=self.image(),
            InstanceType=INSTANCE_TYPE,
            MinCount=1,
            MaxCount=1,
            SubnetId=subnet_id,
            SecurityGroupIds=sg_ids,
            MetadataOptions={"HttpTokens": http_tokens, "HttpEndpoint": "enabled"},
            TagSpecifications=self._spec("instance", name, tags),
            **extra,
        )["Instances"][0]["InstanceId"]
        return self._record("instance", name, instance_id)

    def load_balancer(self, name: str, subnet_ids: list[str], sg_id: str) -> str:
        arn = self.elbv2.create_load_balancer(
            Name=name,
            Subnets=subnet_ids,
            SecurityGroups=[sg_id],
            Scheme="internet-facing",
            Type="application",
            IpAddressType="ipv4",
        )["LoadBalancers"][0]["LoadBalancerArn"]
        return self._record("loadbalancer", name, arn)

    def database(
        self, name: str, subnet_ids: list[str], sg_id: str, *, public: bool, tags: dict[str, str]
    ) -> tuple[str, str]:
        """A DB subnet group and a MySQL DB instance, both called ``name``: (subnet group ARN, DbiResourceId)."""
        group_arn = self.rds.create_db_subnet_group(
            DBSubnetGroupName=name, DBSubnetGroupDescription=f"{name} database subnets", SubnetIds=subnet_ids
        )["DBSubnetGroup"]["DBSubnetGroupArn"]
        self._record("db-subnet-group", name, group_arn)
        db = self.rds.create_db_instance(
            DBInstanceIdentifier=name,
            Engine="mysql",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            MasterUsername="admin",
            # Not ManageMasterUserPassword: moto would add a Secrets Manager secret named with an unseeded uuid
            # (ids would change every run) and a customer-managed KMS key that AWS does not create.
            MasterUserPassword=SIMULATED_DB_PASSWORD,
            DBSubnetGroupName=name,
            VpcSecurityGroupIds=[sg_id],
            PubliclyAccessible=public,
            Tags=_tags(tags),
        )["DBInstance"]
        return group_arn, self._record("db-instance", name, db["DbiResourceId"])


def _shop(r: _Region) -> None:
    from awsbp.demo.world_devtools import user_data  # the bootstrap scripts (one with keys: the mistake)

    """ap-northeast-1: shop-prod done well, shop-dev with the classic mistakes."""
    r.give_default_vpc_an_internet_gateway()

    # shop-prod
    vpc = r.vpc("shop-prod", "10.0.0.0/16", {"Environment": "prod", "System": "shop"})
    public_a = r.subnet("shop-prod-public-a", vpc, "10.0.0.0/24", "a", public=True)
    public_c = r.subnet("shop-prod-public-c", vpc, "10.0.1.0/24", "c", public=True)
    app_a = r.subnet("shop-prod-app-a", vpc, "10.0.10.0/24", "a")
    app_c = r.subnet("shop-prod-app-c", vpc, "10.0.11.0/24", "c")
    db_a = r.subnet("shop-prod-db-a", vpc, "10.0.20.0/24", "a")
    db_c = r.subnet("shop-prod-db-c", vpc, "10.0.21.0/24", "c")
    igw = r.internet_gateway("shop-prod-igw", vpc)
    r.route_table("shop-prod-public", vpc, [public_a, public_c], igw=igw)
    nat = r.nat_gateway("shop-prod-nat", public_a)
    private_rtb = r.route_table("shop-prod-private", vpc, [app_a, app_c], nat=nat)
    db_rtb = r.route_table("shop-prod-db", vpc, [db_a, db_c])

    alb_sg = r.security_group(
        "shop-prod-alb",
        vpc,
        "shop-prod load balancer",
        [_tcp(443, cidrs=(ANYWHERE,), cidrs_v6=(ANYWHERE_V6,)), _tcp(80, cidrs=(ANYWHERE,))],
    )
    web_sg = r.security_group("shop-prod-web", vpc, "shop-prod web servers", [_tcp(8080, group=alb_sg)])
    db_sg = r.security_group("shop-prod-db", vpc, "shop-prod database", [_tcp(3306, group=web_sg)])
    bastion_sg = r.security_group("shop-prod-bastion", vpc, "shop-prod bastion", [_tcp(22, cidrs=("203.0.113.10/32",))])
    endpoints_sg = r.security_group("shop-prod-endpoints", vpc, "shop-prod VPC endpoints", [_tcp(443, group=web_sg)])

    r.load_balancer("shop-prod-alb", [public_a, public_c], alb_sg)
    prod = {"Environment": "prod", "System": "shop"}
    r.instance("shop-prod-bastion", public_a, [bastion_sg], {"Role": "bastion", **prod})
    r.instance("shop-prod-web-1", app_a, [web_sg], {"Role": "web", **prod}, user_data=user_data(False))
    r.instance("shop-prod-web-2", app_c, [web_sg], {"Role": "web", **prod})
    r.database("shop-prod-db", [db_a, db_c], db_sg, public=False, tags=prod)
    r.gateway_endpoint_s3("shop-prod-s3", vpc, [private_rtb, db_rtb])
    r.interface_endpoints("shop-prod", vpc, [app_a, app_c], endpoints_sg)
    r.flow_logs_to_s3("shop-prod-flow-logs", vpc, "shop-flow-logs-demo")

    # shop-dev
    vpc = r.vpc("shop-dev", "10.1.0.0/16", {"Environment": "dev", "System": "shop"})
    public_a = r.subnet("shop-dev-public-a", vpc, "10.1.0.0/24", "a", public=True)
    public_c = r.subnet("shop-dev-public-c", vpc, "10.1.1.0/24", "c", public=True)
    igw = r.internet_gateway("shop-dev-igw", vpc)
    r.route_table("shop-dev-public", vpc, [public_a, public_c], igw=igw)
    alb_sg = r.security_group("shop-dev-alb", vpc, "shop-dev load balancer", [_tcp(443, cidrs=(ANYWHERE,))])
    app_sg = r.security_group(
        "shop-dev-app", vpc, "shop-dev app servers", [_tcp(22, cidrs=(ANYWHERE,)), _tcp(8080, group=alb_sg)]
    )
    db_sg = r.security_group("shop-dev-db", vpc, "shop-dev database", [_tcp(3306, cidrs=("10.1.0.0/16",))])
    r.load_balancer("shop-dev-alb", [public_a, public_c], alb_sg)
    dev = {"Environment": "dev", "System": "shop"}
    # no instance profile: how does this app call AWS? (BP-IAM-04)
    # ... and its bootstrap script exports an access key instead (BP-DEV-03, BP-IAM-04)
    r.instance("shop-dev-app-1", public_a, [app_sg], {"Role": "app", **dev}, profile=None, user_data=user_data(True))
    r.database("shop-dev-db", [public_a, public_c], db_sg, public=True, tags=dev)


def _analytics_vpc(r: _Region, env: str, second_octet: int) -> tuple[str, str]:
    """A VPC with one public and one private subnet in us-east-1a, IGW and NAT: (vpc id, private subnet id)."""
    name = f"analytics-{env}"
    vpc = r.vpc(name, f"10.{second_octet}.0.0/16", {"Environment": env, "System": "analytics"})
    public = r.subnet(f"{name}-public-a", vpc, f"10.{second_octet}.0.0/24", "a")
    private = r.subnet(f"{name}-private-a", vpc, f"10.{second_octet}.10.0/24", "a")
    igw = r.internet_gateway(f"{name}-igw", vpc)
    r.route_table(f"{name}-public", vpc, [public], igw=igw)
    nat = r.nat_gateway(f"{name}-nat", public)
    r.route_table(f"{name}-private", vpc, [private], nat=nat)
    return vpc, private


def _analytics(r: _Region) -> None:
    """us-east-1: legacy instance in the default VPC, analytics-prod done well, analytics-dev shared by two systems."""
    r.give_default_vpc_an_internet_gateway()
    default_vpc, default_subnets = r.default_vpc()
    legacy_sg = r.security_group("legacy-batch", default_vpc, "legacy batch server")
    # a role reachable through IMDSv1 (BP-IAM-04)
    r.instance(
        "legacy-batch", default_subnets[0]["SubnetId"], [legacy_sg], {"System": "legacy-batch"}, http_tokens="optional"
    )

    vpc, private = _analytics_vpc(r, "prod", 20)
    worker_sg = r.security_group("analytics-prod-worker", vpc, "analytics-prod workers")
    endpoints_sg = r.security_group(
        "analytics-prod-endpoints", vpc, "analytics-prod VPC endpoints", [_tcp(443, group=worker_sg)]
    )
    prod = {"Environment": "prod", "System": "analytics"}
    r.instance("analytics-prod-worker", private, [worker_sg], {"Role": "worker", **prod})
    r.gateway_endpoint_s3("analytics-prod-s3", vpc, [r.ids["us-east-1/route-table/analytics-prod-private"]])
    r.interface_endpoints("analytics-prod", vpc, [private], endpoints_sg)
    r.flow_logs_to_s3("analytics-prod-flow-logs", vpc, "analytics-flow-logs-demo")

    vpc, private = _analytics_vpc(r, "dev", 30)
    worker_sg = r.security_group("analytics-dev-worker", vpc, "analytics-dev workers")
    dev = {"Environment": "dev"}
    r.instance("analytics-dev-worker", private, [worker_sg], {"Role": "worker", **dev, "System": "analytics"})
    r.instance("reporting-dev-worker", private, [worker_sg], {"Role": "worker", **dev, "System": "reporting"})


def seed(endpoint: str) -> dict[str, str]:
    """Build the world in the simulated Organization at ``endpoint`` (loopback only); ``{"<region>/<type>/<name>": id}``
    for the management account, ``"<member>/<region>/<type>/<name>"`` for member accounts and
    ``"global/account/<name>"`` for their account ids.

    Calls are made one at a time, in a fixed order, so a server freshly reset and seeded (``DemoServer.reset``)
    gives the same ids every run. The management account's world is seeded first, so its ids do not depend on
    the Organization (see :mod:`awsbp.demo.world_org`).
    """
    from awsbp.demo.world_devtools import seed_devtools
    from awsbp.demo.world_iam import seed_iam
    from awsbp.demo.world_org import seed_members, seed_organization

    clients = demo_clients(endpoint)
    ids: dict[str, str] = {}
    seed_iam(clients, ids)
    seed_devtools(clients, ids)
    _shop(_Region(clients, "ap-northeast-1", ids))
    _analytics(_Region(clients, "us-east-1", ids))
    management = clients("sts").get_caller_identity()["Account"]
    accounts = seed_organization(clients, ids)
    seed_members(endpoint, accounts, management, ids)
    return ids
