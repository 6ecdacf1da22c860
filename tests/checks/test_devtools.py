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
    ACCOUNT,
    OLD,
    REGION,
    allow,
    good_devtools_world,
    hit,
    iam_role,
    instance,
    managed,
    pipeline,
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
    assert fails["keys:aws_key_in_env"].evidence["where"] == ["AWS_ACCESS_KEY_ID"]
    assert fails["pw:secret_in_env"].severity == "high"
    assert fails["named:secret_in_env"].evidence == {
        "function": "named",
        "where": ["STRIPE_API_KEY"],
        "detectors": ["Secret-like name"],
    }


def test_dev01_variables_lambda_could_not_decrypt_are_not_assessed_unless_a_secret_was_found():
    error = "environment variables not readable: KMSAccessDeniedException: Lambda was unable to decrypt"
    w = good_devtools_world()
    locked = fn("locked", "app-lambda", [])
    locked["AwsbpUnreadable"] = error
    leaky = fn("leaky", "app-lambda", [], [hit("Description", "GitHub Token")])
    leaky["AwsbpUnreadable"] = error
    w["lambda.ListFunctions"] += [locked, leaky]
    findings = run("BP-DEV-01", w)
    assert by(findings, "NOT_ASSESSED")["locked:env_unreadable"].evidence["unreadable"] == [error]
    assert "leaky:secret_in_env" in by(findings, "FAIL")
    assert not [f for f in findings if f.resource_name == "locked" and f.status == "PASS"]


def test_dev02_plaintext_secret_and_privileged_mode():
    w = good_devtools_world()
    w["codebuild.BatchGetProjects"] += [
        project(
            "leaky",
            "build-scoped",
            ["DB_PASSWORD"],
            [
                hit("DB_PASSWORD", at="environmentVariables.DB_PASSWORD"),
                hit(7, "Password Argument", at="source.buildspec, line 7"),
                hit("source.location", "Basic Auth Credentials"),
            ],
            privileged=True,
        )
    ]
    findings = run("BP-DEV-02", w)
    assert set(by(findings, "FAIL")) == {"leaky:secret_in_plaintext"}
    assert by(findings, "FAIL")["leaky:secret_in_plaintext"].evidence["where"] == [
        "environmentVariables.DB_PASSWORD",  # the variable is not listed twice for its secret-like name
        "source.buildspec, line 7",
        "source.location",
    ]
    assert set(by(findings, "REVIEW")) == {"leaky:privileged_mode"}
    assert "build:no_plaintext_secrets" in by(findings, "PASS")


def test_dev02_pipelines_with_secrets_in_their_settings():
    w = good_devtools_world()
    token = "stages[0].actions[0].configuration.OAuthToken"
    w["codepipeline.GetPipeline"] += [
        pipeline("github", "pipeline-role", [hit("OAuthToken", "GitHub Token", at=token)]),
        pipeline("keys", "pipeline-role", [hit("AWS_KEY", AWS_KEY, at="variables.AWS_KEY")]),
    ]
    findings = run("BP-DEV-02", w)
    fails = by(findings, "FAIL")
    assert set(fails) == {"github:secret_in_pipeline", "keys:aws_key_in_pipeline"}
    assert fails["github:secret_in_pipeline"].evidence["where"] == [token]
    assert (fails["github:secret_in_pipeline"].severity, fails["keys:aws_key_in_pipeline"].severity) == (
        "high",
        "critical",
    )
    assert fails["keys:aws_key_in_pipeline"].resource_type == "codepipeline_pipeline"
    assert "pipeline:no_pipeline_secrets" in by(findings, "PASS")
    found = Inventory(snapshot(w)).devtools.secret_detections
    assert set(found[found["source"] == "codepipeline"]["where"]) == {token, "variables.AWS_KEY"}


def test_dev02_pipelines_that_could_not_be_read_do_not_hide_the_build_projects():
    w = good_devtools_world()
    findings = run("BP-DEV-02", w, missing=["codepipeline.GetPipeline"])
    assert {(f.status, f.reason) for f in findings} == {
        ("PASS", "no_plaintext_secrets"),
        ("NOT_ASSESSED", "pipelines_not_assessed"),
    }
    gap = next(f for f in findings if f.status == "NOT_ASSESSED")
    assert "codepipeline.GetPipeline" in gap.evidence["missing"]


def test_dev03_user_data_with_key():
    w = good_devtools_world()
    w["ec2.DescribeInstances"].append(instance("i-dev", "vpc-prod", "subnet-app", [], "dev-1"))
    w["ec2.DescribeInstanceAttribute"].append(
        {"InstanceId": "i-dev", "Size": 200, "AwsbpSecrets": [hit(3, AWS_KEY), hit(4, "Base64 High Entropy String")]}
    )
    fail = by(run("BP-DEV-03", w), "FAIL")["dev-1:aws_key_in_user_data"]
    assert fail.severity == "critical" and fail.evidence["where"] == ["line 3", "line 4"]


def test_dev03_user_data_that_could_not_be_decoded_is_not_assessed_never_pass():
    w = good_devtools_world()
    w["ec2.DescribeInstances"] += [
        instance("i-zip", "vpc-prod", "subnet-app", [], "zip"),
        instance("i-mixed", "vpc-prod", "subnet-app", [], "mixed"),
    ]
    w["ec2.DescribeInstanceAttribute"] += [
        {
            "InstanceId": "i-zip",
            "Size": 90,
            "AwsbpSecrets": [],
            "AwsbpUnreadable": "user data: corrupt gzip (truncated)",
        },
        {
            "InstanceId": "i-mixed",
            "Size": 900,
            "AwsbpSecrets": [hit(3, at="part 2 (setup.sh), line 3")],
            "AwsbpUnreadable": "part 1 (blob.bin): binary content (not scanned)",
        },
    ]
    findings = run("BP-DEV-03", w)
    unread = by(findings, "NOT_ASSESSED")["zip:user_data_unreadable"]
    assert unread.severity == "critical" and unread.evidence["unreadable"] == ["corrupt gzip (truncated)"]
    assert by(findings, "FAIL")["mixed:secret_in_user_data"].evidence["where"] == ["part 2 (setup.sh), line 3"]
    assert {f.resource_name for f in findings if f.status == "PASS"} == {"web-1"}


def test_dev04_admin_build_role_and_unknown_role():
    w = good_devtools_world()
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    details = w["iam.GetAccountAuthorizationDetails"][0]
    details["RoleDetailList"].append(iam_role("build-admin", trust({"Service": "codebuild.amazonaws.com"}), [admin]))
    details["Policies"].append(managed(admin, {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    w["codebuild.BatchGetProjects"] += [project("admin-build", "build-admin"), project("ghost", "deleted-role")]
    findings = run("BP-DEV-04", w)
    assert by(findings, "FAIL")["build-admin:pipeline_role_admin"].evidence["used_by"] == ["codebuild:admin-build"]
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


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [
        ("prod-*", "prod-api", True),
        ("*", "anything", True),
        ("*-api", "orders-api", True),
        ("a*b*c", "abc", True),
        ("a*b*c", "acb", False),
        ("app.v1", "appxv1", False),  # a dot is a dot, not any character
        ("app.v1", "app.v1", True),
        ("web", "web-2", False),
        ("ab*ba", "aba", False),  # the pieces may not overlap
        ("[a-z]*", "x", False),  # no character classes either
    ],
)
def test_ecr_filters_use_aws_wildcards_only(pattern, name, matches):
    w = good_devtools_world()
    w["ecr.GetRegistryScanningConfiguration"] = [registry_rule(pattern)]
    assert Inventory(snapshot(w)).devtools.registry_scans_on_push(REGION, name) is matches


def test_ecr_filter_matching_takes_linear_time_on_a_crafted_filter():
    import time

    w = good_devtools_world()
    w["ecr.GetRegistryScanningConfiguration"] = [registry_rule("a*" * 40 + "b")]
    devtools = Inventory(snapshot(w)).devtools
    started = time.perf_counter()
    assert devtools.registry_scans_on_push(REGION, "a" * 256) is False
    assert time.perf_counter() - started < 0.5


def registry_rule(pattern: str) -> dict:
    rule = {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": pattern, "filterType": "WILDCARD"}]}
    return {"scanningConfiguration": {"scanType": "ENHANCED", "rules": [rule]}}


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
    assert review[0].evidence["dev_workloads"] == ["dev-1"]


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
    assert fails["keys:access_key_in_code"].evidence == {
        "kind": "lambda",
        "place": "lambda",
        "resource": "keys",
        "where": ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
    }


def test_dev04_names_the_policy_that_grants_iam_write():
    w = good_devtools_world()
    details = w["iam.GetAccountAuthorizationDetails"][0]
    writer = f"arn:aws:iam::{ACCOUNT}:policy/iam-writer"
    role = iam_role("build-mixed", trust({"Service": "codebuild.amazonaws.com"}), [writer])
    role["RolePolicyList"] = [{"PolicyName": "scoped", "PolicyDocument": allow("s3:GetObject")}]
    details["RoleDetailList"].append(role)
    details["Policies"].append(managed(writer, allow("iam:CreateUser", "iam:PutRolePolicy")))
    w["codebuild.BatchGetProjects"].append(project("mixed", "build-mixed"))
    fail = by(run("BP-DEV-04", w), "FAIL")["build-mixed:pipeline_role_admin"]
    assert (fail.evidence["policies"], fail.evidence["count"]) == (["iam-writer"], 2)
