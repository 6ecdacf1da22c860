"""Regions that are not enabled, and partitions other than ``aws`` (GovCloud, China).

An opt-in region that the account has not enabled answers every call with an authentication error
(EC2: ``AuthFailure`` or ``OptInRequired``; JSON APIs: ``UnrecognizedClientException``; query APIs:
``InvalidClientTokenId``): the collection must record a gap and the checks say NOT_ASSESSED there, never PASS.
In another partition every ARN awsbp builds must name that partition, never ``aws``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from botocore.stub import Stubber
from contracts.model import service_model

from formats import harness, samples
from formats.samples import ACCOUNT, NOW, PARTNER, REGION, Error, FakeAws, World
from formats.verdicts import verdicts
from formats.worlds import partition_account, shop_account

OPT_IN = "ap-east-1"  # Hong Kong: opt-in
LIB = Path(__file__).resolve().parents[2] / "lib" / "awsbp"


def not_enabled(service: str) -> Error:
    """What a region the account has not enabled answers, by the API's protocol."""
    protocol = service_model(service).protocol
    if protocol == "ec2":
        return Error("AuthFailure", "AWS was not able to validate the provided access credentials", 401)
    if protocol == "query":
        return Error("InvalidClientTokenId", "The security token included in the request is invalid.", 403)
    return Error("UnrecognizedClientException", "The security token included in the request is invalid.", 403)


def collect(world: World):
    snapshot = harness.collect_with_clients(FakeAws(world).client, world.regions, world.identity)
    snapshot.meta["collected_at"] = NOW.isoformat()
    return harness.saved_and_loaded(snapshot)


@pytest.fixture(scope="module")
def opt_in():
    world = shop_account()
    world.regions = [REGION, OPT_IN]
    snapshot = collect(world.region_down(OPT_IN, not_enabled))
    return snapshot, harness.findings_of(snapshot)


REGIONAL = sorted((s, a.name) for s, scope, a in harness.collected_apis() if scope == "regional")


def test_a_region_not_enabled_is_a_gap_for_every_regional_api(opt_in):
    snapshot, _ = opt_in
    errors = {(e["service"], e["api"]): e["code"] for e in snapshot.errors if e["region"] == OPT_IN}
    assert errors == {(service, api): not_enabled(service).code for service, api in REGIONAL}
    assert not any(OPT_IN in regions for regions in snapshot.data.values())
    assert not [e for e in snapshot.errors if e["region"] != OPT_IN]


def test_checks_say_not_assessed_there_never_pass(opt_in):
    _, findings = opt_in
    there = [f for f in findings if f.region == OPT_IN]
    assert there and {str(f.status) for f in there} == {"NOT_ASSESSED"}
    regional_checks = {f.check_id for f in findings if f.region == REGION}
    assert regional_checks <= {f.check_id for f in there}, "a check with data in one region is silent on the other"
    for finding in there:
        assert OPT_IN in finding.evidence["missing"]
        assert re.search(r"AuthFailure|UnrecognizedClientException|InvalidClientTokenId", finding.evidence["missing"])


def test_the_enabled_region_is_assessed_as_before(opt_in, shop_findings):
    _, findings = opt_in

    def here(found):
        return sorted((f.check_id, str(f.status), f.resource_id, f.reason) for f in found if f.region == REGION)

    assert here(findings) == here(shop_findings)


def test_a_region_not_enabled_does_not_erase_what_was_found_elsewhere(opt_in):
    _, findings = opt_in
    assert verdicts(findings, "BP-IAM-04").get(("frank", "service_user")) == "REVIEW"
    assert verdicts(findings, "BP-DEV-04").get(("lambda-admin", "pipeline_role_admin")) == "FAIL"
    # …but no PASS of the account as a whole stands on a region that was not read
    assert not [f for f in findings if f.region == "global" and f.check_id == "BP-DEV-07" and f.status == "PASS"]


@pytest.mark.parametrize(
    ("service", "api", "error"),
    [
        ("ec2", "DescribeVpcs", Error("OptInRequired", "You are not subscribed to this service.", 403)),
        ("ec2", "DescribeVpcs", not_enabled("ec2")),
        ("lambda", "ListFunctions", not_enabled("lambda")),
        ("rds", "DescribeDBInstances", not_enabled("rds")),
        ("codebuild", "BatchGetProjects", not_enabled("codebuild")),
    ],
    ids=["ec2-optin", "ec2-auth", "lambda", "rds", "codebuild"],
)
def test_each_answer_of_a_region_not_enabled_is_recorded(service, api, error):
    world = World(regions=[OPT_IN]).region_down(OPT_IN, lambda _service: error)
    spec = next(a for s, _, a in harness.collected_apis() if s == service and a.name == api)
    result = harness.collect_api(FakeAws(world).client(service, OPT_IN), spec)
    assert result.items is None and result.error["code"] == error.code


# --- partitions --------------------------------------------------------------------------------------------
PARTITIONS = [("aws-us-gov", "us-gov-west-1"), ("aws-cn", "cn-north-1")]


@pytest.fixture(scope="module", params=PARTITIONS, ids=[p for p, _ in PARTITIONS])
def other_partition(request):
    partition, region = request.param
    snapshot = collect(partition_account(partition, region))
    return partition, region, snapshot, harness.findings_of(snapshot)


def test_the_snapshot_names_its_partition(other_partition):
    partition, region, snapshot, _ = other_partition
    assert snapshot.meta["partition"] == partition and snapshot.regions == [region]


def test_aws_managed_policies_are_recognised_in_every_partition(other_partition):
    partition, _, snapshot, findings = other_partition
    admin = f"arn:{partition}:iam::aws:policy/AdministratorAccess"
    managed = harness.inventory_of(snapshot).iam.managed_policies
    assert managed[admin]["is_aws_managed"]
    assert f"arn:{partition}:iam::aws:policy/ReadOnlyAccess" not in managed  # unattached AWS managed: not kept
    found = verdicts(findings, "BP-IAM-09")
    assert (admin, "star_star_policy") not in found
    assert found[("ops", "user_attached_policies")] == "FAIL"


def test_trust_secret_references_and_pipeline_roles_in_every_partition(other_partition):
    _, _, _, findings = other_partition
    iam06 = verdicts(findings, "BP-IAM-06")
    assert iam06[("partner", "cross_account_no_condition")] == "REVIEW"
    assert next(f for f in findings if f.reason == "cross_account_no_condition").evidence["accounts"] == [PARTNER]
    dev01 = [f for f in findings if f.check_id == "BP-DEV-01"]
    assert [(f.reason, f.evidence["references"]) for f in dev01] == [("no_secrets_in_env", 1)]
    assert verdicts(findings, "BP-DEV-04") == {("app-admin", "pipeline_role_admin"): "FAIL"}


def test_security_hub_export_names_the_partition(other_partition, tmp_path):
    partition, _, snapshot, findings = other_partition
    exported = harness.asff_export(findings, snapshot, tmp_path)
    assert exported
    for item in exported:
        assert item["ProductArn"].startswith(f"arn:{partition}:securityhub:")
        assert {r["Partition"] for r in item["Resources"]} == {partition}
        arn = item["Resources"][0]["Id"]
        assert not arn.startswith("arn:") or arn.startswith(f"arn:{partition}:"), arn


def test_security_hub_export_places_global_findings_in_a_region_of_the_partition(other_partition, tmp_path):
    _, region, snapshot, findings = other_partition
    exported = harness.asff_export(findings, snapshot, tmp_path)
    regions = {item["ProductArn"].split(":")[3] for item in exported}
    assert regions == {region}


@pytest.mark.parametrize(("partition", "region"), PARTITIONS, ids=[p for p, _ in PARTITIONS])
def test_organization_members_are_assumed_in_the_callers_partition(monkeypatch, partition, region):
    identity = {
        "account_id": ACCOUNT,
        "partition": partition,
        "arn": f"arn:{partition}:sts::{ACCOUNT}:assumed-role/A/b",
    }
    organizations = samples.client("organizations", region)
    accounts = [
        {
            "Id": account,
            "Arn": f"arn:{partition}:organizations::{ACCOUNT}:account/o-exampleorgid/{account}",
            "Name": name,
            "Status": "ACTIVE",
            "Email": f"{name}@example.com",
        }
        for account, name in ((ACCOUNT, "management"), ("123456789013", "dev"), ("123456789014", "prod"))
    ]
    with Stubber(organizations) as stub:
        stub.add_response("list_accounts", {"Accounts": accounts}, None)
        arns = harness.organization_role_arns(monkeypatch, identity, organizations, "Audit")
    assert arns == [
        None,
        f"arn:{partition}:iam::123456789013:role/Audit",
        f"arn:{partition}:iam::123456789014:role/Audit",
    ]


@pytest.mark.parametrize("partition", ["aws", "aws-us-gov", "aws-cn"])
def test_role_arns_of_every_partition_are_accepted(partition):
    params = harness.params_of(
        {"client": "t", "accounts": [{"role_arn": f"arn:{partition}:iam::{ACCOUNT}:role/Audit"}]}
    )
    assert params.accounts[0].role_arn.startswith(f"arn:{partition}:")


# Lines of lib/awsbp (outside the demo) that spell the partition "aws" in an ARN, and why each is fine.
LITERAL_PARTITION_OK = {
    'raise ValueError("must look like arn:aws:iam::123456789012:role/RoleName")': "an example in a message",
    (
        '"is_aws_managed": p["Arn"].startswith("arn:aws:iam::aws:") or ":iam::aws:policy/" in p["Arn"],'
    ): "its second test matches every partition",
}


def test_no_arn_is_built_with_a_literal_aws_partition():
    found = {}
    for path in sorted(LIB.rglob("*.py")):
        if "demo" in path.relative_to(LIB).parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "arn:aws:" in line and line.strip() not in LITERAL_PARTITION_OK:
                found[f"{path.relative_to(LIB)}:{number}"] = line.strip()
    assert not found, f"ARNs spelled with the partition 'aws' (use the snapshot's or session's partition): {found}"
