"""Snapshot: the evidence of one account's collection, saved as versioned gzip JSON.

Layout::

    {"schema": 1,
     "meta": {"account_id", "partition", "collected_at", "regions", "tool_version",
              "calls": {"ec2.DescribeInstances": 3, ...},
              "notes": [{"service", "region", "api", ...facts such as report_wait_seconds}]},
     "data": {service: {region: {api_name: [items, ...]}}},
     "errors": [{"service", "region", "api", "code", "message"}]}

An API that failed has no entry under ``data`` and one under ``errors``; an API that succeeded
with nothing to return has an empty list. Global services use the region ``"global"``.

A snapshot read from disk is validated before anything uses it (:func:`validate`): it may come from
elsewhere (``--from-snapshots``), and its account id names a directory. Any problem — truncated gzip,
invalid JSON, a wrong shape — is one :class:`SnapshotError` line naming the file.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = 1
GLOBAL = "global"
# Services collected once per account, under the region GLOBAL.
GLOBAL_SERVICES = frozenset({"iam", "organizations"})


MAX_SNAPSHOT_BYTES = 2 * 1024**3  # decompressed: far beyond any account's snapshot, short of exhausting memory
ACCOUNT_ID = re.compile(r"\d{12}")
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")  # service and API names
META_STRINGS = ("partition", "collected_at", "finished_at", "tool_version", "account_name", "caller_arn")
ERROR_KEYS = ("service", "region", "api", "code", "message")


class SnapshotError(ValueError):
    """A snapshot file cannot be read as this version's schema."""


def _is_region(value: Any) -> bool:
    return isinstance(value, str) and bool(REGION.fullmatch(value))


def validate(raw: Any) -> None:
    """Raise :class:`SnapshotError` (one line, the first problem) unless ``raw`` has the snapshot's shape:
    ``meta.account_id`` exactly 12 digits, ``meta.regions`` a list of region names, ``data`` a mapping of
    service → region (or ``global``) → API → list of items (mappings), ``errors`` a list of records."""
    if not isinstance(raw, dict):
        raise SnapshotError("not a snapshot (expected a JSON object with schema, meta, data, errors)")
    schema = raw.get("schema")
    if schema != SCHEMA:
        raise SnapshotError(f"snapshot schema {schema!r} is not supported (this version reads {SCHEMA})")
    meta = raw.get("meta")
    if not isinstance(meta, dict):
        raise SnapshotError("meta: expected an object")
    account = meta.get("account_id")
    if not isinstance(account, str) or not ACCOUNT_ID.fullmatch(account):
        raise SnapshotError(f"meta.account_id: expected 12 digits, got {str(account)[:40]!r}")
    regions = meta.get("regions", [])
    if not isinstance(regions, list) or not all(_is_region(r) for r in regions):
        raise SnapshotError("meta.regions: expected a list of region names (like eu-west-1)")
    for key in META_STRINGS:
        if key in meta and not isinstance(meta[key], str):
            raise SnapshotError(f"meta.{key}: expected a string")
    calls = meta.get("calls", {})
    if not isinstance(calls, dict) or not all(isinstance(k, str) and type(v) is int for k, v in calls.items()):
        raise SnapshotError("meta.calls: expected a mapping of service.Operation to a count")
    if not isinstance(meta.get("notes", []), list) or not all(isinstance(n, dict) for n in meta.get("notes", [])):
        raise SnapshotError("meta.notes: expected a list of objects")
    data = raw.get("data", {})
    if not isinstance(data, dict):
        raise SnapshotError("data: expected an object of services")
    for service, by_region in data.items():
        if not NAME.fullmatch(service) or not isinstance(by_region, dict):
            raise SnapshotError(f"data.{service[:40]}: expected a service name holding an object of regions")
        for region, apis in by_region.items():
            if not (region == GLOBAL or _is_region(region)) or not isinstance(apis, dict):
                raise SnapshotError(f"data.{service}.{region[:40]}: expected a region holding an object of APIs")
            for api, items in apis.items():
                if not NAME.fullmatch(api) or not isinstance(items, list):
                    raise SnapshotError(f"data.{service}.{region}.{api[:40]}: expected an API name holding a list")
                if not all(isinstance(item, dict) for item in items):
                    raise SnapshotError(f"data.{service}.{region}.{api}: expected a list of objects")
    errors = raw.get("errors", [])
    if not isinstance(errors, list):
        raise SnapshotError("errors: expected a list")
    for index, err in enumerate(errors):
        if not isinstance(err, dict) or not all(isinstance(err.get(k), str) for k in ERROR_KEYS):
            raise SnapshotError(f"errors[{index}]: expected {', '.join(ERROR_KEYS)} (strings)")


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
        """A snapshot from its JSON form, validated (:func:`validate`)."""
        validate(raw)
        return cls(meta=raw["meta"], data=raw.get("data", {}), errors=raw.get("errors", []), schema=raw["schema"])

    @classmethod
    def load(cls, path: str | Path) -> Snapshot:
        """Read and validate a snapshot written by :meth:`save` (gzip) or a plain ``.json`` fixture; any problem
        is one :class:`SnapshotError` line naming the file."""
        path = Path(path)
        if not path.is_file():
            raise SnapshotError(f"snapshot {path} does not exist")
        try:
            if path.suffix == ".gz":
                with gzip.open(path, "rb") as fh:
                    content = fh.read(MAX_SNAPSHOT_BYTES + 1)
            else:
                content = path.read_bytes()
        except (OSError, EOFError, zlib.error) as err:  # BadGzipFile is an OSError; truncation an EOFError
            raise SnapshotError(f"{path}: not a readable gzip file (truncated or corrupt: {err})") from None
        if len(content) > MAX_SNAPSHOT_BYTES:
            raise SnapshotError(f"{path}: larger than {MAX_SNAPSHOT_BYTES // 1024**3} GiB once decompressed")
        try:
            raw = json.loads(content)
        except UnicodeDecodeError:
            raise SnapshotError(f"{path}: not UTF-8 JSON") from None
        except json.JSONDecodeError as err:
            raise SnapshotError(f"{path}: not valid JSON ({err.msg} at line {err.lineno})") from None
        except RecursionError:
            raise SnapshotError(f"{path}: JSON nested too deeply to be a snapshot") from None
        try:
            return cls.from_dict(raw)
        except SnapshotError as err:
            raise SnapshotError(f"{path}: {err}") from None
