"""Snapshot: the evidence of one account's collection, saved as versioned gzip JSON.

Layout::

    {"schema": 1,
     "meta": {"account_id", "partition", "collected_at", "regions", "tool_version",
              "calls": {"ec2.DescribeInstances": 3, ...}},
     "data": {service: {region: {api_name: [items, ...]}}},
     "errors": [{"service", "region", "api", "code", "message"}]}

An API that failed has no entry under ``data`` and one under ``errors``; an API that succeeded
with nothing to return has an empty list. Global services use the region ``"global"``.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = 1
GLOBAL = "global"
# Services collected once per account, under the region GLOBAL.
GLOBAL_SERVICES = frozenset({"iam", "organizations"})


class SnapshotError(ValueError):
    """A snapshot file cannot be read as this version's schema."""


@dataclass
class Snapshot:
    """Raw API data of one account plus metadata and the errors met while collecting."""

    meta: dict[str, Any]
    data: dict[str, dict[str, dict[str, list[Any]]]] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    schema: int = SCHEMA

    @property
    def account_id(self) -> str:
        return str(self.meta.get("account_id", ""))

    @property
    def regions(self) -> list[str]:
        return list(self.meta.get("regions", []))

    def put(self, service: str, region: str, api: str, items: list[Any]) -> None:
        """Record a successful API's items."""
        self.data.setdefault(service, {}).setdefault(region, {})[api] = items

    def record_error(self, service: str, region: str, api: str, code: str, message: str) -> None:
        """Record a failed API; its data stays absent."""
        self.errors.append({"service": service, "region": region, "api": api, "code": code, "message": message})

    def items(self, service: str, region: str, api: str) -> list[Any] | None:
        """Items of one API in one region, or ``None`` when they were not collected."""
        return self.data.get(service, {}).get(region, {}).get(api)

    def has(self, service: str, region: str, api: str) -> bool:
        return self.items(service, region, api) is not None

    @staticmethod
    def region_of(service: str, region: str) -> str:
        """Where a service's data lives: ``GLOBAL`` for global services, else ``region``."""
        return GLOBAL if service in GLOBAL_SERVICES else region

    def error_for(self, service: str, region: str, api: str) -> dict[str, str] | None:
        """The recorded error of one API in one region, if any."""
        for err in self.errors:
            if (err["service"], err["region"], err["api"]) == (service, region, api):
                return err
        return None

    def missing_reason(self, service: str, region: str, api: str) -> str:
        """Why an API's data is absent, in one line (``ec2.DescribeVpcs: AccessDenied — …``)."""
        err = self.error_for(service, region, api)
        if err:
            return f"{service}.{api} in {region}: {err['code']}: {err['message']}"
        return f"{service}.{api} in {region}: not collected"

    def to_dict(self) -> dict[str, Any]:
        return {"schema": self.schema, "meta": self.meta, "data": self.data, "errors": self.errors}

    def save(self, path: Path) -> Path:
        """Write atomically (temp file + rename) so an interrupted run never leaves half a snapshot."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".snapshot-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                gz.write(json.dumps(self.to_dict(), ensure_ascii=False, default=str).encode("utf-8"))
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Snapshot:
        schema = raw.get("schema")
        if schema != SCHEMA:
            raise SnapshotError(f"snapshot schema {schema!r} is not supported (this version reads {SCHEMA})")
        return cls(meta=raw["meta"], data=raw.get("data", {}), errors=raw.get("errors", []), schema=schema)

    @classmethod
    def load(cls, path: str | Path) -> Snapshot:
        """Read a snapshot written by :meth:`save` (gzip) or a plain ``.json`` fixture."""
        path = Path(path)
        if not path.is_file():
            raise SnapshotError(f"snapshot {path} does not exist")
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as fh:
            return cls.from_dict(json.load(fh))
