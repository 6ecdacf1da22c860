"""Prowler, the tool users would otherwise pick, run on the same server: its own virtual environment, pointed
at the moto server with ``AWS_ENDPOINT_URL``, only the checks equivalent to awsbp's (CHECKS.md's mapping).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VENV = Path(__file__).parent / ".venv-prowler"
PROWLER_SPEC = "prowler>=5.0,<6"
# awsbp check -> the Prowler checks that look at the same thing (CHECKS.md, "Prowler" column)
MAPPING = {
    "BP-VPC-02": [
        "ec2_securitygroup_allow_ingress_from_internet_to_all_ports",
        "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
    ],
    "BP-VPC-04": ["ec2_instance_public_ip"],
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
    "BP-IAM-10": ["iam_user_console_access_unused"],
    "BP-IAM-11": ["accessanalyzer_enabled"],
    "BP-DEV-01": ["awslambda_function_no_secrets_in_variables"],
    "BP-DEV-02": ["codebuild_project_no_secrets_in_variables"],
    "BP-DEV-03": ["ec2_instance_secrets_user_data"],
    "BP-DEV-05": ["ecr_repositories_scan_images_on_push_enabled"],
    "BP-DEV-06": ["secretsmanager_automatic_rotation_enabled"],
}
CHECKS = sorted({c for checks in MAPPING.values() for c in checks})


def executable() -> Path:
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


def version() -> str:
    done = subprocess.run([str(executable()), "--version"], capture_output=True, text=True, timeout=120)
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "?"


def run(endpoint: str, regions: list[str], timeout: float = 3600) -> dict[str, object]:
    """Run the mapped checks against ``endpoint``; wall time, exit code and the tail of its log."""
    with tempfile.TemporaryDirectory(prefix="bench-prowler-") as work:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") or k in ("AWS_CA_BUNDLE",)} | {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": regions[0],
            "AWS_CONFIG_FILE": str(Path(work) / "no-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(Path(work) / "no-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "NO_PROXY": "127.0.0.1,localhost",
            "HOME": work,
        }
        args = [str(executable()), "aws", "--checks", *CHECKS, "--region", *regions]
        args += ["--output-formats", "csv", "--output-directory", work, "--no-banner", "--ignore-exit-code-3"]
        started = time.perf_counter()
        try:
            done = subprocess.run(args, env=env, cwd=work, capture_output=True, text=True, timeout=timeout)
            code, log = done.returncode, (done.stdout + done.stderr)
        except subprocess.TimeoutExpired:
            code, log = -1, f"timed out after {timeout} s"
        seconds = time.perf_counter() - started
        findings = sum(max(0, len(p.read_text(errors="replace").splitlines()) - 1) for p in Path(work).rglob("*.csv"))
    errors = [line for line in log.splitlines() if "ERROR" in line or "Traceback" in line]
    return {"seconds": seconds, "exit_code": code, "findings": findings, "errors": errors[:20]}
