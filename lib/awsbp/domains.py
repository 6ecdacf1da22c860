"""The assessment's domains, defined once: key, check-id prefix and the report notebook of each.

domain_of("BP-IAM-04")  # -> Domain(key="iam", prefix="BP-IAM", notebook="20_iam")
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Domain:
    key: str  # "vpc": catalog file, check spec domain, report section
    prefix: str  # "BP-VPC": what its check ids start with
    notebook: str  # "10_vpc": the report notebook (file stem) of the domain


DOMAINS = (
    Domain("vpc", "BP-VPC", "10_vpc"),
    Domain("iam", "BP-IAM", "20_iam"),
    Domain("devtools", "BP-DEV", "30_devtools"),
)
SUMMARY_NOTEBOOK = "00_summary"


def domain_of(check_id: str) -> Domain:
    """The domain a check id belongs to; ``KeyError`` for an id of no domain."""
    for domain in DOMAINS:
        if check_id.startswith(domain.prefix + "-"):
            return domain
    raise KeyError(f"{check_id!r} belongs to no domain ({', '.join(d.prefix for d in DOMAINS)})")


def domain(key: str) -> Domain:
    """The domain with this key (``"vpc"``, ``"iam"``, ``"devtools"``)."""
    for found in DOMAINS:
        if found.key == key:
            return found
    raise KeyError(f"unknown domain {key!r}; use one of {', '.join(d.key for d in DOMAINS)}")
