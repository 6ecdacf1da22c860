"""What every part of the inventory reads: one snapshot's items, the settings, and the clock of the data.

Ages are measured from the snapshot's ``collected_at``, not from today, so re-assessing an old snapshot gives
the same findings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import pandas as pd

from awsbp.params import Settings
from awsbp.snapshot import Snapshot

NO_VALUE = {"", "N/A", "no_information", "not_supported"}
BOOL_PREFIXES = ("is_", "has_", "routes_to_", "map_public_ip", "publicly_accessible")


def parse_time(value: Any) -> datetime | None:
    """A credential-report or API timestamp as an aware datetime; ``None`` for N/A-like values."""
    if value is None or (isinstance(value, str) and value.strip() in NO_VALUE):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def tags_of(item: dict[str, Any], key: str = "Tags") -> dict[str, str]:
    """``{'Tags': [{'Key': 'Name', 'Value': 'web'}]} -> {'Name': 'web'}``; RDS items name their key:
    ``tags_of(db, "TagList")``. Only the key named is read (EC2 leaves ``Tags`` out of untagged items)."""
    raw = item.get(key) or []
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    return {t["Key"]: t.get("Value", "") for t in raw if "Key" in t}


def frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """A frame with fixed columns; flag columns are bool even when empty, so masks select rows."""
    out = pd.DataFrame(rows, columns=columns)
    for col in columns:
        if col.startswith(BOOL_PREFIXES):
            out[col] = out[col].astype(bool)
    return out


class Source:
    """One snapshot and the settings it is read with."""

    def __init__(self, snapshot: Snapshot, settings: Settings):
        self.snapshot = snapshot
        self.settings = settings

    def items(self, service: str, api: str) -> list[tuple[str, dict[str, Any]]]:
        """(region, item) pairs of one API across every region where it was collected."""
        out = []
        for region, apis in sorted(self.snapshot.data.get(service, {}).items()):
            for item in apis.get(api) or []:
                out.append((region, item))
        return out

    @cached_property
    def now(self) -> datetime:
        """When the data was collected (the reference for every age)."""
        return parse_time(self.snapshot.meta.get("collected_at")) or datetime.now(UTC)

    def days_since(self, when: datetime | None) -> int | None:
        """Whole days from ``when`` to the collection; ``None`` for ``None``."""
        return None if when is None else max((self.now - when).days, 0)
