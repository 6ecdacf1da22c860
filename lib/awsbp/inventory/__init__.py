"""Inventory: one snapshot as tidy pandas DataFrames, with derived columns — pure, no AWS call.

One :class:`Inventory` composes three parts over the same snapshot and settings::

    inv = Inventory(snapshot, settings)
    inv.network.security_groups      # VPCs, subnets (with tier), groups, rules, interfaces, workloads, …
    inv.iam.credential_report        # credential report, keys, users, groups, roles, effective permissions
    inv.devtools.secret_detections   # build projects, pipelines, user data, images, secrets, detections
    inv.table("sg_rules")            # any table by name (follow-up: every table across accounts)

Frames only hold regions whose data was collected; checks learn about gaps from the snapshot through
:mod:`awsbp.checks.run`.
"""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

import pandas as pd

from awsbp.inventory.devtools import NAME_PATTERN, DevtoolsFrames
from awsbp.inventory.iam import ROOT_USER, IamFrames, PolicyRef
from awsbp.inventory.network import (
    ALL_PORTS,
    DEFAULT_VPC_NAME,
    WORLD,
    NetworkFrames,
    cidr_overlaps,
    is_private_cidr,
    port_label,
    rule_ports,
)
from awsbp.inventory.source import Source, parse_time, tags_of
from awsbp.params import Settings
from awsbp.secrets import AWS_KEY
from awsbp.snapshot import Snapshot

TABLES: dict[str, tuple[str, ...]] = {
    "network": (
        "vpcs",
        "subnets",
        "route_tables",
        "nat_gateways",
        "vpc_endpoints",
        "flow_logs",
        "security_groups",
        "sg_rules",
        "world_ingress",
        "network_interfaces",
        "instances",
        "load_balancers",
        "db_subnet_groups",
        "db_instances",
        "lambda_functions",
        "workloads",
        "sg_usage",
    ),
    "iam": (
        "credential_report",
        "access_keys",
        "iam_users",
        "iam_groups",
        "iam_roles",
        "principal_permissions",
        "ssh_keys",
        "service_credentials",
        "analyzers",
    ),
    "devtools": (
        "codebuild_projects",
        "pipelines",
        "user_data",
        "ecr_repositories",
        "secrets_manager",
        "code_repositories",
        "secret_detections",
    ),
}
"""Every table of the inventory, by the part that builds it."""


class Inventory:
    """DataFrames over one snapshot, in three parts. Build with ``Inventory(snapshot, settings)``."""

    def __init__(self, snapshot: Snapshot, settings: Settings | None = None):
        self.source = Source(snapshot, settings or Settings())
        self.network = NetworkFrames(self.source)
        self.iam = IamFrames(self.source)
        self.devtools = DevtoolsFrames(self.source, self.network)

    @property
    def snapshot(self) -> Snapshot:
        return self.source.snapshot

    @property
    def settings(self) -> Settings:
        return self.source.settings

    @property
    def account_id(self) -> str:
        return self.snapshot.account_id

    @property
    def regions(self) -> list[str]:
        return self.snapshot.regions

    @property
    def now(self) -> datetime:
        """When the data was collected (the reference for every age)."""
        return self.source.now

    def days_since(self, when: datetime | None) -> int | None:
        """Whole days from ``when`` to the collection; ``None`` for ``None``."""
        return self.source.days_since(when)

    @cached_property
    def resource_tags(self) -> dict[str, dict[str, str]]:
        """Tags by resource id (VPCs, subnets, security groups, instances, DB instances), for suppressions."""
        return self.network.resource_tags

    def table(self, name: str) -> pd.DataFrame:
        """Any table by name (see :data:`TABLES`); ``KeyError`` names the tables there are."""
        for part, names in TABLES.items():
            if name in names:
                return getattr(getattr(self, part), name)
        known = ", ".join(n for names in TABLES.values() for n in names)
        raise KeyError(f"no inventory table {name!r}; tables: {known}")


__all__ = [
    "ALL_PORTS",
    "AWS_KEY",
    "DEFAULT_VPC_NAME",
    "NAME_PATTERN",
    "ROOT_USER",
    "TABLES",
    "WORLD",
    "Inventory",
    "PolicyRef",
    "cidr_overlaps",
    "is_private_cidr",
    "parse_time",
    "port_label",
    "rule_ports",
    "tags_of",
]
