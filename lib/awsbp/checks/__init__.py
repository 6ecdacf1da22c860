"""Checks per domain; importing a domain module registers its checks."""

from awsbp.checks.registry import REGISTRY, CheckSpec, run_checks

DOMAINS = ("vpc", "iam", "devtools")


def load_all() -> None:
    """Import every domain module so that all checks are registered."""
    from awsbp.checks import devtools, iam, vpc  # noqa: F401


__all__ = ["DOMAINS", "REGISTRY", "CheckSpec", "load_all", "run_checks"]
