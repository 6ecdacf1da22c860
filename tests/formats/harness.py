"""The one door from tests/contracts and tests/formats into the library.

Every call these tests make into awsbp goes through here, so that a restructure of the library
(inventory and checks becoming packages, the runner moving to ``batch/``, the collectors' internals)
changes this file only. Each function names what it stands for, not how today's code does it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

from awsbp import policy
from awsbp.catalog import Catalog
from awsbp.collect import COLLECTORS, collect_account
from awsbp.collect.base import Api, ApiResult, call_api
from awsbp.findings import Finding, Status
from awsbp.params import Settings
from awsbp.snapshot import GLOBAL, Snapshot

__all__ = [
    "CHECK_ERROR",
    "GLOBAL",
    "Api",
    "ApiResult",
    "Finding",
    "Settings",
    "Snapshot",
    "Status",
    "asff_export",
    "catalog_reasons",
    "check_ids",
    "collect_api",
    "collect_with_clients",
    "collected_apis",
    "collector_modules",
    "cross_account_findings",
    "demo_sample_snapshot",
    "every_frame",
    "findings_of",
    "inventory_of",
    "organization_role_arns",
    "params_of",
    "policy",
    "saved_and_loaded",
]

CHECK_ERROR = "check_error"  # the reason of the finding a check that raised leaves behind


# --- snapshot -> inventory -> findings ------------------------------------------------------------
def inventory_of(snapshot: Snapshot, settings: Settings | None = None) -> Any:
    """The inventory (DataFrames) over one snapshot."""
    from awsbp.inventory import Inventory

    return Inventory(snapshot, settings or Settings())


def every_frame(inventory: Any) -> dict[str, Any]:
    """Evaluate every frame and derived property of an inventory (what a notebook may show), by name."""
    out: dict[str, Any] = {}
    for part_name in ("network", "iam", "devtools"):
        part = getattr(inventory, part_name)
        for name in sorted(dir(type(part))):
            attr = getattr(type(part), name, None)
            if name.startswith("__") or not isinstance(attr, cached_property | property):
                continue
            out[name] = getattr(part, name)
    repositories = out.get("ecr_repositories")
    for r in repositories.to_dict("records") if repositories is not None else []:
        key = f"registry_scans_on_push:{r['region']}:{r['name']}"
        out[key] = inventory.devtools.registry_scans_on_push(r["region"], r["name"])
    return out


def check_ids() -> list[str]:
    """Every registered check id, sorted."""
    from awsbp.checks.registry import REGISTRY

    return sorted(REGISTRY)


def findings_of(
    source: Snapshot | Any, check_ids: Iterable[str] | None = None, settings: Settings | None = None
) -> list[Finding]:
    """Findings of the given checks (all by default) over a snapshot or an inventory, gaps turned into NOT_ASSESSED
    exactly as a run does."""
    from awsbp.checks.registry import REGISTRY
    from awsbp.checks.run import run_check

    settings = settings or Settings()
    inventory = inventory_of(source, settings) if isinstance(source, Snapshot) else source
    out: list[Finding] = []
    for check_id in sorted(check_ids or REGISTRY):
        out += run_check(REGISTRY[check_id], inventory, settings)
    return out


def cross_account_findings(inventories: list[Any]) -> list[Finding]:
    """The checks that need several accounts (BP-IAM-06 same person, BP-VPC-06 dev against another account's prod)."""
    from awsbp.checks.cross_account import cross_account_findings as found

    return found(inventories)


def catalog_reasons() -> dict[str, set[str]]:
    """Every verdict (reason) the catalog has words for, per check id: what the checks can say."""
    catalog = Catalog("en")
    return {check_id: set(catalog.check(check_id).messages) for check_id in check_ids()}


# --- collection -----------------------------------------------------------------------------------
def collected_apis() -> list[tuple[str, str, Api]]:
    """``(service, scope, api)`` of every API a collection runs (``scope``: ``global`` or ``regional``)."""
    return [(m.SERVICE, m.SCOPE, api) for m in COLLECTORS for api in m.APIS]


def collector_modules() -> tuple[Any, ...]:
    """The collector modules (each with ``SERVICE``, ``SCOPE``, ``ACTIONS``, ``APIS``)."""
    return COLLECTORS


def collect_api(client: Any, api: Api) -> ApiResult:
    """One API through its collector, with a (stubbed) client: items, or the error recorded instead."""
    return call_api(client, api)


class _ClientsSession:
    """What :func:`awsbp.collect.collect_account` asks of a session, answered by ``client_for(service, region)``."""

    default_region = "us-east-1"

    def __init__(self, client_for: Callable[[str, str], Any], default_region: str):
        self._client_for, self._clients = client_for, {}
        self.default_region = default_region

        class _Recorder:
            def snapshot(self) -> dict[str, int]:
                return {}

        self.recorder = _Recorder()

    def client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self.default_region)
        if key not in self._clients:
            self._clients[key] = self._client_for(*key)
        return self._clients[key]


def collect_with_clients(
    client_for: Callable[[str, str], Any],
    regions: list[str],
    identity: dict[str, str],
    *,
    default_region: str = "us-east-1",
    services: Iterable[str] | None = None,
) -> Snapshot:
    """A whole account's collection where ``client_for(service, region)`` makes each client (stubbed ones)."""
    wanted = set(services) if services else None
    modules = [m for m in COLLECTORS if wanted is None or m.SERVICE in wanted]
    session = _ClientsSession(client_for, default_region)
    return collect_account(session, regions, identity, collectors=modules, max_threads=4)  # type: ignore[arg-type]


# --- outputs that name ARNs -----------------------------------------------------------------------
def asff_export(findings: list[Finding], snapshot: Snapshot, directory: Path) -> list[dict[str, Any]]:
    """The Security Hub (ASFF) export a run writes for one account, read back."""
    from dataclasses import replace
    from datetime import date

    from awsbp.assess import assess
    from awsbp.report.exports import write_exports

    assessment = replace(assess(snapshot, Settings(), [], today=date(2026, 11, 30), lang="en"), findings=findings)
    write_exports(assessment, directory)
    return json.loads((directory / "findings.asff.json").read_text(encoding="utf-8"))


def organization_role_arns(monkeypatch: Any, identity: dict[str, str], organizations_client: Any, role_name: str):
    """The role ARNs a run assumes in an Organization's member accounts, when the caller is ``identity``."""
    from awsbp.batch import runner

    class _Session:
        @classmethod
        def open(cls, **_: Any) -> _Session:
            return cls()

        def identity(self) -> dict[str, str]:
            return identity

        def client(self, service: str, region: str | None = None) -> Any:
            assert service == "organizations"
            return organizations_client

    monkeypatch.setattr(runner, "AwsSession", _Session)
    params = params_of({"client": "t", "regions": ["us-east-1"], "organizations": {"role_name": role_name}})
    return [a.role_arn for a in runner.discover_organization(params)]


def params_of(raw: dict[str, Any]) -> Any:
    """A params file's content, validated as ``awsbp run`` validates it."""
    from awsbp.params import parse

    return parse(raw)


def saved_and_loaded(snapshot: Snapshot) -> Snapshot:
    """The snapshot as a later step reads it back from disk (JSON types: timestamps become text)."""
    return Snapshot.from_dict(json.loads(json.dumps(snapshot.to_dict(), ensure_ascii=False, default=str)))


def demo_sample_snapshot() -> Snapshot:
    """The snapshot bundled with the library (the demo's simulated account, collected from moto)."""
    from awsbp.report.workbook import sample_snapshot_path

    return Snapshot.load(sample_snapshot_path())
