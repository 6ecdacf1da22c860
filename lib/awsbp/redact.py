"""Redaction of secret values: keep names, never values."""

from typing import Any

REDACTED = "<redacted>"


def redact_mapping(mapping: dict[str, Any]) -> dict[str, str]:
    """``{'DB_PASSWORD': 'hunter2'} -> {'DB_PASSWORD': '<redacted>'}``."""
    return dict.fromkeys(mapping, REDACTED)
