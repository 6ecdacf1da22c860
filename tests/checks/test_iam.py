"""BP-IAM-01 … 11 on tiny in-memory snapshots: FAIL, PASS and NOT_ASSESSED for each."""

from __future__ import annotations

import pytest
from awsbp.catalog import Catalog
from awsbp.checks.iam import person_key, same_person_across_accounts
from awsbp.checks.registry import REGISTRY
from awsbp.checks.run import run_check
from awsbp.findings import Finding
from awsbp.inventory import Inventory
from awsbp.params import Settings
from factory import (
    ACCOUNT,
    OLD,
    RECENT,
    allow,
    details,
    good_iam_world,
    iam_group,
    iam_role,
    iam_user,
    instance,
    managed,
    report_row,
    snapshot,
    trust,
)

IAM_CHECKS = sorted(c for c in REGISTRY if c.startswith("BP-IAM"))


def run(check_id: str, data: dict, settings: Settings | None = None, **kw) -> list[Finding]:
    settings = settings or Settings()
    return run_check(REGISTRY[check_id], Inventory(snapshot(data, **kw), settings), settings)


def by(findings: list[Finding], status: str) -> dict[str, Finding]:
    return {f"{f.resource_id}:{f.reason}": f for f in findings if f.status == status}


def replace_users(world: dict, *rows) -> dict:
    world["iam.GetCredentialReport"] = [world["iam.GetCredentialReport"][0], *rows]
    return world


@pytest.mark.parametrize("check_id", IAM_CHECKS)
def test_good_world_has_only_pass(check_id):
    findings = run(check_id, good_iam_world())
    assert findings
    assert {f.status for f in findings} == {"PASS"}, [(f.reason, f.resource_id) for f in findings]


@pytest.mark.parametrize(("check_id", "api"), [(c, f"{s}.{a}") for c in IAM_CHECKS for s, a in REGISTRY[c].needs])
def test_missing_input_gives_not_assessed_never_pass(check_id, api):
    findings = run(check_id, good_iam_world(), missing=[api])
    assert findings and {f.status for f in findings} == {"NOT_ASSESSED"}
    assert all(api in f.evidence["missing"] for f in findings)


def test_iam01_root_without_mfa_with_keys_and_recent_use():
    w = good_iam_world()
    w["iam.GetAccountSummary"] = [{"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1}]
    w["iam.GetCredentialReport"][0] = report_row("<root_account>", password_used=RECENT)
    findings = run("BP-IAM-01", w)
    assert set(by(findings, "FAIL")) == {"<root_account>:root_no_mfa", "<root_account>:root_access_keys"}
    assert by(findings, "REVIEW")["<root_account>:root_recent_use"].evidence == {"last_used": "2026-11-20", "days": 8}


def test_iam01_report_without_root_row_is_not_assessed_for_that_part_only():
    w = good_iam_world()
    w["iam.GetCredentialReport"] = w["iam.GetCredentialReport"][1:]
    findings = run("BP-IAM-01", w)
    assert {(f.status, f.reason) for f in findings} == {
        ("PASS", "root_mfa"),
        ("PASS", "root_no_access_keys"),
        ("NOT_ASSESSED", "root_usage_unknown"),
    }


def test_iam02_missing_and_weak_policy():
    w = good_iam_world()
    w["iam.GetAccountPasswordPolicy"] = []
    assert [(f.status, f.reason) for f in run("BP-IAM-02", w)] == [("FAIL", "no_password_policy")]
    w["iam.GetAccountPasswordPolicy"] = [
        {
            "MinimumPasswordLength": 8,
            "RequireSymbols": False,
            "RequireNumbers": True,
            "RequireUppercaseCharacters": True,
            "RequireLowercaseCharacters": True,
            "PasswordReusePrevention": 24,
        }
    ]
    weak = {f.evidence["setting"]: f.evidence for f in run("BP-IAM-02", w)}
    assert weak == {
        "minimum_length": {"setting": "minimum_length", "actual": 8, "expected": 14, "unit": "characters"},
        "require_symbols": {"setting": "require_symbols", "actual": False, "expected": True, "unit": ""},
    }
    strict = Settings.model_validate({"password_policy": {"max_age_days": 90}})
    assert "max_age_days" in {f.evidence.get("setting") for f in run("BP-IAM-02", good_iam_world(), strict)}


def test_iam03_console_user_without_mfa():
    w = replace_users(good_iam_world(), report_row("bob", password=True), report_row("api", key1=True))
    findings = run("BP-IAM-03", w)
    assert set(by(findings, "FAIL")) == {"bob:console_without_mfa"}
    assert not [f for f in findings if f.resource_id == "api"]  # no console: out of scope


def test_iam04_instances_without_role_or_with_imdsv1_and_service_users():
    w = good_iam_world()
    w["ec2.DescribeInstances"] += [
        instance("i-norole", "vpc-prod", "subnet-app", [], "norole", profile=""),
        instance("i-v1", "vpc-prod", "subnet-app", [], "v1", http_tokens="optional"),
    ]
    replace_users(w, report_row("svc", key1=True, key1_rotated=OLD, key1_used=RECENT, key1_service="s3"))
    findings = run("BP-IAM-04", w)
    assert set(by(findings, "FAIL")) == {"i-norole:instance_without_role", "i-v1:imdsv1_with_role"}
    review = by(findings, "REVIEW")["svc:service_user"]
    assert (
        review.evidence["key_count"] == 1
        and review.evidence["key_age_days"] == 322
        and review.evidence["last_services"] == ["s3"]
    )


def test_iam05_two_keys_old_key_unused_key():
    w = replace_users(
        good_iam_world(),
        report_row(
            "two", key1=True, key1_rotated=RECENT, key1_used=RECENT, key2=True, key2_rotated=RECENT, key2_used=RECENT
        ),
        report_row("old", key1=True, key1_rotated=OLD, key1_used=RECENT),
        report_row("never", key1=True, key1_rotated=OLD),
        report_row("fresh", key1=True, key1_rotated=RECENT),
    )
    findings = run("BP-IAM-05", w)
    assert set(by(findings, "FAIL")) == {
        "two:two_active_keys",
        "old:key1:key_not_rotated",
        "never:key1:key_not_rotated",
        "never:key1:key_unused",
    }
    assert by(findings, "FAIL")["never:key1:key_unused"].evidence["last_used"] == "never"
    assert set(by(findings, "PASS")) == {"fresh:keys_ok"}


def test_iam05_leaves_root_keys_to_iam01():
    w = good_iam_world()
    w["iam.GetCredentialReport"][0] = report_row("<root_account>", key1=True, key1_rotated=OLD)
    assert not [f for f in run("BP-IAM-05", w) if f.resource_id.startswith("<root_account>")]


def test_iam06_trust_policies():
    w = good_iam_world()
    w["iam.GetAccountAuthorizationDetails"][0]["RoleDetailList"] += [
        iam_role("anyone", trust({"AWS": "*"})),
        iam_role("star", trust("*")),
        iam_role("vendor", trust({"AWS": ["111111111111", f"arn:aws:iam::{ACCOUNT}:root"]})),
        iam_role(
            "people", trust({"AWS": "arn:aws:iam::222222222222:root"}, {"Bool": {"aws:MultiFactorAuthPresent": "true"}})
        ),
        iam_role("AWSServiceRoleForX", trust({"AWS": "*"}), path="/aws-service-role/x/"),
    ]
    findings = run("BP-IAM-06", w)
    assert set(by(findings, "FAIL")) == {"anyone:trusts_anyone", "star:trusts_anyone"}
    assert by(findings, "REVIEW")["vendor:cross_account_no_condition"].evidence["accounts"] == ["111111111111"]
    assert by(findings, "PASS")["people:cross_account_guarded"].evidence["conditions"] == [
        "Bool aws:MultiFactorAuthPresent = true"
    ]


PARTNER = "arn:aws:iam::111111111111:root"


@pytest.mark.parametrize(
    ("condition", "guarded"),
    [
        ({"StringEquals": {"sts:ExternalId": "7f3c-partner"}}, True),
        ({"StringEquals": {"sts:ExternalId": ["7f3c", "9a1b"]}}, True),
        ({"ForAnyValue:StringEquals": {"sts:ExternalId": "7f3c"}}, True),
        ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, True),
        ({"Bool": {"aws:MultiFactorAuthPresent": True}}, True),
        ({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, True),
        ({"Bool": {"aws:MultiFactorAuthPresent": "false"}}, False),
        ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, False),
        ({"Null": {"sts:ExternalId": "false"}}, False),
        ({"Null": {"aws:MultiFactorAuthPresent": "false"}}, False),
        ({"StringEqualsIfExists": {"sts:ExternalId": "7f3c"}}, False),
        ({"StringLike": {"sts:ExternalId": "*"}}, False),
        ({"StringNotEquals": {"sts:ExternalId": "x"}}, False),
        ({"ForAllValues:StringEquals": {"sts:ExternalId": "7f3c"}}, False),
        ({"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}, False),
        ({"Bool": {"aws:SecureTransport": "true"}}, False),
    ],
)
def test_iam06_a_condition_guards_by_its_operator_and_value_not_its_key(condition, guarded):
    w = good_iam_world()
    w["iam.GetAccountAuthorizationDetails"][0]["RoleDetailList"].append(
        iam_role("supplier", trust({"AWS": PARTNER}, condition))
    )
    (found,) = [f for f in run("BP-IAM-06", w) if f.resource_id == "supplier"]
    assert (found.status, found.reason) == (
        ("PASS", "cross_account_guarded") if guarded else ("REVIEW", "cross_account_no_condition")
    )
    if not guarded:
        assert found.evidence["accounts"] == ["111111111111"]
        assert found.evidence["ignored"]  # the conditions there are, and why they do not count


GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
OKTA = f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta"


def federated(provider: str, condition: dict | None = None) -> dict:
    doc = trust({"Federated": provider}, condition)
    doc["Statement"][0]["Action"] = "sts:AssumeRoleWithSAML" if "saml" in provider else "sts:AssumeRoleWithWebIdentity"
    return doc


@pytest.mark.parametrize(
    ("provider", "condition", "guarded"),
    [
        (GITHUB, None, False),
        (GITHUB, {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}, False),
        (GITHUB, {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}, False),
        (
            GITHUB,
            {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:example/app:ref:refs/heads/main"}},
            True,
        ),
        (GITHUB, {"StringLikeIfExists": {"token.actions.githubusercontent.com:sub": "repo:example/app:*"}}, False),
        ("accounts.google.com", {"StringEquals": {"accounts.google.com:aud": "1234.apps.googleusercontent.com"}}, True),
        (OKTA, None, False),
        (OKTA, {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}, True),
    ],
)
def test_iam06_identity_providers_need_a_subject_or_audience_that_narrows(provider, condition, guarded):
    w = good_iam_world()
    w["iam.GetAccountAuthorizationDetails"][0]["RoleDetailList"].append(iam_role("ci", federated(provider, condition)))
    (found,) = [f for f in run("BP-IAM-06", w) if f.resource_id == "ci"]
    if guarded:
        assert (found.status, found.reason) == ("PASS", "federated_guarded")
    else:
        assert (found.status, found.severity, found.reason) == ("FAIL", "high", "federated_no_condition")
        assert found.evidence["providers"] == [provider.rsplit("/", 1)[-1]]


def test_iam06_same_person_in_several_accounts():
    first = snapshot(good_iam_world())
    second = snapshot(good_iam_world())
    second.meta["account_id"] = "444455556666"
    second.meta["account_name"] = "acme-dev"  # as the batch names it; the first has no name: its id stands in
    second.data["iam"]["global"]["GetCredentialReport"] = [report_row("Alice@Example.com", password=True)]
    third = snapshot(good_iam_world(), missing=["iam.GetCredentialReport"])
    findings = same_person_across_accounts([Inventory(s) for s in (first, second, third)])
    assert sorted((f.account_id, f.resource_id, f.status) for f in findings) == [
        ("111122223333", "alice", "FAIL"),
        ("444455556666", "Alice@Example.com", "FAIL"),
    ]
    assert {(tuple(f.evidence["accounts"]), tuple(f.evidence["account_names"])) for f in findings} == {
        (("111122223333", "444455556666"), ("111122223333", "acme-dev"))
    }
    en = Catalog("en").message(findings[0])
    assert '"111122223333", "acme-dev"' in en and "444455556666" not in en  # the words show the run's names
    assert person_key("taro_yamada") == person_key("Taro.Yamada@corp.example") == "taroyamada"


def test_iam07_https_git_credentials():
    w = good_iam_world()
    w["iam.ListServiceSpecificCredentials"] = [
        {"UserName": "ci", "ServiceName": "codecommit.amazonaws.com", "Status": "Active"},
        {"UserName": "alice", "ServiceName": "codecommit.amazonaws.com", "Status": "Inactive"},
    ]
    w["iam.ListSSHPublicKeys"] = [{"UserName": "ci", "SSHPublicKeyId": "APKA2", "Status": "Active"}]
    findings = run("BP-IAM-07", w)
    assert set(by(findings, "FAIL")) == {"ci:https_git_credentials"}
    assert by(findings, "FAIL")["ci:https_git_credentials"].evidence["ssh_keys"] == 1  # the way out is there
    assert "alice:no_https_git_credentials" in by(findings, "PASS")


def test_iam08_admin_and_developer_and_too_many_admins():
    admin_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
    w = good_iam_world()
    w["iam.GetAccountAuthorizationDetails"] = details(
        users=[
            iam_user("dev-admin", groups=["devs"]),
            iam_user("root-like", attached=[admin_arn]),
            iam_user("iam-only", inline={"p": allow("iam:Attach*")}),
            iam_user("reader", inline={"p": allow("iam:Get*", "iam:List*")}),
        ],
        groups=[iam_group("devs", inline={"p": allow("lambda:*", "iam:PutUserPolicy")})],
        policies=[managed(admin_arn, allow("*"))],
    )
    findings = run("BP-IAM-08", w, Settings(max_iam_admins=2))
    fails = by(findings, "FAIL")
    assert set(fails) == {
        "dev-admin:admin_and_developer",
        "devs:admin_and_developer",
        "root-like:admin_and_developer",
        f"{ACCOUNT}:too_many_admins",
    }
    assert fails[f"{ACCOUNT}:too_many_admins"].evidence["count"] == 4
    assert set(by(findings, "REVIEW")) == {"iam-only:iam_admin"}
    assert set(by(findings, "PASS")) == {"reader:separated"}  # read-only IAM access is not administration


def test_iam08_deny_and_notaction_are_honoured_and_unknown_policy_not_assessed():
    w = good_iam_world()
    deny_iam = {
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
        ]
    }
    not_iam = {"Statement": [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}]}
    w["iam.GetAccountAuthorizationDetails"] = details(
        users=[
            iam_user("poweruser", inline={"p": deny_iam}),
            iam_user("notaction", inline={"p": not_iam}),
            iam_user("mystery", attached=["arn:aws:iam::aws:policy/Unknown"]),
        ]
    )
    findings = run("BP-IAM-08", w)
    assert set(by(findings, "PASS")) == {"poweruser:separated", "notaction:separated"}
    assert set(by(findings, "NOT_ASSESSED")) == {"mystery:policy_unreadable"}


def test_iam09_direct_policies_and_star_star():
    w = good_iam_world()
    w["iam.GetAccountAuthorizationDetails"] = details(
        users=[
            iam_user("direct", attached=["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
            iam_user("inliner", inline={"everything": allow("*")}),
        ],
        groups=[iam_group("ok")],
        policies=[
            managed(f"arn:aws:iam::{ACCOUNT}:policy/god", allow("*")),
            managed("arn:aws:iam::aws:policy/AdministratorAccess", allow("*")),
            managed(f"arn:aws:iam::{ACCOUNT}:policy/narrow", allow("s3:*", resource="arn:aws:s3:::b/*")),
        ],
    )
    fails = by(run("BP-IAM-09", w), "FAIL")
    assert set(fails) == {
        "direct:user_attached_policies",
        "inliner:user_attached_policies",
        f"arn:aws:iam::{ACCOUNT}:policy/god:star_star_policy",
        "user/inliner/everything:star_star_policy",
    }
    assert fails[f"arn:aws:iam::{ACCOUNT}:policy/god:star_star_policy"].severity == "high"


def test_iam10_unused_and_never_used_users():
    w = replace_users(
        good_iam_world(),
        report_row("gone", password=True, mfa=True, password_used=OLD),
        report_row("never", created=OLD),
        report_row("newbie", created=RECENT),
        report_row("keyuser", key1=True, key1_rotated=OLD, key1_used=RECENT),
    )
    findings = run("BP-IAM-10", w)
    assert set(by(findings, "FAIL")) == {"gone:unused_user", "never:unused_user"}
    assert by(findings, "FAIL")["never:unused_user"].evidence["last_activity"] == "never"
    assert set(by(findings, "PASS")) == {"newbie:active_user", "keyuser:active_user"}


def test_iam11_access_analyzer_per_region():
    w = good_iam_world()
    findings = run("BP-IAM-11", w, regions=["eu-west-1", "us-east-1"])
    assert {(f.region, f.status) for f in findings} == {("eu-west-1", "PASS"), ("us-east-1", "FAIL")}


def test_principals_holding_the_same_policies_share_their_actions():
    w = good_iam_world()
    w["iam.GetAccountAuthorizationDetails"] = details(
        users=[iam_user("a", groups=["devs"]), iam_user("b", groups=["devs"]), iam_user("c", groups=["devs", "ops"])],
        groups=[
            iam_group("devs", inline={"p": allow("lambda:*")}),
            iam_group("ops", inline={"p": allow("ec2:*"), "no-iam": {"Statement": [deny_iam()]}}),
        ],
    )
    perms = {p["principal"]: p["actions"] for p in Inventory(snapshot(w)).iam.principal_permissions.to_dict("records")}
    assert perms["a"] is perms["b"] is perms["devs"]  # one object for one combination of policies
    assert "lambda:InvokeFunction" in perms["c"] and "ec2:RunInstances" in perms["c"]
    assert {"lambda:InvokeFunction", "s3:GetObject"} & perms["a"] == {"lambda:InvokeFunction"}
    assert len(perms["a"]) == len(set(perms["a"])) > 50


def deny_iam() -> dict:
    return {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}


def test_iam08_names_the_policies_that_grant_each_right():
    w = good_iam_world()
    w["iam.GetAccountAuthorizationDetails"] = details(
        users=[
            iam_user("lead", groups=["admins"], inline={"ship": allow("lambda:UpdateFunctionCode", "s3:GetObject")})
        ],
        groups=[iam_group("admins", attached=[f"arn:aws:iam::{ACCOUNT}:policy/iam-admin"])],
        policies=[managed(f"arn:aws:iam::{ACCOUNT}:policy/iam-admin", allow("iam:Attach*", "iam:Get*"))],
    )
    fail = by(run("BP-IAM-08", w), "FAIL")["lead:admin_and_developer"]
    assert fail.evidence["iam_policies"] == ["iam-admin via admins"]  # held through the group
    assert fail.evidence["developer_policies"] == ["ship (inline)"]
    assert fail.evidence["iam_count"] >= 3 and fail.evidence["developer_count"] == 1


def test_iam05_names_each_key_by_slot_with_its_dates_and_never_says_an_unused_key_is_used():
    w = replace_users(
        good_iam_world(),
        report_row("old", key1=True, key1_rotated=OLD, key1_used=RECENT),
        report_row("new", key1=True, key1_rotated=RECENT),  # created a week ago, not used yet
    )
    findings = run("BP-IAM-05", w)
    old = by(findings, "FAIL")["old:key1:key_not_rotated"].evidence
    assert (old["key"], old["rotated"], old["age_days"], old["last_used"]) == (1, "2026-01-10", 322, "2026-11-20")
    ok = by(findings, "PASS")["new:keys_ok"]
    assert ok.evidence["keys"] == [{"key": 1, "rotated": "2026-11-20", "age_days": 8, "last_used": "never"}]
    from awsbp.catalog import Catalog

    assert "使用履歴なし" in Catalog("ja").message(ok) and "in use" not in Catalog("en").message(ok)
