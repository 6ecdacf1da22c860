"""The simulated company's AWS world, seeded into a local moto server. The ONLY code in awsbp that writes to AWS.

Every write goes through :func:`awsbp.demo.clients.demo_clients`, whose clients cannot reach a real account.

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

from awsbp.demo.builder import (
    ANYWHERE,
    ANYWHERE_V6,
    RegionBuilder,
    tcp,
)
from awsbp.demo.clients import demo_clients
from awsbp.demo.world_devtools import seed_devtools, user_data  # user data: the bootstrap scripts (one with keys)
from awsbp.demo.world_iam import seed_iam
from awsbp.demo.world_org import seed_members, seed_organization


def _shop(r: RegionBuilder) -> None:
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
        [tcp(443, cidrs=(ANYWHERE,), cidrs_v6=(ANYWHERE_V6,)), tcp(80, cidrs=(ANYWHERE,))],
    )
    web_sg = r.security_group("shop-prod-web", vpc, "shop-prod web servers", [tcp(8080, group=alb_sg)])
    db_sg = r.security_group("shop-prod-db", vpc, "shop-prod database", [tcp(3306, group=web_sg)])
    bastion_sg = r.security_group("shop-prod-bastion", vpc, "shop-prod bastion", [tcp(22, cidrs=("203.0.113.10/32",))])
    endpoints_sg = r.security_group("shop-prod-endpoints", vpc, "shop-prod VPC endpoints", [tcp(443, group=web_sg)])

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
    alb_sg = r.security_group("shop-dev-alb", vpc, "shop-dev load balancer", [tcp(443, cidrs=(ANYWHERE,))])
    app_sg = r.security_group(
        "shop-dev-app", vpc, "shop-dev app servers", [tcp(22, cidrs=(ANYWHERE,)), tcp(8080, group=alb_sg)]
    )
    db_sg = r.security_group("shop-dev-db", vpc, "shop-dev database", [tcp(3306, cidrs=("10.1.0.0/16",))])
    r.load_balancer("shop-dev-alb", [public_a, public_c], alb_sg)
    dev = {"Environment": "dev", "System": "shop"}
    # no instance profile: how does this app call AWS? (BP-IAM-04)
    # ... and its bootstrap script exports an access key instead (BP-DEV-03, BP-IAM-04)
    r.instance("shop-dev-app-1", public_a, [app_sg], {"Role": "app", **dev}, profile=None, user_data=user_data(True))
    r.database("shop-dev-db", [public_a, public_c], db_sg, public=True, tags=dev)


def _analytics_vpc(r: RegionBuilder, env: str, second_octet: int) -> tuple[str, str]:
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


def _analytics(r: RegionBuilder) -> None:
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
        "analytics-prod-endpoints", vpc, "analytics-prod VPC endpoints", [tcp(443, group=worker_sg)]
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

    clients = demo_clients(endpoint)
    ids: dict[str, str] = {}
    seed_iam(clients, ids)
    seed_devtools(clients, ids)
    _shop(RegionBuilder(clients, "ap-northeast-1", ids))
    _analytics(RegionBuilder(clients, "us-east-1", ids))
    management = clients("sts").get_caller_identity()["Account"]
    accounts = seed_organization(clients, ids)
    seed_members(endpoint, accounts, management, ids)
    return ids
