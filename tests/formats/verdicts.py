"""Small readers of findings for the format tests."""

from __future__ import annotations

from collections.abc import Iterable

from formats.harness import Finding


def verdicts(findings: Iterable[Finding], check_id: str) -> dict[tuple[str, str], str]:
    """``{(resource_id, reason): status}`` of one check."""
    return {(f.resource_id, f.reason): str(f.status) for f in findings if f.check_id == check_id}


def of(findings: Iterable[Finding], check_id: str, resource_id: str) -> list[Finding]:
    return [f for f in findings if f.check_id == check_id and f.resource_id == resource_id]


def only(findings: Iterable[Finding], check_id: str, resource_id: str, reason: str) -> Finding:
    found = [f for f in of(findings, check_id, resource_id) if f.reason == reason]
    assert len(found) == 1, f"{check_id} {resource_id} {reason}: {len(found)} findings"
    return found[0]
