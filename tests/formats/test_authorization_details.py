"""GetAccountAuthorizationDetails as IAM answers it: policy documents as percent-encoded JSON text, managed
policies with several versions (only the default is in force), inline and managed policies, ``NotAction``,
conditions with lists and ``…IfExists`` operators (:func:`formats.worlds.shop_details`). moto answers with
documents already decoded and, without ``MOTO_IAM_LOAD_MANAGED_POLICIES``, no AWS managed policies."""

from __future__ import annotations

import json
from urllib.parse import quote

from formats import harness
from formats.samples import document, statement, url_encoded
from formats.verdicts import only, verdicts
from formats.worlds import DEPLOY, MFA_DENY, POWER, collected, shop_details, shop_policies

PASS, FAIL, REVIEW, NOT_ASSESSED = "PASS", "FAIL", "REVIEW", "NOT_ASSESSED"
policy = harness.policy


def test_collected_documents_are_decoded_from_their_url_encoded_form():
    stored = collected("shop").snapshot().items("iam", harness.GLOBAL, "GetAccountAuthorizationDetails")[0]
    raw = shop_details()
    role = next(r for r in stored["RoleDetailList"] if r["RoleName"] == "vendor-support")
    assert isinstance(role["AssumeRolePolicyDocument"], dict)
    raw_role = next(r for r in raw["RoleDetailList"] if r["RoleName"] == "vendor-support")
    assert raw_role["AssumeRolePolicyDocument"].startswith("%7B%0A%20%20%20%20%22Version%22")  # as IAM sends it
    assert policy.document(raw_role["AssumeRolePolicyDocument"]) == role["AssumeRolePolicyDocument"]


def test_the_evaluator_reads_every_form_of_a_document():
    doc = document(statement("Allow", "s3:GetObject", condition={"StringLike": {"s3:prefix": ["a/*", "b/%2A"]}}))
    assert policy.document(url_encoded(doc)) == doc  # percent-encoded (IAM's API)
    assert policy.document(json.dumps(doc)) == doc  # JSON text (a CLI or CloudFormation export)
    assert policy.document(quote(json.dumps(doc, indent=2), safe="")) == doc  # starting with an encoded newline
    assert policy.document(doc) is doc  # decoded by botocore
    assert policy.statements({"Statement": {"Effect": "Allow", "Action": "*"}}) == [{"Effect": "Allow", "Action": "*"}]


def test_only_the_default_version_counts():
    managed = harness.inventory_of(collected("shop").snapshot()).iam.managed_policies
    deploy = managed[DEPLOY]["document"]
    assert not policy.allows_star_on_star(deploy)  # v1 allowed * on *, v3 is the default
    assert "lambda:UpdateFunctionCode" in policy.allowed_actions([deploy])
    assert "ec2:RunInstances" not in policy.allowed_actions([deploy])


def test_not_action_allows_the_complement():
    power = harness.inventory_of(collected("shop").snapshot()).iam.managed_policies[POWER]["document"]
    actions = policy.allowed_actions([power])
    assert {"ec2:RunInstances", "s3:GetObject", "iam:ListRoles"} <= actions
    assert not {a for a in actions if a.startswith("iam:") and a != "iam:ListRoles"}
    assert not policy.allows_star_on_star(power)  # NotAction is not Action "*"


def test_conditions_narrow_nothing_and_only_unconditional_denies_remove():
    iam_admin = next(p for p in shop_policies() if p["PolicyName"] == "iam-user-admin")
    doc = policy.document(iam_admin["PolicyVersionList"][0]["Document"])
    allowed = policy.allowed_actions([doc])
    assert "iam:AttachUserPolicy" in allowed  # ForAnyValue:StringLike with a list: still allowed (conservative)
    assert MFA_DENY in doc["Statement"]  # BoolIfExists MFA deny on *: conditional, so nothing removed
    only_s3 = document(statement("Deny", not_action="s3:*", resource="*"))
    everything = document(statement("Allow", "*"))
    left = policy.allowed_actions([everything, only_s3])
    assert left and all(a.lower().startswith("s3:") for a in left)
    scoped_deny = document(statement("Deny", "iam:*", resource="arn:aws:iam::*:user/admins/*"))
    assert "iam:CreateUser" in policy.allowed_actions([everything, scoped_deny])  # not on every resource


def test_iam_administrators_and_developers(shop_findings):
    found = verdicts(shop_findings, "BP-IAM-08")
    assert found == {
        ("alice", "admin_and_developer"): FAIL,  # two groups: IAM admin + deploy
        ("bob", "iam_admin"): REVIEW,  # the MFA-conditional deny does not take IAM away
        ("carol", "admin_and_developer"): FAIL,  # AdministratorAccess attached directly
        ("dave", "separated"): PASS,  # NotAction iam:*
        ("erin", "admin_and_developer"): FAIL,  # inline * on *
        ("frank", "separated"): PASS,  # an unconditional Deny NotAction s3:* leaves S3 only
        ("gina", "separated"): PASS,  # the auditor policy's old version allowed iam:*, the default reads only
        ("henry", "policy_unreadable"): NOT_ASSESSED,  # attached policy absent from the listing
        ("ci", "separated"): PASS,
        ("taro.yamada", "separated"): PASS,
        ("iam-admins", "iam_admin"): REVIEW,
        ("developers", "separated"): PASS,
        ("power", "separated"): PASS,
        ("auditors", "separated"): PASS,
        ("123456789012", "too_many_admins"): FAIL,
    }
    assert only(shop_findings, "BP-IAM-08", "123456789012", "too_many_admins").evidence["count"] == 5


def test_direct_policies_and_star_on_star(shop_findings):
    found = verdicts(shop_findings, "BP-IAM-09")
    direct = {user for (user, reason), status in found.items() if reason == "user_attached_policies"}
    assert direct == {"carol", "erin", "frank", "henry"}
    star = {rid for (rid, reason) in found if reason == "star_star_policy"}
    assert star == {
        "arn:aws:iam::123456789012:policy/break-glass",  # customer managed, attached to nothing: still a risk
        "user/erin/everything",
        "role/ec2-web/all",
    }  # AdministratorAccess is AWS managed; deploy's * on * is a non-default version


def test_pipeline_roles(shop_findings):
    found = verdicts(shop_findings, "BP-DEV-04")
    assert found == {
        ("lambda-orders", "pipeline_role_scoped"): PASS,
        ("lambda-admin", "pipeline_role_admin"): FAIL,
        ("build-deploy", "pipeline_role_scoped"): PASS,  # deploy's first version (* on *) is not in force
        ("pipeline-main", "pipeline_role_admin"): FAIL,  # iam:PassRole
        ("lambda-gone", "role_unknown"): NOT_ASSESSED,  # the function's role was deleted
    }
    admin = only(shop_findings, "BP-DEV-04", "pipeline-main", "pipeline_role_admin").evidence
    assert (admin["policies"], admin["count"]) == (["run (inline)"], 1)  # the inline policy allowing iam:PassRole


def test_documents_stored_still_encoded_give_the_same_verdicts(shop_findings):
    """A snapshot whose documents are the API's raw text (another tool, or botocore without its IAM handler)."""
    snapshot = collected("shop").snapshot()
    details = snapshot.items("iam", harness.GLOBAL, "GetAccountAuthorizationDetails")[0]
    for kind, key in (("UserDetailList", "UserPolicyList"), ("GroupDetailList", "GroupPolicyList"),
                      ("RoleDetailList", "RolePolicyList")):  # fmt: skip
        for principal in details[kind]:
            for entry in principal[key]:
                entry["PolicyDocument"] = url_encoded(entry["PolicyDocument"])
    for role in details["RoleDetailList"]:
        role["AssumeRolePolicyDocument"] = url_encoded(role["AssumeRolePolicyDocument"])
    for managed in details["Policies"]:
        for version in managed["PolicyVersionList"]:
            version["Document"] = url_encoded(version["Document"])
    checks = ["BP-IAM-06", "BP-IAM-08", "BP-IAM-09", "BP-DEV-04"]
    again = harness.findings_of(snapshot, checks)
    for check in checks:
        assert verdicts(again, check) == verdicts(shop_findings, check), check


def test_trust_policies_with_lists_and_conditions(shop_findings):
    found = verdicts(shop_findings, "BP-IAM-06")
    assert found[("vendor-support", "cross_account_no_condition")] == REVIEW  # principals as a list, two forms
    assert found[("partner-audit", "cross_account_guarded")] == PASS
    assert found[("public-role", "trusts_anyone")] == FAIL
    assert ("AWSServiceRoleForSupport", "no_external_trust") not in found  # service-linked roles are skipped
    assert only(shop_findings, "BP-IAM-06", "vendor-support", "cross_account_no_condition").evidence["accounts"] == [
        "999988887777"
    ]
    # a condition counts by what it demands: MFA "false" does not guard, GitHub's shared audience alone does not
    assert found[("partner-people", "cross_account_no_condition")] == REVIEW
    assert found[("github-deploy", "federated_no_condition")] == FAIL
    assert found[("github-docs", "federated_guarded")] == PASS
