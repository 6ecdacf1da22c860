"""Developer tooling: BP-DEV-01 … BP-DEV-07 (rules in CHECKS.md, words in the catalog).

Secrets were detected once, at collection (values never stored); BP-DEV-01..03 and BP-IAM-04 read
the same ``inventory.secret_detections`` frame.
"""

from __future__ import annotations

import pandas as pd

from awsbp.checks.registry import check, emit
from awsbp.devtools_inventory import AWS_KEY
from awsbp.findings import Finding, Severity, Status
from awsbp.inventory import Inventory
from awsbp.params import Settings
from awsbp.policy import PERMISSIONS_MANAGEMENT, access_level

FAIL, PASS, REVIEW, NOT_ASSESSED = Status.FAIL, Status.PASS, Status.REVIEW, Status.NOT_ASSESSED
CRIT, HIGH, MED, LOW = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW
LAMBDA, CODEBUILD, USER_DATA = "lambda.ListFunctions", "codebuild.BatchGetProjects", "ec2.DescribeInstanceAttribute"
IAM_WRITE = frozenset({"Write", PERMISSIONS_MANAGEMENT})


def _hits(inv: Inventory, source: str, resource_id: str) -> pd.DataFrame:
    d = inv.secret_detections
    return d[(d["source"] == source) & (d["resource_id"] == resource_id)]


def _where(hits: pd.DataFrame) -> str:
    return ", ".join(sorted(set(hits["where"])))


def _types(hits: pd.DataFrame) -> str:
    return ", ".join(sorted(set(hits["type"])))


@check(
    "BP-DEV-01",
    domain="devtools",
    severity=HIGH,
    needs=[LAMBDA],
    refs={"Prowler": ["awslambda_function_no_secrets_in_variables"]},
)
def lambda_environment(inv: Inventory, settings: Settings) -> list[Finding]:
    """Lambda environment variables hold no secrets (references to Secrets Manager / SSM are fine)."""
    out = []
    for f in inv.lambda_functions.to_dict("records"):
        hits = _hits(inv, "lambda", f["arn"])
        base = {"name": f["function_name"], "arn": f["arn"], "function": f["function_name"]}
        where = (f["region"], "lambda_function", f["arn"])
        if (hits["type"] == AWS_KEY).any():
            out.append(emit("BP-DEV-01", FAIL, CRIT, *where, "aws_key_in_env", **base, variables=_where(hits)))
        elif len(hits):
            out.append(
                emit(
                    "BP-DEV-01",
                    FAIL,
                    HIGH,
                    *where,
                    "secret_in_env",
                    **base,
                    variables=_where(hits),
                    detectors=_types(hits),
                )
            )
        else:
            out.append(
                emit("BP-DEV-01", PASS, HIGH, *where, "no_secrets_in_env", **base, references=len(f["references"]))
            )
    return out


@check(
    "BP-DEV-02",
    domain="devtools",
    severity=HIGH,
    needs=[CODEBUILD],
    refs={"FSBP": ["CodeBuild.2", "CodeBuild.5"], "Prowler": ["codebuild_project_no_secrets_in_variables"]},
)
def codebuild_plaintext(inv: Inventory, settings: Settings) -> list[Finding]:
    """CodeBuild PLAINTEXT variables hold no secrets; privileged mode is reviewed."""
    out = []
    for p in inv.codebuild_projects.to_dict("records"):
        rid = p["arn"] or p["name"]
        hits = _hits(inv, "codebuild", rid)
        base = {"name": p["name"], "arn": p["arn"], "project": p["name"]}
        where = (p["region"], "codebuild_project", rid)
        if (hits["type"] == AWS_KEY).any():
            out.append(emit("BP-DEV-02", FAIL, CRIT, *where, "aws_key_in_plaintext", **base, variables=_where(hits)))
        elif len(hits):
            out.append(
                emit(
                    "BP-DEV-02",
                    FAIL,
                    HIGH,
                    *where,
                    "secret_in_plaintext",
                    **base,
                    variables=_where(hits),
                    detectors=_types(hits),
                )
            )
        else:
            out.append(emit("BP-DEV-02", PASS, HIGH, *where, "no_plaintext_secrets", **base))
        if p["privileged"]:
            out.append(emit("BP-DEV-02", REVIEW, MED, *where, "privileged_mode", **base))
    return out


@check(
    "BP-DEV-03",
    domain="devtools",
    severity=CRIT,
    needs=[USER_DATA, "ec2.DescribeInstances"],
    refs={"Prowler": ["ec2_instance_secrets_user_data"]},
)
def user_data_secrets(inv: Inventory, settings: Settings) -> list[Finding]:
    """EC2 user data (scanned at collection, never stored) holds no secrets."""
    out = []
    for u in inv.user_data.to_dict("records"):
        hits = _hits(inv, "user_data", u["instance_id"])
        base = {"name": u["name"], "instance": u["name"]}
        where = (u["region"], "instance", u["instance_id"])
        if (hits["type"] == AWS_KEY).any():
            out.append(
                emit(
                    "BP-DEV-03",
                    FAIL,
                    CRIT,
                    *where,
                    "aws_key_in_user_data",
                    **base,
                    detectors=_types(hits),
                    lines=_where(hits),
                )
            )
        elif len(hits):
            out.append(
                emit(
                    "BP-DEV-03",
                    FAIL,
                    HIGH,
                    *where,
                    "secret_in_user_data",
                    **base,
                    detectors=_types(hits),
                    lines=_where(hits),
                )
            )
        else:
            out.append(emit("BP-DEV-03", PASS, CRIT, *where, "clean_user_data", **base))
    return out


def _write_actions(actions: set[str]) -> set[str]:
    """IAM actions of access level Write or Permissions management (what makes a role an administrator)."""
    return {a for a in actions if a.lower().startswith("iam:") and access_level(a) in IAM_WRITE}


@check(
    "BP-DEV-04",
    domain="devtools",
    severity=HIGH,
    needs=[LAMBDA, CODEBUILD, "codepipeline.GetPipeline", "iam.GetAccountAuthorizationDetails"],
)
def pipeline_roles(inv: Inventory, settings: Settings) -> list[Finding]:
    """Roles of CodeBuild, CodePipeline and Lambda cannot administer the account or write IAM."""
    users: dict[str, list[str]] = {}
    for label, frame, name_col in (
        ("codebuild", inv.codebuild_projects, "name"),
        ("codepipeline", inv.pipelines, "name"),
        ("lambda", inv.lambda_functions, "function_name"),
    ):
        for row in frame.to_dict("records"):
            if row["role_arn"]:
                users.setdefault(row["role_arn"], []).append(f"{label}:{row[name_col]}")
    out = []
    for role_arn, used_by in sorted(users.items()):
        role = role_arn.rsplit("/", 1)[-1]
        base = {"name": role, "arn": role_arn, "role": role, "used_by": ", ".join(sorted(used_by))}
        actions = inv.role_actions(role_arn)
        if actions is None:
            out.append(emit("BP-DEV-04", NOT_ASSESSED, HIGH, "global", "iam_role", role, "role_unknown", **base))
            continue
        risky = _write_actions(actions)
        if risky:
            sample = ", ".join(sorted(risky)[:3]) + (f" (+{len(risky) - 3})" if len(risky) > 3 else "")
            out.append(
                emit("BP-DEV-04", FAIL, HIGH, "global", "iam_role", role, "pipeline_role_admin", **base, actions=sample)
            )
        else:
            out.append(emit("BP-DEV-04", PASS, HIGH, "global", "iam_role", role, "pipeline_role_scoped", **base))
    return out


@check(
    "BP-DEV-05",
    domain="devtools",
    severity=MED,
    needs=["ecr.DescribeRepositories", "ecr.GetRegistryScanningConfiguration"],
    refs={"FSBP": ["ECR.1", "ECR.2"], "Prowler": ["ecr_repositories_scan_images_on_push_enabled"]},
)
def image_scanning(inv: Inventory, settings: Settings) -> list[Finding]:
    """Images are scanned on push (repository or registry level) and tags cannot be overwritten."""
    out = []
    for r in inv.ecr_repositories.to_dict("records"):
        base = {"name": r["name"], "arn": r["arn"], "repository": r["name"]}
        where = (r["region"], "ecr_repository", r["arn"] or r["name"])
        scanned = r["scan_on_push"] or inv.registry_scans_on_push(r["region"], r["name"])
        if not scanned:
            out.append(emit("BP-DEV-05", FAIL, MED, *where, "no_scan_on_push", **base))
        if r["mutability"] != "IMMUTABLE":
            out.append(emit("BP-DEV-05", FAIL, LOW, *where, "mutable_tags", **base))
        if scanned and r["mutability"] == "IMMUTABLE":
            out.append(emit("BP-DEV-05", PASS, MED, *where, "scanned_and_immutable", **base))
    return out


@check(
    "BP-DEV-06",
    domain="devtools",
    severity=MED,
    needs=["secretsmanager.ListSecrets"],
    refs={"FSBP": ["SecretsManager.1", "SecretsManager.3"], "Prowler": ["secretsmanager_automatic_rotation_enabled"]},
)
def secrets_rotated(inv: Inventory, settings: Settings) -> list[Finding]:
    """Secrets Manager secrets rotate automatically; ones nobody reads are reviewed."""
    out = []
    for s in inv.secrets_manager.to_dict("records"):
        base = {"name": s["name"], "arn": s["arn"], "secret": s["name"]}
        where = (s["region"], "secret", s["arn"] or s["name"])
        if s["rotation_enabled"]:
            out.append(emit("BP-DEV-06", PASS, MED, *where, "rotated", **base))
        else:
            out.append(emit("BP-DEV-06", FAIL, MED, *where, "no_rotation", **base))
        idle = inv.days_since(s["last_accessed"] or s["created"])
        if idle is not None and idle > settings.unused_days:
            last = s["last_accessed"].date().isoformat() if s["last_accessed"] else "never"
            out.append(emit("BP-DEV-06", REVIEW, LOW, *where, "not_accessed", **base, last_accessed=last, days=idle))
    return out


@check(
    "BP-DEV-07",
    domain="devtools",
    severity=MED,
    needs=["ec2.DescribeVpcs", "ec2.DescribeInstances", "rds.DescribeDBInstances"],
)
def separate_accounts(inv: Inventory, settings: Settings) -> list[Finding]:
    """One account, one environment: prod and dev workloads side by side are reviewed."""
    workloads = inv.workloads
    tagged = workloads[workloads["resource_type"].isin(["instance", "db_instance"])]
    prod = sorted(set(tagged[tagged["environment"] == "prod"]["name"]))
    dev = sorted(set(tagged[tagged["environment"] == "dev"]["name"]))

    def sample(names: list[str]) -> str:
        return ", ".join(names[:5]) + (f" (+{len(names) - 5})" if len(names) > 5 else "")

    account = inv.account_id
    if prod and dev:
        return [
            emit(
                "BP-DEV-07",
                REVIEW,
                MED,
                "global",
                "account",
                account,
                "prod_and_dev_together",
                name=account,
                prod_workloads=sample(prod),
                dev_workloads=sample(dev),
            )
        ]
    envs = "prod" if prod else "dev" if dev else "-"
    return [
        emit("BP-DEV-07", PASS, MED, "global", "account", account, "single_environment", name=account, environment=envs)
    ]
