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
PIPELINES = "codepipeline.GetPipeline"
IAM_WRITE = frozenset({"Write", PERMISSIONS_MANAGEMENT})

DEV_01 = CheckSpec(
    "BP-DEV-01",
    domain="devtools",
    severity=HIGH,
    needs=[LAMBDA],
    reasons={
        "aws_key_in_env": Reason(FAIL, CRIT),
        "secret_in_env": Reason(FAIL, HIGH),
        "env_unreadable": Reason(NOT_ASSESSED, HIGH),
        "no_secrets_in_env": Reason(PASS, HIGH),
    },
    refs={"Prowler": ["awslambda_function_no_secrets_in_variables"]},
)
DEV_02 = CheckSpec(
    "BP-DEV-02",
    domain="devtools",
    severity=HIGH,
    # Pipelines are judged here too, but codepipeline.GetPipeline is not a need: a need that fails drops every
    # finding of the region, so pipelines that could not be listed would take the build projects' verdicts with
    # them. The rule says NOT_ASSESSED for the pipelines of such a region itself (pipelines_not_assessed).
    needs=[CODEBUILD],
    reasons={
        "aws_key_in_plaintext": Reason(FAIL, CRIT),
        "secret_in_plaintext": Reason(FAIL, HIGH),
        "privileged_mode": Reason(REVIEW, MED),
        "no_plaintext_secrets": Reason(PASS, HIGH),
        "aws_key_in_pipeline": Reason(FAIL, CRIT),
        "secret_in_pipeline": Reason(FAIL, HIGH),
        "pipelines_not_assessed": Reason(NOT_ASSESSED, HIGH),
        "no_pipeline_secrets": Reason(PASS, HIGH),
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
        "user_data_unreadable": Reason(NOT_ASSESSED, CRIT),
        "clean_user_data": Reason(PASS, CRIT),
    },
    refs={"Prowler": ["ec2_instance_secrets_user_data"]},
)
DEV_04 = CheckSpec(
    "BP-DEV-04",
    domain="devtools",
    severity=HIGH,
    needs=[LAMBDA, CODEBUILD, PIPELINES, "iam.GetAccountAuthorizationDetails"],
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


def _where(hits: pd.DataFrame) -> list[str]:
    """Where the secrets are, in the order found (``["line 3", "part 2 (setup.sh), line 7"]``)."""
    return list(dict.fromkeys(hits["where"]))


def _reasons(unreadable: str) -> list[str]:
    """The collector's one-line reasons (``"user data: binary content (not scanned); part 2 (x): corrupt gzip"``)
    as a list, without the "user data" every one of them is about."""
    return [reason.removeprefix("user data: ") for reason in unreadable.split("; ") if reason]


def _types(hits: pd.DataFrame) -> list[str]:
    return sorted(set(hits["type"]))


def _secrets_verdict(hits: pd.DataFrame, aws_key: str, other: str) -> tuple[str, list[str], list[str]] | None:
    """``(reason, where, detectors)`` for a resource with detections: reason ``aws_key`` when one is an AWS key,
    else ``other``; ``None`` without detections."""
    if hits.empty:
        return None
    return (aws_key if (hits["type"] == AWS_KEY).any() else other), _where(hits), _types(hits)


@DEV_01.rule
def lambda_environment(inv: Inventory, settings: Settings) -> list[Finding]:
    """Lambda environment variables hold no secrets (references to Secrets Manager / SSM are fine); variables
    Lambda could not decrypt for us are not assessed, unless a secret was found anyway."""
    out = []
    for f in inv.network.lambda_functions.to_dict("records"):
        base = {"name": f["function_name"], "arn": f["arn"], "function": f["function_name"]}
        where = (f["region"], "lambda_function", f["arn"])
        found = _secrets_verdict(_hits(inv, "lambda", f["arn"]), "aws_key_in_env", "secret_in_env")
        if found:
            out.append(DEV_01.finding(found[0], *where, **base, where=found[1], detectors=found[2]))
        elif f["unreadable"]:
            out.append(DEV_01.finding("env_unreadable", *where, **base, unreadable=[f["unreadable"]]))
        else:
            out.append(DEV_01.finding("no_secrets_in_env", *where, **base, references=len(f["references"])))
    return out


@DEV_02.rule
def build_and_pipeline_secrets(inv: Inventory, settings: Settings) -> list[Finding]:
    """CodeBuild projects (PLAINTEXT variables, source URLs, inline buildspecs, descriptions) and CodePipeline
    pipelines (action settings, variable defaults) hold no secrets; privileged mode is reviewed."""
    out = []
    for p in inv.devtools.codebuild_projects.to_dict("records"):
        rid = p["arn"] or p["name"]
        base = {"name": p["name"], "arn": p["arn"], "project": p["name"]}
        where = (p["region"], "codebuild_project", rid)
        found = _secrets_verdict(_hits(inv, "codebuild", rid), "aws_key_in_plaintext", "secret_in_plaintext")
        if found:
            out.append(DEV_02.finding(found[0], *where, **base, where=found[1], detectors=found[2]))
        else:
            out.append(DEV_02.finding("no_plaintext_secrets", *where, **base))
        if p["privileged"]:
            out.append(DEV_02.finding("privileged_mode", *where, **base))
    for p in inv.devtools.pipelines.to_dict("records"):
        rid = inv.devtools.pipeline_id(p["region"], p["name"])
        base = {"name": p["name"], "arn": rid, "pipeline": p["name"]}
        where = (p["region"], "codepipeline_pipeline", rid)
        found = _secrets_verdict(_hits(inv, "codepipeline", rid), "aws_key_in_pipeline", "secret_in_pipeline")
        if found:
            out.append(DEV_02.finding(found[0], *where, **base, where=found[1], detectors=found[2]))
        else:
            out.append(DEV_02.finding("no_pipeline_secrets", *where, **base))
    service, api = PIPELINES.split(".")
    for region in inv.regions:
        if not inv.snapshot.has(service, region, api):
            scope = f"{inv.account_id}/{region}"
            missing = inv.snapshot.missing_reason(service, region, api)
            out.append(DEV_02.finding("pipelines_not_assessed", region, "scope", scope, missing=missing))
    return out


@DEV_03.rule
def user_data_secrets(inv: Inventory, settings: Settings) -> list[Finding]:
    """EC2 user data (decoded and scanned at collection, never stored) holds no secrets; user data that could not
    be decoded is not assessed for that instance, unless a secret was found in the part that could."""
    out = []
    for u in inv.devtools.user_data.to_dict("records"):
        base = {"name": u["name"], "instance": u["name"]}
        where = (u["region"], "instance", u["instance_id"])
        found = _secrets_verdict(
            _hits(inv, "user_data", u["instance_id"]), "aws_key_in_user_data", "secret_in_user_data"
        )
        if found:
            out.append(DEV_03.finding(found[0], *where, **base, where=found[1], detectors=found[2]))
        elif u["unreadable"]:
            out.append(DEV_03.finding("user_data_unreadable", *where, **base, unreadable=_reasons(u["unreadable"])))
        else:
            out.append(DEV_03.finding("clean_user_data", *where, **base))
    return out


def _write_actions(actions: AbstractSet[str]) -> set[str]:
    """IAM actions of access level Write or Permissions management (what makes a role an administrator)."""
    return {a for a in actions if a.lower().startswith("iam:") and access_level(a) in IAM_WRITE}


@DEV_04.rule
def pipeline_roles(inv: Inventory, settings: Settings) -> list[Finding]:
    """Roles of CodeBuild, CodePipeline and Lambda cannot administer the account or write IAM. The evidence names
    the policies that grant IAM write access (what to change), with the number of such actions."""
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
        base: dict[str, Any] = {"name": role, "arn": role_arn, "role": role, "used_by": sorted(used_by)}
        where = ("global", "iam_role", role)
        found = inv.iam.role_permissions(role_arn)
        if found is None:
            out.append(DEV_04.finding("role_unknown", *where, **base))
            continue
        actions, policies = found
        risky = _write_actions(actions)
        if risky:
            granting = [r.name + (" (inline)" if r.inline else "") for r in inv.iam.granting(policies, risky)]
            out.append(DEV_04.finding("pipeline_role_admin", *where, **base, policies=granting, count=len(risky)))
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
            out.append(
                DEV_06.finding(
                    "not_accessed", *where, **base, last_accessed=last, days=idle, limit=settings.unused_days
                )
            )
    return out


@DEV_07.rule
def separate_accounts(inv: Inventory, settings: Settings) -> list[Finding]:
    """One account, one environment: prod and dev workloads side by side are reviewed."""
    workloads = inv.network.workloads
    tagged = workloads[workloads["resource_type"].isin(["instance", "db_instance"])]
    prod = sorted(set(tagged[tagged["environment"] == "prod"]["name"]))
    dev = sorted(set(tagged[tagged["environment"] == "dev"]["name"]))
    account = inv.account_id
    where = ("global", "account", account)
    if prod and dev:
        return [DEV_07.finding("prod_and_dev_together", *where, name=account, prod_workloads=prod, dev_workloads=dev)]
    envs = "prod" if prod else "dev" if dev else "none"
    return [DEV_07.finding("single_environment", *where, name=account, environments=envs)]
