"""Building blocks of the simulated worlds: a region writer that records the ids it creates, ingress rules, and the
IAM history (creation and last-use dates) no AWS API sets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from awsbp.demo.clients import Clients
from awsbp.demo.simulated_iam import ACTIVITY_PATH
from awsbp.params import Settings

# the compliant VPCs have every interface endpoint BP-VPC-07 expects by default
INTERFACE_ENDPOINT_SERVICES = tuple(Settings().expected_endpoints)
ANYWHERE = "0.0.0.0/0"
ANYWHERE_V6 = "::/0"
INSTANCE_TYPE = "t3.micro"
IMAGE_NAME = "awsbp-demo-al2023"
WORKLOAD_PROFILE = "app-server"  # instance profile seeded by awsbp.demo.world_iam
SIMULATED_DB_PASSWORD = "simulated-database-only"  # a moto database that exists for the demo run; not a secret


def seed_activity(clients: Clients, people: Mapping[str, Mapping[str, Any]]) -> None:
    """Give the users of ``clients``' account (and root, as ``<root_account>``) the history no AWS API sets, through the
    simulated IAM's control endpoint: credential-report columns, dates given in days before now (so the demo says
    the same whenever it runs), e.g. ``{"deploy-bot": {"user_creation_time": 400, "access_key_1_last_rotated":
    150}, "<root_account>": {"password_last_used": 3}}``; service and region names are given as they are."""
    now = datetime.now(UTC).replace(microsecond=0)

    def value(days_or_name: Any) -> Any:
        if isinstance(days_or_name, int) and not isinstance(days_or_name, bool):
            return (now - timedelta(days=days_or_name)).isoformat()
        return days_or_name

    account_id = clients("sts").get_caller_identity()["Account"]
    users = {name: {column: value(v) for column, v in columns.items()} for name, columns in people.items()}
    clients.control(ACTIVITY_PATH, {"account_id": account_id, "users": users})


def _tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def tcp(
    port: int, *, cidrs: tuple[str, ...] = (), cidrs_v6: tuple[str, ...] = (), group: str | None = None
) -> dict[str, Any]:
    """One TCP ingress permission: ``tcp(22, cidrs=("0.0.0.0/0",))``, ``tcp(8080, group="sg-…")``."""
    rule: dict[str, Any] = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
    if cidrs:
        rule["IpRanges"] = [{"CidrIp": c} for c in cidrs]
    if cidrs_v6:
        rule["Ipv6Ranges"] = [{"CidrIpv6": c} for c in cidrs_v6]
    if group:
        rule["UserIdGroupPairs"] = [{"GroupId": group}]
    return rule


class RegionBuilder:
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
