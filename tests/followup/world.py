"""A demo-like client for follow-up tests: two accounts made from the bundled sample (the simulated Organization's
management account), assessed a month ago and now through the real batch (offline, from snapshots).

What the month changed, so that every cookbook question has an answer:

* acme-management closed SSH from the internet on ``shop-dev-app`` (a fixed finding); bob — a console user
  without MFA — now holds an access key last rotated 322 days before the collection, used 8 days before it;
* acme-prod opened the same SSH rule (a new finding), and its audit role lost ``lambda:ListFunctions`` in
  us-east-1 (an AccessDenied gap);
* the same people (alice … frank) have users in both accounts; one suppression is live, one expired.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from awsbp.report.workbook import sample_snapshot_path
from awsbp.snapshot import Snapshot

MGMT, PROD = "123456789012", "210987654321"
SSH_GROUP = "shop-dev-app"  # its security group opens SSH to the internet in the sample
REGION = "ap-northeast-1"
KEY_AGE_DAYS, KEY_USED_DAYS_AGO = 322, 8  # bob's key, counted back from the sample's collection
SUPPRESSIONS = [
    {
        "check": "BP-VPC-05",
        "resource": "*",
        "reason": "public database accepted for the pilot",
        "owner": "db-team",
        "expires": "2099-01-31",
    },
    {
        "check": "BP-IAM-03",
        "resource": "bob",
        "reason": "bob leaves this month",
        "owner": "it-team",
        "expires": "2020-01-01",
    },
]


def _account(account_id: str, name: str) -> Snapshot:
    snap = Snapshot.load(sample_snapshot_path())
    snap.meta["account_id"] = account_id
    snap.meta["account_name"] = name
    return snap


def _close_ssh(snap: Snapshot) -> None:
    apis = snap.data["ec2"][REGION]
    group_id = next(g["GroupId"] for g in apis["DescribeSecurityGroups"] if g["GroupName"] == SSH_GROUP)
    apis["DescribeSecurityGroupRules"] = [
        r for r in apis["DescribeSecurityGroupRules"] if not (r["GroupId"] == group_id and r.get("FromPort") == 22)
    ]
    for group in apis["DescribeSecurityGroups"]:
        if group["GroupId"] == group_id:
            group["IpPermissions"] = [p for p in group.get("IpPermissions", []) if p.get("FromPort") != 22]


def _old_key_for_bob(snap: Snapshot) -> None:
    collected = datetime.fromisoformat(snap.meta["collected_at"]).replace(hour=0, minute=0, second=0)
    for row in snap.data["iam"]["global"]["GetCredentialReport"]:
        if row["user"] == "bob":
            row.update(
                access_key_1_active="true",
                access_key_1_last_rotated=(collected - timedelta(days=KEY_AGE_DAYS)).isoformat(),
                access_key_1_last_used_date=(collected - timedelta(days=KEY_USED_DAYS_AGO)).isoformat(),
                access_key_1_last_used_service="s3",
            )


def _deny_lambda(snap: Snapshot, region: str = "us-east-1") -> None:
    del snap.data["lambda"][region]["ListFunctions"]
    message = (
        f"User: arn:aws:sts::{snap.account_id}:assumed-role/audit/awsbp is not authorized to perform: "
        "lambda:ListFunctions because no identity-based policy allows the lambda:ListFunctions action"
    )
    snap.record_error("lambda", region, "ListFunctions", "AccessDeniedException", message)


def month_ago() -> list[Snapshot]:
    prod = _account(PROD, "acme-prod")
    _close_ssh(prod)
    return [_account(MGMT, "acme-management"), prod]


def this_month() -> list[Snapshot]:
    mgmt = _account(MGMT, "acme-management")
    _close_ssh(mgmt)
    _old_key_for_bob(mgmt)
    prod = _account(PROD, "acme-prod")
    _deny_lambda(prod)
    return [mgmt, prod]


def assess_client(root: Path, *, render: bool = False, lang: str = "en") -> Path:
    """``root/reports/acme/<run-id>`` as the batch leaves it, compared with the month-ago run before it; returns
    the newer run's folder. ``render`` executes the report notebooks too (slow: a kernel per notebook)."""
    from awsbp.batch.runner import run
    from awsbp.params import parse

    params = parse({"client": "acme", "lang": lang, "suppressions": SUPPRESSIONS, "max_workers": 2})
    runs = []
    for label, snapshots, draw in (("month-ago", month_ago(), False), ("now", this_month(), render)):
        source = root / "snapshots" / label
        for snap in snapshots:
            snap.save(source / snap.account_id / "snapshot.json.gz")
        runs.append(run(params, output=root / "reports", quiet=True, from_snapshots=source, render=draw))
    return runs[-1].run_dir


def tree_digest(folder: Path) -> dict[str, Any]:
    """Every file under ``folder``: relative path -> (sha256, mode); every directory too (so additions show)."""
    import hashlib

    out: dict[str, Any] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_dir():
            out[rel + "/"] = ("dir", path.stat().st_mode & 0o777)
        else:
            out[rel] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mode & 0o777)
    return out
