"""Running a check: what a collection gap in one region does to the check's other findings."""

from __future__ import annotations

from awsbp.checks.registry import REGISTRY
from awsbp.checks.run import run_check
from awsbp.inventory import Inventory
from awsbp.params import Settings
from factory import REGION, good_devtools_world, iam_role, instance, managed, project, region_gap, snapshot, trust

OTHER = "us-east-1"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def _run(check_id: str, snap):
    settings = Settings()
    return run_check(REGISTRY[check_id], Inventory(snap, settings), settings)


def test_a_gap_in_one_region_keeps_the_problems_found_elsewhere_but_no_account_wide_pass():
    w = good_devtools_world()
    details = w["iam.GetAccountAuthorizationDetails"][0]
    details["RoleDetailList"].append(iam_role("build-admin", trust({"Service": "codebuild.amazonaws.com"}), [ADMIN]))
    details["Policies"].append(managed(ADMIN, {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    w["codebuild.BatchGetProjects"].append(project("admin-build", "build-admin"))
    snap = region_gap(snapshot(w, regions=[REGION, OTHER]), OTHER, "lambda.ListFunctions")
    found = {(f.region, f.resource_name, f.reason): f.status for f in _run("BP-DEV-04", snap)}
    assert found[("global", "build-admin", "pipeline_role_admin")] == "FAIL"  # found in the region that was read
    assert not [k for k, status in found.items() if k[0] == "global" and status == "PASS"]  # could be contradicted
    assert found[(OTHER, f"{snap.account_id}/{OTHER}", "not_assessed")] == "NOT_ASSESSED"


def test_an_account_wide_review_stands_next_to_a_region_gap():
    w = good_devtools_world()
    w["ec2.DescribeInstances"].append(instance("i-dev", "vpc-prod", "subnet-app", [], "dev-1", Environment="dev"))
    snap = region_gap(snapshot(w, regions=[REGION, OTHER]), OTHER, "rds.DescribeDBInstances")
    found = {(f.region, f.reason): f.status for f in _run("BP-DEV-07", snap)}
    assert found == {("global", "prod_and_dev_together"): "REVIEW", (OTHER, "not_assessed"): "NOT_ASSESSED"}


def test_a_not_assessed_finding_names_the_iam_action_and_the_cause_in_words():
    from awsbp.catalog import Catalog

    snap = region_gap(snapshot(good_devtools_world(), regions=[REGION, OTHER]), OTHER, "elbv2.DescribeLoadBalancers")
    gap = next(f for f in _run("BP-VPC-01", snap) if f.status == "NOT_ASSESSED")
    assert gap.evidence["actions"] == ["elasticloadbalancing:DescribeLoadBalancers"]
    assert "AccessDenied" in gap.evidence["missing"]  # the technical line stays, for exports and the gaps section
    en, ja = Catalog("en").message(gap), Catalog("ja").message(gap)
    assert "elasticloadbalancing:DescribeLoadBalancers" in en and "not allowed" in en and "AccessDenied" not in en
    assert "監査用ロールに権限がありません" in ja and "取得できなかったデータ" in ja and "not authorized" not in ja
    throttled = region_gap(
        snapshot(good_devtools_world(), regions=[REGION]), REGION, "rds.DescribeDBInstances", code="ThrottlingException"
    )
    gap = next(f for f in _run("BP-DEV-07", throttled) if f.status == "NOT_ASSESSED")
    assert "throttled" in Catalog("en").message(gap) and "rds:DescribeDBInstances" in Catalog("en").message(gap)


def test_every_collected_api_maps_to_the_iam_action_its_collector_declares():
    from awsbp.collect import COLLECTORS
    from awsbp.gaps import iam_action

    for module in COLLECTORS:
        for action in module.ACTIONS:
            assert iam_action(module.SERVICE, action.split(":", 1)[1]) == action, module.SERVICE
