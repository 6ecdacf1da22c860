"""Prowler, the tool users would otherwise pick, run on the same server: its own virtual environment, pointed
at the moto server with ``AWS_ENDPOINT_URL``, only the checks equivalent to awsbp's (CHECKS.md's mapping).

Prowler is kept off the internet: every non-loopback HTTP(S) request goes to a proxy on a closed loopback
port (its version check fails at once), and the whole run has a timeout. Its errors are logged at ERROR
level to a file and reported (a check that crashes on moto is recorded, not hidden).
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

VENV = Path(__file__).parent / ".venv-prowler"
PROWLER_SPEC = "prowler>=5.0,<6"
# awsbp check -> the Prowler checks that look at the same thing: the "Prowler" column of CHECKS.md's reference
# table, every id verified with `prowler aws --list-checks` (Prowler 5.46.0). BP-VPC-01, BP-VPC-03, BP-VPC-06,
# BP-IAM-07, BP-DEV-04 and BP-DEV-07 have no Prowler equivalent.
MAPPING = {
    "BP-VPC-02": [
        "ec2_securitygroup_allow_ingress_from_internet_to_all_ports",
        "ec2_securitygroup_allow_ingress_from_internet_to_any_port",
        "ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
    ],
    "BP-VPC-04": ["ec2_instance_public_ip", "vpc_subnet_separate_private_public"],
    "BP-VPC-05": ["rds_instance_no_public_access"],
    "BP-VPC-07": ["vpc_endpoint_for_ec2_enabled"],
    "BP-VPC-08": ["vpc_flow_logs_enabled"],
    "BP-IAM-01": ["iam_root_mfa_enabled", "iam_no_root_access_key", "iam_avoid_root_usage"],
    "BP-IAM-02": ["iam_password_policy_minimum_length_14", "iam_password_policy_reuse_24"],
    "BP-IAM-03": ["iam_user_mfa_enabled_console_access"],
    "BP-IAM-04": ["ec2_instance_profile_attached", "ec2_instance_imdsv2_enabled"],
    "BP-IAM-05": ["iam_user_two_active_access_key", "iam_rotate_access_key_90_days", "iam_user_accesskey_unused"],
    "BP-IAM-06": ["iam_role_cross_account_readonlyaccess_policy"],
    "BP-IAM-08": ["iam_policy_allows_privilege_escalation"],
    "BP-IAM-09": ["iam_policy_attached_only_to_group_or_roles", "iam_user_administrator_access_policy"],
    "BP-IAM-10": ["iam_user_accesskey_unused", "iam_user_console_access_unused"],
    "BP-IAM-11": ["accessanalyzer_enabled"],
    "BP-DEV-01": ["awslambda_function_no_secrets_in_variables"],
    "BP-DEV-02": ["codebuild_project_no_secrets_in_variables"],
    "BP-DEV-03": ["ec2_instance_secrets_user_data"],
    "BP-DEV-05": ["ecr_repositories_scan_images_on_push_enabled"],
    "BP-DEV-06": ["secretsmanager_automatic_rotation_enabled"],
}
CHECKS = sorted({c for checks in MAPPING.values() for c in checks})
CLOSED_PROXY = "http://127.0.0.1:9"  # discard port, nothing listens: a non-loopback request fails at once
LOG_LINE = re.compile(
    r'"filename": "(?P<file>[^"]*)", "level": "(?P<level>\w+)", "module": "[^"]*", "message": "(?P<msg>.*)"}'
)


def executable() -> Path:
    """The ``prowler`` entry point inside bench/.venv-prowler."""
    return VENV / "bin" / "prowler"


def ensure_installed() -> Path:
    """Install Prowler from PyPI into bench/.venv-prowler once (a few minutes the first time)."""
    if not executable().exists():
        print(f"bench: installing {PROWLER_SPEC} into {VENV} …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "--upgrade", "pip>=24"], check=True)
        subprocess.run([*pip, PROWLER_SPEC], check=True)
    return executable()


def _env(work: str, endpoint: str, region: str) -> dict[str, str]:
    """Dummy credentials, the server as the only endpoint, no config files, no way out to the internet."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k.upper() not in _PROXY_VARS}
    return keep | {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_CONFIG_FILE": str(Path(work) / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(Path(work) / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "HTTP_PROXY": CLOSED_PROXY,
        "HTTPS_PROXY": CLOSED_PROXY,
        "NO_PROXY": "127.0.0.1,localhost",
        "HOME": work,
    }


_PROXY_VARS = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"}


def version() -> str:
    """``Prowler 5.46.0``: the installed version, for the report."""
    with tempfile.TemporaryDirectory(prefix="bench-prowler-") as work:
        done = subprocess.run(
            [str(executable()), "--version"],
            capture_output=True,
            text=True,
            timeout=120,
            env=_env(work, "http://127.0.0.1:9", "us-east-1"),
        )
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "?"


def available_checks() -> set[str]:
    """The AWS check ids the installed Prowler knows (``prowler aws --list-checks``)."""
    with tempfile.TemporaryDirectory(prefix="bench-prowler-") as work:
        done = subprocess.run(
            [str(executable()), "aws", "--list-checks", "--no-color"],
            capture_output=True,
            text=True,
            timeout=300,
            env=_env(work, "http://127.0.0.1:9", "us-east-1"),
        )
    return set(re.findall(r"^\[([a-z0-9_]+)\]", done.stdout, flags=re.MULTILINE))


def log_errors(text: str) -> dict[str, int]:
    """The distinct ERROR (and CRITICAL) lines of a Prowler log file, ``file:line: message`` → how many times."""
    out: Counter[str] = Counter()
    for line in text.splitlines():
        match = LOG_LINE.search(line)
        if match and match["level"] in ("ERROR", "CRITICAL"):
            out[f"{match['file']}: {match['msg']}"] += 1
    return dict(out.most_common())


def count_rows(path: Path) -> int:
    """Data rows of one of Prowler's CSV outputs (fields may hold newlines)."""
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        return max(0, sum(1 for _ in csv.reader(handle, delimiter=";")) - 1)


def run(
    endpoint: str,
    regions: list[str],
    checks: list[str] | None = None,
    timeout: float = 1800,
    *,
    role: str | None = None,
    external_id: str | None = None,
) -> dict[str, object]:
    """Run the mapped checks against ``endpoint`` (in the account of ``role`` when given, assumed with
    ``external_id``): wall time, exit code, findings and every error it logged."""
    checks = checks or CHECKS
    with tempfile.TemporaryDirectory(prefix="bench-prowler-") as work:
        log_file = Path(work) / "prowler.log"
        args = [str(executable()), "aws", "--checks", *checks, "--region", *regions]
        if role:
            args += ["--role", role] + (["--external-id", external_id] if external_id else [])
        args += ["--output-formats", "csv", "--output-directory", work, "--no-banner", "--no-color"]
        args += ["--ignore-exit-code-3", "--log-level", "ERROR", "--log-file", str(log_file)]
        started = time.perf_counter()
        try:
            done = subprocess.run(
                args, env=_env(work, endpoint, regions[0]), cwd=work, capture_output=True, text=True, timeout=timeout
            )
            code, tail = done.returncode, (done.stdout + done.stderr)[-2000:]
        except subprocess.TimeoutExpired:
            code, tail = -1, f"timed out after {timeout} s"
        seconds = time.perf_counter() - started
        findings = sum(count_rows(p) for p in Path(work).rglob("*.csv"))
        errors = log_errors(log_file.read_text(errors="replace")) if log_file.exists() else {}
    return {
        "seconds": seconds,
        "exit_code": code,
        "checks": checks,
        "findings": findings,
        "errors": errors,
        "tail": tail if code != 0 else "",
    }
