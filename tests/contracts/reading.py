"""What the inventory and the checks read from stored items, and what the collectors read from raw answers,
each checked against botocore's models (:mod:`contracts.model`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from formats import harness
from formats.harness import Finding, Snapshot

from contracts.model import label, problem, stored_as, stored_problem
from contracts.recorder import Reads, record, recording_pandas, show


def apis_by_name() -> dict[str, tuple[str, Any]]:
    """``"ec2.DescribeVpcs" -> ("ec2", Api)`` for every API a collection stores."""
    return {f"{service}.{api.name}": (service, api) for service, _, api in harness.collected_apis()}


def recorded(snapshot: Snapshot, reads: Reads) -> Snapshot:
    """The snapshot with every stored item recording reads under ``"service.Api"``."""
    data = {
        service: {
            region: {api: [record(item, reads, f"{service}.{api}") for item in items] for api, items in apis.items()}
            for region, apis in regions.items()
        }
        for service, regions in snapshot.data.items()
    }
    return Snapshot(meta=dict(snapshot.meta), data=data, errors=list(snapshot.errors))


@dataclass
class Run:
    reads: Reads
    findings: list[Finding]  # every finding, cross-account ones included
    per_snapshot: list[list[Finding]]  # each snapshot's own findings, in the order given


def read_everything(snapshots: Iterable[Snapshot], extra: Callable[[Any], None] | None = None) -> Run:
    """Build the inventory of each snapshot, evaluate every frame, run every check and the cross-account checks,
    recording every read of a stored item. ``extra(inventory)`` runs inside the recording too."""
    reads, inventories, per_snapshot = Reads(), [], []
    with recording_pandas():
        for snapshot in snapshots:
            inventory = harness.inventory_of(recorded(snapshot, reads))
            harness.every_frame(inventory)
            per_snapshot.append(harness.findings_of(inventory))
            if extra:
                extra(inventory)
            inventories.append(inventory)
        cross = harness.cross_account_findings(inventories)
    return Run(reads, [f for found in per_snapshot for f in found] + cross, per_snapshot)


def stored_read_problems(reads: Reads) -> dict[str, list[str]]:
    """``{"service.Api": ["ec2.DescribeVpcs: Vpcs[].CidrBlok — 'CidrBlok' is not a member of Vpc (…)", …]}``."""
    apis = apis_by_name()
    out: dict[str, list[str]] = {}
    for source, path in sorted(reads.paths):
        if source not in apis:
            out.setdefault(source, []).append(f"{source}: {show(path)} — read from an API no collector stores")
            continue
        service, api = apis[source]
        stored = stored_as(service, api)
        wrong = stored_problem(service, stored, path)
        if wrong:
            out.setdefault(source, []).append(f"{label(service, api.name, stored, path)} — {wrong}")
    return out


def raw_read_problems(reads: Reads) -> dict[str, list[str]]:
    """Reads by the collectors in raw answers (sources ``"service.Operation"``), by service."""
    out: dict[str, list[str]] = {}
    for source, path in sorted(reads.paths):
        service, operation = source.split(".", 1)
        wrong = problem(service, operation, path)
        if wrong:
            out.setdefault(service, []).append(f"{source}: {show(path)} — {wrong}")
    return out
