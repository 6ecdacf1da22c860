"""Checks that need several accounts' inventories: the batch parts of BP-IAM-06 and BP-VPC-06."""

from __future__ import annotations

from awsbp.checks.iam import same_person_across_accounts
from awsbp.checks.vpc import dev_matches_prod_across_accounts
from awsbp.findings import Finding
from awsbp.inventory import Inventory

OVERRIDDEN = {"BP-VPC-06": ("no_prod_to_compare",)}
"""Account-level reasons a cross-account verdict on the same resource replaces (one truth per resource)."""


def cross_account_findings(inventories: list[Inventory]) -> list[Finding]:
    """BP-IAM-06 (the same person with users in several accounts) and BP-VPC-06 (a dev account's VPC against
    the prod account's VPC of the same system), each attributed to the account it concerns and marked
    cross-account."""
    found = same_person_across_accounts(inventories) + dev_matches_prod_across_accounts(inventories)
    for finding in found:
        finding.cross_account = True
    return found
