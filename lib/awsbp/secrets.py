"""Secret detection at collection time: values are scanned in memory and never stored.

Detection uses detect-secrets' plugins (AWS keys, private keys, keywords, high-entropy strings); a
finding keeps the variable name (or line number), the detector's type and a short fingerprint: the
first four characters of an AWS key id (``AKIA``: long-term, ``ASIA``: temporary) or a keyed hash
whose key lives only in this process, so equal secrets can be matched within a run and nothing can
be recovered from the report.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as _random
from functools import cache
from typing import Any

REDACTED = "<redacted>"
AWS_KEY = "AWS Access Key"
_RUN_KEY = _random.token_bytes(16)
REFERENCE = re.compile(r"^(arn:aws[\w-]*:(secretsmanager|ssm|kms):|\{\{resolve:|/aws/reference/)", re.I)
ASSIGNMENT = re.compile(r"""^\s*(?:export\s+|set\s+|\$env:)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[:=]\s*['"]?(.*?)['"]?\s*$""")


@cache
def _plugins() -> tuple[Any, ...]:
    from detect_secrets.plugins.aws import AWSKeyDetector
    from detect_secrets.plugins.basic_auth import BasicAuthDetector
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString, HexHighEntropyString
    from detect_secrets.plugins.jwt import JwtTokenDetector
    from detect_secrets.plugins.keyword import KeywordDetector
    from detect_secrets.plugins.private_key import PrivateKeyDetector

    return (
        AWSKeyDetector(),
        PrivateKeyDetector(),
        KeywordDetector(),
        BasicAuthDetector(),
        JwtTokenDetector(),
        Base64HighEntropyString(limit=4.5),
        HexHighEntropyString(limit=3.0),
    )


def fingerprint(kind: str, value: str) -> str:
    """``AKIA…3f2a91c0`` for AWS key ids, else an 8-hex keyed hash; never the value."""
    digest = hmac.new(_RUN_KEY, value.encode(), hashlib.sha256).hexdigest()[:8]
    if kind == AWS_KEY and value[:4].isupper() and value[:2] in ("AK", "AS"):
        return f"{value[:4]}…{digest}"
    return digest


def is_reference(value: Any) -> bool:
    """A Secrets Manager / Parameter Store / KMS reference rather than a secret value."""
    return isinstance(value, str) and bool(REFERENCE.match(value.strip()))


def scan_line(line: str) -> list[tuple[str, str]]:
    """(detector type, fingerprint) of secrets in one line; ``NAME=value`` lines are quoted first."""
    match = ASSIGNMENT.match(line)
    if match and match.group(2):
        line = f'{match.group(1)}="{match.group(2)}"'
    found: dict[str, str] = {}
    for plugin in _plugins():
        for secret in plugin.analyze_line(filename="awsbp", line=line, line_number=1):
            value = secret.secret_value or ""
            if secret.type not in found and value:
                found[secret.type] = fingerprint(secret.type, value)
    return sorted(found.items())


def scan_variables(variables: dict[str, Any]) -> tuple[list[dict[str, str]], list[str]]:
    """Secrets found in ``NAME -> value`` pairs, and the names whose values are references."""
    findings: list[dict[str, str]] = []
    references: list[str] = []
    for name, value in variables.items():
        text = "" if value is None else str(value)
        if is_reference(text):
            references.append(name)
            continue
        findings += [{"name": name, "type": kind, "fingerprint": fp} for kind, fp in scan_line(f'{name}="{text}"')]
    return findings, references


def scan_text(text: str) -> list[dict[str, Any]]:
    """Secrets found in a script (user data), by line number."""
    findings: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if is_reference(line):
            continue
        findings += [{"line": number, "type": kind, "fingerprint": fp} for kind, fp in scan_line(line)]
    return findings


def redact_mapping(mapping: dict[str, Any]) -> dict[str, str]:
    """``{'DB_PASSWORD': 'hunter2'} -> {'DB_PASSWORD': '<redacted>'}``."""
    return dict.fromkeys(mapping, REDACTED)
