"""BP-DEV-01 … 07 on tiny in-memory snapshots: FAIL, PASS and NOT_ASSESSED for each; BP-IAM-04 shares
the secret detections."""

from __future__ import annotations

import pytest
from awsbp.checks.registry import REGISTRY
from awsbp.checks.run import run_check
from awsbp.findings import Finding
from awsbp.inventory import Inventory
from awsbp.params import Settings
from factory import (
    OLD,
    good_devtools_world,
    hit,
    iam_role,
    instance,
    managed,
    project,
    snapshot,
    trust,
)
from factory import function as fn

DEV_CHECKS = sorted(c for c in REGISTRY if c.startswith("BP-DEV"))
AWS_KEY = "AWS Access Key"


def run(check_id: str, data: dict, **kw) -> list[Finding]:
    settings = Settings()
    return run_check(REGISTRY[check_id], Inventory(snapshot(data, **kw), settings), settings)


def by(findings: list[Finding], status: str) -> dict[str, Finding]:
    return {f"{f.resource_name}:{f.reason}": f for f in findings if f.status == status}


@pytest.mark.parametrize("check_id", [*DEV_CHECKS, "BP-IAM-04"])
def test_good_world_has_only_pass(check_id):
    findings = run(check_id, good_devtools_world())
    assert findings and {f.status for f in findings} == {"PASS"}, [(f.reason, f.resource_id) for f in findings]


@pytest.mark.parametrize(("check_id", "api"), [(c, f"{s}.{a}") for c in DEV_CHECKS for s, a in REGISTRY[c].needs])
def test_missing_input_gives_not_assessed_never_pass(check_id, api):
    findings = run(check_id, good_devtools_world(), missing=[api])
    assert findings and {f.status for f in findings} == {"NOT_ASSESSED"}
    assert all(api in f.evidence["missing"] for f in findings)


def test_dev01_aws_key_keyword_and_name_pattern():
    w = good_devtools_world()
    w["lambda.ListFunctions"] += [
        fn("keys", "app-lambda", ["AWS_ACCESS_KEY_ID", "MODE"], [hit("AWS_ACCESS_KEY_ID", AWS_KEY, "AKIA…12345678")]),
        fn("pw", "app-lambda", ["DB_PASSWORD"], [hit("DB_PASSWORD")]),
        fn("named", "app-lambda", ["STRIPE_API_KEY", "DB_PASSWORD_ARN"], references=["DB_PASSWORD_ARN"]),
    ]
    fails = by(run("BP-DEV-01", w), "FAIL")
    assert fails["keys:aws_key_in_env"].severity == "critical"
    assert fails["keys:aws_key_in_env"].evidence["variables"] == "AWS_ACCESS_KEY_ID"
    assert fails["pw:secret_in_env"].severity == "high"
    assert fails["named:secret_in_env"].evidence == {
        "function": "named",
        "variables": "STRIPE_API_KEY",
        "detectors": "Secret-like name",
    }


def test_dev02_plaintext_secret_and_privileged_mode():
    w = good_devtools_world()
    w["codebuild.BatchGetProjects"] += [
        project("leaky", "build-scoped", ["DB_PASSWORD"], [hit("DB_PASSWORD")], privileged=True)
    ]
    findings = run("BP-DEV-02", w)
    assert set(by(findings, "FAIL")) == {"leaky:secret_in_plaintext"}
    assert set(by(findings, "REVIEW")) == {"leaky:privileged_mode"}
    assert "build:no_plaintext_secrets" in by(findings, "PASS")


def test_dev03_user_data_with_key():
    w = good_devtools_world()
    w["ec2.DescribeInstances"].append(instance("i-dev", "vpc-prod", "subnet-app", [], "dev-1"))
    w["ec2.DescribeInstanceAttribute"].append(
        {"InstanceId": "i-dev", "Size": 200, "AwsbpSecrets": [hit(3, AWS_KEY), hit(4, "Base64 High Entropy String")]}
    )
    fail = by(run("BP-DEV-03", w), "FAIL")["dev-1:aws_key_in_user_data"]
    assert fail.severity == "critical" and fail.evidence["lines"] == "line 3, line 4"


def test_dev04_admin_build_role_and_unknown_role():
    w = good_devtools_world()
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    details = w["iam.GetAccountAuthorizationDetails"][0]
    details["RoleDetailList"].append(iam_role("build-admin", trust({"Service": "codebuild.amazonaws.com"}), [admin]))
    details["Policies"].append(managed(admin, {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    w["codebuild.BatchGetProjects"] += [project("admin-build", "build-admin"), project("ghost", "deleted-role")]
    findings = run("BP-DEV-04", w)
    assert by(findings, "FAIL")["build-admin:pipeline_role_admin"].evidence["used_by"] == "codebuild:admin-build"
    assert set(by(findings, "NOT_ASSESSED")) == {"deleted-role:role_unknown"}
    assert {"app-lambda:pipeline_role_scoped", "pipeline-role:pipeline_role_scoped"} <= set(by(findings, "PASS"))


def test_dev05_scan_and_mutability_and_registry_rules():
    w = good_devtools_world()
    w["ecr.DescribeRepositories"] += [
        {
            "repositoryName": "legacy",
            "imageScanningConfiguration": {"scanOnPush": False},
            "imageTagMutability": "MUTABLE",
        },
        {
            "repositoryName": "app-ruled",
            "imageScanningConfiguration": {"scanOnPush": False},
            "imageTagMutability": "IMMUTABLE",
        },
    ]
    w["ecr.GetRegistryScanningConfiguration"] = [
        {
            "scanningConfiguration": {
                "scanType": "ENHANCED",
                "rules": [
                    {
                        "scanFrequency": "SCAN_ON_PUSH",
                        "repositoryFilters": [{"filter": "app-*", "filterType": "WILDCARD"}],
                    }
                ],
            }
        }
    ]
    findings = run("BP-DEV-05", w)
    fails = by(findings, "FAIL")
    assert set(fails) == {"legacy:no_scan_on_push", "legacy:mutable_tags"}
    assert (fails["legacy:no_scan_on_push"].severity, fails["legacy:mutable_tags"].severity) == ("medium", "low")
    assert "app-ruled:scanned_and_immutable" in by(findings, "PASS")


def test_dev06_rotation_and_unused_secret():
    w = good_devtools_world()
    w["secretsmanager.ListSecrets"].append({"Name": "old", "RotationEnabled": False, "CreatedDate": OLD})
    findings = run("BP-DEV-06", w)
    assert set(by(findings, "FAIL")) == {"old:no_rotation"}
    assert by(findings, "REVIEW")["old:not_accessed"].evidence["last_accessed"] == "never"


def test_dev07_prod_and_dev_in_one_account():
    w = good_devtools_world()
    w["ec2.DescribeInstances"].append(instance("i-dev", "vpc-prod", "subnet-app", [], "dev-1", Environment="dev"))
    review = run("BP-DEV-07", w)
    assert [(f.status, f.reason) for f in review] == [("REVIEW", "prod_and_dev_together")]
    assert review[0].evidence["dev_workloads"] == "dev-1"


def test_iam04_reports_the_same_key_detections_once_per_resource():
    w = good_devtools_world()
    w["lambda.ListFunctions"].append(
        fn(
            "keys",
            "app-lambda",
            ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
            [hit("AWS_ACCESS_KEY_ID", AWS_KEY), hit("AWS_SECRET_ACCESS_KEY", AWS_KEY)],
        )
    )
    fails = by(run("BP-IAM-04", w), "FAIL")
    assert set(fails) == {"keys:access_key_in_code"} and fails["keys:access_key_in_code"].severity == "critical"
    assert fails["keys:access_key_in_code"].evidence == {"where": "lambda", "resource": "keys"}
