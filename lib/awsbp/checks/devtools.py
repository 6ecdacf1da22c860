"""Developer tooling: BP-DEV-01 … BP-DEV-07 (rules in CHECKS.md, words in the catalog).

Secrets were detected once, at collection (values never stored); BP-DEV-01..03 and BP-IAM-04 read
the same ``inventory.devtools.secret_detections`` frame.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any

import pandas as pd

from awsbp.checks.spec import CheckSpec, Reason
from awsbp.findings import Finding, Severity, Status
from awsbp.inventory import AWS_KEY, Inventory
from awsbp.params import Settings
from awsbp.policy import PERMISSIONS_MANAGEMENT, access_level

FAIL, PASS, REVIEW, NOT_ASSESSED = Status.FAIL, Status.PASS, Status.REVIEW, Status.NOT_ASSESSED
CRIT, HIGH, MED, LOW = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW
LAMBDA, CODEBUILD, USER_DATA = "lambda.ListFunctions", "codebuild.BatchGetProjects", "ec2.DescribeInstanceAttribute"
IAM_WRITE = frozenset({"Write", PERMISSIONS_MANAGEMENT})

DEV_01 = CheckSpec(
    "BP-DEV-01",
    domain="devtools",
    severity=HIGH,
    needs=[LAMBDA],
    reasons={
        "aws_key_in_env": Reason(FAIL, CRIT),
        "secret_in_env": Reason(FAIL, HIGH),
        "no_secrets_in_env": Reason(PASS, HIGH),
    },
    refs={"Prowler": ["awslambda_function_no_secrets_in_variables"]},
)
DEV_02 = CheckSpec(
    "BP-DEV-02",
    domain="devtools",
    severity=HIGH,
    needs=[CODEBUILD],
    reasons={
        "aws_key_in_plaintext": Reason(FAIL, CRIT),
        "secret_in_plaintext": Reason(FAIL, HIGH),
        "privileged_mode": Reason(REVIEW, MED),
        "no_plaintext_secrets": Reason(PASS, HIGH),
    },
    refs={"FSBP": ["CodeBuild.2", "CodeBuild.5"], "Prowler": ["codebuild_project_no_secrets_in_variables"]},
)
DEV_03 = CheckSpec(
    "BP-DEV-03",
    domain="devtools",
    severity=CRIT,
    needs=[USER_DATA, "ec2.DescribeInstances"],
    reasons={
        "aws_key_in_user_data": Reason(FAIL, CRIT),
        "secret_in_user_data": Reason(FAIL, HIGH),
        "clean_user_data": Reason(PASS, CRIT),
    },
    refs={"Prowler": ["ec2_instance_secrets_user_data"]},
)
DEV_04 = CheckSpec(
    "BP-DEV-04",
    domain="devtools",
    severity=HIGH,
    needs=[LAMBDA, CODEBUILD, "codepipeline.GetPipeline", "iam.GetAccountAuthorizationDetails"],
    reasons={
        "pipeline_role_admin": Reason(FAIL, HIGH),
        "role_unknown": Reason(NOT_ASSESSED, HIGH),
        "pipeline_role_scoped": Reason(PASS, HIGH),
    },
)
DEV_05 = CheckSpec(
    "BP-DEV-05",
    domain="devtools",
    severity=MED,
    needs=["ecr.DescribeRepositories", "ecr.GetRegistryScanningConfiguration"],
    reasons={
        "no_scan_on_push": Reason(FAIL, MED),
        "mutable_tags": Reason(FAIL, LOW),
        "scanned_and_immutable": Reason(PASS, MED),
    },
    refs={"FSBP": ["ECR.1", "ECR.2"], "Prowler": ["ecr_repositories_scan_images_on_push_enabled"]},
)
DEV_06 = CheckSpec(
    "BP-DEV-06",
    domain="devtools",
    severity=MED,
    needs=["secretsmanager.ListSecrets"],
    reasons={"no_rotation": Reason(FAIL, MED), "not_accessed": Reason(REVIEW, LOW), "rotated": Reason(PASS, MED)},
    refs={"FSBP": ["SecretsManager.1", "SecretsManager.3"], "Prowler": ["secretsmanager_automatic_rotation_enabled"]},
)
DEV_07 = CheckSpec(
    "BP-DEV-07",
    domain="devtools",
    severity=MED,
    needs=["ec2.DescribeVpcs", "ec2.DescribeInstances", "rds.DescribeDBInstances"],
    reasons={"prod_and_dev_together": Reason(REVIEW, MED), "single_environment": Reason(PASS, MED)},
)
CHECKS = (DEV_01, DEV_02, DEV_03, DEV_04, DEV_05, DEV_06, DEV_07)


def _hits(inv: Inventory, source: str, resource_id: str) -> pd.DataFrame:
    d = inv.devtools.secret_detections
    return d[(d["source"] == source) & (d["resource_id"] == resource_id)]


def _where(hits: pd.DataFrame) -> str:
    return ", ".join(sorted(set(hits["where"])))


def _types(hits: pd.DataFrame) -> str:
    return ", ".join(sorted(set(hits["type"])))


@DEV_01.rule
def lambda_environment(inv: Inventory, settings: Settings) -> list[Finding]:
    """Lambda environment variables hold no secrets (references to Secrets Manager / SSM are fine)."""
    out = []
    for f in inv.network.lambda_functions.to_dict("records"):
        hits = _hits(inv, "lambda", f["arn"])
        base = {"name": f["function_name"], "arn": f["arn"], "function": f["function_name"]}
        where = (f["region"], "lambda_function", f["arn"])
        if (hits["type"] == AWS_KEY).any():
            out.append(DEV_01.finding("aws_key_in_env", *where, **base, variables=_where(hits)))
        elif len(hits):
            out.append(DEV_01.finding("secret_in_env", *where, **base, variables=_where(hits), detectors=_types(hits)))
        else:
            out.append(DEV_01.finding("no_secrets_in_env", *where, **base, references=len(f["references"])))
    return out


@DEV_02.rule
def codebuild_plaintext(inv: Inventory, settings: Settings) -> list[Finding]:
    """CodeBuild PLAINTEXT variables hold no secrets; privileged mode is reviewed."""
    out = []
    for p in inv.devtools.codebuild_projects.to_dict("records"):
        rid = p["arn"] or p["name"]
        hits = _hits(inv, "codebuild", rid)
        base = {"name": p["name"], "arn": p["arn"], "project": p["name"]}
        where = (p["region"], "codebuild_project", rid)
        if (hits["type"] == AWS_KEY).any():
            out.append(DEV_02.finding("aws_key_in_plaintext", *where, **base, variables=_where(hits)))
        elif len(hits):
            detectors = _types(hits)
            out.append(
                DEV_02.finding("secret_in_plaintext", *where, **base, variables=_where(hits), detectors=detectors)
            )
        else:
            out.append(DEV_02.finding("no_plaintext_secrets", *where, **base))
        if p["privileged"]:
            out.append(DEV_02.finding("privileged_mode", *where, **base))
    return out


@DEV_03.rule
def user_data_secrets(inv: Inventory, settings: Settings) -> list[Finding]:
    """EC2 user data (scanned at collection, never stored) holds no secrets."""
    out = []
    for u in inv.devtools.user_data.to_dict("records"):
        hits = _hits(inv, "user_data", u["instance_id"])
        base = {"name": u["name"], "instance": u["name"]}
        where = (u["region"], "instance", u["instance_id"])
        if (hits["type"] == AWS_KEY).any():
            out.append(
                DEV_03.finding("aws_key_in_user_data", *where, **base, detectors=_types(hits), lines=_where(hits))
            )
        elif len(hits):
            out.append(
                DEV_03.finding("secret_in_user_data", *where, **base, detectors=_types(hits), lines=_where(hits))
            )
        else:
            out.append(DEV_03.finding("clean_user_data", *where, **base))
    return out


def _write_actions(actions: AbstractSet[str]) -> set[str]:
    """IAM actions of access level Write or Permissions management (what makes a role an administrator)."""
    return {a for a in actions if a.lower().startswith("iam:") and access_level(a) in IAM_WRITE}


@DEV_04.rule
def pipeline_roles(inv: Inventory, settings: Settings) -> list[Finding]:
    """Roles of CodeBuild, CodePipeline and Lambda cannot administer the account or write IAM."""
    users: dict[str, list[str]] = {}
    for label, frame, name_col in (
        ("codebuild", inv.devtools.codebuild_projects, "name"),
        ("codepipeline", inv.devtools.pipelines, "name"),
        ("lambda", inv.network.lambda_functions, "function_name"),
    ):
        for row in frame.to_dict("records"):
            if row["role_arn"]:
                users.setdefault(row["role_arn"], []).append(f"{label}:{row[name_col]}")
    out = []
    for role_arn, used_by in sorted(users.items()):
        role = role_arn.rsplit("/", 1)[-1]
        base: dict[str, Any] = {"name": role, "arn": role_arn, "role": role, "used_by": ", ".join(sorted(used_by))}
        where = ("global", "iam_role", role)
        actions = inv.iam.role_actions(role_arn)
        if actions is None:
            out.append(DEV_04.finding("role_unknown", *where, **base))
            continue
        risky = _write_actions(actions)
        if risky:
            sample = ", ".join(sorted(risky)[:3]) + (f" (+{len(risky) - 3})" if len(risky) > 3 else "")
            out.append(DEV_04.finding("pipeline_role_admin", *where, **base, actions=sample))
        else:
            out.append(DEV_04.finding("pipeline_role_scoped", *where, **base))
    return out


@DEV_05.rule
def image_scanning(inv: Inventory, settings: Settings) -> list[Finding]:
    """Images are scanned on push (repository or registry level) and tags cannot be overwritten."""
    out = []
    for r in inv.devtools.ecr_repositories.to_dict("records"):
        base = {"name": r["name"], "arn": r["arn"], "repository": r["name"]}
        where = (r["region"], "ecr_repository", r["arn"] or r["name"])
        scanned = r["scan_on_push"] or inv.devtools.registry_scans_on_push(r["region"], r["name"])
        if not scanned:
            out.append(DEV_05.finding("no_scan_on_push", *where, **base))
        if r["mutability"] != "IMMUTABLE":
            out.append(DEV_05.finding("mutable_tags", *where, **base))
        if scanned and r["mutability"] == "IMMUTABLE":
            out.append(DEV_05.finding("scanned_and_immutable", *where, **base))
    return out


@DEV_06.rule
def secrets_rotated(inv: Inventory, settings: Settings) -> list[Finding]:
    """Secrets Manager secrets rotate automatically; ones nobody reads are reviewed."""
    out = []
    for s in inv.devtools.secrets_manager.to_dict("records"):
        base = {"name": s["name"], "arn": s["arn"], "secret": s["name"]}
        where = (s["region"], "secret", s["arn"] or s["name"])
        out.append(DEV_06.finding("rotated" if s["rotation_enabled"] else "no_rotation", *where, **base))
        idle = inv.days_since(s["last_accessed"] or s["created"])
        if idle is not None and idle > settings.unused_days:
            last = s["last_accessed"].date().isoformat() if s["last_accessed"] else "never"
            out.append(DEV_06.finding("not_accessed", *where, **base, last_accessed=last, days=idle))
    return out


@DEV_07.rule
def separate_accounts(inv: Inventory, settings: Settings) -> list[Finding]:
    """One account, one environment: prod and dev workloads side by side are reviewed."""
    workloads = inv.network.workloads
    tagged = workloads[workloads["resource_type"].isin(["instance", "db_instance"])]
    prod = sorted(set(tagged[tagged["environment"] == "prod"]["name"]))
    dev = sorted(set(tagged[tagged["environment"] == "dev"]["name"]))

    def sample(names: list[str]) -> str:
        return ", ".join(names[:5]) + (f" (+{len(names) - 5})" if len(names) > 5 else "")

    account = inv.account_id
    where = ("global", "account", account)
    if prod and dev:
        return [
            DEV_07.finding(
                "prod_and_dev_together", *where, name=account, prod_workloads=sample(prod), dev_workloads=sample(dev)
            )
        ]
    envs = "prod" if prod else "dev" if dev else "-"
    return [DEV_07.finding("single_environment", *where, name=account, environment=envs)]
