"""The check registry: every check's spec, built once and explicitly from the domain modules' ``CHECKS``.

Views (reports, catalog tests) read specs from here — ids, domains, reasons, references, article points —
and never the domain modules' internals.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from awsbp.checks import devtools, iam, vpc
from awsbp.checks.spec import CheckSpec
from awsbp.domains import DOMAINS, domain_of


def _build(specs: Iterable[CheckSpec]) -> MappingProxyType[str, CheckSpec]:
    registry: dict[str, CheckSpec] = {}
    for spec in specs:
        if spec.id in registry:
            raise ValueError(f"check {spec.id} declared twice")
        if spec.func is None:
            raise ValueError(f"check {spec.id} has no rule")
        if domain_of(spec.id).key != spec.domain:
            raise ValueError(f"check {spec.id}: its id does not belong to domain {spec.domain!r}")
        registry[spec.id] = spec
    order = [d.key for d in DOMAINS]
    return MappingProxyType(dict(sorted(registry.items(), key=lambda item: (order.index(item[1].domain), item[0]))))


REGISTRY = _build([*vpc.CHECKS, *iam.CHECKS, *devtools.CHECKS])
"""Check id -> spec, in domain order (VPC, IAM, developer tooling) then by id; read-only."""


def specs(domain: str | None = None) -> list[CheckSpec]:
    """Every check's spec (of one domain), in registry order."""
    if domain is not None and domain not in {d.key for d in DOMAINS}:
        raise KeyError(f"unknown domain {domain!r}")
    return [s for s in REGISTRY.values() if domain is None or s.domain == domain]
